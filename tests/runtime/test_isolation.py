"""Environments are separate: only an environment's own processes may use its Runtime API.

The attacks are real: a "thief" handler in another function finds the victim's port the way
any local process can (``/proc/<pid>/environ``) and polls it; the test process itself tries
too. See docs/SECURITY.md for what the operating system does not separate.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import make_spec

from lambdalab.runtime import peers

pytestmark = pytest.mark.skipif(not peers.supported(), reason="peer checks need Linux /proc")

VICTIM = """
def handler(event, context):
    return {"victim": event}
"""

# Finds the victim's Runtime API like any local process can, then tries to take its work.
THIEF = """
import http.client, json, os, time
def find(function_name):
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\\0") if b"=" in v)
        except OSError:
            continue
        if env.get(b"AWS_LAMBDA_FUNCTION_NAME") == function_name.encode():
            return env[b"AWS_LAMBDA_RUNTIME_API"].decode()
def handler(event, context):
    address = find(event["victim"])
    tries = []
    open(event["ready"], "w").close()
    for _ in range(3):
        conn = http.client.HTTPConnection(address, timeout=10)
        conn.request("GET", "/2018-06-01/runtime/invocation/next")
        r = conn.getresponse()
        body = r.read()
        tries.append({"status": r.status, "body": body.decode()})
        request_id = r.getheader("Lambda-Runtime-Aws-Request-Id")
        if r.status == 200 and request_id:
            path = f"/2018-06-01/runtime/invocation/{request_id}/response"
            conn.request("POST", path, b'"stolen"', {"Content-Type": "application/json"})
            tries[-1]["answered"] = conn.getresponse().status
        conn.close()
    return {"address": address, "tries": tries}
"""


# Unique on the machine: another test run's victim (a second lab on a shared host) must not
# be the one the thief finds first in /proc.
VICTIM_NAME = f"victim-{os.getpid()}"


def runtime_api_of(pid: int) -> str:
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
    return env[b"AWS_LAMBDA_RUNTIME_API"].decode()


def test_a_thief_handler_cannot_take_another_functions_invocations(svc, tmp_path):
    victim = make_spec(VICTIM, name=VICTIM_NAME)
    thief = make_spec(THIEF, name="thief", timeout=30.0)
    assert json.loads(svc.invoke(victim, b"0").payload) == {"victim": 0}  # warm, polling /next
    ready = tmp_path / "ready"
    stolen: list = []
    attack = threading.Thread(
        target=lambda: stolen.append(
            svc.invoke(thief, json.dumps({"victim": VICTIM_NAME, "ready": str(ready)}).encode())
        )
    )
    attack.start()
    deadline = time.monotonic() + 20
    while not ready.exists() and attack.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    # While the thief polls, the victim keeps getting (and answering) its own invocations.
    for i in range(1, 4):
        assert json.loads(svc.invoke(victim, str(i).encode()).payload) == {"victim": i}
    attack.join(30)
    (result,) = stolen
    assert result.ok, result.payload
    report = json.loads(result.payload)
    assert report["address"] == runtime_api_of(
        next(e.pid for e in svc.environments() if e.function_name == VICTIM_NAME)
    )
    assert [t["status"] for t in report["tries"]] == [403, 403, 403]
    assert all("answered" not in t for t in report["tries"])
    error = json.loads(report["tries"][0]["body"])
    assert error["errorType"] == "AccessDeniedException"
    assert "another execution environment" in error["errorMessage"]


def test_a_process_outside_any_environment_is_refused(svc):
    victim = make_spec(VICTIM, name=VICTIM_NAME)
    assert svc.invoke(victim, b"1").ok
    (info,) = svc.environments()
    conn = http.client.HTTPConnection(runtime_api_of(info.pid), timeout=10)
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    response = conn.getresponse()
    assert (response.status, response.getheader("Content-Type")) == (403, "application/json")
    assert json.loads(response.read())["errorType"] == "AccessDeniedException"
    conn.close()
    conn = http.client.HTTPConnection(runtime_api_of(info.pid), timeout=10)
    conn.request("POST", "/2018-06-01/runtime/init/error", b"{}")
    assert conn.getresponse().status == 403
    conn.close()
    # The environment is unharmed: same process, next invoke answered by the handler.
    result = svc.invoke(victim, b"2")
    assert json.loads(result.payload) == {"victim": 2}
    assert [e.pid for e in svc.environments()] == [info.pid]


# -- the peer lookup itself ---------------------------------------------------------------

TABLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C40 0100007F:1F90 06 00000000:00000000 03:00000476 00000000     0        0 0 3 0
   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0
   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0
"""


@pytest.mark.skipif(sys.byteorder != "little", reason="the sample table is little-endian")
def test_find_inode_skips_lingering_connections_and_reads_the_right_direction():
    peer, server = ("127.0.0.1", 0x9C40), ("127.0.0.1", 0x1F90)
    assert peers.find_inode(TABLE, peer, server) == 4242  # not the TIME_WAIT line (inode 0)
    assert peers.find_inode(TABLE, server, peer) == 4243
    assert peers.find_inode(TABLE, ("127.0.0.2", 0x9C40), server) is None


def test_peer_in_tree_follows_descendants_only():
    listener = socket.create_server(("127.0.0.1", 0))
    server = listener.getsockname()
    code = (
        "import socket, sys, time\n"
        f"s = socket.create_connection({server!r})\n"
        "sys.stdout.write('connected\\n'); sys.stdout.flush(); time.sleep(30)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.stdout.readline() == b"connected\n"
        conn, peer = listener.accept()
        assert peers.peer_in_tree(peer, server, child.pid)
        assert peers.peer_in_tree(peer, server, os.getpid())  # the child is our descendant
        assert not peers.peer_in_tree(peer, server, bystander.pid)
        conn.close()
    finally:
        for proc in (child, bystander):
            proc.kill()
            proc.wait()
        listener.close()


def test_netlink_and_the_proc_table_name_the_same_socket():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    conn, peer = listener.accept()
    try:
        with open("/proc/net/tcp") as f:
            from_table = peers.find_inode(f.read(), peer, listener.getsockname())
        assert from_table == os.stat(f"/proc/self/fd/{client.fileno()}").st_ino
        assert peers.connection_inode(peer, listener.getsockname()) == from_table
        assert peers.connection_inode(("127.0.0.1", 1), listener.getsockname()) is None
    finally:
        for s in (conn, client, listener):
            s.close()
