"""Plan: refresh state, walk the configuration graph, and diff evaluated arguments against state.

The same walk (``Walker``) serves apply: there each resource's arguments are evaluated again
just before it is created, when everything it references exists, so handlers never see unknowns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lambdalab.terraform import functions, graph, hcl, schema
from lambdalab.terraform.config import Block, Module, node_at
from lambdalab.terraform.errors import Diagnostics, EvalError, Location, TerraformError
from lambdalab.terraform.expressions import Scope, evaluate, references, undeclared
from lambdalab.terraform.resources import base
from lambdalab.terraform.state import Instance, State, instance_address
from lambdalab.terraform.unknown import UNKNOWN, contains_unknown

#: An evaluable part of a block: an attribute, or a nested block (its whole body).
Part = hcl.Attribute | hcl.Block


def registry() -> tuple[dict[str, base.ResourceType], dict[str, base.DataSource]]:
    """The registered handlers (importing the resources package registers them)."""
    try:
        import lambdalab.terraform.resources  # noqa: F401
    except ImportError:
        pass
    return base.RESOURCE_TYPES, base.DATA_SOURCES


@dataclass
class Change:
    """What will happen to one resource instance."""

    address: str
    type: str
    name: str
    key: Any
    action: str  # create | update | replace | delete | noop | read
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    force_new: set[str] = field(default_factory=set)
    block_names: set[str] = field(default_factory=set)
    orphan: str = ""  # why a destroy happens without being asked for

    @property
    def resource_address(self) -> str:
        """``type.name``: the resource block this instance belongs to."""
        return f"{self.type}.{self.name}"


@dataclass
class Plan:
    changes: dict[str, Change] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)  # value, possibly UNKNOWN
    sensitive_outputs: set[str] = field(default_factory=set)
    prior_outputs: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # graph node order
    destroy: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes.values() if c.action == action)

    @property
    def summary(self) -> tuple[int, int, int]:
        add = self.count("create") + self.count("replace")
        change = self.count("update")
        destroy = self.count("delete") + self.count("replace")
        return add, change, destroy

    @property
    def empty(self) -> bool:
        return self.summary == (0, 0, 0)


def same(a: Any, b: Any) -> bool:
    """Planned vs state value: equal values, or JSON strings that decode to equal values."""
    if a is UNKNOWN:
        return False
    if (a is None and b in (None, [], {}, "")) or (b is None and a in ([], {}, "")):
        return True
    if functions.equal(a, b):
        return True
    if isinstance(a, str) and isinstance(b, str):
        try:
            return json.loads(a) == json.loads(b)
        except ValueError:
            return False
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return all(same(a.get(k), b.get(k)) for k in set(a) | set(b))
    return False


def same_blocks(config: Any, state: Any) -> bool:
    """Nested blocks: only what the configuration sets is compared (the rest is computed)."""
    if not isinstance(config, list) or not isinstance(state, list) or len(config) != len(state):
        return same(config, state)
    for want, have in zip(config, state, strict=True):
        if not isinstance(want, dict) or not isinstance(have, dict):
            return same(want, have)
        if not all(same(v, have.get(k)) for k, v in want.items()):
            return False
    return True


def block_names(block: Block) -> set[str]:
    """The nested block types of a resource (their values are lists of argument dicts)."""
    return block.body.block_types - schema.META_BLOCKS


class Walker:
    """Evaluates the module node by node in dependency order (plan, then again for apply)."""

    def __init__(self, module: Module, state: State, variables: dict[str, Any], ctx, out):
        self.module = module
        self.state = state
        self.ctx = ctx
        self.out = out
        self.resource_types, self.data_sources = registry()
        # each.value per for_each block, by address: apply reuses the walker after planning
        # every block, so one shared slot would hold the last block's values.
        self._each_values: dict[str, dict[Any, Any]] = {}
        root = module.directory
        self.scope = Scope(
            variables=variables,
            path={"module": ".", "root": ".", "cwd": str(root.resolve()).replace("\\", "/")},
            base_dir=str(root),
        )
        self.deps = self._dependencies()
        self.order = graph.topological_order(self.deps.keys(), self.deps)
        self.check_arguments()

    # -- validation against the provider's schema
    def schema_of(self, block: Block) -> dict | None:
        return schema.block_schema(block.kind, block.labels[0])

    def check_arguments(self) -> None:
        """Terraform's validate step: every problem of every block, reported together.

        As in terraform, what the provider would report (diagnostics "with" an address) comes
        only once the configuration decodes, and a block that refers to a failed one is not
        checked.
        """
        errors: list[TerraformError] = []
        upstream_failed: set[str] = set()  # terraform skips what depends on a failed block
        for node in self.order:
            if self.deps[node] & upstream_failed:
                upstream_failed.add(node)
                continue
            block, _ = self.nodes[node]
            spec = self.schema_of(block) if block.kind in ("resource", "data") else None
            if spec is None:
                continue
            found = schema.check_body(block.body, spec, self._locator(block), block.address)
            found += self._check_constants(block, block.body, spec)
            if found:
                upstream_failed.add(node)
                errors.extend(found)
        decoding = [e for e in errors if e.location is None or not e.location.address]
        if decoding or errors:
            raise Diagnostics(decoding or errors)

    def _check_constants(self, block: Block, body: hcl.Body, spec: dict, path: tuple = ()) -> list:
        """Type errors terraform finds before any value is known: in constant expressions."""
        errors = []
        attributes = spec.get("attributes", {})
        for name, attr in body.attributes.items():
            if name not in attributes or references(attr.expr):
                continue
            try:
                value = evaluate(attr.expr, self.scope)
            except EvalError:
                continue  # count.index, each.value …: reported when the instance is planned
            location = self._locator(block)((*path, name))
            try:
                schema.convert(value, attributes[name]["type"])
            except schema.ConversionError as exc:
                errors.append(schema.type_error(name, exc, location))
            if value is None and attributes[name].get("required"):
                location.address = block.address
                errors.append(schema.missing_argument(name, location))
        seen: dict[str, int] = {}
        for inner in body.blocks:
            index = seen.get(inner.type, 0)
            seen[inner.type] = index + 1
            nested = spec.get("block_types", {}).get(inner.type)
            if nested is not None:
                where = (*path, inner.type, index)
                errors.extend(self._check_constants(block, inner.body, nested["block"], where))
        return errors

    def _locator(self, block: Block):
        return lambda path: self.module.locate_path(block, path)

    # -- graph
    def _nodes(self) -> dict[str, tuple[Block, list[Part]]]:
        """node -> (block, its evaluable parts) for every evaluable thing in the module."""
        nodes: dict[str, tuple[Block, list[Part]]] = {}
        for name, (attr, block) in self.module.locals.items():
            nodes[f"local.{name}"] = (block, [attr])
        for name, block in self.module.variables.items():
            nodes[f"var.{name}"] = (block, [])
        for kind, table in (("data.", self.module.data), ("", self.module.resources)):
            for addr, block in table.items():
                parts = [*block.body.attributes.values(), *block.body.blocks]
                nodes[kind + addr] = (block, parts)
        for name, block in self.module.outputs.items():
            value = block.attribute("value")
            nodes[f"output.{name}"] = (block, [value] if value is not None else [])
        return nodes

    def _dependencies(self) -> dict[str, set[str]]:
        nodes = self._nodes()
        self.nodes = nodes
        deps: dict[str, set[str]] = {}
        declared = set(nodes)
        for node, (block, parts) in nodes.items():
            found: set[str] = set()
            for part in parts:
                tree = part.expr if isinstance(part, hcl.Attribute) else part.body
                for ref in references(tree):
                    if ref.address not in declared:
                        self._undeclared(ref, block, part)
                    if (
                        isinstance(part, hcl.Attribute)
                        and part.name == "depends_on"
                        and ref.kind not in ("resource", "data")
                    ):
                        raise TerraformError(
                            "Invalid depends_on reference",
                            "References in depends_on must be to a whole object (resource, data "
                            "source) rather than to a value.",
                            self.module.locate(block, part, ref.text),
                        )
                    found.add(ref.address)
            deps[node] = found
        return deps

    def _undeclared(self, ref, block: Block, part: Part):
        error = undeclared(ref.kind, ref.name)
        raise TerraformError(error.summary, error.detail, self.module.locate(block, part, ref.text))

    def resource_dependencies(self, node: str) -> list[str]:
        """State ``dependencies``: every resource/data node reachable from ``node``, sorted."""
        reach = graph.closure(node, self.deps)
        return sorted(n for n in reach if not n.startswith(("var.", "local.", "output.")))

    # -- evaluation
    def eval_attribute(self, block: Block, attr: hcl.Attribute, scope: Scope | None = None):
        """One attribute's value; an error is located at the reference that caused it."""
        try:
            return evaluate(attr.expr, scope or self.scope)
        except EvalError as exc:
            raise TerraformError(
                exc.summary, exc.detail, self.module.locate(block, attr, exc.subject)
            ) from None

    def eval_body(self, block: Block, body: hcl.Body, scope: Scope, *, top: bool = False) -> dict:
        """Attributes by name and nested blocks as lists of argument dicts (what handlers get);
        at the top, terraform's meta-arguments are left out."""
        args = {
            name: self.eval_attribute(block, attr, scope)
            for name, attr in body.attributes.items()
            if not (top and name in schema.META_ARGUMENTS)
        }
        for nested in body.blocks:
            if not (top and nested.type in schema.META_BLOCKS):
                args.setdefault(nested.type, []).append(self.eval_body(block, nested.body, scope))
        return args

    def eval_args(self, block: Block, scope: Scope) -> dict[str, Any]:
        """The block's arguments evaluated, then converted to the types its schema declares."""
        args = self.eval_body(block, block.body, scope, top=True)
        spec = self.schema_of(block)
        if spec is None:
            return args
        key = scope.count_index if scope.count_index is not None else (scope.each or (None,))[0]
        mode = "data" if block.kind == "data" else "managed"
        address = instance_address(mode, block.labels[0], block.labels[1], key)

        def describe(path: tuple) -> list[str]:
            return self.referenced_values(node_at(block.body, path).expr, scope)

        return schema.convert_body(args, spec, self._locator(block), address, describe=describe)

    def referenced_values(self, expr, scope: Scope) -> list[str]:
        """``var.t is "abc"`` for each variable and local an expression refers to."""
        lines = []
        for ref in sorted(references(expr), key=lambda r: r.text):
            table = {"var": scope.variables, "local": scope.locals}.get(ref.kind)
            if table is not None and ref.name in table:
                lines.append(f"{ref.text} {schema.describe_value(table[ref.name])}")
        return lines

    def instance_keys(self, block: Block) -> list[Any]:
        body = block.body.attributes
        if "count" in body and "for_each" in body:
            raise TerraformError(
                'Invalid combination of "count" and "for_each"',
                'The "count" and "for_each" meta-arguments are mutually-exclusive, only one '
                "should be used to be explicit about the number of resources to be created.",
                self.module.locate(block, "for_each"),
            )
        if "count" in body:
            n = self.eval_attribute(block, body["count"])
            if n is UNKNOWN:
                raise TerraformError(
                    "Invalid count argument",
                    'The "count" value depends on resource attributes that cannot be determined '
                    "until apply, so Terraform cannot predict how many instances will be created.",
                    self.module.locate(block, "count"),
                )
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise TerraformError(
                    "Invalid count argument",
                    'The given "count" argument value is unsuitable: must be a whole number '
                    "greater than or equal to zero.",
                    self.module.locate(block, "count"),
                )
            return list(range(n))
        if "for_each" in body:
            value = self.eval_attribute(block, body["for_each"])
            if contains_unknown(value):
                raise TerraformError(
                    "Invalid for_each argument",
                    'The "for_each" value depends on resource attributes that cannot be '
                    "determined until apply.",
                    self.module.locate(block, "for_each"),
                )
            if isinstance(value, dict):
                self._each_values[block.address] = value
                return sorted(value)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                self._each_values[block.address] = {v: v for v in value}
                return sorted(set(value))
            raise TerraformError(
                "Invalid for_each argument",
                'The given "for_each" argument value is unsuitable: the "for_each" argument '
                "must be a map, or set of strings.",
                self.module.locate(block, "for_each"),
            )
        return [None]

    def instance_scope(self, block: Block, key: Any) -> Scope:
        if key is None:
            return self.scope
        scope = self.scope.child()
        if isinstance(key, int) and "count" in block.body.attributes:
            scope.count_index = key
        else:
            values = self._each_values.get(block.address, {})
            scope.each = (key, values.get(key, key))
        return scope

    def publish(self, addr: str, block: Block, objects: dict[Any, Any]) -> None:
        """Make a resource's instances visible to later expressions."""
        table = self.scope.data if addr.startswith("data.") else self.scope.resources
        name = addr.removeprefix("data.")
        if "count" in block.body.attributes:
            table[name] = [objects[k] for k in sorted(objects)]
        elif "for_each" in block.body.attributes:
            table[name] = dict(objects)
        else:
            table[name] = objects.get(None)

    def eval_local(self, node: str, block: Block) -> None:
        """Evaluate ``local.<name>`` into the scope (plan and apply both walk the locals)."""
        name = node.removeprefix("local.")
        self.scope.locals[name] = self.eval_attribute(block, self.module.locals[name][0])

    def eval_output(self, node: str, block: Block) -> tuple[str, Any, bool]:
        """(name, value, sensitive) of ``output.<name>``."""
        value = block.attribute("value")
        if value is None:
            raise schema.missing_argument("value", self.module.locate(block))
        sensitive = block.attribute("sensitive")
        is_sensitive = sensitive is not None and self.eval_attribute(block, sensitive) is True
        return node.removeprefix("output."), self.eval_attribute(block, value), is_sensitive

    def resource_type(self, block: Block) -> base.ResourceType:
        return self._registered(block, self.resource_types, "resource type")

    def data_source(self, block: Block) -> base.DataSource:
        return self._registered(block, self.data_sources, "data source")

    def _registered(self, block: Block, registry: dict[str, Any], kind: str) -> Any:
        """The implementation of ``block``'s type, or an error naming the supported ones."""
        type_ = block.labels[0]
        if type_ not in registry:
            supported = ", ".join(sorted(registry)) or "(none registered)"
            raise TerraformError(
                f"Invalid {kind}",
                f'The built-in engine does not support {kind} "{type_}".\n\n'
                f"Supported {kind}s: {supported}.",
                self.module.locate(block),
            )
        return registry[type_]

    def read_data(self, block: Block, args: dict[str, Any], key: Any) -> dict:
        ds = self.data_source(block)
        label = instance_address("data", block.labels[0], block.labels[1], key)
        self.out(f"{label}: Reading...")
        try:
            attrs = ds.read(self.ctx, args)
        except Exception as exc:  # noqa: BLE001 - reported as a terraform diagnostic
            raise provider_error("reading", label, exc, self.module.locate(block)) from None
        self.out(f"{label}: Read complete after 0s" + id_suffix(attrs))
        return attrs


