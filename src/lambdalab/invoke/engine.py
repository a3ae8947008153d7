"""The asynchronous invocation engine: Lambda's internal queue, poller and retry loop.

The lab's glue owns moto and the runtime; this module owns *when* an event runs and *where*
it ends. It talks to the rest of the lab only through callbacks::

    engine = AsyncEngine(
        clock,
        run_attempt=run,        # (event, attempt) -> InvocationResult; raise Throttled on 429
        settings_for=settings,  # (function_name, qualifier) -> AsyncSettings, read fresh
        deliver=deliver,        # (kind, target_arn, event, message) -> None; raise DeliveryError
        emit_metric=metric,     # (function_name, name, value, unit, timestamp, resource=None)
        log_line=log,           # (function_name, message): platform lines (recursion, failures)
        max_concurrency=10,     # worker threads; more ready events simply wait for a worker
        duplicate_delivery=0.0, # chance of a duplicate [AWS_BEHAVIOUR: async-at-least-once]
        rng=random.Random(),
        throttle_errors=(Throttled,),  # exceptions of run_attempt that mean "throttled"
        others_busy=lambda: False,     # e.g. a sync Invoke is running: do not jump the clock
        epoch=Epoch(),          # shared with the lab: after a reset, older events write nothing
    )
    engine.submit(event); engine.wait_idle(60); engine.invocations("fn"); engine.ledger()

``kind`` is ``"dlq"`` (message: :class:`records.DlqMessage`), ``"on_success"`` or
``"on_failure"`` (message: the destination record dict).

Life of an event (the rules of docs/AWS_BEHAVIOUR.md in brackets): settings are read fresh
before every attempt. Reserved concurrency 0 sends it straight to failure handling
[AWS_BEHAVIOUR: zero-reserved-concurrency]; a recursion stop [AWS_BEHAVIOUR: recursion-detection]
likewise; an event past its maximum age fails with ``EventAgeExceeded``
[AWS_BEHAVIOUR: max-age-in-queue]. When the function already runs ``reserved_concurrency``
attempts, or ``run_attempt`` raises one of ``throttle_errors``, the event is throttled:
``Throttles`` metric, back to the queue after 1 s … 300 s, no retry used
[AWS_BEHAVIOUR: throttle-backoff, throttle-not-a-retry]. A function error retries after 60 s
then 120 s with the same request id [AWS_BEHAVIOUR: async-retries, async-request-id] unless the
retry would start past the maximum age [AWS_BEHAVIOUR: max-age-look-ahead]. Success goes to the
on-success destination; failure to the DLQ *and* on-failure [AWS_BEHAVIOUR: dlq-and-destinations].
A failed send emits ``DeadLetterErrors``/``DestinationDeliveryFailures`` and a log line
[AWS_BEHAVIOUR: delivery-failures].
Every accepted event (and every duplicate) finishes exactly once: :meth:`ledger` counts it as
``succeeded``, ``dlq`` (reached the DLQ, maybe also on-failure), ``destination`` (reached
on-failure only) or ``dropped`` (failed and reached neither).

Duplicates (``duplicate_delivery``): a copy of the event with the *same* request id (it is the
same queued event delivered twice; AWS's choice is UNKNOWN), run through the whole path, up to
2 simulated seconds later; it emits no second ``AsyncEventsReceived``.

Clock: in fast mode, when no event is with a worker and none is due, the scheduler calls
``clock.advance_to(next timer)`` instead of sleeping; otherwise it waits on a condition.
Callbacks are never called with the engine's lock held, so a handler (or a Lambda destination)
may submit new events from inside ``run_attempt`` or ``deliver``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock
from ..epoch import Epoch
from ..model import InvocationResult
from . import retry
from .errors import DeliveryError, Throttled
from .events import AsyncEvent
from .records import RECURSION_ERROR, THROTTLED_ERROR, destination_record, dlq_message
from .settings import AsyncSettings

log = logging.getLogger(__name__)

OUTCOMES = ("succeeded", "dlq", "destination", "dropped")
DUPLICATE_MAX_DELAY = 2.0  # simulated seconds between an event and its duplicate


@dataclass
class Attempt:
    """One attempt (or throttle) of an event, as ``lab.invocations(fn)`` shows it."""

    function_name: str
    request_id: str
    attempt: int
    start: datetime
    end: datetime
    outcome: str  # "success" | "error" | "throttled" | "system_error"
    error_type: str | None = None
    log_stream: str = ""
    duplicate: bool = False


@dataclass
class _Job:
    id: int
    event: AsyncEvent
    due: float
    generation: int
    throttles: int = 0
    received: bool = False
    waiting: str = "queued"
    last_result: InvocationResult | None = field(default=None, repr=False)


def _ignore(*args: Any, **kwargs: Any) -> None:
    return None


class AsyncEngine:
    """Lambda's async queue with retries, back-off, DLQ/destinations and metrics."""

    def __init__(
        self,
        clock: Clock,
        *,
        run_attempt: Callable[[AsyncEvent, int], InvocationResult],
        settings_for: Callable[[str, str], AsyncSettings],
        deliver: Callable[[str, str, AsyncEvent, Any], None],
        emit_metric: Callable[..., None] = _ignore,
        log_line: Callable[[str, str], None] = _ignore,
        max_concurrency: int = 10,
        duplicate_delivery: float = 0.0,
        rng: random.Random | None = None,
        throttle_errors: tuple[type[BaseException], ...] = (Throttled,),
        others_busy: Callable[[], bool] = lambda: False,
        epoch: Epoch | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.clock = clock
        self._run_attempt = run_attempt
        self._settings_for = settings_for
        self._deliver = deliver
        self._emit_metric = emit_metric
        self._log_line = log_line
        self.max_concurrency = max_concurrency
        self.duplicate_delivery = duplicate_delivery
        self._rng = rng or random.Random()
        self._throttle_errors = throttle_errors
        self._others_busy = others_busy
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Job]] = []
        self._active: dict[int, _Job] = {}
        self._busy: Counter[str] = Counter()
        self._attempts: dict[str, list[Attempt]] = defaultdict(list)
        self._finals: dict[int, str] = {}
        self._finished_twice: list[int] = []
        self._counts: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._epoch = epoch or Epoch()
        self._stopped = False
        self._pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="lambdalab-async")
        self._thread = threading.Thread(
            target=self._schedule, name="lambdalab-async-scheduler", daemon=True
        )
        self._thread.start()

    # ---- public API -------------------------------------------------------------------

    def submit(self, event: AsyncEvent, *, not_before: float = 0.0) -> AsyncEvent:
        """Accept an event (the 202 of Invoke(Event)); it runs as soon as a worker is free, and
        not before ``not_before`` (simulated seconds: a function still being created)."""
        if not self._epoch.is_current(self._epoch.value):
            return event  # accepted while the cloud is being reset: it belongs to the old one
        with self._cond:
            if self._stopped:
                raise RuntimeError("the async engine is stopped")
            now = self.clock.time()
            if event.enqueued_at is None:
                event.enqueued_at = now
            event.epoch = self._epoch.value
            first = max(now, not_before)
            self._push(self._new_job(event, first))
            self._counts["accepted"] += 1
            if self.duplicate_delivery and self._rng.random() < self.duplicate_delivery:
                copy = replace(event, attempts=0, duplicate=True)
                due = first + self._rng.uniform(0.0, DUPLICATE_MAX_DELAY)
                self._push(self._new_job(copy, due))
                self._counts["duplicates"] += 1
            self._cond.notify_all()
        return event

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Return when nothing is queued, running or waiting to retry (wall ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"async events still pending after {timeout:g} s: "
                        + "; ".join(self._describe_pending())
                    )
                self._cond.wait(remaining)

    def pending(self) -> list[str]:
        """Human-readable list of what is queued, running or waiting."""
        with self._cond:
            return self._describe_pending()

    def next_timer(self) -> tuple[bool, float | None]:
        """(an attempt is running, simulated time the next queued event is due) — for another
        scheduler sharing the clock (the event source mappings' pollers)."""
        with self._cond:
            return bool(self._active), (self._heap[0][0] if self._heap else None)

    def reserve(self, function_name: str, limit: int | None) -> bool:
        """Take one of ``function_name``'s concurrency slots, or return False when its reserved
        concurrency ``limit`` is in use. Sync invokes take them too (same budget on AWS);
        every True is paired with :meth:`release`."""
        with self._cond:
            if limit is not None and self._busy[function_name] >= limit:
                return False
            self._busy[function_name] += 1
            return True

    def release(self, function_name: str) -> None:
        with self._cond:
            self._busy[function_name] -= 1

    def invocations(self, function_name: str) -> list[Attempt]:
        """Every attempt (and throttle) of ``function_name``, in start order."""
        with self._cond:
            return sorted(self._attempts.get(function_name, []), key=lambda a: a.start)

    def ledger(self) -> dict[str, int]:
        """Final outcomes: accepted + duplicates == succeeded + dlq + destination + dropped
        once idle; ``finished_twice`` must stay 0."""
        with self._cond:
            counts = {key: self._counts[key] for key in ("accepted", "duplicates", *OUTCOMES)}
            counts["finished_twice"] = len(self._finished_twice)
            counts["in_flight"] = len(self._heap) + len(self._active)
            return counts

    def reset(self) -> None:
        """Forget every queued event, attempt and count; running attempts write nothing more.

        With an epoch shared with the rest of the lab, advance that instead and call
        :meth:`forget` inside it."""
        with self._epoch.advancing():
            self.forget()

    def forget(self) -> None:
        """Drop the queue, the records and the counts (the epoch has just advanced)."""
        with self._cond:
            self._heap.clear()
            self._attempts.clear()
            self._finals.clear()
            self._finished_twice.clear()
            self._counts.clear()
            self._cond.notify_all()

    def stop(self) -> None:
        """Stop the scheduler; queued events are abandoned."""
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- scheduler ----------------------------------------------------------------------

    def _new_job(self, event: AsyncEvent, due: float) -> _Job:
        generation = self._epoch.value if event.epoch is None else event.epoch
        return _Job(id=next(self._ids), event=event, due=due, generation=generation)

    def _push(self, job: _Job) -> None:
        heapq.heappush(self._heap, (job.due, job.id, job))

    def _schedule(self) -> None:
        with self._cond:
            while not self._stopped:
                now = self.clock.time()
                while self._heap and self._heap[0][0] <= now:
                    if len(self._active) >= self.max_concurrency:
                        break
                    _, _, job = heapq.heappop(self._heap)
                    job.waiting = "running"
                    self._active[job.id] = job
                    self._pool.submit(self._run_job, job)
                if not self._heap or self._heap[0][0] <= now:
                    self._cond.wait()  # woken by submit or by a worker finishing
                    continue
                next_due = self._heap[0][0]
                if self.clock.fast and not self._active:
                    if not self._others_busy():
                        self.clock.advance_to(next_due)
                        continue
                    self._cond.wait(timeout=min(max(next_due - now, 0.001), 0.01))
                    continue
                self._cond.wait(timeout=max(next_due - now, 0.001))

    def _run_job(self, job: _Job) -> None:
        due: float | None = None
        try:
            due = self._process(job)
        except Exception:  # a bug in a callback must not lose the event
            log.exception("async engine: unexpected error for %s", job.event.request_id)
            self._finish(job, "dropped")
        finally:
            with self._cond:
                self._active.pop(job.id, None)
                current = self._epoch.is_current(job.generation)
                if due is not None and current and not self._stopped:
                    job.due = due
                    self._push(job)
                self._cond.notify_all()

    def _describe_pending(self) -> list[str]:
        now = self.clock.time()
        lines = [
            f"{j.event.function_name} {j.event.request_id}: running attempt {j.event.attempts + 1}"
            for j in self._active.values()
        ]
        for due, _, job in sorted(self._heap):
            what = f"{job.event.function_name} {job.event.request_id}: {job.waiting}"
            if due > now:
                what += f", next attempt in {due - now:.1f} s (simulated)"
            lines.append(what)
        return lines

    # ---- one step of one event ---------------------------------------------------------

    def _process(self, job: _Job) -> float | None:
        """Run one step; return the simulated time to requeue at, or None when finished."""
        event = job.event
        if not self._current(job):
            return None  # accepted before a reset: it ends without a trace
        if not job.received and not event.duplicate:
            job.received = True
            enqueued = datetime.fromtimestamp(event.enqueued_at or 0.0, tz=UTC)
            self._metric(job, "AsyncEventsReceived", 1, "Count", enqueued)
        try:
            settings = self._settings_for(event.function_name, event.qualifier)
        except Exception as exc:  # e.g. the function was deleted while the event waited
            self._log(job, f"event {event.request_id} dropped: {exc}")
            self._metric(job, "AsyncEventsDropped", 1, "Count", self.clock.now())
            self._finish(job, "dropped")
            return None
        now = self.clock.time()
        if retry.zero_concurrency(settings.reserved_concurrency):
            return self._fail(job, settings, retry.ZERO_RESERVED_CONCURRENCY, 0)
        if retry.recursion_stopped(event.lineage, settings.recursive_loop):
            self._metric(job, "RecursiveInvocationsDropped", 1, "Count", self.clock.now())
            self._log(
                job,
                f"Lambda stopped a recursive invocation: request {event.request_id} "
                f"(lineage {event.lineage} > {retry.RECURSION_LIMIT})",
            )
            return self._fail(
                job, settings, retry.RECURSIVE_INVOCATION, event.attempts, error=RECURSION_ERROR
            )
        if retry.too_old(event.enqueued_at or now, now, settings.max_event_age):
            return self._fail(
                job, settings, retry.EVENT_AGE_EXCEEDED, event.attempts, job.last_result
            )
        if not self.reserve(event.function_name, settings.reserved_concurrency):
            return self._throttle(job, settings)
        return self._attempt(job, settings)

    def _attempt(self, job: _Job, settings: AsyncSettings) -> float | None:
        event = job.event
        number = event.attempts + 1
        start = self.clock.time()
        result: InvocationResult | None = None
        failure: BaseException | None = None
        try:
            result = self._run_attempt(event, number)
        except Exception as exc:
            failure = exc
        finally:
            self.release(event.function_name)
        if isinstance(failure, self._throttle_errors):
            return self._throttle(job, settings)
        if failure is not None or result is None:  # [AWS_BEHAVIOUR: system-error-retry]
            self._log(job, f"system error for {event.request_id}: {failure!r}")
            self._record(job, number, start, start, "system_error", type(failure).__name__)
            return self._back_off(job, settings)
        end = self.clock.time()
        event.attempts = number
        begun = result.start or datetime.fromtimestamp(start, tz=UTC)
        outcome = "success" if result.ok else "error"
        self._record(
            job,
            number,
            start,
            end,
            outcome,
            result.error_type,
            result.log_stream,
            result.start,
            result.end,
        )
        duration = result.duration_ms or (end - start) * 1000.0
        self._metric(job, "Invocations", 1, "Count", begun)
        self._metric(job, "Duration", duration, "Milliseconds", begun)
        age_ms = (start - (event.enqueued_at or start)) * 1000.0
        self._metric(job, "AsyncEventAge", age_ms, "Milliseconds", begun)
        if result.ok:
            self._succeed(job, settings, result)
            return None
        self._metric(job, "Errors", 1, "Count", begun)
        job.last_result = result
        decision = retry.after_function_error(
            attempt=number,
            max_retry_attempts=settings.max_retry_attempts,
            enqueued_at=event.enqueued_at or start,
            now=end,
            max_event_age=settings.max_event_age,
        )
        if decision.action == "retry":
            job.waiting = f"waiting to retry after attempt {number} failed"
            return decision.due
        return self._fail(job, settings, decision.condition or "", number, result)

    def _throttle(self, job: _Job, settings: AsyncSettings) -> float | None:
        event = job.event
        now = self.clock.time()
        self._record(job, event.attempts + 1, now, now, "throttled", "TooManyRequestsException")
        self._metric(job, "Throttles", 1, "Count", self.clock.now())
        return self._back_off(job, settings)

    def _back_off(self, job: _Job, settings: AsyncSettings) -> float | None:
        event = job.event
        job.throttles += 1
        decision = retry.after_throttle(
            throttles=job.throttles,
            enqueued_at=event.enqueued_at or self.clock.time(),
            now=self.clock.time(),
            max_event_age=settings.max_event_age,
        )
        if decision.action == "retry":
            job.waiting = f"throttled {job.throttles}x, backing off"
            return decision.due
        return self._fail(job, settings, retry.EVENT_AGE_EXCEEDED, event.attempts, job.last_result)

    # ---- endings ------------------------------------------------------------------------

    def _succeed(self, job: _Job, settings: AsyncSettings, result: InvocationResult) -> None:
        event = job.event
        if settings.on_success and self._current(job):
            record = destination_record(
                event,
                condition=retry.SUCCESS,
                approximate_invoke_count=event.attempts,
                timestamp=self.clock.now(),
                result=result,
            )
            self._send("on_success", settings.on_success, job, record)
        self._finish(job, "succeeded")

    def _fail(
        self,
        job: _Job,
        settings: AsyncSettings,
        condition: str,
        count: int,
        result: InvocationResult | None = None,
        *,
        error: tuple[str, str] = THROTTLED_ERROR,
    ) -> None:
        event = job.event
        self._metric(job, "AsyncEventsDropped", 1, "Count", self.clock.now())
        reached_dlq = reached_destination = False
        if settings.dlq_arn and self._current(job):
            message = dlq_message(event, result, error=error)
            reached_dlq = self._send("dlq", settings.dlq_arn, job, message)
        if settings.on_failure and self._current(job):
            record = destination_record(
                event,
                condition=condition,
                approximate_invoke_count=count,
                timestamp=self.clock.now(),
                result=result,
            )
            reached_destination = self._send("on_failure", settings.on_failure, job, record)
        if reached_dlq:
            self._finish(job, "dlq")
        elif reached_destination:
            self._finish(job, "destination")
        else:
            self._finish(job, "dropped")

    def _send(self, kind: str, target: str, job: _Job, message: Any) -> bool:
        """Deliver; on any failure emit the metric and a log line and return False.
        [AWS_BEHAVIOUR: delivery-failures]
        An event from before a reset delivers nothing (and counts as not delivered)."""
        event = job.event
        try:
            with self._epoch.writing(job.generation) as current:
                if not current:
                    return False
                self._deliver(kind, target, event, message)
            return True
        except Exception as exc:
            if not isinstance(exc, DeliveryError):
                log.warning("deliver raised %r (treated as a delivery failure)", exc)
            metric = "DeadLetterErrors" if kind == "dlq" else "DestinationDeliveryFailures"
            self._metric(job, metric, 1, "Count", self.clock.now())
            label = (
                "dead-letter queue" if kind == "dlq" else kind.replace("_", "-") + " destination"
            )
            self._log(
                job,
                f"Failed to send event {event.request_id} to {label} {target}: {exc}",
            )
            return False

    def _finish(self, job: _Job, outcome: str) -> None:
        with self._cond:
            if not self._epoch.is_current(job.generation):
                return
            if job.id in self._finals:
                self._finished_twice.append(job.id)
                return
            self._finals[job.id] = outcome
            self._counts[outcome] += 1

    # ---- helpers ------------------------------------------------------------------------

    def _current(self, job: _Job) -> bool:
        with self._cond:
            return self._epoch.is_current(job.generation) and not self._stopped

    def _record(
        self,
        job: _Job,
        number: int,
        start: float,
        end: float,
        outcome: str,
        error_type: str | None = None,
        log_stream: str = "",
        start_at: datetime | None = None,
        end_at: datetime | None = None,
    ) -> None:
        event = job.event
        attempt = Attempt(
            function_name=event.function_name,
            request_id=event.request_id,
            attempt=number,
            start=start_at or datetime.fromtimestamp(start, tz=UTC),
            end=end_at or datetime.fromtimestamp(end, tz=UTC),
            outcome=outcome,
            error_type=error_type,
            log_stream=log_stream,
            duplicate=event.duplicate,
        )
        with self._cond:
            if self._epoch.is_current(job.generation):
                self._attempts[event.function_name].append(attempt)

    def _metric(self, job: _Job, name: str, value: float, unit: str, timestamp: datetime) -> None:
        event = job.event
        resource = (
            None if event.qualifier == "$LATEST" else f"{event.function_name}:{event.qualifier}"
        )
        try:
            with self._epoch.writing(job.generation) as current:
                if current:
                    self._emit_metric(
                        event.function_name, name, value, unit, timestamp, resource=resource
                    )
        except Exception:  # metrics must never change an event's fate
            log.exception("async engine: emitting %s failed", name)

    def _log(self, job: _Job, message: str) -> None:
        try:
            with self._epoch.writing(job.generation) as current:
                if current:
                    self._log_line(job.event.function_name, message)
        except Exception:
            log.exception("async engine: log line failed")
