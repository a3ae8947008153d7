"""``aws_sns_topic_subscription``: id = subscription ARN."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found
from .base import ApplyContext, ResourceType, register

#: argument → subscription attribute (text values; booleans as "true"/"false")
_ATTRS = {
    "delivery_policy": "DeliveryPolicy",
    "filter_policy": "FilterPolicy",
    "filter_policy_scope": "FilterPolicyScope",
    "raw_message_delivery": "RawMessageDelivery",
    "redrive_policy": "RedrivePolicy",
    "replay_policy": "ReplayPolicy",
    "subscription_role_arn": "SubscriptionRoleArn",
}


@register
class SnsTopicSubscription(ResourceType):
    type_name = "aws_sns_topic_subscription"
    force_new = frozenset({"topic_arn", "protocol", "endpoint"})
    computed = frozenset(
        {
            "arn",
            "confirmation_timeout_in_minutes",
            "confirmation_was_authenticated",
            "delivery_policy",
            "endpoint",
            "filter_policy",
            "filter_policy_scope",
            "id",
            "owner_id",
            "pending_confirmation",
            "protocol",
            "redrive_policy",
            "replay_policy",
            "subscription_role_arn",
            "topic_arn",
        }
    )
    defaults = {"raw_message_delivery": False, "endpoint_auto_confirms": False}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        attributes = {api: _text(args[k]) for k, api in _ATTRS.items() if args.get(k)}
        arn = ctx.client("sns").subscribe(
            TopicArn=args["topic_arn"],
            Protocol=args["protocol"],
            Endpoint=args["endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return self.read(ctx, {**args, "id": arn})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        try:
            a = ctx.client("sns").get_subscription_attributes(SubscriptionArn=attrs["id"])[
                "Attributes"
            ]
        except ClientError as exc:
            if not_found(exc, "NotFound"):
                return None
            raise
        out = {k: a.get(api, "") for k, api in _ATTRS.items()}
        out["raw_message_delivery"] = a.get("RawMessageDelivery") == "true"
        out.update(
            {
                "arn": attrs["id"],
                "confirmation_timeout_in_minutes": int(
                    attrs.get("confirmation_timeout_in_minutes") or 1
                ),
                "confirmation_was_authenticated": a.get("ConfirmationWasAuthenticated", "true")
                == "true",
                "endpoint": a.get("Endpoint", attrs.get("endpoint")),
                "endpoint_auto_confirms": bool(attrs.get("endpoint_auto_confirms", False)),
                "id": attrs["id"],
                "owner_id": a.get("Owner", ctx.account_id),
                "pending_confirmation": a.get("PendingConfirmation") == "true",
                "protocol": a.get("Protocol", attrs.get("protocol")),
                "topic_arn": a.get("TopicArn", attrs.get("topic_arn")),
            }
        )
        return dict(sorted(out.items()))

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        sns = ctx.client("sns")
        for key, api in _ATTRS.items():
            new = _text(args.get(key)) if args.get(key) is not None else ""
            before = _text(old.get(key)) if old.get(key) is not None else ""
            if new != before:
                sns.set_subscription_attributes(
                    SubscriptionArn=old["id"], AttributeName=api, AttributeValue=new
                )
        return self.read(ctx, {**args, "id": old["id"]})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        with missing_ok("NotFound"):
            ctx.client("sns").unsubscribe(SubscriptionArn=attrs["id"])


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
