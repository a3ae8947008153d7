"""Run by test_environment.py in a process whose environment is hostile (every variable that
could steer an AWS tool away points at a decoy): the learner's usual steps, then a JSON report.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3

import lambdalab
from tests.lab_helpers import make_function, make_role

HANDLER = """
import boto3, os
def lambda_handler(event, context):
    s3 = boto3.client("s3")
    s3.copy_object(Bucket="hostile-bucket", Key="copied.txt",
                   CopySource={"Bucket": "hostile-bucket", "Key": "sample.txt"})
    leaked = sorted(k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_"))
    return {"copied": True, "leaked": leaked}
"""

TERRAFORM = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
provider "aws" {
  region = "ap-northeast-1"
}
resource "aws_s3_bucket" "b" {
  bucket = "hostile-tf-bucket"
}
"""


def main() -> None:
    report = {}
    lab = lambdalab.start()
    s3 = boto3.client("s3")  # no endpoint given: only the environment decides
    s3.create_bucket(
        Bucket="hostile-bucket", CreateBucketConfiguration={"LocationConstraint": lab.region}
    )
    s3.put_object(Bucket="hostile-bucket", Key="sample.txt", Body=b"Sample content")
    report["identity"] = boto3.client("sts").get_caller_identity()["Arn"]
    decoy = os.environ["HOSTILE_DECOY"]
    make_function(
        lab,
        "hostile-fn",
        HANDLER,
        role_arn=make_role(
            lab, "hostile-fn-role", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
        ),
        Timeout=60,
        Environment={"Variables": {"AWS_ENDPOINT_URL_S3": decoy, "AWS_CA_BUNDLE": "/nope"}},
    )
    result = json.loads(boto3.client("lambda").invoke(FunctionName="hostile-fn")["Payload"].read())
    report["handler"] = result
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="hostile-bucket")["Contents"]]
    report["keys"] = sorted(keys)
    aws = str(Path(sys.executable).parent / "aws")
    listing = subprocess.run(
        [aws, "s3", "ls", "s3://hostile-bucket/"], capture_output=True, text=True
    )
    report["cli"] = {"rc": listing.returncode, "out": listing.stdout, "err": listing.stderr[-500:]}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "main.tf").write_text(TERRAFORM)
        from lambdalab.terraform import real

        ok, reason = real.usable(Path(tmp))
        report["terraform_usable"] = reason if not ok else True
        if ok:
            assert (
                lab.terraform("init", "-input=false", "-no-color", chdir=tmp, engine="terraform")
                == 0
            )
            rc = lab.terraform("apply", "-auto-approve", "-no-color", chdir=tmp, engine="terraform")
            buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
            report["terraform"] = {"rc": rc, "created": "hostile-tf-bucket" in buckets}
    lab.stop()
    print("REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
