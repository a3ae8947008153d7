"""EventInvokeConfig and RecursionConfig validation: AWS's exact errors.

[AWS_BEHAVIOUR: event-invoke-config-settings, event-invoke-config-put-update]
[AWS_BEHAVIOUR: event-invoke-config-errors, recursion-config]
"""

from __future__ import annotations

import pytest

from lambdalab.invoke import AsyncSettings, AwsError
from lambdalab.invoke import settings as s

FN = "arn:aws:lambda:ap-northeast-1:123456789012:function:fn"
OTHER = "arn:aws:lambda:ap-northeast-1:123456789012:function:other"
QUEUE = "arn:aws:sqs:ap-northeast-1:123456789012:q"
BUCKET = "arn:aws:s3:::bucket"


def error_of(params, **kwargs) -> tuple[str, str, int]:
    kwargs.setdefault("function_arn", FN)
    with pytest.raises(AwsError) as info:
        s.validate_event_invoke_config(params, **kwargs)
    return info.value.as_tuple()


def test_s2_10_defaults():
    settings = AsyncSettings.from_config(None)
    assert (settings.max_retry_attempts, settings.max_event_age) == (2, 21600)
    assert settings.recursive_loop == "Terminate"


def test_s2_12_no_settings():
    assert error_of({}) == (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
        400,
    )


@pytest.mark.parametrize(
    ("params", "text"),
    [
        (
            {"MaximumRetryAttempts": 3},
            "Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
            "Member must have value less than or equal to 2",
        ),
        (
            {"MaximumEventAgeInSeconds": 59},
            "Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 60",
        ),
    ],
)
def test_s2_10_out_of_range_is_a_validation_exception(params, text):
    assert error_of(params) == ("ValidationException", "1 validation error detected: " + text, 400)


def test_s2_10_two_problems_are_counted():
    code, message, _ = error_of({"MaximumRetryAttempts": -1, "MaximumEventAgeInSeconds": 21601})
    assert code == "ValidationException"
    assert message.startswith("2 validation errors detected: Value '-1' at 'maximumRetryAttempts'")
    assert "; Value '21601' at 'maximumEventAgeInSeconds'" in message


def test_s2_12_self_as_destination():
    params = {"DestinationConfig": {"OnSuccess": {"Destination": FN + ":$LATEST"}}}
    assert error_of(params)[1] == "You can't specify the function as a destination for itself."


def test_s2_12_unknown_lambda_destination():
    missing = OTHER.replace("other", "doesnotexist")
    params = {"DestinationConfig": {"OnFailure": {"Destination": missing}}}
    assert error_of(params, lambda_exists=lambda arn: False) == (
        "InvalidParameterValueException",
        f"The destination ARN {missing} is invalid.",
        400,
    )


def test_s4_1_s3_only_as_on_failure_and_iam_never():
    assert error_of({"DestinationConfig": {"OnSuccess": {"Destination": BUCKET}}})[0] == (
        "InvalidParameterValueException"
    )
    iam = FN.replace(":lambda:", ":iam:")
    # recorded: test_lambda_api.snapshot.json, put_destination_invalid_service_arn
    assert error_of({"DestinationConfig": {"OnSuccess": {"Destination": iam}}})[1] == (
        "The provided destination config DestinationConfig(onSuccess=OnSuccess("
        f"destination={iam}), onFailure=null) is invalid."
    )
    both = {"OnSuccess": {}, "OnFailure": {"Destination": iam}}
    assert error_of({"DestinationConfig": both})[1] == (
        "The provided destination config DestinationConfig(onSuccess=OnSuccess("
        f"destination=null), onFailure=OnFailure(destination={iam})) is invalid."
    )
    s.validate_event_invoke_config(
        {"DestinationConfig": {"OnFailure": {"Destination": BUCKET}}}, function_arn=FN
    )


def test_destination_arn_pattern_is_checked():
    bad = FN.replace(":lambda:", ":_-/!lambda:")
    code, message, _ = error_of({"DestinationConfig": {"OnFailure": {"Destination": bad}}})
    assert code == "ValidationException"
    assert "at 'destinationConfig.onFailure.destination'" in message


