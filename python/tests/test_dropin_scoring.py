"""Differential tests: erascore.numerai_tools.scoring against numerai-tools 0.7.2.

Tolerances: 1e-12 for float64 inputs (different summation orders), 1e-8 for float32
targets (numpy's float32 pow is not correctly rounded; see docs/metrics.md, Agreement).
"""

import inspect

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from numerai_tools import scoring as ref
from numerai_tools import signals as ref_signals
from numerai_tools import submissions as ref_submissions

from erascore.numerai_tools import scoring as es
from erascore.numerai_tools import signals as es_signals
from erascore.numerai_tools import submissions as es_submissions

from conftest import features, predictions, raises_same, target

TOL = 1e-12


def public(module):
    return {
        name
        for name, obj in vars(module).items()
        if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == module.__name__
    }


@pytest.mark.parametrize(
    "ref_mod,es_mod",
    [(ref, es), (ref_signals, es_signals), (ref_submissions, es_submissions)],
)
def test_every_public_function_with_the_same_signature(ref_mod, es_mod):
    names = public(ref_mod)
    assert names, "no public functions found in the reference"
    for name in sorted(names):
        assert hasattr(es_mod, name), name
        assert str(inspect.signature(getattr(es_mod, name))) == str(
            inspect.signature(getattr(ref_mod, name))
        ), name


def test_module_constants_match():
    assert es.DEFAULT_MAX_FILTERED_INDEX_RATIO == ref.DEFAULT_MAX_FILTERED_INDEX_RATIO
    for name in ["NUMERAI_ALLOWED_ID_COLS", "NUMERAI_ALLOWED_PRED_COLS", "SIGNALS_ALLOWED_ID_COLS",
                 "SIGNALS_ALLOWED_PRED_COLS", "SIGNALS_ALLOWED_DATE_COLS", "SIGNALS_MIN_TICKERS",
                 "CRYPTO_ALLOWED_ID_COLS", "CRYPTO_ALLOWED_PRED_COLS", "CRYPTO_MIN_TICKERS"]:
        assert getattr(es_submissions, name) == getattr(ref_submissions, name)


def assert_series(got: pd.Series, want: pd.Series, tol: float = TOL):
    assert isinstance(got, pd.Series)
    assert list(got.index) == list(want.index)
    assert got.name == want.name
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=0, atol=tol)


@pytest.mark.parametrize("n,k", [(5, 1), (60, 2), (700, 3), (5000, 1)])
@pytest.mark.parametrize("ties", [False, True])
def test_numerai_corr_random_shapes(rng, n, k, ties):
    p = predictions(n, k, rng, ties)
    t = target(p.index, rng)
    assert_series(es.numerai_corr(p, t), ref.numerai_corr(p, t))
    assert_series(
        es.numerai_corr(p, t, target_pow15=False), ref.numerai_corr(p, t, target_pow15=False)
    )


def test_numerai_corr_float32_nan_targets_partial_coverage(rng):
    p = predictions(2000, 2, rng)
    t = target(p.index, rng, np.float32, nan_share=0.1)
    extra = pd.Series(np.float32(0.5), index=pd.Index([f"x{i}" for i in range(100)], name="id"))
    t = pd.concat([t, extra]).sample(frac=1, random_state=1).rename("target")
    assert_series(es.numerai_corr(p, t), ref.numerai_corr(p, t), tol=1e-8)


def test_numerai_corr_top_bottom(rng):
    p = predictions(1000, 2, rng, ties=True)
    t = target(p.index, rng)
    assert_series(es.numerai_corr(p, t, top_bottom=100), ref.numerai_corr(p, t, top_bottom=100))


def test_numerai_corr_does_not_modify_inputs(rng):
    p = predictions(100, 1, rng)
    t = target(p.index, rng)
    p0, t0 = p.copy(), t.copy()
    es.numerai_corr(p, t)
    pd.testing.assert_frame_equal(p, p0)
    pd.testing.assert_series_equal(t, t0)


def test_numerai_corr_too_little_overlap_is_the_same_assertion(rng):
    p = predictions(100, 1, rng)
    t = target(p.index[:50], rng)
    raises_same(es.numerai_corr, ref.numerai_corr, p, t)


@pytest.mark.parametrize("top_bottom", [None, 50])
def test_correlation_contribution(rng, top_bottom):
    p = predictions(800, 3, rng, ties=True)
    m = pd.Series(rng.random(800), index=p.index, name="meta")
    m.iloc[:40] = np.nan  # partial meta model coverage
    t = target(p.index, rng, nan_share=0.05)
    assert_series(
        es.correlation_contribution(p, m, t, top_bottom),
        ref.correlation_contribution(p, m, t, top_bottom),
    )


def test_correlation_contribution_float32_target(rng):
    p = predictions(500, 2, rng)
    m = pd.Series(rng.random(500), index=p.index)
    t = target(p.index, rng, np.float32)
    assert_series(es.correlation_contribution(p, m, t), ref.correlation_contribution(p, m, t), 1e-8)


