"""HTTP/1.1 keep-alive on werkzeug's threaded server (lambdalab.keepalive), on raw sockets."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from lambdalab.keepalive import close_open_connections, keep_alive


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    if path == "/ignore":  # answers without reading the request body
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]
    if path == "/stream":  # no Content-Length: the response must be chunked
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one,", b"two"])
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    raise RuntimeError("the application broke")


@pytest.fixture
def server():
    srv = make_server("127.0.0.1", 0, app, threaded=True, request_handler=keep_alive(Quiet))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    close_open_connections(srv)


class Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class Conn:
    """One TCP connection; reads responses by hand so nothing is hidden by a client library."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), "connection closed before a response"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if "content-length" in headers:
            size = int(headers["content-length"])
            while len(self.buf) < size:
                assert self._fill()
            body, self.buf = self.buf[:size], self.buf[size:]
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    assert self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line, 16)
                while len(self.buf) < size + 2:
                    assert self._fill()
                body, self.buf = body + self.buf[:size], self.buf[size + 2 :]
                if size == 0:
                    break
        else:
            body = b""
        return status, headers, body

    def closed(self) -> bool:
        return not self.buf and not self._fill()


def request(method: str, path: str, body: bytes = b"", extra: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode() + body


def test_requests_share_one_connection(server):
    conn = Conn(server.port)
    for n in range(3):
        conn.send(request("POST", "/echo", f"hello {n}".encode()))
        status, headers, body = conn.response()
        assert (status, body) == (200, f"hello {n}".encode())
        assert "close" not in headers.get("connection", "")


def test_an_unread_body_is_drained_before_the_next_request(server):
    conn = Conn(server.port)
    conn.send(request("PUT", "/ignore", b"x" * 100_000) + request("POST", "/echo", b"next"))
    assert conn.response()[2] == b"ok"
    assert conn.response()[2] == b"next"  # not mistaken for the rest of the first body


def test_chunked_request_and_streamed_response(server):
    conn = Conn(server.port)
    chunked = (
        b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    conn.send(chunked)
    assert conn.response()[2] == b"hello world"
    conn.send(request("GET", "/stream"))
    status, headers, body = conn.response()
    assert headers["transfer-encoding"] == "chunked" and body == b"one,two"
    conn.send(request("GET", "/empty"))
    status, headers, body = conn.response()
    assert status == 204 and "transfer-encoding" not in headers
    conn.send(request("POST", "/echo", b"still open"))
    assert conn.response()[2] == b"still open"


def test_expect_100_continue(server):
    conn = Conn(server.port)
    conn.send(
        request("PUT", "/echo", extra="Expect: 100-continue\r\n").replace(
            b"Content-Length: 0", b"Content-Length: 4"
        )
    )
    assert conn.response()[0] == 100
    conn.send(b"data")
    assert conn.response()[2] == b"data"


def test_the_client_may_ask_to_close(server):
    conn = Conn(server.port)
    conn.send(request("POST", "/echo", b"bye", extra="Connection: close\r\n"))
    status, headers, body = conn.response()
    assert body == b"bye" and headers["connection"] == "close"
    assert conn.closed()


def test_bad_content_length_is_a_400_and_a_hang_up(server):
    conn = Conn(server.port)
    conn.send(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n")
    assert conn.response()[0] == 400
    assert conn.closed()


def test_an_application_error_is_a_500_and_logged(server, caplog):
    conn = Conn(server.port)
    with caplog.at_level(logging.ERROR, logger="werkzeug"):
        conn.send(request("GET", "/boom"))
        status, headers, body = conn.response()
    assert status == 500 and headers["connection"] == "close"
    assert conn.closed()
    assert "RuntimeError: the application broke" in caplog.text
    assert "GET /boom" in caplog.text


def test_stopping_the_server_hangs_up_idle_connections(server):
    conn = Conn(server.port)
    conn.send(request("POST", "/echo", b"hi"))
    conn.response()
    server.shutdown()
    server.server_close()
    close_open_connections(server)
    assert conn.closed()
