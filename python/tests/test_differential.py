"""Differential suite: every public function of numerai-tools 0.7.2's ``scoring``,
``signals`` and ``submissions`` against ``erascore.numerai_tools`` on the same generated
inputs (python/tests/differential.py builds them and compares the outcomes).

Runs a short profile by default; ``ERASCORE_DIFF_PROFILE=long`` runs thousands of examples
per function (docs/python.md, "The differential suite"). The only differences allowed are
the ``ALLOWED`` entries below, each listed in docs/python.md under "Deliberate
differences".
"""

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings

import numerai_tools.scoring
import numerai_tools.signals
import numerai_tools.submissions

import erascore.numerai_tools.scoring
import erascore.numerai_tools.signals
import erascore.numerai_tools.submissions

import differential
from differential import ATOL, RTOL, PROFILE, STRATEGIES, Case, Mismatch, Outcome, compare, run

MODULES = {
    "scoring": (numerai_tools.scoring, erascore.numerai_tools.scoring),
    "signals": (numerai_tools.signals, erascore.numerai_tools.signals),
    "submissions": (numerai_tools.submissions, erascore.numerai_tools.submissions),
}


def public_functions():
    """Every public function each reference module defines, found at test time so that a
    function added upstream fails ``test_every_function_has_a_strategy``."""
    for short, (ref, _) in MODULES.items():
        for name, fn in inspect.getmembers(ref, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == ref.__name__:
                yield f"{short}.{name}"


FUNCTIONS = sorted(public_functions())


def rows_scored(case: Case) -> int:
    """Ids every pandas input has after dropping NaN rows (what numerai-tools scores)."""
    ids = None
    for a in list(case.args) + list(case.kwargs.values()):
        if isinstance(a, (pd.Series, pd.DataFrame)):
            kept = a.dropna().index
            ids = kept if ids is None else ids.intersection(kept)
    return 0 if ids is None else len(ids)


def top_bottom_overlaps(case: Case, ref: Outcome, got: Outcome) -> bool:
    tb = case.kwargs.get("top_bottom")
    return (
        tb is not None and tb > 0 and 2 * tb >= rows_scored(case)
        and isinstance(got.value, pd.Series) and got.value.isna().any()
    )


def neutralizers_span_the_rows(case: Case, ref: Outcome, got: Outcome) -> bool:
    """As many independent neutralizers (with the intercept) as rows: the residual is
    rounding noise, which numerai-tools correlates and erascore reports as NaN (or, on the
    step-by-step path, correlates its own rounding noise)."""
    frames = [a for a in case.args if isinstance(a, pd.DataFrame)]
    k = max((f.shape[1] for f in frames[1:]), default=0)
    return (
        k + 1 >= rows_scored(case)
        and (isinstance(got.value, pd.Series) and isinstance(ref.value, pd.Series)
             or isinstance(got.error, AssertionError))
    )


def explained_completely(case: Case, ref: Outcome, got: Outcome) -> bool:
    """Predictions the neutralizers explain completely (their residual is rounding noise,
    below 1e-9): numerai-tools correlates the noise, erascore reports NaN (or, on the
    step-by-step path, raises ``ExplainedCompletelyError``, an ``AssertionError`` and a
    ``KeyError``: what numerai-tools raises where its noise is exactly 0 or its target
    unnamed, so only its scoring of the noise is a difference)."""
    if isinstance(got.error, erascore.numerai_tools.scoring.ExplainedCompletelyError):
        return ref.error is None
    if not (isinstance(got.value, pd.Series) and isinstance(ref.value, pd.Series)):
        return False
    preds, neutralizers = case.args[0], case.args[1]
    if len(case.args) == 4:  # neutral_contribution: the meta model is neutralized too
        neutralizers = case.args[2]
    try:
        with np.errstate(all="ignore"):
            preds, neutralizers = numerai_tools.scoring.filter_sort_index_many(
                [preds, neutralizers])
            residual = numerai_tools.scoring.neutralize(
                numerai_tools.scoring.gaussian(numerai_tools.scoring.tie_kept_rank(preds)),
                neutralizers)
    except Exception:  # noqa: BLE001 - not this case
        return False
    differs = ~pd.Series(np.isclose(got.value.to_numpy(dtype=float), ref.value.to_numpy(dtype=float),
                                    rtol=RTOL, atol=ATOL, equal_nan=True), index=got.value.index)
    return bool(differs.any()) and all(
        (residual[c].abs() < 1e-9).all() for c in got.value.index[differs])


def features_tied_to_rounding(case: Case, ref: Outcome, got: Outcome) -> bool:
    """Two features as correlated as each other up to rounding (any two on two rows): the
    name reported may be the other one; the correlation is the same."""
    if ref.error is not None or got.error is not None:
        return False
    (ref_name, ref_corr), (got_name, got_corr) = ref.value, got.value
    return (
        ref_name != got_name
        and isinstance(got_corr, np.float64)
        and bool(np.isclose(got_corr, ref_corr, rtol=RTOL, atol=ATOL))
    )


def normalized_noise(case: Case, ref: Outcome, got: Outcome) -> bool:
    """The neutralizers explain a column completely (numerai-tools' residual is rounding
    noise, at most 1e-9): both divide that noise by its standard deviation, so its values
    are arbitrary; the other columns and the labels must agree."""
    want, have = ref.value, got.value
    if not (isinstance(want, pd.DataFrame) and isinstance(have, pd.DataFrame)):
        return False
    if not (want.columns.equals(have.columns) and want.index.equals(have.index)):
        return False
    df, neutralizers = case.args
    residual = numerai_tools.scoring.neutralize(
        numerai_tools.scoring.gaussian(numerai_tools.scoring.tie_kept_rank(df)), neutralizers)
    for j in range(want.shape[1]):
        w, g = want.iloc[:, j].to_numpy(), have.iloc[:, j].to_numpy()
        if np.allclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True):
            continue
        r = residual.iloc[:, j].to_numpy()
        if not (np.isfinite(r).all() and np.abs(r).max(initial=0.0) <= 1e-9):
            return False
    return True


