"""``aws_s3_bucket_notification``: id = bucket; the whole configuration is replaced at once.

The lab validates Lambda destinations as S3 does (the function must grant S3 invoke
permission), which is why configurations put ``depends_on`` on the ``aws_lambda_permission``.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import blocks, error_code, unique_id
from .base import ApplyContext, ResourceType, register

#: block name → (API list, ARN key in the block, ARN key in the API, id prefix)
_KINDS = {
    "lambda_function": (
        "LambdaFunctionConfigurations",
        "lambda_function_arn",
        "LambdaFunctionArn",
        "tf-s3-lambda-",
    ),
    "queue": ("QueueConfigurations", "queue_arn", "QueueArn", "tf-s3-queue-"),
    "topic": ("TopicConfigurations", "topic_arn", "TopicArn", "tf-s3-topic-"),
}


@register
class S3BucketNotification(ResourceType):
    type_name = "aws_s3_bucket_notification"
    force_new = frozenset({"bucket"})
    computed = frozenset(
        {
            "bucket",
            "id",
            "lambda_function",
            "queue",
            "topic",
        }
    )
    defaults = {"eventbridge": False}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        return self._put(ctx, args, {})

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return self._put(ctx, args, old)

    def _put(self, ctx: ApplyContext, args: dict, old: dict) -> dict:
        config: dict = {}
        state: dict = {}
        for kind, (api_list, arn_key, api_arn, prefix) in _KINDS.items():
            old_ids = [b.get("id") for b in old.get(kind) or []]
            items, rows = [], []
            for i, b in enumerate(blocks(args, kind)):
                # Keep generated ids across updates so the plan stays quiet.
                cid = b.get("id") or (old_ids[i] if i < len(old_ids) else None)
                cid = cid or unique_id(prefix)
                item = {"Id": cid, api_arn: b[arn_key], "Events": list(b["events"])}
                rules = [
                    {"Name": name, "Value": b[f"filter_{name}"]}
                    for name in ("prefix", "suffix")
                    if b.get(f"filter_{name}")
                ]
                if rules:
                    item["Filter"] = {"Key": {"FilterRules": rules}}
                items.append(item)
                rows.append(
                    {
                        "events": list(b["events"]),
                        "filter_prefix": b.get("filter_prefix") or "",
                        "filter_suffix": b.get("filter_suffix") or "",
                        "id": cid,
                        arn_key: b[arn_key],
                    }
                )
            if items:
                config[api_list] = items
            state[kind] = rows
        if args.get("eventbridge"):
            config["EventBridgeConfiguration"] = {}
        ctx.client("s3").put_bucket_notification_configuration(
            Bucket=args["bucket"], NotificationConfiguration=config
        )
        return {
            "bucket": args["bucket"],
            "eventbridge": bool(args.get("eventbridge", False)),
            "id": args["bucket"],
            **state,
        }

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        s3 = ctx.client("s3")
        try:
            conf = s3.get_bucket_notification_configuration(Bucket=attrs["id"])
        except ClientError:
            return None
        out = {
            "bucket": attrs["id"],
            "eventbridge": "EventBridgeConfiguration" in conf,
            "id": attrs["id"],
        }
        for kind, (api_list, arn_key, api_arn, _) in _KINDS.items():
            rows = []
            for item in conf.get(api_list, []):
                rules = {
                    r["Name"].lower(): r["Value"]
                    for r in item.get("Filter", {}).get("Key", {}).get("FilterRules", [])
                }
                rows.append(
                    {
                        "events": list(item["Events"]),
                        "filter_prefix": rules.get("prefix", ""),
                        "filter_suffix": rules.get("suffix", ""),
                        "id": item.get("Id", ""),
                        arn_key: item[api_arn],
                    }
                )
            out[kind] = rows
        return out

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        try:
            ctx.client("s3").put_bucket_notification_configuration(
                Bucket=attrs["id"], NotificationConfiguration={}
            )
        except ClientError as exc:
            if error_code(exc) != "NoSuchBucket":
                raise
