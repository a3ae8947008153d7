"""``stop()`` + ``start()`` is a new, empty cloud; ``start()`` never silently hands back a lab
with other settings (issue 11: the old cloud's state came back; ``start(clock="real")``
quietly returned the fast lab)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lambdalab

ROOT = Path(__file__).resolve().parent.parent

RESTART = textwrap.dedent(
    """
    import json
    import lambdalab
    from tests.lab_helpers import make_bucket, make_function, make_queue

    def holdings(lab):
        return {
            "buckets": [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]],
            "queues": lab.client("sqs").list_queues().get("QueueUrls", []),
            "functions": [
                f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]
            ],
            "roles": [r["RoleName"] for r in lab.client("iam").list_roles()["Roles"]],
            "log groups": [
                g["logGroupName"] for g in lab.client("logs").describe_log_groups()["logGroups"]
            ],
        }

    first = lambdalab.start()
    make_bucket(first, "old-bucket")
    make_queue(first.client("sqs"), "old-queue")
    make_function(first, "old-fn", "def lambda_handler(e, c):\\n    print('old')\\n")
    first.client("lambda").invoke(FunctionName="old-fn", Payload=b"{}")
    first.clock.advance_to(first.clock.time() + 3600)
    before = holdings(first)
    first.stop()
    second = lambdalab.start()
    print(json.dumps({
        "before": before,
        "after": holdings(second),
        "same_object": second is first,
        "clock_offset": second.clock.offset,
        "same_key": second.credentials.access_key_id == first.credentials.access_key_id,
    }))
    second.stop()
    """
)


def test_stop_then_start_in_one_process_is_a_new_empty_cloud():
    out = subprocess.run(
        [sys.executable, "-c", RESTART],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    before = report["before"]
    assert before["buckets"] == ["old-bucket"] and before["functions"] == ["old-fn"]
    assert "/aws/lambda/old-fn" in before["log groups"]  # the first cloud really held things
    assert report["after"] == {
        "buckets": [],
        "queues": [],
        "functions": [],
        "roles": [],
        "log groups": [],
    }
    assert report["same_object"] is False
    assert report["clock_offset"] == 0.0  # the old lab's simulated hour is gone too
    assert report["same_key"] is False  # a new admin key: the old one opens nothing


@pytest.mark.parametrize(
    ("setting", "value"), [("clock", "real"), ("region", "us-east-1"), ("port", 1)]
)
def test_start_with_other_settings_than_the_running_lab_says_how_to_switch(lab, setting, value):
    with pytest.raises(RuntimeError) as err:
        lambdalab.start(**{setting: value})
    message = str(err.value)
    assert message.startswith(f"lambdalab.start({setting}={value!r}): the lab already running")
    assert "lab.stop(), then lambdalab.start(" in message
    assert lambdalab.current() is lab and lab.running  # nothing changed


def test_start_with_the_same_settings_returns_the_running_lab(lab):
    assert lambdalab.start(clock=lab.clock.mode, region=lab.region) is lab
