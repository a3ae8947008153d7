"""Create/UpdateEventSourceMapping checks and states, replaying AWS's recorded answers
(LocalStack's validated snapshots: test_lambda_integration_sqs / test_lambda_api)."""

from __future__ import annotations

import pytest

from lambdalab import arns
from lambdalab.awserror import AwsError
from lambdalab.esm import config
from lambdalab.esm.config import FunctionFacts, QueueFacts

QUEUE = QueueFacts(
    arn="arn:aws:sqs:ap-northeast-1:123456789012:orders",
    name="orders",
    fifo=False,
    visibility_timeout=30,
)
FIFO = QueueFacts(
    arn="arn:aws:sqs:ap-northeast-1:123456789012:orders.fifo",
    name="orders.fifo",
    fifo=True,
    visibility_timeout=30,
)
FN = FunctionFacts(
    name="worker",
    arn="arn:aws:lambda:ap-northeast-1:123456789012:function:worker",
    qualifier=None,
    timeout=3,
    role_arn="arn:aws:iam::123456789012:role/worker-role",
)


def allow_all(role, action, resource):
    return True


def create(params=None, *, queue=QUEUE, function=FN, existing=(), role_allows=allow_all, now=100.0):
    params = {"EventSourceArn": queue.arn, "FunctionName": function.name, **(params or {})}
    config.check_create(params)
    return config.new_mapping(
        params,
        region="ap-northeast-1",
        account_id="123456789012",
        function=function,
        queue=queue,
        existing=list(existing),
        role_allows=role_allows,
        now=now,
    )


def error_of(call, *args, **kwargs) -> AwsError:
    with pytest.raises(AwsError) as err:
        call(*args, **kwargs)
    return err.value


def test_defaults_and_response_shape_match_aws():
    mapping = create()
    response = mapping.configuration()
    assert sorted(response) == sorted(
        [
            "BatchSize",
            "EventSourceArn",
            "EventSourceMappingArn",
            "FunctionArn",
            "FunctionResponseTypes",
            "LastModified",
            "MaximumBatchingWindowInSeconds",
            "State",
            "StateTransitionReason",
            "UUID",
        ]
    )
    assert response["BatchSize"] == 10
    assert response["MaximumBatchingWindowInSeconds"] == 0
    assert response["FunctionResponseTypes"] == []
    assert response["State"] == "Creating"
    assert response["StateTransitionReason"] == "USER_INITIATED"
    assert response["EventSourceMappingArn"].endswith(f":event-source-mapping:{response['UUID']}")
    assert response["FunctionArn"] == FN.arn
    assert response["LastModified"] == 100.0


def test_scaling_config_and_filters_are_returned_when_set():
    mapping = create(
        {
            "ScalingConfig": {"MaximumConcurrency": 2},
            "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        }
    )
    response = mapping.configuration()
    assert response["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert response["FilterCriteria"]["Filters"][0]["Pattern"] == '{"body": {"kind": ["order"]}}'
    assert response["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping.report_batch_item_failures


@pytest.mark.parametrize(
    ("qualifier", "suffix"), [(None, ""), ("$LATEST", ":$LATEST"), ("1", ":1"), ("live", ":live")]
)
def test_function_arn_is_qualified_exactly_when_the_name_was(qualifier, suffix):
    """AWS's test_function_name_variations recording."""
    fn = FunctionFacts(FN.name, FN.arn, qualifier, 3, FN.role_arn)
    assert create(function=fn).configuration()["FunctionArn"] == FN.arn + suffix


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("worker", ("worker", None)),
        ("worker:live", ("worker", "live")),
        ("arn:aws:lambda:ap-northeast-1:123456789012:function:worker", ("worker", None)),
        ("arn:aws:lambda:ap-northeast-1:123456789012:function:worker:1", ("worker", "1")),
        ("123456789012:function:worker:$LATEST", ("worker", "$LATEST")),
    ],
)
def test_function_name_forms(name, expected):
    assert arns.split_function_name(name) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"BatchSize": 0},
            "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            {"BatchSize": 10001},
            "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy "
            "constraint: Member must have value less than or equal to 10000",
        ),
        (
            {"MaximumBatchingWindowInSeconds": 301},
            "1 validation error detected: Value '301' at 'maximumBatchingWindowInSeconds' failed "
            "to satisfy constraint: Member must have value less than or equal to 300",
        ),
        (
            {"ScalingConfig": {"MaximumConcurrency": 1}},
            "1 validation error detected: Value '1' at 'scalingConfig.maximumConcurrency' failed "
            "to satisfy constraint: Member must have value greater than or equal to 2",
        ),
        (
            {"FunctionResponseTypes": ["ReportFailures"]},
            "1 validation error detected: Value '[ReportFailures]' at 'functionResponseTypes' "
            "failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy "
            "enum value set: [ReportBatchItemFailures]]",
        ),
    ],
)
def test_out_of_range_parameters_are_validation_errors(params, message):
    err = error_of(create, params)
    assert (err.code, err.message, err.status) == ("ValidationException", message, 400)


def test_several_validation_errors_are_listed_together():
    err = error_of(create, {"BatchSize": 0, "ScalingConfig": {"MaximumConcurrency": 1001}})
    assert err.message.startswith("2 validation errors detected: Value '0' at 'batchSize'")
    assert "; Value '1001' at 'scalingConfig.maximumConcurrency'" in err.message


