"""Regressions of issue 23 §2: each case gave a different answer from numerai-tools 0.7.2
(a number where it raises, another number, another type), and the Python extension's CPU
path variables (issue 23 §4)."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from numerai_tools import scoring as ref
from numerai_tools import signals as ref_signals

from erascore.numerai_tools import scoring as es
from erascore.numerai_tools import signals as es_signals

IDX = pd.Index(list("abcde"), name="id")
TARGET = pd.Series([0.0, 0.25, 0.5, 0.75, 1.0], index=IDX, name="target")


def test_max_feature_correlation_matches_features_by_id_not_position():
    s = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5], index=IDX)
    features = pd.DataFrame({"f": [0.0, 1, 2, 3, 4]}, index=IDX).loc[list("caebd")]
    with pytest.raises(AssertionError):
        ref.max_feature_correlation(s, features)
    with pytest.raises(AssertionError):
        es.max_feature_correlation(s, features)


def test_max_feature_correlation_top_bottom_by_id():
    rng = np.random.default_rng(3)
    idx = pd.Index([f"id{i:03d}" for i in range(60)])
    s = pd.Series(rng.random(60), index=idx)
    features = pd.DataFrame(rng.integers(0, 5, (60, 4)).astype(float), index=idx)
    features.columns = [f"f{j}" for j in range(4)]
    got = es.max_feature_correlation(s, features, top_bottom=10)
    want = ref.max_feature_correlation(s, features, top_bottom=10)
    assert got[0] == want[0] and type(got[1]) is type(want[1]) is np.float64
    assert abs(got[1] - want[1]) < 1e-12


def test_correlation_contribution_duplicated_id_raises_value_error():
    rng = np.random.default_rng(1)
    p = pd.DataFrame({"x": rng.random(5)}, index=IDX)
    dup = pd.Index(list("abcda"), name="id")
    m = pd.Series(rng.random(5), index=dup)
    t = pd.Series([0, 0.25, 0.5, 0.75, 1.0], index=dup)
    with pytest.raises(ValueError):
        ref.correlation_contribution(p, m, t)
    with pytest.raises(ValueError):
        es.correlation_contribution(p, m, t)


def test_feature_neutral_corr_inf_feature_and_no_features():
    p = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4]}, index=IDX)
    f = pd.DataFrame({"f": [0.0, np.inf, 2, 3, 4]}, index=IDX)
    with pytest.raises(np.linalg.LinAlgError):
        ref.feature_neutral_corr(p, f, TARGET)
    with pytest.raises(np.linalg.LinAlgError):
        es.feature_neutral_corr(p, f, TARGET)
    none = pd.DataFrame(index=IDX)
    got, want = es.feature_neutral_corr(p, none, TARGET), ref.feature_neutral_corr(p, none, TARGET)
    assert abs(got["x"] - want["x"]) < 1e-12 and not np.isnan(want["x"])


def test_one_hot_encode_nan_gets_its_own_indicator():
    df = pd.DataFrame({"c": [0, 0.5, np.nan]})
    got, want = es.one_hot_encode(df, ["c"]), ref.one_hot_encode(df, ["c"])
    assert list(got.columns) == list(want.columns) == ["c_0.0", "c_0.5", "c_nan"]
    assert got["c_nan"].tolist() == want["c_nan"].tolist() == [0.0, 0.0, 1.0]


def test_contribution_scores_nan_target_with_top_bottom():
    p = pd.DataFrame({"x": [0.1, 0.9, 0.5, 0.7, 0.2]}, index=IDX)
    neutral = np.array([[-1.0], [2.0], [0.1], [1.0], [-2.0]])  # the NaN row is neither end
    t = TARGET.copy()
    t.iloc[2] = np.nan
    want = ref.contribution_scores(neutral, t, p, top_bottom=1)["x"]
    got = es.contribution_scores(neutral, t, p, top_bottom=1)["x"]
    assert not np.isnan(want) and abs(got - want) < 1e-12


def test_float32_inputs_keep_float32():
    rng = np.random.default_rng(2)
    v = rng.normal(size=(50, 2)).astype(np.float32)
    u = rng.normal(size=50).astype(np.float32)
    got, want = es.orthogonalize(v, u), ref.orthogonalize(v, u)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    idx = pd.Index([f"id{i:02d}" for i in range(50)])
    p = pd.DataFrame(rng.random((50, 2)).astype(np.float32), index=idx, columns=["a", "b"])
    stakes = pd.Series([1.0, 3.0], index=["a", "b"], dtype=np.float32)
    assert es.stake_weight(p, stakes).dtype == ref.stake_weight(p, stakes).dtype == np.float32
    # scipy's ppf of a float32 frame is float64.
    assert (es.gaussian(p).dtypes == ref.gaussian(p).dtypes).all()


def test_scalars_are_numpy_float64():
    s = pd.Series([0.1, 0.3, 0.2, 0.5, 0.4], index=IDX)
    for name in ["pearson_correlation", "spearman_correlation"]:
        assert type(getattr(es, name)(TARGET, s)) is type(getattr(ref, name)(TARGET, s)) is np.float64
    s2 = pd.Series([0.2, 0.1, 0.3, 0.5, 0.4], index=IDX)
    assert type(es_signals.churn(s, s2)) is type(ref_signals.churn(s, s2)) is np.float64
    n = pd.DataFrame({"f": [1.0, 0, 2, 5, 3]}, index=IDX)
    got = es_signals.neutral_churn(s, s2, n, n)
    assert type(got) is type(ref_signals.neutral_churn(s, s2, n, n)) is np.float64
    assert type(es_signals.turnover(s, s2)) is type(ref_signals.turnover(s, s2)) is np.float64


@pytest.mark.parametrize(
    "targets",
    [
        TARGET.iloc[:1],  # one row
        TARGET.rename(None),  # unnamed
        TARGET.astype(str),  # text
    ],
)
def test_numerai_corr_raises_where_numerai_tools_raises(targets):
    p = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4]}, index=IDX).loc[targets.index]
    with pytest.raises(Exception) as want:
        ref.numerai_corr(p, targets)
    with pytest.raises(type(want.value)):
        es.numerai_corr(p, targets)


def test_constant_prediction_column_in_neutral_scores_raises():
    p = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4], "c": 0.5}, index=IDX)
    f = pd.DataFrame({"f": [0, 1, 2, 3, 4]}, index=IDX, dtype=np.int8)
    m = pd.Series([0.2, 0.4, 0.1, 0.3, 0.5], index=IDX)
    with pytest.raises(AssertionError):
        ref.neutral_correlation(p, f, TARGET)
    with pytest.raises(AssertionError):
        es.neutral_correlation(p, f, TARGET)
    with pytest.raises(AssertionError):
        ref.neutral_contribution(p, m, f, TARGET, top_bottom=1)
    with pytest.raises(AssertionError):
        es.neutral_contribution(p, m, f, TARGET, top_bottom=1)


def test_churn_and_turnover_run_in_the_kernels_with_the_same_numbers():
    rng = np.random.default_rng(5)
    idx = pd.Index([f"T{i:04d}" for i in range(400)])
    s1 = pd.Series(rng.random(400), index=idx)
    s2 = pd.Series(np.round(rng.random(400) * 5) / 5, index=idx).sample(frac=0.9, random_state=1)
    assert es_signals.churn(s1, s2) == pytest.approx(ref_signals.churn(s1, s2), abs=1e-12)
    for k in [1, 7, 50, 500]:
        assert es_signals.churn(s1, s2, k) == ref_signals.churn(s1, s2, k)
    assert es_signals.turnover(s1, s2) == pytest.approx(ref_signals.turnover(s1, s2), abs=1e-12)


def _import_with(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import erascore"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "variable,value,says",
    [
        ("ERASCORE_SIMD", "sse9", "ERASCORE_SIMD=sse9"),
        ("ERASCORE_KERNEL", "avx", "ERASCORE_KERNEL=avx"),
    ],
)
def test_bad_cpu_path_variable_is_refused_on_import(variable, value, says):
    done = _import_with({variable: value})
    assert done.returncode != 0
    assert "ValueError" in done.stderr and says in done.stderr, done.stderr
    assert "available here" in done.stderr, done.stderr


def test_cpu_path_the_cpu_lacks_names_what_it_has():
    # AMX is the rarest path; where the CPU has it, there is nothing to refuse.
    done = _import_with({"ERASCORE_KERNEL": "amx"})
    if done.returncode == 0:
        pytest.skip("this CPU has AMX")
    assert "ERASCORE_KERNEL=amx" in done.stderr and "available here" in done.stderr, done.stderr


def test_valid_cpu_path_variables_import():
    assert _import_with({"ERASCORE_SIMD": "scalar", "ERASCORE_KERNEL": "auto"}).returncode == 0


@pytest.mark.parametrize("proportion", [0.0, 1.0])
def test_neutralize_infinite_value_makes_every_column_nan(proportion):
    # numpy's lstsq scales all right-hand sides together: one inf turns every column NaN.
    df = pd.DataFrame({"a": [-np.inf, 0.94, 0.96], "b": [0.79, 0.41, 0.53]})
    n = pd.DataFrame({"f": [4.0, 2.0, 2.0]})
    want = ref.neutralize(df, n, proportion)
    got = es.neutralize(df, n, proportion)
    assert want.isna().all().all()
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("top_bottom", [None, 1, 2])
def test_numerai_corr_duplicated_prediction_id(top_bottom):
    # After matching, predictions have one row more than targets: numerai-tools pairs them
    # by id (a number with top_bottom, an AssertionError without); no length error.
    t = pd.Series([0.0, 0.25, 0.5, 0.75, 1.0, 0.5, 0.25, 1.0], index=pd.Index(list("abcdefgh"), name="id"), name="target")
    p = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4, 0.9, 0.6, 0.7, 0.8]}, index=pd.Index(list("abcdefgha"), name="id"))
    if top_bottom is None:
        with pytest.raises(AssertionError):
            ref.numerai_corr(p, t)
        with pytest.raises(AssertionError):
            es.numerai_corr(p, t)
        return
    want = ref.numerai_corr(p, t, top_bottom=top_bottom)
    got = es.numerai_corr(p, t, top_bottom=top_bottom)
    pd.testing.assert_series_equal(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "values",
    [
        ["x", None, "y", "x"],  # text with None: its own indicator, c_None, last
        ["x", None, np.nan, "y"],  # None and NaN kept apart, None first
        [0.5, np.inf, 0.0, 0.5],  # infinity: scikit-learn's ValueError
    ],
)
def test_one_hot_encode_missing_text_and_infinity(values):
    df = pd.DataFrame({"c": pd.Series(values, dtype=object if None in values else None), "d": 1.0})
    try:
        want = ref.one_hot_encode(df, ["c"])
    except ValueError:
        with pytest.raises(ValueError):
            es.one_hot_encode(df, ["c"])
        return
    pd.testing.assert_frame_equal(es.one_hot_encode(df, ["c"]), want)


def test_orthogonalize_of_lists_raises_as_numpy_does():
    v, u = [[1.0, 2.0], [3.0, 5.0], [4.0, 1.0]], [1.0, 2.0, 0.5]
    with pytest.raises(AttributeError):
        ref.orthogonalize(v, u)
    with pytest.raises(AttributeError):
        es.orthogonalize(v, u)
    # int8 arrays: numpy's products wrap around, and the result follows them
    vi, ui = np.array(v, dtype=np.int8) * 20, np.array([6, -3, 4], dtype=np.int8) * 5
    np.testing.assert_array_equal(es.orthogonalize(vi, ui), ref.orthogonalize(vi, ui))


def test_power_constant_column_whose_mean_rounds():
    # pandas' mean of ten 0.1**1.5 is not exactly that value: std > 0, the correlation
    # check then fails in numerai-tools; a constant 0.3 column passes (std exactly 0).
    idx = pd.Index([f"id{i}" for i in range(10)])
    rounds = pd.DataFrame({"a": np.full(10, 0.1), "b": np.linspace(0, 1, 10)}, index=idx)
    with pytest.raises(AssertionError):
        ref.power(rounds, 1.5)
    with pytest.raises(AssertionError):
        es.power(rounds, 1.5)
    exact = rounds.assign(a=0.3)
    pd.testing.assert_frame_equal(es.power(exact, 1.5), ref.power(exact, 1.5))


@pytest.mark.parametrize("name", ["pearson_correlation", "spearman_correlation"])
@pytest.mark.parametrize(
    "target,predictions",
    [
        ([0.0, 0.25, 0.5, 1.0], [0.5, 0.5, 0.5, 0.5]),  # constant: pandas' Python float NaN
        ([0.1], [0.2]),  # one row
        ([0.1, np.inf, 0.3], [0.2, 0.1, 0.3]),  # infinite: numpy.float64
        ([0.1, 0.2, 0.4], [0.3, 0.1, 0.2]),
    ],
)
def test_correlation_scalar_type_is_pandas(name, target, predictions):
    idx = pd.Index([f"id{i}" for i in range(len(target))])
    t, p = pd.Series(target, index=idx), pd.Series(predictions, index=idx)
    want, got = getattr(ref, name)(t, p), getattr(es, name)(t, p)
    assert type(got) is type(want)
    assert got == pytest.approx(want, abs=1e-12, nan_ok=True)


def test_tie_broken_rank_correlation_text_target_raises_type_error():
    idx = pd.Index(list("abcd"))
    t = pd.Series(["0.1", "0.5", "0.2", "0.3"], index=idx)
    p = pd.Series([0.3, 0.1, 0.2, 0.4], index=idx, name="prediction")
    with pytest.raises(TypeError):
        ref.tie_broken_rank_correlation(t, p)
    with pytest.raises(TypeError):
        es.tie_broken_rank_correlation(t, p)


def test_neutralized_variance_normalized_with_as_many_neutralizers_as_rows_is_not_finite():
    # Deliberate (docs/python.md): numerai-tools normalizes lstsq's rounding noise to ±1.
    df = pd.DataFrame({"m": [np.inf, 0.78]}, index=["a", "b"])
    n = pd.DataFrame({"f": [4, 0]}, index=["a", "b"], dtype=np.int8)
    got = es.tie_kept_rank__gaussianize__neutralize__variance_normalize(df, n)
    assert not np.isfinite(got["m"]).any()


def test_numerai_corr_unnamed_infinite_target_fails_the_power_check_first():
    # The centred target is -inf / NaN: numerai-tools' power check fails (AssertionError)
    # before it looks the unnamed target up (KeyError).
    t = pd.Series([1.0, 0.5, 0.25, np.inf, 0.0], index=IDX)
    p = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4]}, index=IDX)
    with pytest.raises(AssertionError):
        ref.numerai_corr(p, t)
    with pytest.raises(AssertionError):
        es.numerai_corr(p, t)


@pytest.mark.parametrize("rows,columns", [(0, 3), (1, 1), (5, 0)])
@pytest.mark.parametrize("target_pow15", [True, False])
def test_numerai_corr_without_rows_or_columns_raises_as_numerai_tools(rows, columns, target_pow15):
    idx = IDX[:rows]
    p = pd.DataFrame({f"m{j}": np.linspace(0.1, 0.9, rows) for j in range(columns)}, index=idx)
    with pytest.raises(Exception) as want:
        ref.numerai_corr(p, TARGET.iloc[:rows], max_filtered_index_ratio=1.0, target_pow15=target_pow15)
    with pytest.raises(type(want.value)):
        es.numerai_corr(p, TARGET.iloc[:rows], max_filtered_index_ratio=1.0, target_pow15=target_pow15)


def test_numerai_corr_infinite_target_is_dropped_after_centring():
    # numerai-tools centres first: the infinite row becomes NaN and is dropped, so no id may
    # be lost (max_filtered_index_ratio=0) fails; erascore matched before centring.
    t = TARGET.copy()
    t.iloc[2] = np.inf
    p = pd.DataFrame({"x": [0.3, 0.1, 0.5, 0.2, 0.4]}, index=IDX)
    for pow15 in (True, False):
        with pytest.raises(AssertionError):
            ref.numerai_corr(p, t, max_filtered_index_ratio=0.0, target_pow15=pow15)
        with pytest.raises(AssertionError):
            es.numerai_corr(p, t, max_filtered_index_ratio=0.0, target_pow15=pow15)


def _scaled_neutralizer_case(scale):
    """Five normal neutralizers, one multiplied by `scale`, two prediction columns, a meta
    model and a target, on 400 sorted ids."""
    rng = np.random.default_rng(11)
    n = 400
    idx = pd.Index([f"id{i:04d}" for i in range(n)], name="id")
    neutralizers = pd.DataFrame(rng.normal(size=(n, 5)), index=idx, columns=list("abcde"))
    neutralizers["a"] *= scale
    predictions = pd.DataFrame(rng.random((n, 2)), index=idx, columns=["p", "q"])
    meta = pd.Series(rng.random(n), index=idx, name="meta")
    target = pd.Series(rng.integers(0, 5, n) / 4.0, index=idx, name="target")
    return neutralizers, predictions, meta, target


@pytest.mark.parametrize("scale", [1e-6, 1e5, 1e6, 1e8])
def test_neutralizer_on_another_scale_gives_numerai_tools_numbers(scale):
    # The kernel's Cholesky dropped the other columns as near-dependent where lstsq's SVD
    # keeps them (0.065 apart at 1e6); such ranks now go to numpy's lstsq.
    neutralizers, predictions, meta, target = _scaled_neutralizer_case(scale)
    got = es.neutralize(predictions, neutralizers).to_numpy()
    want = ref.neutralize(predictions, neutralizers).to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    pairs = [
        (es.feature_neutral_corr(predictions, neutralizers, target),
         ref.feature_neutral_corr(predictions, neutralizers, target)),
        (es.neutral_correlation(predictions, neutralizers, target),
         ref.neutral_correlation(predictions, neutralizers, target)),
        (es.neutral_contribution(predictions, meta, neutralizers, target),
         ref.neutral_contribution(predictions, meta, neutralizers, target)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-9)


def test_numerai_int8_features_with_duplicates_and_constants_keep_the_kernel():
    # The rank check must not send Numerai's features (0..4, exact duplicates, constant
    # columns) to numpy: the kernel answers them, with numerai-tools' numbers.
    from erascore import _erascore as _rs

    rng = np.random.default_rng(5)
    n = 1000
    features = rng.integers(0, 5, (n, 80)).astype(np.int8)
    features[:, 10] = features[:, 3]
    features[:, 40] = features[:, 7]
    features[:, 20] = 2
    features[:, 77] = 0
    predictions = rng.random((n, 2))
    assert _rs.neutralize(predictions, features) is not None
    assert _rs.neutralize(predictions, features.astype(np.float64) / 4) is not None
    frame = pd.DataFrame(features)
    got = es.neutralize(pd.DataFrame(predictions), frame).to_numpy()
    want = ref.neutralize(pd.DataFrame(predictions), frame).to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_neutralizer_scaled_by_1e6_is_left_to_numpy():
    from erascore import _erascore as _rs

    neutralizers, predictions, _, _ = _scaled_neutralizer_case(1e6)
    assert _rs.neutralize(predictions.to_numpy(), neutralizers.to_numpy()) is None
