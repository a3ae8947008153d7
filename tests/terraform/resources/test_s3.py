"""S3 handlers: bucket attributes, force_destroy with versions, objects, notifications."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from tfres_helpers import TRUST, handler, zip_bytes


def test_bucket_attributes(ctx):
    b = handler("aws_s3_bucket").create(ctx, {"bucket": "tf-b1"})
    assert b["id"] == b["bucket"] == "tf-b1"
    assert b["arn"] == "arn:aws:s3:::tf-b1"
    assert b["bucket_domain_name"] == "tf-b1.s3.amazonaws.com"
    assert b["bucket_regional_domain_name"] == "tf-b1.s3.ap-northeast-1.amazonaws.com"
    assert b["region"] == "ap-northeast-1" and b["hosted_zone_id"] == "Z2M4EHUR26P7ZW"
    assert b["versioning"] == [{"enabled": False, "mfa_delete": False}]
    assert b["force_destroy"] is False


def test_non_empty_bucket_needs_force_destroy(ctx):
    bucket = handler("aws_s3_bucket")
    b = bucket.create(ctx, {"bucket": "tf-b2"})
    ctx.client("s3").put_object(Bucket="tf-b2", Key="a.txt", Body=b"x")
    with pytest.raises(ClientError) as err:
        bucket.delete(ctx, b)
    assert err.value.response["Error"]["Code"] == "BucketNotEmpty"


def test_force_destroy_removes_versions_and_markers(ctx):
    bucket = handler("aws_s3_bucket")
    b = bucket.create(ctx, {"bucket": "tf-b3", "force_destroy": True})
    s3 = ctx.client("s3")
    s3.put_bucket_versioning(Bucket="tf-b3", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2"):
        s3.put_object(Bucket="tf-b3", Key="k", Body=body)
    s3.delete_object(Bucket="tf-b3", Key="k")  # leaves a delete marker
    bucket.delete(ctx, b)
    assert bucket.read(ctx, b) is None


def test_object_content_and_source(ctx):
    handler("aws_s3_bucket").create(ctx, {"bucket": "tf-b4"})
    obj = handler("aws_s3_object")
    o = obj.create(ctx, {"bucket": "tf-b4", "key": "seed/hello.txt", "content": "hello"})
    assert o["id"] == "seed/hello.txt"
    assert o["etag"] == "5d41402abc4b2a76b9719d911017c592"  # md5("hello")
    assert o["arn"] == "arn:aws:s3:::tf-b4/seed/hello.txt"
    (ctx.module_dir / "f.txt").write_text("from file")
    o2 = obj.create(ctx, {"bucket": "tf-b4", "key": "f.txt", "source": "./f.txt"})
    body = ctx.client("s3").get_object(Bucket="tf-b4", Key="f.txt")["Body"].read()
    assert body == b"from file" and o2["source"] == "./f.txt"
    obj.delete(ctx, o)
    assert obj.read(ctx, o) is None


def _function(ctx, name="fn1"):
    handler("aws_iam_role").create(ctx, {"name": f"{name}-role", "assume_role_policy": TRUST})
    zip_path = ctx.module_dir / "fn.zip"
    zip_path.write_bytes(zip_bytes("def lambda_handler(e, c):\n    return 1\n"))
    return handler("aws_lambda_function").create(
        ctx,
        {
            "function_name": name,
            "role": f"arn:aws:iam::123456789012:role/{name}-role",
            "handler": "lambda_function.lambda_handler",
            "runtime": "python3.12",
            "filename": "fn.zip",
        },
    )


def test_notification_lambda_queue_blocks(ctx):
    handler("aws_s3_bucket").create(ctx, {"bucket": "tf-b5"})
    fn = _function(ctx)
    handler("aws_lambda_permission").create(
        ctx,
        {
            "statement_id": "AllowS3",
            "action": "lambda:InvokeFunction",
            "function_name": "fn1",
            "principal": "s3.amazonaws.com",
            "source_arn": "arn:aws:s3:::tf-b5",
        },
    )
    q = handler("aws_sqs_queue").create(ctx, {"name": "tf-q5"})
    n = handler("aws_s3_bucket_notification")
    args = {
        "bucket": "tf-b5",
        "lambda_function": [
            {
                "lambda_function_arn": fn["arn"],
                "events": ["s3:ObjectCreated:*"],
                "filter_prefix": "uploads/",
            }
        ],
        "queue": [{"queue_arn": q["arn"], "events": ["s3:ObjectRemoved:*"]}],
    }
    attrs = n.create(ctx, args)
    assert attrs["id"] == "tf-b5"
    lam = attrs["lambda_function"][0]
    assert lam["id"].startswith("tf-s3-lambda-") and lam["filter_suffix"] == ""
    assert attrs["queue"][0]["id"].startswith("tf-s3-queue-") and attrs["topic"] == []
    conf = ctx.client("s3").get_bucket_notification_configuration(Bucket="tf-b5")
    rules = conf["LambdaFunctionConfigurations"][0]["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [("prefix", "uploads/")]
    assert n.read(ctx, attrs) == attrs
    # An update keeps the generated ids.
    args["lambda_function"][0]["filter_suffix"] = ".txt"
    again = n.update(ctx, attrs, args)
    assert again["lambda_function"][0]["id"] == lam["id"]
    n.delete(ctx, again)
    conf = ctx.client("s3").get_bucket_notification_configuration(Bucket="tf-b5")
    assert not conf.get("LambdaFunctionConfigurations") and not conf.get("QueueConfigurations")
