"""HTTP/1.1 keep-alive for werkzeug's threaded server, which closes every connection.

werkzeug's dev server answers every request with ``Connection: close`` (its ``run_wsgi`` cannot
drain a request body without risking the next request). For the lab that is most of the cost
of a request: every boto3 call opens a TCP connection and the server starts a thread for it,
and under load (handlers calling S3 while a notebook uploads) those accept-and-spawn steps
queue behind each other for the GIL. Measured on 2 cores (uploads from a notebook, moved by
other processes, as in ``benchmarks/async.py``): 115-120/s with werkzeug's closing server,
155-225/s with this one.

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
        timeout = IDLE_SECONDS  # socketserver applies it; only the wait between requests keeps it

        def setup(self) -> None:
            super().setup()
            # A response can take several writes (chunks, 100 Continue); without NODELAY a
            # small second write waits for the client's delayed ACK (40 ms).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connections = open_connections(self.server)
            connections.add(self.connection)
            if getattr(self.server, "_lambdalab_closing", False):  # accepted during stop()
                _hang_up(self.connection)

        def finish(self) -> None:
            open_connections(self.server).discard(self.connection)
            super().finish()

        def run_wsgi(self) -> None:
            # "Expect: 100-continue" was answered by http.server's parse_request already.
            if self.request_version != "HTTP/1.1":
                self.close_connection = True  # HTTP/1.0: no chunks, the end is the hang-up
            # A body may take long to arrive or be read (a notebook reads a streamed S3 object
            # in a later cell): no timeout while a request is served, as with werkzeug.
            self.connection.settimeout(None)
            try:
                self._serve_one()
            finally:
                self.connection.settimeout(IDLE_SECONDS)

        def _serve_one(self) -> None:
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
                # Like werkzeug: the traceback goes to its logger (the lab's server_log file).
                trace = traceback.format_exc()
                self.server.log(
                    "error", "Error on request %s %s:\n%s", self.command, self.path, trace
                )
                if not response.started:
                    response.run(InternalServerError())
                return  # else half a response is on the wire: hanging up is all that is left
            try:
                _drain(environ["wsgi.input"])
            except Exception:  # the client went away mid-body (werkzeug's ClientDisconnected)
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
    """Hang up every kept-alive connection (their threads then end), and any accepted later."""
    server._lambdalab_closing = True
    for connection in list(open_connections(server)):
        _hang_up(connection)


def _hang_up(connection: socket.socket) -> None:
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
    """One WSGI response written to a kept-alive connection.

    The byte count is what keeps the connection in step: a body on a HEAD/204/304 response, or
    more or fewer bytes than the Content-Length said, would be read as (part of) the next
    response. Extra bytes are dropped and any mismatch closes the connection.
    """

    def __init__(self, handler: Any, environ: dict[str, Any]) -> None:
        self.handler = handler
        self.environ = environ
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.started = False
        self.chunked = False
        self.no_body = False
        self.length: int | None = None  # the declared Content-Length
        self.sent = 0

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
            elif self.length is not None and self.sent != self.length and not self.no_body:
                self.handler.close_connection = True  # short: the client waits for the rest
        finally:
            if hasattr(body, "close"):
                body.close()

    def write(self, data: bytes) -> None:
        assert self.status is not None, "write() before start_response"
        out = b"" if self.started else self._head()
        if data and not self.no_body:
            if self.chunked:
                out += b"%x\r\n%s\r\n" % (len(data), data)
            else:
                if self.length is not None and self.sent + len(data) > self.length:
                    data = data[: self.length - self.sent]
                    self.handler.close_connection = True
                self.sent += len(data)
                out += data
        if out:
            self.handler.wfile.write(out)

    def _head(self) -> bytes:
        handler = self.handler
        code_text, _, reason = self.status.partition(" ")  # type: ignore[union-attr]
        code = int(code_text)
        handler.send_response(code, reason)
        for name, value in self.headers:
            handler.send_header(name, value)
            if name.lower() == "content-length":
                try:
                    self.length = int(value)
                except ValueError:
                    handler.close_connection = True
        self.no_body = self.environ["REQUEST_METHOD"] == "HEAD" or code < 200 or code in (204, 304)
        if self.length is None and not self.no_body:
            if handler.request_version == "HTTP/1.1":
                self.chunked = True
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.close_connection = True  # HTTP/1.0: the end of the body is the hang-up
        if handler.close_connection:
            handler.send_header("Connection", "close")
        self.started = True
        head = b"".join(handler._headers_buffer) + b"\r\n"
        handler._headers_buffer = []
        return head
