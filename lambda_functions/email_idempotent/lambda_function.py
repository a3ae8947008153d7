"""Idempotent (notebook 02): however often an event arrives, one e-mail per order.

Before sending, the handler claims the order with a conditional write: PutObject with
IfNoneMatch="*" succeeds only if done/<order_id> does not exist yet, atomically on S3.
A second delivery of the same event finds the marker (HTTP 412 PreconditionFailed) and stops.

The key is the order id (a business key carried in the event), not context.aws_request_id:
AWS does not document whether a duplicated event keeps its request id. For S3 events, use the
bucket, object key and eTag (or versionId / sequencer) as the key.

If sending fails after the claim, the marker is removed so that Lambda's retry can try again.
"""

import os
import uuid

import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")
BUCKET = os.environ["BUCKET"]


def send_email(order_id):
    s3.put_object(Bucket=BUCKET, Key=f"sent/{order_id}/{uuid.uuid4()}.txt", Body=b"Thank you!")


def lambda_handler(event, context):
    order_id = event["order_id"]
    marker = f"done/{order_id}"
    try:
        s3.put_object(Bucket=BUCKET, Key=marker, Body=b"", IfNoneMatch="*")
    except ClientError as error:
        if error.response["Error"]["Code"] == "PreconditionFailed":
            print(f"order {order_id}: already handled, duplicate ignored")
            return {"order_id": order_id, "duplicate": True}
        raise
    try:
        send_email(order_id)
    except Exception:
        s3.delete_object(Bucket=BUCKET, Key=marker)  # let the retry send it
        raise
    print(f"order {order_id}: e-mail sent")
    return {"order_id": order_id, "duplicate": False}
