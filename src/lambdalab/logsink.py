"""Write Lambda log events straight into moto's CloudWatch Logs backend.

moto's ``PutLogEvents`` silently rejects events more than 2 h ahead of the wall clock, and the
lab's simulated clock may run further ahead than that. Writing to the backend keeps every line
(``FilterLogEvents`` / ``GetLogEvents`` read them back as usual).
"""

from __future__ import annotations

import threading


class MotoLogSink:
    """``LogSink`` for :class:`lambdalab.runtime.RuntimeService` and the async engine."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self._lock = threading.Lock()

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        if not events:
            return
        from moto.logs.models import logs_backends

        backend = logs_backends[self.account_id][self.region]
        with self._lock:
            log_group = backend.groups.get(group)
            if log_group is None:
                log_group = backend.create_log_group(group, tags={})
            log_stream = log_group.streams.get(stream)
            if log_stream is None:
                log_group.create_log_stream(stream)
                log_stream = log_group.streams[stream]
            log_stream.put_log_events([{"timestamp": ts, "message": msg} for ts, msg in events])
