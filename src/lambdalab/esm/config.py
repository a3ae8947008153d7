"""Create/UpdateEventSourceMapping for SQS: parameters, AWS's checks and wording, states (pure).

Sources: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (ranges
and defaults), https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (the
batching window, the visibility timeout rule) and responses AWS recorded for LocalStack's
validated tests (``tests/aws/services/lambda_/event_source_mapping/*.snapshot.json`` and
``test_lambda_api.snapshot.json``): the error texts, ``State`` / ``StateTransitionReason`` and
the response fields. The checks run in the order AWS answers them in those recordings.

Everything here is plain data: the lab's glue looks the function, queue and role up and hands
the facts in (:class:`FunctionFacts`, :class:`QueueFacts`, ``role_allows``).
"""

from __future__ import annotations

import copy
import re
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdalab.awserror import AwsError

from . import filtering

DEFAULT_BATCH_SIZE = 10
MAX_BATCH_SIZE = 10_000
MAX_BATCH_WITHOUT_WINDOW = 10
MAX_BATCHING_WINDOW = 300
MIN_MAXIMUM_CONCURRENCY = 2
MAX_MAXIMUM_CONCURRENCY = 1000
RESPONSE_TYPES = ("ReportBatchItemFailures",)
USER_INITIATED = "USER_INITIATED"

# Simulated seconds a state change takes (Creating → Enabled, Disabling → Disabled, Deleting →
# gone). AWS gives no figure; it is seconds in practice. CHOICE: 2 s on the lab's clock.
TRANSITION_SECONDS = 2.0

# The actions the execution role needs, in the order AWS reports a missing one
# (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions).
REQUIRED_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")

NOT_FOUND = "The resource you requested does not exist."


@dataclass(frozen=True)
class FunctionFacts:
    """What the checks and the pollers need to know about the mapped function."""

    name: str
    arn: str  # unqualified
    qualifier: str | None  # as given in FunctionName (None: unqualified)
    timeout: int
    role_arn: str
    reserved_concurrency: int | None = None

    @property
    def mapped_arn(self) -> str:
        """``FunctionArn`` in the mapping: qualified exactly when FunctionName was."""
        return f"{self.arn}:{self.qualifier}" if self.qualifier else self.arn


@dataclass(frozen=True)
class QueueFacts:
    arn: str
    name: str
    fifo: bool
    visibility_timeout: int


def not_found() -> AwsError:
    return AwsError("ResourceNotFoundException", NOT_FOUND, 404)


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message, 400)


def queue_name_of(arn: str) -> str:
    return arn.split(":")[5] if arn.count(":") >= 5 else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _range_errors(value: Any, where: str, low: int, high: int) -> list[str]:
    if value is None:
        return []
    if not _is_int(value):
        return [f"Value '{value}' at '{where}' failed to satisfy constraint: Member must be an int"]
    if value < low:
        return [
            f"Value '{value}' at '{where}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {low}"
        ]
    if value > high:
        return [
            f"Value '{value}' at '{where}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {high}"
        ]
    return []


def check_shape(params: dict[str, Any]) -> None:
    """The API's own constraints (ranges, enums): ``ValidationException`` listing each."""
    errors = _range_errors(params.get("BatchSize"), "batchSize", 1, MAX_BATCH_SIZE)
    errors += _range_errors(
        params.get("MaximumBatchingWindowInSeconds"),
        "maximumBatchingWindowInSeconds",
        0,
        MAX_BATCHING_WINDOW,
    )
    scaling = params.get("ScalingConfig") or {}
    errors += _range_errors(
        scaling.get("MaximumConcurrency"),
        "scalingConfig.maximumConcurrency",
        MIN_MAXIMUM_CONCURRENCY,
        MAX_MAXIMUM_CONCURRENCY,
    )
    types = params.get("FunctionResponseTypes")
    if types is not None and (
        not isinstance(types, list) or any(t not in RESPONSE_TYPES for t in types)
    ):
        shown = "[" + ", ".join(map(str, types if isinstance(types, list) else [types])) + "]"
        errors.append(
            f"Value '{shown}' at 'functionResponseTypes' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[{', '.join(RESPONSE_TYPES)}]]"
        )
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise AwsError(
            "ValidationException", f"{count} validation {noun} detected: " + "; ".join(errors)
        )


