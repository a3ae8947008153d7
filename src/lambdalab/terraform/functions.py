"""Terraform's built-in functions and value conversions that the course needs.

``jsonencode`` follows cty's marshaller byte for byte: compact, object keys sorted, numbers in
shortest decimal form, and ``<``, ``>``, ``&``, U+2028, U+2029 escaped as Go's encoding/json does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from lambdalab.terraform.errors import EvalError
from lambdalab.terraform.unknown import UNKNOWN, contains_unknown

# --------------------------------------------------------------------------- conversions


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def normalize_number(value: int | float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def format_number(value: int | float) -> str:
    value = normalize_number(value)
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text:
        from decimal import Decimal

        text = format(Decimal(text), "f")
    return text


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if value is None:
        raise EvalError("Invalid value", "A null value cannot be used as a string here.")
    raise EvalError(
        "Invalid value", f"Cannot convert {type_name(value)} to string: string required."
    )


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError("Invalid value", "Cannot convert bool to number: number required.")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return normalize_number(float(value)) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            pass
        raise EvalError(
            "Invalid value", f'Cannot convert "{value}" to number: a number is required.'
        )
    raise EvalError("Invalid value", f"Cannot convert {type_name(value)} to number.")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise EvalError("Invalid value", f"Cannot convert {type_name(value)} to bool: bool required.")


def equal(a: Any, b: Any) -> bool:
    """Terraform equality: values of different types are never equal (1 != true)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def binary(op: str, lhs: Any, rhs: Any) -> Any:
    if op == "==":
        return equal(lhs, rhs)
    if op == "!=":
        return not equal(lhs, rhs)
    if op in ("&&", "||"):
        a, b = to_bool(lhs), to_bool(rhs)
        return (a and b) if op == "&&" else (a or b)
    a, b = to_number(lhs), to_number(rhs)
    if op == "+":
        return normalize_number(a + b)
    if op == "-":
        return normalize_number(a - b)
    if op == "*":
        return normalize_number(a * b)
    if op in ("/", "%"):
        if b == 0:
            raise EvalError("Arithmetic error", "Division by zero is not allowed.")
        return normalize_number(a / b if op == "/" else a % b)
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def index(value: Any, key: Any, text: str) -> Any:
    if isinstance(value, list):
        try:
            i = to_number(key)
        except EvalError:
            raise EvalError(
                "Invalid index",
                f"The given key does not identify an element in {text}: a number is required.",
            ) from None
        if not isinstance(i, int) or not 0 <= i < len(value):
            raise EvalError(
                "Invalid index",
                f"The given key does not identify an element in this collection value: "
                f"{text} has {len(value)} elements, index {key} is out of range.",
                subject=text,
            )
        return value[i]
    if isinstance(value, dict):
        key = to_string(key)
        if key not in value:
            raise EvalError(
                "Invalid index",
                f"The given key does not identify an element in this collection value: "
                f'{text} has no element "{key}".',
                subject=text,
            )
        return value[key]
    raise EvalError("Invalid index", f"This value ({type_name(value)}) does not have any indices.")


# --------------------------------------------------------------------------- jsonencode


