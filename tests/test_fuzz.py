"""Issue 11 item 5: no HTML and no 500 for anything a client can send.

The real requests the course makes to S3, Lambda, SQS, SNS, IAM and CloudWatch Logs are
recorded as boto3 sends them, then mutated (bodies cut, flipped and replaced, JSON and form
values swapped for hostile ones, paths, queries and headers changed), signed again with the
learner's key so they pass the gate and reach moto, and sent. Every answer must be a success
or a well-formed error of the addressed service's protocol; afterwards the lab still works.
Bounded: a fixed seed, a fixed number of requests.
"""

from __future__ import annotations

import http.client
import json
import random
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode, urlsplit

from lambdalab import wire
from tests.lab_helpers import (
    make_bucket,
    make_function,
    make_queue,
    make_role,
    update_configuration,
)

SEED = 20261201
MUTATIONS_PER_REQUEST = 80
HOSTILE_VALUES = [
    None,
    -1,
    0,
    2**70,
    1.5e308,
    "",
    "x" * 5000,
    "\u0000",
    "日本語",
    [],
    {},
    True,
    [1, 2, 3],
    {"a": {"b": None}},
    "arn:aws:lambda:ap-northeast-1:123456789012:function:nope",
    "../../etc/passwd",
]


def record_course_requests(lab) -> list[dict]:
    """The course's usual calls, captured as sent (method, path+query, headers, body)."""
    captured: list[dict] = []

    def capture(request, **_):
        url = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            position = body.tell()
            data = body.read()
            body.seek(position)
            body = data
        captured.append(
            {
                "method": request.method,
                "path": url.path + (f"?{url.query}" if url.query else ""),
                "headers": {
                    k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
                },
                "body": body if isinstance(body, bytes) else (body or "").encode(),
            }
        )

    def client(service):
        c = lab.client(service)
        c.meta.events.register("before-send", capture)
        return c

    s3, lam, sqs, sns, iam, logs = (
        client(s) for s in ("s3", "lambda", "sqs", "sns", "iam", "logs")
    )
    make_bucket(lab, "fuzz-bucket")
    s3.put_object(Bucket="fuzz-bucket", Key="sample.txt", Body=b"Sample content")
    s3.get_object(Bucket="fuzz-bucket", Key="sample.txt")
    s3.head_object(Bucket="fuzz-bucket", Key="sample.txt")
    s3.list_objects_v2(Bucket="fuzz-bucket", Prefix="s")
    s3.copy_object(
        Bucket="fuzz-bucket", Key="processed/sample.txt", CopySource="fuzz-bucket/sample.txt"
    )
    s3.delete_object(Bucket="fuzz-bucket", Key="processed/sample.txt")
    role = make_role(lab, "fuzz-role")
    fn = make_function(lab, "fuzz-fn", "def lambda_handler(e, c):\n    return e\n", role_arn=role)
    lam.invoke(FunctionName="fuzz-fn", Payload=json.dumps({"Records": [{"s3": {"a": 1}}]}))
    lam.invoke(FunctionName="fuzz-fn", InvocationType="Event", Payload=b"{}")
    lam.get_function(FunctionName="fuzz-fn")
    lam.list_functions()
    update_configuration(lam, "fuzz-fn", Timeout=10)
    lam.put_function_event_invoke_config(
        FunctionName="fuzz-fn", MaximumRetryAttempts=1, MaximumEventAgeInSeconds=600
    )
    lam.add_permission(
        FunctionName="fuzz-fn",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::fuzz-bucket",
    )
    s3.put_bucket_notification_configuration(
        Bucket="fuzz-bucket",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": fn["FunctionArn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}},
                }
            ]
        },
    )
    url, _ = make_queue(sqs, "fuzz-queue")
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    topic = sns.create_topic(Name="fuzz-topic")["TopicArn"]
    sns.publish(TopicArn=topic, Message="hi")
    iam.get_role(RoleName="fuzz-role")
    iam.put_role_policy(
        RoleName="fuzz-role",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")
    logs.create_log_group(logGroupName="/fuzz/group")
    logs.filter_log_events(logGroupName="/aws/lambda/fuzz-fn")
    lab.wait_idle(60)
    return captured


def mutate(request: dict, rng: random.Random) -> dict:
    out = {**request, "headers": dict(request["headers"])}
    body, path = request["body"], request["path"]
    choice = rng.randrange(9)
    if choice == 0 and body:  # cut
        out["body"] = body[: rng.randrange(len(body))]
    elif choice == 1 and body:  # flip bytes, some not UTF-8
        data = bytearray(body)
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] = rng.choice([0xFF, 0xFE, 0x00, 0x22, 0x7B, 0x3C])
        out["body"] = bytes(data)
    elif choice == 2:  # a JSON value replaced by a hostile one
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc:
            doc[rng.choice(list(doc))] = rng.choice(HOSTILE_VALUES)
            out["body"] = json.dumps(doc).encode()
        else:
            out["body"] = json.dumps(rng.choice(HOSTILE_VALUES)).encode()
    elif choice == 3:  # 5,000-deep JSON, or not UTF-8 at all
        out["body"] = rng.choice([b"[" * 5000 + b"]" * 5000, b"\xff\xfe\xfd", b"{" * 3000])
    elif choice == 4 and b"=" in body and b"{" not in body[:1]:  # a form field changed or gone
        fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        if fields:
            index = rng.randrange(len(fields))
            if rng.random() < 0.5:
                fields.pop(index)
            else:
                fields[index] = (fields[index][0], str(rng.choice(HOSTILE_VALUES)))
        out["body"] = urlencode(fields).encode()
    elif choice == 5:  # the path
        base, _, query = path.partition("?")
        tail = rng.choice(["/x", "/%00", "/..", "/%2e%2e/%2e%2e", "/" + "a" * 2000, "%20", "//"])
        out["path"] = base + tail + (f"?{query}" if query else "")
    elif choice == 6:  # the query
        junk = rng.choice(
            ["Qualifier=%24LATEST%3A", "MaxItems=-5", "Marker=%FF", "uploads", "x=1&x=2"]
        )
        out["path"] = path + ("&" if "?" in path else "?") + junk
    elif choice == 7:  # headers
        name = rng.choice(["Content-Type", "X-Amz-Target", "X-Amz-Invocation-Type", "Content-MD5"])
        out["headers"][name] = rng.choice(["", "text/html", "Junk.Op", "Event", "bm90IG1kNQ=="])
    else:  # the XML body of S3 / the form APIs
        out["body"] = rng.choice(
            [b"<NotificationConfiguration><Queue", b"<a>" * 200, b"<?xml version='1.0'?><x/>"]
        )
    return out


