"""What a batch's result means for its messages (pure).

https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html: a function error
fails the whole batch (every message reappears after its visibility timeout, including the ones
the function had already handled). With ``ReportBatchItemFailures`` the function may instead
return ``{"batchItemFailures": [{"itemIdentifier": "<messageId>"}, …]}``: only those messages
reappear. The page lists when Lambda takes such a response as a complete success (an empty or
null list, an empty or null response) and as a complete failure (invalid JSON, an empty or
null ``itemIdentifier``, a bad key, a message id that is not in the batch); AWS's recordings in
LocalStack's validated tests agree (``{}`` → success, ``[{"foo": …}]`` → failure).
CHOICE (not documented): a JSON value that is not an object (``"ok"``, a list) is a complete
failure, like any other response Lambda cannot read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SUCCESS = "success"  # every message deleted
ERROR = "error"  # the function failed: no message deleted
PARTIAL = "partial"  # the partial batch response named some failures
INVALID_RESPONSE = "invalid_response"  # unreadable partial batch response: no message deleted


@dataclass(frozen=True)
class BatchOutcome:
    kind: str
    delete: tuple[str, ...]  # message ids to delete
    keep: tuple[str, ...]  # message ids left to reappear
    reason: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.keep)


def _all(kind: str, ids: list[str], reason: str = "") -> BatchOutcome:
    if kind == SUCCESS:
        return BatchOutcome(kind, tuple(ids), (), reason)
    return BatchOutcome(kind, (), tuple(ids), reason)


def decide(
    *, function_ok: bool, payload: bytes, message_ids: list[str], report_batch_item_failures: bool
) -> BatchOutcome:
    if not function_ok:
        return _all(ERROR, message_ids, "function error")
    if not report_batch_item_failures:
        return _all(SUCCESS, message_ids)
    try:
        response: Any = json.loads(payload or b"null")
    except (ValueError, UnicodeDecodeError):
        return _all(INVALID_RESPONSE, message_ids, "the response is not valid JSON")
    if response is None or response == {}:
        return _all(SUCCESS, message_ids)
    if not isinstance(response, dict):
        return _all(INVALID_RESPONSE, message_ids, "the response is not a JSON object")
    failures = response.get("batchItemFailures")
    if failures is None or failures == []:
        return _all(SUCCESS, message_ids)
    if not isinstance(failures, list):
        return _all(INVALID_RESPONSE, message_ids, "batchItemFailures is not a list")
    failed: list[str] = []
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not ident:
            return _all(INVALID_RESPONSE, message_ids, "an itemIdentifier is missing or empty")
        if ident not in message_ids:
            return _all(
                INVALID_RESPONSE, message_ids, f"itemIdentifier {ident} is not in the batch"
            )
        if ident not in failed:
            failed.append(ident)
    keep = tuple(i for i in message_ids if i in failed)
    delete = tuple(i for i in message_ids if i not in failed)
    return BatchOutcome(PARTIAL, delete, keep, f"{len(keep)} of {len(message_ids)} failed")
