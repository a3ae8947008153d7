"""What a process gets from a lab handle: clients bound to the lab, with Lambda's long wait."""

from __future__ import annotations

from botocore.config import Config

from lambdalab import iam
from lambdalab.labaccess import LAMBDA_READ_TIMEOUT, LabAccess


class _Handle(LabAccess):
    endpoint_url = "http://127.0.0.1:9"
    region = "ap-northeast-1"
    credentials = iam.Credentials("AKIDEXAMPLE", "secret")


def test_a_lambda_client_waits_longer_than_any_function_can_run():
    """botocore gives up after 60 s and sends the Invoke again (the handler runs twice); the
    lab's Lambda client waits past Lambda's 900 s maximum instead."""
    client = _Handle().client("lambda")
    assert client.meta.config.read_timeout == LAMBDA_READ_TIMEOUT > 900
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert _Handle().client("s3").meta.config.read_timeout == 60  # others keep botocore's


def test_a_config_the_caller_gives_wins():
    client = _Handle().client("lambda", config=Config(read_timeout=5))
    assert client.meta.config.read_timeout == 5
