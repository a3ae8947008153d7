"""A real terraform apply whose owner is killed (issue 11, items 1 and 2, terraform's part).

The owner (a stand-in for a notebook kernel: moto and ``real.run`` in one process) is killed with
SIGKILL while terraform is creating a queue. Terraform and its provider must end, interrupted
the way terraform wants (SIGINT: the half-created queue is recorded as tainted, the state lock
is released), and the next run must explain in one line what it cleaned up.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lambdalab.terraform import leftovers, lifeline, real, runner

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
provider "aws" {
  region = "ap-northeast-1"
}
resource "aws_sqs_queue" "q" {
  name = "killed-apply"
}
"""
OWNER = textwrap.dedent(
    """
    import logging, sys
    from moto import settings
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    from moto.server import ThreadedMotoServer
    from lambdalab.terraform import real
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"ENDPOINT http://{host}:{port}", flush=True)
    kw = {"chdir": sys.argv[1], "endpoint_url": f"http://{host}:{port}",
          "region": "ap-northeast-1", "force_watchdog": sys.argv[2] == "watchdog"}
    def out(line):
        sys.stdout.write(line)
        sys.stdout.flush()
    assert real.run(["init", "-input=false", "-no-color"], out=lambda l: None, **kw).returncode == 0
    real.run(["apply", "-auto-approve", "-no-color"], out=out, **kw)
    """
)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` in the process table (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, parent in parents.items() if parent in frontier}
        found |= children
        frontier = children
    return found


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the Linux process table")
@pytest.mark.parametrize("mechanism", ["pdeathsig", "watchdog"])
def test_killing_the_owner_interrupts_terraform_and_the_next_run_explains(tmp_path, mechanism):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "main.tf").write_text(CONFIG)
    ok, reason = real.usable(config)
    if not ok:
        pytest.skip(f"real terraform is not usable here: {reason}")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(config), mechanism],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert owner.stdout is not None
        endpoint = owner.stdout.readline().split()[-1]
        for line in owner.stdout:
            if "aws_sqs_queue.q: Creating..." in line:
                break
        else:
            pytest.fail(f"the apply never started creating (exit {owner.wait()})")
        _wait_for_queue(endpoint)  # mid-operation: the queue exists, terraform still waits
        family = _descendants(owner.pid)
        names = {Path(f"/proc/{p}/exe").resolve().name for p in family if _running(p)}
        assert "terraform" in names and any(n.startswith("terraform-provider-aws") for n in names)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
    finally:
        if owner.poll() is None:
            owner.kill()
    deadline = time.monotonic() + 60  # a liveness bound on a busy machine, not a speed target
    while any(_running(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in family if _running(p)] == []  # nothing of the run outlives its owner

    # Terraform shut down as on Ctrl-C: the half-made queue is in the state, tainted, and the
    # state lock was released (no lock info left, nobody holds the fcntl lock).
    state = json.loads((config / "terraform.tfstate").read_text())
    (queue,) = state["resources"]
    assert queue["type"] == "aws_sqs_queue" and queue["instances"][0]["status"] == "tainted"
    assert not (config / leftovers.LOCK_INFO).exists()
    assert not leftovers.lock_held(config / "terraform.tfstate")
    assert (config / real.OVERRIDE_NAME).exists()  # the owner could not remove it

    # The next run: one line about the leftover, then terraform as usual, no traceback.
    out = io.StringIO()
    server = _moto()
    try:
        host, port = server.get_host_and_port()
        proc = real.run(
            ["plan", "-input=false", "-no-color"],
            chdir=config,
            endpoint_url=f"http://{host}:{port}",
            region="ap-northeast-1",
            out=out.write,
        )
    finally:
        server.stop()
    text = out.getvalue()
    first = text.splitlines()[0]
    assert first.startswith(f"[lambdalab] removed {real.OVERRIDE_NAME} left by an interrupted")
    assert f"pid {owner.pid} is gone" in first
    assert "Traceback" not in text and proc.returncode == 0, text
    assert "Plan: 1 to add" in text  # the tainted queue (gone with the old cloud) is made again
    assert not (config / real.OVERRIDE_NAME).exists()


def _wait_for_queue(endpoint: str) -> None:
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="ap-northeast-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    deadline = time.monotonic() + 60
    while not sqs.list_queues().get("QueueUrls") and time.monotonic() < deadline:
        time.sleep(0.1)


def _moto():
    from moto import settings
    from moto.server import ThreadedMotoServer

    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


# ------------------------------------------------------------------------------ leftovers


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _override(directory: Path, pid: int) -> Path:
    path = directory / real.OVERRIDE_NAME
    text = real.override_text("http://127.0.0.1:1", "us-east-1")
    path.write_text(text.replace(f"(pid {os.getpid()})", f"(pid {pid})"))
    return path


def test_a_stale_override_is_removed_with_one_line(tmp_path):
    pid = _dead_pid()
    path = _override(tmp_path, pid)
    lines: list[str] = []
    leftovers.recover(tmp_path, lines.append)
    assert lines == [
        f"[lambdalab] removed {real.OVERRIDE_NAME} left by an interrupted terraform run "
        f"(pid {pid} is gone).\n"
    ]
    assert not path.exists()


def test_the_override_of_a_live_run_is_left_alone(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = _override(tmp_path, live.pid)
        with pytest.raises(leftovers.DirectoryBusy) as info:
            leftovers.recover(tmp_path, print)
    finally:
        live.kill()
        live.wait()
    message = str(info.value)
    assert f"another lambdalab terraform run (pid {live.pid}) is using {tmp_path}" in message
    assert "\n" not in message and path.exists()


def test_an_override_that_is_not_lambdalabs_is_never_removed(tmp_path):
    path = tmp_path / real.OVERRIDE_NAME
    path.write_text('provider "aws" {}\n')
    with pytest.raises(leftovers.DirectoryBusy, match="is not lambdalab's provider override"):
        leftovers.recover(tmp_path, print)
    assert path.read_text() == 'provider "aws" {}\n'


LOCK_INFO = {
    "ID": "2f1c7e0a-1111-2222-3333-444455556666",
    "Operation": "OperationTypeApply",
    "Info": "",
    "Who": "learner@laptop",
    "Version": "1.11.4",
    "Created": "2026-12-01T09:00:00.000000Z",
    "Path": "terraform.tfstate",
}
HOLD_LOCK = (
    "import fcntl, os, sys, time\n"
    "fd = os.open(sys.argv[1], os.O_RDWR)\n"
    "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
    "print('locked', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks")
def test_a_lock_left_by_a_killed_terraform_is_explained_only_when_nobody_holds_it(tmp_path):
    state = tmp_path / "terraform.tfstate"
    state.write_text("{}")
    (tmp_path / leftovers.LOCK_INFO).write_text(json.dumps(LOCK_INFO))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(state)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        lines: list[str] = []
        leftovers.recover(tmp_path, lines.append)
        assert lines == []  # a terraform is running: its own lock error will say so
    finally:
        holder.kill()
        holder.wait()
    leftovers.recover(tmp_path, lines.append)
    assert lines == [
        f"[lambdalab] {leftovers.LOCK_INFO} is left from a terraform that was killed "
        "(terraform apply, 2026-12-01T09:00:00.000000Z); no process holds the lock now, so "
        "terraform takes it again. If that run was an apply, check its resources with "
        "terraform plan.\n"
    ]


def test_the_runner_recovers_before_either_engine_reads_the_files(_lab, tmp_path):
    """The built-in engine would read the leftover as an override file of its own."""
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "x"\n}\n')
    _override(tmp_path, _dead_pid())
    out = io.StringIO()
    code = runner.run(_lab, ["validate"], chdir=tmp_path, engine="builtin", out=out)
    text = out.getvalue()
    assert code == 0, text
    assert text.startswith(f"[lambdalab] removed {real.OVERRIDE_NAME} left by an interrupted")
    assert "Success! The configuration is valid." in text


def test_a_busy_directory_is_one_line_from_the_runner(_lab, tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "x"\n}\n')
    (tmp_path / real.OVERRIDE_NAME).write_text("# mine\n")
    out = io.StringIO()
    code = runner.run(_lab, ["plan"], chdir=tmp_path, engine="builtin", out=out)
    assert code == 1
    assert out.getvalue().count("\n") == 1 and "Traceback" not in out.getvalue()


CHILD = (
    "import pathlib, signal, sys, time\n"
    "def stop(*_):\n"
    "    pathlib.Path(sys.argv[1]).write_text('interrupted')\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGINT, stop)\n"
    "print('up', flush=True)\n"
    "time.sleep(120)\n"
)
SMALL_OWNER = (
    "import sys\n"
    "from pathlib import Path\n"
    "from lambdalab.terraform import lifeline\n"
    "child = lifeline.Child([sys.executable, '-c', sys.argv[1], sys.argv[2]], Path(sys.argv[3]),\n"
    "                       force_watchdog=sys.argv[4] == 'watchdog')\n"
    "for line in child.lines():\n"
    "    print(line, end='', flush=True)\n"
)


@pytest.mark.parametrize("mechanism", ["pdeathsig", "watchdog"])
def test_a_child_gets_sigint_when_its_owner_is_killed(tmp_path, mechanism):
    """Both lifelines, without terraform: the child's SIGINT handler runs after a SIGKILL."""
    if mechanism == "pdeathsig" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    marker = tmp_path / "marker"
    owner = subprocess.Popen(
        [sys.executable, "-c", SMALL_OWNER, CHILD, str(marker), str(tmp_path), mechanism],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert owner.stdout is not None and owner.stdout.readline() == "up\n"
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 60  # a liveness bound, not a speed target
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text() == "interrupted"


def test_a_finished_run_leaves_no_output_file_and_no_watchdog(tmp_path):
    child = lifeline.Child([sys.executable, "-c", "print('hi')"], tmp_path, force_watchdog=True)
    assert list(child.lines()) == ["hi\n"]
    watchdog = child.watchdog
    child.release()
    assert watchdog is not None and watchdog.returncode == 0
    assert list(tmp_path.iterdir()) == []
    # the CLI config folder is one per user, private, reused by every run
    assert real.config_dir() == real.config_dir()
    assert real.config_dir().stat().st_mode & 0o077 == 0
