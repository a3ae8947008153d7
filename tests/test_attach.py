"""One cloud for notebook and terminal (`lambdalab serve`, `start(attach=True)`)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lab_helpers import ARTICLE_PIN, free_port

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK_SIDE = r"""
import json, os, subprocess, sys
from pathlib import Path
import lambdalab
from tests.lab_helpers import make_bucket, make_function
out = {}
try:
    lambdalab.start(attach=True, clock="real")
except ValueError as e:
    out["clock_mismatch"] = str(e)
lab = lambdalab.start(attach=True)
out["repr"] = repr(lab)
out["endpoint_env"] = os.environ["AWS_ENDPOINT_URL"]
make_bucket(lab, "shared-bucket")
make_function(lab, "flaky", "def lambda_handler(e, c):\n    raise RuntimeError('boom')\n")
t0 = lab.now()
lab.client("lambda").invoke(FunctionName="flaky", InvocationType="Event", Payload=b"{}")
lab.wait_idle(60)
attempts = lab.invocations("flaky")
out["attempts"] = [round((a.start - attempts[0].start).total_seconds()) // 60 for a in attempts]
out["outcomes"] = [a.outcome for a in attempts]
out["clock_moved"] = (lab.now() - t0).total_seconds() >= 180
SLEEPY = "import time\ndef lambda_handler(e, c):\n    time.sleep(3)\n"
make_function(lab, "sleepy", SLEEPY, Timeout=10)
lab.client("lambda").invoke(FunctionName="sleepy", InvocationType="Event", Payload=b"{}")
try:
    lab.wait_idle(0.2)
except TimeoutError as e:
    out["wait_timeout"] = str(e)
lab.wait_idle(60)
aws = str(Path(sys.executable).parent / "aws")
out["cli"] = subprocess.run([aws, "s3", "ls"], capture_output=True, text=True).stdout
try:
    lambdalab.start(attach=False)
except ValueError as e:
    out["own_lab_refused"] = str(e)
lab.reset()
out["after_reset"] = lab.client("s3").list_buckets()["Buckets"]
lab.stop()
out["env_after_stop"] = os.environ.get("AWS_ENDPOINT_URL")
print("OUT " + json.dumps(out))
"""


@pytest.fixture
def served(tmp_path):
    port = free_port()
    runtime = tmp_path / "runtime"
    env = dict(os.environ, LAMBDALAB_RUNTIME_DIR=str(runtime))
    for name in ("AWS_ENDPOINT_URL", "LAMBDALAB_ATTACH", "LAMBDALAB_ENDPOINT"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        if list(runtime.glob("lab-*.json")):
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", env
    server.terminate()
    server.wait(timeout=30)


def test_a_notebook_attaches_to_the_served_lab_with_every_helper(served):
    endpoint, env = served
    env = dict(env, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", NOTEBOOK_SIDE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("OUT ", 1)[1])
    assert "runs clock='fast', not 'real'" in out["clock_mismatch"]
    assert out["repr"].startswith(f"<Lab attached {endpoint}")
    assert out["endpoint_env"] == endpoint
    assert out["attempts"] == [0, 1, 3]  # AWS's retry waits, fast-forwarded by the served lab
    assert out["outcomes"] == ["error", "error", "error"]
    assert out["clock_moved"] is True
    assert "still pending" in out["wait_timeout"]  # the served lab's TimeoutError, by name
    assert "shared-bucket" in out["cli"]  # the notebook's `!aws` sees the same cloud
    assert "call lab.stop() first" in out["own_lab_refused"]
    assert out["after_reset"] == []
    assert out["env_after_stop"] is None
    # The served lab is still running for the terminal.
    with __import__("urllib.request").request.urlopen(endpoint + "/_lambdalab/status") as r:
        assert json.load(r)["endpoint_url"] == endpoint


def test_lambdalab_env_makes_start_attach(served):
    endpoint, env = served
    out = subprocess.run(
        [sys.executable, "-m", "lambdalab", "env"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    exported = dict(line.removeprefix("export ").split("=", 1) for line in out.stdout.splitlines())
    shell = dict(env, **{k: shlex.split(v)[0] for k, v in exported.items()})
    probe = subprocess.run(
        [sys.executable, "-c", "import lambdalab; print(repr(lambdalab.start()))"],
        env=shell,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.startswith(f"<Lab attached {endpoint}")


def test_a_kernels_terraform_lands_in_its_own_lab_not_the_only_served_one(
    lab, served, tmp_path, monkeypatch
):
    """A notebook with its own lab, and a `lambdalab serve` of the same user beside it (a
    workshop host, a terminal): `!lambdalab tf …` in the kernel must change the kernel's lab.
    It used to take "the only served lab" first (found when five test runs shared a host)."""
    from lambdalab.attached import AttachedLab

    other, env = served
    monkeypatch.setenv("LAMBDALAB_RUNTIME_DIR", env["LAMBDALAB_RUNTIME_DIR"])
    monkeypatch.delenv("LAMBDALAB_ENDPOINT", raising=False)
    assert os.environ["AWS_ENDPOINT_URL"] == lab.endpoint_url != other  # the kernel's keys
    assert AttachedLab.find(other).endpoint_url == other  # the other lab is served and found

    assert AttachedLab.find(None).endpoint_url == lab.endpoint_url
    (tmp_path / "main.tf").write_text(ARTICLE_PIN)
    applied = subprocess.run(
        [sys.executable, "-m", "lambdalab", "tf", "--", "apply", "-auto-approve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    names = [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]]
    assert names == ["hands-on-bucket-2024"]
    assert AttachedLab.find(other).client("s3").list_buckets()["Buckets"] == []


def test_lambdalab_env_says_when_the_shells_lab_is_gone_and_another_is_used(served):
    endpoint, env = served
    gone = f"http://127.0.0.1:{free_port()}"  # the lab this shell was set up for has stopped
    out = subprocess.run(
        [sys.executable, "-m", "lambdalab", "env"],
        env=dict(env, AWS_ENDPOINT_URL=gone),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"export AWS_ENDPOINT_URL={endpoint}" in out.stdout
    assert (
        f"# no lab of yours answers at {gone}: this shell now uses the lab at {endpoint} "
        "(`lambdalab env --endpoint URL` chooses one).\n"
    ) in out.stderr
