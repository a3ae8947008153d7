"""The HTTP front door of the lab: moto's WSGI app on 127.0.0.1, quiet, plus two seams.

* ``/_lambdalab/status`` answers JSON about the lab (simulated ``now``, region, what is pending)
  so out-of-process tools (``lambdalab logs tail``, ``lambdalab env``) use the lab's clock.
* The request being served is remembered per thread (:func:`current_request_headers`), so code
  that moto calls synchronously (S3 notifications) can read headers such as ``X-Amzn-Trace-Id``
  — that is how a Lambda → S3 → Lambda loop is counted, as AWS does with its trace header.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

STATUS_PATH = "/_lambdalab/status"
ALLOWED_HOSTS = ("127.0.0.1", "localhost")
# Loggers whose records would otherwise land in a notebook's stderr.
QUIET_LOGGERS = ("werkzeug", "lambdalab")

_local = threading.local()


def serving_lab_request() -> bool:
    """Is this thread serving a request that came through the lab's HTTP server?"""
    return getattr(_local, "environ", None) is not None


def current_query_param(name: str) -> str | None:
    """A query-string parameter of the request this thread is serving (None when absent)."""
    from urllib.parse import parse_qs

    environ = getattr(_local, "environ", None) or {}
    values = parse_qs(environ.get("QUERY_STRING", "")).get(name)
    return values[0] if values else None


def current_request_headers() -> dict[str, str]:
    """Headers of the HTTP request this thread is serving (empty outside a request)."""
    environ = getattr(_local, "environ", None)
    if not environ:
        return {}
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    return headers


class LabApp:
    """WSGI middleware around moto's dispatcher."""

    def __init__(self, moto_app: Any, status: Callable[[], dict[str, Any]]) -> None:
        self.moto_app = moto_app
        self.status = status

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        if host not in ALLOWED_HOSTS:
            # Only clients on this machine that name it as such: a web page that rebinds its
            # own DNS name to 127.0.0.1 cannot read the lab's keys or call its APIs.
            body = b"lambdalab answers only to 127.0.0.1 and localhost\n"
            start_response("403 Forbidden", [("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == STATUS_PATH:
            body = json.dumps(self.status()).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        _local.environ = environ
        try:
            return self.moto_app(environ, start_response)
        finally:
            _local.environ = None


class LabServer:
    """A threaded werkzeug server (like moto's ThreadedMotoServer) that never logs requests."""

    def __init__(
        self,
        host: str,
        port: int,
        status: Callable[[], dict[str, Any]],
        error_log: Path | None = None,
    ) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from lambdalab.keepalive import keep_alive

        # Request lines and tracebacks (moto's, the engine's) never reach a notebook's output;
        # errors go to a file of the lab's (``lab.server_log``) where a bug report can quote them.
        self._log_handler = logging.FileHandler(error_log, delay=True) if error_log else None
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.ERROR if name == "werkzeug" else logging.WARNING)
            logger.propagate = False
            logger.addHandler(self._log_handler or logging.NullHandler())
        app = LabApp(DomainDispatcherApplication(create_backend_app), status)
        self._server = make_server(
            host, port, app, threaded=True, request_handler=keep_alive(quiet(MotoRequestHandler))
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lambdalab-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        from lambdalab.keepalive import close_open_connections

        self._server.shutdown()
        self._server.server_close()
        close_open_connections(self._server)
        self._thread.join(timeout=5)
        if self._log_handler is not None:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).removeHandler(self._log_handler)
            self._log_handler.close()


def quiet(handler_cls: type) -> type:
    """Subclass a werkzeug request handler so it logs nothing (notebook output stays clean)."""

    class QuietHandler(handler_cls):  # type: ignore[misc, valid-type]
        def log(self, *args: Any, **kwargs: Any) -> None:
            pass

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return QuietHandler
