"""Error documents and messages for failures the platform (not the handler) reports.

Texts follow [AWS_BEHAVIOUR: function-errors, log-timeout]: these are what Invoke returns and
what async retries, DLQ attributes and destination records carry, so learners must see AWS's
exact words.
"""

from __future__ import annotations

import json
import signal

TIMEOUT = "Sandbox.Timedout"
EXIT = "Runtime.ExitError"
OOM = "Runtime.OutOfMemory"

# Go's names for signals: the Lambda service is written in Go and prints these.
_SIGNAL_NAMES = {
    "SIGKILL": "killed",
    "SIGSEGV": "segmentation fault",
    "SIGABRT": "aborted",
    "SIGTERM": "terminated",
    "SIGBUS": "bus error",
    "SIGFPE": "floating point exception",
    "SIGILL": "illegal instruction",
    "SIGINT": "interrupt",
    "SIGHUP": "hangup",
    "SIGPIPE": "broken pipe",
}


class CapacityExceeded(RuntimeError):
    """No execution environment can be had: all are busy and the cap is reached."""


class Superseded(RuntimeError):
    """The invoke began in a cloud that was reset since: it runs nowhere."""


def timeout_message(request_id: str, timeout: float) -> str:
    return f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"


def exit_reason(returncode: int) -> str:
    """``exit status 1`` / ``signal: killed`` / no reason, from a Popen return code."""
    if returncode == 0:
        return ""
    if returncode > 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        return f"signal: {-returncode}"
    return "signal: " + _SIGNAL_NAMES.get(name, name.lower())


def exit_message(request_id: str, returncode: int) -> str:
    reason = exit_reason(returncode)
    if not reason:
        return f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    return f"RequestId: {request_id} Error: Runtime exited with error: {reason}"


def oom_message(request_id: str) -> str:
    return f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"


def error_document(message: str, error_type: str) -> bytes:
    """The two-field document the platform returns for its own faults."""
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()
