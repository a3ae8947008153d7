"""Pick the Terraform engine and run it against the lab (``lab.terraform`` / ``lambdalab tf``).

``auto`` uses the real terraform CLI when it is on PATH and the configuration's providers can
be installed (network, or a filesystem mirror); otherwise the built-in engine applies the same
files. Either way a first line says which engine ran, and why: on ``notes``, which is stderr
for ``lambdalab tf`` so that its stdout is terraform's alone (``output -raw NAME`` in scripts).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from lambdalab.terraform import leftovers

ENGINES = ("auto", "terraform", "builtin")


def choose(chdir: Path, engine: str) -> tuple[str, str]:
    """(engine to use, one-line reason)."""
    from lambdalab.terraform import real

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "builtin":
        return "builtin", "asked for the built-in engine"
    ok, reason = real.usable(chdir)
    if engine == "terraform":
        if not ok:
            raise real.TerraformUnusable(reason)
        return "terraform", reason
    return ("terraform", reason) if ok else ("builtin", reason)


def run(
    lab: Any,
    args: Sequence[str],
    *,
    chdir: Path,
    engine: str = "auto",
    out: TextIO | None = None,
    notes: TextIO | None = None,
) -> int:
    """Run terraform ``args`` in ``chdir`` against ``lab``; returns terraform's exit code.

    Terraform's output goes to ``out``, lambdalab's own banner to ``notes`` (default: ``out``,
    so a notebook cell shows both together).
    """
    from lambdalab.terraform import real

    out = out or sys.stdout
    notes = notes or out
    args, chdir_str = real.split_chdir(list(args), chdir)
    chdir = Path(chdir_str)
    if args[:1] == ["fmt"] and engine != "builtin" and shutil.which("terraform"):
        # Formatting needs no providers and no cloud: the real CLI, untouched configuration.
        notes.write("[lambdalab] engine: terraform (fmt needs no providers)\n")
        with tempfile.TemporaryDirectory(prefix="lambdalab-tf-") as tmp:
            proc = subprocess.run(
                ["terraform", f"-chdir={chdir}", *args],
                env=real.child_env(tmp),
                capture_output=True,
                text=True,
                check=False,
            )
        out.write(proc.stdout + proc.stderr)
        return proc.returncode
    try:
        leftovers.recover(chdir, out.write)  # before choosing: both engines read *.tf
        picked, reason = choose(chdir, engine)
    except leftovers.DirectoryBusy as exc:
        out.write(f"[lambdalab] {exc}\n")
        return 1
    except real.TerraformUnusable as exc:
        notes.write(f"[lambdalab] engine: terraform was asked for but cannot run here: {exc}\n")
        return 1
    if picked == "terraform":
        notes.write(f"[lambdalab] engine: terraform ({reason})\n")
        notes.flush()

        def write(line: str) -> None:
            out.write(line)
            out.flush()

        try:
            proc = real.run(
                args,
                endpoint_url=lab.endpoint_url,
                region=lab.region,
                chdir=chdir,
                out=write,
                access_key=lab.credentials.access_key_id,
                secret_key=lab.credentials.secret_access_key,
                check_usable=False,
            )
        except leftovers.DirectoryBusy as exc:
            out.write(f"[lambdalab] {exc}\n")
            return 1
        return proc.returncode
    from lambdalab.terraform import builtin

    notes.write(f"[lambdalab] engine: built-in ({reason})\n")
    notes.flush()
    return builtin.run(args, chdir=chdir, ctx_factory=context_factory(lab), out=out)


def context_factory(lab: Any) -> Callable[[str, Path], Any]:
    """ApplyContext for the provider's region and module, with clients bound to the lab."""
    from lambdalab.terraform.resources.base import ApplyContext

    def make(region: str | None, module_dir: Path) -> ApplyContext:
        return ApplyContext(
            region=region or lab.region,
            account_id=lab.account_id,
            module_dir=module_dir,
            endpoint_url=lab.endpoint_url,
            client_factory=lambda service, r: lab.client(service, region_name=r),
        )

    return make
