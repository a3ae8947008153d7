"""EventInvokeConfig replayed from AWS's recording
(localstack/localstack ``tests/aws/services/lambda_/test_lambda_api.snapshot.json``,
``TestLambdaEventInvokeConfig``, ``TestLambdaFunction::test_ops_on_non*``), with our own
function and handler.
[AWS_BEHAVIOUR: event-invoke-config-errors, event-invoke-config-qualifier]
[AWS_BEHAVIOUR: event-invoke-config-list, event-invoke-config-put-update, lambda-error-members]
"""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.lab_helpers import make_function, make_role
from tests.recorded.snapshot import Matcher, recording, response

FIXTURE = "test_lambda_api"
ECHO = "def lambda_handler(event, context):\n    return event\n"


def _error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return response(err.value.response)


@pytest.fixture
def unvalidated(lab):
    """A Lambda client that sends what it is given (AWS's own checks answer, not botocore's)."""
    return lab.client("lambda", config=Config(parameter_validation=False))


def test_lifecycle_put_update_get_list_page_delete(lab):
    """test_lambda_eventinvokeconfig_lifecycle: Put replaces, Update merges, a new version has
    no config, List pages with MaxItems/Marker."""
    recorded = recording(
        FIXTURE, "TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle"
    )
    name = "eic-lifecycle"
    make_function(lab, name, ECHO, role_arn=make_role(lab, "eic-role"))
    match = Matcher(lab, {"function-name:1": name})
    client = lab.client("lambda")

    def check(key, answer):
        match.check(recorded[key], response(answer))

    check(
        "put_invokeconfig_retries_0",
        client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0),
    )
    check(
        "put_invokeconfig_eventage_60",
        client.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60),
    )
    check(
        "update_invokeconfig_eventage_nochange",
        client.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60),
    )
    check(
        "update_invokeconfig_retries",
        client.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1),
    )
    check("get_invokeconfig", client.get_function_event_invoke_config(FunctionName=name))
    check(
        "get_invokeconfig_latest",
        client.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST"),
    )
    check("list_single_invokeconfig", client.list_function_event_invoke_configs(FunctionName=name))
    version = client.publish_version(FunctionName=name)["Version"]
    check(
        "get_invokeconfig_postpublish",
        _error(client.get_function_event_invoke_config, FunctionName=name, Qualifier=version),
    )
    check(
        "put_published_invokeconfig",
        client.put_function_event_invoke_config(
            FunctionName=name, Qualifier=version, MaximumEventAgeInSeconds=120
        ),
    )
    check(
        "get_published_invokeconfig",
        client.get_function_event_invoke_config(FunctionName=name, Qualifier=version),
    )

    first = client.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    everything = client.list_function_event_invoke_configs(FunctionName=name)
    assert len(first["FunctionEventInvokeConfigs"]) == 1
    assert "NextMarker" not in everything
    assert len(everything["FunctionEventInvokeConfigs"]) == 2
    rest = client.list_function_event_invoke_configs(
        FunctionName=name, Marker=first["NextMarker"], MaxItems=1
    )
    assert "NextMarker" not in rest
    paged = first["FunctionEventInvokeConfigs"] + rest["FunctionEventInvokeConfigs"]
    assert {c["FunctionArn"] for c in paged} == {
        c["FunctionArn"] for c in everything["FunctionEventInvokeConfigs"]
    }

    client.delete_function_event_invoke_config(FunctionName=name)
    check(
        "list_paging_nolimit_postdelete",
        client.list_function_event_invoke_configs(FunctionName=name),
    )


