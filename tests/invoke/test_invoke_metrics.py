"""CloudWatch metrics in AWS/Lambda with simulated timestamps, through moto in-process.

[AWS_BEHAVIOUR: metrics]
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from lambdalab.invoke.metrics import NAMESPACE, CloudWatchMetrics, metric_data

REGION = "ap-northeast-1"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_s8_1_dimensions_function_name_and_resource():
    at = datetime(2025, 1, 1, tzinfo=UTC)
    data = metric_data("fn", "Invocations", 1, "Count", at, resource="fn:live")
    assert [d["Dimensions"] for d in data] == [
        [{"Name": "FunctionName", "Value": "fn"}],
        [{"Name": "FunctionName", "Value": "fn"}, {"Name": "Resource", "Value": "fn:live"}],
    ]
    assert len(metric_data("fn", "Errors", 1, "Count", at)) == 1


@mock_aws
def test_s8_metrics_are_stored_at_simulated_time_hours_ahead():
    """Simulated time may run hours ahead; the datapoints are still stored and read back."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    emit = CloudWatchMetrics(cloudwatch)
    ahead = datetime.now(UTC) + timedelta(hours=5)
    for offset in (0, 60, 180):
        emit("fn", "Invocations", 1, "Count", ahead + timedelta(seconds=offset))
    emit("fn", "AsyncEventAge", 60000, "Milliseconds", ahead + timedelta(seconds=60))
    stats = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": "fn"}],
        StartTime=ahead - timedelta(minutes=1),
        EndTime=ahead + timedelta(minutes=10),
        Period=3600,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 3
    listed = cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]
    assert {m["MetricName"] for m in listed} == {"Invocations", "AsyncEventAge"}
