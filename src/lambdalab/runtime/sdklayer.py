"""boto3 for an interpreter other than the lab's: one folder to put on its ``PYTHONPATH``.

Lambda's Python runtimes ship boto3, so handlers import it without packaging it. The lab's
own virtual environment cannot simply be shared with another Python: its compiled packages
are built for the lab's version. boto3 and everything it needs are pure Python, though, so
the folder holds links to exactly those packages (found from boto3's declared requirements)
and nothing compiled. The runtime client for such an interpreter is the lab's pure-Python
one (``bootstrap.py``): awslambdaric has a C extension built for the lab's version only.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

ROOT_DISTRIBUTION = "boto3"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_COMPILED = (".so", ".pyd", ".dylib")


def requirement_closure(root: str = ROOT_DISTRIBUTION) -> list[metadata.Distribution]:
    """``root`` and the installed distributions it requires, transitively (extras left out)."""
    out: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in out:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        out[key] = dist
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            m = _NAME.match(requirement)
            if m:
                todo.append(m.group(0))
    return list(out.values())


def top_level_names(dist: metadata.Distribution) -> list[str]:
    """What a distribution puts at the top of site-packages (packages and modules)."""
    names = set()
    for file in dist.files or []:
        parts = file.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".dist-info"):
            continue
        if len(parts) == 1 and not parts[0].endswith(".py"):
            continue
        names.add(parts[0])
    return sorted(names)


_LOWER_BOUND = re.compile(r">=\s*3\.(\d+)")


@functools.cache
def oldest_python() -> tuple[int, int]:
    """The oldest Python 3 that can import the folder: the highest ``Requires-Python`` lower
    bound of boto3 and its requirements (boto3 1.44 needs 3.10; on 3.9 ``import boto3`` fails
    with a ``TypeError``)."""
    oldest = (3, 0)
    for dist in requirement_closure():
        for m in _LOWER_BOUND.finditer(dist.metadata.get("Requires-Python") or ""):
            oldest = max(oldest, (3, int(m.group(1))))
    return oldest


def is_pure(dist: metadata.Distribution) -> bool:
    return not any(str(f).endswith(_COMPILED) for f in dist.files or [])


_lock = threading.Lock()


def build(target: Path) -> Path:
    """Fill ``target`` with links to boto3 and its pure-Python requirements; returns it."""
    with _lock:
        done = target / ".complete"
        if done.exists():
            return target
        target.mkdir(parents=True, exist_ok=True)
        for dist in requirement_closure():
            if not is_pure(dist):
                continue  # it would not load in another interpreter
            for name in top_level_names(dist):
                source = Path(str(dist.locate_file(name)))
                link = target / name
                if link.exists() or not source.exists():
                    continue
                try:
                    os.symlink(source, link, target_is_directory=source.is_dir())
                except OSError:  # no symlinks here (Windows without the privilege)
                    if source.is_dir():
                        shutil.copytree(source, link)
                    else:
                        shutil.copy2(source, link)
        done.touch()
        return target


COMPILE_TIMEOUT = 600.0  # a starved machine; the import would compile the same files anyway


def compile_for(executable: str, target: Path) -> None:
    """Byte-compile the folder's packages for ``executable`` before its first environment.

    Otherwise that interpreter's first cold start compiles boto3 and botocore itself (seconds
    of CPU, more on a busy machine): counted in the INIT phase, it would make ``Init Duration``
    misleading and can pass Lambda's 10 s init limit. Best effort: where it cannot run, the
    import compiles as before. Quick when done already (compileall skips up-to-date files).
    """
    # compileall does not enter linked folders: name what each link points at.
    sources = sorted(os.path.realpath(p) for p in target.iterdir() if not p.name.startswith("."))
    if not sources:
        return
    try:
        subprocess.run(
            [executable, "-m", "compileall", "-q", *sources],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=COMPILE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        pass
