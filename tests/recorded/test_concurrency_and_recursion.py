"""Reserved concurrency and recursion config replayed from AWS's recordings
(localstack/localstack ``tests/aws/services/lambda_/test_lambda_api.snapshot.json``,
``TestLambdaReservedConcurrency``, ``TestLambdaRecursion``,
``test_ops_on_nonexisting_fn[get_function_concurrency]``; ``test_lambda.snapshot.json``,
``TestLambdaConcurrency``), with our own functions.
[AWS_BEHAVIOUR: reserved-concurrency-api, recursion-config]

Skipped: ``test_function_concurrency_limits`` and the unreserved maximum of
``test_function_concurrency`` (they depend on the AWS account's quota, which the recording
replaces by placeholders), ``test_lambda_concurrency_block`` and every provisioned-concurrency
test (the lab has no provisioned concurrency), the ``Configuration`` of
``get_function_concurrency_info`` (function configuration and states are replayed elsewhere).
"""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.lab_helpers import make_function
from tests.recorded.snapshot import Matcher, recording, response

ECHO = "def lambda_handler(event, context):\n    return event\n"


def _error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return response(err.value.response)


def test_put_function_recursion_config_allow(lab):
    recorded = recording(
        "test_lambda_api", "TestLambdaRecursion::test_put_function_recursion_config_allow"
    )
    make_function(lab, "rec-recursion", ECHO)
    client = lab.client("lambda")
    match = Matcher(lab)
    put = client.put_function_recursion_config(FunctionName="rec-recursion", RecursiveLoop="Allow")
    match.check(recorded["put_recursion_config_response"], response(put))
    got = client.get_function_recursion_config(FunctionName="rec-recursion")
    match.check(recorded["get_recursion_config_response"], response(got))


def test_put_function_recursion_config_default_terminate(lab):
    recorded = recording(
        "test_lambda_api",
        "TestLambdaRecursion::test_put_function_recursion_config_default_terminate",
    )
    make_function(lab, "rec-recursion", ECHO)
    got = lab.client("lambda").get_function_recursion_config(FunctionName="rec-recursion")
    Matcher(lab).check(recorded["get_recursion_default_terminate_response"], response(got))


def test_put_function_recursion_config_invalid_value(lab):
    recorded = recording(
        "test_lambda_api",
        "TestLambdaRecursion::test_put_function_recursion_config_invalid_value",
    )
    make_function(lab, "rec-recursion", ECHO)
    # the recording's client checked nothing itself: AWS's own answer
    client = lab.client("lambda", config=Config(parameter_validation=False))
    refused = _error(
        client.put_function_recursion_config,
        FunctionName="rec-recursion",
        RecursiveLoop="InvalidValue",
    )
    Matcher(lab).check(recorded["put_recursion_invalid_value_error"], refused)


def test_function_concurrency_exceptions(lab):
    recorded = recording(
        "test_lambda_api", "TestLambdaReservedConcurrency::test_function_concurrency_exceptions"
    )
    client = lab.client("lambda")
    match = Matcher(lab)
    put = client.put_function_concurrency
    match.check(
        recorded["put_function_concurrency_with_function_name_doesnotexist"],
        _error(put, FunctionName="doesnotexist", ReservedConcurrentExecutions=1),
    )
    match.check(
        recorded[
            "put_function_concurrency_with_function_name_doesnotexist_and_invalid_concurrency"
        ],
        _error(put, FunctionName="doesnotexist", ReservedConcurrentExecutions=0),
    )
    make_function(lab, "rec-concurrency", ECHO)
    latest = client.get_function_configuration(FunctionName="rec-concurrency", Qualifier="$LATEST")
    match.check(
        recorded["put_function_concurrency_with_qualified_arn"],
        _error(put, FunctionName=latest["FunctionArn"], ReservedConcurrentExecutions=0),
    )


