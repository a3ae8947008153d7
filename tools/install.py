"""``make install``: the course's virtual environment, fast, with one progress line per stage.

Stages: check Python, create ``.venv``, get ``uv`` (on PATH, else fetched once into a tools
folder, ``~/.cache/lambdalab/tools``), install this project with its ``[dev]`` extra — the pins
are ``pyproject.toml``'s, the only list. ``uv`` resolves and installs in parallel from a shared
cache; when it cannot be had, or fails, plain ``pip`` does the same install.

Fetching uv: its wheel for this platform comes straight from the package index's simple API
(PEP 691 JSON, or the PEP 503 HTML page), is checked against the sha256 the index lists, and
only its one binary is unpacked: 1.3–2.3 s here, where ``pip install --target`` took 3.6–5.5 s
(benchmarks/first_install.py). Any problem (an index without that API, an unknown platform, a
proxy urllib cannot use) falls back to ``pip install --target``, which honours every pip setting.

uv does not read pip's configuration, so the index settings pip would use here (``pip config
list``: ``/etc/pip.conf``, ``PIP_*`` variables) are handed to uv as ``UV_*`` variables, unless
those are set already: both installers reach the same indexes. The full output goes to
``.venv/install.log``; on failure its end is shown.

Run: ``python3 tools/install.py [--venv .venv] [--no-uv]`` (the Makefile does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIN_PYTHON = (3, 11)
TAIL_LINES = 40
#: The uv release line fetched when none is on PATH. pyproject.toml's ``uv_build`` requirement
#: names the same line, so that uv builds lambdalab itself in-process (its "direct build": no
#: build environment, no Python) instead of a PEP 517 build (tests/test_install.py checks).
UV_LINE = (0, 13)
UV_REQUIREMENT = f"uv>={UV_LINE[0]}.{UV_LINE[1]},<{UV_LINE[0]}.{UV_LINE[1] + 1}"
DEFAULT_INDEX = "https://pypi.org/simple"
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


# -- fetching uv's wheel from the index ------------------------------------------------------

#: Legacy manylinux names → the glibc they require (PEP 600).
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
#: platform.machine() spellings (Windows, some Linux) → the architecture in wheel tags.
MACHINE_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}


def redact(url: str) -> str:
    """An index URL fit for the log: ``https://user:token@host/`` → ``https://****@host/``."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="****@" + parts.netloc.rsplit("@")[-1]))


def numeric_version(text: str) -> tuple[int, ...] | None:
    """``"0.13.9"`` → ``(0, 13, 9)``; pre-, post- and dev releases → None (never picked)."""
    parts = text.split(".")
    return tuple(map(int, parts)) if all(p.isdigit() for p in parts) else None


class Machine:
    """What a wheel's platform tag must fit: the OS, the CPU, and the glibc or macOS version."""

    def __init__(
        self,
        system: str,
        arch: str,
        glibc: tuple[int, ...] | None = None,
        macos: tuple[int, ...] | None = None,
    ) -> None:
        self.system = system.lower()
        arch = arch.lower()
        # macOS wheels say x86_64 and arm64, as platform.machine() does; Windows says AMD64.
        self.arch = arch if self.system == "darwin" else MACHINE_ALIASES.get(arch, arch)
        self.glibc = glibc
        self.macos = macos

    @classmethod
    def this_one(cls) -> Machine:
        libc, libc_version = platform.libc_ver()
        mac = platform.mac_ver()[0]
        return cls(
            platform.system(),
            platform.machine(),
            glibc=numeric_version(libc_version) if libc == "glibc" else None,
            macos=numeric_version(mac) if mac else None,
        )

    def accepts(self, tag: str) -> bool:
        """Whether one platform tag (``manylinux_2_17_x86_64``, ``win_amd64``, …) runs here."""
        if self.system == "windows":
            windows = {"x86_64": "win_amd64", "aarch64": "win_arm64", "x86": "win32"}
            return tag == windows.get(self.arch)
        if self.system == "linux" and self.glibc:
            for legacy, needs in LEGACY_MANYLINUX.items():
                if tag == f"{legacy}_{self.arch}":
                    return self.glibc >= needs
            return self._fits(tag, "manylinux", self.glibc, (self.arch,))
        if self.system == "darwin" and self.macos:
            return self._fits(tag, "macosx", self.macos[:2], (self.arch, "universal2"))
        return False  # musl, BSDs, …: pip's fallback knows them

    @staticmethod
    def _fits(tag: str, family: str, have: tuple[int, ...], arches: tuple[str, ...]) -> bool:
        """``family_MAJOR_MINOR_ARCH``: one of ``arches``, and ``have`` at least that version."""
        head, _, rest = tag.partition("_")
        major, _, rest = rest.partition("_")
        minor, _, arch = rest.partition("_")
        if head != family or not (major.isdigit() and minor.isdigit()) or arch not in arches:
            return False
        return have >= (int(major), int(minor))


