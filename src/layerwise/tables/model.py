"""The table workflow as one object: :class:`TableModel`, a raw table in, predictions out.

Every door that takes a table goes through it: ``layerwise train``/``evaluate``/``predict``
and Python code alike. Its steps are those of :mod:`layerwise.tables.steps`:

1. read the table (:func:`~layerwise.tables.load_table`): the target, the id, the columns
   left out by rule (a row number, text with nearly every value distinct) and the rows whose
   target is missing, each with a notice;
2. choose the task and the output from the target (:func:`~layerwise.tables.steps.task_of`)
   and the defaults from the table's size (:func:`~layerwise.tables.defaults.plan_for`);
3. hold out the validation rows, fit the :class:`~layerwise.tables.TableEncoder` on the
   training rows only, standardize a regression target;
4. train the :class:`~layerwise.Network` (``fit = train(prepare(data))``, so that a caller can
   look at the plan between the two, as the command line prints it).

The notes stay the core: every option left None takes the table's plan, and a user can still
ask for the notes' exact model (``layers=[20, 7, 5], optimizer="gd", validation_split=0``).

Examples
--------
>>> from layerwise.tables import TableModel, mixed_table
>>> df = mixed_table(m=300, seed=0)
>>> model = TableModel(target="species", epochs=5).fit(df)
>>> model.predict(df.head(3)).shape
(3,)
>>> model.predict_proba(df.head(3)).shape   # (m, K): rows are examples, as in scikit-learn
(3, 3)
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import Array
from ..core.initializers import suited_init
from ..model.io import check_header_room
from ..model.network import Network
from . import defaults
from .encoder import TableEncoder
from .loading import load_table
from .prepared import (
    TASKS,
    PreparedStream,
    PreparedTable,
    TrainingChoices,
    _scores,
    training_record,
)
from .steps import (
    Evaluation,
    ModelData,
    decode_predictions,
    encode_target,
    model_classes,
    model_data,
    predict_rows,
    split_rows,
    target_scale,
    task_of,
)
from .stream import should_stream, table_chunks
from .stream_plan import StreamPlan

__all__ = ["TableModel", "PreparedTable", "PreparedStream", "TrainingChoices", "TASKS"]


class TableModel:
    """A network trained on a raw table: reading, task, encoding, split, defaults, training.

    Parameters
    ----------
    target : str, optional
        The target column (default: a column named target, y, label or class).
    layers : list of int, optional
        The hidden sizes n[1] ... n[L-1] (default: the table's plan).
    hidden : str, optional
        The hidden activation (default: the plan's, ``"relu"``).
    output : str
        ``"auto"`` (from the target), ``"sigmoid"``, ``"softmax"`` or ``"linear"``.
    epochs, learning_rate, batch_size, optimizer, l2 : optional
        As for :meth:`Network.fit`; None takes the plan's value.
    dropout : float, optional
        The keep probability of the hidden layers' inverted dropout.
    validation_split : float, optional
        The share of rows held out for validation and early stopping (0: none).
    early_stopping : int, optional
        The patience in epochs (0: off); None takes the plan's.
    tol : float, optional
        Early stopping's tolerance (the smallest fall of the validation cost that counts).
    init : str
        The initializer, or ``"auto"`` (He for the ReLU family, Xavier otherwise).
    seed : int
        Seeds the split, the initialization and the batches.
    dtype : str
        ``"float64"`` or ``"float32"``.
    drop, keep : sequence of str
        Columns to leave out; columns to keep although a rule would leave them out.
    id_column : str, optional
        A column that identifies the rows (never a feature).
    sample_weight : str, optional
        A column of row weights (never a feature).
    target_scaling : bool
        Train a regression on the standardized target (reported in its own units).
    drop_missing : bool
        Drop the rows with a missing value in any column used, instead of filling them.
    engine : str
        ``"numpy"`` or ``"jax"`` (see :meth:`Network.fit`).
    stream : bool, optional
        Train a chunk of rows at a time, never holding the table
        (:mod:`layerwise.tables.stream`): for a Parquet or CSV file, a folder of them or a
        pyarrow dataset. None (the default) streams a table that would not fit comfortably in
        memory (a folder or a dataset that fits is read into memory as one table); False
        reads the table into memory.

    Attributes
    ----------
    network : Network
        The trained network; ``network.preprocessing`` holds the encoding and the labels.
    encoder : TableEncoder
        The fitted encoder (its ``columns_`` say how each column became features).
    notices : list of str
        What the workflow left out or chose by itself, and why (saved in the model file).
    history : History
        The training history (None for a model loaded from a file).
    metrics : dict
        ``{"train": {...}, "validation": {...}}``: cost and accuracy, or R², RMSE and MAE in
        the target's units.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        layers: Sequence[int] | None = None,
        hidden: str | None = None,
        output: str = "auto",
        epochs: int | None = None,
        learning_rate: float | None = None,
        batch_size: int | None = None,
        optimizer: str | None = None,
        l2: float | None = None,
        dropout: float | None = None,
        validation_split: float | None = None,
        early_stopping: int | None = None,
        tol: float | None = None,
        init: str = "auto",
        seed: int = 0,
        dtype: str = "float64",
        drop: Sequence[str] = (),
        keep: Sequence[str] = (),
        id_column: str | None = None,
        sample_weight: str | None = None,
        target_scaling: bool = True,
        drop_missing: bool = False,
        refit: bool | None = None,
        engine: str = "numpy",
        stream: bool | None = None,
    ) -> None:
        self.target = target
        self.layers = layers
        self.hidden = hidden
        self.output = output
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.l2 = l2
        self.dropout = dropout
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.tol = tol
        self.init = init
        self.seed = seed
        self.dtype = dtype
        self.drop = drop
        self.keep = keep
        self.id_column = id_column
        self.sample_weight = sample_weight
        self.target_scaling = target_scaling
        self.drop_missing = drop_missing
        self.refit = refit
        self.engine = engine
        self.stream = stream
        self.network: Network | None = None
        self.history: Any = None
        self.metrics: dict[str, dict[str, float]] = {}
        self.notices: list[str] = []
        self.plan: PreparedTable | None = None
        #: predictions (1, m_val) for the validation rows by the network the validation
        #: scores are of (the first run's, when a refit follows); None before training
        self.validation_predictions: Array | None = None

    # ----------------------------------------------------------------------- training

    def fit(self, data: Any, *, callbacks: Sequence[Any] = (), client: Any = None) -> TableModel:
        """Read, encode and train on ``data``: a file path, a folder of Parquet or CSV files,
        a built-in data set's name, a pandas DataFrame, a pyarrow Table or a pyarrow dataset.
        A table bigger than memory is streamed (see ``stream``). With ``client``, a
        ``distributed.Client``, the cluster's workers stream ``data`` (a folder or a file at a
        path every worker opens; the dask extra) and compute the steps' gradients, with the
        same plan. Returns self."""
        self._check_options()
        if client is not None:
            return self.train_stream(self.prepare_stream(data, client=client), callbacks=callbacks)
        if should_stream(data, self.stream):
            return self.train_stream(self.prepare_stream(data), callbacks=callbacks)
        return self.train(self.prepare(data), callbacks=callbacks)

    def streams(self, data: Any) -> bool:
        """Whether :meth:`fit` streams ``data`` (see ``stream``)."""
        return should_stream(data, self.stream)

    def prepare_stream(
        self, data: Any, *, client: Any = None, progress: bool = False
    ) -> PreparedStream:
        """Every step before training a streamed table, in one pass over it
        (:func:`~layerwise.tables.stream_plan.prepare_stream`): the roles of the columns, the
        task, the encoder fitted on the training rows by the same rules as in memory, the
        validation rows (held out by a hash of their position), the plan and the network.
        With ``client``, the pass runs on the cluster's workers, each over its own pieces
        (:func:`layerwise.cluster.prepare_table`), and the plan is made here the same way.
        ``progress`` shows a bar of the files read (on one machine)."""
        from .model_stream import prepare_streamed

        return prepare_streamed(self, data, client, progress=progress)

    @property
    def split_or_default(self) -> float:
        """The validation share asked for, or the default one when a plan is made before the
        table's size is known (a streamed table)."""
        return defaults.VALIDATION_SPLIT if self.validation_split is None else self.validation_split

    def stream_choices(self, data_plan: StreamPlan, has_validation: bool) -> PreparedStream:
        """The plan of a streamed table prepared (here or on a cluster's workers): the
        network and the options, those given and the table's plan for the others."""
        from .model_stream import stream_choices

        return stream_choices(self, data_plan, has_validation)

    def _choices(
        self, plan: defaults.TrainingPlan, n0: int, n_out: int, output: str
    ) -> dict[str, Any]:
        """The network and the training options: those given, and the table's plan for the
        others (one place for the in-memory and the streamed table)."""
        layers = list(plan.layers if self.layers is None else self.layers)
        hidden = plan.hidden if self.hidden is None else self.hidden
        init = suited_init(hidden) if self.init == "auto" else self.init
        network = Network(
            [n0, *layers, n_out],
            hidden=hidden,
            output=output,
            init=init,
            seed=self.seed,
            dtype=self.dtype,
        )
        return {
            "network": network,
            "layers": layers,
            "hidden": hidden,
            "init": init,
            "epochs": plan.epochs if self.epochs is None else int(self.epochs),
            "learning_rate": plan.learning_rate
            if self.learning_rate is None
            else float(self.learning_rate),
            "optimizer": plan.optimizer if self.optimizer is None else self.optimizer,
            "l2": plan.l2 if self.l2 is None else float(self.l2),
        }

    def train_stream(
        self, prepared: PreparedStream, *, callbacks: Sequence[Any] = (), progress: bool = False
    ) -> TableModel:
        """Train the network of a :class:`PreparedStream` a pass over the table per epoch
        (:func:`~layerwise.tables.stream.fit_stream`); keeps it with its history, scores and
        training record as :meth:`train` does. Returns self."""
        from .model_stream import train_streamed

        return train_streamed(self, prepared, callbacks, progress)

    def prepare(self, data: Any) -> PreparedTable:
        """Every step before training: the table read, its task, the plan, the validation
        rows, the encoder fitted on the training rows and the network built (not trained)."""
        self._check_options()
        table = load_table(
            data,
            self.target,
            drop_missing=self.drop_missing,
            id_column=self.id_column,
            weight_column=self.sample_weight,
            raw=True,
            drop=tuple(self.drop),
            keep=tuple(self.keep),
        )
        assert table.frame is not None
        kind, output = task_of(table, self.output)
        Y_all, classes = encode_target(table, kind, output)
        n_out = len(classes) if output == "softmax" and classes else 1
        plan = defaults.plan_for(table.m, len(table.feature_names), n_out, TASKS[kind])
        split, patience, tol = defaults.stopping(
            plan, self.validation_split, self.early_stopping, self.tol
        )
        train, val = split_rows(table.m, split, self.seed)
        w_all = None if table.weights is None else table.weights[None, :]
        w = None if w_all is None else w_all[:, train]
        # every statistic of the encoding comes from the training rows only
        encoder = TableEncoder(
            keep=table.keep, scaling=defaults.NUMERIC_SCALING, clip=defaults.CLIP
        ).fit(table.frame.iloc[train], sample_weight=None if w is None else w[0])
        pre = encoder.preprocessing_
        pre.classes, pre.target = classes, table.target
        pre.ignored = [*table.left_out, *encoder.left_out_]
        if kind == "continuous" and self.target_scaling:
            pre.target_mean, pre.target_scale = target_scale(Y_all[:, train], w)
            Y_all = pre.scale_target(Y_all)
        refit = (
            (plan.refit if self.refit is None else bool(self.refit))
            and val is not None
            and patience > 0
        )
        if not refit and val is not None:
            # the training rows first, then the validation rows: X is then the slice
            # X_all[:, :m_train] (no copy), in the same order as in the table
            order = np.concatenate([train, val])
            Y_all = Y_all[:, order]
            w_all = None if w_all is None else w_all[:, order]
            train, val = np.arange(train.size), np.arange(train.size, table.m)
        else:
            order = None
        # stored as rows (Fortran order), as the mini-batches are gathered from them
        X_all, _ = encoder.encode_rows(table.frame, order)
        choices = self._choices(plan, X_all.shape[0], n_out, output)
        choices["network"].preprocessing = pre
        batch_size = self.batch_size
        if batch_size is None and choices["optimizer"] != "gd":
            batch_size = defaults.batch_size_for(len(train))
        prepared = PreparedTable(
            table=table,
            kind=kind,
            output=output,
            classes=classes,
            encoder=encoder,
            X_all=X_all,
            Y_all=Y_all,
            train=train,
            val=val,
            weights=w_all,
            **choices,
            batch_size=batch_size,
            validation_split=split,
            patience=patience,
            tol=tol,
            refit=refit,
            notices=[*table.notices, *encoder.notices_],
        )
        if prepared.refit:
            prepared.notices.append(
                f"{table.m} rows: once early stopping has chosen the epochs on the "
                f"{val.size if val is not None else 0} held-out rows, the network is trained "
                f"again on every row for that many epochs (--no-refit, refit=False: the first run)"
            )
        self.plan = prepared
        self.notices = list(prepared.notices)
        return prepared

    def train(
        self,
        prepared: PreparedTable,
        *,
        callbacks: Sequence[Any] = (),
        engine: str | None = None,
    ) -> TableModel:
        """Train the network of a :class:`PreparedTable` (from :meth:`prepare`) and keep it,
        with its history, its scores and a record of its training in ``network.metadata``.
        Returns self. A run that diverges raises
        :class:`~layerwise.training.TrainingDivergedError` (try a smaller learning rate)."""
        net, p = prepared.network, prepared
        engine = self.engine if engine is None else engine
        start = time.perf_counter()
        history = net.fit(
            p.X,
            p.Y,
            epochs=p.epochs,
            learning_rate=p.learning_rate,
            batch_size=p.batch_size,
            optimizer=p.optimizer,
            l2=p.l2,
            dropout=self.dropout,
            validation_data=p.validation,
            sample_weight=p.sample_weight,
            early_stopping=p.patience or False,
            min_delta=p.tol,
            callbacks=list(callbacks),
            engine=engine,
        )
        metrics: dict[str, dict[str, float]] = {}
        self.validation_predictions = None
        if p.validation is not None:
            metrics["validation"] = _scores(net, *p.validation, p.kind)
            # those of the network the validation scores are of, before a refit trains on
            # the validation rows too (a plot of them must agree with the scores)
            self.validation_predictions = net.predict(p.validation[0])
        if p.refit and history.best_epoch is not None and not history.interrupted:
            # the epochs chosen on the held-out rows, now on every row: the validation
            # scores above are those of the run that chose them
            epochs = history.best_epoch + 1
            fresh = Network(
                net.layer_dims,
                hidden=p.hidden,
                output=p.output,
                init=p.init,
                seed=self.seed,
                dtype=self.dtype,
            )
            fresh.fit(
                p.X_all,
                p.Y_all,
                epochs=epochs,
                learning_rate=p.learning_rate,
                batch_size=p.batch_size,
                optimizer=p.optimizer,
                l2=p.l2,
                dropout=self.dropout,
                sample_weight=p.weights,
                engine=engine,
            )
            net.parameters.set(fresh.parameters.copy())
        seconds = time.perf_counter() - start
        metrics = {"train": _scores(net, p.X, p.Y, p.sample_weight, p.kind), **metrics}
        net.metadata = {
            "training": training_record(
                self,
                p,
                history,
                seconds,
                engine,
                data=p.table.source,
                rows=p.table.m,
                target=p.table.target,
                task=p.kind,
                dropped_rows=len(p.table.dropped),
                dropout=self.dropout,
                refit=p.refit,
            ),
            "metrics": metrics,
            "notices": list(p.notices),
        }
        self.network, self.history, self.metrics = net, history, metrics
        self.notices = list(p.notices)
        return self

    def _check_options(self) -> None:
        if self.stream is not None and not isinstance(self.stream, bool):
            raise ValueError(
                f"stream must be True, False or None (decide by the table's size); got "
                f"{self.stream!r}"
            )
        vs = self.validation_split
        if vs is not None and (
            isinstance(vs, bool) or not isinstance(vs, (int, float)) or not 0 <= vs < 1
        ):
            raise ValueError(
                f"validation_split must be a fraction in [0, 1) (0: no validation rows); got {vs!r}"
            )
        es = self.early_stopping
        if es is not None and (isinstance(es, bool) or not isinstance(es, int) or es < 0):
            raise ValueError(
                f"early_stopping must be a patience in epochs >= 0 (0: off); got {es!r}"
            )
        if self.validation_split == 0 and self.early_stopping:
            raise ValueError(
                "early_stopping watches the validation cost: keep a validation_split (e.g. "
                f"{defaults.VALIDATION_SPLIT})"
            )
        if self.validation_split == 0 and self.tol:
            raise ValueError("tol is early stopping's tolerance: keep a validation_split")

    # ----------------------------------------------------------------------- prediction

    @property
    def encoder(self) -> TableEncoder:
        """The fitted :class:`TableEncoder` (rebuilt from the model for a loaded model)."""
        pre = self._fitted().preprocessing
        if self.plan is not None and self.plan.network is self.network:
            return self.plan.encoder
        assert pre is not None
        return TableEncoder.from_preprocessing(pre)

    def _fitted(self) -> Network:
        if self.network is None:
            raise ValueError(
                "this TableModel is not fitted yet: call fit(data) first, or TableModel.load(path)"
            )
        return self.network

    def read(
        self,
        data: Any,
        *,
        target: str | None = None,
        need_target: bool = False,
        drop_missing: bool = False,
        id_column: str | None = None,
        encode: bool = False,
    ) -> ModelData:
        """``data`` read for this model: its input columns (each present, in any order; the
        columns training left out may be there too), its ids (``id_column``, a column named
        ``id``, or the row numbers) and, with ``need_target``, Y encoded as in training.
        With ``encode=False`` the rows are encoded later, a chunk at a time, by
        :meth:`outputs`; the command line's ``predict`` and ``evaluate`` read tables so."""
        net = self._fitted()
        pre = net.preprocessing
        if pre is None or pre.columns is None:
            raise ValueError(
                "this model was not trained on a table (it has no column encodings): use "
                "Network.predict on an array X (n[0], m)"
            )
        return model_data(
            net,
            data,
            target=target,
            need_target=need_target,
            drop_missing=drop_missing,
            id_column=self.id_column if id_column is None else id_column,
            encode=encode,
        )

    def outputs(self, read: ModelData) -> tuple[Array, dict[str, dict[Any, int]]]:
        """A[L] (n[L], m) for a table from :meth:`read`, encoded a chunk of rows at a time
        (bounded memory however many features the columns make), and the values of its text
        columns that training never saw (column -> value -> count)."""
        return predict_rows(self._fitted(), read)

    def output_of(self, data: Any) -> Array:
        """A[L] (n[L], m): the network's outputs for every row of ``data`` (a folder of files,
        a pyarrow dataset or a file too big for memory read a chunk of rows at a time)."""
        chunks = self._chunks(data)
        if chunks is None:
            AL, _ = self.outputs(self.read(data))
            return AL
        parts = [self.outputs(self.read(frame))[0] for frame in chunks]
        if not parts:
            raise ValueError(f"{data}: no rows to predict")
        return np.concatenate(parts, axis=1)

    def _chunks(self, data: Any) -> Any:
        """The chunks of ``data`` when it is read as a stream (see ``stream``), else None."""
        if self.stream is False or not should_stream(data, None):
            return None
        return table_chunks(data)

    def predict(self, data: Any) -> np.ndarray:
        """One prediction per row, shape (m,): the class label as the target held it, or the
        value in the target's units. Columns the model does not use are ignored; a missing
        feature column is an error that names it; unseen categories are encoded as
        infrequent (or all 0)."""
        return np.asarray(decode_predictions(self._fitted(), self.output_of(data)))

    def predict_proba(self, data: Any) -> np.ndarray:
        """The class probabilities, shape (m, K), one row per example and one column per
        class of :attr:`classes_` (scikit-learn's layout; the network's own A[L] is (n[L], m)).
        A sigmoid output gives the two columns 1 − a and a."""
        net = self._fitted()
        if net.task == "regression":
            raise ValueError("predict_proba is for classification; this model is a regression")
        AL = self.output_of(data)
        if net.task == "binary" and AL.shape[0] == 1:
            AL = np.vstack([1.0 - AL, AL])
        return np.ascontiguousarray(AL.T)

    @property
    def classes_(self) -> list[Any]:
        """The class labels (an empty list for a regression)."""
        net = self._fitted()
        return [] if net.task == "regression" else model_classes(net)

    def evaluate(self, data: Any) -> dict[str, float]:
        """The scores on a table that holds the target: cost and accuracy (classification),
        or cost, R², RMSE and MAE in the target's units (regression); a folder of files, a
        pyarrow dataset or a file too big for memory is read a chunk of rows at a time."""
        evaluation = Evaluation(self._fitted())
        chunks = self._chunks(data)
        for source in [data] if chunks is None else chunks:
            read = self.read(source, need_target=True, encode=True)
            assert read.X is not None and read.Y is not None
            evaluation.add(read.X, read.Y)
        return evaluation.scores()

    # ----------------------------------------------------------------------- files

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model file (:meth:`Network.save`: safetensors, the encoding and the
        notices in its metadata), the same file ``layerwise train --out`` writes."""
        net = self._fitted()
        assert net.preprocessing is not None
        check_header_room(net.preprocessing)
        net.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TableModel:
        """A model file written by :meth:`save` or ``layerwise train``."""
        net = Network.load(path)
        pre = net.preprocessing
        if pre is None or pre.columns is None:
            raise ValueError(
                f"{os.fspath(path)} holds a network trained on arrays, without column "
                f"encodings: load it with Network.load"
            )
        return cls.from_network(net)

    @classmethod
    def from_network(cls, net: Network) -> TableModel:
        """The TableModel of a network trained on a table (``net.preprocessing`` has the
        column encodings), as :meth:`load` gives it."""
        pre = net.preprocessing
        if pre is None or pre.columns is None:
            raise ValueError(
                "this network was trained on arrays, without column encodings: it is not a "
                "TableModel"
            )
        training = dict(net.metadata.get("training") or {})
        model = cls(target=pre.target)
        for name in ("layers", "hidden", "epochs", "learning_rate", "optimizer", "seed"):
            if name in training:
                setattr(model, name, training[name])
        model.network = net
        model.metrics = dict(net.metadata.get("metrics") or {})
        notices = net.metadata.get("notices")
        model.notices = [str(n) for n in notices] if isinstance(notices, list) else []
        return model

    def to_onnx(self, path: str | os.PathLike[str] | None = None, opset: int = 17) -> Any:
        """The ONNX graph of ``layerwise export``: one input per column (named as the column,
        [N, 1], float32 or string), outputs ``label`` and ``probabilities`` (or the values
        of a regression). Written to ``path`` when given; the ONNX model is returned."""
        from ..export.onnx import export_network

        return export_network(self._fitted(), path, opset=opset)

    # ----------------------------------------------------------------------- display

    def __repr__(self) -> str:
        if self.network is None:
            return f"TableModel(target={self.target!r}) (not fitted)"
        net = self.network
        return (
            f"TableModel(target={self.target!r}): {net.task}, n = {net.layer_dims}, "
            f"{len(self.notices)} notice(s)"
        )

    def _repr_html_(self) -> str:
        from ..views._html import table_model_html

        if self.network is None:
            return f"<pre>{self!r}</pre>"
        return table_model_html(self)
