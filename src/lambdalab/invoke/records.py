"""What lands in a DLQ or destination, built as pure data (sending lives in ``delivery``).

- destination record ([AWS_BEHAVIOUR: destination-record]): exact key order, qualified
  ``functionArn``;
  ``responseContext``/``responsePayload`` only when the function ran (absent for
  ``ZeroReservedConcurrency`` and for events that never ran,
  [AWS_BEHAVIOUR: zero-reserved-concurrency, max-age-in-queue]);
- DLQ message ([AWS_BEHAVIOUR: dlq-message]): the original payload as-is with ``ErrorCode``
  (Number), ``ErrorMessage`` (first 1 KB of the error message) and ``RequestID`` attributes;
- EventBridge envelope ([AWS_BEHAVIOUR: destination-eventbridge]; source ``lambda`` as recorded
  in Nov 2025);
- S3 destination object key ([AWS_BEHAVIOUR: destination-s3-key]).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..clock import iso_millis
from ..eventbridge import envelope
from ..model import InvocationResult
from .events import AsyncEvent
from .retry import SUCCESS

ERROR_MESSAGE_LIMIT = 1024  # [AWS_BEHAVIOUR: dlq-message]: "first 1 KB of the error message"
# DLQ attributes when no attempt produced an error: not recorded on AWS; the lab uses the status
# the caller of a sync Invoke would get [AWS_BEHAVIOUR: dlq-message].
THROTTLED_ERROR = ("429", "Rate Exceeded.")
RECURSION_ERROR = (
    "400",
    "Lambda has detected your function being invoked in a recursive loop with other Amazon "
    "Web Services resources and stopped your function's invocation.",
)


def parse_json(data: bytes | str) -> Any:
    """Payloads are JSON on AWS; keep anything else as text rather than failing a delivery."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    if data == "":
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data


def destination_record(
    event: AsyncEvent,
    *,
    condition: str,
    approximate_invoke_count: int,
    timestamp: datetime,
    result: InvocationResult | None = None,
) -> dict[str, Any]:
    """The invocation record sent to an on-success / on-failure destination.

    [AWS_BEHAVIOUR: destination-record]
    """
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_millis(timestamp),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": event.qualified_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "requestPayload": parse_json(event.payload),
    }
    if result is not None:
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": event.executed_version}
        if result.function_error:
            context["functionError"] = result.function_error
        record["responseContext"] = context
        record["responsePayload"] = parse_json(result.payload)
    return record


@dataclass(frozen=True)
class DlqMessage:
    """A DLQ message: SQS ``MessageBody`` / SNS ``Message`` and SQS-shaped attributes."""

    body: str
    attributes: dict[str, dict[str, str]]


def first_kilobyte(text: str) -> str:
    """Cut to at most 1024 UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:ERROR_MESSAGE_LIMIT].decode("utf-8", errors="ignore")


def dlq_message(
    event: AsyncEvent,
    result: InvocationResult | None = None,
    *,
    error: tuple[str, str] = THROTTLED_ERROR,
) -> DlqMessage:
    """The original event with ``ErrorCode``/``ErrorMessage``/``RequestID``.

    [AWS_BEHAVIOUR: dlq-message]

    After a function error, ``ErrorCode`` is ``200`` (the Invoke status) and ``ErrorMessage``
    the error's ``errorMessage`` text, as recorded; otherwise ``error`` gives code and text.
    """
    if result is not None and result.function_error:
        code, message = "200", result.error_message or result.error_type or ""
    else:
        code, message = error
    if isinstance(event.payload, bytes):
        body = event.payload.decode("utf-8", errors="replace")
    else:
        body = str(event.payload)
    return DlqMessage(
        body=body,
        attributes={
            "ErrorCode": {"DataType": "Number", "StringValue": code},
            "ErrorMessage": {"DataType": "String", "StringValue": first_kilobyte(message)},
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
        },
    )


def detail_type(record: dict[str, Any]) -> str:
    """``Lambda Function Invocation Result - Success`` / ``- Failure``.

    [AWS_BEHAVIOUR: destination-eventbridge]
    """
    ok = record["requestContext"]["condition"] == SUCCESS
    return "Lambda Function Invocation Result - " + ("Success" if ok else "Failure")


def eventbridge_entry(record: dict[str, Any], *, bus_arn: str) -> dict[str, Any]:
    """The PutEvents entry that produces :func:`eventbridge_envelope` on the bus."""
    return {
        "Source": "lambda",
        "DetailType": detail_type(record),
        "Detail": json.dumps(record),
        "Resources": [bus_arn, record["requestContext"]["functionArn"]],
        "EventBusName": bus_arn,
    }


def eventbridge_envelope(
    record: dict[str, Any], *, bus_arn: str, event_id: str, time: datetime
) -> dict[str, Any]:
    """The event a rule's target receives for :func:`eventbridge_entry` (recorded shape; the
    envelope itself is :func:`lambdalab.eventbridge.envelope`).

    [AWS_BEHAVIOUR: destination-eventbridge, eventbridge-envelope]
    """
    entry = eventbridge_entry(record, bus_arn=bus_arn)
    _, _, _, region, account, _ = bus_arn.split(":", 5)
    return envelope(
        {
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": account,
            "time": time,
            "region": region,
            "resources": entry["Resources"],
            "detail": record,
        }
    )


def s3_destination_key(function_name: str, at: datetime, unique: str) -> str:
    """``aws/lambda/async/<fn>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>``.

    [AWS_BEHAVIOUR: destination-s3-key]
    """
    at = at.astimezone(UTC)
    return f"aws/lambda/async/{function_name}/{at:%Y/%m/%d}/{at:%Y-%m-%dT%H.%M.%S}-{unique}"