@pytest.mark.parametrize("deficient", [False, True])
@pytest.mark.parametrize("top_bottom", [None, 40])
def test_feature_neutral_corr(rng, deficient, top_bottom):
    p = predictions(600, 2, rng).sort_index()
    f = features(p.index, 12, rng, deficient)
    t = target(p.index, rng, nan_share=0.1)
    assert_series(
        es.feature_neutral_corr(p, f, t, top_bottom), ref.feature_neutral_corr(p, f, t, top_bottom), 1e-10
    )


def test_feature_neutral_corr_float_features(rng):
    p = predictions(300, 1, rng).sort_index()
    f = pd.DataFrame(rng.normal(size=(300, 5)), index=p.index)
    t = target(p.index, rng)
    assert_series(es.feature_neutral_corr(p, f, t), ref.feature_neutral_corr(p, f, t), 1e-10)


def test_neutral_correlation_and_contribution(rng):
    p = predictions(500, 2, rng).sort_index()
    f = features(p.index, 8, rng, deficient=True)
    m = pd.Series(rng.random(500), index=p.index)
    t = target(p.index, rng, nan_share=0.05)
    assert_series(es.neutral_correlation(p, f, t), ref.neutral_correlation(p, f, t), 1e-10)
    assert_series(
        es.neutral_correlation(p, f, t, top_bottom=50), ref.neutral_correlation(p, f, t, top_bottom=50), 1e-10
    )
    assert_series(es.neutral_contribution(p, m, f, t), ref.neutral_contribution(p, m, f, t), 1e-10)
    assert_series(
        es.neutral_contribution(p, m, f, t, 30), ref.neutral_contribution(p, m, f, t, 30), 1e-10
    )


@pytest.mark.parametrize("proportion", [1.0, 0.5])
def test_neutralize(rng, proportion):
    p = predictions(200, 3, rng).sort_index()
    p["const"] = 0.25
    f = features(p.index, 6, rng, deficient=True)
    got = es.neutralize(p, f, proportion)
    want = ref.neutralize(p, f, proportion)
    pd.testing.assert_index_equal(got.columns, want.columns)
    pd.testing.assert_index_equal(got.index, want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-10)
    fl = pd.DataFrame(rng.normal(size=(200, 4)), index=p.index)
    np.testing.assert_allclose(
        es.neutralize(p, fl).to_numpy(), ref.neutralize(p, fl).to_numpy(), rtol=0, atol=1e-10
    )


def test_neutralize_assertions(rng):
    p = predictions(20, 1, rng)
    f = features(p.index, 2, rng)
    bad = p.copy()
    bad.iloc[0, 0] = np.nan
    for args in [(bad, f), (p, f.iloc[:10]), (p, f.set_axis(f.index[::-1]))]:
        raises_same(es.neutralize, ref.neutralize, *args)


def test_max_feature_correlation(rng):
    p = predictions(400, 1, rng).sort_index()["model_0"]
    f = features(p.index, 10, rng, deficient=True)
    name, value = es.max_feature_correlation(p, f)
    want_name, want_value = ref.max_feature_correlation(p, f)
    assert name == want_name
    assert abs(value - want_value) < TOL
    name, value = es.max_feature_correlation(p, f, top_bottom=50)
    want_name, want_value = ref.max_feature_correlation(p, f, top_bottom=50)
    assert name == want_name and abs(value - want_value) < TOL


def test_correlations(rng):
    p = predictions(300, 1, rng, ties=True).sort_index()["model_0"]
    t = target(p.index, rng)
    for fn in ["correlation", "spearman_correlation", "pearson_correlation", "tie_broken_rank_correlation"]:
        assert abs(getattr(es, fn)(t, p) - getattr(ref, fn)(t, p)) < TOL, fn
    assert abs(es.pearson_correlation(t, p, 30) - ref.pearson_correlation(t, p, 30)) < TOL


@pytest.mark.parametrize("method", ["average", "first", "min", "max", "dense"])
def test_rank_methods_with_nan(rng, method):
    p = predictions(200, 2, rng, ties=True).sort_index()
    p.iloc[::7, 0] = np.nan
    pd.testing.assert_frame_equal(es.rank(p, method), ref.rank(p, method), atol=TOL, rtol=0)
    pd.testing.assert_series_equal(
        es.rank(p["model_0"], method), ref.rank(p["model_0"], method), atol=TOL, rtol=0
    )


def test_rank_asserts_sorted_index(rng):
    p = predictions(20, 1, rng)
    with pytest.raises(AssertionError, match="unsorted index found"):
        es.tie_kept_rank(p)


