"""No import cycle in the package: every module's imports, read with ``ast``, form a graph
without a loop (``graphlib`` names one if there is), so each side depends in one direction.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: hiding a cycle
there keeps the two modules tangled all the same.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

import wyoming_kokoro

PACKAGE_DIR = Path(wyoming_kokoro.__file__).parent
PACKAGE = "wyoming_kokoro"


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    names: dict[str, Path] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join((PACKAGE, *parts))] = path
    return names


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports (``from x import y`` means the module
    ``x.y`` when that is one, else ``x``). Its own parent packages are left out: they are
    always initialized before it, so importing them closes no loop."""
    is_package = path.name == "__init__.py"
    here = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in known else source)
    parents = {name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1)}
    return {module for module in found if module in known and module != name} - parents


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    known = set(modules)
    return {name: imported_modules(name, path, known) for name, path in modules.items()}


def test_the_graph_sees_the_package_imports() -> None:
    graph = import_graph()
    assert "wyoming_kokoro.wsclient" in graph["wyoming_kokoro.connection"]
    assert "wyoming_kokoro.connection" in graph["wyoming_kokoro.client"]
    assert "wyoming_kokoro.server.wyoming.handler" in graph["wyoming_kokoro.server.wyoming.server"]
    assert "wyoming_kokoro.engine" in graph["wyoming_kokoro.server.protocol"]


def test_a_cycle_would_be_found() -> None:
    graph = import_graph()
    graph["wyoming_kokoro.wsclient"].add("wyoming_kokoro.client")  # a lazy import back
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter(graph).static_order())


def test_no_import_cycle_in_the_package() -> None:
    try:
        order = tuple(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as error:
        cycle = " -> ".join(error.args[1])
        pytest.fail(f"import cycle: {cycle}")
    assert len(order) == len(module_names())
