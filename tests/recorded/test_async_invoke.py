"""Invocation types, destinations, the DLQ, retries and reserved concurrency replayed from AWS's
recordings (localstack/localstack ``tests/aws/services/lambda_/test_lambda.snapshot.json`` and
``test_lambda_destinations.snapshot.json``), with our own handlers (same behaviour, our code).
[AWS_BEHAVIOUR: invoke-types, destination-record, dlq-message, async-retries]
[AWS_BEHAVIOUR: async-request-id, max-age-look-ahead, zero-reserved-concurrency]
[AWS_BEHAVIOUR: reserved-concurrency, lambda-error-members]

A handler's stack trace names its file and line: ours are ``handler.py`` as in the recording,
and the recorded line number is replaced by our handler's (the only value changed).

Skipped, with the reason:

* every ``nodejs``/``python3.9`` variant, ``test_invocation_with_logs``, runtime introspection,
  URL, layer, SnapStart and provisioned-concurrency tests: not in the course (the lab runs
  Python 3.10+ handlers, has no function URLs, layers or provisioned concurrency);
* ``test_invocation_type_event_error``: its log lines carry the Python 3.10 runtime's
  INIT_START version string (``python:3.10.v11``), which is AWS's build, not behaviour;
  the retry it shows is replayed by ``test_request_id_async_invoke_with_retry``;
* the function configurations in ``create_lambda_with_dlq``, ``delete_dlq`` and ``fn``
  (function states and configuration are replayed with the function-state work);
* ``test_async_invoke_queue_upon_function_update``: needs 15 concurrent sleeps of real
  seconds on AWS's fleet; the lab's rule (each event runs the code current when it starts) is
  covered by tests/test_lab_async.py;
* ``TestLambdaDestinationEventbridge``: EventBridge targets are another part of the lab.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.lab_helpers import make_queue, make_role, zip_source
from tests.recorded.snapshot import Matcher, invoke_response, recording, response

LAMBDA = "test_lambda"
DESTINATIONS = "test_lambda_destinations"

ECHO = "def handler(event, context):\n    return event\n"
NONE = "def handler(event, context):\n    print(event)\n"
FORWARDER = """import logging

LOGGER = logging.getLogger("forwarder")
LOGGER.setLevel(logging.INFO)


def handler(event, context):
    print("Lambda log message - print function")
    LOGGER.info("Lambda log message - logging module")
    if "raise_error" in event:
        raise Exception("Test exception (this is intentional)")
    return {
        "event": event,
        "context": {
            "invoked_function_arn": context.invoked_function_arn,
            "function_version": context.function_version,
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "client_context": context.client_context,
        },
    }
"""
ECHO_FAIL = """import json


def handler(event, context):
    print(json.dumps({"event": event, "aws_request_id": context.aws_request_id}))
    raise Exception("intentional failure")
"""
FORWARDER_RAISE_LINE = (
    FORWARDER.splitlines().index('        raise Exception("Test exception (this is intentional)")')
    + 1
)
ECHO_FAIL_RAISE_LINE = (
    ECHO_FAIL.splitlines().index('    raise Exception("intentional failure")') + 1
)
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _function(lab, name: str, source: str, role: str | None = None, **kwargs) -> str:
    """Create ``handler.handler`` from ``source`` and wait until it may be invoked (as code
    must on AWS, and as LocalStack's fixture does); its unqualified ARN."""
    lam = lab.client("lambda")
    answer = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role or make_role(lab, f"{name}-role"),
        Handler="handler.handler",
        Code={"ZipFile": zip_source(source, "handler.py")},
        **kwargs,
    )
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 1200}
    )
    return answer["FunctionArn"]


def _queue_and_role(lab, name: str) -> tuple[str, str, str]:
    """A destination queue and a role that may send to it: (url, arn, role arn)."""
    url, arn = make_queue(lab.client("sqs"), f"{name}-q")
    send = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}
    return url, arn, make_role(lab, f"{name}-role", [send])


