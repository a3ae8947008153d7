"""Charts drawn from CloudWatch Logs, so the same cell works on the lab and on real AWS.

Parsing (:func:`attempts_from_events`, :func:`concurrency_series`) is pure and tested with
synthetic events; plotting only turns :class:`Attempt` lists into matplotlib Figures of a fixed
size with no timestamps in titles, so the same logs always give the same picture.

Logs do not say why attempts stopped; given the function's retry policy, :func:`why_stopped`
infers it by Lambda's rules. Every title, label and legend comes from :mod:`lambdalab.messages`
(``lang="ja"`` or ``messages.set_language("ja")`` for the Japanese edition, drawn with the
Japanese font matplotlib-fontja ships).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lambdalab import messages
from lambdalab.invoke import retry
from lambdalab.logs import CLIENT_ERROR_RC, GENERAL_ERROR_RC, to_datetime

STATUSES = ("ok", "error", "timeout", "running")
COLORS = {"ok": "#2e7d32", "error": "#c62828", "timeout": "#ef6c00", "running": "#757575"}
DROPPED_COLOR = "#b71c1c"

# Lambda's documented defaults for asynchronous invocation: 2 retries (1 and then 2 minutes
# apart: lambdalab.invoke.retry), events kept up to 6 hours.
# https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
DEFAULT_POLICY = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600}

_START = re.compile(r"^START RequestId: (?P<id>\S+)")
_END = re.compile(r"^END RequestId: (?P<id>\S+)")
_REPORT = re.compile(r"^REPORT RequestId: (?P<id>\S+)")
# awslambdaric's unhandled-error line: "[ERROR] Type: message" (a space, where logging.error
# lines have a tab after "[ERROR]"), or "[ERROR] Type" when the message is empty.
_ERROR = re.compile(r"^\[ERROR\] (?P<type>[^\s:]+)(?::|\s|$)")
_TIMEOUT = re.compile(r"^\S+ (?P<id>\S+) Task timed out after")

_RC = {"figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "font.family": "DejaVu Sans"}
# DejaVu Sans draws Latin text as in English; IPAexGothic (from matplotlib-fontja) the kana
# and kanji it lacks (matplotlib falls back glyph by glyph).
JAPANESE_FONT = "IPAexGothic"


@dataclass
class Attempt:
    """One run of a handler in one execution environment, as its log lines tell it."""

    request_id: str
    start: datetime
    end: datetime | None = None  # time of the REPORT line; None while still running
    duration_ms: float | None = None
    status: str = "running"  # "ok" | "error" | "timeout" | "running" (no REPORT yet)
    error_type: str | None = None
    log_stream: str = ""
    init: bool = False  # cold start: REPORT carries "Init Duration"
    init_duration_ms: float | None = None


# ------------------------------------------------------------------------------------ parse
def report_fields(message: str) -> dict[str, str]:
    """``REPORT`` line → {"Duration": "3.01 ms", "Status": "timeout", …}.

    Real lines are tab-separated; runs of spaces (as rendered in the docs) are accepted too.
    """
    fields: dict[str, str] = {}
    for part in re.split(r"\t| {2,}", message.strip()):
        name, sep, value = part.partition(": ")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def _ms(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value.split()[0])
    except ValueError:
        return None


def _json_record(message: str) -> dict[str, Any] | None:
    if not message.startswith("{"):
        return None
    try:
        record = json.loads(message)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def attempts_from_events(events: Iterable[dict[str, Any]]) -> list[Attempt]:
    """Rebuild every attempt from a log group's events (Text or JSON log format).

    One environment runs one invocation at a time, so an error line belongs to the attempt
    open in its log stream. Async retries reuse the request id: each START opens a new attempt.
    """
    attempts: list[Attempt] = []
    open_in: dict[str, Attempt] = {}  # log stream → attempt without REPORT yet

    def find(request_id: str, stream: str) -> Attempt | None:
        current = open_in.get(stream)
        if current and current.request_id == request_id:
            return current
        for attempt in reversed(attempts):  # a stream name we did not expect: match by id
            if attempt.request_id == request_id and attempt.end is None:
                return attempt
        return None

    def start(request_id: str, stream: str, when: datetime) -> None:
        attempt = Attempt(request_id=request_id, start=when, log_stream=stream)
        attempts.append(attempt)
        open_in[stream] = attempt

    def report(attempt: Attempt | None, when: datetime, duration: Any, init: Any) -> None:
        if attempt is None:
            return
        attempt.end = when
        attempt.duration_ms = duration
        attempt.init_duration_ms = init
        attempt.init = init is not None
        if attempt.status == "running":
            attempt.status = "ok"
        if open_in.get(attempt.log_stream) is attempt:
            del open_in[attempt.log_stream]

    for event in sorted(events, key=lambda e: e["timestamp"]):
        message: str = event.get("message", "")
        stream: str = event.get("logStreamName", "")
        when = to_datetime(event["timestamp"])
        record = _json_record(message)
        if record is not None:  # LogFormat=JSON
            kind, rec = record.get("type"), record.get("record") or {}
            if kind == "platform.start" and "requestId" in rec:
                start(rec["requestId"], stream, when)
            elif kind == "platform.report" and "requestId" in rec:
                attempt = find(rec["requestId"], stream)
                metrics = rec.get("metrics") or {}
                if attempt is not None and rec.get("status") in ("timeout", "error"):
                    attempt.status = rec["status"]
                    attempt.error_type = rec.get("errorType") or attempt.error_type
                report(attempt, when, metrics.get("durationMs"), metrics.get("initDurationMs"))
            elif record.get("log_level") == "ERROR" and record.get("errorType"):
                attempt = find(str(record.get("requestId", "")), stream) or open_in.get(stream)
                if attempt is not None and attempt.status != "timeout":
                    attempt.status, attempt.error_type = "error", record["errorType"]
            continue
        if m := _START.match(message):
            start(m["id"], stream, when)
        elif m := _REPORT.match(message):
            attempt = find(m["id"], stream)
            fields = report_fields(message)
            status = fields.get("Status")
            if attempt is not None and status in ("timeout", "error"):
                attempt.status = status
                attempt.error_type = fields.get("Error Type") or attempt.error_type
            report(attempt, when, _ms(fields.get("Duration")), _ms(fields.get("Init Duration")))
        elif m := _TIMEOUT.match(message):
            attempt = find(m["id"], stream)
            if attempt is not None:
                attempt.status = "timeout"
        elif m := _ERROR.match(message):
            attempt = open_in.get(stream)
            if attempt is not None and attempt.status != "timeout":
                attempt.status, attempt.error_type = "error", m["type"]
        elif _END.match(message):
            pass  # REPORT follows and carries the numbers
    return attempts


def requests(attempts: Iterable[Attempt]) -> dict[str, list[Attempt]]:
    """Attempts grouped by request id, each group in start order (the retries of one event)."""
    grouped: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: a.start):
        grouped.setdefault(attempt.request_id, []).append(attempt)
    return grouped


def pick_request(attempts: Sequence[Attempt], request_id: str | None = None) -> list[Attempt]:
    """The attempts of ``request_id``, or of the most retried request (latest on ties)."""
    grouped = requests(attempts)
    if not grouped:
        raise ValueError(messages.text("retry.no_invocations"))
    if request_id is not None:
        if request_id not in grouped:
            known = ", ".join(sorted(grouped))
            raise ValueError(
                messages.text("retry.unknown_request", request_id=request_id, known=known)
            )
        return grouped[request_id]
    return max(grouped.values(), key=lambda group: (len(group), group[0].start))


def concurrency_series(attempts: Sequence[Attempt]) -> list[tuple[datetime, int]]:
    """Step points (time, invocations running from then on), from START/REPORT pairs.

    At equal instants ends count before starts, so back-to-back runs on one warm environment
    do not look concurrent. A run with no REPORT yet lasts until the last known instant.
    """
    if not attempts:
        return []
    horizon = max([a.start for a in attempts] + [a.end for a in attempts if a.end])
    changes: list[tuple[datetime, int]] = []
    for attempt in attempts:
        changes.append((attempt.start, +1))
        changes.append((attempt.end or horizon, -1))
    changes.sort(key=lambda change: (change[0], change[1]))
    series: list[tuple[datetime, int]] = []
    running = 0
    for when, delta in changes:
        running += delta
        if series and series[-1][0] == when:
            series[-1] = (when, running)
        else:
            series.append((when, running))
    return series


def environments_series(attempts: Sequence[Attempt]) -> list[tuple[datetime, int]]:
    """Step points (time, execution environments created so far): one log stream each.

    Logs say when an environment starts, not when Lambda reclaims it, so this only grows.
    """
    first: dict[str, datetime] = {}
    for attempt in sorted(attempts, key=lambda a: a.start):
        first.setdefault(attempt.log_stream, attempt.start)
    return [(when, n) for n, when in enumerate(sorted(first.values()), start=1)]


def max_concurrency(attempts: Sequence[Attempt]) -> int:
    return max((n for _, n in concurrency_series(attempts)), default=0)


def seconds_label(seconds: float, *, signed: bool = False, lang: str | None = None) -> str:
    """60.004 → "60 s", 2.5 → "2.5 s"; ``signed`` adds "+" (offsets after the first attempt)."""
    text = (
        f"{seconds:.0f}" if abs(seconds) >= 10 or float(seconds).is_integer() else f"{seconds:.1f}"
    )
    if text in ("0", "-0", "0.0"):
        text = "0"
    elif signed and seconds > 0:
        text = f"+{text}"
    return messages.text("seconds", lang, n=text)


@dataclass(frozen=True)
class Stop:
    """Why a failed request got no further attempt, by Lambda's documented retry rules.

    ``condition`` uses the words of the on-failure destination record: ``RetriesExhausted``
    (every retry was used) or ``EventAgeExceeded`` (the next retry would start at or past the
    maximum event age, so it is not waited for). Seconds count from the first attempt.
    """

    condition: str
    at: float  # the end of the last attempt
    max_retries: int
    max_age: float
    skipped_retry: float | None = None  # EventAgeExceeded: when the next retry would have run


def why_stopped(attempts: Sequence[Attempt], policy: dict[str, Any] | None) -> Stop | None:
    """The :class:`Stop` of one request's attempts, or None (it succeeded, still runs, or the
    retry policy is unknown). ``policy`` is the function's event invoke config as
    ``put_function_event_invoke_config`` takes it (``{}`` = the defaults)."""
    if policy is None or not attempts:
        return None
    attempts = sorted(attempts, key=lambda a: a.start)
    last = attempts[-1]
    if last.status not in ("error", "timeout"):
        return None
    settings = {**DEFAULT_POLICY, **{k: v for k, v in policy.items() if k in DEFAULT_POLICY}}
    max_retries = int(settings["MaximumRetryAttempts"])
    max_age = float(settings["MaximumEventAgeInSeconds"])
    ended = ((last.end or last.start) - attempts[0].start).total_seconds()
    # The same rules the lab's queue follows, on seconds since the first attempt.
    decision = retry.after_function_error(
        attempt=len(attempts),
        max_retry_attempts=max_retries,
        enqueued_at=0.0,
        now=ended,
        max_event_age=max_age,
    )
    if decision.action == "retry":
        return None  # a retry is still due: nothing stopped yet
    skipped = None
    if decision.condition == retry.EVENT_AGE_EXCEEDED:
        skipped = ended + retry.function_error_delay(len(attempts))
    return Stop(str(decision.condition), ended, max_retries, max_age, skipped_retry=skipped)


# ------------------------------------------------------------------------------------- plot
def _rc(lang: str) -> dict[str, Any]:
    """matplotlib settings of one language: Japanese text needs the bundled Japanese font."""
    if lang != "ja":
        return _RC
    from matplotlib import font_manager

    path = japanese_font_file()
    if not any(entry.fname == str(path) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return {**_RC, "font.family": ["DejaVu Sans", JAPANESE_FONT]}  # per-glyph fallback


def japanese_font_file() -> Path:
    """IPAexGothic as matplotlib-fontja ships it (pinned in pyproject.toml).

    Found without importing the package: its import sets the font of every later plot in the
    kernel, and the charts should change only their own.
    """
    import importlib.util

    spec = importlib.util.find_spec("matplotlib_fontja")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            return path
    raise RuntimeError(
        "Japanese charts need the font of the matplotlib-fontja package: "
        "pip install 'matplotlib-fontja==1.1.0' (make lab installs it)"
    )


def _font() -> dict[str, Any]:
    """The font of the current rc_context, for titles and axis labels: those Text objects
    exist before the context when the caller made the Axes (plt.subplots in a notebook)."""
    import matplotlib

    return {"fontfamily": matplotlib.rcParams["font.family"]}


def _new_figure(size: tuple[float, float], nrows: int = 1, **kwargs: Any) -> tuple[Any, Any]:
    # pyplot makes the Figure displayable in Jupyter; closing it stops the inline backend from
    # showing it a second time, and the notebook displays the returned Figure once.
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, 1, figsize=size, **kwargs)
    plt.close(fig)
    return fig, axes


def _is_alone_on_x(ax: Any) -> bool:
    return len(ax.get_shared_x_axes().get_siblings(ax)) < 2


def _is_bottom_of_shared_column(ax: Any) -> bool:
    """False for an Axes stacked above another that shares its x-axis: one x-label is enough."""
    if _is_alone_on_x(ax):
        return True
    spec = ax.get_subplotspec()
    return spec is None or spec.is_last_row()


def plot_retry_timeline(
    attempts: Sequence[Attempt],
    *,
    ax: Any = None,
    title: str | None = None,
    policy: dict[str, Any] | None = None,
    lang: str | None = None,
) -> Any:
    """Draw the attempts of ONE request on a seconds axis starting at the first attempt.

    With ``policy`` (the function's event invoke config; ``{}`` = the defaults) a failed
    request ends in a red "dropped" note saying why no attempt followed (:func:`why_stopped`);
    for ``EventAgeExceeded`` the retry that was not run is drawn hollow, with the maximum age.
    Stacked on Axes that share x (``plt.subplots(n, 1, sharex=True)``), only the bottom one
    gets the x-label.
    """
    import matplotlib

    lang = messages.check_language(lang or messages.get_language())
    if not attempts:
        raise ValueError(messages.text("retry.no_attempts", lang))
    attempts = sorted(attempts, key=lambda a: a.start)
    stop = why_stopped(attempts, policy)
    with matplotlib.rc_context(_rc(lang)):
        if ax is None:
            fig, ax = _new_figure((9.0, 3.2))
        fig = ax.figure
        t0 = attempts[0].start
        xs = [(a.start - t0).total_seconds() for a in attempts]
        span = max(xs[-1], stop.skipped_retry if stop and stop.skipped_retry else 0.0, 1.0)
        ax.axhline(0, color="#bdbdbd", linewidth=1, zorder=1)
        seen: set[str] = set()
        for n, (x, attempt) in enumerate(zip(xs, attempts, strict=True), start=1):
            label = (
                None if attempt.status in seen else messages.text(f"status.{attempt.status}", lang)
            )
            seen.add(attempt.status)
            ax.scatter(
                [x],
                [0],
                s=140,
                color=COLORS[attempt.status],
                zorder=3,
                label=label,
                edgecolors="white",
                linewidths=1.5,
            )
            offset = seconds_label(x, signed=n > 1, lang=lang)
            ax.annotate(
                messages.text("retry.attempt", lang, n=n, offset=offset),
                (x, 0),
                xytext=(0, 14),
                textcoords="offset points",
                ha="center",
                fontsize=9,
                fontweight="normal" if lang == "ja" else "bold",  # IPAexGothic has no bold
            )
            detail = attempt.error_type or messages.text(f"status.{attempt.status}", lang)
            ax.annotate(
                detail,
                (x, 0),
                xytext=(0, -20),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=COLORS[attempt.status],
            )
        for prev, nxt, x1 in zip(attempts, attempts[1:], xs[1:], strict=False):
            w0 = ((prev.end or prev.start) - t0).total_seconds()
            _wait_arrow(ax, w0, x1, nxt.start - (prev.end or prev.start), lang)
        if stop is not None:
            _draw_stop(ax, stop, xs[-1], span, lang)
        ax.set_ylim(-1.0, 1.0)
        lo, hi = -0.06 * span, 1.08 * span
        if not _is_alone_on_x(ax):  # rows sharing x: widen to fit every row, never narrow
            lo, hi = min(lo, ax.get_xlim()[0]), max(hi, ax.get_xlim()[1])
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        if _is_bottom_of_shared_column(ax):
            ax.set_xlabel(messages.text("retry.xlabel", lang), **_font())
        if title is None:
            title = messages.text("retry.title", lang, request_id=attempts[0].request_id)
        ax.set_title(title, fontsize=10, **_font())
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=len(handles))
        fig.tight_layout()
    return fig


def _wait_arrow(ax: Any, x0: float, x1: float, wait: Any, lang: str) -> None:
    ax.annotate(
        "",
        xy=(x1, -0.55),
        xytext=(x0, -0.55),
        arrowprops={"arrowstyle": "<->", "color": "#616161", "linewidth": 1},
    )
    ax.text(
        (x0 + x1) / 2,
        -0.5,
        messages.text("retry.waited", lang, wait=seconds_label(wait.total_seconds(), lang=lang)),
        ha="center",
        va="bottom",
        fontsize=8,
        color="#424242",
    )


def _draw_stop(ax: Any, stop: Stop, x_last: float, span: float, lang: str) -> None:
    """The red "dropped" note; for EventAgeExceeded also the retry that never ran."""
    box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": DROPPED_COLOR}
    if stop.condition == retry.RETRIES_EXHAUSTED:
        right_side = x_last <= 0.5 * span  # the note goes where there is room
        ax.annotate(
            messages.text("retry.dropped_retries", lang, retries=stop.max_retries),
            (x_last, 0),
            xytext=(14 if right_side else -14, 0),
            textcoords="offset points",
            ha="left" if right_side else "right",
            va="center",
            fontsize=8,
            color=DROPPED_COLOR,
            bbox=box,
            zorder=4,
        )
        return
    skipped = stop.skipped_retry if stop.skipped_retry is not None else stop.at
    ax.scatter(
        [skipped],
        [0],
        s=140,
        facecolors="white",
        edgecolors=COLORS["running"],
        linestyles="--",
        linewidths=1.5,
        zorder=3,
        label=messages.text("retry.legend_not_run", lang),
    )
    ax.annotate(
        messages.text("retry.not_run", lang, offset=seconds_label(skipped, signed=True, lang=lang)),
        (skipped, 0),
        xytext=(0, 14),
        textcoords="offset points",
        ha="center",
        fontsize=8,
        color="#616161",
        fontstyle="italic",
    )
    ax.annotate(
        messages.text("retry.dropped_age", lang, age=f"{stop.max_age:.0f}"),
        (skipped, 0),
        xytext=(0, -16),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=8,
        color=DROPPED_COLOR,
        bbox=box,
        zorder=4,
    )
    ax.annotate(
        "",
        xy=(skipped, 0),
        xytext=(x_last, 0),
        arrowprops={"arrowstyle": "->", "color": "#9e9e9e", "linestyle": "--", "shrinkB": 8},
    )
    if stop.max_age <= 1.5 * span:
        ax.axvline(stop.max_age, color="#9e9e9e", linestyle=":", linewidth=1, zorder=1)
        ax.text(
            stop.max_age,
            -0.97,
            messages.text("retry.max_age", lang, age=seconds_label(stop.max_age, lang=lang)) + " ",
            ha="right",
            va="bottom",
            fontsize=7.5,
            color="#616161",
        )


def plot_concurrency(
    attempts: Sequence[Attempt],
    *,
    ax: Any = None,
    gantt: bool | None = None,
    title: str | None = None,
    lang: str | None = None,
) -> Any:
    """Invocations running (and environments created) over time; optionally one Gantt row per
    log stream (= execution environment) below, each bar numbered in its row and marked cold
    start or warm. ``ax`` draws only the counts on that Axes."""
    import matplotlib
    from matplotlib.patches import Patch

    lang = messages.check_language(lang or messages.get_language())
    if gantt is None:
        gantt = ax is None
    if gantt and ax is not None:
        raise ValueError(messages.text("conc.own_axes", lang))
    with matplotlib.rc_context(_rc(lang)):
        if ax is None:
            if gantt:
                fig, (ax, gx) = _new_figure(
                    (9.0, 6.0), 2, sharex=True, gridspec_kw={"height_ratios": [1, 1.3]}
                )
            else:
                fig, ax = _new_figure((9.0, 3.4))
        fig = ax.figure
        if not attempts:
            ax.text(
                0.5,
                0.5,
                messages.text("conc.empty", lang),
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            return fig
        t0 = min(a.start for a in attempts)

        def sec(when: datetime) -> float:
            return (when - t0).total_seconds()

        running = concurrency_series(attempts)
        envs = environments_series(attempts)
        end = sec(running[-1][0])
        span = max(end, 1e-3)
        run_x = [0.0] + [sec(t) for t, _ in running]
        run_y = [0] + [n for _, n in running]
        # The running count is a filled area and the environments a dashed line drawn on top,
        # so the line stays visible where both counts are equal.
        ax.fill_between(run_x, run_y, step="post", color="#90caf9", alpha=0.6, linewidth=0)
        ax.step(
            run_x,
            run_y,
            where="post",
            color="#1565c0",
            linewidth=1.4,
            label=messages.text("conc.running", lang),
            zorder=2,
        )
        ax.step(
            [sec(t) for t, _ in envs] + [end],
            [n for _, n in envs] + [envs[-1][1]],
            where="post",
            color="#6a1b9a",
            linewidth=2.0,
            linestyle=(0, (4, 3)),
            label=messages.text("conc.environments", lang),
            zorder=3,
        )
        peak = max(n for _, n in running)
        top = max(peak, envs[-1][1])
        ax.set_ylim(0, top * 1.45 + 1)  # headroom: the legend sits above the data
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(messages.text("conc.count", lang), **_font())
        ax.set_title(title or messages.text("conc.title", lang, peak=peak), fontsize=10, **_font())
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)
        ax.set_xlim(-0.03 * span, 1.05 * span)
        if gantt:
            _gantt_rows(gx, attempts, sec, end, span, lang)
            handles = [
                Patch(color=COLORS[s], label=messages.text(f"status.{s}", lang))
                for s in STATUSES
                if any(a.status == s for a in attempts)
            ]
            gx.legend(
                handles=handles,
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                ncols=len(handles),
                fontsize=8,
                frameon=False,
            )
        else:
            ax.set_xlabel(messages.text("conc.xlabel", lang), **_font())
        fig.tight_layout()
    return fig


def _gantt_rows(
    gx: Any, attempts: Sequence[Attempt], sec: Any, end: float, span: float, lang: str
) -> None:
    """One row per environment; each bar says which of the row's runs it is, cold or warm."""
    ordered = sorted(attempts, key=lambda a: a.start)
    streams = list(dict.fromkeys(a.log_stream for a in ordered))
    min_width = span / 300
    runs_in_row: dict[str, int] = {}
    for attempt in ordered:
        row = streams.index(attempt.log_stream)
        runs_in_row[attempt.log_stream] = runs_in_row.get(attempt.log_stream, 0) + 1
        x0 = sec(attempt.start)
        width = max(sec(attempt.end) - x0 if attempt.end else end - x0, min_width)
        gx.barh(
            row,
            width,
            left=x0,
            height=0.6,
            color=COLORS[attempt.status],
            edgecolor="white",  # back-to-back runs on one environment stay apart
            linewidth=1,
        )
        if width >= span / 12:  # room for a label inside the bar
            key = "conc.cold" if attempt.init else "conc.warm"
            gx.text(
                x0 + width / 2,
                row,
                messages.text(key, lang, n=runs_in_row[attempt.log_stream]),
                ha="center",
                va="center",
                fontsize=7,
                color="white",
            )
    gx.set_yticks(range(len(streams)), [_short_stream(s) for s in streams], fontsize=7)
    gx.invert_yaxis()
    gx.set_ylabel(messages.text("conc.environment", lang), **_font())
    gx.set_xlabel(messages.text("conc.xlabel", lang), **_font())


def _short_stream(name: str) -> str:
    """``2025/11/24/[$LATEST]3893…c`` → ``[$LATEST]3893xmpl``: enough to tell rows apart."""
    tail = name.rsplit("/", 1)[-1]
    return tail[: tail.find("]") + 9] if "]" in tail else tail[:16]


def caller_wait(
    measurements: dict[str, float],
    ax: Any = None,
    *,
    title: str | None = None,
    lang: str | None = None,
) -> Any:
    """Bar chart of how long the caller waited per invocation type (seconds on each bar)."""
    import matplotlib

    lang = messages.check_language(lang or messages.get_language())
    palette = ["#1565c0", "#2e7d32", "#ef6c00", "#8e24aa", "#616161"]
    names, values = list(measurements), [float(v) for v in measurements.values()]
    with matplotlib.rc_context(_rc(lang)):
        if ax is None:
            fig, ax = _new_figure((6.0, 3.6))
        fig = ax.figure
        bars = ax.bar(
            names, values, color=[palette[i % len(palette)] for i in range(len(names))], width=0.55
        )
        top = max(values, default=0.0)
        for bar, value in zip(bars, values, strict=True):
            text = messages.text(
                "wait.value", lang, value=f"{value:.3f}" if value < 1 else f"{value:.2f}"
            )
            ax.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
            )
        ax.set_ylim(0, top * 1.2 if top > 0 else 1)
        ax.set_ylabel(messages.text("wait.ylabel", lang), **_font())
        ax.set_title(title or messages.text("wait.title", lang), fontsize=10, **_font())
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
    return fig


