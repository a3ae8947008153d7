"""Every change the lab makes to moto, in one place, pinned to the tested moto range.

moto gives us the AWS control plane (S3, IAM, STS, SQS, SNS, Logs, CloudWatch and Lambda's
CRUD APIs). What it lacks we add here, routing to :mod:`lambdalab.dataplane`:

* ``Invoke`` / ``InvokeAsync`` run the learner's real handler (sync) or queue the event (async);
* ``CreateFunction`` / ``UpdateFunctionConfiguration`` validate as AWS does (runtime, trust
  policy, environment size, zip, DLQ permission) and keep ``DeadLetterConfig`` and
  ``LoggingConfig``, which moto drops;
* ``FunctionEventInvokeConfig`` is stored per function and acted on;
  ``Put/GetFunctionRecursionConfig`` exist;
* S3 notifications to Lambda go through the async path with the full AWS record, and
  ``PutBucketNotificationConfiguration`` checks Lambda permissions and overlapping rules;
* ``Create/Get/List/Update/DeleteEventSourceMapping`` are answered by :mod:`lambdalab.esm`,
  whose pollers replace moto's Docker run on ``SendMessage``; moto's SQS keeps the lab's time.

:func:`check` fails loudly when moto changes underneath (tests/test_moto_patches.py runs it).
"""

from __future__ import annotations

import base64
import functools
import io
import json
import time
import zipfile
from importlib.metadata import version
from typing import Any, NoReturn
from urllib.parse import unquote

TESTED_MOTO = ((5, 2, 5), (5, 3, 0))  # [low, high)

SYNC_PAYLOAD_LIMIT = 6_291_456  # 6 MB ([AWS_BEHAVIOUR: payload-limits])
# 1 MB since Oct 2025; the exact byte value is UNKNOWN, the lab uses 1 MiB
# [AWS_BEHAVIOUR: payload-limits]
ASYNC_PAYLOAD_LIMIT = 1_048_576
ENV_VARS_LIMIT = 4096
TAIL_BYTES = 4096

# Python runtimes accepted for new functions. CHOICE (spec/terraform-subset: python3.9 create is
# blocked since 2026; python3.10 reached Python's end of life in Oct 2026): 3.11+ only.
SUPPORTED_RUNTIMES = ("python3.11", "python3.12", "python3.13", "python3.14")

_dataplane: Any = None
_applied = False


def set_dataplane(dataplane: Any) -> None:
    global _dataplane
    _dataplane = dataplane


def _dp() -> Any:
    if _dataplane is None:
        raise service_error("ServiceException", "The lambdalab data plane is not running.", 500)
    return _dataplane


# -- errors -----------------------------------------------------------------------------------


def service_error(code: str, message: str, status: int = 400, **extra: Any) -> Exception:
    """A JSON error moto's response layer turns into AWS's wire format."""
    from moto.core.exceptions import JsonRESTError

    err = JsonRESTError(code, message)
    err.code = status
    if extra:
        body = {"__type": code, "message": message, **extra}
        err.description = json.dumps(body)
    return err


def _invalid(message: str) -> Exception:
    return service_error("InvalidParameterValueException", message)


# -- version guard ----------------------------------------------------------------------------


def moto_version() -> tuple[int, ...]:
    return tuple(int(p) for p in version("moto").split(".")[:3] if p.isdigit())


def check() -> None:
    """Raise if moto is outside the tested range or lacks a hook we patch."""
    low, high = TESTED_MOTO
    current = moto_version()
    if not (low <= current < high):
        raise RuntimeError(
            f"lambdalab was tested with moto >= {'.'.join(map(str, low))} and < "
            f"{'.'.join(map(str, high))}, found {version('moto')}. Reinstall with `make install`."
        )
    from moto import backends
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.awslambda import urls as lu
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam import access_control
    from moto.iam import models as iamm
    from moto.logs import models as logm
    from moto.s3 import models as s3m
    from moto.s3 import notifications as s3n
    from moto.s3 import responses as s3r
    from moto.sns import models as snsm

    required = [
        (lr.LambdaResponse, "invoke"),
        (lr.LambdaResponse, "invoke_async"),
        (lm.LambdaBackend, "create_function"),
        (lm.LambdaBackend, "update_function_code"),
        (lm.LambdaBackend, "delete_function"),
        (lm.LambdaBackend, "put_function_event_invoke_config"),
        (lm.LambdaBackend, "update_function_event_invoke_config"),
        (lm.LambdaBackend, "get_function_event_invoke_config"),
        (lm.LambdaBackend, "delete_function_event_invoke_config"),
        (lm.LambdaBackend, "list_function_event_invoke_configs"),
        (lm.LambdaFunction, "get_configuration"),
        (lm.LambdaFunction, "update_configuration"),
        (s3n, "send_event"),
        (snsm.Subscription, "publish"),
        (s3n, "_send_sqs_message"),
        (s3n, "_send_sns_message"),
        (s3m.S3Backend, "put_bucket_notification_configuration"),
        (s3m.S3Backend, "put_object"),
        (s3r.S3Response, "_notification_config_from_body"),
        (s3m.S3Backend, "copy_object"),
        (s3m.S3Backend, "create_multipart_upload"),
        (logm.LogStream, "put_log_events"),
        (backends, "list_of_moto_modules"),
        (iamm, "get_account_id_from"),
        (ActionAuthenticatorMixin, "_authenticate_and_authorize_action"),
        (ActionAuthenticatorMixin, "PUBLIC_OPERATIONS"),
        (access_control.IAMRequestBase, "check_action_permitted"),
        (lm.LambdaBackend, "get_function"),
        *_event_source_mapping_hooks(),
    ]
    missing = [f"{owner.__name__}.{name}" for owner, name in required if not hasattr(owner, name)]
    if not hasattr(lu, "url_paths"):
        missing.append("moto.awslambda.urls.url_paths")
    if missing:
        raise RuntimeError(f"moto {version('moto')} lacks what lambdalab patches: {missing}")


