"""End to end for issue 4: Event invokes, S3 notifications, retries, DLQ, destinations,
recursion — through HTTP against the running lab. Each test cites the
rules of docs/AWS_BEHAVIOUR.md it checks."""

from __future__ import annotations

import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.lab_helpers import make_bucket, make_function, make_queue, make_role, wait_active

RECORD = """
import json
def lambda_handler(event, context):
    print(json.dumps(event))
    return "ok"
"""

FAIL = """
def lambda_handler(event, context):
    raise RuntimeError("intentional failure")
"""


def _allow_s3(lab, fn, bucket):
    lab.client("lambda").add_permission(
        FunctionName=fn,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
    )


def _notify(lab, bucket, fn_arn, **filter_rules):
    config = {"LambdaFunctionArn": fn_arn, "Events": ["s3:ObjectCreated:*"], "Id": "cfg"}
    if filter_rules:
        config["Filter"] = {
            "Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in filter_rules.items()]}
        }
    lab.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [config]}
    )


def _printed_json(lab, fn):
    events = lab.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
    return [json.loads(e["message"]) for e in events if e["message"].startswith("{")]


WAIT_FOR_RELEASE = """
import json, os, time
def lambda_handler(event, context):
    while not os.path.exists(event["release"]) and context.get_remaining_time_in_millis() > 500:
        time.sleep(0.02)
    print(json.dumps({"released": os.path.exists(event["release"])}))
    return "ok"
"""


def test_event_invoke_answers_202_at_once_and_runs_later(lab, tmp_path):
    """202 with an empty body before the handler is done; it runs from the queue.

    [AWS_BEHAVIOUR: invoke-types]

    The handler waits for a file the test writes only after the 202: a synchronous answer
    could only come after the handler gave up (``released`` false)."""
    make_function(lab, "rec", WAIT_FOR_RELEASE, Timeout=10)
    release = tmp_path / "release"
    resp = lab.client("lambda").invoke(
        FunctionName="rec", InvocationType="Event", Payload=json.dumps({"release": str(release)})
    )
    release.touch()
    assert resp["StatusCode"] == 202
    assert resp["Payload"].read() == b""
    lab.wait_idle(30)
    assert _printed_json(lab, "rec") == [{"released": True}]
    assert [a.outcome for a in lab.invocations("rec")] == ["success"]


def test_async_payload_over_1_mb_is_413(lab):
    """[AWS_BEHAVIOUR: payload-limits, payload-too-large-error]."""
    make_function(lab, "rec", RECORD)
    with pytest.raises(ClientError) as err:
        lab.client("lambda").invoke(
            FunctionName="rec", InvocationType="Event", Payload=json.dumps({"x": "a" * 1_100_000})
        )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert "too large for the Event invocation type" in err.value.response["Error"]["Message"]


