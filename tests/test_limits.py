"""Issue 11 item 4: AWS's limits and validation, with AWS's error texts, through the lab.

Texts come from AWS's recorded answers (LocalStack's test_lambda_api.snapshot.json) where
recorded; the rules are in src/lambdalab/limits.py with their documentation links.
"""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.lab_helpers import make_bucket, make_function, make_role, zip_source

OK = "def lambda_handler(e, c):\n    return 'ok'\n"


def raw_lambda(lab):
    """A client that sends what it is given (as terraform or curl could), no SDK-side checks."""
    return lab.client("lambda", config=Config(parameter_validation=False))


def create(lab, **overrides):
    spec = {
        "FunctionName": "limits-fn",
        "Runtime": "python3.12",
        "Role": make_role(lab, "limits-role"),
        "Handler": "lambda_function.lambda_handler",
        "Code": {"ZipFile": zip_source(OK)},
    }
    spec.update(overrides)
    spec = {k: v for k, v in spec.items() if v is not None}
    return raw_lambda(lab).create_function(**spec)


def refused(call):
    with pytest.raises(ClientError) as err:
        call()
    error = err.value.response["Error"]
    return error["Code"], error["Message"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize(
    "overrides, code, message",
    [
        (
            {"FunctionName": "bad name!"},
            "ValidationException",
            "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ",
        ),
        (
            {"FunctionName": "a" * 65},
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{'a' * 65}' at 'functionName' failed to satisfy "
            "constraint: Member must have length less than or equal to 64",
        ),
        (
            {"Timeout": 901},
            "ValidationException",
            "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
            "Member must have value less than or equal to 900",
        ),
        (
            {"Timeout": 0},
            "ValidationException",
            "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            {"MemorySize": 20000},
            "ValidationException",
            "1 validation error detected: Value '20000' at 'memorySize' failed to satisfy "
            "constraint: Member must have value less than or equal to 10240",
        ),
        (
            {"MemorySize": 64},
            "ValidationException",
            "Member must have value greater than or equal to 128",
        ),
        (
            {"EphemeralStorage": {"Size": 20000}},
            "ValidationException",
            "at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less "
            "than or equal to 10240",
        ),
        (
            {"Environment": {"Variables": {"AWS_REGION": "us-east-1", "MINE": "1"}}},
            "InvalidParameterValueException",
            "contains reserved keys that are currently not supported for modification. Reserved "
            "keys used in this request: AWS_REGION",
        ),
        (
            {"Handler": ""},
            "ValidationException",
            "Value '' at 'handler' failed to satisfy constraint: Member must satisfy regular "
            r"expression pattern: [^\s]+",
        ),
        (
            {"Handler": None},
            "InvalidParameterValueException",
            "Runtime and Handler are mandatory parameters for functions created with deployment "
            "packages.",
        ),
    ],
)
def test_create_function_refuses_what_aws_refuses(lab, overrides, code, message):
    got_code, got_message, status = refused(lambda: create(lab, **overrides))
    assert (got_code, status) == (code, 400)
    assert message in got_message
    assert lab.client("lambda").list_functions()["Functions"] == []  # nothing half-created


def test_update_configuration_checks_the_same_limits(lab):
    create(lab)
    client = raw_lambda(lab)
    code, message, _ = refused(
        lambda: client.update_function_configuration(FunctionName="limits-fn", Timeout=901)
    )
    assert code == "ValidationException" and "less than or equal to 900" in message
    code, message, _ = refused(
        lambda: client.update_function_configuration(
            FunctionName="limits-fn", Environment={"Variables": {"AWS_LAMBDA_FUNCTION_NAME": "x"}}
        )
    )
    assert code == "InvalidParameterValueException" and "AWS_LAMBDA_FUNCTION_NAME" in message
    config = client.get_function_configuration(FunctionName="limits-fn")
    assert config["Timeout"] == 3  # unchanged


@pytest.mark.parametrize("megabytes", [7, 20])
def test_a_response_over_6_mb_is_function_response_size_too_large(lab, megabytes):
    make_function(
        lab,
        "big",
        f"def lambda_handler(e, c):\n    return 'x' * ({megabytes} * 1024 * 1024)\n",
        MemorySize=1024,
        Timeout=30,
    )
    resp = lab.client("lambda").invoke(FunctionName="big")
    assert resp["StatusCode"] == 200
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(resp["Payload"].read()) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_the_environment_survives_an_oversized_response(lab):
    make_function(
        lab,
        "sometimes-big",
        "def lambda_handler(e, c):\n    return 'x' * e['n']\n",
        MemorySize=1024,
        Timeout=30,
    )
    client = lab.client("lambda")
    first = client.invoke(FunctionName="sometimes-big", Payload=json.dumps({"n": 20 << 20}))
    assert first["FunctionError"] == "Unhandled"
    second = client.invoke(FunctionName="sometimes-big", Payload=json.dumps({"n": 3}))
    assert "FunctionError" not in second
    assert json.loads(second["Payload"].read()) == "xxx"


def test_s3_keys_longer_than_1024_bytes_are_refused(lab):
    make_bucket(lab, "keys")
    s3 = lab.client("s3")
    s3.put_object(Bucket="keys", Key="k" * 1024, Body=b"fits")
    code, message, status = refused(lambda: s3.put_object(Bucket="keys", Key="k" * 1025, Body=b"x"))
    assert (code, message, status) == ("KeyTooLongError", "Your key is too long", 400)
    # Multi-byte characters count as their UTF-8 bytes: 342 × 3 bytes = 1026.
    code, _, _ = refused(lambda: s3.put_object(Bucket="keys", Key="あ" * 342, Body=b"x"))
    assert code == "KeyTooLongError"
    code, _, _ = refused(
        lambda: s3.copy_object(
            Bucket="keys", Key="c" * 1025, CopySource={"Bucket": "keys", "Key": "k" * 1024}
        )
    )
    assert code == "KeyTooLongError"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="keys")["Contents"]]
    assert keys == ["k" * 1024]