def apply() -> None:
    """Install every patch (idempotent)."""
    global _applied
    if _applied:
        return
    check()
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.awslambda import urls as lu
    from moto.s3 import models as s3m
    from moto.s3 import notifications as s3n

    lr.LambdaResponse.invoke = _aws_errors_only(_invoke_response)
    lr.LambdaResponse.invoke_async = _aws_errors_only(_invoke_async_response)
    lr.LambdaResponse.put_function_recursion_config = _put_recursion_config
    lr.LambdaResponse.get_function_recursion_config = _get_recursion_config
    lu.url_paths[
        r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/recursion-config/?$"
    ] = lr.LambdaResponse.dispatch

    lm.LambdaBackend.create_function = _wrap_create_function(lm.LambdaBackend.create_function)
    lm.LambdaBackend.update_function_code = _wrap_update_code(lm.LambdaBackend.update_function_code)
    lm.LambdaBackend.delete_function = _wrap_delete_function(lm.LambdaBackend.delete_function)
    lm.LambdaFunction.get_configuration = _wrap_get_configuration(
        lm.LambdaFunction.get_configuration
    )
    lm.LambdaFunction.update_configuration = _wrap_update_configuration(
        lm.LambdaFunction.update_configuration
    )
    lm.LambdaBackend.put_function_event_invoke_config = _put_eic
    lm.LambdaBackend.update_function_event_invoke_config = _update_eic
    lm.LambdaBackend.get_function_event_invoke_config = _get_eic
    lm.LambdaBackend.delete_function_event_invoke_config = _delete_eic
    lm.LambdaBackend.list_function_event_invoke_configs = _list_eic

    from moto import backends
    from moto.core.authorization import ActionAuthenticatorMixin

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize_lab_requests(
        ActionAuthenticatorMixin._authenticate_and_authorize_action
    )
    from moto.sns import responses as snsr

    # moto checks SNS and Lambda calls against resource "*", so a role allowed to publish to
    # one topic (or invoke one function) is refused — destinations and DLQs need the real ARN.
    snsr.SNSResponse._determine_resource = _sns_resource
    lr.LambdaResponse._determine_resource = _lambda_resource
    from moto.iam import models as iamm

    iamm.get_account_id_from = _account_id_from
    # moto lists its package folders on disk for every request it routes; they never change.
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    s3n.send_event = _wrap_send_event(s3n.send_event)
    from moto.sns import models as snsm

    snsm.Subscription.publish = _wrap_sns_publish(snsm.Subscription.publish)
    from moto.s3 import responses as s3r

    s3r.S3Response._notification_config_from_body = _wrap_notification_parser(
        s3r.S3Response._notification_config_from_body
    )
    s3m.S3Backend.put_object = _key_length_checked(s3m.S3Backend.put_object, "key_name")
    s3m.S3Backend.copy_object = _key_length_checked(s3m.S3Backend.copy_object, "dest_key_name")
    s3m.S3Backend.create_multipart_upload = _key_length_checked(
        s3m.S3Backend.create_multipart_upload, "key_name"
    )
    s3m.S3Backend.put_bucket_notification_configuration = _wrap_put_notification(
        s3m.S3Backend.put_bucket_notification_configuration
    )
    _apply_event_source_mappings()
    _applied = True


# -- IAM signature check ----------------------------------------------------------------------