@dataclass
class Mapping:
    """One stored mapping; :meth:`configuration` is what every API call answers."""

    uuid: str
    region: str
    account_id: str
    event_source_arn: str
    function: FunctionFacts
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window: int = 0
    response_types: list[str] = field(default_factory=list)
    scaling: dict[str, Any] | None = None
    filter_criteria: dict[str, Any] | None = None
    enabled: bool = True
    state: str = "Creating"
    last_modified: float = 0.0
    # (state to reach, simulated time it is reached); "" means: the mapping is then gone
    pending: tuple[str, float] | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:event-source-mapping:{self.uuid}"

    @property
    def report_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.response_types

    @property
    def maximum_concurrency(self) -> int | None:
        return (self.scaling or {}).get("MaximumConcurrency")

    @property
    def polling(self) -> bool:
        """Does this mapping read the queue now? (Creating/Enabling start only once done.)"""
        return self.state in ("Enabled", "Updating") and self.enabled

    def configuration(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "UUID": self.uuid,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.batching_window,
            "EventSourceArn": self.event_source_arn,
            "EventSourceMappingArn": self.arn,
            "FunctionArn": self.function.mapped_arn,
            "LastModified": self.last_modified,
            "State": self.state,
            "StateTransitionReason": USER_INITIATED,
            "FunctionResponseTypes": list(self.response_types),
        }
        if self.filter_criteria:
            config["FilterCriteria"] = copy.deepcopy(self.filter_criteria)
        if self.scaling:
            config["ScalingConfig"] = dict(self.scaling)
        return config


def _check_unsupported(params: dict[str, Any], source_arn: str) -> None:
    if params.get("DestinationConfig"):
        raise invalid(
            "Unsupported DestinationConfig parameter for given event source mapping type."
        )
    if params.get("StartingPosition") or params.get("StartingPositionTimestamp"):
        raise invalid(f"Unsupported starting position for arn type: {source_arn}")


def check_source_arn(arn: str | None) -> str:
    if not arn:
        raise invalid("Unrecognized event source.")
    if not re.fullmatch(r"arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[\w.-]+", arn):
        raise invalid(
            f"Unrecognized event source: {arn}. lambdalab emulates event source mappings for "
            "Amazon SQS queues only (arn:aws:sqs:<region>:<account>:<queue>)."
        )
    return arn


def check_against(
    queue: QueueFacts,
    function: FunctionFacts,
    *,
    batch_size: int,
    batching_window: int | None,
    role_allows: Callable[[str, str, str], bool],
) -> None:
    """The rules that need the queue, the function and its role (InvalidParameterValue)."""
    for action in REQUIRED_ACTIONS:
        if not role_allows(function.role_arn, action, queue.arn):
            verb = action.split(":", 1)[1]
            raise invalid(
                f"The function execution role does not have permissions to call {verb} on SQS"
            )
    if queue.fifo and batching_window:
        raise invalid("Batching window is not supported for FIFO queues")
    if batch_size > MAX_BATCH_WITHOUT_WINDOW and not batching_window:
        raise invalid(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10"
        )
    if queue.visibility_timeout < function.timeout:
        raise invalid(
            f"Queue visibility timeout: {queue.visibility_timeout} seconds is less than "
            f"Function timeout: {function.timeout} seconds"
        )