def test_function_concurrency_put_get_delete(lab):
    """test_function_concurrency (without the account-dependent maximum)."""
    recorded = recording(
        "test_lambda_api", "TestLambdaReservedConcurrency::test_function_concurrency"
    )
    make_function(lab, "rec-concurrency", ECHO)
    client = lab.client("lambda")
    match = Matcher(lab)
    name = "rec-concurrency"
    for key, value in (
        ("put_function_concurrency_with_reserved_0", 0),
        ("put_function_concurrency_with_reserved_1", 1),
    ):
        answer = client.put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=value
        )
        match.check(recorded[key], response(answer))
    match.check(
        recorded["get_function_concurrency"],
        response(client.get_function_concurrency(FunctionName=name)),
    )
    match.check(
        recorded["delete_response"], response(client.delete_function_concurrency(FunctionName=name))
    )
    match.check(
        recorded["get_function_concurrency_after_delete"],
        response(client.get_function_concurrency(FunctionName=name)),
    )


def test_get_function_concurrency_of_a_function_that_does_not_exist(lab):
    recorded = recording(
        "test_lambda_api",
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_concurrency]",
    )
    client = lab.client("lambda")
    Matcher(lab, {"nonexisting-fn-name": "rec-nobody"}).check(
        recorded["not_found_exception"],
        _error(client.get_function_concurrency, FunctionName="rec-nobody"),
    )


def test_lambda_concurrency_crud(lab):
    recorded = recording("test_lambda", "TestLambdaConcurrency::test_lambda_concurrency_crud")
    make_function(lab, "rec-crud", ECHO)
    client = lab.client("lambda")
    match = Matcher(lab)
    match.check(
        recorded["get_function_concurrency_default"],
        response(client.get_function_concurrency(FunctionName="rec-crud")),
    )
    match.check(
        recorded["put_function_concurrency"],
        response(
            client.put_function_concurrency(FunctionName="rec-crud", ReservedConcurrentExecutions=0)
        ),
    )
    match.check(
        recorded["get_function_concurrency_updated"],
        response(client.get_function_concurrency(FunctionName="rec-crud")),
    )
    client.delete_function_concurrency(FunctionName="rec-crud")
    match.check(
        recorded["get_function_concurrency_deleted"],
        response(client.get_function_concurrency(FunctionName="rec-crud")),
    )


def test_lambda_concurrency_update(lab):
    """GetFunction carries the reserved concurrency as ``Concurrency``."""
    recorded = recording("test_lambda", "TestLambdaConcurrency::test_lambda_concurrency_update")
    make_function(lab, "rec-update", ECHO)
    client = lab.client("lambda")
    match = Matcher(lab)
    match.check(
        recorded["put_function_concurrency"],
        response(
            client.put_function_concurrency(
                FunctionName="rec-update", ReservedConcurrentExecutions=3
            )
        ),
    )
    match.check(
        recorded["get_function_concurrency_updated"],
        response(client.get_function_concurrency(FunctionName="rec-update")),
    )
    info = client.get_function(FunctionName="rec-update")
    expected = recorded["get_function_concurrency_info"]
    match.check(expected["Concurrency"], info["Concurrency"])
    assert sorted(info) == sorted(expected)
    client.delete_function_concurrency(FunctionName="rec-update")
    match.check(
        recorded["get_function_concurrency_deleted"],
        response(client.get_function_concurrency(FunctionName="rec-update")),
    )


def test_a_function_arn_of_another_region_is_not_reachable(lab):
    """test_get_function_wrong_region[get_function_concurrency], and Put/Delete alike."""
    recorded = recording(
        "test_lambda_api",
        "TestLambdaFunction::test_get_function_wrong_region[get_function_concurrency]",
    )
    make_function(lab, "rec-here", ECHO)
    wrong = "us-east-1" if lab.region != "us-east-1" else "eu-central-1"
    arn = f"arn:aws:lambda:{wrong}:{lab.account_id}:function:rec-here"
    client = lab.client("lambda")
    match = Matcher(lab, {"wrong-region": wrong})
    for call, kwargs in (
        (client.get_function_concurrency, {}),
        (client.put_function_concurrency, {"ReservedConcurrentExecutions": 1}),
        (client.delete_function_concurrency, {}),
    ):
        match.check(recorded["wrong_region_exception"], _error(call, FunctionName=arn, **kwargs))
