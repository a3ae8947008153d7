"""Who is on the other end of a loopback TCP connection (Linux ``/proc``).

The Runtime API is TCP on 127.0.0.1 (awslambdaric's client takes only ``host:port``), so
any local process could connect to an environment's port. On Linux the kernel tells us who
did: it gives the inode of the peer's socket for the connection's address pair (asked through
``sock_diag`` netlink, an exact look-up of ~20 µs; ``/proc/net/tcp`` when netlink is not
available, which costs milliseconds on a busy host), and ``/proc/<pid>/fd`` shows which
processes hold that inode. The Runtime API serves a connection only when the holder is the
environment's own process or one of its descendants. Elsewhere nothing is checked
(``supported()`` is False); docs/SECURITY.md says so.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
from collections.abc import Iterable

from lambdalab.runtime.sandbox import process_tree

_PROC_NET_TCP = "/proc/net/tcp"
# linux/sock_diag.h, linux/inet_diag.h, linux/netlink.h
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_NLMSG_HEADER = struct.Struct("=IHHII")  # length, type, flags, seq, pid
_INET_DIAG_NOCOOKIE = 0xFFFFFFFF
_DIAG_MSG_INODE = 68  # offset of idiag_inode in struct inet_diag_msg


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


def diag_request(local: tuple[str, int], remote: tuple[str, int]) -> bytes:
    """A ``SOCK_DIAG_BY_FAMILY`` request for the one TCP socket ``local`` → ``remote``."""
    sock_id = (
        struct.pack("!HH", local[1], remote[1])
        + socket.inet_aton(local[0])
        + bytes(12)
        + socket.inet_aton(remote[0])
        + bytes(12)
        + struct.pack("=III", 0, _INET_DIAG_NOCOOKIE, _INET_DIAG_NOCOOKIE)
    )
    body = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF) + sock_id
    return (
        _NLMSG_HEADER.pack(
            _NLMSG_HEADER.size + len(body), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0
        )
        + body
    )


def parse_diag_reply(data: bytes) -> int | None:
    """The inode in a reply to :func:`diag_request`; None when no such socket exists.
    Raises OSError when the kernel refused the question itself."""
    _, kind, _, _, _ = _NLMSG_HEADER.unpack_from(data)
    if kind == _NLMSG_ERROR:
        (code,) = struct.unpack_from("=i", data, _NLMSG_HEADER.size)
        if -code == errno.ENOENT:
            return None
        raise OSError(-code, os.strerror(-code))
    (inode,) = struct.unpack_from("=I", data, _NLMSG_HEADER.size + _DIAG_MSG_INODE)
    return inode or None


def _diag_inode(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as nl:
        nl.settimeout(2.0)
        nl.send(diag_request(local, remote))
        return parse_diag_reply(nl.recv(8192))


def connection_inode(peer: tuple[str, int], server: tuple[str, int]) -> int | None:
    """The inode of the peer's end of an accepted connection (``peer`` → ``server``)."""
    try:
        return _diag_inode(peer, server)
    except (OSError, AttributeError, struct.error):  # no netlink here: the slow table
        pass
    try:
        with open(_PROC_NET_TCP) as f:
            return find_inode(f.read(), peer, server)
    except OSError:
        return None


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
