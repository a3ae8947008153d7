"""``lambdalab logs tail``: the AWS CLI v2 ``aws logs tail`` command, which CLI v1 lacks.

Same flags, same output bytes [AWS_BEHAVIOUR: logs-tail] (aws-cli's
``awscli/customizations/logs/tail.py``): one
``FilterLogEvents(interleaved=True)`` scan from ``now - since``, or polling with ``follow``.

"now" is the *lab's* simulated clock, not wall time: after the lab fast-forwards a 2-minute
retry wait, wall-clock ``--since 10m`` could start after every event the lab wrote. So ``now``
comes from the caller, else from ``GET {AWS_ENDPOINT_URL}/_lambdalab/status``, else wall time
(real AWS, whose clock is the wall clock).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

FORMATS = ("detailed", "short", "json")
COLORS = ("auto", "on", "off")

# aws-cli v2 return codes (awscli/constants.py).
PARAM_VALIDATION_ERROR_RC = 252
CONFIGURATION_ERROR_RC = 253
CLIENT_ERROR_RC = 254
GENERAL_ERROR_RC = 255
INTERRUPTED_RC = 130  # 128 + SIGINT, Ctrl-C outside --follow

_GREEN = "\x1b[32m"  # colorama Fore.GREEN: timestamps
_CYAN = "\x1b[36m"  # colorama Fore.CYAN: log stream names
_RESET = "\x1b[0m"  # colorama Style.RESET_ALL

_RELATIVE = re.compile(r"(?P<amount>\d+)(?P<unit>s|m|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

Now = datetime | float | Callable[[], datetime | float] | None


# ---------------------------------------------------------------------------------------- time
def _as_datetime(value: datetime | float) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


def lab_now(endpoint_url: str | None = None, *, timeout: float = 1.0) -> datetime | None:
    """The lab's simulated clock from ``/_lambdalab/status``; None when no lab answers."""
    endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint_url:
        return None
    from lambdalab.served import fetch_status

    try:
        return _as_datetime(float(fetch_status(endpoint_url, timeout)["now"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def resolve_now(now: Now = None, *, endpoint_url: str | None = None) -> datetime:
    """An aware UTC datetime: the given clock, else the lab's, else wall time."""
    if callable(now):
        now = now()
    if now is not None:
        return _as_datetime(now)
    return lab_now(endpoint_url) or datetime.now(UTC)


def parse_since(since: str, now: datetime) -> int:
    """``--since`` → epoch milliseconds: ``<n><s|m|h|d|w>`` before ``now``, or a timestamp.

    Like the CLI, only one unit is allowed; anything else goes to botocore's timestamp parser
    (ISO 8601, naive = UTC), which raises ValueError on garbage.
    """
    match = _RELATIVE.match(since)
    if match:
        seconds = int(match["amount"]) * _UNIT_SECONDS[match["unit"]]
        value = _as_datetime(now) - timedelta(seconds=seconds)
    else:
        from botocore.utils import parse_timestamp

        value = parse_timestamp(since)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def to_datetime(millis: int) -> datetime:
    """Event timestamp → aware UTC datetime, with the CLI's float arithmetic (same µs)."""
    return datetime.fromtimestamp(millis / 1000.0, tz=UTC)


# ----------------------------------------------------------------------------------- format
def format_event(event: dict[str, Any], fmt: str = "detailed", *, color: bool = False) -> str:
    """One event as the CLI prints it: rstrip()-ed, then exactly one newline."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    ts = to_datetime(event["timestamp"])
    message = event["message"]
    if fmt == "short":
        line = f"{paint(ts.strftime('%Y-%m-%dT%H:%M:%S'), _GREEN)} {message}"
    elif fmt == "detailed":
        stamp = paint(ts.isoformat(timespec="microseconds"), _GREEN)
        line = f"{stamp} {paint(event['logStreamName'], _CYAN)} {message}"
    elif fmt == "json":
        # The CLI's json formatter uses plain isoformat() here (no fixed microseconds).
        try:
            message = "\n" + json.dumps(json.loads(message), indent=4)
        except json.JSONDecodeError:
            pass
        line = f"{paint(ts.isoformat(), _GREEN)} {paint(event['logStreamName'], _CYAN)} {message}"
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return line.rstrip() + "\n"


def _use_color(color: str, out: TextIO) -> bool:
    if color == "on":
        return True
    if color == "off":
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


# ----------------------------------------------------------------------------------- fetch
def _logs_client(client: Any) -> Any:
    if client is not None:
        return client
    import boto3

    return boto3.client("logs")


def _request(
    log_group: str,
    start_ms: int | None,
    filter_pattern: str | None,
    log_stream_names: list[str] | None,
    log_stream_name_prefix: str | None,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"logGroupName": log_group, "interleaved": True}
    if start_ms is not None:
        kwargs["startTime"] = start_ms
    if filter_pattern is not None:
        kwargs["filterPattern"] = filter_pattern
    if log_stream_names is not None:
        kwargs["logStreamNames"] = list(log_stream_names)
    if log_stream_name_prefix is not None:
        kwargs["logStreamNamePrefix"] = log_stream_name_prefix
    return kwargs


def _keep(prefix: str | None) -> Callable[[dict[str, Any]], bool]:
    # AWS filters by prefix server-side; moto ignores logStreamNamePrefix, so check it here too.
    return lambda e: prefix is None or e.get("logStreamName", "").startswith(prefix)


def iter_once(client: Any, kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every page of one FilterLogEvents scan (no --follow)."""
    keep = _keep(kwargs.get("logStreamNamePrefix"))
    for page in client.get_paginator("filter_log_events").paginate(**kwargs):
        yield from filter(keep, page.get("events", []))


def iter_follow(
    client: Any,
    kwargs: dict[str, Any],
    *,
    poll_interval: float = 5.0,
    max_polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """The CLI's --follow loop: after the last page, sleep, then restart from the newest
    timestamp seen, skipping event ids already printed at that timestamp.

    ``max_polls`` bounds the number of waits (for tests and notebooks); None polls forever.
    """
    kwargs = dict(kwargs)
    keep = _keep(kwargs.get("logStreamNamePrefix"))
    seen: dict[int, set[str]] = {}
    polls = 0
    while True:
        response = client.filter_log_events(**kwargs)
        for event in response.get("events", []):
            ids = seen.setdefault(event["timestamp"], set())
            if event["eventId"] not in ids:
                ids.add(event["eventId"])
                if keep(event):
                    yield event
        if seen:
            newest = max(seen)
            seen = {newest: seen[newest]}
        if response.get("nextToken"):
            kwargs["nextToken"] = response["nextToken"]
            continue
        kwargs.pop("nextToken", None)
        if seen:
            kwargs["startTime"] = max(seen)
        if max_polls is not None and polls >= max_polls:
            return
        polls += 1
        sleep(poll_interval)


def events(
    log_group: str,
    *,
    client: Any = None,
    start: datetime | int | None = None,
    end: datetime | int | None = None,
) -> list[dict[str, Any]]:
    """All events of a log group in time order (raw FilterLogEvents dicts, ms timestamps).

    ``start``/``end`` are datetimes or epoch ms; None means unbounded. Raises botocore's
    ClientError (e.g. ResourceNotFoundException) for the caller to report.
    """

    def ms(value: datetime | int) -> int:
        return int(_as_datetime(value).timestamp() * 1000) if isinstance(value, datetime) else value

    kwargs: dict[str, Any] = {"logGroupName": log_group, "interleaved": True}
    if start is not None:
        kwargs["startTime"] = ms(start)
    if end is not None:
        kwargs["endTime"] = ms(end)
    found = list(iter_once(_logs_client(client), kwargs))
    return sorted(found, key=lambda e: e["timestamp"])  # stable: keeps server order within a ms


# ------------------------------------------------------------------------------------- tail
def tail(
    log_group: str,
    *,
    since: str | None = "10m",
    follow: bool = False,
    format: str = "detailed",  # the CLI flag's name
    log_stream_names: list[str] | None = None,
    log_stream_name_prefix: str | None = None,
    filter_pattern: str | None = None,
    color: str = "auto",
    client: Any = None,
    now: Now = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    poll_interval: float = 5.0,
    max_polls: int | None = None,
) -> int:
    """Print a log group's events like ``aws logs tail``; returns the CLI's exit code.

    Errors print as the CLI prints them (a blank line, then botocore's message) on ``err``:
    no traceback for a learner. Ctrl-C ends ``follow`` cleanly with 0, as in the CLI.
    """
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        NoRegionError,
    )

    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr

    def fail(message: str, rc: int) -> int:
        err.write(f"\n{message}\n")
        return rc

    if format not in FORMATS:
        return fail(
            f"--format must be one of {', '.join(FORMATS)}, not {format!r}",
            PARAM_VALIDATION_ERROR_RC,
        )
    if color not in COLORS:
        return fail(
            f"--color must be one of {', '.join(COLORS)}, not {color!r}", PARAM_VALIDATION_ERROR_RC
        )
    if log_stream_names is not None and log_stream_name_prefix is not None:
        return fail(
            "--log-stream-names and --log-stream-name-prefix cannot be used together",
            PARAM_VALIDATION_ERROR_RC,
        )
    painted = _use_color(color, out)
    try:
        client = _logs_client(client)
        start_ms = None
        if since is not None:
            endpoint = getattr(getattr(client, "meta", None), "endpoint_url", None)
            lab = endpoint if endpoint and "amazonaws.com" not in endpoint else None
            start_ms = parse_since(since, resolve_now(now, endpoint_url=lab))
        kwargs = _request(
            log_group, start_ms, filter_pattern, log_stream_names, log_stream_name_prefix
        )
        if follow:
            stream = iter_follow(client, kwargs, poll_interval=poll_interval, max_polls=max_polls)
        else:
            stream = iter_once(client, kwargs)
        try:
            for event in stream:
                out.write(format_event(event, format, color=painted))
                out.flush()
        except KeyboardInterrupt:
            if follow:
                return 0
            out.write("\n")
            return INTERRUPTED_RC
    except ClientError as exc:
        return fail(str(exc), CLIENT_ERROR_RC)
    except NoRegionError as exc:
        return fail(
            f'{exc} You can also configure your region by running "aws configure".',
            CONFIGURATION_ERROR_RC,
        )
    except NoCredentialsError as exc:
        return fail(
            f'{exc}. You can configure credentials by running "aws configure".',
            CONFIGURATION_ERROR_RC,
        )
    except (BotoCoreError, ValueError) as exc:
        return fail(str(exc), GENERAL_ERROR_RC)
    return 0


# -------------------------------------------------------------------------------------- CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``aws logs tail`` flags, for ``lambdalab logs tail``."""
    parser.add_argument("group_name", metavar="LOG_GROUP")
    parser.add_argument("--since", default="10m")
    parser.add_argument("--follow", action="store_true")
    parser.add_argument("--format", default="detailed", choices=FORMATS)
    parser.add_argument("--filter-pattern")
    parser.add_argument("--log-stream-names", nargs="+")
    parser.add_argument("--log-stream-name-prefix")
    parser.add_argument("--color", default="auto", choices=COLORS)


def run(args: argparse.Namespace, *, color: str | None = None, client: Any = None) -> int:
    """Run a parsed ``logs tail`` command line (``lambdalab logs tail``, or the AWS CLI v1
    plugin, which passes the CLI's global ``--color`` and its own client)."""
    return tail(
        args.group_name,
        since=args.since,
        follow=args.follow,
        format=args.format,
        filter_pattern=args.filter_pattern,
        log_stream_names=args.log_stream_names,
        log_stream_name_prefix=args.log_stream_name_prefix,
        color=color or args.color,
        client=client,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m lambdalab.logs LOG_GROUP [--follow] [--since 10m] [--format ...]``."""
    parser = argparse.ArgumentParser(prog="lambdalab logs tail", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
