"""Sends DLQ messages and destination records with the function role's credentials
[AWS_BEHAVIOUR: destination-permissions].

AWS sends as the function's execution role, so the role needs ``sqs:SendMessage``,
``sns:Publish``, ``lambda:InvokeFunction``, ``events:PutEvents`` or ``s3:PutObject``
[AWS_BEHAVIOUR: destination-permissions].
We do the same: every send uses a boto3 client built from the role's STS credentials, and moto's
IAM enforcement decides; any refusal, missing target, FIFO target or size problem becomes a
:class:`DeliveryError` [AWS_BEHAVIOUR: delivery-failures], which the engine turns into a metric
and a log line.

Target formats [AWS_BEHAVIOUR: destination-delivery-format]: SQS/SNS → the record is the message
body; Lambda → the record is the payload of an ``Event`` invoke (the lab's model); EventBridge
→ ``detail`` of a PutEvents entry; S3 (on-failure only) → an object under
``aws/lambda/async/…``. DLQ (SQS/SNS only) → the original event with
``ErrorCode``/``ErrorMessage``/``RequestID`` attributes [AWS_BEHAVIOUR: dlq-message].
An SQS message carries an X-Ray ``AWSTraceHeader`` whose Lineage counts the function's run
(recorded: the destination messages of LocalStack's test_lambda_destinations.snapshot.json)
[AWS_BEHAVIOUR: destination-record].
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..clock import Clock
from .errors import DeliveryError
from .events import AsyncEvent, new_trace_header
from .records import DlqMessage, eventbridge_entry, s3_destination_key

SNS_LIMIT = 256 * 1024  # [AWS_BEHAVIOUR: destination-sns-size]: SNS message size limit
ClientFactory = Callable[[str, str, Mapping[str, str]], Any]


def parse_arn(arn: str) -> tuple[str, str, str, str]:
    """``(service, region, account, resource)`` of an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise DeliveryError(f"not an ARN: {arn}")
    return parts[2], parts[3], parts[4], parts[5]


def queue_url(arn: str, endpoint_url: str | None) -> str:
    """The queue URL for an SQS ARN, built without a GetQueueUrl call (the role may lack it)."""
    _, region, account, name = parse_arn(arn)
    base = (endpoint_url or f"https://sqs.{region}.amazonaws.com").rstrip("/")
    return f"{base}/{account}/{name}"


def sns_message(record: dict[str, Any], kind: str) -> str:
    """The record as an SNS message; an on-failure record too big for SNS loses its payloads."""
    body = json.dumps(record)
    if len(body.encode()) <= SNS_LIMIT:
        return body
    # [AWS_BEHAVIOUR: destination-sns-size]: "Lambda will drop the payload" (exact shape UNKNOWN)
    if kind == "on_failure":
        trimmed = {
            k: v for k, v in record.items() if k not in ("requestPayload", "responsePayload")
        }
        return json.dumps(trimmed)
    raise DeliveryError(f"record of {len(body.encode())} bytes exceeds the SNS limit")


def _trace_attribute(event: AsyncEvent) -> dict[str, Any]:
    """The ``AWSTraceHeader`` of a message Lambda sends for ``event``: the chain's count so
    far, this function's run included when it ran [AWS_BEHAVIOUR: recursion-lineage]."""
    lineage = event.lineage + (1 if event.attempts else 0)
    header = new_trace_header(lineage, event.function_name)
    return {"AWSTraceHeader": {"DataType": "String", "StringValue": header}}


class Deliverer:
    """``deliver(kind, target_arn, event, message)`` for :class:`AsyncEngine`.

    ``credentials_for(event)`` returns ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/
    ``AWS_SESSION_TOKEN`` of the event's function role. ``client_factory(service, region,
    credentials)`` is for tests; by default boto3 clients point at ``endpoint_url``.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        credentials_for: Callable[[AsyncEvent], Mapping[str, str]],
        endpoint_url: str | None = None,
        region: str = "ap-northeast-1",
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.clock = clock
        self.endpoint_url = endpoint_url
        self.region = region
        self._credentials_for = credentials_for
        self._factory = client_factory or self._boto3_client
        self._clients: dict[tuple[str, str, str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, kind: str, target_arn: str, event: AsyncEvent, message: Any) -> None:
        service, region, _, resource = parse_arn(target_arn)
        if resource.endswith(".fifo"):
            raise DeliveryError(f"FIFO targets are not supported: {target_arn}")
        try:
            client = self._client(service, region or self.region, event)
            if kind == "dlq":
                self._send_dlq(client, service, target_arn, event, message)
            else:
                self._send_record(client, service, kind, target_arn, event, message)
        except DeliveryError:
            raise
        except Exception as exc:  # ClientError (AccessDenied, NotFound …), connection errors
            raise DeliveryError(str(exc)) from exc

    # ---- per target -------------------------------------------------------------------

    def _send_dlq(
        self, client: Any, service: str, arn: str, event: AsyncEvent, message: DlqMessage
    ) -> None:
        attributes = {k: v for k, v in message.attributes.items() if v["StringValue"]}
        if service == "sqs":
            client.send_message(
                QueueUrl=queue_url(arn, self.endpoint_url),
                MessageBody=message.body,
                MessageAttributes=attributes,
                MessageSystemAttributes=_trace_attribute(event),
            )
        elif service == "sns":
            client.publish(TopicArn=arn, Message=message.body, MessageAttributes=attributes)
        else:
            raise DeliveryError(f"a dead-letter queue must be SQS or SNS: {arn}")

    def _send_record(
        self,
        client: Any,
        service: str,
        kind: str,
        arn: str,
        event: AsyncEvent,
        record: dict[str, Any],
    ) -> None:
        body = json.dumps(record)
        if service == "sqs":
            client.send_message(
                QueueUrl=queue_url(arn, self.endpoint_url),
                MessageBody=body,
                MessageSystemAttributes=_trace_attribute(event),
            )
        elif service == "sns":
            client.publish(TopicArn=arn, Message=sns_message(record, kind))
        elif service == "lambda":
            client.invoke(FunctionName=arn, InvocationType="Event", Payload=body.encode())
        elif service == "events":
            entry = dict(eventbridge_entry(record, bus_arn=arn), Time=self.clock.now())
            response = client.put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                failed = response["Entries"][0]
                raise DeliveryError(f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}")
        elif service == "s3" and kind == "on_failure":
            bucket = arn.split(":::", 1)[1]
            key = s3_destination_key(event.function_name, self.clock.now(), str(uuid.uuid4()))
            client.put_object(Bucket=bucket, Key=key, Body=body.encode())
        else:
            raise DeliveryError(f"unsupported {kind} destination: {arn}")

    # ---- clients ------------------------------------------------------------------------

    def _client(self, service: str, region: str, event: AsyncEvent) -> Any:
        credentials = dict(self._credentials_for(event))
        key = (
            service,
            region,
            credentials.get("AWS_ACCESS_KEY_ID", ""),
            credentials.get("AWS_SESSION_TOKEN", ""),
        )
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                if len(self._clients) > 64:  # role credentials rotate; keep the cache small
                    self._clients.clear()
                client = self._factory(service, region, credentials)
                self._clients[key] = client
            return client

    def _boto3_client(self, service: str, region: str, credentials: Mapping[str, str]) -> Any:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=credentials.get("AWS_SESSION_TOKEN") or None,
            region_name=region,
        )
        return session.client(service, endpoint_url=self.endpoint_url)
