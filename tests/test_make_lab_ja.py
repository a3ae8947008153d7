"""`make lab EDITION=ja` serves the Japanese edition in a Japanese JupyterLab (checked headless).

The language comes from etc/jupyterlab-ja/overrides.json (a default of this server only), so the
test gives the server an empty user-settings folder of its own: a developer's own JupyterLab
settings neither change the result nor get written to.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.lab_helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "lab-ja-test"


def _get(port: int, path: str) -> dict | None:
    url = f"http://127.0.0.1:{port}{path}{'&' if '?' in path else '?'}token={TOKEN}"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.load(resp)
    except OSError:
        return None


def test_make_lab_edition_ja_serves_the_japanese_notebooks_in_japanese(tmp_path):
    port = free_port()
    user_settings = tmp_path / "user-settings"
    user_settings.mkdir()
    args = f"--no-browser --port={port} --IdentityProvider.token={TOKEN}"
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(user_settings))
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", "EDITION=ja", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        listing = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and listing is None:
            listing = _get(port, "/api/contents/")
            if listing is None:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer"

        # The served folder is notebooks/ja/: its 00 is the Japanese notebook.
        names = {item["name"] for item in listing["content"]}
        assert "00_start_here.ipynb" in names and "ja" not in names
        notebook = _get(port, "/api/contents/00_start_here.ipynb?content=1")
        assert notebook is not None
        title = "".join(notebook["content"]["cells"][0]["source"])
        assert title.startswith("# 00 · はじめに"), title[:80]

        # The interface language defaults to ja_JP on this server …
        plugin = _get(port, "/lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert plugin is not None
        assert plugin["schema"]["properties"]["locale"]["default"] == "ja_JP"
        assert plugin["raw"] in ("", "{}"), "the learner's own settings must stay untouched"

        # … and the language pack answers with JupyterLab's own strings in Japanese.
        packs = _get(port, "/lab/api/translations/")
        assert packs is not None and "ja_JP" in packs["data"], packs
        pack = _get(port, "/lab/api/translations/ja_JP")
        assert pack is not None and pack["message"] == "", pack
        strings = pack["data"]["jupyterlab"]
        assert strings["Run All Cells"] == ["すべてのセルを実行"]
        assert strings["Restart Kernel…"] == ["カーネルを再起動…"]
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    assert list(user_settings.iterdir()) == [], "the server wrote into the user settings"


def _dry_run(*variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "lab", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_lab_lang_ja_says_to_use_edition_before_installing_anything():
    result = _dry_run("LANG=ja")
    assert result.returncode != 0
    assert "run `make lab EDITION=ja`" in result.stderr
    assert "pip install" not in result.stdout  # refused before the install step


def test_make_lab_unknown_edition_names_the_editions():
    result = _dry_run("EDITION=fr")
    assert result.returncode != 0
    assert "EDITION=fr: use EDITION=en (default) or EDITION=ja" in result.stderr


def test_make_lab_edition_ja_points_jupyterlab_at_the_japanese_folder_and_settings():
    result = _dry_run("EDITION=ja")
    assert result.returncode == 0, result.stderr
    assert "--ServerApp.root_dir=notebooks/ja " in result.stdout
    overrides = ROOT / "etc" / "jupyterlab-ja"
    assert f"--LabApp.app_settings_dir={overrides}" in result.stdout
    settings = json.loads((overrides / "overrides.json").read_text(encoding="utf-8"))
    assert settings == {"@jupyterlab/translation-extension:plugin": {"locale": "ja_JP"}}
