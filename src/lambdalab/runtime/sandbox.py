"""The first process of an execution environment: nothing it starts outlives the lab.

``python -I -S sandbox.py OWNER_PID NICENESS LIFELINE_FD -- RUNTIME_ARGV...``

It starts the runtime client (awslambdaric or ``bootstrap.py``) as its child and stays as the
environment's root, because a handler may start processes of its own, in new sessions or
through double forks, which a kill of the process group does not reach. On Linux it is a
*child subreaper* (``PR_SET_CHILD_SUBREAPER``): every orphan of the tree becomes its child, so
the whole tree stays in view. It kills that whole tree (``SIGKILL``) and exits when:

- the runtime client exits (then with the client's own status, which the lab reports);
- the lab asks (``SIGTERM``: a timeout, an update, ``lab.stop()``);
- the lab is gone, however it died (``SIGKILL`` included): the *lifeline* pipe, whose only
  writer is the lab, reads end-of-file; on Linux a parent-death signal tells it too.

Run as a script it imports only the standard library (and never ``lambdalab``, like
``bootstrap.py``); the lab imports it for :func:`process_tree`.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

_LINUX = sys.platform.startswith("linux")
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PARENT_GONE = signal.SIGHUP  # our parent-death signal: it also fires if only the lab's
# spawning thread ended, so the handler checks that the lab process really is gone.
KILL_ROUNDS_SECONDS = 2.0


# -- the process tree (used by the lab too) ------------------------------------------------


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, oldest first."""
    if _LINUX:
        out: list[int] = []
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return out
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    out.extend(int(p) for p in f.read().split())
            except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN
                return children_by_scan(pid)
            except (OSError, ValueError):
                continue
        return out
    import subprocess  # not at the top: the supervisor starts on every cold start

    try:
        listing = subprocess.run(
            ["ps", "-A", "-o", "pid=,ppid="], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    pairs = (line.split() for line in listing.splitlines())
    return sorted(int(p) for p, pp in (x for x in pairs if len(x) == 2) if int(pp) == pid)


def children_by_scan(pid: int) -> list[int]:
    """Children of ``pid`` from every process's ``/proc/<pid>/stat`` (slower)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:  # state, ppid, ...
            found.append((int(fields[19]), int(entry)))  # by start time: oldest first
    return [child for _, child in sorted(found)]


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, parents before children."""
    tree, todo, seen = [], [root], {root}
    while todo:
        pid = todo.pop(0)
        tree.append(pid)
        for child in children(pid):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return tree


def kill_descendants(root: int, *, reap: bool) -> None:
    """SIGKILL every descendant of ``root`` until none is left (a bounded number of rounds:
    a process may fork while we look). ``reap``: ``root`` is this process, collect them."""
    deadline = time.monotonic() + KILL_ROUNDS_SECONDS
    while True:
        if reap:
            _reap_all()
        alive = process_tree(root)[1:]
        if not alive or time.monotonic() > deadline:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


def _reap_all() -> list[tuple[int, int]]:
    done = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done.append((pid, status))


# -- the supervisor ------------------------------------------------------------------------


def _prctl(option: int, value: int) -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _exit_like(status: int) -> None:
    """Exit with the same status as a child that ended with ``status``."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os.kill(os.getpid(), signal.SIGKILL)  # a signal whose default is not to die
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def main(argv: list[str]) -> None:
    owner, niceness, lifeline = int(argv[1]), int(argv[2]), int(argv[3])
    command = argv[argv.index("--") + 1 :]
    stop_requested = []
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    for sig in (signal.SIGTERM, signal.SIGINT, _PARENT_GONE):
        signal.signal(sig, lambda signum, frame: stop_requested.append(signum))
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the select below
    if _LINUX:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        _prctl(_PR_SET_PDEATHSIG, _PARENT_GONE)
    if os.getppid() != owner:  # the lab died before we could notice
        os._exit(1)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, max(niceness, os.getpriority(os.PRIO_PROCESS, 0)))
    except OSError:
        pass
    watched = [wake_r]
    if lifeline >= 0:  # -1: no lifeline given (the parent-death signal still works on Linux)
        os.set_inheritable(lifeline, False)
        watched.append(lifeline)
    runtime = os.fork()
    if runtime == 0:
        for sig in (signal.SIGTERM, signal.SIGINT, _PARENT_GONE, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        os.close(wake_r)
        os.close(wake_w)
        try:
            if _LINUX:
                _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # should this process be killed
            os.execv(command[0], command)
        finally:
            os._exit(127)
    while True:
        for pid, status in _reap_all():
            if pid == runtime:
                kill_descendants(os.getpid(), reap=True)
                _exit_like(status)
        if any(s != _PARENT_GONE or os.getppid() != owner for s in stop_requested):
            break
        stop_requested.clear()
        ready, _, _ = select.select(watched, [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        if lifeline in ready and not os.read(lifeline, 512):
            break  # end of file: the lab is gone
    kill_descendants(os.getpid(), reap=True)
    if not _LINUX:  # no subreaper: orphans may have left the tree, but not the group
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main(sys.argv)
