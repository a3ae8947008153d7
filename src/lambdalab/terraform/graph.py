"""Dependency graph: deterministic topological order (Kahn, ties by address) and cycles."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from lambdalab.terraform.errors import TerraformError


def topological_order(nodes: Iterable[str], deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Nodes so that each comes after everything it depends on; raise on a cycle."""
    nodes = sorted(set(nodes))
    present = set(nodes)
    waiting = {n: {d for d in deps.get(n, ()) if d in present and d != n} for n in nodes}
    dependents: dict[str, set[str]] = {n: set() for n in nodes}
    for n, ds in waiting.items():
        for d in ds:
            dependents[d].add(n)
    ready = [n for n in nodes if not waiting[n]]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for m in sorted(dependents[n]):
            waiting[m].discard(n)
            if not waiting[m]:
                heapq.heappush(ready, m)
    if len(order) != len(nodes):
        members = cycle_members({n: waiting[n] for n in nodes if waiting[n]})
        raise TerraformError("Cycle: " + ", ".join(members))
    for n in (n for n in nodes if n in waiting and any(d == n for d in deps.get(n, ()))):
        raise TerraformError(f"Self-referential block: {n} refers to itself.")
    return order


def cycle_members(remaining: Mapping[str, set[str]]) -> list[str]:
    """The nodes on cycles (not those merely waiting behind one), sorted."""
    on_cycle = []
    for start in remaining:
        stack, seen = [start], set()
        while stack:
            n = stack.pop()
            for d in remaining.get(n, ()):
                if d == start:
                    on_cycle.append(start)
                    stack = []
                    break
                if d not in seen:
                    seen.add(d)
                    stack.append(d)
    return sorted(set(on_cycle))


def reverse_order(nodes: Iterable[str], deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Destroy order: dependents before their dependencies."""
    return list(reversed(topological_order(nodes, deps)))


def closure(node: str, deps: Mapping[str, Iterable[str]]) -> set[str]:
    """Everything ``node`` depends on, directly or not."""
    seen: set[str] = set()
    stack = list(deps.get(node, ()))
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(deps.get(n, ()))
    return seen
