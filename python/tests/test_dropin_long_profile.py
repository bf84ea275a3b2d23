"""Regressions found by the differential suite's long profile (issue 23 §1) on
``scoring.alpha`` .. ``scoring.neutralize``: each case gave another answer than
numerai-tools 0.7.2 (a number where it raises, another error, another dtype)."""

import numpy as np
import pandas as pd
import pytest

from numerai_tools import scoring as ref

from erascore.numerai_tools import scoring as es

IDX = pd.Index(list("abcde"), name="id")
TARGET = pd.Series([0.0, 0.25, 0.5, 0.75, 1.0], index=IDX, name="target")
P = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4], "y": [0.9, 0.2, 0.4, 0.8, 0.1]}, index=IDX)
M = pd.Series([0.2, 0.4, 0.1, 0.3, 0.5], index=IDX, name="meta_model")
F = pd.DataFrame({"f": [0, 1, 2, 3, 4]}, index=IDX, dtype=np.int8)


def same_error(call_ref, call_es):
    with pytest.raises(Exception) as want:
        call_ref()
    with pytest.raises(type(want.value)):
        call_es()


def test_correlation_of_empty_text_target_raises_zero_division():
    t = pd.Series([], dtype=object, name="target")
    p = pd.Series([], dtype=np.float64)
    with pytest.raises(ZeroDivisionError):
        ref.correlation(t, p)
    with pytest.raises(ZeroDivisionError):
        es.correlation(t, p)


def test_gaussian_of_empty_float32_series_stays_float32():
    s = pd.Series([], dtype=np.float32, name="model_0")
    assert ref.gaussian(s).dtype == es.gaussian(s).dtype == np.float32


def test_contribution_with_text_target_raises_type_error():
    t = TARGET.astype(str)
    same_error(lambda: ref.correlation_contribution(P, M, t),
               lambda: es.correlation_contribution(P, M, t))
    same_error(lambda: ref.contribution_scores(P.to_numpy(), t, P),
               lambda: es.contribution_scores(P.to_numpy(), t, P))


def test_contribution_scores_top_bottom_with_nan_target_in_the_ends_raises():
    # The NaN target row is one of the top ones: numerai-tools' matrices no longer line up.
    neutral = np.array([[-1.0], [2.0], [0.1], [1.0], [-2.0]])
    t = TARGET.copy()
    t.iloc[1] = np.nan
    p = P[["x"]]
    same_error(lambda: ref.contribution_scores(neutral, t, p, top_bottom=2),
               lambda: es.contribution_scores(neutral, t, p, top_bottom=2))


def test_feature_neutral_corr_unnamed_target_raises_key_error():
    t = TARGET.rename(None)
    same_error(lambda: ref.feature_neutral_corr(P, F, t), lambda: es.feature_neutral_corr(P, F, t))


def test_neutral_contribution_unmatched_duplicate_raises_as_neutralize():
    # A repeated id in the neutralizers leaves them a row longer than the predictions.
    f = pd.concat([F, F.iloc[:1]])
    same_error(lambda: ref.neutral_contribution(P, M, f, TARGET.astype(str)),
               lambda: es.neutral_contribution(P, M, f, TARGET.astype(str)))


def test_neutralize_infinite_value_beside_a_constant_column():
    # LAPACK leaves the third column finite here: not every column becomes NaN.
    df = pd.DataFrame({
        "a": [0.66, 0.58, 0.27, 0.98, 0.19, np.inf],
        "b": 0.5,
        "c": [0.83, 0.37, 0.32, 0.76, 0.12, 0.93],
    })
    n = pd.DataFrame({"f": [0.0, 4, 1, 4, 2, 3]})
    want = ref.neutralize(df, n)
    got = es.neutralize(df, n)
    pd.testing.assert_frame_equal(got, want, rtol=1e-9, atol=1e-12)


def test_neutralize_one_row_is_solved_not_constant():
    df = pd.DataFrame({"a": [0.3]})
    n = pd.DataFrame({"f": [2.0]})
    for proportion in (1.0, 0.5):
        want = ref.neutralize(df, n, proportion)
        pd.testing.assert_frame_equal(es.neutralize(df, n, proportion), want,
                                      rtol=1e-9, atol=1e-12)
        assert not want.isna().any().any()


def test_max_feature_correlation_without_features_returns_what_pandas_gives():
    s = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5], index=IDX)
    none = pd.DataFrame(index=IDX)
    want_name, want_corr = ref.max_feature_correlation(s, none)
    got_name, got_corr = es.max_feature_correlation(s, none)
    assert got_name == want_name
    assert type(got_corr) is type(want_corr)
