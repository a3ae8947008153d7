"""SNS → Lambda subscriptions: the function is invoked asynchronously, with SNS's record.

moto would run the subscribed function in Docker, synchronously, inside ``Publish``. The
envelope moto sends to an SQS subscriber names a made-up subscription in us-east-1 in its
``UnsubscribeURL``; here it names the real subscription [AWS_BEHAVIOUR: sns-envelope].
"""

from __future__ import annotations

import functools
from typing import Any

from lambdalab.moto import adapter


def hooks() -> list[tuple[Any, str]]:
    from moto.sns import models as snsm

    return [(snsm.Subscription, "publish"), (snsm.Subscription, "get_post_data")]


def install() -> None:
    from moto.sns import models as snsm

    snsm.Subscription.publish = wrap_publish(snsm.Subscription.publish)
    snsm.Subscription.get_post_data = wrap_post_data(snsm.Subscription.get_post_data)


def wrap_post_data(original: Any) -> Any:
    """The SQS/HTTP envelope with the subscription's own unsubscribe URL (recorded:
    LocalStack's test_s3_notifications_sns.snapshot.json, ``test_object_created_put``:
    ``https://sns.<region>.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=<its ARN>``)."""

    @functools.wraps(original)
    def get_post_data(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        data = original(self, *args, **kwargs)
        region = self.arn.split(":")[3]
        data["UnsubscribeURL"] = (
            f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={self.arn}"
        )
        return data

    return get_post_data


def wrap_publish(original: Any) -> Any:
    @functools.wraps(original)
    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        dataplane = adapter.dataplane()
        if self.protocol != "lambda" or dataplane is None:
            return original(self, message, message_id, *args, **kwargs)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            kwargs.get("message_attributes"), message
        ):
            return None
        if kwargs.get("message_structure") == "json":  # the "lambda" (or "default") member
            message = self._parse_message_structure(message, self.protocol)
        dataplane.sns_event(
            self,
            message,
            message_id,
            subject=kwargs.get("subject"),
            attributes=kwargs.get("message_attributes") or {},
        )
        return None

    return publish