MODE_COLORS = {
    "success": "#2e7d32",
    "partial": "#f9a825",
    "error": "#c62828",
    "throttled": "#757575",
    "system_error": "#6a1b9a",
}


def plot_attempts_by_mode(
    lanes: dict[str, Sequence[Any]],
    *,
    notes: dict[str, str] | None = None,
    ax: Any = None,
    title: str | None = None,
    lang: str | None = None,
) -> Any:
    """One row per way of invoking (sync, async, SQS mapping…): a dot per attempt at its
    seconds since that row's first attempt, coloured by outcome, with an optional note under
    the row (where the failure went). ``lanes`` maps a row label to objects with ``start``
    (datetime) and ``outcome`` — what ``lab.invocations(fn)`` returns, or stand-ins for a
    synchronous call, which Lambda does not retry. Row labels and notes are the caller's
    text (the Japanese edition passes Japanese ones); the rest follows ``lang``."""
    import matplotlib

    lang = messages.check_language(lang or messages.get_language())
    rows = [(label, sorted(items, key=lambda a: a.start)) for label, items in lanes.items()]
    if not rows or not any(items for _, items in rows):
        raise ValueError(messages.text("retry.no_attempts", lang))
    notes = notes or {}
    with matplotlib.rc_context(_rc(lang)):
        if ax is None:
            fig, ax = _new_figure((9.0, 1.0 + 1.1 * len(rows)))
        fig = ax.figure
        span = 1.0
        seen: set[str] = set()
        for row, (label, items) in enumerate(rows):
            y = len(rows) - 1 - row
            ax.axhline(y, color="#e0e0e0", linewidth=1, zorder=1)
            if not items:
                continue
            t0 = items[0].start
            for n, item in enumerate(items, start=1):
                x = (item.start - t0).total_seconds()
                span = max(span, x)
                kind = item.outcome if item.outcome in MODE_COLORS else "error"
                ax.scatter(
                    [x],
                    [y],
                    s=110,
                    color=MODE_COLORS[kind],
                    zorder=3,
                    edgecolors="white",
                    linewidths=1.5,
                    label=None if kind in seen else messages.text(f"mode.{kind}", lang),
                )
                seen.add(kind)
                ax.annotate(
                    f"{n} · {seconds_label(x, lang=lang)}",
                    (x, y),
                    xytext=(0, 9),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                )
            if label in notes:
                ax.annotate(
                    notes[label],
                    (0, y),
                    xytext=(0, -16),
                    textcoords="offset points",
                    ha="left",
                    fontsize=8,
                    color="#424242",
                )
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([label for label, _ in reversed(rows)], **_font())
        ax.set_ylim(-0.7, len(rows) - 0.4)
        ax.set_xlim(-0.05 * span, 1.1 * span)
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel(messages.text("mode.xlabel", lang), **_font())
        ax.set_title(title or messages.text("mode.title", lang), fontsize=10, **_font())
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=max(len(seen), 1))
        fig.tight_layout()
    return fig


