"""State attributes carry the same names as the real aws provider's (recorded, 5.100.0)."""

from __future__ import annotations

import pytest
from tfres_helpers import provider_state

from lambdalab.terraform.resources.base import DATA_SOURCES, RESOURCE_TYPES

RECORDED = provider_state()


@pytest.mark.parametrize("kind", sorted(RECORDED))
def test_type_is_registered(kind):
    registry = DATA_SOURCES if kind.startswith("data.") else RESOURCE_TYPES
    assert kind.removeprefix("data.") in registry


def test_full_apply_gives_provider_attribute_names(ctx):
    """Create one of each type the recorded config has, then compare attribute names."""
    from tfres_helpers import TRUST, handler, zip_bytes

    from lambdalab.terraform.resources.lambda_function import base64sha256

    got = {}
    got["aws_iam_role"] = handler("aws_iam_role").create(
        ctx, {"name": "shape_role", "assume_role_policy": TRUST}
    )
    got["aws_iam_policy"] = handler("aws_iam_policy").create(
        ctx,
        {
            "name": "p",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            '"Action": "s3:GetObject", "Resource": "*"}]}',
        },
    )
    got["aws_s3_bucket"] = handler("aws_s3_bucket").create(ctx, {"bucket": "shape-bucket"})
    got["aws_s3_object"] = handler("aws_s3_object").create(
        ctx, {"bucket": "shape-bucket", "key": "k", "content": "hello"}
    )
    q = got["aws_sqs_queue"] = handler("aws_sqs_queue").create(ctx, {"name": "q"})
    t = got["aws_sns_topic"] = handler("aws_sns_topic").create(ctx, {"name": "t"})
    got["aws_sns_topic_subscription"] = handler("aws_sns_topic_subscription").create(
        ctx, {"topic_arn": t["arn"], "protocol": "sqs", "endpoint": q["arn"]}
    )
    got["aws_cloudwatch_log_group"] = handler("aws_cloudwatch_log_group").create(
        ctx, {"name": "/aws/lambda/f"}
    )
    data = zip_bytes("def lambda_handler(e, c):\n    return 1\n")
    (ctx.module_dir / "fn.zip").write_bytes(data)
    got["aws_lambda_function"] = handler("aws_lambda_function").create(
        ctx,
        {
            "function_name": "f",
            "role": got["aws_iam_role"]["arn"],
            "handler": "lambda_function.lambda_handler",
            "runtime": "python3.12",
            "filename": "fn.zip",
            "source_code_hash": base64sha256(data),
        },
    )
    got["aws_lambda_permission"] = handler("aws_lambda_permission").create(
        ctx,
        {
            "statement_id": "s",
            "action": "lambda:InvokeFunction",
            "function_name": "f",
            "principal": "s3.amazonaws.com",
        },
    )
    got["aws_lambda_function_event_invoke_config"] = handler(
        "aws_lambda_function_event_invoke_config"
    ).create(ctx, {"function_name": "f"})
    for kind, attrs in got.items():
        assert set(attrs) == set(RECORDED[kind]), kind
