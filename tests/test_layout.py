"""The package's layout as DESIGN.md and docs/layout.md describe it: the layers of the system
as folders, in an order where each imports only from the ones before it.

Every import counts: at module level, inside functions (lazy) and under ``TYPE_CHECKING``. A
lazy import that goes against the order is allowed only where it is named in ``LAZY`` below,
one by one, with the reason.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import layerwise
from layerwise import _aliases

PACKAGE = Path(layerwise.__file__).parent

#: the layers, inner to outer; a module imports only from its own layer and the ones before
LAYERS = (
    ("ground",),
    ("core",),
    ("features",),
    ("training",),
    ("model",),
    ("tables",),
    ("views", "export"),
    ("sklearn", "cluster"),
    ("cli", "playground", "exercises"),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}

#: (importer, imported): lazy imports, inside a function, that go outward on purpose
LAZY = {
    # convenience methods of the model that show or export it
    ("layerwise.model.network", "layerwise.views._html"): "Network._repr_html_",
    ("layerwise.model.network", "layerwise.export.onnx"): "Network.to_onnx",
    ("layerwise.training.history", "layerwise.views._html"): "History._repr_html_",
    ("layerwise.tables.model", "layerwise.views._html"): "TableModel._repr_html_",
    ("layerwise.tables.model", "layerwise.export.onnx"): "TableModel.to_onnx",
    # the cluster's client, when TableModel.fit is given a dask client
    ("layerwise.tables.model_stream", "layerwise.cluster"): "TableModel.fit(..., client=)",
    # the old place of LiveView, for one release (training does not import the views)
    ("layerwise.training.callbacks", "layerwise.views.live"): "layerwise.callbacks.LiveView",
}


def layer_of(module: str) -> str:
    """The layer of a module: its folder, or "ground" for the private helpers at the root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "ground"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, dict[str, str]]:
    """Module -> {the package's module it imports: "module", "lazy" or "type"}."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, dict[str, str]] = {name: {} for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds: dict[int, str] = {}
        for block in ast.walk(tree):
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
                for node in ast.walk(block):
                    kinds[id(node)] = "type"
            elif isinstance(block, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(block):
                    kinds.setdefault(id(node), "lazy")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                elif (node.module or "").startswith("layerwise"):
                    target = node.module or ""
                else:
                    continue
                found = [
                    f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target
                    for a in node.names
                ]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names if a.name.startswith("layerwise")]
            else:
                continue
            for target in found:
                if target in modules and target != name:
                    kind = kinds.get(id(node), "module")
                    if graph[name].get(target) != "module":
                        graph[name][target] = kind
    return graph


def test_each_layer_imports_only_from_the_ones_before_it():
    graph = imports()
    assert "layerwise.model.network" in graph and "layerwise.core.propagation" in graph
    wrong = []
    for module, targets in sorted(graph.items()):
        for target, kind in sorted(targets.items()):
            if RANK[layer_of(target)] <= RANK[layer_of(module)]:
                continue
            if layer_of(module) == "ground" and module in ("layerwise", "layerwise.__main__"):
                continue  # the package's face re-exports, __main__ runs the command line
            if kind == "lazy" and (module, target) in LAZY:
                continue
            wrong.append(f"{module} -> {target} ({kind})")
    assert wrong == [], "imports against the layers' order:\n" + "\n".join(wrong)


def test_every_named_lazy_import_still_exists():
    graph = imports()
    stale = [pair for pair in LAZY if graph.get(pair[0], {}).get(pair[1]) != "lazy"]
    assert stale == [], f"named in LAZY but no longer imported lazily: {stale}"


def test_there_is_no_import_circle():
    graph = {m: {t for t, k in ts.items() if k == "module"} for m, ts in imports().items()}
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


def test_the_package_root_keeps_a_dozen_files_at_most():
    files = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(files) <= 12, files
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {name for names in LAYERS[1:] for name in names} <= folders


@pytest.mark.parametrize("old", sorted(_aliases.MOVED))
def test_the_old_dotted_paths_give_the_moved_modules(old):
    assert importlib.import_module(old) is importlib.import_module(_aliases.MOVED[old])
    short = old.split(".")[1]
    assert getattr(layerwise, short) is importlib.import_module(f"layerwise.{short}")


def test_an_unknown_attribute_of_the_package_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        layerwise.nonesuch  # noqa: B018


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
    # the model, and the layer whose buffers the network's parameters object owns
    owners = {"layerwise/model/network.py", "layerwise/core/layers.py"}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        if name not in owners:
            reads = private_reads(path)
            assert reads == [], f"{name} reads a Network's private attributes: {reads}"


def test_the_private_reads_check_can_fail(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(net):\n    return net._theta, net.parameters.theta, self._rng\n")
    assert private_reads(module) == ["2: net._theta"]
