"""Lambda handlers: function create/update split, permissions, event invoke config."""

from __future__ import annotations

import json

from tfres_helpers import TRUST, handler, zip_bytes

from lambdalab.terraform.resources.lambda_function import base64sha256


def _setup(ctx, body="def lambda_handler(e, c):\n    return 1\n"):
    handler("aws_iam_role").create(ctx, {"name": "fn-role", "assume_role_policy": TRUST})
    data = zip_bytes(body)
    (ctx.module_dir / "fn.zip").write_bytes(data)
    return {
        "function_name": "fn",
        "role": "arn:aws:iam::123456789012:role/fn-role",
        "handler": "lambda_function.lambda_handler",
        "runtime": "python3.12",
        "filename": "fn.zip",
        "source_code_hash": base64sha256(data),
    }


def test_function_attributes(ctx):
    args = _setup(ctx)
    fn = handler("aws_lambda_function").create(
        ctx, {**args, "environment": [{"variables": {"A": "1"}}]}
    )
    arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:fn"
    assert fn["id"] == "fn" and fn["arn"] == arn
    assert fn["qualified_arn"] == f"{arn}:$LATEST" and fn["version"] == "$LATEST"
    assert fn["invoke_arn"] == (
        "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/" + arn + "/invocations"
    )
    assert fn["timeout"] == 3 and fn["memory_size"] == 128
    assert fn["reserved_concurrent_executions"] == -1
    assert fn["code_sha256"] == args["source_code_hash"] == fn["source_code_hash"]
    assert fn["source_code_size"] == (ctx.module_dir / "fn.zip").stat().st_size
    assert fn["environment"] == [{"variables": {"A": "1"}}]
    assert fn["last_modified"]


def test_reserved_concurrency_zero_is_kept(ctx):
    fn = handler("aws_lambda_function").create(
        ctx, {**_setup(ctx), "reserved_concurrent_executions": 0}
    )
    assert fn["reserved_concurrent_executions"] == 0
    got = ctx.client("lambda").get_function_concurrency(FunctionName="fn")
    assert got["ReservedConcurrentExecutions"] == 0


def test_code_change_updates_in_place(ctx):
    h = handler("aws_lambda_function")
    args = _setup(ctx)
    fn = h.create(ctx, args)
    new_zip = zip_bytes("def lambda_handler(e, c):\n    return 2\n")
    (ctx.module_dir / "fn.zip").write_bytes(new_zip)
    new = h.update(ctx, fn, {**args, "source_code_hash": base64sha256(new_zip), "timeout": 30})
    assert new["code_sha256"] == base64sha256(new_zip)
    assert new["timeout"] == 30
    assert new["arn"] == fn["arn"]


def test_publish_gives_numbered_version(ctx):
    fn = handler("aws_lambda_function").create(ctx, {**_setup(ctx), "publish": True})
    assert fn["version"] == "1" and fn["qualified_arn"].endswith(":1")


def test_permission_statement(ctx):
    handler("aws_lambda_function").create(ctx, _setup(ctx))
    perm = handler("aws_lambda_permission")
    p = perm.create(
        ctx,
        {
            "statement_id": "AllowS3",
            "action": "lambda:InvokeFunction",
            "function_name": "fn",
            "principal": "s3.amazonaws.com",
            "source_arn": "arn:aws:s3:::bkt",
            "source_account": "123456789012",
        },
    )
    assert p["id"] == "AllowS3" and p["qualifier"] == ""
    policy = json.loads(ctx.client("lambda").get_policy(FunctionName="fn")["Policy"])
    (st,) = policy["Statement"]
    assert st["Sid"] == "AllowS3" and st["Principal"] == {"Service": "s3.amazonaws.com"}
    assert st["Condition"]["ArnLike"]["AWS:SourceArn"] == "arn:aws:s3:::bkt"
    assert perm.read(ctx, p) == p
    perm.delete(ctx, p)
    assert perm.read(ctx, p) is None


def test_event_invoke_config(ctx):
    handler("aws_lambda_function").create(ctx, _setup(ctx))
    q = handler("aws_sqs_queue").create(ctx, {"name": "fail-q"})
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": q["arn"]}],
        }
    )  # Lambda checks the role can reach the destination when it is configured
    handler("aws_iam_role_policy").create(
        ctx, {"name": "send", "role": "fn-role", "policy": policy}
    )
    eic = handler("aws_lambda_function_event_invoke_config")
    args = {
        "function_name": "fn",
        "maximum_retry_attempts": 0,
        "maximum_event_age_in_seconds": 3600,
        "destination_config": [{"on_failure": [{"destination": q["arn"]}]}],
    }
    c = eic.create(ctx, args)
    assert c["id"] == "fn" and c["maximum_retry_attempts"] == 0
    assert c["destination_config"] == [
        {"on_failure": [{"destination": q["arn"]}], "on_success": []}
    ]
    got = ctx.client("lambda").get_function_event_invoke_config(FunctionName="fn")
    assert got["MaximumRetryAttempts"] == 0 and got["MaximumEventAgeInSeconds"] == 3600
    eic.delete(ctx, c)
    assert eic.read(ctx, c) is None


def test_event_invoke_config_update_replaces(ctx, cloud):
    handler("aws_lambda_function").create(ctx, _setup(ctx))
    eic = handler("aws_lambda_function_event_invoke_config")
    c = eic.create(ctx, {"function_name": "fn", "maximum_retry_attempts": 0})
    c2 = eic.update(ctx, c, {"function_name": "fn", "maximum_retry_attempts": 1})
    assert c2["maximum_retry_attempts"] == 1 and c2["destination_config"] == []
