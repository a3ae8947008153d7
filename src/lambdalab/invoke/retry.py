"""Retry policy of the async queue, as pure functions of simulated time (no I/O, no clock).

- Function errors [AWS_BEHAVIOUR: async-retries]: up to ``MaximumRetryAttempts`` more attempts,
  the first after 60 s and the second after 120 s, counted from the end of the failed attempt
  (the docs do not say whether from its start or end; with short handlers both give the
  measured 0/60/180 s). No jitter: AWS's is UNKNOWN and a fixed pattern is what the course
  charts show.
- Look-ahead [AWS_BEHAVIOUR: max-age-look-ahead]: a retry that would start at or after the
  event's maximum age is not waited for; the event fails now with ``EventAgeExceeded``.
- Throttles and system errors [AWS_BEHAVIOUR: throttle-backoff, throttle-not-a-retry]: back to
  the queue after 1, 2, 4 … s, capped at 300 s, bounded only by the maximum age; they do not
  use the retry budget.
- Reserved concurrency 0 [AWS_BEHAVIOUR: zero-reserved-concurrency] and recursion
  [AWS_BEHAVIOUR: recursion-detection] stop an event before it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"
ZERO_RESERVED_CONCURRENCY = "ZeroReservedConcurrency"
# The record condition for an event stopped by recursion detection is UNKNOWN
# [AWS_BEHAVIOUR: recursion-condition].
# The lab's choice: a distinct, self-explaining value, so a learner can tell it apart from
# retries. Not observed on AWS.
RECURSIVE_INVOCATION = "RecursiveInvocationDetected"

# seconds before retry 1 and retry 2 ([AWS_BEHAVIOUR: async-retries])
FUNCTION_ERROR_DELAYS = (60.0, 120.0)
THROTTLE_FIRST_DELAY = 1.0  # [AWS_BEHAVIOUR: throttle-backoff]: "from 1 second"
THROTTLE_MAX_DELAY = 300.0  # [AWS_BEHAVIOUR: throttle-backoff]: "to a maximum of 5 minutes"
RECURSION_LIMIT = 16  # [AWS_BEHAVIOUR: recursion-detection]: "more than 16 times"


@dataclass(frozen=True)
class Decision:
    """What to do with an event after an attempt: ``retry`` at ``due``, or ``fail``."""

    action: str  # "retry" | "fail"
    due: float | None = None  # simulated epoch seconds of the next attempt
    condition: str | None = None  # record condition when failing


def function_error_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    index = min(max(attempt, 1), len(FUNCTION_ERROR_DELAYS)) - 1
    return FUNCTION_ERROR_DELAYS[index]


def throttle_delay(throttles: int) -> float:
    """Back-off after the ``throttles``-th throttle of one event: 1, 2, 4, … 256, 300, 300 s."""
    exponent = max(throttles, 1) - 1
    if exponent >= 9:  # 2**9 = 512 > 300; avoids huge powers for long-throttled events
        return THROTTLE_MAX_DELAY
    return min(THROTTLE_FIRST_DELAY * 2**exponent, THROTTLE_MAX_DELAY)


def too_old(enqueued_at: float, at: float, max_event_age: float) -> bool:
    """True when an attempt starting at ``at`` would be at or past the maximum age."""
    return at - enqueued_at >= max_event_age


def after_function_error(
    *, attempt: int, max_retry_attempts: int, enqueued_at: float, now: float, max_event_age: float
) -> Decision:
    """Decide after function error on attempt ``attempt`` (1-based) ending at ``now``."""
    if attempt > max_retry_attempts:
        return Decision("fail", condition=RETRIES_EXHAUSTED)
    due = now + function_error_delay(attempt)
    if too_old(enqueued_at, due, max_event_age):
        return Decision("fail", condition=EVENT_AGE_EXCEEDED)
    return Decision("retry", due=due)


def after_throttle(
    *, throttles: int, enqueued_at: float, now: float, max_event_age: float
) -> Decision:
    """Decide after the ``throttles``-th throttle; only the maximum age bounds these retries."""
    due = now + throttle_delay(throttles)
    if too_old(enqueued_at, due, max_event_age):
        return Decision("fail", condition=EVENT_AGE_EXCEEDED)
    return Decision("retry", due=due)


def zero_concurrency(reserved_concurrency: int | None) -> bool:
    """Reserved concurrency 0 sends new events straight to DLQ/on-failure.

    [AWS_BEHAVIOUR: zero-reserved-concurrency]
    """
    return reserved_concurrency == 0


def recursion_stopped(lineage: int, recursive_loop: str) -> bool:
    """Stop when the chain already invoked more than 16 times and loops terminate.

    ``lineage`` is the count carried by the incoming trace header, i.e. how many invocations
    the chain has already made. The exact threshold wording varies; ``> 16`` is ours
    [AWS_BEHAVIOUR: recursion-detection, recursion-config].
    """
    return recursive_loop == "Terminate" and lineage > RECURSION_LIMIT
