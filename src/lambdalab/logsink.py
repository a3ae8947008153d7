"""Write Lambda's own output straight into moto's backends (logs and metrics).

Lambda publishes logs and metrics as the service, not through the learner's API, so there is
no need for an HTTP round trip (and IAM check) per line or datapoint — that would cost more
than the handler itself. It also sidesteps moto's ``PutLogEvents`` silently rejecting events
more than 2 h ahead of the wall clock: the simulated clock may run further ahead than that.
``FilterLogEvents`` / ``GetMetricStatistics`` read everything back as usual.
"""

from __future__ import annotations

import threading
from datetime import UTC


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
            log_stream.put_log_events(
                [
                    {"timestamp": ts, "message": part}
                    for ts, msg in events
                    for part in split_for_cloudwatch(msg)
                ]
            )


# A CloudWatch Logs event is at most 256 KB including 26 bytes of overhead
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html).
MAX_EVENT_BYTES = 262_144 - 26


def split_for_cloudwatch(message: str, limit: int = MAX_EVENT_BYTES) -> list[str]:
    """A longer line becomes consecutive events of at most ``limit`` UTF-8 bytes, cut on
    character boundaries (the lab's model of Lambda's log delivery; nothing is dropped)."""
    data = message.encode("utf-8")
    if len(data) <= limit:
        return [message]
    parts, start = [], 0
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # inside a multi-byte character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start = end
    return parts


class MotoCloudWatch:
    """The one CloudWatch call the async engine's metrics make, served by moto's backend.

    Use as ``CloudWatchMetrics(MotoCloudWatch(account, region))``.
    """

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region

    def put_metric_data(self, Namespace: str, MetricData: list[dict]) -> None:  # noqa: N803
        from moto.cloudwatch.models import cloudwatch_backends

        # moto compares stored timestamps with naive UTC datetimes.
        data = [
            {**datum, "Timestamp": datum["Timestamp"].astimezone(UTC).replace(tzinfo=None)}
            for datum in MetricData
        ]
        cloudwatch_backends[self.account_id][self.region].put_metric_data(Namespace, data)
