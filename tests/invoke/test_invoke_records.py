"""Destination records, DLQ messages, EventBridge envelope and S3 key against docs/AWS_BEHAVIOUR.md
(destination-record, dlq-message, destination-eventbridge, destination-s3-key)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from invoke_fakes import error, event, ok

from lambdalab.invoke import records

AT = datetime(2025, 11, 25, 10, 0, 5, 123456, tzinfo=UTC)
BUS = "arn:aws:events:ap-northeast-1:123456789012:event-bus/course"


def test_s4_6_failure_record_matches_sample_c_key_order_and_values():
    """Key order at every level, qualified ARN, functionError.

    [AWS_BEHAVIOUR: destination-record]
    """
    ev = event(payload={"message": "m-1"})
    ev.attempts = 3
    result = error(ev, "Exception", "intentional failure")
    record = records.destination_record(
        ev, condition="RetriesExhausted", approximate_invoke_count=3, timestamp=AT, result=result
    )
    assert list(record) == [
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    ]
    assert record["version"] == "1.0"
    assert record["timestamp"] == "2025-11-25T10:00:05.123Z"
    assert record["requestContext"] == {
        "requestId": ev.request_id,
        "functionArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:fn:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert list(record["requestContext"]) == [
        "requestId",
        "functionArn",
        "condition",
        "approximateInvokeCount",
    ]
    assert record["requestPayload"] == {"message": "m-1"}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert list(record["responseContext"]) == ["statusCode", "executedVersion", "functionError"]
    assert list(record["responsePayload"]) == [
        "errorMessage",
        "errorType",
        "requestId",
        "stackTrace",
    ]
    assert record["responsePayload"]["requestId"] == ev.request_id
    json.dumps(record)  # serialisable as the SQS body


def test_s4_6_success_record_has_no_function_error():
    """, on-success: condition Success, count 1, the return value.

    [AWS_BEHAVIOUR: destination-record]
    """
    ev = event(qualifier="live", executed_version="3")
    record = records.destination_record(
        ev, condition="Success", approximate_invoke_count=1, timestamp=AT, result=ok(ev, [1, 2])
    )
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "3"}
    assert record["responsePayload"] == [1, 2]
    assert record["requestContext"]["functionArn"].endswith(":function:fn:live")


def test_s2_7_zero_reserved_concurrency_record_has_no_response():
    """RC=0 record: only version, timestamp, requestContext, requestPayload.

    [AWS_BEHAVIOUR: zero-reserved-concurrency]
    """
    ev = event(payload={})
    record = records.destination_record(
        ev, condition="ZeroReservedConcurrency", approximate_invoke_count=0, timestamp=AT
    )
    assert json.dumps(record).startswith(
        '{"version": "1.0", "timestamp": "2025-11-25T10:00:05.123Z"'
    )
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload"]
    assert record["requestPayload"] == {}


def test_s4_10_dlq_message_matches_sample_d():
    """Raw body, ErrorCode Number "200", ErrorMessage text, RequestID.

    [AWS_BEHAVIOUR: dlq-message]
    """
    ev = event(payload={"raise_error": 1})
    message = records.dlq_message(
        ev, error(ev, "Exception", "Test exception (this is intentional)")
    )
    assert message.body == '{"raise_error": 1}'
    assert message.attributes == {
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {
            "DataType": "String",
            "StringValue": "Test exception (this is intentional)",
        },
        "RequestID": {"DataType": "String", "StringValue": ev.request_id},
    }


def test_s4_10_dlq_error_message_is_cut_to_first_kilobyte():
    ev = event()
    message = records.dlq_message(ev, error(ev, "ValueError", "é" * 700))
    text = message.attributes["ErrorMessage"]["StringValue"]
    assert len(text.encode()) == 1024 and text == "é" * 512


def test_dlq_message_without_a_run_uses_the_throttle_status():
    """Never ran (RC=0, aged out while throttled): the lab's documented choice, 429."""
    message = records.dlq_message(event())
    assert message.attributes["ErrorCode"]["StringValue"] == "429"
    assert message.attributes["ErrorMessage"]["StringValue"] == "Rate Exceeded."


def test_s4_4_eventbridge_envelope_matches_recording():
    """Source "lambda", detail-type by outcome, resources [bus, function].

    [AWS_BEHAVIOUR: destination-eventbridge]
    """
    ev = event()
    record = records.destination_record(
        ev, condition="RetriesExhausted", approximate_invoke_count=3, timestamp=AT
    )
    envelope = records.eventbridge_envelope(record, bus_arn=BUS, event_id="id-1", time=AT)
    assert list(envelope) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert envelope["source"] == "lambda"
    assert envelope["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert envelope["resources"] == [BUS, record["requestContext"]["functionArn"]]
    assert (envelope["account"], envelope["region"]) == ("123456789012", "ap-northeast-1")
    entry = records.eventbridge_entry(record, bus_arn=BUS)
    assert entry["Source"] == "lambda" and json.loads(entry["Detail"]) == record


def test_s4_4_s3_destination_key():
    key = records.s3_destination_key("fn", AT, "1b2c")
    assert key == "aws/lambda/async/fn/2025/11/25/2025-11-25T10.00.05-1b2c"


def test_non_json_payload_is_kept_as_text():
    assert records.parse_json(b"not json") == "not json"
    assert records.parse_json(b"null") is None
