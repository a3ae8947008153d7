"""The Lambda data plane: what moto lacks, wired together.

moto stores functions; this module turns a stored function into a :class:`FunctionSpec`, runs
it in an execution environment (:mod:`lambdalab.runtime`) for synchronous calls, and hands
asynchronous events (``Invoke`` with ``Event``, S3 notifications) to the async engine
(:mod:`lambdalab.invoke`), which retries, delivers to DLQs and destinations, and emits metrics.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import uuid
from typing import Any

from lambdalab import arns, eventbridge, iam, resource_policy, s3events
from lambdalab.awserror import AwsError
from lambdalab.clock import iso_millis
from lambdalab.epoch import Epoch
from lambdalab.esm.config import FunctionFacts
from lambdalab.esm.service import EventSourceMappings
from lambdalab.esm.sqs import MotoQueues
from lambdalab.functions import FunctionRecord, FunctionRecords
from lambdalab.invoke.delivery import Deliverer
from lambdalab.invoke.engine import AsyncEngine
from lambdalab.invoke.events import AsyncEvent, lineage_count, new_trace_header
from lambdalab.invoke.metrics import CloudWatchMetrics
from lambdalab.invoke.settings import AsyncSettings
from lambdalab.logsink import MotoCloudWatch, MotoLogSink
from lambdalab.model import FunctionSpec, InvocationResult
from lambdalab.runtime import CapacityExceeded, RuntimeService, Superseded
from lambdalab.server import current_request_headers


class RoleBoundLogSink:
    """The log sink of one execution environment: it writes only what the function's execution
    role may write (see :meth:`DataPlane.role_may_log`)."""

    def __init__(self, sink: Any, role_arn: str, may_write: Any) -> None:
        self._sink = sink
        self._role_arn = role_arn
        self._may_write = may_write

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        if self._may_write(self._role_arn, group):
            self._sink.put(group, stream, events)


class DataPlane:
    def __init__(self, lab: Any, *, duplicate_delivery: float, max_environments: int) -> None:
        self.lab = lab
        self.account_id = lab.account_id
        self.region = lab.region
        self.log_sink = MotoLogSink(self.account_id, self.region)
        # What the lab knows of each function beyond moto (DLQ, logging, invoke configs).
        self.functions = FunctionRecords(lab.clock.time)
        self._credentials: dict[tuple[str, str], iam.Credentials] = {}
        self._log_permissions: dict[tuple, bool] = {}
        self._lock = threading.Lock()
        self._sync_running: dict[str, int] = {}
        # Bumped by every lab.reset(): work begun before it writes nothing into the new cloud.
        self.epoch = Epoch()
        self.runtime = RuntimeService(
            lab.clock,
            # Handlers' logs are written with the execution role's permissions, as on AWS.
            lambda spec: RoleBoundLogSink(self.log_sink, spec.role_arn, self.role_may_log),
            self.credentials_for,
            lab.endpoint_url,
            max_environments=max_environments,
            epoch=self.epoch,
        )
        self.engine = AsyncEngine(
            lab.clock,
            run_attempt=self._run_attempt,
            settings_for=self._settings_for,
            deliver=Deliverer(
                lab.clock,
                credentials_for=lambda event: self.credentials_for(
                    self.spec_for(self._function(event.function_name))
                ),
                endpoint_url=lab.endpoint_url,
                region=self.region,
            ),
            emit_metric=CloudWatchMetrics(MotoCloudWatch(self.account_id, self.region)),
            log_line=self._log_line,
            max_concurrency=max_environments,
            duplicate_delivery=duplicate_delivery,
            throttle_errors=(CapacityExceeded,),
            others_busy=self._engine_must_wait,
            epoch=self.epoch,
        )
        self.esm = EventSourceMappings(
            lab.clock,
            queues=MotoQueues(self.account_id, self.region),
            lookup_function=self._esm_function,
            role_allows=lambda role, action, resource: iam.role_allows(
                self.account_id, role, action, resource
            ),
            invoke=self._esm_invoke,
            reserve=self.engine.reserve,
            release=self.engine.release,
            cloudwatch=MotoCloudWatch(self.account_id, self.region),
            environments=max_environments,
            throttle_errors=(CapacityExceeded,),
            others_busy=self._esm_must_wait,
            others_next_timer=lambda: self.engine.next_timer()[1],
            region=self.region,
            account_id=self.account_id,
        )

    # -- moto objects → specs and settings ----------------------------------------------------

    def _backend(self) -> Any:
        from moto.awslambda.models import lambda_backends

        return lambda_backends[self.account_id][self.region]

    def _function(self, name: str, qualifier: str | None = None) -> Any:
        """moto's function for a name, ``name:qualifier`` or ARN (qualifier in it or given)."""
        name, in_name = arns.split_name(name)
        qualifier = qualifier or in_name
        return self._backend().get_function(name, None if qualifier == "$LATEST" else qualifier)

    def record(self, fn: Any) -> FunctionRecord:
        """The lab's record of a moto function (any of its versions)."""
        arn = f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"
        return self.functions.of(arn, fn.function_name)

    def spec_for(self, fn: Any) -> FunctionSpec:
        """What an invocation of ``fn`` runs: during an update of ``$LATEST``, the previous
        code and configuration, as on AWS [AWS_BEHAVIOUR: function-states]."""
        record = self.record(fn)
        if str(fn.version) == "$LATEST":
            serving = record.serving_spec(self.lab.clock.time())
            if serving is not None:
                return serving
        return FunctionSpec(
            name=fn.function_name,
            arn=fn.function_arn,
            handler=fn.handler or "",
            runtime=fn.run_time or "",
            code_zip=fn.code_bytes or b"",
            timeout=float(fn.timeout or 3),
            memory_size=int(fn.memory_size or 128),
            environment=dict(fn.environment_vars or {}),
            role_arn=fn.role,
            region=fn.region,
            account_id=fn.account_id,
            version="$LATEST" if str(fn.version) == "$LATEST" else str(fn.version),
            log_group=record.log_group,
            log_format=record.logging.get("LogFormat") or "Text",
            reserved_concurrency=fn.reserved_concurrency,
        )

    def _settings_for(self, function_name: str, qualifier: str | None) -> Any:
        fn = self._function(function_name, qualifier)  # deleted meanwhile: the event is dropped
        record = self.record(fn)
        return AsyncSettings.from_config(
            record.invoke_config(qualifier or "$LATEST"),
            dlq_arn=record.dlq_arn,
            reserved_concurrency=fn.reserved_concurrency,
            recursive_loop=record.recursive_loop,
        )

    # -- identities ---------------------------------------------------------------------------

    def role_may_log(self, role_arn: str, group: str) -> bool:
        """Lambda sends a function's logs as its execution role (AWSLambdaBasicExecutionRole
        is attached for exactly this): without logs permissions nothing is written."""
        from moto.logs.models import logs_backends

        exists = group in logs_backends[self.account_id][self.region].groups
        # Every line of every invocation comes here: evaluate the policies only when they change.
        key = (group, role_arn, exists, iam.policy_fingerprint(self.account_id, role_arn))
        allowed = self._log_permissions.get(key)
        if allowed is None:
            base = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{group}"
            needed = [("logs:CreateLogStream", f"{base}:*"), ("logs:PutLogEvents", f"{base}:*")]
            if not exists:
                needed.append(("logs:CreateLogGroup", base))
            allowed = all(
                iam.role_allows(self.account_id, role_arn, action, res) for action, res in needed
            )
            self._log_permissions[key] = allowed
        return allowed

    def credentials_for(self, spec: FunctionSpec) -> dict[str, str]:
        """STS credentials of the execution role, one session per environment configuration."""
        key = (spec.role_arn, spec.environment_key)
        with self._lock:
            creds = self._credentials.get(key)
            if creds is None:
                creds = iam.assume_role(self.account_id, self.region, spec.role_arn, spec.name)
                self._credentials[key] = creds
        return creds.as_env()

    # -- invocations --------------------------------------------------------------------------

    def invoke_sync(
        self, fn: Any, payload: bytes, *, trace_header: str | None, client_context: str | None
    ) -> InvocationResult:
        token = self.epoch.value
        if not self._is_current_function(fn):  # the request began before a reset
            raise AwsError(
                "ResourceNotFoundException", f"Function not found: {fn.function_arn}", 404
            )
        spec = self.spec_for(fn)
        name = spec.name
        # Reserved concurrency covers sync and async invocations together: one count, the engine's.
        if not self.engine.reserve(name, spec.reserved_concurrency):
            raise AwsError(
                "TooManyRequestsException",
                "Rate Exceeded.",
                429,
                Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
            )
        with self._lock:
            self._sync_running[name] = self._sync_running.get(name, 0) + 1
        try:
            lineage = lineage_count(trace_header) + 1
            return self.runtime.invoke(
                spec,
                payload,
                str(uuid.uuid4()),
                trace_id=new_trace_header(lineage, name),
                client_context=client_context,
                epoch_token=token,
            )
        except Superseded:
            raise AwsError(
                "ResourceNotFoundException", f"Function not found: {fn.function_arn}", 404
            ) from None
        except CapacityExceeded:
            raise AwsError(
                "TooManyRequestsException",
                "Rate Exceeded.",
                429,
                Reason="ConcurrentInvocationLimitExceeded",
            ) from None
        finally:
            with self._lock:
                self._sync_running[name] -= 1
            self.engine.release(name)

    def invoke_event(
        self, fn: Any, payload: bytes, *, trace_header: str | None, source: str
    ) -> str:
        version = str(fn.version)
        if not self._is_current_function(fn):
            # A request that began before a reset: its function is not in this cloud.
            return str(uuid.uuid4())
        event = AsyncEvent(
            function_name=fn.function_name,
            payload=payload,
            function_arn=fn.function_arn,
            qualifier=version,  # the version Invoke / the notification named ($LATEST by default)
            executed_version=version,
            lineage=lineage_count(trace_header),  # invocations the chain already made
            source=source,
        )
        # An event for a function still being created waits in the queue until it is Active
        # (S3, SNS: the Invoke API itself refuses a Pending function).
        lifecycle = self.record(fn).lifecycle_of(version)
        return self.engine.submit(event, not_before=lifecycle.active_at).request_id

    def refuse_pending(self, fn: Any) -> None:
        """Invoke (any type) fails while the function or the version named is ``Pending``.

        [AWS_BEHAVIOUR: function-states]
        """
        self.record(fn).lifecycle_of(str(fn.version)).refuse_invoke(self.lab.clock.time())

    def _is_current_function(self, fn: Any) -> bool:
        version = str(fn.version)
        try:
            stored = self._function(fn.function_name, None if version == "$LATEST" else version)
        except Exception:
            return False
        return stored is fn

    def _run_attempt(self, event: Any, attempt: int) -> InvocationResult:
        spec = self.spec_for(self._function(event.function_name, event.qualifier))
        trace = new_trace_header(event.lineage + 1, spec.name)
        return self.runtime.invoke(
            spec, event.payload, event.request_id, trace_id=trace, epoch_token=event.epoch
        )

    def _sync_busy(self) -> bool:
        """A synchronous invoke is running: the simulated clock must not jump meanwhile."""
        with self._lock:
            return any(self._sync_running.values())

    # -- SQS event source mappings (lambdalab.esm) ----------------------------------------------

    def _engine_must_wait(self) -> bool:
        """The async engine must not jump the clock: a sync invoke or a mapping's batch runs,
        or a mapping's next timer comes first."""
        esm = getattr(self, "esm", None)
        return self._sync_busy() or (
            esm is not None and esm.holds_clock(self.engine.next_timer()[1])
        )

    def _esm_must_wait(self) -> bool:
        return self._sync_busy() or self.engine.next_timer()[0]

    def _esm_function(self, function_name: str) -> FunctionFacts | None:
        name, qualifier = arns.split_function_name(function_name)
        try:
            fn = self._function(name, qualifier or "$LATEST")
        except Exception:
            return None
        return FunctionFacts(
            name=fn.function_name,
            arn=f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}",
            qualifier=qualifier,
            timeout=int(fn.timeout or 3),
            role_arn=fn.role,
            reserved_concurrency=fn.reserved_concurrency,
        )

    def _esm_invoke(
        self, facts: FunctionFacts, payload: bytes, request_id: str
    ) -> InvocationResult:
        """A batch, invoked synchronously through the same runtime as Invoke."""
        spec = self.spec_for(self._function(facts.name, facts.qualifier or "$LATEST"))
        return self.runtime.invoke(
            spec, payload, request_id, trace_id=new_trace_header(1, spec.name)
        )

    def _log_line(self, function_name: str, message: str) -> None:
        """A platform line (recursion stop, dropped event) in the function's log group."""
        clock = self.lab.clock
        stream = f"{clock.now():%Y/%m/%d}/[$LATEST]lambdalab-platform"
        try:
            group = self.record(self._function(function_name)).log_group
        except Exception:  # the function is gone: its default group
            group = f"/aws/lambda/{function_name}"
        self.log_sink.put(group, stream, [(clock.millis(), message)])

    # -- S3 notifications ---------------------------------------------------------------------

    def s3_event(self, account_id: str, event_name: str, bucket: Any, key: Any) -> None:
        config = bucket.notification_configuration
        if config is None:
            return
        targets = [
            (kind, n)
            for kind, kinds in (
                ("lambda", config.cloud_function),
                ("sqs", config.queue),
                ("sns", config.topic),
            )
            for n in kinds
            if _fires(n, event_name, key.name)
        ]
        if not targets:
            return  # most writes (the handler's own copy and delete, say) notify nobody
        with self.epoch.writing(self.epoch.value, wait=False) as current:
            if current and _is_current_bucket(account_id, bucket):
                self._notify(account_id, event_name, bucket, key, targets)

    def _notify(
        self, account_id: str, event_name: str, bucket: Any, key: Any, targets: list
    ) -> None:
        from moto.s3 import notifications as s3n

        headers = current_request_headers()
        principal = self._principal_id(headers.get("Authorization", ""))

        def record(notification: Any) -> dict[str, Any]:
            return {
                "Records": [
                    s3events.build_record(
                        event_name=event_name,
                        bucket=bucket.name,
                        key=key.name,
                        size=int(key.size),
                        etag=key.etag.replace('"', ""),
                        region=bucket.region_name,
                        sequencer=s3events.next_sequencer(),
                        version_id=key.version_id if bucket.is_versioned else None,
                        configuration_id=notification.id,
                        principal_id=principal,
                        owner_id=self._owner_id(),
                        request_id=secrets.token_hex(8).upper(),
                        host_id=secrets.token_urlsafe(48)[:64],
                        event_time=self.lab.clock.now(),
                    )
                ]
            }

        for kind, notification in targets:
            region = notification.arn.split(":")[3]
            if kind == "lambda":
                try:
                    fn = self._function(notification.arn)
                except Exception:
                    continue  # the function was deleted after the notification was set
                body = json.dumps(record(notification)).encode()
                self.invoke_event(
                    fn, body, trace_header=headers.get("X-Amzn-Trace-Id"), source="s3"
                )
            elif kind == "sqs":
                queue = notification.arn.split(":")[-1]
                s3n._send_sqs_message(account_id, record(notification), queue, region)
            else:
                s3n._send_sns_message(account_id, record(notification), notification.arn, region)

    def sns_event(
        self, subscription: Any, message: str, message_id: str, *, subject: Any, attributes: dict
    ) -> None:
        """An SNS message to a subscribed function: AWS's record, through the async path."""
        arn = subscription.endpoint
        try:
            fn = self._function(arn)
        except Exception:
            return  # a subscription to a function that no longer exists delivers nothing
        record = {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription.arn,
            "Sns": {
                "Type": "Notification",
                "MessageId": message_id,
                "TopicArn": subscription.topic.arn,
                "Subject": subject,
                "Message": message,
                "Timestamp": iso_millis(self.lab.clock.now()),
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "EXAMPLE",
                "UnsubscribeUrl": "EXAMPLE",
                # moto already holds them in the record's shape: {"Type": …, "Value": …}
                "MessageAttributes": {
                    name: {"Type": value.get("Type"), "Value": value.get("Value")}
                    for name, value in attributes.items()
                },
            },
        }
        body = json.dumps({"Records": [record]}).encode()
        trace = current_request_headers().get("X-Amzn-Trace-Id")
        self.invoke_event(fn, body, trace_header=trace, source="sns")

    # -- EventBridge rules ---------------------------------------------------------------------

    def events_event(self, function_arn: str, payload: str, *, rule_arn: str) -> bool:
        """A rule's event for a function target: queued as an asynchronous invocation when the
        function's resource-based policy lets the rule invoke it; False (not delivered, a
        ``FailedInvocations``) otherwise.

        [AWS_BEHAVIOUR: eventbridge-lambda-target, eventbridge-lambda-permission]
        """
        try:
            fn = self._function(function_arn)
        except Exception:
            return False  # no such function (any more)
        if not resource_policy.service_may_invoke(
            fn.policy.statements,
            service="events.amazonaws.com",
            function_arn=function_arn,
            source_arn=rule_arn,
            source_account=rule_arn.split(":")[4],
        ):
            return False
        # EventBridge is not among the services Lambda's loop detection follows: no lineage.
        self.invoke_event(fn, payload.encode(), trace_header=None, source="events")
        return True

    def events_metrics(self, rule_name: str, bus_name: str, counts: dict[str, int]) -> None:
        """``AWS/Events`` metrics of one firing of a rule, at the lab's time."""
        data = eventbridge.metric_data(rule_name, bus_name, counts, self.lab.clock.now())
        if data:
            MotoCloudWatch(self.account_id, self.region).put_metric_data(
                Namespace=eventbridge.NAMESPACE, MetricData=data
            )

    def _owner_id(self) -> str:
        """The bucket owner's id (canonical-user-like, stable per account): it differs from the
        caller's ``userIdentity`` (recorded: test_s3_notifications_sqs.snapshot.json)."""
        return "A" + hashlib.sha1(self.account_id.encode()).hexdigest()[:13].upper()

    def _principal_id(self, authorization: str) -> str:
        """``AWS:<unique id>`` of the caller (exact rule UNKNOWN).

        [AWS_BEHAVIOUR: s3-principal-id]
        """
        access_key = ""
        if "Credential=" in authorization:
            access_key = authorization.split("Credential=", 1)[1].split("/", 1)[0]
        if access_key == self.lab.credentials.access_key_id:
            from moto.iam.models import iam_backends

            user = iam_backends[self.account_id]["aws"].users.get(iam.ADMIN_USER)
            return f"AWS:{user.id}" if user else "AWS:AIDALAMBDALABLEARNER"
        if access_key:
            return f"AWS:AROA{hashlib.sha1(access_key.encode()).hexdigest()[:17].upper()}"
        return "AWS:ANONYMOUS"

    def validate_notification(
        self, bucket: Any, config: dict[str, Any], *, skip_destinations: bool
    ) -> None:
        """What S3 checks in PutBucketNotificationConfiguration, in S3's words (recorded from
        AWS: LocalStack's test_s3_notifications_*.snapshot.json): overlapping rules, always;
        destinations that do not exist or that S3 may not invoke, unless told to skip (ARNs
        that do not parse are refused earlier, by ``s3events.check_notification_document``).
        Raises :class:`~lambdalab.awserror.AwsError`."""
        kinds = ("CloudFunction", "Queue", "Topic")
        items = {kind: config.get(f"{kind}Configuration") or [] for kind in kinds}
        # s3events reads moto's parsed XML shape (Event, Filter.S3Key.FilterRule) as is
        try:
            s3events.check_overlap([item for kind in kinds for item in items[kind]])
        except AwsError as err:
            err.fields = err.fields or {"ArgumentName": "FilterRule", "ArgumentValue": ""}
            raise
        if skip_destinations:
            return
        unreachable: list[tuple[str, str]] = []
        for item in items["CloudFunction"]:
            arn = item["CloudFunction"]
            if not self._s3_may_invoke(arn, bucket):
                unreachable.append((f"{arn}, null", f"Not authorized to invoke function [{arn}]"))
        for item in items["Queue"]:
            if not self._target_exists(item["Queue"]):
                unreachable.append((item["Queue"], "The destination queue does not exist"))
        for item in items["Topic"]:
            if not self._target_exists(item["Topic"]):
                unreachable.append((item["Topic"], "The destination topic does not exist"))
        if unreachable:
            arguments = {}
            for n, (name, value) in enumerate(unreachable, start=1):
                arguments[f"ArgumentName{n}"] = name
                arguments[f"ArgumentValue{n}"] = value
            raise AwsError(
                "InvalidArgument",
                "Unable to validate the following destination configurations",
                **arguments,
            )

    def _target_exists(self, arn: str) -> bool:
        """Does an SQS queue or SNS topic ARN name one in the lab?"""
        from moto.sns.models import sns_backends
        from moto.sqs.models import sqs_backends

        _, _, service, region, account, name = arn.split(":", 5)
        if service == "sqs":
            return name in sqs_backends[account][region].queues
        return arn in sns_backends[account][region].topics

    def _s3_may_invoke(self, function_arn: str, bucket: Any) -> bool:
        parts = (function_arn or "").split(":")
        if len(parts) < 7:
            return False
        try:
            fn = self._function(parts[6])
        except Exception:
            return False
        for st in fn.policy.statements:
            if st.get("Effect", "Allow") != "Allow":
                continue
            principal = st.get("Principal")
            service = principal.get("Service") if isinstance(principal, dict) else principal
            if service not in ("s3.amazonaws.com", "*"):
                continue
            action = st.get("Action")
            if action not in ("lambda:InvokeFunction", "lambda:*", "*"):
                continue
            source = _condition_value(st.get("Condition") or {}, "AWS:SourceArn")
            if source is None or _arn_like(source, bucket.arn):
                return True
        return False

    # -- life cycle and introspection ----------------------------------------------------------

    def lambda_exists(self, arn: str) -> bool:
        """Does a Lambda destination ARN name a function in the lab?

        [AWS_BEHAVIOUR: event-invoke-config-errors]
        """
        try:
            self._function(arn)
        except Exception:
            return False
        return True

    def function_changed(self, name: str) -> None:
        """Code or configuration changed (or the function is gone): idle environments go now;
        running ones finish their invoke and are then retired (their key is stale)."""
        self.runtime.stop_function(name, busy_too=False)

    def set_duplicate_delivery(self, probability: float) -> None:
        self.engine.duplicate_delivery = probability

    def wait_idle(self, timeout: float) -> None:
        """Async events and event source mappings both settled (a batch may send an event,
        an async handler may send a message: loop until neither has work)."""
        deadline = time.monotonic() + timeout
        while True:
            self.engine.wait_idle(max(deadline - time.monotonic(), 0.0))
            self.esm.wait_idle(max(deadline - time.monotonic(), 0.0))
            if not self.engine.pending() and not self.esm.busy():
                return

    def invocations(self, function_name: str) -> list[Any]:
        attempts = self.engine.invocations(function_name) + self.esm.invocations(function_name)
        return sorted(attempts, key=lambda a: a.start)

    def pending(self) -> list[str]:
        return self.engine.pending() + self.esm.pending()

    def stop_environments(self) -> None:
        self.runtime.stop_all()

    def reset(self, empty_cloud: Any) -> None:
        """A new generation: ``empty_cloud()`` (moto's reset) runs while no write begun before
        can run; then queued events, environments and role sessions are forgotten."""
        with self.epoch.advancing():
            self.runtime.stop_all()
            empty_cloud()
            self.functions.clear()
            self.engine.forget()
            self.esm.reset()
            with self._lock:
                self._credentials.clear()
                self._log_permissions.clear()

    def stop(self) -> None:
        self.engine.stop()
        self.esm.stop()
        self.runtime.close()


def _is_current_bucket(account_id: str, bucket: Any) -> bool:
    """Is ``bucket`` still the one moto stores (not a bucket of a cloud reset meanwhile)?"""
    from moto.s3.models import s3_backends

    partition = getattr(bucket, "partition", "aws")
    return s3_backends[account_id][partition].buckets.get(bucket.name) is bucket


def _fires(notification: Any, event_name: str, key: str) -> bool:
    """Does a stored moto notification fire for this event and key?

    [AWS_BEHAVIOUR: s3-event-types, s3-filter-rules]
    """
    config = {"Event": notification.events, "Filter": notification.filters}
    return s3events.configuration_matches(config, event_name, key)


def _condition_value(condition: dict[str, Any], key: str) -> str | None:
    for operator in condition.values():
        if isinstance(operator, dict):
            for k, v in operator.items():
                if k.lower() == key.lower():
                    return v if isinstance(v, str) else v[0]
    return None


def _arn_like(pattern: str, arn: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(arn, pattern)
