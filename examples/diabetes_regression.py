"""Regression with a linear output: disease progression in scikit-learn's ``diabetes`` data.

Reproduces the notes' "housing prices" case, where ŷ is a number rather than a probability:
the output layer is linear, g[L](z) = z, and the cost is the mean squared error. The 442
patients have 10 features (age, sex, BMI, blood pressure, six blood serum measurements); a
test quarter is held out. The features, and the target as well, are standardized with the
training set's statistics, and the predictions are turned back into the original units. The
network [10, 16, 1] (relu, then linear; He initialization) is trained with Adam and L2
regularization. Prints the test R² and RMSE next to scikit-learn's ``LinearRegression`` on the
same split, and writes the cost curve.

Usage::

    pip install 'layerwise[plot,sklearn]'
    python examples/diabetes_regression.py --plot-dir out   # cost_curve.png
    python examples/diabetes_regression.py --quick          # 10 epochs (a smoke test)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

import layerwise as lw
from layerwise import plot
from layerwise.features.preprocessing import Preprocessing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot-dir", default=".", help="folder for the PNG files (default .)")
    parser.add_argument("--quick", action="store_true", help="10 epochs instead of 300")
    args = parser.parse_args(argv)
    out = Path(args.plot_dir)
    out.mkdir(parents=True, exist_ok=True)
    epochs = 10 if args.quick else 300

    features, target = load_diabetes(return_X_y=True)  # rows are examples: (442, 10)
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=0.25, random_state=0
    )
    # statistics of the training examples only: the test set must stay unseen
    pre = Preprocessing.fit(x_train.T)
    X_train, X_test = pre.transform(x_train.T), pre.transform(x_test.T)  # (n[0], m)
    # y is about 150 ± 77: scaled to mean 0 and variance 1, the output starts at the right scale
    # instead of spending its first epochs moving b[L] towards 150
    y_mean, y_std = y_train.mean(), y_train.std()
    Y_train = ((y_train - y_mean) / y_std)[None, :]  # (1, m)
    print(f"diabetes: X_train {X_train.shape}, X_test {X_test.shape}")
    print(f"y: disease progression after one year, {target.min():g} to {target.max():g}\n")

    net = lw.Network([10, 16, 1], hidden="relu", output="linear", init="he", seed=0)
    print(net.summary(m=X_train.shape[1]))
    print()
    # without L2 the network learns the 331 training patients (training R² 0.69, test R² 0.27)
    history = net.fit(
        X_train,
        Y_train,
        epochs=epochs,
        learning_rate=0.001,
        batch_size=32,
        optimizer="adam",
        l2=3.0,
    )
    y_pred = net.predict(X_test)[0] * y_std + y_mean  # back in the original units

    baseline = LinearRegression().fit(x_train, y_train).predict(x_test)
    print(f"{'model':<25}  {'test R²':>7}  {'test RMSE':>10}")
    for name, pred in (("layerwise [10, 16, 1]", y_pred), ("LinearRegression", baseline)):
        rmse = np.sqrt(mean_squared_error(y_test, pred))
        print(f"{name:<25}  {r2_score(y_test, pred):7.4f}  {rmse:10.2f}")

    plot.cost_curve(history, path=out / "cost_curve.png", title="Cost per epoch (diabetes)")
    print(f"\nWrote cost_curve.png to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