def send_signed(lab, request: dict) -> tuple[int, dict, bytes]:
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    scope = wire.credential_scope(request["headers"].get("Authorization", ""), "")
    region, service = (scope[2], scope[3]) if scope else (lab.region, "s3")
    keep = {
        k: v
        for k, v in request["headers"].items()
        if k.lower()
        not in ("authorization", "x-amz-date", "x-amz-content-sha256", "content-length")
    }
    aws_request = AWSRequest(
        method=request["method"],
        url=lab.endpoint_url + request["path"],
        data=request["body"],
        headers=keep,
    )
    creds = Credentials(lab.credentials.access_key_id, lab.credentials.secret_access_key)
    (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, region).add_auth(aws_request)
    host, port = lab.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(
            request["method"],
            request["path"],
            body=request["body"],
            headers=dict(aws_request.headers.items()),
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def well_formed(request: dict, status: int, headers: dict, body: bytes) -> str | None:
    """None when the answer is fine, else what is wrong with it."""
    if status >= 500:
        return f"HTTP {status}"
    if b"<html" in body[:200].lower() or b"<!doctype" in body[:200].lower():
        return "an HTML page"
    if status < 400 or request["method"] == "HEAD" or not body:
        return None if status < 400 or request["method"] == "HEAD" else "an empty error body"
    path, _, query = request["path"].partition("?")
    service = wire.identify(request["headers"], path, query, request["body"])
    lower = {k.lower(): v for k, v in headers.items()}
    if "x-amzn-errortype" in lower:
        return None
    try:
        if body.lstrip()[:1] == b"<":
            root = ET.fromstring(body)
            return (
                None
                if root.find(".//{*}Code") is not None or root.tag == "Code"
                else "XML without Code"
            )
        doc = json.loads(body)
        if isinstance(doc, dict) and ({"__type", "message", "Message", "code"} & set(doc)):
            return None
        return f"JSON without an error code ({service.name})"
    except (ET.ParseError, ValueError):
        return f"an unparsable {service.protocol} error body"


def test_thousands_of_mutated_course_requests_get_aws_shaped_answers(lab):
    requests = record_course_requests(lab)
    assert len(requests) >= 25
    rng = random.Random(SEED)
    problems = []
    sent = 0
    for request in requests:
        for _ in range(MUTATIONS_PER_REQUEST):
            mutated = mutate(request, rng)
            status, headers, body = send_signed(lab, mutated)
            sent += 1
            problem = well_formed(mutated, status, headers, body)
            if problem:
                problems.append((problem, mutated["method"], mutated["path"][:120], body[:200]))
    assert sent >= 2000
    assert problems == [], f"{len(problems)} of {sent}: " + "\n".join(map(str, problems[:15]))
    lab.wait_idle(120)
    # The lab is healthy afterwards: the learner's round trip works.
    make_bucket(lab, "after-fuzz")
    s3 = lab.client("s3")
    s3.put_object(Bucket="after-fuzz", Key="k", Body=b"v")
    assert s3.get_object(Bucket="after-fuzz", Key="k")["Body"].read() == b"v"
    resp = lab.client("lambda").invoke(FunctionName="fuzz-fn", Payload=b'{"ok": 1}')
    assert json.loads(resp["Payload"].read()) == {"ok": 1}