def test_exceptions_names_qualifiers_destinations_and_overwrites(lab, unvalidated):
    """test_lambda_eventinvokeconfig_exceptions, request by request."""
    recorded = recording(
        FIXTURE, "TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions"
    )
    name, other = "eic-errors", "eic-errors-2"
    # AWS's test ran with a role that may do everything; ours may invoke the other function
    may_invoke = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}
    role = make_role(lab, "eic-role", [may_invoke])
    fn_arn = make_function(lab, name, ECHO, role_arn=role)["FunctionArn"]
    other_arn = make_function(lab, other, ECHO, role_arn=role)["FunctionArn"]
    match = Matcher(lab, {"function-name:1": name, "resource:5": other})
    client = unvalidated
    put = client.put_function_event_invoke_config

    def check(key, answer):
        match.check(recorded[key], response(answer))

    version = client.publish_version(FunctionName=name)["Version"]
    alias = client.create_alias(FunctionName=name, Name="eventinvokealias", FunctionVersion=version)
    assert version == "1"
    fake_arn = f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:doesnotexist"

    check(
        "put_functionname_name_notfound",
        _error(put, FunctionName="doesnotexist", MaximumRetryAttempts=1),
    )
    check(
        "put_functionname_arn_notfound", _error(put, FunctionName=fake_arn, MaximumRetryAttempts=1)
    )
    check("put_functionname_nootherargs", _error(put, FunctionName="doesnotexist"))
    check(
        "put_destination_lambda_doesntexist",
        _error(put, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": fake_arn}}),
    )
    check(
        "put_destination_recursive",
        _error(put, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": fn_arn}}),
    )
    check(
        "put_destination_other_lambda",
        put(FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": other_arn}}),
    )
    iam_arn = fn_arn.replace(":lambda:", ":iam:")
    check(
        "put_destination_invalid_service_arn",
        _error(put, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": iam_arn}}),
    )
    check(
        "put_destination_success_no_destination_arn",
        put(FunctionName=name, DestinationConfig={"OnSuccess": {}}),
    )
    check(
        "put_destination_failure_no_destination_arn",
        put(FunctionName=name, DestinationConfig={"OnFailure": {}}),
    )
    bad_pattern = fn_arn.replace(":lambda:", ":_-/!lambda:")
    check(
        "put_destination_invalid_arn_pattern",
        _error(
            put, FunctionName=name, DestinationConfig={"OnFailure": {"Destination": bad_pattern}}
        ),
    )

    # function name and qualifier
    check("put_destination_latest", put(FunctionName=name, MaximumRetryAttempts=1))
    check(
        "put_destination_latest_explicit_qualifier",
        put(FunctionName=name, Qualifier="$LATEST", MaximumRetryAttempts=1),
    )
    check(
        "put_destination_version", put(FunctionName=name, Qualifier=version, MaximumRetryAttempts=1)
    )
    check(
        "put_alias_functionname_qualifier",
        put(FunctionName=name, Qualifier="eventinvokealias", MaximumRetryAttempts=1),
    )
    check(
        "put_alias_doesnotexist",
        _error(
            put, FunctionName=name, Qualifier="eventinvokealiasdoesnotexist", MaximumRetryAttempts=1
        ),
    )
    alias_arn = alias["AliasArn"]
    check("put_alias_qualifiedarn", put(FunctionName=alias_arn, MaximumRetryAttempts=1))
    check(
        "put_alias_qualifiedarn_qualifier",
        put(FunctionName=alias_arn, Qualifier="eventinvokealias", MaximumRetryAttempts=1),
    )
    check(
        "put_alias_qualifiedarn_qualifierconflict",
        _error(
            put,
            FunctionName=alias_arn,
            Qualifier="eventinvokealiasdoesnotexist",
            MaximumRetryAttempts=1,
        ),
    )
    shorthand = f"{name}:eventinvokealias"
    check("put_alias_shorthand", put(FunctionName=shorthand, MaximumRetryAttempts=1))
    check(
        "put_alias_shorthand_qualifier",
        put(FunctionName=shorthand, Qualifier="eventinvokealias", MaximumRetryAttempts=1),
    )
    check(
        "put_alias_shorthand_qualifierconflict",
        _error(
            put,
            FunctionName=shorthand,
            Qualifier="eventinvokealiasdoesnotexist",
            MaximumRetryAttempts=1,
        ),
    )
    check("put_version_shorthand", put(FunctionName=f"{name}:{version}", MaximumRetryAttempts=1))
    check(
        "put_shorthand_qualifier_match",
        put(FunctionName=f"{name}:$LATEST", Qualifier="$LATEST", MaximumRetryAttempts=1),
    )
    check(
        "put_shorthand_qualifier_mismatch_1",
        _error(put, FunctionName=f"{name}:{version}", Qualifier="$LATEST", MaximumRetryAttempts=1),
    )
    check(
        "put_shorthand_qualifier_mismatch_2",
        _error(put, FunctionName=f"{name}:$LATEST", Qualifier=version, MaximumRetryAttempts=1),
    )
    check(
        "put_shorthand_qualifier_mismatch_3",
        _error(
            put,
            FunctionName=f"{name}:{version}",
            Qualifier="eventinvokealias",
            MaximumRetryAttempts=1,
        ),
    )
    check(
        "put_maxevent_maxvalue_result",
        put(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=21600),
    )

    # Put replaces, Update merges
    check(
        "put_pre_overwrite",
        put(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60),
    )
    check("put_post_overwrite", put(FunctionName=name, MaximumRetryAttempts=0))
    check("second_overwrite_existing_response", put(FunctionName=name, MaximumRetryAttempts=0))
    check("get_post_overwrite", client.get_function_event_invoke_config(FunctionName=name))
    check(
        "pre_update_response",
        put(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60),
    )
    update = client.update_function_event_invoke_config
    check("update_response", update(FunctionName=name, MaximumRetryAttempts=0))
    check("update_response_existing", update(FunctionName=name, MaximumRetryAttempts=0))

    # list (sorted by ARN, as recorded), paging, delete
    listed = response(client.list_function_event_invoke_configs(FunctionName=name))
    listed["FunctionEventInvokeConfigs"].sort(key=lambda c: c["FunctionArn"])
    match.check(recorded["list_configs"], listed)
    paged = client.list_function_event_invoke_configs(FunctionName=name, MaxItems=2)
    assert len(paged["FunctionEventInvokeConfigs"]) == 2
    assert paged["NextMarker"]
    delete = client.delete_function_event_invoke_config
    check("delete_latest", delete(FunctionName=name, Qualifier="$LATEST"))
    check("delete_version", delete(FunctionName=name, Qualifier=version))
    check("delete_alias", delete(FunctionName=name, Qualifier="eventinvokealias"))
    check("list_configs_postdelete", client.list_function_event_invoke_configs(FunctionName=name))
    check("delete_function_not_found", _error(delete, FunctionName=name))
    check("delete_function_doesnotexist", _error(delete, FunctionName="doesnotexist"))
    check(
        "list_function_doesnotexist",
        _error(client.list_function_event_invoke_configs, FunctionName="doesnotexist"),
    )
    get = client.get_function_event_invoke_config
    check("get_function_doesnotexist", _error(get, FunctionName="doesnotexist"))
    check("get_qualifier_doesnotexist", _error(get, FunctionName=name, Qualifier="doesnotexist"))
    check(
        "update_eventinvokeconfig_function_doesnotexist",
        _error(update, FunctionName="doesnotexist", MaximumRetryAttempts=0),
    )
    check("get_eventinvokeconfig_doesnotexist", _error(get, FunctionName=alias_arn))
    check(
        "update_eventinvokeconfig_config_doesnotexist_with_qualifier",
        _error(update, FunctionName=alias_arn, MaximumRetryAttempts=0),
    )
    check(
        "update_eventinvokeconfig_config_doesnotexist_without_qualifier",
        _error(update, FunctionName=fn_arn, MaximumRetryAttempts=0),
    )


def test_get_of_a_function_that_does_not_exist(lab):
    """test_ops_on_nonexisting_fn[get_function_event_invoke_config]"""
    recorded = recording(
        FIXTURE, "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_event_invoke_config]"
    )
    match = Matcher(lab, {"nonexisting-fn-name": "eic-nobody"})
    client = lab.client("lambda")
    match.check(
        recorded["not_found_exception"],
        _error(client.get_function_event_invoke_config, FunctionName="eic-nobody"),
    )


def test_get_of_a_version_that_does_not_exist(lab):
    """test_ops_on_nonexisting_version[get_function_event_invoke_config]"""
    recorded = recording(
        FIXTURE,
        "TestLambdaFunction::test_ops_on_nonexisting_version[get_function_event_invoke_config]",
    )
    make_function(lab, "eic-versions", ECHO, role_arn=make_role(lab, "eic-role"))
    match = Matcher(lab, {"fn-name": "eic-versions"})
    client = lab.client("lambda")
    match.check(
        recorded["version_not_found_exception"],
        _error(
            client.get_function_event_invoke_config, FunctionName="eic-versions", Qualifier="1221"
        ),
    )


def test_a_function_arn_of_another_region_is_not_reachable(lab):
    """test_get_function_wrong_region[get_function_event_invoke_config], and the same answer
    for the other event invoke config calls."""
    recorded = recording(
        FIXTURE,
        "TestLambdaFunction::test_get_function_wrong_region[get_function_event_invoke_config]",
    )
    make_function(lab, "eic-here", ECHO, role_arn=make_role(lab, "eic-role"))
    wrong = "us-east-1" if lab.region != "us-east-1" else "eu-central-1"
    arn = f"arn:aws:lambda:{wrong}:{lab.account_id}:function:eic-here"
    client = lab.client("lambda")
    match = Matcher(lab, {"wrong-region": wrong})
    match.check(
        recorded["wrong_region_exception"],
        _error(client.get_function_event_invoke_config, FunctionName=arn),
    )
    for call, kwargs in (
        (client.put_function_event_invoke_config, {"MaximumRetryAttempts": 1}),
        (client.update_function_event_invoke_config, {"MaximumRetryAttempts": 1}),
        (client.delete_function_event_invoke_config, {}),
        (client.list_function_event_invoke_configs, {}),
    ):
        match.check(recorded["wrong_region_exception"], _error(call, FunctionName=arn, **kwargs))


def test_latest_in_the_function_name_is_an_aws_answer_not_a_web_page(lab):
    """``FunctionName="name:$LATEST"`` (put_shorthand_qualifier_match) for every operation."""
    name = "eic-latest"
    make_function(lab, name, ECHO, role_arn=make_role(lab, "eic-role"))
    client = lab.client("lambda")
    qualified = f"{name}:$LATEST"
    put = client.put_function_event_invoke_config(FunctionName=qualified, MaximumRetryAttempts=1)
    assert put["FunctionArn"].endswith(f":function:{name}:$LATEST")
    got = client.get_function_event_invoke_config(FunctionName=qualified)
    assert got["MaximumRetryAttempts"] == 1
    updated = client.update_function_event_invoke_config(
        FunctionName=qualified, MaximumEventAgeInSeconds=60
    )
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (1, 60)
    listed = client.list_function_event_invoke_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [put["FunctionArn"]]
    client.delete_function_event_invoke_config(FunctionName=qualified)
    error = _error(client.get_function_event_invoke_config, FunctionName=qualified)
    assert error["Error"]["Code"] == "ResourceNotFoundException"