def _with_line(recorded, recorded_line: int, line: int):
    """The recording with its handler's raise line replaced by ours."""
    text = json.dumps(recorded).replace(
        f"line {recorded_line}, in handler", f"line {line}, in handler"
    )
    return json.loads(text)


def _messages(answer: dict) -> dict:
    """A ReceiveMessage answer as recorded: bodies parsed as JSON."""
    answer = response(answer)
    for message in answer.get("Messages", []):
        message["Body"] = json.loads(message["Body"])
    return answer


def _receive(lab, url: str, **kwargs) -> dict:
    lab.wait_idle(120)
    answer = lab.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1, **kwargs)
    assert answer.get("Messages"), "nothing reached the queue"
    return answer


def _error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return response(err.value.response)


# -- invocation types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "source", "invocation_type"),
    [
        ("test_invocation_type_request_response[python3.10]", ECHO, "RequestResponse"),
        ("test_invocation_type_event[python3.10]", ECHO, "Event"),
        ("test_invocation_type_dry_run[python3.10]", ECHO, "DryRun"),
        ("test_invocation_type_no_return_payload[python-RequestResponse]", NONE, "RequestResponse"),
        ("test_invocation_type_no_return_payload[python-Event]", NONE, "Event"),
    ],
)
def test_invocation_types(lab, test, source, invocation_type):
    recorded = recording(LAMBDA, f"TestLambdaFeatures::{test}")
    _function(lab, "rec-invoke", source)
    answer = lab.client("lambda").invoke(
        FunctionName="rec-invoke", Payload=b"{}", InvocationType=invocation_type
    )
    Matcher(lab).check(recorded["invoke-result"], invoke_response(answer))
    lab.wait_idle(60)


def test_invoke_exceptions(lab):
    recorded = recording(LAMBDA, "TestLambdaFeatures::test_invoke_exceptions")
    refused = _error(lab.client("lambda").invoke, FunctionName="doesnotexist", Payload=b"{}")
    Matcher(lab).check(recorded["invoke_function_doesnotexist"], refused)


WAITER = """import time


def handler(event, context):
    print("starting wait")
    time.sleep(event["wait"])
    print("done waiting")
"""


@pytest.mark.parametrize(
    ("test", "wait"),
    [("test_lambda_invoke_with_timeout", 2), ("test_lambda_invoke_no_timeout", 0.1)],
)
def test_a_timeout_is_an_unhandled_sandbox_timedout_error(lab, test, wait):
    """A handler that outlives its 1 s timeout answers Sandbox.Timedout, and its log stops
    before "done waiting"; one that returns in time answers null."""
    recorded = recording(LAMBDA, f"TestLambdaBehavior::{test}")
    _function(lab, "rec-timeout", WAITER, Timeout=1)
    answer = lab.client("lambda").invoke(
        FunctionName="rec-timeout", Payload=json.dumps({"wait": wait})
    )
    request_id = answer["ResponseMetadata"]["RequestId"]
    Matcher(lab, {"timeout_error_msg": request_id}).check(
        recorded["invoke-result"], invoke_response(answer)
    )
    events = lab.client("logs").filter_log_events(logGroupName="/aws/lambda/rec-timeout")["events"]
    printed = [e["message"] for e in events]
    assert any("starting wait" in m for m in printed)
    assert any("done waiting" in m for m in printed) == (wait < 1)


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_invoke_of_a_function_arn_in_another_region(lab, invocation_type):
    """test_get_function_wrong_region[invoke] (an Event invoke is refused the same way)."""
    recorded = recording(
        "test_lambda_api", "TestLambdaFunction::test_get_function_wrong_region[invoke]"
    )
    _function(lab, "rec-here", ECHO)
    wrong = "us-east-1" if lab.region != "us-east-1" else "eu-central-1"
    arn = f"arn:aws:lambda:{wrong}:{lab.account_id}:function:rec-here"
    refused = _error(lab.client("lambda").invoke, FunctionName=arn, InvocationType=invocation_type)
    Matcher(lab, {"wrong-region": wrong}).check(recorded["wrong_region_exception"], refused)


