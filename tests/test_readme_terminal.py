"""README's "In a terminal" steps and INSTRUCTOR.md's recipe, run by bash on a served lab.

The script is README's second code block of that section, as a learner would paste it, with
three mechanical changes a terminal does not need: the shell already has the course's
programs on PATH (no ``source .venv/bin/activate``), ``yes`` is typed for apply/destroy, and
``--follow`` gets a Ctrl-C once the handler's lines are shown. ``aws s3 ls`` waits for the
asynchronous move as a learner's typing does. Each command and its output go to a transcript
(printed with ``pytest -s``, written to $LAMBDALAB_TRANSCRIPT when set).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.lab_helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FOLLOW_UNTIL = "Deleted original object"  # the handler's last line


def terminal_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## In a terminal\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def instructor_recipe() -> str:
    """INSTRUCTOR.md's terminal recipe, without the `lambdalab serve` line (terminal 1)."""
    guide = (ROOT / "INSTRUCTOR.md").read_text(encoding="utf-8")
    block = guide.split("- **Terminals.**", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines()]
    return "\n".join(line for line in lines if not line.startswith("lambdalab serve"))


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
            # Ctrl-C once the handler's lines have been shown (a learner reads them first): one
            # SIGINT to aws alone, as Ctrl-C sends; its exit status must still be 0. Waiting for
            # the lines, not for a fixed time, keeps this true on a busy machine. `set -m`: a
            # script's background job would otherwise ignore SIGINT.
            run = (
                f'out=$(mktemp); set -m; {command} > "$out" 2>&1 & tail_pid=$!; set +m; '
                f'for _ in $(seq 600); do grep -q "{FOLLOW_UNTIL}" "$out" && break; sleep 0.2; '
                f'done; sleep 1; kill -INT "$tail_pid"; wait "$tail_pid"; cat "$out"'
            )
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


def run_on_a_served_lab(tmp_path: Path, script: str, times: int) -> list[str]:
    """Run ``script`` ``times`` times in a copy of the course, all against one served lab."""
    work = tmp_path / "course"
    for folder in ("terraform", "lambda_functions"):
        shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("build", ".*"))
    port = free_port()
    shell = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    shell["PATH"] = f"{BIN}{os.pathsep}{shell['PATH']}"  # what `source .venv/bin/activate` does
    # This test's labs only: other labs of this user (a second test run) are not its business.
    shell["LAMBDALAB_RUNTIME_DIR"] = str(tmp_path / "runtime")
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", str(port)],
        env=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    shell["AWS_ENDPOINT_URL"] = endpoint  # the port `lambdalab env` asks
    transcripts = []
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(  # this lab: not whichever other lab is up while this one starts
            [sys.executable, "-m", "lambdalab", "env", "--endpoint", endpoint],
            env=shell,
            capture_output=True,
        ).returncode:
            assert time.monotonic() < deadline and server.poll() is None, "no served lab"
            time.sleep(0.3)
        for _ in range(times):
            done = subprocess.run(
                ["bash", "-c", script],
                # A terminal's Ctrl-C works even when this test runs in a background job.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
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
    return transcripts


def assert_the_hands_on_worked(text: str) -> None:
    assert "Apply complete! Resources: " in text
    bucket = re.search(r"upload: \./sample\.txt to s3://(hands-on-bucket-[0-9a-f]{8})/", text)
    assert bucket, "$(… output -raw bucket_name) is the bucket name alone"
    assert "Copied uploads/sample.txt to processed/sample.txt" in text
    assert "Deleted original object uploads/sample.txt" in text
    assert "Invalid choice" not in text and "Traceback" not in text


def test_readme_terminal_steps_run_against_a_served_lab(tmp_path):
    # Twice on the same lab: the second run meets what the first one left (nothing).
    transcripts = run_on_a_served_lab(tmp_path, as_script(terminal_blocks()[1]), times=2)
    print(transcripts[0])
    if os.environ.get("LAMBDALAB_TRANSCRIPT"):
        Path(os.environ["LAMBDALAB_TRANSCRIPT"]).write_text(transcripts[0], encoding="utf-8")
    for text in transcripts:
        assert_the_hands_on_worked(text)
        assert re.search(r"\d{2}:\d{2}:\d{2} +15 sample\.txt", text)  # processed/sample.txt
        assert "Destroy complete! Resources: " in text


def test_instructor_recipe_runs_again_on_a_lab_holding_its_earlier_hands_on(tmp_path):
    recipe = instructor_recipe()
    assert "destroy -auto-approve" in recipe and "lambdalab serve" not in recipe
    first, second = run_on_a_served_lab(tmp_path, as_script(recipe), times=2)
    assert_the_hands_on_worked(first)
    assert_the_hands_on_worked(second)
    # The second run's destroy removed the first run's resources before apply re-created them.
    assert "Destroy complete! Resources: 10 destroyed." in second
    assert "already exists" not in second
