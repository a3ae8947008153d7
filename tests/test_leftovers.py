"""Leftover folders are recovered, never someone else's (issue 11: `make clean` removed the
folders of labs that were running; a killed kernel left its folders behind forever).

Real processes own the folders: one that died (SIGKILL), one that still runs. The temp
directory is the test's own (TMPDIR), so other labs on this machine are never touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalab import leftovers

ROOT = Path(__file__).resolve().parent.parent
HOLD = """
import sys, time
from lambdalab import leftovers
print(leftovers.new_folder(root=sys.argv[1]), flush=True)
time.sleep(600)
"""


def child_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}


@pytest.fixture
def holders(tmp_path):
    """Start processes that each create a recorded folder; yields start(), kills them after."""
    procs: list[subprocess.Popen] = []

    def start() -> tuple[subprocess.Popen, Path]:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(tmp_path)],
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(tmp_path),
        )
        procs.append(proc)
        return proc, Path(proc.stdout.readline().strip())

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_sweep_removes_only_folders_whose_owner_is_gone(tmp_path, holders):
    dead, dead_folder = holders()
    (dead_folder / "server-errors.log").write_text("a lab's leftovers\n")
    live, live_folder = holders()
    os.kill(dead.pid, signal.SIGKILL)
    dead.wait()
    mine = leftovers.new_folder(root=str(tmp_path))
    unrecorded = tmp_path / "lambdalab-not-ours"  # no record: maybe another program's
    unrecorded.mkdir()
    reused = leftovers.new_folder(root=str(tmp_path))  # our pid, another process's start time
    (reused / leftovers.RECORD).write_text(json.dumps({"pid": os.getpid(), "started": 1.0}))
    other = tmp_path / "not-lambdalab"
    other.mkdir()

    result = leftovers.sweep(str(tmp_path))

    assert sorted(result.removed) == sorted([dead_folder, reused])
    assert not dead_folder.exists() and not reused.exists()
    assert live_folder.is_dir() and mine.is_dir() and unrecorded.is_dir() and other.is_dir()
    assert sorted(result.kept) == sorted([live_folder, mine])
    assert live.poll() is None


def test_new_folder_refuses_a_prefix_the_sweep_would_not_see():
    with pytest.raises(ValueError, match="must start with 'lambdalab-'"):
        leftovers.new_folder("mine-")


LAB = """
import sys, time, lambdalab
lab = lambdalab.start()
print("started", flush=True)
if sys.argv[1] == "stop":
    lab.stop()
    print("stopped", flush=True)
else:
    time.sleep(600)
"""


def lab_folders(tmp: Path, pid: int) -> list[Path]:
    return [
        f
        for f in tmp.glob("lambdalab-*")
        if (owner := leftovers.owner_of(f)) is not None and owner.pid == pid
    ]


def run_lab(tmp: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", LAB, mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(tmp),
    )
    assert proc.stdout.readline() == "started\n", f"the lab exited with {proc.wait()}"
    return proc


def test_the_next_start_removes_a_killed_labs_folders_and_keeps_a_running_labs(tmp_path):
    killed = run_lab(tmp_path, "wait")
    running = run_lab(tmp_path, "wait")
    try:
        killed_folders = lab_folders(tmp_path, killed.pid)
        running_folders = lab_folders(tmp_path, running.pid)
        # The lab's state folder and its unpacked-code cache, each with its owner.
        assert len(killed_folders) == 2 and len(running_folders) == 2
        os.kill(killed.pid, signal.SIGKILL)  # a crashed kernel: nothing cleans up
        killed.wait()
        assert all(f.is_dir() for f in killed_folders)

        nxt = run_lab(tmp_path, "stop")
        assert nxt.stdout.readline() == "stopped\n"
        nxt.wait()

        assert [f for f in killed_folders if f.exists()] == []
        assert all(f.is_dir() for f in running_folders)
        assert lab_folders(tmp_path, nxt.pid) == []  # a clean stop leaves nothing behind
    finally:
        for proc in (killed, running):
            proc.kill()
            proc.wait()


def test_make_clean_sweeps_the_same_way(tmp_path, holders):
    dry_run = subprocess.run(
        ["make", "-n", "clean", f"BIN={Path(sys.executable).parent}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (recipe,) = [line for line in dry_run.splitlines() if "lambdalab.leftovers" in line]
    assert "rm -rf /tmp/lambdalab" not in dry_run
    dead, dead_folder = holders()
    live, live_folder = holders()
    dead.kill()
    dead.wait()
    done = subprocess.run(
        ["bash", "-c", recipe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=child_env(tmp_path),
        check=True,
    )
    assert not dead_folder.exists() and live_folder.is_dir()
    assert done.stderr == ""  # no Python warning for a learner who runs make clean
    assert done.stdout.splitlines() == [
        f"removed {dead_folder} (its lab is no longer running)",
        "kept 1 folder(s) of labs that are still running",
    ]