def _ties_explain(neutral: pd.DataFrame, got: Outcome, ref: Outcome) -> bool:
    """Every column whose score differs has two neutralized values within 1e-9 (and not
    equal) of each other."""
    differs = ~np.isclose(got.value.to_numpy(dtype=float), ref.value.to_numpy(dtype=float),
                          rtol=RTOL, atol=ATOL, equal_nan=True)
    for c in got.value.index[differs]:
        gaps = np.diff(np.sort(neutral[c].dropna().to_numpy()))
        if not ((gaps > 0) & (gaps < 1e-9)).any():
            return False
    return True


def neutral_ties_to_rounding(case: Case, ref: Outcome, got: Outcome) -> bool:
    """Neutralized predictions that are equal up to rounding (two rows the features cannot
    tell apart): numerai-tools' rounding noise (~1e-16) orders them, and the rank taken by
    CORR follows that noise, which erascore's arithmetic orders its own way."""
    if not (isinstance(got.value, pd.Series) and isinstance(ref.value, pd.Series)):
        return False
    preds, features = case.args[0], case.args[1]
    try:
        with np.errstate(all="ignore"):
            neutral = numerai_tools.scoring.tie_kept_rank__gaussianize__neutralize__variance_normalize(
                preds, features)
    except Exception:  # noqa: BLE001 - not this case
        return False
    return _ties_explain(neutral, got, ref)


