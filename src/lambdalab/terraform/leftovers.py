"""What a killed terraform run leaves in the learner's directory, found and explained.

- ``zz_lambdalab_override.tf`` names the process that wrote it. If that process is gone the file
  is a leftover: it is removed, with one line saying so. If it is alive, another run is using the
  directory right now. If the file is not lambdalab's, it is never touched.
- ``.terraform.tfstate.lock.info`` stays behind when terraform itself is killed; terraform's real
  lock is an ``fcntl`` lock on ``terraform.tfstate`` that died with it. If nobody holds that lock
  now, the info file is stale and terraform will take the lock again: one line says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from lambdalab.leftovers import pid_alive

OVERRIDE_NAME = "zz_lambdalab_override.tf"
LOCK_INFO = ".terraform.tfstate.lock.info"
STATE = "terraform.tfstate"
HEADER = "# Written by lambdalab (pid {pid}) for one terraform run and removed afterwards."
_HEADER = re.compile(r"# Written by lambdalab \(pid (\d+)\)")


class DirectoryBusy(RuntimeError):
    """The directory cannot be used now; the message is one line saying why and what to do."""


def header() -> str:
    return HEADER.format(pid=os.getpid())


def recover(chdir: str | os.PathLike, out: Callable[[str], object]) -> None:
    """Clear or explain leftovers of an interrupted run in ``chdir``; raise DirectoryBusy when
    the directory is in use or holds a file lambdalab must not remove."""
    directory = Path(chdir)
    override = directory / OVERRIDE_NAME
    if override.exists():
        with contextlib.suppress(OSError):
            first = override.read_text(encoding="utf-8").splitlines()[:1]
        match = _HEADER.match(first[0]) if first else None
        if match is None:
            raise DirectoryBusy(
                f"{override} is not lambdalab's provider override; lambdalab will not overwrite "
                "it: rename it if it is yours, or delete it."
            )
        pid = int(match.group(1))
        if pid != os.getpid() and pid_alive(pid):
            raise DirectoryBusy(
                f"another lambdalab terraform run (pid {pid}) is using {directory} right now; "
                "wait for it to finish (or stop that kernel) and run again."
            )
        with contextlib.suppress(FileNotFoundError):
            override.unlink()
        out(
            f"[lambdalab] removed {OVERRIDE_NAME} left by an interrupted terraform run "
            f"(pid {pid} is gone).\n"
        )
    info = directory / LOCK_INFO
    if info.exists() and not lock_held(directory / STATE):
        out(f"[lambdalab] {stale_lock_line(info)}\n")


def lock_held(state: Path) -> bool:
    """Does a live process hold terraform's fcntl lock on ``state``?"""
    try:
        import fcntl
    except ImportError:  # Windows: terraform locks with LockFileEx; do not guess
        return True
    try:
        fd = os.open(state, os.O_RDWR)
    except OSError:
        return False  # no state file: nothing can be locked
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def stale_lock_line(info: Path) -> str:
    """One line on a lock info file nobody holds (what it says, and that terraform goes on)."""
    try:
        doc = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}
    operation = str(doc.get("Operation") or "").removeprefix("OperationType").lower()
    what = ", ".join(
        part
        for part in (f"terraform {operation}" if operation else "", doc.get("Created") or "")
        if part
    )
    return (
        f"{LOCK_INFO} is left from a terraform that was killed"
        + (f" ({what})" if what else "")
        + "; no process holds the lock now, so terraform takes it again. If that run was an "
        "apply, check its resources with terraform plan."
    )
