"""Type aliases shared by the package."""

from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

#: A NumPy array of floats; shapes are given in each docstring in the notes' notation.
Array = npt.NDArray[np.floating]
#: An array of example indices (a permutation of 0..m−1) or of class labels.
IndexArray = npt.NDArray[np.intp]
#: What ``seed`` / ``random_state`` accept: None, an int, or a Generator.
SeedLike = Union[None, int, np.random.Generator]  # noqa: UP007 (a runtime alias)
#: What ``dtype`` accepts.
DTypeLike = Union[str, type, np.dtype]  # noqa: UP007 (a runtime alias)
