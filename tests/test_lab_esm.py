"""End to end for issue 14: SQS event source mappings through HTTP against the running lab,
with real handlers. AWS's behaviour from https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
and its sub-pages; response shapes and error texts replayed from AWS's recordings in
LocalStack's validated tests (event_source_mapping/test_lambda_integration_sqs.snapshot.json,
test_lambda_api.snapshot.json)."""

from __future__ import annotations

import datetime
import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambdalab import course
from tests.lab_helpers import make_function, make_queue, make_role

SQS_POLLING = [
    {
        "Effect": "Allow",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        "Resource": "*",
    }
]

RECORD = """
import json
def lambda_handler(event, context):
    print(json.dumps(event))
    return {"ok": True}
"""

# Fails on every message whose body contains "poison"; reports it when asked to.
POISON = """
import json, os
def lambda_handler(event, context):
    print(json.dumps(event))
    bad = [r["messageId"] for r in event["Records"] if "poison" in r["body"]]
    if bad and os.environ.get("PARTIAL") == "1":
        return {"batchItemFailures": [{"itemIdentifier": i} for i in bad]}
    if bad:
        raise ValueError("poison message")
    return {}
"""


def _function(lab, name, source, **kwargs):
    role = make_role(lab, f"{name}-role", SQS_POLLING)
    return make_function(lab, name, source, role_arn=role, **kwargs)


def _queue(lab, name, **attributes):
    sqs = lab.client("sqs")
    url, arn = make_queue(sqs, name)
    if attributes:
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={k: str(v) for k, v in attributes.items()}
        )
    return url, arn


def _redrive(lab, url, dlq_arn, max_receive_count=3):
    policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
    lab.client("sqs").set_queue_attributes(
        QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)}
    )


def _events(lab, fn):
    logs = lab.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
    logs.sort(key=lambda e: e["timestamp"])  # streams interleaved by time
    return [json.loads(e["message"]) for e in logs if e["message"].startswith('{"Records"')]


def _map(lab, queue_arn, fn, **kwargs):
    return lab.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=fn, **kwargs
    )