def test_log_lines_over_256_kb_are_split_into_events_nothing_lost():
    from lambdalab.logsink import MAX_EVENT_BYTES, split_for_cloudwatch

    assert split_for_cloudwatch("short") == ["short"]
    line = "あ" * 100_000 + "end"  # 300,003 bytes
    parts = split_for_cloudwatch(line)
    assert len(parts) == 2
    assert all(len(p.encode()) <= MAX_EVENT_BYTES for p in parts)
    assert "".join(parts) == line


def test_a_handler_printing_a_huge_line_gets_every_byte_in_cloudwatch(lab):
    make_function(
        lab,
        "loud",
        "def lambda_handler(e, c):\n    print('z' * 600000)\n    return 1\n",
        MemorySize=512,
        Timeout=30,
    )
    lab.client("lambda").invoke(FunctionName="loud")
    logs = lab.client("logs")
    events = []
    kwargs = {"logGroupName": "/aws/lambda/loud"}
    while True:
        page = logs.filter_log_events(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    zs = [e["message"] for e in events if e["message"].startswith("z")]
    assert len(zs) == 3
    assert sum(len(m.rstrip("\n")) for m in zs) == 600000


def test_an_event_invoke_config_for_a_version_that_does_not_exist_is_not_found(lab):
    make_function(lab, "versioned", OK)
    client = lab.client("lambda")
    for qualifier in ("99", "no-such-alias"):
        code, message, status = refused(
            lambda q=qualifier: client.put_function_event_invoke_config(
                FunctionName="versioned", Qualifier=q, MaximumRetryAttempts=1
            )
        )
        assert (code, status) == ("ResourceNotFoundException", 404)
        # recorded: test_lambda_api.snapshot.json, put_alias_doesnotexist
        # [AWS_BEHAVIOUR: event-invoke-config-errors]
        assert message == "The function doesn't exist."
    version = client.publish_version(FunctionName="versioned")["Version"]
    client.put_function_event_invoke_config(
        FunctionName="versioned", Qualifier=version, MaximumRetryAttempts=1
    )
