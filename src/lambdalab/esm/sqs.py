"""The queue as the pollers see it, read from moto's SQS backend in-process (the I/O part).

Lambda's pollers are the service, not the learner: they need no HTTP round trip or IAM check
per receive (the role's permissions are checked when the mapping is created, as on AWS).
Receiving goes through moto's own ``receive_message``, so everything moto's SQS does on a
receive is what the pollers get: the visibility timeout, the receive count, FIFO groups held
back while one of their messages is in flight, and the queue's ``RedrivePolicy`` — a message
already received ``maxReceiveCount`` times is moved to the queue's DLQ instead of being
returned. moto reads time through ``unix_time``/``unix_time_millis``, which the lab points at
its simulated clock (see ``lambdalab.moto.event_source_mappings``), so visibility timeouts are
fast-forwarded.
"""

from __future__ import annotations

from typing import Any

from .config import QueueFacts, queue_name_of
from .records import QueueMessage

SAME_RECEIVE_MS = 50


class MotoQueues:
    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region

    def _backend(self) -> Any:
        from moto.sqs.models import sqs_backends

        return sqs_backends[self.account_id][self.region]

    def _queue(self, arn: str) -> Any:
        queue = self._backend().queues.get(queue_name_of(arn))
        return queue if queue is not None and queue.queue_arn == arn else None

    def describe(self, arn: str) -> QueueFacts | None:
        queue = self._queue(arn)
        if queue is None:
            return None
        return QueueFacts(
            arn=arn,
            name=queue.name,
            fifo=bool(queue.fifo_queue),
            visibility_timeout=int(queue.visibility_timeout or 0),
        )

    def receive(self, arn: str, count: int) -> list[QueueMessage]:
        """Up to ``count`` messages, hidden for the queue's visibility timeout."""
        queue = self._queue(arn)
        if queue is None:
            return []
        with queue._messages_lock:  # moto moves DLQ-bound messages out of the list here
            messages = self._backend().receive_message(
                queue.name, count, 0, int(queue.visibility_timeout or 0), ["All"]
            )
        return [_message(m) for m in messages]

    def delete(self, arn: str, receipt_handles: list[str]) -> None:
        """Delete a batch in one pass over the queue, under the lock moto's SendMessage holds
        (moto rebuilds the message list on every delete; unlocked, concurrent deletes and
        sends overwrite each other's list and a message comes back or is lost)."""
        queue = self._queue(arn)
        if queue is None or not receipt_handles:
            return
        wanted = set(receipt_handles)
        with queue._messages_lock:
            kept = []
            for message in queue._messages:
                if wanted.intersection(message.all_receipt_handles):
                    queue.pending_messages.discard(message)
                    queue.deleted_messages.update(message.all_receipt_handles)
                    continue
                kept.append(message)
            queue._messages = kept

    def counts(self, arn: str) -> tuple[int, int]:
        """(ApproximateNumberOfMessages[Visible], ApproximateNumberOfMessagesNotVisible)."""
        queue = self._queue(arn)
        if queue is None:
            return 0, 0
        return (
            queue.approximate_number_of_messages,
            queue.approximate_number_of_messages_not_visible,
        )

    def visible(self, arn: str, enough: int) -> int:
        """Visible messages, counted up to ``enough`` (a full batch): moto has no index, and
        counting a deep queue on every poll would cost more than the receive itself."""
        queue = self._queue(arn)
        if queue is None:
            return 0
        count = 0
        for message in list(queue._messages):
            if message.visible and not message.delayed:
                count += 1
                if count >= enough:
                    break
        return count

    def next_change(self, arn: str) -> float | None:
        """Simulated time (s) when the next hidden or delayed message becomes visible."""
        queue = self._queue(arn)
        if queue is None:
            return None
        from moto.sqs import models

        now_ms = models.unix_time_millis()
        times = [
            max(m.visible_at, m.delayed_until)
            for m in list(queue._messages)
            if max(m.visible_at, m.delayed_until) >= now_ms
        ]
        if not times:
            return None
        # Messages hidden by one receive reappear together: moto stamps each a few µs apart.
        first = min(times)
        return (max(t for t in times if t <= first + SAME_RECEIVE_MS) + 1) / 1000.0

    def holds_messages(self, arn: str) -> bool:
        queue = self._queue(arn)
        return bool(queue is not None and queue._messages)


def _message(m: Any) -> QueueMessage:
    trace = (m.system_attributes or {}).get("AWSTraceHeader") or {}
    return QueueMessage(
        message_id=m.id,
        receipt_handle=m.receipt_handle,
        body=m.body,
        md5_of_body=m.body_md5,
        receive_count=int(m.approximate_receive_count),
        sent_timestamp=int(m.sent_timestamp or 0),
        first_receive_timestamp=int(m.approximate_first_receive_timestamp or 0),
        sender_id=m.sender_id,
        message_attributes=dict(m.message_attributes or {}),
        md5_of_message_attributes=m.attribute_md5 if m.message_attributes else None,
        group_id=m.group_id,
        deduplication_id=m.deduplication_id,
        sequence_number=m.sequence_number,
        trace_header=trace.get("StringValue") if isinstance(trace, dict) else None,
    )