def _error(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response


def _depth(lab, url):
    attrs = lab.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def test_mapping_life_cycle_answers_like_aws(lab):
    """Creating → Enabled, Updating, Disabling → Disabled, Deleting → gone (404)."""
    fn = _function(lab, "rec", RECORD)
    _, arn = _queue(lab, "orders")
    lam = lab.client("lambda")
    created = _map(lab, arn, "rec")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["State"] == "Creating"
    assert created["StateTransitionReason"] == "USER_INITIATED"
    assert created["BatchSize"] == 10
    assert created["MaximumBatchingWindowInSeconds"] == 0
    assert created["FunctionResponseTypes"] == []
    assert created["FunctionArn"] == fn["FunctionArn"]
    assert created["EventSourceArn"] == arn
    assert isinstance(created["LastModified"], datetime.datetime)
    uuid = created["UUID"]
    lab.wait_idle(30)
    got = lam.get_event_source_mapping(UUID=uuid)
    assert (got["State"], got["ResponseMetadata"]["HTTPStatusCode"]) == ("Enabled", 200)
    listed = lam.list_event_source_mappings(FunctionName="rec")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    assert lam.list_event_source_mappings(EventSourceArn=arn + "x")["EventSourceMappings"] == []
    updated = lam.update_event_source_mapping(UUID=uuid, BatchSize=5)
    assert (updated["State"], updated["BatchSize"]) == ("Updating", 5)
    disabled = lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert disabled["State"] == "Disabling"
    lab.wait_idle(30)
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    deleted = lam.delete_event_source_mapping(UUID=uuid)
    assert (deleted["State"], deleted["ResponseMetadata"]["HTTPStatusCode"]) == ("Deleting", 202)
    lab.wait_idle(30)
    err = _error(lam.get_event_source_mapping, UUID=uuid)
    assert err["Error"]["Code"] == "ResourceNotFoundException"
    assert err["Error"]["Message"] == "The resource you requested does not exist."
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_unknown_uuid_is_404_for_get_update_and_delete(lab):
    lam = lab.client("lambda")
    uuid = "00000000-0000-4000-8000-000000000000"
    for call, kwargs in (
        (lam.get_event_source_mapping, {}),
        (lam.update_event_source_mapping, {"Enabled": False}),
        (lam.delete_event_source_mapping, {}),
    ):
        err = _error(call, UUID=uuid, **kwargs)
        assert err["Error"]["Code"] == "ResourceNotFoundException"
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_messages_reach_the_handler_as_aws_sqs_event_and_are_deleted(lab):
    _function(lab, "rec", RECORD)
    url, arn = _queue(lab, "orders")
    sqs = lab.client("sqs")
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody='{"foo": "bar"}',
        MessageAttributes={"Author": {"DataType": "String", "StringValue": "John Grisham"}},
    )
    _map(lab, arn, "rec")
    lab.wait_idle(30)
    (event,) = _events(lab, "rec")
    (record,) = event["Records"]
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"foo": "bar"}'
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["messageAttributes"]["Author"] == {
        "stringValue": "John Grisham",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(record["attributes"]) == {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        arn,
        lab.region,
    )
    assert record["receiptHandle"]
    assert _depth(lab, url) == (0, 0)  # deleted after the successful invoke
    (batch,) = lab.invocations("rec")
    assert (batch.outcome, batch.message_ids, batch.receive_counts) == (
        "success",
        (sent["MessageId"],),
        (1,),
    )
    # moto's own path (Docker, inside SendMessage) never sees the mapping
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[lab.account_id][lab.region].queues["orders"]
    assert queue.lambda_event_source_mappings == {}


def test_poison_message_returns_after_each_visibility_timeout_then_reaches_the_queues_dlq(lab):
    """Retries follow the queue's visibility timeout (30 s), not 1 and 2 minutes; after
    maxReceiveCount the queue's RedrivePolicy moves it; the function's own DLQ gets nothing."""
    sqs = lab.client("sqs")
    fn_dlq_url, fn_dlq_arn = _queue(lab, "function-dlq")
    role = make_role(
        lab,
        "poison-role",
        SQS_POLLING + [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": fn_dlq_arn}],
    )
    make_function(lab, "poison", POISON, role_arn=role, DeadLetterConfig={"TargetArn": fn_dlq_arn})
    dlq_url, dlq_arn = _queue(lab, "orders-dlq")
    url, arn = _queue(lab, "orders", VisibilityTimeout=30)
    _redrive(lab, url, dlq_arn, 3)
    sent = sqs.send_message(QueueUrl=url, MessageBody="poison pill")
    _map(lab, arn, "poison")
    lab.wait_idle(60)
    batches = lab.invocations("poison")
    assert [b.outcome for b in batches] == ["error", "error", "error"]
    assert [b.receive_counts for b in batches] == [(1,), (2,), (3,)]
    assert [b.attempt for b in batches] == [1, 2, 3]
    t0 = batches[0].start
    gaps = [(b.start - t0).total_seconds() for b in batches]
    assert gaps[1] == pytest.approx(30, abs=2) and gaps[2] == pytest.approx(60, abs=3)
    (moved,) = sqs.receive_message(QueueUrl=dlq_url, AttributeNames=["All"])["Messages"]
    assert (moved["MessageId"], moved["Body"]) == (sent["MessageId"], "poison pill")
    assert "Messages" not in sqs.receive_message(QueueUrl=fn_dlq_url)
    assert _depth(lab, url) == (0, 0)


def test_without_redrive_policy_wait_idle_says_what_is_still_in_flight(lab):
    _function(lab, "poison", POISON)
    url, arn = _queue(lab, "orders", VisibilityTimeout=300)
    lab.client("sqs").send_message(QueueUrl=url, MessageBody="poison")
    mapping = _map(lab, arn, "poison")
    with pytest.raises(TimeoutError) as err:
        lab.wait_idle(1.5)
    assert "queue orders:" in str(err.value)
    assert "in flight" in str(err.value) or "visible" in str(err.value)
    lab.client("lambda").delete_event_source_mapping(UUID=mapping["UUID"])
    lab.wait_idle(30)


@pytest.mark.parametrize("partial", [False, True])
def test_one_poison_message_in_a_batch_of_ten(lab, partial):
    """Without ReportBatchItemFailures the whole batch comes back; with it, only the poison."""
    _function(lab, "poison", POISON, Environment={"Variables": {"PARTIAL": "1" if partial else ""}})
    dlq_url, dlq_arn = _queue(lab, "orders-dlq")
    url, arn = _queue(lab, "orders", VisibilityTimeout=30)
    _redrive(lab, url, dlq_arn, 2)
    sqs = lab.client("sqs")
    bodies = [f"order {i}" for i in range(9)] + ["poison"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)]
    )
    kwargs = {"FunctionResponseTypes": ["ReportBatchItemFailures"]} if partial else {}
    _map(lab, arn, "poison", **kwargs)
    lab.wait_idle(60)
    batches = lab.invocations("poison")
    assert len(batches[0].message_ids) == 10
    if partial:
        assert [b.outcome for b in batches] == ["partial", "partial"]
        assert len(batches[1].message_ids) == 1  # only the poison came back
        assert len(batches[0].failed_message_ids) == 1
    else:
        assert [b.outcome for b in batches] == ["error", "error"]
        assert len(batches[1].message_ids) == 10  # nine good messages processed twice
    handled = sum(len(e["Records"]) for e in _events(lab, "poison"))
    assert handled == (11 if partial else 20)
    moved = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    # Without partial responses the nine good messages failed twice too: all ten reach the DLQ.
    assert sorted(m["Body"] for m in moved) == (["poison"] if partial else sorted(bodies))


