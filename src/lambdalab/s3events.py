"""S3 event notifications as AWS shapes them: records, matching and validation.

[AWS_BEHAVIOUR: s3-notifications, s3-record, s3-filter-rules, s3-overlap]

Pure logic, no I/O: the lab's S3 hooks call these to decide which configuration fires and
what the function receives, and tests check them against the recorded AWS examples.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from lambdalab.awserror import AwsError
from lambdalab.clock import iso_millis

CONFIG_LISTS = ("LambdaFunctionConfigurations", "QueueConfigurations", "TopicConfigurations")

OVERLAP_MESSAGE = (
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
    "prefixes are overlapping for the same event type."
)


# ---------------------------------------------------------------------------------- records
def encode_key(key: str) -> str:
    """Object key as it appears in an event: form-encoded, "/" kept.

    [AWS_BEHAVIOUR: s3-key-encoding]
    """
    return urllib.parse.quote_plus(key, safe="/")


def build_record(
    *,
    event_name: str,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    region: str,
    sequencer: str,
    version_id: str | None = None,
    configuration_id: str,
    principal_id: str,
    source_ip: str = "127.0.0.1",
    request_id: str,
    host_id: str,
    event_time: datetime,
    owner_id: str | None = None,
) -> dict[str, Any]:
    """One ``Records[]`` entry, keys in AWS's order [AWS_BEHAVIOUR: s3-record].

    ``event_name`` may carry the configuration's ``s3:`` prefix; the record drops it.
    ``owner_id`` (the bucket owner) defaults to ``principal_id``. ``versionId`` appears only
    when given, i.e. when versioning is Enabled.
    """
    obj: dict[str, Any] = {"key": encode_key(key)}
    kind = event_name.removeprefix("s3:")
    tagging = kind.startswith("ObjectTagging")
    if tagging:
        # A tagging event names the object by key and ETag only, in record version 2.3
        # (recorded: test_s3_notifications_sqs.snapshot.json, test_object_tagging_put_event,
        # test_object_tagging_delete_event).
        obj["eTag"] = etag.strip('"')
    elif not kind.startswith("ObjectRemoved"):
        # A deleted object has no size or ETag in its record (recorded: LocalStack's
        # test_s3_notifications_sqs.snapshot.json, test_object_created_and_object_removed).
        obj.update({"size": int(size), "eTag": etag.strip('"')})
    if version_id is not None:
        obj["versionId"] = version_id
    if not tagging:
        obj["sequencer"] = sequencer
    return {
        "eventVersion": "2.3" if tagging else "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_millis(event_time),
        "eventName": event_name.removeprefix("s3:"),
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": owner_id or principal_id},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def build_event(*records: dict[str, Any]) -> dict[str, Any]:
    """The payload Lambda receives: ``{"Records": [record]}`` (S3 sends one record)."""
    return {"Records": list(records)}


class Sequencer:
    """Monotonic event sequencers: 18 uppercase hex digits, e.g. ``0055AED6DCD90281E5``.

    AWS's sample reads as epoch seconds (0x55AED6DC = July 2015) then a fraction, so values
    are ``int(t * 2**32)`` on the given (lab) clock, bumped by one when time does not move.
    Equal width means string order is event order, which is how consumers compare them.
    """

    WIDTH = 18

    def __init__(self, clock: Any = None) -> None:
        self._clock = clock  # anything with .time() -> epoch seconds; None = wall clock
        self._last = -1
        self._lock = threading.Lock()

    def next(self, at: float | datetime | None = None) -> str:
        if at is None:
            at = self._clock.time() if self._clock is not None else time.time()
        elif isinstance(at, datetime):
            at = at.timestamp()
        with self._lock:
            value = max(int(at * 2**32), self._last + 1)
            self._last = value
        return f"{value:0{self.WIDTH}X}"

    __call__ = next


_SEQUENCER = Sequencer()


def next_sequencer(at: float | datetime | None = None) -> str:
    """The process-wide :class:`Sequencer` (one per lab process is enough: keys never share
    a sequencer across processes)."""
    return _SEQUENCER.next(at)


def moto_sends_extra(event_name: str, serving: str | None) -> bool:
    """Is this an event moto sends where S3 sends none? ``serving`` names the S3 call being
    served when it matters (``PutObjectTagging``, ``CompleteMultipartUpload``).

    S3 sends ``ObjectTagging:Put`` only for PutObjectTagging (moto also for every PutObject,
    CopyObject and CompleteMultipartUpload that stores tags) and one
    ``ObjectCreated:CompleteMultipartUpload`` for a completed upload (moto first also an
    ``ObjectCreated:Put``). Recorded: LocalStack's test_s3_notifications_sqs.snapshot.json
    (``test_notifications_with_filter``, ``test_object_tagging_put_event``,
    ``test_object_created_complete_multipart_upload``) [AWS_BEHAVIOUR: s3-event-types].
    """
    name = _normalise_event(event_name)
    if name == "s3:ObjectTagging:Put":
        return serving != "PutObjectTagging"
    return name == "s3:ObjectCreated:Put" and serving == "CompleteMultipartUpload"


# --------------------------------------------------------------------------------- matching
def _normalise_event(name: str) -> str:
    return name if name.startswith("s3:") else f"s3:{name}"


def _event_pattern_matches(pattern: str, event_name: str) -> bool:
    pattern, event_name = _normalise_event(pattern), _normalise_event(event_name)
    if pattern.endswith("*"):
        return event_name.startswith(pattern[:-1])
    return pattern == event_name


def event_matches(config_events: Iterable[str], event_name: str) -> bool:
    """Does an event (``s3:ObjectCreated:Put`` or ``ObjectCreated:Put``) match a configuration's
    ``Events`` list, where ``s3:ObjectCreated:*`` covers every ObjectCreated type?"""
    return any(_event_pattern_matches(p, event_name) for p in config_events)


def _events_overlap(a: str, b: str) -> bool:
    return _event_pattern_matches(a, b) or _event_pattern_matches(b, a)


def _rules(filter_rules: Any) -> list[Mapping[str, str]]:
    """Accept FilterRules, or a whole ``Filter`` / ``{"Key": …}`` / configuration dict, in the
    boto3 shape (``Filter.Key.FilterRules``), the XML shape (``Filter.S3Key.FilterRule``) or
    ``{"events": …, "filter_rules": …}``."""
    if filter_rules is None:
        return []
    if isinstance(filter_rules, Mapping):
        for nested in ("Filter", "Key", "S3Key", "filter_rules", "FilterRules", "FilterRule"):
            if nested in filter_rules:
                return _rules(filter_rules[nested])
        return [filter_rules] if "Name" in filter_rules else []
    return list(filter_rules)


def _events(configuration: Mapping[str, Any]) -> list[str]:
    events = configuration.get("Events", configuration.get("events", configuration.get("Event")))
    if events is None:
        return []
    return [events] if isinstance(events, str) else list(events)


def prefix_suffix(filter_rules: Any) -> tuple[str | None, str | None]:
    """(prefix, suffix) of a filter; rule names are case-insensitive; None when absent."""
    prefix = suffix = None
    for rule in _rules(filter_rules):
        name = str(rule.get("Name", "")).lower()
        if name == "prefix":
            prefix = rule.get("Value", "")
        elif name == "suffix":
            suffix = rule.get("Value", "")
    return prefix, suffix


def validate_filter_rules(filter_rules: Any) -> None:
    """Reject what S3 rejects in a key filter (InvalidArgument; texts as in MinIO's S3 clone)."""
    counts = {"prefix": 0, "suffix": 0}
    for rule in _rules(filter_rules):
        name = str(rule.get("Name", "")).lower()
        if name not in counts:
            raise AwsError("InvalidArgument", "filter rule name must be either prefix or suffix")
        counts[name] += 1
        if counts[name] > 1:
            raise AwsError(
                "InvalidArgument", f"Cannot specify more than one {name} rule in a filter."
            )


def filter_matches(filter_rules: Any, key: str) -> bool:
    """Does an object key pass a prefix/suffix filter?

    Filter values are written URL-encoded (a space as ``+``) [AWS_BEHAVIOUR: s3-filter-rules],
    so they are compared with the key in the same encoding as the event record's ``key``.
    """
    prefix, suffix = prefix_suffix(filter_rules)
    encoded = encode_key(key)
    if prefix is not None and not encoded.startswith(prefix):
        return False
    return suffix is None or encoded.endswith(suffix)


def configuration_matches(configuration: Mapping[str, Any], event_name: str, key: str) -> bool:
    """Does one Lambda/Queue/Topic configuration fire for this event on this key?"""
    return event_matches(_events(configuration), event_name) and filter_matches(configuration, key)


# -------------------------------------------------------------------------------- validation
_TARGET_SERVICES = {"Queue": "sqs", "Topic": "sns", "CloudFunction": "lambda"}


def arn_parses(arn: str, service: str) -> bool:
    """Is ``arn`` a well-formed ARN of an SQS queue, SNS topic or Lambda function?"""
    parts = arn.split(":")
    if service == "lambda":
        return len(parts) >= 7 and parts[:3] == ["arn", "aws", "lambda"] and parts[5] == "function"
    return len(parts) == 6 and parts[:3] == ["arn", "aws", service] and all(parts[3:])


def check_notification_document(document: Mapping[str, Any]) -> None:
    """The checks S3 makes on the parsed XML before anything else: every target ARN parses
    (recorded: "The ARN could not be parsed", ``ArgumentName`` = Queue/Topic/CloudFunction,
    even with SkipDestinationValidation) and every filter rule is a prefix or suffix."""
    config = document.get("NotificationConfiguration") or {}
    for kind, service in _TARGET_SERVICES.items():
        items = config.get(f"{kind}Configuration") or []
        for item in items if isinstance(items, list) else [items]:
            arn = str((item or {}).get(kind) or "")
            if not arn_parses(arn, service):
                raise AwsError(
                    "InvalidArgument",
                    "The ARN could not be parsed",
                    ArgumentName=kind,
                    ArgumentValue=arn,
                )
            rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("FilterRule")
            if rules is not None:
                validate_filter_rules(rules if isinstance(rules, list) else [rules])


_EVENT_KINDS = ("Topic", "Queue", "CloudFunction")


def stored_configuration(document: Mapping[str, Any]) -> dict[str, Any]:
    """A checked notification document (parsed XML) as S3 stores it: one list per target
    kind, each filter rule named ``Prefix`` or ``Suffix`` whatever the case it was sent in, an
    empty value kept as ``""``; ``{}`` when it configures nothing.

    Recorded: LocalStack's test_s3_notifications_sqs.snapshot.json,
    ``test_filter_rules_case_insensitive`` (``suffix``/``PREFIX`` read back as
    ``Suffix``/``Prefix``) and ``test_filter_rules_empty_value`` (``Value: ""`` is kept)
    [AWS_BEHAVIOUR: s3-filter-rules]. The shape is the one moto's S3 backend stores.
    """
    config = document.get("NotificationConfiguration") or {}
    stored: dict[str, Any] = {}
    for kind in _EVENT_KINDS:
        items = config.get(f"{kind}Configuration")
        if not items:
            continue
        entries = []
        for item in items if isinstance(items, list) else [items]:
            entry = dict(item)
            events = entry.get("Event") or []
            entry["Event"] = [events] if isinstance(events, str) else list(events)
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("FilterRule")
            if rules is not None:
                rules = rules if isinstance(rules, list) else [rules]
                entry["Filter"] = {
                    "S3Key": {
                        "FilterRule": [
                            {
                                "Name": str(rule.get("Name", "")).capitalize(),
                                "Value": rule.get("Value") or "",
                            }
                            for rule in rules
                        ]
                    }
                }
            elif "Filter" in entry:
                del entry["Filter"]
            entries.append(entry)
        stored[f"{kind}Configuration"] = entries
    if "EventBridgeConfiguration" in config:
        stored["EventBridgeConfiguration"] = {}
    return stored


def _flatten(configurations: Any) -> list[Mapping[str, Any]]:
    if isinstance(configurations, Mapping):
        return [c for name in CONFIG_LISTS for c in configurations.get(name) or []]
    return list(configurations)


def _affixes_overlap(a: str | None, b: str | None, *, suffix: bool) -> bool:
    if a is None or b is None:  # a missing prefix/suffix overlaps everything
        return True
    if suffix:
        return a.endswith(b) or b.endswith(a)
    return a.startswith(b) or b.startswith(a)


def overlapping(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two configurations are ambiguous when an event type overlaps (``s3:ObjectCreated:*``
    overlaps ``s3:ObjectCreated:Put``) and both their prefixes and their suffixes overlap."""
    if not any(_events_overlap(x, y) for x in _events(a) for y in _events(b)):
        return False
    pa, sa = prefix_suffix(a)
    pb, sb = prefix_suffix(b)
    return _affixes_overlap(pa, pb, suffix=False) and _affixes_overlap(sa, sb, suffix=True)


def check_overlap(configurations: Any) -> None:
    """Raise S3's InvalidArgument when two configurations could both fire for one event.

    Accepts a list of configurations or a whole NotificationConfiguration (Lambda, queue and
    topic configurations are checked against each other).
    """
    configs = _flatten(configurations)
    for i, first in enumerate(configs):
        for second in configs[i + 1 :]:
            if overlapping(first, second):
                raise AwsError("InvalidArgument", OVERLAP_MESSAGE)
