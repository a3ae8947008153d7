"""Helpers for the resource-handler tests (a plain module: tests import it by name)."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from pathlib import Path

from lambdalab.terraform.resources.base import DATA_SOURCES, RESOURCE_TYPES

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def handler(type_name: str):
    return RESOURCE_TYPES[type_name]


def data(type_name: str):
    return DATA_SOURCES[type_name]


def zip_bytes(source: str, filename: str = "lambda_function.py") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(filename, textwrap.dedent(source))
    return buf.getvalue()


def provider_state() -> dict[str, dict]:
    """Attributes per type from a real terraform 1.11 + aws 5.100 apply against moto."""
    path = Path(__file__).parent / "data" / "provider-5.100-state.json"
    state = json.loads(path.read_text())
    return {
        ("data." if r["mode"] == "data" else "") + r["type"]: r["instances"][0]["attributes"]
        for r in state["resources"]
    }
