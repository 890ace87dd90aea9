"""A deep network on handwritten digits: 8×8 images, 10 classes, above 97 % test accuracy.

Reproduces the notes' deep (L-layer) network on real images: scikit-learn's ``digits``
(1797 images of 8×8 pixels, values 0..16, scaled to [0, 1]), a test quarter held out, and the
L = 3 network [64, 128, 64, 10] (relu, relu, softmax; He initialization) trained with Adam on
mini-batches of 32. Prints the dimension table, the training and test accuracy and the training
time; writes the cost curve (training and test cost) and the test set's confusion matrix.

Usage::

    pip install 'layerwise[plot,sklearn]'
    python examples/digits_deep.py --plot-dir out   # cost_curve.png, confusion_matrix.png
    python examples/digits_deep.py --quick          # 3 epochs (a smoke test)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import layerwise as lw
from layerwise import plot


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot-dir", default=".", help="folder for the PNG files (default .)")
    parser.add_argument("--quick", action="store_true", help="3 epochs instead of 40")
    args = parser.parse_args(argv)
    out = Path(args.plot_dir)
    out.mkdir(parents=True, exist_ok=True)
    epochs = 3 if args.quick else 40

    images, labels = load_digits(return_X_y=True)  # rows are examples: (1797, 64)
    X_train, X_test, y_train, y_test = train_test_split(
        images / 16.0, labels, test_size=0.25, random_state=0
    )
    # the notes' orientation: one example per column, class indices as Y (1, m)
    X_train, X_test = X_train.T, X_test.T
    Y_train, Y_test = y_train[None, :], y_test[None, :]
    m = X_train.shape[1]
    print(f"digits: X_train {X_train.shape}, X_test {X_test.shape}, 10 classes\n")

    net = lw.Network([64, 128, 64, 10], hidden="relu", output="softmax", init="he", seed=0)
    print(net.summary(m=m))
    print()
    start = time.perf_counter()
    history = net.fit(
        X_train,
        Y_train,
        epochs=epochs,
        learning_rate=0.002,
        batch_size=32,
        optimizer="adam",
        validation_data=(X_test, Y_test),
    )
    seconds = time.perf_counter() - start

    train_acc = net.evaluate(X_train, Y_train)["accuracy"]
    test_acc = net.evaluate(X_test, Y_test)["accuracy"]
    print(f"Training time: {seconds:.2f} s for {epochs} epochs of {m} images")
    print(f"Training accuracy: {train_acc:.4f}")
    print(f"Test accuracy:     {test_acc:.4f}")

    plot.cost_curve(history, path=out / "cost_curve.png", title="Cost per epoch (digits)")
    plot.confusion_matrix(
        y_test,
        net.predict(X_test)[0],
        labels=range(10),
        path=out / "confusion_matrix.png",
        title=f"Test set (accuracy {test_acc:.3f})",
    )
    print(f"\nWrote cost_curve.png and confusion_matrix.png to {out}")
    if not args.quick and test_acc < 0.97:
        print(f"test accuracy {test_acc:.4f} is below 0.97")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
