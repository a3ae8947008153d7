"""``aws_cloudwatch_log_group``: id = name; the ARN is stored without the API's trailing ``:*``.

Declaring ``/aws/lambda/<function>`` lets terraform own (and destroy) the function's logs and
set their retention, instead of Lambda creating the group on first run.
"""

from __future__ import annotations

from ._common import tags, unique_id
from .base import ApplyContext, ResourceType, register


@register
class CloudWatchLogGroup(ResourceType):
    type_name = "aws_cloudwatch_log_group"
    force_new = frozenset({"name", "name_prefix", "log_group_class"})
    computed = frozenset(
        {
            "arn",
            "id",
            "kms_key_id",
            "log_group_class",
            "name",
            "name_prefix",
            "tags",
            "tags_all",
        }
    )
    defaults = {"retention_in_days": 0, "skip_destroy": False}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        logs = ctx.client("logs")
        name = args.get("name") or unique_id(args.get("name_prefix") or "terraform-")
        kwargs = {"logGroupName": name}
        t, _ = tags(args)
        if t:
            kwargs["tags"] = dict(t)
        if args.get("kms_key_id"):
            kwargs["kmsKeyId"] = args["kms_key_id"]
        logs.create_log_group(**kwargs)
        if args.get("retention_in_days"):
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=int(args["retention_in_days"])
            )
        return self.read(ctx, {**args, "id": name})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        name = attrs["id"]
        groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        group = next((g for g in groups if g["logGroupName"] == name), None)
        if group is None:
            return None
        t = attrs.get("tags")
        return {
            "arn": group["arn"].removesuffix(":*"),
            "id": name,
            "kms_key_id": group.get("kmsKeyId", ""),
            "log_group_class": attrs.get("log_group_class") or "",
            "name": name,
            "name_prefix": attrs.get("name_prefix") or "",
            "retention_in_days": group.get("retentionInDays", 0),
            "skip_destroy": bool(attrs.get("skip_destroy", False)),
            "tags": t if t else None,
            "tags_all": dict(t or {}),
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        logs = ctx.client("logs")
        name = old["id"]
        days = int(args.get("retention_in_days") or 0)
        if days != old.get("retention_in_days", 0):
            if days:
                logs.put_retention_policy(logGroupName=name, retentionInDays=days)
            else:
                logs.delete_retention_policy(logGroupName=name)
        return self.read(ctx, {**args, "id": name})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        if attrs.get("skip_destroy"):
            return
        logs = ctx.client("logs")
        try:
            logs.delete_log_group(logGroupName=attrs["id"])
        except logs.exceptions.ResourceNotFoundException:
            pass
