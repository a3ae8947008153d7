"""Fixtures for the runtime tests: a list log sink, zipped handlers, a service per client."""

from __future__ import annotations

import importlib.util
import io
import sys
import threading
import zipfile

import pytest

from lambdalab.clock import Clock
from lambdalab.model import FunctionSpec
from lambdalab.runtime import RuntimeService

CLIENTS = ["builtin"] + (["awslambdaric"] if importlib.util.find_spec("awslambdaric") else [])
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIAROLEKEY",
    "AWS_SECRET_ACCESS_KEY": "role-secret",
    "AWS_SESSION_TOKEN": "role-token",
}
ENDPOINT = "http://127.0.0.1:4566"
# The lab's own Python, so both runtime clients are tested (another version has no awslambdaric).
HOST_RUNTIME = f"python3.{sys.version_info.minor}"


class ListSink:
    """Collects what the runtime writes to CloudWatch Logs."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int, str]] = []
        self._lock = threading.Lock()

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        assert isinstance(events, list) and events
        with self._lock:
            self.events.extend((group, stream, ts, msg) for ts, msg in events)

    def messages(self, stream: str | None = None) -> list[str]:
        with self._lock:
            return [m for _, s, _, m in self.events if stream is None or s == stream]

    def streams(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(s for _, s, _, _ in self.events))


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def make_spec(code: str | dict[str, str], **kw) -> FunctionSpec:
    files = {"app.py": code} if isinstance(code, str) else code
    kw.setdefault("name", "fn")
    kw.setdefault("handler", "app.handler")
    # Generous: on a starved machine a cold start plus a big allocation can take seconds, and
    # only the tests about timeouts (which set their own) may see one.
    kw.setdefault("timeout", 60.0)
    return FunctionSpec(
        arn=f"arn:aws:lambda:ap-northeast-1:123456789012:function:{kw['name']}",
        runtime=kw.pop("runtime", HOST_RUNTIME),
        code_zip=make_zip(files),
        **kw,
    )


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def clock() -> Clock:
    return Clock("fast")


@pytest.fixture(params=CLIENTS)
def client(request) -> str:
    return request.param


@pytest.fixture
def service_factory(sink, clock, client):
    made: list[RuntimeService] = []

    def make(**kw) -> RuntimeService:
        kw.setdefault("client", client)
        svc = RuntimeService(
            clock, lambda spec: sink, lambda spec: dict(CREDENTIALS), ENDPOINT, **kw
        )
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


@pytest.fixture
def svc(service_factory) -> RuntimeService:
    return service_factory()
