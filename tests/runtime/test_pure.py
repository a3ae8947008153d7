"""Pure pieces: pipe framing, platform log lines, fault texts, env vars, code cache."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from conftest import make_spec

from lambdalab.runtime import envvars, faults
from lambdalab.runtime.codecache import CodeCache
from lambdalab.runtime.frames import (
    TEXT_ERROR_TYPE,
    Frame,
    FrameParser,
    Line,
    Marker,
    encode_frame,
    encode_marker,
)
from lambdalab.runtime.logformat import (
    JsonFormat,
    Report,
    TextFormat,
    billed_ms,
    log_stream_name,
    retime_logging_line,
)
from lambdalab.runtime.procmem import parse_status

WHEN = datetime(2025, 11, 24, 23, 11, 8, 123456, tzinfo=UTC)


def test_parser_splits_lines_and_keeps_frames_whole():
    p = FrameParser()
    err = encode_frame(TEXT_ERROR_TYPE, b"[ERROR] E: x\nTraceback", 5)
    out = p.feed(b"multi\nline\n" + err + b"tail")
    assert out == [
        Line("multi\n"),
        Line("line\n"),
        Frame(TEXT_ERROR_TYPE, 5, "[ERROR] E: x\nTraceback"),
    ]
    assert p.flush() == [Line("tail")]


def test_parser_handles_bytes_split_anywhere():
    data = b"a\n" + encode_frame(0xA55A0003, b"log\n") + b"partial" + encode_marker(7) + b"b\r\n"
    p = FrameParser()
    out = []
    for i in range(len(data)):
        out += p.feed(data[i : i + 1])
    assert out == [Line("a\n"), Frame(0xA55A0003, 0, "log\n"), Line("partial"), Marker(7)] + [
        Line("b\r\n")
    ]


def test_parser_treats_unknown_magic_as_text():
    p = FrameParser()
    assert p.feed(b"\xa5\x5aZZ not a frame\n") == [Line("\ufffdZZZ not a frame\n")]


def test_report_line_cold_warm_and_timeout():
    fmt = TextFormat()
    cold = fmt.report(Report("r1", 3.011, 128, 36, 110.1), WHEN)
    assert cold == (
        "REPORT RequestId: r1\tDuration: 3.01 ms\tBilled Duration: 114 ms\tMemory Size: 128 MB"
        "\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n"
    )
    warm = fmt.report(Report("r1", 2.9, 128, 36), WHEN)
    assert warm.endswith("Billed Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t\n")
    timeout = fmt.report(Report("r1", 1000.0, 128, 40, None, "timeout"), WHEN)
    assert timeout.endswith("\tMax Memory Used: 40 MB\tStatus: timeout\n")
    oom = fmt.report(Report("r1", 5.0, 128, 128, None, "error", "Runtime.OutOfMemory"), WHEN)
    assert oom.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\n")


def test_billed_duration_includes_init_and_rounds_up():
    assert billed_ms(15.74, 130.49) == 147  # the AWS documentation's example
    assert billed_ms(3.0, None) == 3
    assert billed_ms(0.2, None) == 1


def test_platform_lines():
    fmt = TextFormat()
    assert fmt.start("r1", "$LATEST", WHEN) == "START RequestId: r1 Version: $LATEST\n"
    assert fmt.end("r1", WHEN) == "END RequestId: r1\n"
    assert fmt.timed_out("r1", 3, WHEN) == (
        "2025-11-24T23:11:08.123Z r1 Task timed out after 3.00 seconds\n"
    )
    init = fmt.init_start("python3.12", "ap-northeast-1", WHEN)
    assert re.fullmatch(
        r"INIT_START Runtime Version: python:3\.12\.v\d+\tRuntime Version ARN: "
        r"arn:aws:lambda:ap-northeast-1::runtime:[0-9a-f]{64}\n",
        init,
    )
    assert re.fullmatch(r"2025/11/24/\[\$LATEST\][0-9a-f]{32}", log_stream_name(WHEN))


def test_json_format_report():
    line = JsonFormat().report(Report("r1", 3.0, 128, 36, 10.0), WHEN)
    assert line.startswith('{"time":"2025-11-24T23:11:08.123Z","type":"platform.report"')
    assert '"initDurationMs":10.0' in line and '"status":"success"' in line


def test_logging_line_gets_the_lab_clock_time():
    line = "[INFO]\t2020-01-01T00:00:00.000Z\treq\tmsg 2020-01-01T00:00:00.000Z\n"
    assert retime_logging_line(line, WHEN) == (
        "[INFO]\t2025-11-24T23:11:08.123Z\treq\tmsg 2020-01-01T00:00:00.000Z\n"
    )
    assert retime_logging_line("plain print\n", WHEN) == "plain print\n"


def test_fault_messages():
    assert faults.timeout_message("r", 3) == "RequestId: r Error: Task timed out after 3.00 seconds"
    assert (
        faults.exit_message("r", 2)
        == "RequestId: r Error: Runtime exited with error: exit status 2"
    )
    assert (
        faults.exit_message("r", 0)
        == "RequestId: r Error: Runtime exited without providing a reason"
    )
    assert faults.exit_message("r", -9).endswith("Runtime exited with error: signal: killed")
    assert faults.exit_message("r", -11).endswith("signal: segmentation fault")


def test_env_vars_do_not_leak_the_learners_aws_settings():
    spec = make_spec(
        "", runtime="python3.12", environment={"MY_VAR": "1", "AWS_REGION": "us-east-1"}
    )
    host = {"PATH": "/bin", "AWS_ACCESS_KEY_ID": "ADMIN", "AWS_PROFILE": "me", "HOME": "/root"}
    env = envvars.build(
        spec,
        code_dir="/c",
        runtime_dir="/r",
        runtime_api="127.0.0.1:1",
        log_stream="s",
        credentials={"AWS_ACCESS_KEY_ID": "ROLE", "AWS_SECRET_ACCESS_KEY": "x"},
        endpoint_url="http://e",
        host_env=host,
    )
    assert env["AWS_ACCESS_KEY_ID"] == "ROLE"
    assert "AWS_PROFILE" not in env and "HOME" not in env and "AWS_SESSION_TOKEN" not in env
    assert env["PATH"] == "/bin" and env["MY_VAR"] == "1"
    assert env["AWS_REGION"] == "ap-northeast-1"  # reserved variables win
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_ENDPOINT_URL"] == "http://e" and env["TZ"] == ":UTC"


def test_code_cache_extracts_once_and_tolerates_garbage(tmp_path):
    cache = CodeCache(str(tmp_path))
    spec = make_spec({"pkg/mod.py": "X = 1\n"})
    d1 = cache.directory(spec.code_sha256, spec.code_zip)
    (d1 / "marker").write_text("kept")
    assert cache.directory(spec.code_sha256, spec.code_zip) == d1
    assert (d1 / "pkg" / "mod.py").read_text() == "X = 1\n" and (d1 / "marker").exists()
    bad = cache.directory("0" * 64, b"not a zip")
    assert bad.is_dir() and list(bad.iterdir()) == []


def test_proc_status_parsing():
    mem = parse_status("Name:\tpython\nVmHWM:\t  40000 kB\nVmRSS:\t  30000 kB\n")
    assert mem is not None and mem.rss_mb == 30 and mem.peak_mb == 40
    assert parse_status("Name:\tzombie\n") is None
