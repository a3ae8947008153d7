"""S3 event records and notification rules against the AWS examples
[AWS_BEHAVIOUR: s3-record, s3-key-encoding, s3-filter-rules, s3-overlap]."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from lambdalab.awserror import AwsError
from lambdalab.clock import iso_millis
from lambdalab.s3events import (
    OVERLAP_MESSAGE,
    Sequencer,
    build_event,
    build_record,
    check_overlap,
    configuration_matches,
    encode_key,
    event_matches,
    filter_matches,
    next_sequencer,
    validate_filter_rules,
)

# Sample (b): the AWS documentation's s3:ObjectCreated:Put record, verbatim.
AWS_SAMPLE = """
{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
 "eventTime":"1970-01-01T00:00:00.000Z","eventName":"ObjectCreated:Put",
 "userIdentity":{"principalId":"AIDAJDPLRKLG7UEXAMPLE"},
 "requestParameters":{"sourceIPAddress":"127.0.0.1"},
 "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810",
   "x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
 "s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",
   "bucket":{"name":"mybucket","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},
             "arn":"arn:aws:s3:::mybucket"},
   "object":{"key":"HappyFace.jpg","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e",
             "versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko","sequencer":"0055AED6DCD90281E5"}}}
"""


def sample_kwargs(**over):
    kwargs = dict(
        event_name="s3:ObjectCreated:Put",
        bucket="mybucket",
        key="HappyFace.jpg",
        size=1024,
        etag='"d41d8cd98f00b204e9800998ecf8427e"',
        region="us-west-2",
        sequencer="0055AED6DCD90281E5",
        version_id="096fKKXTRTtl3on89fVO.nfljtsv6qko",
        configuration_id="testConfigRule",
        principal_id="AIDAJDPLRKLG7UEXAMPLE",
        owner_id="A3NL1KOZZKExample",
        request_id="C3D13FE58DE4C810",
        host_id="FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        event_time=datetime(1970, 1, 1, tzinfo=UTC),
    )
    kwargs.update(over)
    return kwargs


def test_record_equals_the_aws_sample_including_key_order():
    record = build_record(**sample_kwargs())
    expected = json.loads(AWS_SAMPLE)
    assert record == expected
    # dict equality ignores order: compare the serialisations, which do not
    assert json.dumps(record) == json.dumps(expected)
    assert list(record["s3"]["object"]) == ["key", "size", "eTag", "versionId", "sequencer"]


def test_record_without_version_has_no_version_id_and_owner_defaults_to_principal():
    record = build_record(**sample_kwargs(version_id=None, owner_id=None, size="6144"))
    obj = record["s3"]["object"]
    assert list(obj) == ["key", "size", "eTag", "sequencer"]
    assert obj["size"] == 6144
    assert record["s3"]["bucket"]["ownerIdentity"] == {"principalId": "AIDAJDPLRKLG7UEXAMPLE"}


def test_multipart_etag_and_copy_event_name():
    record = build_record(
        **sample_kwargs(event_name="ObjectCreated:Copy", etag="8eabe9d6b43316e840b079170916c079-1")
    )
    assert record["eventName"] == "ObjectCreated:Copy"
    assert record["s3"]["object"]["eTag"] == "8eabe9d6b43316e840b079170916c079-1"
    assert build_event(record) == {"Records": [record]}


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("red flower.jpg", "red+flower.jpg"),
        ("a@b", "a%40b"),
        ("this im + age blah.txt", "this+im+%2B+age+blah.txt"),
        ("uploads/2024/sample.txt", "uploads/2024/sample.txt"),
        ("日本.txt", "%E6%97%A5%E6%9C%AC.txt"),
    ],
)
def test_key_encoding(key, encoded):
    assert encode_key(key) == encoded
    assert build_record(**sample_kwargs(key=key))["s3"]["object"]["key"] == encoded


def test_event_time_is_utc_with_milliseconds_and_z():
    jst = timezone(timedelta(hours=9))
    when = datetime(2025, 11, 24, 9, 11, 8, 123456, tzinfo=jst)
    assert iso_millis(when) == "2025-11-24T00:11:08.123Z"


def test_event_matches_wildcards_and_prefixless_names():
    assert event_matches(["s3:ObjectCreated:*"], "s3:ObjectCreated:Put")
    assert event_matches(["s3:ObjectCreated:*"], "ObjectCreated:CompleteMultipartUpload")
    assert event_matches(["s3:ObjectCreated:Put"], "ObjectCreated:Put")
    assert not event_matches(["s3:ObjectCreated:Put"], "s3:ObjectCreated:Copy")
    assert not event_matches(["s3:ObjectCreated:*"], "s3:ObjectRemoved:Delete")
    assert not event_matches([], "s3:ObjectCreated:Put")


def test_filter_rules_names_are_case_insensitive():
    rules = [{"Name": "Prefix", "Value": "uploads/"}, {"Name": "SUFFIX", "Value": ".txt"}]
    assert filter_matches(rules, "uploads/sample.txt")
    assert not filter_matches(rules, "processed/sample.txt")
    assert not filter_matches(rules, "uploads/sample.csv")
    assert filter_matches([], "anything")
    assert filter_matches(None, "anything")


def test_filter_values_are_url_encoded_like_the_event_key():
    rules = {"Key": {"FilterRules": [{"Name": "prefix", "Value": "red+flower"}]}}
    assert filter_matches(rules, "red flower.jpg")
    assert not filter_matches(rules, "red+flower.jpg")  # a real "+" is %2B


def test_configuration_matches_uses_events_and_filter():
    config = {
        "Id": "move",
        "LambdaFunctionArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:s3_move",
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
    }
    assert configuration_matches(config, "ObjectCreated:Put", "uploads/a.txt")
    assert not configuration_matches(config, "ObjectCreated:Put", "processed/a.txt")
    assert not configuration_matches(config, "ObjectRemoved:Delete", "uploads/a.txt")


def test_validate_filter_rules():
    validate_filter_rules([{"Name": "prefix", "Value": "a/"}, {"Name": "suffix", "Value": ".x"}])
    with pytest.raises(AwsError, match="more than one prefix rule") as info:
        validate_filter_rules([{"Name": "prefix", "Value": "a"}, {"Name": "Prefix", "Value": "b"}])
    assert info.value.code == "InvalidArgument"
    with pytest.raises(AwsError, match="either prefix or suffix"):
        validate_filter_rules([{"Name": "contains", "Value": "a"}])


def cfg(events, prefix=None, suffix=None, id_="c"):
    rules = []
    if prefix is not None:
        rules.append({"Name": "prefix", "Value": prefix})
    if suffix is not None:
        rules.append({"Name": "suffix", "Value": suffix})
    config = {"Id": id_, "Events": events}
    if rules:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    return config


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (cfg(["s3:ObjectCreated:Put"]), cfg(["s3:ObjectCreated:Put"])),
        (cfg(["s3:ObjectCreated:*"], "images/"), cfg(["s3:ObjectCreated:Put"], "images/jpg/")),
        (cfg(["s3:ObjectCreated:Put"], "images/"), cfg(["s3:ObjectCreated:Put"])),  # no prefix
        (cfg(["s3:ObjectCreated:Put"], suffix=".jpg"), cfg(["s3:ObjectCreated:Put"], "a/")),
        (cfg(["s3:ObjectCreated:Put"], "a/", ".jpg"), cfg(["s3:ObjectCreated:Put"], "a/", "b.jpg")),
    ],
)
def test_overlapping_configurations_are_rejected(a, b):
    with pytest.raises(AwsError) as info:
        check_overlap([a, b])
    assert (info.value.code, info.value.status) == ("InvalidArgument", 400)
    assert info.value.message == OVERLAP_MESSAGE
    assert OVERLAP_MESSAGE == (
        "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if "
        "the prefixes are overlapping for the same event type."
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (cfg(["s3:ObjectCreated:*"]), cfg(["s3:ObjectRemoved:*"])),  # different event types
        (cfg(["s3:ObjectCreated:Put"]), cfg(["s3:ObjectCreated:Copy"])),
        (cfg(["s3:ObjectCreated:*"], "images/"), cfg(["s3:ObjectCreated:*"], "logs/")),
        (cfg(["s3:ObjectCreated:*"], "a/", ".jpg"), cfg(["s3:ObjectCreated:*"], "a/", ".png")),
    ],
)
def test_non_overlapping_configurations_are_accepted(a, b):
    assert check_overlap([a, b]) is None


def test_overlap_is_checked_across_destination_types():
    whole = {
        "LambdaFunctionConfigurations": [cfg(["s3:ObjectCreated:*"], "uploads/")],
        "QueueConfigurations": [cfg(["s3:ObjectCreated:Put"], "uploads/")],
    }
    with pytest.raises(AwsError):
        check_overlap(whole)
    check_overlap({"LambdaFunctionConfigurations": [cfg(["s3:ObjectCreated:*"], "uploads/")]})


def test_sequencer_format_and_monotonic():
    seq = Sequencer()
    at = datetime.fromtimestamp(0x55AED6DC + 0xDCD90281E5 / 2**40, tz=UTC)
    first = seq.next(at)
    assert len(first) == 18 and first == first.upper()
    assert first.startswith("0055AED6DC")
    int(first, 16)
    values = [seq.next(at) for _ in range(5)]  # time stands still: still increasing
    assert values == sorted(values) and len(set(values)) == 5 and values[0] > first
    assert seq.next(at.timestamp() - 100) > values[-1]  # the clock going back never rewinds


def test_sequencer_uses_the_given_clock():
    class FakeClock:
        def time(self):
            return 1437521628.0

    assert Sequencer(FakeClock())() == "0055AED6DC00000000"


def test_module_sequencer_is_shared_and_increasing():
    first, second = next_sequencer(), next_sequencer()
    assert len(first) == len(second) == 18 and second > first


def test_xml_and_lowercase_configuration_shapes():
    xml = {
        "Event": "s3:ObjectCreated:*",
        "Filter": {"S3Key": {"FilterRule": {"Name": "prefix", "Value": "uploads/"}}},
    }
    assert configuration_matches(xml, "ObjectCreated:Put", "uploads/a.txt")
    assert not configuration_matches(xml, "ObjectCreated:Put", "processed/a.txt")
    low = {"events": ["s3:ObjectCreated:Put"], "filter_rules": [{"Name": "Prefix", "Value": "up"}]}
    with pytest.raises(AwsError) as info:
        check_overlap([low, xml])
    assert info.value.message == OVERLAP_MESSAGE
    check_overlap([low, {"events": ["s3:ObjectRemoved:*"], "filter_rules": []}])


def test_a_removed_object_has_only_key_and_sequencer():
    """Recorded: test_s3_notifications_sqs.snapshot.json, test_object_created_and_object_removed."""
    record = build_record(**sample_kwargs(event_name="ObjectRemoved:Delete", version_id=None))
    assert list(record["s3"]["object"]) == ["key", "sequencer"]


def test_a_configuration_is_stored_with_capitalised_rule_names_and_empty_values():
    """[AWS_BEHAVIOUR: s3-filter-rules] (recorded: test_filter_rules_case_insensitive,
    test_filter_rules_empty_value)."""
    from lambdalab.s3events import stored_configuration

    document = {
        "NotificationConfiguration": {
            "QueueConfiguration": {
                "Id": "q",
                "Queue": "arn:aws:sqs:ap-northeast-1:123456789012:q",
                "Event": "s3:ObjectCreated:*",
                "Filter": {
                    "S3Key": {
                        "FilterRule": [
                            {"Name": "suffix", "Value": None},
                            {"Name": "PREFIX", "Value": "notif-"},
                        ]
                    }
                },
            },
            "CloudFunctionConfiguration": [
                {
                    "CloudFunction": "arn:aws:lambda:ap-northeast-1:123456789012:function:f",
                    "Event": ["a", "b"],
                }
            ],
        }
    }
    stored = stored_configuration(document)
    (queue,) = stored["QueueConfiguration"]
    assert queue["Event"] == ["s3:ObjectCreated:*"]
    assert queue["Filter"]["S3Key"]["FilterRule"] == [
        {"Name": "Suffix", "Value": ""},
        {"Name": "Prefix", "Value": "notif-"},
    ]
    assert stored["CloudFunctionConfiguration"][0]["Event"] == ["a", "b"]
    assert "TopicConfiguration" not in stored
    assert stored_configuration({"NotificationConfiguration": None}) == {}
    assert stored_configuration(
        {"NotificationConfiguration": {"EventBridgeConfiguration": None}}
    ) == {"EventBridgeConfiguration": {}}


def test_a_tagging_record_names_the_object_by_key_and_etag_in_version_2_3():
    """[AWS_BEHAVIOUR: s3-event-types] (recorded: test_object_tagging_put_event)."""
    from lambdalab.s3events import build_record

    common = dict(
        bucket="b",
        key="k",
        size=3,
        etag='"e"',
        region="ap-northeast-1",
        sequencer="0055AED6DCD90281E5",
        configuration_id="c",
        principal_id="AWS:AIDA",
        request_id="R",
        host_id="H",
        event_time=datetime(2025, 1, 1, tzinfo=UTC),
    )
    tagging = build_record(event_name="s3:ObjectTagging:Put", **common)
    assert tagging["eventVersion"] == "2.3"
    assert tagging["s3"]["object"] == {"key": "k", "eTag": "e"}
    created = build_record(event_name="s3:ObjectCreated:Put", **common)
    assert created["eventVersion"] == "2.1"
    assert list(created["s3"]["object"]) == ["key", "size", "eTag", "sequencer"]


def test_moto_sends_extra_events_that_s3_does_not():
    """[AWS_BEHAVIOUR: s3-event-types]"""
    from lambdalab.s3events import moto_sends_extra

    assert moto_sends_extra("s3:ObjectTagging:Put", None)
    assert moto_sends_extra("ObjectTagging:Put", "CompleteMultipartUpload")
    assert not moto_sends_extra("s3:ObjectTagging:Put", "PutObjectTagging")
    assert moto_sends_extra("s3:ObjectCreated:Put", "CompleteMultipartUpload")
    assert not moto_sends_extra("s3:ObjectCreated:Put", None)
    assert not moto_sends_extra(
        "s3:ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload"
    )
    assert not moto_sends_extra("s3:ObjectTagging:Delete", None)
