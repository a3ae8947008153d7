"""Argument validation against the aws provider's own schema, with terraform's diagnostics.

``aws_schema.json`` is hashicorp/aws 5.100.0's schema of the types the engine implements, trimmed
by ``tools/terraform_schema.py`` (regenerate it there, never by hand). Real terraform checks a
resource body in two steps and so do we:

- ``check_body`` (validate time, values unknown): unsupported arguments and block types (with
  HCL's "Did you mean" suggestions), required arguments that are absent, nested block counts.
- ``convert_body`` (plan time, values known): each value converted to its attribute's type the
  way cty converts (``"10"`` becomes 10 for a number), or "Incorrect attribute value type"; a
  required argument whose value is null is "Missing required argument".

Types are cty's JSON form: ``"string"``, ``["list", "string"]``, ``["object", {...}]`` ….
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from lambdalab.terraform.errors import Location, TerraformError
from lambdalab.terraform.functions import format_number, normalize_number
from lambdalab.terraform.hcl import Body
from lambdalab.terraform.unknown import UNKNOWN

#: Arguments terraform itself handles in every resource and data block (not in provider schemas).
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})


@functools.lru_cache(maxsize=1)
def _schemas() -> dict:
    text = resources.files("lambdalab.terraform").joinpath("aws_schema.json").read_text("utf-8")
    return json.loads(text)


def block_schema(kind: str, type_name: str) -> dict | None:
    """The schema of ``resource``/``data`` type ``type_name``, or None when we have none."""
    table = "resource_schemas" if kind == "resource" else "data_source_schemas"
    return _schemas()[table].get(type_name)


def provider_version() -> str:
    return _schemas()["version"]


# --------------------------------------------------------------------------- cty conversion


class ConversionError(Exception):
    """cty's message for a value that cannot become the wanted type."""


class _Mismatch(ConversionError):
    """A type-level mismatch: cty names the element path ("element 1: string required")."""


def friendly_name(t: Any) -> str:
    """cty's ``FriendlyNameForConstraint``: "string", "list of string", "map of number" …"""
    if isinstance(t, str):
        return "any type" if t == "dynamic" else t
    kind, inner = t[0], t[1]
    if kind in ("list", "set", "map"):
        return f"{kind} of {friendly_name(inner)}"
    return kind  # object, tuple


_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def convert(value: Any, t: Any) -> Any:
    """``value`` as type ``t`` (cty's conversion rules), or ConversionError with cty's text."""
    if value is None or value is UNKNOWN or t == "dynamic":
        return value
    if isinstance(t, str):
        return _primitive(value, t)
    kind, inner = t[0], t[1]
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise _Mismatch(f"{friendly_name(t)} required")
        out = [_element(i, v, inner) for i, v in enumerate(value)]
        if kind == "set":
            unique: list = []
            for v in out:
                if v not in unique:
                    unique.append(v)
            out = unique
        return out
    if kind == "map":
        if not isinstance(value, dict):
            raise _Mismatch(f"{friendly_name(t)} required")
        return {k: _element(json.dumps(k), v, inner) for k, v in value.items()}
    if kind == "object":
        if not isinstance(value, dict):
            raise _Mismatch("object required")
        for name in inner:
            if name not in value:
                raise _Mismatch(f'attribute "{name}" is required')
        return {k: _element(f'attribute "{k}"', value[k], v, prefix="") for k, v in inner.items()}
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(inner):
            raise _Mismatch("tuple required")
        return [_element(i, v, ti) for i, (v, ti) in enumerate(zip(value, inner, strict=True))]
    return value


def _element(key: Any, value: Any, t: Any, prefix: str = "element ") -> Any:
    try:
        return convert(value, t)
    except _Mismatch as exc:
        raise _Mismatch(f"{prefix}{key}: {exc}") from None


def _primitive(value: Any, t: str) -> Any:
    if isinstance(value, list | dict):
        raise _Mismatch(f"{t} required")
    if t == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return format_number(value)
        return value
    if t == "number":
        if isinstance(value, bool):
            raise _Mismatch("number required")
        if isinstance(value, int | float):
            return value
        if not _NUMBER.fullmatch(value):
            raise ConversionError("a number is required")
        if any(c in value for c in ".eE"):
            return normalize_number(float(value))
        return int(value)
    if t == "bool":
        if isinstance(value, bool):
            return value
        if not isinstance(value, str):
            raise _Mismatch("bool required")
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        if value.lower() in ("true", "false"):
            raise ConversionError(
                f'a bool is required; to convert from string, use lowercase "{value.lower()}"'
            )
        raise ConversionError("a bool is required")
    return value


# --------------------------------------------------------------------------- bodies


#: Where a problem is. ``path`` names the nested blocks (type, index) down to the body, then
#: optionally the attribute: ``("scaling_config", 0, "maximum_concurrency")``; ``()`` is the
#: block header.
Locate = Callable[[tuple], Location]


