"""Load every ``*.tf`` in a directory as one Terraform module, with override files merged.

Values come from ``hcl2.loads`` (python-hcl2 8.1.4's dict shape, kept verbatim so the
evaluator sees what the documented contract says). That dict carries no line numbers, so
positions come from a second parse of the same text with ``hcl2.parses_to_tree``, whose Lark
tree has ``meta.line`` for every block and attribute; the n-th block of a kind in the dict is the
n-th block of that kind in the tree. A reference inside an attribute is located by searching the
attribute's (or block's) source lines for the reference text.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import lark
from hcl2 import SerializationOptions

from lambdalab.terraform.errors import Location, TerraformError
from lambdalab.terraform.expressions import _token_text
from lambdalab.terraform.schema import Body

OPTIONS = SerializationOptions(with_comments=False)
LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "provider": 1, "module": 1}


@dataclass
class Block:
    """One top-level block: its kind, unquoted labels, dict body and where it is written."""

    kind: str
    labels: tuple[str, ...]
    body: dict[str, Any]
    filename: str
    line: int
    end_line: int
    attr_lines: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def header(self) -> str:
        return " ".join([self.kind, *(f'"{label}"' for label in self.labels)])

    @property
    def address(self) -> str:
        if self.kind == "resource":
            return ".".join(self.labels)
        if self.kind == "data":
            return "data." + ".".join(self.labels)
        return {"variable": "var.", "output": "output."}.get(self.kind, "") + ".".join(self.labels)

    def arguments(self) -> dict[str, Any]:
        """The body without python-hcl2's ``__*`` marker keys."""
        return {k: v for k, v in self.body.items() if not k.startswith("__")}

    def view(self) -> Body:
        """The body as attributes and nested blocks (what schema validation reads)."""
        return body_view(self.body)


def body_view(body: dict[str, Any]) -> Body:
    view = Body()
    for key, value in body.items():
        if key.startswith("__"):
            continue
        if isinstance(value, list) and value and all(_is_block(v) for v in value):
            view.blocks.extend((key, body_view(v)) for v in value)
        else:
            view.attributes[key] = value
    return view


def _is_block(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("__is_block__"))


@dataclass
class Module:
    """The root module: blocks by kind, plus the file texts for locating problems."""

    directory: Path
    texts: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, tuple[Any, Block]] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    resources: dict[str, Block] = field(default_factory=dict)  # "type.name"
    data: dict[str, Block] = field(default_factory=dict)  # "type.name"
    providers: dict[str, Block] = field(default_factory=dict)
    terraform: list[Block] = field(default_factory=list)

    def locate(self, block: Block, attr: str | None = None, subject: str | None = None) -> Location:
        """Best line for a problem in ``block``: the reference text, else the attribute."""
        lines = self.texts.get(block.filename, "").splitlines()
        start, end = block.line, block.end_line
        if attr is not None and attr in block.attr_lines:
            start, end = block.attr_lines[attr]
        line = start
        if subject:
            for n in range(start, min(end, len(lines)) + 1):
                if subject in lines[n - 1]:
                    line = n
                    break
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        what = block.header if block.kind != "locals" else "locals"
        return Location(block.filename, line, what, source)

    def locate_path(self, block: Block, path: tuple) -> Location:
        """Where ``path`` (nested block type and index pairs, then maybe an attribute) is."""
        lines = self.texts.get(block.filename, "").splitlines()
        start, end = block.line, min(block.end_line, len(lines))
        line = start
        steps = list(path)
        while steps:
            name = steps.pop(0)
            if steps and isinstance(steps[0], int):
                index = steps.pop(0)
                found = _nested_block(lines, start, end, name, index)
                if found is None:
                    break
                start = line = found
                end = _closing_line(lines, found, end)
            else:
                line = next(
                    (
                        n
                        for n in range(start + 1, end + 1)
                        if re.match(rf"\s*{re.escape(name)}\s*=", lines[n - 1])
                    ),
                    line,
                )
                break
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        return Location(block.filename, line, block.header, source)


