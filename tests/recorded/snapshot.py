"""Compare the lab's answers with AWS's recorded ones, field by field.

A recording (tests/recorded/fixtures/, see tools/recordings.py) holds AWS's responses with the
values that change from run to run replaced by placeholders: ``<function-name:1>``,
``<uuid:2>`` (a numbered placeholder is one value throughout a test: the same number, the same
value; another number of the same kind, another value), ``<request-id>`` (unnumbered: any
value), ``<region>``, ``<partition>``, the account ``111111111111``, ``date`` /
``datetime`` / ``timestamp`` for times, and a few words for other per-run values
(``sequencer``, ``amz-request-id``…, :data:`PER_RUN_WORDS`). :meth:`Matcher.check` holds an
answer of the lab to such a recording: every key AWS sent and no other, every fixed value
equal, every placeholder filled consistently. Names the test chose (a function's name) are
bound up front, so they are checked exactly too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED_ACCOUNT = "111111111111"
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_\-]+)(?::(\d+))?>")
TIME_WORDS = ("date", "datetime", "timestamp")
# words a recording puts in place of a per-run value, and what the value must look like
PER_RUN_WORDS = {
    "sequencer": r"[0-9A-F]{16,}",  # S3's event sequencer
    "amz-id": r"\S+",  # x-amz-id-2
    "amz-request-id": r"[0-9A-Za-z-]+",  # x-amz-request-id
    "code-sha256": r"[A-Za-z0-9+/]{43}=",  # a function's CodeSha256
    "m-d5-of-body": r"[0-9a-f]{32}",  # an SQS message's MD5OfBody
}


def recording(fixture: str, test: str) -> dict[str, Any]:
    """The ``recorded-content`` of one test of one fixture file (``test_lambda_api`` …)."""
    data = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    return data["snapshots"][test]["recorded-content"]


def source(fixture: str) -> dict[str, str]:
    return json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))["source"]


def response(answer: dict[str, Any]) -> dict[str, Any]:
    """A boto3 answer (or ``ClientError.response``) as recorded: of the metadata, only the
    HTTP status (headers, request id and retries are per run)."""
    answer = dict(answer)
    meta = answer.get("ResponseMetadata")
    if meta is not None:
        answer["ResponseMetadata"] = {"HTTPHeaders": {}, "HTTPStatusCode": meta["HTTPStatusCode"]}
    return answer


def invoke_response(answer: dict[str, Any]) -> dict[str, Any]:
    """An Invoke answer as recorded: the payload read, parsed where it is a JSON object or
    array (a recording keeps ``null`` or a bare string as the text it was)."""
    answer = response(answer)
    if "Payload" in answer:
        raw = answer["Payload"].read().decode()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        answer["Payload"] = parsed if isinstance(parsed, dict | list) else raw
    return answer


@dataclass
class Bindings:
    """Which run value each numbered placeholder stands for (in one test)."""

    values: dict[str, str] = field(default_factory=dict)

    def bind(self, label: str, value: str) -> str | None:
        """Bind ``label`` (``function-name:1``) to ``value``; the problem, if any."""
        known = self.values.get(label)
        if known is not None:
            return None if known == value else f"{label} was {known!r}, here {value!r}"
        kind = label.split(":")[0]
        for other, other_value in self.values.items():
            if other.split(":")[0] == kind and other_value == value:
                return f"{label} and {other} are recorded as different values, both {value!r}"
        self.values[label] = value
        return None


class Matcher:
    """Match answers of one test against its recording (placeholders bound across calls)."""

    def __init__(self, lab: Any, names: dict[str, str] | None = None) -> None:
        """``names`` binds placeholders to the names the test chose, e.g.
        ``{"function-name:1": "eic-fn"}`` (then ``<function-name:1>`` must be exactly that)."""
        self.region = lab.region
        self.account_id = lab.account_id
        self.bindings = Bindings(dict(names or {}))

    def differences(self, recorded: Any, actual: Any, path: str = "") -> list[str]:
        if isinstance(recorded, dict):
            if not isinstance(actual, dict):
                return [f"{path or '.'}: expected an object, got {actual!r}"]
            problems = [f"{path}.{k}: missing (AWS sends it)" for k in recorded if k not in actual]
            problems += [
                f"{path}.{k}: {actual[k]!r} is not in AWS's answer"
                for k in actual
                if k not in recorded
            ]
            for key in recorded:
                if key in actual:
                    problems += self.differences(recorded[key], actual[key], f"{path}.{key}")
            return problems
        if isinstance(recorded, list):
            if not isinstance(actual, list) or len(actual) != len(recorded):
                return [f"{path}: expected {len(recorded)} items, got {actual!r}"]
            problems = []
            for i, (r, a) in enumerate(zip(recorded, actual, strict=True)):
                problems += self.differences(r, a, f"{path}[{i}]")
            return problems
        if isinstance(recorded, str):
            return self._string(recorded, actual, path)
        if recorded != actual or type(recorded) is not type(actual):
            return [f"{path}: expected {recorded!r}, got {actual!r}"]
        return []

    def _string(self, recorded: str, actual: Any, path: str) -> list[str]:
        if recorded in TIME_WORDS:
            return [] if _is_time(recorded, actual) else [f"{path}: {actual!r} is no {recorded}"]
        if recorded in PER_RUN_WORDS:
            ok = isinstance(actual, str) and re.fullmatch(PER_RUN_WORDS[recorded], actual)
            return [] if ok else [f"{path}: {actual!r} does not look like a {recorded}"]
        if not isinstance(actual, str):
            return [f"{path}: expected {recorded!r}, got {actual!r}"]
        template = recorded.replace("<partition>", "aws").replace("<region>", self.region)
        template = template.replace(RECORDED_ACCOUNT, self.account_id)
        pattern, labels, start = "", [], 0
        for found in PLACEHOLDER.finditer(template):
            pattern += re.escape(template[start : found.start()])
            label = found.group(0)[1:-1]
            known = self.bindings.values.get(label)
            if known is not None:
                pattern += re.escape(known)
            else:
                pattern += "(.+?)"
                labels.append(label if found.group(2) else None)
            start = found.end()
        pattern += re.escape(template[start:])
        matched = re.fullmatch(pattern, actual, flags=re.DOTALL)
        if matched is None:
            return [f"{path}: expected {recorded!r}, got {actual!r}"]
        problems = []
        for label, value in zip(labels, matched.groups(), strict=True):
            if label is not None:
                problem = self.bindings.bind(label, value)
                if problem:
                    problems.append(f"{path}: {problem}")
        return problems

    def check(self, recorded: Any, actual: Any) -> None:
        problems = self.differences(recorded, actual)
        assert problems == [], "the lab differs from AWS's recording:\n" + "\n".join(problems)


def _is_time(word: str, actual: Any) -> bool:
    if word == "datetime":
        return isinstance(actual, dt.datetime)
    if word == "timestamp":
        return isinstance(actual, int | float) or (isinstance(actual, str) and actual.isdigit())
    if isinstance(actual, dt.datetime):
        return True
    try:
        dt.datetime.fromisoformat(str(actual).replace("Z", "+00:00"))
    except ValueError:
        try:  # Lambda's LastModified: 2025-11-24T23:11:08.123+0000
            dt.datetime.strptime(str(actual), "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            return False
    return True