@dataclass(frozen=True)
class IndexFile:
    """One file a simple-API page lists."""

    filename: str
    url: str
    sha256: str | None
    yanked: bool


class _SimpleHTML(HTMLParser):
    """The anchors of a PEP 503 page: ``<a href="…#sha256=…" data-yanked>file</a>``."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = dict(attrs) | {"text": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] = (self._open["text"] or "") + data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.anchors.append(self._open)
            self._open = None


def parse_simple_page(body: bytes, content_type: str, page_url: str) -> list[IndexFile]:
    """A project's page from a simple index (PEP 691 JSON or PEP 503 HTML) → its files."""
    if "json" in content_type:
        files = []
        for entry in json.loads(body)["files"]:
            url = urllib.parse.urljoin(page_url, entry["url"])
            sha = (entry.get("hashes") or {}).get("sha256")
            files.append(IndexFile(entry["filename"], url, sha, bool(entry.get("yanked"))))
        return files
    parser = _SimpleHTML()
    parser.feed(body.decode("utf-8", errors="replace"))
    files = []
    for anchor in parser.anchors:
        href = anchor.get("href")
        if not href:
            continue
        url, _, fragment = urllib.parse.urljoin(page_url, href).partition("#")
        algo, _, digest = fragment.partition("=")
        name = urllib.parse.unquote(url.rsplit("/", 1)[-1])
        sha = digest if algo == "sha256" and digest else None
        files.append(IndexFile(name, url, sha, "data-yanked" in anchor))
    return files


def pick_uv_wheel(files: Iterable[IndexFile], machine: Machine) -> IndexFile | None:
    """The newest uv wheel of ``UV_LINE`` that runs here, not yanked, with a sha256 to check."""
    best: tuple[tuple[int, ...], IndexFile] | None = None
    for f in files:
        if not f.filename.endswith(".whl") or f.yanked or not f.sha256:
            continue
        parts = f.filename[: -len(".whl")].split("-")
        if len(parts) not in (5, 6) or parts[0] != "uv":
            continue
        version = numeric_version(parts[1])
        if version is None or version[:2] != UV_LINE:
            continue
        if not any(machine.accepts(tag) for tag in parts[-1].split(".")):
            continue
        if best is None or version > best[0]:
            best = (version, f)
    return best[1] if best else None


class UvFetchError(Exception):
    """uv's wheel could not be fetched from the index (the pip fallback takes over)."""


def fetch_uv_wheel(
    indexes: Sequence[str], dest: Path, cafile: str | None, timeout: float, machine: Machine
) -> str:
    """Put uv's binary at ``dest`` from the first index that has a wheel for this machine.

    Returns the wheel's file name. The download must match the sha256 the index lists; the
    binary is written beside ``dest`` and renamed into place, so a parallel install or an
    interrupted one never leaves half a file behind.
    """
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    errors = []
    for index in indexes:
        page = index.rstrip("/") + "/uv/"
        try:
            url = page + "index.html" if page.startswith("file:") else page
            request = urllib.request.Request(url, headers={"Accept": accept})
            with urllib.request.urlopen(request, timeout=timeout, context=context) as resp:
                ctype = resp.headers.get("Content-Type", "")
                if page.startswith("file:"):
                    ctype = "text/html"
                files = parse_simple_page(resp.read(), ctype, resp.geturl())
        except (OSError, ValueError, KeyError) as exc:
            errors.append(f"{redact(page)}: {exc}")
            continue
        wheel = pick_uv_wheel(files, machine)
        if wheel is None:
            errors.append(f"{redact(page)}: no uv {UV_REQUIREMENT[2:]} wheel for this platform")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=dest.parent) as tmp:
            digest = hashlib.sha256()
            try:
                with urllib.request.urlopen(wheel.url, timeout=timeout, context=context) as resp:
                    while chunk := resp.read(1 << 20):
                        digest.update(chunk)
                        tmp.write(chunk)
            except OSError as exc:
                errors.append(f"{redact(wheel.url)}: {exc}")
                continue
            if digest.hexdigest() != wheel.sha256.lower():
                raise UvFetchError(f"{wheel.filename}: sha256 differs from the index's")
            tmp.seek(0)
            extract_binary(tmp, dest)
        return wheel.filename
    raise UvFetchError("; ".join(errors) or "no index to fetch uv from")


