"""EventBridge rules with Lambda targets, through the whole lab: boto3 → moto's EventBridge →
the lab's async path → the real handler.

[AWS_BEHAVIOUR: eventbridge-lambda-target, eventbridge-lambda-permission, eventbridge-envelope,
eventbridge-target-input, eventbridge-metrics, eventbridge-rule-states]
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from lambdalab.eventbridge import ENVELOPE_KEYS
from tests.lab_helpers import make_function, make_queue, make_role

PRINT_EVENT = """
import json

def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    return {"seen": True}
"""
ORDER = """
def lambda_handler(event, context):
    return {"order": event.get("order"), "charged": True}
"""
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def events_seen(lab, function_name: str) -> list:
    """What the function printed as its event, in the order it ran."""
    logs = lab.client("logs")
    try:
        found = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
    except ClientError:
        return []  # never ran: no log group
    return [
        json.loads(e["message"].split("EVENT ", 1)[1])
        for e in sorted(found, key=lambda e: e["timestamp"])
        if e["message"].startswith("EVENT ")
    ]


def allow_rule(lab, function_name: str, rule_arn: str, sid: str = "events") -> None:
    lab.client("lambda").add_permission(
        FunctionName=function_name,
        StatementId=sid,
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )


def rule_to(lab, function_arn: str, pattern: dict, *, name="to-fn", bus=None, **target) -> str:
    events = lab.client("events")
    on_bus = {"EventBusName": bus} if bus else {}
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern), **on_bus)["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": function_arn, **target}], **on_bus)
    return rule_arn


def metric_sum(lab, name: str, dimensions: list) -> float:
    now = lab.now()
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Events",
        MetricName=name,
        Dimensions=dimensions,
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(hours=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points)


def put_order(lab, bus: str | None = None, detail: dict | None = None) -> None:
    entry = {
        "Source": "course.orders",
        "DetailType": "Order Placed",
        "Detail": json.dumps(detail or {"order": 42}),
    }
    if bus:
        entry["EventBusName"] = bus
    response = lab.client("events").put_events(Entries=[entry])
    assert response["FailedEntryCount"] == 0


def test_on_success_destination_on_the_default_bus_reaches_the_rules_function(lab):
    """A's record goes to the default bus; the rule on `source: lambda` invokes B with the
    envelope EventBridge delivers (recorded shape: tests/recorded/test_eventbridge_recorded.py)."""
    bus = f"arn:aws:events:{lab.region}:{lab.account_id}:event-bus/default"
    role = make_role(
        lab, "a-role", [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}]
    )
    a = make_function(lab, "orders", ORDER, role_arn=role)
    b = make_function(lab, "audit", PRINT_EVENT)
    rule_arn = rule_to(lab, b["FunctionArn"], {"source": ["lambda"]})
    allow_rule(lab, "audit", rule_arn)
    lam = lab.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName="orders", DestinationConfig={"OnSuccess": {"Destination": bus}}
    )
    lam.invoke(FunctionName="orders", InvocationType="Event", Payload=b'{"order": 7}')
    lab.wait_idle(60)

    (event,) = events_seen(lab, "audit")
    assert list(event) == list(ENVELOPE_KEYS)
    assert event["version"] == "0"
    assert UUID.fullmatch(event["id"])
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["source"] == "lambda"
    assert event["account"] == lab.account_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])
    assert event["region"] == lab.region
    assert event["resources"] == [bus, f"{a['FunctionArn']}:$LATEST"]
    record = event["detail"]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"order": 7}
    assert record["responsePayload"] == {"order": 7, "charged": True}
    (attempt,) = [a for a in lab.invocations("audit")]
    assert attempt.outcome == "success"
    dims = [{"Name": "RuleName", "Value": "to-fn"}]
    assert metric_sum(lab, "Invocations", dims) == 1
    assert metric_sum(lab, "FailedInvocations", dims) == 0


@pytest.mark.parametrize("permission", ["none", "another-rule", "s3"])
def test_without_the_permission_the_function_is_not_invoked(lab, permission):
    """EventBridge needs the function's resource-based policy: without it the event is not
    delivered and the rule counts a FailedInvocations."""
    fn = make_function(lab, "audit", PRINT_EVENT)
    rule_arn = rule_to(lab, fn["FunctionArn"], {"source": ["course.orders"]})
    lam = lab.client("lambda")
    if permission == "another-rule":
        allow_rule(lab, "audit", rule_arn.replace("rule/to-fn", "rule/other"))
    elif permission == "s3":
        lam.add_permission(
            FunctionName="audit",
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        )
    put_order(lab)
    lab.wait_idle(30)
    assert lab.invocations("audit") == []
    dims = [{"Name": "RuleName", "Value": "to-fn"}]
    assert metric_sum(lab, "Invocations", dims) == 1
    assert metric_sum(lab, "FailedInvocations", dims) == 1
    # With the permission, the next event is delivered.
    allow_rule(lab, "audit", rule_arn, sid="now-allowed")
    put_order(lab)
    lab.wait_idle(30)
    assert [e["detail"] for e in events_seen(lab, "audit")] == [{"order": 42}]


def test_put_events_on_a_custom_bus_runs_the_target_asynchronously(lab):
    events = lab.client("events")
    events.create_event_bus(Name="shop")
    fn = make_function(lab, "audit", PRINT_EVENT)
    rule_arn = rule_to(
        lab,
        fn["FunctionArn"],
        {"source": ["course.orders"], "detail": {"order": [{"numeric": [">", 10]}]}},
        bus="shop",
    )
    allow_rule(lab, "audit", rule_arn)
    put_order(lab, bus="shop", detail={"order": 5})  # not matched by the pattern
    put_order(lab, bus="shop", detail={"order": 42})
    put_order(lab, detail={"order": 43})  # default bus: no rule there
    lab.wait_idle(30)
    (event,) = events_seen(lab, "audit")
    assert event["detail"] == {"order": 42}
    assert event["account"] == lab.account_id
    assert event["detail-type"] == "Order Placed"
    dims = [{"Name": "EventBusName", "Value": "shop"}, {"Name": "RuleName", "Value": "to-fn"}]
    assert metric_sum(lab, "Invocations", dims) == 1


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"Input": '{"fixed": true}'}, {"fixed": True}),
        ({"InputPath": "$.detail"}, {"order": 42}),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"order": "$.detail.order", "kind": "$.detail-type"},
                    "InputTemplate": '{"message": "<kind> #<order>", "order": <order>}',
                }
            },
            {"message": "Order Placed #42", "order": 42},
        ),
    ],
)
def test_the_targets_input_settings_shape_the_functions_event(lab, target, expected):
    fn = make_function(lab, "audit", PRINT_EVENT)
    rule_arn = rule_to(lab, fn["FunctionArn"], {"source": ["course.orders"]}, **target)
    allow_rule(lab, "audit", rule_arn)
    put_order(lab)
    lab.wait_idle(30)
    assert events_seen(lab, "audit") == [expected]


def test_put_targets_refuses_two_input_settings_in_awss_words(lab):
    fn = make_function(lab, "audit", PRINT_EVENT)
    events = lab.client("events")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["course.orders"]}))
    with pytest.raises(ClientError) as err:
        events.put_targets(
            Rule="r",
            Targets=[{"Id": "t1", "Arn": fn["FunctionArn"], "Input": "{}", "InputPath": "$"}],
        )
    assert err.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Only one of Input, InputPath, or InputTransformer must be provided for "
        "target t1.",
    }
    assert events.list_targets_by_rule(Rule="r")["Targets"] == []


def test_disabled_and_schedule_only_rules_do_not_fire_on_events(lab):
    fn = make_function(lab, "audit", PRINT_EVENT)
    events = lab.client("events")
    rule_arn = rule_to(lab, fn["FunctionArn"], {"source": ["course.orders"]})
    allow_rule(lab, "audit", rule_arn)
    events.disable_rule(Name="to-fn")
    scheduled = events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")["RuleArn"]
    events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": fn["FunctionArn"]}])
    allow_rule(lab, "audit", scheduled, sid="nightly")
    put_order(lab)
    lab.wait_idle(30)
    assert lab.invocations("audit") == []
    events.enable_rule(Name="to-fn")
    put_order(lab)
    lab.wait_idle(30)
    assert len(events_seen(lab, "audit")) == 1


def test_a_queue_target_gets_the_envelope_with_the_account(lab):
    """moto alone sends SQS targets an envelope without `account`; the lab sends AWS's."""
    url, queue_arn = make_queue(lab.client("sqs"), "bus-copy")
    events = lab.client("events")
    events.put_rule(Name="copy", EventPattern=json.dumps({"source": ["course.orders"]}))
    events.put_targets(Rule="copy", Targets=[{"Id": "q", "Arn": queue_arn}])
    put_order(lab)
    (message,) = lab.client("sqs").receive_message(QueueUrl=url)["Messages"]
    body = json.loads(message["Body"])
    assert list(body) == list(ENVELOPE_KEYS)
    assert body["account"] == lab.account_id
    assert body["detail"] == {"order": 42}


