"""Every accepted event ends exactly once, whatever happens to it (the ledger invariant)."""

from __future__ import annotations

import random
import threading
from collections import Counter

from invoke_fakes import error, event, ok

from lambdalab.invoke import AsyncSettings, Throttled

FUNCTIONS = [f"fn{i}" for i in range(24)]
TARGET = "arn:aws:sqs:ap-northeast-1:123456789012:{}"


def random_settings(rng: random.Random) -> AsyncSettings:
    def maybe(name: str) -> str | None:
        return TARGET.format(name) if rng.random() < 0.5 else None

    return AsyncSettings(
        max_retry_attempts=rng.choice([0, 1, 2, 2]),
        max_event_age=rng.choice([60, 90, 200, 3600, 21600]),
        dlq_arn=maybe("dlq"),
        on_success=maybe("ok"),
        on_failure=maybe("fail"),
        reserved_concurrency=rng.choice([None, None, None, 0, 1, 3]),
        recursive_loop=rng.choice(["Terminate", "Allow"]),
    )


def random_behaviour(seed: int):
    rng = random.Random(seed)
    lock = threading.Lock()

    def run(e, attempt):
        with lock:
            roll = rng.random()
        if roll < 0.35:
            return ok(e)
        if roll < 0.55:
            return error(e, "ValueError", "boom")
        if roll < 0.65:
            return error(e, "Sandbox.Timedout", f"RequestId: {e.request_id} Error: Task timed out")
        if roll < 0.75:
            return error(e, "Runtime.ExitError", "Runtime exited without providing a reason")
        if roll < 0.8:
            return error(e, "Runtime.ImportModuleError", "Unable to import module")
        if roll < 0.95:
            raise Throttled("no capacity")
        raise RuntimeError("system error")

    return run


def test_ledger_1000_random_events_each_end_exactly_once(make_lab):
    """Random errors/timeouts/crashes/throttles/settings; counts add up exactly.

    [AWS_BEHAVIOUR: async-queue, async-retries, throttle-backoff, dlq-and-destinations]
    """
    rng = random.Random(20240601)
    lab = make_lab(max_concurrency=8, duplicate_delivery=0.05, rng=random.Random(7))
    for i, name in enumerate(FUNCTIONS):
        lab.settings[name] = random_settings(rng)
        lab.behaviour[name] = random_behaviour(i)
    lab.failing_targets.add(TARGET.format("dlq"))  # every DLQ send fails: DeadLetterErrors
    submitted = [
        lab.engine.submit(event(rng.choice(FUNCTIONS), lineage=rng.choice([0, 0, 0, 17])))
        for _ in range(1000)
    ]
    lab.engine.wait_idle(50)

    ledger = lab.engine.ledger()
    finished = sum(ledger[k] for k in ("succeeded", "dlq", "destination", "dropped"))
    assert ledger["accepted"] == 1000
    assert finished == ledger["accepted"] + ledger["duplicates"]
    assert ledger["finished_twice"] == 0 and ledger["in_flight"] == 0
    assert ledger["dlq"] == 0  # DLQ sends all failed
    assert ledger["duplicates"] > 0
    for outcome in ("succeeded", "destination", "dropped"):
        assert ledger[outcome] > 0

    failed = ledger["destination"] + ledger["dropped"]
    assert len(lab.metric_values("AsyncEventsDropped")) == failed
    assert len(lab.metric_values("AsyncEventsReceived")) == 1000
    for name in FUNCTIONS:  # each failed event of a function with a DLQ tried it and failed
        with lab.lock:
            per_fn = Counter(m[1] for m in lab.metrics if m[0] == name)
        expected = per_fn["AsyncEventsDropped"] if lab.settings[name].dlq_arn else 0
        assert per_fn["DeadLetterErrors"] == expected
    assert len(lab.delivered("on_failure")) == ledger["destination"]

    attempts = [a for name in FUNCTIONS for a in lab.engine.invocations(name)]
    outcomes = Counter(a.outcome for a in attempts)
    assert all(outcomes[k] > 0 for k in ("success", "error", "throttled", "system_error"))
    assert len(lab.metric_values("RecursiveInvocationsDropped")) > 0
    ran = [a for a in attempts if a.outcome in ("success", "error")]
    assert len(lab.metric_values("Invocations")) == len(ran)
    assert len(lab.metric_values("Errors")) == sum(a.outcome == "error" for a in attempts)
    assert sum(a.outcome == "success" for a in attempts) == ledger["succeeded"]
    per_event = Counter((a.request_id, a.duplicate) for a in ran)
    by_id = {e.request_id: e for e in submitted}
    for (request_id, _), count in per_event.items():
        assert count <= lab.settings[by_id[request_id].function_name].max_retry_attempts + 1
    for e in submitted:  # RC=0 and recursion-stopped events never ran
        settings = lab.settings[e.function_name]
        stopped = e.lineage > 16 and settings.recursive_loop == "Terminate"
        if settings.reserved_concurrency == 0 or stopped:
            assert per_event[(e.request_id, False)] == 0
