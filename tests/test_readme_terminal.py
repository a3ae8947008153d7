"""README's "In a terminal" steps, run as a bash script against a served lab (issue 13).

The script is README's second code block of that section, as a learner would paste it, with
three mechanical changes a terminal does not need: the shell already has the course's
programs on PATH (no ``source .venv/bin/activate``), ``yes`` is typed for apply/destroy, and
``--follow`` gets a Ctrl-C after a few polls. ``aws s3 ls`` waits for the asynchronous move
as a learner's typing does. Each command and its output go to a transcript (printed with
``pytest -s``, written to $LAMBDALAB_TRANSCRIPT when set).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.lab_helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def terminal_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## In a terminal\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def as_script(block: str) -> str:
    """The learner's commands, each echoed with ``$`` before it runs (``set -e``: stop at one)."""
    lines = ["set -euo pipefail"]
    for line in block.splitlines():
        command = line.split(" #", 1)[0].strip()
        if not command or command.startswith("#") or command == "source .venv/bin/activate":
            continue
        run = command
        if re.search(r" (apply|destroy)$", command):
            run = f"{command} <<< yes"
        elif "--follow" in command:
            # One SIGINT to aws alone, as Ctrl-C sends (plain timeout signals the group too).
            run = f"timeout --foreground --preserve-status -s INT 8 {command}"
        elif command.startswith("aws s3 ls") and "processed/" in command:
            wait = f"{command} 2>/dev/null | grep -q sample.txt"
            run = f"for _ in $(seq 120); do {wait} && break; sleep 0.5; done; {command}"
        lines.append(f"echo {shlex.quote('$ ' + command)}")
        lines.append(run)
    return "\n".join(lines) + "\n"


def test_readme_has_the_serve_block_and_the_article_steps():
    serve, steps = terminal_blocks()[:2]
    assert "lambdalab serve" in serve
    for step in ("init", "apply", "aws s3 cp sample.txt", "aws s3 ls", "--follow", "destroy"):
        assert step in steps, step
    assert 'aws logs tail "/aws/lambda/s3_move_lambda_function" --follow' in steps


def test_readme_terminal_steps_run_against_a_served_lab(tmp_path):
    work = tmp_path / "course"
    for folder in ("terraform", "lambda_functions"):
        shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("build", ".*"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    shell = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    shell["PATH"] = f"{BIN}{os.pathsep}{shell['PATH']}"  # what `source .venv/bin/activate` does
    shell["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"  # the port `lambdalab env` asks
    script = as_script(terminal_blocks()[1])
    transcripts = []
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(
            [sys.executable, "-m", "lambdalab", "env"], env=shell, capture_output=True
        ).returncode:
            assert time.monotonic() < deadline and server.poll() is None, "no served lab"
            time.sleep(0.3)
        # Twice on the same lab: the second run meets what the first one left (nothing).
        for _ in range(2):
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=work,
                env=shell,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=600,
            )
            transcripts.append(done.stdout)
            assert done.returncode == 0, done.stdout
    finally:
        server.terminate()
        server.communicate(timeout=30)
    transcript = transcripts[0]
    print(transcript)
    if os.environ.get("LAMBDALAB_TRANSCRIPT"):
        Path(os.environ["LAMBDALAB_TRANSCRIPT"]).write_text(transcript, encoding="utf-8")
    for text in transcripts:
        assert "Apply complete! Resources: " in text
        bucket = re.search(r"upload: \./sample\.txt to s3://(hands-on-bucket-[0-9a-f]{8})/", text)
        assert bucket, "B=$(… output -raw bucket_name) is the bucket name alone"
        assert re.search(r"\d{2}:\d{2}:\d{2} +15 sample\.txt", text)  # processed/sample.txt
        assert "Copied uploads/sample.txt to processed/sample.txt" in text
        assert "Deleted original object uploads/sample.txt" in text
        assert "Destroy complete! Resources: " in text
        assert "Invalid choice" not in text and "Traceback" not in text
