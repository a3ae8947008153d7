"""One parse of an HCL file into bodies, blocks and attributes that keep their line numbers.

python-hcl2's Lark grammar (``hcl2.parses_to_tree``) gives a concrete syntax tree; this module
turns it into the structure terraform itself works with (``hcl.Body``: attributes and blocks),
keeping each attribute's *expression tree* as it is, so the evaluator walks the very nodes the
file was parsed into. Nothing is serialized to text and parsed again; only the ``${…}`` pieces of
a heredoc are parsed on their own, because the grammar keeps a heredoc as one token.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import hcl2
import lark
from lark import Token, Tree

from lambdalab.terraform.errors import Location, TerraformError


@dataclass
class Attribute:
    """``name = expr``: the expression's syntax tree and the lines it spans."""

    name: str
    expr: Tree
    line: int
    end_line: int
    column: int = 1
    end_column: int = 1
    filename: str = ""  # an override file's attribute keeps its own file


@dataclass
class Block:
    """``type "label" … { body }``."""

    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int
    filename: str = ""


@dataclass
class Body:
    """What is inside braces (or a whole file): attributes by name and blocks in source order."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]

    @property
    def block_types(self) -> set[str]:
        return {b.type for b in self.blocks}


def trees(node: Tree) -> list[Tree]:
    """A node's child trees, without the comment/newline filler."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def token_text(node: Tree | Token) -> str:
    """The source text of a node made of tokens (an identifier, an operator, a literal)."""
    if isinstance(node, Token):
        return str(node)
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def parse(text: str, filename: str) -> Body:
    """Parse a whole file; a syntax error becomes terraform's "Invalid HCL syntax" diagnostic."""
    try:
        tree = hcl2.parses_to_tree(text)
    except lark.exceptions.UnexpectedInput as exc:
        raise syntax_error(filename, text, exc) from None
    return _body(tree.children[0], filename, text)


@functools.lru_cache(maxsize=1024)
def parse_expression(source: str) -> Tree:
    """The syntax tree of one expression given as text (``-var`` values, heredoc pieces)."""
    tree = hcl2.parses_to_tree(f"x = {source}\n")
    return next(c for c in trees(tree.children[0]) if c.data == "attribute").children[-1]


def _body(node: Tree, filename: str, text: str) -> Body:
    body = Body()
    for child in trees(node):
        if child.data == "attribute":
            name_node = child.children[0]
            name = token_text(name_node)
            attr = Attribute(
                name,
                child.children[-1],
                child.meta.line,
                getattr(child.meta, "end_line", child.meta.line),
                name_node.meta.column,
                name_node.meta.end_column,
                filename,
            )
            if name in body.attributes:
                first = body.attributes[name]
                lines = text.splitlines()
                raise TerraformError(
                    "Attribute redefined",
                    f'The argument "{name}" was already set at {filename}:{first.line},'
                    f"{first.column}-{first.end_column}. Each argument may be set only once.",
                    Location(filename, attr.line, "", lines[attr.line - 1]),
                )
            body.attributes[name] = attr
        elif child.data == "block":
            parts = trees(child)
            inner = next(p for p in parts if p.data == "body")
            labels = tuple(_label(p) for p in parts[1:] if p is not inner)
            body.blocks.append(
                Block(
                    token_text(parts[0]),
                    labels,
                    _body(inner, filename, text),
                    child.meta.line,
                    child.meta.end_line,
                    filename,
                )
            )
    return body


def _label(node: Tree) -> str:
    text = token_text(node)
    return text[1:-1] if text.startswith('"') else text


def syntax_error(name: str, text: str, exc: lark.exceptions.UnexpectedInput) -> TerraformError:
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
