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


def test_serve_then_env_then_aws_cli(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint)
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
        output, _ = server.communicate(timeout=20)
    assert f"export AWS_ENDPOINT_URL=http://127.0.0.1:{port}" in output
    assert "Traceback" not in output


def test_env_without_a_lab_says_what_to_do():
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
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


def test_serve_prints_only_export_lines_on_stdout_and_its_notes_on_stderr():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
        for _ in range(150):
            ready = subprocess.run(
                [sys.executable, "-m", "lambdalab", "env"], env=env, capture_output=True
            )
            if ready.returncode == 0:
                break
            time.sleep(0.2)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert out.splitlines() and all(line.startswith("export ") for line in out.splitlines())
    assert "lambdalab is serving a local AWS cloud" in err
    assert "Press Ctrl-C to stop." in err and "lambdalab stopped." in err
