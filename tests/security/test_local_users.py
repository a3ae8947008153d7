"""Issue 10 item 3: another user on the same host gets nothing usable from a learner's lab.

A served lab runs as this user (root in CI); the attacker is ``nobody`` (uid 65534, started
with ``setpriv``). Skipped with the reason where a second user cannot be had.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lab_helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534

ATTACK = r"""
import json, os, sys, urllib.request, urllib.error
endpoint, connection_file = sys.argv[1], sys.argv[2]
out = {}
def get(path, method="GET"):
    data = b"" if method == "POST" else None
    req = urllib.request.Request(endpoint + path, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return [r.status, r.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, e.read().decode()]
out["status"] = get("/_lambdalab/status")
out["data.json"] = get("/moto-api/data.json")
out["reset"] = get("/moto-api/reset", "POST")
try:
    out["file"] = open(connection_file).read()
except OSError as e:
    out["file"] = type(e).__name__
try:
    os.listdir(os.path.dirname(connection_file))
    out["dir"] = "listed"
except OSError as e:
    out["dir"] = type(e).__name__
import lambdalab
from lambdalab.served import ServedLabError
try:
    lambdalab.start(attach=True)
    out["attach"] = "attached"
except ServedLabError as e:
    out["attach"] = str(e)
import boto3
lam = boto3.client("lambda", endpoint_url=endpoint, region_name="ap-northeast-1",
                   aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="guess")
try:
    lam.list_functions()
    out["guess"] = "listed"
except Exception as e:
    out["guess"] = e.response["Error"]["Code"]
print(json.dumps(out))
"""


def as_nobody(args, env):
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def open_tmp():
    """A folder every user may traverse (pytest's own tmp folders are private to root)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="security-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def served_lab(open_tmp):
    if not hasattr(os, "getuid") or os.getuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run a process as a second user (nobody)")
    probe = as_nobody([sys.executable, "-c", "print('ok')"], env={"PATH": os.environ["PATH"]})
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run this Python here: {probe.stderr.strip()[:200]}")
    port = free_port()
    runtime = open_tmp / "runtime"  # created 0700 by the lab: nobody may not enter it
    env = dict(os.environ, LAMBDALAB_RUNTIME_DIR=str(runtime))
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    connection = runtime / f"lab-{port}.json"
    for _ in range(200):
        if connection.exists():
            break
        time.sleep(0.1)
    assert connection.exists(), server.stderr.read() if server.poll() is not None else "timeout"
    yield f"http://127.0.0.1:{port}", connection
    server.terminate()
    server.wait(timeout=30)


def test_another_user_gets_nothing_usable(served_lab, open_tmp):
    endpoint, connection = served_lab
    secret = json.loads(connection.read_text())["secret_access_key"]
    assert oct(connection.parent.stat().st_mode & 0o777) == "0o700"
    home = open_tmp / "nobody-home"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PYTHONPATH": str(ROOT / "src"),
        "AWS_ENDPOINT_URL": endpoint,
    }
    attack = as_nobody([sys.executable, "-c", ATTACK, endpoint, str(connection)], env)
    assert attack.returncode == 0, attack.stderr[-2000:]
    found = json.loads(attack.stdout)
    assert secret not in attack.stdout
    assert found["status"][0] == 200 and "secret" not in found["status"][1].lower()
    assert found["data.json"][0] == 404 and found["reset"][0] == 404
    assert found["file"] == "PermissionError" and found["dir"] == "PermissionError"
    assert "no lab of yours" in found["attach"]
    assert found["guess"] == "UnrecognizedClientException"
    env_cmd = as_nobody([sys.executable, "-m", "lambdalab", "env", "--endpoint", endpoint], env)
    assert env_cmd.returncode == 1
    assert secret not in env_cmd.stdout + env_cmd.stderr
    assert "Traceback" not in env_cmd.stderr


def test_a_runtime_directory_others_can_read_is_refused(tmp_path, monkeypatch):
    from lambdalab import served

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv(served.ENV_DIR, str(shared))
    with pytest.raises(served.ServedLabError, match="chmod 700"):
        served.publish({"endpoint_url": "http://127.0.0.1:1", "pid": os.getpid()})
    assert not list(shared.iterdir())


def test_a_runtime_directory_of_another_user_is_refused(tmp_path, monkeypatch):
    from lambdalab import served

    if not hasattr(os, "getuid") or os.getuid() != 0:
        pytest.skip("needs root to give a folder to another user")
    foreign = tmp_path / "foreign"
    foreign.mkdir(mode=0o700)
    os.chown(foreign, NOBODY, NOBODY)
    monkeypatch.setenv(served.ENV_DIR, str(foreign))
    with pytest.raises(served.ServedLabError, match="another user"):
        served.labs()
