"""S3 notifications and key rules [AWS_BEHAVIOUR: s3-notifications].

Events go to the data plane (Lambda targets through the async path, with AWS's full record);
``PutBucketNotificationConfiguration`` is checked as S3 checks it (:mod:`lambdalab.s3events`
for the document, the data plane for the destinations); keys longer than S3 allows are refused.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from dataclasses import dataclass
from typing import Any

from lambdalab import limits, s3events, wire
from lambdalab.awserror import AwsError
from lambdalab.moto import adapter


def hooks() -> list[tuple[Any, str]]:
    from moto.s3 import models as s3m
    from moto.s3 import notifications as s3n
    from moto.s3 import responses as s3r

    return [
        (s3n, "send_event"),
        (s3n, "_send_sqs_message"),
        (s3n, "_send_sns_message"),
        (s3m.S3Backend, "put_bucket_notification_configuration"),
        (s3m.S3Backend, "put_object"),
        (s3m.S3Backend, "copy_object"),
        (s3m.S3Backend, "create_multipart_upload"),
        (s3r.S3Response, "_notification_config_from_body"),
        (s3r.S3Response, "put_object_tagging"),
        (s3m.S3Backend, "complete_multipart_upload"),
        (s3m.S3Backend, "delete_objects"),
    ]


def install() -> None:
    from moto.s3 import models as s3m
    from moto.s3 import notifications as s3n
    from moto.s3 import responses as s3r

    s3n.send_event = wrap_send_event(s3n.send_event)
    s3n._send_sqs_message = send_sqs_message_with_trace
    s3n._send_sns_message = send_sns_message_with_subject
    s3r.S3Response.put_object_tagging = serving(
        "PutObjectTagging", s3r.S3Response.put_object_tagging
    )
    s3m.S3Backend.complete_multipart_upload = serving(
        "CompleteMultipartUpload", s3m.S3Backend.complete_multipart_upload
    )
    s3m.S3Backend.delete_objects = wrap_delete_objects(s3m.S3Backend.delete_objects)
    s3r.S3Response._notification_config_from_body = wrap_notification_parser(
        s3r.S3Response._notification_config_from_body
    )
    s3m.S3Backend.put_object = key_length_checked(s3m.S3Backend.put_object, "key_name")
    s3m.S3Backend.copy_object = key_length_checked(s3m.S3Backend.copy_object, "dest_key_name")
    s3m.S3Backend.create_multipart_upload = key_length_checked(
        s3m.S3Backend.create_multipart_upload, "key_name"
    )
    s3m.S3Backend.put_bucket_notification_configuration = wrap_put_notification(
        s3m.S3Backend.put_bucket_notification_configuration
    )


_serving = threading.local()  # the S3 call this thread serves, where moto's events depend on it


def wrap_send_event(original: Any) -> Any:
    """Events go to the data plane, except those moto sends and S3 does not
    (:func:`lambdalab.s3events.moto_sends_extra`): ``ObjectTagging:Put`` for every stored
    object, ``ObjectCreated:Put`` before ``CompleteMultipartUpload``.
    [AWS_BEHAVIOUR: s3-event-types]"""

    @functools.wraps(original)
    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if bucket.notification_configuration is None:
            return None
        dataplane = adapter.dataplane()
        if dataplane is None:
            return original(account_id, event_name, bucket, key)
        name = str(getattr(event_name, "value", event_name))
        if s3events.moto_sends_extra(name, getattr(_serving, "call", None)):
            return None
        dataplane.s3_event(account_id, name, bucket, key)

    return send_event


def serving(call: str, original: Any) -> Any:
    """Mark the thread while it serves ``call`` (see :func:`wrap_send_event`)."""

    @functools.wraps(original)
    def marked(*args: Any, **kwargs: Any) -> Any:
        outer = getattr(_serving, "call", None)
        _serving.call = call
        try:
            return original(*args, **kwargs)
        finally:
            _serving.call = outer

    return marked


@dataclass(frozen=True)
class MissingKey:
    """A key DeleteObjects named that did not exist: its record has the key only."""

    name: str
    size: int = 0
    etag: str = ""
    version_id: str | None = None


def wrap_delete_objects(original: Any) -> Any:
    """S3 notifies ``ObjectRemoved:Delete`` for every key of a DeleteObjects request, also for
    keys that did not exist (recorded: LocalStack's test_s3_notifications_sqs.snapshot.json,
    ``test_delete_objects``); moto only for the keys it had [AWS_BEHAVIOUR: s3-event-types]."""

    @functools.wraps(original)
    def delete_objects(
        self: Any, bucket_name: str, objects: list[dict[str, Any]], *a: Any, **k: Any
    ) -> Any:
        from moto.s3 import notifications as s3n

        bucket = self.get_bucket(bucket_name)
        absent = [
            o["Key"] for o in objects if not bucket.is_versioned and o.get("Key") not in bucket.keys
        ]
        result = original(self, bucket_name, objects, *a, **k)
        if adapter.dataplane() is not None:
            for key_name in absent:
                s3n.send_event(
                    self.account_id,
                    s3n.S3NotificationEvent.OBJECT_REMOVED_DELETE_EVENT,
                    bucket,
                    MissingKey(key_name),
                )
        return result

    return delete_objects


S3_SUBJECT = "Amazon S3 Notification"


def send_sns_message_with_subject(
    account_id: str, event_body: Any, topic_arn: str, region_name: str
) -> None:
    """moto's S3 → SNS delivery, with the subject S3 gives its messages (recorded:
    test_s3_notifications_sns.snapshot.json, ``test_object_created_put``)
    [AWS_BEHAVIOUR: sns-envelope]. Like moto's, a missing topic is not the caller's error."""
    import json

    from moto.sns.models import sns_backends

    try:
        sns_backends[account_id][region_name].publish(
            arn=topic_arn, message=json.dumps(event_body), subject=S3_SUBJECT
        )
    except Exception:  # noqa: BLE001 - asynchronous on AWS: the upload still succeeds
        logging.getLogger("lambdalab").info("S3 notification to %s not sent", topic_arn)


def send_sqs_message_with_trace(
    account_id: str, event_body: Any, queue_name: str, region_name: str
) -> None:
    """moto's S3 → SQS delivery, with the caller's X-Ray header as the message's
    ``AWSTraceHeader`` (recorded: test_s3_notifications_sqs.snapshot.json, ``test_xray_header``)
    [AWS_BEHAVIOUR: s3-trace-header]. Like moto's, a missing queue is not the caller's error."""
    import json

    from moto.sqs.models import sqs_backends

    from lambdalab.server import current_request_headers

    trace = current_request_headers().get("X-Amzn-Trace-Id")
    system = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}} if trace else None
    try:
        sqs_backends[account_id][region_name].send_message(
            queue_name=queue_name, message_body=json.dumps(event_body), system_attributes=system
        )
    except Exception:  # noqa: BLE001 - asynchronous on AWS: the upload still succeeds
        logging.getLogger("lambdalab").info("S3 notification to %s not sent", queue_name)


def wrap_put_notification(original: Any) -> Any:
    @functools.wraps(original)
    def put_bucket_notification_configuration(
        self: Any, bucket_name: str, notification_config: dict[str, Any]
    ) -> None:
        from lambdalab.server import current_request_headers

        skip = current_request_headers().get("X-Amz-Skip-Destination-Validation", "") == "true"
        dataplane = adapter.dataplane()
        if dataplane is not None:
            bucket = self.get_bucket(bucket_name)
            try:
                dataplane.validate_notification(bucket, notification_config, skip_destinations=skip)
            except AwsError as err:
                adapter.to_s3_response(err)
        return original(self, bucket_name, notification_config)

    return put_bucket_notification_configuration


def key_length_checked(original: Any, key_argument: str) -> Any:
    """S3 refuses keys longer than 1,024 bytes (``KeyTooLongError``); moto stores them."""
    position = list(inspect.signature(original).parameters).index(key_argument)

    @functools.wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        key = kwargs.get(key_argument, args[position] if len(args) > position else "")
        if not limits.s3_key_fits(str(key)):
            adapter.refuse(wire.Service("s3", "s3"), "key_too_long", "PUT")
        return original(*args, **kwargs)

    return checked


def wrap_notification_parser(original: Any) -> Any:
    """S3's own checks of a notification document, then the configuration as S3 stores it
    (:func:`lambdalab.s3events.stored_configuration`). moto's parser answers an unparsable
    ARN with other words, a filter rule named ``middle`` with a 500, and refuses what S3
    accepts: rule names in any case (``Suffix``, ``PREFIX``) and an empty value. Without a
    lab, moto parses as moto does once the document passed the checks.
    [AWS_BEHAVIOUR: s3-filter-rules, s3-arn-unparsable]"""
    import xmltodict

    @functools.wraps(original)
    def parse(self: Any) -> Any:
        try:
            document = xmltodict.parse(self.body)
        except Exception:  # noqa: BLE001 - moto answers MalformedXML
            return original(self)
        try:
            s3events.check_notification_document(document or {})
        except AwsError as err:
            adapter.to_s3_response(err)
        if adapter.dataplane() is None:
            return original(self)
        return s3events.stored_configuration(document or {})

    return parse
