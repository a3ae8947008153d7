"""Terraform's human-readable text: plan bodies, summaries, outputs and ``show``.

Layout follows terraform's jsonformat renderers: a sign column, attributes sorted by name with
``=`` padded, nested blocks after a blank line, JSON strings shown as ``jsonencode(...)``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambdalab.terraform.functions import format_number
from lambdalab.terraform.plan import Change, Plan, same, same_blocks
from lambdalab.terraform.schema import block_schema
from lambdalab.terraform.unknown import UNKNOWN

RULE = "─" * 77
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
LEGEND = [
    ("create", "  + create"),
    ("delete", "  - destroy"),
    ("update", "  ~ update in-place"),
    ("replace", "-/+ destroy and then create replacement"),
    ("read", " <= read (data resources)"),
]
HEADERS = {
    "create": "will be created",
    "update": "will be updated in-place",
    "replace": "must be replaced",
    "delete": "will be destroyed",
    "read": "will be read during apply",
}
SIGNS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "read": "<="}


def scalar(value: Any) -> str:
    if value is UNKNOWN:
        return "(known after apply)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    return json.dumps(value, ensure_ascii=False)


def _json_doc(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            doc = json.loads(value)
        except ValueError:
            return None
        if isinstance(doc, dict | list):
            return doc
    return None


def value_lines(value: Any, sign: str, indent: int, *, map_keys: bool = True) -> list[str]:
    """Render ``value`` starting on the current line; continuation lines at ``indent``.

    Returns the first-line text followed by further full lines. ``indent`` is the sign column
    of the attribute that holds this value.
    """
    pad = " " * indent
    doc = _json_doc(value)
    if doc is not None:
        inner = value_lines(doc, sign, indent + 4, map_keys=False)
        return ["jsonencode(", f"{pad}      {inner[0]}", *inner[1:], f"{pad}  )"]
    if isinstance(value, list):
        if not value:
            return ["[]"]
        lines = ["["]
        for item in value:
            sub = value_lines(item, sign, indent + 4, map_keys=map_keys)
            lines.append(f"{pad}    {sign} {sub[0]}" + ("" if len(sub) > 1 else ","))
            if len(sub) > 1:
                lines.extend(sub[1:-1])
                lines.append(sub[-1] + ",")
        lines.append(f"{pad}  ]")
        return lines
    if isinstance(value, dict):
        if not value:
            return ["{}"]
        keys = sorted(value)
        shown = {k: (json.dumps(k) if map_keys or not _IDENT.match(k) else k) for k in keys}
        width = max(len(s) for s in shown.values())
        lines = ["{"]
        for k in keys:
            sub = value_lines(value[k], sign, indent + 4, map_keys=map_keys)
            lines.append(f"{pad}    {sign} {shown[k]:<{width}} = {sub[0]}")
            lines.extend(sub[1:])
        lines.append(f"{pad}  }}")
        return lines
    return [scalar(value)]


def _attribute_block(
    obj: dict[str, Any],
    sign: str,
    indent: int,
    blocks: set[str],
    *,
    skip_null: bool,
    suffix: str = "",
    spec: dict | None = None,
) -> list[str]:
    """Attributes, then nested blocks (``spec`` is the provider's schema of this level: it
    says which names are blocks, also deeper down and when their value is not known yet)."""
    nested = (spec or {}).get("block_types", {})
    blocks = set(blocks) | set(nested)
    attrs = {
        k: v
        for k, v in obj.items()
        if k not in blocks and not (skip_null and v is None) and not k.startswith("__")
    }
    lines: list[str] = []
    width = max((len(k) for k in attrs), default=0)
    pad = " " * indent
    for key in sorted(attrs):
        sub = value_lines(attrs[key], sign, indent)
        sub[-1] += suffix
        lines.append(f"{pad}{sign} {key:<{width}} = {sub[0]}")
        lines.extend(sub[1:])
    for name in sorted(b for b in blocks if obj.get(b)):
        items = [UNKNOWN] if obj[name] is UNKNOWN else obj[name]
        inner = nested.get(name, {}).get("block")
        for item in items if isinstance(items, list) else [items]:
            if lines:  # a blank line between a body's items, none before the first
                lines.append("")
            if item is UNKNOWN:
                lines.append(f"{pad}{sign} {name} (known after apply)")
                continue
            lines.append(f"{pad}{sign} {name} {{")
            lines.extend(
                _attribute_block(item, sign, indent + 4, set(), skip_null=skip_null, spec=inner)
            )
            lines.append(f"{pad}  }}")
    return lines


def change_lines(change: Change) -> list[str]:
    """The body for one resource instance change, as terraform prints it."""
    head = f"  # {change.address} {HEADERS[change.action]}"
    lines = [head]
    if change.orphan:
        lines.append(f"  # {change.orphan}")
    sign = SIGNS[change.action]
    lead = f"{sign:>3} " if len(sign) > 1 else f"  {sign} "
    kind = 'data "{}" "{}"' if change.action == "read" else 'resource "{}" "{}"'
    lines.append(lead + kind.format(change.type, change.name) + " {")
    spec = block_schema("data" if change.action == "read" else "resource", change.type)
    if change.action in ("create", "read"):
        lines.extend(
            _attribute_block(
                change.after or {}, "+", 6, change.block_names, skip_null=True, spec=spec
            )
        )
    elif change.action == "delete":
        lines.extend(
            _attribute_block(
                change.before or {},
                "-",
                6,
                change.block_names,
                skip_null=True,
                suffix=" -> null",
                spec=spec,
            )
        )
    else:
        lines.extend(_diff_lines(change))
    lines.append("    }")
    return lines


def _diff_lines(change: Change) -> list[str]:
    before, after = change.before or {}, change.after or {}
    keys = sorted((set(before) | set(after)) - change.block_names)
    changed = [k for k in keys if not same(after.get(k), before.get(k))]
    shown = sorted(set(changed) | ({"id"} & set(before)))
    width = max((len(k) for k in shown), default=0)
    lines = []
    for key in shown:
        old, new = before.get(key), after.get(key)
        if key not in changed:
            lines.append(f"        {key:<{width}} = {scalar(old)}")
            continue
        suffix = " # forces replacement" if key in change.force_new else ""
        old_text = _inline(old)
        new_text = _inline(new)
        lines.append(f"      ~ {key:<{width}} = {old_text} -> {new_text}{suffix}")
    hidden = len([k for k in keys if k not in shown and before.get(k) is not None])
    if hidden:
        noun = "attribute" if hidden == 1 else "attributes"
        lines.append(f"        # ({hidden} unchanged {noun} hidden)")
    blocks_changed = [
        b for b in sorted(change.block_names) if not same_blocks(after.get(b), before.get(b))
    ]
    for name in blocks_changed:
        lines.append("")
        lines.append(f"      ~ {name} {{")
        old_items, new_items = before.get(name) or [], after.get(name) or []
        lines.append(f"          ~ (block) = {_inline(old_items)} -> {_inline(new_items)}")
        lines.append("        }")
    return lines


def _inline(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return scalar(value)


def plan_text(plan: Plan) -> str:
    """Everything ``terraform plan`` prints after the refresh lines."""
    shown = [c for c in plan.changes.values() if c.action != "noop"]
    out_changes = output_changes(plan)
    if not shown:
        if plan.destroy:
            return (
                "\nNo changes. No objects need to be destroyed.\n\n"
                "Either you have not created any objects yet or the existing objects were\n"
                "already deleted outside of Terraform.\n"
            )
        text = "\nNo changes. Your infrastructure matches the configuration.\n\n"
        text += (
            "Terraform has compared your real infrastructure against your configuration\n"
            "and found no differences, so no changes are needed.\n"
        )
        if out_changes:
            text = "\nChanges to Outputs:\n" + "\n".join(out_changes) + "\n\n"
            text += (
                "You can apply this plan to save these new output values to the Terraform\n"
                "state, without changing any real infrastructure.\n"
            )
        return text
    present = {c.action for c in shown}
    lines = [
        "",
        "Terraform used the selected providers to generate the following execution",
        "plan. Resource actions are indicated with the following symbols:",
    ]
    lines += [text for action, text in LEGEND if action in present]
    lines += ["", "Terraform will perform the following actions:", ""]
    for change in sorted(shown, key=lambda c: c.address):
        lines.extend(change_lines(change))
        lines.append("")
    add, chg, dst = plan.summary
    lines.append(f"Plan: {add} to add, {chg} to change, {dst} to destroy.")
    if out_changes:
        lines += ["", "Changes to Outputs:", *out_changes]
    return "\n".join(lines) + "\n"


def output_changes(plan: Plan) -> list[str]:
    rows = []
    names = sorted(set(plan.outputs) | set(plan.prior_outputs))
    for name in names:
        new_exists, old_exists = name in plan.outputs, name in plan.prior_outputs
        new, old = plan.outputs.get(name), plan.prior_outputs.get(name)
        sensitive = name in plan.sensitive_outputs
        if new_exists and old_exists:
            if same(new, old):
                continue
            rows.append(("~", name, f"{_out(old, sensitive)} -> {_out(new, sensitive)}"))
        elif new_exists:
            text = "\n".join(value_lines(new, "+", 2)) if not sensitive else _out(new, True)
            rows.append(("+", name, text))
        else:
            rows.append(("-", name, f"{_out(old, sensitive)} -> null"))
    width = max((len(r[1]) for r in rows), default=0)
    return [f"  {sign} {name:<{width}} = {text}" for sign, name, text in rows]


def _out(value: Any, sensitive: bool) -> str:
    if sensitive:
        return "(sensitive value)"
    return _inline(value)


def output_value(value: Any, indent: int = 0) -> str:
    """An output as ``terraform output`` prints it (HCL-like, multi-line for collections)."""
    pad = " " * indent
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{pad}  {output_value(v, indent + 2)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        width = max(len(json.dumps(k)) for k in value)
        items = [
            f"{pad}  {json.dumps(k):<{width}} = {output_value(value[k], indent + 2)}"
            for k in sorted(value)
        ]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    return scalar(value)


def outputs_text(outputs: dict[str, tuple[Any, bool]]) -> str:
    """The ``Outputs:`` section after apply."""
    if not outputs:
        return ""
    lines = ["", "Outputs:", ""]
    for name in sorted(outputs):
        value, sensitive = outputs[name]
        lines.append(f"{name} = " + ("<sensitive>" if sensitive else output_value(value)))
    return "\n".join(lines) + "\n"


def show_text(state) -> str:
    """``terraform show`` for a state: one block per instance, then outputs."""
    lines: list[str] = []
    for inst in sorted(state.instances.values(), key=lambda i: i.address):
        kind = "data" if inst.mode == "data" else "resource"
        lines.append(f"# {inst.address}:")
        lines.append(f'{kind} "{inst.type}" "{inst.name}" {{')
        attrs = {k: v for k, v in inst.attributes.items() if v is not None}
        width = max((len(k) for k in attrs), default=0)
        for key in sorted(attrs):
            lines.append(f"    {key:<{width}} = {output_value(attrs[key], 4)}")
        lines.append("}")
        lines.append("")
    if state.outputs:
        lines.append("")
        lines.append("Outputs:")
        lines.append("")
        for name in sorted(state.outputs):
            value, sensitive = state.outputs[name]
            lines.append(f"{name} = " + ("(sensitive value)" if sensitive else output_value(value)))
    return "\n".join(lines) + ("\n" if lines else "")
