"""``aws_lambda_event_source_mapping`` against the lab, compared with real terraform's state.

``tests/terraform/fixtures/esm_state.json`` is the state real terraform 1.11 with hashicorp/aws
5.100.0 wrote for ``tests/terraform/fixtures/oracle/esm`` (uuid and time replaced;
``state_transition_reason`` as AWS records it: USER_INITIATED).
"""

from __future__ import annotations

import json
from pathlib import Path

from tfres_helpers import TRUST, handler, zip_bytes

from lambdalab.terraform.resources.lambda_function import base64sha256

GOLDEN = json.loads((Path(__file__).parents[1] / "fixtures" / "esm_state.json").read_text())[
    "attributes"
]
PATTERN = '{"body":{"kind":["order"]}}'


def _function_and_queues(ctx) -> tuple[dict, dict]:
    handler("aws_iam_role").create(ctx, {"name": "oracle_orders_role", "assume_role_policy": TRUST})
    # Lambda polls the queue with the function's role (AWS refuses the mapping otherwise).
    polling = {
        "Effect": "Allow",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        "Resource": "*",
    }
    handler("aws_iam_role_policy").create(
        ctx,
        {
            "name": "sqs-polling",
            "role": "oracle_orders_role",
            "policy": json.dumps({"Version": "2012-10-17", "Statement": [polling]}),
        },
    )
    data = zip_bytes("def lambda_handler(e, c):\n    return {}\n")
    (ctx.module_dir / "fn.zip").write_bytes(data)
    fn = handler("aws_lambda_function").create(
        ctx,
        {
            "function_name": "oracle_orders",
            "role": "arn:aws:iam::123456789012:role/oracle_orders_role",
            "handler": "lambda_function.lambda_handler",
            "runtime": "python3.12",
            "timeout": 30,
            "filename": "fn.zip",
            "source_code_hash": base64sha256(data),
        },
    )
    dlq = handler("aws_sqs_queue").create(ctx, {"name": "oracle-orders-dlq"})
    redrive = json.dumps({"deadLetterTargetArn": dlq["arn"], "maxReceiveCount": 3})
    queue = handler("aws_sqs_queue").create(
        ctx,
        {"name": "oracle-orders", "visibility_timeout_seconds": 60, "redrive_policy": redrive},
    )
    assert json.loads(queue["redrive_policy"]) == json.loads(redrive)
    assert queue["visibility_timeout_seconds"] == 60
    return fn, queue


ARGS = {
    "batch_size": 20,
    "maximum_batching_window_in_seconds": 5,
    "enabled": True,
    "function_response_types": ["ReportBatchItemFailures"],
    "scaling_config": [{"maximum_concurrency": 5}],
    "filter_criteria": [{"filter": [{"pattern": PATTERN}]}],
}


def test_mapping_state_is_the_providers(ctx):
    fn, queue = _function_and_queues(ctx)
    esm = handler("aws_lambda_event_source_mapping")
    got = esm.create(ctx, {"event_source_arn": queue["arn"], "function_name": fn["arn"], **ARGS})
    assert got["id"] == got["uuid"] and got["arn"].endswith(":event-source-mapping:" + got["uuid"])
    assert got["state"] == "Enabled"  # create waits while the mapping is "Creating"
    normalized = json.loads(json.dumps(got).replace(got["uuid"], "<uuid>"))
    normalized["last_modified"] = "<RFC 3339 time>"
    assert normalized == GOLDEN
    assert esm.read(ctx, got) == got  # a refresh changes nothing


def test_mapping_update_disable_and_delete(ctx):
    fn, queue = _function_and_queues(ctx)
    esm = handler("aws_lambda_event_source_mapping")
    args = {"event_source_arn": queue["arn"], "function_name": "oracle_orders", **ARGS}
    got = esm.create(ctx, args)
    assert got["function_name"] == "oracle_orders"  # kept as configured (the API gives the ARN)
    changed = {
        **args,
        "batch_size": 5,
        "enabled": False,
        "function_response_types": [],
        "filter_criteria": [],
        "scaling_config": [],
    }
    new = esm.update(ctx, got, changed)
    assert new["uuid"] == got["uuid"]
    assert (new["batch_size"], new["enabled"], new["state"]) == (5, False, "Disabled")
    assert new["function_response_types"] == [] and new["filter_criteria"] == []
    assert new["scaling_config"] == []
    lam = ctx.client("lambda")
    api = lam.get_event_source_mapping(UUID=got["uuid"])
    assert api["BatchSize"] == 5 and api["State"] == "Disabled"
    esm.delete(ctx, new)
    assert esm.read(ctx, new) is None
    esm.delete(ctx, new)  # deleting what is already gone is fine
