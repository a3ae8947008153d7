"""Batch outcome rules (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)
and AWS's recordings: test_report_batch_item_failures_*."""

from __future__ import annotations

import json

import pytest

from lambdalab.esm import outcome

IDS = ["m1", "m2", "m3"]


def decide(payload, *, ok=True, report=True):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return outcome.decide(
        function_ok=ok, payload=raw, message_ids=IDS, report_batch_item_failures=report
    )


def test_a_function_error_fails_the_whole_batch_even_with_partial_responses():
    for report in (False, True):
        result = decide({"errorType": "ValueError"}, ok=False, report=report)
        assert (result.kind, result.delete, result.keep) == ("error", (), tuple(IDS))


def test_without_report_batch_item_failures_any_return_value_deletes_everything():
    result = decide({"batchItemFailures": [{"itemIdentifier": "m1"}]}, report=False)
    assert (result.kind, result.delete, result.keep) == ("success", tuple(IDS), ())


def test_partial_response_keeps_only_the_named_messages():
    result = decide({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m2"}]})
    assert result.kind == "partial"
    assert result.delete == ("m1", "m3")
    assert result.keep == ("m2",)
    assert result.reason == "1 of 3 failed"


@pytest.mark.parametrize(
    "payload", [{}, None, {"batchItemFailures": []}, {"batchItemFailures": None}, b""]
)
def test_empty_or_null_responses_are_complete_successes(payload):
    assert decide(payload).kind == "success"


@pytest.mark.parametrize(
    "payload",
    [
        {"batchItemFailures": [{"foo": "notvalid"}]},  # AWS's recording: the batch fails
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]},
        {"batchItemFailures": "m1"},
        b"not json",
        "ok",
    ],
)
def test_unreadable_partial_responses_fail_the_whole_batch(payload):
    result = decide(payload)
    assert (result.kind, result.delete, result.keep) == ("invalid_response", (), tuple(IDS))
    assert result.reason
