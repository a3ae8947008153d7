"""``aws_sqs_queue_policy``: the queue's ``Policy`` attribute; id = queue URL."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, sorted_json
from .base import ApplyContext, ResourceType, register


@register
class SqsQueuePolicy(ResourceType):
    type_name = "aws_sqs_queue_policy"
    force_new = frozenset({"queue_url"})
    computed = frozenset(
        {
            "id",
            "policy",
            "queue_url",
        }
    )

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        ctx.client("sqs").set_queue_attributes(
            QueueUrl=args["queue_url"], Attributes={"Policy": sorted_json(args["policy"])}
        )
        return self.read(ctx, {"id": args["queue_url"], "queue_url": args["queue_url"]})

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return self.create(ctx, args)

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        try:
            a = (
                ctx.client("sqs")
                .get_queue_attributes(QueueUrl=attrs["id"], AttributeNames=["Policy"])
                .get("Attributes", {})
            )
        except ClientError as exc:
            if not_found(exc, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                return None
            raise
        if not a.get("Policy"):
            return None
        return {"id": attrs["id"], "policy": sorted_json(a["Policy"]), "queue_url": attrs["id"]}

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        with missing_ok("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            ctx.client("sqs").set_queue_attributes(QueueUrl=attrs["id"], Attributes={"Policy": ""})
