"""Move each object uploaded to the bucket into processed/ (copy, then delete the original).

S3 calls this function asynchronously. One event may carry several records, so every record is
handled (the article read only Records[0]). An error is raised again so that Lambda retries the
event (twice by default) and then hands it to a dead-letter queue or destination if configured.
"""

import urllib.parse

import boto3

s3 = boto3.client("s3")

DESTINATION_PREFIX = "processed/"


def lambda_handler(event, context):
    moved = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        # Keys arrive URL-encoded ("my file.txt" -> "my+file.txt").
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        if key.startswith(DESTINATION_PREFIX):
            # Our own output: copying it onto itself would fail and be retried.
            print(f"Skipping {key}: already processed")
            continue
        destination = DESTINATION_PREFIX + key.split("/")[-1]
        try:
            s3.copy_object(
                CopySource={"Bucket": bucket, "Key": key}, Bucket=bucket, Key=destination
            )
            print(f"Copied {key} to {destination}")
            s3.delete_object(Bucket=bucket, Key=key)
            print(f"Deleted original object {key}")
        except Exception as e:
            print(f"Error processing object {key} from bucket {bucket}.")
            print(e)
            raise
        moved.append(destination)
    return {"moved": moved}