def test_unknown_function_event_invoke_fails_synchronously(lab):
    """[AWS_BEHAVIOUR: invoke-errors-sync]."""
    with pytest.raises(ClientError) as err:
        lab.client("lambda").invoke(FunctionName="missing", InvocationType="Event", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_s3_upload_invokes_the_function_with_the_full_record(lab):
    """Full record, form-encoded key, through the async path.

    [AWS_BEHAVIOUR: s3-event-types, s3-record, s3-copy-multipart, s3-key-encoding]
    """
    make_bucket(lab, "uploads-bucket")
    fn = make_function(lab, "rec", RECORD)
    _allow_s3(lab, "rec", "uploads-bucket")
    _notify(lab, "uploads-bucket", fn["FunctionArn"], prefix="in/")
    s3 = lab.client("s3")
    s3.put_object(Bucket="uploads-bucket", Key="in/red flower.jpg", Body=b"x" * 10)
    s3.put_object(Bucket="uploads-bucket", Key="out/ignored.txt", Body=b"y")
    lab.wait_idle(30)
    (event,) = _printed_json(lab, "rec")
    (record,) = event["Records"]
    assert list(record)[:9] == [
        "eventVersion",
        "eventSource",
        "awsRegion",
        "eventTime",
        "eventName",
        "userIdentity",
        "requestParameters",
        "responseElements",
        "s3",
    ]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "in/red+flower.jpg"
    assert record["s3"]["object"]["size"] == 10
    assert record["s3"]["configurationId"] == "cfg"
    assert record["s3"]["object"]["sequencer"]


def test_notification_without_permission_is_refused(lab):
    """The article's depends_on exists because S3 checks the permission.

    [AWS_BEHAVIOUR: s3-destination-validation]
    """
    make_bucket(lab, "strict-bucket")
    fn = make_function(lab, "rec", RECORD)
    with pytest.raises(ClientError) as err:
        _notify(lab, "strict-bucket", fn["FunctionArn"])
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    assert err.value.response["Error"]["Message"] == (
        "Unable to validate the following destination configurations"
    )


def test_default_retries_run_at_0_60_180_simulated_seconds(lab):
    """Two retries, ~1 min then ~2 min, same request id; fast-forwarded.

    [AWS_BEHAVIOUR: async-retries, async-request-id]
    """
    make_function(lab, "fail", FAIL)
    skipped_before = lab.clock.offset
    lab.client("lambda").invoke(FunctionName="fail", InvocationType="Event", Payload=b"{}")
    lab.wait_idle(30)
    # The clock jumped over the back-offs (fast mode) instead of sleeping through them.
    assert lab.clock.offset - skipped_before >= 170
    attempts = lab.invocations("fail")
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert len({a.request_id for a in attempts}) == 1
    t0 = attempts[0].start
    offsets = [(a.start - t0).total_seconds() for a in attempts]
    assert offsets[1] == pytest.approx(60, abs=5)
    assert offsets[2] == pytest.approx(180, abs=10)


def test_dlq_receives_the_original_event_with_attributes(lab):
    """Body = the event, attributes RequestID / ErrorCode / ErrorMessage.

    [AWS_BEHAVIOUR: dlq-message]
    """
    sqs = lab.client("sqs")
    queue_url, queue_arn = make_queue(sqs, "fail-dlq")
    role = make_role(
        lab, "dlq-role", [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]
    )
    make_function(lab, "fail", FAIL, role_arn=role, DeadLetterConfig={"TargetArn": queue_arn})
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="fail", MaximumRetryAttempts=0
    )
    lab.client("lambda").invoke(
        FunctionName="fail", InvocationType="Event", Payload=b'{"order": 42}'
    )
    lab.wait_idle(30)
    msgs = sqs.receive_message(
        QueueUrl=queue_url, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    assert len(msgs) == 1
    assert json.loads(msgs[0]["Body"]) == {"order": 42}
    attrs = msgs[0]["MessageAttributes"]
    assert attrs["ErrorMessage"]["StringValue"] == "intentional failure"
    assert attrs["ErrorCode"]["StringValue"] == "200"
    assert attrs["RequestID"]["StringValue"] == lab.invocations("fail")[0].request_id


def test_dlq_the_role_cannot_write_is_refused_at_configuration_time(lab):
    """[AWS_BEHAVIOUR: target-permission-check]."""
    _, arn = make_queue(lab.client("sqs"), "locked")
    with pytest.raises(ClientError) as err:
        make_function(lab, "fail", FAIL, DeadLetterConfig={"TargetArn": arn})
    assert err.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call SendMessage on SQS"
    )