def _nested_block(lines: list[str], start: int, end: int, name: str, index: int) -> int | None:
    """Line of the ``index``-th ``name {`` block directly inside lines start..end."""
    depth, seen = 0, 0
    for n in range(start, end + 1):
        text = lines[n - 1]
        if depth == 1 and re.match(rf"\s*{re.escape(name)}\s*(\{{|\")", text):
            if seen == index:
                return n
            seen += 1
        depth += text.count("{") - text.count("}")
    return None


def _closing_line(lines: list[str], start: int, end: int) -> int:
    depth = 0
    for n in range(start, end + 1):
        depth += lines[n - 1].count("{") - lines[n - 1].count("}")
        if depth <= 0:
            return n
    return end


def is_override(name: str) -> bool:
    return name == "override.tf" or name.endswith("_override.tf")


def load_module(directory: str | Path) -> Module:
    """Read ``directory/*.tf`` (lexical order), then merge override files over it."""
    directory = Path(directory)
    module = Module(directory)
    names = sorted(p.name for p in directory.glob("*.tf") if p.is_file())
    if not names:
        raise TerraformError(
            "No configuration files",
            f"There are no .tf files in {directory}. The built-in engine reads every *.tf file "
            "in the working directory as one module.",
        )
    overrides = []
    for name in names:
        text = (directory / name).read_text(encoding="utf-8")
        module.texts[name] = text
        blocks = parse_file(name, text)
        if is_override(name):
            overrides.append(blocks)
        else:
            for block in blocks:
                _add(module, block)
    for blocks in overrides:
        for block in blocks:
            _merge_override(module, block)
    return module


def parse_file(name: str, text: str) -> list[Block]:
    """Parse one file into Blocks (dict values from hcl2, lines from the same Lark tree)."""
    try:
        tree = hcl2.parses_to_tree(text)  # parsed once: hcl2.loads would parse it again
        data = hcl2.serialize(hcl2.transform(tree), serialization_options=OPTIONS)
    except lark.exceptions.UnexpectedInput as exc:
        raise _syntax_error(name, text, exc) from None
    positions: dict[str, list[tuple[int, int, dict[str, tuple[int, int]]]]] = {}
    body = tree.children[0]
    for node in body.children:
        if isinstance(node, lark.Tree) and node.data == "block":
            kind = _token_text(node.children[0])
            attrs = {}
            inner = next(c for c in node.children if isinstance(c, lark.Tree) and c.data == "body")
            for child in inner.children:
                if isinstance(child, lark.Tree) and child.data in ("attribute", "block"):
                    attrs.setdefault(
                        _token_text(child.children[0]),
                        (child.meta.line, getattr(child.meta, "end_line", child.meta.line)),
                    )
            positions.setdefault(kind, []).append((node.meta.line, node.meta.end_line, attrs))
        elif isinstance(node, lark.Tree) and node.data == "attribute":
            raise TerraformError(
                "Unsupported argument",
                f'An argument named "{_token_text(node.children[0])}" is not expected here.',
                Location(name, node.meta.line, "", text.splitlines()[node.meta.line - 1]),
            )
    blocks: list[Block] = []
    for kind, entries in data.items():
        if kind.startswith("__"):
            continue
        for i, entry in enumerate(entries):
            line, end, attrs = positions.get(kind, [(1, 1, {})])[i]
            for labels, body in _unlabel(entry, LABELS.get(kind, 0)):
                blocks.append(Block(kind, labels, body, name, line, end, attrs))
    blocks.sort(key=lambda b: b.line)
    return blocks


def _unlabel(entry: dict, depth: int) -> list[tuple[tuple[str, ...], dict]]:
    if depth == 0:
        return [((), entry)]
    out = []
    for key, value in entry.items():
        if key.startswith("__"):
            continue
        label = key[1:-1] if key.startswith('"') else key
        for labels, body in _unlabel(value, depth - 1):
            out.append(((label, *labels), body))
    return out


