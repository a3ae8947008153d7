"""moto is extended by the adapters of lambdalab.moto; these tests fail loudly if moto changes
underneath."""

from __future__ import annotations

import pytest

from lambdalab import moto as moto_adapters
from lambdalab.moto import lambda_eic, lambda_invoke


def test_moto_is_in_the_tested_range_and_has_every_hook():
    moto_adapters.check()  # raises with the missing hooks named


def test_apply_installs_our_handlers(_lab):
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.awslambda import urls as lu
    from moto.s3 import notifications as s3n

    assert lr.LambdaResponse.invoke.__wrapped__ is lambda_invoke.invoke_response
    assert lr.LambdaResponse.invoke_async.__wrapped__ is lambda_invoke.invoke_async_response
    assert lm.LambdaBackend.put_function_event_invoke_config is lambda_eic.put_config
    assert s3n.send_event.__wrapped__ is not None
    assert any("recursion-config" in pattern for pattern in lu.url_paths)


def test_check_names_the_range_when_moto_moves(monkeypatch):
    monkeypatch.setattr(moto_adapters, "moto_version", lambda: (5, 3, 1))
    with pytest.raises(RuntimeError, match="tested with moto >= 5.2.5 and < 5.3.0"):
        moto_adapters.check()


@pytest.mark.parametrize(
    ("header", "count"),
    [
        (None, 0),
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", 0),
        ("Root=1-a-b;Parent=c;Sampled=0;Lineage=1a2b3c4d:7", 7),
        ("Root=1-a-b;Lineage=garbage", 0),
    ],
)
def test_lineage_is_read_from_the_trace_header(header, count):
    from lambdalab.dataplane import new_trace_header
    from lambdalab.invoke.events import lineage_count

    assert lineage_count(header) == count
    assert lineage_count(new_trace_header(count + 1, "fn")) == count + 1


def test_recursion_config_round_trips_with_aws_validation(lab):
    from botocore.exceptions import ClientError

    from tests.lab_helpers import make_function

    make_function(lab, "fn", "def lambda_handler(e, c):\n    return 1\n")
    lam = lab.client("lambda")
    assert lam.get_function_recursion_config(FunctionName="fn")["RecursiveLoop"] == "Terminate"
    lam.put_function_recursion_config(FunctionName="fn", RecursiveLoop="Allow")
    assert lam.get_function_recursion_config(FunctionName="fn")["RecursiveLoop"] == "Allow"
    with pytest.raises(ClientError) as err:
        lam.put_function_recursion_config(FunctionName="fn", RecursiveLoop="Sometimes")
    assert "Member must satisfy enum value set: [Terminate, Allow]" in str(err.value)


def test_dead_letter_and_logging_config_are_kept(lab):
    from tests.lab_helpers import make_function, make_queue, make_role

    _, arn = make_queue(lab.client("sqs"), "dlq")
    role = make_role(lab, "r", [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}])
    make_function(lab, "fn", "x = 1\n", role_arn=role, DeadLetterConfig={"TargetArn": arn})
    config = lab.client("lambda").get_function_configuration(FunctionName="fn")
    assert config["DeadLetterConfig"] == {"TargetArn": arn}
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"}


def test_bodiless_lambda_calls_pass_the_signature_check(lab):
    """moto signs the request headers instead of the empty body of a GET (see
    ``_aws_request_with_raw_body``); terraform and the notebooks call these all the time."""
    from tests.lab_helpers import make_function

    make_function(lab, "fn", "x = 1\n")
    lam = lab.client("lambda")
    assert lam.get_function(FunctionName="fn")["Configuration"]["FunctionName"] == "fn"
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["fn"]
    assert len(lam.list_functions(MaxItems=50)["Functions"]) == 1  # query string, no body
    assert lam.list_versions_by_function(FunctionName="fn", MaxItems=10)["Versions"]
    assert lam.get_function_configuration(FunctionName="fn")["Runtime"] == "python3.12"
    lam.delete_function(FunctionName="fn")
    assert lam.list_functions()["Functions"] == []


def test_iam_is_enforced_on_the_lab_only_so_mock_aws_keeps_working(lab, monkeypatch):
    """A learner's own moto tests in the same kernel must not inherit the lab's IAM checks."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    stranger = boto3.client(
        "s3",
        endpoint_url=lab.endpoint_url,
        region_name=lab.region,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="not-a-lab-key",
    )
    with pytest.raises(ClientError) as err:
        stranger.list_buckets()
    assert err.value.response["Error"]["Code"] in ("InvalidAccessKeyId", "SignatureDoesNotMatch")
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # the lab points this kernel at itself
    with mock_aws():
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="in-process-bucket")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["in-process-bucket"]


def test_requests_naming_another_host_are_refused(lab):
    """A page that rebinds its DNS name to 127.0.0.1 cannot talk to the lab."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        lab.endpoint_url + "/_lambdalab/status", headers={"Host": "evil.example:80"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 403


def test_the_lab_starts_and_stops_repeatedly_in_one_process():
    """A kernel may stop and start its lab many times (fresh process: the session lab runs)."""
    import subprocess
    import sys

    script = (
        "import lambdalab\n"
        "for _ in range(3):\n"
        "    lab = lambdalab.start()\n"
        "    assert lab.client('sts').get_caller_identity()['Account'] == '123456789012'\n"
        "    lab.stop()\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_sqs_retention_check_keeps_moto_rule(lab):
    """The faster retention check still hides a message past MessageRetentionPeriod."""
    from moto.sqs.models import sqs_backends

    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName="retained", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    backend = sqs_backends[lab.account_id][lab.region]
    (message,) = backend.get_queue("retained")._messages
    assert backend.is_message_valid_based_on_retention_period("retained", message)
    message.sent_timestamp -= 61_000
    assert not backend.is_message_valid_based_on_retention_period("retained", message)
    assert backend.get_queue("retained")._messages == []  # expired messages are deleted
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_every_function_route_accepts_latest_in_the_name():
    """``name:$LATEST`` reached Flask's HTML 404 [AWS_BEHAVIOUR: event-invoke-config-qualifier]."""
    import re

    from lambdalab.moto import adapter

    routes = adapter.routes_accepting_latest(
        {
            r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/?$": "a",
            r"{0}/(?P<api_version>[^/]+)/layers$": "b",
        }
    )
    function_route, layers = routes
    assert routes[layers] == "b" and layers.endswith("/layers$")
    # moto's Flask routing drops literal "$" signs: the route must not need one
    pattern = function_route.format("").replace("$", "")
    assert re.fullmatch(pattern, "/2015-03-31/functions/name:$LATEST")
    assert not re.fullmatch(pattern, "/2015-03-31/functions/a/b/c")


def test_a_function_arn_of_another_region_is_not_reachable():
    """[AWS_BEHAVIOUR: function-other-region]"""
    from lambdalab import arns
    from lambdalab.awserror import AwsError

    arns.check_reachable("fn", "ap-northeast-1")
    arns.check_reachable("arn:aws:lambda:ap-northeast-1:123456789012:function:fn", "ap-northeast-1")
    with pytest.raises(AwsError) as err:
        arns.check_reachable(
            "arn:aws:lambda:us-east-1:123456789012:function:fn:1", "ap-northeast-1"
        )
    assert err.value.as_tuple() == (
        "ResourceNotFoundException",
        "Functions from 'us-east-1' are not reachable in this region ('ap-northeast-1')",
        404,
    )
