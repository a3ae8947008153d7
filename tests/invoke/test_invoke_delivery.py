"""Delivery to SQS/SNS/EventBridge/S3/Lambda through moto in-process.

[AWS_BEHAVIOUR: destination-delivery-format, dlq-message, delivery-failures]
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from invoke_fakes import error, event
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from lambdalab.clock import Clock
from lambdalab.invoke import DeliveryError, records
from lambdalab.invoke.delivery import Deliverer, queue_url, sns_message
from tests.lab_helpers import TRUST_LAMBDA, make_queue

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    for key, value in CREDS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def deliverer(**kwargs) -> Deliverer:
    return Deliverer(Clock("fast"), credentials_for=lambda e: CREDS, region=REGION, **kwargs)


def failure_record(ev):
    return records.destination_record(
        ev,
        condition="RetriesExhausted",
        approximate_invoke_count=3,
        timestamp=datetime(2025, 1, 1, tzinfo=UTC),
        result=error(ev),
    )


def receive(sqs, url: str) -> dict:
    messages = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert len(messages) == 1
    return messages[0]


@mock_aws
def test_s4_10_dlq_to_sqs_matches_sample_d():
    """Raw body and Number/String attributes as ReceiveMessage shows them.

    [AWS_BEHAVIOUR: dlq-message]
    """
    sqs = boto3.client("sqs", region_name=REGION)
    url, arn = make_queue(sqs, "dlq")
    ev = event(payload={"raise_error": 1})
    message = records.dlq_message(
        ev, error(ev, "Exception", "Test exception (this is intentional)")
    )
    deliverer()("dlq", arn, ev, message)
    got = receive(sqs, url)
    assert got["Body"] == '{"raise_error": 1}'
    assert got["MD5OfBody"] == "ba08269cbd0ce515889bfba6593731e1"  # the recorded digest
    assert got["MessageAttributes"] == {
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {
            "DataType": "String",
            "StringValue": "Test exception (this is intentional)",
        },
        "RequestID": {"DataType": "String", "StringValue": ev.request_id},
    }


@mock_aws
def test_s4_4_record_to_sqs_is_the_message_body():
    sqs = boto3.client("sqs", region_name=REGION)
    url, arn = make_queue(sqs, "failures")
    ev = event()
    record = failure_record(ev)
    deliverer()("on_failure", arn, ev, record)
    assert json.loads(receive(sqs, url)["Body"]) == record


@mock_aws
def test_s4_4_record_to_sns_topic():
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="results")["TopicArn"]
    url, queue_arn = make_queue(sqs, "subscriber")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    ev = event()
    record = failure_record(ev)
    deliverer()("on_success", topic, ev, record)
    envelope = json.loads(receive(sqs, url)["Body"])
    assert json.loads(envelope["Message"]) == record


@mock_aws
def test_s4_4_record_to_eventbridge_bus():
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    bus = events.create_event_bus(Name="course")["EventBusArn"]
    url, queue_arn = make_queue(sqs, "bus-target")
    events.put_rule(Name="all", EventBusName="course", EventPattern='{"source": ["lambda"]}')
    events.put_targets(Rule="all", EventBusName="course", Targets=[{"Id": "q", "Arn": queue_arn}])
    ev = event()
    record = failure_record(ev)
    deliverer()("on_failure", bus, ev, record)
    envelope = json.loads(receive(sqs, url)["Body"])
    assert envelope["source"] == "lambda"
    assert envelope["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert envelope["resources"] == [bus, ev.qualified_arn]
    assert envelope["detail"] == record


@mock_aws
def test_s4_4_on_failure_record_to_s3_bucket():
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="records", CreateBucketConfiguration={"LocationConstraint": REGION})
    ev = event()
    record = failure_record(ev)
    deliverer()("on_failure", "arn:aws:s3:::records", ev, record)
    (obj,) = s3.list_objects_v2(Bucket="records")["Contents"]
    assert obj["Key"].startswith("aws/lambda/async/fn/")
    body = s3.get_object(Bucket="records", Key=obj["Key"])["Body"].read()
    assert json.loads(body) == record


def test_s4_4_lambda_destination_is_an_event_invoke():
    calls = []

    class FakeLambda:
        def invoke(self, **kwargs):
            calls.append(kwargs)

    factory_args = []

    def factory(service, region, credentials):
        factory_args.append((service, region, credentials["AWS_ACCESS_KEY_ID"]))
        return FakeLambda()

    ev = event()
    record = failure_record(ev)
    target = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:next"
    deliverer(client_factory=factory)("on_success", target, ev, record)
    assert factory_args == [("lambda", REGION, "testing")]
    assert calls[0]["InvocationType"] == "Event" and calls[0]["FunctionName"] == target
    assert json.loads(calls[0]["Payload"]) == record


@mock_aws
def test_s4_14_missing_queue_and_fifo_targets_fail():
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})
    ev = event()
    with pytest.raises(DeliveryError, match="FIFO"):
        deliverer()("on_failure", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q.fifo", ev, {})
    with pytest.raises(DeliveryError):
        deliverer()("on_failure", f"arn:aws:sqs:{REGION}:{ACCOUNT}:missing", ev, {})
    with pytest.raises(DeliveryError, match="SQS or SNS"):
        deliverer()("dlq", "arn:aws:s3:::bucket", ev, records.dlq_message(ev))


@mock_aws
@set_initial_no_auth_action_count(4)
def test_s4_3_role_without_send_message_is_denied_by_moto_iam():
    """The send uses the role's credentials, so IAM decides (AccessDenied).

    [AWS_BEHAVIOUR: destination-permissions, delivery-failures]
    """
    sqs = boto3.client("sqs", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    sts = boto3.client("sts", region_name=REGION)
    sqs.create_queue(QueueName="dlq")
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST_LAMBDA)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="fn-role", PolicyName="p", PolicyDocument=json.dumps(policy))
    creds = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="fn")["Credentials"]
    role_creds = {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }
    sender = Deliverer(Clock("fast"), credentials_for=lambda e: role_creds, region=REGION)
    ev = event()
    with pytest.raises(DeliveryError, match="AccessDenied|not authorized"):
        sender("dlq", arn, ev, records.dlq_message(ev))


def test_queue_url_is_built_without_get_queue_url():
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
    assert queue_url(arn, None) == f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/q"
    assert queue_url(arn, "http://127.0.0.1:4566/") == f"http://127.0.0.1:4566/{ACCOUNT}/q"


def test_s4_9_sns_drops_payloads_of_oversized_on_failure_records():
    ev = event(payload={"big": "x" * 300_000})
    record = failure_record(ev)
    trimmed = json.loads(sns_message(record, "on_failure"))
    assert "requestPayload" not in trimmed and trimmed["requestContext"] == record["requestContext"]
    with pytest.raises(DeliveryError):
        sns_message(record, "on_success")
