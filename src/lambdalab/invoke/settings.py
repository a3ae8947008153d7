"""Async settings of one function/qualifier, and AWS's validation of EventInvokeConfig.

:class:`AsyncSettings` is what the engine reads (fresh, every time an event is about to run,
because the configuration may change while an event waits). The helpers below reproduce the
errors of Put/UpdateFunctionEventInvokeConfig and PutFunctionRecursionConfig so the moto glue
can answer exactly as AWS does; they raise :class:`AwsError`.

[AWS_BEHAVIOUR: event-invoke-config-settings, event-invoke-config-put-update]
[AWS_BEHAVIOUR: event-invoke-config-errors, destination-types, recursion-config]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lambdalab.awserror import AwsError

DEFAULT_MAX_RETRY_ATTEMPTS = 2  # [AWS_BEHAVIOUR: event-invoke-config-settings]
DEFAULT_MAX_EVENT_AGE = 21600  # [AWS_BEHAVIOUR: event-invoke-config-settings]: six hours
# order as in AWS's enum message ([AWS_BEHAVIOUR: recursion-config])
RECURSIVE_LOOP_VALUES = ("Terminate", "Allow")

# botocore's DestinationArn shape (pattern and max length 350).
DESTINATION_ARN_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
DESTINATION_ARN_MAX = 350
ON_SUCCESS_SERVICES = ("sqs", "sns", "lambda", "events")  # [AWS_BEHAVIOUR: destination-types]
ON_FAILURE_SERVICES = ("sqs", "sns", "lambda", "events", "s3")  # S3: on-failure only


@dataclass(frozen=True)
class AsyncSettings:
    """Everything the engine needs to decide an event's fate."""

    max_retry_attempts: int = DEFAULT_MAX_RETRY_ATTEMPTS
    max_event_age: int = DEFAULT_MAX_EVENT_AGE
    # DeadLetterConfig.TargetArn (function level, [AWS_BEHAVIOUR: dlq-function-level])
    dlq_arn: str | None = None
    on_success: str | None = None
    on_failure: str | None = None
    reserved_concurrency: int | None = None
    recursive_loop: str = "Terminate"

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any] | None,
        *,
        dlq_arn: str | None = None,
        reserved_concurrency: int | None = None,
        recursive_loop: str = "Terminate",
    ) -> AsyncSettings:
        """Build from a stored EventInvokeConfig (the request shape); unset keys → defaults."""
        config = config or {}
        return cls(
            max_retry_attempts=config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRY_ATTEMPTS),
            max_event_age=config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE),
            dlq_arn=dlq_arn or None,
            on_success=destination(config, "OnSuccess") or None,
            on_failure=destination(config, "OnFailure") or None,
            reserved_concurrency=reserved_concurrency,
            recursive_loop=recursive_loop,
        )


def _constraint(value: Any, member: str, constraint: str) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"


def _validation_error(problems: list[str]) -> AwsError:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return AwsError(
        "ValidationException", f"{count} validation {noun} detected: " + "; ".join(problems), 400
    )


