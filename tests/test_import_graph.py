"""The engine's import graph has no cycles: no module imports, at load time or for type checking, a
module that imports it back; and no import inside a function dodges one (those only defer heavy
libraries). Run alone: `.venv/bin/python -m pytest tests/test_import_graph.py`."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

FOLDERS = ("cli", "utils", "experiments")


def _modules() -> dict[str, Path]:
    found = {}
    for top in FOLDERS:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(("neuro", *(parts[:-1] if parts[-1] == "__init__" else parts)))] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """The neuro modules `name` imports when loaded (or for type checking: a cycle of types is a cycle
    too), and those it imports only inside functions."""
    tree = ast.parse(path.read_text())
    at_load, deferred = set(), set()

    def targets(node: ast.Import | ast.ImportFrom) -> set[str]:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        return {n for n in names if n in modules}

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                (deferred if in_function else at_load).update(targets(child))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return at_load - {name}, deferred - {name}


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    graph, deferred = {}, {}
    for name, path in modules.items():
        graph[name], deferred[name] = _imports(path, name, modules)
    for name in list(graph):                 # importing a.b.c loads a.b first
        parents = {".".join(name.split(".")[:i]) for i in range(2, name.count(".") + 1)}
        for target in list(graph[name]):
            graph[name] |= {p for p in {".".join(target.split(".")[:i]) for i in range(2, target.count(".") + 1)}
                            if p in graph and p not in parents and p != name}
    return graph, deferred


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A path of load-time imports from start to goal, if there is one."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop()
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == goal:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return None


def test_no_module_imports_itself_back_at_load_time() -> None:
    graph, _ = import_graph()
    cycles = {" -> ".join(cycle) for name in graph for target in graph[name]
              if (cycle := _reaches(graph, target, name)) is not None and name < target}
    assert not cycles, "\n".join(sorted(cycles))


def test_no_import_inside_a_function_dodges_a_cycle() -> None:
    graph, deferred = import_graph()
    dodged = {f"{name} -> {target} (back: {' -> '.join(path)})" for name, targets in deferred.items()
              for target in targets if (path := _reaches(graph, target, name)) is not None}
    assert not dodged, "\n".join(sorted(dodged))
