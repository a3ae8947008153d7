"""Function states: Pending → Active after CreateFunction, LastUpdateStatus InProgress →
Successful after an update, and what Lambda refuses meanwhile.

Replays AWS's recordings in localstack/localstack
tests/aws/services/lambda_/test_lambda_api.snapshot.json (recorded Nov 2025) with our own
functions: ``TestLambdaFunction::test_function_lifecycle`` (keys ``create_response``,
``get_function_response``, ``update_func_conf_response``, ``update_code_response``),
``test_lambda_concurrent_config_updates`` / ``test_lambda_concurrent_code_updates`` (key
``update-during-in-progress-update-exc``), ``TestLambdaVersions::test_publish_with_update``
(``update_function_code_result``) and ``test_list_functions`` (``list_all``: no state fields).
AWS: https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html

[AWS_BEHAVIOUR: function-states]
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from botocore.exceptions import ClientError

from lambdalab import course, functions
from lambdalab.awserror import AwsError
from lambdalab.functions import FunctionRecords, Lifecycle
from tests.lab_helpers import (
    make_bucket,
    make_function,
    make_role,
    update_configuration,
    wait_active,
    wait_updated,
    zip_source,
)

ENV = "import os\ndef lambda_handler(e, c):\n    return os.environ.get('V', 'none')\n"
BEING_UPDATED = (
    "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
)
INVOKE_PENDING = (
    "The operation cannot be performed at this time. The function is currently in the "
    "following state: Pending"
)
CHANGE_PENDING = (
    "The operation cannot be performed at this time. The resource {arn} is currently in the "
    "following state: 'Pending'. StateReasonCode: 'Creating'"
)
STATE_FIELDS = {
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
}


def state_of(config: dict) -> dict:
    return {k: v for k, v in config.items() if k in STATE_FIELDS}


def conflict(call) -> tuple[str, str, int, str | None]:
    with pytest.raises(ClientError) as err:
        call()
    response = err.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response.get("Type"),
    )


# -- the pure state machine, on a given clock ----------------------------------------------


def test_a_new_function_is_pending_then_active():
    life = Lifecycle(active_at=100.0)
    assert life.fields(99.9) == {
        "State": "Pending",
        "StateReason": "The function is being created.",
        "StateReasonCode": "Creating",
    }  # create_response: no LastUpdateStatus yet
    assert life.fields(100.0) == {"State": "Active", "LastUpdateStatus": "Successful"}


def test_an_update_is_in_progress_then_successful_and_the_function_stays_active():
    life = Lifecycle(active_at=100.0).updated(200.0, 0.5)
    assert life.fields(200.2) == {
        "State": "Active",
        "LastUpdateStatus": "InProgress",
        "LastUpdateStatusReason": "The function is being created.",
        "LastUpdateStatusReasonCode": "Creating",
    }  # update_func_conf_response: AWS's reason says "created" for an update too
    assert life.fields(200.5) == {"State": "Active", "LastUpdateStatus": "Successful"}


def test_what_is_refused_while_pending_and_while_updating():
    arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:f"
    pending = Lifecycle(active_at=10.0)
    for refuse in (lambda: pending.refuse_invoke(9.0), lambda: pending.refuse_change(9.0, arn)):
        with pytest.raises(AwsError) as err:
            refuse()
        assert (err.value.code, err.value.status) == ("ResourceConflictException", 409)
    with pytest.raises(AwsError) as err:
        pending.refuse_invoke(9.0)
    assert err.value.message == INVOKE_PENDING
    with pytest.raises(AwsError) as err:
        pending.refuse_change(9.0, arn)
    assert err.value.message == CHANGE_PENDING.format(arn=arn)

    updating = pending.updated(20.0, 0.5)
    updating.refuse_invoke(20.1)  # invocations go on (with the previous code) during an update
    with pytest.raises(AwsError) as err:
        updating.refuse_change(20.1, arn)
    assert err.value.message == BEING_UPDATED.format(arn=arn)
    assert err.value.fields == {"Type": "User"}
    updating.refuse_change(20.5, arn)  # done: the next update is accepted


def test_records_follow_the_clock_they_are_given():
    now = [1000.0]
    records = FunctionRecords(lambda: now[0])
    record = records.created("arn:f", "f")
    assert record.lifecycle.pending(now[0])
    now[0] += functions.READY_SECONDS
    assert not record.lifecycle.pending(now[0])
    records.update_begins(record, "arn:f", serving="previous spec")
    assert record.lifecycle.updating(now[0]) and record.serving_spec(now[0]) == "previous spec"
    with pytest.raises(AwsError):  # one update at a time
        records.update_begins(record, "arn:f", serving="another")
    assert record.serving == "previous spec"
    now[0] += functions.READY_SECONDS
    assert record.serving_spec(now[0]) is None
    records.version_published(record, "1")
    assert record.lifecycle_of("1").pending(now[0]) and not record.lifecycle.pending(now[0])
    assert records.of("arn:unseen", "unseen").lifecycle.fields(0.0)["State"] == "Active"


# -- the lab, with a create that takes an hour of its clock (then fast-forwarded) ----------


@pytest.fixture
def slow_lab(lab, monkeypatch):
    """Creates and updates take an hour of the lab's clock, so a test sees Pending or
    InProgress for as long as it needs; ``finish()`` fast-forwards the clock past them."""
    monkeypatch.setattr(functions, "READY_SECONDS", 3600.0)

    def finish() -> None:
        lab.clock.advance_to(lab.clock.time() + 3600.0)

    lab.finish = finish
    return lab


def _create(lab, name: str, source: str = ENV, **kwargs) -> dict:
    return lab.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=make_role(lab, f"{name}-role"),
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_source(source)},
        **kwargs,
    )


def test_create_answers_pending_and_get_function_says_active_once_done(slow_lab):
    """create_response, then get_function_response (test_function_lifecycle)."""
    lam = slow_lab.client("lambda")
    created = _create(slow_lab, "states")
    assert state_of(created) == {
        "State": "Pending",
        "StateReason": "The function is being created.",
        "StateReasonCode": "Creating",
    }
    assert state_of(lam.get_function(FunctionName="states")["Configuration"])["State"] == "Pending"
    slow_lab.finish()
    assert state_of(lam.get_function(FunctionName="states")["Configuration"]) == {
        "State": "Active",
        "LastUpdateStatus": "Successful",
    }
    assert state_of(lam.get_function_configuration(FunctionName="states")) == {
        "State": "Active",
        "LastUpdateStatus": "Successful",
    }
    listed = lam.list_functions()["Functions"]  # list_all: ListFunctions has no state fields
    assert [f["FunctionName"] for f in listed] == ["states"]
    assert not STATE_FIELDS & set(listed[0])
    versions = lam.list_versions_by_function(FunctionName="states")["Versions"]
    assert not STATE_FIELDS & set(versions[0])


def test_a_pending_function_refuses_invokes_and_updates(slow_lab):
    lam = slow_lab.client("lambda")
    arn = _create(slow_lab, "not-yet")["FunctionArn"]
    expected = ("ResourceConflictException", INVOKE_PENDING, 409, "User")
    assert conflict(lambda: lam.invoke(FunctionName="not-yet", Payload=b"{}")) == expected
    assert (
        conflict(lambda: lam.invoke(FunctionName="not-yet", InvocationType="Event", Payload=b"{}"))
        == expected
    )
    assert conflict(lambda: lam.invoke_async(FunctionName="not-yet", InvokeArgs=b"{}")) == expected
    assert lam.invoke(FunctionName="not-yet", InvocationType="DryRun")["StatusCode"] == 204
    changed = ("ResourceConflictException", CHANGE_PENDING.format(arn=arn), 409, "User")
    assert (
        conflict(lambda: lam.update_function_configuration(FunctionName="not-yet", Timeout=9))
        == changed
    )
    new_code = zip_source("def lambda_handler(e, c):\n    return 2\n")
    assert conflict(lambda: lam.update_function_code(FunctionName="not-yet", ZipFile=new_code)) == (
        changed
    )
    assert conflict(lambda: lam.publish_version(FunctionName="not-yet")) == changed
    assert lam.get_function_configuration(FunctionName="not-yet")["Timeout"] == 3  # unchanged
    assert slow_lab.invocations("not-yet") == []
    slow_lab.finish()
    assert json.loads(lam.invoke(FunctionName="not-yet")["Payload"].read()) == "none"


def test_an_update_is_in_progress_refuses_the_next_and_serves_the_previous_code(slow_lab):
    """update_func_conf_response / update_code_response, then
    update-during-in-progress-update-exc (test_lambda_concurrent_config_updates,
    test_lambda_concurrent_code_updates)."""
    lam = slow_lab.client("lambda")
    arn = _create(slow_lab, "busy", Environment={"Variables": {"V": "old"}})["FunctionArn"]
    slow_lab.finish()
    answer = lam.update_function_configuration(
        FunctionName="busy", Environment={"Variables": {"V": "new"}}
    )
    assert state_of(answer) == {
        "State": "Active",
        "LastUpdateStatus": "InProgress",
        "LastUpdateStatusReason": "The function is being created.",
        "LastUpdateStatusReasonCode": "Creating",
    }
    assert answer["Environment"] == {"Variables": {"V": "new"}}  # the answer shows the new config
    refused = ("ResourceConflictException", BEING_UPDATED.format(arn=arn), 409, "User")
    again = {"Variables": {"V": "newer"}}
    assert (
        conflict(lambda: lam.update_function_configuration(FunctionName="busy", Environment=again))
        == refused
    )
    code = zip_source("def lambda_handler(e, c):\n    return 'v2'\n")
    assert conflict(lambda: lam.update_function_code(FunctionName="busy", ZipFile=code)) == refused
    assert conflict(lambda: lam.publish_version(FunctionName="busy")) == refused
    # Invocations go on during the update, with the previous code and configuration.
    assert json.loads(lam.invoke(FunctionName="busy")["Payload"].read()) == "old"
    slow_lab.finish()
    config = lam.get_function_configuration(FunctionName="busy")
    assert state_of(config) == {"State": "Active", "LastUpdateStatus": "Successful"}
    assert json.loads(lam.invoke(FunctionName="busy")["Payload"].read()) == "new"

    answer = lam.update_function_code(FunctionName="busy", ZipFile=code)
    assert state_of(answer)["LastUpdateStatus"] == "InProgress"
    assert json.loads(lam.invoke(FunctionName="busy")["Payload"].read()) == "new"
    slow_lab.finish()
    assert json.loads(lam.invoke(FunctionName="busy")["Payload"].read()) == "v2"


def test_a_refused_update_leaves_no_update_in_progress(slow_lab):
    lam = slow_lab.client("lambda")
    _create(slow_lab, "checked")
    slow_lab.finish()
    with pytest.raises(ClientError) as err:
        lam.update_function_configuration(FunctionName="checked", Timeout=901)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    config = lam.get_function_configuration(FunctionName="checked")
    assert state_of(config) == {"State": "Active", "LastUpdateStatus": "Successful"}


def test_a_published_version_is_pending_for_a_moment(slow_lab):
    """update_function_code_result (test_publish_with_update): the new version is Pending."""
    lam = slow_lab.client("lambda")
    _create(slow_lab, "versions")
    slow_lab.finish()
    code = zip_source("def lambda_handler(e, c):\n    return 'v1'\n")
    answer = lam.update_function_code(FunctionName="versions", ZipFile=code, Publish=True)
    assert answer["Version"] == "1" and state_of(answer)["State"] == "Pending"
    assert conflict(lambda: lam.invoke(FunctionName="versions", Qualifier="1"))[1] == INVOKE_PENDING
    slow_lab.finish()
    assert json.loads(lam.invoke(FunctionName="versions", Qualifier="1")["Payload"].read()) == "v1"


def test_a_version_published_on_create_is_pending_then_active(slow_lab):
    """create_response, get_function_version_result, repeated_publish_response
    (TestLambdaVersions::test_publish_version_on_create)."""
    lam = slow_lab.client("lambda")
    created = _create(slow_lab, "on-create", Publish=True)
    assert created["Version"] == "1" and state_of(created) == {
        "State": "Pending",
        "StateReason": "The function is being created.",
        "StateReasonCode": "Creating",
    }
    slow_lab.finish()
    version = lam.get_function(FunctionName="on-create", Qualifier="1")["Configuration"]
    assert state_of(version) == {"State": "Active", "LastUpdateStatus": "Successful"}
    again = lam.publish_version(FunctionName="on-create")  # nothing changed: the same version
    assert again["Version"] == "1"
    assert state_of(again) == {"State": "Active", "LastUpdateStatus": "Successful"}


def test_an_s3_event_for_a_pending_function_waits_until_it_is_active(slow_lab):
    """S3 hands the event to Lambda's queue; it runs once the function is Active."""
    lam = slow_lab.client("lambda")
    make_bucket(slow_lab, "pending-target")
    before = slow_lab.clock.time()
    arn = _create(slow_lab, "late")["FunctionArn"]
    lam.add_permission(
        FunctionName="late",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::pending-target",
    )
    s3 = slow_lab.client("s3")
    s3.put_bucket_notification_configuration(
        Bucket="pending-target",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    s3.put_object(Bucket="pending-target", Key="a.txt", Body=b"a")
    slow_lab.wait_idle(60)  # the fast clock jumps to the function's Active time, then it runs
    attempts = slow_lab.invocations("late")
    assert [a.outcome for a in attempts] == ["success"]
    assert attempts[0].start.timestamp() >= before + 3600.0  # not before Active


# -- the lab as shipped: waiters, the course, terraform --------------------------------------


def test_the_sdk_waiters_succeed_against_the_lab(lab):
    lam = lab.client("lambda")
    created = lab.client("lambda").create_function(
        FunctionName="waited",
        Runtime="python3.12",
        Role=make_role(lab, "waited-role"),
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_source(ENV)},
    )
    assert created["State"] == "Pending"
    wait_active(lam, "waited")
    assert lam.invoke(FunctionName="waited")["StatusCode"] == 200
    answer = lam.update_function_configuration(
        FunctionName="waited", Environment={"Variables": {"V": "1"}}
    )
    assert answer["LastUpdateStatus"] == "InProgress"
    wait_updated(lam, "waited")
    update_configuration(lam, "waited", Environment={"Variables": {"V": "2"}})
    assert json.loads(lam.invoke(FunctionName="waited")["Payload"].read()) == "2"