def neutral_correlation_ties_to_rounding(case: Case, ref: Outcome, got: Outcome) -> bool:
    """``neutral_correlation``'s neutralized predictions (after its own filtering) equal up
    to rounding: with ``top_bottom``, which of the two is among the top (bottom) rows
    follows each library's rounding noise."""
    if not (isinstance(got.value, pd.Series) and isinstance(ref.value, pd.Series)):
        return False
    preds, neutralizers, targets = case.args
    try:
        with np.errstate(all="ignore"):
            _, preds, neutralizers = numerai_tools.scoring.filter_sort_index_many(
                [numerai_tools.scoring.center(targets), preds, neutralizers])
            neutral = numerai_tools.scoring.neutralize(
                numerai_tools.scoring.gaussian(numerai_tools.scoring.tie_kept_rank(preds)),
                neutralizers)
    except Exception:  # noqa: BLE001 - not this case
        return False
    return _ties_explain(neutral, got, ref)


def neutral_contribution_ties_to_rounding(case: Case, ref: Outcome, got: Outcome) -> bool:
    """``neutral_contribution`` with ``top_bottom``, its orthogonalized neutral predictions
    equal up to rounding (e.g. three rows and no feature: two rows' values are mirror
    images): which of the two is among the top (bottom) rows follows each library's
    rounding noise."""
    if not (isinstance(got.value, pd.Series) and isinstance(ref.value, pd.Series)):
        return False
    tb = case.kwargs.get("top_bottom")
    if tb is None or tb <= 0:
        return False
    preds, meta_model, neutralizers, targets = case.args
    scoring = numerai_tools.scoring
    try:
        with np.errstate(all="ignore"):
            _, preds, meta_model, neutralizers = scoring.filter_sort_index_many(
                [targets, preds, meta_model, neutralizers])
            p = scoring.neutralize(scoring.gaussian(scoring.tie_kept_rank(preds)), neutralizers)
            m = scoring.neutralize(scoring.gaussian(scoring.tie_kept_rank(meta_model.to_frame())),
                                   neutralizers)
            neutral = pd.DataFrame(scoring.orthogonalize(p.to_numpy(), m.iloc[:, 0].to_numpy()),
                                   index=p.index, columns=p.columns)
    except Exception:  # noqa: BLE001 - not this case
        return False
    return _ties_explain(neutral, got, ref)


def neutral_signals_tied_to_rounding(case: Case, ref: Outcome, got: Outcome) -> bool:
    """Neutralized signals whose values are equal up to rounding (two rows the
    neutralizers cannot tell apart, or a signal they explain completely, whose residual is
    rounding noise): each library's rounding orders them its own way, so the ranks churn
    compares differ there. Allowed only where the two residuals' ranks differ, and only
    between values within 1e-9 of another."""
    s1, s2, n1, n2 = case.args
    found = False
    for signal, neutralizers in ((s1, n1), (s2, n2)):
        try:
            with np.errstate(all="ignore"):
                want = numerai_tools.signals._neutralize_signal(signal, neutralizers)
                have = erascore.numerai_tools.signals._neutralize_signal(signal, neutralizers)
        except Exception:  # noqa: BLE001 - not this side
            continue
        if not want.index.equals(have.index):
            return False
        differs = np.flatnonzero(want.rank().to_numpy() != have.rank().to_numpy())
        values = want.to_numpy(dtype=float)
        for i in differs:
            near = np.abs(values - values[i]) < 1e-9
            near[i] = False
            if not near.any():
                return False
        found = found or len(differs) > 0
    return found


@dataclass(frozen=True)
class Allowed:
    """A deliberate difference: the functions it concerns, its heading in docs/python.md
    and when it applies."""

    functions: tuple
    doc: str
    applies: Callable[[Case, Outcome, Outcome], bool]


