"""Invoke and InvokeAsync: the learner's real handler runs (sync), or the event is queued.

moto would run the function in Docker, once, inside the request; these answer from the lab's
data plane instead, with Lambda's headers (request id, executed version, function error, log
tail) and limits.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lambdalab import arns, limits
from lambdalab.awserror import AwsError
from lambdalab.moto import adapter

TAIL_BYTES = 4096  # X-Amz-Log-Result carries the last 4 KB of the invocation's log


def hooks() -> list[tuple[Any, str]]:
    from moto.awslambda import responses as lr

    return [(lr.LambdaResponse, "invoke"), (lr.LambdaResponse, "invoke_async")]


def install() -> None:
    from moto.awslambda import responses as lr

    lr.LambdaResponse.invoke = adapter.aws_errors_only(invoke_response)
    lr.LambdaResponse.invoke_async = adapter.aws_errors_only(invoke_async_response)


def function_to_invoke(backend: Any, function_name: str, qualifier: str | None) -> Any:
    """moto's function, or AWS's 404 for Invoke, which names the version it looked for
    (recorded Nov 2025: ``Function not found: arn:…:function:doesnotexist:$LATEST``)."""
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        return backend.get_function(function_name, qualifier)
    except UnknownFunctionException as err:
        name, named_qualifier = arns.split_name(function_name)
        if qualifier is None and named_qualifier == "$LATEST" and ":$LATEST" not in function_name:
            arn = f"arn:aws:lambda:{backend.region_name}:{backend.account_id}:function:{name}"
            raise UnknownFunctionException(f"{arn}:$LATEST") from None
        raise err


def _body(response: Any) -> bytes:
    body = response.body
    return body if isinstance(body, bytes) else (body or "").encode()


def invoke_response(self: Any) -> tuple[int, dict[str, str], bytes | str]:
    function_name = adapter.function_name_from_path(self.path)
    # [AWS_BEHAVIOUR: function-other-region]
    arns.check_reachable(function_name, self.backend.region_name)
    qualifier = self.querystring.get("Qualifier", [None])[0]  # a query parameter, never the body
    invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    fn = function_to_invoke(self.backend, function_name, qualifier)
    body = _body(self)
    limits.check_invoke_size(len(body), invocation_type)
    payload = limits.parse_payload(body)
    trace_header = self.headers.get("X-Amzn-Trace-Id")
    if invocation_type == "DryRun":
        return 204, {"status": "204"}, b""
    dataplane = adapter.running_dataplane()
    if invocation_type in ("Event", "RequestResponse"):
        dataplane.refuse_pending(fn)  # [AWS_BEHAVIOUR: function-states]
    if invocation_type == "Event":
        request_id = dataplane.invoke_event(fn, payload, trace_header=trace_header, source="invoke")
        return 202, {"status": "202", "x-amzn-RequestId": request_id}, b""
    if invocation_type != "RequestResponse":
        raise AwsError(
            "InvalidParameterValueException", f"Unsupported invocation type {invocation_type}"
        )
    result = dataplane.invoke_sync(
        fn,
        payload,
        trace_header=trace_header,
        client_context=self.headers.get("X-Amz-Client-Context"),
    )
    headers = {
        "content-type": "application/json",
        "X-Amz-Executed-Version": str(fn.version),
        "x-amzn-RequestId": result.request_id,
    }
    payload = result.payload
    function_error = result.function_error
    if len(payload) > limits.SYNC_RESPONSE_LIMIT:
        payload, function_error = limits.oversized_response(), "Unhandled"
    if function_error:
        headers["X-Amz-Function-Error"] = function_error
    if self.headers.get("X-Amz-Log-Type") == "Tail":
        tail = result.log_tail.encode()[-TAIL_BYTES:]
        headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
    return 200, headers, payload


def invoke_async_response(self: Any) -> tuple[int, dict[str, str], str]:
    """Deprecated InvokeAsync: 202 and {"Status": 202}; same async path as Event.

    [AWS_BEHAVIOUR: invoke-async-api]
    """
    function_name = adapter.function_name_from_path(self.path)
    arns.check_reachable(function_name, self.backend.region_name)
    fn = self.backend.get_function(function_name, None)
    body = _body(self)
    limits.check_invoke_async_size(len(body))
    payload = limits.parse_payload(body)
    dataplane = adapter.running_dataplane()
    dataplane.refuse_pending(fn)
    dataplane.invoke_event(fn, payload, trace_header=None, source="invoke-async")
    return 202, {"status": "202"}, json.dumps({"Status": 202})
