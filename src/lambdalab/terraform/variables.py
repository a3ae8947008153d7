"""Input variables: where values come from (terraform's precedence), type conversion, validation.

Precedence, lowest first: default, ``TF_VAR_name``, ``terraform.tfvars``, ``*.auto.tfvars``
(lexical), then ``-var`` / ``-var-file`` in command-line order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lark

from lambdalab.terraform import functions, hcl
from lambdalab.terraform.config import Block, Module
from lambdalab.terraform.errors import EvalError, TerraformError
from lambdalab.terraform.expressions import Scope, evaluate, unwrap
from lambdalab.terraform.hcl import parse_expression, token_text, trees

PRIMITIVES = ("string", "number", "bool")


def parse_type(attr: hcl.Attribute | None) -> Any:
    """A type constraint as a small tree: "string", ("list", t), ("object", {k: t}), "any"."""
    if attr is None:
        return "any"
    return _type_node(attr.expr)


def _type_node(node: Any) -> Any:
    node = unwrap(node)
    if node.data == "identifier":
        return token_text(node)
    if node.data == "function_call":
        name = token_text(trees(node)[0])
        args = next((c for c in trees(node) if c.data == "arguments"), None)
        inner = trees(args) if args is not None else []
        if name == "object":
            obj = unwrap(inner[0])
            fields = {}
            for elem in trees(obj):
                key_node, value_node = trees(elem)
                key = token_text(key_node)
                fields[key.strip('"')] = _type_node(value_node)
            return ("object", fields)
        if name == "optional":
            return _type_node(inner[0])
        if name == "tuple":
            return ("tuple", [_type_node(t) for t in trees(unwrap(inner[0]))])
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
        return evaluate(parse_expression(raw), Scope())
    except (lark.exceptions.LarkError, EvalError):
        return raw


def _load_tfvars(path: Path) -> dict[str, Any]:
    body = hcl.parse(path.read_text(encoding="utf-8"), path.name)
    return {name: evaluate(attr.expr, Scope()) for name, attr in body.attributes.items()}


def resolve(
    module: Module,
    cli: list[tuple[str, str]],
    env: Mapping[str, str],
    *,
    require_all: bool = True,
) -> dict[str, Any]:
    """Final variable values. ``cli`` holds ("var", "k=v") and ("var-file", path) in order."""
    types = {name: parse_type(b.attribute("type")) for name, b in module.variables.items()}
    raw: dict[str, tuple[Any, bool, str]] = {}  # name -> (value, from_text, source)

    for name, block in module.variables.items():
        default = block.attribute("default")
        if default is not None:
            raw[name] = (evaluate(default.expr, Scope()), False, "default")
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
    for rule in block.body.blocks_of("validation"):
        scope = Scope(variables={name: values[name]})
        condition = rule.body.attributes.get("condition")
        if condition is None:
            raise TerraformError(
                "Missing required argument",
                'The argument "condition" is required, but no definition was found.',
                module.locate(block, rule),
            )
        ok = evaluate(condition.expr, scope)
        if ok is False:
            error_message = rule.body.attributes.get("error_message")
            message = evaluate(error_message.expr, scope) if error_message else "Invalid value."
            raise TerraformError(
                "Invalid value for variable",
                f"{message}\n\nThis was checked by the validation rule at "
                f"{block.filename}:{block.line}.",
                module.locate(block, "validation"),
            )
