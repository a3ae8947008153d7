"""``make install``: the course's virtual environment, fast, with one progress line per stage.

Stages: check Python, create ``.venv``, get ``uv`` (on PATH, else installed once from the
package index with pip into a tools folder, ``~/.cache/lambdalab/tools``), install this
project with its ``[dev]`` extra — the pins are ``pyproject.toml``'s, the only list. ``uv``
resolves and installs in parallel from a shared cache; when it cannot be had, or fails,
plain ``pip`` does the same install.

uv does not read pip's configuration, so the index settings pip would use here (``pip config
list``: ``/etc/pip.conf``, ``PIP_*`` variables) are handed to uv as ``UV_*`` variables, unless
those are set already: both installers reach the same indexes. The full output goes to
``.venv/install.log``; on failure its end is shown.

Run: ``python3 tools/install.py [--venv .venv] [--no-uv]`` (the Makefile does).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIN_PYTHON = (3, 11)
TAIL_LINES = 40
UV_REQUIREMENT = "uv>=0.5,<1"
#: Where the bootstrap uv lives, shared by every clone (a cache: safe to delete).
TOOLS_DIR = Path(
    os.environ.get("LAMBDALAB_TOOLS_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdalab" / "tools"
)

#: pip setting → (uv variable, separator uv expects between several values).
PIP_TO_UV = {
    "index-url": ("UV_INDEX_URL", " "),
    "extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
    "find-links": ("UV_FIND_LINKS", ","),
    "constraint": ("UV_CONSTRAINT", " "),
    "cert": ("SSL_CERT_FILE", None),
    "default-timeout": ("UV_HTTP_TIMEOUT", None),
    "timeout": ("UV_HTTP_TIMEOUT", None),
}


class InstallError(RuntimeError):
    """A stage failed; the message says what to do."""


def venv_python(venv: Path) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return venv / scripts / ("python.exe" if os.name == "nt" else "python")


def parse_pip_config(listing: str) -> dict[str, str]:
    """``pip config list`` output → ``{setting: value}``; environment entries win over files.

    >>> parse_pip_config("global.find-links='/a'\\n:env:.find-links='/b'\\n")
    {'find-links': '/b'}
    """
    found: dict[str, tuple[bool, str]] = {}
    for line in listing.splitlines():
        key, sep, raw = line.partition("=")
        if not sep:
            continue
        scope, _, name = key.rpartition(".")
        try:
            value = " ".join(shlex.split(raw))
        except ValueError:
            continue
        from_env = scope.startswith(":env:")
        if name not in found or from_env or not found[name][0]:
            found[name] = (from_env, value)
    return {name: value for name, (_, value) in found.items()}


def uv_environment(pip_config: dict[str, str], env: dict[str, str]) -> dict[str, str]:
    """The ``UV_*`` variables that make uv use pip's indexes (those already set are kept)."""
    extra: dict[str, str] = {}
    for setting, value in pip_config.items():
        if setting not in PIP_TO_UV or not value:
            continue
        name, separator = PIP_TO_UV[setting]
        if name in env or name in extra:
            continue
        extra[name] = separator.join(value.split()) if separator else value
    if "UV_EXTRA_INDEX_URL" in extra and "UV_INDEX_STRATEGY" not in env:
        # pip picks the best version across all its indexes; uv's default stops at the first
        # index that has the package (a local mirror with old versions would then win).
        extra["UV_INDEX_STRATEGY"] = "unsafe-best-match"
    return extra


