"""``aws_sns_topic``: id = ARN."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from ._common import not_found, sorted_json, tag_list, tags, unique_id
from .base import ApplyContext, ResourceType, register

#: argument → SNS attribute; sent when set, read back into state.
_TEXT = {
    "display_name": "DisplayName",
    "policy": "Policy",
    "delivery_policy": "DeliveryPolicy",
    "kms_master_key_id": "KmsMasterKeyId",
    "tracing_config": "TracingConfig",
    "archive_policy": "ArchivePolicy",
}
_PROTOCOLS = ("application", "firehose", "http", "lambda", "sqs")  # with delivery feedback
_FEEDBACK = [
    f"{proto}_{kind}"
    for proto in _PROTOCOLS
    for kind in ("failure_feedback_role_arn", "success_feedback_role_arn")
]


@register
class SnsTopic(ResourceType):
    type_name = "aws_sns_topic"
    force_new = frozenset({"name", "name_prefix", "fifo_topic"})
    computed = frozenset(
        {
            "application_failure_feedback_role_arn",
            "application_success_feedback_role_arn",
            "application_success_feedback_sample_rate",
            "archive_policy",
            "arn",
            "beginning_archive_time",
            "content_based_deduplication",
            "delivery_policy",
            "display_name",
            "fifo_throughput_scope",
            "firehose_failure_feedback_role_arn",
            "firehose_success_feedback_role_arn",
            "firehose_success_feedback_sample_rate",
            "http_failure_feedback_role_arn",
            "http_success_feedback_role_arn",
            "http_success_feedback_sample_rate",
            "id",
            "kms_master_key_id",
            "lambda_failure_feedback_role_arn",
            "lambda_success_feedback_role_arn",
            "lambda_success_feedback_sample_rate",
            "name",
            "name_prefix",
            "owner",
            "policy",
            "signature_version",
            "sqs_failure_feedback_role_arn",
            "sqs_success_feedback_role_arn",
            "sqs_success_feedback_sample_rate",
            "tags",
            "tags_all",
            "tracing_config",
        }
    )
    defaults = {"fifo_topic": False}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        fifo = bool(args.get("fifo_topic"))
        name = args.get("name") or unique_id(args.get("name_prefix") or "terraform-")
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {api: _text(args[k]) for k, api in _TEXT.items() if args.get(k)}
        if fifo:
            attributes["FifoTopic"] = "true"
            if args.get("content_based_deduplication"):
                attributes["ContentBasedDeduplication"] = "true"
        kwargs = {"Name": name, "Attributes": attributes}
        t, _ = tags(args)
        if t:
            kwargs["Tags"] = tag_list(t)
        arn = ctx.client("sns").create_topic(**kwargs)["TopicArn"]
        return self.read(ctx, {**args, "id": arn})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        sns = ctx.client("sns")
        arn = attrs["id"]
        try:
            a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            t = sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
        except ClientError as exc:
            if not_found(exc, "NotFound"):
                return None
            raise
        out = {k: a.get(api, "") for k, api in _TEXT.items()}
        if out["policy"]:
            out["policy"] = sorted_json(out["policy"])
        out.update({k: "" for k in _FEEDBACK})
        out.update({f"{p}_success_feedback_sample_rate": 0 for p in _PROTOCOLS})
        configured_tags = attrs.get("tags")
        out.update(
            {
                "arn": arn,
                "beginning_archive_time": "",
                "content_based_deduplication": a.get("ContentBasedDeduplication") == "true",
                "fifo_throughput_scope": "",
                "fifo_topic": a.get("FifoTopic") == "true",
                "id": arn,
                "name": arn.rsplit(":", 1)[1],
                "name_prefix": attrs.get("name_prefix") or "",
                "owner": a.get("Owner", ctx.account_id),
                "signature_version": int(a.get("SignatureVersion") or 0),
                "tags": configured_tags if configured_tags else None,
                "tags_all": {x["Key"]: x["Value"] for x in t},
            }
        )
        return dict(sorted(out.items()))

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        sns = ctx.client("sns")
        arn = old["id"]
        for key, api in _TEXT.items():
            new = _text(args.get(key)) if args.get(key) else ""
            if new != (old.get(key) or "") and not (key == "policy" and not new):
                sns.set_topic_attributes(TopicArn=arn, AttributeName=api, AttributeValue=new)
        return self.read(ctx, {**args, "id": arn})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        ctx.client("sns").delete_topic(TopicArn=attrs["id"])


def _text(value) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)
