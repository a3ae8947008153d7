"""``UNKNOWN``: a value known only after apply (terraform prints "(known after apply)").

Its own module because expressions, functions, validation and rendering all need it and none of
them should import another just for it.
"""

from __future__ import annotations

from typing import Any


class Unknown:
    """The one unknown value; it poisons whatever it flows into."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __deepcopy__(self, memo):
        return self


UNKNOWN = Unknown()


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    return False
