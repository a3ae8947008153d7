"""What an EventBridge rule's target receives: the event envelope, and the target's ``Input``,
``InputPath`` or ``InputTransformer`` applied to it — pure.

The envelope [AWS_BEHAVIOUR: eventbridge-envelope] has the same top-level fields in every event
(https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html); a target
gets the whole envelope, a constant ``Input``, the part of it that ``InputPath`` selects, or the
text an ``InputTransformer`` renders [AWS_BEHAVIOUR: eventbridge-target-input,
eventbridge-input-transformer]. Which functions a rule may invoke is
:mod:`lambdalab.resource_policy`'s question; sending is the moto adapter's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lambdalab.awserror import AwsError

NAMESPACE = "AWS/Events"
ENVELOPE_KEYS = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)
INPUT_KINDS = ("Input", "InputPath", "InputTransformer")
PREDEFINED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


class TargetInputError(Exception):
    """The target's input cannot be built for this event: EventBridge does not deliver it."""


def event_time(value: Any) -> str:
    """``2025-11-24T23:21:20Z``: the envelope's ``time`` (UTC, whole seconds). moto keeps the
    time a ``PutEvents`` entry gave as epoch seconds; a replayed event has its text already."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        when = datetime.fromtimestamp(float(value), UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(message: Mapping[str, Any]) -> dict[str, Any]:
    """The event as a rule's target receives it, from the message moto matched: AWS's keys in
    AWS's order, ``time`` as text, no moto-internal ``ingestion-time``; a replayed event keeps
    its ``replay-name``.

    [AWS_BEHAVIOUR: eventbridge-envelope]
    """
    event = {key: message.get(key) for key in ENVELOPE_KEYS}
    event["version"] = event["version"] or "0"
    event["resources"] = list(event["resources"] or [])
    event["detail"] = event["detail"] if event["detail"] is not None else {}
    event["time"] = event_time(message.get("time") or 0)
    if message.get("replay-name"):
        event["replay-name"] = message["replay-name"]
    return event


# -- checks when a target is put ---------------------------------------------------------------


def check_target(target: Mapping[str, Any]) -> None:
    """What ``PutTargets`` refuses in a target's input settings, in EventBridge's words
    (recorded from AWS: LocalStack's tests/aws/services/events/test_events_inputs.snapshot.json).

    [AWS_BEHAVIOUR: eventbridge-target-input, eventbridge-input-transformer]
    """
    target_id = target.get("Id", "")
    if sum(1 for kind in INPUT_KINDS if target.get(kind) is not None) > 1:
        raise AwsError(
            "ValidationException",
            f"Only one of Input, InputPath, or InputTransformer must be provided for target "
            f"{target_id}.",
        )
    if target.get("InputPath") is not None:
        _parse_path(target["InputPath"], f"InputPath of target {target_id}")
    transformer = target.get("InputTransformer")
    if transformer is None:
        return
    paths = transformer.get("InputPathsMap") or {}
    for name, path in paths.items():
        if name in PREDEFINED:
            raise AwsError(
                "ValidationException",
                f"InputPathsMap for target {target_id} uses the reserved variable {name}.",
            )
        _parse_path(path, f"InputPathsMap value {name} of target {target_id}")
    for name in PLACEHOLDER.findall(transformer.get("InputTemplate") or ""):
        if name not in paths and name not in PREDEFINED:
            raise AwsError(
                "ValidationException",
                f"InputTemplate for target {target_id} contains invalid placeholder {name}.",
            )


def _parse_path(path: str, where: str) -> Any:
    from jsonpath_ng import parse
    from jsonpath_ng.exceptions import JSONPathError

    problem = "it must start with $ (for example $.detail)"
    if isinstance(path, str) and path.startswith("$"):
        try:
            return parse(path)
        except JSONPathError as err:
            problem = str(err)
    raise AwsError("ValidationException", f"{where} is not a valid JSONPath: {path!r}: {problem}")


# -- what the target receives ------------------------------------------------------------------


def target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: str,
) -> str:
    """The JSON text a target receives for ``event`` (an :func:`envelope`).

    Raises :class:`TargetInputError` when there is nothing valid to deliver. The text of a
    string template need not be JSON (SQS receives several quoted lines as they are); a
    function target needs JSON (:func:`require_json`).
    [AWS_BEHAVIOUR: eventbridge-target-input]
    """
    if target.get("Input") is not None:
        text = target["Input"]
        require_json(text, "Input")
        return text
    if target.get("InputPath") is not None:
        found = _select(event, target["InputPath"])
        if found is _MISSING:
            raise TargetInputError(f"InputPath {target['InputPath']} selects nothing")
        return json.dumps(found)
    transformer = target.get("InputTransformer")
    if transformer is not None:
        values = {
            name: _select(event, path)
            for name, path in (transformer.get("InputPathsMap") or {}).items()
        }
        values.update(_predefined(event, rule_arn, rule_name, ingestion_time))
        template = transformer.get("InputTemplate") or ""
        text = render_template(template, values)
        if not is_string_template(template):  # text templates reach SQS as they are
            require_json(text, "InputTemplate")
        return text
    return json.dumps(dict(event))


def require_json(text: str, what: str) -> None:
    try:
        json.loads(text)
    except ValueError:
        raise TargetInputError(f"{what} does not give valid JSON: {text[:200]}") from None


def _select(event: Mapping[str, Any], path: str) -> Any:
    """The value ``path`` selects (a list when it selects several), or ``_MISSING``."""
    try:
        expression = _parse_path(path, "InputPath")
    except AwsError as err:  # put before the lab checked it (moto on its own)
        raise TargetInputError(err.message) from None
    matches = [m.value for m in expression.find(dict(event))]
    if not matches:
        return _MISSING
    return matches[0] if len(matches) == 1 else matches


def _predefined(
    event: Mapping[str, Any], rule_arn: str, rule_name: str, ingestion_time: str
) -> dict[str, Any]:
    """The reserved variables, as recorded from AWS (``aws.events.event`` has no ``detail``,
    names ``detailType`` and carries the ingestion time)."""
    original = {
        "id": event.get("id"),
        "account": event.get("account"),
        "detailType": event.get("detail-type"),
        "time": ingestion_time,
        "source": event.get("source"),
        "region": event.get("region"),
        "resources": event.get("resources"),
        "version": event.get("version"),
    }
    return {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": ingestion_time,
        "aws.events.event": _Raw(json.dumps(original)),
        "aws.events.event.json": _Raw(json.dumps(dict(event))),
    }


class _Raw(str):
    """A value inserted as JSON text as it is (the whole-event variables)."""


def is_string_template(template: str) -> bool:
    """A template that is text in quotes (possibly several lines of them), not JSON."""
    return template.lstrip().startswith('"')


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """``InputTemplate`` with every ``<name>`` of ``values`` replaced, as AWS does (recorded:
    test_events_inputs.snapshot.json, ``TestInputTransformer``).

    Outside a JSON string a placeholder becomes the value as JSON (a missing value ``""``).
    Inside a string it becomes text: a string as it is, a number or boolean as JSON; an object
    or list as JSON in a template that is an object or list (which then fails to parse: the
    event is not delivered), or as bare text (``{key:value}``, ``[A,B]``) in a template that
    is one string.

    [AWS_BEHAVIOUR: eventbridge-input-transformer]
    """
    one_string = is_string_template(template)
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        match = PLACEHOLDER.match(template, i) if char == "<" else None
        if match and match.group(1) in values:
            value = values[match.group(1)]
            if in_string:
                out.append(_in_string(value, one_string))
            else:
                out.append(_as_json(value))
            i = match.end()
            continue
        if char == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        i += 1
    return "".join(out)


def _as_json(value: Any) -> str:
    if value is _MISSING:
        return '""'
    if isinstance(value, _Raw):
        return str(value)
    return json.dumps(value)


def _in_string(value: Any, one_string: bool) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, (dict, list)) and not one_string:
        return json.dumps(value)
    return json.dumps(_text(value), ensure_ascii=False)[1:-1]


def _text(value: Any) -> str:
    """Bare text of a value, as AWS writes an object or list inside a string template."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return json.dumps(value)


# -- metrics -----------------------------------------------------------------------------------


def metric_data(
    rule_name: str, bus_name: str, counts: Mapping[str, int], timestamp: datetime
) -> list[dict[str, Any]]:
    """``AWS/Events`` data for one firing of a rule: ``RuleName`` on the default bus,
    ``EventBusName`` + ``RuleName`` on a custom bus; zero counts are not sent.

    [AWS_BEHAVIOUR: eventbridge-metrics]
    """
    dimensions = [{"Name": "RuleName", "Value": rule_name}]
    if bus_name != "default":
        dimensions = [{"Name": "EventBusName", "Value": bus_name}, *dimensions]
    return [
        {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": timestamp,
            "Value": float(count),
            "Unit": "Count",
        }
        for name, count in counts.items()
        if count
    ]
