"""PutBucketNotificationConfiguration validation, replaying AWS's recorded answers
(LocalStack's tests/aws/services/s3/test_s3_notifications_{sqs,lambda,sns}.snapshot.json:
``invalid_not_skip``, ``invalid_skip``, ``queue-does-not-exist``,
``multiple-queues-do-not-exist``, ``lambda-does-not-exist``), with our own names."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.lab_helpers import make_bucket, make_queue


def put(lab, configuration, skip=False):
    lab.client("s3").put_bucket_notification_configuration(
        Bucket="notify-bucket",
        NotificationConfiguration=configuration,
        SkipDestinationValidation=skip,
    )


def error_of(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]


@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize(
    "kind, member, key",
    [
        ("Queue", "QueueConfigurations", "QueueArn"),
        ("Topic", "TopicConfigurations", "TopicArn"),
        ("CloudFunction", "LambdaFunctionConfigurations", "LambdaFunctionArn"),
    ],
)
def test_an_arn_that_does_not_parse_is_refused_even_when_skipping(lab, skip, kind, member, key):
    make_bucket(lab, "notify-bucket")
    error = error_of(
        lambda: put(
            lab, {member: [{key: "invalid-target", "Events": ["s3:ObjectCreated:*"]}]}, skip
        )
    )
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "The ARN could not be parsed"
    assert error["ArgumentName"] == kind
    assert error["ArgumentValue"] == "invalid-target"


def test_queues_that_do_not_exist_are_each_named(lab):
    make_bucket(lab, "notify-bucket")
    arn = f"arn:aws:sqs:{lab.region}:{lab.account_id}:no-such-queue"
    arn2 = arn + "-2"
    error = error_of(
        lambda: put(
            lab,
            {
                "QueueConfigurations": [
                    {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]},
                    {"QueueArn": arn2, "Events": ["s3:ObjectRemoved:*"]},
                ]
            },
        )
    )
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert error["ArgumentName1"] == arn
    assert error["ArgumentValue1"] == "The destination queue does not exist"
    assert error["ArgumentName2"] == arn2
    assert error["ArgumentValue2"] == "The destination queue does not exist"
    # Skipping destination validation stores it as S3 does.
    put(lab, {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}, True)


def test_an_existing_queue_is_accepted(lab):
    make_bucket(lab, "notify-bucket")
    _, arn = make_queue(lab.client("sqs"), "real-queue")
    put(lab, {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    got = lab.client("s3").get_bucket_notification_configuration(Bucket="notify-bucket")
    assert got["QueueConfigurations"][0]["QueueArn"] == arn


def test_a_function_that_does_not_exist_is_not_authorized(lab):
    make_bucket(lab, "notify-bucket")
    arn = f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:no-such-function"
    error = error_of(
        lambda: put(
            lab,
            {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:*"]}]},
        )
    )
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert error["ArgumentName1"] == f"{arn}, null"
    assert error["ArgumentValue1"] == f"Not authorized to invoke function [{arn}]"


def test_a_filter_rule_named_middle_is_an_s3_error_not_a_500(lab):
    make_bucket(lab, "notify-bucket")
    _, arn = make_queue(lab.client("sqs"), "filter-queue")
    rules = {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}}
    error = error_of(
        lambda: put(
            lab,
            {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:*"], "Filter": rules}]},
        )
    )
    assert error["Code"] == "InvalidArgument"