def new_mapping(
    params: dict[str, Any],
    *,
    region: str,
    account_id: str,
    function: FunctionFacts,
    queue: QueueFacts,
    existing: list[Mapping],
    role_allows: Callable[[str, str, str], bool],
    now: float,
) -> Mapping:
    """Validate CreateEventSourceMapping (source, function and queue already resolved)."""
    batch_size = params.get("BatchSize") or DEFAULT_BATCH_SIZE
    window = params.get("MaximumBatchingWindowInSeconds")
    filtering.check_criteria(params.get("FilterCriteria"))
    check_against(
        queue, function, batch_size=batch_size, batching_window=window, role_allows=role_allows
    )
    for other in existing:
        if other.event_source_arn == queue.arn and other.function.arn == function.arn:
            raise AwsError(
                "ResourceConflictException",
                f'An event source mapping with SQS arn (" {queue.arn} ") and function '
                f'(" {function.name} ") already exists. Please update or delete the existing '
                f"mapping with UUID {other.uuid}",
                409,
            )
    enabled = params.get("Enabled", True) is not False
    mapping = Mapping(
        uuid=str(uuidlib.uuid4()),
        region=region,
        account_id=account_id,
        event_source_arn=queue.arn,
        function=function,
        batch_size=batch_size,
        batching_window=window or 0,
        response_types=list(params.get("FunctionResponseTypes") or []),
        scaling=dict(params["ScalingConfig"]) if params.get("ScalingConfig") else None,
        filter_criteria=_criteria(params.get("FilterCriteria")),
        enabled=enabled,
        state="Creating" if enabled else "Disabled",
        last_modified=now,
        tags=dict(params.get("Tags") or {}),
    )
    if enabled:
        mapping.pending = ("Enabled", now + TRANSITION_SECONDS)
    return mapping


def _criteria(criteria: dict[str, Any] | None) -> dict[str, Any] | None:
    return copy.deepcopy(criteria) if criteria and criteria.get("Filters") else None


def check_create(params: dict[str, Any]) -> str:
    """What can be refused before anything is looked up; returns the source ARN."""
    check_shape(params)
    arn = check_source_arn(params.get("EventSourceArn"))
    _check_unsupported(params, arn)
    return arn


def update_mapping(
    mapping: Mapping,
    params: dict[str, Any],
    *,
    function: FunctionFacts | None,
    queue: QueueFacts,
    role_allows: Callable[[str, str, str], bool],
    now: float,
) -> None:
    """Apply UpdateEventSourceMapping in place (after the same rules as Create)."""
    check_shape(params)
    _check_unsupported(params, mapping.event_source_arn)
    if mapping.state in ("Deleting",):
        raise AwsError(
            "ResourceInUseException",
            f"Cannot update the event source mapping {mapping.uuid} because it is being deleted.",
            400,
        )
    target = function or mapping.function
    batch_size = params.get("BatchSize", mapping.batch_size) or DEFAULT_BATCH_SIZE
    window = params.get("MaximumBatchingWindowInSeconds", mapping.batching_window)
    if "FilterCriteria" in params:
        filtering.check_criteria(params.get("FilterCriteria"))
    check_against(
        queue, target, batch_size=batch_size, batching_window=window, role_allows=role_allows
    )
    mapping.function = target
    mapping.batch_size = batch_size
    mapping.batching_window = window or 0
    if "FunctionResponseTypes" in params:
        mapping.response_types = list(params.get("FunctionResponseTypes") or [])
    if "ScalingConfig" in params:  # an empty value removes it
        scaling = params.get("ScalingConfig") or {}
        mapping.scaling = dict(scaling) if scaling.get("MaximumConcurrency") else None
    if "FilterCriteria" in params:
        mapping.filter_criteria = _criteria(params.get("FilterCriteria"))
    mapping.last_modified = now
    was_enabled = mapping.enabled
    if "Enabled" in params:
        mapping.enabled = params["Enabled"] is not False
    if mapping.enabled and not was_enabled:
        mapping.state = "Enabling"
        mapping.pending = ("Enabled", now + TRANSITION_SECONDS)
    elif was_enabled and not mapping.enabled:
        mapping.state = "Disabling"
        mapping.pending = ("Disabled", now + TRANSITION_SECONDS)
    else:
        mapping.state = "Updating"
        mapping.pending = ("Enabled" if mapping.enabled else "Disabled", now + TRANSITION_SECONDS)


def start_deleting(mapping: Mapping, now: float) -> None:
    mapping.state = "Deleting"
    mapping.enabled = False
    mapping.pending = ("", now + TRANSITION_SECONDS)


def advance(mapping: Mapping, now: float) -> bool:
    """Finish a pending state change whose time has come; True when the mapping is now gone."""
    if mapping.pending is None or mapping.pending[1] > now:
        return False
    state, _ = mapping.pending
    mapping.pending = None
    if not state:
        return True
    mapping.state = state
    return False
