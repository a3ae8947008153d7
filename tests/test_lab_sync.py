"""End to end through HTTP: boto3 → moto server → lambdalab data plane → real handler.

Issue 3: the sync path, faults as AWS reports them, logs, IAM that bites, bad input.
"""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from tests.lab_helpers import (
    TRUST_LAMBDA,
    make_bucket,
    make_function,
    make_role,
    update_code,
    zip_source,
)

ECHO = """
import os
def lambda_handler(event, context):
    print("got", event)
    return {"echo": event, "fn": context.function_name, "region": os.environ["AWS_REGION"]}
"""


def invoke(lab, name, payload=b"{}", **kwargs):
    resp = lab.client("lambda").invoke(FunctionName=name, Payload=payload, **kwargs)
    return resp, resp["Payload"].read()


def test_sync_invoke_returns_the_handlers_payload(lab):
    make_function(lab, "echo", ECHO)
    resp, body = invoke(lab, "echo", json.dumps({"a": 1}))
    assert resp["StatusCode"] == 200
    assert resp["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in resp
    assert json.loads(body) == {"echo": {"a": 1}, "fn": "echo", "region": lab.region}


def test_unhandled_exception_gives_the_error_document_and_function_error(lab):
    make_function(lab, "boom", "def lambda_handler(e, c):\n    raise ValueError('nope')\n")
    resp, body = invoke(lab, "boom", LogType="Tail")
    assert resp["FunctionError"] == "Unhandled"
    doc = json.loads(body)
    assert doc["errorType"] == "ValueError"
    assert doc["errorMessage"] == "nope"
    assert doc["requestId"]
    assert any("/var/task/lambda_function.py" in line for line in doc["stackTrace"])
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert "[ERROR] ValueError: nope" in tail
    assert tail.rstrip().splitlines()[-1].startswith("REPORT RequestId:")


def test_dry_run_is_204_and_runs_nothing(lab):
    make_function(lab, "echo", ECHO)
    resp, body = invoke(lab, "echo", InvocationType="DryRun")
    assert resp["StatusCode"] == 204
    assert body == b""


def test_unknown_function_is_resource_not_found(lab):
    with pytest.raises(ClientError) as err:
        invoke(lab, "nope")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "Function not found" in err.value.response["Error"]["Message"]


def test_payload_over_6_mb_is_413(lab):
    make_function(lab, "echo", ECHO)
    big = json.dumps({"x": "a" * 6_300_000}).encode()
    with pytest.raises(ClientError) as err:
        invoke(lab, "echo", big)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert err.value.response["Error"]["Code"] == "RequestEntityTooLargeException"


def test_non_json_payload_is_invalid_request_content(lab):
    make_function(lab, "echo", ECHO)
    with pytest.raises(ClientError) as err:
        invoke(lab, "echo", b"not json")
    assert err.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_logs_reach_cloudwatch_with_aws_lines(lab):
    make_function(lab, "echo", ECHO)
    invoke(lab, "echo", b'{"n": 1}')
    invoke(lab, "echo", b'{"n": 2}')
    logs = lab.client("logs")
    events = logs.filter_log_events(logGroupName="/aws/lambda/echo")["events"]
    messages = [e["message"] for e in events]
    assert sum(m.startswith("INIT_START Runtime Version: python:3.12") for m in messages) == 1
    assert sum(m.startswith("START RequestId:") for m in messages) == 2
    reports = [m for m in messages if m.startswith("REPORT RequestId:")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[1]
    assert "\tBilled Duration: " in reports[0]
    assert any(m.startswith("got {'n': 1}") for m in messages)
    streams = {e["logStreamName"] for e in events}
    assert len(streams) == 1  # one warm environment served both


def test_timeout_is_reported_as_aws_does(lab):
    make_function(
        lab, "slow", "import time\ndef lambda_handler(e, c):\n    time.sleep(5)\n", Timeout=1
    )
    resp, body = invoke(lab, "slow")
    assert resp["FunctionError"] == "Unhandled"
    doc = json.loads(body)
    assert doc["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in doc["errorMessage"]


def test_import_error_is_runtime_import_module_error(lab):
    make_function(lab, "broken", "import not_a_module\ndef lambda_handler(e, c):\n    return 1\n")
    resp, body = invoke(lab, "broken")
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == "Runtime.ImportModuleError"


def test_handler_gets_role_credentials_and_iam_bites(lab):
    make_bucket(lab, "iam-bites")
    s3 = lab.client("s3")
    s3.put_object(Bucket="iam-bites", Key="a.txt", Body=b"hi")
    role = make_role(
        lab,
        "get-only",
        [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::iam-bites/*"}],
    )
    source = """
import boto3
s3 = boto3.client("s3")
def lambda_handler(event, context):
    body = s3.get_object(Bucket="iam-bites", Key="a.txt")["Body"].read().decode()
    s3.delete_object(Bucket="iam-bites", Key="a.txt")
    return body
"""
    make_function(lab, "mover", source, role_arn=role)
    resp, body = invoke(lab, "mover")
    assert resp["FunctionError"] == "Unhandled"
    doc = json.loads(body)
    assert "AccessDenied" in doc["errorMessage"]
    assert s3.get_object(Bucket="iam-bites", Key="a.txt")["Body"].read() == b"hi"


@pytest.mark.parametrize(
    ("kwargs", "code", "fragment"),
    [
        # blocked for good since 2022 [AWS_BEHAVIOUR: runtime-lifecycle]
        (
            {"Runtime": "python3.6"},
            "InvalidParameterValueException",
            "The runtime parameter of python3.6 is no longer supported for creating or updating",
        ),
        (
            {"Environment": {"Variables": {"BIG": "x" * 5000}}},
            "InvalidParameterValueException",
            "4KB",
        ),
    ],
)
def test_create_function_rejects_what_aws_rejects(lab, kwargs, code, fragment):
    with pytest.raises(ClientError) as err:
        make_function(lab, "bad", ECHO, **kwargs)
    assert err.value.response["Error"]["Code"] == code
    assert fragment in err.value.response["Error"]["Message"]


def test_role_that_does_not_trust_lambda_is_refused(lab):
    iam = lab.client("iam")
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps(doc))["Role"][
        "Arn"
    ]
    with pytest.raises(ClientError) as err:
        make_function(lab, "bad", ECHO, role_arn=arn)
    assert err.value.response["Error"]["Message"] == (
        "The role defined for the function cannot be assumed by Lambda."
    )


def test_a_zip_that_is_not_a_zip_is_refused(lab):
    role = make_role(lab)
    with pytest.raises(ClientError) as err:
        lab.client("lambda").create_function(
            FunctionName="bad",
            Runtime="python3.12",
            Role=role,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": b"not a zip"},
        )
    assert "Could not unzip uploaded file" in err.value.response["Error"]["Message"]


def test_code_update_starts_a_fresh_environment(lab):
    make_function(lab, "v", "def lambda_handler(e, c):\n    return 1\n")
    assert invoke(lab, "v")[1] == b"1"
    update_code(
        lab.client("lambda"),
        "v",
        ZipFile=zip_source("def lambda_handler(e, c):\n    return 2\n"),
    )  # invocations run the previous code until the update is done
    assert invoke(lab, "v")[1] == b"2"


def test_bad_handler_string_is_reported_by_the_runtime(lab):
    make_function(lab, "nodot", ECHO, Handler="lambda_function")
    resp, body = invoke(lab, "nodot")
    assert resp["FunctionError"] == "Unhandled"
    doc = json.loads(body)
    assert doc["errorType"] == "Runtime.MalformedHandlerName"
    assert "Traceback" not in doc["errorMessage"]


def test_missing_handler_function_is_handler_not_found(lab):
    make_function(lab, "nofn", ECHO, Handler="lambda_function.no_such_function")
    resp, body = invoke(lab, "nofn")
    assert json.loads(body)["errorType"] == "Runtime.HandlerNotFound"


def test_invalid_role_arn_is_a_validation_error(lab):
    with pytest.raises(ClientError) as err:
        make_function(lab, "bad", ECHO, role_arn="not-an-arn")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "failed to satisfy constraint" in err.value.response["Error"]["Message"]


def test_without_logs_permissions_the_function_writes_no_logs(lab):
    """The reason the article attaches AWSLambdaBasicExecutionRole: Lambda writes logs with
    the execution role, so a role without logs permissions leaves CloudWatch Logs empty."""
    iam = lab.client("iam")
    arn = iam.create_role(RoleName="no-logs", AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
    make_function(lab, "quiet", ECHO, role_arn=arn)
    resp, body = invoke(lab, "quiet", b'{"n": 1}')
    assert json.loads(body)["echo"] == {"n": 1}  # it ran
    logs = lab.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/quiet")["logGroups"]
    assert groups == []
    iam.attach_role_policy(
        RoleName="no-logs",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    invoke(lab, "quiet", b'{"n": 2}')
    messages = [
        e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/quiet")["events"]
    ]
    assert any(m.startswith("got {'n': 2}") for m in messages)
