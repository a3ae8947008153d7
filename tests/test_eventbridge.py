"""What an EventBridge target receives (lambdalab.eventbridge) and who may invoke a function
(lambdalab.resource_policy), pure; the input cases replay AWS's recordings kept in
tests/recorded/fixtures/eventbridge_inputs.json (LocalStack's test_events_inputs.snapshot.json).

[AWS_BEHAVIOUR: eventbridge-envelope, eventbridge-target-input, eventbridge-input-transformer,
eventbridge-lambda-permission, eventbridge-metrics]
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lambdalab import eventbridge, resource_policy
from lambdalab.awserror import AwsError

FIXTURE = Path(__file__).parent / "recorded" / "fixtures" / "eventbridge_inputs.json"
RECORDED = json.loads(FIXTURE.read_text(encoding="utf-8"))["snapshots"]
RULE_ARN = "arn:aws:events:ap-northeast-1:123456789012:rule/course-bus/orders"
FN = "arn:aws:lambda:ap-northeast-1:123456789012:function:sink"

# The event the recordings were made with (the detail is the recording's input data).
DETAIL = {
    "command": "update-account",
    "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
    "listsingle": ["HIGH"],
    "listmulti": ["ACTIVE", "INACTIVE"],
    "valid": True,
}
MOTO_MESSAGE = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "core.update-account-command",
    "source": "core.update-account-command",
    "account": "123456789012",
    "time": 1764026480.25,  # moto keeps PutEvents' Time as epoch seconds
    "region": "ap-northeast-1",
    "resources": [],
    "detail": DETAIL,
    "ingestion-time": 1764026481.0,
}
EVENT = eventbridge.envelope(MOTO_MESSAGE)
PATHS = {
    "userId": "$.detail.payload.acc_id",
    "payload": "$.detail.payload",
    "systemstring": "$.detail.awsAccountId",
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
}


def recording(name: str) -> dict:
    """The recorded content of a test (``Class::test[param]`` keys, named without the class)."""
    (key,) = [k for k in RECORDED if k.split("::")[-1] == name]
    return RECORDED[key]["recorded-content"]


def recorded_bodies(key: str) -> list:
    content = recording(key)
    return [message["Body"] for messages in content.values() for message in messages]


def transformed(template: str, paths: dict | None = None, event: dict = EVENT) -> str:
    target = {
        "Id": "t",
        "Arn": FN,
        "InputTransformer": {"InputPathsMap": paths or PATHS, "InputTemplate": template},
    }
    eventbridge.check_target(target)
    return eventbridge.target_input(
        target,
        event,
        rule_arn=RULE_ARN,
        rule_name="orders",
        ingestion_time="2025-11-24T23:21:21Z",
    )


def as_recorded(text: str):
    """LocalStack's snapshots show a JSON object body parsed, any other body as text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (dict, list)) else text


def test_envelope_has_awss_fields_in_awss_order():
    """[AWS_BEHAVIOUR: eventbridge-envelope]"""
    assert list(EVENT) == list(eventbridge.ENVELOPE_KEYS)
    assert EVENT["account"] == "123456789012"
    assert EVENT["time"] == "2025-11-24T23:21:20Z"
    assert "ingestion-time" not in EVENT


def test_envelope_of_a_replayed_event_keeps_its_replay_name():
    replayed = eventbridge.envelope({**MOTO_MESSAGE, "replay-name": "again"})
    assert list(replayed)[-1] == "replay-name"
    assert replayed["replay-name"] == "again"


def test_without_input_settings_the_target_gets_the_whole_envelope():
    text = eventbridge.target_input(
        {"Id": "t", "Arn": FN}, EVENT, rule_arn=RULE_ARN, rule_name="r", ingestion_time=""
    )
    assert json.loads(text) == EVENT
    assert list(json.loads(text)) == list(eventbridge.ENVELOPE_KEYS)


