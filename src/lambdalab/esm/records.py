"""AWS's SQS event for Lambda (pure).

Shape and key order as in https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example
standard and FIFO events) and in the events AWS recorded for LocalStack's validated tests
(``test_lambda_integration_sqs.snapshot.json``): string attribute values, message attributes
in camelCase with empty ``stringListValues``/``binaryListValues``, ``md5OfMessageAttributes``
null when there are none.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class QueueMessage:
    """One received message, as the pollers hand it on (no moto objects past this point)."""

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    receive_count: int
    sent_timestamp: int
    first_receive_timestamp: int
    sender_id: str
    message_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    md5_of_message_attributes: str | None = None
    group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None
    trace_header: str | None = None


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if value.get("StringValue") is not None:
        out["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        raw = value["BinaryValue"]
        out["binaryValue"] = raw if isinstance(raw, str) else base64.b64encode(raw).decode()
    out["stringListValues"] = list(value.get("StringListValues") or [])
    out["binaryListValues"] = list(value.get("BinaryListValues") or [])
    out["dataType"] = value.get("DataType", "String")
    return out


def attributes(message: QueueMessage) -> dict[str, str]:
    """System attributes; FIFO ones in the docs' order."""
    attrs = {
        "ApproximateReceiveCount": str(message.receive_count),
        "SentTimestamp": str(message.sent_timestamp),
    }
    if message.trace_header:
        attrs["AWSTraceHeader"] = message.trace_header
    if message.sequence_number is not None:
        attrs["SequenceNumber"] = message.sequence_number
    if message.group_id is not None:
        attrs["MessageGroupId"] = message.group_id
    attrs["SenderId"] = message.sender_id
    if message.deduplication_id is not None:
        attrs["MessageDeduplicationId"] = message.deduplication_id
    attrs["ApproximateFirstReceiveTimestamp"] = str(message.first_receive_timestamp)
    return attrs


def record(message: QueueMessage, *, queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes(message),
        "messageAttributes": {
            name: _attribute(value) for name, value in message.message_attributes.items()
        },
        "md5OfMessageAttributes": message.md5_of_message_attributes
        if message.message_attributes
        else None,
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}