# ----------------------------------------------------------------------- from CloudWatch Logs
def _attempts(log_group: str, client: Any) -> list[Attempt]:
    from lambdalab.logs import events

    return attempts_from_events(events(log_group, client=client))


def retry_timeline(
    log_group: str,
    *,
    client: Any = None,
    request_id: str | None = None,
    ax: Any = None,
    title: str | None = None,
    policy: dict[str, Any] | None = None,
    lang: str | None = None,
) -> Any:
    """The retries of one request (default: the most retried) read from CloudWatch Logs.

    Pass the function's retry ``policy`` (its event invoke config, ``{}`` for the defaults) to
    show why the attempts stopped; logs alone do not say.
    """
    chosen = pick_request(_attempts(log_group, client), request_id)
    if title is None:
        title = messages.text(
            "retry.title_group", lang, log_group=log_group, request_id=chosen[0].request_id
        )
    return plot_retry_timeline(chosen, ax=ax, title=title, policy=policy, lang=lang)


def concurrency_over_time(
    log_group: str,
    *,
    client: Any = None,
    ax: Any = None,
    gantt: bool | None = None,
    lang: str | None = None,
) -> Any:
    """Invocations running / environments created over time, read from CloudWatch Logs."""
    return plot_concurrency(_attempts(log_group, client), ax=ax, gantt=gantt, lang=lang)


