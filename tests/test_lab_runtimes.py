"""Through the lab: a python3.X function runs on Python 3.X; ``lab.runtimes()`` says which."""

from __future__ import annotations

import json
import sys

import pytest

from lambdalab.runtime import pythons
from tests.lab_helpers import make_function

VERSION = """
import sys
def lambda_handler(event, context):
    return sys.version.split()[0]
"""


@pytest.mark.parametrize("minor", [m for m in (12, 13) if m != sys.version_info.minor])
def test_the_declared_runtime_is_the_python_that_runs(lab, minor):
    python = pythons.Finder().find(minor)
    if python is None:
        pytest.skip(f"no Python 3.{minor} on this machine (looked on PATH, pyenv, uv, conda)")
    make_function(lab, f"py3{minor}", VERSION, Runtime=f"python3.{minor}")
    out = lab.client("lambda").invoke(FunctionName=f"py3{minor}", Payload=b"{}")
    assert json.load(out["Payload"]) == python.version_text
    listed = {r.runtime: r for r in lab.runtimes()}
    assert listed[f"python3.{minor}"].python == python.version_text
    assert listed[f"python3.{sys.version_info.minor}"].source == "lab"
