"""A lab served by another process of the same user (``lambdalab serve``), used from here.

A workshop's natural set-up is ``aws logs tail --follow`` in a terminal while the notebook
uploads: both must talk to one cloud. :class:`AttachedLab` offers the same interface as
:class:`lambdalab.cloud.Lab` — boto3 clients, terraform, the lab's clock and its lab-only
helpers (``wait_idle``, ``invocations``, ``reset``) — over the served lab's signed API
(``/_lambdalab/api/…``, SigV4 with the learner's lab key from the private connection file).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambdalab import iam, served
from lambdalab.labaccess import LabAccess


class AttachedLab(LabAccess):
    """Handle on a lab that ``lambdalab serve`` runs (see :func:`lambdalab.start`)."""

    attached = True

    def __init__(self, info: dict[str, Any]) -> None:
        self.endpoint_url: str = info["endpoint_url"]
        self.region: str = info["region"]
        self.account_id: str = info["account_id"]
        self.clock_mode: str = info["clock"]
        self.server_log = Path(info["server_log"]) if info.get("server_log") else None
        self.credentials = iam.Credentials(info["access_key_id"], info["secret_access_key"])
        self.running = True
        self._saved_env: dict[str, str | None] = {}

    @classmethod
    def find(cls, endpoint_url: str | None = None) -> AttachedLab:
        """This user's served lab at ``endpoint_url``; ServedLabError if none.

        A process that already holds a lab's keys in its environment (a notebook kernel's
        ``!lambdalab tf …``, a shell after ``eval "$(lambdalab env)"``) uses that lab: the keys
        were handed to it. Without ``endpoint_url`` that lab comes first (its connection file
        when it is served, for fresh keys), and "the only served lab" only when this process
        names none: with several labs on one machine (a workshop host, a terminal's served
        lab beside a notebook's own) a kernel's terraform must not land in another lab.
        """
        if endpoint_url is None:
            named = os.environ.get("AWS_ENDPOINT_URL")
            if named:
                try:
                    return cls.find(named)
                except served.ServedLabError:
                    pass
            return cls(served.find(None))
        try:
            return cls(served.find(endpoint_url))
        except served.ServedLabError:
            info = _from_environment(endpoint_url)
            if info is None:
                raise
            return cls(info)

    # -- the same interface as Lab -------------------------------------------------------------

    def env(self) -> dict[str, str]:
        from lambdalab.labaccess import lab_env

        return lab_env(self.endpoint_url, self.credentials, self.region)

    def now(self) -> datetime:
        from lambdalab.served import fetch_status

        return datetime.fromtimestamp(fetch_status(self.endpoint_url)["now"], tz=UTC)

    def status(self) -> dict[str, Any]:
        from lambdalab.served import fetch_status

        return fetch_status(self.endpoint_url)

    def wait_idle(self, timeout: float = 60.0) -> None:
        self.call("wait_idle", timeout=timeout, _wait=timeout)

    def invocations(self, function_name: str) -> list[Any]:
        from lambdalab.invoke.engine import Attempt

        rows = self.call("invocations", function_name=function_name)
        for row in rows:
            row["start"] = datetime.fromisoformat(row["start"])
            row["end"] = datetime.fromisoformat(row["end"])
        return [Attempt(**row) for row in rows]

    def reset(self) -> None:
        self.call("reset")

    def runtimes(self) -> list[Any]:
        from lambdalab.runtime.service import RuntimeInfo

        return [RuntimeInfo(**row) for row in self.call("runtimes")]

    def set_duplicate_delivery(self, probability: float) -> None:
        self.call("set_duplicate_delivery", probability=probability)

    def export_env(self) -> None:
        """Point this process (and the commands it starts) at the served lab."""
        from lambdalab.labaccess import export_env

        export_env(self.env(), self._saved_env)

    def stop(self) -> None:
        """Detach: this process forgets the lab; the served lab keeps running."""
        from lambdalab.labaccess import restore_env

        if self.running:
            self.running = False
            restore_env(self._saved_env)

    def __repr__(self) -> str:
        return f"<Lab attached {self.endpoint_url} region={self.region} clock={self.clock_mode}>"

    # -- the signed API ------------------------------------------------------------------------

    def call(self, operation: str, _wait: float = 0.0, **arguments: Any) -> Any:
        """Run one of the served lab's operations; its exception comes back by name."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        from lambdalab.gate import LAB_API_PREFIX, LAB_API_SERVICE

        url = self.endpoint_url + LAB_API_PREFIX + operation
        request = AWSRequest(
            method="POST",
            url=url,
            data=json.dumps(arguments).encode(),
            headers={"Content-Type": "application/json"},
        )
        creds = Credentials(self.credentials.access_key_id, self.credentials.secret_access_key)
        SigV4Auth(creds, LAB_API_SERVICE, self.region).add_auth(request)
        prepared = urllib.request.Request(
            url, data=request.body, headers=dict(request.headers.items()), method="POST"
        )
        try:
            with urllib.request.urlopen(prepared, timeout=_wait + 30) as response:
                return json.load(response)["result"]
        except urllib.error.HTTPError as err:
            try:
                body = json.load(err)
            except ValueError:
                body = {}
            raise _exception(body, err.code) from None


def _from_environment(endpoint_url: str | None) -> dict[str, Any] | None:
    """A lab described by this process's own ``AWS_*`` variables, if one answers there."""
    from lambdalab.labaccess import ACCOUNT_ID
    from lambdalab.served import fetch_status

    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (endpoint and key and secret):
        return None
    if endpoint_url and endpoint_url.rstrip("/") != endpoint.rstrip("/"):
        return None
    try:
        status = fetch_status(endpoint)
    except (OSError, ValueError):
        return None
    return {
        "endpoint_url": endpoint.rstrip("/"),
        "region": status.get("region") or os.environ.get("AWS_REGION", ""),
        "account_id": ACCOUNT_ID,
        "clock": status.get("clock", "fast"),
        "access_key_id": key,
        "secret_access_key": secret,
    }


_EXCEPTIONS = {"TimeoutError": TimeoutError, "ValueError": ValueError, "KeyError": KeyError}


def _exception(body: dict[str, Any], status: int) -> Exception:
    kind = _EXCEPTIONS.get(body.get("__type", ""), RuntimeError)
    message = body.get("message") or body.get("Message") or f"HTTP {status}"
    return kind(message)
