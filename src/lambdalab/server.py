"""The HTTP front door of the lab: moto's WSGI app on 127.0.0.1, quiet, behind the gate.

* Every request passes :mod:`lambdalab.gate` first (no web pages, no moto admin API, SigV4
  authentication as AWS does it); answers never carry CORS headers.
* ``/_lambdalab/status`` answers JSON about the lab (simulated ``now``, region, what is pending,
  never a credential) so out-of-process tools (``lambdalab logs tail``) use the lab's clock.
* ``/_lambdalab/api/<operation>``, signed with the learner's lab key, serves the lab-only
  helpers (``wait_idle``, ``invocations``, ``reset``…) to a notebook attached to a served lab.
* The request being served is remembered per thread (:func:`current_request_headers`), so code
  that moto calls synchronously (S3 notifications) can read headers such as ``X-Amzn-Trace-Id``
  — that is how a Lambda → S3 → Lambda loop is counted, as AWS does with its trace header.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import re
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
    from lambdalab.gate import request_headers

    environ = getattr(_local, "environ", None)
    return request_headers(environ) if environ else {}


ANSWER_KEY = "lambdalab.answer"


def answer_instead(status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    """Send this answer for the request being served, whatever moto makes of the error raised
    after it: moto keeps only the body and status of an error raised while it authorises, and
    Lambda's, SQS's and CloudWatch's errors need their headers (``x-amzn-ErrorType``,
    ``x-amzn-query-error``, CBOR's content type)."""
    environ = getattr(_local, "environ", None)
    if environ is not None:
        environ[ANSWER_KEY] = (status, headers, body)


def current_admission() -> Any:
    """Who sent the request this thread is serving (``gate.Admitted``), None outside one."""
    from lambdalab.gate import ENVIRON_KEY

    environ = getattr(_local, "environ", None) or {}
    return environ.get(ENVIRON_KEY)


