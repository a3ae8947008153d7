"""A socket guard for the hostile-environment test: any connection (or name lookup) that would
leave the loopback range is recorded in $LAMBDALAB_SOCKET_GUARD_LOG and refused.

Loaded by every Python process whose PYTHONPATH holds this folder (the lab, the AWS CLI).
"""

import ipaddress
import os
import sys

_LOG = os.environ.get("LAMBDALAB_SOCKET_GUARD_LOG")
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "", None}


def _loopback(host):
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _record(what):
    if _LOG:
        with open(_LOG, "a") as log:
            log.write(f"{os.getpid()} {sys.argv[:1]} {what}\n")
    raise OSError(f"socket guard: {what} leaves the machine")


def _hook(event, args):
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and not _loopback(address[0]):
            _record(f"connect {address!r}")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode()
        if not _loopback(host):
            _record(f"getaddrinfo {host!r}")


if _LOG:
    sys.addaudithook(_hook)