class Installer:
    def __init__(self, venv: Path, log: Path, use_uv: bool) -> None:
        self.venv = venv
        self.log = log
        self.use_uv = use_uv
        self.python = venv_python(venv)
        self.stage_no = 0
        self.uv: str | None = None

    def stage(self, total: int, what: str, action: Callable[[], str]) -> None:
        self.stage_no += 1
        started = time.monotonic()
        prefix = f"[lambdalab install {self.stage_no}/{total}] {what}"
        print(f"{prefix} …", end="", flush=True)
        try:
            result = action()
        except InstallError:
            print(" failed")
            raise
        print(f" {result}, {time.monotonic() - started:.1f} s", flush=True)

    def run(self, cmd: Sequence[str | os.PathLike], env: dict[str, str] | None = None) -> bool:
        """Run ``cmd`` with its output appended to the log; True when it succeeded."""
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"\n$ {' '.join(map(str, cmd))}\n")
            fh.flush()
            done = subprocess.run(
                [str(c) for c in cmd], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT
            )
        return done.returncode == 0

    # -- stages ------------------------------------------------------------------------------

    def check_python(self) -> str:
        if sys.version_info < MIN_PYTHON:
            raise InstallError(
                f"lambdalab needs Python {'.'.join(map(str, MIN_PYTHON))} or newer (found "
                f"{sys.version.split()[0]} at {sys.executable}); run make with PYTHON=python3.11"
            )
        return sys.version.split()[0]

    def make_venv(self) -> str:
        if self.python.exists():
            return "exists"
        # Without pip: ensurepip alone takes ~10 s on a busy laptop; uv installs pip below.
        if not self.run([sys.executable, "-m", "venv", "--without-pip", self.venv]):
            raise InstallError(
                f"could not create {self.venv} (on Debian/Ubuntu: apt install python3-venv)"
            )
        return str(self.venv)

    def find_uv(self) -> str:
        """Set ``self.uv``: uv on PATH, or the bootstrap copy (installed by pip when missing)."""
        self.uv = None
        if not self.use_uv:
            return "pip (asked for)"
        on_path = shutil.which("uv")
        if on_path:
            self.uv = on_path
            return "uv from PATH"
        exe = TOOLS_DIR / "bin" / ("uv.exe" if os.name == "nt" else "uv")
        if exe.exists():
            self.uv = str(exe)
            return f"uv from {TOOLS_DIR}"
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        if self.run([*pip, "--target", TOOLS_DIR, UV_REQUIREMENT]) and exe.exists():
            self.uv = str(exe)
            return f"uv installed into {TOOLS_DIR}"
        return "pip (uv could not be installed)"

    def install(self) -> str:
        target = [".[dev]"]
        if self.uv is not None:
            env = dict(os.environ)
            env.update(uv_environment(self.pip_config(), env))
            env.setdefault("UV_NO_PROGRESS", "1")
            # No bytecode for all ~10,000 files now (pip's way: ~55 s on 2 busy cores): Python
            # writes it on first import, for the modules the course uses. CI compiles it all
            # (one install, then hundreds of test processes, each importing moto and boto3:
            # 2.0 s with bytecode, 4.3 s without). `UV_COMPILE_BYTECODE=1 make install` asks.
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                env.setdefault("UV_COMPILE_BYTECODE", "1")
            # pip too, so that `.venv/bin/pip` and `%pip` work as in any virtual environment.
            cmd = [self.uv, "pip", "install", "--python", self.python, "-e", *target, "pip"]
            if self.run(cmd, env=env):
                return "uv"
            with self.log.open("a", encoding="utf-8") as fh:
                fh.write("\nuv failed; installing with pip instead\n")
        has_pip = self.run([self.python, "-m", "pip", "--version"])
        if not has_pip and not self.run([self.python, "-m", "ensurepip", "--upgrade"]):
            raise InstallError("pip could not be set up in the virtual environment")
        cmd = [self.python, "-m", "pip", "install", "--disable-pip-version-check", "-e", *target]
        if not self.run(cmd):
            raise InstallError("the packages could not be installed")
        return "pip" if self.uv is None else "pip, as uv failed (see the log)"

    def pip_config(self) -> dict[str, str]:
        # The interpreter that runs make: the venv has no pip yet. Same config files and PIP_*.
        done = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
        )
        return parse_pip_config(done.stdout) if done.returncode == 0 else {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=".venv", help="virtual environment (default .venv)")
    parser.add_argument("--no-uv", action="store_true", help="install with plain pip")
    opts = parser.parse_args(argv)
    venv = (ROOT / opts.venv).resolve()
    venv.mkdir(parents=True, exist_ok=True)  # `python -m venv` accepts an existing folder
    log = venv / "install.log"
    log.write_text("", encoding="utf-8")
    installer = Installer(venv, log, use_uv=not opts.no_uv)
    started = time.monotonic()
    try:
        installer.stage(4, "Python", installer.check_python)
        installer.stage(4, "virtual environment", installer.make_venv)
        installer.stage(4, "installer", installer.find_uv)
        installer.stage(4, "packages from pyproject.toml", installer.install)
    except InstallError as exc:
        print(f"\nmake install: {exc}.", file=sys.stderr)
        if log.exists():
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            print(f"--- last {TAIL_LINES} lines of {log} ---", file=sys.stderr)
            print("\n".join(lines[-TAIL_LINES:]), file=sys.stderr)
        return 1
    print(f"[lambdalab install] ready in {time.monotonic() - started:.0f} s (log: {log})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
