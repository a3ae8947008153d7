"""The runtime end to end: real handlers in subprocesses, with both runtime clients."""

from __future__ import annotations

import calendar
import json
import os
import re
import threading
import time

import pytest
from conftest import CREDENTIALS, ENDPOINT, HOST_RUNTIME, make_spec

from lambdalab.runtime import CapacityExceeded

NBSP = "\u00a0"

ECHO = """
import json, logging, os, sys
print("init print")
def handler(event, context):
    print("multi\\nline")
    print("to stderr", file=sys.stderr)
    logging.warning("careful %s", 42)
    if event.get("fail"):
        raise ValueError("boom")
    return {
        "event": event,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "remaining": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "env": {k: v for k, v in os.environ.items() if k.startswith(("AWS", "LAMBDA", "_"))},
        "tz": os.environ.get("TZ"),
        "cwd": os.getcwd(),
    }
"""


def body(result) -> dict:
    return json.loads(result.payload)


def test_success_payload_and_log_structure(svc, sink):
    result = svc.invoke(make_spec(ECHO), b'{"a": 1}', "req-1")
    assert result.ok and result.request_id == "req-1"
    assert body(result)["event"] == {"a": 1}
    assert body(result)["request_id"] == "req-1"
    assert body(result)["cwd"] == body(result)["env"]["LAMBDA_TASK_ROOT"]
    msgs = sink.messages(result.log_stream)
    assert msgs[0].startswith(f"INIT_START Runtime Version: {HOST_RUNTIME.replace('n3', 'n:3')}.v")
    assert msgs[1:4] == [
        "init print\n",
        "START RequestId: req-1 Version: $LATEST\n",
        "multi\n",
    ]
    assert msgs[4:6] == ["line\n", "to stderr\n"]
    assert re.fullmatch(
        r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\tcareful 42\n", msgs[6]
    )
    assert msgs[7] == "END RequestId: req-1\n"
    assert re.fullmatch(
        r"REPORT RequestId: req-1\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t\n",
        msgs[8],
    )
    assert len(msgs) == 9
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", result.log_stream)
    assert result.init_duration_ms is not None and result.init_duration_ms > 0
    assert result.log_tail == "".join(msgs[2:])  # START..REPORT only


def test_unhandled_exception(svc, sink):
    result = svc.invoke(make_spec(ECHO), b'{"fail": true}', "req-2")
    assert result.function_error == "Unhandled" and result.error_type == "ValueError"
    assert result.error_message == "boom"
    doc = body(result)
    assert doc == {
        "errorMessage": "boom",
        "errorType": "ValueError",
        "requestId": "req-2",
        "stackTrace": [
            '  File "/var/task/app.py", line 9, in handler\n    raise ValueError("boom")\n'
        ],
    }
    record = [m for m in sink.messages() if m.startswith("[ERROR]")]
    assert record == [
        "[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
        f'{NBSP * 2}File "/var/task/app.py", line 9, in handler\n'
        f'{NBSP * 4}raise ValueError("boom")'
    ]
    assert "Status:" not in result.log_tail  # a raised exception is not a platform fault


def test_trace_id_and_client_context_reach_the_handler(svc):
    code = """
import os
def handler(event, context):
    cc = context.client_context
    return [os.environ["_X_AMZN_TRACE_ID"], cc.custom if cc else None]
"""
    trace = "Root=1-67890abc-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0"
    result = svc.invoke(
        make_spec(code), b"{}", trace_id=trace, client_context='{"custom": {"k": "v"}}'
    )
    assert body(result) == [trace, {"k": "v"}]
    default = body(svc.invoke(make_spec(code), b"{}"))[0]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", default)


def test_environment_variables_and_remaining_time(svc, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "learner-admin-secret")
    monkeypatch.setenv("AWS_PROFILE", "learner")
    spec = make_spec(ECHO, environment={"STAGE": "dev"}, memory_size=256, timeout=60.0)
    result = svc.invoke(spec, b"{}")
    env = body(result)["env"]
    for key, value in CREDENTIALS.items():
        assert env[key] == value
    assert "AWS_PROFILE" not in env
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == result.log_stream
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "ap-northeast-1"
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{HOST_RUNTIME}"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["_HANDLER"] == "app.handler" and env["LAMBDA_TASK_ROOT"] == body(result)["cwd"]
    assert "_LAMBDA_TELEMETRY_LOG_FD" not in env
    assert body(result)["tz"] == ":UTC"
    # The deadline is the function's timeout from the start of the invoke: what has gone is at
    # most the invoke's own duration (plus a scheduling slice), whatever the machine's load.
    assert 60000 - result.duration_ms - 1000 <= body(result)["remaining"] <= 60000