def _range_problems(params: Mapping[str, Any]) -> list[str]:
    problems = []
    limits = (
        ("MaximumRetryAttempts", "maximumRetryAttempts", 0, 2),
        ("MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60, 21600),
    )
    for key, member, low, high in limits:
        value = params.get(key)
        if value is None:
            continue
        if value < low:
            problems.append(
                _constraint(value, member, f"Member must have value greater than or equal to {low}")
            )
        elif value > high:
            problems.append(
                _constraint(value, member, f"Member must have value less than or equal to {high}")
            )
    for side in ("OnSuccess", "OnFailure"):
        arn = destination(params, side)
        if arn is None:
            continue
        member = f"destinationConfig.{side[0].lower()}{side[1:]}.destination"
        if len(arn) > DESTINATION_ARN_MAX:
            problems.append(
                _constraint(arn, member, "Member must have length less than or equal to 350")
            )
        elif not re.fullmatch(DESTINATION_ARN_PATTERN, arn):
            problems.append(
                _constraint(
                    arn,
                    member,
                    f"Member must satisfy regular expression pattern: {DESTINATION_ARN_PATTERN}",
                )
            )
    return problems


def destination(params: Mapping[str, Any], side: str) -> str | None:
    """The ``OnSuccess``/``OnFailure`` destination ARN of an EventInvokeConfig, if any."""
    return ((params.get("DestinationConfig") or {}).get(side) or {}).get("Destination")


def arn_service(arn: str) -> str:
    """``sqs`` for ``arn:aws:sqs:…``; empty when it is not an ARN."""
    return arn.split(":")[2] if arn.count(":") >= 5 else ""


def _unqualified(function_arn: str) -> str:
    parts = function_arn.split(":")
    return ":".join(parts[:7])


def validate_event_invoke_config(
    params: Mapping[str, Any],
    *,
    function_arn: str,
    lambda_exists: Callable[[str], bool] = lambda arn: True,
) -> None:
    """Raise :class:`AwsError` as AWS would for a Put/Update EventInvokeConfig request.

    ``params`` holds the request members (``MaximumRetryAttempts``, ``MaximumEventAgeInSeconds``,
    ``DestinationConfig``); ``function_arn`` is the function being configured. This is
    :func:`check_settings_given` then :func:`check_destinations`; the caller checks that the
    function exists in between, as AWS does [AWS_BEHAVIOUR: event-invoke-config-errors].
    """
    check_settings_given(params)
    check_destinations(params, function_arn=function_arn, lambda_exists=lambda_exists)


def check_settings_given(params: Mapping[str, Any]) -> None:
    """The request's own checks (before the function is looked up): ranges and patterns
    (``ValidationException``), then at least one setting.

    Recorded: ``put_functionname_nootherargs`` answers "You must specify…" for a function that
    does not exist [AWS_BEHAVIOUR: event-invoke-config-errors].
    """
    problems = _range_problems(params)
    if problems:
        raise _validation_error(problems)
    keys = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
    if all(params.get(key) is None for key in keys):
        raise AwsError(
            "InvalidParameterValueException",
            "You must specify at least one of error handling or destination setting.",
        )


def destination_config_text(params: Mapping[str, Any]) -> str:
    """The DestinationConfig as AWS prints it in its refusal (recorded:
    ``DestinationConfig(onSuccess=OnSuccess(destination=arn:…), onFailure=null)``)."""
    config = params.get("DestinationConfig") or {}
    parts = []
    for side in ("OnSuccess", "OnFailure"):
        given = config.get(side)
        text = (
            "null" if given is None else f"{side}(destination={given.get('Destination') or 'null'})"
        )
        parts.append(f"{side[0].lower()}{side[1:]}={text}")
    return f"DestinationConfig({', '.join(parts)})"


def check_destinations(
    params: Mapping[str, Any],
    *,
    function_arn: str,
    lambda_exists: Callable[[str], bool] = lambda arn: True,
) -> None:
    """Each destination names a service the side allows (else "The provided destination config
    … is invalid."), a Lambda destination is another function that exists (else "The
    destination ARN … is invalid.") [AWS_BEHAVIOUR: event-invoke-config-errors,
    destination-types]. Recorded for an IAM ARN; S3 as on-success is the lab's reading of
    the documented rule, with the same words."""
    for side, services in (("OnSuccess", ON_SUCCESS_SERVICES), ("OnFailure", ON_FAILURE_SERVICES)):
        arn = destination(params, side)
        if not arn:
            continue
        service = arn_service(arn)
        if service not in services:
            raise AwsError(
                "InvalidParameterValueException",
                f"The provided destination config {destination_config_text(params)} is invalid.",
            )
        invalid = AwsError(
            "InvalidParameterValueException", f"The destination ARN {arn} is invalid."
        )
        if service == "lambda":
            if _unqualified(arn) == _unqualified(function_arn):
                raise AwsError(
                    "InvalidParameterValueException",
                    "You can't specify the function as a destination for itself.",
                )
            if not lambda_exists(arn):
                raise invalid


def put_config(params: Mapping[str, Any]) -> dict[str, Any]:
    """PutFunctionEventInvokeConfig: the new stored config; omitted settings are removed."""
    keys = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
    return {key: params[key] for key in keys if params.get(key) is not None}


def update_config(existing: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateFunctionEventInvokeConfig: merge into the existing config.

    [AWS_BEHAVIOUR: event-invoke-config-put-update]
    """
    merged = dict(existing)
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if params.get(key) is not None:
            merged[key] = params[key]
    if params.get("DestinationConfig") is not None:
        destinations = dict(merged.get("DestinationConfig") or {})
        destinations.update(params["DestinationConfig"])
        merged["DestinationConfig"] = destinations
    return merged


def config_response(
    config: Mapping[str, Any], *, qualified_arn: str, last_modified: float
) -> dict[str, Any]:
    """The Get/Put/Update response body: set keys only, both destinations always present."""
    destinations = config.get("DestinationConfig") or {}
    body: dict[str, Any] = {"LastModified": last_modified, "FunctionArn": qualified_arn}
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if key in config:
            body[key] = config[key]
    body["DestinationConfig"] = {
        "OnSuccess": dict(destinations.get("OnSuccess") or {}),
        "OnFailure": dict(destinations.get("OnFailure") or {}),
    }
    return body


def config_not_found(qualified_arn: str) -> AwsError:
    """Get/Delete/Update on a function version without a config (Get and Delete answer this
    also when the function or qualifier does not exist, as recorded).

    [AWS_BEHAVIOUR: event-invoke-config-errors]
    """
    return AwsError(
        "ResourceNotFoundException",
        f"The function {qualified_arn} doesn't have an EventInvokeConfig",
        404,
    )


def function_not_found() -> AwsError:
    """Put/Update/List on a function, version or alias that does not exist (recorded:
    ``put_functionname_name_notfound``, ``put_alias_doesnotexist``,
    ``list_function_doesnotexist``) [AWS_BEHAVIOUR: event-invoke-config-errors]."""
    return AwsError("ResourceNotFoundException", "The function doesn't exist.", 404)


QUALIFIER_MISMATCH = (
    "The derived qualifier from the function name does not match the specified qualifier."
)


def resolve_qualifier(named: str | None, given: str | None) -> str:
    """The qualifier an EventInvokeConfig call addresses: the one in the function name
    (``name:alias`` or a qualified ARN) or the ``Qualifier`` parameter, which must agree;
    ``$LATEST`` when neither names one [AWS_BEHAVIOUR: event-invoke-config-qualifier]."""
    if named and given and named != given:
        raise AwsError("InvalidParameterValueException", QUALIFIER_MISMATCH)
    return named or given or "$LATEST"


def page(
    qualifiers: list[str], *, max_items: int | None, marker: str | None
) -> tuple[list[str], str | None]:
    """One page of ListFunctionEventInvokeConfigs: up to ``max_items`` qualifiers (in ARN
    order) after ``marker``, and the marker of the next page (None on the last).

    The marker is the last qualifier of the page (AWS's is opaque); a marker whose config was
    deleted meanwhile still pages on from where it was [AWS_BEHAVIOUR: event-invoke-config-list].
    """
    if max_items is not None and not 1 <= max_items <= 50:
        bound = "greater than or equal to 1" if max_items < 1 else "less than or equal to 50"
        raise _validation_error(
            [_constraint(max_items, "maxItems", f"Member must have value {bound}")]
        )
    ordered = sorted(qualifiers)
    if marker:
        ordered = [q for q in ordered if q > marker]
    if max_items is None or len(ordered) <= max_items:
        return ordered, None
    shown = ordered[:max_items]
    return shown, shown[-1]


UNQUALIFIED_ONLY = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not support "
    "this operation. Please specify either a function name or an unqualified function ARN."
)


def check_concurrency_target(
    name: str, qualifier: str | None, *, latest_arn: str, exists: Callable[[str], bool]
) -> None:
    """PutFunctionConcurrency takes a function, never a version or alias (400), and names a
    function that does not exist with ``:$LATEST`` (404). Recorded: test_lambda_api.snapshot.json,
    ``test_function_concurrency_exceptions`` [AWS_BEHAVIOUR: reserved-concurrency-api]."""
    if qualifier:
        raise AwsError("InvalidParameterValueException", UNQUALIFIED_ONLY)
    if not exists(name):
        raise AwsError("ResourceNotFoundException", f"Function not found: {latest_arn}", 404)


def validate_recursive_loop(value: Any) -> None:
    """PutFunctionRecursionConfig's enum check ([AWS_BEHAVIOUR: recursion-config])."""
    if value not in RECURSIVE_LOOP_VALUES:
        raise _validation_error(
            [
                _constraint(
                    value, "recursiveLoop", "Member must satisfy enum value set: [Terminate, Allow]"
                )
            ]
        )
