"""Drop-in for ``numerai_tools.submissions`` (numerai-tools 0.7.2): header, id and value
checks of tournament submissions and their cleaning. This is table plumbing, done with
pandas; the only numerical step (ranking in ``clean_submission``) uses the Rust kernel via
``scoring.tie_kept_rank``. Assertion messages are the reference's.
"""


import logging
from typing import List, Optional, Tuple

import numpy as np
import pandas as pd

from erascore.numerai_tools.scoring import tie_kept_rank

NUMERAI_ALLOWED_ID_COLS = ["id"]
NUMERAI_ALLOWED_PRED_COLS = ["prediction", "probability"]

SIGNALS_ALLOWED_ID_COLS = [
    "ticker",
    "sedol",
    "bloomberg_ticker",
    "composite_figi",
    "numerai_ticker",
]
SIGNALS_ALLOWED_PRED_COLS = ["prediction", "signal"]
SIGNALS_ALLOWED_DATE_COLS = ["friday_date", "date"]
SIGNALS_MIN_TICKERS = 100

CRYPTO_ALLOWED_ID_COLS = ["symbol"]
CRYPTO_ALLOWED_PRED_COLS = ["prediction", "signal"]
CRYPTO_MIN_TICKERS = 100

logger = logging.getLogger(__name__)


def _validate_headers(
    submission: pd.DataFrame,
    expected_id_cols: List[str],
    expected_pred_cols: List[str],
) -> Tuple[str, str]:
    """The submission must have exactly two columns: an allowed id column, then an allowed
    prediction column. Returns their names."""
    names = list(submission.columns)
    valid = (
        len(names) == 2 and names[0] in expected_id_cols and names[1] in expected_pred_cols
    )
    assert valid, (
        "invalid_submission_headers: headers must be one of"
        f" {expected_id_cols} and one of {expected_pred_cols}"
    )
    return submission.columns[0], submission.columns[1]


def validate_headers_numerai(submission: pd.DataFrame) -> Tuple[str, str]:
    """Headers of a Classic submission: ``id`` and ``prediction``/``probability``."""
    return _validate_headers(submission, NUMERAI_ALLOWED_ID_COLS, NUMERAI_ALLOWED_PRED_COLS)


def validate_headers_signals(
    submission: pd.DataFrame, assert_date_col: bool = False
) -> Tuple[str, str, Optional[str]]:
    """Headers of a Signals submission. A date column (``friday_date`` or ``date``) is set
    aside while the other two are checked (and put back at the end when
    ``assert_date_col``, which also requires one). Modifies ``submission`` in place."""
    date_col_name: Optional[str] = next(
        (c for c in submission.columns if c in SIGNALS_ALLOWED_DATE_COLS), None
    )
    date_values = None
    if date_col_name is not None:
        date_values = submission[date_col_name].copy()
        submission.drop(columns=date_col_name, errors="ignore", inplace=True)
    if assert_date_col:
        assert (
            date_col_name is not None
        ), "invalid_submission_headers: submission must contain a date column"
    ticker_col, signal_col = _validate_headers(
        submission, SIGNALS_ALLOWED_ID_COLS, SIGNALS_ALLOWED_PRED_COLS
    )
    if assert_date_col:
        submission[date_col_name] = date_values
    return ticker_col, signal_col, date_col_name


def validate_headers_crypto(submission: pd.DataFrame) -> Tuple[str, str]:
    """Headers of a Crypto submission: ``symbol`` and ``prediction``/``signal``."""
    return _validate_headers(submission, CRYPTO_ALLOWED_ID_COLS, CRYPTO_ALLOWED_PRED_COLS)


def validate_values(submission: pd.DataFrame, prediction_col: str) -> None:
    """Predictions must have no NaN, lie in [0, 1] (ends within ``np.isclose``), and not be
    constant (``np.isclose(std, 0)``)."""
    preds = submission[prediction_col]
    assert (
        preds.isna().sum() == 0
    ), "invalid_submission_values: submission must not contain NaNs"
    low, high = preds.min(), preds.max()
    # An empty submission has nothing out of range.
    low_ok = len(preds) == 0 or bool(low >= 0) or bool(np.isclose(low, 0))
    high_ok = len(preds) == 0 or bool(high <= 1) or bool(np.isclose(high, 1))
    assert (
        low_ok and high_ok
    ), "invalid_submission_values: values must be between 0 and 1 exclusive"
    assert not np.isclose(
        0, preds.std()
    ), "invalid_submission_values: submission must have non-zero standard deviation"


def _validate_ids(
    live_ids: pd.Series, submission: pd.DataFrame, id_col: str, min_tickers: int
) -> Tuple[pd.DataFrame, List[str]]:
    """Ids (compared as text) must have no NaN, no duplicates among the live ids, and at
    least ``min_tickers`` live ids. Returns the live rows sorted by id and the ids that are
    not live."""
    assert (
        not submission[id_col].isna().any()
    ), f"invalid_submission_ids: Submission must not contain NaNs in the {id_col} column."
    as_text = submission.assign(**{id_col: submission[id_col].astype(str)})
    live = as_text[as_text[id_col].isin(live_ids.astype(str))].sort_values(id_col)
    assert (
        not live[id_col].duplicated().any()
    ), f"invalid_submission_ids: Duplicates detected in {id_col} for live period."
    assert len(live) >= min_tickers, (
        "invalid_submission_ids: Not enough stocks submitted."
        " Are you using the latest live ids or live universe?"
    )
    invalid = list(set(as_text[id_col]) - set(live[id_col]))
    return live, invalid


