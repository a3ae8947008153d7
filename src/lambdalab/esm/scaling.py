"""How many batches a mapping may run at once, and how a throttled batch backs off (pure).

https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html: for a standard queue
Lambda starts with five concurrent batches and, while messages remain, adds up to 300 per
minute, up to 1,000; ``ScalingConfig.MaximumConcurrency`` caps it (2–1,000). For a FIFO queue
the batches in flight never share a message group (moto's SQS already keeps a group's messages
back while one of them is in flight), so the groups bound the concurrency.

Throttling (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):
Lambda retries a throttled batch with back-off until the messages' visibility timeout runs out;
then they reappear in the queue (their receive count already went up, so throttles can push a
message towards the queue's DLQ). AWS gives no back-off figures: CHOICE 1 s doubling to 30 s.
The lab has a fixed number of execution environments (``lambdalab.start(max_environments=…)``)
and never runs more batches than that.
"""

from __future__ import annotations

INITIAL_BATCHES = 5
BATCHES_PER_MINUTE = 300
MAX_BATCHES = 1000


def concurrency_limit(
    backlog_seconds: float, *, maximum_concurrency: int | None, environments: int
) -> int:
    """Batches allowed after ``backlog_seconds`` of continuous backlog."""
    grown = INITIAL_BATCHES + int(max(backlog_seconds, 0.0) // 60) * BATCHES_PER_MINUTE
    limit = min(grown, MAX_BATCHES, environments)
    if maximum_concurrency:
        limit = min(limit, maximum_concurrency)
    return max(limit, 1)


def throttle_delay(throttles: int) -> float:
    """Simulated seconds before retrying a batch throttled ``throttles`` times (≥ 1)."""
    return float(min(2 ** max(throttles - 1, 0), 30))