def test_input_is_sent_instead_of_the_event():
    target = {"Id": "t", "Arn": FN, "Input": '{"fixed": [1, 2]}'}
    text = eventbridge.target_input(
        target, EVENT, rule_arn=RULE_ARN, rule_name="r", ingestion_time=""
    )
    assert text == '{"fixed": [1, 2]}'


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("test_put_events_with_input_path", "$.detail"),
        ("test_put_events_with_input_path_nested[event_detail0]", "$.detail.payload"),
        ("test_put_events_with_input_path_max_level_depth", "$.detail.payload.sf_id"),
    ],
)
def test_input_path_selects_part_of_the_event_as_recorded(key, path):
    """[AWS_BEHAVIOUR: eventbridge-target-input]"""
    detail = {"command": DETAIL["command"], "payload": DETAIL["payload"]}
    event = eventbridge.envelope({**MOTO_MESSAGE, "detail": detail})
    target = {"Id": "t", "Arn": FN, "InputPath": path}
    text = eventbridge.target_input(
        target, event, rule_arn=RULE_ARN, rule_name="r", ingestion_time=""
    )
    (body,) = recorded_bodies(key)
    assert as_recorded(text) == body


def test_input_path_that_selects_nothing_delivers_nothing():
    target = {"Id": "t", "Arn": FN, "InputPath": "$.detail.nothere"}
    with pytest.raises(eventbridge.TargetInputError):
        eventbridge.target_input(target, EVENT, rule_arn=RULE_ARN, rule_name="r", ingestion_time="")


