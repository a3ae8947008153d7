"""Plain data shared by the runtime, the invoke paths and the lab (no I/O here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FunctionSpec:
    """Everything an execution environment needs to run one version of a function.

    Built from moto's stored function by the lab; the runtime never talks to moto itself.
    Two specs with the same :attr:`environment_key` may share warm environments; any change
    of code or configuration gives a new key, so the next invoke starts a fresh environment.
    """

    name: str
    arn: str  # unqualified function ARN
    handler: str  # e.g. "lambda_function.lambda_handler" or "pkg.module.func"
    runtime: str  # e.g. "python3.12"
    code_zip: bytes = field(repr=False)
    code_sha256: str = ""
    timeout: float = 3.0  # seconds
    memory_size: int = 128  # MB
    environment: dict[str, str] = field(default_factory=dict)
    role_arn: str = ""
    region: str = "ap-northeast-1"
    account_id: str = "123456789012"
    version: str = "$LATEST"
    log_group: str = ""
    log_format: str = "Text"  # "Text" | "JSON"
    reserved_concurrency: int | None = None

    def __post_init__(self) -> None:
        if not self.log_group:
            object.__setattr__(self, "log_group", f"/aws/lambda/{self.name}")
        if not self.code_sha256:
            digest = hashlib.sha256(self.code_zip).hexdigest()
            object.__setattr__(self, "code_sha256", digest)

    @property
    def qualified_arn(self) -> str:
        return f"{self.arn}:{self.version}"

    @property
    def environment_key(self) -> str:
        """Hash of what forces a new execution environment when it changes."""
        parts = [
            self.name,
            self.handler,
            self.runtime,
            self.code_sha256,
            repr(self.timeout),
            str(self.memory_size),
            json.dumps(self.environment, sort_keys=True),
            self.role_arn,
            self.log_format,
            self.log_group,
            self.version,
        ]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


@dataclass
class InvocationResult:
    """The outcome of one attempt in one execution environment.

    ``payload`` is what Invoke returns: the handler's JSON result on success, or the error
    document ``{"errorMessage", "errorType", "requestId", "stackTrace"}`` when
    ``function_error`` is ``"Unhandled"``.
    """

    request_id: str
    payload: bytes
    function_error: str | None = None  # None on success, "Unhandled" otherwise
    error_type: str | None = None  # e.g. "ValueError", "Sandbox.Timedout", "Runtime.ExitError"
    error_message: str | None = None
    log_tail: str = ""  # this invocation's log lines (for LogType=Tail)
    log_stream: str = ""
    start: datetime | None = None  # lab clock
    end: datetime | None = None  # lab clock
    duration_ms: float = 0.0
    init_duration_ms: float | None = None  # set on cold starts only

    @property
    def ok(self) -> bool:
        return self.function_error is None
