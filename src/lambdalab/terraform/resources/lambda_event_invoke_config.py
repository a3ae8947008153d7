"""``aws_lambda_function_event_invoke_config``: retries, event age and destinations of
asynchronous invocations; id = ``function_name`` or ``function_name:qualifier``."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import block, missing_ok, not_found
from .base import ApplyContext, ResourceType, register


@register
class LambdaEventInvokeConfig(ResourceType):
    type_name = "aws_lambda_function_event_invoke_config"
    force_new = frozenset({"function_name", "qualifier"})
    computed = frozenset(
        {
            "destination_config",
            "function_name",
            "id",
            "maximum_event_age_in_seconds",
        }
    )
    defaults = {"maximum_retry_attempts": 2, "qualifier": ""}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        kwargs = {
            "FunctionName": args["function_name"],
            "MaximumRetryAttempts": int(_or(args.get("maximum_retry_attempts"), 2)),
        }
        if args.get("qualifier"):
            kwargs["Qualifier"] = args["qualifier"]
        if args.get("maximum_event_age_in_seconds") is not None:
            kwargs["MaximumEventAgeInSeconds"] = int(args["maximum_event_age_in_seconds"])
        dest = block(args, "destination_config")
        if dest is not None:
            api = {}
            for key, name in (("on_success", "OnSuccess"), ("on_failure", "OnFailure")):
                sub = block(dest, key)
                if sub is not None:
                    api[name] = {"Destination": sub.get("destination") or ""}
            kwargs["DestinationConfig"] = api
        ctx.client("lambda").put_function_event_invoke_config(**kwargs)
        fid = args["function_name"]
        if args.get("qualifier"):
            fid += f":{args['qualifier']}"
        return self.read(ctx, {**args, "id": fid})

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return self.create(ctx, args)  # Put replaces the whole configuration

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        name, qualifier = _target(attrs)
        kwargs = {"FunctionName": name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        try:
            got = ctx.client("lambda").get_function_event_invoke_config(**kwargs)
        except ClientError as exc:
            if not_found(exc, "ResourceNotFoundException"):
                return None
            raise
        dest = got.get("DestinationConfig") or {}
        subs = {
            key: [{"destination": dest[api]["Destination"]}]
            if (dest.get(api) or {}).get("Destination")
            else []
            for key, api in (("on_failure", "OnFailure"), ("on_success", "OnSuccess"))
        }
        return {
            "destination_config": [subs] if any(subs.values()) else [],
            "function_name": attrs.get("function_name") or name,
            "id": attrs["id"],
            "maximum_event_age_in_seconds": got.get("MaximumEventAgeInSeconds", 0),
            "maximum_retry_attempts": got.get("MaximumRetryAttempts", 2),
            "qualifier": qualifier,
        }

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        name, qualifier = _target(attrs)
        kwargs = {"FunctionName": name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        with missing_ok("ResourceNotFoundException"):
            ctx.client("lambda").delete_function_event_invoke_config(**kwargs)


def _target(attrs: dict) -> tuple[str, str]:
    """Function and qualifier; the id alone is ambiguous when function_name is an ARN."""
    if attrs.get("function_name"):
        return attrs["function_name"], attrs.get("qualifier") or ""
    name, _, qualifier = attrs["id"].partition(":")
    return name, qualifier


def _or(value, default):
    return default if value is None else value
