"""A cloud for the resource handlers: every test gets an empty lab and an ApplyContext."""

from __future__ import annotations

from pathlib import Path

import pytest

import lambdalab.terraform.resources  # noqa: F401 - register every type before fixtures copy them
from lambdalab.terraform.resources.base import ApplyContext

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def cloud(_lab):
    """The lab (moto with lambdalab's fixes): the cloud the course applies to."""
    return _lab


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
