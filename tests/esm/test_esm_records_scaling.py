"""The SQS event record (AWS's recorded events in test_lambda_integration_sqs.snapshot.json and
https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html) and the scaling rules."""

from __future__ import annotations

from lambdalab.esm import records, scaling
from lambdalab.esm.records import QueueMessage

ARN = "arn:aws:sqs:ap-northeast-1:123456789012:orders"


def message(**kwargs):
    base = dict(
        message_id="059f36b4-87a3-44ab-83d2-661975830a7d",
        receipt_handle="AQEB...",
        body='{"foo": "bar"}',
        md5_of_body="9bb58f26192e4ba00f01e2e7b136bbd8",
        receive_count=1,
        sent_timestamp=1545082649183,
        first_receive_timestamp=1545082649185,
        sender_id="AIDAIENQZJOLO23YVJ4VO",
    )
    base.update(kwargs)
    return QueueMessage(**base)


def test_standard_record_has_aws_keys_in_aws_order():
    rec = records.record(message(), queue_arn=ARN, region="ap-northeast-1")
    assert list(rec) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfMessageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert rec["attributes"] == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
    }
    assert rec["messageAttributes"] == {}
    assert rec["md5OfMessageAttributes"] is None
    assert (rec["eventSource"], rec["eventSourceARN"], rec["awsRegion"]) == (
        "aws:sqs",
        ARN,
        "ap-northeast-1",
    )
    assert records.event([rec]) == {"Records": [rec]}


def test_fifo_attributes_and_message_attributes():
    rec = records.record(
        message(
            group_id="1",
            deduplication_id="dedup-1",
            sequence_number="18849496460467696128",
            message_attributes={
                "Author": {"DataType": "String", "StringValue": "John Grisham"},
                "WeeksOn": {"DataType": "Number", "StringValue": "6"},
                "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            },
            md5_of_message_attributes="d25a6aea97eb8f585bfa92d314504a92",
        ),
        queue_arn=ARN + ".fifo",
        region="ap-northeast-1",
    )
    assert list(rec["attributes"]) == [
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SequenceNumber",
        "MessageGroupId",
        "SenderId",
        "MessageDeduplicationId",
        "ApproximateFirstReceiveTimestamp",
    ]
    assert rec["messageAttributes"]["Author"] == {
        "stringValue": "John Grisham",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert rec["messageAttributes"]["Blob"]["binaryValue"] == "AAE="
    assert rec["md5OfMessageAttributes"] == "d25a6aea97eb8f585bfa92d314504a92"


def test_concurrency_starts_at_five_and_grows_300_a_minute_within_the_caps():
    limit = scaling.concurrency_limit
    assert limit(0, maximum_concurrency=None, environments=2000) == 5
    assert limit(59, maximum_concurrency=None, environments=2000) == 5
    assert limit(60, maximum_concurrency=None, environments=2000) == 305
    assert limit(600, maximum_concurrency=None, environments=2000) == 1000
    assert limit(600, maximum_concurrency=2, environments=2000) == 2
    assert limit(600, maximum_concurrency=None, environments=10) == 10


def test_throttle_back_off_doubles_to_a_cap():
    assert [scaling.throttle_delay(n) for n in (1, 2, 3, 6, 10)] == [1.0, 2.0, 4.0, 30.0, 30.0]