def test_a_role_allowed_one_bus_cannot_put_the_record_on_another(lab):
    """IAM authorises PutEvents against the bus: once the destination role is narrowed to one
    bus, the record for the default bus is refused (the attack) and the one for its own bus
    is sent."""
    events = lab.client("events")
    shop = events.create_event_bus(Name="shop")["EventBusArn"]
    default = f"arn:aws:events:{lab.region}:{lab.account_id}:event-bus/default"
    both = [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": [default, shop]}]
    role = make_role(lab, "orders-role", both)
    make_function(lab, "orders", ORDER, role_arn=role)
    audit = make_function(lab, "audit", PRINT_EVENT)
    for bus in (None, "shop"):
        arn = rule_to(lab, audit["FunctionArn"], {"source": ["lambda"]}, name="r", bus=bus)
        allow_rule(lab, "audit", arn, sid=f"from-{bus or 'default'}")
    lam = lab.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName="orders", DestinationConfig={"OnSuccess": {"Destination": default}}
    )
    make_role(lab, "orders-role", [{**both[0], "Resource": shop}])  # narrowed afterwards
    lam.invoke(FunctionName="orders", InvocationType="Event", Payload=b'{"order": 1}')
    lab.wait_idle(60)
    assert events_seen(lab, "audit") == []
    logs = lab.client("logs").filter_log_events(logGroupName="/aws/lambda/orders")["events"]
    assert any(
        "not authorized to perform: events:PutEvents" in e["message"] and default in e["message"]
        for e in logs
    )
    lam.put_function_event_invoke_config(
        FunctionName="orders", DestinationConfig={"OnSuccess": {"Destination": shop}}
    )
    lam.invoke(FunctionName="orders", InvocationType="Event", Payload=b'{"order": 2}')
    lab.wait_idle(60)
    (event,) = events_seen(lab, "audit")
    assert event["resources"][0] == shop
    assert event["detail"]["requestPayload"] == {"order": 2}


