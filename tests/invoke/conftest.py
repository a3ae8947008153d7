"""Fixture building an :class:`AsyncEngine` wired to recording fakes (stopped after the test)."""

from __future__ import annotations

from typing import Any

import pytest
from invoke_fakes import Lab, ok

from lambdalab.clock import Clock
from lambdalab.invoke import AsyncEngine, AsyncEvent, AsyncSettings, DeliveryError
from lambdalab.model import InvocationResult


@pytest.fixture(autouse=True)
def _in_process_moto_only(monkeypatch):
    """These tests use moto in-process (``mock_aws``); a lab started by other tests in this
    session exports AWS_ENDPOINT_URL, which would send their calls to it instead."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def make_lab():
    labs: list[Lab] = []

    def build(mode: str = "fast", **engine_kwargs: Any) -> Lab:
        clock = Clock(mode)
        lab_holder: list[Lab] = []

        def run_attempt(event: AsyncEvent, attempt: int) -> InvocationResult:
            lab = lab_holder[0]
            with lab.lock:
                lab.starts.append((event.request_id, attempt, clock.time()))
            return lab.behaviour.get(event.function_name, lambda e, a: ok(e))(event, attempt)

        def settings_for(name: str, qualifier: str) -> AsyncSettings:
            settings = lab_holder[0].settings.get(name, AsyncSettings())
            if settings is None:  # a test "deleted" the function
                raise LookupError(f"Function not found: {name}")
            return settings

        def deliver(kind: str, target: str, event: AsyncEvent, message: Any) -> None:
            lab = lab_holder[0]
            if target in lab.failing_targets:
                raise DeliveryError(f"AccessDenied on {target}")
            with lab.lock:
                lab.deliveries.append((kind, target, event, message))

        def emit_metric(fn, name, value, unit, timestamp, resource=None):
            lab = lab_holder[0]
            with lab.lock:
                lab.metrics.append((fn, name, value, unit, timestamp, resource))

        def log_line(fn: str, message: str) -> None:
            lab = lab_holder[0]
            with lab.lock:
                lab.logs.append((fn, message))

        engine = AsyncEngine(
            clock,
            run_attempt=run_attempt,
            settings_for=settings_for,
            deliver=deliver,
            emit_metric=emit_metric,
            log_line=log_line,
            **engine_kwargs,
        )
        lab = Lab(clock=clock, engine=engine, settings={}, behaviour={})
        lab_holder.append(lab)
        labs.append(lab)
        return lab

    yield build
    for lab in labs:
        lab.engine.stop()
