"""``random_id`` (hashicorp/random): random bytes shown as hex, base64 and decimal.

Runs locally, like the provider; every argument forces a new value (``keepers`` exists for that).
"""

from __future__ import annotations

import base64
import secrets

from .base import ApplyContext, ResourceType, register


@register
class RandomId(ResourceType):
    type_name = "random_id"
    force_new = frozenset({"byte_length", "prefix", "keepers"})
    computed = frozenset(
        {
            "b64_std",
            "b64_url",
            "dec",
            "hex",
            "id",
        }
    )

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        n = int(args["byte_length"])
        if n < 1:
            raise ValueError("byte_length must be at least 1")
        return attributes(secrets.token_bytes(n), args)

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return old

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        return None


def attributes(raw: bytes, args: dict) -> dict:
    """The provider's encodings of ``raw``: ``id`` is unpadded URL-safe base64 without prefix."""
    prefix = args.get("prefix") or ""
    url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return {
        "b64_std": prefix + base64.b64encode(raw).decode(),
        "b64_url": prefix + url,
        "byte_length": len(raw),
        "dec": prefix + str(int.from_bytes(raw, "big")),
        "hex": prefix + raw.hex(),
        "id": url,
        "keepers": args.get("keepers"),
        "prefix": args.get("prefix"),
    }