def test_fifo_keeps_group_order_and_a_failure_blocks_only_its_group(lab):
    source = """
import json
def lambda_handler(event, context):
    print(json.dumps(event))
    for r in event["Records"]:
        if r["body"] == "a1" and r["attributes"]["ApproximateReceiveCount"] == "1":
            raise ValueError("first try of a1 fails")
"""
    _function(lab, "fifo", source)
    sqs = lab.client("sqs")
    url = sqs.create_queue(
        QueueName="orders.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for group, body in (("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    _map(lab, arn, "fifo", BatchSize=1)
    lab.wait_idle(60)
    order = [
        (r["body"], r["attributes"]["ApproximateReceiveCount"])
        for e in _events(lab, "fifo")
        for r in e["Records"]
    ]
    a_order = [item for item in order if item[0].startswith("a")]
    b_order = [item for item in order if item[0].startswith("b")]
    assert a_order == [("a1", "1"), ("a1", "2"), ("a2", "1")]  # a2 waited behind a1
    assert b_order == [("b1", "1"), ("b2", "1")]
    assert order.index(("b2", "1")) < order.index(("a1", "2"))  # group b was not blocked
    fifo_attrs = _events(lab, "fifo")[0]["Records"][0]["attributes"]
    assert {"MessageGroupId", "MessageDeduplicationId"} <= set(fifo_attrs)


def test_filter_criteria_drop_unmatched_messages_without_invoking(lab):
    _function(lab, "rec", RECORD)
    url, arn = _queue(lab, "orders")
    sqs = lab.client("sqs")
    for body in ({"kind": "order", "n": 1}, {"kind": "refund", "n": 2}, "plain text"):
        sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(body) if isinstance(body, dict) else body
        )
    _map(
        lab,
        arn,
        "rec",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
    )
    lab.wait_idle(30)
    bodies = [json.loads(r["body"]) for e in _events(lab, "rec") for r in e["Records"]]
    assert bodies == [{"kind": "order", "n": 1}]
    assert _depth(lab, url) == (0, 0)  # unmatched messages are deleted, as on AWS


