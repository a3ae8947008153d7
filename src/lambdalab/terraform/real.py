"""Run the real terraform CLI against the lab, the way LocalStack's ``tflocal`` does.

A temporary ``zz_lambdalab_override.tf`` next to the configuration merges a ``provider "aws"``
block over the learner's one (terraform's override rules), pointing every AWS endpoint at the lab.
The file is removed afterwards, also on failure, KeyboardInterrupt or SIGTERM; the learner's own
files are never edited. If the owner is killed, terraform is interrupted as Ctrl-C would
(``lifeline``) and the next run removes the file it left (``leftovers``).

``usable()`` answers whether that can work here: terraform on PATH, and every provider the
configuration needs installable from a filesystem mirror (or the registry, when reachable).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lambdalab import awsenv
from lambdalab.terraform import hcl, leftovers
from lambdalab.terraform.expressions import Scope, evaluate
from lambdalab.terraform.leftovers import OVERRIDE_NAME, DirectoryBusy
from lambdalab.terraform.lifeline import Child

__all__ = ["OVERRIDE_NAME", "DirectoryBusy", "TerraformUnusable", "run", "usable"]
#: Endpoint keys of the aws provider 5.x for every service the course touches.
SERVICES = ("cloudwatch", "events", "iam", "lambda", "logs", "s3", "sns", "sqs", "sts")
#: Where terraform (or a course image) keeps provider mirrors when no CLI config names one.
DEFAULT_MIRRORS = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
REGISTRY = "registry.terraform.io"


class TerraformUnusable(RuntimeError):
    """Raised by :func:`run` when :func:`usable` says no (the message is the one-line reason)."""


# --------------------------------------------------------------------------- the override file


def override_text(endpoint_url: str, region: str) -> str:
    """The provider block that points terraform's aws provider at the lab."""
    width = max(len(s) for s in SERVICES)
    endpoints = "\n".join(f'    {s:<{width}} = "{endpoint_url}"' for s in SERVICES)
    return f"""{leftovers.header()} Do not edit.
provider "aws" {{
  region                      = "{region}"
  # Credentials come from the environment lambdalab gives terraform (the lab's admin key).
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  # The lab serves sts:GetCallerIdentity, so ARNs the provider builds carry the account id.
  skip_requesting_account_id  = false
  endpoints {{
{endpoints}
  }}
}}
"""


@contextlib.contextmanager
def override_file(chdir: str | os.PathLike, endpoint_url: str, region: str) -> Iterator[Path]:
    """Write the override for the duration of the block; refuse to clobber an existing file
    (:func:`leftovers.recover` has removed one an interrupted run left)."""
    path = Path(chdir) / OVERRIDE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise DirectoryBusy(
            f"{path} already exists and lambdalab will not overwrite it: another terraform run "
            "is using this directory, or the file is not lambdalab's."
        ) from None
    remove = _remover(path)
    atexit.register(remove)  # last resort if the interpreter exits inside the block
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(override_text(endpoint_url, region))
        yield path
    finally:
        remove()
        atexit.unregister(remove)


def _remover(path: Path) -> Callable[[], None]:
    def remove() -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    return remove


# --------------------------------------------------------------------------- requirements


def provider_requirements(chdir: str | os.PathLike) -> dict[str, str | None]:
    """``{"hashicorp/aws": "~> 5.0", "hashicorp/archive": None}``: source → version constraint.

    Taken from ``required_providers`` and, as terraform does, implied by resource and data
    source type prefixes (``archive_file`` → hashicorp/archive).
    """
    reqs: dict[str, str | None] = {}
    local_names: dict[str, str] = {}
    bodies = _load_dir(Path(chdir))
    for body in bodies:
        for tf in body.blocks_of("terraform"):
            for rp in tf.body.blocks_of("required_providers"):
                for name, attr in rp.body.attributes.items():
                    spec = evaluate(attr.expr, Scope())
                    if isinstance(spec, dict):
                        source = _normalise_source(spec.get("source") or f"hashicorp/{name}")
                        version = spec.get("version")
                    else:  # legacy `aws = "~> 5.0"`
                        source, version = f"hashicorp/{name}", spec
                    local_names[name] = source
                    reqs[source] = _join(reqs.get(source), version)
    for body in bodies:
        for block in body.blocks:
            if block.type in ("resource", "data") and block.labels:
                prefix = block.labels[0].split("_", 1)[0]
                # without required_providers, terraform implies hashicorp/<prefix>
                source = local_names.get(prefix) or f"hashicorp/{prefix}"
                reqs.setdefault(source, None)
            elif block.type == "provider" and block.labels:
                name = block.labels[0]
                reqs.setdefault(local_names.get(name, f"hashicorp/{name}"), None)
    return reqs