def id_suffix(attrs: dict[str, Any] | None) -> str:
    if attrs and attrs.get("id") not in (None, ""):
        return f" [id={attrs['id']}]"
    return ""


def provider_error(verb: str, address: str, exc: Exception, location) -> TerraformError:
    """``Error: creating aws_x.y: Code: message`` from a ResourceError or botocore error."""
    if isinstance(exc, TerraformError):
        return exc
    if isinstance(exc, base.ResourceError):
        text = f"{exc.code}: {exc.message}"
    elif hasattr(exc, "response") and isinstance(getattr(exc, "response", None), dict):
        err = exc.response.get("Error", {})
        text = f"{err.get('Code', type(exc).__name__)}: {err.get('Message', str(exc))}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    location.address = address
    return TerraformError(f"{verb} {address}: {text}", "", location)


def make_plan(walker: Walker, *, destroy: bool = False, refresh_out: bool = True) -> Plan:
    """Refresh every state instance, then decide an action for each instance."""
    state, module = walker.state, walker.module
    plan = Plan(order=walker.order, destroy=destroy)
    plan.prior_outputs = {k: v for k, (v, _) in state.outputs.items()}
    refresh(walker, state)
    if destroy:
        for inst in state.managed():
            plan.changes[inst.address] = Change(
                inst.address, inst.type, inst.name, inst.key, "delete", before=inst.attributes
            )
        plan.outputs = {}
        return plan
    planned: set[str] = set()
    for node in walker.order:
        block, _ = walker.nodes[node]
        if node.startswith("local."):
            walker.eval_local(node, block)
        elif node.startswith("data."):
            _plan_data(walker, plan, node, block)
        elif node.startswith("output."):
            name, value, sensitive = walker.eval_output(node, block)
            plan.outputs[name] = value
            if sensitive:
                plan.sensitive_outputs.add(name)
        elif not node.startswith("var."):
            for change in _plan_resource(walker, node, block):
                plan.changes[change.address] = change
                planned.add(change.address)
    for inst in state.managed():
        if inst.address not in planned:
            block = module.resources.get(inst.resource_address)
            if block is None:
                why = f"(because {inst.resource_address} is not in configuration)"
            elif isinstance(inst.key, int):
                why = f"(because index [{inst.key}] is out of range for count)"
            elif isinstance(inst.key, str):
                why = f'(because key ["{inst.key}"] is not in for_each map)'
            else:
                why = f"(because {inst.resource_address} has count or for_each now)"
            plan.changes[inst.address] = Change(
                inst.address,
                inst.type,
                inst.name,
                inst.key,
                "delete",
                before=inst.attributes,
                orphan=why,
            )
    return plan