def test_transforms(rng):
    p = predictions(300, 2, rng, ties=True).sort_index()
    for fn in ["tie_kept_rank", "tie_broken_rank", "tie_kept_rank__gaussianize__pow_1_5",
               "center", "standardize", "variance_normalize", "weight_normalize"]:
        pd.testing.assert_frame_equal(getattr(es, fn)(p), getattr(ref, fn)(p), atol=TOL, rtol=0)
    r = ref.tie_kept_rank(p)
    pd.testing.assert_frame_equal(es.gaussian(r), ref.gaussian(r), atol=TOL, rtol=0)
    edge = pd.DataFrame({"x": [0.0, 0.5, 1.0, np.nan]})
    pd.testing.assert_frame_equal(es.gaussian(edge), ref.gaussian(edge))
    pd.testing.assert_frame_equal(es.power(p - 0.5, 1.5), ref.power(p - 0.5, 1.5), atol=TOL, rtol=0)
    pd.testing.assert_series_equal(es.min_max_normalize(p["model_0"]), ref.min_max_normalize(p["model_0"]))
    f = features(p.index, 4, rng)
    pd.testing.assert_frame_equal(
        es.tie_kept_rank__gaussianize__neutralize__variance_normalize(p, f),
        ref.tie_kept_rank__gaussianize__neutralize__variance_normalize(p, f),
        atol=1e-10, rtol=0,
    )
    assert abs(es.sharpe_ratio(p["model_0"]) - ref.sharpe_ratio(p["model_0"])) < TOL


def test_power_assertions(rng):
    p = predictions(50, 1, rng)
    with pytest.raises(AssertionError, match="Index is not sorted"):
        es.power(p, 1.5)
    q = p.sort_index()
    q.iloc[0, 0] = np.nan
    with pytest.raises(AssertionError, match="Data contains NaNs"):
        es.power(q, 1.5)


def test_orthogonalize_and_stake_weight(rng):
    v = rng.normal(size=(100, 3))
    u = rng.normal(size=100)
    np.testing.assert_allclose(es.orthogonalize(v, u), ref.orthogonalize(v, u), atol=TOL, rtol=0)
    p = predictions(100, 3, rng)
    p.iloc[3, 1] = np.nan
    stakes = pd.Series([1.0, 2.0, 0.5], index=["model_2", "model_0", "model_1"])
    pd.testing.assert_series_equal(es.stake_weight(p, stakes), ref.stake_weight(p, stakes), atol=TOL, rtol=0)


def test_contribution_scores(rng):
    p = predictions(200, 2, rng).sort_index()
    t = target(p.index, rng)
    neutral = rng.normal(size=(200, 2))
    assert_series(es.contribution_scores(neutral, t, p), ref.contribution_scores(neutral, t, p))
    assert_series(es.contribution_scores(neutral, t, p, 20), ref.contribution_scores(neutral, t, p, 20))


def test_filters(rng):
    a = predictions(100, 2, rng)
    b = target(a.index[:90].append(pd.Index(["zz1", "zz2"])), rng, nan_share=0.05)
    got = es.filter_sort_index(a, b)
    want = ref.filter_sort_index(a, b)
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_series_equal(got[1], want[1])
    for g, w in zip(es.filter_sort_index_many([b, a, a["model_0"]]), ref.filter_sort_index_many([b, a, a["model_0"]])):
        pd.testing.assert_index_equal(g.index, w.index)
    for i in range(2):
        pd.testing.assert_series_equal(
            es.filter_sort_top_bottom(a["model_0"], 10)[i], ref.filter_sort_top_bottom(a["model_0"], 10)[i]
        )
    pd.testing.assert_series_equal(
        es.filter_sort_top_bottom_concat(a["model_1"], 7), ref.filter_sort_top_bottom_concat(a["model_1"], 7)
    )
    for args in [([a, b.iloc[:10]],), ([],)]:
        raises_same(es.filter_sort_index_many, ref.filter_sort_index_many, *args)


def test_one_hot_encode(rng):
    df = pd.DataFrame({"a": rng.integers(0, 3, 20), "b": rng.random(20), "c": rng.choice(["x", "y"], 20)})
    pd.testing.assert_frame_equal(
        es.one_hot_encode(df, ["a", "c"]), ref.one_hot_encode(df, ["a", "c"]), check_dtype=True
    )


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(10, 300),
    k=st.integers(1, 3),
    levels=st.sampled_from([0, 3, 20]),
    seed=st.integers(0, 2**31),
    nan_share=st.sampled_from([0.0, 0.1]),
)
def test_numerai_corr_and_mmc_property(n, k, levels, seed, nan_share):
    rng = np.random.default_rng(seed)
    p = predictions(n, k, rng)
    if levels:
        p = np.floor(p * levels) / levels
    if (p.nunique() < 2).any():
        return
    t = target(p.index, rng, nan_share=nan_share)
    try:
        want = ref.numerai_corr(p, t)
    except AssertionError as e:
        with pytest.raises(AssertionError, match=str(e)[:20]):
            es.numerai_corr(p, t)
        return
    assert_series(es.numerai_corr(p, t), want, 1e-11)
    m = pd.Series(rng.random(n), index=p.index)
    assert_series(es.correlation_contribution(p, m, t), ref.correlation_contribution(p, m, t), 1e-11)
