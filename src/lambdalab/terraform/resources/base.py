"""The seam between the built-in Terraform engine and one module per resource type.

Notes for the resources engineer (kept compatible with the agreed sketch):
- ``ApplyContext`` is a concrete dataclass; ``client(service)`` calls ``client_factory`` when
  the lab gives one, else ``boto3.client(service, region_name=region, endpoint_url=...)``.
- The engine turns both ``ResourceError`` and botocore ``ClientError`` into
  "Error: creating aws_x.y: Code: message", so handlers may let ClientError propagate.
- Plans compare only the arguments written in the configuration (plus ``defaults`` for
  arguments left out), so ``create`` may return any extra computed attributes; JSON strings
  that decode to equal values count as unchanged (AWS normalises policy documents).
- ``read`` on a resource returns the attributes as they should now stand in state; keep the
  configured spelling of values that AWS normalises (policy JSON) or the plan shows drift.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApplyContext:
    """What a resource handler may use: where, as whom, and a boto3 client for the lab."""

    region: str
    account_id: str
    module_dir: pathlib.Path
    endpoint_url: str | None = None
    client_factory: Callable[[str, str], Any] | None = field(default=None, repr=False)

    def client(self, service: str):
        """A boto3 client bound to the lab endpoint and this configuration's region."""
        if self.client_factory is not None:
            return self.client_factory(service, self.region)
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)


class ResourceType:
    """One managed resource type (``resource "aws_s3_bucket" ...``)."""

    type_name: str = ""
    force_new: frozenset[str] = frozenset()  # argument names whose change means replace (-/+)
    computed: frozenset[str] = frozenset()  # known only after apply -> "(known after apply)"
    defaults: dict = {}  # argument defaults terraform shows in plans (never mutate)

    def id_of(self, attrs: dict) -> str:
        return attrs["id"]

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        """Create the object; return ALL attributes (args + computed), including ``id``."""
        raise NotImplementedError

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        """Refresh from the cloud; ``None`` means it is gone (the plan then re-creates it)."""
        return attrs

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        raise NotImplementedError

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        raise NotImplementedError


class DataSource:
    """One data source type (``data "archive_file" ...``), read during plan."""

    type_name: str = ""

    def read(self, ctx: ApplyContext, args: dict) -> dict:
        raise NotImplementedError


RESOURCE_TYPES: dict[str, ResourceType] = {}
DATA_SOURCES: dict[str, DataSource] = {}


def register(cls):
    """Class decorator: put one instance into RESOURCE_TYPES or DATA_SOURCES by type_name."""
    if not cls.type_name:
        raise ValueError(f"{cls.__name__} has no type_name")
    if issubclass(cls, DataSource):
        DATA_SOURCES[cls.type_name] = cls()
    elif issubclass(cls, ResourceType):
        RESOURCE_TYPES[cls.type_name] = cls()
    else:
        raise TypeError(f"{cls.__name__} is neither a ResourceType nor a DataSource")
    return cls


class ResourceError(Exception):
    """An AWS refusal; the engine prefixes the resource address when it reports it."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
