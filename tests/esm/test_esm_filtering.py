"""FilterCriteria on SQS records (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html),
matched by moto's EventBridge pattern matcher."""

from __future__ import annotations

import json

import pytest

from lambdalab.awserror import AwsError
from lambdalab.esm import filtering


def record(body, **attributes):
    return {
        "messageId": "m1",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", **attributes},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def matches(patterns, rec):
    criteria = {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}
    filtering.check_criteria(criteria)
    return filtering.matcher(criteria)(rec)


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        ({"body": {"testItem": ["test24"]}}, {"testItem": "test24"}, {"testItem": "tesWER"}),
        ({"body": {"id": [{"prefix": "ord-"}]}}, {"id": "ord-1"}, {"id": "inv-1"}),
        ({"body": {"n": [{"numeric": [">", 100]}]}}, {"n": 101}, {"n": 100}),
        ({"body": {"n": [{"numeric": [">=", 1, "<", 5]}]}}, {"n": 4}, {"n": 5}),
        ({"body": {"tag": [{"exists": True}]}}, {"tag": "x"}, {"other": "x"}),
        ({"body": {"kind": [{"anything-but": ["test"]}]}}, {"kind": "real"}, {"kind": "test"}),
        ({"body": ["this is a test string"]}, "this is a test string", "something else"),
    ],
)
def test_patterns_on_the_body(pattern, hit, miss):
    assert matches([pattern], record(hit))
    assert not matches([pattern], record(miss))


def test_filters_are_or_ed_and_fields_and_ed():
    patterns = [{"body": {"a": ["1"], "b": ["2"]}}, {"body": {"c": ["3"]}}]
    assert matches(patterns, record({"a": "1", "b": "2"}))
    assert matches(patterns, record({"c": "3"}))
    assert not matches(patterns, record({"a": "1"}))


def test_plain_text_body_never_matches_a_json_pattern_and_vice_versa():
    assert not matches([{"body": {"a": ["1"]}}], record("a=1"))
    assert not matches([{"body": ['{"a": "1"}']}], record({"a": "1"}))


def test_attributes_can_be_filtered_too():
    pattern = {"attributes": {"ApproximateReceiveCount": ["1"]}}
    assert matches([pattern], record({"x": 1}))


def test_no_criteria_lets_everything_through():
    assert filtering.matcher(None)(record("anything"))
    assert filtering.matcher({"Filters": []})(record("anything"))


@pytest.mark.parametrize(
    "criteria",
    [
        {"Filters": [{"Pattern": None}]},
        {"Filters": [{"Pattern": "simple string"}]},
        {"Filters": [{"Pattern": json.dumps({"eventSource": "aws:sqs"})}]},
        {"Filters": [{"Pattern": json.dumps({"body": {"a": []}})}]},
        {"Filters": [{"Pattern": "[1, 2]"}]},
        {"Filters": "x"},
    ],
)
def test_invalid_patterns_get_aws_message(criteria):
    """AWS's test_sqs_invalid_event_filter recordings."""
    with pytest.raises(AwsError) as err:
        filtering.check_criteria(criteria)
    assert (err.value.code, err.value.message) == (
        "InvalidParameterValueException",
        "Invalid filter pattern definition.",
    )
