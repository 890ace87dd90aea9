"""The package's layout as the README describes it: the core never imports an edge, and no
two modules import each other, directly or around a circle (imports inside functions count;
those only for type checkers do not)."""

from __future__ import annotations

import ast
from pathlib import Path

import layerwise

PACKAGE = Path(layerwise.__file__).parent
#: the edges with more than one module are subpackages
EDGE_PACKAGES = ("cli", "tables", "sklearn", "playground", "cluster", "exercises")
#: imports of an edge by the core that DESIGN.md's layers allow, named one by one: the ONNX
#: export (views and export) comes after tables, whose kinds of column say their ONNX nodes
ALLOWED = {("layerwise.onnx_export", "layerwise.tables.kinds")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in type_only or not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("layerwise"):
                target = node.module or ""
            else:
                continue
            for alias in node.names:
                imported = f"{target}.{alias.name}"
                found = imported if imported in modules else target
                if found in modules and found != name:
                    graph[name].add(found)
    return graph


def test_the_core_never_imports_an_edge():
    graph = import_graph()
    core = [m for m in graph if m.count(".") == 1 and m.split(".")[1] not in EDGE_PACKAGES]
    assert "layerwise.network" in core and "layerwise.training" in core
    for module in core:
        if module == "layerwise.__main__":  # `python -m layerwise` is the command line
            continue
        edges = sorted(
            t
            for t in graph[module]
            if t.split(".")[1] in EDGE_PACKAGES and (module, t) not in ALLOWED
        )
        assert edges == [], f"{module} imports {edges}"


def test_there_is_no_import_circle():
    graph = import_graph()
    # the graph sees imports inside functions (Network.save imports io where it is used)
    assert "layerwise.io" in graph["layerwise.network"]
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                circle = [*path[path.index(target) :], target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


#: a Network's private attributes (and those of its Dense layers): outside network.py and
#: layers.py, code uses the public members instead (net.parameters, net.rng, net.check_X,
#: net.check_Y, net.output)
NETWORK_PRIVATE = {
    "_theta",
    "_grad",
    "_rng",
    "_n_W",
    "_flat_W",
    "_flat_dW",
    "_flat_params",
    "_set_flat_params",
    "_check_X",
    "_check_Y",
    "_forward",
    "_forward_block",
    "_l2_scratch",
    "_build",
    "_describe",
    "_from_description",
    "_buf",
    "_buffers",
    "_A_prev",
    "_dropped",
}

#: modules that still read them, to be moved onto the public names; empty it as they are
STILL_READING_PRIVATE: set[str] = set()


def private_reads(path: Path) -> list[str]:
    """`line: expression` of every read of a NETWORK_PRIVATE attribute on anything but
    `self` (a class's own private attributes are its own business)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in NETWORK_PRIVATE
            and not (isinstance(node.value, ast.Name) and node.value.id == "self")
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_outside_the_model_reads_a_networks_private_attributes():
    model = {"layerwise/network.py", "layerwise/layers.py"}
    seen_allowed = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        if name in model:
            continue
        reads = private_reads(path)
        if name in STILL_READING_PRIVATE:
            if reads:
                seen_allowed.add(name)
            continue
        assert reads == [], f"{name} reads a Network's private attributes: {reads}"
    stale = STILL_READING_PRIVATE - seen_allowed
    assert not stale, f"{sorted(stale)} no longer read private attributes: drop them from the list"


def test_the_private_reads_check_can_fail(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(net):\n    return net._theta, net.parameters.theta, self._rng\n")
    assert private_reads(module) == ["2: net._theta"]
