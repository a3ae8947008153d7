"""Real terraform is the oracle: both engines apply the same configuration to an empty cloud and
must leave the same resources behind (docs, bucket, function config, permissions, queues …).

Runs where real terraform and an aws provider mirror are usable; skipped with the reason
elsewhere. Uses the lab (``lambdalab.start()``), or a bare moto server when
``LAMBDALAB_TF_TESTS_CLOUD=moto``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path

import pytest

from lambdalab.terraform import builtin, real
from lambdalab.terraform.resources.base import ApplyContext

FIXTURES = Path(__file__).parent / "fixtures" / "oracle"
HANDLER = "def lambda_handler(event, context):\n    return {'ok': True}\n"
REGION = "ap-northeast-1"


class BareMoto:
    """A moto server with fake keys; what the oracle uses when the lab is not wanted."""

    def __init__(self) -> None:
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self.access_key, self.secret_key, self.account_id = "test", "test", "123456789012"

    def client(self, service, region_name=REGION):
        import boto3

        return boto3.client(
            service,
            region_name=region_name,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req).close()


@pytest.fixture(scope="module")
def cloud():
    if os.environ.get("LAMBDALAB_TF_TESTS_CLOUD", "lab") == "moto":
        from moto import settings

        saved = settings.INITIAL_NO_AUTH_ACTION_COUNT
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        moto = BareMoto()
        yield moto
        moto.server.stop()
        settings.INITIAL_NO_AUTH_ACTION_COUNT = saved
        return
    try:
        import lambdalab

        lab = lambdalab.start()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the lab does not start here: {exc}")
    lab.access_key = lab.credentials.access_key_id
    lab.secret_key = lab.credentials.secret_access_key
    yield lab


def _workdir(tmp_path: Path, name: str, engine: str) -> Path:
    work = tmp_path / engine / name
    shutil.copytree(FIXTURES / name, work)
    with zipfile.ZipFile(work / "fn.zip", "w") as zf:
        info = zipfile.ZipInfo("lambda_function.py", date_time=(2049, 1, 1, 0, 0, 0))
        zf.writestr(info, HANDLER)
    return work


def run_builtin(cloud, work: Path, *args: str) -> tuple[int, str]:
    def factory(region: str, module_dir: Path) -> ApplyContext:
        return ApplyContext(
            region=region,
            account_id=cloud.account_id,
            module_dir=Path(module_dir),
            endpoint_url=cloud.endpoint_url,
            client_factory=lambda service, r: cloud.client(service, region_name=r),
        )

    out = io.StringIO()
    code = builtin.run(list(args), chdir=work, ctx_factory=factory, out=out, env={})
    return code, out.getvalue()


def run_real(cloud, work: Path, *args: str) -> tuple[int, str]:
    proc = real.run(
        [*args, "-no-color"],
        chdir=work,
        endpoint_url=cloud.endpoint_url,
        region=REGION,
        out=lambda line: None,
        access_key=cloud.access_key,
        secret_key=cloud.secret_key,
    )
    return proc.returncode, proc.stdout


# ------------------------------------------------------------------------------ the snapshot


def _doc(text):
    return json.loads(text) if isinstance(text, str) else text


def snapshot(cloud) -> dict:
    """Everything the course cares about, with run-to-run noise (ids, dates) removed."""
    iam, s3, lam = cloud.client("iam"), cloud.client("s3"), cloud.client("lambda")
    sqs, sns, logs = cloud.client("sqs"), cloud.client("sns"), cloud.client("logs")
    snap: dict = {"roles": {}, "policies": {}, "buckets": {}, "functions": {}}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        snap["roles"][name] = {
            "trust": _doc(role["AssumeRolePolicyDocument"]),
            "path": role["Path"],
            "attached": sorted(
                p["PolicyArn"]
                for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            ),
            "inline": {
                p: _doc(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
            },
        }
    for pol in iam.list_policies(Scope="Local")["Policies"]:
        version = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId=pol["DefaultVersionId"])
        snap["policies"][pol["PolicyName"]] = {
            "doc": _doc(version["PolicyVersion"]["Document"]),
            "description": iam.get_policy(PolicyArn=pol["Arn"])["Policy"].get("Description"),
        }
    for b in s3.list_buckets()["Buckets"]:
        conf = s3.get_bucket_notification_configuration(Bucket=b["Name"])
        conf.pop("ResponseMetadata", None)
        for items in conf.values():
            for item in items if isinstance(items, list) else []:
                item.pop("Id", None)  # generated (tf-s3-lambda-<time>)
        snap["buckets"][b["Name"]] = {"notification": conf}
    for fn in lam.list_functions()["Functions"]:
        name = fn["FunctionName"]
        c = lam.get_function_configuration(FunctionName=name)
        try:
            policy = _doc(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
        except lam.exceptions.ResourceNotFoundException:
            policy = []
        try:
            eic = lam.get_function_event_invoke_config(FunctionName=name)
            eic = {k: eic.get(k) for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")} | {
                "DestinationConfig": eic.get("DestinationConfig")
            }
        except lam.exceptions.ResourceNotFoundException:
            eic = None
        snap["functions"][name] = {
            "config": {
                k: c.get(k)
                for k in (
                    "Runtime",
                    "Handler",
                    "Role",
                    "Timeout",
                    "MemorySize",
                    "Environment",
                    "DeadLetterConfig",
                    "CodeSha256",
                    "PackageType",
                    "Architectures",
                )
            },
            "concurrency": lam.get_function_concurrency(FunctionName=name).get(
                "ReservedConcurrentExecutions"
            ),
            "permissions": sorted(policy, key=lambda s: s.get("Sid", "")),
            "event_invoke_config": eic,
        }
    keep = (
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DelaySeconds",
        "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds",
        "FifoQueue",
        "QueueArn",
    )
    snap["queues"] = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        snap["queues"][url.rsplit("/", 1)[1]] = {k: a.get(k) for k in keep} | {
            "Policy": _doc(a["Policy"]) if a.get("Policy") else None,
            "RedrivePolicy": _doc(a["RedrivePolicy"]) if a.get("RedrivePolicy") else None,
        }
    mapping_keys = (
        "FunctionArn",
        "EventSourceArn",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "State",
        "FunctionResponseTypes",
        "ScalingConfig",
        "FilterCriteria",
    )
    snap["event_source_mappings"] = sorted(
        (
            {k: m.get(k) for k in mapping_keys}
            for m in lam.list_event_source_mappings()["EventSourceMappings"]
        ),
        key=lambda m: (m["FunctionArn"], m["EventSourceArn"]),
    )
    snap["topics"] = sorted(t["TopicArn"] for t in sns.list_topics()["Topics"])
    snap["subscriptions"] = sorted(
        (s["TopicArn"], s["Protocol"], s["Endpoint"])
        for s in sns.list_subscriptions()["Subscriptions"]
    )
    snap["log_groups"] = {
        g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups()["logGroups"]
    }
    return snap


# ------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("name", ["basic", "dlq", "esm"])
def test_both_engines_leave_the_same_cloud(cloud, tmp_path, name):
    ok, reason = real.usable(FIXTURES / name)
    if not ok:
        pytest.skip(f"real terraform is not usable here: {reason}")
    cloud.reset()
    work = _workdir(tmp_path, name, "builtin")
    code, text = run_builtin(cloud, work, "apply", "-auto-approve")
    assert code == 0, text
    ours = snapshot(cloud)
    code, text = run_builtin(cloud, work, "destroy", "-auto-approve")
    assert code == 0, text
    leftovers = snapshot(cloud)

    cloud.reset()
    work = _workdir(tmp_path, name, "terraform")
    code, text = run_real(cloud, work, "init", "-input=false")
    assert code == 0, text
    code, text = run_real(cloud, work, "apply", "-auto-approve", "-input=false")
    assert code == 0, text
    theirs = snapshot(cloud)
    code, text = run_real(cloud, work, "destroy", "-auto-approve", "-input=false")
    assert code == 0, text
    assert not (work / real.OVERRIDE_NAME).exists()

    for section in theirs:
        assert ours[section] == theirs[section], section
    assert leftovers == snapshot(cloud)  # both destroys leave the same (empty) cloud


def test_state_attribute_names_match(cloud, tmp_path):
    """Same resource addresses and attribute names in both engines' state files."""
    ok, reason = real.usable(FIXTURES / "basic")
    if not ok:
        pytest.skip(f"real terraform is not usable here: {reason}")
    states = {}
    for engine, runner in (("builtin", run_builtin), ("terraform", run_real)):
        cloud.reset()
        work = _workdir(tmp_path, "basic", engine)
        if engine == "terraform":
            assert runner(cloud, work, "init", "-input=false")[0] == 0
        code, text = runner(cloud, work, "apply", "-auto-approve")
        assert code == 0, text
        state = json.loads((work / "terraform.tfstate").read_text())
        states[engine] = {
            (r["mode"], r["type"], r["name"]): sorted(r["instances"][0]["attributes"])
            for r in state["resources"]
        }
        assert runner(cloud, work, "destroy", "-auto-approve")[0] == 0
    assert states["builtin"] == states["terraform"]