def test_deploy_function_waits_as_code_must_on_aws(lab, tmp_path):
    """course.deploy_function: create (waits for Active), redeploy at once (waits for each
    update; the same code is not uploaded again); the function answers right after each."""
    lam = lab.client("lambda")
    source = tmp_path / "lambda_function.py"
    source.write_text(ENV)
    course.deploy_function("course-fn", source, client=lam, iam=lab.client("iam"))
    assert json.loads(lam.invoke(FunctionName="course-fn")["Payload"].read()) == "none"
    for value in ("a", "b"):  # two redeploys in a row: neither meets an update in progress
        course.deploy_function(
            "course-fn", source, environment={"V": value}, client=lam, iam=lab.client("iam")
        )
        assert json.loads(lam.invoke(FunctionName="course-fn")["Payload"].read()) == value
    source.write_text("def lambda_handler(e, c):\n    return 'new code'\n")
    course.deploy_function("course-fn", source, client=lam, iam=lab.client("iam"))
    assert json.loads(lam.invoke(FunctionName="course-fn")["Payload"].read()) == "new code"
    config = course.update_function_configuration("course-fn", client=lam, Timeout=7)
    assert config["LastUpdateStatus"] == "InProgress" and config["Timeout"] == 7
    assert lam.get_function_configuration(FunctionName="course-fn")["LastUpdateStatus"] == (
        "Successful"
    )


