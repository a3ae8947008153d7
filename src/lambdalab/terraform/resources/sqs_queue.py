"""``aws_sqs_queue``: id = queue URL; every attribute is sent, as the provider does."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, sorted_json, sync_tags, tags, unique_id
from .base import ApplyContext, ResourceType, register

#: argument → (SQS attribute, default)
_ATTRS = {
    "delay_seconds": ("DelaySeconds", 0),
    "max_message_size": ("MaximumMessageSize", 262144),
    "message_retention_seconds": ("MessageRetentionPeriod", 345600),
    "receive_wait_time_seconds": ("ReceiveMessageWaitTimeSeconds", 0),
    "visibility_timeout_seconds": ("VisibilityTimeout", 30),
}
_TEXT = {
    "policy": "Policy",
    "redrive_policy": "RedrivePolicy",
    "redrive_allow_policy": "RedriveAllowPolicy",
    "kms_master_key_id": "KmsMasterKeyId",
}


@register
class SqsQueue(ResourceType):
    type_name = "aws_sqs_queue"
    force_new = frozenset({"name", "name_prefix", "fifo_queue"})
    computed = frozenset(
        {
            "arn",
            "content_based_deduplication",
            "deduplication_scope",
            "fifo_throughput_limit",
            "id",
            "kms_data_key_reuse_period_seconds",
            "kms_master_key_id",
            "name",
            "name_prefix",
            "policy",
            "redrive_allow_policy",
            "redrive_policy",
            "sqs_managed_sse_enabled",
            "tags",
            "tags_all",
            "timeouts",
            "url",
        }
    )
    defaults = {k: d for k, (_, d) in _ATTRS.items()} | {"fifo_queue": False}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        fifo = bool(args.get("fifo_queue"))
        name = args.get("name") or unique_id(args.get("name_prefix") or "terraform-")
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        kwargs = {"QueueName": name, "Attributes": self._attributes(args)}
        if fifo:
            kwargs["Attributes"]["FifoQueue"] = "true"
            if args.get("content_based_deduplication"):
                kwargs["Attributes"]["ContentBasedDeduplication"] = "true"
        t, _ = tags(args)
        if t:
            kwargs["tags"] = dict(t)
        url = ctx.client("sqs").create_queue(**kwargs)["QueueUrl"]
        return self.read(ctx, {**args, "id": url})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        sqs = ctx.client("sqs")
        url = attrs["id"]
        try:
            a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            t = sqs.list_queue_tags(QueueUrl=url).get("Tags") or {}
        except ClientError as exc:
            if not_found(exc, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                return None
            raise
        arn = a["QueueArn"]
        out = {k: int(a.get(api, d)) for k, (api, d) in _ATTRS.items()}
        out.update({k: a.get(api, "") for k, api in _TEXT.items()})
        if out["policy"]:
            out["policy"] = sorted_json(out["policy"])
        configured_tags = attrs.get("tags")
        out.update(
            {
                "arn": arn,
                "content_based_deduplication": a.get("ContentBasedDeduplication") == "true",
                "deduplication_scope": a.get("DeduplicationScope", ""),
                "fifo_queue": a.get("FifoQueue") == "true",
                "fifo_throughput_limit": a.get("FifoThroughputLimit", ""),
                "id": url,
                "kms_data_key_reuse_period_seconds": int(
                    a.get("KmsDataKeyReusePeriodSeconds", 300)
                ),
                "name": arn.rsplit(":", 1)[1],
                "name_prefix": attrs.get("name_prefix") or "",
                "sqs_managed_sse_enabled": a.get("SqsManagedSseEnabled", "false") == "true",
                "tags": configured_tags if configured_tags else None,
                "tags_all": dict(t),
                "timeouts": None,
                "url": url,
            }
        )
        return dict(sorted(out.items()))

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        sqs = ctx.client("sqs")
        url = old["id"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=self._attributes(args, update=True))
        sync_tags(
            old,
            args,
            untag=lambda keys: sqs.untag_queue(QueueUrl=url, TagKeys=keys),
            tag=lambda new: sqs.tag_queue(QueueUrl=url, Tags=new),
        )
        return self.read(ctx, {**args, "id": url})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        with missing_ok("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            ctx.client("sqs").delete_queue(QueueUrl=attrs["id"])

    @staticmethod
    def _attributes(args: dict, update: bool = False) -> dict:
        out = {}
        for key, (api, default) in _ATTRS.items():
            value = args.get(key)
            out[api] = str(int(default if value is None else value))
        for key, api in _TEXT.items():
            value = args.get(key)
            if value or update:
                if isinstance(value, dict):
                    value = json.dumps(value)
                out[api] = value or ""
        return out
