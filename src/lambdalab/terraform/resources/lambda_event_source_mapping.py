"""``aws_lambda_event_source_mapping``: Lambda polls a queue (or stream) and invokes the
function with batches; id = the mapping's UUID.

As the provider does, create/update/delete wait until the mapping leaves its transitional
states (``Creating``, ``Enabling``, ``Updating``, ``Disabling``, ``Deleting``: see
https://docs.aws.amazon.com/lambda/latest/api/API_GetEventSourceMapping.html). Unlike the
provider, an "execution role does not have permissions" refusal is not retried for two minutes:
the provider waits for IAM to propagate, which the lab does at once.
"""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from ._common import block, blocks, iso_z, missing_ok, not_found, tags
from .base import ApplyContext, ResourceError, ResourceType, register

TRANSITIONAL = ("Creating", "Enabling", "Updating", "Disabling", "Deleting")
WAIT_SECONDS = 600  # the provider's create/update/delete timeouts (10 minutes)
#: argument -> API field, for the scalar arguments sent as they are
_SCALARS = {
    "batch_size": "BatchSize",
    "bisect_batch_on_function_error": "BisectBatchOnFunctionError",
    "kms_key_arn": "KMSKeyArn",
    "maximum_batching_window_in_seconds": "MaximumBatchingWindowInSeconds",
    "maximum_record_age_in_seconds": "MaximumRecordAgeInSeconds",
    "maximum_retry_attempts": "MaximumRetryAttempts",
    "parallelization_factor": "ParallelizationFactor",
    "tumbling_window_in_seconds": "TumblingWindowInSeconds",
}
#: sources the course does not use; refused clearly rather than dropped silently
_UNSUPPORTED = (
    "amazon_managed_kafka_event_source_config",
    "document_db_event_source_config",
    "self_managed_event_source",
    "self_managed_kafka_event_source_config",
    "source_access_configuration",
)
_EMPTY_BLOCKS = (
    *_UNSUPPORTED,
    "destination_config",
    "filter_criteria",
    "metrics_config",
    "provisioned_poller_config",
    "scaling_config",
)


