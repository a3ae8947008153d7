"""The cloud's generation: work begun before a ``lab.reset()`` never writes into the new cloud.

An async event, an execution environment or a delivery takes a *token* (the current value)
when its work begins. Each write it makes later (a log line, a metric, a DLQ message, an
attempt record) happens inside :meth:`Epoch.writing`, which says whether the token is still
current and, while the write runs, holds off a reset. A reset runs inside
:meth:`Epoch.advancing`: it waits for writes under way to end, empties the cloud, and moves
to a new value, so every older token (including one taken while the reset ran) is stale from
then on; writes that arrive meanwhile wait and then find their token stale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

log = logging.getLogger(__name__)

# A write waits this long for a reset to finish before giving up (it is stale by then anyway);
# a bound, so that a write made on behalf of another write can never deadlock a reset.
WRITE_WAIT = 10.0
# A reset waits this long for writes under way (a delivery is one HTTP call) before going on.
DRAIN_WAIT = 30.0


class Epoch:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._value = 0
        self._writers = 0
        self._advancing = False

    @property
    def value(self) -> int:
        """The token for work that begins now."""
        with self._cond:
            return self._value

    def is_current(self, token: int) -> bool:
        """A quick look, for decisions that write nothing (never waits)."""
        with self._cond:
            return token == self._value and not self._advancing

    @contextmanager
    def writing(self, token: int, *, wait: bool = True) -> Iterator[bool]:
        """``with epoch.writing(token) as current: if current: write()``.

        ``wait=False`` for writes made while serving a request: a reset under way makes them
        stale at once instead of waiting for it."""
        with self._cond:
            if wait:
                self._cond.wait_for(lambda: not self._advancing, WRITE_WAIT)
            current = token == self._value and not self._advancing
            if current:
                self._writers += 1
        try:
            yield current
        finally:
            if current:
                with self._cond:
                    self._writers -= 1
                    self._cond.notify_all()

    @contextmanager
    def advancing(self) -> Iterator[int]:
        """Start a new generation; the body empties the cloud while no old write can run."""
        with self._cond:
            self._cond.wait_for(lambda: not self._advancing)
            self._advancing = True
            deadline = time.monotonic() + DRAIN_WAIT
            while self._writers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("reset: %d write(s) still under way, going on", self._writers)
                    break
                self._cond.wait(remaining)
        try:
            yield self._value + 1
        finally:
            # Only now: work that began during the reset (a request racing it) has the old
            # token, so it writes nothing either.
            with self._cond:
                self._value += 1
                self._advancing = False
                self._cond.notify_all()


class LogSink(Protocol):
    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None: ...


class GuardedSink:
    """A log sink that writes only while the epoch it was made in is current."""

    def __init__(self, sink: LogSink, epoch: Epoch, token: int | None = None) -> None:
        self._sink = sink
        self._epoch = epoch
        self.token = epoch.value if token is None else token

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        with self._epoch.writing(self.token) as current:
            if current:
                self._sink.put(group, stream, events)
