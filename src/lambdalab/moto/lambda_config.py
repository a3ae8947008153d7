"""CreateFunction, UpdateFunctionCode/Configuration, PublishVersion, DeleteFunction,
GetFunctionConfiguration, ListFunctions / ListVersionsByFunction.

Validate as AWS does (:mod:`lambdalab.limits`, :mod:`lambdalab.execution_role`) before moto
stores anything, keep what moto drops (``DeadLetterConfig``, ``LoggingConfig``) and the
function's state (``Pending`` → ``Active``, ``LastUpdateStatus``) in the lab's
:class:`~lambdalab.functions.FunctionRecord`, refuse a change while the function is being
created or updated, and tell the data plane when a function changes so that its idle
environments go. [AWS_BEHAVIOUR: function-states]
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from lambdalab import arns, execution_role, functions, limits, runtime_lifecycle
from lambdalab.moto import adapter


def hooks() -> list[tuple[Any, str]]:
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr

    return [
        (lm.LambdaBackend, "create_function"),
        (lm.LambdaBackend, "update_function_code"),
        (lm.LambdaBackend, "delete_function"),
        (lm.LambdaBackend, "get_function"),
        (lm.LambdaBackend, "publish_version"),
        (lm.LambdaFunction, "get_configuration"),
        (lm.LambdaFunction, "update_configuration"),
        (lr.LambdaResponse, "publish_version"),
        (lr.LambdaResponse, "list_functions"),
        (lr.LambdaResponse, "list_versions_by_function"),
    ]


def install() -> None:
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr

    lm.LambdaBackend.create_function = wrap_create_function(lm.LambdaBackend.create_function)
    lm.LambdaBackend.update_function_code = wrap_update_code(lm.LambdaBackend.update_function_code)
    lm.LambdaBackend.delete_function = wrap_delete_function(lm.LambdaBackend.delete_function)
    lm.LambdaFunction.get_configuration = wrap_get_configuration(
        lm.LambdaFunction.get_configuration
    )
    lm.LambdaFunction.update_configuration = wrap_update_configuration(
        lm.LambdaFunction.update_configuration
    )
    lm.LambdaBackend.publish_version = wrap_publish_version(lm.LambdaBackend.publish_version)
    lr.LambdaResponse.publish_version = wrap_publish_response(lr.LambdaResponse.publish_version)
    lr.LambdaResponse.list_functions = wrap_listing(lr.LambdaResponse.list_functions, "Functions")
    lr.LambdaResponse.list_versions_by_function = wrap_listing(
        lr.LambdaResponse.list_versions_by_function, "Versions"
    )


def wrap_create_function(original: Any) -> Any:
    @functools.wraps(original)
    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        from moto.awslambda.exceptions import InvalidRoleFormat

        adapter.lab_call(_check_new_function, self.account_id, spec, InvalidRoleFormat)
        dataplane = adapter.dataplane()
        if dataplane is None:
            return original(self, spec)
        # The record first: the response (and a version published with it) is Pending.
        name = spec["FunctionName"]
        arn = f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"
        dataplane.functions.created(
            arn,
            name,
            dead_letter=dict(spec.get("DeadLetterConfig") or {}),
            logging=dict(spec.get("LoggingConfig") or {}),
        )
        try:
            return original(self, spec)
        except BaseException:
            dataplane.functions.deleted(arn)
            raise

    return create_function


def _check_new_function(account_id: str, spec: dict[str, Any], invalid_role: type) -> None:
    limits.check_function_name(spec.get("FunctionName"))
    limits.check_configuration(spec, creating=True)
    if spec.get("PackageType", "Zip") == "Zip":
        runtime_lifecycle.check(spec.get("Runtime"), creating=True, today=today())
        limits.check_zip((spec.get("Code") or {}).get("ZipFile"))
    limits.check_environment_size(spec.get("Environment"))
    role = spec.get("Role", "")
    if not re.fullmatch(invalid_role.pattern, role or ""):
        raise invalid_role(role)
    execution_role.check_assumable(account_id, role)
    execution_role.check_dead_letter(account_id, role, spec.get("DeadLetterConfig"))


def today() -> Any:
    """The calendar day AWS's runtime table is read against: the real UTC date, not the lab
    clock's (which only moves ahead as demos fast-forward). Tests replace it."""
    return runtime_lifecycle.utc_today()


def log_group(fn: Any) -> str:
    """A moto function's log group: its ``LoggingConfig.LogGroup``, else ``/aws/lambda/<name>``."""
    record = adapter.record_of(fn)
    return record.log_group if record else f"/aws/lambda/{fn.function_name}"


def _changed(function_name: str) -> None:
    dataplane = adapter.dataplane()
    if dataplane is not None:
        dataplane.function_changed(arns.split_name(function_name)[0])


def _now() -> float:
    return adapter.running_dataplane().functions.now()


def _refuse_change(fn: Any) -> None:
    """PublishVersion is refused while the function is being created or updated."""
    record = adapter.record_of(fn)
    if record is not None:
        adapter.lab_call(record.lifecycle.refuse_change, _now(), adapter.unqualified_arn(fn))