def refresh(walker: Walker, state: State) -> None:
    """Ask each handler whether its objects still exist; forget those that are gone."""
    for inst in list(state.managed()):
        rt = walker.resource_types.get(inst.type)
        if rt is None:
            continue
        walker.out(f"{inst.address}: Refreshing state..." + id_suffix(inst.attributes))
        try:
            fresh = rt.read(walker.ctx, dict(inst.attributes))
        except Exception as exc:  # noqa: BLE001
            raise provider_error("reading", inst.address, exc, Location("", 0)) from None
        if fresh is None:
            del state.instances[inst.address]
        else:
            inst.attributes = fresh


def _plan_data(walker: Walker, plan: Plan, node: str, block: Block) -> None:
    objects = {}
    for key in walker.instance_keys(block):
        args = walker.eval_args(block, walker.instance_scope(block, key))
        addr = instance_address("data", block.labels[0], block.labels[1], key)
        if contains_unknown(args):
            objects[key] = UNKNOWN
            plan.changes[addr] = Change(
                addr, block.labels[0], block.labels[1], key, "read", after=args
            )
        else:
            objects[key] = walker.read_data(block, args, key)
            walker.state.instances[addr] = Instance(
                "data", block.labels[0], block.labels[1], key, objects[key]
            )
    walker.publish(node, block, objects)


