"""The local cloud: one per process, started by :func:`start`.

It runs moto's server on 127.0.0.1 (a free port), switches on IAM enforcement, installs the
lab's Lambda data plane into moto (:mod:`lambdalab.moto`), and points this process's
environment at it — so boto3 here, and child processes such as the ``aws`` CLI or terraform,
reach the lab and nothing else. Real AWS is never contacted unless the learner opts in by not
starting the lab at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from datetime import datetime
from typing import Any

from lambdalab import iam, leftovers
from lambdalab.clock import Clock
from lambdalab.labaccess import ACCOUNT_ID, LabAccess, export_env, lab_env, restore_env
from lambdalab.server import ALLOWED_HOSTS as LOOPBACK_HOSTS

DEFAULT_REGION = "ap-northeast-1"  # the article's region
ATTACH_ENV = "LAMBDALAB_ATTACH"  # "1": start() uses this user's served lab (`lambdalab env`)

_lock = threading.RLock()
_current: Any = None  # the Lab of this process, or the AttachedLab it uses


def start(
    *,
    clock: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = DEFAULT_REGION,
    duplicate_delivery: float = 0.0,
    max_environments: int = 10,
    attach: bool | None = None,
) -> Any:
    """Start the local cloud in this process, or return the one already running.

    ``clock="fast"`` fast-forwards AWS's waits (retries, back-off); ``"real"`` keeps wall time.
    ``duplicate_delivery`` (0–1) delivers that share of async events twice, to make
    at-least-once delivery visible. Calling ``start()`` again is harmless: it returns the
    running lab and applies ``duplicate_delivery``; asking it for another clock, region or
    port is an error that says how to switch. After ``lab.stop()``, ``start()`` gives a new,
    empty cloud.

    ``attach=True`` (or ``LAMBDALAB_ATTACH=1`` in the environment, which ``lambdalab env``
    exports) uses the lab that ``lambdalab serve`` runs for this user instead, so a notebook
    and a terminal share one cloud.
    """
    global _current
    explicit_attach = attach
    if attach is None:
        attach = os.environ.get(ATTACH_ENV) == "1"
    with _lock:
        if _current is not None and _current.running:
            attached = getattr(_current, "attached", False)
            if explicit_attach is not None and explicit_attach != attached:
                raise ValueError(
                    "this process already uses "
                    + ("a served lab" if attached else "a lab of its own")
                    + f" ({_current.endpoint_url}): call lab.stop() first, then start() again."
                )
            if not attached:
                running = _current
                asked = {
                    "clock": clock or running.clock.mode,
                    "region": region,
                    "port": port or running._server.port,
                }
                have = {"clock": running.clock.mode, "region": running.region}
                have["port"] = running._server.port
                for name, value in asked.items():
                    if value != have[name]:
                        raise RuntimeError(
                            f"lambdalab.start({name}={value!r}): the lab already running in "
                            f"this process has {name}={have[name]!r} ({running.endpoint_url}). "
                            "To switch, stop it first (its functions, buckets and logs go with "
                            f"it): lab.stop(), then lambdalab.start({name}={value!r})."
                        )
            _current.set_duplicate_delivery(duplicate_delivery)
            return _current
        if attach:
            _current = _attach(clock, duplicate_delivery)
            return _current
        lab = Lab(
            clock=Clock(clock or "fast"),
            host=host,
            port=port,
            region=region,
            duplicate_delivery=duplicate_delivery,
            max_environments=max_environments,
        )
        lab._start()
        _current = lab
        return lab


def _attach(clock: str | None, duplicate_delivery: float) -> Any:
    from lambdalab.attached import AttachedLab

    lab = AttachedLab.find(os.environ.get("LAMBDALAB_ENDPOINT"))
    if clock is not None and clock != lab.clock_mode:
        raise ValueError(
            f"the served lab at {lab.endpoint_url} runs clock={lab.clock_mode!r}, not {clock!r}: "
            f"restart it with `lambdalab serve --clock {clock}`, or call start(attach=True) "
            "without a clock."
        )
    lab.export_env()
    lab.set_duplicate_delivery(duplicate_delivery)
    return lab


def current() -> Any:
    """The lab this process uses (its own, or the served one it attached to), if any."""
    return _current if _current is not None and _current.running else None


class Lab(LabAccess):
    """Handle on the running local cloud (see ``design.md`` for the public interface)."""

    def __init__(
        self,
        *,
        clock: Clock,
        host: str,
        port: int,
        region: str,
        duplicate_delivery: float,
        max_environments: int,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"host={host!r}: the lab only listens on the loopback interface (127.0.0.1), "
                "so nobody else on the network can reach it."
            )
        self.clock = clock
        self.region = region
        self.account_id = ACCOUNT_ID
        self._host = host
        self._port = port
        self._duplicate_delivery = duplicate_delivery
        self._max_environments = max_environments
        self._server: Any = None
        self._dataplane: Any = None
        self._saved_env: dict[str, str | None] = {}
        # Folders of labs that died (a killed kernel) go now; a running lab's never do.
        leftovers.sweep()
        self._state_dir = leftovers.new_folder()
        self.credentials = iam.Credentials("", secrets.token_urlsafe(30)[:40])
        self.running = False

    # -- life cycle ---------------------------------------------------------------------------

    def _start(self) -> None:
        # AWS managed policies (AWSLambdaBasicExecutionRole, …) exist in the lab; IAM is
        # enforced on the lab's own requests (see lambdalab.moto.auth).
        self._saved_env.setdefault(
            "MOTO_IAM_LOAD_MANAGED_POLICIES", os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
        )
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

        from moto.moto_api._internal.models import moto_api_backend

        from lambdalab import moto as moto_adapters
        from lambdalab.server import LabServer

        moto_adapters.apply()
        # moto's backends live as long as the process: a new lab is a new, empty cloud, even
        # after lab.stop() of another one here.
        moto_api_backend.reset()
        self.credentials = iam.Credentials(
            iam.new_admin_key_id(self.account_id), self.credentials.secret_access_key
        )
        self.server_log = self._state_dir / "server-errors.log"
        self._server = LabServer(
            self._host,
            self._port,
            self.status,
            self.server_log,
            api=self.api,
            admin_key_id=lambda: self.credentials.access_key_id,
        )
        self._server.start()
        try:
            self.endpoint_url = f"http://{self._host}:{self._server.port}"
            self._install_identities()
            self._export_env()
            from lambdalab.dataplane import DataPlane

            self._dataplane = DataPlane(
                self,
                duplicate_delivery=self._duplicate_delivery,
                max_environments=self._max_environments,
            )
            moto_adapters.set_dataplane(self._dataplane)
        except BaseException:  # leave nothing half-started behind (port, threads, env vars)
            self._server.stop()
            self._restore_env()
            raise
        self.running = True

    def _install_identities(self) -> None:
        iam.install_admin(self.account_id, self.region, self.credentials)

    def env(self) -> dict[str, str]:
        """The environment variables that point a process at this lab."""
        return lab_env(self.endpoint_url, self.credentials, self.region)

    def _export_env(self) -> None:
        export_env(self.env(), self._saved_env)

    def _restore_env(self) -> None:
        restore_env(self._saved_env)

    def stop(self) -> None:
        """Stop environments, the engine and the server; restore the environment variables."""
        global _current
        with _lock:
            if not self.running:
                return
            self.running = False
            from lambdalab import moto as moto_adapters

            try:
                if self._dataplane is not None:
                    self._dataplane.stop()
            finally:
                moto_adapters.set_dataplane(None)
                self._server.stop()
                self._restore_env()
                if _current is self:
                    _current = None
                # Keep the state folder only when it holds server errors worth reading.
                if not self.server_log.exists() or self.server_log.stat().st_size == 0:
                    shutil.rmtree(self._state_dir, ignore_errors=True)

    def reset(self) -> None:
        """Empty cloud, same endpoint and credentials; queued events dropped, environments gone."""
        from moto.moto_api._internal.models import moto_api_backend

        with _lock:
            if not self.running:
                raise RuntimeError("this lab is stopped: call lambdalab.start() for a new one")

            # Nothing begun before may write into the new, empty cloud (see lambdalab.epoch).
            def empty_cloud() -> None:
                moto_api_backend.reset()
                self._install_identities()

            self._dataplane.reset(empty_cloud)

    # -- everyday use -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The lab's (simulated) clock, as an aware UTC datetime."""
        return self.clock.now()

    def set_duplicate_delivery(self, probability: float) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"duplicate_delivery must be between 0 and 1, not {probability}")
        self._duplicate_delivery = probability
        if self._dataplane is not None:
            self._dataplane.set_duplicate_delivery(probability)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Return when no event is queued, running or waiting to retry (TimeoutError otherwise)."""
        self._dataplane.wait_idle(timeout)

    def runtimes(self) -> list[Any]:
        """The Pythons functions run on, one per ``python3.X`` found (PATH, pyenv, uv, conda)
        plus the lab's own; a function whose runtime is not listed runs on the lab's Python
        and its first log stream says so."""
        return self._dataplane.runtime.runtimes()

    def invocations(self, function_name: str) -> list[Any]:
        """Every attempt of ``function_name``: request id, attempt, start, end, outcome, …"""
        return self._dataplane.invocations(function_name)

    def status(self) -> dict[str, Any]:
        """What ``/_lambdalab/status`` serves to anyone on this machine: no credential, ever."""
        pending = self._dataplane.pending() if self._dataplane is not None else []
        return {
            "now": self.clock.time(),
            "clock": self.clock.mode,
            "region": self.region,
            "endpoint_url": getattr(self, "endpoint_url", None),
            "pending": pending,
        }

    def connection_info(self) -> dict[str, Any]:
        """What a served lab writes to its private connection file (:mod:`lambdalab.served`)."""
        return {
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            "account_id": self.account_id,
            "clock": self.clock.mode,
            "pid": os.getpid(),
            "access_key_id": self.credentials.access_key_id,
            "secret_access_key": self.credentials.secret_access_key,
            "server_log": str(self.server_log),
        }

    def api(self, operation: str, arguments: dict[str, Any]) -> Any:
        """The lab-only helpers, for a notebook attached to this served lab (signed requests
        from the learner's key only, see :mod:`lambdalab.gate`). KeyError: no such operation."""
        if operation == "wait_idle":
            return self.wait_idle(float(arguments.get("timeout", 60.0)))
        if operation == "invocations":
            from dataclasses import asdict

            rows = self.invocations(str(arguments["function_name"]))
            return [
                {**asdict(r), "start": r.start.isoformat(), "end": r.end.isoformat()} for r in rows
            ]
        if operation == "reset":
            return self.reset()
        if operation == "set_duplicate_delivery":
            return self.set_duplicate_delivery(float(arguments["probability"]))
        if operation == "runtimes":
            from dataclasses import asdict

            return [asdict(info) for info in self.runtimes()]
        raise KeyError(operation)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Lab {state} {getattr(self, 'endpoint_url', '?')} region={self.region}>"
