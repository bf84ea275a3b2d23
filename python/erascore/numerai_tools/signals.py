"""Drop-in for ``numerai_tools.signals`` (numerai-tools 0.7.2): churn, turnover and neutral
churn of Signals submissions (alpha and meta-portfolio contribution live in ``scoring``).

Churn (with and without ``top_bottom``), the neutral churn residuals and turnover run in
the Rust kernels (``crates/kernels/src/{churn,neutral_churn,turnover}.rs``); pandas only
matches ids.
"""


from math import exp, isfinite
from statistics import fmean
from typing import Iterator, Optional, Tuple

import numpy as np
import pandas as pd

from erascore import _erascore as _rs
from erascore.numerai_tools.scoring import (
    filter_sort_index,
    filter_sort_top_bottom,
    gaussian,
    neutralize,
    spearman_correlation,
    generate_neutralized_weights,
    tie_kept_rank,
    validate_indices,
    _matrix,
    _vec,
)
from erascore.numerai_tools.submissions import clean_submission, validate_submission_signals


def churn(
    s1: pd.Series,
    s2: pd.Series,
    top_bottom: Optional[int] = None,
) -> float:
    """``1 - spearman(s1, s2)`` on their shared ids (both must vary). With ``top_bottom``:
    1 minus the mean share of ids that stay among the ``top_bottom`` highest and among the
    ``top_bottom`` lowest."""
    numeric = _numeric(s1) and _numeric(s2)
    if top_bottom is not None and top_bottom > 0:
        if not numeric:
            return _churn_top_bottom_pandas(s1, s2, top_bottom)
        # The kernel compares ids by equality: one integer code per distinct id.
        codes, _ = pd.factorize(s1.index.append(s2.index))
        codes = codes.astype(np.int64)
        return _rs.churn_top_bottom(
            codes[: len(s1)], _vec(s1), codes[len(s1):], _vec(s2), int(top_bottom)
        )
    s1, s2 = filter_sort_index(s1, s2)
    if not numeric or not s1.index.equals(s2.index):
        # Text values, or duplicated ids that left the two sides different: pandas raises
        # what numerai-tools raises.
        assert s1.std() > 0, "s1 must have non-zero standard deviation"
        assert s2.std() > 0, "s2 must have non-zero standard deviation"
        return 1 - spearman_correlation(s1, s2)
    validate_indices(s1, s2)
    return np.float64(_rs.churn(_vec(s1), _vec(s2)))


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _churn_top_bottom_pandas(s1: pd.Series, s2: pd.Series, top_bottom: int) -> float:
    top1, bottom1 = filter_sort_top_bottom(s1, top_bottom)
    top2, bottom2 = filter_sort_top_bottom(s2, top_bottom)
    kept_top = len(top1.index.intersection(top2.index)) / top_bottom
    kept_bottom = len(bottom1.index.intersection(bottom2.index)) / top_bottom
    return 1 - (kept_top + kept_bottom) / 2


def _neutralize_signal(signal: pd.Series, neutralizers: pd.DataFrame) -> pd.Series:
    """``neutralize(g(signal), neutralizers)`` on their shared ids."""
    signal, neutralizers = filter_sort_index(signal, neutralizers)
    residual = None
    if signal.index.equals(neutralizers.index) and _numeric(signal):
        tie_kept_rank(signal)  # the same sortedness check
        # None: the neutralizers' rank is not clear of lstsq's cutoff.
        residual = _rs.neutral_signal(_vec(signal), _matrix(neutralizers))
    if residual is None:
        # Duplicated ids or text values (numerai-tools' own checks raise), or neutralizers
        # on scales lstsq's SVD may truncate its own way (neutralize asks lstsq).
        return neutralize(gaussian(tie_kept_rank(signal.to_frame())), neutralizers).iloc[:, 0]
    return pd.Series(residual, index=signal.index, name=0 if signal.name is None else signal.name)


def neutral_churn(
    s1: pd.Series,
    s2: pd.Series,
    neutralizers1: pd.DataFrame,
    neutralizers2: pd.DataFrame,
) -> float:
    """``churn`` of the two signals after each is ranked, gaussianized and neutralized
    against its own era's neutralizers."""
    return churn(_neutralize_signal(s1, neutralizers1), _neutralize_signal(s2, neutralizers2))


def neutral_churn_penalty(
    neutral_churn: float,
    threshold: float = 0.1,
    scaling_factor: float = 10.0,
) -> float:
    """Share of a positive payout kept: 1 up to ``threshold``, then
    ``2 e^{-s(c - threshold)} / (1 + e^{-s(c - threshold)})`` (``min(1, 2 / (1 + e^{s(c -
    threshold)}))`` without overflow)."""
    assert (
        isfinite(neutral_churn) and 0 <= neutral_churn <= 2
    ), "neutral_churn must be finite and between 0 and 2"
    assert (
        isfinite(threshold) and 0 <= threshold <= 2
    ), "threshold must be finite and between 0 and 2"
    assert (
        isfinite(scaling_factor) and scaling_factor > 0
    ), "scaling_factor must be finite and positive"
    if neutral_churn <= threshold:
        return 1.0
    decay = exp(-scaling_factor * (neutral_churn - threshold))
    return 2 * decay / (1 + decay)


