"""``lambdalab`` command line: serve the lab, print its environment, terraform, logs, charts."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Sequence

from lambdalab.served import ServedLabError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lambdalab",
        description="A local AWS cloud for learning Lambda asynchronous invocation.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="run the local cloud in the foreground (for terminals)")
    s.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    s.add_argument("--port", type=int, default=4566, help="port (default 4566)")
    s.add_argument(
        "--clock",
        choices=["fast", "real"],
        default="fast",
        help="fast-forward AWS's waits (default) or keep wall time",
    )
    s.add_argument(
        "--duplicate-delivery",
        type=float,
        default=0.0,
        metavar="P",
        help="deliver this share of async events twice (at-least-once lesson)",
    )

    e = sub.add_parser("env", help="print export lines for a lab that is already running")
    e.add_argument(
        "--endpoint",
        default=None,
        help="lab endpoint (default: your only served lab, else http://127.0.0.1:4566)",
    )

    t = sub.add_parser("tf", help="run terraform against the lab: lambdalab tf -- apply …")
    t.add_argument("--engine", choices=["auto", "terraform", "builtin"], default="auto")
    t.add_argument("--chdir", default=".", help="configuration directory (or -chdir=DIR after --)")
    t.add_argument("args", nargs=argparse.REMAINDER, help="terraform arguments")

    lg = sub.add_parser("logs", help="CloudWatch Logs commands")
    lsub = lg.add_subparsers(dest="logs_command", required=True, metavar="SUBCOMMAND")
    from lambdalab import charts, logs

    logs.add_arguments(lsub.add_parser("tail", help="aws logs tail (AWS CLI v2) for the lab"))
    charts.add_arguments(
        sub.add_parser("timeline", help="draw the retry timeline of a function's log group")
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {
        "serve": _serve,
        "env": _env,
        "tf": _tf,
        "logs": _logs,
        "timeline": _timeline,
    }[args.command](args)


def _export_lines(env: dict[str, str]) -> str:
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())


def _serve(args: argparse.Namespace) -> int:
    import lambdalab
    from lambdalab import served

    try:
        lab = lambdalab.start(
            clock=args.clock,
            host=args.host,
            port=args.port,
            duplicate_delivery=args.duplicate_delivery,
            attach=False,
        )
        connection_file = served.publish(lab.connection_info())
    except (ValueError, OSError, ServedLabError) as exc:
        print(f"lambdalab serve: {exc}", file=sys.stderr)
        return 2
    note = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    note(f"lambdalab is serving a local AWS cloud on {lab.endpoint_url} (clock: {args.clock}).")
    note(f"Its keys are in {connection_file} (readable by you only).")
    note('In another terminal run:  eval "$(lambdalab env)"')
    note("In a notebook:            lab = lambdalab.start(attach=True)")
    note("Press Ctrl-C to stop.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    connection_file.unlink(missing_ok=True)
    lab.stop()
    note("lambdalab stopped.")
    return 0


def _env(args: argparse.Namespace) -> int:
    from lambdalab.attached import AttachedLab
    from lambdalab.cloud import ATTACH_ENV

    try:
        lab = AttachedLab.find(args.endpoint)
    except ServedLabError as exc:
        print(f"lambdalab env: {exc}", file=sys.stderr)
        return 1
    env = dict(lab.env(), **{ATTACH_ENV: "1", "LAMBDALAB_ENDPOINT": lab.endpoint_url})
    print(_export_lines(env))
    return 0


def _tf(args: argparse.Namespace) -> int:
    tf_args = list(args.args)
    if tf_args and tf_args[0] == "--":
        tf_args = tf_args[1:]
    from lambdalab.attached import AttachedLab

    try:
        lab = AttachedLab.find(os.environ.get("LAMBDALAB_ENDPOINT"))
    except ServedLabError as exc:
        print(f"lambdalab tf: {exc}", file=sys.stderr)
        return 1
    return lab.terraform(*tf_args, chdir=args.chdir, engine=args.engine)  # -chdir= kept in args


def _logs(args: argparse.Namespace) -> int:
    from lambdalab import logs

    return logs.run(args)


def _timeline(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from lambdalab import charts

    return charts.run(args)
