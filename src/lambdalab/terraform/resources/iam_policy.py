"""``aws_iam_policy``: id = ARN; a changed document becomes a new default policy version."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, sorted_json, sync_tags, tag_list, tags, unique_id
from .base import ApplyContext, ResourceType, register


@register
class IamPolicy(ResourceType):
    type_name = "aws_iam_policy"
    force_new = frozenset({"name", "name_prefix", "path", "description"})
    computed = frozenset(
        {
            "arn",
            "attachment_count",
            "id",
            "name",
            "name_prefix",
            "policy",
            "policy_id",
            "tags",
            "tags_all",
        }
    )
    defaults = {"path": "/", "description": ""}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        name = args.get("name") or unique_id(args.get("name_prefix") or "terraform-")
        t, _ = tags(args)
        kwargs = {
            "PolicyName": name,
            "Path": args.get("path") or "/",
            "PolicyDocument": sorted_json(args["policy"]),
        }
        if args.get("description"):
            kwargs["Description"] = args["description"]
        if t:
            kwargs["Tags"] = tag_list(t)
        arn = ctx.client("iam").create_policy(**kwargs)["Policy"]["Arn"]
        return self.read(ctx, {**args, "id": arn})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        iam = ctx.client("iam")
        try:
            pol = iam.get_policy(PolicyArn=attrs["id"])["Policy"]
        except ClientError as exc:
            if not_found(exc, "NoSuchEntity"):
                return None
            raise
        version = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId=pol["DefaultVersionId"])[
            "PolicyVersion"
        ]
        t = attrs.get("tags")
        return {
            "arn": pol["Arn"],
            "attachment_count": pol.get("AttachmentCount", 0),
            "description": pol.get("Description", ""),
            "id": pol["Arn"],
            "name": pol["PolicyName"],
            "name_prefix": attrs.get("name_prefix") or "",
            "path": pol.get("Path", "/"),
            "policy": sorted_json(version["Document"]),
            "policy_id": pol["PolicyId"],
            "tags": t if t else None,
            "tags_all": {x["Key"]: x["Value"] for x in pol.get("Tags", [])},
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        iam = ctx.client("iam")
        arn = old["id"]
        if sorted_json(old["policy"]) != sorted_json(args["policy"]):
            # IAM keeps at most five versions: drop the oldest non-default one first.
            versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            if len(versions) >= 5:
                oldest = min(
                    (v for v in versions if not v["IsDefaultVersion"]),
                    key=lambda v: v["CreateDate"],
                )
                iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
            iam.create_policy_version(
                PolicyArn=arn, PolicyDocument=sorted_json(args["policy"]), SetAsDefault=True
            )
        sync_tags(
            old,
            args,
            untag=lambda keys: iam.untag_policy(PolicyArn=arn, TagKeys=keys),
            tag=lambda new: iam.tag_policy(PolicyArn=arn, Tags=tag_list(new)),
        )
        return self.read(ctx, {**args, "id": arn})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        iam = ctx.client("iam")
        arn = attrs["id"]
        with missing_ok("NoSuchEntity"):
            for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
                if not v["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
            iam.delete_policy(PolicyArn=arn)
