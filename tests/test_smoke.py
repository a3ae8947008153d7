"""The package imports and the command line answers --help."""

from __future__ import annotations

import subprocess
import sys

import lambdalab


def test_package_exposes_the_public_interface():
    assert callable(lambdalab.start)
    assert lambdalab.__version__


def test_cli_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "lambdalab", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("serve", "env", "tf", "logs", "timeline"):
        assert command in out
