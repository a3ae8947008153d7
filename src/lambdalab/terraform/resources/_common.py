"""Helpers shared by the resource handlers: ids, policy JSON and tags as the aws provider does."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

_counter = itertools.count(1)
_lock = threading.Lock()


def unique_id(prefix: str) -> str:
    """terraform-plugin-sdk's ``id.PrefixedUniqueId``: prefix + UTC time to 0.1 ms + hex counter.

    Gives ids such as ``lambda_role-20261128120118130800000001`` that sort by creation time.
    """
    with _lock:
        n = next(_counter)
    now = datetime.now(UTC)
    return f"{prefix}{now:%Y%m%d%H%M%S}{now.microsecond // 100:04d}{n:08x}"


def sorted_json(value: str | dict | list) -> str:
    """Compact JSON with sorted keys: the provider's ``NormalizeJsonString``."""
    doc = json.loads(value) if isinstance(value, str) else value
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def policy_json(value: str | dict) -> str:
    """IAM policy text as the provider stores it: Version/Id first, then sorted, compact."""
    doc = json.loads(value) if isinstance(value, str) else value
    if not isinstance(doc, dict):
        return sorted_json(doc)
    head = {k: doc[k] for k in ("Version", "Id") if k in doc}
    rest = {k: doc[k] for k in sorted(doc) if k not in head}
    body = json.loads(sorted_json(rest))
    return json.dumps({**head, **body}, separators=(",", ":"))


def set_order(values) -> list[str]:
    """Order of a string set in terraform-plugin-sdk: by the decimal text of each CRC32 hash."""
    return sorted(set(values), key=lambda v: str(zlib.crc32(str(v).encode())))


def hashcode(text: str) -> str:
    """The SDK's ``hashcode.String`` as text, used as id by some data sources."""
    return str(zlib.crc32(text.encode()))


def tags(args: dict) -> tuple[dict | None, dict]:
    """``tags`` as configured (None when unset) and ``tags_all`` (no provider default_tags)."""
    t = args.get("tags")
    return (dict(t) if t else t), dict(t or {})


def sync_tags(
    old: dict, args: dict, untag: Callable[[list[str]], Any], tag: Callable[[dict], Any]
) -> None:
    """Update an object's tags from ``old`` state to ``args``: untag removed keys, tag the rest."""
    old_t, new_t = old.get("tags_all") or {}, tags(args)[1]
    if old_t == new_t:
        return
    gone = [k for k in old_t if k not in new_t]
    if gone:
        untag(gone)
    if new_t:
        tag(new_t)


def tag_list(t: dict | None) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in (t or {}).items()]


def block(args: dict, name: str) -> dict | None:
    """The single nested block ``name`` as a dict, or None when it is absent."""
    value = args.get(name)
    if isinstance(value, dict):
        return value
    if value:
        return value[0] or {}
    return None


def blocks(args: dict, name: str) -> list[dict]:
    value = args.get(name) or []
    return [value] if isinstance(value, dict) else [b or {} for b in value]


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def not_found(exc: ClientError, *codes: str) -> bool:
    """Is this error the service's way of saying "no such object"?"""
    code = error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    suffixes = ("NotFound", "NotFoundException", ".NonExistentQueue")
    return code in codes or code.endswith(suffixes) or (status == 404 and not codes)


@contextlib.contextmanager
def missing_ok(*codes: str) -> Iterator[None]:
    """Run a delete: an object that is already gone (``codes``, see :func:`not_found`) is fine."""
    try:
        yield
    except ClientError as exc:
        if not not_found(exc, *codes):
            raise


def resolve(module_dir: Path, path: str) -> Path:
    """A path from the configuration, relative to the module directory as terraform runs there."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path(module_dir) / p


def iso_z(value) -> str:
    """A datetime as ``2024-01-02T03:04:05Z`` (the provider's RFC 3339 without fractions)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)
