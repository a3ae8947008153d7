"""One queued asynchronous event, plus the X-Ray ``Lineage`` counter used by recursion checks.

The same :class:`AsyncEvent` travels through every attempt, so the request id stays the same
across retries [AWS_BEHAVIOUR: async-request-id] and the record can report
``approximateInvokeCount``.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field


@dataclass
class AsyncEvent:
    """An event accepted by Invoke(Event) / InvokeAsync / S3 / a Lambda destination."""

    function_name: str
    payload: bytes
    function_arn: str = ""  # unqualified ARN; records add ":<qualifier>"
    qualifier: str = "$LATEST"
    # the version an alias resolves to (records [AWS_BEHAVIOUR: destination-record])
    executed_version: str = "$LATEST"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    enqueued_at: float | None = None  # simulated epoch seconds; set by the engine on submit
    # invocations the chain already made (X-Ray Lineage count) [AWS_BEHAVIOUR: recursion-lineage]
    lineage: int = 0
    source: str = "invoke"  # invoke, invoke-async, s3, sns or events
    attempts: int = 0  # attempts that ran code so far (= approximateInvokeCount)
    # True for the at-least-once extra copy ([AWS_BEHAVIOUR: async-at-least-once])
    duplicate: bool = False
    epoch: int | None = None  # the lab generation it was accepted in; set by the engine

    @property
    def qualified_arn(self) -> str:
        return f"{self.function_arn}:{self.qualifier}"


_LINEAGE = re.compile(r"(?:^|;)\s*Lineage=([^;:]*):(\d+)")


def lineage_count(trace_header: str | None) -> int:
    """The ``n`` of ``Lineage=<hash>:<n>`` in an X-Ray trace header, 0 when absent.

    [AWS_BEHAVIOUR: recursion-lineage]
    """
    if not trace_header:
        return 0
    match = _LINEAGE.search(trace_header)
    return int(match.group(2)) if match else 0


def new_trace_header(lineage: int, function_name: str) -> str:
    """A fresh X-Ray trace header whose Lineage count is ``lineage``.

    [AWS_BEHAVIOUR: recursion-lineage]
    """
    root = f"Root=1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"
    return with_lineage(f"{root};Parent={secrets.token_hex(8)};Sampled=0", lineage, function_name)


def with_lineage(trace_header: str, count: int, salt: str = "") -> str:
    """``trace_header`` with its ``Lineage`` field set to ``count`` (added when missing)."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, salt or "lambdalab").hex[:8]
    parts = [p for p in trace_header.split(";") if p and not p.strip().startswith("Lineage=")]
    parts.append(f"Lineage={digest}:{count}")
    return ";".join(parts)
