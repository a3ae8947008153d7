"""Evaluate HCL expressions: one walker over python-hcl2's syntax trees (see ``hcl``).

It covers references, templates, heredocs, operators, ``for`` expressions, splats and function
calls. Values are plain Python (str, int/float, bool, None, list, dict); ``UNKNOWN`` stands for
a value known only after apply and poisons whatever it flows into.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

from lambdalab.terraform import functions
from lambdalab.terraform.errors import EvalError
from lambdalab.terraform.hcl import Body, parse_expression, token_text, trees
from lambdalab.terraform.unknown import UNKNOWN, contains_unknown


def unwrap(node: Tree) -> Tree:
    """The expression inside redundant ``expr_term`` wrappers (parentheses are kept)."""
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = trees(node)
        if len(inner) != 1 or any(isinstance(c, Token) and c.type == "LPAR" for c in node.children):
            break
        node = inner[0]
    return node


# --------------------------------------------------------------------------- references


ROOTS_WITHOUT_TYPE = {
    "var",
    "local",
    "data",
    "path",
    "count",
    "each",
    "self",
    "terraform",
    "module",
}


@dataclass(frozen=True)
class Reference:
    """One reference found in an expression: ``kind`` is var/local/data/resource/…"""

    kind: str
    name: str  # "x" for var.x, "aws_s3_bucket.b" for resources, "archive_file.main" for data
    text: str  # how it is written, for error locations

    @property
    def address(self) -> str:
        return {"var": "var.", "local": "local.", "data": "data."}.get(self.kind, "") + self.name


def undeclared(kind: str, name: str, subject: str | None = None) -> EvalError:
    """Terraform's error for a reference to an undeclared var, local, data or resource.

    ``name`` is "x" for var.x / local.x and "type.label" for data sources and resources.
    """
    if kind == "var":
        return EvalError(
            "Reference to undeclared input variable",
            f'An input variable with the name "{name}" has not been declared. '
            f'This variable can be declared with a variable "{name}" {{}} block.',
            subject=subject or f"var.{name}",
        )
    if kind == "local":
        return EvalError(
            "Reference to undeclared local value",
            f'A local value with the name "{name}" has not been declared.',
            subject=subject or f"local.{name}",
        )
    type_, _, label = name.partition(".")
    what = "data resource" if kind == "data" else "managed resource"
    return EvalError(
        "Reference to undeclared resource",
        f'A {what} "{type_}" "{label}" has not been declared in the root module.',
        subject=subject or ("data." if kind == "data" else "") + name,
    )


def _step_of(op: Tree) -> tuple[str, Any]:
    """One traversal operator as a step: ("attr", name), ("index_lit", n) or ("index", node)."""
    if op.data == "get_attr":
        return ("attr", token_text(trees(op)[0]))
    if op.data == "short_index":
        return ("index_lit", int(op.children[-1]))
    return ("index", trees(op)[0])


def _chain(node: Tree) -> tuple[Tree, list[tuple[str, Any]]]:
    """Split a traversal into its root node and steps [("attr", name) | ("index", node)]."""
    steps: list[tuple[str, Any]] = []
    node = unwrap(node)
    while isinstance(node, Tree) and node.data in ("get_attr_expr_term", "index_expr_term"):
        subject, op = trees(node)
        steps.append(_step_of(op))
        node = unwrap(subject)
    steps.reverse()
    return node, steps


def _attr_names(steps: list[tuple[str, Any]], n: int) -> list[str] | None:
    names = [s[1] for s in steps[:n] if s[0] == "attr"]
    return names if len(names) == n else None


def references(node: Tree | Body) -> list[Reference]:
    """Every reference to a variable, local, data source or resource in an expression or a
    whole body (its attributes and nested blocks)."""
    found: dict[tuple[str, str], Reference] = {}

    def visit_body(body: Body) -> None:
        for attr in body.attributes.values():
            visit(attr.expr, frozenset())
        for block in body.blocks:
            visit_body(block.body)

    def visit(node: Any, bound: frozenset[str]) -> None:
        if not isinstance(node, Tree):
            return
        node = unwrap(node)
        if not isinstance(node, Tree):
            return
        if node.data in ("identifier", "get_attr_expr_term", "index_expr_term"):
            root, steps = _chain(node)
            if isinstance(root, Tree) and root.data == "identifier":
                ref = _reference(token_text(root), steps, bound)
                if ref is not None:
                    found.setdefault((ref.kind, ref.name), ref)
                for kind, step in steps:
                    if kind == "index":
                        visit(step, bound)
                return
            visit(root, bound)
            for kind, step in steps:
                if kind == "index":
                    visit(step, bound)
            return
        if node.data in ("for_tuple_expr", "for_object_expr"):
            intro = next(c for c in trees(node) if c.data == "for_intro")
            names = [token_text(c) for c in trees(intro) if c.data == "identifier"]
            visit(trees(intro)[-1], bound)
            inner = bound | frozenset(names)
            for child in trees(node):
                if child is not intro:
                    visit(child, inner)
            return
        if node.data in ("heredoc_template", "heredoc_template_trim"):
            for is_expr, piece in split_template(str(node.children[0])):
                if is_expr:
                    visit(parse_expression(piece), bound)
            return
        if node.data == "function_call":
            for child in trees(node)[1:]:
                visit(child, bound)
            return
        if node.data == "object_elem_key":
            key = unwrap(trees(node)[0]) if trees(node) else None
            if isinstance(key, Tree) and key.data == "identifier":
                return
        for child in node.children:
            visit(child, bound)

    if isinstance(node, Body):
        visit_body(node)
    else:
        visit(node, frozenset())
    return list(found.values())


def _reference(root: str, steps: list, bound: frozenset[str]) -> Reference | None:
    if root in bound:
        return None
    if root in ("var", "local"):
        names = _attr_names(steps, 1)
        if names:
            return Reference(root, names[0], f"{root}.{names[0]}")
        return None
    if root == "data":
        names = _attr_names(steps, 2)
        if names:
            return Reference("data", ".".join(names), "data." + ".".join(names))
        return None
    if root in ROOTS_WITHOUT_TYPE:
        return None
    names = _attr_names(steps, 1)
    if names:
        return Reference("resource", f"{root}.{names[0]}", f"{root}.{names[0]}")
    return None


# --------------------------------------------------------------------------- scope


@dataclass
class Scope:
    """What names mean while evaluating: filled by the planner in dependency order."""

    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)  # "type.name" -> object/list/dict
    data: dict[str, Any] = field(default_factory=dict)  # "type.name" -> object
    path: dict[str, str] = field(default_factory=dict)  # module / root / cwd
    count_index: int | None = None
    each: tuple[Any, Any] | None = None
    bindings: dict[str, Any] = field(default_factory=dict)  # for-expression variables
    base_dir: str = "."  # where file() and friends resolve relative paths

    def child(self, **bindings: Any) -> Scope:
        scope = Scope(**{**self.__dict__, "bindings": {**self.bindings, **bindings}})
        return scope


# --------------------------------------------------------------------------- evaluation


def evaluate(node: Tree, scope: Scope) -> Any:
    """The value of one expression's syntax tree (an attribute's ``expr``)."""
    return _Evaluator(scope).eval(node)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {}


class _Evaluator:
    def __init__(self, scope: Scope):
        self.scope = scope

    def eval(self, node: Any) -> Any:
        if isinstance(node, Token):
            raise EvalError("Unsupported expression", f"Unexpected token {node!s}.")
        handler = getattr(self, "_" + node.data, None)
        if handler is None:
            raise EvalError(
                "Unsupported expression",
                f"The built-in engine does not support HCL {node.data.replace('_', ' ')}.",
            )
        return handler(node)

    # -- terms
    def _expr_term(self, node: Tree) -> Any:
        return self.eval(trees(node)[0])

    def _int_lit(self, node: Tree) -> Any:
        return int(str(node.children[0]))

    def _float_lit(self, node: Tree) -> Any:
        return functions.normalize_number(float(str(node.children[0])))

    def _literal_value(self, node: Tree) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _tuple(self, node: Tree) -> Any:
        return [self.eval(c) for c in trees(node)]

    def _object(self, node: Tree) -> Any:
        result: dict[str, Any] = {}
        for elem in trees(node):
            key_node, value_node = trees(elem)
            key_inner = trees(key_node)
            inner = unwrap(key_inner[0]) if key_inner else None
            if inner is None:  # a keyword such as `in` used as a key
                key = token_text(key_node)
            elif isinstance(inner, Tree) and inner.data == "identifier":
                key = token_text(inner)
            else:
                key_value = self.eval(key_inner[0])
                if key_value is UNKNOWN:
                    return UNKNOWN
                key = functions.to_string(key_value)
            result[key] = self.eval(value_node)
        return result

    def _conditional(self, node: Tree) -> Any:
        cond, then, other = trees(node)
        test = self.eval(cond)
        if test is UNKNOWN:
            return UNKNOWN
        if not isinstance(test, bool):
            test = functions.to_bool(test)
        return self.eval(then) if test else self.eval(other)

    def _binary_op(self, node: Tree) -> Any:
        lhs_node, term = trees(node)[:2]
        op_node, rhs_node = trees(term)
        op = token_text(op_node)
        lhs, rhs = self.eval(lhs_node), self.eval(rhs_node)
        if lhs is UNKNOWN or rhs is UNKNOWN:
            return UNKNOWN
        return functions.binary(op, lhs, rhs)

    def _unary_op(self, node: Tree) -> Any:
        op = str(node.children[0])
        value = self.eval(trees(node)[0])
        if value is UNKNOWN:
            return UNKNOWN
        if op == "!":
            return not functions.to_bool(value)
        return functions.normalize_number(-functions.to_number(value))

    # -- strings
    def _string(self, node: Tree) -> Any:
        part_nodes = trees(node)
        if len(part_nodes) == 1 and isinstance(part_nodes[0].children[0], Tree):
            only = part_nodes[0].children[0]
            if only.data == "interpolation":  # "${x}" is x itself, whatever its type
                return self.eval(trees(only)[0])
        parts: list[Any] = []
        for part in part_nodes:
            child = part.children[0]
            if isinstance(child, Token):
                if child.type == "ESCAPED_INTERPOLATION" or child.type == "ESCAPED_DIRECTIVE":
                    parts.append(str(child)[1:])
                else:
                    parts.append(unescape(str(child)))
            elif child.data == "interpolation":
                parts.append(self._interpolate(trees(child)[0]))
            else:
                raise EvalError(
                    "Unsupported template directive",
                    "The built-in engine does not support %{if}/%{for} template directives.",
                )
        return _join_template(parts)

    def _template_string(self, node: Tree) -> Any:
        return unescape(str(node.children[0])[2:-2])

    def _interpolate(self, node: Tree) -> Any:
        value = self.eval(node)
        if value is UNKNOWN:
            return UNKNOWN
        if value is None:
            raise EvalError(
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template.",
            )
        if isinstance(value, list | dict):
            raise EvalError(
                "Invalid template interpolation value",
                "Cannot include the given value in a string template: string required.",
            )
        return functions.to_string(value)

    def _heredoc_template(self, node: Tree) -> Any:
        return self._heredoc(str(node.children[0]), trim=False)

    def _heredoc_template_trim(self, node: Tree) -> Any:
        return self._heredoc(str(node.children[0]), trim=True)

    def _heredoc(self, text: str, *, trim: bool) -> Any:
        lines = text.replace("\r\n", "\n").split("\n")
        body = lines[1:-2]  # drop "<<EOT", the closing marker line and the final ""
        if trim:
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in body if ln.strip()]
            cut = min(indents, default=0)
            body = [ln[cut:] for ln in body]
        content = "".join(ln + "\n" for ln in body)
        return _join_template(
            [
                self._interpolate(parse_expression(piece)) if is_expr else piece
                for is_expr, piece in split_template(content)
            ]
        )

    # -- references
    def _identifier(self, node: Tree) -> Any:
        return self._traverse(node)

    def _get_attr_expr_term(self, node: Tree) -> Any:
        return self._traverse(node)

    def _index_expr_term(self, node: Tree) -> Any:
        return self._traverse(node)

    def _traverse(self, node: Tree) -> Any:
        root, steps = _chain(node)
        if isinstance(root, Tree) and root.data == "identifier":
            value, text, steps = self._resolve_root(token_text(root), steps)
        else:
            value, text = self.eval(root), "value"
        for step in steps:
            value, text = self._step(value, text, step)
        return value

    def _step(self, value: Any, text: str, step: tuple[str, Any]) -> tuple[Any, str]:
        kind, arg = step
        if value is UNKNOWN:
            return UNKNOWN, text
        if kind == "attr":
            if isinstance(value, dict):
                if arg not in value:
                    raise EvalError(
                        "Unsupported attribute",
                        "This object has no argument, nested block, or exported attribute named "
                        f'"{arg}".',
                        subject=f"{text}.{arg}",
                    )
                return value[arg], f"{text}.{arg}"
            if isinstance(value, list) and value and isinstance(value[0], dict):
                raise EvalError(
                    "Unsupported attribute",
                    f"This value does not have any attributes. Use an index, such as "
                    f"{text}[0].{arg}, or a splat, such as {text}[*].{arg}.",
                    subject=f"{text}.{arg}",
                )
            raise EvalError(
                "Unsupported attribute",
                "This value does not have any attributes.",
                subject=f"{text}.{arg}",
            )
        key = arg if kind == "index_lit" else self.eval(arg)
        if key is UNKNOWN:
            return UNKNOWN, text
        return functions.index(value, key, text), f"{text}[{json.dumps(key)}]"

    def _resolve_root(self, root: str, steps: list) -> tuple[Any, str, list]:
        scope = self.scope
        if root in scope.bindings:
            return scope.bindings[root], root, steps
        if root in ("var", "local"):
            names = _attr_names(steps, 1)
            if not names:
                raise EvalError(
                    "Invalid reference", f'The "{root}" object cannot be accessed directly.'
                )
            table = scope.variables if root == "var" else scope.locals
            if names[0] not in table:
                raise undeclared(root, names[0])
            return table[names[0]], f"{root}.{names[0]}", steps[1:]
        if root == "path":
            names = _attr_names(steps, 1)
            if not names or names[0] not in scope.path:
                raise EvalError(
                    'Invalid "path" attribute',
                    'The "path" object has attributes "module", "root" and "cwd".',
                    subject="path",
                )
            return scope.path[names[0]], f"path.{names[0]}", steps[1:]
        if root == "count":
            if scope.count_index is None:
                raise EvalError(
                    'Reference to "count" in non-counted context',
                    'The "count" object can only be used in "module", "resource", and "data" '
                    'blocks, and only when the "count" argument is set.',
                    subject="count.index",
                )
            return scope.count_index, "count.index", steps[1:]
        if root == "each":
            names = _attr_names(steps, 1)
            if scope.each is None:
                raise EvalError(
                    'Reference to "each" in context without for_each',
                    'The "each" object can be used only in "module" or "resource" blocks, and '
                    'only when the "for_each" argument is set.',
                    subject="each",
                )
            if not names or names[0] not in ("key", "value"):
                raise EvalError('Invalid "each" attribute', 'Use "each.key" or "each.value".')
            return scope.each[0 if names[0] == "key" else 1], f"each.{names[0]}", steps[1:]
        if root == "terraform":
            return "default", "terraform.workspace", steps[1:]
        if root == "data":
            names = _attr_names(steps, 2)
            addr = ".".join(names or [])
            if not names or addr not in scope.data:
                raise undeclared("data", addr if names else "?.?", subject=f"data.{addr}")
            return scope.data[addr], f"data.{addr}", steps[2:]
        if root in ROOTS_WITHOUT_TYPE:
            raise EvalError(
                "Unsupported reference",
                f'The built-in engine does not support references to "{root}".',
                subject=root,
            )
        names = _attr_names(steps, 1)
        if not names:
            raise EvalError(
                "Invalid reference",
                f"A reference to a resource type must be followed by at least one attribute "
                f'access, specifying the resource name. ("{root}" is not a known name here.)',
                subject=root,
            )
        addr = f"{root}.{names[0]}"
        if addr not in scope.resources:
            raise undeclared("resource", addr)
        return scope.resources[addr], addr, steps[1:]

    # -- splats
    def _full_splat_expr_term(self, node: Tree) -> Any:
        return self._splat(node)

    def _attr_splat_expr_term(self, node: Tree) -> Any:
        return self._splat(node)

    def _splat(self, node: Tree) -> Any:
        subject_node, splat = trees(node)
        subject = self.eval(subject_node)
        if subject is UNKNOWN:
            return UNKNOWN
        items = [] if subject is None else subject if isinstance(subject, list) else [subject]
        steps = [_step_of(op) for op in trees(splat)]
        result = []
        for item in items:
            value, text = item, "each item"
            for step in steps:
                value, text = self._step(value, text, step)
            result.append(value)
        return result

    # -- for expressions
    def _for_tuple_expr(self, node: Tree) -> Any:
        intro, *rest = trees(node)
        cond = rest[-1] if rest[-1].data == "for_cond" else None
        body = rest[0]
        out = []
        for scope in self._for_scopes(intro, cond):
            if scope is UNKNOWN:
                return UNKNOWN
            out.append(_Evaluator(scope).eval(body))
        return out

    def _for_object_expr(self, node: Tree) -> Any:
        intro, *rest = trees(node)
        cond = rest[-1] if rest[-1].data == "for_cond" else None
        key_node, value_node = rest[0], rest[1]
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        out: dict[str, Any] = {}
        for scope in self._for_scopes(intro, cond):
            if scope is UNKNOWN:
                return UNKNOWN
            ev = _Evaluator(scope)
            key = ev.eval(key_node)
            if key is UNKNOWN:
                return UNKNOWN
            key = functions.to_string(key)
            value = ev.eval(value_node)
            if grouping:
                out.setdefault(key, []).append(value)
            elif key in out:
                raise EvalError(
                    "Duplicate object key",
                    f"Two different items produced the key \"{key}\" in this 'for' expression. "
                    "If duplicates are expected, use the ellipsis (...) after the value "
                    "expression to enable grouping by key.",
                )
            else:
                out[key] = value
        return out

    def _for_scopes(self, intro: Tree, cond: Tree | None):
        names = [token_text(c) for c in trees(intro) if c.data == "identifier"]
        collection = self.eval(trees(intro)[-1])
        if contains_unknown(collection):
            yield UNKNOWN
            return
        if isinstance(collection, dict):
            pairs = sorted(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            raise EvalError(
                "Iteration over non-iterable value",
                f"A value of type {functions.type_name(collection)} cannot be used as the "
                "collection in a 'for' expression.",
            )
        for key, value in pairs:
            bindings = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
            scope = self.scope.child(**bindings)
            if cond is not None:
                keep = _Evaluator(scope).eval(trees(cond)[0])
                if keep is UNKNOWN:
                    yield UNKNOWN
                    return
                if not functions.to_bool(keep):
                    continue
            yield scope

    # -- functions
    def _function_call(self, node: Tree) -> Any:
        ids = [c for c in trees(node) if c.data == "identifier"]
        name = ":".join(token_text(i) for i in ids) if len(ids) > 1 else token_text(ids[0])
        args_node = next((c for c in trees(node) if c.data == "arguments"), None)
        arg_nodes = trees(args_node) if args_node is not None else []
        expand = args_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children
        )
        if name in ("try", "can"):
            return self._try(name, arg_nodes)
        args = [self.eval(a) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if last is UNKNOWN:
                return UNKNOWN
            args.extend(last)
        return functions.call(name, args, base_dir=self.scope.base_dir)

    def _try(self, name: str, arg_nodes: list[Tree]) -> Any:
        for arg in arg_nodes:
            try:
                value = self.eval(arg)
            except EvalError:
                if name == "can":
                    return False
                continue
            if value is UNKNOWN:
                return UNKNOWN
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvalError(
            "Error in function call",
            'Call to function "try" failed: no expression succeeded.',
        )


# --------------------------------------------------------------------------- templates


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """Decode HCL quoted-string escapes (\\n \\t \\" \\\\ \\uNNNN \\UNNNNNNNN)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u":
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt == "U":
                out.append(chr(int(text[i + 2 : i + 10], 16)))
                i += 10
                continue
            raise EvalError("Invalid escape sequence", f"The symbol {nxt!r} is not a valid escape.")
        out.append(ch)
        i += 1
    return "".join(out)


def split_template(content: str) -> list[tuple[bool, str]]:
    """Split heredoc text into literal pieces and ``${…}`` expression sources."""
    pieces: list[tuple[bool, str]] = []
    literal: list[str] = []
    i = 0
    while i < len(content):
        if content.startswith("$${", i) or content.startswith("%%{", i):
            literal.append(content[i + 1 : i + 3])
            i += 3
            continue
        if content.startswith("%{", i):
            raise EvalError(
                "Unsupported template directive",
                "The built-in engine does not support %{if}/%{for} template directives.",
            )
        if content.startswith("${", i):
            depth, j, quote = 1, i + 2, False
            while j < len(content) and depth:
                c = content[j]
                if quote:
                    if c == "\\":
                        j += 1
                    elif c == '"':
                        quote = False
                elif c == '"':
                    quote = True
                elif c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                j += 1
            if depth:
                raise EvalError("Unterminated template string", "A ${ has no closing }.")
            if literal:
                pieces.append((False, "".join(literal)))
                literal = []
            pieces.append((True, content[i + 2 : j - 1].strip()))
            i = j
            continue
        literal.append(content[i])
        i += 1
    if literal:
        pieces.append((False, "".join(literal)))
    return pieces


def _join_template(parts: list[Any]) -> Any:
    if any(p is UNKNOWN for p in parts):
        return UNKNOWN
    return "".join(parts)
