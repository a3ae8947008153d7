"""May an AWS service invoke a function? Lambda's resource-based policy, evaluated for a
service principal — pure.

A service (EventBridge for a rule, S3 for a bucket) invokes a function only when a statement
of the function's policy allows its principal ``lambda:InvokeFunction`` on that function, with
conditions on ``AWS:SourceArn`` / ``AWS:SourceAccount`` that the source meets; a matching
``Deny`` wins [AWS_BEHAVIOUR: eventbridge-lambda-permission].
https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:*", "*")


def service_may_invoke(
    statements: Iterable[Mapping[str, Any]],
    *,
    service: str,
    function_arn: str,
    source_arn: str,
    source_account: str,
) -> bool:
    """Does the policy let ``service`` (``events.amazonaws.com``) invoke ``function_arn`` on
    behalf of ``source_arn`` in ``source_account``?"""
    context = {"aws:sourcearn": source_arn, "aws:sourceaccount": source_account}
    allowed = False
    for statement in statements:
        if not _applies(statement, service, function_arn, context):
            continue
        if statement.get("Effect", "Allow") == "Deny":
            return False
        allowed = True
    return allowed


def _applies(
    statement: Mapping[str, Any], service: str, function_arn: str, context: Mapping[str, str]
) -> bool:
    return (
        _principal_matches(statement.get("Principal"), service)
        and any(a.lower() in INVOKE_ACTIONS for a in _as_list(statement.get("Action")))
        and _resource_matches(statement.get("Resource"), function_arn)
        and _conditions_hold(statement.get("Condition") or {}, context)
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return service in _as_list(principal.get("Service")) or "*" in _as_list(
            principal.get("AWS")
        )
    return principal == service


def _unqualified_latest(arn: str) -> str:
    return arn[: -len(":$LATEST")] if arn.endswith(":$LATEST") else arn


def _resource_matches(resource: Any, function_arn: str) -> bool:
    """A statement on the function covers the function itself (and ``$LATEST``); a statement
    on a version or alias covers that qualifier only."""
    if resource is None:
        return True
    target = _unqualified_latest(function_arn)
    return any(
        fnmatch.fnmatchcase(target, _unqualified_latest(str(pattern)))
        for pattern in _as_list(resource)
    )


def _conditions_hold(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    """Every condition must hold; a key the source does not provide, or an operator this
    evaluator does not know, does not hold (a policy is never read more widely than written)."""
    for operator, tests in condition.items():
        if not isinstance(tests, Mapping):
            return False
        for key, expected in tests.items():
            actual = context.get(key.lower())
            if actual is None or not _operator_holds(operator, actual, _as_list(expected)):
                return False
    return True


def _operator_holds(operator: str, actual: str, expected: list[Any]) -> bool:
    op = operator.removesuffix("IfExists")
    if op in ("ArnLike", "StringLike"):
        return any(fnmatch.fnmatchcase(actual, str(e)) for e in expected)
    if op in ("ArnEquals", "StringEquals"):
        return actual in [str(e) for e in expected]
    if op in ("ArnNotLike", "StringNotLike"):
        return not any(fnmatch.fnmatchcase(actual, str(e)) for e in expected)
    if op in ("ArnNotEquals", "StringNotEquals"):
        return actual not in [str(e) for e in expected]
    return False