def test_more_than_ten_messages_need_a_batching_window():
    """AWS's test_event_source_mapping_default_batch_size recording (create and update)."""
    err = error_of(create, {"BatchSize": 11})
    assert (err.code, err.message) == (
        "InvalidParameterValueException",
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10",
    )
    assert create({"BatchSize": 11, "MaximumBatchingWindowInSeconds": 1}).batch_size == 11
    mapping = create()
    err = error_of(
        config.update_mapping,
        mapping,
        {"BatchSize": 11},
        function=None,
        queue=QUEUE,
        role_allows=allow_all,
        now=1.0,
    )
    assert err.message.startswith("Maximum batch window in seconds must be greater than 0")


def test_fifo_queue_refuses_a_batching_window():
    err = error_of(create, {"MaximumBatchingWindowInSeconds": 5}, queue=FIFO)
    assert err.message == "Batching window is not supported for FIFO queues"
    assert create(queue=FIFO).batch_size == 10


@pytest.mark.parametrize(
    ("missing", "verb"),
    [
        ("sqs:ReceiveMessage", "ReceiveMessage"),
        ("sqs:DeleteMessage", "DeleteMessage"),
        ("sqs:GetQueueAttributes", "GetQueueAttributes"),
    ],
)
def test_role_must_allow_the_three_sqs_actions(missing, verb):
    seen = []

    def allows(role, action, resource):
        seen.append((role, action, resource))
        return action != missing

    err = error_of(create, role_allows=allows)
    assert (err.code, err.message) == (
        "InvalidParameterValueException",
        f"The function execution role does not have permissions to call {verb} on SQS",
    )
    assert all(role == FN.role_arn and resource == QUEUE.arn for role, _, resource in seen)


def test_function_timeout_must_not_exceed_the_visibility_timeout():
    slow = FunctionFacts(FN.name, FN.arn, None, 60, FN.role_arn)
    err = error_of(create, function=slow)
    assert (
        err.message
        == "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"
    )
    equal = FunctionFacts(FN.name, FN.arn, None, 30, FN.role_arn)
    assert create(function=equal).function.timeout == 30


def test_second_mapping_for_the_same_queue_and_function_conflicts():
    """AWS's test_duplicate_event_source_mappings recording."""
    first = create()
    err = error_of(create, existing=[first])
    assert (err.code, err.status) == ("ResourceConflictException", 409)
    assert err.message == (
        f'An event source mapping with SQS arn (" {QUEUE.arn} ") and function (" worker ") '
        f"already exists. Please update or delete the existing mapping with UUID {first.uuid}"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"EventSourceArn": None}, "Unrecognized event source."),
        (
            {"DestinationConfig": {"OnFailure": {"Destination": QUEUE.arn}}},
            "Unsupported DestinationConfig parameter for given event source mapping type.",
        ),
        (
            {"StartingPosition": "LATEST"},
            f"Unsupported starting position for arn type: {QUEUE.arn}",
        ),
    ],
)
def test_what_sqs_mappings_do_not_take(params, message):
    err = error_of(config.check_create, {"EventSourceArn": QUEUE.arn, **params})
    assert (err.code, err.message) == ("InvalidParameterValueException", message)


def test_other_event_sources_are_refused_with_a_lab_message():
    arn = "arn:aws:kinesis:ap-northeast-1:123456789012:stream/s"
    err = error_of(config.check_create, {"EventSourceArn": arn})
    assert err.code == "InvalidParameterValueException"
    assert "Amazon SQS queues only" in err.message and arn in err.message


def test_creating_becomes_enabled_on_the_clock():
    mapping = create(now=100.0)
    assert not mapping.polling
    assert not config.advance(mapping, 100.0 + config.TRANSITION_SECONDS - 0.1)
    assert mapping.state == "Creating"
    config.advance(mapping, 100.0 + config.TRANSITION_SECONDS)
    assert (mapping.state, mapping.polling) == ("Enabled", True)


def test_created_disabled_is_disabled_at_once():
    """AWS's test_fifo_message_group_parallelism recording: create_esm_disabled."""
    mapping = create({"Enabled": False})
    assert mapping.configuration()["State"] == "Disabled"
    assert mapping.pending is None


def test_disable_enable_update_and_delete_pass_through_their_states():
    mapping = create(now=0.0)
    config.advance(mapping, 10.0)

    def update(params, now):
        config.update_mapping(
            mapping, params, function=None, queue=QUEUE, role_allows=allow_all, now=now
        )

    update({"Enabled": False}, 20.0)
    assert (mapping.state, mapping.polling) == ("Disabling", False)
    config.advance(mapping, 20.0 + config.TRANSITION_SECONDS)
    assert mapping.state == "Disabled"
    update({"Enabled": True}, 30.0)
    assert mapping.state == "Enabling"
    config.advance(mapping, 30.0 + config.TRANSITION_SECONDS)
    assert mapping.state == "Enabled"
    update({"BatchSize": 5}, 40.0)
    assert (mapping.state, mapping.batch_size, mapping.last_modified) == ("Updating", 5, 40.0)
    assert mapping.polling  # an update does not pause the pollers
    config.advance(mapping, 40.0 + config.TRANSITION_SECONDS)
    assert mapping.state == "Enabled"
    config.start_deleting(mapping, 50.0)
    assert mapping.configuration()["State"] == "Deleting"
    assert not mapping.polling
    assert config.advance(mapping, 50.0 + config.TRANSITION_SECONDS)  # gone


def test_scaling_config_can_be_removed_with_an_empty_value():
    mapping = create({"ScalingConfig": {"MaximumConcurrency": 5}})
    config.update_mapping(
        mapping, {"ScalingConfig": {}}, function=None, queue=QUEUE, role_allows=allow_all, now=1
    )
    assert "ScalingConfig" not in mapping.configuration()
