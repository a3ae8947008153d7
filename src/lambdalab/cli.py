"""``lambdalab`` command line: serve the lab, print its environment, terraform, logs, charts."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

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

    # The lab this shell already points at, if any; else the only one of this user's.
    wanted = (
        args.endpoint or os.environ.get("LAMBDALAB_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
    )
    try:
        try:
            lab = AttachedLab.find(wanted)
        except ServedLabError:
            if args.endpoint or not wanted:  # nothing else to try
                raise
            lab = AttachedLab.find(None)
            # Said, not silent: with several labs on one machine this may be another one.
            print(
                f"# no lab of yours answers at {wanted}: this shell now uses the lab at "
                f"{lab.endpoint_url} (`lambdalab env --endpoint URL` chooses one).",
                file=sys.stderr,
            )
    except ServedLabError as exc:
        print(f"lambdalab env: {exc}", file=sys.stderr)
        return 1
    env = dict(lab.env(), **{ATTACH_ENV: "1", "LAMBDALAB_ENDPOINT": lab.endpoint_url})
    print(_export_lines(env))
    for note in (aws_note(), terraform_note(Path.cwd())):  # stderr: shown, not eval-ed
        if note:
            print(note, file=sys.stderr)
    return 0


def aws_note() -> str | None:
    """A ``# …`` line when the shell's ``aws`` is not the course's (which has ``logs tail``).

    The lab's AWS config registers lambdalab's CLI v1 plugin; an AWS CLI v1 from another
    Python cannot import it and stops with a traceback.
    """
    course = Path(sys.executable).parent / ("aws.cmd" if os.name == "nt" else "aws")
    found = shutil.which("aws")
    if not course.exists() or (found and Path(found).resolve() == course.resolve()):
        return None
    where = f"`aws` here is {found}" if found else "no `aws` on PATH"
    return f"# aws: {where}, not the course's; run `source .venv/bin/activate` first."


def terraform_note(directory: Path) -> str:
    """One ``# …`` line: whether plain ``terraform`` works here, else what to run instead.

    Plain terraform reaches the lab through ``AWS_ENDPOINT_URL`` when hashicorp/aws honours it
    (5.100 does; see https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/
    custom-service-endpoints) — but only if ``terraform init`` can install every provider the
    configuration needs. Offline, with the article's exact ``5.0.0`` pin, it cannot.
    """
    from lambdalab.terraform import real

    instead = "run `lambdalab tf -- init` and `lambdalab tf -- apply` instead (same .tf files)"
    configs = [d for d in (directory, directory / "terraform") if any(d.glob("*.tf"))]
    if not configs:
        return f"# terraform: where `terraform init` cannot install its providers, {instead}."
    ok, reason = real.usable(configs[0])
    where = "" if configs[0] == directory else f" ({configs[0].name}/)"
    if not ok:
        return f"# terraform{where}: `terraform init` will fail ({reason}); {instead}."
    if real.cli_config().write_config:
        return (
            f"# terraform{where}: the providers are in a mirror that plain terraform does not "
            f"read without a CLI config; {instead}."
        )
    return f"# terraform{where}: `terraform init` / `apply` reach this lab via AWS_ENDPOINT_URL."


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
    from lambdalab.terraform.runner import run

    # Banners on stderr: stdout is terraform's alone (`B=$(lambdalab tf -- output -raw b)`).
    # -chdir= stays in tf_args; run() reads it.
    return run(lab, tf_args, chdir=Path(args.chdir), engine=args.engine, notes=sys.stderr)


def _logs(args: argparse.Namespace) -> int:
    from lambdalab import logs

    return logs.run(args)


def _timeline(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from lambdalab import charts

    return charts.run(args)
