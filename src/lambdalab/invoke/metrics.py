"""CloudWatch metrics of async invocations, namespace ``AWS/Lambda`` ([AWS_BEHAVIOUR: metrics]).

Lambda publishes these as the service, not as the function's role, so the emitter uses the
lab's own client. Timestamps come from the simulated clock (the engine passes them), so
``AsyncEventAge`` and ``Invocations`` line up with log timestamps at 0 s / 60 s / 180 s.
Every datum is published for the ``FunctionName`` dimension and, for a version or alias,
again for ``FunctionName`` + ``Resource`` (``name:qualifier``), as AWS does
[AWS_BEHAVIOUR: metrics].
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

NAMESPACE = "AWS/Lambda"


def metric_data(
    function_name: str,
    metric_name: str,
    value: float,
    unit: str,
    timestamp: datetime,
    resource: str | None = None,
) -> list[dict[str, Any]]:
    """The ``MetricData`` entries for one observation (pure)."""
    dimension_sets = [[{"Name": "FunctionName", "Value": function_name}]]
    if resource:
        dimension_sets.append(dimension_sets[0] + [{"Name": "Resource", "Value": resource}])
    return [
        {
            "MetricName": metric_name,
            "Dimensions": dimensions,
            "Timestamp": timestamp,
            "Value": float(value),
            "Unit": unit,
        }
        for dimensions in dimension_sets
    ]


class CloudWatchMetrics:
    """``emit_metric`` for :class:`AsyncEngine`, backed by a boto3 CloudWatch client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __call__(
        self,
        function_name: str,
        metric_name: str,
        value: float,
        unit: str,
        timestamp: datetime,
        resource: str | None = None,
    ) -> None:
        data = metric_data(function_name, metric_name, value, unit, timestamp, resource)
        self.client.put_metric_data(Namespace=NAMESPACE, MetricData=data)
