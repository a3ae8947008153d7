"""The lab's single clock: wall time plus an offset that only ever grows.

AWS makes asynchronous events wait (about 1 min and 2 min between retries, throttle back-off,
event age). In ``fast`` mode the async engine calls :meth:`Clock.advance_to` when nothing is
running and nothing is ready, so the simulated clock jumps to the next timer instead of
sleeping. Handlers still run in real time: while they run, simulated time flows at wall speed.
In ``real`` mode :meth:`advance_to` does nothing and callers really wait (for live demos).

Every timestamp the lab produces (log events, destination records, metrics, ``lab.now()``)
comes from one instance of this class, so charts show the true 0 s / 60 s / 180 s pattern.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

MODES = ("fast", "real")


class Clock:
    """Simulated clock (aware UTC). Thread-safe; time never goes backwards."""

    def __init__(self, mode: str = "fast") -> None:
        if mode not in MODES:
            raise ValueError(f"clock must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self._offset = 0.0
        self._last = 0.0
        self._lock = threading.Lock()

    @property
    def fast(self) -> bool:
        return self.mode == "fast"

    def time(self) -> float:
        """Simulated seconds since the epoch (monotonic non-decreasing)."""
        with self._lock:
            t = time.time() + self._offset
            if t < self._last:  # the wall clock stepped back: hold still rather than rewind
                t = self._last
            self._last = t
            return t

    def millis(self) -> int:
        return int(self.time() * 1000)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance_to(self, t: float) -> float:
        """Jump forward so that ``time() >= t`` (fast mode only). Returns the seconds skipped."""
        if not self.fast:
            return 0.0
        with self._lock:
            current = max(time.time() + self._offset, self._last)
            if t <= current:
                return 0.0
            skipped = t - current
            self._offset += skipped
            self._last = t
            return skipped

    @property
    def offset(self) -> float:
        """Seconds the simulated clock runs ahead of the wall clock."""
        return self._offset


def iso_millis(when: datetime) -> str:
    """``2025-11-24T23:11:08.123Z``: UTC with milliseconds, the format of AWS's event times,
    destination records and log timestamps. A naive datetime is taken as UTC."""
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