def test_nested_handler_module(svc):
    spec = make_spec(
        {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": ECHO},
        handler="pkg.sub.mod.handler",
    )
    assert body(svc.invoke(spec, b'{"x": 2}'))["event"] == {"x": 2}


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        ({"app.py": ECHO}, "nomod.handler", "Runtime.ImportModuleError",
         "Unable to import module 'nomod': No module named 'nomod'"),
        ({"app.py": ECHO}, "app.missing", "Runtime.HandlerNotFound",
         "Handler 'missing' missing on module 'app'"),
        ({"app.py": "def handler(:\n"}, "app.handler", "Runtime.UserCodeSyntaxError",
         "Syntax error in module 'app': invalid syntax (app.py, line 1)"),
        ({"app.py": "import not_installed_xyz\n"}, "app.handler", "Runtime.ImportModuleError",
         "Unable to import module 'app': No module named 'not_installed_xyz'"),
    ],
)  # fmt: skip
def test_init_errors(svc, sink, files, handler, error_type, message):
    spec = make_spec(files, handler=handler)
    result = svc.invoke(spec, b"{}", "req-i")
    assert result.function_error == "Unhandled"
    assert result.error_type == error_type
    doc = body(result)
    assert doc["errorType"] == error_type and doc["errorMessage"] == message
    assert doc["requestId"] == ""
    msgs = sink.messages(result.log_stream)
    assert any(m.startswith(f"[ERROR] {error_type}: {message}") for m in msgs)
    assert any(m.startswith("INIT_REPORT Init Duration: ") and error_type in m for m in msgs)
    assert msgs[-1].endswith(f"\tStatus: error\tError Type: {error_type}\n")
    assert svc.environments() == []  # a failed INIT leaves no environment behind


def test_not_a_zip_gives_the_import_error(svc):
    spec = make_spec(ECHO)
    spec = type(spec)(**{**spec.__dict__, "code_zip": b"garbage", "code_sha256": ""})
    result = svc.invoke(spec, b"{}")
    assert result.error_type == "Runtime.ImportModuleError"
    assert body(result)["errorMessage"] == "Unable to import module 'app': No module named 'app'"


def test_timeout_kills_the_environment(svc, sink):
    code = "import time\ndef handler(e, c):\n    print('going to sleep')\n    time.sleep(30)\n"
    spec = make_spec(code, timeout=1.0)
    result = svc.invoke(spec, b"{}", "req-t")
    assert result.error_type == "Sandbox.Timedout"
    assert result.duration_ms == 1000.0
    assert body(result) == {
        "errorMessage": "RequestId: req-t Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }
    msgs = sink.messages(result.log_stream)
    assert "going to sleep\n" in msgs
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z req-t Task timed out after 1\.00 seconds\n",
        msgs[-3],
    )
    assert msgs[-2] == "END RequestId: req-t\n"
    assert "\tDuration: 1000.00 ms\t" in msgs[-1]
    assert msgs[-1].endswith("\tStatus: timeout\n")
    assert svc.environments() == []
    again = svc.invoke(spec, b"{}")  # a fresh environment: INIT again, new stream
    assert again.log_stream != result.log_stream and again.init_duration_ms is not None


def test_process_exit(svc, sink):
    code = "import os\ndef handler(e, c):\n    print('bye')\n    os._exit(e['code'])\n"
    result = svc.invoke(make_spec(code), b'{"code": 3}', "req-x")
    assert result.error_type == "Runtime.ExitError"
    assert body(result) == {
        "errorMessage": "RequestId: req-x Error: Runtime exited with error: exit status 3",
        "errorType": "Runtime.ExitError",
    }
    assert "bye\n" in sink.messages(result.log_stream)
    assert sink.messages(result.log_stream)[-1].endswith(
        "\tStatus: error\tError Type: Runtime.ExitError\n"
    )
    quiet = svc.invoke(make_spec(code), b'{"code": 0}', "req-0")
    assert (
        quiet.error_message == "RequestId: req-0 Error: Runtime exited without providing a reason"
    )


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="needs /proc")
def test_out_of_memory(svc, sink):
    code = "import time\ndef handler(e, c):\n    x = b'1' * (200 << 20)\n    time.sleep(5)\n"
    result = svc.invoke(make_spec(code, memory_size=128), b"{}", "req-m")
    assert result.error_type == "Runtime.OutOfMemory"
    assert body(result)["errorType"] == "Runtime.OutOfMemory"
    report = sink.messages(result.log_stream)[-1]
    assert "\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\n")
    assert svc.environments() == []


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="needs /proc")
def test_out_of_memory_between_two_memory_checks(svc, sink):
    # Allocates past the memory size and returns at once: the peak (VmHWM) still counts.
    code = "def handler(e, c):\n    x = b'1' * (200 << 20)\n    return len(x)\n"
    result = svc.invoke(make_spec(code, memory_size=128), b"{}", "req-m2")
    assert result.error_type == "Runtime.OutOfMemory"
    assert sink.messages(result.log_stream)[-1].endswith(
        "\tStatus: error\tError Type: Runtime.OutOfMemory\n"
    )
    assert svc.environments() == []


