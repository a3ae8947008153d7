"""``aws logs tail`` typed as in the article, with the course's AWS CLI v1 (lambdalab's plugin).

The real ``aws`` command runs against the lab; its output is compared with ``lambdalab logs
tail`` (one implementation, two front ends) and, where the machine has one, with a real AWS CLI
v2's built-in ``logs tail`` — the ground truth for "same output".
"""

from __future__ import annotations

import configparser
import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
AWS_V1 = str(BIN / "aws")
GROUP = "/aws/lambda/s3_move_lambda_function"
STREAM_A = "2025/11/24/[$LATEST]3893a0aa7fac4485b47bb75b671a283c"
STREAM_B = "2025/11/24/[$LATEST]77f0bbbb904a4a9285424e4110deecfc"


# Not imported here: importing awscli (v1) sets AWS_DATA_PATH in this process, which a child
# CLI v2 would inherit and then read v1's data files.


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture
def group(lab):
    """The article's log group holding two streams; timestamps on the lab's clock."""
    client = lab.client("logs")
    client.create_log_group(logGroupName=GROUP)
    now_ms = int(lab.now().timestamp() * 1000)
    lines = {
        STREAM_A: [
            (-7200_000, "an old line, two hours ago"),
            (-3000, "START RequestId: 91b754e9 Version: $LATEST"),
            (-2000, "Copied sample.txt to processed/sample.txt"),
            (-1000, '{"level": "INFO", "msg": "moved"}'),
        ],
        STREAM_B: [(-2500, "Deleted original object sample.txt\t"), (-500, "ERROR boom")],
    }
    for stream, events in lines.items():
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        client.put_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": now_ms + off, "message": m} for off, m in events],
        )
    return client


def test_the_lab_config_registers_the_plugin_and_nothing_else(lab):
    path = Path(lab.env()["AWS_CONFIG_FILE"])
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    # No profile, region, endpoint, role or credential_process that could reach real AWS.
    assert parser.sections() == ["plugins"]
    assert dict(parser["plugins"]) == {"lambdalab": "lambdalab.awscli_plugin"}


def test_the_course_cli_is_v1_and_has_logs_tail_through_the_plugin(lab):
    version = run([AWS_V1, "--version"])
    assert (version.stdout + version.stderr).startswith("aws-cli/1."), version
    helped = run([AWS_V1, "logs", "tail", "help"], env=dict(os.environ, PAGER="cat"))
    assert helped.returncode == 0, helped.stderr
    for option in ("--since", "--follow", "--format", "--filter-pattern", "--log-stream-names"):
        assert option in helped.stdout
    assert "Invalid choice" not in helped.stderr


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--since", "3h"],
        ["--format", "short"],
        ["--format", "json"],
        ["--filter-pattern", "sample"],
        ["--log-stream-names", STREAM_B],
        ["--log-stream-name-prefix", STREAM_A[:-5]],
        ["--color", "on", "--since", "1d"],
        ["--since", "2020-01-01T00:00:00Z", "--format", "short"],
    ],
    ids=lambda flags: " ".join(flags) or "defaults",
)
def test_aws_logs_tail_prints_what_lambdalab_logs_tail_prints(group, flags):
    aws = run([AWS_V1, "logs", "tail", GROUP, *flags])
    ours = run([sys.executable, "-m", "lambdalab", "logs", "tail", GROUP, *flags])
    assert aws.returncode == 0, aws.stderr
    assert aws.stderr == ""
    assert aws.stdout == ours.stdout
    assert aws.stdout, "the lab's lines are within --since"


def test_since_and_filters_select_the_right_lines(group):
    default = run([AWS_V1, "logs", "tail", GROUP, "--format", "short"]).stdout
    assert "an old line" not in default  # --since defaults to 10m, on the lab's clock
    assert default.count("\n") == 5
    assert "an old line" in run([AWS_V1, "logs", "tail", GROUP, "--since", "3h"]).stdout
    only_b = run([AWS_V1, "logs", "tail", GROUP, "--log-stream-names", STREAM_B]).stdout
    assert {line.split(" ")[1] for line in only_b.splitlines()} == {STREAM_B}
    # rstrip()-ed like the CLI: the trailing tab is gone.
    assert only_b.splitlines()[0].endswith("Deleted original object sample.txt")
    painted = run([AWS_V1, "logs", "tail", GROUP, "--color", "on"]).stdout
    assert "\x1b[32m" in painted and "\x1b[36m" in painted
    plain = run([AWS_V1, "logs", "tail", GROUP]).stdout  # not a TTY: no colour
    assert "\x1b[" not in plain
    pretty = run([AWS_V1, "logs", "tail", GROUP, "--format", "json"]).stdout
    assert '\n{\n    "level": "INFO",\n    "msg": "moved"\n}\n' in pretty


