"""erascore.Evaluator against erascore.score: the same per-era numbers, bit for bit, on the
bundled example and on synthetic data (several targets, NaN targets, float32 targets, a
meta model and a benchmark), with and without cached factorizations; pickling, threads,
errors naming keyword arguments; and its metric in LightGBM, XGBoost and scikit-learn
training loops."""

import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import erascore
from erascore.exceptions import ArgumentError, ArgumentTypeError

from test_frames import EXAMPLE, synth_archive

METRICS = ["corr", "corr_tb200", "mmc", "fnc", "spearman", "pearson", "fexp_max"]
MODELS = ["model_0", "model_1", "model_2"]


def aligned(data: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The predictions in the data's row order (what an Evaluator takes)."""
    out = data[["id"]].merge(predictions, on="id", how="left")
    assert not out[MODELS].isna().any().any()
    return out[MODELS]


@pytest.fixture(scope="module")
def example():
    data = pd.read_parquet(EXAMPLE / "data.parquet")
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    meta = pd.read_parquet(EXAMPLE / "meta_model.parquet")
    return data, preds, meta


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    return synth_archive(
        tmp_path_factory.mktemp("synth") / "data", "--eras", "8", "--rows", "300",
        "--features", "20", "--models", "3", "--seed", "7",
    )


def assert_identical(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same rows, same columns, every float the same bits (NaN where NaN)."""
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in want.columns[3:]:
        assert got[c].to_numpy().tobytes() == want[c].to_numpy().tobytes(), c


@pytest.mark.parametrize("cache", [0, 1 << 30])
def test_example_matches_score_bit_for_bit(example, cache):
    data, preds, meta = example
    want = erascore.score(
        EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", EXAMPLE / "meta_model.parquet",
        metrics=METRICS, progress=False,
    )
    assert want["corr"].notna().all() and len(want) == 36
    from_paths = erascore.Evaluator(
        EXAMPLE / "data.parquet", EXAMPLE / "meta_model.parquet", metrics=METRICS, cache=cache
    )
    assert from_paths.cached[0] == (12 if cache else 0)
    assert_identical(from_paths.score(aligned(data, preds)), want)
    from_frames = erascore.Evaluator(data, meta, metrics=METRICS, cache=cache)
    assert_identical(from_frames.score(aligned(data, preds).to_numpy()).assign(
        model=lambda f: f["model"].str.replace("prediction_", "model_")), want)
    # One model as a Series: its rows of the table.
    one = from_frames.score(aligned(data, preds)["model_1"])
    assert_identical(one, want[want["model"] == "model_1"].reset_index(drop=True))


def test_default_metrics_are_score_defaults(example):
    data, preds, meta = example
    ev = erascore.Evaluator(data, meta)
    assert ev.metrics == ["corr", "mmc", "fnc"]
    assert ev.rows == 6000 and ev.eras[0] == "0001" and len(ev.eras) == 12
    want = erascore.score(data, preds, meta, progress=False)
    assert_identical(ev.score(aligned(data, preds)), want)


def test_synthetic_data_with_targets_benchmark_and_a_partial_cache(synth):
    data = pd.read_parquet(synth / "data.parquet")
    preds = pd.read_parquet(synth / "predictions.parquet")
    meta = pd.read_parquet(synth / "meta_model.parquet")
    # A benchmark column: another model's predictions, one id in 40 missing.
    bench = preds[["id", "model_2"]].rename(columns={"model_2": "benchmark"}).iloc[::-1]
    bench = bench[bench.index % 40 != 3]
    targets = ["target", "target_aux_20", "target_aux_60"]
    assert data[targets].isna().any().any()  # NaN targets: rows left out per target
    metrics = ["corr", "corr_tb50", "mmc", "mmc_tb50", "bmc", "fnc", "spearman", "pearson"]
    want = erascore.score(
        data, preds, meta, benchmark=bench, targets=targets, metrics=metrics, progress=False
    )
    assert len(want) == 8 * 3 * 3 and want["bmc"].notna().all()
    k = 20
    one_era = 300 * k + 12 * k * k + 32 * k  # the docs' formula for one factorization
    for cache in [0, 3 * one_era, 1 << 30]:
        ev = erascore.Evaluator(
            synth / "data.parquet", synth / "meta_model.parquet", bench, targets=targets,
            metrics=metrics, cache=cache,
        )
        count, used = ev.cached
        assert used <= cache
        assert count == {0: 0, 3 * one_era: 3}.get(cache, count)
        assert_identical(ev.score(aligned(data, preds)), want)
    # A subset of the prepared metrics, per call: the same numbers as score's.
    sub = erascore.score(data, preds, meta, targets=targets, metrics=["corr", "mmc"], progress=False)
    assert_identical(ev.score(aligned(data, preds), metrics=["corr", "mmc"]), sub)


def test_summary_is_the_diagnostics_statistics(example):
    data, preds, meta = example
    diag = erascore.diagnostics(data, preds, meta, progress=False).summary
    ev = erascore.Evaluator(data, meta, metrics=["corr", "mmc"])
    got = ev.summary(aligned(data, preds))
    assert list(got["metric"]) == ["corr", "mmc"] * 3
    want = diag[diag["metric"].isin(["corr", "mmc"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want[got.columns], check_exact=True)


def test_pickle_and_threads(example):
    data, preds, meta = example
    ev = erascore.Evaluator(data, meta, metrics=["corr", "mmc", "fnc"], cache=1 << 30)
    want = ev.score(aligned(data, preds))
    clone = pickle.loads(pickle.dumps(ev))
    assert clone.cached == ev.cached
    assert_identical(clone.score(aligned(data, preds)), want)
    path_clone = pickle.loads(pickle.dumps(erascore.Evaluator(EXAMPLE / "data.parquet")))
    assert path_clone.metrics == ["corr", "fnc"]
    rs = pickle.loads(pickle.dumps(ev._rs))  # the extension's class pickles on its own too
    assert rs.rows == 6000
    cloudpickle = pytest.importorskip("cloudpickle")  # what Ray ships objects with
    assert_identical(cloudpickle.loads(cloudpickle.dumps(ev)).score(aligned(data, preds)), want)
    frame = aligned(data, preds)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: ev.score(frame), range(8)))
    for r in results:
        assert_identical(r, want)


def test_errors_name_the_keyword(example):
    data, preds, meta = example
    ev = erascore.Evaluator(data, meta, metrics=["corr", "mmc"])
    with pytest.raises(ArgumentError, match=r"predictions=: model 'prediction' has 5 values, the data 6000 rows"):
        ev.score(np.zeros(5))
    with pytest.raises(ArgumentTypeError, match="predictions="):
        ev.score("not numbers")
    with pytest.raises(ArgumentError, match=r"metrics=: fnc was not prepared"):
        ev.score(aligned(data, preds), metrics=["fnc"])
    with pytest.raises(ArgumentError, match=r"metrics=: churn is not computed by an evaluator"):
        ev.score(aligned(data, preds), metrics=["churn"])
    with pytest.raises(ArgumentError, match=r"metric mmc needs meta_model="):
        erascore.Evaluator(data, metrics=["corr", "mmc"])
    with pytest.raises(ArgumentError, match=r"metric bmc needs benchmark="):
        erascore.Evaluator(data, metrics=["bmc"])
    with pytest.raises(ArgumentError, match=r"cache= must be at least 0"):
        erascore.Evaluator(data, metrics=["corr"], cache=-1)
    with pytest.raises(ArgumentError, match=r"max_filtered_ratio= must be in \[0, 1\)"):
        erascore.Evaluator(data, metrics=["corr"], max_filtered_ratio=1.5)
    # Every era cached and no fexp_max: the features were dropped, so fexp_max is refused.
    cached = erascore.Evaluator(data, metrics=["corr", "fnc"], cache=1 << 30)
    assert cached.cached[0] == 12
    with pytest.raises(ArgumentError, match=r"metrics=: fexp_max was not prepared"):
        cached.score(aligned(data, preds), metrics=["fexp_max"])
    with pytest.raises(ArgumentError, match=r"target=: 'x' is not one of"):
        ev.metric("corr", target="x")


# --- Training loops: early stopping on per-era mean CORR with the real libraries ---------


@pytest.fixture(scope="module")
def training(synth):
    data = pd.read_parquet(synth / "data.parquet")
    data = data[data["target"].notna()].reset_index(drop=True)
    features = [c for c in data.columns if c.startswith("feature_")]
    early = data["era"].isin(["0001", "0002", "0003", "0004"])
    train, valid = data[early].reset_index(drop=True), data[~early].reset_index(drop=True)
    return train, valid, features


def score_mean(valid: pd.DataFrame, predictions: np.ndarray) -> float:
    frame = pd.DataFrame({"id": valid["id"], "prediction": np.asarray(predictions, np.float64)})
    scores = erascore.score(valid, frame, metrics=["corr"], progress=False)
    return float(scores["corr"].mean())


def test_lightgbm_feval_early_stopping(training):
    lgb = pytest.importorskip("lightgbm")
    train, valid, features = training
    metric = erascore.Evaluator(valid, metrics=["corr"]).metric("corr")
    dtrain = lgb.Dataset(train[features], train["target"])
    dvalid = lgb.Dataset(valid[features], valid["target"], reference=dtrain)
    record: dict = {}
    booster = lgb.train(
        {"objective": "regression", "metric": "None", "learning_rate": 0.1, "num_leaves": 7,
         "verbose": -1, "num_threads": 1, "deterministic": True, "seed": 1},
        dtrain, num_boost_round=40, valid_sets=[dvalid], valid_names=["valid"], feval=metric,
        callbacks=[lgb.early_stopping(5, verbose=False), lgb.record_evaluation(record)],
    )
    best = booster.best_iteration
    assert best >= 1
    values = record["valid"]["corr"]
    assert values[best - 1] == max(values)  # stopped on the highest per-era mean CORR
    preds = booster.predict(valid[features], num_iteration=best)
    assert values[best - 1] == metric.value(preds)
    assert values[best - 1] == pytest.approx(score_mean(valid, preds), abs=1e-12)


def test_lightgbm_sklearn_api_eval_metric(training):
    lgb = pytest.importorskip("lightgbm")
    train, valid, features = training
    metric = erascore.Evaluator(valid, metrics=["corr"]).metric("corr")
    model = lgb.LGBMRegressor(
        n_estimators=30, num_leaves=7, metric="None", verbose=-1, n_jobs=1, random_state=1
    )
    model.fit(
        train[features], train["target"], eval_X=(valid[features],), eval_y=(valid["target"],),
        eval_metric=metric, callbacks=[lgb.early_stopping(5, verbose=False)],
    )
    values = model.evals_result_["valid_0"]["corr"]
    best = model.best_iteration_
    assert values[best - 1] == max(values)
    assert values[best - 1] == metric.value(model.predict(valid[features], num_iteration=best))


def test_xgboost_custom_metric_early_stopping(training):
    xgb = pytest.importorskip("xgboost")
    train, valid, features = training
    metric = erascore.Evaluator(valid, metrics=["corr"]).metric("corr")
    dtrain = xgb.DMatrix(train[features], train["target"])
    dvalid = xgb.DMatrix(valid[features], valid["target"])
    record: dict = {}
    booster = xgb.train(
        {"max_depth": 3, "eta": 0.1, "nthread": 1, "disable_default_eval_metric": 1, "seed": 1},
        dtrain, num_boost_round=40, evals=[(dvalid, "valid")], custom_metric=metric,
        maximize=True, early_stopping_rounds=5, evals_result=record, verbose_eval=False,
    )
    best = booster.best_iteration
    values = record["valid"]["corr"]
    assert values[best] == max(values)
    preds = booster.predict(dvalid, iteration_range=(0, best + 1))
    # XGBoost keeps its evaluation log as text with 6 decimals.
    assert values[best] == pytest.approx(metric.value(preds), abs=5e-7)
    assert metric(preds, dvalid) == ("corr", metric.value(preds))
    assert metric.value(preds) == pytest.approx(score_mean(valid, preds), abs=1e-12)


def test_sklearn_scorer_in_a_grid_search(training):
    sklearn = pytest.importorskip("sklearn")
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    assert sklearn.__version__
    train, valid, features = training
    evaluator = erascore.Evaluator(valid, metrics=["corr"])
    scorer = evaluator.scorer("corr")
    both = pd.concat([train, valid], ignore_index=True)
    # The validation fold is the evaluator's rows, in order.
    split = PredefinedSplit(np.r_[np.full(len(train), -1), np.zeros(len(valid))])
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0, 1000.0]}, scoring=scorer, cv=split)
    search.fit(both[features], both["target"])
    for alpha, got in zip(search.cv_results_["param_alpha"], search.cv_results_["mean_test_score"]):
        model = Ridge(alpha=alpha).fit(train[features], train["target"])
        preds = model.predict(valid[features])
        assert got == scorer(model, valid[features], valid["target"])
        assert got == pytest.approx(score_mean(valid, preds), abs=1e-12)
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])


def test_warnings_are_scores(example):
    """A model constant in an era and an era without target values: the same rows (NaN
    where score gives NaN) and the same warnings, in the same order."""
    import warnings

    data, preds, meta = example
    data = data.copy()
    data.loc[data["era"] == "0012", "target"] = np.nan
    preds = preds.copy()
    first_era = preds["id"].isin(data.loc[data["era"] == "0001", "id"])
    preds.loc[first_era, "model_0"] = 0.5
    with warnings.catch_warnings(record=True) as want_w:
        warnings.simplefilter("always")
        want = erascore.score(data, preds, meta, metrics=["corr", "mmc", "fnc"], progress=False)
    ev = erascore.Evaluator(data, meta, metrics=["corr", "mmc", "fnc"])
    with warnings.catch_warnings(record=True) as got_w:
        warnings.simplefilter("always")
        got = ev.score(aligned(data, preds))
    assert_identical(got, want)
    assert len(want) == 11 * 3 and np.isnan(want["corr"].iloc[0])
    assert [str(w.message) for w in got_w] == [str(w.message) for w in want_w]
    assert any("constant in era '0001'" in str(w.message) for w in got_w)
    assert any("not scored: 0012" in str(w.message) for w in got_w)


def test_text_predictions_are_refused_as_score_refuses_them(example):
    # Numbers as strings ("0.5") are a DataError naming the model and its first row, as
    # erascore.score refuses a text column, not numbers numpy would parse them to.
    from erascore.exceptions import DataError

    data, preds, meta = example
    ev = erascore.Evaluator(data, meta, metrics=["corr"])
    frame = aligned(data, preds)
    text = frame.assign(model_1=frame["model_1"].astype(str))
    first = repr(text["model_1"].iloc[0])
    for given in (text, text["model_1"], text.to_numpy(), text["model_1"].to_numpy(dtype=str)):
        with pytest.raises(DataError, match=r"model '(model_1|prediction)' holds text, not numbers"):
            ev.score(given)
    with pytest.raises(DataError, match=rf"holds text, not numbers \({first} at row 0\)"):
        ev.summary(text["model_1"])
    with pytest.raises(DataError, match=r"holds text"):
        ev.metric("corr").value(text["model_1"].to_numpy())
    # Numbers held as objects are numbers.
    got = ev.score(frame.astype(object))
    pd.testing.assert_frame_equal(got, ev.score(frame), check_exact=True)
