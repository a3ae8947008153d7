"""``lambdalab logs tail`` against the AWS CLI v2 ``aws logs tail`` behaviour.

[AWS_BEHAVIOUR: logs-tail]
"""

from __future__ import annotations

import http.server
import io
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from lambdalab import logs

REQ = "8f507cfc-xmpl-4697-b07a-ac58fc914c95"
STREAM = "2025/11/24/[$LATEST]3893xmpl7fac4485b47bb75b671a283c"
T0 = datetime(2025, 11, 24, 23, 11, 8, 123000, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)


def ev(offset_ms, message, *, event_id=None, stream=STREAM):
    ts = T0_MS + offset_ms
    return {
        "logStreamName": stream,
        "timestamp": ts,
        "message": message,
        "ingestionTime": ts + 5,
        "eventId": event_id or f"{ts}-{abs(hash(message)) % 1000}",
    }


LAMBDA_EVENTS = [
    ev(0, f"START RequestId: {REQ} Version: $LATEST\n"),
    ev(1, "## EVENT\n"),
    ev(2, "{'key': 'value'}\n"),
    ev(3, f"END RequestId: {REQ}\n"),
    ev(
        3,
        f"REPORT RequestId: {REQ}\tDuration: 3.01 ms\tBilled Duration: 4 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n",
    ),
]


class FakeLogs:
    """A FilterLogEvents stand-in with real paging (``page_size`` events per response)."""

    def __init__(self, events=(), page_size=2):
        self.events = list(events)
        self.page_size = page_size
        self.calls = []

    def filter_log_events(self, **kwargs):
        self.calls.append(dict(kwargs))
        found = [
            e
            for e in self.events
            if e["timestamp"] >= kwargs.get("startTime", 0)
            and e["timestamp"] <= kwargs.get("endTime", 2**63)
        ]
        first = int(kwargs.get("nextToken", 0))
        page = found[first : first + self.page_size]
        response = {"events": [dict(e) for e in page]}
        if first + self.page_size < len(found):
            response["nextToken"] = str(first + self.page_size)
        return response

    def get_paginator(self, name):
        assert name == "filter_log_events"
        client = self

        class Paginator:
            def paginate(self, **kwargs):
                kwargs = dict(kwargs)
                while True:
                    page = client.filter_log_events(**kwargs)
                    yield page
                    if "nextToken" not in page:
                        return
                    kwargs["nextToken"] = page["nextToken"]

        return Paginator()