class LabApp:
    """WSGI middleware around moto's dispatcher: the gate first, then moto or the lab's API."""

    def __init__(
        self,
        moto_app: Any,
        status: Callable[[], dict[str, Any]],
        api: Callable[[str, dict[str, Any]], Any] | None = None,
        admin_key_id: Callable[[], str] = lambda: "",
    ) -> None:
        self.moto_app = moto_app
        self.status = status
        self.api = api
        self.admin_key_id = admin_key_id

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        from lambdalab import gate, iam, wire

        def respond(status: int, headers: list[tuple[str, str]], body: bytes) -> list[bytes]:
            start_response(f"{status} {HTTP_REASONS.get(status, 'Error')}", headers)
            return [body]

        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        if host not in ALLOWED_HOSTS:
            # Only clients on this machine that name it as such: a web page that rebinds its
            # own DNS name to 127.0.0.1 cannot read the lab's keys or call its APIs.
            service = wire.identify(gate.request_headers(environ), "", "", b"")
            return respond(
                *wire.error_response(
                    service,
                    "access_denied",
                    message="lambdalab answers only to 127.0.0.1 and localhost",
                    method=environ.get("REQUEST_METHOD", "GET"),
                )
            )
        if environ.get("PATH_INFO") == STATUS_PATH and not gate.web_page_origin(
            gate.request_headers(environ), environ.get("REQUEST_METHOD", "GET")
        ):
            return respond(200, *_json(self.status()))  # holds no secret; web pages still refused
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        verdict = gate.screen(
            environ, body, find_key=iam.find_key, admin_key_id=self.admin_key_id()
        )
        if isinstance(verdict, gate.Refused):
            return respond(verdict.status, verdict.headers, verdict.body)
        environ[gate.ENVIRON_KEY] = verdict
        if environ.get("PATH_INFO", "").startswith(gate.LAB_API_PREFIX):
            return respond(*self._call_api(environ["PATH_INFO"], body))

        held: list[tuple[str, list[tuple[str, str]]]] = []  # an error answer, checked first

        def start_without_cors(status: str, headers: list, exc_info: Any = None) -> Any:
            headers = gate.strip_cors(headers)
            if status[:1] in "345":  # error answers are small: looked at before they go out
                held.append((status, headers))
                return lambda data: None
            return start_response(status, _one_request_id(headers), exc_info)

        _local.environ = environ
        try:
            result = self.moto_app(environ, start_without_cors)
        except Exception as exc:
            # moto tripped over the request (a shape it does not expect). Whatever a client
            # sends gets an answer in the service's protocol, never an HTML 500; the traceback
            # goes to lab.server_log for a bug report.
            logging.getLogger("lambdalab").exception(
                "moto could not handle %s", environ.get("PATH_INFO")
            )
            failure = "not_utf8" if isinstance(exc, UnicodeDecodeError) else "unprocessable"
            refused = gate.refusal(verdict.service, failure, environ.get("REQUEST_METHOD", "GET"))
            return respond(refused.status, refused.headers, refused.body)
        finally:
            _local.environ = None
        if not held:
            return result
        status, headers = held[0]
        payload = b"".join(result)
        getattr(result, "close", lambda: None)()
        if ANSWER_KEY in environ:  # the lab's own answer, with its headers (answer_instead)
            return respond(*environ[ANSWER_KEY])
        # moto answers some S3 denials (a bucket policy's Deny, a private object read
        # anonymously) with an empty 403, and a path no API has with Flask's HTML page
        # (404/405, or a 308 for a doubled slash); AWS sends its own error document.
        failure = None
        if not payload and environ.get("REQUEST_METHOD") != "HEAD" and not status.startswith("3"):
            failure = "access_denied" if status.startswith("403") else "unknown_operation"
        elif payload[:60].lstrip().lower().startswith((b"<!doctype html", b"<html")):
            failure = "unknown_operation"
        if failure is None:  # moto's own AWS-shaped error
            if verdict.service.name == "lambda" and verdict.service.rest:
                payload = _lambda_error_body(payload, status)
            if payload.lstrip()[:1] == b"<":
                payload = _xml_safe(payload)  # an echoed key may hold characters XML cannot
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(payload))))
            start_response(status, _one_request_id(headers))
            return [payload]
        refused = gate.refusal(verdict.service, failure, environ.get("REQUEST_METHOD", "GET"))
        return respond(refused.status, refused.headers, refused.body)

    def _call_api(self, path: str, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """The lab's own operations for an attached notebook (``lambdalab.start(attach=True)``)."""
        from lambdalab import gate

        operation = path[len(gate.LAB_API_PREFIX) :]
        if self.api is None:
            return _unknown_operation(operation)
        try:
            arguments = json.loads(body or b"{}")
            result = self.api(operation, arguments)
        except KeyError:
            return _unknown_operation(operation)
        except Exception as exc:  # the caller re-raises it by name (TimeoutError, ValueError…)
            headers, payload = _json({"__type": type(exc).__name__, "message": str(exc)})
            return 400, headers, payload
        return 200, *_json({"result": result})


def _unknown_operation(operation: str) -> tuple[int, list[tuple[str, str]], bytes]:
    from lambdalab import gate

    refused = gate.not_found(f"The lab has no operation {operation!r}.")
    return refused.status, refused.headers, refused.body


def _one_request_id(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request id the lab set (the function's, for Invoke) wins over the one moto adds, so
    ``ResponseMetadata.RequestId`` is the id of the START line, as on AWS."""
    seen = False
    kept = []
    for name, value in headers:
        if name.lower() == "x-amzn-requestid":
            if seen:
                continue
            seen = True
        kept.append((name, value))
    return kept


def _lambda_error_body(payload: bytes, status: str) -> bytes:
    """Lambda's error document as AWS sends it: the members of the error's shape in Lambda's
    API model — ``Type`` (User for a 4xx) and the message as ``Message`` or ``message``,
    whichever that shape names (recorded: LocalStack's test_lambda.snapshot.json,
    test_invoke_exceptions; test_lambda_api.snapshot.json, test_lambda_eventinvokeconfig_exceptions,
    Nov 2025). An error the model does not know (``ValidationException``) keeps its body.
    [AWS_BEHAVIOUR: lambda-error-members]"""
    try:
        doc = json.loads(payload)
    except ValueError:
        return payload
    if not isinstance(doc, dict):
        return payload
    members = _lambda_error_members(str(doc.get("__type") or doc.get("Type") or ""))
    if not members:
        return payload
    text = doc.pop("message", doc.pop("Message", None))
    if text is not None:
        doc["Message" if "Message" in members else "message"] = text
    if "Type" in members:
        doc.setdefault("Type", "User" if status.startswith("4") else "Service")
    return json.dumps(doc).encode()


@functools.lru_cache(maxsize=64)
def _lambda_error_members(code: str) -> frozenset[str]:
    """The members of Lambda's error shape ``code`` in botocore's model (empty if unknown)."""
    from botocore.model import NoShapeFoundError

    try:
        shape = _lambda_model().shape_for(code.rsplit("#", 1)[-1])
    except NoShapeFoundError:
        return frozenset()
    return frozenset(shape.members) if shape.metadata.get("exception") else frozenset()


@functools.lru_cache(maxsize=1)
def _lambda_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("lambda")


_XML_INVALID = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(payload: bytes) -> bytes:
    """XML 1.0 cannot carry control characters: show them as U+FFFD, as a parser would."""
    return _XML_INVALID.sub("\ufffd".encode(), payload)


def _json(value: Any) -> tuple[list[tuple[str, str]], bytes]:
    body = json.dumps(value, default=str).encode()
    return [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


HTTP_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    413: "Request Entity Too Large",
}


class LabServer:
    """A threaded werkzeug server (like moto's ThreadedMotoServer) that never logs requests."""

    def __init__(
        self,
        host: str,
        port: int,
        status: Callable[[], dict[str, Any]],
        error_log: Path | None = None,
        *,
        api: Callable[[str, dict[str, Any]], Any] | None = None,
        admin_key_id: Callable[[], str] = lambda: "",
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
        app = LabApp(DomainDispatcherApplication(create_backend_app), status, api, admin_key_id)
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