def test_disabled_mapping_leaves_messages_in_the_queue(lab):
    _function(lab, "rec", RECORD)
    url, arn = _queue(lab, "orders")
    lab.client("sqs").send_message(QueueUrl=url, MessageBody="waits")
    created = _map(lab, arn, "rec", Enabled=False)
    assert created["State"] == "Disabled"
    lab.wait_idle(30)
    assert lab.invocations("rec") == []
    assert _depth(lab, url) == (1, 0)
    lab.client("lambda").update_event_source_mapping(UUID=created["UUID"], Enabled=True)
    lab.wait_idle(30)
    assert [b.outcome for b in lab.invocations("rec")] == ["success"]


def test_maximum_concurrency_caps_concurrent_batches(lab):
    slow = """
import time
def lambda_handler(event, context):
    time.sleep(0.3)
"""
    _function(lab, "slow", slow)
    url, arn = _queue(lab, "orders")
    sqs = lab.client("sqs")
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(6)]
    )
    _map(lab, arn, "slow", BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    lab.wait_idle(60)
    batches = lab.invocations("slow")
    assert len(batches) == 6 and all(b.outcome == "success" for b in batches)
    most = max(sum(1 for o in batches if o.start <= b.start < o.end) for b in batches)
    assert most <= 2


def test_reserved_concurrency_throttles_and_the_batch_comes_back(lab):
    slow = """
import time
def lambda_handler(event, context):
    time.sleep(0.5)
"""
    _function(lab, "slow", slow)
    lab.client("lambda").put_function_concurrency(
        FunctionName="slow", ReservedConcurrentExecutions=1
    )
    url, arn = _queue(lab, "orders")
    sqs = lab.client("sqs")
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(2)]
    )
    _map(lab, arn, "slow", BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    lab.wait_idle(60)
    outcomes = [b.outcome for b in lab.invocations("slow")]
    assert outcomes.count("success") == 2
    assert "throttled" in outcomes
    assert _metric_sum(lab, "AWS/Lambda", "Throttles", "FunctionName", "slow") >= 1


def _metric_sum(lab, namespace, metric, dimension, value, statistic="Sum"):
    now = lab.now()
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": dimension, "Value": value}],
        StartTime=now - datetime.timedelta(hours=1),
        EndTime=now + datetime.timedelta(minutes=1),
        Period=3600,
        Statistics=[statistic],
    )["Datapoints"]
    return sum(p[statistic] for p in points)


