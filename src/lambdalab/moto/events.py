"""EventBridge rules → their targets: a Lambda function is invoked asynchronously through the
lab's data plane, and every target the lab delivers to gets AWS's envelope and input.

moto has no Lambda target (``PutEvents`` would fail with ``NotImplementedError``), sends SQS and
CloudWatch Logs targets an envelope without ``account``, ignores ``Input`` / ``InputPath`` for
them, fires DISABLED rules and schedule-only rules on every event, and stamps events with the
wall clock. While the lab runs, a rule that fires hands each Lambda, SQS or Logs target the
input :mod:`lambdalab.eventbridge` builds; other targets (archives, buses, API destinations)
stay moto's. [AWS_BEHAVIOUR: eventbridge-lambda-target, eventbridge-envelope]
"""

from __future__ import annotations

import copy
import functools
import logging
import uuid
from typing import Any

from lambdalab import eventbridge
from lambdalab.moto import adapter
from lambdalab.moto.event_source_mappings import lab_unix_time, lab_unix_time_millis

ENABLED_STATES = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
_log = logging.getLogger("lambdalab")


def hooks() -> list[tuple[Any, str]]:
    from moto.events import models as eventsm

    return [
        (eventsm.Rule, "send_to_targets"),
        (eventsm.Rule, "arn"),
        (eventsm.EventPattern, "matches_event"),
        (eventsm.EventPattern, "dump"),
        (eventsm.EventsBackend, "put_targets"),
        (eventsm, "unix_time"),
        (eventsm, "unix_time_millis"),
    ]


def install() -> None:
    from moto.events import models as eventsm

    eventsm.Rule.send_to_targets = wrap_send_to_targets(eventsm.Rule.send_to_targets)
    eventsm.EventsBackend.put_targets = wrap_put_targets(eventsm.EventsBackend.put_targets)
    # Event times and ingestion times on the lab's (fast-forwarded) clock.
    eventsm.unix_time = lab_unix_time(eventsm.unix_time)
    eventsm.unix_time_millis = lab_unix_time_millis(eventsm.unix_time_millis)


def wrap_put_targets(original: Any) -> Any:
    """``PutTargets`` refuses input settings AWS refuses (one of Input/InputPath/
    InputTransformer; placeholders the paths map does not define)."""

    @functools.wraps(original)
    def put_targets(self: Any, name: str, event_bus_arn: Any, targets: list) -> None:
        if adapter.dataplane() is not None:
            for target in targets:
                adapter.lab_call(eventbridge.check_target, target)
        return original(self, name, event_bus_arn, targets)

    return put_targets


def wrap_send_to_targets(original: Any) -> Any:
    @functools.wraps(original)
    def send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
        dataplane = adapter.dataplane()
        if dataplane is None:
            return original(self, event, transform_input)
        if self.state not in ENABLED_STATES or self.event_pattern.dump() is None:
            return None  # a disabled rule, or one that runs on a schedule only
        if not self.event_pattern.matches_event(event):
            return None
        envelope = eventbridge.envelope(event)
        ingestion = eventbridge.event_time(event.get("ingestion-time") or event.get("time"))
        counts = {"TriggeredRules": 1, "Invocations": 0, "FailedInvocations": 0}
        for target in list(self.targets):
            service = target["Arn"].split(":")[2] if target["Arn"].count(":") >= 5 else ""
            if service not in ("lambda", "sqs", "logs"):
                single = copy.copy(self)
                single.targets = [target]
                original(single, event, transform_input)
                continue
            counts["Invocations"] += 1
            if not _deliver(dataplane, self, target, service, envelope, ingestion):
                counts["FailedInvocations"] += 1
        dataplane.events_metrics(self.name, self.event_bus_name, counts)
        return None

    return send_to_targets


def _deliver(
    dataplane: Any, rule: Any, target: dict, service: str, envelope: dict, ingestion: str
) -> bool:
    """One target's delivery; False when EventBridge could not deliver (a FailedInvocations).

    [AWS_BEHAVIOUR: eventbridge-lambda-permission, eventbridge-target-input]
    """
    try:
        payload = eventbridge.target_input(
            target, envelope, rule_arn=rule.arn, rule_name=rule.name, ingestion_time=ingestion
        )
    except eventbridge.TargetInputError as err:
        _log.info("EventBridge rule %s: target %s not invoked: %s", rule.arn, target["Id"], err)
        return False
    try:
        if service == "lambda":
            eventbridge.require_json(payload, "The function's event")  # Invoke takes JSON only
            delivered = dataplane.events_event(target["Arn"], payload, rule_arn=rule.arn)
        elif service == "sqs":
            _send_to_queue(rule, target, payload)
            delivered = True
        else:
            _send_to_log_group(rule, target, payload)
            delivered = True
    except Exception as err:  # the queue or log group is gone, a FIFO queue refuses …
        _log.info("EventBridge rule %s: target %s failed: %s", rule.arn, target["Id"], err)
        return False
    if not delivered:
        _log.info(
            "EventBridge rule %s: function %s not invoked: it does not exist, or its "
            "resource-based policy does not allow events.amazonaws.com from this rule",
            rule.arn,
            target["Arn"],
        )
    return delivered


def _send_to_queue(rule: Any, target: dict, payload: str) -> None:
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = target["Arn"].split(":", 5)
    group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
    sqs_backends[account][region].send_message(
        queue_name=name, message_body=payload, group_id=group_id
    )


def _send_to_log_group(rule: Any, target: dict, payload: str) -> None:
    """One event in a new stream of the target's log group, stamped with the lab's clock.

    Written to the stream itself, as :mod:`lambdalab.logsink` does: moto's PutLogEvents
    refuses timestamps more than 2 h from the real clock, and the lab's clock runs ahead once
    a demo has fast-forwarded (the event was silently dropped late in a long session)."""
    from moto.events import models as eventsm
    from moto.logs.models import logs_backends

    parts = target["Arn"].split(":")
    region, account, group = parts[3], parts[4], parts[6]
    log_group = logs_backends[account][region].groups[group]  # KeyError: the group is gone
    stream = str(uuid.uuid4())
    log_group.create_log_stream(stream)
    log_group.streams[stream].put_log_events(
        [{"timestamp": int(eventsm.unix_time_millis()), "message": payload}]
    )