@register
class LambdaEventSourceMapping(ResourceType):
    type_name = "aws_lambda_event_source_mapping"
    force_new = frozenset(
        {
            "event_source_arn",
            "queues",
            "starting_position",
            "starting_position_timestamp",
            "topics",
            *_UNSUPPORTED,
        }
    )
    computed = frozenset(
        {
            "amazon_managed_kafka_event_source_config",
            "arn",
            "function_arn",
            "id",
            "last_modified",
            "last_processing_result",
            "maximum_record_age_in_seconds",
            "maximum_retry_attempts",
            "parallelization_factor",
            "self_managed_kafka_event_source_config",
            "state",
            "state_transition_reason",
            "tags_all",
            "uuid",
        }
    )
    defaults = {"enabled": True}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        for name in _UNSUPPORTED:
            if args.get(name):
                raise ResourceError(
                    "UnsupportedArgument",
                    f"the built-in engine maps SQS queues, Kinesis and DynamoDB streams only; "
                    f'"{name}" needs the real terraform',
                )
        kwargs = {
            "FunctionName": args["function_name"],
            "Enabled": args.get("enabled") is not False,
            **_request(args),
        }
        for key, api in (
            ("event_source_arn", "EventSourceArn"),
            ("starting_position", "StartingPosition"),
            ("queues", "Queues"),
            ("topics", "Topics"),
        ):
            if args.get(key):
                kwargs[api] = args[key]
        if args.get("starting_position_timestamp"):
            kwargs["StartingPositionTimestamp"] = args["starting_position_timestamp"]
        t, _ = tags(args)
        if t:
            kwargs["Tags"] = dict(t)
        uuid = ctx.client("lambda").create_event_source_mapping(**kwargs)["UUID"]
        return self._settled(ctx, {**args, "id": uuid, "uuid": uuid})

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        kwargs = {
            "UUID": old["uuid"],
            "FunctionName": args["function_name"],
            "Enabled": args.get("enabled") is not False,
            **_request(args, update=True),
        }
        ctx.client("lambda").update_event_source_mapping(**kwargs)
        return self._settled(ctx, {**args, "id": old["id"], "uuid": old["uuid"]})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        try:
            m = ctx.client("lambda").get_event_source_mapping(UUID=attrs["uuid"] or attrs["id"])
        except ClientError as exc:
            if not_found(exc, "ResourceNotFoundException"):
                return None
            raise
        return _state(m, attrs)

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        lam = ctx.client("lambda")
        with missing_ok("ResourceNotFoundException"):
            lam.delete_event_source_mapping(UUID=attrs["uuid"])
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                lam.get_event_source_mapping(UUID=attrs["uuid"])
            except ClientError as exc:
                if not_found(exc, "ResourceNotFoundException"):
                    return
                raise
            time.sleep(0.2)
        raise ResourceError("WaitTimeout", f"event source mapping {attrs['uuid']} still exists")

    def _settled(self, ctx: ApplyContext, attrs: dict) -> dict:
        """Read the mapping until its state is no longer transitional (the provider's wait)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            state = self.read(ctx, attrs)
            if state is None:
                raise ResourceError(
                    "ResourceNotFoundException", f"event source mapping {attrs['uuid']} vanished"
                )
            if state["state"] not in TRANSITIONAL or time.monotonic() > deadline:
                return state
            time.sleep(0.2)


def _request(args: dict, *, update: bool = False) -> dict:
    """The settings shared by Create and Update, as the API spells them."""
    out = {api: args[key] for key, api in _SCALARS.items() if args.get(key) is not None}
    if update or args.get("function_response_types"):
        out["FunctionResponseTypes"] = list(args.get("function_response_types") or [])
    criteria = block(args, "filter_criteria")
    filters = [{"Pattern": f.get("pattern") or ""} for f in blocks(criteria or {}, "filter")]
    if filters or update:
        out["FilterCriteria"] = {"Filters": filters}
    scaling = block(args, "scaling_config")
    if scaling is not None and scaling.get("maximum_concurrency") is not None:
        out["ScalingConfig"] = {"MaximumConcurrency": scaling["maximum_concurrency"]}
    elif update:
        out["ScalingConfig"] = {}
    destination = block(args, "destination_config")
    failure = block(destination or {}, "on_failure")
    if failure is not None:
        out["DestinationConfig"] = {"OnFailure": {"Destination": failure["destination_arn"]}}
    metrics = block(args, "metrics_config")
    if metrics is not None:
        out["MetricsConfig"] = {"Metrics": list(metrics.get("metrics") or [])}
    pollers = block(args, "provisioned_poller_config")
    if pollers is not None:
        out["ProvisionedPollerConfig"] = {
            api: pollers[key]
            for key, api in (
                ("minimum_pollers", "MinimumPollers"),
                ("maximum_pollers", "MaximumPollers"),
            )
            if pollers.get(key) is not None
        }
    return out


def _state(m: dict, attrs: dict) -> dict:
    """The provider's state of a mapping: every attribute, empty blocks as [], missing as 0/""."""
    filters = (m.get("FilterCriteria") or {}).get("Filters") or []
    failure = ((m.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    scaling = (m.get("ScalingConfig") or {}).get("MaximumConcurrency")
    metrics = (m.get("MetricsConfig") or {}).get("Metrics")
    pollers = m.get("ProvisionedPollerConfig")
    configured_tags = attrs.get("tags")
    out = {name: [] for name in _EMPTY_BLOCKS}
    out.update(
        {
            "arn": m.get("EventSourceMappingArn", ""),
            "batch_size": m.get("BatchSize", 0),
            "bisect_batch_on_function_error": bool(m.get("BisectBatchOnFunctionError", False)),
            "destination_config": (
                [{"on_failure": [{"destination_arn": failure}]}] if failure else []
            ),
            "enabled": _enabled(m, attrs),
            "event_source_arn": m.get("EventSourceArn", ""),
            "filter_criteria": (
                [{"filter": [{"pattern": f.get("Pattern", "")} for f in filters]}]
                if filters
                else []
            ),
            "function_arn": m.get("FunctionArn", ""),
            # not returned by the API: the provider keeps what the configuration says
            "function_name": attrs.get("function_name") or m.get("FunctionArn", ""),
            "function_response_types": list(m.get("FunctionResponseTypes") or []),
            "id": m["UUID"],
            "kms_key_arn": m.get("KMSKeyArn", ""),
            "last_modified": iso_z(m["LastModified"]) if m.get("LastModified") else "",
            "last_processing_result": m.get("LastProcessingResult") or "",
            "maximum_batching_window_in_seconds": m.get("MaximumBatchingWindowInSeconds", 0),
            "maximum_record_age_in_seconds": m.get("MaximumRecordAgeInSeconds", 0),
            "maximum_retry_attempts": m.get("MaximumRetryAttempts", 0),
            "metrics_config": [{"metrics": list(metrics)}] if metrics else [],
            "parallelization_factor": m.get("ParallelizationFactor", 0),
            "provisioned_poller_config": (
                [
                    {
                        "maximum_pollers": pollers.get("MaximumPollers", 0),
                        "minimum_pollers": pollers.get("MinimumPollers", 0),
                    }
                ]
                if pollers
                else []
            ),
            "queues": m.get("Queues"),
            "scaling_config": [{"maximum_concurrency": scaling}] if scaling else [],
            "starting_position": m.get("StartingPosition", ""),
            "starting_position_timestamp": iso_z(m["StartingPositionTimestamp"])
            if m.get("StartingPositionTimestamp")
            else "",
            "state": m.get("State", ""),
            "state_transition_reason": m.get("StateTransitionReason", ""),
            "tags": configured_tags if configured_tags else None,
            "tags_all": dict(m.get("Tags") or tags(attrs)[1]),
            "topics": m.get("Topics"),
            "tumbling_window_in_seconds": m.get("TumblingWindowInSeconds", 0),
            "uuid": m["UUID"],
        }
    )
    return dict(sorted(out.items()))


def _enabled(m: dict, attrs: dict) -> bool:
    """What ``enabled`` is once the state settles (a transition keeps the configured value)."""
    state = m.get("State")
    if state in ("Enabled", "Disabled"):
        return state == "Enabled"
    return attrs.get("enabled") is not False
