"""``aws_iam_role``: id = name; the trust policy is stored as normalised JSON like the provider."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import (
    blocks,
    iso_z,
    missing_ok,
    not_found,
    policy_json,
    sorted_json,
    sync_tags,
    tag_list,
    tags,
    unique_id,
)
from .base import ApplyContext, ResourceType, register


@register
class IamRole(ResourceType):
    type_name = "aws_iam_role"
    force_new = frozenset({"name", "name_prefix", "path"})
    computed = frozenset(
        {
            "arn",
            "assume_role_policy",
            "create_date",
            "id",
            "inline_policy",
            "managed_policy_arns",
            "name",
            "name_prefix",
            "tags",
            "tags_all",
            "unique_id",
        }
    )
    defaults = {
        "path": "/",
        "description": "",
        "max_session_duration": 3600,
        "force_detach_policies": False,
        "permissions_boundary": "",
    }

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        iam = ctx.client("iam")
        name = args.get("name") or unique_id(args.get("name_prefix") or "terraform-")
        t, _ = tags(args)
        kwargs = {
            "RoleName": name,
            "AssumeRolePolicyDocument": sorted_json(args["assume_role_policy"]),
            "Path": args.get("path") or "/",
            "MaxSessionDuration": int(args.get("max_session_duration") or 3600),
        }
        if args.get("description"):
            kwargs["Description"] = args["description"]
        if args.get("permissions_boundary"):
            kwargs["PermissionsBoundary"] = args["permissions_boundary"]
        if t:
            kwargs["Tags"] = tag_list(t)
        iam.create_role(**kwargs)
        for p in blocks(args, "inline_policy"):
            if p.get("name"):
                iam.put_role_policy(
                    RoleName=name, PolicyName=p["name"], PolicyDocument=p.get("policy") or "{}"
                )
        for arn in args.get("managed_policy_arns") or []:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        return self.read(ctx, {**args, "id": name, "name": name})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        iam = ctx.client("iam")
        try:
            role = iam.get_role(RoleName=attrs["id"])["Role"]
        except ClientError as exc:
            if not_found(exc, "NoSuchEntity"):
                return None
            raise
        t = attrs.get("tags")
        inline = []
        if attrs.get("inline_policy"):
            for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
                doc = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)
                inline.append({"name": name, "policy": policy_json(doc["PolicyDocument"])})
        managed = []
        if attrs.get("managed_policy_arns"):
            managed = sorted(
                p["PolicyArn"]
                for p in iam.list_attached_role_policies(RoleName=role["RoleName"])[
                    "AttachedPolicies"
                ]
            )
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
        return {
            "arn": role["Arn"],
            "assume_role_policy": sorted_json(role["AssumeRolePolicyDocument"]),
            "create_date": iso_z(role["CreateDate"]),
            "description": role.get("Description", ""),
            "force_detach_policies": bool(attrs.get("force_detach_policies", False)),
            "id": role["RoleName"],
            "inline_policy": inline,
            "managed_policy_arns": managed,
            "max_session_duration": role.get("MaxSessionDuration", 3600),
            "name": role["RoleName"],
            "name_prefix": attrs.get("name_prefix") or "",
            "path": role.get("Path", "/"),
            "permissions_boundary": boundary,
            "tags": t if t else None,
            "tags_all": {x["Key"]: x["Value"] for x in role.get("Tags", [])},
            "unique_id": role["RoleId"],
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        iam = ctx.client("iam")
        name = old["id"]
        if sorted_json(old["assume_role_policy"]) != sorted_json(args["assume_role_policy"]):
            iam.update_assume_role_policy(
                RoleName=name, PolicyDocument=sorted_json(args["assume_role_policy"])
            )
        desc = args.get("description") or ""
        duration = int(args.get("max_session_duration") or 3600)
        if desc != old.get("description", "") or duration != old.get("max_session_duration"):
            iam.update_role(RoleName=name, Description=desc, MaxSessionDuration=duration)
        sync_tags(
            old,
            args,
            untag=lambda keys: iam.untag_role(RoleName=name, TagKeys=keys),
            tag=lambda new: iam.tag_role(RoleName=name, Tags=tag_list(new)),
        )
        boundary = args.get("permissions_boundary") or ""
        if boundary != (old.get("permissions_boundary") or ""):
            if boundary:
                iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
            else:
                iam.delete_role_permissions_boundary(RoleName=name)
        return self.read(ctx, {**args, "id": name})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        iam = ctx.client("iam")
        name = attrs["id"]
        if attrs.get("force_detach_policies") or attrs.get("managed_policy_arns"):
            for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
        if attrs.get("force_detach_policies") or attrs.get("inline_policy"):
            for pname in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.delete_role_policy(RoleName=name, PolicyName=pname)
        # Instance profiles are removed from the role first, as the provider does.
        for ip in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(
                InstanceProfileName=ip["InstanceProfileName"], RoleName=name
            )
        with missing_ok("NoSuchEntity"):
            iam.delete_role(RoleName=name)
