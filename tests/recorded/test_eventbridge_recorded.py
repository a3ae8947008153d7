"""EventBridge as AWS recorded it, replayed in the lab with our own functions and names.

- fixtures/eventbridge_destination.json: a function's OnSuccess / OnFailure destination is a
  custom bus; a rule on it (pattern ``version: ["0"]``) invokes another function, which logs
  the event it receives (LocalStack's test_lambda_destinations.snapshot.json,
  ``TestLambdaDestinationEventbridge::test_invoke_lambda_eventbridge``).
- fixtures/eventbridge_lambda_target.json: ``PutEvents`` on a custom bus, a rule whose target
  is a function (test_events_targets.snapshot.json,
  ``TestEventsTargetLambda::test_put_events_with_target_lambda``).

The lab's event is normalised the way LocalStack normalised AWS's (ids → ``<uuid:n>`` in
sorted-key order, times → ``date``, account, region and names → placeholders) and compared
field by field. [AWS_BEHAVIOUR: eventbridge-envelope, destination-eventbridge,
eventbridge-lambda-target]
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lambdalab.eventbridge import ENVELOPE_KEYS
from tests.lab_helpers import make_function, make_queue, make_role

FIXTURES = Path(__file__).parent / "fixtures"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")

CHECKOUT = """
def lambda_handler(event, context):
    if event.get("mode") == "failure":
        raise ValueError("card declined")
    return {"basket": 3, "paid": True, "total": 12.5}
"""
LOG_EVENT = """
import json

def lambda_handler(event, context):
    print(json.dumps(event))
    return {"logged": True}
"""


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Normaliser:
    """LocalStack's snapshot transformations, applied to what the lab produced."""

    def __init__(self, replacements: dict[str, str]) -> None:
        self.replacements = replacements
        self.uuids: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self(value[key]) for key in sorted(value)}
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, str):
            return value
        if UUID.match(value):
            return self.uuids.setdefault(value, f"<uuid:{len(self.uuids) + 1}>")
        if DATE.match(value):
            return "date"
        for text, placeholder in self.replacements.items():
            value = value.replace(text, placeholder)
        return value


def logged_events(lab, function_name: str) -> list[dict]:
    found = lab.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function_name}")
    return [
        json.loads(e["message"])
        for e in sorted(found["events"], key=lambda e: e["timestamp"])
        if "detail-type" in e["message"]
    ]


def test_destination_records_reach_a_rules_function_as_recorded(lab):
    recorded = fixture("eventbridge_destination.json")["recorded-content"]
    events = lab.client("events")
    bus_arn = events.create_event_bus(Name="checkout-results")["EventBusArn"]
    role = make_role(
        lab,
        "checkout-role",
        [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus_arn}],
    )
    make_function(lab, "checkout", CHECKOUT, role_arn=role)
    logger = make_function(lab, "result-logger", LOG_EVENT)
    rule_arn = events.put_rule(
        Name="every-result",
        EventBusName="checkout-results",
        EventPattern=json.dumps({"version": ["0"]}),
    )["RuleArn"]
    events.put_targets(
        Rule="every-result",
        EventBusName="checkout-results",
        Targets=[{"Id": "logger", "Arn": logger["FunctionArn"]}],
    )
    lam = lab.client("lambda")
    lam.add_permission(
        FunctionName="result-logger",
        StatementId="from-rule",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )
    lam.put_function_event_invoke_config(
        FunctionName="checkout",
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnSuccess": {"Destination": bus_arn},
            "OnFailure": {"Destination": bus_arn},
        },
    )
    for mode in ("success", "failure"):
        lam.invoke(
            FunctionName="checkout",
            InvocationType="Event",
            Payload=json.dumps({"mode": mode}).encode(),
        )
        lab.wait_idle(60)
    success, failure = logged_events(lab, "result-logger")
    for event in (success, failure):
        assert list(event) == list(ENVELOPE_KEYS)  # the order of AWS's event structure page

    # Our handler's own answers stand where the recording has the recorded handler's.
    expected_success = recorded["lambda_destination_event_bus_success"]
    expected_success["detail"]["responsePayload"] = {"basket": 3, "paid": True, "total": 12.5}
    expected_failure = recorded["lambda_destination_event_bus_failure"]
    error = expected_failure["detail"]["responsePayload"]
    assert failure["detail"]["responsePayload"]["stackTrace"]  # the handler's own frames
    assert 'raise ValueError("card declined")' in "".join(
        failure["detail"]["responsePayload"]["stackTrace"]
    )
    error.update(errorMessage="card declined", errorType="ValueError", stackTrace="<frames>")
    failure["detail"]["responsePayload"]["stackTrace"] = "<frames>"

    normalise = Normaliser(
        {
            lab.account_id: "111111111111",
            lab.region: "<region>",
            "arn:aws:": "arn:<partition>:",
            "checkout-results": "<event-bus-name>",
            "function:checkout": "function:<input-fn-name>",
        }
    )
    assert normalise(success) == expected_success
    assert normalise(failure) == expected_failure
    assert success["account"] == lab.account_id and success["region"] == lab.region


