"""Charts from CloudWatch Logs: parsing with synthetic AWS-format events, then the figures."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import matplotlib

matplotlib.use("Agg")

import boto3  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from moto import mock_aws  # noqa: E402

from lambdalab import charts  # noqa: E402
from lambdalab.charts import Attempt, attempts_from_events  # noqa: E402

T0 = datetime(2025, 11, 24, 23, 0, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
A = "2025/11/24/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
B = "2025/11/24/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
C = "2025/11/24/[$LATEST]cccccccccccccccccccccccccccccccc"
REQ = "2b1c3f6e-0000-4000-8000-000000000001"


def report(req, duration, *, init=None, status=None, error_type=None):
    line = (
        f"REPORT RequestId: {req}\tDuration: {duration:.2f} ms\tBilled Duration: "
        f"{int(duration) + 1} ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t"
    )
    if init is not None:
        line += f"Init Duration: {init:.2f} ms\t"
    if status is not None:
        line += f"Status: {status}\t"
    if error_type is not None:
        line += f"Error Type: {error_type}\t"
    return line + "\n"


def attempt_events(at_s, req, stream, *, outcome="ok", init=None, duration=3.01):
    """The log events of one attempt starting ``at_s`` seconds after T0, as AWS writes them."""
    t = T0_MS + int(at_s * 1000)
    out = []
    if init is not None:
        out.append((t - 1, "INIT_START Runtime Version: python:3.13.v31\tRuntime Version ARN: x\n"))
    out.append((t, f"START RequestId: {req} Version: $LATEST\n"))
    out.append((t + 1, "processing uploads/sample.txt\n"))
    end = t + int(duration)
    if outcome == "error":
        out.append(
            (
                end,
                "[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
                '\u00a0\u00a0File "/var/task/lambda_function.py", line 3, in lambda_handler',
            )
        )
    if outcome == "timeout":
        out.append((end, f"2025-11-24T23:00:03.000Z {req} Task timed out after 3.00 seconds\n\n"))
    out.append((end, f"END RequestId: {req}\n"))
    status = "timeout" if outcome == "timeout" else None
    out.append((end, report(req, duration, init=init, status=status)))
    return [{"timestamp": ts, "message": m, "logStreamName": stream} for ts, m in out]


def retry_pattern(outcome="error"):
    """0 / 60 / 180 s: the default two retries of a failing async event in one environment."""
    return (
        attempt_events(0, REQ, A, outcome=outcome, init=110.1)
        + attempt_events(60.003, REQ, A, outcome=outcome)
        + attempt_events(180.006, REQ, A, outcome=outcome)
    )


# ------------------------------------------------------------------------------------ parse
def test_three_failed_attempts_at_0_60_180_seconds():
    attempts = attempts_from_events(retry_pattern())
    assert [a.request_id for a in attempts] == [REQ] * 3
    assert [a.status for a in attempts] == ["error"] * 3
    assert [a.error_type for a in attempts] == ["ValueError"] * 3
    assert [round((a.start - T0).total_seconds()) for a in attempts] == [0, 60, 180]
    assert [a.init for a in attempts] == [True, False, False]
    assert attempts[0].init_duration_ms == 110.1
    assert attempts[0].duration_ms == 3.01
    assert attempts[0].end == T0 + timedelta(milliseconds=3)
    assert {a.log_stream for a in attempts} == {A}


def test_events_out_of_order_are_sorted_by_timestamp():
    shuffled = list(reversed(retry_pattern("ok")))
    attempts = attempts_from_events(shuffled)
    assert [a.status for a in attempts] == ["ok"] * 3


def test_timeout_from_report_status_and_task_timed_out_line():
    events = attempt_events(0, REQ, A, outcome="timeout", duration=3000.0, init=120.0)
    (attempt,) = attempts_from_events(events)
    assert attempt.status == "timeout"
    assert attempt.duration_ms == 3000.0
    # the REPORT line alone is enough
    only_report = [e for e in events if "Task timed out" not in e["message"]]
    assert attempts_from_events(only_report)[0].status == "timeout"


def test_out_of_memory_report_sets_error_type():
    events = attempt_events(0, REQ, A)
    events[-1]["message"] = report(REQ, 50.0, status="error", error_type="Runtime.OutOfMemory")
    (attempt,) = attempts_from_events(events)
    assert (attempt.status, attempt.error_type) == ("error", "Runtime.OutOfMemory")


def test_logging_error_lines_are_not_failures():
    events = attempt_events(0, REQ, A)
    events.insert(2, {**events[1], "message": f"[ERROR]\t2025-11-24T23:00:00.001Z\t{REQ}\toops\n"})
    assert attempts_from_events(events)[0].status == "ok"


def test_error_without_message_and_dotted_type():
    events = attempt_events(0, REQ, A)
    events.insert(
        2, {**events[1], "message": "[ERROR] Runtime.ImportModuleError: Unable to import"}
    )
    assert attempts_from_events(events)[0].error_type == "Runtime.ImportModuleError"
    events[2]["message"] = "[ERROR] KeyError"
    assert attempts_from_events(events)[0].error_type == "KeyError"


def test_report_fields_parses_tabs_and_doc_spacing():
    fields = charts.report_fields(report(REQ, 15.74, init=130.49, status="timeout"))
    assert fields["Duration"] == "15.74 ms"
    assert fields["Billed Duration"] == "16 ms"
    assert fields["Init Duration"] == "130.49 ms"
    assert fields["Status"] == "timeout"
    doc = f"REPORT RequestId: {REQ}  Duration: 15.74 ms  Billed Duration: 16 ms"
    assert charts.report_fields(doc)["Duration"] == "15.74 ms"


def test_json_log_format_platform_records():
    def js(offset, record):
        return {"timestamp": T0_MS + offset, "logStreamName": A, "message": json.dumps(record)}

    events = [
        js(0, {"time": "t", "type": "platform.start", "record": {"requestId": REQ}}),
        js(1, {"log_level": "ERROR", "errorType": "ValueError", "requestId": REQ}),
        js(
            2,
            {
                "time": "t",
                "type": "platform.report",
                "record": {
                    "requestId": REQ,
                    "status": "error",
                    "metrics": {"durationMs": 2.5, "initDurationMs": 99.0},
                },
            },
        ),
    ]
    (attempt,) = attempts_from_events(events)
    assert (attempt.status, attempt.error_type, attempt.duration_ms) == ("error", "ValueError", 2.5)
    assert attempt.init is True


def test_attempt_without_report_is_running():
    events = attempt_events(0, REQ, A)[:2]
    (attempt,) = attempts_from_events(events)
    assert (attempt.status, attempt.end) == ("running", None)


def test_pick_request_prefers_the_most_retried():
    other = "99999999-0000-4000-8000-000000000009"
    events = retry_pattern() + attempt_events(300, other, B)
    attempts = attempts_from_events(events)
    assert [a.request_id for a in charts.pick_request(attempts)] == [REQ] * 3
    assert len(charts.pick_request(attempts, other)) == 1
    with pytest.raises(ValueError, match="not found"):
        charts.pick_request(attempts, "nope")
    with pytest.raises(ValueError, match="no invocations"):
        charts.pick_request([])


def concurrent_events():
    """Three overlapping invocations (three environments), then a warm reuse of A."""
    return (
        attempt_events(0.0, "r1", A, duration=2000, init=100)
        + attempt_events(0.5, "r2", B, duration=2000, init=100)
        + attempt_events(1.0, "r3", C, duration=2000, init=100)
        + attempt_events(2.0, "r4", A, duration=500)  # starts the instant r1 ends
    )


def test_concurrency_counts():
    attempts = attempts_from_events(concurrent_events())
    series = [((t - T0).total_seconds(), n) for t, n in charts.concurrency_series(attempts)]
    assert series == [(0.0, 1), (0.5, 2), (1.0, 3), (2.0, 3), (2.5, 1), (3.0, 0)]
    assert charts.max_concurrency(attempts) == 3
    envs = [((t - T0).total_seconds(), n) for t, n in charts.environments_series(attempts)]
    assert envs == [(0.0, 1), (0.5, 2), (1.0, 3)]
    assert charts.concurrency_series([]) == []


def test_seconds_label():
    assert charts.seconds_label(0.0) == "0 s"
    assert charts.seconds_label(60.003, signed=True) == "+60 s"
    assert charts.seconds_label(180.0, signed=True) == "+180 s"
    assert charts.seconds_label(2.5) == "2.5 s"


# ------------------------------------------------------------------------------------- plot
def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _pixels(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba")
    return buf.getvalue()


def test_retry_timeline_labels_and_waits():
    attempts = attempts_from_events(retry_pattern())
    fig = charts.plot_retry_timeline(attempts, title="Retries")
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == (9.0, 3.2)
    texts = _texts(fig)
    assert "attempt 1 · 0 s" in texts
    assert "attempt 2 · +60 s" in texts
    assert "attempt 3 · +180 s" in texts
    assert "waited 60 s" in texts and "waited 120 s" in texts
    assert texts.count("ValueError") == 3
    ax = fig.axes[0]
    assert ax.get_title() == "Retries"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["function error"]
    xs = sorted(round(float(c.get_offsets()[0][0])) for c in ax.collections)
    assert xs == [0, 60, 180]
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert colours == {matplotlib.colors.to_rgba(charts.COLORS["error"])}


def test_timeline_colours_by_outcome():
    events = (
        attempt_events(0, REQ, A, outcome="timeout", duration=3000, init=1)
        + attempt_events(63, REQ, A, outcome="error")
        + attempt_events(183, REQ, A, outcome="ok")
    )
    fig = charts.plot_retry_timeline(attempts_from_events(events))
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["timed out", "function error", "succeeded"]
    assert "waited 60 s" in _texts(fig)  # waits count from the end of the previous attempt
    assert ax.get_title() == f"Attempts of request {REQ}"


def test_figures_are_deterministic():
    attempts = attempts_from_events(retry_pattern())
    assert _pixels(charts.plot_retry_timeline(attempts)) == _pixels(
        charts.plot_retry_timeline(attempts)
    )
    conc = attempts_from_events(concurrent_events())
    assert _pixels(charts.plot_concurrency(conc)) == _pixels(charts.plot_concurrency(conc))
    m = {"RequestResponse": 2.031, "Event": 0.012}
    assert _pixels(charts.caller_wait(m)) == _pixels(charts.caller_wait(m))


def test_concurrency_figure_with_gantt_rows():
    fig = charts.plot_concurrency(attempts_from_events(concurrent_events()))
    counts, gantt = fig.axes
    assert counts.get_title() == "Concurrency: at most 3 at once"
    assert [t.get_text() for t in gantt.get_yticklabels()] == [
        "[$LATEST]aaaaaaaa",
        "[$LATEST]bbbbbbbb",
        "[$LATEST]cccccccc",
    ]
    assert len(gantt.patches) == 4  # one bar per invocation
    step = counts.get_lines()[0]
    assert max(step.get_ydata()) == 3


def test_concurrency_on_a_given_axes_has_no_gantt():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    assert charts.plot_concurrency(attempts_from_events(concurrent_events()), ax=ax) is fig
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="own axes"):
        charts.plot_concurrency([], ax=ax, gantt=True)


def test_caller_wait_annotates_seconds():
    fig = charts.caller_wait({"RequestResponse": 2.031, "Event": 0.012})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["RequestResponse", "Event"]
    assert _texts(fig) == ["2.03 s", "0.012 s"]
    assert [round(p.get_height(), 3) for p in ax.patches] == [2.031, 0.012]
    assert ax.get_ylabel() == "seconds the caller waited"


# --------------------------------------------------------------------- from CloudWatch Logs
@pytest.fixture
def logs_client(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # in-process moto, not a running lab
    with mock_aws():
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.logs.models import logs_backends

        backend = logs_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"]
        group = backend.create_log_group("/aws/lambda/s3_move", tags={})
        by_stream = {}
        for e in retry_pattern() + attempt_events(400, "r9", B):
            by_stream.setdefault(e["logStreamName"], []).append(e)
        for stream, events in by_stream.items():
            group.create_log_stream(stream)
            group.streams[stream].put_log_events(
                [{"timestamp": e["timestamp"], "message": e["message"]} for e in events]
            )
        yield boto3.client("logs", region_name="ap-northeast-1")


def test_retry_timeline_reads_cloudwatch_logs(logs_client, tmp_path):
    fig = charts.retry_timeline("/aws/lambda/s3_move", client=logs_client)
    assert "attempt 3 · +180 s" in _texts(fig)
    assert fig.axes[0].get_title() == f"/aws/lambda/s3_move: attempts of request {REQ}"
    fig = charts.concurrency_over_time("/aws/lambda/s3_move", client=logs_client)
    assert len(fig.axes[1].patches) == 4
    path = charts.save_timeline("/aws/lambda/s3_move", tmp_path / "retries.png", client=logs_client)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    again = charts.save_timeline("/aws/lambda/s3_move", tmp_path / "again.png", client=logs_client)
    assert again.read_bytes() == data


def test_timeline_command_reports_errors_without_traceback(logs_client, tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    charts.add_arguments(parser)
    args = parser.parse_args(["/aws/lambda/missing", "--out", str(tmp_path / "x.png")])
    assert charts.run(args, client=logs_client) == 254
    err = capsys.readouterr().err
    assert "ResourceNotFoundException" in err and "Traceback" not in err
    args = parser.parse_args(["/aws/lambda/s3_move", "--out", str(tmp_path / "ok.png")])
    assert charts.run(args, client=logs_client) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'ok.png'}\n"


def test_attempt_is_plain_data():
    a = Attempt(request_id="r", start=T0)
    assert (a.status, a.end, a.init) == ("running", None, False)


# ------------------------------------------------------------------- why attempts stopped
def test_default_policy_stops_after_two_retries():
    stop = charts.why_stopped(attempts_from_events(retry_pattern()), {})
    assert stop.condition == "RetriesExhausted"
    assert (stop.max_retries, stop.max_age, stop.skipped_retry) == (2, 21600.0, None)
    assert round(stop.at) == 180


def test_no_retries_is_retries_exhausted_after_one_attempt():
    attempts = attempts_from_events(attempt_events(0, REQ, A, outcome="error"))
    stop = charts.why_stopped(attempts, {"MaximumRetryAttempts": 0})
    assert (stop.condition, stop.max_retries) == ("RetriesExhausted", 0)


def test_max_age_replays_the_recorded_aws_outcomes():
    # LocalStack's test_maxeventage, recorded against AWS on 22 Mar 2023
    # (tests/aws/services/lambda_/test_lambda_destinations.snapshot.json): a failing function
    # with MaximumEventAgeInSeconds=60 gets 1 attempt, with 90 gets 2, both EventAgeExceeded.
    one = attempts_from_events(attempt_events(0, REQ, A, outcome="error"))
    stop = charts.why_stopped(one, {"MaximumEventAgeInSeconds": 60})
    assert stop.condition == "EventAgeExceeded"
    assert round(stop.skipped_retry) == 60  # the retry due at ≈60 s is already too old
    two = attempts_from_events(
        attempt_events(0, REQ, A, outcome="error") + attempt_events(60.003, REQ, A, outcome="error")
    )
    stop = charts.why_stopped(two, {"MaximumEventAgeInSeconds": 90, "MaximumRetryAttempts": 2})
    assert stop.condition == "EventAgeExceeded"
    assert round(stop.skipped_retry) == 180


def test_nothing_stopped_while_a_retry_is_still_due():
    # Logs read 30 s after a first failure (on AWS): the retry at ≈60 s has not run yet.
    attempts = attempts_from_events(attempt_events(0, REQ, A, outcome="error"))
    assert charts.why_stopped(attempts, {}) is None


def test_nothing_to_explain_after_success_or_without_a_policy():
    events = attempt_events(0, REQ, A, outcome="error") + attempt_events(60, REQ, A, outcome="ok")
    assert charts.why_stopped(attempts_from_events(events), {}) is None
    assert charts.why_stopped(attempts_from_events(retry_pattern()), None) is None


def test_timeline_says_why_the_attempts_stopped():
    fig = charts.plot_retry_timeline(attempts_from_events(retry_pattern()), policy={})
    assert "✕ dropped: retries exhausted\n(MaximumRetryAttempts=2)" in _texts(fig)
    one = attempts_from_events(attempt_events(0, REQ, A, outcome="error"))
    fig = charts.plot_retry_timeline(one, policy={"MaximumEventAgeInSeconds": 60})
    texts = _texts(fig)
    assert "retry at +60 s: not run" in texts
    assert "✕ dropped: event too old\n(next retry ≥ MaximumEventAgeInSeconds=60)" in texts
    assert "maximum event age 60 s " in texts
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["function error", "retry not run"]
    assert not any("dropped" in t for t in _texts(charts.plot_retry_timeline(one)))


def test_stacked_timelines_share_one_x_label_and_one_scale():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, sharex=True)
    plt.close(fig)
    charts.plot_retry_timeline(attempts_from_events(retry_pattern()), ax=axes[0])
    charts.plot_retry_timeline(
        attempts_from_events(attempt_events(0, REQ, A, outcome="error")), ax=axes[1]
    )
    assert axes[0].get_xlabel() == ""
    assert axes[1].get_xlabel().startswith("seconds since the first attempt")
    assert axes[1].get_xlim()[1] >= 180  # the short row did not narrow the long one


def test_concurrency_legend_above_the_data_and_environments_on_top():
    fig = charts.plot_concurrency(attempts_from_events(concurrent_events()))
    counts, _ = fig.axes
    running, environments = counts.get_lines()
    assert environments.get_zorder() > running.get_zorder()
    assert environments.get_linestyle() != running.get_linestyle()
    assert counts.get_ylim()[1] >= 1.4 * 3  # free band above the peak for the legend


def test_gantt_bars_say_which_run_of_the_environment_they_are():
    events = attempt_events(0, "r1", A, init=100, duration=1000) + attempt_events(
        1.0, "r2", A, duration=1000
    )
    fig = charts.plot_concurrency(attempts_from_events(events))
    assert [t.get_text() for t in fig.axes[1].texts] == ["1: cold start", "2: warm"]


# ------------------------------------------------------------------------- Japanese charts
def _draw_catching_missing_glyphs(fig):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_japanese_charts_have_every_glyph():
    failing = attempts_from_events(attempt_events(0, REQ, A, outcome="error"))
    figures = [
        charts.plot_retry_timeline(failing, policy={"MaximumEventAgeInSeconds": 60}, lang="ja"),
        charts.plot_retry_timeline(attempts_from_events(retry_pattern()), policy={}, lang="ja"),
        charts.plot_concurrency(attempts_from_events(concurrent_events()), lang="ja"),
        charts.caller_wait({"RequestResponse": 2.031, "Event": 0.012}, lang="ja"),
    ]
    assert figures[0].axes[0].get_title() == f"リクエスト {REQ} の試行"
    assert figures[2].axes[0].get_title() == "同時実行数: 最大 3"
    assert figures[3].axes[0].get_ylabel() == "呼び出し元が待った秒数"
    for fig in figures:
        assert _draw_catching_missing_glyphs(fig) == []


def test_the_glyph_check_catches_a_font_without_japanese():
    # The same check on a figure drawn with DejaVu Sans only: it must report the kana.
    fig = Figure(figsize=(3, 1))
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig.text(0.1, 0.5, "再試行")
        missing = _draw_catching_missing_glyphs(fig)
    assert missing and "Glyph" in missing[0]


def test_module_language_is_the_default(monkeypatch):
    from lambdalab import messages

    monkeypatch.setattr(messages, "_current", "en")
    messages.set_language("ja")
    fig = charts.plot_retry_timeline(attempts_from_events(retry_pattern()))
    assert fig.axes[0].get_xlabel().startswith("最初の試行からの秒数")
    with pytest.raises(ValueError, match="choose one of en, ja"):
        messages.set_language("fr")


def test_japanese_charts_leave_other_plots_alone():
    fig = charts.plot_retry_timeline(attempts_from_events(retry_pattern()), lang="ja")
    _draw_catching_missing_glyphs(fig)
    assert matplotlib.rcParams["font.family"] != ["IPAexGothic"]
    assert charts.japanese_font_file().name == "ipaexg.ttf"


def test_japanese_timelines_on_axes_the_caller_made():
    # Notebook 03 stacks three timelines on plt.subplots(..., sharex=True) made outside the
    # chart: their titles and labels must get the Japanese font too.
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, sharex=True)
    plt.close(fig)
    for ax in axes:
        charts.plot_retry_timeline(
            attempts_from_events(retry_pattern()), ax=ax, policy={}, lang="ja"
        )
    assert axes[1].get_xlabel().startswith("最初の試行からの秒数")
    assert _draw_catching_missing_glyphs(fig) == []
    fig, ax = plt.subplots()
    plt.close(fig)
    charts.plot_concurrency(attempts_from_events(concurrent_events()), ax=ax, lang="ja")
    assert _draw_catching_missing_glyphs(fig) == []
    fig, ax = plt.subplots()
    plt.close(fig)
    charts.caller_wait({"Event": 0.01}, ax=ax, lang="ja")
    assert _draw_catching_missing_glyphs(fig) == []


def test_attempts_by_mode_draws_one_row_per_way_of_invoking():
    from types import SimpleNamespace

    def at(seconds, outcome):
        return SimpleNamespace(start=T0 + timedelta(seconds=seconds), outcome=outcome)

    fig = charts.plot_attempts_by_mode(
        {
            "sync": [at(0, "error")],
            "async": [at(0, "error"), at(60, "error"), at(180, "error")],
            "SQS": [at(0, "error"), at(30, "partial"), at(60, "success")],
        },
        notes={"async": "dropped"},
    )
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SQS", "async", "sync"]
    texts = [t.get_text() for t in ax.texts]
    assert "3 · 180 s" in texts and "3 · 60 s" in texts and "dropped" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["function error", "partial batch failure", "succeeded"]
    with pytest.raises(ValueError):
        charts.plot_attempts_by_mode({"empty": []})


def test_japanese_attempts_by_mode_has_every_glyph():
    # Notebook ja/05_event_source_mapping: Japanese row labels and notes from the notebook,
    # everything else from the messages table, every glyph in the bundled font, also when the
    # caller made the Axes outside the chart's font settings.
    from types import SimpleNamespace

    import matplotlib.pyplot as plt

    def at(seconds, outcome):
        return SimpleNamespace(start=T0 + timedelta(seconds=seconds), outcome=outcome)

    lanes = {
        "同期": [at(0, "error")],
        "非同期": [at(0, "error"), at(60, "error"), at(180, "error")],
        "SQS マッピング": [at(0, "error"), at(30, "partial"), at(60, "throttled")],
    }
    notes = {"非同期": "呼び出し元は 202 を受け取りました。3 回目の試行の後に破棄"}
    fig = charts.plot_attempts_by_mode(lanes, notes=notes, lang="ja")
    _, own_ax = plt.subplots()
    plt.close(own_ax.figure)
    on_own_axes = charts.plot_attempts_by_mode(lanes, notes=notes, ax=own_ax, lang="ja")
    (ax,) = fig.axes
    assert ax.get_title() == "失敗する同じ関数を、3 通りの方法で呼び出す"
    assert ax.get_xlabel() == "各行の最初の試行からの秒数 (シミュレーション時計)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SQS マッピング", "非同期", "同期"]
    texts = [t.get_text() for t in ax.texts]
    assert "3 · 180 秒" in texts and "2 · 30 秒" in texts and notes["非同期"] in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["関数エラー", "バッチの一部が失敗", "スロットリング"]
    for figure in (fig, on_own_axes):
        assert _draw_catching_missing_glyphs(figure) == []
    with pytest.raises(ValueError, match="描画する試行がありません"):
        charts.plot_attempts_by_mode({"空": []}, lang="ja")