ALLOWED = [
    Allowed(
        ("scoring.numerai_corr", "scoring.correlation_contribution",
         "scoring.neutral_correlation", "scoring.neutral_contribution",
         "scoring.feature_neutral_corr", "scoring.contribution_scores"),
        "with `top_bottom` ≥ half the rows",
        top_bottom_overlaps,
    ),
    Allowed(
        ("scoring.neutral_correlation", "scoring.neutral_contribution",
         "scoring.feature_neutral_corr"),
        "as many neutralizers as rows",
        neutralizers_span_the_rows,
    ),
    Allowed(
        ("scoring.neutral_correlation", "scoring.neutral_contribution",
         "scoring.feature_neutral_corr"),
        "predictions the neutralizers explain completely",
        explained_completely,
    ),
    Allowed(
        ("scoring.feature_neutral_corr",),
        "neutralized predictions tied up to rounding",
        neutral_ties_to_rounding,
    ),
    Allowed(
        ("scoring.neutral_correlation",),
        "neutralized predictions tied up to rounding",
        neutral_correlation_ties_to_rounding,
    ),
    Allowed(
        ("scoring.neutral_contribution",),
        "neutralized predictions tied up to rounding",
        neutral_contribution_ties_to_rounding,
    ),
    Allowed(
        ("scoring.max_feature_correlation",),
        "features tied up to rounding",
        features_tied_to_rounding,
    ),
    Allowed(
        ("scoring.tie_kept_rank__gaussianize__neutralize__variance_normalize",),
        "explain a column completely",
        normalized_noise,
    ),
    Allowed(
        ("signals.neutral_churn",),
        "neutralized signals tied up to rounding",
        neutral_signals_tied_to_rounding,
    ),
]


def allowed(name: str, case: Case, ref: Outcome, got: Outcome) -> bool:
    return any(name in a.functions and a.applies(case, ref, got) for a in ALLOWED)


def test_every_function_has_a_strategy():
    assert len(FUNCTIONS) == 55, FUNCTIONS
    missing = [f for f in FUNCTIONS if f not in STRATEGIES]
    assert not missing, f"no differential strategy for {missing}"
    stale = sorted(set(STRATEGIES) - set(FUNCTIONS))
    assert not stale, f"strategies for functions numerai-tools does not have: {stale}"


def test_every_allowed_difference_is_documented():
    doc = " ".join((Path(__file__).resolve().parents[2] / "docs" / "python.md").read_text().split())
    for a in ALLOWED:
        assert a.doc in doc, a.doc


