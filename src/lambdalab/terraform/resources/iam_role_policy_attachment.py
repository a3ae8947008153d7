"""``aws_iam_role_policy_attachment``.

The id is ``<role>-<UTC time to 0.1 ms><8 hex counter>``, e.g.
``lambda_role-20261128120118130800000001``: the format of the provider's
``id.PrefixedUniqueId("<role>-")``. Nothing reads it back, so it only has to be unique and look
like the provider's.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, unique_id
from .base import ApplyContext, ResourceType, register


@register
class IamRolePolicyAttachment(ResourceType):
    type_name = "aws_iam_role_policy_attachment"
    force_new = frozenset({"role", "policy_arn"})
    computed = frozenset(
        {
            "id",
            "policy_arn",
            "role",
        }
    )

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        ctx.client("iam").attach_role_policy(RoleName=args["role"], PolicyArn=args["policy_arn"])
        return {
            "id": unique_id(f"{args['role']}-"),
            "policy_arn": args["policy_arn"],
            "role": args["role"],
        }

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        try:
            pages = ctx.client("iam").get_paginator("list_attached_role_policies")
            arns = {
                p["PolicyArn"]
                for page in pages.paginate(RoleName=attrs["role"])
                for p in page["AttachedPolicies"]
            }
        except ClientError as exc:
            if not_found(exc, "NoSuchEntity"):
                return None
            raise
        return attrs if attrs["policy_arn"] in arns else None

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return old  # every argument forces a new attachment

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        with missing_ok("NoSuchEntity"):
            ctx.client("iam").detach_role_policy(
                RoleName=attrs["role"], PolicyArn=attrs["policy_arn"]
            )
