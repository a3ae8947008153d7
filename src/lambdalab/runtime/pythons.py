"""The Python interpreters this machine has, for functions whose runtime is ``python3.X``.

A function declared ``python3.12`` should run on Python 3.12, as on AWS, where code that is
valid only in newer Pythons works and the interpreter's own frames show its version. The lab
looks where people install Pythons: ``PATH`` (``python3.X``), pyenv (``$PYENV_ROOT`` or
``~/.pyenv``), uv (``$UV_PYTHON_INSTALL_DIR`` or ``~/.local/share/uv/python``) and conda
(``$CONDA_PREFIX``, ``~/miniconda3``, ``~/anaconda3``, ``~/miniforge3`` and their ``envs``).
Each candidate is run once to learn its exact version and where its standard library and
site-packages are (stack traces name those folders; the lab shows AWS's instead).

Lambda's Python runtimes: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from lambdalab.runtime_lifecycle import python_minors

# The minor versions of Lambda's python3.X runtimes the lab runs (the dated table's).
LAMBDA_MINORS = python_minors()
_RUNTIME = re.compile(r"python3\.(\d+)$")
_PROBE = (
    "import json, sys, sysconfig; p = sysconfig.get_paths(); print(json.dumps({"
    "'version': list(sys.version_info[:3]), 'implementation': sys.implementation.name, "
    "'stdlib': p['stdlib'], 'purelib': p['purelib']}))"
)
PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class Python:
    """One interpreter: what it is and where it keeps its files."""

    version: tuple[int, int, int]
    executable: str
    source: str  # "lab" (the lab's own), "PATH", "pyenv", "uv" or "conda"
    stdlib: str
    purelib: str
    implementation: str = "cpython"

    @property
    def runtime(self) -> str:
        return f"python{self.version[0]}.{self.version[1]}"

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def minor_of(runtime: str) -> int | None:
    """``python3.12`` → 12; None for anything that is not a Python 3 runtime."""
    m = _RUNTIME.match(runtime or "")
    return int(m.group(1)) if m else None


def host() -> Python:
    """The interpreter the lab itself runs on (its virtual environment's)."""
    paths = sysconfig.get_paths()
    return Python(
        tuple(sys.version_info[:3]),  # type: ignore[arg-type]
        sys.executable,
        "lab",
        paths["stdlib"],
        paths["purelib"],
        sys.implementation.name,
    )


def candidates(minor: int, env: Mapping[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """``(executable, source)`` that may be Python 3.``minor``, best first (not yet run)."""
    env = os.environ if env is None else env
    name = f"python3.{minor}"
    home = Path(env.get("HOME") or Path.home())
    for folder in (env.get("PATH") or "").split(os.pathsep):
        # pyenv's shims only work for the version that is selected: look in versions/ instead.
        if not folder or Path(folder).name == "shims":
            continue
        found = shutil.which(name, path=folder)
        if found:
            yield found, "PATH"
    pyenv_root = Path(env.get("PYENV_ROOT") or home / ".pyenv")
    for path in sorted(glob.glob(str(pyenv_root / "versions" / f"3.{minor}.*" / "bin" / name))):
        yield path, "pyenv"
    uv_root = Path(env.get("UV_PYTHON_INSTALL_DIR") or home / ".local" / "share" / "uv" / "python")
    for path in sorted(glob.glob(str(uv_root / f"cpython-3.{minor}.*" / "bin" / name))):
        yield path, "uv"
    conda_roots = [env.get("CONDA_PREFIX")]
    if env.get("CONDA_EXE"):  # <root>/bin/conda
        conda_roots.append(str(Path(env["CONDA_EXE"]).parents[1]))
    conda_roots += [str(home / d) for d in ("miniconda3", "anaconda3", "miniforge3", "mambaforge")]
    for root in dict.fromkeys(r for r in conda_roots if r):
        in_envs = sorted(glob.glob(f"{root}/envs/*/bin/{name}"))
        for path in [str(Path(root) / "bin" / name), *in_envs]:
            if os.path.exists(path):
                yield path, "conda"


def probe(executable: str, source: str) -> Python | None:
    """Run ``executable`` once to learn what it is; None when it does not run."""
    try:
        out = subprocess.run(
            [executable, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        doc = json.loads(out.stdout)
        version = tuple(int(v) for v in doc["version"])
        return Python(
            version,  # type: ignore[arg-type]
            os.path.abspath(executable),
            source,
            doc["stdlib"],
            doc["purelib"],
            doc.get("implementation", "cpython"),
        )
    except (OSError, ValueError, KeyError, TypeError, subprocess.SubprocessError):
        return None


class Finder:
    """Finds (once) the interpreter for each ``python3.X``; the lab's own for its version."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env
        self._host = host()
        self._found: dict[int, Python | None] = {}
        self._lock = threading.Lock()

    @property
    def host(self) -> Python:
        return self._host

    def find(self, minor: int) -> Python | None:
        if self._host.version[:2] == (3, minor):
            return self._host
        with self._lock:
            if minor not in self._found:
                self._found[minor] = self._look(minor)
            return self._found[minor]

    def _look(self, minor: int) -> Python | None:
        seen: set[str] = set()
        for executable, source in candidates(minor, self._env):
            real = os.path.realpath(executable)
            if real in seen:
                continue
            seen.add(real)
            python = probe(executable, source)
            if python is not None and python.version[:2] == (3, minor):
                return python
        return None

    def all(self) -> list[Python]:
        """Every interpreter found for Lambda's Python runtimes, oldest first."""
        minors = sorted({*LAMBDA_MINORS, self._host.version[1]})
        return [p for p in (self.find(m) for m in minors) if p is not None]
