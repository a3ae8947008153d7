"""AsyncEngine behaviour against docs/AWS_BEHAVIOUR.md (queue, retries,
EventInvokeConfig, DLQ and destinations, recursion, metrics), with a scripted function (no moto)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from invoke_fakes import always, error, event, ok, throttled_first

from lambdalab.invoke import AsyncSettings, Throttled, retry

DLQ = "arn:aws:sqs:ap-northeast-1:123456789012:dlq"
FAIL_Q = "arn:aws:sqs:ap-northeast-1:123456789012:failures"
OK_Q = "arn:aws:sqs:ap-northeast-1:123456789012:successes"


def offsets(lab, request_id: str) -> list[float]:
    times = [t for rid, _, t in lab.starts if rid == request_id]
    return [round(t - times[0], 1) for t in times]


def test_s3_1_function_error_retries_at_0_60_180_with_same_request_id(make_lab):
    """Three attempts ~0 s / 60 s / 180 s apart, one request id; fast-forwarded.

    [AWS_BEHAVIOUR: async-retries, async-request-id]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    lab.settings["fn"] = AsyncSettings(on_failure=FAIL_Q)
    ev = lab.engine.submit(event())
    lab.engine.wait_idle(10)
    # Fast mode jumped the clock over both back-offs instead of sleeping through them.
    assert lab.clock.offset >= 179
    starts = [t - ev.enqueued_at for _, _, t in lab.starts]
    assert [round(s) for s in starts] == [0, 60, 180]
    assert {rid for rid, _, _ in lab.starts} == {ev.request_id}
    assert [a for _, a, _ in lab.starts] == [1, 2, 3]
    attempts = lab.engine.invocations("fn")
    assert [a.outcome for a in attempts] == ["error"] * 3
    assert [a.error_type for a in attempts] == ["ValueError"] * 3
    (_, target, _, record) = lab.delivered("on_failure")[0]
    assert target == FAIL_Q
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3


def test_s3_6_zero_retries_means_one_attempt(make_lab):
    """MaximumRetryAttempts=0 → exactly one attempt, approximateInvokeCount 1.

    [AWS_BEHAVIOUR: zero-retries]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    lab.settings["fn"] = AsyncSettings(max_retry_attempts=0, on_failure=FAIL_Q)
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.starts) == 1
    record = lab.delivered("on_failure")[0][3]
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["condition"] == "RetriesExhausted"


@pytest.mark.parametrize(("age", "attempts"), [(60, 1), (90, 2), (180, 2), (181, 3)])
def test_s3_7_max_age_look_ahead(make_lab, age, attempts):
    """A retry that would start past the max age is not waited for (60 → 1, 90 → 2).

    [AWS_BEHAVIOUR: max-age-look-ahead]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    lab.settings["fn"] = AsyncSettings(max_event_age=age, on_failure=FAIL_Q)
    ev = lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.starts) == attempts
    record = lab.delivered("on_failure")[0][3]
    expected = "EventAgeExceeded" if attempts < 3 else "RetriesExhausted"
    assert record["requestContext"]["condition"] == expected
    assert record["requestContext"]["approximateInvokeCount"] == attempts
    stamp = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).timestamp()
    assert stamp - ev.enqueued_at < min(age, 181)  # sent at once, not after waiting out the age


def test_s2_7_zero_reserved_concurrency_goes_straight_to_failure(make_lab):
    """RC=0 → no run, ZeroReservedConcurrency, count 0, no Throttles, 1 dropped.

    [AWS_BEHAVIOUR: zero-reserved-concurrency]
    """
    lab = make_lab()
    lab.settings["fn"] = AsyncSettings(reserved_concurrency=0, on_failure=FAIL_Q, dlq_arn=DLQ)
    ev = lab.engine.submit(event(payload={}))
    lab.engine.wait_idle(10)
    assert lab.starts == []
    record = lab.delivered("on_failure")[0][3]
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload"]
    assert record["requestPayload"] == {}
    dlq = lab.delivered("dlq")[0][3]
    assert dlq.attributes["RequestID"]["StringValue"] == ev.request_id
    assert lab.metric_values("Throttles") == []
    assert lab.metric_values("AsyncEventsReceived") == [1]
    assert lab.metric_values("AsyncEventsDropped") == [1]


