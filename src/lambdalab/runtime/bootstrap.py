"""A pure-Python Lambda runtime interface client: ``python bootstrap.py module.handler``.

For machines where AWS's own ``awslambdaric`` has no wheel (macOS, Windows). It must behave
like awslambdaric as seen from outside (the same error documents, the same ``[ERROR]`` record,
the same ``logging`` format, ``_X_AMZN_TRACE_ID`` per invoke), so it copies its texts. It is
run as a script, imports only the standard library, and never imports ``lambdalab``.
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_LOG_IDENT = "\u00a0"  # awslambdaric indents the [ERROR] record with NO-BREAK SPACE
_TEXT_FRAME = 0xA55A0003.to_bytes(4, "big")
_TEXT_ERROR_FRAME = 0xA55A0017.to_bytes(4, "big")
_JSON_FRAME = 0xA55A0002.to_bytes(4, "big")
_JSON_ERROR_FRAME = 0xA55A0016.to_bytes(4, "big")
_JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
_NEW_JSON_RUNTIMES = {f"AWS_Lambda_python3.{n}" for n in (12, 13, 14, 15)}
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

_request_id = None


class Fault(Exception):
    def __init__(self, error_type, msg, trace=None):
        super().__init__(msg)
        self.error_type = error_type
        self.msg = msg
        self.trace = trace


class Unbuffered:
    """Every write reaches the pipe at once, so output is attributed to the right invoke."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class LogSink:
    """Telemetry frames on ``_LAMBDA_TELEMETRY_LOG_FD`` if given, else stdout (as awslambdaric)."""

    def __init__(self):
        fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
        self.file = os.fdopen(int(fd), "wb", 0) if fd else None

    def log(self, msg, frame_type=None):
        if self.file is None:
            sys.stdout.write(msg)
            return
        data = msg.encode("utf8")
        header = (frame_type or (_JSON_FRAME if _JSON_LOGS else _TEXT_FRAME)) + len(data).to_bytes(
            4, "big"
        )
        self.file.write(header + int(time.time_ns() / 1000).to_bytes(8, "big") + data)

    def log_error(self, lines):
        if self.file is None:
            sys.stdout.write("\r".join(lines) + "\n")
        else:
            self.log("\n".join(lines), _JSON_ERROR_FRAME if _JSON_LOGS else _TEXT_ERROR_FRAME)


class _Handler(logging.Handler):
    def __init__(self, sink):
        super().__init__()
        self.sink = sink

    def emit(self, record):
        self.sink.log(self.format(record))


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        doc = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "message": record.msg
            if isinstance(record.msg, dict) and not record.args
            else record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        return json.dumps(doc, ensure_ascii=False, default=str) + "\n"


def setup_logging(sink):
    logging.Formatter.converter = time.gmtime
    handler = _Handler(sink)
    if _JSON_LOGS:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper().replace("TRACE", "DEBUG")
    if level in logging._nameToLevel:
        logging.getLogger().setLevel(level)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {modname} as a handler module",
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", trace
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def user_frames(tb):
    """The traceback without this file's own frames (awslambdaric drops its bootstrap.py)."""
    # Plain tuples, as awslambdaric uses: no 3.11+ column carets in the stack trace.
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0].replace("\\", "/"):
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def log_error(error, sink):
    if _JSON_LOGS:
        doc = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "ERROR",
            **error,
        }
        sink.log_error([to_json(doc)])
        return
    head = "[ERROR]"
    if error.get("errorType"):
        head += " " + error["errorType"]
    if error.get("errorMessage"):
        head += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
    lines = [head]
    trace = error.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped)
    sink.log_error(lines)


def _default(obj):
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def to_json(obj):
    ascii_only = os.environ.get("AWS_EXECUTION_ENV") not in _NEW_JSON_RUNTIMES
    return json.dumps(obj, default=_default, ensure_ascii=ascii_only, allow_nan=True)


def _obj(name, fields, values):
    if values is None:
        return None
    return type(name, (), {k: values.get(k) for k in fields})()


class LambdaContext:
    def __init__(self, request_id, client_context, cognito_identity, deadline_ms, arn):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = arn
        self.tenant_id = None
        self.client_context = _obj("ClientContext", ("custom", "env", "client"), client_context)
        if self.client_context is not None:
            fields = ("installation_id", "app_title", "app_version_name", "app_version_code")
            self.client_context.client = _obj(
                "Client", (*fields, "app_package_name"), self.client_context.client
            )
        self.identity = _obj(
            "CognitoIdentity", ("cognito_identity_id", "cognito_identity_pool_id"), {}
        )
        if cognito_identity:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = int(deadline_ms)

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))


class RuntimeClient:
    """The Runtime API over one keep-alive connection."""

    def __init__(self, address):
        self.address = address
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.address)
            try:
                self.conn.request(method, "/2018-06-01/runtime" + path, body, headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def next(self):
        response, body = self.call("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeError(f"next invocation failed: {response.status}")
        return response.headers, body

    def post_result(self, request_id, body, content_type):
        headers = {"Content-Type": content_type}
        self.call("POST", f"/invocation/{request_id}/response", body, headers)

    def post_error(self, request_id, error):
        headers = {"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]}
        self.call("POST", f"/invocation/{request_id}/error", to_json(error).encode(), headers)

    def post_init_error(self, error):
        headers = {"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]}
        self.call("POST", "/init/error", to_json(error).encode(), headers)


def _json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as e:
        raise Fault(
            "Runtime.LambdaContextUnmarshalError", f"Unable to parse {name} JSON: {e}"
        ) from None


def handle(client, handler, sink, headers, body):
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    error = None
    try:
        context = LambdaContext(
            request_id,
            _json_header(headers.get("Lambda-Runtime-Client-Context"), "Client Context"),
            _json_header(headers.get("Lambda-Runtime-Cognito-Identity"), "Cognito Identity"),
            headers.get("Lambda-Runtime-Deadline-Ms") or 0,
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
        )
        try:
            event = json.loads(body) if headers.get("Content-Type") == "application/json" else body
        except ValueError as e:
            raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}") from None
        response = handler(event, context)
        if isinstance(response, bytes):
            result, content_type = response, "application/unknown"
        else:
            try:
                result, content_type = to_json(response).encode(), "application/json"
            except (TypeError, ValueError) as e:
                raise Fault("Runtime.MarshalError", f"Unable to marshal response: {e}") from None
    except Fault as e:
        error = make_error(e.msg, e.error_type, e.trace, request_id)
    except Exception:
        etype, value, tb = sys.exc_info()
        error = make_error(str(value), etype.__name__, user_frames(tb), request_id)
    if error is not None:
        log_error(error, sink)
        client.post_error(request_id, error)
    else:
        client.post_result(request_id, result, content_type)


def main(argv):
    global _request_id
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    sys.path[0] = task_root  # not this file's directory: the handler's code comes first
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    sink = LogSink()
    error = None
    try:
        setup_logging(sink)
        handler = get_handler(argv[1])
    except Fault as e:
        error = make_error(e.msg, e.error_type, e.trace)
    except Exception:
        etype, value, tb = sys.exc_info()
        error = make_error(str(value), etype.__name__, user_frames(tb))
    if error is not None:
        logging.warning(_UNHANDLED_WARNING)
        log_error(error, sink)
        client.post_init_error(error)
        sys.exit(1)
    while True:
        headers, body = client.next()
        _request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle(client, handler, sink, headers, body)


if __name__ == "__main__":
    main(sys.argv)
