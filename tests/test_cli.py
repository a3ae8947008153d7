"""`lambdalab serve` in one terminal, `eval "$(lambdalab env)"` and the AWS CLI in another."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from tests.lab_helpers import free_port

BIN = Path(sys.executable).parent


def fresh_terminal(**extra: str) -> dict[str, str]:
    """A shell that holds no lab's variables (this test process may run a lab of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAMBDALAB_"))}
    return dict(env, **extra)


def test_serve_then_env_then_aws_cli(tmp_path):
    port = free_port()
    runtime = tmp_path / "runtime"
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=fresh_terminal(LAMBDALAB_RUNTIME_DIR=str(runtime)),
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        env = fresh_terminal(LAMBDALAB_RUNTIME_DIR=str(runtime))
        for _ in range(100):
            out = subprocess.run(
                [sys.executable, "-m", "lambdalab", "env"], env=env, capture_output=True, text=True
            )
            if out.returncode == 0:
                break
            time.sleep(0.2)
        assert out.returncode == 0, out.stderr
        exported = {}
        for line in out.stdout.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            exported[name] = shlex.split(value)[0]
        assert exported["AWS_ENDPOINT_URL"] == endpoint
        assert exported["AWS_DEFAULT_REGION"] == "ap-northeast-1"
        assert exported["LAMBDALAB_ATTACH"] == "1"
        # The keys came from a file only this user can read, not from an HTTP endpoint.
        (connection,) = runtime.glob("lab-*.json")
        assert oct(connection.stat().st_mode & 0o777) == "0o600"
        assert oct(runtime.stat().st_mode & 0o777) == "0o700"
        shell_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        shell_env.update(exported)
        (tmp_path / "sample.txt").write_text("Sample content\n")
        aws = str(BIN / "aws")
        subprocess.run(
            [aws, "s3", "mb", "s3://cli-bucket"], env=shell_env, check=True, capture_output=True
        )
        subprocess.run(
            [aws, "s3", "cp", "sample.txt", "s3://cli-bucket/"],
            env=shell_env,
            check=True,
            capture_output=True,
            cwd=tmp_path,
        )
        listing = subprocess.run(
            [aws, "s3", "ls", "s3://cli-bucket/"],
            env=shell_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "sample.txt" in listing
    finally:
        server.terminate()
        output, notes = server.communicate(timeout=20)
    assert output == ""  # every note goes to stderr
    assert f"serving a local AWS cloud on http://127.0.0.1:{port}" in notes
    assert 'eval "$(lambdalab env)"' in notes
    assert exported["AWS_SECRET_ACCESS_KEY"] not in notes
    assert "Traceback" not in notes
    assert not list(runtime.glob("lab-*.json"))  # removed when the lab stops


def test_env_without_a_lab_says_what_to_do(tmp_path):
    env = fresh_terminal(LAMBDALAB_RUNTIME_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "lambdalab", "env"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 1
    assert "lambdalab serve" in out.stderr
    assert "Traceback" not in out.stderr


def test_serve_refuses_a_non_loopback_host():
    out = subprocess.run(
        [sys.executable, "-m", "lambdalab", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "127.0.0.1" in out.stderr
