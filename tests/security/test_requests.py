"""Issue 10: every attack on the lab's HTTP front door, performed for real, and what it gets.

See docs/SECURITY.md (threat model) for which defence each test proves.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from lambdalab.iam import ADMIN_USER
from tests.lab_helpers import make_bucket, make_function, make_role

SERVICES = {
    # service: (call, protocol of its errors)
    "s3": lambda c: c.list_buckets(),
    "lambda": lambda c: c.list_functions(),
    "sqs": lambda c: c.list_queues(),
    "sns": lambda c: c.list_topics(),
    "iam": lambda c: c.list_users(),
    "sts": lambda c: c.get_caller_identity(),
    "logs": lambda c: c.describe_log_groups(),
    "events": lambda c: c.list_rules(),
    "cloudwatch": lambda c: c.list_metrics(),
}


def raw(lab, path, *, method="GET", headers=None, data=None):
    """(status, headers, body) of a plain HTTP request, errors included."""
    request = urllib.request.Request(
        lab.endpoint_url + path, data=data, headers=headers or {}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def error_code(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]


# -- 1. web pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, method",
    [
        ("/moto-api/data.json", "GET"),
        ("/", "GET"),
        ("/2015-03-31/functions/", "GET"),
        ("/moto-api/reset", "POST"),
        ("/", "OPTIONS"),
    ],
)
def test_a_request_with_an_origin_is_refused_without_cors_headers(lab, path, method):
    status, headers, body = raw(
        lab, path, method=method, headers={"Origin": "http://127.0.0.2:8000"}
    )
    assert status == 403
    assert not [h for h in headers if h.lower().startswith("access-control-")]
    assert b"does not answer web pages" in body
    assert b"<html" not in body.lower()


def test_a_page_marked_cross_site_is_refused_in_the_services_own_shape(lab):
    headers = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    status, out, body = raw(lab, "/2015-03-31/functions/", headers=headers)
    assert status == 403
    assert out["x-amzn-ErrorType"] == "AccessDeniedException"  # Lambda: REST JSON
    assert "web pages" in json.loads(body)["message"]
    status, out, body = raw(lab, "/", headers={"Sec-Fetch-Site": "same-site"})
    assert status == 403 and b"<Code>AccessDenied</Code>" in body  # S3: XML


def test_no_answer_carries_cors_headers_even_for_a_bucket_with_a_cors_rule(lab):
    make_bucket(lab, "cors-bucket")
    s3 = lab.client("s3")
    s3.put_bucket_cors(
        Bucket="cors-bucket",
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
    )
    s3.put_object(Bucket="cors-bucket", Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "cors-bucket", "Key": "k"})
    with urllib.request.urlopen(url) as r:
        assert not [h for h in r.headers if h.lower().startswith("access-control-")]


def test_opening_a_presigned_url_in_the_browser_still_works(lab):
    make_bucket(lab, "nav-bucket")
    s3 = lab.client("s3")
    s3.put_object(Bucket="nav-bucket", Key="page.txt", Body=b"hello")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "nav-bucket", "Key": "page.txt"}
    )
    for site in ("none", "cross-site"):  # typed in the address bar; a link on another page
        navigation = {
            "Sec-Fetch-Site": site,
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Dest": "document",
        }
        request = urllib.request.Request(url, headers=navigation)
        with urllib.request.urlopen(request) as r:
            assert r.read() == b"hello"


# -- 2. moto's admin API ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, method",
    [
        ("/moto-api/", "GET"),
        ("/moto-api/data.json", "GET"),
        ("/moto-api/reset", "POST"),
        ("/moto-api/reset-auth", "POST"),
        ("/moto-api/recorder/start-recording", "POST"),
        ("/moto-api/recorder/download-recording", "GET"),
        ("/moto-api/seed?a=42", "POST"),
        ("/moto-api/proxy/passthrough", "POST"),
    ],
)
def test_motos_admin_api_is_not_served(lab, path, method):
    make_bucket(lab, "still-here")
    status, _, body = raw(lab, path, method=method, data=b"" if method == "POST" else None)
    assert status == 404
    assert b"SecretAccessKey" not in body and lab.credentials.secret_access_key.encode() not in body
    # The learner's lab is untouched: the bucket is there and the key still works.
    assert [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]] == ["still-here"]


# -- 3. no secret without authentication ------------------------------------------------------


def test_the_status_endpoint_holds_no_credential(lab):
    status, _, body = raw(lab, "/_lambdalab/status")
    assert status == 200
    assert lab.credentials.secret_access_key.encode() not in body
    assert lab.credentials.access_key_id.encode() not in body
    assert set(json.loads(body)) == {"now", "clock", "region", "endpoint_url", "pending"}


def test_the_lab_api_needs_the_learners_own_signature(lab):
    status, headers, body = raw(lab, "/_lambdalab/api/reset", method="POST", data=b"{}")
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


# -- 4. authenticated as AWS does -------------------------------------------------------------

UNSIGNED_CODES = {
    "s3": "AccessDenied",
    "lambda": "MissingAuthenticationTokenException",
    "sqs": "MissingAuthenticationToken",
    "sns": "MissingAuthenticationToken",
    "iam": "MissingAuthenticationToken",
    "logs": "MissingAuthenticationTokenException",
    "events": "MissingAuthenticationTokenException",
    "cloudwatch": "MissingAuthenticationToken",  # CBOR, query-compatible like SQS
}


@pytest.mark.parametrize("service", sorted(UNSIGNED_CODES))
def test_an_unsigned_request_gets_the_services_own_error(lab, service):
    client = lab.client(service, config=Config(signature_version=UNSIGNED))
    code, meta = error_code(lambda: SERVICES[service](client))
    assert code == UNSIGNED_CODES[service]
    assert meta["HTTPStatusCode"] == 403


FOREIGN_CODES = {
    "s3": "InvalidAccessKeyId",
    "lambda": "UnrecognizedClientException",
    "sqs": "InvalidClientTokenId",  # SQS JSON keeps the query error code (x-amzn-query-error)
    "sns": "InvalidClientTokenId",
    "iam": "InvalidClientTokenId",
    "sts": "InvalidClientTokenId",
    "logs": "UnrecognizedClientException",
    "events": "UnrecognizedClientException",
    "cloudwatch": "InvalidClientTokenId",
}
BAD_SIGNATURE_CODES = {
    "s3": "SignatureDoesNotMatch",
    "lambda": "InvalidSignatureException",
    "sqs": "SignatureDoesNotMatch",
    "sns": "SignatureDoesNotMatch",
    "iam": "SignatureDoesNotMatch",
    "sts": "SignatureDoesNotMatch",
    "logs": "InvalidSignatureException",
    "events": "InvalidSignatureException",
    "cloudwatch": "SignatureDoesNotMatch",
}


@pytest.mark.parametrize("service", sorted(FOREIGN_CODES))
def test_a_key_the_lab_never_issued_is_refused(lab, service):
    client = lab.client(
        service, aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI"
    )
    code, meta = error_code(lambda: SERVICES[service](client))
    assert (code, meta["HTTPStatusCode"]) == (FOREIGN_CODES[service], 403)


@pytest.mark.parametrize("service", sorted(BAD_SIGNATURE_CODES))
def test_a_wrong_secret_is_a_signature_mismatch(lab, service):
    client = lab.client(service, aws_secret_access_key="not-the-lab-secret")
    code, meta = error_code(lambda: SERVICES[service](client))
    assert (code, meta["HTTPStatusCode"]) == (BAD_SIGNATURE_CODES[service], 403)


def test_a_tampered_request_body_breaks_the_signature(lab):
    """The signature covers the body: a changed payload is refused, whoever sends it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    creds = Credentials(lab.credentials.access_key_id, lab.credentials.secret_access_key)
    body = b"Action=ListUsers&Version=2010-05-08"
    request = AWSRequest(
        method="POST",
        url=lab.endpoint_url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    SigV4Auth(creds, "iam", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    status, _, answer = raw(lab, "/", method="POST", headers=headers, data=body)
    assert status == 200
    evil = b"Action=CreateUser&Version=2010-05-08&UserName=evil"
    status, _, answer = raw(lab, "/", method="POST", headers=headers, data=evil)
    assert status == 403 and b"SignatureDoesNotMatch" in answer
    assert "evil" not in [u["UserName"] for u in lab.client("iam").list_users()["Users"]]


def test_a_role_session_needs_its_session_token(lab):
    role = lab.client("iam").create_role(
        RoleName="session-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{lab.account_id}:user/{ADMIN_USER}"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    creds = lab.client("sts").assume_role(RoleArn=role, RoleSessionName="session")["Credentials"]
    s3 = lab.client(
        "s3",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
    )
    code, _ = error_code(s3.list_buckets)
    assert code == "InvalidToken"
    with_token = lab.client(
        "s3",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"] + "x",
    )
    assert error_code(with_token.list_buckets)[0] == "InvalidToken"


def test_a_user_assuming_a_role_that_trusts_only_lambda_is_denied_not_a_500(lab):
    role = make_role(lab, "lambda-only")
    code, meta = error_code(
        lambda: lab.client("sts").assume_role(RoleArn=role, RoleSessionName="session")
    )
    assert (code, meta["HTTPStatusCode"]) == ("AccessDenied", 403)


def test_anonymous_s3_reads_only_what_a_bucket_policy_makes_public(lab):
    make_bucket(lab, "public-site")
    s3 = lab.client("s3")
    s3.put_object(Bucket="public-site", Key="index.html", Body=b"<p>hi</p>")
    s3.put_object(Bucket="public-site", Key="private/secret.txt", Body=b"secret")
    anonymous = lab.client("s3", config=Config(signature_version=UNSIGNED))
    code, _ = error_code(lambda: anonymous.get_object(Bucket="public-site", Key="index.html"))
    assert code == "AccessDenied"
    s3.put_bucket_policy(
        Bucket="public-site",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::public-site/*",
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::public-site/private/*",
                    },
                ],
            }
        ),
    )
    body = anonymous.get_object(Bucket="public-site", Key="index.html")["Body"].read()
    assert body == b"<p>hi</p>"
    code, _ = error_code(
        lambda: anonymous.get_object(Bucket="public-site", Key="private/secret.txt")
    )
    assert code == "AccessDenied"
    code, _ = error_code(lambda: anonymous.list_objects_v2(Bucket="public-site"))
    assert code == "AccessDenied"  # the policy grants GetObject only
    code, _ = error_code(lambda: anonymous.put_object(Bucket="public-site", Key="x", Body=b"1"))
    assert code == "AccessDenied"


@pytest.mark.parametrize("signature_version", ["s3", "s3v4"])
def test_presigned_urls_work_and_a_tampered_or_expired_one_does_not(lab, signature_version):
    make_bucket(lab, "presign-bucket")
    lab.client("s3").put_object(Bucket="presign-bucket", Key="k.txt", Body=b"data")
    s3 = lab.client("s3", config=Config(signature_version=signature_version))
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "presign-bucket", "Key": "k.txt"}
    )
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"data"
    other_key = url.replace("/k.txt?", "/other.txt?")
    status, _, body = raw(lab, other_key[len(lab.endpoint_url) :])
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    expired = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "presign-bucket", "Key": "k.txt"}, ExpiresIn=-10
    )
    status, _, body = raw(lab, expired[len(lab.endpoint_url) :])
    assert status == 403 and b"Request has expired" in body


def test_the_aws_cli_without_signing_gets_access_denied_not_a_500(lab, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    aws = str(Path(sys.executable).parent / "aws")
    out = subprocess.run(
        [aws, "--no-sign-request", "s3", "ls"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "AccessDenied" in out.stderr
    assert "500" not in out.stderr and "html" not in out.stderr.lower()


# -- 5. a handler cannot climb out of its role -------------------------------------------------

CLIMBER = """
import json, os, urllib.request, urllib.error
import boto3

def fetch(url, method="GET", data=None):
    try:
        req = urllib.request.Request(url, method=method, data=data)
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

def lambda_handler(event, context):
    base = os.environ["AWS_ENDPOINT_URL"]
    found = {
        "status": fetch(base + "/_lambdalab/status"),
        "data.json": fetch(base + "/moto-api/data.json"),
        "lab-api": fetch(base + "/_lambdalab/api/reset", "POST", b"{}"),
    }
    try:
        boto3.client("iam").create_user(UserName="backdoor")
        found["create_user"] = "created"
    except Exception as e:
        found["create_user"] = type(e).__name__ + ": " + str(e)
    # Signed with the role's own credentials, the lab's API still says no.
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    creds = boto3.Session().get_credentials().get_frozen_credentials()
    req = AWSRequest(method="POST", url=base + "/_lambdalab/api/reset", data=b"{}")
    SigV4Auth(creds, "lambdalab", os.environ["AWS_REGION"]).add_auth(req)
    try:
        r = urllib.request.urlopen(urllib.request.Request(
            req.url, data=b"{}", headers=dict(req.headers.items()), method="POST"))
        found["signed-lab-api"] = (r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        found["signed-lab-api"] = (e.code, e.read().decode())
    return found
"""


def test_a_logging_only_handler_cannot_reach_admin_keys_or_the_labs_api(lab):
    make_bucket(lab, "keep-me")
    # Generous timeouts: on a busy machine five requests and a boto3 import can take a while.
    make_function(lab, "climber", CLIMBER, Timeout=600)
    resp = lab.client("lambda").invoke(FunctionName="climber")
    found = json.loads(resp["Payload"].read())
    secret = lab.credentials.secret_access_key
    assert secret not in json.dumps(found)
    assert "status" in found, found  # the handler itself did not fail
    assert found["status"][0] == 200
    assert found["data.json"][0] == 404
    assert found["lab-api"][0] == 403
    assert found["signed-lab-api"][0] == 403
    assert "AccessDenied" in found["create_user"]
    assert "backdoor" not in [u["UserName"] for u in lab.client("iam").list_users()["Users"]]
    assert [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]] == ["keep-me"]


# -- afterwards: the lab is healthy for the learner ---------------------------------------------


def test_after_every_attack_a_normal_round_trip_works(lab):
    """Repeat the attacks in one go, then the learner's usual S3 + Lambda round trip."""
    raw(lab, "/moto-api/reset", method="POST", data=b"", headers={"Origin": "http://evil"})
    raw(lab, "/moto-api/reset", method="POST", data=b"")
    raw(lab, "/moto-api/reset-auth", method="POST", data=b"0")
    raw(lab, "/", headers={"Authorization": "AWS4-HMAC-SHA256 garbage"})
    raw(lab, "/", headers={"Authorization": "AWS AKIAIOSFODNN7EXAMPLE:abc"})
    foreign = boto3.client(
        "s3",
        endpoint_url=lab.endpoint_url,
        region_name=lab.region,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )
    assert error_code(foreign.list_buckets)[0] == "InvalidAccessKeyId"
    make_bucket(lab, "round-trip")
    s3 = lab.client("s3")
    s3.put_object(Bucket="round-trip", Key="sample.txt", Body=b"Sample content")
    assert s3.get_object(Bucket="round-trip", Key="sample.txt")["Body"].read() == b"Sample content"
    make_function(lab, "echo", "def lambda_handler(e, c):\n    return {'ok': e}\n")
    resp = lab.client("lambda").invoke(FunctionName="echo", Payload=b'{"a": 1}')
    assert json.loads(resp["Payload"].read()) == {"ok": {"a": 1}}