def test_a_role_without_put_events_gets_eventbridges_json_access_denied(lab):
    """The attack: a role with no EventBridge permission puts an event. EventBridge speaks JSON,
    so the refusal is an AccessDeniedException naming the action and the bus, not XML.

    [AWS_BEHAVIOUR: front-door-iam]
    """
    import boto3

    from lambdalab import iam

    role = make_role(lab, "no-events")
    creds = iam.assume_role(lab.account_id, lab.region, role, "attacker").as_env()
    events = boto3.session.Session(
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
        region_name=lab.region,
    ).client("events", endpoint_url=lab.endpoint_url)
    with pytest.raises(ClientError) as err:
        events.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "{}"}])
    error = err.value.response["Error"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        f"User: arn:aws:sts::{lab.account_id}:assumed-role/no-events/attacker is not "
        f"authorized to perform: events:PutEvents on resource: "
        f"arn:aws:events:{lab.region}:{lab.account_id}:event-bus/default because no "
        "identity-based policy allows the events:PutEvents action"
    )


def test_the_adapter_is_installed_and_moto_alone_keeps_its_behaviour(_lab, monkeypatch):
    """With no lab registered (a learner's own `mock_aws` test), a rule is moto's again."""
    import boto3
    from moto import mock_aws
    from moto.events import models as eventsm

    from lambdalab.moto import adapter, events

    assert eventsm.Rule.send_to_targets.__wrapped__ is not None
    assert events.hooks()[0] == (eventsm.Rule, "send_to_targets")
    monkeypatch.setattr(adapter, "_dataplane", None)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EVENTS", "AWS_ENDPOINT_URL_SQS"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url, arn = make_queue(sqs, "moto-alone")
        client = boto3.client("events", region_name="us-east-1")
        client.put_rule(Name="r", EventPattern=json.dumps({"source": ["x"]}), State="DISABLED")
        client.put_targets(
            Rule="r", Targets=[{"Id": "q", "Arn": arn, "InputPath": "$", "Input": "{}"}]
        )
        client.put_events(Entries=[{"Source": "x", "DetailType": "d", "Detail": "{}"}])
        (message,) = sqs.receive_message(QueueUrl=url)["Messages"]  # moto fires DISABLED rules
        assert "account" not in json.loads(message["Body"])  # moto's own template


def test_a_log_group_target_gets_the_input_path_selection(lab):
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="/aws/events/orders")
    group_arn = f"arn:aws:logs:{lab.region}:{lab.account_id}:log-group:/aws/events/orders"
    events = lab.client("events")
    events.put_rule(Name="keep", EventPattern=json.dumps({"source": ["course.orders"]}))
    events.put_targets(
        Rule="keep", Targets=[{"Id": "log", "Arn": group_arn, "InputPath": "$.detail"}]
    )
    put_order(lab)
    (line,) = logs.filter_log_events(logGroupName="/aws/events/orders")["events"]
    assert json.loads(line["message"]) == {"order": 42}


def test_a_log_group_target_gets_events_when_the_lab_clock_runs_ahead(lab):
    """The lab's clock runs hours ahead once demos have fast-forwarded retries; moto's
    PutLogEvents refuses timestamps more than 2 h from the real clock, so the event was
    dropped (seen late in a full test run)."""
    import time

    lab.clock.advance_to(time.time() + 3 * 3600)
    test_a_log_group_target_gets_the_input_path_selection(lab)