def validate_ids_numerai(
    live_ids: pd.Series, submission: pd.DataFrame, id_col: str
) -> Tuple[pd.DataFrame, List[str]]:
    """Classic: every live id must be submitted."""
    return _validate_ids(live_ids, submission, id_col, len(live_ids))


def validate_ids_signals(
    live_ids: pd.Series, submission: pd.DataFrame, id_col: str
) -> Tuple[pd.DataFrame, List[str]]:
    """Signals: at least ``SIGNALS_MIN_TICKERS`` live tickers."""
    return _validate_ids(live_ids, submission, id_col, SIGNALS_MIN_TICKERS)


def validate_ids_crypto(
    live_ids: pd.Series, submission: pd.DataFrame, id_col: str
) -> Tuple[pd.DataFrame, List[str]]:
    """Crypto: at least ``CRYPTO_MIN_TICKERS`` live symbols."""
    return _validate_ids(live_ids, submission, id_col, CRYPTO_MIN_TICKERS)


def validate_submission_numerai(
    universe: pd.Series, submission: pd.DataFrame
) -> Tuple[str, str, pd.DataFrame, List[str]]:
    """Headers, ids and values of a Classic submission: ``(id column, prediction column,
    live rows, ids not in the universe)``."""
    ticker_col, signal_col = validate_headers_numerai(submission)
    live, invalid = validate_ids_numerai(universe, submission, ticker_col)
    validate_values(live, signal_col)
    return ticker_col, signal_col, live, invalid


def validate_submission_signals(
    universe: pd.DataFrame, submission: pd.DataFrame, assert_date_col: bool = False
) -> Tuple[str, str, Optional[str], pd.DataFrame, List[str]]:
    """Headers, ids and values of a Signals submission (a ``data_type`` column is dropped
    with a deprecation warning): ``(ticker column, signal column, date column, live rows,
    tickers not in the universe)``."""
    if "data_type" in submission.columns:
        logger.warning(
            "data_type column found in Signals submission. This is deprecated and support will be removed in the future. "
            "Please remove the data_type column from your Signals submission."
        )
    submission.drop(columns=["data_type"], errors="ignore", inplace=True)
    ticker_col, signal_col, date_col = validate_headers_signals(submission, assert_date_col)
    live, invalid = validate_ids_signals(universe[ticker_col], submission, ticker_col)
    validate_values(live, signal_col)
    return ticker_col, signal_col, date_col, live, invalid


def validate_submission_crypto(
    universe: pd.DataFrame, submission: pd.DataFrame
) -> Tuple[str, str, pd.DataFrame, List[str]]:
    """Headers, ids and values of a Crypto submission."""
    ticker_col, signal_col = validate_headers_crypto(submission)
    live, invalid = validate_ids_crypto(universe[ticker_col], submission, ticker_col)
    validate_values(live, signal_col)
    return ticker_col, signal_col, live, invalid


def remap_ids(
    data: pd.DataFrame,
    ticker_map: pd.DataFrame,
    src_id_col: str,
    dst_id_col: str,
) -> pd.DataFrame:
    """Left-join ``ticker_map`` to ``data`` on ``src_id_col`` and return the destination id
    column with the data's other columns, sorted by destination id (every id of the map is
    kept, with NaN where the data has none)."""
    keyed_map = ticker_map.set_index(src_id_col, drop=False)
    keyed_data = data.set_index(src_id_col)
    joined = keyed_map.join(keyed_data).reset_index(drop=True)
    return joined[[dst_id_col, *keyed_data.columns]].sort_values(dst_id_col)


def clean_submission(
    universe: pd.DataFrame,
    submission: pd.DataFrame,
    src_id_col: str,
    src_signal_col: str,
    dst_id_col: Optional[str] = None,
    dst_signal_col: Optional[str] = None,
    rank_and_fill: bool = False,
) -> pd.Series:
    """The submission joined to the universe (ids remapped to ``dst_id_col``), rows without
    an id dropped, the first of duplicate ids kept, indexed and sorted by id, renamed to
    ``dst_signal_col``; with ``rank_and_fill`` tie-kept ranked and NaN filled with 0.5."""
    assert len(universe) > 0, "universe must not be empty"
    assert len(submission) > 0, "predictions must not be empty"
    dst_id_col = src_id_col if dst_id_col is None else dst_id_col
    dst_signal_col = src_signal_col if dst_signal_col is None else dst_signal_col
    remapped = remap_ids(submission, universe, src_id_col, dst_id_col)
    remapped = remapped.dropna(subset=[dst_id_col]).drop_duplicates(
        subset=dst_id_col, keep="first"
    )
    cleaned = (
        remapped.set_index(dst_id_col)
        .sort_index()
        .rename(columns={src_signal_col: dst_signal_col})[dst_signal_col]
    )
    if rank_and_fill:
        cleaned = tie_kept_rank(cleaned).fillna(0.5)
    return cleaned
