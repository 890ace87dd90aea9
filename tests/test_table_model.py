"""layerwise.tables.TableModel: the table workflow from Python, checked against the command
line on the same model file, scikit-learn's metrics, ONNX Runtime and hand-made tables."""

from __future__ import annotations

import numpy as np
import pytest

pd = pytest.importorskip("pandas", reason="needs the tables extra")
pytest.importorskip("safetensors", reason="needs the io extra")

from layerwise.cli import main  # noqa: E402
from layerwise.tables import TableModel, mixed_table  # noqa: E402


def mixed(m: int = 400, seed: int = 0) -> pd.DataFrame:
    """The penguins-like table (numbers, text, booleans, missing values, an id), with a
    categorical column and a row-number column added, and two rows without a target."""
    df = mixed_table(m=m, seed=seed)
    df["colony"] = pd.Categorical(np.where(np.arange(m) % 3 == 0, "north", "south"))
    df.insert(0, "rownames", np.arange(1, m + 1))
    df.loc[[5, 17], "species"] = None
    return df


@pytest.fixture(scope="module")
def fitted():
    df = mixed()
    return df, TableModel(target="species", epochs=40, learning_rate=0.01).fit(df)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_on_a_raw_frame_says_what_it_did_by_itself(fitted):
    _df, model = fitted
    notices = " | ".join(model.notices)
    assert "rownames" in notices and "keep" in notices  # the row number, left out
    assert "2 row(s) left out" in notices  # the rows without a target
    assert "3 classes" in notices
    net = model.network
    # 4 numbers with their missing indicators, island/sex/diet/colony one-hot, tagged, year
    assert net.layer_dims[-1] == 3 and net.layer_dims[1] == 128
    assert model.classes_ == ["Adelie", "Chinstrap", "Gentoo"]
    names = [c.name for c in model.encoder.columns_]
    assert "rownames" not in names and "id" not in names and "colony" in names
    assert model.metrics["validation"]["accuracy"] > 0.8


