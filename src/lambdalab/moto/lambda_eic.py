"""FunctionEventInvokeConfig and FunctionRecursionConfig, kept in the lab's function records.

moto's own event invoke config store appends instead of replacing and checks nothing; these
answer Put/Update/Get/Delete/List as AWS does with the pure rules of
:mod:`lambdalab.invoke.settings`. Put/GetFunctionRecursionConfig do not exist in moto
([AWS_BEHAVIOUR: recursion-config]). moto's function routes refuse ``$``, so
``FunctionName="name:$LATEST"`` got Flask's HTML 404; :func:`install` lets it in for every
function route (:func:`lambdalab.moto.adapter.routes_accepting_latest`).

[AWS_BEHAVIOUR: event-invoke-config-settings, event-invoke-config-put-update]
[AWS_BEHAVIOUR: event-invoke-config-errors, event-invoke-config-qualifier, event-invoke-config-list]
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

# ``$`` in the function name is allowed at install, as in every other function route
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
    routes = adapter.routes_accepting_latest(lu.url_paths)
    lu.url_paths.clear()
    lu.url_paths.update(routes)


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
        qualified_arn=f"{adapter.unqualified_arn(fn)}:{qualifier}",
        last_modified=stored.last_modified,
    )


def _target(self: Any, function_name: str) -> tuple[str, str]:
    """(function name, qualifier) a call addresses: moto passes only the path; the
    ``Qualifier`` parameter travels in the query string and must agree with the name's."""
    from lambdalab.server import current_query_param

    adapter.lab_call(arns.check_reachable, function_name, self.region_name)
    name, named = arns.split_function_name(function_name)
    qualifier = adapter.lab_call(
        settings.resolve_qualifier, named, current_query_param("Qualifier")
    )
    return name, qualifier


def _function(self: Any, name: str, qualifier: str | None = None) -> Any:
    """moto's function (its version or alias with ``qualifier``), or None when there is none."""
    from moto.awslambda.exceptions import LambdaClientError

    try:
        return self.get_function(name, None if qualifier == "$LATEST" else qualifier)
    except LambdaClientError:
        return None


def _existing(self: Any, name: str, qualifier: str | None = None) -> Any:
    fn = _function(self, name, qualifier)
    if fn is None:
        raise adapter.to_moto(settings.function_not_found())
    return fn


def _missing_config(self: Any, name: str, qualifier: str) -> Exception:
    """Get/Delete without a config — also when the function or qualifier does not exist."""
    arn = f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}:{qualifier}"
    fn = _function(self, name)
    if fn is not None:
        arn = f"{adapter.unqualified_arn(fn)}:{qualifier}"
    return adapter.to_moto(settings.config_not_found(arn))


def _store(self: Any, function_name: str, params: dict[str, Any], merge: bool) -> Any:
    name, qualifier = _target(self, function_name)
    adapter.lab_call(settings.check_settings_given, params)
    fn = _existing(self, name)
    _existing(self, name, qualifier)  # the version or alias too
    adapter.lab_call(
        settings.check_destinations,
        params,
        function_arn=adapter.unqualified_arn(fn),
        lambda_exists=adapter.running_dataplane().lambda_exists,
    )
    stored = _records(fn).get(qualifier)
    if merge:
        if stored is None:
            raise adapter.to_moto(
                settings.config_not_found(f"{adapter.unqualified_arn(fn)}:{qualifier}")
            )
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
    name, qualifier = _target(self, function_name)
    fn = _function(self, name)
    stored = _records(fn).get(qualifier) if fn is not None else None
    if stored is None:
        raise _missing_config(self, name, qualifier)
    return _response(fn, qualifier, stored)


def delete_config(self: Any, function_name: str) -> None:
    name, qualifier = _target(self, function_name)
    fn = _function(self, name)
    if fn is None or _records(fn).pop(qualifier, None) is None:
        raise _missing_config(self, name, qualifier)


def list_configs(self: Any, function_name: str) -> dict[str, Any]:
    from lambdalab.server import current_query_param

    adapter.lab_call(arns.check_reachable, function_name, self.region_name)
    name, _ = arns.split_function_name(function_name)
    fn = _existing(self, name)
    records = _records(fn)
    max_items = current_query_param("MaxItems")
    shown, next_marker = adapter.lab_call(
        settings.page,
        list(records),
        max_items=int(max_items) if max_items and max_items.lstrip("-").isdigit() else None,
        marker=current_query_param("Marker"),
    )
    body: dict[str, Any] = {
        "FunctionEventInvokeConfigs": [_response(fn, q, records[q]) for q in shown if q in records]
    }
    if next_marker is not None:
        body["NextMarker"] = next_marker
    return body


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
