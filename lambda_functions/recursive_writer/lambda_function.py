"""A deliberately recursive function (notebook 07): every run writes a NEW object under the
prefix that triggers it, so S3 -> Lambda -> S3 -> Lambda … would never end on its own.

AWS Lambda's recursive loop detection stops the chain after about 16 invocations; this is what
the notebook shows. Never deploy this with the recursion config set to ``Allow``.
"""

import urllib.parse

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])  # e.g. loop/step-3.txt
        step = int(key.rsplit("-", 1)[-1].removesuffix(".txt"))
        next_key = f"loop/step-{step + 1}.txt"
        s3.put_object(Bucket=bucket, Key=next_key, Body=f"step {step + 1}\n".encode())
        print(f"step {step}: wrote {next_key}")
