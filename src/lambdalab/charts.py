"""Charts drawn from CloudWatch Logs, so the same cell works on the lab and on real AWS.

Parsing (:func:`attempts_from_events`, :func:`concurrency_series`) is pure and tested with
synthetic events; plotting only turns :class:`Attempt` lists into matplotlib Figures of a fixed
size with no timestamps in titles, so the same logs always give the same picture.
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

from lambdalab.logs import CLIENT_ERROR_RC, GENERAL_ERROR_RC, to_datetime

STATUSES = ("ok", "error", "timeout", "running")
COLORS = {"ok": "#2e7d32", "error": "#c62828", "timeout": "#ef6c00", "running": "#757575"}
LABELS = {
    "ok": "succeeded",
    "error": "function error",
    "timeout": "timed out",
    "running": "running",
}

_START = re.compile(r"^START RequestId: (?P<id>\S+)")
_END = re.compile(r"^END RequestId: (?P<id>\S+)")
_REPORT = re.compile(r"^REPORT RequestId: (?P<id>\S+)")
# awslambdaric's unhandled-error line: "[ERROR] Type: message" (a space, where logging.error
# lines have a tab after "[ERROR]"), or "[ERROR] Type" when the message is empty.
_ERROR = re.compile(r"^\[ERROR\] (?P<type>[^\s:]+)(?::|\s|$)")
_TIMEOUT = re.compile(r"^\S+ (?P<id>\S+) Task timed out after")

_RC = {"figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "font.family": "DejaVu Sans"}


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
        raise ValueError("no invocations found (no START lines in these logs)")
    if request_id is not None:
        if request_id not in grouped:
            known = ", ".join(sorted(grouped))
            raise ValueError(f"request {request_id} not found; requests in the logs: {known}")
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


def seconds_label(seconds: float, *, signed: bool = False) -> str:
    """60.004 → "60 s", 2.5 → "2.5 s"; ``signed`` adds "+" (offsets after the first attempt)."""
    text = (
        f"{seconds:.0f}" if abs(seconds) >= 10 or float(seconds).is_integer() else f"{seconds:.1f}"
    )
    if text in ("0", "-0", "0.0"):
        return "0 s"
    return f"+{text} s" if signed and seconds > 0 else f"{text} s"


# ------------------------------------------------------------------------------------- plot
def _new_figure(size: tuple[float, float], nrows: int = 1, **kwargs: Any) -> tuple[Any, Any]:
    # pyplot makes the Figure displayable in Jupyter; closing it stops the inline backend from
    # showing it a second time, and the notebook displays the returned Figure once.
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, 1, figsize=size, **kwargs)
    plt.close(fig)
    return fig, axes


def plot_retry_timeline(
    attempts: Sequence[Attempt], *, ax: Any = None, title: str | None = None
) -> Any:
    """Draw the attempts of ONE request on a seconds axis starting at the first attempt."""
    import matplotlib

    if not attempts:
        raise ValueError("no attempts to draw")
    attempts = sorted(attempts, key=lambda a: a.start)
    with matplotlib.rc_context(_RC):
        if ax is None:
            fig, ax = _new_figure((9.0, 3.2))
        fig = ax.figure
        t0 = attempts[0].start
        xs = [(a.start - t0).total_seconds() for a in attempts]
        span = max(xs[-1], 1.0)
        ax.axhline(0, color="#bdbdbd", linewidth=1, zorder=1)
        seen: set[str] = set()
        for n, (x, attempt) in enumerate(zip(xs, attempts, strict=True), start=1):
            label = None if attempt.status in seen else LABELS[attempt.status]
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
            ax.annotate(
                f"attempt {n} · {seconds_label(x, signed=n > 1)}",
                (x, 0),
                xytext=(0, 14),
                textcoords="offset points",
                ha="center",
                fontsize=9,
                fontweight="bold",
            )
            detail = attempt.error_type or LABELS[attempt.status]
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
            ax.annotate(
                "",
                xy=(x1, -0.55),
                xytext=(w0, -0.55),
                arrowprops={"arrowstyle": "<->", "color": "#616161", "linewidth": 1},
            )
            wait = (nxt.start - (prev.end or prev.start)).total_seconds()
            ax.text(
                (w0 + x1) / 2,
                -0.5,
                f"waited {seconds_label(wait)}",
                ha="center",
                va="bottom",
                fontsize=8,
                color="#424242",
            )
        ax.set_ylim(-1.0, 1.0)
        ax.set_xlim(-0.06 * span, 1.08 * span)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("seconds since the first attempt (lab or AWS clock, from the log timestamps)")
        if title is None:
            title = f"Attempts of request {attempts[0].request_id}"
        ax.set_title(title, fontsize=10)
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=len(seen))
        fig.tight_layout()
    return fig


def plot_concurrency(
    attempts: Sequence[Attempt],
    *,
    ax: Any = None,
    gantt: bool | None = None,
    title: str | None = None,
) -> Any:
    """Invocations running (and environments created) over time; optionally one Gantt row per
    log stream (= execution environment) below. ``ax`` draws only the counts on that Axes."""
    import matplotlib
    from matplotlib.patches import Patch

    if gantt is None:
        gantt = ax is None
    if gantt and ax is not None:
        raise ValueError("the Gantt rows need their own axes: pass ax=None or gantt=False")
    with matplotlib.rc_context(_RC):
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
                "no invocations in these logs",
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
        ax.step(
            [0.0] + [sec(t) for t, _ in running],
            [0] + [n for _, n in running],
            where="post",
            color="#1565c0",
            linewidth=1.8,
            label="invocations running",
        )
        ax.step(
            [sec(t) for t, _ in envs] + [end],
            [n for _, n in envs] + [envs[-1][1]],
            where="post",
            color="#8e24aa",
            linewidth=1.2,
            linestyle="--",
            label="environments created (log streams)",
        )
        peak = max(n for _, n in running)
        ax.set_ylim(0, max(peak, envs[-1][1]) + 1)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("count")
        ax.set_title(title or f"Concurrency: at most {peak} at once", fontsize=10)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.set_xlim(-0.03 * span, 1.05 * span)
        if gantt:
            streams = list(
                dict.fromkeys(a.log_stream for a in sorted(attempts, key=lambda a: a.start))
            )
            min_width = span / 300
            for attempt in attempts:
                row = streams.index(attempt.log_stream)
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
            gx.set_yticks(range(len(streams)), [_short_stream(s) for s in streams], fontsize=7)
            gx.invert_yaxis()
            gx.set_ylabel("environment (log stream)")
            gx.set_xlabel("seconds since the first invocation")
            handles = [
                Patch(color=COLORS[s], label=LABELS[s])
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
            ax.set_xlabel("seconds since the first invocation")
        fig.tight_layout()
    return fig


def _short_stream(name: str) -> str:
    """``2025/11/24/[$LATEST]3893…c`` → ``[$LATEST]3893xmpl``: enough to tell rows apart."""
    tail = name.rsplit("/", 1)[-1]
    return tail[: tail.find("]") + 9] if "]" in tail else tail[:16]


def caller_wait(measurements: dict[str, float], ax: Any = None, *, title: str | None = None) -> Any:
    """Bar chart of how long the caller waited per invocation type (seconds on each bar)."""
    import matplotlib

    palette = ["#1565c0", "#2e7d32", "#ef6c00", "#8e24aa", "#616161"]
    names, values = list(measurements), [float(v) for v in measurements.values()]
    with matplotlib.rc_context(_RC):
        if ax is None:
            fig, ax = _new_figure((6.0, 3.6))
        fig = ax.figure
        bars = ax.bar(
            names, values, color=[palette[i % len(palette)] for i in range(len(names))], width=0.55
        )
        top = max(values, default=0.0)
        for bar, value in zip(bars, values, strict=True):
            text = f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
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
        ax.set_ylabel("seconds the caller waited")
        ax.set_title(title or "How long the caller waited for Invoke to return", fontsize=10)
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
MODE_LABELS = {
    "success": "succeeded",
    "partial": "partial batch failure",
    "error": "function error",
    "throttled": "throttled",
    "system_error": "Lambda system error",
}


def plot_attempts_by_mode(
    lanes: dict[str, Sequence[Any]],
    *,
    notes: dict[str, str] | None = None,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """One row per way of invoking (sync, async, SQS mapping…): a dot per attempt at its
    seconds since that row's first attempt, coloured by outcome, with an optional note under
    the row (where the failure went). ``lanes`` maps a row label to objects with ``start``
    (datetime) and ``outcome`` — what ``lab.invocations(fn)`` returns, or stand-ins for a
    synchronous call, which Lambda does not retry."""
    import matplotlib

    rows = [(label, sorted(items, key=lambda a: a.start)) for label, items in lanes.items()]
    if not rows or not any(items for _, items in rows):
        raise ValueError("no attempts to draw")
    notes = notes or {}
    with matplotlib.rc_context(_RC):
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
                    label=None if kind in seen else MODE_LABELS[kind],
                )
                seen.add(kind)
                ax.annotate(
                    f"{n} · {seconds_label(x)}",
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
        ax.set_yticklabels([label for label, _ in reversed(rows)])
        ax.set_ylim(-0.7, len(rows) - 0.4)
        ax.set_xlim(-0.05 * span, 1.1 * span)
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("seconds since the first attempt (simulated clock)")
        ax.set_title(title or "The same failing function, invoked three ways", fontsize=10)
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
) -> Any:
    """The retries of one request (default: the most retried) read from CloudWatch Logs."""
    chosen = pick_request(_attempts(log_group, client), request_id)
    if title is None:
        title = f"{log_group}: attempts of request {chosen[0].request_id}"
    return plot_retry_timeline(chosen, ax=ax, title=title)


def concurrency_over_time(
    log_group: str, *, client: Any = None, ax: Any = None, gantt: bool | None = None
) -> Any:
    """Invocations running / environments created over time, read from CloudWatch Logs."""
    return plot_concurrency(_attempts(log_group, client), ax=ax, gantt=gantt)


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
    "attempts_from_events",
    "caller_wait",
    "concurrency_over_time",
    "concurrency_series",
    "environments_series",
    "plot_concurrency",
    "plot_retry_timeline",
    "retry_timeline",
    "save_timeline",
]
