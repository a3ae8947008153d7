"""Who is on the other end of a loopback TCP connection (Linux ``/proc``).

The Runtime API is TCP on 127.0.0.1 (awslambdaric's client takes only ``host:port``), so
any local process could connect to an environment's port. On Linux the kernel tells us who
did: the peer's socket appears in ``/proc/net/tcp`` (found by its address pair) with an inode,
and ``/proc/<pid>/fd`` shows which processes hold that inode. The Runtime API serves a
connection only when the holder is the environment's own process or one of its descendants.
Elsewhere nothing is checked (``supported()`` is False); docs/SECURITY.md says so.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterable

_PROC_NET_TCP = "/proc/net/tcp"


def supported() -> bool:
    return sys.platform.startswith("linux") and os.path.exists(_PROC_NET_TCP)


def _hex_address(host: str, port: int) -> str:
    """``127.0.0.1:8080`` as ``/proc/net/tcp`` writes it (``0100007F:1F90``, host byte order)."""
    packed = socket.inet_aton(host)
    return f"{int.from_bytes(packed, sys.byteorder):08X}:{port:04X}"


def find_inode(table: str, local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """The inode of the socket bound to ``local`` and connected to ``remote`` in the text of
    ``/proc/net/tcp``, or None when there is none (or it is owned by no process any more)."""
    want_local, want_remote = _hex_address(*local), _hex_address(*remote)
    for line in table.splitlines()[1:]:
        fields = line.split()
        # A closed connection of the same address pair may linger (TIME_WAIT, inode 0).
        if len(fields) > 9 and fields[1] == want_local and fields[2] == want_remote:
            if int(fields[9]):
                return int(fields[9])
    return None


def connection_inode(peer: tuple[str, int], server: tuple[str, int]) -> int | None:
    """The inode of the peer's end of an accepted connection (``peer`` → ``server``)."""
    try:
        with open(_PROC_NET_TCP) as f:
            return find_inode(f.read(), peer, server)
    except OSError:
        return None


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads' children)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(p) for p in f.read().split())
        except (OSError, ValueError):
            continue
    return out


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


def holds_socket(pids: Iterable[int], inode: int) -> bool:
    """Does one of ``pids`` have the socket ``inode`` open?"""
    target = f"socket:[{inode}]"
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{fd_dir}/{fd}") == target:
                    return True
            except OSError:
                continue
    return False


def peer_in_tree(peer: tuple[str, int], server: tuple[str, int], root: int) -> bool:
    """Is the process behind ``peer`` (connected to ``server``) ``root`` or a descendant?"""
    inode = connection_inode(peer, server)
    return inode is not None and holds_socket(process_tree(root), inode)
