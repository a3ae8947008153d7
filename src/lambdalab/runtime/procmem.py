"""Memory of an environment's process, as the REPORT line and the OOM check need it.

Linux: ``/proc/<pid>/status`` (VmRSS now, VmHWM = peak, which also catches a spike between
two polls). Elsewhere ``ps`` gives the current RSS only, and there is no OOM check.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Memory:
    rss_kb: int
    peak_kb: int

    @property
    def rss_mb(self) -> int:
        return -(-self.rss_kb // 1024)

    @property
    def peak_mb(self) -> int:
        return -(-self.peak_kb // 1024)


def parse_status(text: str) -> Memory | None:
    """Read VmRSS and VmHWM (kB) from the text of ``/proc/<pid>/status``."""
    rss = _field(text, "\nVmRSS:")
    if rss is None:
        return None  # a zombie has no memory lines
    peak = _field(text, "\nVmHWM:")
    return Memory(rss, max(rss, peak if peak is not None else rss))


def _field(text: str, label: str) -> int | None:
    """The number after ``label`` (called once per invoke: a find, not a parse of every line)."""
    start = text.find(label)
    if start < 0:
        return None
    start += len(label)
    end = text.find("\n", start)
    return int(text[start : end if end >= 0 else None].split()[0])


def read(pid: int) -> Memory | None:
    """Current and peak memory of ``pid``, or None when it is gone or unknown."""
    if sys.platform.startswith("linux"):
        try:
            with open(f"/proc/{pid}/status") as f:
                return parse_status(f.read())
        except (OSError, ValueError):
            return None
    if sys.platform == "win32":
        return None
    try:
        out = subprocess.run(
            ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, timeout=2
        )
        kb = int(out.stdout.strip())
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return Memory(kb, kb)


def can_watch_peak() -> bool:
    """Whether :func:`read` sees peaks (needed to enforce the memory size)."""
    return sys.platform.startswith("linux")
