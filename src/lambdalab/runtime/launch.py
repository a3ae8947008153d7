"""How an environment of a given runtime is started: which Python, which client, which paths.

``python3.X`` runs on a Python 3.X when the machine has one (:mod:`.pythons`): the lab's own
interpreter and runtime client for the lab's version, otherwise that interpreter with the
lab's pure-Python client and boto3 on its path (:mod:`.sdklayer`). When there is none, or it
is older than that boto3 supports, the function runs on the lab's Python and its first log
stream says so in one line. Either way the interpreter's folders are shown as AWS's
(``/var/lang/lib/python3.X/...``) in stack traces and logs, as the code folder is shown as
``/var/task``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lambdalab.runtime import sdklayer
from lambdalab.runtime.pythons import Finder, Python, minor_of

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
AWS_LANG = "/var/lang/lib/python{major}.{minor}"


@dataclass(frozen=True)
class Client:
    """The runtime interface client for the lab's own interpreter."""

    name: str
    argv: list[str]
    runtime_dir: str


@dataclass(frozen=True)
class Launch:
    argv: list[str]  # before the handler name
    runtime_dir: str
    python: Python
    client: str
    env: Mapping[str, str] = field(default_factory=dict)  # added to the function's variables
    paths: tuple[tuple[str, str], ...] = ()  # (folder on this machine, AWS's folder)
    fallback: str | None = None  # the lab line when the declared Python is not here


def aws_paths(python: Python, *site_dirs: str) -> tuple[tuple[str, str], ...]:
    """Folders of ``python`` (and extra site folders) → AWS's, longest first."""
    lang = AWS_LANG.format(major=python.version[0], minor=python.version[1])
    pairs = [(python.purelib, f"{lang}/site-packages"), (python.stdlib, lang)]
    pairs += [(d, f"{lang}/site-packages") for d in site_dirs]
    real = [(os.path.realpath(a), b) for a, b in pairs]
    unique = dict.fromkeys(p for p in pairs + real if p[0])
    return tuple(sorted(unique, key=lambda p: len(p[0]), reverse=True))


def fallback_line(runtime: str, python: Python) -> str:
    wanted = runtime.replace("python", "Python ", 1)
    return (
        f"[lambdalab] {wanted} was not found on this machine (PATH, pyenv, uv, conda): this "
        f"function runs on the lab's Python {python.version_text} instead. Install {wanted} "
        "to run it as declared; lab.runtimes() lists the Pythons the lab found.\n"
    )


def too_old_line(runtime: str, found: Python, host: Python, oldest: tuple[int, int]) -> str:
    wanted = runtime.replace("python", "Python ", 1)
    return (
        f"[lambdalab] {wanted} is on this machine ({found.source}), but the boto3 the lab gives "
        f"handlers needs Python {oldest[0]}.{oldest[1]} or later: this function runs on the "
        f"lab's Python {host.version_text} instead.\n"
    )


def choose(
    runtime: str,
    finder: Finder,
    host_client: Client,
    sdk_dir: Callable[[Python], Path],
    sdk_oldest: Callable[[], tuple[int, int]] = sdklayer.oldest_python,
) -> Launch:
    """The launch for ``runtime`` (``sdk_dir(python)`` readies boto3's folder for ``python``
    when it is needed).

    An interpreter older than the lab's boto3 supports (``sdk_oldest()``) is passed over for
    the lab's own, and the function's first log stream says why.
    """
    host = finder.host
    minor = minor_of(runtime)
    python = finder.find(minor) if minor is not None else None
    fallback = fallback_line(runtime, host) if minor is not None and python is None else None
    if python is not None and python is not host and python.version[:2] < sdk_oldest():
        fallback = too_old_line(runtime, python, host, sdk_oldest())
        python = None
    if python is None or python is host:
        return Launch(
            host_client.argv,
            host_client.runtime_dir,
            host,
            host_client.name,
            paths=aws_paths(host),
            fallback=fallback,
        )
    sdk = str(sdk_dir(python))
    return Launch(
        [python.executable, str(BOOTSTRAP)],
        str(BOOTSTRAP.parent),
        python,
        "builtin",
        env={"PYTHONPATH": sdk},
        paths=aws_paths(python, sdk),
    )
