"""What the lab knows about each function beyond what moto stores: one typed record each.

moto keeps a function's code and most of its configuration, but drops or lacks what the async
path needs: the dead-letter queue, the logging config, event invoke configs per qualifier and
the recursive-loop setting. The lab owns these records (one :class:`FunctionRecords` per
cloud, emptied by ``lab.reset()``); the moto adapters fill them and the data plane reads them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StoredInvokeConfig:
    """A ``FunctionEventInvokeConfig`` as stored, with the time it was last written."""

    config: dict[str, Any]
    last_modified: float


@dataclass
class FunctionRecord:
    """The lab's state of one function (all its versions and aliases)."""

    name: str
    dead_letter: dict[str, Any] = field(default_factory=dict)
    logging: dict[str, Any] = field(default_factory=dict)
    invoke_configs: dict[str, StoredInvokeConfig] = field(default_factory=dict)
    recursive_loop: str = "Terminate"

    def __post_init__(self) -> None:
        self.logging = logging_config(self.name, self.logging)

    @property
    def log_group(self) -> str:
        return self.logging["LogGroup"]

    @property
    def dlq_arn(self) -> str | None:
        return self.dead_letter.get("TargetArn") or None

    def invoke_config(self, qualifier: str = "$LATEST") -> dict[str, Any]:
        """The stored event invoke config of ``qualifier`` (an empty dict when none)."""
        stored = self.invoke_configs.get(qualifier)
        return dict(stored.config) if stored else {}


def logging_config(name: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """Lambda's ``LoggingConfig`` with its defaults: text lines in ``/aws/lambda/<name>``."""
    config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    config.update({k: v for k, v in (given or {}).items() if v})
    return config


class FunctionRecords:
    """The records of one cloud, by function ARN (unqualified); safe across request threads."""

    def __init__(self) -> None:
        self._records: dict[str, FunctionRecord] = {}
        self._lock = threading.Lock()

    def created(self, arn: str, name: str, **settings: Any) -> FunctionRecord:
        """A new function: a fresh record (a deleted function's record never comes back)."""
        record = FunctionRecord(name, **settings)
        with self._lock:
            self._records[arn] = record
        return record

    def of(self, arn: str, name: str) -> FunctionRecord:
        """The record of a function moto holds; its defaults if the lab never saw it made."""
        with self._lock:
            record = self._records.get(arn)
            if record is None:
                record = self._records[arn] = FunctionRecord(name)
            return record

    def deleted(self, arn: str) -> None:
        with self._lock:
            self._records.pop(arn, None)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