def test_s2_4_throttle_backoff_doubles_and_uses_no_retry(make_lab):
    """Throttles back off 1, 2, 4, 8 s and do not count as attempts.

    [AWS_BEHAVIOUR: throttle-backoff, throttle-not-a-retry]
    """
    lab = make_lab()
    lab.behaviour["fn"] = throttled_first(4, ok)
    lab.settings["fn"] = AsyncSettings(on_success=OK_Q)
    ev = lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert offsets(lab, ev.request_id) == [0, 1, 3, 7, 15]
    assert lab.metric_values("Throttles") == [1, 1, 1, 1]
    assert lab.metric_values("Invocations") == [1]
    record = lab.delivered("on_success")[0][3]
    assert record["requestContext"]["approximateInvokeCount"] == 1
    outcomes = [a.outcome for a in lab.engine.invocations("fn")]
    assert outcomes == ["throttled"] * 4 + ["success"]


def test_s2_4_throttled_until_max_age_then_event_age_exceeded(make_lab):
    """Back-off is capped at 300 s and bounded by the max age (→ EventAgeExceeded).

    [AWS_BEHAVIOUR: throttle-backoff, throttle-not-a-retry]
    """
    lab = make_lab()

    def always_throttled(e, a):
        raise Throttled("account concurrency exhausted")

    lab.behaviour["fn"] = always_throttled
    lab.settings["fn"] = AsyncSettings(max_event_age=3600, on_failure=FAIL_Q)
    ev = lab.engine.submit(event())
    lab.engine.wait_idle(10)
    times = [t for _, _, t in lab.starts]
    gaps = [round(b - a) for a, b in zip(times, times[1:], strict=False)]
    assert gaps[:9] == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert set(gaps[9:]) == {300}
    assert times[-1] - ev.enqueued_at < 3600
    record = lab.delivered("on_failure")[0][3]
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record


def test_reserved_concurrency_caps_parallel_attempts(make_lab):
    """Attempts beyond reserved concurrency are throttled, then succeed later.

    [AWS_BEHAVIOUR: reserved-concurrency, throttle-backoff]
    """
    lab = make_lab()
    running = {"now": 0, "max": 0}

    def slow(e, a):
        with lab.lock:
            running["now"] += 1
            running["max"] = max(running["max"], running["now"])
        time.sleep(0.02)
        with lab.lock:
            running["now"] -= 1
        return ok(e)

    lab.behaviour["fn"] = slow
    lab.settings["fn"] = AsyncSettings(reserved_concurrency=2)
    for _ in range(6):
        lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert running["max"] == 2
    assert lab.engine.ledger()["succeeded"] == 6
    assert len(lab.metric_values("Throttles")) > 0


def test_s4_12_failure_goes_to_both_dlq_and_on_failure(make_lab):
    """DLQ gets the raw event + attributes, on-failure gets the record.

    [AWS_BEHAVIOUR: dlq-and-destinations, dlq-message]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(lambda e: error(e, "Exception", "Test exception"))
    lab.settings["fn"] = AsyncSettings(dlq_arn=DLQ, on_failure=FAIL_Q)
    ev = lab.engine.submit(event(payload={"raise_error": 1}))
    lab.engine.wait_idle(10)
    (dlq,) = lab.delivered("dlq")
    (failure,) = lab.delivered("on_failure")
    assert dlq[1] == DLQ and failure[1] == FAIL_Q
    assert dlq[3].body == '{"raise_error": 1}'
    assert dlq[3].attributes == {
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "Test exception"},
        "RequestID": {"DataType": "String", "StringValue": ev.request_id},
    }
    assert failure[3]["responseContext"]["functionError"] == "Unhandled"
    assert failure[3]["responsePayload"]["errorType"] == "Exception"
    ledger = lab.engine.ledger()
    assert (ledger["dlq"], ledger["destination"], ledger["dropped"]) == (1, 0, 0)


def test_s4_2_success_goes_to_on_success_destination(make_lab):
    """Success → record with condition Success, count 1, the handler's result.

    [AWS_BEHAVIOUR: destination-when, destination-record]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(lambda e: ok(e, {"statusCode": 200}))
    lab.settings["fn"] = AsyncSettings(on_success=OK_Q, on_failure=FAIL_Q, dlq_arn=DLQ)
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert lab.delivered("dlq") == [] and lab.delivered("on_failure") == []
    record = lab.delivered("on_success")[0][3]
    assert record["requestContext"]["condition"] == "Success"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"statusCode": 200}
    assert lab.metric_values("AsyncEventsDropped") == []


