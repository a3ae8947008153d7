"""A signed request that IAM refuses gets AWS's error in the service's own protocol.

moto answers every IAM refusal as query-protocol XML, and checks the API operation's name
("lambda:Invoke") where IAM checks the action ("lambda:InvokeFunction"). A learner who writes
a least-privilege policy must see on the lab what AWS would say.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.lab_helpers import make_function

POLICY_TEXT = "because no identity-based policy allows the {action} action"


@pytest.fixture
def user_client(lab):
    """Clients signed by a fresh IAM user whose only policy is ``statements``."""
    iam = lab.client("iam")
    made = []

    def make(name: str, statements: list[dict]):
        iam.create_user(UserName=name)
        made.append(name)
        if statements:
            iam.put_user_policy(
                UserName=name,
                PolicyName="only",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            )
        key = iam.create_access_key(UserName=name)["AccessKey"]

        def client(service: str):
            return boto3.client(
                service,
                endpoint_url=lab.endpoint_url,
                region_name=lab.region,
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
            )

        return client

    yield make
    for name in made:
        for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy)
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=name)


def _denied(call) -> dict:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "<" not in error["Message"], error  # never an XML document as the message
    return error


def test_cloudwatch_is_authorised_by_its_iam_prefix(lab, user_client):
    """The signing name is ``monitoring``; IAM's prefix is ``cloudwatch``."""
    allowed = user_client(
        "metrics-reader", [{"Effect": "Allow", "Action": "cloudwatch:ListMetrics", "Resource": "*"}]
    )
    assert "Metrics" in allowed("cloudwatch").list_metrics()


def test_invoke_is_authorised_by_lambda_invoke_function(lab, user_client):
    fn = make_function(lab, "least-privilege", "def lambda_handler(e, c):\n    return 7\n")
    arn = fn["FunctionArn"]
    statement = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}
    allowed = user_client("invoker", [statement])
    resp = allowed("lambda").invoke(FunctionName="least-privilege")
    assert json.loads(resp["Payload"].read()) == 7


def test_a_refused_invoke_is_lambdas_access_denied_json(lab, user_client):
    fn = make_function(lab, "guarded", "def lambda_handler(e, c):\n    return 1\n")
    nobody = user_client("no-policy", [])
    error = _denied(lambda: nobody("lambda").invoke(FunctionName="guarded"))
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        "User: arn:aws:iam::123456789012:user/no-policy is not authorized to perform: "
        f"lambda:InvokeFunction on resource: {fn['FunctionArn']} "
        + POLICY_TEXT.format(action="lambda:InvokeFunction")
    )


@pytest.mark.parametrize(
    ("service", "call", "code", "action"),
    [
        ("sqs", lambda c: c.list_queues(), "AccessDenied", "sqs:ListQueues"),
        ("cloudwatch", lambda c: c.list_metrics(), "AccessDenied", "cloudwatch:ListMetrics"),
        ("logs", lambda c: c.describe_log_groups(), "AccessDeniedException", None),
        ("events", lambda c: c.list_rules(), "AccessDeniedException", None),
    ],
)
def test_a_refusal_keeps_the_services_protocol(lab, user_client, service, call, code, action):
    nobody = user_client(f"no-{service}", [])
    error = _denied(lambda: call(nobody(service)))
    assert error["Code"] == code
    assert error["Message"].startswith(
        f"User: arn:aws:iam::123456789012:user/no-{service} is not authorized to perform: "
    )
    if action:
        assert action in error["Message"]