def test_recursive_s3_loop_is_stopped(lab):
    """A function that writes back to its own trigger bucket is stopped after 16.

    [AWS_BEHAVIOUR: recursion-s3, recursion-detection]
    """
    make_bucket(lab, "loop-bucket")
    role = make_role(
        lab,
        "loop-role",
        [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::loop-bucket/*"}],
    )
    source = """
import boto3, urllib.parse
s3 = boto3.client("s3")
def lambda_handler(event, context):
    key = urllib.parse.unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    s3.put_object(Bucket="loop-bucket", Key=key + "x", Body=b"again")
"""
    fn = make_function(lab, "looper", source, role_arn=role)
    _allow_s3(lab, "looper", "loop-bucket")
    _notify(lab, "loop-bucket", fn["FunctionArn"])
    lab.client("s3").put_object(Bucket="loop-bucket", Key="k", Body=b"start")
    lab.wait_idle(60)
    runs = [a for a in lab.invocations("looper")]
    assert 15 <= len(runs) <= 17
    keys = lab.client("s3").list_objects_v2(Bucket="loop-bucket")["KeyCount"]
    assert keys < 20


def _messages(lab, url):
    return (
        lab.client("sqs")
        .receive_message(QueueUrl=url, MessageAttributeNames=["All"], MaxNumberOfMessages=10)
        .get("Messages", [])
    )


def test_invoke_async_is_accepted_and_runs(lab):
    """The deprecated InvokeAsync answers 202 and goes through the same queue.

    [AWS_BEHAVIOUR: invoke-async-api]
    """
    make_function(lab, "rec", RECORD)
    resp = lab.client("lambda").invoke_async(FunctionName="rec", InvokeArgs=b'{"old": true}')
    assert resp["Status"] == 202
    lab.wait_idle(30)
    assert _printed_json(lab, "rec") == [{"old": True}]


def test_overlapping_notification_rules_are_refused(lab):
    """[AWS_BEHAVIOUR: s3-overlap]."""
    make_bucket(lab, "overlap-bucket")
    fn = make_function(lab, "rec", RECORD)
    _allow_s3(lab, "rec", "overlap-bucket")
    rule = {"LambdaFunctionArn": fn["FunctionArn"], "Events": ["s3:ObjectCreated:*"]}
    with pytest.raises(ClientError) as err:
        lab.client("s3").put_bucket_notification_configuration(
            Bucket="overlap-bucket",
            NotificationConfiguration={"LambdaFunctionConfigurations": [rule, dict(rule)]},
        )
    assert err.value.response["Error"]["Message"].startswith("Configuration is ambiguously defined")


@pytest.mark.parametrize(
    ("kwargs", "code", "fragment"),
    [
        ({}, "InvalidParameterValueException", "at least one of error handling"),
        ({"MaximumRetryAttempts": 3}, "ValidationException", "less than or equal to 2"),
        ({"MaximumEventAgeInSeconds": 30}, "ValidationException", "greater than or equal to 60"),
        (
            {"DestinationConfig": {"OnSuccess": {"Destination": "SELF"}}},
            "InvalidParameterValueException",
            "can't specify the function as a destination for itself",
        ),
    ],
)
def test_event_invoke_config_validation_matches_aws(lab, kwargs, code, fragment):
    """(botocore validates some ranges client-side; send them raw).

    [AWS_BEHAVIOUR: event-invoke-config-settings, event-invoke-config-put-update]
    [AWS_BEHAVIOUR: event-invoke-config-errors]
    """
    fn = make_function(lab, "rec", RECORD)
    if kwargs.get("DestinationConfig"):
        kwargs["DestinationConfig"]["OnSuccess"]["Destination"] = fn["FunctionArn"]
    lam = lab.client("lambda", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as err:
        lam.put_function_event_invoke_config(FunctionName="rec", **kwargs)
    assert err.value.response["Error"]["Code"] == code
    assert fragment in err.value.response["Error"]["Message"]


def test_event_invoke_config_get_without_one_is_404(lab):
    make_function(lab, "rec", RECORD)
    with pytest.raises(ClientError) as err:
        lab.client("lambda").get_function_event_invoke_config(FunctionName="rec")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "doesn't have an EventInvokeConfig" in err.value.response["Error"]["Message"]


def test_on_success_destination_receives_the_record(lab):
    """Record fields in order, condition Success, the handler's return value.

    [AWS_BEHAVIOUR: destination-record]
    """
    url, arn = make_queue(lab.client("sqs"), "ok-dest")
    role = make_role(
        lab, "dest-role", [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}]
    )
    make_function(lab, "rec", RECORD, role_arn=role)
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="rec", DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    lab.client("lambda").invoke(FunctionName="rec", InvocationType="Event", Payload=b'{"n": 7}')
    lab.wait_idle(30)
    (msg,) = _messages(lab, url)
    record = json.loads(msg["Body"])
    assert list(record) == [
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    ]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["functionArn"].endswith(":function:rec:$LATEST")
    assert record["requestPayload"] == {"n": 7}
    assert record["responsePayload"] == "ok"


def test_zero_reserved_concurrency_goes_straight_to_on_failure(lab):
    """No attempt, condition ZeroReservedConcurrency, count 0.

    [AWS_BEHAVIOUR: zero-reserved-concurrency]
    """
    url, arn = make_queue(lab.client("sqs"), "fail-dest")
    role = make_role(
        lab, "dest-role", [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}]
    )
    make_function(lab, "rec", RECORD, role_arn=role)
    lam = lab.client("lambda")
    lam.put_function_concurrency(FunctionName="rec", ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(
        FunctionName="rec", DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    assert (
        lam.invoke(FunctionName="rec", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    )
    lab.wait_idle(30)
    (msg,) = _messages(lab, url)
    context = json.loads(msg["Body"])["requestContext"]
    assert context["condition"] == "ZeroReservedConcurrency"
    assert context["approximateInvokeCount"] == 0
    assert lab.invocations("rec") == []


def test_metrics_are_readable_with_get_metric_statistics(lab):
    """Invocations/Errors per attempt, AsyncEventsReceived once, dropped once.

    [AWS_BEHAVIOUR: metrics]
    """
    import datetime

    make_function(lab, "fail", FAIL)
    lab.client("lambda").invoke(FunctionName="fail", InvocationType="Event", Payload=b"{}")
    lab.wait_idle(30)
    cw = lab.client("cloudwatch")
    now = lab.now()

    def total(metric):
        points = cw.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": "fail"}],
            StartTime=now - datetime.timedelta(hours=1),
            EndTime=now + datetime.timedelta(minutes=1),
            Period=3600,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert total("Invocations") == 3
    assert total("Errors") == 3
    assert total("AsyncEventsReceived") == 1
    assert total("AsyncEventsDropped") == 1


def test_sns_dead_letter_topic_with_a_topic_scoped_permission(lab):
    """The role may publish to that one topic; subscribers get the event.

    [AWS_BEHAVIOUR: destination-permissions, dlq-message]
    """
    sns = lab.client("sns")
    topic = sns.create_topic(Name="fail-topic")["TopicArn"]
    url, queue_arn = make_queue(lab.client("sqs"), "topic-subscriber")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    role = make_role(
        lab, "sns-dlq", [{"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}]
    )
    make_function(lab, "fail", FAIL, role_arn=role, DeadLetterConfig={"TargetArn": topic})
    lam = lab.client("lambda")
    lam.put_function_event_invoke_config(FunctionName="fail", MaximumRetryAttempts=0)
    lam.invoke(FunctionName="fail", InvocationType="Event", Payload=b'{"order": 1}')
    lab.wait_idle(30)
    (msg,) = _messages(lab, url)
    envelope = json.loads(msg["Body"])
    assert json.loads(envelope["Message"]) == {"order": 1}
    assert envelope["MessageAttributes"]["ErrorMessage"]["Value"] == "intentional failure"


def test_sns_subscription_invokes_the_function_asynchronously(lab):
    """SNS → Lambda goes through the async path with the SNS record shape."""
    sns = lab.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    fn = make_function(lab, "rec", RECORD)
    lab.client("lambda").add_permission(
        FunctionName="rec",
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn["FunctionArn"])
    sns.publish(
        TopicArn=topic,
        Message=json.dumps({"default": "ignored", "lambda": "order 42 placed"}),
        MessageStructure="json",
        Subject="new order",
        MessageAttributes={"shop": {"DataType": "String", "StringValue": "tokyo"}},
    )
    lab.wait_idle(30)
    (event,) = _printed_json(lab, "rec")
    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["Message"] == "order 42 placed"
    assert record["Sns"]["Subject"] == "new order"
    assert record["Sns"]["MessageAttributes"] == {"shop": {"Type": "String", "Value": "tokyo"}}
    assert [a.outcome for a in lab.invocations("rec")] == ["success"]


def test_destination_the_role_cannot_reach_is_refused_at_configuration_time(lab):
    """Destination configs are checked when set, like a DLQ (wording as for the DLQ).

    [AWS_BEHAVIOUR: target-permission-check]
    """
    _, arn = make_queue(lab.client("sqs"), "unreachable")
    make_function(lab, "rec", RECORD)  # its role may only write logs
    with pytest.raises(ClientError) as err:
        lab.client("lambda").put_function_event_invoke_config(
            FunctionName="rec", DestinationConfig={"OnFailure": {"Destination": arn}}
        )
    assert err.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call SendMessage on SQS"
    )


def test_event_invoke_of_a_version_runs_that_versions_code(lab):
    """Invoke(Qualifier=1, Event) runs version 1, not $LATEST."""
    from tests.lab_helpers import zip_source

    make_function(lab, "v", "def lambda_handler(e, c):\n    print('{\"v\": 1}')\n")
    lam = lab.client("lambda")
    version = lam.publish_version(FunctionName="v")["Version"]
    wait_active(lam, f"v:{version}")  # a new version is Pending for a moment, as on AWS
    lam.update_function_code(
        FunctionName="v", ZipFile=zip_source("def lambda_handler(e, c):\n    print('{\"v\": 2}')\n")
    )
    lam.invoke(FunctionName="v", Qualifier=version, InvocationType="Event", Payload=b"{}")
    lab.wait_idle(30)
    assert _printed_json(lab, "v") == [{"v": 1}]


def test_an_event_whose_function_was_deleted_is_dropped_quietly(lab, capfd):
    """No traceback reaches the learner; the drop is counted and logged by the lab."""
    make_function(lab, "gone", FAIL)
    lam = lab.client("lambda")
    lam.invoke(FunctionName="gone", InvocationType="Event", Payload=b"{}")
    lab.wait_idle(30)  # first attempts done; now delete and send another
    lam.put_function_concurrency(FunctionName="gone", ReservedConcurrentExecutions=1)
    lam.invoke(FunctionName="gone", InvocationType="Event", Payload=b"{}")
    lam.delete_function(FunctionName="gone")
    lab.wait_idle(30)
    assert "Traceback" not in capfd.readouterr().err


def test_reserved_concurrency_is_shared_by_sync_and_async_invokes(lab):
    """One budget per function — a sync call is throttled while an event runs.

    [AWS_BEHAVIOUR: zero-reserved-concurrency, reserved-concurrency]
    """
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(1.5)\n    return 'done'\n"
    make_function(lab, "slow", slow, Timeout=5)
    lam = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    lam.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=1)
    lam.invoke(FunctionName="slow", InvocationType="Event", Payload=b"{}")
    deadline = time.monotonic() + 10
    while not any("running attempt" in p for p in lab.status()["pending"]):
        assert time.monotonic() < deadline, lab.status()["pending"]
        time.sleep(0.02)  # wait until the event's attempt has started
    time.sleep(0.2)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="slow", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    lab.wait_idle(30)


def test_event_invoke_config_per_version(lab):
    """A config exists per function, version or alias (Qualifier).

    [AWS_BEHAVIOUR: event-invoke-config-settings]
    """
    make_function(lab, "v", RECORD)
    lam = lab.client("lambda")
    version = lam.publish_version(FunctionName="v")["Version"]
    lam.put_function_event_invoke_config(
        FunctionName="v", Qualifier=version, MaximumRetryAttempts=0
    )
    got = lam.get_function_event_invoke_config(FunctionName="v", Qualifier=version)
    assert got["FunctionArn"].endswith(f":function:v:{version}")
    with pytest.raises(ClientError):
        lam.get_function_event_invoke_config(FunctionName="v")  # $LATEST has none
