"""Helpers for tests that build functions in the lab (roles, zips, create_function)."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile

TRUST_LAMBDA = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def zip_source(source: str, filename: str = "lambda_function.py") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(filename, textwrap.dedent(source))
    return buf.getvalue()


def make_role(lab, name: str = "fn-role", statements: list | None = None) -> str:
    iam = lab.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
    iam.attach_role_policy(
        RoleName=name,
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="inline",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    return arn


def make_function(lab, name: str, source: str, *, role_arn: str | None = None, **kwargs) -> dict:
    role_arn = role_arn or make_role(lab, f"{name}-role")
    return lab.client("lambda").create_function(
        FunctionName=name,
        Runtime=kwargs.pop("Runtime", "python3.12"),
        Role=role_arn,
        Handler=kwargs.pop("Handler", "lambda_function.lambda_handler"),
        Code={"ZipFile": zip_source(source)},
        **kwargs,
    )