def test_predictions_are_labels_and_probabilities_as_scikit_learn_lays_them_out(fitted):
    df, model = fitted
    rows = df.dropna(subset=["species"]).drop(columns=["species"])
    P = model.predict_proba(rows)
    assert P.shape == (len(rows), 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    labels = model.predict(rows)
    assert labels.shape == (len(rows),)
    np.testing.assert_array_equal(labels, np.asarray(model.classes_, dtype=object)[P.argmax(1)])
    # evaluate agrees with scikit-learn's accuracy on the same rows
    from sklearn.metrics import accuracy_score

    known = df.dropna(subset=["species"])
    scores = model.evaluate(known)
    assert scores["accuracy"] == pytest.approx(
        accuracy_score(known["species"], model.predict(known))
    )
    # extra columns are ignored; a missing feature column is named
    with pytest.raises(ValueError, match="bill_depth_mm"):
        model.predict(rows.drop(columns=["bill_depth_mm"]))


def test_the_command_line_predicts_the_same_from_the_saved_file(fitted, tmp_path, capsys):
    _df, model = fitted
    path = tmp_path / "m.safetensors"
    model.save(path)
    test = mixed(m=60, seed=3).drop(columns=["species"])
    test.to_csv(tmp_path / "test.csv", index=False)
    code, out, err = run(capsys, "predict", path, tmp_path / "test.csv", "--proba")
    assert code == 0, err
    shown = pd.read_csv(pd.io.common.StringIO(out))
    np.testing.assert_array_equal(shown["prediction"].to_numpy(), model.predict(test))
    P = shown[[f"proba_{c}" for c in model.classes_]].to_numpy()
    np.testing.assert_allclose(P, model.predict_proba(test), atol=1e-6)
    # loaded back: the same predictions and notices
    again = TableModel.load(path)
    np.testing.assert_array_equal(again.predict(test), model.predict(test))
    assert again.notices == model.notices
    assert again.classes_ == model.classes_


def test_a_pyarrow_table_and_a_frame_give_the_same_model():
    pa = pytest.importorskip("pyarrow", reason="needs the tables extra")
    df = mixed(m=200, seed=1)
    a = TableModel(target="species", epochs=5).fit(df)
    b = TableModel(target="species", epochs=5).fit(pa.Table.from_pandas(df))
    for key in a.network.params:
        np.testing.assert_array_equal(a.network.params[key], b.network.params[key])
    np.testing.assert_array_equal(a.predict(df), b.predict(pa.Table.from_pandas(df)))


def test_onnx_runtime_agrees_with_predict_proba(fitted, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    _df, model = fitted
    model.to_onnx(tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    test = mixed(m=80, seed=5).drop(columns=["species"])
    feeds = {}
    for spec in session.get_inputs():
        column = test[spec.name]
        if spec.type == "tensor(string)":
            values = column.astype(object).where(column.notna(), "").to_numpy()
            feeds[spec.name] = values.astype(str).reshape(-1, 1)
        else:
            feeds[spec.name] = column.to_numpy(dtype=np.float32).reshape(-1, 1)
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(test), atol=1e-4)
    assert [str(v) for v in outputs["label"].ravel()] == [str(v) for v in model.predict(test)]


def test_a_regression_scores_in_the_target_units():
    from sklearn.metrics import mean_absolute_error, r2_score

    rng = np.random.default_rng(2)
    m = 500
    df = pd.DataFrame({"size": rng.uniform(20, 200, m), "city": rng.choice(["a", "b", "c"], m)})
    df["price"] = 1000 * df["size"] + np.where(df["city"] == "a", 50_000, 0)
    df["price"] += rng.normal(0, 5000, m)
    model = TableModel(target="price", epochs=200, learning_rate=0.01).fit(df)
    assert model.network.task == "regression"
    predicted = model.predict(df)
    scores = model.evaluate(df)
    assert scores["r2"] == pytest.approx(r2_score(df["price"], predicted), abs=1e-9)
    assert scores["mae"] == pytest.approx(mean_absolute_error(df["price"], predicted), rel=1e-9)
    assert scores["r2"] > 0.95
    with pytest.raises(ValueError, match="regression"):
        model.predict_proba(df)


def test_the_notes_exact_model_can_still_be_asked_for():
    df = mixed(m=200, seed=4)
    model = TableModel(
        target="species", layers=[20, 7, 5], optimizer="gd", validation_split=0, epochs=3
    ).fit(df)
    assert model.network.layer_dims[1:-1] == [20, 7, 5]
    assert model.history.epochs == 3 and "validation" not in model.metrics
    assert model.network.metadata["training"]["optimizer"] == "gd"


def test_clear_errors():
    with pytest.raises(ValueError, match="not fitted"):
        TableModel(target="species").predict(mixed(m=20))
    with pytest.raises(ValueError, match="nope"):
        TableModel(target="nope").fit(mixed(m=50))
    with pytest.raises(ValueError, match="validation_split"):
        TableModel(target="species", validation_split=0, early_stopping=5).fit(mixed(m=50))
    with pytest.raises(ValueError, match=r"validation_split must be a fraction in \[0, 1\).*1\.5"):
        TableModel(target="species", validation_split=1.5).fit(mixed(m=50))
    with pytest.raises(ValueError, match="early_stopping must be"):
        TableModel(target="species", early_stopping=-1).fit(mixed(m=50))
    with pytest.raises((TypeError, ValueError), match=r"DataFrame|table|file"):
        TableModel(target="species").fit(42)


def test_refit_trains_again_on_every_row_for_the_epochs_early_stopping_chose():
    import layerwise as lw

    df = mixed(m=300, seed=6)
    first = TableModel(target="species", refit=False, learning_rate=0.01).fit(df)
    model = TableModel(target="species", refit=True, learning_rate=0.01)
    prepared = model.prepare(df)
    assert prepared.refit and "trained again on every row" in prepared.notices[-1]
    model.train(prepared)
    best = model.history.best_epoch
    assert best is not None and best + 1 < model.history.epochs  # it stopped early
    # by hand: the same network, from the same seed, on all rows (training and validation)
    # for best + 1 epochs
    again = lw.Network(
        prepared.network.layer_dims, hidden="relu", output="softmax", init="he", seed=0
    )
    again.fit(
        prepared.X_all, prepared.Y_all, epochs=best + 1, learning_rate=0.01,
        batch_size=prepared.batch_size, optimizer="adam",
    )  # fmt: skip
    for key in again.params:
        np.testing.assert_allclose(model.network.params[key], again.params[key], atol=1e-12)
        assert not np.allclose(first.network.params[key], again.params[key])
    assert model.network.metadata["training"]["refit"] is True
    # the validation scores are those of the run that chose the epochs
    assert model.metrics["validation"]["cost"] == pytest.approx(first.metrics["validation"]["cost"])


def test_a_fitted_model_shows_its_columns_scores_and_notices_in_a_notebook(fitted):
    _, model = fitted
    html = model._repr_html_()
    for text in ("species", "bill_length_mm", "island", "colony", "rownames"):
        assert text in html, text
    assert "<table" in html and "accuracy" in html
    assert "not fitted" in TableModel(target="y")._repr_html_()
