"""Helpers for the resource-handler tests (a plain module: tests import it by name)."""

from __future__ import annotations

import json
from pathlib import Path

from lambdalab.terraform.resources.base import DATA_SOURCES, RESOURCE_TYPES
from tests.lab_helpers import TRUST_LAMBDA as TRUST
from tests.lab_helpers import zip_source as zip_bytes

__all__ = ["TRUST", "data", "handler", "provider_state", "zip_bytes"]


def handler(type_name: str):
    return RESOURCE_TYPES[type_name]


def data(type_name: str):
    return DATA_SOURCES[type_name]


def provider_state() -> dict[str, dict]:
    """Attributes per type from a real terraform 1.11 + aws 5.100 apply against moto."""
    path = Path(__file__).parent / "data" / "provider-5.100-state.json"
    state = json.loads(path.read_text())
    return {
        ("data." if r["mode"] == "data" else "") + r["type"]: r["instances"][0]["attributes"]
        for r in state["resources"]
    }
