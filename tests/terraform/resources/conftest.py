"""A cloud for the resource handlers: the lab when it starts, else a bare moto server.

Either way every test gets an empty cloud and an ``ApplyContext`` bound to it.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from pathlib import Path

import pytest

import lambdalab.terraform.resources  # noqa: F401 - register every type before fixtures copy them
from lambdalab.terraform.resources.base import ApplyContext

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"


class _Moto:
    """A plain moto server with fake credentials (used while the lab cannot start)."""

    def __init__(self) -> None:
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"

    def client(self, service: str, region_name: str = REGION):
        import boto3

        return boto3.client(
            service,
            region_name=region_name,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req).close()

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="module")
def cloud():
    lab = None
    if os.environ.get("LAMBDALAB_TF_TESTS_CLOUD", "lab") == "lab":
        try:
            import lambdalab

            lab = lambdalab.start()
        except Exception:  # noqa: BLE001 - the lab is optional for these unit tests
            lab = None
    if lab is not None:
        yield lab
        return
    from moto import settings

    saved = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")  # a half-started lab may have set 0
    moto = _Moto()
    yield moto
    moto.stop()
    settings.INITIAL_NO_AUTH_ACTION_COUNT = saved


@pytest.fixture
def ctx(cloud, tmp_path) -> ApplyContext:
    """An empty cloud and a context bound to it (module_dir = the test's tmp_path)."""
    cloud.reset()
    return ApplyContext(
        region=REGION,
        account_id=ACCOUNT,
        module_dir=Path(tmp_path),
        endpoint_url=cloud.endpoint_url,
        client_factory=lambda service, region: cloud.client(service, region_name=region),
    )
