"""Apply a plan: deletions in reverse dependency order, then the graph in order.

State is saved after every resource operation, so a failure half-way keeps everything that was
created (a retry neither orphans nor duplicates objects).
"""

from __future__ import annotations

import time
from typing import Any

from lambdalab.terraform import graph
from lambdalab.terraform.errors import Location, TerraformError
from lambdalab.terraform.plan import Change, Plan, Walker, id_suffix, provider_error
from lambdalab.terraform.state import Instance, StateStore
from lambdalab.terraform.unknown import contains_unknown


class Counts:
    def __init__(self) -> None:
        self.added = self.changed = self.destroyed = 0


def _elapsed(start: float) -> str:
    return f"{int(time.monotonic() - start)}s"


def apply_plan(walker: Walker, plan: Plan, store: StateStore) -> Counts:
    """Carry out ``plan``; raise TerraformError (state already saved) on the first failure."""
    counts = Counts()
    state = walker.state
    try:
        deletions = [c for c in plan.changes.values() if c.action == "delete"]
        _delete_all(walker, deletions, store, counts)
        if plan.destroy:
            for addr in [a for a, i in state.instances.items() if i.mode == "data"]:
                del state.instances[addr]
            state.outputs = {}
            store.save(state)
            return counts
        by_node: dict[str, list[Change]] = {}
        for change in plan.changes.values():
            if change.action not in ("delete",):
                node = change.resource_address
                by_node.setdefault(("data." if change.action == "read" else "") + node, []).append(
                    change
                )
        outputs: dict[str, tuple[Any, bool]] = {}
        for node in walker.order:
            block, _ = walker.nodes[node]
            if node.startswith("local."):
                walker.eval_local(node, block)
            elif node.startswith("data."):
                _apply_data(walker, node, block, by_node.get(node, []), store)
            elif node.startswith("output."):
                name, value, sensitive = walker.eval_output(node, block)
                outputs[name] = (value, sensitive)
            elif not node.startswith("var."):
                _apply_resource(walker, node, block, by_node.get(node, []), store, counts)
        state.outputs = outputs
    finally:
        store.save(state)  # also after a failure: what was created is recorded
    return counts


def _delete_all(walker: Walker, deletions: list[Change], store: StateStore, counts: Counts) -> None:
    """Delete in reverse dependency order. Like terraform, a failure does not stop the others:
    only what the failed resource still depends on is kept; the first error is raised at the end.
    """
    ordered, deps = _destroy_order(walker, deletions)
    errors: list[TerraformError] = []
    kept: set[str] = set()
    for change in ordered:
        node = change.resource_address
        if node in kept:
            continue
        try:
            _delete(walker, change, store, counts)
        except TerraformError as err:
            errors.append(err)
            stack = [node]
            while stack:  # everything the failed resource depends on must stay
                for dep in deps.get(stack.pop(), ()):
                    if dep not in kept:
                        kept.add(dep)
                        stack.append(dep)
    if errors:
        raise errors[0]


def _destroy_order(
    walker: Walker, deletions: list[Change]
) -> tuple[list[Change], dict[str, set[str]]]:
    deps: dict[str, set[str]] = {}
    for change in deletions:
        inst = walker.state.instances.get(change.address)
        node = change.resource_address
        deps.setdefault(node, set()).update(inst.dependencies if inst else ())
        deps[node] |= walker.deps.get(node, set())
    order = graph.reverse_order(deps.keys(), deps)
    rank = {n: i for i, n in enumerate(order)}
    ordered = sorted(
        deletions, key=lambda c: (rank[f"{c.type}.{c.name}"], str(type(c.key)), c.key or 0)
    )
    return ordered, deps


def _location(walker: Walker, change: Change) -> Location:
    block = walker.module.resources.get(change.resource_address)
    loc = walker.module.locate(block) if block is not None else Location("", 0)
    loc.address = change.address
    return loc


def _delete(walker: Walker, change: Change, store: StateStore, counts: Counts) -> None:
    inst = walker.state.instances.get(change.address)
    if inst is None:
        return
    rt = walker.resource_types.get(change.type) or walker.resource_type(
        walker.module.resources[change.resource_address]
    )
    walker.out(f"{change.address}: Destroying..." + id_suffix(inst.attributes))
    start = time.monotonic()
    try:
        rt.delete(walker.ctx, dict(inst.attributes))
    except Exception as exc:  # noqa: BLE001 - reported as a terraform diagnostic
        raise provider_error("deleting", change.address, exc, _location(walker, change)) from None
    del walker.state.instances[change.address]
    store.save(walker.state)
    walker.out(f"{change.address}: Destruction complete after {_elapsed(start)}")
    counts.destroyed += 1


def _apply_data(walker: Walker, node: str, block, changes: list[Change], store) -> None:
    if not changes:
        return
    objects = {}
    for key in walker.instance_keys(block):
        args = walker.eval_args(block, walker.instance_scope(block, key))
        objects[key] = walker.read_data(block, args, key)
        inst = Instance("data", block.labels[0], block.labels[1], key, objects[key])
        walker.state.instances[inst.address] = inst
    walker.publish(node, block, objects)
    store.save(walker.state)


def _apply_resource(walker: Walker, node, block, changes: list[Change], store, counts) -> None:
    rt = walker.resource_type(block)
    objects: dict[Any, Any] = {}
    dependencies = walker.resource_dependencies(node)
    for change in changes:
        scope = walker.instance_scope(block, change.key)
        if change.action == "noop":
            objects[change.key] = change.before
            inst = walker.state.instances.get(change.address)
            if inst is not None and inst.dependencies != dependencies:
                inst.dependencies = dependencies
            continue
        args = walker.eval_args(block, scope)
        if contains_unknown(args):
            raise TerraformError(
                "Provider produced inconsistent final plan",
                f"{change.address} still has unknown arguments when it is about to be applied.",
                _location(walker, change),
            )
        if change.action == "replace":
            _delete(walker, change, store, counts)  # replace: counted as destroyed and added
        prior = walker.state.instances.get(change.address)
        start = time.monotonic()
        if change.action == "update" and prior is not None:
            walker.out(f"{change.address}: Modifying..." + id_suffix(prior.attributes))
            try:
                attrs = rt.update(walker.ctx, dict(prior.attributes), args)
            except Exception as exc:  # noqa: BLE001
                raise provider_error(
                    "updating", change.address, exc, _location(walker, change)
                ) from None
            prior.attributes = attrs
            prior.dependencies = dependencies
            store.save(walker.state)
            walker.out(
                f"{change.address}: Modifications complete after {_elapsed(start)}"
                + id_suffix(attrs)
            )
            counts.changed += 1
        else:
            walker.out(f"{change.address}: Creating...")
            try:
                attrs = rt.create(walker.ctx, args)
            except Exception as exc:  # noqa: BLE001
                raise provider_error(
                    "creating", change.address, exc, _location(walker, change)
                ) from None
            inst = Instance("managed", change.type, change.name, change.key, attrs, dependencies)
            walker.state.instances[change.address] = inst
            store.save(walker.state)
            walker.out(
                f"{change.address}: Creation complete after {_elapsed(start)}" + id_suffix(attrs)
            )
            counts.added += 1
        objects[change.key] = attrs
    walker.publish(node, block, objects)
