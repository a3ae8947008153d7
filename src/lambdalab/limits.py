"""AWS's limits and input rules for the Lambda and S3 calls the course makes, with AWS's words.

Pure: each check raises :class:`AwsError` with the code, message and status AWS gives for the
same mistake, so a learner who types ``Timeout=901`` sees on the lab what AWS would say.
Quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html;
CreateFunction's constraints: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html;
reserved variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html;
S3 keys: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html. The texts
are those recorded from AWS (LocalStack's ``test_lambda_api.snapshot.json``) where recorded.
"""

from __future__ import annotations

import re
from typing import Any

from lambdalab.awserror import AwsError

SYNC_PAYLOAD_LIMIT = 6_291_456  # 6 MB request; the response limit AWS reports is 6291556 bytes
SYNC_RESPONSE_LIMIT = 6_291_556
FUNCTION_NAME_MAX = 64
FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
TIMEOUT = (1, 900)
MEMORY = (128, 10240)
EPHEMERAL_STORAGE = (512, 10240)
HANDLER_MAX = 128
S3_KEY_MAX_BYTES = 1024
# Set by Lambda itself; a function may not define them.
RESERVED_ENVIRONMENT_KEYS = (
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
)


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", f"1 validation error detected: {message}")


def _range(value: Any, bounds: tuple[int, int], member: str) -> None:
    if value is None:
        return
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool):
        raise _validation(
            f"Value '{value}' at '{member}' failed to satisfy constraint: Member must be an integer"
        )
    if value < low:
        raise _validation(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {low}"
        )
    if value > high:
        raise _validation(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {high}"
        )


def check_function_name(name: Any) -> None:
    """CreateFunction's ``FunctionName``: letters, digits, ``-`` and ``_``, at most 64."""
    name = name if isinstance(name, str) else ""
    if not re.fullmatch(FUNCTION_NAME_PATTERN, name):
        raise _validation(
            f"Value '{name}' at 'functionName' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}"
        )
    bare = name.split(":function:")[-1].split(":")[0]
    if len(bare) > FUNCTION_NAME_MAX:
        raise AwsError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{bare}' at 'functionName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {FUNCTION_NAME_MAX}",
        )


def check_handler(handler: Any, *, required: bool) -> None:
    if handler is None:
        if required:
            raise AwsError(
                "InvalidParameterValueException",
                "Runtime and Handler are mandatory parameters for functions created with "
                "deployment packages.",
            )
        return
    if not re.fullmatch(r"[^\s]+", handler) or len(handler) > HANDLER_MAX:
        raise _validation(
            f"Value '{handler}' at 'handler' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [^\s]+"
        )


def check_environment_keys(environment: dict[str, Any] | None) -> None:
    variables = (environment or {}).get("Variables") or {}
    reserved = [k for k in variables if k in RESERVED_ENVIRONMENT_KEYS]
    if reserved:
        raise AwsError(
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not "
            f"supported for modification. Reserved keys used in this request: {','.join(reserved)}",
        )


def check_configuration(spec: dict[str, Any], *, creating: bool) -> None:
    """The settings CreateFunction and UpdateFunctionConfiguration share."""
    _range(spec.get("Timeout"), TIMEOUT, "timeout")
    _range(spec.get("MemorySize"), MEMORY, "memorySize")
    _range(
        (spec.get("EphemeralStorage") or {}).get("Size"), EPHEMERAL_STORAGE, "ephemeralStorage.size"
    )
    zip_package = spec.get("PackageType", "Zip") == "Zip"
    if creating or "Handler" in spec:
        check_handler(spec.get("Handler"), required=creating and zip_package)
    if creating and zip_package and not spec.get("Runtime"):
        check_handler(None, required=True)
    if "Environment" in spec:
        check_environment_keys(spec.get("Environment"))


def s3_key_fits(key: str) -> bool:
    """S3 object keys are at most 1,024 bytes of UTF-8 (longer: ``KeyTooLongError``)."""
    return len(key.encode("utf-8")) <= S3_KEY_MAX_BYTES


def oversized_response() -> bytes:
    """What a synchronous caller receives when the handler returns more than 6 MB."""
    import json

    return json.dumps(
        {
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
            f"({SYNC_RESPONSE_LIMIT} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    ).encode()


# -- payloads and packages ----------------------------------------------------------------------

# 1 MB for Event since Oct 2025; the exact byte value is UNKNOWN, the lab uses 1 MiB
# [AWS_BEHAVIOUR: payload-limits]
ASYNC_PAYLOAD_LIMIT = 1_048_576
INVOKE_ASYNC_LIMIT = 262_144  # the deprecated InvokeAsync API [AWS_BEHAVIOUR: invoke-async-api]
ENV_VARS_LIMIT = 4096


def check_invoke_size(size: int, invocation_type: str) -> None:
    """Invoke's request limits: 1 MB for ``Event``, 6 MB for the other types."""
    if invocation_type == "Event" and size > ASYNC_PAYLOAD_LIMIT:
        raise AwsError(
            "RequestEntityTooLargeException",
            f"{size} byte payload is too large for the Event invocation type "
            f"(limit {ASYNC_PAYLOAD_LIMIT} bytes)",
            413,
        )
    if size > SYNC_PAYLOAD_LIMIT:
        raise AwsError(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction "
            "operation",
            413,
        )


def check_invoke_async_size(size: int) -> None:
    if size > INVOKE_ASYNC_LIMIT:
        raise AwsError(
            "RequestTooLargeException",
            f"{size} byte payload is too large for the InvokeAsync operation "
            f"(limit {INVOKE_ASYNC_LIMIT} bytes). For larger payloads, up to 1MB, use Invoke.",
            413,
        )


def parse_payload(body: bytes | str | None) -> bytes:
    """An invocation payload, which must be JSON (an empty body is ``{}``)."""
    import json

    if body is None or body in (b"", ""):
        return b"{}"
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        json.loads(raw)
    except RecursionError:
        raise AwsError(
            "InvalidRequestContentException",
            "Could not parse request body into json: Could not parse payload into json: "
            "the payload nests deeper than lambdalab can parse",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = raw[:40].decode("utf-8", "replace")
        raise AwsError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: "
            f'{exc.__class__.__name__}: {exc}: [Source: (byte[])"{snippet}"]',
        ) from None
    return raw


def check_environment_size(environment: dict[str, Any] | None) -> None:
    """Lambda's 4 KB limit on a function's environment variables, measured as AWS does."""
    import json

    variables = (environment or {}).get("Variables") or {}
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > ENV_VARS_LIMIT:
        raise _invalid(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " + measured[:200]
        )


def check_zip(zip_bytes: bytes | str | None) -> None:
    """A deployment package must be a zip file Lambda can open."""
    import base64
    import io
    import zipfile

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


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message)