def test_warm_reuse(svc, sink):
    spec = make_spec(ECHO)
    first = svc.invoke(spec, b"{}")
    second = svc.invoke(spec, b"{}", "req-w")
    assert second.log_stream == first.log_stream
    assert second.init_duration_ms is None and "Init Duration" not in second.log_tail
    assert second.log_tail.startswith("START RequestId: req-w")
    assert "INIT_START" not in second.log_tail and "init print" not in second.log_tail
    assert sum(m.startswith("INIT_START") for m in sink.messages(first.log_stream)) == 1
    [env] = svc.environments()
    assert env.invocations == 2 and not env.busy and env.pid and env.rss_mb


def test_changed_configuration_starts_a_new_environment(svc):
    old = make_spec(ECHO)
    new = make_spec(ECHO, environment={"V": "2"})
    first = svc.invoke(old, b"{}")
    pid = svc.environments()[0].pid
    second = svc.invoke(new, b"{}")
    assert second.log_stream != first.log_stream and second.init_duration_ms is not None
    envs = svc.environments()
    assert [e.environment_key for e in envs] == [new.environment_key]
    assert envs[0].pid != pid


def test_capacity_and_eviction(service_factory, tmp_path):
    svc = service_factory(max_environments=1)
    release = tmp_path / "release"
    waits = (
        "import os, time\ndef handler(e, c):\n"
        f"    while not os.path.exists({str(release)!r}):\n        time.sleep(0.02)\n"
    )
    slow = make_spec(waits, name="slow", timeout=30.0)
    other = make_spec(ECHO, name="other")
    results = []
    t = threading.Thread(target=lambda: results.append(svc.invoke(slow, b"{}")))
    t.start()
    deadline = time.monotonic() + 5
    while not svc.environments() and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(CapacityExceeded):  # "slow" holds the only environment until released
        svc.invoke(other, b"{}")
    release.touch()
    t.join()
    assert results[0].ok
    # now the only environment is idle: it is evicted for the other function
    assert svc.invoke(other, b"{}").ok
    assert [e.function_name for e in svc.environments()] == ["other"]


def test_idle_environments_are_reaped_on_the_lab_clock(service_factory, clock):
    svc = service_factory(idle_timeout=60.0)
    svc.invoke(make_spec(ECHO), b"{}")
    assert svc.reap_idle() == 0 and len(svc.environments()) == 1
    clock.advance_to(clock.time() + 61)
    assert svc.reap_idle() == 1 and svc.environments() == []


def test_background_reaper(service_factory, clock):
    svc = service_factory(idle_timeout=0.2)
    svc.invoke(make_spec(ECHO), b"{}")
    deadline = time.monotonic() + 3
    while svc.environments() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert svc.environments() == []


# Each invoke announces itself in a folder, then waits (up to its timeout) until two have:
# run one after the other, the first would give up alone.
RENDEZVOUS = """
import os, time
def handler(event, context):
    if event == "warm-up":
        return event
    folder = os.environ["RENDEZVOUS"]
    open(os.path.join(folder, str(event)), "w").close()
    while len(os.listdir(folder)) < 2 and context.get_remaining_time_in_millis() > 500:
        time.sleep(0.01)
    return {"event": event, "met": len(os.listdir(folder)) >= 2}
"""


