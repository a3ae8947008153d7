"""``random_string`` (hashicorp/random): a random string honouring the character-class minimums.

Not for secrets in state (the provider says the same); fine for unique names.
"""

from __future__ import annotations

import secrets
import string

from .base import ApplyContext, ResourceType, register

SPECIAL = "!@#$%&*()-_=+[]{}<>:?"
_ARGS = (
    "length",
    "lower",
    "min_lower",
    "min_numeric",
    "min_special",
    "min_upper",
    "numeric",
    "override_special",
    "special",
    "upper",
    "keepers",
)


@register
class RandomString(ResourceType):
    type_name = "random_string"
    force_new = frozenset(_ARGS) | {"number"}
    computed = frozenset(
        {
            "id",
            "result",
        }
    )
    defaults = {
        "lower": True,
        "upper": True,
        "numeric": True,
        "special": True,
        "min_lower": 0,
        "min_upper": 0,
        "min_numeric": 0,
        "min_special": 0,
    }

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        a = {**self.defaults, **{k: v for k, v in args.items() if v is not None}}
        if "number" in args and args["number"] is not None:
            a["numeric"] = args["number"]
        result = generate(a)
        return {
            "id": result,
            "keepers": args.get("keepers"),
            "length": int(a["length"]),
            "lower": bool(a["lower"]),
            "min_lower": int(a["min_lower"]),
            "min_numeric": int(a["min_numeric"]),
            "min_special": int(a["min_special"]),
            "min_upper": int(a["min_upper"]),
            "number": bool(a["numeric"]),
            "numeric": bool(a["numeric"]),
            "override_special": args.get("override_special"),
            "result": result,
            "special": bool(a["special"]),
            "upper": bool(a["upper"]),
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return old

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        return None


def generate(a: dict) -> str:
    """Minimums first, then fill from every enabled class, then shuffle (the provider's recipe)."""
    classes = [
        (a["upper"], string.ascii_uppercase, int(a["min_upper"])),
        (a["lower"], string.ascii_lowercase, int(a["min_lower"])),
        (a["numeric"], string.digits, int(a["min_numeric"])),
        (
            a["special"],
            a["override_special"] if a.get("override_special") is not None else SPECIAL,
            int(a["min_special"]),
        ),
    ]
    length = int(a["length"])
    if length < 1:
        raise ValueError("length must be at least 1")
    chars = [secrets.choice(pool) for on, pool, n in classes if on and pool for _ in range(n)]
    pool = "".join(p for on, p, _ in classes if on)
    if not pool:
        raise ValueError("random_string needs at least one character class")
    chars += [secrets.choice(pool) for _ in range(max(0, length - len(chars)))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