# -- destinations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "payload"),
    [
        ("test_assess_lambda_destination_invocation[payload0]", {}),
        ("test_assess_lambda_destination_invocation[payload1]", {"raise_error": 1}),
    ],
)
def test_assess_lambda_destination_invocation(lab, test, payload):
    """One queue as both destinations, no retries: the success record carries the function's
    answer, the failure record the error (condition RetriesExhausted, one attempt)."""
    recorded = recording(DESTINATIONS, f"TestLambdaDestinationSqs::{test}")
    recorded = _with_line(recorded, 55, FORWARDER_RAISE_LINE)
    url, queue_arn, role = _queue_and_role(lab, "rec-dest")
    _function(lab, "rec-dest", FORWARDER, role)
    client = lab.client("lambda")
    match = Matcher(lab, {"resource:1": "rec-dest-q", "resource:2": "rec-dest"})
    put = client.put_function_event_invoke_config(
        FunctionName="rec-dest",
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnSuccess": {"Destination": queue_arn},
            "OnFailure": {"Destination": queue_arn},
        },
    )
    match.check(recorded["put_function_event_invoke_config"], response(put))
    client.invoke(FunctionName="rec-dest", Payload=json.dumps(payload), InvocationType="Event")
    received = _receive(lab, url, MessageAttributeNames=["All"])
    match.check(recorded["receive_message_result"], _messages(received))


def test_lambda_destination_default_retries(lab):
    """Without MaximumRetryAttempts the event runs three times before the failure record."""
    recorded = recording(
        DESTINATIONS, "TestLambdaDestinationSqs::test_lambda_destination_default_retries"
    )
    recorded = _with_line(recorded, 55, FORWARDER_RAISE_LINE)
    url, queue_arn, role = _queue_and_role(lab, "rec-default")
    _function(lab, "rec-default", FORWARDER, role)
    client = lab.client("lambda")
    match = Matcher(lab, {"resource:1": "rec-default-q", "resource:2": "rec-default"})
    put = client.put_function_event_invoke_config(
        FunctionName="rec-default",
        DestinationConfig={
            "OnSuccess": {"Destination": queue_arn},
            "OnFailure": {"Destination": queue_arn},
        },
    )
    match.check(recorded["put_function_event_invoke_config"], response(put))
    client.invoke(
        FunctionName="rec-default", Payload=json.dumps({"raise_error": 1}), InvocationType="Event"
    )
    received = _receive(lab, url, MessageAttributeNames=["All"])
    match.check(recorded["receive_message_result"], _messages(received))


