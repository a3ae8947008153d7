"""``aws_lambda_permission``: one statement of the function's resource policy; id = statement id.

Every argument forces a new statement, as in the provider (a policy statement cannot be edited).
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, unique_id
from .base import ApplyContext, ResourceType, register

_OPTIONAL = {
    "source_arn": "SourceArn",
    "source_account": "SourceAccount",
    "qualifier": "Qualifier",
    "event_source_token": "EventSourceToken",
    "principal_org_id": "PrincipalOrgID",
    "function_url_auth_type": "FunctionUrlAuthType",
}


@register
class LambdaPermission(ResourceType):
    type_name = "aws_lambda_permission"
    force_new = frozenset(
        {"action", "function_name", "principal", "statement_id", "statement_id_prefix"}
        | set(_OPTIONAL)
    )
    computed = frozenset(
        {
            "action",
            "event_source_token",
            "function_name",
            "function_url_auth_type",
            "id",
            "principal",
            "principal_org_id",
            "qualifier",
            "source_account",
            "source_arn",
            "statement_id",
            "statement_id_prefix",
        }
    )

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        sid = args.get("statement_id") or unique_id(args.get("statement_id_prefix") or "terraform-")
        kwargs = {
            "FunctionName": args["function_name"],
            "StatementId": sid,
            "Action": args["action"],
            "Principal": args["principal"],
        }
        kwargs.update({api: args[a] for a, api in _OPTIONAL.items() if args.get(a)})
        ctx.client("lambda").add_permission(**kwargs)
        return self._attrs({**args, "statement_id": sid})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        kwargs = {"FunctionName": attrs["function_name"]}
        if attrs.get("qualifier"):
            kwargs["Qualifier"] = attrs["qualifier"]
        try:
            policy = json.loads(ctx.client("lambda").get_policy(**kwargs)["Policy"])
        except ClientError as exc:
            if not_found(exc, "ResourceNotFoundException"):
                return None
            raise
        if not any(s.get("Sid") == attrs["id"] for s in policy.get("Statement", [])):
            return None
        return attrs

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return old  # every argument forces a replacement

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        kwargs = {"FunctionName": attrs["function_name"], "StatementId": attrs["statement_id"]}
        if attrs.get("qualifier"):
            kwargs["Qualifier"] = attrs["qualifier"]
        with missing_ok("ResourceNotFoundException"):
            ctx.client("lambda").remove_permission(**kwargs)

    @staticmethod
    def _attrs(args: dict) -> dict:
        return {
            "action": args["action"],
            "event_source_token": args.get("event_source_token") or "",
            "function_name": args["function_name"],
            "function_url_auth_type": args.get("function_url_auth_type") or "",
            "id": args["statement_id"],
            "principal": args["principal"],
            "principal_org_id": args.get("principal_org_id") or "",
            "qualifier": args.get("qualifier") or "",
            "source_account": args.get("source_account") or "",
            "source_arn": args.get("source_arn") or "",
            "statement_id": args["statement_id"],
            "statement_id_prefix": args.get("statement_id_prefix") or "",
        }
