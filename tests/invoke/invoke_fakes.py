"""Fakes for async-engine tests: a scripted function and recorders for every callback."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdalab.clock import Clock
from lambdalab.invoke import AsyncEngine, AsyncEvent, AsyncSettings, Throttled
from lambdalab.model import InvocationResult

FN_ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:fn"


def ok(event: AsyncEvent, body: Any = "done") -> InvocationResult:
    return InvocationResult(request_id=event.request_id, payload=json.dumps(body).encode())


def error(event: AsyncEvent, kind: str = "ValueError", message: str = "boom") -> InvocationResult:
    document = {
        "errorMessage": message,
        "errorType": kind,
        "requestId": event.request_id,
        "stackTrace": ['  File "/var/task/lambda_function.py", line 3, in lambda_handler\n'],
    }
    return InvocationResult(
        request_id=event.request_id,
        payload=json.dumps(document).encode(),
        function_error="Unhandled",
        error_type=kind,
        error_message=message,
    )


@dataclass
class Lab:
    """A running engine plus everything it called back."""

    clock: Clock
    engine: AsyncEngine
    settings: dict[str, AsyncSettings]
    behaviour: dict[str, Callable[[AsyncEvent, int], InvocationResult]]
    starts: list[tuple[str, int, float]] = field(default_factory=list)
    deliveries: list[tuple[str, str, AsyncEvent, Any]] = field(default_factory=list)
    metrics: list[tuple[str, str, float, str, Any, Any]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    failing_targets: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def metric_values(self, name: str) -> list[float]:
        with self.lock:
            return [m[2] for m in self.metrics if m[1] == name]

    def delivered(self, kind: str) -> list[tuple[str, str, AsyncEvent, Any]]:
        with self.lock:
            return [d for d in self.deliveries if d[0] == kind]


def event(name: str = "fn", payload: Any = None, **kwargs: Any) -> AsyncEvent:
    body = json.dumps({"key": "value"} if payload is None else payload).encode()
    arn = FN_ARN.replace(":fn", f":{name}")
    return AsyncEvent(function_name=name, payload=body, function_arn=arn, **kwargs)


def always(result: Callable[[AsyncEvent], InvocationResult]):
    return lambda e, a: result(e)


def throttled_first(times: int, then: Callable[[AsyncEvent], InvocationResult]):
    count = {"n": 0}

    def run(e: AsyncEvent, a: int) -> InvocationResult:
        count["n"] += 1
        if count["n"] <= times:
            raise Throttled("no capacity")
        return then(e)

    return run
