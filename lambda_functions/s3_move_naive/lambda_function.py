"""The hands-on article's handler, indentation restored, behaviour kept (notebook 07).

Kept on purpose with two mistakes the course then fixes:

* it reads only ``Records[0]`` (a batch with more records would lose the rest);
* it has no guard for keys already under ``processed/``, so with a notification that fires on
  every ObjectCreated event it triggers itself and tries to copy ``processed/x`` onto itself.

The corrected handler is ``lambda_functions/s3_move/lambda_function.py``.
"""

import urllib.parse

import boto3

s3 = boto3.client("s3")
TARGET_PREFIX = "processed/"


def lambda_handler(event, context):
    record = event["Records"][0]  # mistake 1: the other records are ignored
    bucket = record["s3"]["bucket"]["name"]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    target = TARGET_PREFIX + key.split("/")[-1]  # mistake 2: no check for processed/ keys
    try:
        s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
        print(f"Copied {key} to {target}")
        s3.delete_object(Bucket=bucket, Key=key)
        print(f"Deleted original object {key}")
    except Exception as error:
        print(f"Error processing object {key} from bucket {bucket}.")
        print(error)
        raise
