"""A terraform child that is interrupted, as terraform expects, when its owner dies.

Terraform handles SIGINT gracefully: it stops starting new operations, lets the provider finish
or cancel the ones in flight, writes the state and releases the state lock ("Interrupt received.
Please wait for Terraform to exit or data loss may occur."). SIGTERM and SIGKILL end it at once,
which can leave the state behind the cloud. So when the process that runs terraform (a notebook
kernel, ``lambdalab tf``) dies, for any reason, terraform gets one SIGINT:

- on Linux from the kernel itself: ``prctl(PR_SET_PDEATHSIG, SIGINT)`` in the child before
  ``exec`` (https://man7.org/linux/man-pages/man2/prctl.2.html);
- elsewhere from a small watchdog process holding the read end of a pipe whose write end only
  the owner has: the owner's death closes it, the watchdog reads EOF and interrupts terraform.

Terraform writes its output to a file that the owner follows, not to a pipe: a Go program
writing to a pipe whose reader died is killed by SIGPIPE on the spot, in the middle of the
graceful shutdown the SIGINT started (measured: the state lock info stayed behind).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lambdalab.leftovers import pid_alive

PR_SET_PDEATHSIG = 1

#: The watchdog: "x" on stdin means the owner finished normally; EOF means it died.
WATCHDOG = """
import os, signal, sys
pid = int(sys.argv[1])
if sys.stdin.buffer.read(1) != b"x":
    try:
        os.kill(pid, signal.SIGINT)
    except OSError:
        pass
"""


def _pdeathsig_setter() -> Callable[[], None] | None:
    """A preexec_fn setting the parent-death signal, resolved before the fork (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    owner = os.getpid()
    sigint = int(signal.SIGINT)

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, sigint, 0, 0, 0)
        if os.getppid() != owner:  # the owner died between fork and prctl
            os.kill(os.getpid(), sigint)

    return preexec


_OUTPUT = re.compile(r"output-(\d+)-\d+\.log")


class Child:
    """``subprocess.Popen`` of terraform, bound to the life of this process; its output goes
    to a file in ``output_dir`` that :meth:`lines` follows."""

    def __init__(
        self,
        cmd: list[str],
        output_dir: Path,
        *,
        force_watchdog: bool = False,
        **popen_kwargs,
    ):
        for old in output_dir.glob("output-*.log"):  # left by owners that were killed
            match = _OUTPUT.fullmatch(old.name)
            if match and not pid_alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    old.unlink()
        self.output = output_dir / f"output-{os.getpid()}-{threading.get_ident()}.log"
        preexec = None if force_watchdog else _pdeathsig_setter()
        self.watchdog: subprocess.Popen | None = None
        self._write_end: int | None = None
        with open(self.output, "wb") as sink:
            self.proc = subprocess.Popen(
                cmd, preexec_fn=preexec, stdout=sink, stderr=subprocess.STDOUT, **popen_kwargs
            )
        if preexec is None:
            read_end, self._write_end = os.pipe()  # both non-inheritable (PEP 446)
            self.watchdog = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG, str(self.proc.pid)],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C to the owner's group does not reach it
            )
            os.close(read_end)

    def lines(self, poll: float = 0.05) -> Iterator[str]:
        """Terraform's output line by line as it is written, until terraform has exited."""
        with open(self.output, "rb") as source:
            pending = b""
            while True:
                chunk = source.readline()
                if chunk:
                    pending += chunk
                    if pending.endswith(b"\n"):
                        yield pending.decode("utf-8", "replace")
                        pending = b""
                elif self.proc.poll() is not None:
                    rest = pending + source.read()
                    yield from rest.decode("utf-8", "replace").splitlines(keepends=True)
                    return
                else:
                    time.sleep(poll)

    def release(self) -> None:
        """Terraform is done (or stopped by us): dismiss the watchdog, remove the output."""
        if self._write_end is not None:
            with contextlib.suppress(OSError):
                os.write(self._write_end, b"x")
            os.close(self._write_end)
            self._write_end = None
        if self.watchdog is not None:
            self.watchdog.wait()
            self.watchdog = None
        with contextlib.suppress(OSError):
            self.output.unlink()
