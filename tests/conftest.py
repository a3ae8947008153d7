"""Shared fixtures: one lab per test session, reset before each test that asks for it."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _lab():
    import lambdalab

    lab = lambdalab.start()
    yield lab
    lab.stop()


@pytest.fixture
def lab(_lab):
    """The running lab, emptied before the test."""
    _lab.reset()
    yield _lab
    _lab.reset()
