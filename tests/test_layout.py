"""lambdalab's module graph: no import cycles, no private names across modules.

Every import counts, also the ones inside functions (a deferred import is how a cycle hides).
"""

from __future__ import annotations

import ast
from pathlib import Path

import lambdalab as package

ROOT = Path(package.__file__).parent
PREFIX = "lambdalab"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PREFIX, *parts))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names imported from it) for each import in ``path``."""
    this = _module_name(path)
    package_of = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package_of.rsplit(".", node.level - 1)[0] if node.level > 1 else package_of
                base = f"{anchor}.{base}" if base else anchor
            names = [alias.name for alias in node.names]
            # `from pkg import mod` imports a module, not a name
            found.append((base, names))
            for name in names:
                if _exists(f"{base}.{name}"):
                    found.append((f"{base}.{name}", []))
    return [(m, n) for m, n in found if m.startswith(PREFIX)]


def _exists(module: str) -> bool:
    """Is ``module`` (dotted, under lambdalab) a module or a package of the repository?"""
    path = ROOT.joinpath(*module.split(".")[1:])
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def test_no_private_names_are_imported_across_modules():
    offenders = [
        f"{name} imports {imported}.{n}"
        for name, path in MODULES.items()
        for imported, names in _imports(path)
        for n in names
        if n.startswith("_") and imported != name
    ]
    assert offenders == []


def test_no_import_cycles():
    graph = {
        name: {m for m, _ in _imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    # a package's __init__ importing its own submodules is how it registers them: not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def _edges(module: str) -> set[str]:
    return {m for m, _ in _imports(MODULES[f"{PREFIX}.{module}"])}


def test_the_checks_see_the_known_edges():
    """The graph is not empty by accident: deferred imports, `from pkg import mod` and relative
    imports are all seen."""
    assert {f"{PREFIX}.terraform.expressions", f"{PREFIX}.terraform.schema"} <= _edges(
        "terraform.plan"
    )
    assert f"{PREFIX}.terraform.hcl" in _edges("terraform.expressions")
    assert f"{PREFIX}.moto.adapter" in _edges("moto.lambda_invoke")
    assert f"{PREFIX}.attached" in _edges("cloud")  # a deferred import inside start()
    assert f"{PREFIX}.labaccess" in _edges("attached")


def test_the_moto_adapters_reach_the_lab_only_through_the_data_plane():
    """The lab's logic never imports the adapters (they are installed into moto, and call the
    lab): one direction, so a newcomer can read the lab without moto's internals."""
    importers = sorted(
        name
        for name, path in MODULES.items()
        if not name.startswith(f"{PREFIX}.moto")
        and any(m.startswith(f"{PREFIX}.moto") for m, _ in _imports(path))
    )
    assert importers == [f"{PREFIX}.cloud"]  # which installs them
