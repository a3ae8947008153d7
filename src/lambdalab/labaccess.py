"""How a process reaches a lab: its environment variables, boto3 clients, terraform, logs.

Shared by the lab of this process (:class:`lambdalab.cloud.Lab`) and a lab served by another
process (:class:`lambdalab.attached.AttachedLab`): both need only an endpoint, a region and
the learner's lab key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from lambdalab import awsenv, iam

ACCOUNT_ID = "123456789012"  # moto's default account
LAMBDA_READ_TIMEOUT = 910  # seconds: above Lambda's longest timeout (900 s)


def lab_env(endpoint_url: str, credentials: iam.Credentials, region: str) -> dict[str, str]:
    """The environment variables that point a process at a lab, and at nothing else."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # No real config/credentials files: nothing can redirect a call to real AWS. The
        # lab's own config holds only [plugins] (`aws logs tail` for the course's CLI v1).
        "AWS_CONFIG_FILE": str(Path(__file__).with_name("aws-config")),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # A proxy from the learner's shell must never carry the lab's traffic off the machine.
        "NO_PROXY": awsenv.no_proxy(os.environ),
        "no_proxy": awsenv.no_proxy(os.environ),
    }


def export_env(env: dict[str, str], saved: dict[str, str | None]) -> None:
    """Set ``env`` in this process, removing every variable that could steer AWS tools away
    (``awsenv.REDIRECTING``); ``saved`` keeps what was there for :func:`restore_env`."""
    for name in [n for n in os.environ if awsenv.is_redirecting(n)]:
        saved.setdefault(name, os.environ.get(name))
        os.environ.pop(name, None)
    for name, value in env.items():
        saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value
    # `!aws …` and `!lambdalab …` in a notebook run this environment's commands even when
    # JupyterLab was started without activating the virtual environment.
    bin_dir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        saved.setdefault("PATH", path)
        os.environ["PATH"] = bin_dir + os.pathsep + path


def restore_env(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    saved.clear()


class LabAccess:
    """``client``, ``logs`` and ``terraform`` of a lab, from ``endpoint_url``, ``region`` and
    ``credentials``."""

    endpoint_url: str
    region: str
    credentials: iam.Credentials

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client bound to the lab (the learner's admin identity)."""
        import boto3

        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        kwargs.setdefault("aws_access_key_id", self.credentials.access_key_id)
        kwargs.setdefault("aws_secret_access_key", self.credentials.secret_access_key)
        if service == "lambda" and "config" not in kwargs:
            # A synchronous Invoke waits for the handler (up to 900 s); botocore's 60 s read
            # timeout would give up and send the Invoke again, running the handler twice. AWS's
            # advice is the same for real Lambda: a read timeout above the function's timeout
            # (https://repost.aws/knowledge-center/lambda-function-retry-timeout-sdk).
            from botocore.config import Config

            kwargs["config"] = Config(read_timeout=LAMBDA_READ_TIMEOUT)
        return boto3.client(service, **kwargs)

    @property
    def logs(self) -> Any:
        """``lab.logs.tail(group, since=…, format=…)`` — ``aws logs tail`` against the lab."""
        return LabLogs(self)

    def terraform(
        self, *args: str, chdir: str | os.PathLike[str] = ".", engine: str = "auto"
    ) -> int:
        """Run terraform against the lab: the real CLI where usable, else the built-in engine."""
        from lambdalab.terraform.runner import run

        return run(self, list(args), chdir=Path(chdir), engine=engine)


class LabLogs:
    """``lab.logs.tail(group, …)`` for a lab of this process or an attached one."""

    def __init__(self, lab: Any) -> None:
        self._lab = lab

    def tail(self, log_group: str, **kwargs: Any) -> int:
        from lambdalab import logs

        kwargs.setdefault("client", self._lab.client("logs"))
        kwargs.setdefault("now", self._lab.now)
        return logs.tail(log_group, **kwargs)
