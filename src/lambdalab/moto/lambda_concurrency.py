"""Put/Get/DeleteFunctionConcurrency answered as AWS does for a name it cannot take.

moto stores reserved concurrency itself (the data plane reads it before each invoke); what it
gets wrong is the refusal: a version or alias is taken as the function, a function that does
not exist is named without AWS's ``:$LATEST``, and an ARN of another region is looked up
here. The rules are :func:`lambdalab.invoke.settings.check_concurrency_target` and
:func:`lambdalab.arns.check_reachable`.

[AWS_BEHAVIOUR: reserved-concurrency-api, function-other-region]
"""

from __future__ import annotations

import functools
from typing import Any

from lambdalab import arns
from lambdalab.invoke import settings
from lambdalab.moto import adapter


def hooks() -> list[tuple[Any, str]]:
    from moto.awslambda import responses as lr

    return [
        (lr.LambdaResponse, "put_function_concurrency"),
        (lr.LambdaResponse, "get_function_concurrency"),
        (lr.LambdaResponse, "delete_function_concurrency"),
    ]


def install() -> None:
    from moto.awslambda import responses as lr

    lr.LambdaResponse.put_function_concurrency = adapter.aws_errors_only(
        checked_put(lr.LambdaResponse.put_function_concurrency)
    )
    for name in ("get_function_concurrency", "delete_function_concurrency"):
        setattr(
            lr.LambdaResponse,
            name,
            adapter.aws_errors_only(reachable(getattr(lr.LambdaResponse, name))),
        )


def reachable(original: Any) -> Any:
    """``original`` after the other-region check of the function named in the path."""

    @functools.wraps(original)
    def handler(self: Any) -> Any:
        function_name = adapter.function_name_from_path(self.path)
        arns.check_reachable(function_name, self.backend.region_name)
        return original(self)

    return handler


def checked_put(original: Any) -> Any:
    @functools.wraps(original)
    def put_function_concurrency(self: Any) -> Any:
        from moto.awslambda.exceptions import LambdaClientError

        function_name = adapter.function_name_from_path(self.path)
        arns.check_reachable(function_name, self.backend.region_name)
        name, qualifier = arns.split_function_name(function_name)

        def exists(name: str) -> bool:
            try:
                self.backend.get_function(name)
            except LambdaClientError:
                return False
            return True

        settings.check_concurrency_target(
            name,
            qualifier,
            latest_arn=f"arn:aws:lambda:{self.backend.region_name}:{self.backend.account_id}"
            f":function:{name}:$LATEST",
            exists=exists,
        )
        return original(self)

    return put_function_concurrency
