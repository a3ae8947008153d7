"""What the lab knows about each function beyond what moto stores: one typed record each.

moto keeps a function's code and most of its configuration, but drops or lacks what the async
path needs: the dead-letter queue, the logging config, event invoke configs per qualifier and
the recursive-loop setting, and the function's state (``Pending`` → ``Active``, and
``LastUpdateStatus`` ``InProgress`` → ``Successful`` after an update). The lab owns these
records (one :class:`FunctionRecords` per cloud, emptied by ``lab.reset()``); the moto adapters
fill them and the data plane reads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdalab.awserror import AwsError

# How long a create, an update or a PublishVersion takes, in seconds of the lab's clock. AWS
# takes a few seconds; the lab's choice: boto3's waiters (function_active_v2 /
# function_updated_v2, one poll a second) see the end at their second poll, the course's
# (lambdalab.course.WAIT, every 0.25 s) after about half a second, and code that does not wait
# fails on the lab as it would on AWS. [AWS_BEHAVIOUR: function-states]
READY_SECONDS = 0.5

# AWS's texts (recorded Nov 2025 in localstack/localstack
# tests/aws/services/lambda_/test_lambda_api.snapshot.json, test_function_lifecycle): the same
# reason for a create and for an update.
BEING_CREATED = "The function is being created."
CREATING = "Creating"


@dataclass(frozen=True)
class Lifecycle:
    """When a function (or one published version) becomes ``Active`` and when its last update
    ends, in seconds of the lab's clock — pure: every answer is for a given ``now``.

    https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
    """

    active_at: float = 0.0
    update_ends_at: float | None = None  # None: never updated

    def pending(self, now: float) -> bool:
        return now < self.active_at

    def updating(self, now: float) -> bool:
        return self.update_ends_at is not None and now < self.update_ends_at

    def fields(self, now: float) -> dict[str, str]:
        """``State`` and ``LastUpdateStatus`` with their reasons, as GetFunctionConfiguration
        shows them: a function being created has no ``LastUpdateStatus`` yet; one being
        updated stays ``Active``."""
        if self.pending(now):
            return {"State": "Pending", "StateReason": BEING_CREATED, "StateReasonCode": CREATING}
        if self.updating(now):
            return {
                "State": "Active",
                "LastUpdateStatus": "InProgress",
                "LastUpdateStatusReason": BEING_CREATED,
                "LastUpdateStatusReasonCode": CREATING,
            }
        return {"State": "Active", "LastUpdateStatus": "Successful"}

    def updated(self, now: float, seconds: float) -> Lifecycle:
        """The lifecycle once an update begins at ``now``."""
        return Lifecycle(self.active_at, now + seconds)

    def refuse_invoke(self, now: float) -> None:
        """Lambda does not invoke a function while it is ``Pending``; during an update it runs
        the previous code and configuration. (AWS's text as reported from real AWS:
        https://github.com/remotion-dev/remotion/issues/1186.)"""
        if self.pending(now):
            raise AwsError(
                "ResourceConflictException",
                "The operation cannot be performed at this time. The function is currently in "
                "the following state: Pending",
                409,
                Type="User",
            )

    def refuse_change(self, now: float, arn: str) -> None:
        """UpdateFunctionCode, UpdateFunctionConfiguration and PublishVersion fail while the
        function is being created or updated (``arn``: the unqualified function ARN). The
        in-progress text is recorded (test_lambda_concurrent_config_updates); the Pending one
        as reported from real AWS (aws/serverless-application-model#2356)."""
        if self.pending(now):
            raise AwsError(
                "ResourceConflictException",
                f"The operation cannot be performed at this time. The resource {arn} is "
                f"currently in the following state: 'Pending'. StateReasonCode: '{CREATING}'",
                409,
                Type="User",
            )
        if self.updating(now):
            raise AwsError(
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress for "
                f"resource: {arn}",
                409,
                Type="User",
            )


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
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    # Published versions are created Pending too: their lifecycles by version number.
    versions: dict[str, Lifecycle] = field(default_factory=dict)
    # What invocations run while an update is in progress: the previous code and configuration
    # (a FunctionSpec, kept by the data plane; None outside an update).
    serving: Any = None

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

    def lifecycle_of(self, version: str = "$LATEST") -> Lifecycle:
        """The lifecycle of ``$LATEST`` or of a published version (Active if never seen)."""
        if version == "$LATEST":
            return self.lifecycle
        return self.versions.get(version, Lifecycle())

    def serving_spec(self, now: float) -> Any:
        """The spec invocations of ``$LATEST`` run during an update (None: the current one)."""
        return self.serving if self.lifecycle.updating(now) else None


def logging_config(name: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """Lambda's ``LoggingConfig`` with its defaults: text lines in ``/aws/lambda/<name>``."""
    config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    config.update({k: v for k, v in (given or {}).items() if v})
    return config


class FunctionRecords:
    """The records of one cloud, by function ARN (unqualified); safe across request threads.

    ``now`` is the lab's clock (simulated seconds): creates and updates end on it.
    """

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._records: dict[str, FunctionRecord] = {}
        self._lock = threading.Lock()

    def created(self, arn: str, name: str, **settings: Any) -> FunctionRecord:
        """A new function, ``Pending`` for :data:`READY_SECONDS`: a fresh record (a deleted
        function's record never comes back)."""
        record = FunctionRecord(name, lifecycle=Lifecycle(self.now() + READY_SECONDS), **settings)
        with self._lock:
            self._records[arn] = record
        return record

    def update_begins(self, record: FunctionRecord, arn: str, serving: Any = None) -> None:
        """An UpdateFunctionCode / UpdateFunctionConfiguration of the function ``arn``: refused
        while it is being created or updated (one check and change, so two requests at once
        cannot both begin), else ``InProgress`` for :data:`READY_SECONDS`, invocations
        meanwhile running ``serving`` (the previous spec)."""
        with self._lock:
            now = self.now()
            record.lifecycle.refuse_change(now, arn)
            record.lifecycle = record.lifecycle.updated(now, READY_SECONDS)
            record.serving = serving

    def version_published(self, record: FunctionRecord, version: str) -> None:
        """A new published version: ``Pending`` for :data:`READY_SECONDS`."""
        with self._lock:
            record.versions.setdefault(version, Lifecycle(self.now() + READY_SECONDS))

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
