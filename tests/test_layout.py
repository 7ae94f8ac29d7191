"""The package's shape: no import cycles, and every layer imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"core", "catalog"}),
    frozenset({"milp", "envs", "networks"}),
    frozenset({"routing", "flows", "packets", "graphs"}),
    frozenset({"io", "solve", "report"}),
    frozenset({"bench"}),
    frozenset({"__init__"}),
)
"""vrpsolve's top-level packages and modules, lowest layer first; the command (``cli/``) sits
above them all."""

FAMILY_IMPORTS = {("graphs", "packets"), ("packets", "flows")}
"""Imports between family packages, each one way: path queries route packets
(:class:`~vrpsolve.graphs.paths.routers.GreedyPacketPolicy`), and packet networks are built on
the topology files that flow admission reads (:mod:`vrpsolve.flows.topology`)."""


def _modules() -> dict[str, Path]:
    files = sorted((ROOT / "vrpsolve").rglob("*.py")) + sorted((ROOT / "cli").glob("*.py"))
    names = {}
    for path in files:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[0] == "cli":
            parts[0] = "vrpsolve_cli"
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree except those under ``if TYPE_CHECKING:`` (type hints only)."""
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the vrpsolve modules it imports when it runs, at module level or inside
    functions (imports for type checking only are left out)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                    base = f"{base}.{node.module}" if node.module else base
                # a name that is a submodule is that module; any other name is the base's
                found = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            targets |= {f for f in found if f in modules and f != name}
        graph[name] = targets
    return graph


GRAPH = _imports(_modules())


def _cycle() -> list[str] | None:
    """One import cycle between modules, if there is any."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(GRAPH):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_module_imports_itself_through_others():
    """No chain of imports (at module level or inside functions) leads back to its start."""
    assert _cycle() is None


def _top(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("vrpsolve.")))
def test_layers_import_only_downwards(module):
    """A module imports only from its own top-level package or from lower layers; family
    packages import each other only along the documented one-way edges."""
    level = {name: k for k, layer in enumerate(LAYERS) for name in layer}
    mine = _top(module)
    for target in GRAPH[module]:
        theirs = _top(target)
        if theirs == mine:
            continue
        assert level[theirs] <= level[mine], f"{module} imports {target}, a higher layer"
        if level[theirs] == level[mine]:
            assert (mine, theirs) in FAMILY_IMPORTS, f"{module} imports {target}, a sibling"