def test_the_builtin_terraform_engine_waits_for_active_and_for_each_update(slow_lab, tmp_path):
    """aws_lambda_function's create returns only once the function is Active, its update only
    once LastUpdateStatus is Successful (as the AWS provider waits)."""
    from lambdalab.terraform.resources.base import RESOURCE_TYPES, ApplyContext
    from lambdalab.terraform.resources.lambda_function import base64sha256

    lab = slow_lab
    ctx = ApplyContext(
        region=lab.region,
        account_id=lab.account_id,
        module_dir=tmp_path,
        endpoint_url=lab.endpoint_url,
        client_factory=lambda service, region: lab.client(service, region_name=region),
    )
    data = zip_source("def lambda_handler(e, c):\n    return 1\n")
    (tmp_path / "fn.zip").write_bytes(data)
    args = {
        "function_name": "tf-fn",
        "role": make_role(lab, "tf-fn-role"),
        "handler": "lambda_function.lambda_handler",
        "runtime": "python3.12",
        "filename": "fn.zip",
        "source_code_hash": base64sha256(data),
    }
    resource = RESOURCE_TYPES["aws_lambda_function"]
    lam = lab.client("lambda")

    def in_background(step) -> tuple[threading.Thread, list]:
        result: list = []
        thread = threading.Thread(target=lambda: result.append(step()), daemon=True)
        thread.start()
        return thread, result

    def state_once_there() -> dict:
        while True:
            try:
                return state_of(lam.get_function_configuration(FunctionName="tf-fn"))
            except lam.exceptions.ResourceNotFoundException:
                time.sleep(0.02)

    thread, created = in_background(lambda: resource.create(ctx, args))
    assert state_once_there()["State"] == "Pending"
    thread.join(0.5)
    assert thread.is_alive()  # still waiting: the function is Pending
    lab.finish()
    thread.join(60)
    assert not thread.is_alive() and created[0]["id"] == "tf-fn"
    assert state_once_there() == {"State": "Active", "LastUpdateStatus": "Successful"}

    changed = {**args, "timeout": 9, "source_code_hash": "new", "filename": "fn.zip"}
    thread, updated = in_background(lambda: resource.update(ctx, created[0], changed))
    while state_once_there().get("LastUpdateStatus") != "InProgress":
        time.sleep(0.02)
    thread.join(0.5)
    assert thread.is_alive()  # waits for the configuration update before the code update
    lab.finish()
    while state_once_there().get("LastUpdateStatus") != "InProgress" and thread.is_alive():
        time.sleep(0.02)  # until the code update has begun
    lab.finish()
    thread.join(60)
    assert not thread.is_alive() and updated[0]["timeout"] == 9
    assert state_once_there() == {"State": "Active", "LastUpdateStatus": "Successful"}


def test_make_function_waits(lab):
    """The tests' own helper waits as code must on AWS (every later test relies on it)."""
    created = make_function(lab, "helper-fn", ENV)
    assert created["State"] == "Pending"
    assert lab.client("lambda").get_function(FunctionName="helper-fn")["Configuration"][
        "State"
    ] == ("Active")