def test_s3_5_returned_error_value_is_a_success(make_lab):
    """A handler returning {"statusCode": 500} succeeded; no retry.

    [AWS_BEHAVIOUR: not-function-errors]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(lambda e: ok(e, {"statusCode": 500}))
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.starts) == 1
    assert lab.engine.ledger()["succeeded"] == 1


def test_s4_14_delivery_failures_emit_metrics_and_log_lines(make_lab):
    """Failed sends → DeadLetterErrors / DestinationDeliveryFailures + a log line.

    [AWS_BEHAVIOUR: delivery-failures]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    lab.settings["fn"] = AsyncSettings(max_retry_attempts=0, dlq_arn=DLQ, on_failure=FAIL_Q)
    lab.failing_targets.update({DLQ, FAIL_Q})
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert lab.metric_values("DeadLetterErrors") == [1]
    assert lab.metric_values("DestinationDeliveryFailures") == [1]
    assert any("dead-letter queue" in m for _, m in lab.logs)
    assert any("on-failure destination" in m for _, m in lab.logs)
    assert lab.engine.ledger()["dropped"] == 1


def test_s4_14_dlq_failure_still_reaches_on_failure(make_lab):
    """One failed target does not stop the other; the event ends once.

    [AWS_BEHAVIOUR: delivery-failures, dlq-and-destinations]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    lab.settings["fn"] = AsyncSettings(max_retry_attempts=0, dlq_arn=DLQ, on_failure=FAIL_Q)
    lab.failing_targets.add(DLQ)
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.delivered("on_failure")) == 1
    ledger = lab.engine.ledger()
    assert (ledger["dlq"], ledger["destination"], ledger["finished_twice"]) == (0, 1, 0)


@pytest.mark.parametrize(
    ("lineage", "loop", "runs"),
    [(16, "Terminate", 1), (17, "Terminate", 0), (17, "Allow", 1), (40, "Allow", 1)],
)
def test_s5_1_recursion_stop(make_lab, lineage, loop, runs):
    """More than 16 → stopped (Terminate), sent to DLQ/on-failure, metric, log.

    [AWS_BEHAVIOUR: recursion-detection, recursion-config]
    """
    lab = make_lab()
    lab.settings["fn"] = AsyncSettings(recursive_loop=loop, on_failure=FAIL_Q, dlq_arn=DLQ)
    lab.engine.submit(event(lineage=lineage))
    lab.engine.wait_idle(10)
    assert len(lab.starts) == runs
    if runs:
        assert lab.metric_values("RecursiveInvocationsDropped") == []
        return
    assert lab.metric_values("RecursiveInvocationsDropped") == [1]
    assert any("recursive" in m for _, m in lab.logs)
    record = lab.delivered("on_failure")[0][3]
    assert record["requestContext"]["condition"] == retry.RECURSIVE_INVOCATION
    assert lab.delivered("dlq")[0][3].attributes["ErrorCode"]["StringValue"] == "400"


def test_s5_1_self_invoking_chain_stops_after_17_invocations(make_lab):
    """A function that re-invokes itself runs 17 times (lineage 0..16), then stops.

    [AWS_BEHAVIOUR: recursion-detection]
    """
    lab = make_lab()
    lab.settings["fn"] = AsyncSettings(on_failure=FAIL_Q)

    def recurse(e, a):
        lab.engine.submit(event(lineage=e.lineage + 1))
        return ok(e)

    lab.behaviour["fn"] = recurse
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.starts) == 17
    assert lab.metric_values("RecursiveInvocationsDropped") == [1]
    assert lab.engine.ledger()["destination"] == 1


def test_s3_8_event_older_than_max_age_is_discarded_without_running(make_lab):
    """An event that aged out in the queue fails with EventAgeExceeded, count 0.

    [AWS_BEHAVIOUR: max-age-in-queue]
    """
    lab = make_lab()
    lab.settings["fn"] = AsyncSettings(max_event_age=60, on_failure=FAIL_Q)
    lab.engine.submit(event(enqueued_at=lab.clock.time() - 61))
    lab.engine.wait_idle(10)
    assert lab.starts == []
    record = lab.delivered("on_failure")[0][3]
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0


def test_settings_are_read_fresh_before_each_attempt(make_lab):
    """A destination added while the event waits to retry is used.

    [AWS_BEHAVIOUR: event-invoke-config-put-update]
    """
    lab = make_lab()

    def fail_and_configure(e, a):
        if a == 1:
            lab.settings["fn"] = AsyncSettings(max_retry_attempts=1, on_failure=FAIL_Q)
        return error(e)

    lab.behaviour["fn"] = fail_and_configure
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.starts) == 2
    assert lab.delivered("on_failure")[0][3]["requestContext"]["approximateInvokeCount"] == 2


def test_s8_metrics_per_attempt_and_per_event(make_lab):
    """Invocations/Errors/AsyncEventAge per attempt, AsyncEventsReceived once.

    [AWS_BEHAVIOUR: metrics]
    """
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    ev = lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert lab.metric_values("Invocations") == [1, 1, 1]
    assert lab.metric_values("Errors") == [1, 1, 1]
    assert lab.metric_values("AsyncEventsReceived") == [1]
    assert lab.metric_values("AsyncEventsDropped") == [1]
    ages = [round(v / 1000) for v in lab.metric_values("AsyncEventAge")]
    assert ages == [0, 60, 180]
    assert len(lab.metric_values("Duration")) == 3
    stamps = [m[4] for m in lab.metrics if m[1] == "Invocations"]
    # simulated time ([AWS_BEHAVIOUR: metrics])
    assert round(stamps[2].timestamp() - ev.enqueued_at) == 180
    assert {m[0] for m in lab.metrics} == {"fn"}


def test_s2_2_duplicate_delivery_reuses_request_id(make_lab):
    """With duplicate_delivery=1 every event runs twice; both end; one Received.

    [AWS_BEHAVIOUR: async-at-least-once]
    """
    lab = make_lab(duplicate_delivery=1.0)
    lab.settings["fn"] = AsyncSettings(on_success=OK_Q)
    ev = lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert [rid for rid, _, _ in lab.starts] == [ev.request_id, ev.request_id]
    assert [a.duplicate for a in lab.engine.invocations("fn")] == [False, True]
    ledger = lab.engine.ledger()
    assert (ledger["accepted"], ledger["duplicates"], ledger["succeeded"]) == (1, 1, 2)
    assert lab.metric_values("AsyncEventsReceived") == [1]
    assert len(lab.delivered("on_success")) == 2


def test_system_error_in_run_attempt_is_retried_like_a_throttle(make_lab):
    """A 5xx-like failure returns the event to the queue; it is logged, not lost.

    [AWS_BEHAVIOUR: system-error-retry]
    """
    lab = make_lab()
    calls = {"n": 0}

    def flaky(e, a):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("environment crashed before the handler ran")
        return ok(e)

    lab.behaviour["fn"] = flaky
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert [a.outcome for a in lab.engine.invocations("fn")] == ["system_error", "success"]
    assert any("system error" in m for _, m in lab.logs)
    assert lab.metric_values("Throttles") == []


def test_real_mode_waits_and_wait_idle_names_pending_events(make_lab):
    """Real clock: no fast-forward; wait_idle times out naming the event waiting to retry."""
    lab = make_lab("real")
    lab.behaviour["fn"] = always(error)
    ev = lab.engine.submit(event())
    with pytest.raises(TimeoutError) as info:
        lab.engine.wait_idle(0.3)
    assert ev.request_id in str(info.value)
    assert "next attempt in" in str(info.value)
    assert len(lab.starts) == 1
    assert lab.clock.offset == 0.0


def test_reset_forgets_queued_events_and_counts(make_lab):
    lab = make_lab("real")
    lab.behaviour["fn"] = always(error)
    lab.engine.submit(event())
    time.sleep(0.1)
    lab.engine.reset()
    lab.engine.wait_idle(2)
    assert lab.engine.pending() == []
    assert lab.engine.invocations("fn") == []
    assert lab.engine.ledger()["accepted"] == 0


def test_fast_mode_runs_many_retrying_events_quickly(make_lab):
    """Fast clock: 50 failing events × 3 attempts; the 180 simulated s are jumped, not slept."""
    lab = make_lab()
    lab.behaviour["fn"] = always(error)
    for _ in range(50):
        lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert lab.clock.offset >= 179
    assert len(lab.starts) == 150
    assert lab.engine.ledger()["dropped"] == 50


def test_fast_mode_holds_the_clock_while_others_are_busy(make_lab):
    """The clock only jumps when nothing else (e.g. a sync Invoke) is running either."""
    busy = {"flag": True}
    lab = make_lab(others_busy=lambda: busy["flag"])
    lab.behaviour["fn"] = always(error)
    lab.engine.submit(event())
    time.sleep(0.2)
    assert len(lab.starts) == 1 and lab.clock.offset < 1.0
    busy["flag"] = False
    lab.engine.wait_idle(10)
    assert len(lab.starts) == 3 and lab.clock.offset > 170


def test_function_deleted_while_event_waits_is_dropped(make_lab):
    """settings_for failing (function gone) drops the event once, with a log line."""
    lab = make_lab()

    def delete_after_first(e, a):
        lab.settings["fn"] = None  # settings_for now raises LookupError
        return error(e)

    lab.behaviour["fn"] = delete_after_first
    lab.engine.submit(event())
    lab.engine.wait_idle(10)
    assert len(lab.starts) == 1
    assert lab.engine.ledger()["dropped"] == 1
    assert lab.metric_values("AsyncEventsReceived") == [1]
    assert lab.metric_values("AsyncEventsDropped") == [1]
    assert any("Function not found" in m for _, m in lab.logs)
