"""Input variables: where values come from (terraform's precedence), type conversion, validation.

Precedence, lowest first: default, ``TF_VAR_name``, ``terraform.tfvars``, ``*.auto.tfvars``
(lexical), then ``-var`` / ``-var-file`` in command-line order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2
import lark

from lambdalab.terraform import functions
from lambdalab.terraform.config import OPTIONS, Block, Module
from lambdalab.terraform.errors import EvalError, TerraformError
from lambdalab.terraform.expressions import (
    Scope,
    _token_text,
    _trees,
    _unwrap,
    evaluate,
    leaf_source,
    parse_expression,
)

PRIMITIVES = ("string", "number", "bool")


def parse_type(leaf: Any) -> Any:
    """A type constraint as a small tree: "string", ("list", t), ("object", {k: t}), "any"."""
    if leaf is None:
        return "any"
    return _type_node(parse_expression(leaf_source(leaf)))


def _type_node(node: Any) -> Any:
    node = _unwrap(node)
    if node.data == "identifier":
        return _token_text(node)
    if node.data == "function_call":
        name = _token_text(_trees(node)[0])
        args = next((c for c in _trees(node) if c.data == "arguments"), None)
        inner = _trees(args) if args is not None else []
        if name == "object":
            obj = _unwrap(inner[0])
            fields = {}
            for elem in _trees(obj):
                key_node, value_node = _trees(elem)
                key = _token_text(key_node)
                fields[key.strip('"')] = _type_node(value_node)
            return ("object", fields)
        if name == "optional":
            return _type_node(inner[0])
        if name == "tuple":
            return ("tuple", [_type_node(t) for t in _trees(_unwrap(inner[0]))])
        return (name, _type_node(inner[0]) if inner else "any")
    raise EvalError("Invalid type specification", "The type constraint is not valid.")


def type_text(t: Any) -> str:
    if isinstance(t, str):
        return t
    if t[0] == "object":
        return "object({" + ", ".join(f"{k} = {type_text(v)}" for k, v in t[1].items()) + "})"
    if t[0] == "tuple":
        return "tuple([" + ", ".join(type_text(v) for v in t[1]) + "])"
    return f"{t[0]}({type_text(t[1])})"


def convert(value: Any, t: Any) -> Any:
    """Convert ``value`` to type ``t`` the way terraform does, or raise EvalError."""
    if value is None or t == "any":
        return value
    if t == "string":
        if isinstance(value, list | dict):
            raise EvalError("Invalid value", "string required.")
        return functions.to_string(value)
    if t == "number":
        return functions.to_number(value)
    if t == "bool":
        return functions.to_bool(value)
    kind, inner = t
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError("Invalid value", f"{kind} of {type_text(inner)} required.")
        items = [convert(v, inner) for v in value]
        return functions.FUNCTIONS["toset"](items) if kind == "set" else items
    if kind == "map":
        if not isinstance(value, dict):
            raise EvalError("Invalid value", f"map of {type_text(inner)} required.")
        return {k: convert(v, inner) for k, v in value.items()}
    if kind == "object":
        if not isinstance(value, dict):
            raise EvalError("Invalid value", "object required.")
        missing = [k for k in inner if k not in value]
        if missing:
            raise EvalError("Invalid value", f'attribute "{missing[0]}" is required.')
        return {k: convert(value.get(k), v) for k, v in inner.items()}
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(inner):
            raise EvalError("Invalid value", f"tuple of {len(inner)} elements required.")
        return [convert(v, ti) for v, ti in zip(value, inner, strict=True)]
    return value


def _parse_cli_value(raw: str, t: Any) -> Any:
    """-var / TF_VAR_ values: primitives are taken literally, others parsed as HCL."""
    if t in PRIMITIVES:
        return raw
    try:
        return evaluate(raw if raw.startswith('"') else "${" + raw + "}", Scope())
    except (lark.exceptions.LarkError, EvalError):
        return raw


def _load_tfvars(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        data = hcl2.loads(text, serialization_options=OPTIONS)
    except lark.exceptions.UnexpectedInput as exc:
        from lambdalab.terraform.config import _syntax_error

        raise _syntax_error(path.name, text, exc) from None
    return {k: evaluate(v, Scope()) for k, v in data.items() if not k.startswith("__")}


def resolve(
    module: Module,
    cli: list[tuple[str, str]],
    env: Mapping[str, str],
    *,
    require_all: bool = True,
) -> dict[str, Any]:
    """Final variable values. ``cli`` holds ("var", "k=v") and ("var-file", path) in order."""
    types = {name: parse_type(b.body.get("type")) for name, b in module.variables.items()}
    raw: dict[str, tuple[Any, bool, str]] = {}  # name -> (value, from_text, source)

    for name, block in module.variables.items():
        if "default" in block.body:
            raw[name] = (evaluate(block.body["default"], Scope()), False, "default")
    for key, value in env.items():
        if key.startswith("TF_VAR_") and key[7:] in module.variables:
            raw[key[7:]] = (value, True, key)
    files = []
    if (module.directory / "terraform.tfvars").is_file():
        files.append(module.directory / "terraform.tfvars")
    files.extend(sorted(module.directory.glob("*.auto.tfvars")))
    sources: list[tuple[str, Any]] = [("file", f) for f in files]
    for kind, arg in cli:
        if kind == "var":
            if "=" not in arg:
                raise TerraformError(
                    "Invalid -var option",
                    f'The given -var option "{arg}" is not correctly specified. It must be a '
                    'variable name and value separated by an equals sign, like -var="key=value".',
                )
            name, value = arg.split("=", 1)
            sources.append(("var", (name.strip(), value)))
        else:
            path = Path(arg)
            path = path if path.is_absolute() else module.directory / path
            if not path.is_file():
                raise TerraformError(
                    "Failed to read variables file",
                    f"Given variables file {arg} does not exist.",
                )
            sources.append(("file", path))
    for kind, item in sources:
        if kind == "file":
            for name, value in _load_tfvars(item).items():
                if name not in module.variables:
                    raise TerraformError(
                        "Value for undeclared variable",
                        f'A variable named "{name}" was assigned a value in {item.name}, but '
                        "the root module does not declare a variable of that name. To use this "
                        f'value, add a "variable" block to the configuration.',
                    )
                raw[name] = (value, False, item.name)
        else:
            name, value = item
            if name not in module.variables:
                raise TerraformError(
                    "Value for undeclared variable",
                    f'A variable named "{name}" was assigned on the command line, but the root '
                    "module does not declare a variable of that name. To use this value, add a "
                    '"variable" block to the configuration.',
                )
            raw[name] = (value, True, "-var")

    values: dict[str, Any] = {}
    for name, block in sorted(module.variables.items()):
        if name not in raw:
            if require_all:
                raise TerraformError(
                    "No value for required variable",
                    f'The root module input variable "{name}" is not set, and has no default '
                    "value. Use a -var or -var-file command line argument to provide a value for "
                    "this variable.",
                    module.locate(block),
                )
            values[name] = None
            continue
        value, from_text, source = raw[name]
        if from_text:
            value = _parse_cli_value(value, types[name])
        try:
            values[name] = convert(value, types[name])
        except EvalError as exc:
            summary = (
                "Invalid default value for variable"
                if source == "default"
                else ("Invalid value for input variable")
            )
            raise TerraformError(
                summary,
                f"The given value is not suitable for var.{name}: {exc.detail}",
                module.locate(block, "default" if source == "default" else None),
            ) from None
    for block in module.variables.values():
        _validate(module, block, values)
    return values


def _validate(module: Module, block: Block, values: dict[str, Any]) -> None:
    name = block.labels[0]
    for rule in block.body.get("validation", []):
        scope = Scope(variables={name: values[name]})
        ok = evaluate(rule.get("condition"), scope)
        if ok is False:
            message = evaluate(rule.get("error_message", '"Invalid value."'), scope)
            raise TerraformError(
                "Invalid value for variable",
                f"{message}\n\nThis was checked by the validation rule at "
                f"{block.filename}:{block.line}.",
                module.locate(block, "validation"),
            )
