"""The dotted paths of the modules that moved into the layers' folders, kept for one release.

``import layerwise.propagation`` (and every other path below) gives the module of its new path
itself, not a copy: a name patched through either path is patched once. Each old path is
listed in the CHANGELOG; new code imports the new paths.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

#: old dotted path -> the module's path now
MOVED = {
    "layerwise.activations": "layerwise.core.activations",
    "layerwise.losses": "layerwise.core.losses",
    "layerwise.initializers": "layerwise.core.initializers",
    "layerwise.one_layer": "layerwise.core.one_layer",
    "layerwise.propagation": "layerwise.core.propagation",
    "layerwise.layers": "layerwise.core.layers",
    "layerwise.gradcheck": "layerwise.core.gradcheck",
    "layerwise.datasets": "layerwise.core.datasets",
    "layerwise.metrics": "layerwise.core.metrics",
    "layerwise.encoding": "layerwise.features.encoding",
    "layerwise.preprocessing": "layerwise.features.preprocessing",
    "layerwise.optimizers": "layerwise.training.optimizers",
    "layerwise.schedules": "layerwise.training.schedules",
    "layerwise.batches": "layerwise.training.batches",
    "layerwise.threads": "layerwise.training.threads",
    "layerwise.callbacks": "layerwise.training.callbacks",
    "layerwise.history": "layerwise.training.history",
    "layerwise.loop": "layerwise.training.loop",
    "layerwise.divergence": "layerwise.training.divergence",
    "layerwise.engines": "layerwise.training.engines",
    "layerwise.network": "layerwise.model.network",
    "layerwise.io": "layerwise.model.io",
    "layerwise.equations": "layerwise.views.equations",
    "layerwise.live": "layerwise.views.live",
    "layerwise.plot": "layerwise.views.plot",
    "layerwise.onnx_export": "layerwise.export.onnx",
    "layerwise.engines.jax": "layerwise.training.engines.jax",
    "layerwise.engines.choice": "layerwise.training.engines.choice",
}


class _Alias(importlib.abc.Loader):
    """Loads an old path as the module of its new path."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module of the new path ran when it was imported."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        moved = MOVED.get(fullname)
        if moved is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(moved))


def install() -> None:
    """Put the finder first (before the path finder), once."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())


def attribute(name: str) -> ModuleType:
    """``layerwise.NAME`` for an old module path not imported yet (PEP 562)."""
    moved = MOVED.get(f"layerwise.{name}")
    if moved is None:
        raise AttributeError(f"module 'layerwise' has no attribute {name!r}")
    return importlib.import_module(moved)
