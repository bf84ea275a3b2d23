"""Differential tests of erascore.numerai_tools.signals / .submissions against
numerai-tools 0.7.2."""

import numpy as np
import pandas as pd
import pytest

from numerai_tools import scoring as ref_scoring
from numerai_tools import signals as ref
from numerai_tools import submissions as ref_sub

from erascore.numerai_tools import scoring as es_scoring
from erascore.numerai_tools import signals as es
from erascore.numerai_tools import submissions as es_sub

from conftest import raises_same


def tickers(n, rng):
    return pd.Index([f"T{v:05d}" for v in rng.permutation(n * 3)[:n]], name="ticker")


def test_churn_turnover(rng):
    idx = tickers(300, rng)
    s1 = pd.Series(rng.random(300), index=idx)
    s2 = pd.Series(rng.random(300), index=idx).sample(frac=0.9, random_state=2)
    assert abs(es.churn(s1, s2) - ref.churn(s1, s2)) < 1e-12
    assert es.churn(s1, s2, 30) == ref.churn(s1, s2, 30)
    assert abs(es.turnover(s1, s2) - ref.turnover(s1, s2)) < 1e-12
    with pytest.raises(AssertionError, match="s1 must have non-zero standard deviation"):
        es.churn(s1 * 0 + 1, s2)


def test_neutral_churn_and_penalty(rng):
    idx = tickers(200, rng)
    s1 = pd.Series(rng.random(200), index=idx)
    s2 = pd.Series(rng.random(200), index=idx)
    n1 = pd.DataFrame(rng.normal(size=(200, 3)), index=idx)
    n2 = pd.DataFrame(rng.normal(size=(200, 3)), index=idx)
    assert abs(es.neutral_churn(s1, s2, n1, n2) - ref.neutral_churn(s1, s2, n1, n2)) < 1e-10
    for c in [0.0, 0.1, 0.5, 2.0]:
        assert es.neutral_churn_penalty(c) == ref.neutral_churn_penalty(c)
    with pytest.raises(AssertionError, match="neutral_churn must be finite"):
        es.neutral_churn_penalty(float("nan"))


def test_neutral_churn_with_neutralizers_on_scales_lstsq_truncates():
    # One neutralizer on a scale 1e6 times the others and one 1e-4 times: lstsq's SVD at
    # rcond=1e-6 drops a direction the kernel's factorization keeps, so the neutralized
    # signal is numpy's (before: the kernel's, churn 1.5238 against numerai-tools' 1.4762).
    idx = pd.Index([f"id{i:03d}" for i in range(8)], name="id")
    s1 = pd.Series([0.3, 0.1, 0.7, 0.2, 0.9, 0.5, 0.4, 0.8], index=idx, name="signal")
    s2 = s1.iloc[::-1].set_axis(idx)
    a = np.array([0, 1, 2, 3, 4, 0, 1, 2.0])
    n = pd.DataFrame({"a": a * 1e6, "b": [1, 0, 1, 0, 1, 1, 0, 0.0], "c": a * 1e-4}, index=idx)
    want = ref.neutral_churn(s1, s2, n, n)
    assert np.isclose(want, 1.4761904761904763)
    assert es.neutral_churn(s1, s2, n, n) == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(es._neutralize_signal(s1, n), ref._neutralize_signal(s1, n),
                               rtol=1e-9, atol=1e-12)


def test_alpha_mpc_weights(rng):
    idx = tickers(250, rng).sort_values()
    p = pd.DataFrame(rng.random((250, 3)), index=idx, columns=["a", "b", "c"])
    n = pd.DataFrame(rng.normal(size=(250, 4)) / 10, index=idx)
    w = pd.Series(rng.random(250) / 250, index=idx)
    t = pd.Series(rng.normal(size=250), index=idx)
    stakes = pd.Series([1.0, 3.0, 2.0], index=["c", "a", "b"])
    pd.testing.assert_frame_equal(
        es_scoring.generate_neutralized_weights(p, n, w, True),
        ref_scoring.generate_neutralized_weights(p, n, w, True),
        atol=1e-12, rtol=0,
    )
    pd.testing.assert_series_equal(
        es_scoring.alpha(p, n, w, t), ref_scoring.alpha(p, n, w, t), atol=1e-12, rtol=0
    )
    pd.testing.assert_series_equal(
        es_scoring.meta_portfolio_contribution(p, stakes, n, w, t),
        ref_scoring.meta_portfolio_contribution(p, stakes, n, w, t),
        atol=1e-12, rtol=0,
    )


