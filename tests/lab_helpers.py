"""Helpers for tests that build functions in the lab (roles, zips, create_function)."""

from __future__ import annotations

import io
import json
import socket
import textwrap
import zipfile

from lambdalab import course

TRUST_LAMBDA = json.dumps(course.LAMBDA_TRUST_POLICY)


def zip_source(source: str, filename: str = "lambda_function.py") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(filename, textwrap.dedent(source))
    return buf.getvalue()


def make_role(lab, name: str = "fn-role", statements: list | None = None) -> str:
    """A role Lambda can assume, with basic logging and ``statements`` inline."""
    return course.ensure_role(name, statements or (), iam=lab.client("iam"))


# The SDK's waiters poll every second; the lab's functions are ready after
# functions.READY_SECONDS of its clock, so the tests poll faster (same waiters, same acceptors).
POLL = {"Delay": 0.05, "MaxAttempts": 1200}


def make_function(lab, name: str, source: str, *, role_arn: str | None = None, **kwargs) -> dict:
    """CreateFunction, then wait until the function is Active (as code must on AWS); returns
    the CreateFunction response (State Pending)."""
    role_arn = role_arn or make_role(lab, f"{name}-role")
    lam = lab.client("lambda")
    created = lam.create_function(
        FunctionName=name,
        Runtime=kwargs.pop("Runtime", "python3.12"),
        Role=role_arn,
        Handler=kwargs.pop("Handler", "lambda_function.lambda_handler"),
        Code={"ZipFile": zip_source(source)},
        **kwargs,
    )
    wait_active(lam, name)
    return created


def wait_active(lam, name: str) -> None:
    """function_active_v2: the function (or ``name:version``) may be invoked."""
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=POLL)


def wait_updated(lam, name: str) -> None:
    """function_updated_v2: the last update is done; the function may be changed again."""
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=POLL)


def update_configuration(lam, name: str, **changes) -> dict:
    """UpdateFunctionConfiguration, then wait until it is done; returns its response."""
    response = lam.update_function_configuration(FunctionName=name, **changes)
    wait_updated(lam, name)
    return response


def update_code(lam, name: str, **code) -> dict:
    """UpdateFunctionCode, then wait until it is done; returns its response."""
    response = lam.update_function_code(FunctionName=name, **code)
    wait_updated(lam, name)
    return response


def make_queue(sqs, name: str) -> tuple[str, str]:
    """Create an SQS queue with ``sqs`` (a lab or moto client); returns (url, arn)."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def make_bucket(lab, name: str) -> None:
    lab.client("s3").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": lab.region}
    )


# One bucket under the article's exact provider pin (hashicorp/aws 5.0.0): not in this machine's
# mirror, so `lambdalab tf` applies it with the built-in engine, quickly and offline.
ARTICLE_PIN = """
terraform {
  required_version = ">= 1.0.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.0.0" }
  }
}
provider "aws" { region = "ap-northeast-1" }
resource "aws_s3_bucket" "b" { bucket = "hands-on-bucket-2024" }
output "bucket_name" { value = aws_s3_bucket.b.bucket }
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_alive(pid: int) -> bool:
    """Is ``pid`` a live process? A zombie (dead, not yet reaped) is not (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def still_running(pids, bound: float = 10.0) -> list[int]:
    """The ``pids`` still alive after waiting up to ``bound`` seconds for all to end."""
    import time

    deadline = time.monotonic() + bound
    while True:
        alive = [pid for pid in pids if process_alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)
