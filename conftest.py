"""Doctests of the modules whose extra is not installed are not collected: a module that
needs scikit-learn (say) cannot even be imported without it. The tests in ``tests/`` skip
themselves, per test or per module, with the extra they need named in the reason."""

from __future__ import annotations

import importlib.util

#: module files (relative to this folder) -> the package each needs to be imported
_NEEDS = {
    "src/layerwise/sklearn/*.py": "sklearn",
    "src/layerwise/export/*.py": "onnx",
    "src/layerwise/views/plot.py": "matplotlib",
    "src/layerwise/tables/*.py": "pandas",
    # the cluster's examples build their tables with pandas
    "src/layerwise/cluster/*.py": "pandas",
}

collect_ignore_glob = [
    pattern for pattern, package in _NEEDS.items() if importlib.util.find_spec(package) is None
]