def test_concurrent_invokes_use_separate_environments(svc, sink, tmp_path):
    spec = make_spec(RENDEZVOUS, timeout=20.0, environment={"RENDEZVOUS": str(tmp_path)})
    svc.invoke(spec, b'"warm-up"')  # one warm environment to start with
    results = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(svc.invoke(spec, str(i).encode())))
        for i in (1, 2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(body(r)["event"] for r in results) == [1, 2]
    assert all(body(r)["met"] for r in results)
    first, second = results
    # They ran side by side: each one's START..END interval overlaps the other's.
    assert first.start < second.end and second.start < first.end
    assert len({r.log_stream for r in results}) == 2
    assert len(svc.environments()) == 2
    for r in results:  # each stream holds its own invoke's lines only
        assert r.log_tail.count("START RequestId") == 1


def test_stop_function_and_stop_all(svc):
    svc.invoke(make_spec(ECHO, name="a"), b"{}")
    svc.invoke(make_spec(ECHO, name="b"), b"{}")
    svc.stop_function("a")
    assert [e.function_name for e in svc.environments()] == ["b"]
    svc.stop_all()
    assert svc.environments() == []
    assert svc.invoke(make_spec(ECHO, name="a"), b"{}").ok  # still usable


def test_log_timestamps_follow_the_simulated_clock(svc, sink, clock):
    clock.advance_to(clock.time() + 3 * 3600)  # the lab's clock runs hours ahead
    before = clock.millis()
    result = svc.invoke(make_spec(ECHO), b"{}")
    after = clock.millis()
    stamps = [ts for _, s, ts, _ in sink.events if s == result.log_stream]
    # Every stamp lies within the invoke on the simulated clock (hours from the wall clock).
    assert stamps == sorted(stamps) and before <= stamps[0] and stamps[-1] <= after
    line = next(m for m in sink.messages() if m.startswith("[WARNING]"))
    logged = calendar.timegm(time.strptime(line.split("\t")[1][:19], "%Y-%m-%dT%H:%M:%S"))
    assert before // 1000 <= logged <= after // 1000  # the handler's logging line too
    assert result.start is not None and before <= result.start.timestamp() * 1000 <= after


def test_handler_output_without_newline_and_bytes_result(svc, sink):
    code = "import os\ndef handler(e, c):\n    print(os.getcwd(), end='')\n    return b'raw'\n"
    result = svc.invoke(make_spec(code), b"{}")
    assert result.payload == b"raw"
    assert "/var/task" in sink.messages(result.log_stream)  # the code directory, as on AWS


def test_json_log_format(svc, sink):
    code = "import logging\ndef handler(e, c):\n    print('plain')\n    logging.warning('w')\n"
    result = svc.invoke(make_spec(code, log_format="JSON"), b"{}", "req-j")
    msgs = sink.messages(result.log_stream)
    kinds = [json.loads(m).get("type") for m in msgs if m.startswith("{")]
    assert kinds == ["platform.initStart", "platform.start", None, "platform.report"]
    assert "plain\n" in msgs  # print stays plain text
    logged = json.loads(next(m for m in msgs if '"level"' in m))
    assert logged["message"] == "w" and logged["requestId"] == "req-j"
    report = json.loads(msgs[-1])["record"]
    assert report["requestId"] == "req-j" and report["status"] == "success"


@pytest.mark.skipif(os.name != "posix", reason="process groups and niceness are POSIX")
def test_environments_run_niced_in_their_own_process_group(svc):
    from lambdalab.runtime.environment import ENV_NICENESS

    svc.invoke(make_spec(ECHO), b"{}")
    (info,) = svc.environments()
    assert os.getpgid(info.pid) != os.getpgid(0)  # a group of its own
    # ...but in the lab's session: Linux shares CPU per session, which would undo the nice.
    assert os.getsid(info.pid) == os.getsid(0)
    assert os.getpriority(os.PRIO_PROCESS, info.pid) == max(
        ENV_NICENESS, os.getpriority(os.PRIO_PROCESS, 0)
    )


def test_a_crash_mid_invoke_is_noticed_at_once(svc, monkeypatch):
    from lambdalab.runtime import environment

    # The memory check's poll, out of the way: without the wake-up the exit would only be
    # seen at the 30 s deadline.
    monkeypatch.setattr(environment, "WATCH_POLL", 60.0)
    code = "import os, time\ndef handler(e, c):\n    time.sleep(0.2)\n    os._exit(1)\n"
    result = svc.invoke(make_spec(code, timeout=30.0), b"{}")
    assert result.error_type == "Runtime.ExitError"
    # The dropped Runtime API connection woke the watcher before the function's deadline.
    assert 200 <= result.duration_ms < 30_000
