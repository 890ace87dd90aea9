"""Rare positives: sample weights that balance the classes, on a thinned ``breast_cancer``.

Of scikit-learn's 569 tumours, 212 are malignant; this example keeps one malignant tumour in
ten (22 of 379 examples, 6 %), so that a network trained on the plain mean cost learns mostly
what a benign tumour looks like. Giving each example the weight m / (2 · its class's count)
makes both classes weigh the same in J = Σ w_i L_i / Σ w_i (scikit-learn's "balanced"
weights). Both networks [30, 8, 1] (relu, sigmoid; He initialization; Adam on mini-batches of
32) start from the same weights; a stratified test third is held out. Prints the test recall
of the malignant class, the balanced accuracy and the accuracy of each, and writes both cost
curves.

Usage::

    pip install 'layerwise[plot,sklearn]'
    python examples/imbalanced_weights.py --plot-dir out   # cost_curves.png
    python examples/imbalanced_weights.py --quick          # 5 epochs (a smoke test)
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight

import layerwise as lw
from layerwise import plot
from layerwise.features.preprocessing import Preprocessing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot-dir", default=".", help="folder for the PNG files (default .)")
    parser.add_argument("--quick", action="store_true", help="5 epochs instead of 150")
    args = parser.parse_args(argv)
    out = Path(args.plot_dir)
    out.mkdir(parents=True, exist_ok=True)
    epochs = 5 if args.quick else 150

    features, labels = load_breast_cancer(return_X_y=True)  # rows; 0 malignant, 1 benign
    y = 1 - labels  # 1 = malignant, the rare class of this example
    malignant = np.flatnonzero(y == 1)
    keep = np.concatenate([np.flatnonzero(y == 0), malignant[::10]])
    x_all, y_all = features[keep], y[keep]
    x_train, x_test, y_train, y_test = train_test_split(
        x_all, y_all, test_size=1 / 3, stratify=y_all, random_state=0
    )
    print(
        f"breast_cancer thinned: {len(y_all)} tumours, {int(y_all.sum())} malignant "
        f"({100 * y_all.mean():.0f} %); training on {len(y_train)}, testing on {len(y_test)}"
    )
    pre = Preprocessing.fit(x_train.T)  # training statistics only
    X_train, X_test = pre.transform(x_train.T), pre.transform(x_test.T)  # (n[0], m)
    Y_train = y_train[None, :].astype(float)
    # w_i = m / (2 · count of example i's class): each class weighs half of J
    weights = compute_sample_weight("balanced", y_train)
    print(
        f"weights: {weights[y_train == 0][0]:.3f} (benign), {weights[y_train == 1][0]:.3f} "
        f"(malignant)\n"
    )

    plain = lw.Network([30, 8, 1], hidden="relu", output="sigmoid", init="he", seed=0)
    balanced = copy.deepcopy(plain)  # the same initial weights
    settings = dict(epochs=epochs, learning_rate=0.003, batch_size=32, optimizer="adam")
    histories = {
        "plain mean cost": plain.fit(X_train, Y_train, **settings),
        "balanced weights": balanced.fit(X_train, Y_train, sample_weight=weights, **settings),
    }

    print(f"{'training':<18}  {'malignant recall':>16}  {'balanced accuracy':>17}  {'accuracy':>8}")
    for (name, _), net in zip(histories.items(), (plain, balanced)):
        pred = net.predict(X_test)[0]
        print(
            f"{name:<18}  {recall_score(y_test, pred):16.4f}  "
            f"{balanced_accuracy_score(y_test, pred):17.4f}  {accuracy_score(y_test, pred):8.4f}"
        )

    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (name, history) in zip(axes, histories.items()):
        plot.cost_curve(history, ax=ax, title=f"Cost per epoch ({name})")
    fig.savefig(out / "cost_curves.png", dpi=100)
    print(f"\nWrote cost_curves.png to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
