"""SQS, SNS and CloudWatch Logs handlers."""

from __future__ import annotations

import json

from tfres_helpers import handler


def test_queue_attributes_and_update(ctx):
    q = handler("aws_sqs_queue")
    a = q.create(ctx, {"name": "tf-q", "visibility_timeout_seconds": 60})
    assert a["id"] == a["url"] and a["url"].endswith("/123456789012/tf-q")
    assert a["arn"] == "arn:aws:sqs:ap-northeast-1:123456789012:tf-q"
    assert a["visibility_timeout_seconds"] == 60
    assert a["message_retention_seconds"] == 345600 and a["fifo_queue"] is False
    b = q.update(ctx, a, {"name": "tf-q", "message_retention_seconds": 60})
    assert b["message_retention_seconds"] == 60 and b["visibility_timeout_seconds"] == 30
    q.delete(ctx, b)
    assert q.read(ctx, b) is None


def test_fifo_queue_gets_suffix(ctx):
    a = handler("aws_sqs_queue").create(ctx, {"name": "tf-f", "fifo_queue": True})
    assert a["name"] == "tf-f.fifo" and a["fifo_queue"] is True


def test_queue_policy(ctx):
    q = handler("aws_sqs_queue").create(ctx, {"name": "tf-qp"})
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}],
    }
    qp = handler("aws_sqs_queue_policy")
    a = qp.create(ctx, {"queue_url": q["url"], "policy": json.dumps(doc)})
    assert a["id"] == q["url"] and json.loads(a["policy"]) == doc
    qp.delete(ctx, a)
    assert qp.read(ctx, a) is None


def test_topic_and_subscription(ctx):
    t = handler("aws_sns_topic").create(ctx, {"name": "tf-t"})
    assert t["id"] == t["arn"] == "arn:aws:sns:ap-northeast-1:123456789012:tf-t"
    assert t["owner"] == "123456789012"
    q = handler("aws_sqs_queue").create(ctx, {"name": "tf-sub"})
    sub = handler("aws_sns_topic_subscription")
    s = sub.create(
        ctx,
        {
            "topic_arn": t["arn"],
            "protocol": "sqs",
            "endpoint": q["arn"],
            "raw_message_delivery": True,
        },
    )
    assert s["id"].startswith(t["arn"] + ":") and s["raw_message_delivery"] is True
    assert s["endpoint"] == q["arn"] and s["protocol"] == "sqs"
    sub.delete(ctx, s)
    assert sub.read(ctx, s) is None
    handler("aws_sns_topic").delete(ctx, t)
    assert handler("aws_sns_topic").read(ctx, t) is None


def test_log_group_retention(ctx):
    lg = handler("aws_cloudwatch_log_group")
    a = lg.create(ctx, {"name": "/aws/lambda/x", "retention_in_days": 7})
    assert a["arn"] == "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/x"
    assert a["retention_in_days"] == 7
    b = lg.update(ctx, a, {"name": "/aws/lambda/x", "retention_in_days": 0})
    assert b["retention_in_days"] == 0
    lg.delete(ctx, b)
    assert lg.read(ctx, b) is None


def test_queue_tags_follow_the_configuration(ctx):
    q = handler("aws_sqs_queue")
    a = q.create(ctx, {"name": "tf-tags", "tags": {"keep": "1", "drop": "2"}})
    b = q.update(ctx, a, {"name": "tf-tags", "tags": {"keep": "changed", "add": "3"}})
    tags = ctx.client("sqs").list_queue_tags(QueueUrl=a["url"])["Tags"]
    assert tags == {"keep": "changed", "add": "3"} and b["tags_all"] == tags
    c = q.update(ctx, b, {"name": "tf-tags"})
    assert ctx.client("sqs").list_queue_tags(QueueUrl=a["url"]).get("Tags", {}) == {}
    q.delete(ctx, c)
