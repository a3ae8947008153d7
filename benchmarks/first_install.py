"""First install (issue 13): seconds from a fresh clone to a serving JupyterLab.

For one git revision, clones the repository twice into a temporary folder and runs, in each
clone, ``make install`` (the install part of ``make test`` and ``make lab``) and then
``make lab`` until JupyterLab answers. The first clone starts with an *empty* package cache
(``PIP_CACHE_DIR`` / ``UV_CACHE_DIR`` point at a new folder; the bootstrap ``uv`` in
``LAMBDALAB_TOOLS_DIR`` counts as cache too), the second reuses that cache (*warm*). Prints
the seconds of each stage and clone → serving; asserts nothing.

Targets: ≤ 60 s clone → serving with a warm cache; half of the old time with an empty one.
It downloads from the package index with the empty cache, so it needs the network.

Run: ``python3 benchmarks/first_install.py [--rev HEAD] [--keep]`` (``nice -n 5`` on a shared
machine). ``--against <old commit> [--pairs 2]`` measures the old revision and ``--rev`` in
turn (old, new, old, new, …: a busy machine's load then falls on both alike) and prints each
pair's ratio new/old; the target is an empty-cache ratio of 0.5 or less. The old install
path is ``5ee301e`` (the last commit with ``pip install -e '.[dev]'`` in the Makefile).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/api/contents/?token=bench"
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return any(i["name"] == "00_start_here.ipynb" for i in json.load(resp)["content"])
    except OSError:
        return False


def one_clone(work: Path, name: str, rev: str, cache: Path, python: str) -> dict[str, float]:
    clone = work / name
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t0 = time.monotonic()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
    env = dict(
        os.environ,
        PIP_CACHE_DIR=str(cache / "pip"),
        UV_CACHE_DIR=str(cache / "uv"),
        LAMBDALAB_TOOLS_DIR=str(cache / "tools"),  # the bootstrap uv is part of the cache
    )
    env.pop("VIRTUAL_ENV", None)
    log = clone.parent / f"{name}.log"
    with log.open("w") as fh:
        t1 = time.monotonic()
        rc = subprocess.run(
            ["make", "--no-print-directory", "install", f"PYTHON={python}"],
            cwd=clone,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        ).returncode
        t2 = time.monotonic()
        if rc:
            sys.exit(f"make install failed in {clone} (log: {log})")
    printed = log.read_text(errors="replace").splitlines()  # what `make install` printed
    stages = [line for line in printed if line.startswith("[lambdalab install")]
    with log.open("a") as fh:
        port = free_port()
        args = f"--no-browser --port={port} --IdentityProvider.token=bench"
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}", f"PYTHON={python}"],
            cwd=clone,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while not serving(port):
                if proc.poll() is not None or time.monotonic() - t2 > 300:
                    sys.exit(f"make lab did not serve in {clone} (log: {log})")
                time.sleep(0.25)
            t3 = time.monotonic()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    return {
        "install": t2 - t1,
        "lab start": t3 - t2,
        "clone to serving": t3 - t0,
        "install lines": len(printed),
        # The 1-minute load average before and after: how busy the machine was meanwhile.
        "load": (load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")),
        "stages": stages,
    }


def measure(rev: str, python: str, keep: bool) -> dict[str, dict]:
    """Empty then warm cache, for one revision, in a new temporary folder."""
    work = Path(tempfile.mkdtemp(prefix="lambdalab-install-"))
    cache = work / "cache"
    try:
        return {
            "empty cache": one_clone(work, "empty", rev, cache, python),
            "warm cache": one_clone(work, "warm", rev, cache, python),
        }
    finally:
        if keep:
            print(f"clones and logs kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(rev: str, results: dict[str, dict]) -> None:
    print(f"revision {rev}")
    print(
        f"{'':<14}{'install s':>10}{'lab start s':>12}{'clone→serving s':>17}{'lines':>7}"
        f"{'load before/after':>19}"
    )
    for name, r in results.items():
        load = f"{r['load'][0]:.1f}/{r['load'][1]:.1f}"
        print(
            f"{name:<14}{r['install']:>10.1f}{r['lab start']:>12.1f}"
            f"{r['clone to serving']:>17.1f}{r['install lines']:>7}{load:>19}"
        )
    for name, r in results.items():
        for line in r["stages"]:
            print(f"  {name}: {line}")
    sys.stdout.flush()


def short(rev: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="git revision to measure (default HEAD)")
    parser.add_argument("--against", help="an older revision to measure in turn with --rev")
    parser.add_argument("--pairs", type=int, default=2, help="old/new pairs with --against")
    parser.add_argument("--python", default=sys.executable, help="interpreter for make PYTHON=")
    parser.add_argument("--keep", action="store_true", help="keep the clones and logs")
    opts = parser.parse_args()
    rev = short(opts.rev)
    if not opts.against:
        report(rev, measure(rev, opts.python, opts.keep))
        return
    old = short(opts.against)
    ratios = []
    for pair in range(1, opts.pairs + 1):
        print(f"== pair {pair}/{opts.pairs}", flush=True)
        before = measure(old, opts.python, opts.keep)
        report(old, before)
        after = measure(rev, opts.python, opts.keep)
        report(rev, after)
        ratios.append(
            {
                name: after[name]["clone to serving"] / before[name]["clone to serving"]
                for name in ("empty cache", "warm cache")
            }
        )
    print(f"clone→serving, {rev} / {old} (target: empty cache ≤ 0.5)")
    for pair, ratio in enumerate(ratios, 1):
        print(f"  pair {pair}: empty {ratio['empty cache']:.2f}, warm {ratio['warm cache']:.2f}")


if __name__ == "__main__":
    main()
