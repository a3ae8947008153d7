"""HTTP/1.1 keep-alive on werkzeug's threaded server (lambdalab.keepalive), on raw sockets."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from lambdalab import keepalive
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
    if path == "/any-method":  # a body whatever the method, HEAD included
        start_response("200 OK", [("Content-Length", "4")])
        return [b"body"]
    if path == "/too-long":  # declares 4 bytes, yields 8
        start_response("200 OK", [("Content-Length", "4")])
        return [b"12345678"]
    if path == "/too-short":  # declares 8 bytes, yields 4
        start_response("200 OK", [("Content-Length", "8")])
        return [b"1234"]
    if path == "/slow-body":
        start_response("200 OK", [("Content-Length", "4")])
        environ["wsgi.input"].read()
        return [b"done"]
    raise RuntimeError("the application broke")


@pytest.fixture
def server():
    yield from serve()


def serve():
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

    def response(self, to_head: bool = False) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), "connection closed before a response"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if to_head:  # a response to HEAD announces a length but has no body
            body = b""
        elif "content-length" in headers:
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

    def read_to_end(self) -> bytes:
        """Everything until the server hangs up."""
        while self._fill():
            pass
        data, self.buf = self.buf, b""
        return data

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


def test_head_and_bad_lengths_do_not_desync_the_connection(server):
    conn = Conn(server.port)
    conn.send(request("HEAD", "/any-method"))
    status, headers, body = conn.response(to_head=True)
    assert (status, headers["content-length"]) == (200, "4")
    conn.send(request("POST", "/echo", b"after head"))
    assert conn.response()[2] == b"after head"  # not b"body" left over from the HEAD

    conn.send(request("GET", "/too-long"))
    status, headers, body = conn.response()
    assert body == b"1234"
    assert conn.closed()  # the extra bytes never reach the client as a "next response"


def test_a_short_body_closes_the_connection(server):
    conn = Conn(server.port)
    conn.send(request("GET", "/too-short"))
    raw = conn.read_to_end()
    assert raw.endswith(b"\r\n\r\n1234")  # the client sees EOF, not a hang


def test_http_1_0_gets_a_plain_body_and_a_hang_up(server):
    conn = Conn(server.port)
    conn.send(b"GET /stream HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    raw = conn.read_to_end()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"chunked" not in head.lower() and body == b"one,two"


def test_a_client_gone_mid_body_leaves_no_traceback(server, capfd):
    conn = Conn(server.port)
    conn.send(b"PUT /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nab")
    assert conn.response()[2] == b"ok"
    conn.sock.close()
    time.sleep(0.3)  # the server thread drains, finds the hang-up, and ends
    assert "Traceback" not in capfd.readouterr().err


def test_only_the_wait_between_requests_times_out(monkeypatch):
    monkeypatch.setattr(keepalive, "IDLE_SECONDS", 0.5)
    for srv in serve():
        conn = Conn(srv.port)
        conn.send(b"POST /slow-body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nab")
        time.sleep(1.0)  # longer than the idle timeout, in the middle of a request
        conn.send(b"cd")
        assert conn.response()[2] == b"done"
        time.sleep(1.0)  # idle now: the server hangs up
        assert conn.closed()


def test_a_connection_accepted_while_stopping_is_hung_up(server):
    close_open_connections(server)  # stop() has begun
    conn = Conn(server.port)
    assert conn.closed()