TEMPLATES = [
    '{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}',
    '"Payload of <payload> with path users-service/users/<userId> and <userId>"',
    '{"id" : <userId>}',
    '{"id" : "<userId>"}',
    '{"method": "PUT", "path": "users-service/users/<userId>", "id": <userId>, "body": <payload>}',
    '{"method": "PUT", "path": "users-service/users/<userId>", "bod": [<userId>, "hardcoded"]}',
    '{"method": "PUT", "nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"}'
    ' } }, "bod": "<userId>"}',
    '"<listsingle> single list item"',
    '"<listmulti> multiple list items"',
    '{"singlelistitem": <listsingle>}',
    '"<listsingle> single list item <listmulti> multiple list items <systemstring> system '
    'account id <payload> payload <userId> user id"',
    '{"multi_replacement": "users/<userId>/second/<userId>"}',
    '"Command is <valid>!"',
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_input_transformer_renders_as_recorded(template):
    """Placeholders in and out of quotes, objects and lists as text in a string template.

    [AWS_BEHAVIOUR: eventbridge-input-transformer]
    """
    (body,) = recorded_bodies(f"test_input_transformer_nested_keys_replacement[{template}]")
    assert as_recorded(transformed(template)) == body


@pytest.mark.parametrize(
    "template",
    [
        "<listsingle> single list item",
        "<listmulti> multiple list items",
        '{"singlelistitem": "<listsingle>"}',
        '{"singlelistitem": "<listsingle>", "multiplelistitems": "<listmulti>"}',
    ],
)
def test_input_transformer_output_that_is_not_valid_is_not_delivered(template):
    """Recorded: nothing reached the queue."""
    assert recording(f"test_input_transformer_nested_keys_replacement[{template}]") == {}
    with pytest.raises(eventbridge.TargetInputError):
        transformed(template)


def test_a_multi_line_string_template_is_sent_as_text():
    template = '"<listsingle> single list item"\n"<userId> user id"'
    assert transformed(template) == '"[HIGH] single list item"\n"0a787ecb-4015 user id"'


def test_missing_values_are_empty_as_recorded():
    paths = {
        "detail-type": "$.detail-type",
        "timestamp": "$.time",
        "command": "$.detail.notinmessage",
    }
    template = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'
    recorded = recorded_bodies("test_put_events_with_input_transformer_input_template_json")[1]
    body = json.loads(transformed(template, paths))
    assert body == {**recorded, "time": EVENT["time"]}
    assert recorded["time"] == "date"  # LocalStack's stand-in for the event's time


def test_predefined_variables_as_recorded():
    template = '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}'
    (recorded,) = recorded_bodies(f"test_input_transformer_predefined_variables[{template}]")
    body = json.loads(transformed(template, {}))
    assert list(body["originalEvent"]) == list(recorded["originalEvent"])
    assert body["originalEvent"]["time"] == "2025-11-24T23:21:21Z"  # the ingestion time
    assert body["originalEventJson"] == EVENT
    text = transformed(
        '"Message <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"',
        {},
    )
    assert text == f'"Message {RULE_ARN} orders 2025-11-24T23:21:21Z"'


def test_put_targets_refusals_are_awss():
    """[AWS_BEHAVIOUR: eventbridge-target-input]"""
    both = recording("test_put_event_input_path_and_input_transformer")
    expected = both["duplicated-input-operations-error"]["Error"]
    with pytest.raises(AwsError) as err:
        eventbridge.check_target({"Id": "t1", "Arn": FN, "InputPath": "$.detail", "Input": "{}"})
    assert (err.value.code, err.value.message) == (
        expected["Code"],
        expected["Message"].replace("<target-id>", "t1"),
    )
    missing = recording("test_put_events_with_input_transformer_missing_keys")
    expected = missing["missing-key-exception-error"]["Error"]
    with pytest.raises(AwsError) as err:
        transformed(
            '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
            {"detail-type": "$.detail-type"},
        )
    assert (err.value.code, err.value.message) == (
        expected["Code"],
        expected["Message"].replace("<target-id>", "t"),
    )


def test_an_input_path_that_is_not_jsonpath_is_refused_at_put_targets():
    with pytest.raises(AwsError, match=r"InputPath of target t is not a valid JSONPath"):
        eventbridge.check_target({"Id": "t", "Arn": FN, "InputPath": "detail"})


def test_metric_dimensions_name_the_bus_only_when_it_is_custom():
    """[AWS_BEHAVIOUR: eventbridge-metrics]"""
    at = datetime(2025, 11, 24, tzinfo=UTC)
    counts = {"Invocations": 1, "FailedInvocations": 0}
    (datum,) = eventbridge.metric_data("orders", "default", counts, at)
    assert datum["MetricName"] == "Invocations"
    assert datum["Dimensions"] == [{"Name": "RuleName", "Value": "orders"}]
    (datum,) = eventbridge.metric_data("orders", "course-bus", counts, at)
    assert datum["Dimensions"] == [
        {"Name": "EventBusName", "Value": "course-bus"},
        {"Name": "RuleName", "Value": "orders"},
    ]


def statement(**overrides):
    base = {
        "Sid": "s",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": FN,
        "Condition": {"ArnLike": {"AWS:SourceArn": RULE_ARN}},
    }
    return {**base, **overrides}


def may_invoke(*statements, source_arn=RULE_ARN, function_arn=FN):
    return resource_policy.service_may_invoke(
        statements,
        service="events.amazonaws.com",
        function_arn=function_arn,
        source_arn=source_arn,
        source_account="123456789012",
    )


def test_resource_policy_allows_only_the_named_rule():
    """[AWS_BEHAVIOUR: eventbridge-lambda-permission]"""
    assert may_invoke(statement())
    assert may_invoke(statement(), function_arn=FN + ":$LATEST")
    assert not may_invoke(statement(), source_arn=RULE_ARN + "-other")
    assert not may_invoke()
    assert not may_invoke(statement(Principal={"Service": "s3.amazonaws.com"}))
    assert not may_invoke(statement(Action="lambda:GetFunction"))
    assert not may_invoke(statement(), function_arn=FN + ":prod")  # an alias needs its own


def test_resource_policy_conditions_and_denies():
    assert may_invoke(statement(Condition={}))
    assert may_invoke(statement(Condition={"StringEquals": {"AWS:SourceAccount": "123456789012"}}))
    assert not may_invoke(statement(Condition={"StringEquals": {"AWS:SourceAccount": "999"}}))
    assert not may_invoke(statement(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert not may_invoke(statement(), statement(Effect="Deny", Condition={}))
    assert may_invoke(statement(Condition={"ArnLike": {"AWS:SourceArn": "arn:aws:events:*"}}))
