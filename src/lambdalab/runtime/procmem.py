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
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    if "VmRSS" not in values:
        return None  # a zombie has no memory lines
    rss = values["VmRSS"]
    return Memory(rss, max(rss, values.get("VmHWM", rss)))


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
