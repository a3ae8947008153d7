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
            log_stream.put_log_events([{"timestamp": ts, "message": msg} for ts, msg in events])


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