def turnover(
    s1: pd.Series,
    s2: pd.Series,
):
    """``Σ |s1 - s2| / 2`` over the shared ids (portfolio weights)."""
    s1, s2 = filter_sort_index(s1, s2)
    if not (_numeric(s1) and _numeric(s2) and s1.index.equals(s2.index)):
        return (s1 - s2).abs().sum() / 2
    value = _rs.turnover(_vec(s1), _vec(s2))
    # pandas sums float32 weights in float32.
    # (pandas-stubs allow extension dtypes here; _numeric above let only numpy ones through.)
    same = np.result_type(s1.dtype, s2.dtype)  # type: ignore[arg-type]
    return np.float32(value) if same == np.float32 else np.float64(value)


def _clean_signal_submission(
    submission: pd.Series,
    sample_weight: pd.Series,
    dst_id_col: Optional[str] = None,
    dst_signal_col: Optional[str] = None,
) -> Tuple[str, str, pd.Series]:
    universe = sample_weight.index.to_frame()
    ticker_col, signal_col, _, submission_df, _ = validate_submission_signals(
        universe=universe, submission=submission.reset_index()
    )
    cleaned = clean_submission(
        universe=universe,
        submission=submission_df,
        src_id_col=ticker_col,
        src_signal_col=signal_col,
        dst_id_col=dst_id_col,
        dst_signal_col=dst_signal_col,
        rank_and_fill=True,
    )
    return ticker_col, signal_col, cleaned


def _cleaned_previous(
    prev_subs: dict[str, pd.Series],
    prev_sample_weights: dict[str, pd.Series],
    ticker_col: str,
    signal_col: str,
) -> Iterator[Tuple[str, pd.Series]]:
    """Each previous submission cleaned against its own universe under the current one's
    column names, in ``prev_subs``' order; one at a time, as the caller compares it."""
    for datestamp in prev_subs:
        _, _, previous = _clean_signal_submission(
            prev_subs[datestamp],
            prev_sample_weights[datestamp],
            dst_id_col=ticker_col,
            dst_signal_col=signal_col,
        )
        yield datestamp, previous


def calculate_mean_neutral_churn(
    curr_sub: pd.Series,
    curr_neutralizer: pd.DataFrame,
    curr_sample_weight: pd.Series,
    prev_subs: dict[str, pd.Series],
    prev_neutralizers: dict[str, pd.DataFrame],
    prev_sample_weights: dict[str, pd.Series],
) -> float:
    """Mean ``neutral_churn`` of the cleaned current submission against each cleaned
    previous one (comparisons that fail an assertion are skipped); 1.0 when none count."""
    ticker_col, signal_col, current = _clean_signal_submission(curr_sub, curr_sample_weight)
    neutral_current = _neutralize_signal(current, curr_neutralizer)
    assert (
        neutral_current.std() > 0
    ), "curr_sub must have non-zero standard deviation after neutralization"
    churns = []
    for datestamp, previous in _cleaned_previous(
        prev_subs, prev_sample_weights, ticker_col, signal_col
    ):
        neutral_previous = _neutralize_signal(previous, prev_neutralizers[datestamp])
        try:
            churns.append(churn(neutral_current, neutral_previous))
        except AssertionError:
            continue
    return fmean(churns) if churns else 1.0


def calculate_max_churn_and_turnover(
    curr_sub: pd.Series,
    curr_neutralizer: pd.DataFrame,
    curr_sample_weight: pd.Series,
    prev_subs: dict[str, pd.Series],
    prev_neutralizers: dict[str, pd.DataFrame],
    prev_sample_weights: dict[str, pd.Series],
) -> Tuple[float, float]:
    """Largest churn of the cleaned submissions and largest turnover of their neutralized,
    centred, normalized weights against previous submissions (pairs with too few shared ids
    are skipped); 1.0 for each when none count."""
    ticker_col, signal_col, current = _clean_signal_submission(curr_sub, curr_sample_weight)
    current_weights = generate_neutralized_weights(
        current.to_frame(), curr_neutralizer, curr_sample_weight, center_and_normalize=True
    )[current.name]
    churns, turnovers = [], []
    for datestamp, previous in _cleaned_previous(
        prev_subs, prev_sample_weights, ticker_col, signal_col
    ):
        previous_weights = generate_neutralized_weights(
            previous.to_frame(),
            prev_neutralizers[datestamp],
            prev_sample_weights[datestamp],
            center_and_normalize=True,
        )[previous.name]
        try:
            churn_value = abs(churn(current, previous))
            turnover_value = abs(turnover(current_weights, previous_weights))
        except AssertionError as e:
            if "does not have enough overlapping ids" in str(e):
                continue
            raise
        churns.append(churn_value)
        turnovers.append(turnover_value)
    return (max(churns) if churns else 1.0, max(turnovers) if turnovers else 1.0)