def test_retries(lab):
    """Three attempts with one request id, then the failure record; read twice, so the
    second receive counts 2."""
    recorded = recording(DESTINATIONS, "TestLambdaDestinationSqs::test_retries")
    recorded = _with_line(recorded, 7, ECHO_FAIL_RAISE_LINE)
    url, queue_arn, role = _queue_and_role(lab, "rec-retry")
    _function(lab, "rec-retry", ECHO_FAIL, role)
    client = lab.client("lambda")
    client.put_function_event_invoke_config(
        FunctionName="rec-retry",
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    client.invoke(
        FunctionName="rec-retry",
        Payload=json.dumps({"message": "retry-msg-1"}),
        InvocationType="Event",
    )
    _receive(lab, url, AttributeNames=["All"], VisibilityTimeout=0)
    again = _receive(lab, url, AttributeNames=["All"], VisibilityTimeout=1)
    names = {"resource:1": "rec-retry", "test-msg-id": "retry-msg-1"}
    Matcher(lab, names).check(recorded["queue_destination_payload"], _messages(again))

    events = lab.client("logs").filter_log_events(logGroupName="/aws/lambda/rec-retry")["events"]
    printed = [json.loads(e["message"]) for e in events if "retry-msg-1" in e["message"]]
    assert len(printed) == 3
    assert len({p["aws_request_id"] for p in printed}) == 1


def test_maxeventage(lab):
    """A maximum age of 60 s leaves no time for the retry one minute later (one attempt); 90 s
    leaves time for one (two attempts); both end as EventAgeExceeded."""
    recorded = recording(DESTINATIONS, "TestLambdaDestinationSqs::test_maxeventage")
    recorded = _with_line(recorded, 7, ECHO_FAIL_RAISE_LINE)
    url, queue_arn, role = _queue_and_role(lab, "rec-age")
    _function(lab, "rec-age", ECHO_FAIL, role)
    client = lab.client("lambda")
    sqs = lab.client("sqs")
    names = {"resource:1": "rec-age", "test-msg-id": "retry-msg-2"}
    client.put_function_event_invoke_config(
        FunctionName="rec-age",
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )

    def attempts() -> int:
        events = lab.client("logs").filter_log_events(logGroupName="/aws/lambda/rec-age")
        return len([e for e in events["events"] if "retry-msg-2" in e["message"]])

    for key, update in (("no_retry_failure_message", None), ("single_retry_failure_message", 90)):
        if update:
            client.update_function_event_invoke_config(
                FunctionName="rec-age", MaximumEventAgeInSeconds=update, MaximumRetryAttempts=2
            )
            lab.client("logs").delete_log_group(logGroupName="/aws/lambda/rec-age")
        client.invoke(
            FunctionName="rec-age",
            Payload=json.dumps({"message": "retry-msg-2"}),
            InvocationType="Event",
        )
        (message,) = _messages(
            _receive(lab, url, AttributeNames=["All"], VisibilityTimeout=3, MaxNumberOfMessages=1)
        )["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        # one matcher per message: AWS's two SenderIds differ (<sender-id:1>, <sender-id:2>),
        # the lab's SQS (moto) gives every sender the same id, which the lab leaves alone
        Matcher(lab, names).check(recorded[key], message)
        assert attempts() == (2 if update else 1)


def test_dead_letter_queue(lab):
    """The DLQ gets the event as its body and the error as message attributes; the same
    function invoked synchronously answers the error, and its tail holds the log lines."""
    recorded = recording(DESTINATIONS, "TestLambdaDLQ::test_dead_letter_queue")
    recorded = _with_line(recorded, 55, FORWARDER_RAISE_LINE)
    url, queue_arn, role = _queue_and_role(lab, "rec-dlq")
    _function(lab, "rec-dlq", FORWARDER, role, DeadLetterConfig={"TargetArn": queue_arn})
    client = lab.client("lambda")
    payload = json.dumps({"raise_error": 1})
    client.invoke(FunctionName="rec-dlq", Payload=payload, InvocationType="Event")
    received = _receive(lab, url, MessageAttributeNames=["All"])
    match = Matcher(lab, {"resource:1": "rec-dlq-q"})
    match.check(recorded["receive_result"], _messages(received))

    answer = client.invoke(FunctionName="rec-dlq", Payload=payload, LogType="Tail")
    tail = base64.b64decode(answer["LogResult"]).decode()
    match.check(
        recorded["invoke_result"], invoke_response(answer) | {"LogResult": "<log-result:1>"}
    )
    lines = [
        ISO_TIME.sub("date", line) for line in tail.splitlines() if not line.startswith("REPORT")
    ]
    match.check(recorded["log_result"], {"result": lines})


# -- reserved concurrency ---------------------------------------------------------------------


def test_reserved_concurrency_zero(lab):
    """Reserved concurrency 0: a synchronous invoke is throttled; an event never runs and its
    failure record says ZeroReservedConcurrency with no attempt."""
    recorded = recording(LAMBDA, "TestLambdaConcurrency::test_reserved_concurrency")
    url, queue_arn, role = _queue_and_role(lab, "rec-zero")
    fn_arn = _function(lab, "rec-zero", ECHO, role, Timeout=20)
    client = lab.client("lambda", config=Config(retries={"max_attempts": 0, "mode": "standard"}))
    match = Matcher(lab, {"function-name:1": "rec-zero", "resource:3": "rec-zero-q"})
    put = client.put_function_concurrency(FunctionName="rec-zero", ReservedConcurrentExecutions=0)
    match.check(recorded["put_reserved"], response(put))
    match.check(
        recorded["exc_no_cap_requestresponse"],
        _error(client.invoke, FunctionName=fn_arn, InvocationType="RequestResponse"),
    )
    conf = client.put_function_event_invoke_config(
        FunctionName="rec-zero",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    match.check(recorded["put_event_invoke_conf"], response(conf))
    match.check(
        recorded["invoke_result"],
        invoke_response(client.invoke(FunctionName=fn_arn, InvocationType="Event")),
    )
    (message,) = _messages(_receive(lab, url, AttributeNames=["All"]))["Messages"]
    match.check(recorded["msg"], message)


BLOCKER = """import json
import time

import boto3


def handler(event, context):
    sqs = boto3.client("sqs")
    started = json.dumps({"request_id": context.aws_request_id})
    sqs.send_message(QueueUrl=event["notify"], MessageBody=started)
    if "release" in event:
        deadline = time.time() + 60
        while time.time() < deadline:
            if sqs.receive_message(QueueUrl=event["release"], WaitTimeSeconds=1).get("Messages"):
                break
    return {"ok": True}
"""


def test_reserved_concurrency_async_queue(lab):
    """Reserved concurrency 1 taken by a running event: a synchronous invoke is throttled."""
    recorded = recording(LAMBDA, "TestLambdaConcurrency::test_reserved_concurrency_async_queue")
    sqs = lab.client("sqs")
    notify, notify_arn = make_queue(sqs, "rec-busy-notify")
    release, release_arn = make_queue(sqs, "rec-busy-release")
    use = {
        "Effect": "Allow",
        "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
        "Resource": [notify_arn, release_arn],
    }
    fn_arn = _function(lab, "rec-busy", BLOCKER, make_role(lab, "rec-busy-role", [use]), Timeout=90)
    client = lab.client("lambda", config=Config(retries={"max_attempts": 0, "mode": "standard"}))
    match = Matcher(lab)
    put = client.put_function_concurrency(FunctionName="rec-busy", ReservedConcurrentExecutions=1)
    match.check(recorded["put_fn_concurrency"], response(put))
    started = client.invoke(
        FunctionName=fn_arn,
        InvocationType="Event",
        Payload=json.dumps({"notify": notify, "release": release}),
    )
    note = sqs.receive_message(QueueUrl=notify, WaitTimeSeconds=20).get("Messages") or []
    for _ in range(10):
        if note:
            break
        note = sqs.receive_message(QueueUrl=notify, WaitTimeSeconds=5).get("Messages") or []
    assert json.loads(note[0]["Body"])["request_id"] == started["ResponseMetadata"]["RequestId"]
    try:
        throttled = _error(
            client.invoke,
            FunctionName=fn_arn,
            InvocationType="RequestResponse",
            Payload=json.dumps({"notify": notify}),
        )
    finally:
        sqs.send_message(QueueUrl=release, MessageBody="go")
    match.check(recorded["too_many_requests_exc"], throttled)
    lab.wait_idle(120)


def test_request_id_async_invoke_with_retry(lab):
    """A failing event and its retry share the request id the Invoke answered with."""
    recorded = recording(LAMBDA, "TestRequestIdHandling::test_request_id_async_invoke_with_retry")
    _function(lab, "rec-reqid", ECHO_FAIL)
    client = lab.client("lambda")
    client.put_function_event_invoke_config(FunctionName="rec-reqid", MaximumRetryAttempts=1)
    answer = client.invoke(
        FunctionName="rec-reqid", InvocationType="Event", Payload=json.dumps({"fail": 1})
    )
    request_id = answer["ResponseMetadata"]["RequestId"]
    match = Matcher(lab, {"request-id": request_id})
    match.check(recorded["invoke_result"], invoke_response(answer))
    lab.wait_idle(300)
    events = lab.client("logs").filter_log_events(logGroupName="/aws/lambda/rec-reqid")["events"]
    reports = [e["message"] for e in events if "REPORT" in e["message"]]
    assert len(reports) == 2
    assert all(request_id in r for r in reports)
    ends = [e["message"].rstrip() for e in events if "END" in e["message"]]
    match.check(recorded["end_messages"], ends)
