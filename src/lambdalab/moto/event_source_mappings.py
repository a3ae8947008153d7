"""Event source mappings (SQS) and the SQS behaviour their pollers rely on.

moto stores a mapping and, on every SendMessage, runs the function in Docker inside the
sender's request. The lab keeps mappings in :mod:`lambdalab.esm` instead (validated as AWS
does, polled on the lab's clock); these adapters only translate between moto's request objects
and that service. moto's SQS reads time through ``unix_time``/``unix_time_millis``, pointed here
at the lab's clock so that visibility timeouts and delays are fast-forwarded like every other
wait.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any
from urllib.parse import unquote

from lambdalab.awserror import AwsError
from lambdalab.moto import adapter


def hooks() -> list[tuple[Any, str]]:
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.sqs import models as sqsm

    return [
        *((lr.LambdaResponse, name) for name, _ in _MAPPING_CALLS),
        (lm.LambdaBackend, "_get_resource_by_arn"),
        (sqsm.Queue, "add_message"),
        (sqsm.Queue, "attributes"),
        (sqsm.Queue, "delete_message"),
        (sqsm.Queue, "approximate_number_of_messages_not_visible"),
        (sqsm.SQSBackend, "receive_message"),
        (sqsm.SQSBackend, "is_message_valid_based_on_retention_period"),
        (sqsm, "unix_time"),
        (sqsm, "unix_time_millis"),
    ]


def install() -> None:
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.sqs import models as sqsm

    for name, call in _MAPPING_CALLS:
        setattr(lr.LambdaResponse, name, mapping_call(getattr(lr.LambdaResponse, name), call))
    lm.LambdaBackend._get_resource_by_arn = wrap_resource_by_arn(
        lm.LambdaBackend._get_resource_by_arn
    )
    sqsm.Queue.attributes = compact_redrive_policy(sqsm.Queue.attributes)
    sqsm.Queue.add_message = wrap_add_message(sqsm.Queue.add_message)
    sqsm.Queue.delete_message = locked_delete_message(sqsm.Queue.delete_message)
    sqsm.SQSBackend.is_message_valid_based_on_retention_period = retained
    sqsm.unix_time = lab_unix_time(sqsm.unix_time)
    sqsm.unix_time_millis = lab_unix_time_millis(sqsm.unix_time_millis)


def compact_redrive_policy(original: property) -> property:
    """SQS answers ``RedrivePolicy`` as compact JSON; moto's spaces made real terraform report
    a change to ``redrive_policy`` on every plan."""

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)
        if result.get("RedrivePolicy"):
            policy = json.loads(result["RedrivePolicy"])
            result["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"))
        return result

    return property(attributes)


def mapping_call(original: Any, call: Any) -> Any:
    """A LambdaResponse method answered by ``call(self, service)`` while the lab runs."""

    @functools.wraps(original)
    def handler(self: Any) -> Any:
        dataplane = adapter.dataplane()
        if dataplane is None:
            return original(self)
        return call(self, dataplane.esm)

    return adapter.aws_errors_only(handler)


def _uuid(self: Any) -> str:
    return unquote(self.path.rstrip("/").split("/")[-1])


def create_mapping(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 202, {"status": 202}, json.dumps(service.create(self.json_body or {}))


def list_mappings(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    def first(name: str) -> str | None:
        return self.querystring.get(name, [None])[0]

    max_items = first("MaxItems")
    result = service.list(
        event_source_arn=first("EventSourceArn"),
        function_name=first("FunctionName"),
        marker=first("Marker"),
        max_items=int(max_items) if max_items and max_items.isdigit() else None,
    )
    return 200, {}, json.dumps(result)


def get_mapping(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 200, {}, json.dumps(service.get(_uuid(self)))


def update_mapping(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 202, {"status": 202}, json.dumps(service.update(_uuid(self), self.json_body or {}))


def delete_mapping(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 202, {"status": 202}, json.dumps(service.delete(_uuid(self)))


def wrap_resource_by_arn(original: Any) -> Any:
    """ListTags/TagResource/UntagResource find a mapping by its ARN (terraform reads its tags)."""

    @functools.wraps(original)
    def get_resource_by_arn(self: Any, arn: str) -> Any:
        dataplane = adapter.dataplane()
        if dataplane is None or ":event-source-mapping:" not in arn:
            return original(self, arn)
        mapping = dataplane.esm.by_arn(arn)
        if mapping is None:
            raise adapter.to_moto(
                AwsError("ResourceNotFoundException", f"Event source mapping not found: {arn}", 404)
            )
        return mapping

    return get_resource_by_arn


def wrap_add_message(original: Any) -> Any:
    """A message reached a queue: wake the pollers; moto's own Docker run never happens."""

    @functools.wraps(original)
    def add_message(self: Any, message: Any) -> None:
        dataplane = adapter.dataplane()
        if dataplane is None:
            return original(self, message)
        self.lambda_event_source_mappings.clear()  # only lambdalab.esm maps queues to functions
        original(self, message)
        dataplane.esm.notify(self.queue_arn)
        return None

    return add_message


def locked_delete_message(original: Any) -> Any:
    """moto rebuilds a queue's message list on every DeleteMessage without a lock: two deletes
    (or a delete and a SendMessage) at once overwrite each other's list, so a deleted message
    comes back or a sent one is lost. The pollers delete from many threads: serialise them with
    the lock moto's own SendMessage holds."""

    @functools.wraps(original)
    def delete_message(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:
            return original(self, receipt_handle)

    return delete_message


def retained(self: Any, queue_name: str, message: Any) -> bool:
    """moto's retention check for each message a receive returns, reading the one number it
    needs: moto builds every queue attribute for it (three counts, each a pass over the whole
    queue), so a receive from a 10,000-message queue served ~13 messages/s. A message past the
    queue's MessageRetentionPeriod is also deleted, as SQS does; moto only hid it, so a failing
    mapping would receive it forever."""
    from moto.sqs import models as sqsm

    queue = self.get_queue(queue_name)
    retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
    if retain_until > sqsm.unix_time():
        return True
    if message in queue._messages:
        queue._messages.remove(message)
    queue.pending_messages.discard(message)
    return False


def lab_unix_time(original: Any) -> Any:
    @functools.wraps(original)
    def unix_time(dt: Any = None) -> float:
        dataplane = adapter.dataplane()
        if dt is not None or dataplane is None:
            return original(dt) if dt is not None else original()
        return time.time() + dataplane.lab.clock.offset

    return unix_time


def lab_unix_time_millis(original: Any) -> Any:
    @functools.wraps(original)
    def unix_time_millis(dt: Any = None) -> float:
        dataplane = adapter.dataplane()
        if dt is not None or dataplane is None:
            return original(dt) if dt is not None else original()
        return (time.time() + dataplane.lab.clock.offset) * 1000.0

    return unix_time_millis


_MAPPING_CALLS = (
    ("create_event_source_mapping", create_mapping),
    ("list_event_source_mappings", list_mappings),
    ("get_event_source_mapping", get_mapping),
    ("update_event_source_mapping", update_mapping),
    ("delete_event_source_mapping", delete_mapping),
)