def _account_id_from(access_key: str) -> str:
    """moto's lookup of the account behind an access key, without side effects.

    moto indexes ``account[partition]`` for all nine partitions, which *creates* an IAM backend
    (and loads ~1,300 AWS managed policies) for each on the first unknown key after every
    reset — about a second of CPU per ``lab.reset()``. Only backends that exist can know a key.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    for account_id, account in list(iam_backends.items()):
        for backend in list(account.values()):
            if access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


def _authorize_lab_requests(original: Any) -> Any:
    """Enforce IAM on requests served by the lab, and leave any other moto use alone.

    moto switches enforcement on for the whole process (``INITIAL_NO_AUTH_ACTION_COUNT``), which
    would break a learner's own ``mock_aws`` tests in the same kernel. The lab's gate
    (:mod:`lambdalab.gate`) has already authenticated the request (signature, key, session
    token), so only authorisation is left: the signer's policies, or, for an anonymous S3
    request, a bucket policy that makes the resource public.
    """
    from urllib.parse import urlparse

    from moto.core.authorization import ActionAuthenticatorMixin

    from lambdalab.server import current_admission

    @functools.wraps(original)
    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        admission = current_admission()
        if admission is None:
            return original(self, iam_request_cls, resource)
        if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            return None
        if admission.access_key_id is None:
            return _authorize_anonymous(self, resource, admission.service)
        headers = dict(self.headers)
        if admission.presigned:  # moto reads the signer from the header a presigned URL lacks
            headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={admission.credential}"
            if admission.session_token:
                headers["X-Amz-Security-Token"] = admission.session_token
        path = self.raw_path
        query = urlparse(self.uri).query
        if query:
            path += "?" + query
        iam_request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=self.data,
            body=self.raw_body,
            headers=headers,
            action=self._get_action(),
        )
        try:
            iam_request.check_action_permitted(resource)
        except (TypeError, KeyError, AttributeError):
            # moto's evaluator trips over some policies (a trust policy naming only a service
            # principal, when a user assumes the role); AWS's answer there is AccessDenied.
            _refuse(admission.service, "access_denied", self.method)
        return None

    return authenticate


def _refuse(service: Any, failure: str, method: str) -> NoReturn:
    """Answer with one of the gate's AWS-shaped refusals from inside moto.

    moto's query/JSON dispatch turns an ``HTTPException`` into (description, code); Flask, for
    S3, sends its ``response`` as is — the one raised serves both.
    """
    from lambdalab import gate

    refused = gate.refusal(service, failure, method)
    _raise_response(refused.status, refused.headers, refused.body)


def _raise_response(status: int, headers: list[tuple[str, str]], body: bytes) -> NoReturn:
    """Raise a ready AWS-shaped answer through moto (see :func:`_refuse`)."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Response

    error = HTTPException(
        description=body.decode(), response=Response(body, status=status, headers=headers)
    )
    error.code = status
    raise error


def _authorize_anonymous(response: Any, resource: str, service: Any) -> None:
    """An unsigned S3 request succeeds only where the bucket policy makes it public.

    The refusal is raised past moto's S3 error serialiser, which would send an empty body for
    object operations (GetObject's output shape is a blob).
    """
    from moto.s3.models import s3_backends

    from lambdalab import iam

    bucket_name = resource.split(":::", 1)[-1].split("/", 1)[0]
    action = f"s3:{response._get_action()}"
    bucket = s3_backends[response.current_account]["aws"].buckets.get(bucket_name)
    block = getattr(bucket, "public_access_block", None)
    restricted = block is not None and str(block.restrict_public_buckets).lower() == "true"
    if bucket is None or restricted or not iam.public_allows(bucket.policy, action, resource):
        _refuse(service, "access_denied", response.method)


def _sns_resource(self: Any) -> str:
    return self._get_param("TopicArn") or self._get_param("TargetArn") or "*"


def _lambda_resource(self: Any) -> str:
    if "/functions/" not in self.path:
        return "*"
    name = _function_name_from_path(self.path)
    if name.startswith("arn:"):
        return name
    try:
        return self.backend.get_function(name).function_arn
    except Exception:
        return "*"


# -- Invoke -----------------------------------------------------------------------------------


def _function_name_from_path(path: str) -> str:
    return unquote(path.split("/functions/", 1)[1].split("/")[0])