def save_timeline(
    log_group: str,
    out_path: str | Path,
    *,
    client: Any = None,
    request_id: str | None = None,
    title: str | None = None,
) -> Path:
    """Write :func:`retry_timeline` to a PNG (for ``lambdalab timeline``); returns the path."""
    fig = retry_timeline(log_group, client=client, request_id=request_id, title=title)
    path = Path(out_path)
    fig.savefig(path, metadata={"Software": None})
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``lambdalab timeline LOG_GROUP --out retries.png``."""
    parser.add_argument("log_group", metavar="LOG_GROUP")
    parser.add_argument("--out", default="retries.png")
    parser.add_argument("--request-id")
    parser.add_argument("--title")


def run(args: argparse.Namespace, *, client: Any = None) -> int:
    """Run ``lambdalab timeline``; errors are one line on stderr (AWS CLI exit codes)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        path = save_timeline(
            args.log_group, args.out, client=client, request_id=args.request_id, title=args.title
        )
    except ClientError as exc:
        sys.stderr.write(f"\n{exc}\n")
        return CLIENT_ERROR_RC
    except (BotoCoreError, ValueError, OSError) as exc:
        sys.stderr.write(f"\n{exc}\n")
        return GENERAL_ERROR_RC
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    parser = argparse.ArgumentParser(prog="lambdalab timeline", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "Attempt",
    "Stop",
    "attempts_from_events",
    "caller_wait",
    "concurrency_over_time",
    "concurrency_series",
    "environments_series",
    "plot_concurrency",
    "plot_retry_timeline",
    "retry_timeline",
    "save_timeline",
    "why_stopped",
]
