"""Temporary folders that name their owner, and the sweep that removes abandoned ones.

A lab keeps its state (server error log) and unpacked deployment packages in folders under
the temp directory. A lab that dies (a killed kernel) cannot remove them, and several labs may
run at once on one machine (a workshop host, two notebooks). So each folder records its
owner process (pid and start time, which tells a reused pid apart), and the sweep, run by
every ``lambdalab.start()`` and by ``make clean`` (``leftovers.main``), removes
only folders whose owner is gone. A folder without a record is never touched: it may be
another program's, or a lab's that has not written its record yet.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

PREFIX = "lambdalab-"
RECORD = ".lambdalab-owner.json"


@dataclass(frozen=True)
class Owner:
    pid: int
    started: float  # the process's start time (seconds since the epoch)

    @classmethod
    def this_process(cls) -> Owner:
        return cls(os.getpid(), psutil.Process().create_time())

    def alive(self) -> bool:
        try:
            proc = psutil.Process(self.pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return False
            return abs(proc.create_time() - self.started) < 1.0
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return False


def pid_alive(pid: int) -> bool:
    """Is a process with this pid running (a zombie is not)? For records that keep only a pid
    (a served lab's connection file, a terraform override's writer)."""
    if pid <= 0:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return True


def new_folder(prefix: str = PREFIX, *, root: str | None = None) -> Path:
    """A fresh folder ``<temp>/<prefix>XXXX`` that records this process as its owner."""
    if not prefix.startswith(PREFIX):
        raise ValueError(f"prefix must start with {PREFIX!r}, not {prefix!r}")
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    me = Owner.this_process()
    (folder / RECORD).write_text(json.dumps({"pid": me.pid, "started": me.started}))
    return folder


def owner_of(folder: Path) -> Owner | None:
    """The recorded owner, or None when the folder has no (readable) record."""
    try:
        doc = json.loads((folder / RECORD).read_text())
        return Owner(int(doc["pid"]), float(doc["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class Sweep:
    removed: list[Path]
    kept: list[Path]  # folders of labs that still run


def sweep(root: str | None = None) -> Sweep:
    """Remove the lab folders under ``root`` (the temp directory) whose owner is gone."""
    base = Path(root or tempfile.gettempdir())
    removed: list[Path] = []
    kept: list[Path] = []
    try:
        candidates = sorted(base.glob(PREFIX + "*"))
    except OSError:
        return Sweep(removed, kept)
    for folder in candidates:
        if folder.is_symlink() or not folder.is_dir():
            continue
        owner = owner_of(folder)
        if owner is None:
            continue
        if owner.alive():
            kept.append(folder)
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return Sweep(removed, kept)


def main(argv: list[str] | None = None) -> int:
    """``make clean``'s sweep: say what was done. The Makefile calls this function, not
    ``python -m lambdalab.leftovers``: the package imports this module, so ``-m`` would run it
    a second time and print runpy's RuntimeWarning."""
    args = sys.argv[1:] if argv is None else argv
    result = sweep(args[0] if args else None)
    for folder in result.removed:
        print(f"removed {folder} (its lab is no longer running)")
    if result.kept:
        print(f"kept {len(result.kept)} folder(s) of labs that are still running")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