def _parse_payload(body: bytes | str | None) -> bytes:
    if body is None or body in (b"", ""):
        return b"{}"
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        json.loads(raw)
    except RecursionError:
        raise service_error(
            "InvalidRequestContentException",
            "Could not parse request body into json: Could not parse payload into json: "
            "the payload nests deeper than lambdalab can parse",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = raw[:40].decode("utf-8", "replace")
        raise service_error(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: "
            f'{exc.__class__.__name__}: {exc}: [Source: (byte[])"{snippet}"]',
        ) from None
    return raw


def _aws_errors_only(handler: Any) -> Any:
    """A bug in the lab becomes Lambda's ``ServiceException`` (500) with a pointer to the server
    log — not an HTML error page, and not a traceback in the learner's notebook."""
    import logging

    from werkzeug.exceptions import HTTPException

    @functools.wraps(handler)
    def guarded(self: Any) -> Any:
        try:
            return handler(self)
        except HTTPException:
            raise  # moto's and our AWS-shaped errors
        except Exception:
            logging.getLogger("lambdalab").exception("internal error in %s", handler.__name__)
            raise service_error(
                "ServiceException",
                "lambdalab hit an internal error; details are in lab.server_log.",
                500,
            ) from None

    return guarded


def _function_to_invoke(backend: Any, function_name: str, qualifier: str | None) -> Any:
    """moto's function, or AWS's 404 for Invoke, which names the version it looked for
    (recorded Nov 2025: ``Function not found: arn:…:function:doesnotexist:$LATEST``)."""
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        return backend.get_function(function_name, qualifier)
    except UnknownFunctionException as err:
        name, named_qualifier = split_name(function_name)
        if qualifier is None and named_qualifier == "$LATEST" and ":$LATEST" not in function_name:
            arn = f"arn:aws:lambda:{backend.region_name}:{backend.account_id}:function:{name}"
            raise UnknownFunctionException(f"{arn}:$LATEST") from None
        raise err


def _invoke_response(self: Any) -> tuple[int, dict[str, str], bytes | str]:
    from lambdalab import limits

    function_name = _function_name_from_path(self.path)
    qualifier = self.querystring.get("Qualifier", [None])[0]  # a query parameter, never the body
    invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    fn = _function_to_invoke(self.backend, function_name, qualifier)
    body = self.body if isinstance(self.body, bytes) else (self.body or "").encode()
    if invocation_type == "Event" and len(body) > ASYNC_PAYLOAD_LIMIT:
        raise service_error(
            "RequestEntityTooLargeException",
            f"{len(body)} byte payload is too large for the Event invocation type "
            f"(limit {ASYNC_PAYLOAD_LIMIT} bytes)",
            413,
        )
    if len(body) > SYNC_PAYLOAD_LIMIT:
        raise service_error(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction "
            "operation",
            413,
        )
    payload = _parse_payload(body)
    trace_header = self.headers.get("X-Amzn-Trace-Id")
    if invocation_type == "DryRun":
        return 204, {"status": "204"}, b""
    if invocation_type == "Event":
        request_id = _dp().invoke_event(fn, payload, trace_header=trace_header, source="invoke")
        return 202, {"status": "202", "x-amzn-RequestId": request_id}, b""
    if invocation_type != "RequestResponse":
        raise _invalid(f"Unsupported invocation type {invocation_type}")
    result = _dp().invoke_sync(
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


def _invoke_async_response(self: Any) -> tuple[int, dict[str, str], str]:
    """Deprecated InvokeAsync: 202 and {"Status": 202}; same async path as Event.

    [AWS_BEHAVIOUR: invoke-async-api]
    """
    function_name = _function_name_from_path(self.path)
    fn = self.backend.get_function(function_name, None)
    body = self.body if isinstance(self.body, bytes) else (self.body or "").encode()
    if len(body) > 262_144:
        raise service_error(
            "RequestTooLargeException",
            f"{len(body)} byte payload is too large for the InvokeAsync operation "
            "(limit 262144 bytes). For larger payloads, up to 1MB, use Invoke.",
            413,
        )
    payload = _parse_payload(body)
    _dp().invoke_event(fn, payload, trace_header=None, source="invoke-async")
    return 202, {"status": "202"}, json.dumps({"Status": 202})


# -- CreateFunction / configuration -----------------------------------------------------------


def _check_runtime(runtime: str | None) -> None:
    if runtime in SUPPORTED_RUNTIMES:
        return
    if runtime and runtime.startswith("python"):
        raise _invalid(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating "
            f"AWS Lambda functions. We recommend you use a supported runtime "
            f"({', '.join(SUPPORTED_RUNTIMES)}) while creating or updating functions."
        )
    raise _invalid(
        f"Value '{runtime}' at 'runtime' is not available in lambdalab, which runs Python "
        f"handlers only. Use one of: {', '.join(SUPPORTED_RUNTIMES)}."
    )


def _check_environment(env: dict[str, Any] | None) -> None:
    variables = (env or {}).get("Variables") or {}
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > ENV_VARS_LIMIT:
        raise _invalid(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " + measured[:200]
        )


def _check_zip(zip_bytes: bytes | str | None) -> None:
    if zip_bytes is None:
        return
    data = base64.b64decode(zip_bytes) if isinstance(zip_bytes, str) else zip_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.namelist()
    except (zipfile.BadZipFile, ValueError):
        raise _invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None


def _check_role(account_id: str, role_arn: str) -> None:
    from lambdalab import iam

    role = iam.get_role(account_id, role_arn)
    if role is None or not iam.role_trusts_lambda(role.assume_role_policy_document):
        raise _invalid("The role defined for the function cannot be assumed by Lambda.")


# What the execution role must be allowed to do for each kind of target
# [AWS_BEHAVIOUR: destination-permissions].
_TARGET_PERMISSIONS = {
    "sqs": ("sqs:SendMessage", "SendMessage on SQS"),
    "sns": ("sns:Publish", "Publish on SNS"),
    "lambda": ("lambda:InvokeFunction", "InvokeFunction on Lambda"),
    "events": ("events:PutEvents", "PutEvents on EventBridge"),
    "s3": ("s3:PutObject", "PutObject on S3"),
}


def _check_role_may_send(account_id: str, role_arn: str, target: str) -> None:
    """Lambda checks the execution role when a DLQ or destination is configured.

    The DLQ wording is recorded; for destinations the exact text is UNKNOWN, so the same
    sentence is used with the target's own action [AWS_BEHAVIOUR: target-permission-check].
    """
    from lambdalab import iam
    from lambdalab.invoke import settings

    service = settings.arn_service(target)
    action, verb = _TARGET_PERMISSIONS.get(service, ("", ""))
    resource = target if service != "s3" else f"{target}/*"
    if action and not iam.role_allows(account_id, role_arn, action, resource):
        raise _invalid(f"The provided execution role does not have permissions to call {verb}")


def _check_dead_letter(account_id: str, role_arn: str, dlc: dict[str, Any] | None) -> None:
    target = (dlc or {}).get("TargetArn")
    if not target:
        return
    if target.split(":")[2:3] not in (["sqs"], ["sns"]):
        raise _invalid(
            f"1 validation error detected: Value '{target}' at 'deadLetterConfig.targetArn' "
            "failed to satisfy constraint: the dead-letter queue must be an SQS queue or "
            "SNS topic ARN"
        )
    _check_role_may_send(account_id, role_arn, target)


def _wrap_create_function(original: Any) -> Any:
    @functools.wraps(original)
    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        from lambdalab import limits

        _aws(limits.check_function_name, spec.get("FunctionName"))
        _aws(limits.check_configuration, spec, creating=True)
        if spec.get("PackageType", "Zip") == "Zip":
            _check_runtime(spec.get("Runtime"))
            _check_zip((spec.get("Code") or {}).get("ZipFile"))
        _check_environment(spec.get("Environment"))
        role = spec.get("Role", "")
        import re

        from moto.awslambda.exceptions import InvalidRoleFormat

        if not re.fullmatch(InvalidRoleFormat.pattern, role or ""):
            raise InvalidRoleFormat(role)
        _check_role(self.account_id, role)
        _check_dead_letter(self.account_id, role, spec.get("DeadLetterConfig"))
        fn = original(self, spec)
        latest = self.get_function(spec["FunctionName"])
        latest.lab_dead_letter = dict(spec.get("DeadLetterConfig") or {})
        latest.lab_logging = _logging_config(latest, spec.get("LoggingConfig"))
        return fn

    return create_function


def log_group(fn: Any) -> str:
    """A moto function's log group: its ``LoggingConfig.LogGroup``, else ``/aws/lambda/<name>``."""
    return (getattr(fn, "lab_logging", None) or {}).get("LogGroup") or (
        f"/aws/lambda/{fn.function_name}"
    )


def _logging_config(fn: Any, given: dict[str, Any] | None) -> dict[str, Any]:
    config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}"}
    config.update({k: v for k, v in (given or {}).items() if v})
    return config


def _wrap_update_code(original: Any) -> Any:
    @functools.wraps(original)
    def update_function_code(self: Any, function_name: str, qualifier: Any, body: dict) -> Any:
        _check_zip(body.get("ZipFile"))
        result = original(self, function_name, qualifier, body)
        if _dataplane is not None:
            _dataplane.function_changed(split_name(function_name)[0])
        return result

    return update_function_code


def _wrap_delete_function(original: Any) -> Any:
    @functools.wraps(original)
    def delete_function(self: Any, function_name: str, qualifier: Any = None) -> Any:
        result = original(self, function_name, qualifier)
        if _dataplane is not None:
            _dataplane.function_changed(split_name(function_name)[0])
        return result

    return delete_function


def _wrap_get_configuration(original: Any) -> Any:
    @functools.wraps(original)
    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config = original(self, on_create)
        dlc = getattr(self, "lab_dead_letter", None)
        if dlc:
            config["DeadLetterConfig"] = dict(dlc)
        config["LoggingConfig"] = getattr(self, "lab_logging", None) or _logging_config(self, None)
        return config

    return get_configuration


def _wrap_update_configuration(original: Any) -> Any:
    @functools.wraps(original)
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        from lambdalab import limits

        _aws(limits.check_configuration, config_updates, creating=False)
        if "Runtime" in config_updates:
            _check_runtime(config_updates["Runtime"])
        if "Environment" in config_updates:
            _check_environment(config_updates["Environment"])
        role = config_updates.get("Role", self.role)
        if "Role" in config_updates:
            _check_role(self.account_id, role)
        dead_letter = config_updates.get("DeadLetterConfig") or {}
        if "TargetArn" in dead_letter:  # {} keeps the DLQ, as on AWS; TargetArn "" removes it
            _check_dead_letter(self.account_id, role, dead_letter)
            self.lab_dead_letter = dict(dead_letter) if dead_letter["TargetArn"] else {}
        if "LoggingConfig" in config_updates:
            self.lab_logging = _logging_config(self, config_updates["LoggingConfig"])
        result = original(self, config_updates)
        if _dataplane is not None:
            _dataplane.function_changed(self.function_name)
        return result

    return update_configuration


# -- EventInvokeConfig -----------------------------------------------------------------------------
# [AWS_BEHAVIOUR: event-invoke-config-settings, event-invoke-config-put-update]
# [AWS_BEHAVIOUR: event-invoke-config-errors]


def _eic_store(fn: Any) -> dict[str, dict[str, Any]]:
    """Configs per qualifier, kept on moto's function object (moto's own store appends)."""
    if not hasattr(fn, "lab_event_invoke_config"):
        fn.lab_event_invoke_config = {}
    return fn.lab_event_invoke_config


def split_name(function_name: str) -> tuple[str, str]:
    """``name``, ``name:qualifier`` or a full ARN → (name, qualifier)."""
    parts = function_name.split(":")
    if function_name.startswith("arn:"):
        return parts[6], parts[7] if len(parts) > 7 else "$LATEST"
    return parts[0], parts[1] if len(parts) > 1 else "$LATEST"


def _aws(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a pure helper of :mod:`lambdalab.invoke.settings`, turning AwsError into moto's."""
    from lambdalab.invoke.errors import AwsError

    try:
        return call(*args, **kwargs)
    except AwsError as err:
        raise _aws_error(err) from None


def _response(fn: Any, qualifier: str, stored: dict[str, Any]) -> dict[str, Any]:
    from lambdalab.invoke import settings

    return settings.config_response(
        stored["config"],
        qualified_arn=f"{fn.function_arn}:{qualifier}",
        last_modified=stored["last_modified"],
    )


def _stored(self: Any, function_name: str) -> tuple[Any, str, dict[str, Any] | None]:
    from lambdalab.server import current_query_param

    name, qualifier = split_name(function_name)
    if qualifier == "$LATEST":  # moto passes only the path; ?Qualifier= names a version/alias
        qualifier = current_query_param("Qualifier") or qualifier
    fn = self.get_function(name)
    return fn, qualifier, _eic_store(fn).get(qualifier)


def _store_eic(self: Any, function_name: str, params: dict[str, Any], merge: bool) -> Any:
    from lambdalab.invoke import settings

    fn, qualifier, stored = _stored(self, function_name)
    if qualifier != "$LATEST":  # the version or alias must exist: 404 "Function not found: …"
        self.get_function(split_name(function_name)[0], qualifier)
    _aws(
        settings.validate_event_invoke_config,
        params,
        function_arn=fn.function_arn,
        lambda_exists=_dp().lambda_exists,
    )
    if merge:
        if stored is None:
            raise _aws_error(settings.config_not_found(f"{fn.function_arn}:{qualifier}"))
        config = settings.update_config(stored["config"], params)
    else:
        config = settings.put_config(params)
    for side in ("OnSuccess", "OnFailure"):
        target = settings.destination(config, side)
        if target:
            _check_role_may_send(fn.account_id, fn.role, target)
    stored = {"config": config, "last_modified": time.time()}
    _eic_store(fn)[qualifier] = stored
    return _response(fn, qualifier, stored)


def _aws_error(err: Any) -> Exception:
    return service_error(err.code, err.message, err.status)


def _put_eic(self: Any, function_name: str, config: dict[str, Any]) -> Any:
    return _store_eic(self, function_name, config, merge=False)


def _update_eic(self: Any, function_name: str, config: dict[str, Any]) -> Any:
    return _store_eic(self, function_name, config, merge=True)


def _get_eic(self: Any, function_name: str) -> Any:
    from lambdalab.invoke import settings

    fn, qualifier, stored = _stored(self, function_name)
    if stored is None:
        raise _aws_error(settings.config_not_found(f"{fn.function_arn}:{qualifier}"))
    return _response(fn, qualifier, stored)


def _delete_eic(self: Any, function_name: str) -> None:
    self.get_function_event_invoke_config(function_name)  # 404 when there is none
    fn, qualifier, _ = _stored(self, function_name)
    _eic_store(fn).pop(qualifier, None)


def _list_eic(self: Any, function_name: str) -> dict[str, Any]:
    fn, _, _ = _stored(self, function_name)
    configs = sorted(_eic_store(fn).items())
    return {"FunctionEventInvokeConfigs": [_response(fn, q, c) for q, c in configs]}


def event_invoke_config(fn: Any, qualifier: str = "$LATEST") -> dict[str, Any]:
    """The stored config for the data plane (empty dict when none)."""
    stored = _eic_store(fn).get(qualifier)
    return dict(stored["config"]) if stored else {}


# -- Recursion config [AWS_BEHAVIOUR: recursion-config] --------------------------------------------


def _put_recursion_config(self: Any) -> tuple[int, dict[str, str], str]:
    name = _function_name_from_path(self.path)
    fn = self.backend.get_function(name)
    from lambdalab.invoke import settings

    value = (self.json_body or {}).get("RecursiveLoop")
    _aws(settings.validate_recursive_loop, value)
    fn.lab_recursive_loop = value
    return 200, {}, json.dumps({"RecursiveLoop": value})


def _get_recursion_config(self: Any) -> tuple[int, dict[str, str], str]:
    name = _function_name_from_path(self.path)
    fn = self.backend.get_function(name)
    return 200, {}, json.dumps({"RecursiveLoop": recursive_loop(fn)})


def recursive_loop(fn: Any) -> str:
    return getattr(fn, "lab_recursive_loop", "Terminate")


# -- SNS → Lambda subscriptions ----------------------------------------------------------------


def _wrap_sns_publish(original: Any) -> Any:
    """SNS invokes subscribed functions asynchronously (moto would try Docker, synchronously)."""

    @functools.wraps(original)
    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if self.protocol != "lambda" or _dataplane is None:
            return original(self, message, message_id, *args, **kwargs)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            kwargs.get("message_attributes"), message
        ):
            return None
        if kwargs.get("message_structure") == "json":  # the "lambda" (or "default") member
            message = self._parse_message_structure(message, self.protocol)
        _dataplane.sns_event(
            self,
            message,
            message_id,
            subject=kwargs.get("subject"),
            attributes=kwargs.get("message_attributes") or {},
        )
        return None

    return publish


# -- S3 notifications [AWS_BEHAVIOUR: s3-notifications] --------------------------------------------


def _wrap_send_event(original: Any) -> Any:
    @functools.wraps(original)
    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if bucket.notification_configuration is None:
            return None
        if _dataplane is None:
            return original(account_id, event_name, bucket, key)
        _dataplane.s3_event(account_id, str(getattr(event_name, "value", event_name)), bucket, key)

    return send_event


def _wrap_put_notification(original: Any) -> Any:
    @functools.wraps(original)
    def put_bucket_notification_configuration(
        self: Any, bucket_name: str, notification_config: dict[str, Any]
    ) -> None:
        from lambdalab.server import current_request_headers

        skip = current_request_headers().get("X-Amz-Skip-Destination-Validation", "") == "true"
        if _dataplane is not None:
            from lambdalab import s3events, wire

            bucket = self.get_bucket(bucket_name)
            try:
                _dataplane.validate_notification(
                    bucket, notification_config, skip_destinations=skip
                )
            except s3events.NotificationConfigError as err:
                _raise_response(
                    *wire.s3_error(err.code, err.message, err.status_code, extra=err.arguments)
                )
        return original(self, bucket_name, notification_config)

    return put_bucket_notification_configuration


def _key_length_checked(original: Any, key_argument: str) -> Any:
    """S3 refuses keys longer than 1,024 bytes (``KeyTooLongError``); moto stores them."""
    import inspect

    from lambdalab import limits, wire

    position = list(inspect.signature(original).parameters).index(key_argument)

    @functools.wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        key = kwargs.get(key_argument, args[position] if len(args) > position else "")
        if not limits.s3_key_fits(str(key)):
            _refuse(wire.Service("s3", "s3"), "key_too_long", "PUT")
        return original(*args, **kwargs)

    return checked


def _wrap_notification_parser(original: Any) -> Any:
    """S3's own checks of a notification document, before moto's parser (which answers an
    unparsable ARN with other words and a filter rule named ``middle`` with a 500)."""
    import xmltodict

    from lambdalab import s3events, wire

    @functools.wraps(original)
    def parse(self: Any) -> Any:
        try:
            document = xmltodict.parse(self.body)
        except Exception:  # noqa: BLE001 - moto answers MalformedXML
            return original(self)
        try:
            s3events.check_notification_document(document or {})
        except s3events.NotificationConfigError as err:
            _raise_response(
                *wire.s3_error(err.code, err.message, err.status_code, extra=err.arguments)
            )
        return original(self)

    return parse


# -- Event source mappings ---------------------------------------------------------------------
#
# moto stores a mapping and, on every SendMessage, runs the function in Docker inside the
# sender's request. The lab keeps mappings in lambdalab.esm instead (validated as AWS does,
# polled on the lab's clock); these adapters only translate between moto's request objects and
# that service. moto's SQS reads time through unix_time/unix_time_millis, pointed here at the
# lab's clock so that visibility timeouts and delays are fast-forwarded like every other wait.


def _compact_redrive_policy(original: property) -> property:
    """SQS answers ``RedrivePolicy`` as compact JSON; moto's spaces made real terraform report
    a change to ``redrive_policy`` on every plan."""

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)
        if result.get("RedrivePolicy"):
            policy = json.loads(result["RedrivePolicy"])
            result["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"))
        return result

    return property(attributes)


