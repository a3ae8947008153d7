"""`make lab` serves the notebooks: checked headless (server answers and lists notebooks/)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.lab_helpers import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_make_lab_serves_the_notebooks_folder():
    port = free_port()
    args = f"--no-browser --port={port} --IdentityProvider.token=lab-test"
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
    )
    try:
        url = f"http://127.0.0.1:{port}/api/contents/?token=lab-test"
        listing = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and listing is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    listing = json.load(resp)
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer"
        names = {item["name"] for item in listing["content"]}
        assert "00_start_here.ipynb" in names
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