def _syntax_error(name: str, text: str, exc: lark.exceptions.UnexpectedInput) -> TerraformError:
    line, column = getattr(exc, "line", 1), getattr(exc, "column", 1)
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        found = str(exc.token).strip() or exc.token.type
        detail = f'python-hcl2 did not expect "{found}" at line {line}, column {column}.'
    elif isinstance(exc, lark.exceptions.UnexpectedEOF):
        detail = 'The file ended before a block or expression was closed (missing } or ] or ").'
    else:
        detail = f"Unexpected character at line {line}, column {column}."
    detail += ' Check for a missing quote, brace, bracket or "=" just before this point.'
    return TerraformError("Invalid HCL syntax", detail, Location(name, line, "", source, column))


def _add(module: Module, block: Block) -> None:
    kind, labels = block.kind, block.labels
    if kind == "resource" or kind == "data":
        table = module.resources if kind == "resource" else module.data
        key = ".".join(labels)
        if key in table:
            first = table[key]
            raise TerraformError(
                f'Duplicate {kind} "{labels[0]}" configuration',
                f'A {labels[0]} {kind} named "{labels[1]}" was already declared at '
                f"{first.filename}:{first.line}. Resource names must be unique per type in "
                "each module.",
                module.locate(block),
            )
        table[key] = block
    elif kind in ("variable", "output", "provider"):
        table = {"variable": module.variables, "output": module.outputs}.get(kind, module.providers)
        if labels[0] in table and kind != "provider":
            first = table[labels[0]]
            raise TerraformError(
                f"Duplicate {kind} declaration",
                f'A {kind} named "{labels[0]}" was already declared at '
                f"{first.filename}:{first.line}. {kind.capitalize()} names must be unique "
                "within a module.",
                module.locate(block),
            )
        table[labels[0]] = block
    elif kind == "locals":
        for name, value in block.arguments().items():
            if name in module.locals:
                first = module.locals[name][1]
                raise TerraformError(
                    "Duplicate local value definition",
                    f'A local value named "{name}" was already defined at '
                    f"{first.filename}:{first.attr_lines.get(name, (first.line,))[0]}. Local "
                    "value names must be unique within a module.",
                    module.locate(block, name),
                )
            module.locals[name] = (value, block)
    elif kind == "terraform":
        module.terraform.append(block)
    elif kind == "module":
        raise TerraformError(
            "Modules are not supported",
            "The built-in engine runs one root module; module blocks need the real terraform.",
            module.locate(block),
        )
    else:
        raise TerraformError(
            "Unsupported block type",
            f'Blocks of type "{kind}" are not expected here.',
            module.locate(block),
        )


def merge_bodies(base: dict, override: dict) -> dict:
    """Terraform's override merge: attributes replace; a nested block replaces all of its type."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key.startswith("__"):
            continue
        if key == "lifecycle" and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [{**merged[key][0], **value[0]}]
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _merge_override(module: Module, block: Block) -> None:
    kind, labels = block.kind, block.labels
    table: dict[str, Block] | None = {
        "resource": module.resources,
        "data": module.data,
        "variable": module.variables,
        "output": module.outputs,
        "provider": module.providers,
    }.get(kind)
    if kind == "locals":
        for name, value in block.arguments().items():
            if name not in module.locals:
                raise TerraformError(
                    "Missing base local value definition to override",
                    f'There is no local value named "{name}" to override.',
                    module.locate(block, name),
                )
            module.locals[name] = (value, block)
        return
    if kind == "terraform":
        module.terraform.append(block)
        return
    if table is None:
        raise TerraformError(
            "Unsupported block type", f'Blocks of type "{kind}" cannot be overridden.'
        )
    key = ".".join(labels) if kind in ("resource", "data") else labels[0]
    if key not in table:
        raise TerraformError(
            f"Missing base {kind} for override",
            f"There is no {block.header} block to override in the non-override files.",
            module.locate(block),
        )
    base = table[key]
    base.body = merge_bodies(base.body, block.body)
