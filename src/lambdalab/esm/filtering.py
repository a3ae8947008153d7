"""``FilterCriteria``: which messages reach the function
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).

Lambda's filter patterns are EventBridge event patterns, so moto's own matcher
(``moto.events.models.EventPattern``: prefix, suffix, anything-but, numeric, exists, $or, …) is
reused rather than rewritten. The SQS specifics are ours: a record matches when *any* filter
matches; a body that is a JSON object is matched by its keys, any other body as a plain string
(so a pattern on ``body.key`` never matches a plain-text body, and ``body: ["text"]`` never
matches a JSON body — AWS drops such messages too). Messages that match no filter are deleted
from the queue without invoking the function, as on AWS.
"""

from __future__ import annotations

import json
from typing import Any

from lambdalab.awserror import AwsError

INVALID = "Invalid filter pattern definition."


def _pattern(raw: Any) -> Any:
    from moto.events.exceptions import InvalidEventPatternException
    from moto.events.models import EventPattern

    if not isinstance(raw, str) or not raw.strip():
        raise AwsError("InvalidParameterValueException", INVALID)
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise AwsError("InvalidParameterValueException", INVALID) from None
    if not isinstance(parsed, dict):
        raise AwsError("InvalidParameterValueException", INVALID)
    try:
        return EventPattern.load(raw)
    except InvalidEventPatternException:
        raise AwsError("InvalidParameterValueException", INVALID) from None


def check_criteria(criteria: Any) -> None:
    """Refuse what AWS refuses with ``Invalid filter pattern definition.``"""
    if criteria is None or criteria == {}:
        return
    if not isinstance(criteria, dict):
        raise AwsError("InvalidParameterValueException", INVALID)
    filters = criteria.get("Filters")
    if filters is None:
        return
    if not isinstance(filters, list):
        raise AwsError("InvalidParameterValueException", INVALID)
    for item in filters:
        if not isinstance(item, dict):
            raise AwsError("InvalidParameterValueException", INVALID)
        _pattern(item.get("Pattern"))


def matcher(criteria: dict[str, Any] | None) -> Any:
    """A function ``record -> bool`` for a mapping's (already validated) criteria."""
    filters = (criteria or {}).get("Filters") or []
    patterns = [_pattern(f.get("Pattern")) for f in filters]
    if not patterns:
        return lambda record: True

    def matches(record: dict[str, Any]) -> bool:
        view = dict(record)
        try:
            body = json.loads(record.get("body") or "")
        except ValueError:
            body = None
        if isinstance(body, dict):
            view["body"] = body
        return any(p.matches_event(view) for p in patterns)

    return matches