def test_metrics_lambda_and_sqs_are_readable_from_cloudwatch(lab):
    _function(lab, "poison", POISON)
    dlq_url, dlq_arn = _queue(lab, "orders-dlq")
    url, arn = _queue(lab, "orders", VisibilityTimeout=30)
    _redrive(lab, url, dlq_arn, 2)
    sqs = lab.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="fine")
    _map(lab, arn, "poison")
    lab.wait_idle(30)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    lab.wait_idle(60)
    assert _metric_sum(lab, "AWS/Lambda", "Invocations", "FunctionName", "poison") == 3
    assert _metric_sum(lab, "AWS/Lambda", "Errors", "FunctionName", "poison") == 2
    peak = _metric_sum(
        lab, "AWS/Lambda", "ConcurrentExecutions", "FunctionName", "poison", "Maximum"
    )
    assert peak == 1
    seen = _metric_sum(
        lab, "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", "orders", "Maximum"
    )
    assert seen == 1  # the poison message, hidden between its receives


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            "no-permissions",
            "The function execution role does not have permissions to call ReceiveMessage on SQS",
        ),
        (
            "slow-function",
            "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds",
        ),
        (
            "missing-queue",
            "Error occurred while ReceiveMessage. SQS Error Code: "
            "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
            "does not exist.",
        ),
        ("fifo-window", "Batching window is not supported for FIFO queues"),
        (
            "big-batch",
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10",
        ),
        ("bad-filter", "Invalid filter pattern definition."),
        ("missing-function", "Function does not exist"),
    ],
)
def test_bad_input_gets_aws_error_at_create(lab, setup, message):
    sqs = lab.client("sqs")
    _, arn = _queue(lab, "orders")
    kwargs = {"EventSourceArn": arn, "FunctionName": "rec"}
    if setup == "no-permissions":
        make_function(lab, "rec", RECORD)  # basic logging only
    else:
        _function(lab, "rec", RECORD, Timeout=60 if setup == "slow-function" else 3)
    if setup == "missing-queue":
        kwargs["EventSourceArn"] = arn.replace("orders", "nowhere")
    if setup == "fifo-window":
        url = sqs.create_queue(QueueName="o.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        kwargs["EventSourceArn"] = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        kwargs["MaximumBatchingWindowInSeconds"] = 5
    if setup == "big-batch":
        kwargs["BatchSize"] = 100
    if setup == "bad-filter":
        kwargs["FilterCriteria"] = {"Filters": [{"Pattern": "simple string"}]}
    if setup == "missing-function":
        kwargs["FunctionName"] = "nobody"
    err = _error(lab.client("lambda").create_event_source_mapping, **kwargs)
    assert err["Error"]["Code"] == "InvalidParameterValueException"
    assert err["Error"]["Message"] == message
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_out_of_range_settings_and_duplicates(lab):
    _function(lab, "rec", RECORD)
    _, arn = _queue(lab, "orders")
    lam = lab.client("lambda")
    unchecked = lab.client("lambda", config=Config(parameter_validation=False))
    err = _error(
        unchecked.create_event_source_mapping,
        EventSourceArn=arn,
        FunctionName="rec",
        ScalingConfig={"MaximumConcurrency": 1},
    )
    assert err["Error"]["Code"] == "ValidationException"
    assert "'scalingConfig.maximumConcurrency'" in err["Error"]["Message"]
    first = _map(lab, arn, "rec")
    err = _error(lam.create_event_source_mapping, EventSourceArn=arn, FunctionName="rec")
    assert err["Error"]["Code"] == "ResourceConflictException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert first["UUID"] in err["Error"]["Message"]
    err = _error(lam.update_event_source_mapping, UUID=first["UUID"], BatchSize=11)
    assert err["Error"]["Message"].startswith("Maximum batch window in seconds must be")


def test_many_messages_are_each_handled_exactly_once(lab):
    """Concurrent batches delete concurrently: none may come back (moto's delete is unlocked)."""
    _function(lab, "count", "def lambda_handler(event, context):\n    return None\n")
    url, arn = _queue(lab, "orders")
    sqs = lab.client("sqs")
    for start in range(0, 300, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "MessageBody": str(start + i)} for i in range(10)],
        )
    _map(lab, arn, "count", BatchSize=10)
    lab.wait_idle(120)
    batches = lab.invocations("count")
    ids = [i for b in batches for i in b.message_ids]
    assert len(ids) == len(set(ids)) == 300
    assert {c for b in batches for c in b.receive_counts} == {1}
    assert _depth(lab, url) == (0, 0)


def test_batching_window_gathers_messages_into_one_batch(lab):
    """MaximumBatchingWindowInSeconds: Lambda waits up to the window for a full batch
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html)."""
    _function(lab, "rec", RECORD)
    url, arn = _queue(lab, "orders")
    _map(lab, arn, "rec", BatchSize=20, MaximumBatchingWindowInSeconds=5)
    lab.wait_idle(30)  # Enabled, nothing to read yet
    # Five messages now and five that become visible 2 s later (on the lab clock), in one
    # request: two requests would race the fast clock, which jumps to the window's end as soon
    # as nothing else runs — on a busy machine before the second request arrives.
    lab.client("sqs").send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(i), "MessageBody": str(i), **({"DelaySeconds": 2} if i >= 5 else {})}
            for i in range(10)
        ],
    )
    lab.wait_idle(30)
    (batch,) = lab.invocations("rec")
    assert len(batch.message_ids) == 10
    (event,) = _events(lab, "rec")
    sent = int(event["Records"][0]["attributes"]["SentTimestamp"]) / 1000
    # The window was waited for (on the lab clock); how soon after it the batch starts depends
    # on the machine (the clock also runs in real time), so no upper bound.
    assert batch.start.timestamp() - sent >= 5 - 0.01


