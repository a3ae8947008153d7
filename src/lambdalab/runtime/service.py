"""The pool of execution environments behind every invoke (the Lambda data plane's workers).

Reuses a warm environment for the same ``spec.environment_key``, starts one otherwise, keeps
at most ``max_environments`` alive (evicting an idle one when full), and reaps environments
idle for ``idle_timeout`` seconds of the lab's clock. ``invoke`` blocks and is thread-safe;
concurrent invokes of one function run in separate environments, as on AWS.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lambdalab.clock import Clock
from lambdalab.epoch import Epoch, GuardedSink
from lambdalab.model import FunctionSpec, InvocationResult
from lambdalab.runtime import launch, pythons, sdklayer
from lambdalab.runtime.apiserver import RuntimeApiServer
from lambdalab.runtime.codecache import CodeCache
from lambdalab.runtime.environment import Environment, LogSink, new_trace_id
from lambdalab.runtime.faults import CapacityExceeded, Superseded

log = logging.getLogger(__name__)

CLIENTS = ("auto", "awslambdaric", "builtin")


@dataclass(frozen=True)
class EnvironmentInfo:
    """A snapshot of one environment, for ``lab`` displays and tests."""

    function_name: str
    environment_key: str
    log_stream: str
    pid: int | None
    busy: bool
    invocations: int
    rss_mb: int | None


@dataclass(frozen=True)
class RuntimeInfo:
    """A Python the lab runs functions on, for ``lab.runtimes()``."""

    runtime: str  # python3.X
    python: str  # its exact version
    executable: str
    source: str  # "lab" (the lab's own), "PATH", "pyenv", "uv" or "conda"
    client: str  # the runtime interface client: "awslambdaric" or "builtin"


def resolve_client(client: str) -> tuple[str, list[str], str]:
    """(name, argv before the handler, LAMBDA_RUNTIME_DIR) of the runtime interface client."""
    if client not in CLIENTS:
        raise ValueError(f"client must be one of {', '.join(CLIENTS)}, not {client!r}")
    if client == "auto":
        client = "awslambdaric" if importlib.util.find_spec("awslambdaric") else "builtin"
    if client == "awslambdaric":
        spec = importlib.util.find_spec("awslambdaric")
        if spec is None or spec.origin is None:
            raise ValueError("awslambdaric is not installed (use client='builtin')")
        return client, [sys.executable, "-m", "awslambdaric"], str(Path(spec.origin).parent)
    return client, [sys.executable, str(launch.BOOTSTRAP)], str(launch.BOOTSTRAP.parent)


class RuntimeService:
    """Runs handlers for the lab: ``invoke(spec, payload) -> InvocationResult``."""

    def __init__(
        self,
        clock: Clock,
        log_sink_for: Callable[[FunctionSpec], LogSink],
        credentials: Callable[[FunctionSpec], dict[str, str]],
        endpoint_url: str,
        *,
        max_environments: int = 10,
        idle_timeout: float = 300.0,
        client: str = "auto",
        epoch: Epoch | None = None,
        finder: pythons.Finder | None = None,
    ) -> None:
        self.clock = clock
        # Each environment writes its logs only while the epoch it started in is current:
        # after a lab reset, an invoke that was running leaves no line in the new cloud.
        self.epoch = epoch
        # Each environment writes through a sink bound to its function (its execution role
        # decides, on AWS, whether the lines are written at all).
        self.log_sink_for = log_sink_for
        self.credentials = credentials
        self.endpoint_url = endpoint_url
        self.max_environments = max_environments
        self.idle_timeout = idle_timeout
        self.client, argv, runtime_dir = resolve_client(client)
        self._host_client = launch.Client(self.client, argv, runtime_dir)
        self._pythons = finder or pythons.Finder()  # where python3.X interpreters are found
        self._launches: dict[str, launch.Launch] = {}
        self._told: set[tuple[str, str]] = set()  # (function, runtime) told of a fallback
        self._api = RuntimeApiServer()
        # Its write end never leaves this process: when the lab dies, however it dies, every
        # environment's sandbox reads end-of-file and ends its tree.
        self._lifeline: tuple[int, int] | None = os.pipe() if os.name == "posix" else None
        self._code = CodeCache()
        self._lock = threading.Lock()
        self._envs: list[Environment] = []
        self._latest_key: dict[str, str] = {}
        self._closed = threading.Event()
        interval = min(max(idle_timeout / 4, 0.05), 5.0)
        self._reaper = threading.Thread(
            target=self._reap_loop, args=(interval,), name="runtime-reaper", daemon=True
        )
        self._reaper.start()

    # ------------------------------------------------------------------ invoke

    def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        request_id: str | None = None,
        *,
        trace_id: str | None = None,
        client_context: str | None = None,
        epoch_token: int | None = None,
    ) -> InvocationResult:
        """Run one invoke in a warm or new environment; raises CapacityExceeded when full.

        ``epoch_token``: the epoch the invoke began in (default: now). It runs only in an
        environment of that epoch; raises Superseded when the cloud was reset since."""
        request_id = request_id or str(uuid.uuid4())
        trace_id = trace_id or new_trace_id(self.clock)
        env = self._acquire(spec, epoch_token)
        try:
            return env.invoke(payload, request_id, trace_id, client_context)
        finally:
            self._release(env)

    def _launch(self, runtime: str) -> launch.Launch:
        with self._lock:
            found = self._launches.get(runtime)
        if found is None:  # may run candidate interpreters once: not under the lock
            found = launch.choose(runtime, self._pythons, self._host_client, self._sdk_dir)
            with self._lock:
                found = self._launches.setdefault(runtime, found)
        return found

    def _sdk_dir(self, python: pythons.Python) -> Path:
        folder = sdklayer.build(self._code.root / ".sdk-python")
        sdklayer.compile_for(python.executable, folder)
        return folder

    def runtimes(self) -> list[RuntimeInfo]:
        """The Pythons functions run on: one per python3.X runtime found on this machine."""
        out = []
        for python in self._pythons.all():
            chosen = self._launch(python.runtime)
            if chosen.python is not python:
                continue  # passed over (too old for the lab's boto3): not one functions run on
            out.append(
                RuntimeInfo(
                    python.runtime,
                    python.version_text,
                    python.executable,
                    python.source,
                    chosen.client,
                )
            )
        return out

    def _acquire(self, spec: FunctionSpec, token: int | None) -> Environment:
        key = spec.environment_key
        doomed: list[Environment] = []
        how = self._launch(spec.runtime)
        try:
            with self._lock:
                if self._closed.is_set():
                    raise RuntimeError("runtime service is closed")
                current = self.epoch.value if self.epoch else 0
                token = current if token is None else token
                if token != current:
                    raise Superseded(f"{spec.name}: the lab was reset after this invoke began")
                self._latest_key[spec.name] = key
                # An update of code or configuration retires the function's idle environments.
                for env in list(self._envs):
                    if env.spec.name == spec.name and env.key != key and not env.busy:
                        self._envs.remove(env)
                        doomed.append(env)
                for env in self._envs:
                    if env.key == key and not env.busy and not env.dead and env.epoch == token:
                        env.busy = True
                        return env
                if len(self._envs) >= self.max_environments:
                    victim = self._eviction_candidate()
                    if victim is None:
                        raise CapacityExceeded(
                            f"all {self.max_environments} execution environments are busy"
                        )
                    self._envs.remove(victim)
                    doomed.append(victim)
                notice = None
                if how.fallback and (spec.name, spec.runtime) not in self._told:
                    self._told.add((spec.name, spec.runtime))
                    notice = how.fallback  # in the function's first log stream only
                env = Environment(
                    spec,
                    argv=how.argv,
                    runtime_dir=how.runtime_dir,
                    extra_env=how.env,
                    paths=how.paths,
                    notice=notice,
                    api=self._api,
                    sink=GuardedSink(self.log_sink_for(spec), self.epoch, token)
                    if self.epoch
                    else self.log_sink_for(spec),
                    clock=self.clock,
                    endpoint_url=self.endpoint_url,
                    lifeline=self._lifeline[0] if self._lifeline else None,
                )
                env.epoch = token
                self._envs.append(env)  # busy from birth: counts against the cap at once
        finally:
            for old in doomed:
                old.stop()
        try:
            code_dir = self._code.directory(spec.code_sha256, spec.code_zip)
            env.start(code_dir, self.credentials(spec))
        except BaseException:
            with self._lock:
                self._envs.remove(env)
            env.stop()
            raise
        return env

    def _eviction_candidate(self) -> Environment | None:
        """The idle environment to give up: the least recently used."""
        idle = [e for e in self._envs if not e.busy]
        return min(idle, key=lambda e: e.last_used, default=None)

    def _release(self, env: Environment) -> None:
        with self._lock:
            env.busy = False
            env.last_used = self.clock.time()
            retire = env.dead or self._latest_key.get(env.spec.name) != env.key
            retire = retire or self._closed.is_set()
            retire = retire or (self.epoch is not None and env.epoch != self.epoch.value)
            if retire and env in self._envs:
                self._envs.remove(env)
        if retire:
            env.stop()

    # ------------------------------------------------------------- management

    def environments(self) -> list[EnvironmentInfo]:
        with self._lock:
            envs = list(self._envs)
        out = []
        for env in envs:
            mem = env.memory()
            out.append(
                EnvironmentInfo(
                    env.spec.name,
                    env.key,
                    env.log_stream,
                    env.pid,
                    env.busy,
                    env.invocations,
                    mem.rss_mb if mem else None,
                )
            )
        return out

    def stop_function(self, name: str, *, busy_too: bool = True) -> None:
        """Stop the environments of ``name``; with ``busy_too`` running ones too (their
        invoke fails). Without it, running invokes finish on the old code, as on AWS."""
        self._stop(lambda env: env.spec.name == name and (busy_too or not env.busy))

    def stop_all(self) -> None:
        """Stop every environment; the service stays usable."""
        self._stop(lambda env: True)

    def reap_idle(self) -> int:
        """Stop environments idle longer than ``idle_timeout`` (lab clock). Returns how many."""
        cutoff = self.clock.time() - self.idle_timeout
        return self._stop(lambda env: not env.busy and env.last_used <= cutoff)

    def close(self) -> None:
        """Stop everything, including the Runtime API server and the code cache."""
        self._closed.set()
        self.stop_all()
        self._api.close()
        self._reaper.join(timeout=2)
        self._code.close()
        lifeline, self._lifeline = self._lifeline, None
        for fd in lifeline or ():
            os.close(fd)

    def _stop(self, which: Callable[[Environment], bool]) -> int:
        with self._lock:
            doomed = [env for env in self._envs if which(env)]
            for env in doomed:
                self._envs.remove(env)
        for env in doomed:
            env.stop()
        return len(doomed)

    def _reap_loop(self, interval: float) -> None:
        while not self._closed.wait(interval):
            try:
                self.reap_idle()
            except Exception:  # the timer must survive anything
                log.exception("reaping idle environments failed")

    def __enter__(self) -> RuntimeService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["CapacityExceeded", "EnvironmentInfo", "RuntimeInfo", "RuntimeService"]
