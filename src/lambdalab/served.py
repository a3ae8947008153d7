"""Connection files of served labs: how a terminal or a notebook finds its user's lab.

``lambdalab serve`` writes one JSON file (endpoint, region, clock, the learner's lab key) into a
per-user runtime directory that only its owner can enter (0700, files 0600), as Jupyter keeps
its kernels' connection files. ``lambdalab env``, ``lambdalab tf`` and
``lambdalab.start(attach=True)`` read it; the lab's HTTP endpoints never hand out a key. Another
user on the same host cannot read the file, so two learners' kernels never attach to each
other's lab.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from lambdalab.leftovers import pid_alive

ENV_DIR = "LAMBDALAB_RUNTIME_DIR"


class ServedLabError(RuntimeError):
    """No usable served lab, or a runtime directory that is not private."""


def runtime_dir(create: bool = False) -> Path:
    """``$LAMBDALAB_RUNTIME_DIR``, else ``<jupyter runtime dir>/lambdalab`` (the user's own)."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        path = Path(configured)
    else:
        from jupyter_core.paths import jupyter_runtime_dir

        path = Path(jupyter_runtime_dir()) / "lambdalab"
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        _check_private(path)
    return path


def _check_private(path: Path) -> None:
    info = path.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ServedLabError(
            f"{path} belongs to another user: lambdalab keeps lab keys only in a directory of "
            f"your own. Set {ENV_DIR} to a private directory."
        )
    if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
        raise ServedLabError(
            f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}). "
            f"Run `chmod 700 {path}` and start the lab again."
        )


def publish(info: dict[str, Any]) -> Path:
    """Write a served lab's connection file (0600), replacing a stale one for the same port."""
    port = info["endpoint_url"].rsplit(":", 1)[-1]
    path = runtime_dir(create=True) / f"lab-{port}.json"
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(info, f, indent=2)
    return path


def labs() -> list[dict[str, Any]]:
    """Connection files of this user's labs that are still running (stale ones removed)."""
    directory = runtime_dir()
    if not directory.exists():
        return []
    found = []
    for path in sorted(directory.glob("lab-*.json")):
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if pid_alive(int(info.get("pid", 0))):
            found.append(info)
        else:
            path.unlink(missing_ok=True)
    return found


def find(endpoint_url: str | None = None) -> dict[str, Any]:
    """The served lab at ``endpoint_url`` (default: the only one running, else port 4566)."""
    running = labs()
    if endpoint_url:
        wanted = endpoint_url.rstrip("/").replace("localhost", "127.0.0.1")
        for info in running:
            if info["endpoint_url"] == wanted:
                return info
        raise ServedLabError(
            f"no lab of yours is serving at {endpoint_url}. Start one with `lambdalab serve` "
            "in another terminal (as the same user), then try again."
        )
    if len(running) == 1:
        return running[0]
    for info in running:
        if info["endpoint_url"].endswith(":4566"):
            return info
    if not running:
        raise ServedLabError(
            "no lab of yours is running. Start one with `lambdalab serve` in another terminal "
            "(as the same user), then try again."
        )
    choices = ", ".join(info["endpoint_url"] for info in running)
    raise ServedLabError(f"several labs are running ({choices}): pass --endpoint to choose one.")


def fetch_status(endpoint_url: str, timeout: float = 3.0) -> dict[str, Any]:
    """GET ``/_lambdalab/status`` of a running lab (raises OSError when none answers)."""
    import json
    import urllib.request

    from lambdalab.server import STATUS_PATH

    with urllib.request.urlopen(endpoint_url.rstrip("/") + STATUS_PATH, timeout=timeout) as r:
        return json.load(r)
