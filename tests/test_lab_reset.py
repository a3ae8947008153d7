"""``lab.reset()`` gives a clean cloud even while work is in flight (issue 11: the "empty"
cloud held the old function's log lines and metrics, and more arrived seconds later).

Each round builds a busy cloud (failing async events with a DLQ and an on-failure
destination, S3 notifications to a function and to a queue, a synchronous invoke that is
still running), resets while that work runs, re-creates the queue and bucket under the same
names (so a late write would have somewhere to land), and watches that nothing arrives.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.lab_helpers import make_bucket, make_function, make_queue, make_role

NOISY = """
import time
def lambda_handler(event, context):
    for i in range(20):
        print("old cloud line", i)
    time.sleep(0.2)
    raise RuntimeError("old cloud failure")
"""

SLOW = """
import time
def lambda_handler(event, context):
    print("old cloud sync start")
    time.sleep(1.5)
    print("old cloud sync end")
    return "done"
"""

QUEUE, BUCKET = "reset-dlq", "reset-bucket"
OBSERVE = 3.0  # seconds during which a late write would show up


def busy_cloud(lab) -> threading.Thread:
    """Build the cloud and set it working; returns the thread of the running sync invoke."""
    sqs, s3, lam = lab.client("sqs"), lab.client("s3"), lab.client("lambda")
    _, queue_arn = make_queue(sqs, QUEUE)
    role = make_role(
        lab, "noisy-role", [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]
    )
    fn = make_function(
        lab, "noisy", NOISY, role_arn=role, Timeout=10, DeadLetterConfig={"TargetArn": queue_arn}
    )
    lam.put_function_event_invoke_config(
        FunctionName="noisy",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    make_function(lab, "slow", SLOW, Timeout=10)
    make_bucket(lab, BUCKET)
    lam.add_permission(
        FunctionName="noisy",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{BUCKET}",
    )

    def rule(prefix):
        return {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}

    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": fn["FunctionArn"], "Events": ["s3:ObjectCreated:*"]}
                | {"Filter": rule("in/")}
            ],
            "QueueConfigurations": [
                {"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"], "Filter": rule("q/")}
            ],
        },
    )
    for i in range(8):
        lam.invoke(FunctionName="noisy", InvocationType="Event", Payload=json.dumps({"i": i}))
    for i in range(3):
        s3.put_object(Bucket=BUCKET, Key=f"in/{i}.txt", Body=b"x")
    no_retry = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))

    def call_slow():
        try:
            no_retry.invoke(FunctionName="slow", Payload=b"{}")
        except ClientError:
            pass  # the environment went away with the reset: any answer will do

    sync = threading.Thread(target=call_slow)
    sync.start()
    deadline = time.monotonic() + 30
    while not any("running attempt" in p for p in lab.status()["pending"]):
        assert time.monotonic() < deadline, lab.status()["pending"]
        time.sleep(0.01)
    s3.put_object(Bucket=BUCKET, Key="q/0.txt", Body=b"x")  # straight to the queue
    return sync


def what_the_cloud_holds(lab, queue_url) -> dict:
    logs, cw, sqs, s3 = (lab.client(s) for s in ("logs", "cloudwatch", "sqs", "s3"))
    attrs = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "log groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
        "metrics": [m["MetricName"] for m in cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]],
        "queue messages": sum(int(v) for v in attrs.values()),
        "objects": s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0),
        "functions": [
            f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]
        ],
        "invocations": len(lab.invocations("noisy")) + len(lab.invocations("slow")),
    }


EMPTY = {
    "log groups": [],
    "metrics": [],
    "queue messages": 0,
    "objects": 0,
    "functions": [],
    "invocations": 0,
}


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_reset_while_events_are_in_flight_leaves_nothing_behind(lab, round_):
    sync = busy_cloud(lab)
    lab.reset()
    queue_url, _ = make_queue(lab.client("sqs"), QUEUE)  # same names: a late write would land
    make_bucket(lab, BUCKET)
    assert what_the_cloud_holds(lab, queue_url) == EMPTY
    sync.join(30)
    lab.wait_idle(30)
    deadline = time.monotonic() + OBSERVE
    while time.monotonic() < deadline:
        assert what_the_cloud_holds(lab, queue_url) == EMPTY
        time.sleep(0.1)
    assert lab.status()["pending"] == []