def extract_binary(wheel, dest: Path) -> None:
    """Unpack ``uv`` (``uv.exe``) from the wheel's ``*.data/scripts/`` to ``dest``."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.split("/")[1:] == ["scripts", dest.name]]
        if len(names) != 1 or not names[0].split("/")[0].endswith(".data"):
            raise UvFetchError(f"the wheel holds no {dest.name} binary")
        part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        try:
            with zf.open(names[0]) as src, part.open("wb") as out:
                shutil.copyfileobj(src, out)
            part.chmod(0o755)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)


class Installer:
    def __init__(
        self, venv: Path, log: Path, use_uv: bool, pip_config: dict[str, str] | None = None
    ) -> None:
        self.venv = venv
        self.log = log
        self.use_uv = use_uv
        self.python = venv_python(venv)
        self.stage_no = 0
        self.uv: str | None = None
        self._pip_config = pip_config  # None: asked of pip when first needed
        self._pip_config_run: subprocess.Popen | None = None

    def start_reading_pip_config(self) -> None:
        """Ask pip for its settings now, while the venv is made (``pip config list``: ~1 s)."""
        self._pip_config_run = subprocess.Popen(
            [sys.executable, "-m", "pip", "config", "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

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
        """Set ``self.uv``: uv on PATH, else the tools folder's copy, fetched when missing."""
        self.uv = None
        if not self.use_uv:
            return "pip (asked for)"
        on_path = shutil.which("uv")
        if on_path:
            self.uv = on_path
            return "uv from PATH"
        exe = TOOLS_DIR / "bin" / ("uv.exe" if os.name == "nt" else "uv")
        if exe.exists() and self.uv_line(exe) == UV_LINE:
            self.uv = str(exe)
            return f"uv from {TOOLS_DIR}"
        try:
            wheel = self.fetch_uv(exe)
        except Exception as exc:  # whatever went wrong there, pip's way is left
            with self.log.open("a", encoding="utf-8") as fh:
                fh.write(f"\nuv's wheel could not be fetched ({exc}); trying pip\n")
        else:
            if self.run([exe, "--version"]):
                self.uv = str(exe)
                return f"uv fetched into {TOOLS_DIR} ({wheel}, sha256 checked)"
            exe.unlink(missing_ok=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        if self.run([*pip, "--target", TOOLS_DIR, UV_REQUIREMENT]) and exe.exists():
            self.uv = str(exe)
            return f"uv installed into {TOOLS_DIR} by pip"
        return "pip (uv could not be installed)"

    @staticmethod
    def uv_line(exe: Path) -> tuple[int, ...] | None:
        """``(0, 13)`` for a uv 0.13.x (a copy of an older line is fetched anew)."""
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
        except OSError:
            return None
        words = out.split()
        version = numeric_version(words[1]) if len(words) > 1 else None
        return version[:2] if version else None

    def fetch_uv(self, exe: Path) -> str:
        """uv's wheel from pip's indexes (index-url, then extra-index-url), over urllib."""
        config = self.pip_config()
        indexes = [
            config.get("index-url") or DEFAULT_INDEX,
            *config.get("extra-index-url", "").split(),
        ]
        try:
            timeout = float(config.get("timeout") or config.get("default-timeout") or 30)
        except ValueError:
            timeout = 30.0
        with self.log.open("a", encoding="utf-8") as fh:
            shown = " ".join(map(redact, indexes))  # no credentials in the log
            fh.write(f"\nfetching uv's wheel ({UV_REQUIREMENT}) from {shown}\n")
        name = fetch_uv_wheel(indexes, exe, config.get("cert"), timeout, Machine.this_one())
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"unpacked {exe.name} from {name}\n")
        return name

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
        """pip's settings, read once with the interpreter that runs make (the venv has no pip).

        Same config files and ``PIP_*`` variables as the pip fallback would use.
        """
        if self._pip_config is None:
            if self._pip_config_run is None:
                self.start_reading_pip_config()
            out = self._pip_config_run.communicate()[0]
            ok = self._pip_config_run.returncode == 0
            self._pip_config = parse_pip_config(out) if ok else {}
        return self._pip_config


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
    if installer.use_uv:
        installer.start_reading_pip_config()
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