def _load_dir(path: Path) -> list[hcl.Body]:
    return [
        hcl.parse(f.read_text(encoding="utf-8"), f.name)
        for f in sorted(path.glob("*.tf"))
        if f.name != OVERRIDE_NAME
    ]


def _normalise_source(source: str) -> str:
    parts = source.strip().lower().split("/")
    if len(parts) == 3 and parts[0] == REGISTRY:
        parts = parts[1:]
    return "/".join(parts)


def _join(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else f"{a}, {b}"


# --------------------------------------------------------------------------- version constraints


def _parse_version(text: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not m:
        return None
    return tuple(int(g or 0) for g in m.groups())  # type: ignore[return-value]


def satisfies(version: str, constraint: str | None) -> bool:
    """Terraform version-constraint check (``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``~>``)."""
    v = _parse_version(version)
    if v is None:
        return False
    for part in (constraint or "").split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(~>|>=|<=|!=|=|>|<)?\s*(\S+)", part)
        if not m:
            return False
        op, raw = m.group(1) or "=", m.group(2)
        want = _parse_version(raw)
        if want is None:
            return False
        if op == "~>":
            n = raw.lstrip("v").count(".") + 1  # "~> 5.0" pins the first 1 part, "~> 5.0.1" 2
            if v < want or v[: max(n - 1, 1)] != want[: max(n - 1, 1)]:
                return False
        elif not {
            "=": v == want,
            "!=": v != want,
            ">": v > want,
            ">=": v >= want,
            "<": v < want,
            "<=": v <= want,
        }[op]:
            return False
    return True


# --------------------------------------------------------------------------- mirrors and CLI config


def platform_tag() -> str:
    """Terraform's ``os_arch`` for this machine, e.g. ``linux_amd64``."""
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    return f"{sys.platform.replace('win32', 'windows')}_{arch}"


def mirror_versions(mirror: str | os.PathLike, source: str) -> list[str]:
    """Versions of ``source`` a filesystem mirror holds for this platform (packed or unpacked)."""
    ns, name = source.split("/")
    base = Path(mirror).expanduser() / REGISTRY / ns / name
    if not base.is_dir():
        return []
    tag = platform_tag()
    found = {d.name for d in base.iterdir() if (d / tag).is_dir()}
    for z in base.glob(f"terraform-provider-{name}_*_{tag}.zip"):
        found.add(z.name[len(f"terraform-provider-{name}_") : -len(f"_{tag}.zip")])
    return sorted(found, key=lambda s: _parse_version(s) or (0, 0, 0))


@dataclass
class CliConfig:
    """What the child terraform will use to install providers."""

    path: Path | None  #: the user's CLI config, if it exists
    mirrors: list[str]  #: filesystem mirrors terraform will look in
    direct: bool  #: whether the registry is also an installation method
    write_config: bool  #: True when lambdalab must write a CLI config for the child


def cli_config(env: dict[str, str] | None = None) -> CliConfig:
    """Read the user's CLI config (``TF_CLI_CONFIG_FILE`` / ``~/.terraformrc``) for mirrors."""
    env = os.environ if env is None else env
    configured = env.get("TF_CLI_CONFIG_FILE") or env.get("TERRAFORM_CONFIG")
    path = Path(configured).expanduser() if configured else Path("~/.terraformrc").expanduser()
    defaults = [str(Path(m).expanduser()) for m in DEFAULT_MIRRORS if Path(m).expanduser().is_dir()]
    if path.is_file():
        doc = hcl.parse(path.read_text(encoding="utf-8"), path.name)
        installs = doc.blocks_of("provider_installation")
        if not installs:  # implied methods: local plugin dirs, then the registry
            implied = [m for m in defaults if m != "/opt/tf-plugins"]
            return CliConfig(path, implied, True, False)
        mirrors, direct = [], False
        for block in installs:
            for fm in block.body.blocks_of("filesystem_mirror"):
                where = fm.body.attributes.get("path")
                where_text = evaluate(where.expr, Scope()) if where is not None else ""
                mirrors.append(str(Path(where_text).expanduser()))
            direct = direct or bool(block.body.blocks_of("direct"))
        return CliConfig(path, mirrors, direct, False)
    return CliConfig(None, defaults, True, bool(defaults))


def mirrored_sources(mirror: str | os.PathLike) -> list[str]:
    """``namespace/type`` of every provider a filesystem mirror holds."""
    base = Path(mirror).expanduser() / REGISTRY
    if not base.is_dir():
        return []
    return sorted(
        f"{ns.name}/{t.name}" for ns in base.iterdir() if ns.is_dir() for t in ns.iterdir()
    )


def write_cli_config(mirrors: Sequence[str], directory: str | os.PathLike) -> Path:
    """A CLI config: mirrored providers from the mirrors, every other one from the registry."""
    blocks, held = [], []
    for mirror in mirrors:
        sources = [f"{REGISTRY}/{s}" for s in mirrored_sources(mirror)]
        if sources:
            held += sources
            blocks.append(
                f"  filesystem_mirror {{\n    path    = {_hcl_str(str(mirror))}\n"
                f"    include = [{', '.join(_hcl_str(s) for s in sources)}]\n  }}\n"
            )
    exclude = f"    exclude = [{', '.join(_hcl_str(s) for s in held)}]\n" if held else ""
    path = Path(directory) / "terraformrc"
    text = "provider_installation {\n" + "".join(blocks) + "  direct {\n" + exclude + "  }\n}\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        # runs share the folder: write aside, then rename, so none reads half a file
        scratch = path.with_name(f"terraformrc.{os.getpid()}.{threading.get_ident()}")
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, path)
    return path


def _hcl_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


_registry_cache: dict[str, bool] = {}


def registry_reachable(timeout: float = 1.0) -> bool:
    """One TCP connect to the registry, cached for the process."""
    if REGISTRY not in _registry_cache:
        try:
            socket.create_connection((REGISTRY, 443), timeout=timeout).close()
            _registry_cache[REGISTRY] = True
        except OSError:
            _registry_cache[REGISTRY] = False
    return _registry_cache[REGISTRY]


# --------------------------------------------------------------------------- usable


def usable(
    chdir: str | os.PathLike = ".",
    *,
    env: dict[str, str] | None = None,
    network: bool | None = None,
) -> tuple[bool, str]:
    """Can the real terraform apply this configuration here? ``(ok, one-line reason)``.

    ``network=None`` probes the registry when the CLI config allows direct installs;
    ``False`` treats the machine as offline.
    """
    env = dict(os.environ if env is None else env)
    binary = shutil.which("terraform", path=env.get("PATH"))
    if binary is None:
        return False, "terraform is not on PATH"
    try:
        reqs = provider_requirements(chdir)
    except Exception as exc:  # noqa: BLE001 - a parse error is terraform's to report
        return False, f"cannot read the configuration in {chdir}: {exc}".splitlines()[0]
    try:
        cfg = cli_config(env)
    except Exception as exc:  # noqa: BLE001
        return False, f"cannot read the terraform CLI config: {exc}".splitlines()[0]
    probed: list[bool] = []

    def online() -> bool:
        """Asked only when a mirror cannot serve a provider: nothing leaves the machine else."""
        if not probed:
            probed.append(cfg.direct and (registry_reachable() if network is None else network))
        return probed[0]

    missing = []
    for source, constraint in sorted(reqs.items()):
        have = [v for m in cfg.mirrors for v in mirror_versions(m, source)]
        if any(satisfies(v, constraint) for v in have) or (not have and online()):
            continue
        want = f"{source} {constraint}" if constraint else source
        missing.append(want + (f" (mirror has {', '.join(sorted(set(have)))})" if have else ""))
    if missing:
        where = ", ".join(cfg.mirrors) or "no provider mirror found"
        return False, f"providers not installable from {where}: {'; '.join(missing)}"
    how = (
        ", ".join(cfg.mirrors + (["the registry"] if probed and probed[0] else []))
        or "the registry"
    )
    return True, f"{binary} with providers from {how}"


def child_env(tmpdir: str | os.PathLike, env: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: the user's, less anything that could steer terraform away from
    the lab (``lambdalab.awsenv``), with a written CLI config when the user has none but a
    mirror exists."""
    env = awsenv.scrubbed(os.environ if env is None else env)
    env["NO_PROXY"] = env["no_proxy"] = awsenv.no_proxy(env)
    cfg = cli_config(env)
    if cfg.write_config and cfg.mirrors:
        env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(cfg.mirrors, tmpdir))
    env.setdefault("CHECKPOINT_DISABLE", "1")  # no version check calls from an offline lab
    return env


# --------------------------------------------------------------------------- run


def split_chdir(args: Sequence[str], chdir: str | os.PathLike | None) -> tuple[list[str], str]:
    """Accept ``-chdir=DIR`` inside ``args`` (as the CLI does) or as a keyword."""
    rest = []
    for a in args:
        if a.startswith("-chdir="):
            chdir = a.split("=", 1)[1]
        else:
            rest.append(a)
    return rest, str(chdir or ".")


def run(
    args: Sequence[str],
    *,
    endpoint_url: str,
    region: str,
    chdir: str | os.PathLike | None = None,
    out: Callable[[str], object] | None = None,
    env: dict[str, str] | None = None,
    access_key: str = "test",
    secret_key: str = "test",
    check_usable: bool = True,
    force_watchdog: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``terraform -chdir=DIR ARGS…`` with the lab override in place; stream its output.

    Returns a ``CompletedProcess`` whose ``stdout`` is the combined output. ``out`` receives each
    line as it arrives (default: written to ``sys.stdout``, which a notebook shows live).
    The keys reach terraform through its environment only, never through a file.
    ``force_watchdog`` uses the lifeline pipe even where a parent-death signal exists (tests).
    """
    args, chdir = split_chdir(args, chdir)
    if check_usable:
        ok, reason = usable(chdir, env=env)
        if not ok:
            raise TerraformUnusable(reason)
    write = out or _write_stdout
    cmd = [shutil.which("terraform") or "terraform", f"-chdir={chdir}", *args]
    lines: list[str] = []
    leftovers.recover(chdir, write)
    # The user's environment less anything that could steer terraform away from the lab
    # (lambdalab.awsenv), a CLI config for the mirror, the lab's keys.
    child = child_env(config_dir(), env)
    child.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key)
    with override_file(chdir, endpoint_url, region), _sigterm_as_exit():
        terraform = Child(
            cmd,
            config_dir(),
            force_watchdog=force_watchdog,
            env=child,
            stdin=subprocess.DEVNULL if not sys.stdin or not sys.stdin.isatty() else None,
        )
        proc = terraform.proc
        try:
            for line in terraform.lines():
                lines.append(line)
                write(line)
            rc = proc.wait()
        except BaseException:
            _stop(proc)
            raise
        finally:
            terraform.release()
    return subprocess.CompletedProcess(cmd, rc, stdout="".join(lines))


def config_dir() -> Path:
    """Where the child's CLI config is written: one folder per user, reused by every run (a
    killed run leaves nothing new behind), or a fresh private one if that folder is not ours."""
    path = (
        Path(tempfile.gettempdir()) / f"lambdalab-tf-{os.getuid() if hasattr(os, 'getuid') else 0}"
    )
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
        if path.is_symlink() or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise PermissionError(path)
    except OSError:
        return Path(tempfile.mkdtemp(prefix="lambdalab-tf-"))
    return path


def _write_stdout(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


def _stop(proc: subprocess.Popen) -> None:
    """Interrupt terraform as Ctrl-C would (it then releases the state lock), then kill it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while terraform runs, so the override is still removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