def test_valid_configs_pass():
    for params in (
        {"MaximumRetryAttempts": 0},
        {"DestinationConfig": {"OnSuccess": {}}},
        {"DestinationConfig": {"OnSuccess": {"Destination": OTHER}}},
        {
            "MaximumEventAgeInSeconds": 60,
            "DestinationConfig": {"OnFailure": {"Destination": QUEUE}},
        },
    ):
        s.validate_event_invoke_config(params, function_arn=FN)


def test_s2_11_put_overwrites_and_update_merges():
    stored = s.put_config({"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60})
    assert s.put_config({"MaximumRetryAttempts": 0}) == {"MaximumRetryAttempts": 0}
    merged = s.update_config(stored, {"MaximumRetryAttempts": 0})
    assert merged == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}
    with_dest = s.update_config(
        merged, {"DestinationConfig": {"OnFailure": {"Destination": QUEUE}}}
    )
    settings = AsyncSettings.from_config(with_dest, dlq_arn=QUEUE, reserved_concurrency=0)
    assert (settings.max_retry_attempts, settings.on_failure, settings.on_success) == (
        0,
        QUEUE,
        None,
    )
    assert settings.reserved_concurrency == 0


def test_s2_11_response_has_both_destinations():
    body = s.config_response(
        {"MaximumRetryAttempts": 1}, qualified_arn=FN + ":$LATEST", last_modified=1.5
    )
    assert body == {
        "LastModified": 1.5,
        "FunctionArn": FN + ":$LATEST",
        "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}},
    }


def test_s2_12_config_not_found():
    assert s.config_not_found(FN + ":$LATEST").as_tuple() == (
        "ResourceNotFoundException",
        f"The function {FN}:$LATEST doesn't have an EventInvokeConfig",
        404,
    )


def test_s5_5_recursive_loop_enum():
    s.validate_recursive_loop("Allow")
    with pytest.raises(AwsError) as info:
        s.validate_recursive_loop("X")
    assert info.value.as_tuple() == (
        "ValidationException",
        "1 validation error detected: Value 'X' at 'recursiveLoop' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Terminate, Allow]",
        400,
    )


def test_the_qualifier_comes_from_the_name_or_the_parameter_and_they_must_agree():
    """[AWS_BEHAVIOUR: event-invoke-config-qualifier]"""
    assert s.resolve_qualifier(None, None) == "$LATEST"
    assert s.resolve_qualifier("live", None) == "live"
    assert s.resolve_qualifier(None, "1") == "1"
    assert s.resolve_qualifier("$LATEST", "$LATEST") == "$LATEST"
    for named, given in (("1", "$LATEST"), ("$LATEST", "1"), ("1", "live")):
        with pytest.raises(AwsError) as err:
            s.resolve_qualifier(named, given)
        assert err.value.as_tuple() == ("InvalidParameterValueException", s.QUALIFIER_MISMATCH, 400)


def test_list_pages_follow_the_marker_to_the_end():
    """[AWS_BEHAVIOUR: event-invoke-config-list]"""
    qualifiers = ["live", "$LATEST", "1"]
    assert s.page(qualifiers, max_items=None, marker=None) == (["$LATEST", "1", "live"], None)
    first, marker = s.page(qualifiers, max_items=2, marker=None)
    assert first == ["$LATEST", "1"]
    assert s.page(qualifiers, max_items=2, marker=marker) == (["live"], None)
    # a config deleted between two pages does not restart the listing
    assert s.page(["$LATEST", "live"], max_items=2, marker=marker) == (["live"], None)
    with pytest.raises(AwsError) as err:
        s.page(qualifiers, max_items=0, marker=None)
    assert err.value.code == "ValidationException"
    assert "at 'maxItems'" in err.value.message


def test_put_function_concurrency_takes_an_existing_unqualified_function():
    """[AWS_BEHAVIOUR: reserved-concurrency-api]"""
    latest = f"{FN}:$LATEST"
    s.check_concurrency_target("fn", None, latest_arn=latest, exists=lambda n: True)
    with pytest.raises(AwsError) as err:
        s.check_concurrency_target("fn", "$LATEST", latest_arn=latest, exists=lambda n: True)
    assert err.value.as_tuple() == ("InvalidParameterValueException", s.UNQUALIFIED_ONLY, 400)
    with pytest.raises(AwsError) as err:
        s.check_concurrency_target("fn", None, latest_arn=latest, exists=lambda n: False)
    assert err.value.as_tuple() == (
        "ResourceNotFoundException",
        f"Function not found: {latest}",
        404,
    )
