"""The platform's log lines (INIT_START, START, END, REPORT, timeouts), as AWS writes them.

Pure functions of their arguments; timestamps come from the caller (the lab's clock). Each
message ends with ``\\n`` like the CloudWatch events AWS stores
[AWS_BEHAVIOUR: log-platform-lines, log-report-line, log-timeout].
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from lambdalab.clock import iso_millis

# Published runtime versions are opaque; a fixed, plausible one per runtime keeps logs stable.
_RUNTIME_VERSION = {
    "python3.9": "python:3.9.v64",
    "python3.10": "python:3.10.v60",
    "python3.11": "python:3.11.v55",
    "python3.12": "python:3.12.v38",
    "python3.13": "python:3.13.v31",
    "python3.14": "python:3.14.v8",
}
TASK_ROOT = "/var/task"


def runtime_version(runtime: str) -> str:
    if runtime in _RUNTIME_VERSION:
        return _RUNTIME_VERSION[runtime]
    return runtime.replace("python", "python:", 1) + ".v1"


def runtime_version_arn(runtime: str, region: str) -> str:
    digest = hashlib.sha256(runtime_version(runtime).encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def log_stream_name(when: datetime, version: str = "$LATEST") -> str:
    """``YYYY/MM/DD/[$LATEST]<32 hex>``: one stream per execution environment."""
    return f"{when:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def billed_ms(duration_ms: float, init_ms: float | None) -> int:
    """Rounded up to 1 ms; INIT is billed too on cold starts since 1 Aug 2025.

    [AWS_BEHAVIOUR: log-report-line]
    """
    return max(1, math.ceil(round(duration_ms + (init_ms or 0.0), 6)))


@dataclass(frozen=True)
class Report:
    """What the REPORT line states about one invoke."""

    request_id: str
    duration_ms: float
    memory_size: int
    max_memory_used: int
    init_ms: float | None = None
    status: str | None = None  # None (success or handled exception), "timeout", "error"
    error_type: str | None = None


class TextFormat:
    """``LogFormat: Text``: the classic tab-separated platform lines."""

    name = "Text"

    def init_start(self, runtime: str, region: str, when: datetime) -> str:
        return (
            f"INIT_START Runtime Version: {runtime_version(runtime)}"
            f"\tRuntime Version ARN: {runtime_version_arn(runtime, region)}\n"
        )

    def init_report(self, init_ms: float, error_type: str, when: datetime) -> str:
        return (
            f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error"
            f"\tError Type: {error_type}\n"
        )

    def start(self, request_id: str, version: str, when: datetime) -> str:
        return f"START RequestId: {request_id} Version: {version}\n"

    def end(self, request_id: str, when: datetime) -> str:
        return f"END RequestId: {request_id}\n"

    def report(self, r: Report, when: datetime) -> str:
        fields = [
            f"REPORT RequestId: {r.request_id}",
            f"Duration: {r.duration_ms:.2f} ms",
            f"Billed Duration: {billed_ms(r.duration_ms, r.init_ms)} ms",
            f"Memory Size: {r.memory_size} MB",
            f"Max Memory Used: {r.max_memory_used} MB",
        ]
        if r.init_ms is not None:
            fields.append(f"Init Duration: {r.init_ms:.2f} ms")
        if r.status:
            fields.append(f"Status: {r.status}")
            if r.error_type:
                fields.append(f"Error Type: {r.error_type}")
            return "\t".join(fields) + "\n"
        return "\t".join(fields) + "\t\n"

    def timed_out(self, request_id: str, timeout: float, when: datetime) -> str:
        return f"{iso_millis(when)} {request_id} Task timed out after {timeout:.2f} seconds\n"

    def runtime_fault(self, message: str, error_type: str, when: datetime) -> str:
        """What the platform logs for an exit/OOM/init failure inside an invoke."""
        return f"{message}\n{error_type}\n"


class JsonFormat(TextFormat):
    """``LogFormat: JSON``: platform records as JSON objects (fields partly UNKNOWN).

    [AWS_BEHAVIOUR: log-json-format]
    """

    name = "JSON"

    @staticmethod
    def _record(type_: str, record: dict, when: datetime) -> str:
        doc = {"time": iso_millis(when), "type": type_, "record": record}
        return json.dumps(doc, separators=(",", ":")) + "\n"

    def init_start(self, runtime: str, region: str, when: datetime) -> str:
        record = {
            "initializationType": "on-demand",
            "phase": "init",
            "runtimeVersion": runtime_version(runtime),
            "runtimeVersionArn": runtime_version_arn(runtime, region),
        }
        return self._record("platform.initStart", record, when)

    def init_report(self, init_ms: float, error_type: str, when: datetime) -> str:
        record = {
            "initializationType": "on-demand",
            "phase": "init",
            "status": "error",
            "errorType": error_type,
            "metrics": {"durationMs": round(init_ms, 3)},
        }
        return self._record("platform.initReport", record, when)

    def start(self, request_id: str, version: str, when: datetime) -> str:
        return self._record("platform.start", {"requestId": request_id, "version": version}, when)

    def end(self, request_id: str, when: datetime) -> str:
        return ""  # JSON mode has no END line; platform.report closes the invoke

    def report(self, r: Report, when: datetime) -> str:
        metrics: dict = {
            "durationMs": round(r.duration_ms, 3),
            "billedDurationMs": billed_ms(r.duration_ms, r.init_ms),
            "memorySizeMB": r.memory_size,
            "maxMemoryUsedMB": r.max_memory_used,
        }
        if r.init_ms is not None:
            metrics["initDurationMs"] = round(r.init_ms, 3)
        record: dict = {"requestId": r.request_id, "metrics": metrics}
        record["status"] = r.status or "success"
        if r.error_type:
            record["errorType"] = r.error_type
        return self._record("platform.report", record, when)


def log_format(name: str) -> TextFormat:
    return JsonFormat() if name.upper() == "JSON" else TextFormat()


_LOGGING_TS = re.compile(r"^(\[[A-Z]+\]\t)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)(\t)")


def retime_logging_line(message: str, when: datetime) -> str:
    """Put the lab clock's time into a ``logging`` line the handler's process stamped.

    The process only knows wall time; the lab's clock may run hours ahead.
    """
    return _LOGGING_TS.sub(lambda m: m.group(1) + iso_millis(when) + m.group(3), message, count=1)
