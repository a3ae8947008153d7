"""Load every ``*.tf`` in a directory as one Terraform module, with override files merged.

Each file is parsed once (``hcl.parse``) into bodies, blocks and attributes that carry their
line numbers and expression trees; the evaluator walks those trees, and problems are located
from the same nodes (the attribute's lines, then the reference text within them).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from lambdalab.terraform import hcl
from lambdalab.terraform.errors import Location, TerraformError

#: The labels each top-level block type takes (terraform's names for them, for errors).
LABELS = {
    "resource": ("type", "name"),
    "data": ("type", "name"),
    "variable": ("name",),
    "output": ("name",),
    "provider": ("name",),
    "module": ("name",),
    "locals": (),
    "terraform": (),
}


@dataclass
class Block:
    """One top-level block: its kind, labels, body and the file it is written in."""

    kind: str
    labels: tuple[str, ...]
    body: hcl.Body
    filename: str
    line: int
    end_line: int

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

    def attribute(self, name: str) -> hcl.Attribute | None:
        return self.body.attributes.get(name)


@dataclass
class Module:
    """The root module: blocks by kind, plus the file texts for locating problems."""

    directory: Path
    texts: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, tuple[hcl.Attribute, Block]] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    resources: dict[str, Block] = field(default_factory=dict)  # "type.name"
    data: dict[str, Block] = field(default_factory=dict)  # "type.name"
    providers: dict[str, Block] = field(default_factory=dict)
    terraform: list[Block] = field(default_factory=list)

    def locate(
        self,
        block: Block,
        node: str | hcl.Attribute | hcl.Block | None = None,
        subject: str | None = None,
    ) -> Location:
        """Where a problem in ``block`` is: the line of ``subject`` (a reference's text) within
        ``node`` (an attribute or nested block, or a top-level attribute's name), else the first
        line of ``node``, else the block header."""
        if isinstance(node, str):
            node = block.body.attributes.get(node) or next(iter(block.body.blocks_of(node)), None)
        start, end = (node.line, node.end_line) if node is not None else (block.line, block.line)
        filename = (node.filename if node is not None else "") or block.filename
        lines = self.texts.get(filename, "").splitlines()
        line = start
        if subject:
            scan_end = end if node is not None else block.end_line
            for n in range(start, min(scan_end, len(lines)) + 1):
                if subject in lines[n - 1]:
                    line = n
                    break
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        what = block.header if block.kind != "locals" else "locals"
        return Location(filename, line, what, source)

    def locate_path(self, block: Block, path: tuple) -> Location:
        """Where ``path`` is: nested block (type, index) pairs, then maybe an attribute name;
        ``()`` is the block header."""
        return self.locate(block, node_at(block.body, path) if path else None)


def node_at(body: hcl.Body, path: tuple) -> hcl.Attribute | hcl.Block:
    """The nested block or attribute ``path`` names (see :meth:`Module.locate_path`)."""
    node: hcl.Attribute | hcl.Block | None = None
    steps = list(path)
    while steps:
        name = steps.pop(0)
        if steps and isinstance(steps[0], int):
            node = body.blocks_of(name)[steps.pop(0)]
            body = node.body
        else:
            node = body.attributes[name]
    if node is None:
        raise ValueError("an empty path names no node")
    return node


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
    """The top-level blocks of one file (a top-level attribute is an error, as in terraform)."""
    body = hcl.parse(text, name)
    for attr in body.attributes.values():
        raise TerraformError(
            "Unsupported argument",
            f'An argument named "{attr.name}" is not expected here.',
            Location(name, attr.line, "", text.splitlines()[attr.line - 1]),
        )
    blocks = []
    for node in body.blocks:
        names = LABELS.get(node.type)
        if names is not None and len(node.labels) != len(names):
            location = Location(name, node.line, "", text.splitlines()[node.line - 1])
            if len(node.labels) < len(names):
                raise TerraformError(
                    f"Missing {names[len(node.labels)]} for {node.type}",
                    f"All {node.type} blocks must have {len(names)} labels ({', '.join(names)}).",
                    location,
                )
            expected = (
                f"Only {len(names)} labels ({', '.join(names)}) are expected"
                if names
                else "No labels are expected"
            )
            raise TerraformError(
                f"Extraneous label for {node.type}",
                f"{expected} for {node.type} blocks.",
                location,
            )
        blocks.append(Block(node.type, node.labels, node.body, name, node.line, node.end_line))
    return blocks


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
        for name, attr in block.body.attributes.items():
            if name in module.locals:
                first_attr, first = module.locals[name]
                raise TerraformError(
                    "Duplicate local value definition",
                    f'A local value named "{name}" was already defined at '
                    f"{first.filename}:{first_attr.line}. Local value names must be unique "
                    "within a module.",
                    module.locate(block, attr),
                )
            module.locals[name] = (attr, block)
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


def merge_bodies(base: hcl.Body, override: hcl.Body) -> hcl.Body:
    """Terraform's override merge: attributes replace; a nested block replaces all of its type
    (``lifecycle`` merges its arguments)."""
    merged = hcl.Body(dict(base.attributes), list(base.blocks))
    merged.attributes.update(override.attributes)
    for type_ in override.block_types:
        replacements = override.blocks_of(type_)
        if type_ == "lifecycle" and base.blocks_of(type_):
            first = copy.copy(base.blocks_of(type_)[0])
            first.body = merge_bodies(first.body, replacements[0].body)
            replacements = [first]
        kept = [b for b in merged.blocks if b.type != type_]
        merged.blocks = kept + replacements
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
        for name, attr in block.body.attributes.items():
            if name not in module.locals:
                raise TerraformError(
                    "Missing base local value definition to override",
                    f'There is no local value named "{name}" to override.',
                    module.locate(block, attr),
                )
            module.locals[name] = (attr, block)
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
