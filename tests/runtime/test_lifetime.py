"""Nothing a handler starts outlives its environment: new sessions, double forks, timeouts.

The environment's sandbox process (``lambdalab.runtime.sandbox``) is a child subreaper on
Linux and kills its whole tree; these tests start such processes for real and read the
process table afterwards.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from conftest import make_spec

from tests.lab_helpers import process_alive, still_running

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# A child in a new session, and a grandchild whose parent exits at once (a double fork).
SPAWNER = """
import json, os, subprocess, sys, time
SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]
DETACH = (
    "import subprocess as s; "
    "print(s.Popen(%r, start_new_session=True, stdout=s.DEVNULL, stderr=s.DEVNULL).pid)" % SLEEP
)
def spawn():
    session = subprocess.Popen(SLEEP, start_new_session=True)
    middle = subprocess.run(
        [sys.executable, "-c", DETACH], capture_output=True, text=True, check=True
    )
    return [session.pid, int(middle.stdout)]
def handler(event, context):
    pids = spawn()
    print(json.dumps({"pids": pids}))
    if event == "hang":
        time.sleep(60)
    if event == "crash":
        os._exit(3)
    return {"pids": pids, "runtime": os.getpid()}
"""


def spawned(sink, result) -> list[int]:
    (line,) = [m for m in sink.messages(result.log_stream) if m.startswith('{"pids"')]
    return json.loads(line)["pids"]


def test_stop_ends_children_in_new_sessions_and_double_forks(svc, sink):
    result = svc.invoke(make_spec(SPAWNER, timeout=20.0), b'"return"')
    assert result.ok, result.payload
    pids = json.loads(result.payload)["pids"]
    assert all(process_alive(pid) for pid in pids)  # warm: AWS would freeze them, we keep them
    svc.stop_all()
    assert [pid for pid in pids if process_alive(pid)] == []  # gone when stop returns


def test_a_timeout_ends_what_the_handler_started(svc, sink):
    result = svc.invoke(make_spec(SPAWNER, timeout=3.0), b'"hang"')
    assert result.error_type == "Sandbox.Timedout"
    assert [pid for pid in spawned(sink, result) if process_alive(pid)] == []


def test_a_crash_ends_what_the_handler_started_and_keeps_the_exit_status(svc, sink):
    result = svc.invoke(make_spec(SPAWNER, timeout=20.0), b'"crash"')
    assert result.error_type == "Runtime.ExitError"
    assert json.loads(result.payload)["errorMessage"].endswith("exit status 3")
    assert still_running(spawned(sink, result)) == []


def test_a_signal_that_kills_the_runtime_is_reported_as_such(svc):
    code = "import os, signal\ndef handler(e, c):\n    os.kill(os.getpid(), signal.SIGABRT)\n"
    result = svc.invoke(make_spec(code), b"{}")
    assert result.error_type == "Runtime.ExitError"
    assert json.loads(result.payload)["errorMessage"].endswith("signal: aborted")


def test_the_reported_pid_is_the_handlers_process(svc):
    result = svc.invoke(make_spec(SPAWNER, timeout=20.0), b'"return"')
    (info,) = svc.environments()
    assert json.loads(result.payload)["runtime"] == info.pid


def test_children_are_found_without_the_kernels_children_files_too():
    import subprocess as sp

    from lambdalab.runtime import sandbox

    kids = [sp.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) for _ in range(2)]
    try:
        listed = sandbox.children(os.getpid())
        assert [k.pid for k in kids] == [p for p in listed if p in {k.pid for k in kids}]
        assert sandbox.children_by_scan(os.getpid()) == listed  # oldest first, the same
    finally:
        for kid in kids:
            kid.kill()
            kid.wait()