def test_put_events_reaches_a_function_target_as_recorded(lab):
    recorded = fixture("eventbridge_lambda_target.json")["recorded-content"]
    events = lab.client("events")
    events.create_event_bus(Name="accounts")
    fn = make_function(lab, "account-updates", LOG_EVENT)
    pattern = {
        "source": ["core.update-account-command"],
        "detail-type": ["core.update-account-command"],
        "detail": {"command": ["update-account"]},
    }
    rule_arn = events.put_rule(
        Name="updates", EventBusName="accounts", EventPattern=json.dumps(pattern)
    )["RuleArn"]
    lab.client("lambda").add_permission(
        FunctionName="account-updates",
        StatementId="updates-Event",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )
    events.put_targets(
        Rule="updates",
        EventBusName="accounts",
        Targets=[{"Id": "fn", "Arn": fn["FunctionArn"]}],
    )
    (expected,) = recorded["events"]
    events.put_events(
        Entries=[
            {
                "EventBusName": "accounts",
                "Source": "core.update-account-command",
                "DetailType": "core.update-account-command",
                "Detail": json.dumps(expected["detail"]),
            }
        ]
    )
    lab.wait_idle(30)
    (event,) = logged_events(lab, "account-updates")
    assert list(event) == list(expected)  # this recording kept AWS's key order
    normalise = Normaliser({lab.account_id: "111111111111", lab.region: "<region>"})
    assert normalise(event) == expected


def test_two_queue_targets_one_with_input_path_as_recorded(lab):
    """test_events_inputs.snapshot.json, ``test_put_events_with_input_path_multiple_targets``:
    the same event reaches one queue as its ``detail`` and the other as the whole envelope."""
    snapshots = fixture("eventbridge_inputs.json")["snapshots"]
    (recorded,) = [
        v["recorded-content"]
        for k, v in snapshots.items()
        if k.endswith("::test_put_events_with_input_path_multiple_targets")
    ]
    sqs = lab.client("sqs")
    url_1, arn_1 = make_queue(sqs, "detail-only")
    url_2, arn_2 = make_queue(sqs, "whole-event")
    events = lab.client("events")
    events.create_event_bus(Name="accounts")
    pattern = {"source": ["core.update-account-command"]}
    events.put_rule(Name="copies", EventBusName="accounts", EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="copies",
        EventBusName="accounts",
        Targets=[
            {"Id": "detail", "Arn": arn_1, "InputPath": "$.detail"},
            {"Id": "whole", "Arn": arn_2},
        ],
    )
    (expected_1,) = recorded["message-queue-1"]
    (expected_2,) = recorded["message-queue-2"]
    events.put_events(
        Entries=[
            {
                "EventBusName": "accounts",
                "Source": "core.update-account-command",
                "DetailType": "core.update-account-command",
                "Detail": json.dumps(expected_2["Body"]["detail"]),
            }
        ]
    )
    (message_1,) = sqs.receive_message(QueueUrl=url_1)["Messages"]
    (message_2,) = sqs.receive_message(QueueUrl=url_2)["Messages"]
    assert json.loads(message_1["Body"]) == expected_1["Body"]
    body = json.loads(message_2["Body"])
    assert list(body) == list(expected_2["Body"])  # AWS's key order, as recorded
    assert UUID.match(body.pop("id"))  # numbered <uuid:3> after the two SQS message ids
    normalise = Normaliser({lab.account_id: "111111111111", lab.region: "<region>"})
    assert normalise(body) == {k: v for k, v in expected_2["Body"].items() if k != "id"}
