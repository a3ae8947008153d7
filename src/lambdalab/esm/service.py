"""The event source mapping service: the control plane's state and the pollers.

It talks to the rest of the lab only through the callbacks it is given::

    mappings = EventSourceMappings(
        clock,
        queues=MotoQueues(account, region),      # describe / receive / delete / counts
        lookup_function=lookup,                  # FunctionName or ARN -> FunctionFacts | None
        role_allows=iam_check,                   # (role_arn, action, resource) -> bool
        invoke=run,                              # (FunctionFacts, payload, request_id) -> result
        reserve=engine.reserve, release=engine.release,   # the function's concurrency budget
        cloudwatch=MotoCloudWatch(account, region),       # put_metric_data(Namespace, MetricData)
        environments=10,                         # the lab's execution environments
        throttle_errors=(CapacityExceeded,),
        others_busy=lambda: False,               # a learner's sync invoke / an async attempt runs
        others_next_timer=lambda: None,          # when the async engine's next event is due
        region=..., account_id=...,
    )

How a batch lives (AWS pages in brackets): a poller receives up to ``BatchSize`` messages with
the queue's visibility timeout, after waiting up to ``MaximumBatchingWindowInSeconds`` for a
full batch [services-sqs-configure]; messages no filter matches are deleted unseen
[invocation-eventfiltering]; the function is invoked synchronously with the SQS event
[with-sqs]; then :mod:`.outcome` decides which messages are deleted — the others simply stay
hidden until their visibility timeout ends and are received again, and moto's SQS moves a
message received ``maxReceiveCount`` times to the queue's DLQ [services-sqs-errorhandling].
A throttled batch is retried with back-off until its messages become visible again.

The clock: like the async engine, the scheduler jumps the simulated clock to its next timer
(a visibility timeout ending, a batching window closing, a state change, a throttle retry)
when no batch is running, no other invocation is running and the async engine has nothing due
sooner. :meth:`holds_clock` tells the async engine when it must not jump (this service has a
batch running or an earlier timer). No lock of this service is held while it calls the others.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid as uuidlib
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambdalab import arns
from lambdalab.awserror import AwsError
from lambdalab.clock import Clock
from lambdalab.invoke.metrics import NAMESPACE as LAMBDA_NAMESPACE
from lambdalab.invoke.metrics import metric_data
from lambdalab.model import InvocationResult

from . import config, filtering, outcome, records, scaling
from .config import FunctionFacts, Mapping
from .records import QueueMessage

log = logging.getLogger(__name__)

SQS_NAMESPACE = "AWS/SQS"
# A batching window is fast-forwarded only once its queue has been quiet this long (wall
# seconds): messages a learner sends one request at a time still gather in one batch.
# (Lab-only: on AWS the window is simply real time.)
WINDOW_QUIET_SECONDS = 0.2

NON_EXISTENT_QUEUE = (
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
    "SQS Error Message: The specified queue does not exist."
)


@dataclass
class BatchAttempt:
    """One invocation (or throttle) of a batch, as ``lab.invocations(fn)`` shows it.

    ``attempt`` is the highest ``ApproximateReceiveCount`` in the batch (1 on first delivery),
    so a chart of attempts over time reads the same as for async retries.
    """

    function_name: str
    request_id: str
    attempt: int
    start: datetime
    end: datetime
    outcome: str  # "success" | "partial" | "error" | "throttled" | "system_error"
    error_type: str | None = None
    log_stream: str = ""
    duplicate: bool = False
    source: str = "sqs"
    mapping_uuid: str = ""
    queue_arn: str = ""
    message_ids: tuple[str, ...] = ()
    receive_counts: tuple[int, ...] = ()
    failed_message_ids: tuple[str, ...] = ()  # the messages left to reappear
    reason: str = ""


@dataclass
class _Batch:
    mapping: Mapping
    messages: list[QueueMessage]
    received_at: float
    deadline: float  # when the messages become visible again (simulated)
    request_id: str = field(default_factory=lambda: str(uuidlib.uuid4()))
    throttles: int = 0
    generation: int = 0


class EventSourceMappings:
    """SQS event source mappings: API state plus the pollers that act on it."""

    def __init__(
        self,
        clock: Clock,
        *,
        queues: Any,
        lookup_function: Callable[[str], FunctionFacts | None],
        role_allows: Callable[[str, str, str], bool],
        invoke: Callable[[FunctionFacts, bytes, str], InvocationResult],
        reserve: Callable[[str, int | None], bool],
        release: Callable[[str], None],
        cloudwatch: Any,
        environments: int,
        throttle_errors: tuple[type[BaseException], ...] = (),
        others_busy: Callable[[], bool] = lambda: False,
        others_next_timer: Callable[[], float | None] = lambda: None,
        region: str,
        account_id: str,
    ) -> None:
        self.clock = clock
        self._queues = queues
        self._lookup_function = lookup_function
        self._role_allows = role_allows
        self._invoke = invoke
        self._reserve = reserve
        self._release = release
        self._cloudwatch = cloudwatch
        self.environments = max(environments, 1)
        self._throttle_errors = throttle_errors
        self._others_busy = others_busy
        self._others_next_timer = others_next_timer
        self.region = region
        self.account_id = account_id
        self._cond = threading.Condition()
        self._mappings: dict[str, Mapping] = {}
        self._matchers: dict[str, Callable[[dict[str, Any]], bool]] = {}
        self._in_flight: Counter[str] = Counter()  # batches per mapping (running or throttled)
        self._running: list[_Batch] = []
        self._retries: list[tuple[float, int, _Batch]] = []
        self._backlog_since: dict[str, float] = {}
        self._window_opened: dict[str, float] = {}
        self._sampled_minute: dict[str, int] = {}
        self._arrived: dict[str, float] = {}  # queue ARN -> wall time of the last SendMessage
        self._attempts: dict[str, list[BatchAttempt]] = defaultdict(list)
        self._ids = itertools.count()
        self._generation = 0
        self._stopped = False
        # Read without a lock by the async engine: (a batch is running, this service's next timer)
        self._published: tuple[bool, float | None] = (False, None)
        self._pool = ThreadPoolExecutor(self.environments, thread_name_prefix="lambdalab-esm")
        self._thread = threading.Thread(target=self._schedule, name="lambdalab-esm", daemon=True)
        self._thread.start()

    # ---- control plane (Create/Get/List/Update/DeleteEventSourceMapping) ------------------

    def _function(self, function_name: str) -> FunctionFacts:
        facts = self._lookup_function(function_name) if function_name else None
        if facts is None:
            raise config.invalid("Function does not exist")
        return facts

    def _queue(self, arn: str) -> config.QueueFacts:
        queue = self._queues.describe(arn)
        if queue is None:
            raise config.invalid(NON_EXISTENT_QUEUE)
        return queue

    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = config.check_create(params)
        function = self._function(params.get("FunctionName") or "")
        queue = self._queue(arn)
        with self._cond:
            mapping = config.new_mapping(
                params,
                region=self.region,
                account_id=self.account_id,
                function=function,
                queue=queue,
                existing=list(self._mappings.values()),
                role_allows=self._role_allows,
                now=self.clock.time(),
            )
            self._mappings[mapping.uuid] = mapping
            self._matchers[mapping.uuid] = filtering.matcher(mapping.filter_criteria)
            self._wake()
            return mapping.configuration()

    def get(self, uuid: str) -> dict[str, Any]:
        with self._cond:
            return self._mapping(uuid).configuration()

    def list(
        self,
        *,
        event_source_arn: str | None = None,
        function_name: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        wanted = arns.split_function_name(function_name)[0] if function_name else None
        with self._cond:
            found = [
                m.configuration()
                for m in self._mappings.values()
                if (not event_source_arn or m.event_source_arn == event_source_arn)
                and (wanted is None or m.function.name == wanted)
            ]
        start = int(marker) if marker and marker.isdigit() else 0
        size = max_items or 100
        page = found[start : start + size]
        result: dict[str, Any] = {"EventSourceMappings": page}
        if start + size < len(found):
            result["NextMarker"] = str(start + size)
        return result

    def update(self, uuid: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            mapping = self._mapping(uuid)
            source = mapping.event_source_arn
        function = self._function(params["FunctionName"]) if params.get("FunctionName") else None
        queue = self._queue(source)
        with self._cond:
            mapping = self._mapping(uuid)
            config.update_mapping(
                mapping,
                params,
                function=function,
                queue=queue,
                role_allows=self._role_allows,
                now=self.clock.time(),
            )
            self._matchers[uuid] = filtering.matcher(mapping.filter_criteria)
            self._wake()
            return mapping.configuration()

    def delete(self, uuid: str) -> dict[str, Any]:
        with self._cond:
            mapping = self._mapping(uuid)
            config.start_deleting(mapping, self.clock.time())
            self._wake()
            return mapping.configuration()

    def _mapping(self, uuid: str) -> Mapping:
        mapping = self._mappings.get(uuid)
        if mapping is None:
            raise config.not_found()
        return mapping

    def by_arn(self, arn: str) -> Mapping | None:
        """The mapping an ``…:event-source-mapping:<uuid>`` ARN names (for tags)."""
        with self._cond:
            mapping = self._mappings.get(arn.rsplit(":", 1)[-1])
            return mapping if mapping is not None and mapping.arn == arn else None

    def mappings(self) -> list[Mapping]:
        with self._cond:
            return list(self._mappings.values())

    # ---- introspection ----------------------------------------------------------------------

    def notify(self, queue_arn: str = "") -> None:
        """A message arrived (moto's SendMessage): poll now."""
        busy, _ = self._published
        self._published = (busy, self.clock.time())
        with self._cond:
            if queue_arn:
                self._arrived[queue_arn] = time.monotonic()
            self._cond.notify_all()

    def holds_clock(self, other_due: float | None) -> bool:
        """Must another scheduler leave the clock alone? (lock-free, for the async engine)"""
        busy, timer = self._published
        if busy:
            return True
        return timer is not None and (other_due is None or timer < other_due)

    def invocations(self, function_name: str) -> list[BatchAttempt]:
        with self._cond:
            return sorted(self._attempts.get(function_name, []), key=lambda a: a.start)

    def pending(self) -> list[str]:
        """What is still in flight, in words (empty when the mappings are drained)."""
        with self._cond:
            now = self.clock.time()
            lines = []
            for m in self._mappings.values():
                if m.pending is not None:
                    target = m.pending[0] or "deleted"
                    lines.append(
                        f"event source mapping {m.uuid}: {m.state} → {target} in "
                        f"{max(m.pending[1] - now, 0):.1f} s (simulated)"
                    )
            for batch in self._running:
                lines.append(
                    f"{batch.mapping.function.name}: batch of {len(batch.messages)} "
                    f"message(s) from {config.queue_name_of(batch.mapping.event_source_arn)} "
                    f"running ({', '.join(m.message_id for m in batch.messages[:3])}"
                    f"{', …' if len(batch.messages) > 3 else ''})"
                )
            for due, _, batch in sorted(self._retries, key=lambda r: r[0]):
                lines.append(
                    f"{batch.mapping.function.name}: throttled batch of {len(batch.messages)} "
                    f"message(s), retry in {max(due - now, 0):.1f} s (simulated)"
                )
            polled = {m.event_source_arn for m in self._mappings.values() if m.polling}
        for arn in sorted(polled):
            visible, hidden = self._queues.counts(arn)
            if visible or hidden:
                line = f"queue {config.queue_name_of(arn)}: {visible} visible, {hidden} in flight"
                nxt = self._queues.next_change(arn)
                if nxt is not None and not visible:
                    line += f", next visible in {max(nxt - now, 0):.1f} s (simulated)"
                lines.append(line)
        return lines

    def busy(self) -> bool:
        """Is anything in flight? (cheap: no counting of queues)"""
        with self._cond:
            if self._running or self._retries:
                return True
            if any(m.pending is not None for m in self._mappings.values()):
                return True
            polled = {m.event_source_arn for m in self._mappings.values() if m.polling}
        return any(self._queues.holds_messages(arn) for arn in polled)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Return when every mapping is settled and its queue drained (wall ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"event source mappings still busy after {timeout:g} s: "
                    + "; ".join(self.pending())
                )
            with self._cond:
                self._cond.wait(0.02)

    def reset(self) -> None:
        """Forget every mapping, batch and attempt (running batches are discarded)."""
        with self._cond:
            self._generation += 1
            self._mappings.clear()
            self._matchers.clear()
            self._retries.clear()
            self._in_flight.clear()
            self._backlog_since.clear()
            self._window_opened.clear()
            self._sampled_minute.clear()
            self._arrived.clear()
            self._attempts.clear()
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- scheduler --------------------------------------------------------------------------

    def _wake(self) -> None:
        busy, _ = self._published
        self._published = (busy, self.clock.time())
        self._cond.notify_all()

    def _schedule(self) -> None:
        while True:
            try:
                if not self._step():
                    return
            except Exception:  # a bug must not stop the pollers for good
                log.exception("event source mappings: scheduler error")
                time.sleep(0.05)

    def _step(self) -> bool:
        with self._cond:
            if self._stopped:
                return False
            now = self.clock.time()
            for uuid, mapping in list(self._mappings.items()):
                if config.advance(mapping, now):
                    del self._mappings[uuid]
                    self._matchers.pop(uuid, None)
            due = []
            while self._retries and self._retries[0][0] <= now:
                due.append(heapq.heappop(self._retries)[2])
            for batch in due:
                self._running.append(batch)
            polling = [m for m in self._mappings.values() if m.polling]
        for batch in due:
            self._pool.submit(self._run_batch, batch)
        started = any([self._poll(m, now) for m in polling])
        self._sample_queues(polling, now)
        if started:
            return True
        with self._cond:
            if self._stopped:
                return False
            timer = self._next_timer(polling)
            busy = bool(self._running)
            self._published = (busy, timer)
            gathering = self._gathering(polling)
        if self.clock.fast and not busy and timer is not None and not gathering:
            other = self._others_next_timer()
            if not self._others_busy() and (other is None or timer <= other):
                self.clock.advance_to(timer)
                return True
        with self._cond:
            if self._stopped:
                return False
            if timer is None:
                self._cond.wait(0.25)
            elif self.clock.fast:
                self._cond.wait(0.005)
            else:
                self._cond.wait(min(max(timer - self.clock.time(), 0.001), 0.25))
        return True

    def _next_timer(self, polling: list[Mapping]) -> float | None:
        """Earliest simulated time something changes (called with the lock held)."""
        times = [m.pending[1] for m in self._mappings.values() if m.pending is not None]
        times += [due for due, _, _ in self._retries]
        for m in polling:
            opened = self._window_opened.get(m.uuid)
            if opened is not None:
                times.append(opened + m.batching_window)
            if self._in_flight[m.uuid] >= self._limit(m, self.clock.time()):
                continue  # nothing to receive until a batch finishes
            nxt = self._queues.next_change(m.event_source_arn)
            if nxt is not None:
                times.append(nxt)
        return min(times) if times else None

    def _gathering(self, polling: list[Mapping]) -> bool:
        """An open batching window whose queue is still receiving messages (lock held)."""
        quiet_since = time.monotonic() - WINDOW_QUIET_SECONDS
        return any(
            m.uuid in self._window_opened
            and self._arrived.get(m.event_source_arn, 0.0) > quiet_since
            for m in polling
        )

    def _limit(self, mapping: Mapping, now: float) -> int:
        since = self._backlog_since.get(mapping.uuid)
        return scaling.concurrency_limit(
            0.0 if since is None else now - since,
            maximum_concurrency=mapping.maximum_concurrency,
            environments=self.environments,
        )

    def _poll(self, mapping: Mapping, now: float) -> bool:
        """Start batches while this mapping has capacity and its queue has messages."""
        arn = mapping.event_source_arn
        started = False
        while True:
            with self._cond:
                if not mapping.polling or self._mappings.get(mapping.uuid) is not mapping:
                    return started
                if self._in_flight[mapping.uuid] >= self._limit(mapping, now):
                    return started
                generation = self._generation
            visible = self._queues.visible(arn, mapping.batch_size)
            with self._cond:
                if not visible:
                    self._backlog_since.pop(mapping.uuid, None)
                    self._window_opened.pop(mapping.uuid, None)
                    return started
                self._backlog_since.setdefault(mapping.uuid, now)
                if mapping.batching_window and visible < mapping.batch_size:
                    opened = self._window_opened.setdefault(mapping.uuid, now)
                    if now < opened + mapping.batching_window:
                        return started
            messages = self._queues.receive(arn, mapping.batch_size)
            with self._cond:
                self._window_opened.pop(mapping.uuid, None)
            if not messages:
                return started  # e.g. every visible FIFO message waits behind its group
            wanted, unwanted = self._filter(mapping, messages)
            if unwanted:
                self._queues.delete(arn, [m.receipt_handle for m in unwanted])
            if not wanted:
                continue
            queue = self._queues.describe(arn)
            received = self.clock.time()
            batch = _Batch(
                mapping=mapping,
                messages=wanted,
                received_at=received,
                deadline=received + (queue.visibility_timeout if queue else 0),
                generation=generation,
            )
            with self._cond:
                if generation != self._generation:
                    return started
                self._in_flight[mapping.uuid] += 1
                self._running.append(batch)
                self._published = (True, self._published[1])
            self._pool.submit(self._run_batch, batch)
            started = True

    def _filter(
        self, mapping: Mapping, messages: list[QueueMessage]
    ) -> tuple[list[QueueMessage], list[QueueMessage]]:
        match = self._matchers.get(mapping.uuid) or (lambda record: True)
        wanted, unwanted = [], []
        for message in messages:
            record = records.record(message, queue_arn=mapping.event_source_arn, region=self.region)
            (wanted if match(record) else unwanted).append(message)
        return wanted, unwanted

    # ---- one batch --------------------------------------------------------------------------

    def _run_batch(self, batch: _Batch) -> None:
        try:
            self._process(batch)
        except Exception:
            log.exception("event source mappings: batch %s failed", batch.request_id)
            self._finish(batch)

    def _process(self, batch: _Batch) -> None:
        mapping = batch.mapping
        function = self._lookup_function(mapping.function.mapped_arn)
        start = self.clock.time()
        if function is None:  # deleted after the mapping was made: messages reappear
            self._record(batch, start, start, "system_error", "ResourceNotFoundException")
            self._finish(batch)
            return
        if not self._reserve(function.name, function.reserved_concurrency):
            self._throttled(batch, function, start)
            return
        event = records.event(
            [
                records.record(m, queue_arn=mapping.event_source_arn, region=self.region)
                for m in batch.messages
            ]
        )
        payload = json.dumps(event).encode()
        concurrency = self._concurrency(function.name)
        result: InvocationResult | None = None
        try:
            result = self._invoke(function, payload, batch.request_id)
        except self._throttle_errors:
            self._release(function.name)
            self._throttled(batch, function, start)
            return
        except Exception as exc:
            self._release(function.name)
            log.warning("event source mappings: invoke failed: %r", exc)
            self._record(batch, start, self.clock.time(), "system_error", type(exc).__name__)
            self._finish(batch)
            return
        self._release(function.name)
        ids = [m.message_id for m in batch.messages]
        decision = outcome.decide(
            function_ok=result.ok,
            payload=result.payload,
            message_ids=ids,
            report_batch_item_failures=mapping.report_batch_item_failures,
        )
        handles = {m.message_id: m.receipt_handle for m in batch.messages}
        if decision.delete and self._current(batch):
            self._queues.delete(mapping.event_source_arn, [handles[i] for i in decision.delete])
        begun = result.start or datetime.fromtimestamp(start, tz=UTC)
        kind = {
            outcome.SUCCESS: "success",
            outcome.PARTIAL: "partial",
            outcome.ERROR: "error",
            outcome.INVALID_RESPONSE: "error",
        }[decision.kind]
        error_type = result.error_type
        if decision.kind == outcome.INVALID_RESPONSE:
            error_type = "InvalidBatchItemFailuresResponse"
        self._record(
            batch,
            start,
            self.clock.time(),
            kind,
            error_type,
            log_stream=result.log_stream,
            failed=decision.keep,
            reason=decision.reason,
            start_at=result.start,
            end_at=result.end,
        )
        resource = self._resource(function)
        self._lambda_metric(function.name, "Invocations", 1, "Count", begun, resource)
        self._lambda_metric(
            function.name, "ConcurrentExecutions", concurrency, "Count", begun, resource
        )
        duration = result.duration_ms or 0.0
        self._lambda_metric(function.name, "Duration", duration, "Milliseconds", begun, resource)
        if not result.ok:
            self._lambda_metric(function.name, "Errors", 1, "Count", begun, resource)
        self._finish(batch)

    def _throttled(self, batch: _Batch, function: FunctionFacts, start: float) -> None:
        batch.throttles += 1
        self._record(batch, start, start, "throttled", "TooManyRequestsException")
        self._lambda_metric(
            function.name,
            "Throttles",
            1,
            "Count",
            datetime.fromtimestamp(start, tz=UTC),
            self._resource(function),
        )
        due = start + scaling.throttle_delay(batch.throttles)
        with self._cond:
            if due < batch.deadline and batch.generation == self._generation and not self._stopped:
                self._remove_running(batch)
                heapq.heappush(self._retries, (due, next(self._ids), batch))
                self._cond.notify_all()
                return
        self._finish(batch)  # the messages reappear when their visibility timeout ends

    def _finish(self, batch: _Batch) -> None:
        with self._cond:
            self._remove_running(batch)
            if batch.generation == self._generation and self._in_flight[batch.mapping.uuid] > 0:
                self._in_flight[batch.mapping.uuid] -= 1
            self._published = (bool(self._running), self._published[1])
            self._cond.notify_all()

    def _remove_running(self, batch: _Batch) -> None:
        for i, other in enumerate(self._running):
            if other is batch:
                del self._running[i]
                return

    def _current(self, batch: _Batch) -> bool:
        with self._cond:
            return batch.generation == self._generation and not self._stopped

    def _concurrency(self, function_name: str) -> int:
        """Batches of this function running now (this one included)."""
        with self._cond:
            return sum(1 for b in self._running if b.mapping.function.name == function_name)

    # ---- records and metrics -------------------------------------------------------------------

    def _record(
        self,
        batch: _Batch,
        start: float,
        end: float,
        kind: str,
        error_type: str | None = None,
        *,
        log_stream: str = "",
        failed: tuple[str, ...] | None = None,
        reason: str = "",
        start_at: datetime | None = None,
        end_at: datetime | None = None,
    ) -> None:
        ids = tuple(m.message_id for m in batch.messages)
        counts = tuple(m.receive_count for m in batch.messages)
        attempt = BatchAttempt(
            function_name=batch.mapping.function.name,
            request_id=batch.request_id,
            attempt=max(counts) if counts else 1,
            start=start_at or datetime.fromtimestamp(start, tz=UTC),
            end=end_at or datetime.fromtimestamp(end, tz=UTC),
            outcome=kind,
            error_type=error_type,
            log_stream=log_stream,
            mapping_uuid=batch.mapping.uuid,
            queue_arn=batch.mapping.event_source_arn,
            message_ids=ids,
            receive_counts=counts,
            failed_message_ids=ids if failed is None else tuple(failed),
            reason=reason,
        )
        if kind == "success":
            attempt.failed_message_ids = ()
        with self._cond:
            if batch.generation == self._generation:
                self._attempts[attempt.function_name].append(attempt)

    @staticmethod
    def _resource(function: FunctionFacts) -> str | None:
        q = function.qualifier
        return None if not q or q == "$LATEST" else f"{function.name}:{q}"

    def _lambda_metric(
        self,
        function_name: str,
        name: str,
        value: float,
        unit: str,
        when: datetime,
        resource: str | None,
    ) -> None:
        try:
            data = metric_data(function_name, name, value, unit, when, resource)
            self._cloudwatch.put_metric_data(Namespace=LAMBDA_NAMESPACE, MetricData=data)
        except Exception:  # metrics never change a batch's fate
            log.exception("event source mappings: metric %s failed", name)

    def _sample_queues(self, polling: list[Mapping], now: float) -> None:
        """``ApproximateNumberOfMessagesVisible``/``NotVisible`` once a simulated minute, as
        SQS publishes them (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html)."""
        minute = int(now // 60)
        for arn in {m.event_source_arn for m in polling}:
            if self._sampled_minute.get(arn) == minute:
                continue
            self._sampled_minute[arn] = minute
            visible, hidden = self._queues.counts(arn)
            when = datetime.fromtimestamp(now, tz=UTC)
            dims = [{"Name": "QueueName", "Value": config.queue_name_of(arn)}]
            data = [
                {
                    "MetricName": name,
                    "Dimensions": dims,
                    "Timestamp": when,
                    "Value": float(v),
                    "Unit": "Count",
                }
                for name, v in (
                    ("ApproximateNumberOfMessagesVisible", visible),
                    ("ApproximateNumberOfMessagesNotVisible", hidden),
                )
            ]
            try:
                self._cloudwatch.put_metric_data(Namespace=SQS_NAMESPACE, MetricData=data)
            except Exception:
                log.exception("event source mappings: SQS metrics failed")


__all__ = ["AwsError", "BatchAttempt", "EventSourceMappings"]
