"""HTTP/1.1 keep-alive for werkzeug's threaded server, which closes every connection.

werkzeug's dev server answers every request with ``Connection: close`` (its ``run_wsgi`` cannot
drain a request body without risking the next request). For the lab that is most of the cost
of a request: every boto3 call opens a TCP connection and the server starts a thread for it,
and under load (handlers calling S3 while a notebook uploads) those accept-and-spawn steps
queue behind each other for the GIL. Measured with ``benchmarks/async.py``: keep-alive roughly
doubles what the server sustains when the notebook and its functions call it at once.

So this handler keeps the connection: the request body is bounded by ``Content-Length`` (or
de-chunked, as werkzeug does), the response goes out with a length or chunked, and whatever
the application did not read is drained before the next request is parsed. The parsing of the
request and the WSGI environ stay werkzeug's (and moto's, for S3 header spelling).
"""

from __future__ import annotations

import socket
import threading
import traceback
from typing import Any

from werkzeug.exceptions import InternalServerError
from werkzeug.wsgi import LimitedStream

IDLE_SECONDS = 60.0  # an idle keep-alive connection (and its thread) ends after this


def keep_alive(handler_cls: type) -> type:
    """Subclass a werkzeug ``WSGIRequestHandler`` so that it keeps connections open."""

    class KeepAliveHandler(handler_cls):  # type: ignore[misc, valid-type]
        protocol_version = "HTTP/1.1"
        timeout = IDLE_SECONDS  # socketserver applies it to the connection

        def setup(self) -> None:
            super().setup()
            # Headers and body are separate writes; without NODELAY the second waits for the
            # client's delayed ACK (40 ms) on a reused connection.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            open_connections(self.server).add(self.connection)

        def finish(self) -> None:
            open_connections(self.server).discard(self.connection)
            super().finish()

        def run_wsgi(self) -> None:
            # "Expect: 100-continue" was answered by http.server's parse_request already.
            environ = self.make_environ()
            if not environ.get("wsgi.input_terminated"):  # not chunked: bound it by length
                try:
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = -1
                if length < 0:
                    self.close_connection = True
                    self.send_error(400, "Bad Content-Length")
                    return
                environ["wsgi.input"] = LimitedStream(self.rfile, length)
                environ["wsgi.input_terminated"] = True
            self.environ = environ
            response = _Response(self, environ)
            try:
                response.run(self.server.app)
            except (TimeoutError, ConnectionError):
                self.close_connection = True
                return
            except Exception:
                self.close_connection = True
                if response.started:
                    return  # half a response is on the wire: hanging up is all that is left
                # Like werkzeug: the traceback goes to its logger (the lab's server_log file).
                trace = traceback.format_exc()
                request = f"{self.command} {self.path}"
                self.server.log("error", "Error on request %s:\n%s", request, trace)
                response.run(InternalServerError())
                return
            try:
                _drain(environ["wsgi.input"])
            except (OSError, ValueError):
                self.close_connection = True

    KeepAliveHandler.__name__ = KeepAliveHandler.__qualname__ = f"KeepAlive{handler_cls.__name__}"
    return KeepAliveHandler


def open_connections(server: Any) -> set[socket.socket]:
    """The connections ``server`` is serving now (so that stopping it can close them)."""
    connections = getattr(server, "_lambdalab_connections", None)
    if connections is None:
        with _lock:
            connections = getattr(server, "_lambdalab_connections", None)
            if connections is None:
                connections = server._lambdalab_connections = set()
    return connections


def close_open_connections(server: Any) -> None:
    """Hang up every kept-alive connection (their threads then end)."""
    for connection in list(open_connections(server)):
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


_lock = threading.Lock()


def _drain(stream: Any) -> None:
    """Read what the application left of the request body, so the next request starts clean."""
    while stream.read(65536):
        pass


class _Response:
    """One WSGI response written to a kept-alive connection."""

    def __init__(self, handler: Any, environ: dict[str, Any]) -> None:
        self.handler = handler
        self.environ = environ
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.started = False
        self.chunked = False

    def start_response(self, status: str, headers: list, exc_info: Any = None) -> Any:
        if exc_info and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status, self.headers = status, list(headers)
        return self.write

    def run(self, app: Any) -> None:
        self.status, self.headers = None, []
        body = app(self.environ, self.start_response)
        try:
            for data in body:
                self.write(data)
            if not self.started:
                self.write(b"")
            if self.chunked:
                self.handler.wfile.write(b"0\r\n\r\n")
        finally:
            if hasattr(body, "close"):
                body.close()

    def write(self, data: bytes) -> None:
        assert self.status is not None, "write() before start_response"
        out = b"" if self.started else self._head()
        if data:
            out += b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data
        if out:
            self.handler.wfile.write(out)

    def _head(self) -> bytes:
        handler = self.handler
        code_text, _, reason = self.status.partition(" ")  # type: ignore[union-attr]
        code = int(code_text)
        handler.send_response(code, reason)
        names = set()
        for name, value in self.headers:
            handler.send_header(name, value)
            names.add(name.lower())
        no_body = self.environ["REQUEST_METHOD"] == "HEAD" or code < 200 or code in (204, 304)
        if "content-length" not in names and not no_body:
            self.chunked = True
            handler.send_header("Transfer-Encoding", "chunked")
        if handler.close_connection:
            handler.send_header("Connection", "close")
        self.started = True
        head = b"".join(handler._headers_buffer) + b"\r\n"
        handler._headers_buffer = []
        return head
