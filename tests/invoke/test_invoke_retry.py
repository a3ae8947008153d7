"""Pure retry policy.

[AWS_BEHAVIOUR: async-retries, max-age-look-ahead, throttle-backoff]
[AWS_BEHAVIOUR: zero-reserved-concurrency, recursion-detection]
"""

from __future__ import annotations

from lambdalab.invoke import retry


def test_s3_1_function_error_delays_are_60_then_120():
    assert [retry.function_error_delay(n) for n in (1, 2)] == [60.0, 120.0]


def test_s2_4_throttle_backoff_is_exponential_from_1_s_capped_at_300():
    delays = [retry.throttle_delay(n) for n in range(1, 13)]
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert retry.throttle_delay(10_000) == 300


def test_s3_7_look_ahead_fails_now_when_retry_would_start_past_max_age():
    first = retry.after_function_error(
        attempt=1, max_retry_attempts=2, enqueued_at=0, now=0.5, max_event_age=60
    )
    assert first == retry.Decision("fail", condition="EventAgeExceeded")
    second = retry.after_function_error(
        attempt=1, max_retry_attempts=2, enqueued_at=0, now=0.5, max_event_age=90
    )
    assert second == retry.Decision("retry", due=60.5)
    third = retry.after_function_error(
        attempt=2, max_retry_attempts=2, enqueued_at=0, now=60.5, max_event_age=90
    )
    assert third.condition == "EventAgeExceeded"


def test_s3_1_retries_exhausted_after_max_retry_attempts():
    decision = retry.after_function_error(
        attempt=3, max_retry_attempts=2, enqueued_at=0, now=181, max_event_age=21600
    )
    assert decision == retry.Decision("fail", condition="RetriesExhausted")


def test_s2_6_throttles_are_bounded_by_max_age_only():
    assert retry.after_throttle(throttles=3, enqueued_at=0, now=10, max_event_age=60).due == 14
    late = retry.after_throttle(throttles=9, enqueued_at=0, now=59, max_event_age=60)
    assert late.condition == "EventAgeExceeded"


def test_s2_7_and_s5_1_stop_conditions():
    assert retry.zero_concurrency(0) and not retry.zero_concurrency(None)
    assert not retry.zero_concurrency(1)
    assert retry.recursion_stopped(17, "Terminate")
    assert not retry.recursion_stopped(16, "Terminate")
    assert not retry.recursion_stopped(100, "Allow")