def _esm_call(original: Any, call: Any) -> Any:
    """A LambdaResponse method answered by ``call(self, service)`` while the lab runs."""

    @functools.wraps(original)
    def handler(self: Any) -> Any:
        if _dataplane is None:
            return original(self)
        return _aws(call, self, _dataplane.esm)

    return _aws_errors_only(handler)


def _esm_uuid(self: Any) -> str:
    return unquote(self.path.rstrip("/").split("/")[-1])


def _esm_create(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 202, {"status": 202}, json.dumps(service.create(self.json_body or {}))


def _esm_list(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    def first(name: str) -> str | None:
        return self.querystring.get(name, [None])[0]

    max_items = first("MaxItems")
    result = service.list(
        event_source_arn=first("EventSourceArn"),
        function_name=first("FunctionName"),
        marker=first("Marker"),
        max_items=int(max_items) if max_items and max_items.isdigit() else None,
    )
    return 200, {}, json.dumps(result)


def _esm_get(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 200, {}, json.dumps(service.get(_esm_uuid(self)))


def _esm_update(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 202, {"status": 202}, json.dumps(service.update(_esm_uuid(self), self.json_body or {}))


def _esm_delete(self: Any, service: Any) -> tuple[int, dict[str, Any], str]:
    return 202, {"status": 202}, json.dumps(service.delete(_esm_uuid(self)))


def _wrap_resource_by_arn(original: Any) -> Any:
    """ListTags/TagResource/UntagResource find a mapping by its ARN (terraform reads its tags)."""

    @functools.wraps(original)
    def get_resource_by_arn(self: Any, arn: str) -> Any:
        if _dataplane is None or ":event-source-mapping:" not in arn:
            return original(self, arn)
        mapping = _dataplane.esm.by_arn(arn)
        if mapping is None:
            raise service_error(
                "ResourceNotFoundException", f"Event source mapping not found: {arn}", 404
            )
        return mapping

    return get_resource_by_arn


def _wrap_add_message(original: Any) -> Any:
    """A message reached a queue: wake the pollers; moto's own Docker run never happens."""

    @functools.wraps(original)
    def add_message(self: Any, message: Any) -> None:
        if _dataplane is None:
            return original(self, message)
        self.lambda_event_source_mappings.clear()  # only lambdalab.esm maps queues to functions
        original(self, message)
        _dataplane.esm.notify(self.queue_arn)
        return None

    return add_message


def _locked_delete_message(original: Any) -> Any:
    """moto rebuilds a queue's message list on every DeleteMessage without a lock: two deletes
    (or a delete and a SendMessage) at once overwrite each other's list, so a deleted message
    comes back or a sent one is lost. The pollers delete from many threads: serialise them with
    the lock moto's own SendMessage holds."""

    @functools.wraps(original)
    def delete_message(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:
            return original(self, receipt_handle)

    return delete_message


def _retained(self: Any, queue_name: str, message: Any) -> bool:
    """moto's retention check for each message a receive returns, reading the one number it
    needs: moto builds every queue attribute for it (three counts, each a pass over the whole
    queue), so a receive from a 10,000-message queue served ~13 messages/s. A message past the
    queue's MessageRetentionPeriod is also deleted, as SQS does; moto only hid it, so a failing
    mapping would receive it forever."""
    from moto.sqs import models as sqsm

    queue = self.get_queue(queue_name)
    retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
    if retain_until > sqsm.unix_time():
        return True
    if message in queue._messages:
        queue._messages.remove(message)
    queue.pending_messages.discard(message)
    return False


def _lab_unix_time(original: Any) -> Any:
    @functools.wraps(original)
    def unix_time(dt: Any = None) -> float:
        if dt is not None or _dataplane is None:
            return original(dt) if dt is not None else original()
        return time.time() + _dataplane.lab.clock.offset

    return unix_time


def _lab_unix_time_millis(original: Any) -> Any:
    @functools.wraps(original)
    def unix_time_millis(dt: Any = None) -> float:
        if dt is not None or _dataplane is None:
            return original(dt) if dt is not None else original()
        return (time.time() + _dataplane.lab.clock.offset) * 1000.0

    return unix_time_millis


def _apply_event_source_mappings() -> None:
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.sqs import models as sqsm

    for name, call in (
        ("create_event_source_mapping", _esm_create),
        ("list_event_source_mappings", _esm_list),
        ("get_event_source_mapping", _esm_get),
        ("update_event_source_mapping", _esm_update),
        ("delete_event_source_mapping", _esm_delete),
    ):
        setattr(lr.LambdaResponse, name, _esm_call(getattr(lr.LambdaResponse, name), call))
    lm.LambdaBackend._get_resource_by_arn = _wrap_resource_by_arn(
        lm.LambdaBackend._get_resource_by_arn
    )
    sqsm.Queue.attributes = _compact_redrive_policy(sqsm.Queue.attributes)
    sqsm.Queue.add_message = _wrap_add_message(sqsm.Queue.add_message)
    sqsm.Queue.delete_message = _locked_delete_message(sqsm.Queue.delete_message)
    sqsm.SQSBackend.is_message_valid_based_on_retention_period = _retained
    sqsm.unix_time = _lab_unix_time(sqsm.unix_time)
    sqsm.unix_time_millis = _lab_unix_time_millis(sqsm.unix_time_millis)


def _event_source_mapping_hooks() -> list[tuple[Any, str]]:
    """What :func:`_apply_event_source_mappings` patches (for :func:`check`)."""
    from moto.awslambda import models as lm
    from moto.awslambda import responses as lr
    from moto.sqs import models as sqsm

    return [
        (lr.LambdaResponse, "create_event_source_mapping"),
        (lr.LambdaResponse, "list_event_source_mappings"),
        (lr.LambdaResponse, "get_event_source_mapping"),
        (lr.LambdaResponse, "update_event_source_mapping"),
        (lr.LambdaResponse, "delete_event_source_mapping"),
        (lm.LambdaBackend, "_get_resource_by_arn"),
        (sqsm.Queue, "add_message"),
        (sqsm.Queue, "attributes"),
        (sqsm.Queue, "delete_message"),
        (sqsm.Queue, "approximate_number_of_messages_not_visible"),
        (sqsm.SQSBackend, "receive_message"),
        (sqsm.SQSBackend, "is_message_valid_based_on_retention_period"),
        (sqsm, "unix_time"),
        (sqsm, "unix_time_millis"),
    ]