def test_tags_of_a_mapping(lab):
    """Tags at create, TagResource/UntagResource/ListTags by the mapping's ARN (terraform
    reads them); an unknown ARN gets AWS's recorded message."""
    _function(lab, "rec", RECORD)
    _, arn = _queue(lab, "orders")
    lam = lab.client("lambda")
    created = _map(lab, arn, "rec", Tags={"team": "shop"})
    mapping_arn = created["EventSourceMappingArn"]
    assert lam.list_tags(Resource=mapping_arn)["Tags"] == {"team": "shop"}
    lam.tag_resource(Resource=mapping_arn, Tags={"env": "lab"})
    lam.untag_resource(Resource=mapping_arn, TagKeys=["team"])
    assert lam.list_tags(Resource=mapping_arn)["Tags"] == {"env": "lab"}
    unknown = mapping_arn[:-12] + "000000000000"
    err = _error(lam.list_tags, Resource=unknown)
    assert err["Error"]["Code"] == "ResourceNotFoundException"
    assert err["Error"]["Message"] == f"Event source mapping not found: {unknown}"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_async_retries_and_visibility_timeouts_share_the_clock(lab):
    """The async engine and the pollers both fast-forward one clock: running together, each
    keeps its own rhythm (0/60/180 s for async retries, 0/30/60 s for SQS receives)."""
    fail = "def lambda_handler(event, context):\n    raise ValueError('no')\n"
    make_function(lab, "async-fail", fail)
    _function(lab, "poison", POISON)
    dlq_url, dlq_arn = _queue(lab, "orders-dlq")
    url, arn = _queue(lab, "orders", VisibilityTimeout=30)
    _redrive(lab, url, dlq_arn, 3)
    _map(lab, arn, "poison")
    lab.wait_idle(30)
    lab.client("lambda").invoke(FunctionName="async-fail", InvocationType="Event", Payload=b"{}")
    lab.client("sqs").send_message(QueueUrl=url, MessageBody="poison")
    lab.wait_idle(60)

    def offsets(attempts):
        return [(a.start - attempts[0].start).total_seconds() for a in attempts]

    assert offsets(lab.invocations("async-fail")) == pytest.approx([0, 60, 180], abs=2)
    assert offsets(lab.invocations("poison")) == pytest.approx([0, 30, 60], abs=2)


def test_throttled_past_the_visibility_timeout_the_message_counts_a_receive(lab):
    """Lambda retries a throttled batch until the visibility timeout ends; then the message
    reappears with its receive count up — throttles alone can take it to the queue's DLQ
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)."""
    _function(lab, "rec", RECORD)
    lab.client("lambda").put_function_concurrency(
        FunctionName="rec", ReservedConcurrentExecutions=0
    )
    dlq_url, dlq_arn = _queue(lab, "orders-dlq")
    url, arn = _queue(lab, "orders", VisibilityTimeout=10)
    _redrive(lab, url, dlq_arn, 2)
    lab.client("sqs").send_message(QueueUrl=url, MessageBody="never runs")
    _map(lab, arn, "rec")
    lab.wait_idle(60)
    attempts = lab.invocations("rec")
    assert {a.outcome for a in attempts} == {"throttled"}
    assert {a.receive_counts for a in attempts} == {(1,), (2,)}
    assert course.log_messages("rec", logs=lab.client("logs")) == []  # it never ran
    (moved,) = lab.client("sqs").receive_message(QueueUrl=dlq_url)["Messages"]
    assert moved["Body"] == "never runs"
