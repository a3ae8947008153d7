"""FunctionEventInvokeConfig and FunctionRecursionConfig, kept in the lab's function records.

moto's own event invoke config store appends instead of replacing and checks nothing; these
answer Put/Update/Get/Delete/List as AWS does ([AWS_BEHAVIOUR: event-invoke-config-settings,
event-invoke-config-put-update, event-invoke-config-errors]) with the pure rules of
:mod:`lambdalab.invoke.settings`. Put/GetFunctionRecursionConfig do not exist in moto
([AWS_BEHAVIOUR: recursion-config]).
"""

from __future__ import annotations

import json
import time
from typing import Any

from lambdalab import arns, execution_role
from lambdalab.awserror import AwsError
from lambdalab.functions import StoredInvokeConfig
from lambdalab.invoke import settings
from lambdalab.moto import adapter

RECURSION_PATH = (
    r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/recursion-config/?$"
)


def hooks() -> list[tuple[Any, str]]:
    from moto.awslambda import models as lm
    from moto.awslambda import urls as lu

    return [
        (lm.LambdaBackend, "put_function_event_invoke_config"),
        (lm.LambdaBackend, "update_function_event_invoke_config"),
        (lm.LambdaBackend, "get_function_event_invoke_config"),
        (lm.LambdaBackend, "delete_function_event_invoke_config"),
        (lm.LambdaBackend, "list_function_event_invoke_configs"),
        (lu, "url_paths"),
    ]


def install() -> None:
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.awslambda import urls as lu

    lm.LambdaBackend.put_function_event_invoke_config = put_config
    lm.LambdaBackend.update_function_event_invoke_config = update_config
    lm.LambdaBackend.get_function_event_invoke_config = get_config
    lm.LambdaBackend.delete_function_event_invoke_config = delete_config
    lm.LambdaBackend.list_function_event_invoke_configs = list_configs
    lr.LambdaResponse.put_function_recursion_config = adapter.aws_errors_only(put_recursion_config)
    lr.LambdaResponse.get_function_recursion_config = adapter.aws_errors_only(get_recursion_config)
    lu.url_paths[RECURSION_PATH] = lr.LambdaResponse.dispatch


def _records(fn: Any) -> dict[str, StoredInvokeConfig]:
    record = adapter.record_of(fn)
    if record is None:
        raise adapter.to_moto(
            AwsError("ServiceException", "The lambdalab data plane is not running.", 500)
        )
    return record.invoke_configs


def _response(fn: Any, qualifier: str, stored: StoredInvokeConfig) -> dict[str, Any]:
    return settings.config_response(
        stored.config,
        qualified_arn=f"{fn.function_arn}:{qualifier}",
        last_modified=stored.last_modified,
    )


def _stored(self: Any, function_name: str) -> tuple[Any, str, StoredInvokeConfig | None]:
    from lambdalab.server import current_query_param

    name, qualifier = arns.split_name(function_name)
    if qualifier == "$LATEST":  # moto passes only the path; ?Qualifier= names a version/alias
        qualifier = current_query_param("Qualifier") or qualifier
    fn = self.get_function(name)
    return fn, qualifier, _records(fn).get(qualifier)


def _store(self: Any, function_name: str, params: dict[str, Any], merge: bool) -> Any:
    fn, qualifier, stored = _stored(self, function_name)
    if qualifier != "$LATEST":  # the version or alias must exist: 404 "Function not found: …"
        self.get_function(arns.split_name(function_name)[0], qualifier)
    adapter.lab_call(
        settings.validate_event_invoke_config,
        params,
        function_arn=fn.function_arn,
        lambda_exists=adapter.running_dataplane().lambda_exists,
    )
    if merge:
        if stored is None:
            raise adapter.to_moto(settings.config_not_found(f"{fn.function_arn}:{qualifier}"))
        config = settings.update_config(stored.config, params)
    else:
        config = settings.put_config(params)
    for side in ("OnSuccess", "OnFailure"):
        target = settings.destination(config, side)
        if target:
            adapter.lab_call(execution_role.check_may_send, fn.account_id, fn.role, target)
    stored = StoredInvokeConfig(config=config, last_modified=time.time())
    _records(fn)[qualifier] = stored
    return _response(fn, qualifier, stored)


def put_config(self: Any, function_name: str, config: dict[str, Any]) -> Any:
    return _store(self, function_name, config, merge=False)


def update_config(self: Any, function_name: str, config: dict[str, Any]) -> Any:
    return _store(self, function_name, config, merge=True)


def get_config(self: Any, function_name: str) -> Any:
    fn, qualifier, stored = _stored(self, function_name)
    if stored is None:
        raise adapter.to_moto(settings.config_not_found(f"{fn.function_arn}:{qualifier}"))
    return _response(fn, qualifier, stored)


def delete_config(self: Any, function_name: str) -> None:
    self.get_function_event_invoke_config(function_name)  # 404 when there is none
    fn, qualifier, _ = _stored(self, function_name)
    _records(fn).pop(qualifier, None)


def list_configs(self: Any, function_name: str) -> dict[str, Any]:
    fn, _, _ = _stored(self, function_name)
    configs = sorted(_records(fn).items())
    return {"FunctionEventInvokeConfigs": [_response(fn, q, c) for q, c in configs]}


# -- recursion config -------------------------------------------------------------------------


def put_recursion_config(self: Any) -> tuple[int, dict[str, str], str]:
    fn = self.backend.get_function(adapter.function_name_from_path(self.path))
    value = (self.json_body or {}).get("RecursiveLoop")
    settings.validate_recursive_loop(value)
    record = adapter.record_of(fn)
    if record is not None:
        record.recursive_loop = value
    return 200, {}, json.dumps({"RecursiveLoop": value})


def get_recursion_config(self: Any) -> tuple[int, dict[str, str], str]:
    fn = self.backend.get_function(adapter.function_name_from_path(self.path))
    record = adapter.record_of(fn)
    return 200, {}, json.dumps({"RecursiveLoop": record.recursive_loop if record else "Terminate"})