def _update_begins(fn: Any, original: Any, *args: Any) -> Any:
    """Run moto's update of ``fn`` if the function accepts one now (refused while it is being
    created or updated; the lab checks the request's own parameters first): ``InProgress``
    (its response says so) while invocations run the previous code and configuration.
    [AWS_BEHAVIOUR: function-states]"""
    dataplane = adapter.dataplane()
    if dataplane is None:
        return original(*args)
    record = dataplane.record(fn)
    before = record.lifecycle, record.serving
    previous = dataplane.spec_for(fn)
    adapter.lab_call(
        dataplane.functions.update_begins, record, adapter.unqualified_arn(fn), previous
    )
    try:
        return original(*args)
    except BaseException:  # refused by moto: no update began
        record.lifecycle, record.serving = before
        raise


def wrap_update_code(original: Any) -> Any:
    @functools.wraps(original)
    def update_function_code(self: Any, function_name: str, qualifier: Any, body: dict) -> Any:
        adapter.lab_call(limits.check_zip, body.get("ZipFile"))
        fn = self.get_function(function_name, qualifier)
        if getattr(fn, "package_type", "Zip") == "Zip":  # a blocked runtime takes no new code
            adapter.lab_call(runtime_lifecycle.check, fn.run_time, creating=False, today=today())
        result = _update_begins(fn, original, self, function_name, qualifier, body)
        _changed(function_name)
        return result

    return update_function_code


def wrap_publish_version(original: Any) -> Any:
    """Each version published (PublishVersion, or ``Publish`` on create / code update) is
    ``Pending`` for a moment, as on AWS (recorded: test_publish_with_update)."""

    @functools.wraps(original)
    def publish_version(self: Any, function_name: str, description: str = "") -> Any:
        version = original(self, function_name, description)
        dataplane = adapter.dataplane()
        if dataplane is not None and version is not None:
            dataplane.functions.version_published(dataplane.record(version), str(version.version))
        return version

    return publish_version


def wrap_publish_response(original: Any) -> Any:
    """The PublishVersion API: refused while the function is being created or updated."""

    @functools.wraps(original)
    def publish_version(self: Any) -> Any:
        _refuse_change(self.backend.get_function(adapter.function_name_from_path(self.path)))
        return original(self)

    return adapter.aws_errors_only(publish_version)


# GetFunction / GetFunctionConfiguration fields that ListFunctions and ListVersionsByFunction
# leave out (recorded: test_list_functions, test_version_lifecycle).
STATE_FIELDS = (
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
)


def wrap_listing(original: Any, key: str) -> Any:
    @functools.wraps(original)
    def listing(self: Any) -> Any:
        answer = original(self)
        if adapter.dataplane() is None:
            return answer
        body = json.loads(answer)
        for config in body.get(key, []):
            for field in STATE_FIELDS:
                config.pop(field, None)
        return json.dumps(body)

    return listing


def wrap_delete_function(original: Any) -> Any:
    @functools.wraps(original)
    def delete_function(self: Any, function_name: str, qualifier: Any = None) -> Any:
        whole = qualifier is None and arns.split_function_name(function_name)[1] is None
        result = original(self, function_name, qualifier)
        dataplane = adapter.dataplane()
        if dataplane is not None and whole:  # not one version: the function and its record go
            name = arns.split_name(function_name)[0]
            dataplane.functions.deleted(
                f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"
            )
        _changed(function_name)
        return result

    return delete_function


def wrap_get_configuration(original: Any) -> Any:
    @functools.wraps(original)
    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config = original(self, on_create)
        record = adapter.record_of(self)
        if record is None:
            return config
        for field in STATE_FIELDS:
            config.pop(field, None)
        lifecycle = record.lifecycle_of(str(self.version))
        config.update(lifecycle.fields(adapter.running_dataplane().functions.now()))
        if record.dead_letter:
            config["DeadLetterConfig"] = dict(record.dead_letter)
        config["LoggingConfig"] = dict(record.logging)
        return config

    return get_configuration


def wrap_update_configuration(original: Any) -> Any:
    @functools.wraps(original)
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        adapter.lab_call(_check_update, self.account_id, self.role, config_updates)
        record = adapter.record_of(self)

        def update(fn: Any, updates: dict[str, Any]) -> dict[str, Any]:
            if record is not None:
                dead_letter = updates.get("DeadLetterConfig") or {}
                if "TargetArn" in dead_letter:  # {} keeps the DLQ (as on AWS); "" removes it
                    record.dead_letter = dict(dead_letter) if dead_letter["TargetArn"] else {}
                if "LoggingConfig" in updates:
                    record.logging = functions.logging_config(
                        fn.function_name, updates["LoggingConfig"]
                    )
            return original(fn, updates)

        result = _update_begins(self, update, self, config_updates)
        _changed(self.function_name)
        return result

    return update_configuration


def _check_update(account_id: str, current_role: str, updates: dict[str, Any]) -> None:
    limits.check_configuration(updates, creating=False)
    if "Runtime" in updates:
        runtime_lifecycle.check(updates["Runtime"], creating=False, today=today())
    if "Environment" in updates:
        limits.check_environment_size(updates["Environment"])
    role = updates.get("Role", current_role)
    if "Role" in updates:
        execution_role.check_assumable(account_id, role)
    dead_letter = updates.get("DeadLetterConfig") or {}
    if "TargetArn" in dead_letter:
        execution_role.check_dead_letter(account_id, role, dead_letter)