@pytest.mark.parametrize("name", FUNCTIONS)
def test_same_outcome_as_numerai_tools(name):
    short, fn_name = name.split(".")
    ref_mod, es_mod = MODULES[short]
    ref_fn, es_fn = getattr(ref_mod, fn_name), getattr(es_mod, fn_name)

    @settings(
        max_examples=PROFILE.examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        report_multiple_bugs=False,
        # Shrinking a failure re-runs both libraries hundreds of times; the printed case is
        # reproducible as is (derandomized, built from its drawn seed).
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(case=STRATEGIES[name])
    def check(case: Case):
        want = run(ref_fn, case)
        got = run(es_fn, case)
        try:
            compare(want, got, case)
        except (Mismatch, AssertionError):
            if not allowed(name, case, want, got):
                raise

    np.seterr(all="ignore")
    before = differential.CALLS[ref_fn]
    check()
    # How many examples ran (hypothesis stops early when a strategy has few distinct
    # cases); `pytest -s` shows it. (Counted outside `check`: hypothesis derandomizes from
    # its source, so editing it would change every function's examples.)
    print(f"{name}: {differential.CALLS[ref_fn] - before} examples")


def _index(ids):
    return pd.Index([f"id{i:05d}" for i in ids], name="id")


def test_a_tie_up_to_rounding_at_the_top_bottom_cut_is_allowed():
    # Found by the long profile: two neutralized predictions equal up to rounding
    # (0.002104) straddle the top-2 cut; numerai-tools keeps the row whose target is 1.0
    # (0.279), erascore the other one (a constant target: NaN).
    p = pd.DataFrame({"model_0": [0.018049, np.inf, 0.264386, 0.861538, 0.338229]},
                     index=_index([4, 2, 1, 0, 3]))
    f = pd.DataFrame([[0, 3, 2], [1, 3, 0], [1, 4, 2], [0, 0, 4], [1, 3, 2]], index=_index([2, 4, 3, 0, 1]),
                     columns=["feature_0", "feature_1", "feature_2"])
    t = pd.Series([1.0, 0.5, 0.5, 0.5, 0.5], index=_index(range(5)), name="target")
    case = Case((p, f, t), {"top_bottom": 2})
    np.seterr(all="ignore")
    want = run(numerai_tools.scoring.neutral_correlation, case)
    got = run(erascore.numerai_tools.scoring.neutral_correlation, case)
    assert np.isclose(want.value.iloc[0], 0.27907279) and np.isnan(got.value.iloc[0])
    assert allowed("scoring.neutral_correlation", case, want, got)
    # Without top_bottom the two agree.
    case = Case((p, f, t), {"top_bottom": None})
    compare(run(numerai_tools.scoring.neutral_correlation, case),
            run(erascore.numerai_tools.scoring.neutral_correlation, case), case)


def test_neutral_churn_of_signals_tied_up_to_rounding_is_allowed():
    # Found by the long profile: one neutralized signal holds two values equal up to
    # rounding (one feature takes the same value on two of four rows), so the two
    # libraries rank them apart: churn 1.6 in numerai-tools on one CPU (its BLAS's
    # rounding), 2.0 in erascore on every CPU (and in numerai-tools on others).
    s1 = pd.Series([0.473727, -np.inf, 0.103050, 0.055751], index=_index([3, 0, 2, 1]), name="signal")
    s2 = pd.Series([0.032902, 0.087150, 0.933029, 0.756879], index=_index(range(4)), name="signal")
    n1 = pd.DataFrame({"feature_0": np.array([2, 4, 4, 4], dtype=np.int8)}, index=_index(range(4)))
    n2 = pd.DataFrame({"feature_0": np.array([1, 1, 4, 4], dtype=np.int8)}, index=_index(range(4)))
    case = Case((s1, s2, n1, n2))
    np.seterr(all="ignore")
    want = run(numerai_tools.signals.neutral_churn, case)
    got = run(erascore.numerai_tools.signals.neutral_churn, case)
    assert np.isclose(got.value, 2.0)
    assert np.isclose(want.value, 1.6) or np.isclose(want.value, 2.0), want
    if not np.isclose(want.value, got.value):
        assert allowed("signals.neutral_churn", case, want, got)


def test_neutral_contribution_tied_up_to_rounding_at_the_top_bottom_cut_is_allowed():
    # Three rows, no feature, top_bottom=1: the orthogonalized neutral predictions of the
    # first two rows are mirror images, equal up to rounding (-0.48371078 in both, 2 ulps
    # apart in numerai-tools on one CPU, equal in erascore), and the bottom row kept is the
    # other one: -0.645 in numerai-tools there, -0.161 in erascore (and in numerai-tools
    # where its BLAS rounds the two alike).
    p = pd.DataFrame({"model_0": [0.093, -np.inf, 0.753]}, index=_index(range(3)))
    m = pd.Series([0.132, 0.387, 0.339], index=_index(range(3)), name="meta_model")
    f = pd.DataFrame(index=_index(range(3)))
    t = pd.Series([0.5, 1.0, 0.5], index=_index(range(3)), name="target")
    case = Case((p, m, f, t), {"top_bottom": 1})
    np.seterr(all="ignore")
    want = run(numerai_tools.scoring.neutral_contribution, case)
    got = run(erascore.numerai_tools.scoring.neutral_contribution, case)
    assert np.isclose(got.value.iloc[0], -0.16123693)
    assert np.isclose(want.value.iloc[0], -0.64494771) or np.isclose(want.value.iloc[0], -0.16123693)
    if not np.isclose(want.value.iloc[0], got.value.iloc[0]):
        assert allowed("scoring.neutral_contribution", case, want, got)
    # Without top_bottom the two agree.
    case = Case((p, m, f, t), {"top_bottom": None})
    compare(run(numerai_tools.scoring.neutral_contribution, case),
            run(erascore.numerai_tools.scoring.neutral_contribution, case), case)


def test_a_column_explained_completely_is_refused_as_numerai_tools_may_refuse_it():
    # Two rows, two features: the neutralizers explain the gaussianized ranks completely
    # and the residual is rounding noise. Where numerai-tools' noise is exactly 0 it raises
    # the overlap AssertionError; with an unnamed target and noise that is not 0, KeyError;
    # erascore's ExplainedCompletelyError is both (before: KeyError, then AssertionError).
    f = pd.DataFrame([[4.0, 4.0], [3.0, 0.0]], index=_index(range(2)), columns=["f0", "f1"])
    unnamed = pd.Series([1.0, 0.75], index=_index(range(2)))
    np.seterr(all="ignore")
    for preds, features, targets in (
        ([0.297, -np.inf], f, unnamed),
        ([np.inf, -np.inf], f.assign(f0=3.0, f1=[0.0, 1.0]), unnamed * 0 + 0.25),
    ):
        p = pd.DataFrame({"model_0": preds}, index=_index(range(2)))
        want = run(numerai_tools.scoring.feature_neutral_corr, Case((p, features, targets), {"top_bottom": 1}))
        assert isinstance(want.error, (AssertionError, KeyError)), want
        with pytest.raises(type(want.error), match="explain prediction column model_0 completely"):
            erascore.numerai_tools.scoring.feature_neutral_corr(p, features, targets, top_bottom=1)
    # Finite predictions and a named target (the kernels' inputs, but two rows and one
    # feature span the rows): numerai-tools' noise is exactly 0 and it raises; before,
    # erascore's kernel returned NaN.
    p = pd.DataFrame({"model_0": [0.25, 0.0]}, index=_index(range(2)))
    one = pd.DataFrame({"feature_0": [1, 0]}, index=_index(range(2)))
    named = pd.Series([0.75, 0.75], index=_index(range(2)), name="target")
    want = run(numerai_tools.scoring.feature_neutral_corr, Case((p, one, named), {"top_bottom": None}))
    assert isinstance(want.error, AssertionError), want
    with pytest.raises(AssertionError, match="completely"):
        erascore.numerai_tools.scoring.feature_neutral_corr(p, one, named)
    # Fewer features than rows, but the predictions take a binary feature's two values:
    # explained completely. numerai-tools' noise is exactly 0 and it raises; before,
    # erascore's kernel correlated its own noise (-0.608).
    idx = _index(range(5))
    p = pd.DataFrame({"model_0": [0.2, 0.7, 0.2, 0.2, 0.7]}, index=idx)
    two = pd.DataFrame({"feature_0": [0, 1, 0, 0, 1], "feature_1": [0, 1, 2, 3, 4]}, index=idx)
    t5 = pd.Series([0.25, 0.0, 0.25, 0.5, 0.75], index=idx, name="target")
    want = run(numerai_tools.scoring.feature_neutral_corr, Case((p, two, t5), {"top_bottom": None}))
    assert isinstance(want.error, AssertionError), want
    with pytest.raises(AssertionError, match="completely"):
        erascore.numerai_tools.scoring.feature_neutral_corr(p, two, t5)
    # neutral_contribution: the meta model too. numerai-tools' noise is exactly 0 on one CPU
    # (it raises) and not on another (it returns a number): erascore refuses on every CPU.
    p = pd.DataFrame({"model_0": [0.297, -np.inf]}, index=_index(range(2)))
    args = (p, unnamed.rename("meta_model"), f, unnamed.rename("target"))
    case = Case(args, {"top_bottom": 1})
    want = run(numerai_tools.scoring.neutral_contribution, case)
    got = run(erascore.numerai_tools.scoring.neutral_contribution, case)
    assert isinstance(got.error, AssertionError) and "completely" in str(got.error), got
    if want.error is not None:
        assert isinstance(want.error, AssertionError), want
    else:
        assert allowed("scoring.neutral_contribution", case, want, got)
