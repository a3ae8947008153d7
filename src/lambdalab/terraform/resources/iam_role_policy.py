"""``aws_iam_role_policy``: an inline policy; id = ``role:name`` as the provider writes it."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, policy_json, unique_id
from .base import ApplyContext, ResourceType, register


@register
class IamRolePolicy(ResourceType):
    type_name = "aws_iam_role_policy"
    force_new = frozenset({"name", "name_prefix", "role"})
    computed = frozenset(
        {
            "id",
            "name",
            "name_prefix",
            "policy",
            "role",
        }
    )

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        name = args.get("name") or unique_id(args.get("name_prefix") or "terraform-")
        ctx.client("iam").put_role_policy(
            RoleName=args["role"], PolicyName=name, PolicyDocument=policy_json(args["policy"])
        )
        return self.read(ctx, {**args, "id": f"{args['role']}:{name}"})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        role, name = attrs["id"].split(":", 1)
        try:
            doc = ctx.client("iam").get_role_policy(RoleName=role, PolicyName=name)
        except ClientError as exc:
            if not_found(exc, "NoSuchEntity"):
                return None
            raise
        return {
            "id": attrs["id"],
            "name": name,
            "name_prefix": attrs.get("name_prefix") or "",
            "policy": policy_json(doc["PolicyDocument"]),
            "role": role,
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        role, name = old["id"].split(":", 1)
        ctx.client("iam").put_role_policy(
            RoleName=role, PolicyName=name, PolicyDocument=policy_json(args["policy"])
        )
        return self.read(ctx, old)

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        role, name = attrs["id"].split(":", 1)
        with missing_ok("NoSuchEntity"):
            ctx.client("iam").delete_role_policy(RoleName=role, PolicyName=name)
