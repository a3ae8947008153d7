"""Our Runtime API (the ``/2018-06-01/runtime/...`` endpoints awslambdaric talks to).

One acceptor thread for the whole service, one listening port per environment: the port is
how a request finds its environment. (A path prefix in ``AWS_LAMBDA_RUNTIME_API`` works for
awslambdaric's C client but not for its ``/init/error`` call, which goes through
``http.client`` and rejects ``host:port/prefix``.)

A port is not a secret: any local process can find it (``/proc/<pid>/environ``, a scan). So
each new connection is served only when it comes from the environment's own process tree
(:mod:`lambdalab.runtime.peers`); any other process gets a 403 error document on every
request and never sees or answers a work item.
"""

from __future__ import annotations

import http.server
import re
import selectors
import socket
import threading
from typing import Protocol

from lambdalab.limits import oversized_response
from lambdalab.runtime import peers

PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(PREFIX + r"/invocation/([^/]+)/(response|error)$")
MAX_BODY = 16 << 20
OVERSIZED = oversized_response()
_FORBIDDEN = (
    b'{"errorType":"AccessDeniedException","errorMessage":"This Runtime API belongs to '
    b"another execution environment: only the environment's own processes may use it.\"}"
)


class Work(Protocol):
    request_id: str
    payload: bytes
    headers: dict[str, str]


class Backend(Protocol):
    """What an environment offers the Runtime API (see ``environment.Environment``)."""

    def next_invocation(self) -> Work | None: ...  # blocks; None = environment is going away

    def post_result(self, request_id: str, body: bytes, error_type: str | None) -> bool: ...

    def post_init_error(self, body: bytes, error_type: str | None) -> None: ...

    def connection_lost(self) -> None: ...  # the runtime hung up (perhaps it died)

    def root_pid(self) -> int | None: ...  # the environment's process (waits for its spawn)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend: Backend

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)  # one write: no Nagle/delayed-ACK stall
        self.flush_headers()

    def do_GET(self) -> None:  # noqa: N802
        if self.path != PREFIX + "/invocation/next":
            self._reply(404, b'{"errorType":"InvalidRequest"}')
            return
        work = self.server.backend.next_invocation()  # type: ignore[attr-defined]
        if work is None:
            # Never answer /next with an error: awslambdaric segfaults on it. Just hang up.
            self.close_connection = True
            return
        self._reply(200, work.payload, work.headers)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if length > MAX_BODY:
            # Far over Lambda's 6 MB: read and drop it, and report what AWS reports, so the
            # caller sees Function.ResponseSizeTooLarge and the environment lives on.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(1 << 20, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            body = OVERSIZED
            error_type = "Function.ResponseSizeTooLarge"
        else:
            body = self.rfile.read(length)
        backend = self.server.backend  # type: ignore[attr-defined]
        if self.path == PREFIX + "/init/error":
            backend.post_init_error(body, error_type)
            self._reply(202, b'{"status":"OK"}')
            return
        m = _INVOCATION.match(self.path)
        if not m:
            self._reply(404, b'{"errorType":"InvalidRequest"}')
            return
        is_error = m.group(2) == "error" or body is OVERSIZED
        if backend.post_result(m.group(1), body, (error_type or "") if is_error else None):
            self._reply(202, b'{"status":"OK"}')
        else:
            self._reply(400, b'{"errorType":"InvalidRequestID"}')


class _Refused(_Handler):
    """Answers every request of a connection from outside the environment with a 403."""

    def _refuse(self) -> None:
        self.close_connection = True
        self._reply(403, _FORBIDDEN)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _refuse  # noqa: N815


class _Binding:
    """Stands in for a socketserver for one connection: carries the backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend


class RuntimeApiServer:
    """Listens on 127.0.0.1, one random port per bound backend, one thread per connection."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._listeners: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="runtime-api", daemon=True)
        self._thread.start()

    def bind(self, backend: Backend) -> tuple[int, str]:
        """Start listening for ``backend``; returns (key, ``AWS_LAMBDA_RUNTIME_API`` value)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        sock.listen(8)
        sock.setblocking(False)
        with self._lock:
            if self._closed:
                sock.close()
                raise RuntimeError("runtime API server is closed")
            self._listeners[sock.fileno()] = sock
            self._selector.register(sock, selectors.EVENT_READ, _Binding(backend))
        self._wake()
        return sock.fileno(), f"{self.host}:{sock.getsockname()[1]}"

    def unbind(self, key: int) -> None:
        with self._lock:
            sock = self._listeners.pop(key, None)
            if sock is not None:
                self._selector.unregister(sock)
                sock.close()
        self._wake()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for sock in self._listeners.values():
                self._selector.unregister(sock)
                sock.close()
            self._listeners.clear()
        self._wake()
        self._thread.join(timeout=2)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    break
            for key, _ in self._selector.select(timeout=1.0):
                if key.data is None:
                    try:
                        self._wake_r.recv(4096)
                    except OSError:
                        pass
                    continue
                try:
                    conn, addr = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue  # unbound meanwhile
                conn.setblocking(True)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                threading.Thread(
                    target=self._serve, args=(conn, addr, key.data), daemon=True
                ).start()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    @staticmethod
    def _serve(conn: socket.socket, addr, binding: _Binding) -> None:
        admitted = False
        try:
            admitted = _admits(binding.backend, addr, conn.getsockname())
            (_Handler if admitted else _Refused)(conn, addr, binding)
        except OSError:
            pass  # the environment died mid-request
        finally:
            try:
                conn.close()
            except OSError:
                pass
            if admitted:
                binding.backend.connection_lost()


def _admits(backend: Backend, peer: tuple[str, int], server: tuple[str, int]) -> bool:
    """Is ``peer`` the environment's own process or one of its descendants? (Linux only.)"""
    if not peers.supported():
        return True
    root = backend.root_pid()
    return root is not None and peers.peer_in_tree(peer[:2], server[:2], root)