# ------------------------------------------------------------------------------ diagnostics

FUNCTION_HEAD = """resource "aws_lambda_function" "fn" {
  function_name = "oracle_fn"
  handler       = "lambda_function.lambda_handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
"""
#: Configurations that real terraform rejects at plan time, one per stage of its checks: the
#: decoder (all problems of all blocks together), the provider's own validation ("with …"), and
#: the plan walk (values known, "├── var.t is …").
INVALID = {
    "decoding": FUNCTION_HEAD
    + """  timeout       = "ten"
  colour        = "blue"
  publish       = "True"
  tag           = {}
  memory_size   = ["1"]
  enviroment {
  }
  environment {
    variables = { A = 1 }
    bogus     = 1
  }
  environment {
  }
}

resource "aws_sqs_queue" "q" {
  name                       = "oracle-q"
  visibility_timeout_seconds = [30]
  tags                       = { team = [1] }
  redrive_policy {
  }
}

resource "aws_lambda_event_source_mapping" "skipped" {
  event_source_arn = aws_sqs_queue.q.arn # refers to a failed block: not checked
  batch_size       = "ten"
}

resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = "arn:aws:sqs:ap-northeast-1:123456789012:oracle-q"
  batch_size       = "ten"
  scaling_config {
    maximum_concurrency = "two"
  }
  destination_config {
    on_failure {
    }
  }
}
""",
    "provider": FUNCTION_HEAD.replace("  handler", "  role          = null\n  handler")
    + """  arn           = "arn:aws:lambda:ap-northeast-1:123456789012:function:x"
}
""",
    "plan": """variable "timeout" {
  default = "ten"
}

"""
    + FUNCTION_HEAD
    + """  role          = "arn:aws:iam::123456789012:role/oracle"
  timeout       = var.timeout
}
""",
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def diagnostics(text: str) -> tuple[bool, list[str]]:
    """(whether "Planning failed" was said, each boxed diagnostic as text) from an output."""
    boxes, current = [], None
    for line in ANSI.sub("", text).splitlines():
        line = line.rstrip()
        if line == "╷":
            current = []
        elif line == "╵" and current is not None:
            boxes.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    errors = [b for b in boxes if b.startswith("│ Error:")]
    return "Planning failed." in text, errors


@pytest.mark.parametrize("name", sorted(INVALID))
def test_diagnostics_match_real_terraform(cloud, tmp_path, name):
    """Same diagnostics, byte for byte (boxes, wrapping, source lines), from both engines."""
    ok, reason = real.usable(FIXTURES / "basic")
    if not ok:
        pytest.skip(f"real terraform is not usable here: {reason}")
    outputs = {}
    for engine in ("builtin", "terraform"):
        work = tmp_path / engine
        work.mkdir()
        (work / "main.tf").write_text(INVALID[name])
        if engine == "builtin":
            code, text = run_builtin(cloud, work, "plan", "-input=false")
        else:
            code, text = run_real(cloud, work, "init", "-input=false")
            assert code == 0, text
            proc = real.run(
                ["plan", "-input=false"],
                chdir=work,
                endpoint_url=cloud.endpoint_url,
                region=REGION,
                out=lambda line: None,
                access_key=cloud.access_key,
                secret_key=cloud.secret_key,
            )
            code, text = proc.returncode, proc.stdout
        assert code == 1, text
        outputs[engine] = diagnostics(text)
    failed, errors = outputs["terraform"]
    assert errors, "real terraform printed no diagnostics"
    assert outputs["builtin"] == (failed, errors)