def jsonencode(value: Any) -> str:
    """cty's JSON marshalling: compact, keys sorted, HTML-safe escapes like Go."""
    text = json.dumps(_json_ready(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _json_ready(value: Any) -> Any:
    if isinstance(value, float):
        return normalize_number(value)
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- the function table


def _path(base_dir: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(base_dir, path)


def _read_file(base_dir: str, path: str) -> bytes:
    try:
        with open(_path(base_dir, path), "rb") as fh:
            return fh.read()
    except OSError:
        raise EvalError(
            "Invalid function argument",
            f'Invalid value for "path" parameter: no file exists at "{path}"; this function works '
            "only with files that are distributed as part of the configuration source code, so "
            "if this file will be created by a resource in this configuration you must instead "
            "obtain this result from an attribute of that resource.",
        ) from None


def _format(fmt: str, *args: Any) -> str:
    out, i, argi = [], 0, 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        verb = fmt[i + 1] if i + 1 < len(fmt) else ""
        if verb == "%":
            out.append("%")
            i += 2
            continue
        j = i + 1
        while j < len(fmt) and fmt[j] in "0123456789.+- #":
            j += 1
        verb = fmt[j] if j < len(fmt) else ""
        flags = fmt[i + 1 : j]
        if argi >= len(args):
            raise EvalError(
                "Error in function call", 'Call to function "format" failed: not enough arguments.'
            )
        arg = args[argi]
        argi += 1
        if verb in ("s", "v"):
            text = to_string(arg) if not isinstance(arg, list | dict) else jsonencode(arg)
            out.append(("%" + flags + "s") % text)
        elif verb == "q":
            out.append(json.dumps(to_string(arg)))
        elif verb == "d":
            out.append(("%" + flags + "d") % int(to_number(arg)))
        elif verb in "feEgG" and verb:
            out.append(("%" + flags + verb) % float(to_number(arg)))
        elif verb == "t":
            out.append(to_string(to_bool(arg)))
        else:
            raise EvalError(
                "Error in function call",
                f'Call to function "format" failed: unsupported verb %{verb}.',
            )
        i = j + 1
    return "".join(out)


def _lookup(m: dict, key: str, *default: Any) -> Any:
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise EvalError(
        "Error in function call",
        f'Call to function "lookup" failed: lookup failed to find key "{key}".',
    )


def _coalesce(*args: Any) -> Any:
    for a in args:
        if a is not None and a != "":
            return a
    raise EvalError(
        "Error in function call",
        'Call to function "coalesce" failed: no non-null, non-empty-string arguments.',
    )


def _element(lst: list, i: Any) -> Any:
    if not lst:
        raise EvalError(
            "Error in function call",
            'Call to function "element" failed: cannot use element function with an empty list.',
        )
    return lst[int(to_number(i)) % len(lst)]


def _toset(lst: list) -> list:
    seen: list = []
    for v in lst:
        if not any(equal(v, s) for s in seen):
            seen.append(v)
    if all(isinstance(v, str) for v in seen):
        seen.sort()
    return seen


def _length(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise EvalError(
        "Invalid function argument",
        'Invalid value for "value" parameter: argument must be a string, a collection '
        "type, or a structural type.",
    )


def _merge(*maps: Any) -> dict:
    out: dict = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise EvalError("Invalid function argument", "merge arguments must be maps or objects.")
        out.update(m)
    return out


def _tonumber(v: Any) -> Any:
    return None if v is None else to_number(v)


def _tostring(v: Any) -> Any:
    return None if v is None else to_string(v)


FUNCTIONS: dict[str, Any] = {
    "jsonencode": jsonencode,
    "jsondecode": lambda s: json.loads(s),
    "format": _format,
    "join": lambda sep, *lists: sep.join(to_string(v) for lst in lists for v in lst),
    "split": lambda sep, s: s.split(sep) if s != "" else [""],
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "replace": lambda s, old, new: s.replace(old, new),
    "concat": lambda *lists: [v for lst in lists for v in lst],
    "merge": _merge,
    "length": _length,
    "lookup": _lookup,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": lambda v: None if v is None else to_bool(v),
    "tolist": lambda v: list(v),
    "toset": _toset,
    "tomap": lambda v: dict(v),
    "keys": lambda m: sorted(m.keys()),
    "values": lambda m: [m[k] for k in sorted(m.keys())],
    "contains": lambda lst, v: any(equal(x, v) for x in lst),
    "coalesce": _coalesce,
    "element": _element,
    "sha256": lambda s: hashlib.sha256(s.encode()).hexdigest(),
    "sha1": lambda s: hashlib.sha1(s.encode()).hexdigest(),
    "md5": lambda s: hashlib.md5(s.encode()).hexdigest(),
    "base64encode": lambda s: base64.b64encode(s.encode()).decode(),
    "base64decode": lambda s: base64.b64decode(s).decode(),
    "basename": lambda p: os.path.basename(p.rstrip("/")) if p.strip("/") else p,
    "dirname": lambda p: os.path.dirname(p) or ".",
    "trimspace": lambda s: s.strip(),
    "min": lambda *a: min(to_number(x) for x in a),
    "max": lambda *a: max(to_number(x) for x in a),
    "range": lambda *a: list(range(*(int(to_number(x)) for x in a))),
    "flatten": lambda lst: _flatten(lst),
    "distinct": lambda lst: [v for i, v in enumerate(lst) if not any(equal(v, w) for w in lst[:i])],
    "zipmap": lambda ks, vs: dict(zip(ks, vs, strict=True)),
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "substr": lambda s, off, n: s[int(off) :] if n == -1 else s[int(off) : int(off) + int(n)],
}

#: functions that need the module directory to resolve relative paths
FILE_FUNCTIONS: dict[str, Any] = {
    "file": lambda base, p: _read_file(base, p).decode("utf-8"),
    "filebase64": lambda base, p: base64.b64encode(_read_file(base, p)).decode(),
    "filesha256": lambda base, p: hashlib.sha256(_read_file(base, p)).hexdigest(),
    "filebase64sha256": lambda base, p: base64.b64encode(
        hashlib.sha256(_read_file(base, p)).digest()
    ).decode(),
    "filemd5": lambda base, p: hashlib.md5(_read_file(base, p)).hexdigest(),
    "fileexists": lambda base, p: os.path.isfile(_path(base, p)),
    "abspath": lambda base, p: os.path.abspath(_path(base, p)).replace(os.sep, "/"),
}


def _flatten(lst: list) -> list:
    out: list = []
    for v in lst:
        out.extend(_flatten(v) if isinstance(v, list) else [v])
    return out


def call(name: str, args: list[Any], *, base_dir: str = ".") -> Any:
    """Call one function; any unknown argument makes the result unknown."""
    if name not in FUNCTIONS and name not in FILE_FUNCTIONS:
        supported = ", ".join(sorted([*FUNCTIONS, *FILE_FUNCTIONS, "can", "try"]))
        raise EvalError(
            "Call to unknown function",
            f'There is no function named "{name}" in the built-in engine. Supported: {supported}.',
            subject=f"{name}(",
        )
    if any(contains_unknown(a) for a in args):
        return UNKNOWN
    try:
        if name in FILE_FUNCTIONS:
            return FILE_FUNCTIONS[name](base_dir, *args)
        return FUNCTIONS[name](*args)
    except EvalError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise EvalError(
            "Error in function call",
            f'Call to function "{name}" failed: {exc}.',
            subject=f"{name}(",
        ) from None