def planned_object(rt: base.ResourceType, args: dict[str, Any]) -> dict[str, Any]:
    """What a new object will look like: defaults, arguments, computed values unknown."""
    obj = {**rt.defaults, **args}
    for name in rt.computed:
        if name not in args or args[name] is None:
            obj[name] = UNKNOWN
    return obj


def _plan_resource(walker: Walker, node: str, block: Block) -> list[Change]:
    rt = walker.resource_type(block)
    type_, name = block.labels
    blocks = block_names(block)
    changes = []
    objects = {}
    for key in walker.instance_keys(block):
        addr = instance_address("managed", type_, name, key)
        args = walker.eval_args(block, walker.instance_scope(block, key))
        prior = walker.state.instances.get(addr)
        if prior is None:
            change = Change(addr, type_, name, key, "create", after=planned_object(rt, args))
        else:
            before = prior.attributes
            changed = {
                k
                for k, v in args.items()
                if not (same_blocks if k in blocks else same)(v, before.get(k))
            }
            changed |= {
                k
                for k, v in rt.defaults.items()
                if k not in args and k in before and not same(v, before.get(k))
            }
            forced = changed & set(rt.force_new)
            if forced:
                change = Change(
                    addr, type_, name, key, "replace", before, planned_object(rt, args), forced
                )
            elif changed:
                after = {**before, **args}
                for k in rt.defaults:
                    if k not in args:
                        after[k] = rt.defaults[k]
                change = Change(addr, type_, name, key, "update", before, after)
            else:
                change = Change(addr, type_, name, key, "noop", before, before)
        change.block_names = blocks
        objects[key] = change.after
        changes.append(change)
    walker.publish(node, block, objects)
    return changes
