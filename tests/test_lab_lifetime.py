"""Nothing outlives the lab: a lab in a child process, killed with SIGKILL or stopped.

Issue 11: a crashed or force-restarted kernel left busy environments spinning and handlers'
background processes running. Here the owner really dies (``kill -9``) while one handler
spins at 100% CPU and another has started processes in new sessions and through a double fork;
then the process table must hold none of them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalab.runtime.sandbox import process_tree
from tests.lab_helpers import process_alive, still_running

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

ROOT = Path(__file__).resolve().parent.parent

OWNER = textwrap.dedent(
    '''
    import json, sys, time
    import lambdalab
    from tests.lab_helpers import make_function

    BUSY = "def lambda_handler(e, c):\\n    while True:\\n        pass\\n"
    SPAWNER = """
    import subprocess, sys
    SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]
    DETACH = (
        "import subprocess as s; "
        "print(s.Popen(%r, start_new_session=True, stdout=s.DEVNULL, stderr=s.DEVNULL).pid)"
        % SLEEP
    )
    def lambda_handler(event, context):
        session = subprocess.Popen(SLEEP, start_new_session=True)
        middle = subprocess.run([sys.executable, "-c", DETACH], capture_output=True, text=True)
        return [session.pid, int(middle.stdout)]
    """

    lab = lambdalab.start()
    lam = lab.client("lambda")
    make_function(lab, "busy", BUSY, Timeout=5)
    make_function(lab, "spawner", SPAWNER, Timeout=30)
    lam.invoke(FunctionName="busy", InvocationType="Event", Payload=b"{}")
    deadline = time.monotonic() + 30
    while not any("busy" in p and "running" in p for p in lab.status()["pending"]):
        assert time.monotonic() < deadline, lab.status()["pending"]
        time.sleep(0.02)
    spawned = json.load(lam.invoke(FunctionName="spawner", Payload=b"{}")["Payload"])
    print(json.dumps({"spawned": spawned}), flush=True)
    if sys.argv[1] == "stop":
        lab.stop()
        print("stopped", flush=True)
    time.sleep(600)
    '''
)


@pytest.fixture
def owner():
    """Start the owner; yields (process, the pids its handlers started)."""
    procs: list[subprocess.Popen] = []

    def start(mode: str):
        proc = subprocess.Popen(
            [sys.executable, "-c", OWNER, mode],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
        )
        procs.append(proc)
        line = proc.stdout.readline()
        assert line, f"the owner exited with {proc.wait()}"
        return proc, json.loads(line)["spawned"]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_sigkill_of_the_owner_ends_every_environment_and_what_it_started(owner):
    proc, spawned = owner("kill")
    tree = process_tree(proc.pid)[1:]
    assert set(spawned) <= set(tree)  # the handlers' detached processes are still in view
    spinning = [pid for pid in tree if pid not in spawned]
    assert len(spinning) >= 2  # the busy environment's sandbox and runtime, at least
    assert all(process_alive(pid) for pid in tree)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert still_running(tree) == []


def test_lab_stop_ends_children_in_new_sessions(owner):
    proc, spawned = owner("stop")
    assert all(process_alive(pid) for pid in spawned)
    assert proc.stdout.readline() == "stopped\n"
    assert [pid for pid in spawned if process_alive(pid)] == []
