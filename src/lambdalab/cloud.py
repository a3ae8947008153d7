"""The local cloud: one per process, started by :func:`start`.

It runs moto's server on 127.0.0.1 (a free port), switches on IAM enforcement, installs the
lab's Lambda data plane into moto (:mod:`lambdalab.moto_patches`), and points this process's
environment at it — so boto3 here, and child processes such as the ``aws`` CLI or terraform,
reach the lab and nothing else. Real AWS is never contacted unless the learner opts in by not
starting the lab at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from lambdalab import iam, leftovers
from lambdalab.clock import Clock
from lambdalab.server import ALLOWED_HOSTS as LOOPBACK_HOSTS

DEFAULT_REGION = "ap-northeast-1"  # the article's region
ACCOUNT_ID = "123456789012"  # moto's default account

# Variables that could send a request somewhere else (a real profile, a real token).
_SCRUBBED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)

_lock = threading.RLock()
_current: Lab | None = None


def start(
    *,
    clock: str = "fast",
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = DEFAULT_REGION,
    duplicate_delivery: float = 0.0,
    max_environments: int = 10,
) -> Lab:
    """Start the local cloud in this process, or return the one already running.

    ``clock="fast"`` fast-forwards AWS's waits (retries, back-off); ``"real"`` keeps wall time.
    ``duplicate_delivery`` (0–1) delivers that share of async events twice, to make
    at-least-once delivery visible. Calling ``start()`` again is harmless: it returns the
    running lab and applies ``duplicate_delivery``; asking it for another clock, region or
    port is an error that says how to switch. After ``lab.stop()``, ``start()`` gives a new,
    empty cloud.
    """
    global _current
    with _lock:
        if _current is not None and _current.running:
            running = _current
            asked = {"clock": clock, "region": region, "port": port or running._server.port}
            have = {"clock": running.clock.mode, "region": running.region}
            have["port"] = running._server.port
            for name, value in asked.items():
                if value != have[name]:
                    raise RuntimeError(
                        f"lambdalab.start({name}={value!r}): the lab already running in this "
                        f"process has {name}={have[name]!r} ({running.endpoint_url}). To "
                        "switch, stop it first (its functions, buckets and logs go with it): "
                        f"lab.stop(), then lambdalab.start({name}={value!r})."
                    )
            running.set_duplicate_delivery(duplicate_delivery)
            return running
        lab = Lab(
            clock=Clock(clock),
            host=host,
            port=port,
            region=region,
            duplicate_delivery=duplicate_delivery,
            max_environments=max_environments,
        )
        lab._start()
        _current = lab
        return lab


def current() -> Lab | None:
    """The lab running in this process, if any."""
    return _current if _current is not None and _current.running else None


class Lab:
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
        # enforced on the lab's own requests (see moto_patches._authorize_lab_requests).
        self._saved_env.setdefault(
            "MOTO_IAM_LOAD_MANAGED_POLICIES", os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
        )
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

        from moto.moto_api._internal.models import moto_api_backend

        from lambdalab import moto_patches
        from lambdalab.server import LabServer

        moto_patches.apply()
        # moto's backends live as long as the process: a new lab is a new, empty cloud, even
        # after lab.stop() of another one here.
        moto_api_backend.reset()
        self.credentials = iam.Credentials(
            iam.new_admin_key_id(self.account_id), self.credentials.secret_access_key
        )
        self.server_log = self._state_dir / "server-errors.log"
        self._server = LabServer(self._host, self._port, self.status, self.server_log)
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
            moto_patches.set_dataplane(self._dataplane)
        except BaseException:  # leave nothing half-started behind (port, threads, env vars)
            self._server.stop()
            self._restore_env()
            raise
        self.running = True

    def _install_identities(self) -> None:
        iam.install_admin(self.account_id, self.region, self.credentials)

    def env(self) -> dict[str, str]:
        """The environment variables that point a process at this lab."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.credentials.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            # No real config/credentials files: nothing can redirect a call to real AWS.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def _export_env(self) -> None:
        for name in _SCRUBBED:
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ.pop(name, None)
        for name, value in self.env().items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        # `!aws …` and `!lambdalab …` in a notebook run this environment's commands even when
        # JupyterLab was started without activating the virtual environment.
        bin_dir = os.path.dirname(sys.executable)
        path = os.environ.get("PATH", "")
        if bin_dir not in path.split(os.pathsep):
            self._saved_env.setdefault("PATH", path)
            os.environ["PATH"] = bin_dir + os.pathsep + path

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def stop(self) -> None:
        """Stop environments, the engine and the server; restore the environment variables."""
        global _current
        with _lock:
            if not self.running:
                return
            self.running = False
            from lambdalab import moto_patches

            try:
                if self._dataplane is not None:
                    self._dataplane.stop()
            finally:
                moto_patches.set_dataplane(None)
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

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client bound to the lab (the learner's admin identity)."""
        import boto3

        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        kwargs.setdefault("aws_access_key_id", self.credentials.access_key_id)
        kwargs.setdefault("aws_secret_access_key", self.credentials.secret_access_key)
        return boto3.client(service, **kwargs)

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
        """What ``/_lambdalab/status`` serves."""
        pending = self._dataplane.pending() if self._dataplane is not None else []
        return {
            "now": self.clock.time(),
            "clock": self.clock.mode,
            "region": self.region,
            "endpoint_url": getattr(self, "endpoint_url", None),
            "pending": pending,
            "env": self.env() if self.running else {},
        }

    @property
    def logs(self) -> Any:
        """``lab.logs.tail(group, since=…, format=…)`` — ``aws logs tail`` against the lab."""
        return _LabLogs(self)

    def terraform(
        self, *args: str, chdir: str | os.PathLike[str] = ".", engine: str = "auto"
    ) -> int:
        """Run terraform against the lab: the real CLI where usable, else the built-in engine."""
        from lambdalab.terraform.runner import run

        return run(self, list(args), chdir=Path(chdir), engine=engine)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Lab {state} {getattr(self, 'endpoint_url', '?')} region={self.region}>"


class _LabLogs:
    def __init__(self, lab: Lab) -> None:
        self._lab = lab

    def tail(self, log_group: str, **kwargs: Any) -> int:
        from lambdalab import logs

        kwargs.setdefault("client", self._lab.client("logs"))
        kwargs.setdefault("now", self._lab.now)
        return logs.tail(log_group, **kwargs)


class RemoteLab:
    """A lab running in another process (``lambdalab serve``), reached through its endpoint.

    Offers what command-line tools need: endpoint, region, credentials, clients, the
    simulated clock and terraform.
    """

    def __init__(self, endpoint_url: str, status: dict[str, Any]) -> None:
        env = status.get("env") or {}
        self.endpoint_url = endpoint_url
        self.region = status.get("region", DEFAULT_REGION)
        self.account_id = ACCOUNT_ID
        self.credentials = iam.Credentials(
            env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
        )

    client = Lab.client
    terraform = Lab.terraform

    def now(self) -> datetime:
        from datetime import UTC

        return datetime.fromtimestamp(fetch_status(self.endpoint_url)["now"], tz=UTC)


def fetch_status(endpoint_url: str, timeout: float = 3.0) -> dict[str, Any]:
    """GET ``/_lambdalab/status`` of a running lab (raises OSError when none answers)."""
    import json
    import urllib.request

    from lambdalab.server import STATUS_PATH

    with urllib.request.urlopen(endpoint_url.rstrip("/") + STATUS_PATH, timeout=timeout) as r:
        return json.load(r)


def attach(endpoint_url: str | None = None) -> RemoteLab:
    """The lab serving at ``endpoint_url`` (default ``$AWS_ENDPOINT_URL``, then port 4566)."""
    endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:4566"
    return RemoteLab(endpoint_url, fetch_status(endpoint_url))
