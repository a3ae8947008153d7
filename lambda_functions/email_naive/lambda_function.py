"""NOT idempotent (notebook 02): every delivery of an event "sends" one more e-mail.

Sending is simulated by writing one object per e-mail under sent/<order_id>/, so the notebook
can count e-mails. If Lambda delivers the same event twice (at-least-once delivery), the
customer gets two e-mails. Compare email_idempotent.
"""

import os
import uuid

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["BUCKET"]


def lambda_handler(event, context):
    order_id = event["order_id"]
    s3.put_object(Bucket=BUCKET, Key=f"sent/{order_id}/{uuid.uuid4()}.txt", Body=b"Thank you!")
    print(f"order {order_id}: e-mail sent")
    return {"order_id": order_id}