def _signals_case(rng, n=150):
    universe = tickers(n, rng)
    sub = pd.Series(rng.random(n), index=universe, name="signal")
    neutralizer = pd.DataFrame(rng.normal(size=(n, 2)), index=universe)
    weight = pd.Series(np.full(n, 1 / n), index=universe)
    return sub, neutralizer, weight


def test_churn_turnover_against_history(rng):
    curr = _signals_case(rng)
    prev = {d: _signals_case(np.random.default_rng(i)) for i, d in enumerate(["2024-01-05", "2024-01-12"])}
    prev[curr_key := "2024-01-19"] = (curr[0].sample(frac=1.0, random_state=3), curr[1], curr[2])
    args = (
        curr[0], curr[1], curr[2],
        {d: v[0] for d, v in prev.items()},
        {d: v[1] for d, v in prev.items()},
        {d: v[2] for d, v in prev.items()},
    )
    got = es.calculate_max_churn_and_turnover(*args)
    want = ref.calculate_max_churn_and_turnover(*args)
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)
    assert abs(es.calculate_mean_neutral_churn(*args) - ref.calculate_mean_neutral_churn(*args)) < 1e-10
    assert curr_key


def test_submission_checks(rng):
    ids = [f"id{i:04d}" for i in range(120)]
    universe = pd.Series(ids)
    good = pd.DataFrame({"id": ids, "prediction": rng.random(120)})
    got = es_sub.validate_submission_numerai(universe, good.copy())
    want = ref_sub.validate_submission_numerai(universe, good.copy())
    assert got[:2] == want[:2] and sorted(got[3]) == sorted(want[3])
    pd.testing.assert_frame_equal(got[2], want[2])
    raises_same(es_sub.validate_headers_numerai, ref_sub.validate_headers_numerai, good.rename(columns={"id": "x"}))
    raises_same(es_sub.validate_values, ref_sub.validate_values, good.assign(prediction=np.nan), "prediction")
    raises_same(es_sub.validate_values, ref_sub.validate_values, good.assign(prediction=good.prediction + 1), "prediction")
    raises_same(es_sub.validate_values, ref_sub.validate_values, good.assign(prediction=0.5), "prediction")
    raises_same(es_sub.validate_ids_numerai, ref_sub.validate_ids_numerai, universe, good.iloc[:50], "id")
    raises_same(es_sub.validate_ids_numerai, ref_sub.validate_ids_numerai, universe, pd.concat([good, good.iloc[:3]]), "id")
    signals = pd.DataFrame({"ticker": ids, "signal": rng.random(120), "friday_date": 20240105})
    uni = pd.DataFrame({"ticker": ids})
    got = es_sub.validate_submission_signals(uni, signals.copy(), True)
    want = ref_sub.validate_submission_signals(uni, signals.copy(), True)
    assert got[:3] == want[:3]
    pd.testing.assert_frame_equal(got[3], want[3])
    raises_same(es_sub.validate_headers_signals, ref_sub.validate_headers_signals, signals.drop(columns="friday_date"), True)
    crypto = pd.DataFrame({"symbol": ids, "signal": rng.random(120)})
    got = es_sub.validate_submission_crypto(pd.DataFrame({"symbol": ids}), crypto)
    want = ref_sub.validate_submission_crypto(pd.DataFrame({"symbol": ids}), crypto)
    pd.testing.assert_frame_equal(got[2], want[2])


def test_clean_and_remap(rng):
    ids = [f"id{i:04d}" for i in range(60)]
    universe = pd.DataFrame({"ticker": ids, "numerai_ticker": [f"N{i}" for i in range(60)]})
    sub = pd.DataFrame({"ticker": ids[5:] + ["zzz"], "signal": rng.random(56)})
    sub = pd.concat([sub, sub.iloc[:2]])
    for kwargs in [{}, {"dst_id_col": "numerai_ticker"}, {"rank_and_fill": True, "dst_signal_col": "x"}]:
        pd.testing.assert_series_equal(
            es_sub.clean_submission(universe, sub, "ticker", "signal", **kwargs),
            ref_sub.clean_submission(universe, sub, "ticker", "signal", **kwargs),
        )
    pd.testing.assert_frame_equal(
        es_sub.remap_ids(sub, universe, "ticker", "numerai_ticker"),
        ref_sub.remap_ids(sub, universe, "ticker", "numerai_ticker"),
    )
    raises_same(es_sub.clean_submission, ref_sub.clean_submission, universe, sub.iloc[:0], "ticker", "signal")