def run_tail(client, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    kwargs.setdefault("now", T0 + timedelta(minutes=1))
    rc = logs.tail("/aws/lambda/fn", client=client, out=out, err=err, **kwargs)
    return rc, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------- formatting
def test_detailed_format_matches_the_cli_byte_for_byte():
    rc, out, err = run_tail(FakeLogs(LAMBDA_EVENTS))
    assert (rc, err) == (0, "")
    assert out == (
        f"2025-11-24T23:11:08.123000+00:00 {STREAM} START RequestId: {REQ} Version: $LATEST\n"
        f"2025-11-24T23:11:08.124000+00:00 {STREAM} ## EVENT\n"
        f"2025-11-24T23:11:08.125000+00:00 {STREAM} {{'key': 'value'}}\n"
        f"2025-11-24T23:11:08.126000+00:00 {STREAM} END RequestId: {REQ}\n"
        f"2025-11-24T23:11:08.126000+00:00 {STREAM} REPORT RequestId: {REQ}\tDuration: 3.01 ms"
        "\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB"
        "\tInit Duration: 110.10 ms\n"
    )


def test_microseconds_are_kept_when_zero():
    event = ev(-123, "x")  # a whole second
    assert logs.format_event(event).startswith("2025-11-24T23:11:08.000000+00:00 ")


def test_short_format():
    rc, out, _ = run_tail(FakeLogs(LAMBDA_EVENTS[:2]), format="short")
    assert out == f"2025-11-24T23:11:08 START RequestId: {REQ} Version: $LATEST\n" + (
        "2025-11-24T23:11:08 ## EVENT\n"
    )


def test_json_format_pretty_prints_only_whole_json_messages():
    events = [ev(0, '{"level": "INFO", "n": 1}\n'), ev(1, "[INFO]\tnot json {1}\n")]
    rc, out, _ = run_tail(FakeLogs(events), format="json")
    assert rc == 0
    assert out == (
        f'2025-11-24T23:11:08.123000+00:00 {STREAM} \n{{\n    "level": "INFO",\n    "n": 1\n}}\n'
        f"2025-11-24T23:11:08.124000+00:00 {STREAM} [INFO]\tnot json {{1}}\n"
    )


def test_multiline_error_event_keeps_inner_newlines_and_nbsp():
    message = (
        "[ERROR] CustomException: some error occurred\nTraceback (most recent call last):\n"
        '\u00a0\u00a0File "/var/task/handler.py", line 6, in handler\n'
    )
    line = logs.format_event(ev(0, message), "short")
    assert line == "2025-11-24T23:11:08 " + message.rstrip() + "\n"
    assert line.count("\n") == 3


def test_colour_only_when_asked_or_on_a_tty():
    rc, out, _ = run_tail(FakeLogs(LAMBDA_EVENTS[:1]), color="on")
    assert out.startswith("\x1b[32m2025-11-24T23:11:08.123000+00:00\x1b[0m \x1b[36m" + STREAM)
    _, plain, _ = run_tail(FakeLogs(LAMBDA_EVENTS[:1]))  # auto + StringIO: not a TTY
    assert "\x1b[" not in plain

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    logs.tail("/g", client=FakeLogs(LAMBDA_EVENTS[:1]), now=T0, out=tty, since=None)
    assert "\x1b[32m" in tty.getvalue()
    tty2 = Tty()
    logs.tail("/g", client=FakeLogs(LAMBDA_EVENTS[:1]), now=T0, out=tty2, since=None, color="off")
    assert "\x1b[" not in tty2.getvalue()


# ------------------------------------------------------------------------------------ since
def test_since_is_relative_to_the_given_clock():
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    ms = int(now.timestamp() * 1000)
    assert logs.parse_since("10m", now) == ms - 600_000
    assert logs.parse_since("30s", now) == ms - 30_000
    assert logs.parse_since("2h", now) == ms - 7_200_000
    assert logs.parse_since("1d", now) == ms - 86_400_000
    assert logs.parse_since("1w", now) == ms - 7 * 86_400_000
    iso = datetime(2025, 11, 24, 23, 0, tzinfo=UTC).timestamp() * 1000
    assert logs.parse_since("2025-11-24T23:00:00Z", now) == iso
    assert logs.parse_since("2025-11-24T23:00:00", now) == iso  # naive = UTC, as in the CLI
    assert logs.parse_since("2025-11-25T08:00:00+09:00", now) == iso


def test_tail_sends_interleaved_start_time_from_lab_now():
    client = FakeLogs(LAMBDA_EVENTS)
    lab_now = T0 + timedelta(hours=5)  # simulated clock far ahead of any wall clock
    run_tail(client, now=lambda: lab_now, since="10m", filter_pattern="ERROR")
    first = client.calls[0]
    assert first["interleaved"] is True
    assert first["startTime"] == int(lab_now.timestamp() * 1000) - 600_000
    assert first["filterPattern"] == "ERROR"
    assert first["logGroupName"] == "/aws/lambda/fn"
    client2 = FakeLogs()
    run_tail(client2, now=T0.timestamp(), since="1m", log_stream_names=[STREAM])
    assert client2.calls[0]["startTime"] == T0_MS - 60_000
    assert client2.calls[0]["logStreamNames"] == [STREAM]


def test_all_pages_are_read():
    many = [ev(i, f"line {i}", event_id=str(i)) for i in range(7)]
    client = FakeLogs(many, page_size=3)
    rc, out, _ = run_tail(client)
    assert [line.split(" ", 2)[2] for line in out.splitlines()] == [f"line {i}" for i in range(7)]
    assert len(client.calls) == 3
    assert client.calls[1]["nextToken"] == "3"


def test_bad_since_is_reported_without_traceback():
    rc, out, err = run_tail(FakeLogs(), since="not-a-time-at-all")
    assert rc == logs.GENERAL_ERROR_RC
    assert out == "" and err.startswith("\nInvalid timestamp") and "Traceback" not in err


def test_stream_names_and_prefix_are_mutually_exclusive():
    rc, _, err = run_tail(FakeLogs(), log_stream_names=["a"], log_stream_name_prefix="b")
    assert rc == 252 and "cannot be used together" in err


# ----------------------------------------------------------------------------------- follow
class GrowingLogs(FakeLogs):
    """Each poll reveals more events, and (like AWS) repeats those at the start time."""

    def __init__(self, batches):
        super().__init__(page_size=100)
        self.batches = list(batches)

    def filter_log_events(self, **kwargs):
        if self.batches:
            self.events.extend(self.batches.pop(0))
        return super().filter_log_events(**kwargs)


def test_follow_polls_from_newest_timestamp_without_duplicates():
    a, b, c = ev(0, "a", event_id="1"), ev(5, "b", event_id="2"), ev(5, "c", event_id="3")
    d = ev(9, "d", event_id="4")
    client = GrowingLogs([[a, b], [c], [d], []])
    sleeps = []
    events = list(
        logs.iter_follow(
            client, {"logGroupName": "/g", "interleaved": True, "startTime": 0},
            poll_interval=5.0, max_polls=3, sleep=sleeps.append,
        )
    )  # fmt: skip
    assert [e["message"] for e in events] == ["a", "b", "c", "d"]
    assert sleeps == [5.0, 5.0, 5.0]
    assert [call["startTime"] for call in client.calls] == [0, T0_MS + 5, T0_MS + 5, T0_MS + 9]


def test_follow_through_tail_with_max_polls():
    client = GrowingLogs([[ev(0, "a", event_id="1")], [ev(1, "b", event_id="2")]])
    rc, out, _ = run_tail(client, follow=True, poll_interval=0, max_polls=2, format="short")
    assert rc == 0
    assert out == "2025-11-24T23:11:08 a\n2025-11-24T23:11:08 b\n"


def test_ctrl_c_ends_follow_cleanly():
    class Interrupted(FakeLogs):
        def filter_log_events(self, **kwargs):
            if self.calls:
                raise KeyboardInterrupt
            return super().filter_log_events(**kwargs)

    rc, out, err = run_tail(Interrupted([ev(0, "a")]), follow=True, poll_interval=0)
    assert (rc, err) == (0, "")
    assert out.endswith(" a\n")


def test_ctrl_c_without_follow_is_130_like_the_cli():
    class Interrupted(FakeLogs):
        def get_paginator(self, name):
            raise KeyboardInterrupt

    rc, out, _ = run_tail(Interrupted())
    assert rc == 130 and out == "\n"


# ------------------------------------------------------------------------------- lab clock
class _Status(http.server.BaseHTTPRequestHandler):
    now = 0.0

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({"now": self.now, "clock": "fast"}).encode()
        code = 200 if self.path == "/_lambdalab/status" else 404
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def status_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_lab_now_reads_the_status_endpoint(status_server, monkeypatch):
    server, url = status_server
    _Status.now = T0.timestamp() + 3 * 3600
    assert logs.lab_now(url) == T0 + timedelta(hours=3)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    assert logs.resolve_now() == T0 + timedelta(hours=3)
    assert logs.resolve_now(T0) == T0  # an explicit clock wins


def test_lab_now_falls_back_to_wall_time_when_no_lab(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert logs.lab_now() is None
    assert logs.lab_now("http://127.0.0.1:9", timeout=0.2) is None  # nothing listens there
    before = datetime.now(UTC)
    assert before <= logs.resolve_now() <= datetime.now(UTC)


# ------------------------------------------------------------------------------ moto server
@pytest.fixture
def aws(lab):
    """A CloudWatch Logs client of the running lab (moto server with IAM enforced)."""
    yield lab.client("logs")


def test_missing_log_group_prints_the_aws_error_and_returns_254(aws):
    out, err = io.StringIO(), io.StringIO()
    rc = logs.tail("/aws/lambda/nope", client=aws, out=out, err=err, now=T0)
    assert rc == 254
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "\nAn error occurred (ResourceNotFoundException) when calling the FilterLogEvents "
        "operation: The specified log group does not exist.\n"
    )


def _write_backend(group, stream, events):
    # How the lab stores lines: straight into moto's backend, even hours ahead of wall time.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.logs.models import logs_backends

    backend = logs_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"]
    if group not in backend.groups:
        backend.create_log_group(group, tags={})
    if stream not in backend.groups[group].streams:
        backend.groups[group].create_log_stream(stream)
    backend.groups[group].streams[stream].put_log_events(
        [{"timestamp": ts, "message": m} for ts, m in events]
    )


def test_since_counts_in_lab_time_after_a_fast_forward(aws):
    wall = datetime.now(UTC)
    lab_now = wall + timedelta(hours=3, minutes=1)  # the lab skipped two retry waits and more
    _write_backend(
        "/aws/lambda/fn",
        STREAM,
        [
            (int(wall.timestamp() * 1000), "old"),
            (int((wall + timedelta(hours=3)).timestamp() * 1000), "new"),
        ],
    )
    out = io.StringIO()
    logs.tail("/aws/lambda/fn", client=aws, out=out, now=lab_now, format="short")
    assert [line.split(" ", 1)[1] for line in out.getvalue().splitlines()] == ["new"]
    naive = io.StringIO()  # wall time would call a 3-simulated-hours-old line recent
    logs.tail("/aws/lambda/fn", client=aws, out=naive, now=wall, format="short")
    assert [line.split(" ", 1)[1] for line in naive.getvalue().splitlines()] == ["old", "new"]


def test_prefix_and_events_helper_against_moto(aws):
    other = "2025/11/24/[$LATEST]ffffffffffffffffffffffffffffffff"
    _write_backend("/g", STREAM, [(T0_MS, "one"), (T0_MS + 2000, "three")])
    _write_backend("/g", other, [(T0_MS + 1000, "two")])
    found = logs.events("/g", client=aws)
    assert [e["message"] for e in found] == ["one", "two", "three"]
    assert [e["message"] for e in logs.events("/g", client=aws, start=T0_MS + 500)] == [
        "two",
        "three",
    ]
    bounded = logs.events("/g", client=aws, start=T0, end=T0 + timedelta(seconds=1))
    assert [e["message"] for e in bounded] == ["one", "two"]
    out = io.StringIO()
    rc = logs.tail(
        "/g", client=aws, out=out, since=None, log_stream_name_prefix="2025/11/24/[$LATEST]f"
    )
    assert rc == 0 and out.getvalue().endswith(f"{other} two\n") and out.getvalue().count("\n") == 1


def test_main_parses_the_cli_flags(aws, capsys):
    _write_backend("/aws/lambda/fn", STREAM, [(T0_MS, "hello\n")])
    rc = logs.main(["/aws/lambda/fn", "--since", "2025-11-24T00:00:00Z", "--format", "short"])
    assert rc == 0
    assert capsys.readouterr().out == "2025-11-24T23:11:08 hello\n"


def test_tail_asks_the_lab_behind_the_client_for_now(status_server, monkeypatch):
    server, url = status_server
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _Status.now = T0.timestamp() + 7200
    client = FakeLogs()
    client.meta = type("Meta", (), {"endpoint_url": url})()
    logs.tail("/g", client=client, out=io.StringIO(), since="5m")
    assert client.calls[0]["startTime"] == T0_MS + 7200_000 - 300_000