def check_body(
    body: Body, schema: dict, locate: Locate, address: str, path: tuple = ()
) -> list[TerraformError]:
    """Validate-time problems of one body (and its nested blocks) against ``schema``.

    Problems the provider reports rather than terraform's decoder (a value for a computed-only
    attribute) carry ``address`` ("with aws_x.y,"), as terraform prints them.
    """
    errors: list[TerraformError] = []
    attributes = schema.get("attributes", {})
    nested = schema.get("block_types", {})
    top = not path
    settable = sorted(n for n, a in attributes.items() if a.get("required") or a.get("optional"))
    for name in body.attributes:
        if top and name in META_ARGUMENTS or name in settable:
            continue
        if name in attributes:  # computed only
            location = locate((*path, name))
            location.address = address
            errors.append(
                TerraformError(
                    "Value for unconfigurable attribute",
                    f'Can\'t configure a value for "{name}": its value will be decided '
                    "automatically based on the result of applying this configuration.",
                    location,
                )
            )
            continue
        if name in nested:
            hint = f' Did you mean to define a block of type "{name}"?'
        else:
            near = suggestion(name, sorted(attributes))
            hint = f' Did you mean "{near}"?' if near else ""
        errors.append(
            TerraformError(
                "Unsupported argument",
                f'An argument named "{name}" is not expected here.{hint}',
                locate((*path, name)),
            )
        )
    seen: dict[str, int] = {}
    for nested_block in body.blocks:
        type_, inner = nested_block.type, nested_block.body
        index = seen.get(type_, 0)
        seen[type_] = index + 1
        where = (*path, type_, index)
        if top and type_ in META_BLOCKS:
            continue
        if type_ == "dynamic" and type_ not in nested:
            errors.append(
                TerraformError(
                    "Unsupported block type",
                    'The built-in engine does not expand "dynamic" blocks: write the blocks out, '
                    "or run the real terraform.",
                    locate(where),
                )
            )
            continue
        if type_ not in nested:
            near = suggestion(type_, sorted(nested))
            if near:
                hint = f' Did you mean "{near}"?'
            elif type_ in attributes:
                hint = (
                    f' Did you mean to define argument "{type_}"? If so, use the equals sign to '
                    "assign it a value."
                )
            else:
                hint = ""
            errors.append(
                TerraformError(
                    "Unsupported block type",
                    f'Blocks of type "{type_}" are not expected here.{hint}',
                    locate(where),
                )
            )
            continue
        spec = nested[type_]
        if spec.get("max_items") and index == spec["max_items"]:
            errors.append(
                TerraformError(
                    f"Too many {type_} blocks",
                    f'No more than {spec["max_items"]} "{type_}" blocks are allowed',
                    locate(where),
                )
            )
        errors.extend(check_body(inner, spec["block"], locate, address, where))
    for name in sorted(attributes):
        if attributes[name].get("required") and name not in body.attributes:
            errors.append(missing_argument(name, locate(path)))
    for type_, spec in sorted(nested.items()):
        if seen.get(type_, 0) < spec.get("min_items", 0):
            errors.append(
                TerraformError(
                    f"Insufficient {type_} blocks",
                    f'At least {spec["min_items"]} "{type_}" blocks are required.',
                    locate(path),
                )
            )
    return errors


def convert_body(
    args: dict[str, Any],
    schema: dict,
    locate: Locate,
    address: str,
    path: tuple = (),
    describe: Callable[[tuple], list[str]] | None = None,
) -> dict[str, Any]:
    """Evaluated arguments converted to their schema types; raises the first problem found.

    ``args`` holds attribute values and, for nested blocks, lists of argument dicts (the shape
    the resource handlers receive). Names the schema does not know were reported by
    :func:`check_body` and are passed through.
    """
    attributes = schema.get("attributes", {})
    nested = schema.get("block_types", {})
    out = dict(args)
    for name, value in args.items():
        if name in attributes:
            try:
                out[name] = convert(value, attributes[name]["type"])
            except ConversionError as exc:
                location = locate((*path, name))
                location.values = describe((*path, name)) if describe else []
                raise type_error(name, exc, location) from None
            if value is None and attributes[name].get("required"):
                location = locate((*path, name))
                location.address = address
                raise missing_argument(name, location)
        elif name in nested and isinstance(value, list):
            out[name] = [
                convert_body(
                    item, nested[name]["block"], locate, address, (*path, name, i), describe
                )
                if isinstance(item, dict)
                else item
                for i, item in enumerate(value)
            ]
    return out


def describe_value(value: Any) -> str:
    """How terraform shows a value next to a failing expression ("is "abc"", "is null")."""
    if value is UNKNOWN:
        return "will be known only after apply"
    if value is None:
        return "is null"
    if isinstance(value, str):
        return "is " + json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "is true" if value else "is false"
    if isinstance(value, int | float):
        return "is " + format_number(value)
    n = len(value)
    if isinstance(value, list):
        return "is empty tuple" if not n else f"is tuple with {n} element{'s' * (n != 1)}"
    return "is empty object" if not n else f"is object with {n} attribute{'s' * (n != 1)}"


def missing_argument(name: str, location: Location) -> TerraformError:
    return TerraformError(
        "Missing required argument",
        f'The argument "{name}" is required, but no definition was found.',
        location,
    )


def type_error(name: str, exc: ConversionError, location: Location) -> TerraformError:
    return TerraformError(
        "Incorrect attribute value type",
        f'Inappropriate value for attribute "{name}": {exc}.',
        location,
    )


def suggestion(given: str, names: list[str]) -> str:
    """HCL's ``nameSuggestion``: the first name within Levenshtein distance 2, else ""."""
    for name in names:
        if _distance(given, name) < 3:
            return name
    return ""


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