def test_errors_are_the_clis_not_a_traceback(lab):
    missing = run([AWS_V1, "logs", "tail", "/aws/lambda/nope"])
    assert missing.returncode == 254
    assert missing.stdout == ""
    assert missing.stderr == (
        "\nAn error occurred (ResourceNotFoundException) when calling the FilterLogEvents "
        "operation: The specified log group does not exist.\n"
    )
    both = run(
        [AWS_V1, "logs", "tail", GROUP, "--log-stream-names", "a", "--log-stream-name-prefix", "b"]
    )
    assert both.returncode == 252 and "cannot be used together" in both.stderr
    bad = run([AWS_V1, "logs", "tail", GROUP, "--format", "xml"])
    assert bad.returncode != 0 and "Invalid choice" in bad.stderr and "Traceback" not in bad.stderr


class LineReader:
    """Lines of a child's stdout, read by a thread (a pipe's buffer hides lines from select)."""

    def __init__(self, stream):
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for line in stream:
            self.lines.put(line)

    def until(self, predicate, timeout):
        """Lines up to the first that satisfies ``predicate`` (fewer if the timeout passes)."""
        got, deadline = [], time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.lines.get(timeout=left))
            except queue.Empty:
                break
            if predicate(got[-1]):
                break
        return got

    def rest(self, timeout=5.0):
        """Whatever is left once the child has exited."""
        got = []
        with contextlib.suppress(queue.Empty):
            while True:
                got.append(self.lines.get(timeout=timeout))
        return got


def test_follow_polls_prints_new_lines_once_and_ctrl_c_exits_0(group, lab):
    proc = subprocess.Popen(
        [AWS_V1, "logs", "tail", GROUP, "--follow", "--format", "short"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A terminal's Ctrl-C: the default SIGINT, even when this test runs in a background
        # job (where the shell makes children ignore SIGINT).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        reader = LineReader(proc.stdout)
        first = reader.until(lambda line: "ERROR boom" in line, timeout=30)
        assert len(first) == 5 and first[-1].endswith("ERROR boom\n")
        group.put_log_events(
            logGroupName=GROUP,
            logStreamName=STREAM_A,
            logEvents=[{"timestamp": int(lab.now().timestamp() * 1000), "message": "a new line"}],
        )
        # The next poll (every 5 s) prints only the new line, not the earlier ones again.
        later = reader.until(lambda line: "a new line" in line, timeout=30)
        assert [line.split(" ", 1)[1] for line in later] == ["a new line\n"]
        time.sleep(6)  # one more poll: still nothing new
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert reader.rest(timeout=1) == []
    assert "Traceback" not in err


def _aws_cli_v2() -> str | None:
    """A real AWS CLI v2 outside the course's venv (e.g. Debian's awscli package), if any."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != str(BIN))
    for candidate in (shutil.which("aws", path=path), "/usr/bin/aws", "/usr/local/bin/aws"):
        if candidate and os.access(candidate, os.X_OK):
            out = run([candidate, "--version"])
            if (out.stdout + out.stderr).startswith("aws-cli/2."):
                return candidate
    return None


@pytest.mark.skipif(_aws_cli_v2() is None, reason="no AWS CLI v2 on this machine")
@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--format", "short"],
        ["--format", "json"],
        ["--since", "3h"],
        ["--filter-pattern", "ERROR"],
    ],
    ids=lambda flags: " ".join(flags) or "defaults",
)
def test_the_plugin_prints_what_a_real_cli_v2_prints(group, lab, flags):
    # CLI v2 before 2.13 ignores AWS_ENDPOINT_URL, so say the endpoint on the command line.
    # It reads the lab's config too: the [plugins] section must not disturb it.
    v2 = run([_aws_cli_v2(), "logs", "tail", GROUP, *flags, "--endpoint-url", lab.endpoint_url])
    v1 = run([AWS_V1, "logs", "tail", GROUP, *flags])
    assert v2.returncode == 0, v2.stderr
    assert v1.stdout == v2.stdout
