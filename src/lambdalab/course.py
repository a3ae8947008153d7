"""Small helpers the notebooks share, so each cell shows the idea and not the plumbing.

Everything here is plain boto3 against whatever endpoint the environment points at (the lab,
or real AWS when a learner opts in), and prints facts rather than raw API responses.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3

from lambdalab import messages

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# boto3's Lambda waiters poll GetFunction every second for up to 5 minutes; the course polls
# every quarter second (same bound), so a notebook pays about half a second per create or
# update on the lab (functions.READY_SECONDS) and no more than needed on AWS.
WAIT = {"Delay": 0.25, "MaxAttempts": 1200}


def course_path(*parts: str, start: str | Path | None = None) -> Path:
    """A path in the course repository, e.g. ``course_path("lambda_functions", "flaky")``,
    relative to the notebook's folder (``start``, default the working directory).

    The English notebooks (notebooks/) and the Japanese ones (notebooks/ja/) run the same code
    from different depths, so the repository is found by walking up, not by a fixed ``..``.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "lambda_functions").is_dir() and (folder / "notebooks").is_dir():
            return Path(os.path.relpath(folder, here)).joinpath(*parts)
    raise FileNotFoundError(messages.text("course.outside", here=here))


def zip_code(source: str | Path, filename: str = "lambda_function.py") -> bytes:
    """Zip a folder (every file in it), a single .py file, or source text given as a string."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        path = Path(source) if not (isinstance(source, str) and "\n" in source) else None
        if path is not None and path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if "__pycache__" in file.parts:
                    continue
                zf.write(file, file.relative_to(path).as_posix())
        elif path is not None and path.is_file():
            zf.write(path, path.name)
        else:
            zf.writestr(filename, str(source))
    return buf.getvalue()


def ensure_role(name: str, statements: Iterable[dict[str, Any]] = (), *, iam: Any = None) -> str:
    """An execution role Lambda can assume, with basic logging and ``statements`` inline.

    Re-running replaces the inline policy, so a notebook cell can be run twice.
    """
    iam = iam or boto3.client("iam")
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
        )["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    statements = list(statements)
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName=f"{name}-inline",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    else:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
    return arn


def deploy_function(
    name: str,
    code: str | Path,
    *,
    role_statements: Iterable[dict[str, Any]] = (),
    handler: str = "lambda_function.lambda_handler",
    runtime: str = "python3.12",
    timeout: int = 3,
    memory_size: int = 128,
    environment: dict[str, str] | None = None,
    dead_letter_arn: str | None = None,
    client: Any = None,
    iam: Any = None,
) -> str:
    """Create the function, or update its code and configuration if it exists. Returns its ARN."""
    lam = client or boto3.client("lambda")
    role_arn = ensure_role(f"{name}-role", role_statements, iam=iam)
    config: dict[str, Any] = {
        "Role": role_arn,
        "Handler": handler,
        "Runtime": runtime,
        "Timeout": timeout,
        "MemorySize": memory_size,
        "Environment": {"Variables": environment or {}},
        "DeadLetterConfig": {"TargetArn": dead_letter_arn} if dead_letter_arn else {},
    }
    zipped = zip_code(code)
    try:
        current = lam.get_function(FunctionName=name)["Configuration"]
    except lam.exceptions.ResourceNotFoundException:
        arn = _create_when_role_is_usable(lam, name, zipped, config)
        # A new function is Pending for a moment (seconds on AWS): Invoke fails until Active.
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=WAIT)
        return arn
    # A function accepts one update at a time, and not while it is being created.
    if current.get("CodeSha256") != code_sha256(zipped):  # the same code needs no update
        wait_until_updated(name, client=lam)
        lam.update_function_code(FunctionName=name, ZipFile=zipped)
        wait_until_updated(name, client=lam)
    return update_function_configuration(name, client=lam, **config)["FunctionArn"]


def code_sha256(zipped: bytes) -> str:
    """Lambda's ``CodeSha256`` of a deployment package: base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(zipped).digest()).decode()


def wait_until_updated(name: str, *, client: Any = None) -> None:
    """Wait until the function is Active and its last update (if any) is done, as code must
    on AWS before it changes the function again (``LastUpdateStatus`` ``InProgress`` →
    ``Successful``; https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html)."""
    lam = client or boto3.client("lambda")
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=WAIT)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAIT)


def update_function_configuration(name: str, *, client: Any = None, **changes: Any) -> dict:
    """``UpdateFunctionConfiguration`` the way it works on AWS: after any update still in
    progress, then wait until this one is done. Returns the UpdateFunctionConfiguration
    response (its ``LastUpdateStatus`` reads ``InProgress``)."""
    lam = client or boto3.client("lambda")
    wait_until_updated(name, client=lam)
    response = lam.update_function_configuration(FunctionName=name, **changes)
    wait_until_updated(name, client=lam)
    return response


def _create_when_role_is_usable(lam: Any, name: str, zipped: bytes, config: dict) -> str:
    """CreateFunction, retried for a few seconds while a new role propagates (real AWS: IAM is
    eventually consistent; the lab's roles are usable at once)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return lam.create_function(FunctionName=name, Code={"ZipFile": zipped}, **config)[
                "FunctionArn"
            ]
        except lam.exceptions.InvalidParameterValueException as err:
            if "cannot be assumed" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(1)


def log_messages(function_name: str, *, logs: Any = None) -> list[str]:
    """Every log line of a function, oldest first (all streams interleaved)."""
    logs = logs or boto3.client("logs")
    group = f"/aws/lambda/{function_name}"
    messages: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "interleaved": True}
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            messages += [e["message"].rstrip("\n") for e in page["events"]]
            if not page.get("nextToken"):
                return messages
            kwargs["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``fn`` and return (its result, wall seconds it took)."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started
