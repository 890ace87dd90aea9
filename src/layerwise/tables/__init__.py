"""Tables: reading DATA, choosing the target, encoding class labels, and encoding raw columns.

DATA is a file (``.csv``, ``.tsv``, ``.parquet``, ``.npz``, ``.npy``) or the name of a built-in
data set (:data:`BUILTIN`: the generated ones of :mod:`layerwise.core.datasets`, ``mixed`` (a raw
table with text and missing values), and ``digits``, ``breast_cancer``, ``iris``, ``wine``,
``diabetes``, which scikit-learn ships, so nothing is downloaded). Files are read with pandas
(and pyarrow for Parquet), imported only when a table is read: ``pip install
'layerwise[tables]'``. A CSV whose first line is scikit-learn's ``n_samples,n_features,class
names`` header (its bundled ``iris.csv``, ``wine_data.csv``...) is read as such: columns
x1..xn and ``target``.

A table has one example per **row**, as every table does; :attr:`Table.X` keeps the rows and
:meth:`Table.columns` gives the notes' X = A[0] of shape (n[0], m), transposed once.

:func:`load_table` reads numbers (text refused by name, missing values named by row and column
or their rows dropped on request); with ``raw=True`` it keeps the feature columns as read, for
:class:`TableEncoder`, which encodes text, booleans, dates and missing values as the command
line does (:mod:`layerwise.tables.encoder`). What it does by itself is listed, one line each,
in :attr:`Table.notices`: rows whose target is missing left out, a column that numbers the rows
or whose text is nearly all distinct left out (``keep`` overrides it), the task chosen.

:class:`TableModel` is the whole workflow in one object (read, choose, encode, split, train;
predict, evaluate, save, export): the command line's ``train``, ``evaluate`` and ``predict``
go through it (:mod:`layerwise.tables.model`).

Examples
--------
>>> table = load_table("iris", target="target")
>>> table.X.shape, table.columns().shape          # rows (m, n[0]), columns (n[0], m)
((150, 4), (4, 150))
>>> type_of_target(table.y)
'multiclass'
>>> classes = class_labels(table.y)
>>> classes
['setosa', 'versicolor', 'virginica']
>>> encode_labels(table.y, classes)[:3]
array([0, 0, 0])
"""

from __future__ import annotations

from .encoder import TableEncoder
from .formats import BUILTIN, FORMATS, frame_to_bytes, load_builtin, read_frame
from .loading import TARGET_NAMES, Table, load_table
from .mixed import mixed_table
from .model import PreparedTable, TableModel
from .targets import (
    MAX_CLASSES,
    class_labels,
    encode_labels,
    output_for,
    task_notice,
    type_of_target,
)

__all__ = [
    "TableModel",
    "PreparedTable",
    "TableEncoder",
    "mixed_table",
    "BUILTIN",
    "FORMATS",
    "MAX_CLASSES",
    "TARGET_NAMES",
    "Table",
    "read_frame",
    "load_builtin",
    "load_table",
    "type_of_target",
    "class_labels",
    "encode_labels",
    "output_for",
    "task_notice",
    "frame_to_bytes",
]
