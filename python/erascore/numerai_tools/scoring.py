"""Drop-in for ``numerai_tools.scoring`` (numerai-tools 0.7.2).

Every function keeps the reference's signature, defaults, return type (pandas objects with
the same index and names) and ``assert`` messages. Index work (dropping NaN rows, matching
and sorting ids, the 20% overlap rule) is done here with pandas, with fast paths when the
inputs already line up; ranking, the inverse normal CDF, the 1.5 powers, correlations,
contributions and least-squares neutralization run in Rust on the aligned numpy arrays,
with the GIL released.

Notation used in the docstrings, per column and per era: ``rank(x) = (r - 0.5) / n`` with
``r`` the 1-based rank (ties averaged unless stated), ``g(x) = Φ⁻¹(rank(x))``,
``p15(x) = sign(x)·|x|^1.5``, ``center(t) = t - mean(t)``, ``corr`` the Pearson correlation.
"""


from typing import Any, List, Literal, Optional, Tuple, TypeVar, Union, cast

import numpy as np
import pandas as pd

from erascore import _erascore as _rs

# Share of ids index matching may drop before it is an error (as in numerai-tools).
DEFAULT_MAX_FILTERED_INDEX_RATIO = 0.2

S1 = TypeVar("S1", bound=Union[pd.DataFrame, pd.Series])
S2 = TypeVar("S2", bound=Union[pd.DataFrame, pd.Series])
RANK_METHOD_TYPE = Literal["average", "min", "max", "first", "dense"]


# ---------------------------------------------------------------------------------------
# numpy views for the kernels


def _f64(values: Any) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _vec(s: pd.Series) -> np.ndarray:
    """float64 values of a series, NaN for missing (nullable dtypes included)."""
    if s.dtype == np.float64:
        return np.ascontiguousarray(s.to_numpy())
    return np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan))


def _cols(df: pd.DataFrame) -> np.ndarray:
    """(n, k) float64; a frame of float64 columns is handed over without a copy."""
    return np.asarray(df.to_numpy(dtype=np.float64))


def _is_f32(s: pd.Series) -> bool:
    return s.dtype == np.float32


# dtypes the kernels read as they are (no float64 copy of the frame first).
_NATIVE_DTYPES = frozenset(
    np.dtype(t)
    for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
              np.uint64, np.float32, np.float64)
)


def _matrix(df: pd.DataFrame) -> np.ndarray:
    """Neutralizers for the kernels, decided in Rust in one pass: values that are all
    integers in -128..127, whatever the dtype, become int8 (the exact integer Gram kernels,
    the numbers of int8 features bit for bit); anything else float64. An infinite value is
    numpy's ``LinAlgError``, as ``np.linalg.lstsq`` raises it."""
    values = df.to_numpy()
    if values.dtype not in _NATIVE_DTYPES:
        values = _cols(df)
    return _rs.neutralizer_matrix(values)


def _is_number(s: pd.Series) -> bool:
    """A real-number dtype numpy reads as is (bool, text and nullable dtypes are not)."""
    return s.dtype.kind in "iuf" and isinstance(s.dtype, np.dtype)


def _has_nan(obj: Union[pd.Series, pd.DataFrame]) -> bool:
    values = obj.to_numpy()
    if values.dtype.kind in "iub":
        return False  # numpy integers and booleans hold no NaN
    if values.dtype.kind == "f":
        # min propagates NaN: one pass, without a mask as large as a feature matrix.
        return values.size > 0 and bool(np.isnan(values.min()))
    return bool(obj.isna().to_numpy().any())


def _numeric(t: pd.Series) -> pd.Series:
    """A target numerai-tools can centre: anything pandas cannot average (text) raises the
    error pandas raises there."""
    if not pd.api.types.is_numeric_dtype(t.dtype):
        t - t.mean()
    return t


def _target_mean(t: pd.Series) -> float:
    return _rs.target_mean(_vec(_numeric(t)), _is_f32(t))


def _bucket_check(t: pd.Series) -> None:
    """numerai-tools compares the target with 0 and 1 before scaling it: text raises
    there."""
    if not pd.api.types.is_numeric_dtype(t.dtype):
        _ = t >= 0  # raises numerai-tools' TypeError on text


def _assert_varies(predictions: pd.DataFrame, top_bottom: Optional[int], n_target: int) -> None:
    """numerai-tools neutralizes a constant prediction column to NaN and then fails: on NaN
    predictions without ``top_bottom``, on too few overlapping ids with it."""
    values = _cols(predictions)
    if len(values) < 2 or not (values.max(axis=0) == values.min(axis=0)).any():
        return
    if top_bottom is not None and top_bottom > 0:
        _assert_overlap(0, n_target, 1 - top_bottom / n_target,
                        "s1 does not have enough overlapping ids with s2")
    raise AssertionError()


def _assert_overlap(kept: int, total: int, ratio: float, message: str) -> None:
    assert kept / total >= (1 - ratio), (
        f"{message}, must have >= {round(1 - ratio, 2) * 100}% overlapping ids"
    )


def _aligned(s1: Any, s2: Any) -> bool:
    """Same ids in the same sorted order and no NaN: filtering would change nothing."""
    return (
        s1.index.equals(s2.index)
        and s1.index.names == s2.index.names
        and s1.index.is_monotonic_increasing
        and s1.index.is_unique
        and not _has_nan(s1)
        and not _has_nan(s2)
    )


# ---------------------------------------------------------------------------------------
# index helpers


def filter_sort_index(
    s1: S1, s2: S2, max_filtered_ratio: float = DEFAULT_MAX_FILTERED_INDEX_RATIO
) -> Tuple[S1, S2]:
    """Keep the ids both inputs have (after dropping rows with NaN), sorted.

    Asserts that at least ``1 - max_filtered_ratio`` of each input's rows survive.
    """
    if len(s1) > 0 and len(s2) > 0 and _aligned(s1, s2):
        return s1, s2
    ids = s1.dropna().index.intersection(s2.dropna().index)
    _assert_overlap(
        len(ids), len(s1), max_filtered_ratio, "s1 does not have enough overlapping ids with s2"
    )
    _assert_overlap(
        len(ids), len(s2), max_filtered_ratio, "s2 does not have enough overlapping ids with s1"
    )
    return cast(S1, s1.loc[ids].sort_index()), cast(S2, s2.loc[ids].sort_index())


def filter_sort_index_many(
    inputs: List[Any],
    max_filtered_ratio: float = DEFAULT_MAX_FILTERED_INDEX_RATIO,
) -> List[Any]:
    """``filter_sort_index`` over any number of inputs: the ids every input has."""
    assert len(inputs) > 0, "List must contain at least one element"
    first = inputs[0]
    if len(first) > 0 and all(_aligned(first, x) for x in inputs[1:]) and not _has_nan(first):
        if first.index.is_monotonic_increasing and first.index.is_unique:
            return list(inputs)
    ids = first.dropna().index
    for other in inputs[1:]:
        ids = ids.intersection(other.dropna().index)
    result = [x.loc[ids].sort_index() for x in inputs]
    for i, (kept, original) in enumerate(zip(result, inputs)):
        _assert_overlap(
            len(kept),
            len(original),
            max_filtered_ratio,
            f"inputs[{i}] does not have enough overlapping ids with the others",
        )
    return result


def _top_bottom_positions(values: np.ndarray, top_bottom: int) -> Tuple[np.ndarray, np.ndarray]:
    order = np.argsort(values, kind="stable")
    return order[-top_bottom:], order[:top_bottom]


def filter_sort_top_bottom(s: pd.Series, top_bottom: int) -> Tuple[pd.Series, pd.Series]:
    """The ``top_bottom`` highest and lowest values of ``s`` (stable order), each sorted
    by index: ``(top, bottom)``."""
    top, bottom = _top_bottom_positions(s.to_numpy(), top_bottom)
    return s.iloc[top].sort_index(), s.iloc[bottom].sort_index()


def filter_sort_top_bottom_concat(s: pd.Series, top_bottom: int) -> pd.Series:
    """Top and bottom ``top_bottom`` values of ``s`` in one series, sorted by index."""
    top, bottom = filter_sort_top_bottom(s, top_bottom)
    return pd.concat([top, bottom]).sort_index()


# ---------------------------------------------------------------------------------------
# ranks and transforms


def _check_sorted(index: pd.Index, message: Optional[str] = None) -> None:
    if not index.is_monotonic_increasing:
        # Equal to numerai-tools' comparison with the sorted index, but O(n) when sorted.
        ok = np.array_equal(index.sort_values(), index)
        if message is None:
            assert ok
        else:
            assert ok, message


def _rank_values(values: np.ndarray, method: str) -> np.ndarray:
    mask = np.isnan(values)
    if not mask.any():
        return _rs.rank(values, method)
    out = np.full(values.shape, np.nan)
    out[~mask] = _rs.rank(np.ascontiguousarray(values[~mask]), method)
    return out


def rank_series(s: pd.Series, method: RANK_METHOD_TYPE = "average") -> pd.Series:
    """Percentile rank ``(rank - 0.5) / count`` (NaN stays NaN); the index must be sorted.

    ``average`` keeps ties (shared mean rank), ``first`` breaks them by position.
    """
    _check_sorted(s.index, "unsorted index found")
    if method in ("average", "first"):
        out = _rank_values(_vec(s), method)
        return pd.Series(out, index=s.index, name=s.name)
    # min / max / dense have no kernel: pandas ranks them.
    return (s.rank(method=method) - 0.5) / s.count()


def rank(s: S1, method: RANK_METHOD_TYPE = "average") -> S1:
    """Percentile rank a series, or each column of a frame: ``(rank - 0.5) / count``."""
    if isinstance(s, pd.Series):
        return cast(S1, rank_series(s, method))
    if method not in ("average", "first") or s.size == 0:
        # pandas ranks min/max/dense, and decides the shape of an empty result.
        return s.apply(lambda col: rank_series(col, method=method))
    _check_sorted(s.index, "unsorted index found")
    values = _cols(s)
    out = np.empty(values.shape)
    for j in range(values.shape[1]):
        out[:, j] = _rank_values(np.ascontiguousarray(values[:, j]), method)
    return cast(S1, pd.DataFrame(out, index=s.index, columns=s.columns))


def tie_broken_rank(df: pd.DataFrame) -> pd.DataFrame:
    """Rank columns, ties broken by position (``method="first"``)."""
    return rank(df, "first")


def tie_kept_rank(s: S1) -> S1:
    """Rank columns, ties sharing their average rank."""
    return rank(s, "average")


def min_max_normalize(s: pd.Series) -> pd.Series:
    """``(s - min) / (max - min)``."""
    low, high = s.min(), s.max()
    return (s - low) / (high - low)


def variance_normalize(df: pd.DataFrame) -> pd.DataFrame:
    """Each column divided by its population standard deviation (ddof 0)."""
    return df / np.std(df, axis=0)


def weight_normalize(s: S1) -> S1:
    """Each column divided by its sum of absolute values."""
    return cast(S1, s / s.abs().sum(axis=0))


def center(s: S1) -> S1:
    """Each column minus its mean."""
    return cast(S1, s - s.mean())


def standardize(df: pd.DataFrame) -> pd.DataFrame:
    """``variance_normalize(center(df))``: mean 0, standard deviation 1 (ddof 0)."""
    return variance_normalize(center(df))


def power(df: pd.DataFrame, p: float) -> pd.DataFrame:
    """``sign(x)·|x|^p`` per element; asserts no NaN, a sorted index, and that each column
    stays >= 0.9 correlated with its input (or is constant)."""
    assert not _has_nan(df), "Data contains NaNs"
    _check_sorted(df.index, "Index is not sorted")
    values = df.to_numpy()
    powered = np.sign(values) * np.abs(values) ** p
    result = pd.DataFrame(powered, index=df.index, columns=df.columns)
    for j in range(powered.shape[1]):
        after = powered[:, j]
        if len(after) > 1 and after.max() == after.min():
            # A constant column passes when pandas' std is exactly 0; its mean of many
            # equal values can round, and then its std and corrwith decide.
            if result.iloc[:, j].std() == 0:
                continue
            assert (result.iloc[:, [j]].corrwith(df.iloc[:, [j]]) >= 0.9).all()
            continue
        if not np.isfinite(after).all():
            # pandas' corrwith has its own answer for infinite values; ask it.
            assert (result.iloc[:, [j]].corrwith(df.iloc[:, [j]]) >= 0.9).all()
            continue
        assert _rs.pearson(_f64(after), _f64(values[:, j])) >= 0.9
    return result


def gaussian(df: pd.DataFrame) -> pd.DataFrame:
    """``Φ⁻¹(x)`` per element (scipy ``norm.ppf``: 0 → -inf, 1 → inf, outside → NaN); the
    index must be sorted."""
    _check_sorted(df.index)
    if isinstance(df, pd.Series):
        if len(df) == 0:
            # pandas' apply of an empty Series keeps its dtype (float32 stays float32).
            return df.apply(float)
        return pd.Series(_rs.gaussian(_vec(df)), index=df.index, name=df.name)
    if df.size == 0:
        # pandas' apply decides the shape of an empty result; keep its answer.
        return df.apply(lambda col: _rs.gaussian(_vec(col)))
    values = _cols(df)
    out = np.empty(values.shape)
    for j in range(values.shape[1]):
        out[:, j] = _rs.gaussian(np.ascontiguousarray(values[:, j]))
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def orthogonalize(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``v - u (vᵀu) / (uᵀu)``: each column of ``v`` without its projection on ``u``."""
    if (
        type(v) is np.ndarray
        and type(u) is np.ndarray
        and v.ndim == 2
        and u.ndim == 1
        and len(u) == v.shape[0]
        and np.result_type(v.dtype, u.dtype) in (np.float32, np.float64)
    ):
        out = _rs.orthogonalize(_f64(v), _f64(u))
        # numpy keeps float32 inputs in float32 (the value to float32 precision).
        return out.astype(np.float32) if np.result_type(v.dtype, u.dtype) == np.float32 else out
    # Other shapes, dtypes and types keep numpy's (or pandas') own evaluation of the same
    # formula: its broadcasting, its errors (lists), its integer products (which wrap).
    return v - np.outer(u, (v.T @ u) / (u.T @ u))


def _categories(values: np.ndarray) -> List[Any]:
    """The distinct values of a column in the order numerai-tools' encoder (scikit-learn's
    ``OneHotEncoder``) gives them: sorted, then the missing ones. A text column keeps
    ``None`` and NaN apart, ``None`` first; mixed text and numbers cannot be sorted
    (``TypeError``); infinity is refused, as scikit-learn refuses it."""
    if values.dtype.kind == "f" and np.isinf(values).any():
        raise ValueError(
            f"Input contains infinity or a value too large for dtype({values.dtype.name!r})."
        )
    if values.dtype != object:
        return list(np.unique(values))
    distinct = set(values.tolist())
    has_none = None in distinct
    nans = [v for v in distinct if isinstance(v, float) and v != v]
    present = sorted(v for v in distinct if v is not None and not (isinstance(v, float) and v != v))
    return present + ([None] if has_none else []) + nans[:1]


def _indicator(values: np.ndarray, category: Any) -> np.ndarray:
    if category is None:
        return np.array([v is None for v in values.tolist()], dtype=bool)
    if isinstance(category, float) and category != category:  # NaN
        if values.dtype != object:
            return np.isnan(values)
        return np.array([isinstance(v, float) and v != v for v in values.tolist()], dtype=bool)
    return np.asarray(values == category, dtype=bool)


def one_hot_encode(
    df: pd.DataFrame, columns: List[str], dtype: type = np.float64
) -> pd.DataFrame:
    """Replace each listed column by one indicator column per distinct value, named
    ``{column}_{value}`` in sorted value order (missing values last) and appended after the
    other columns."""
    for col in columns:
        if len(df) == 0:
            raise ValueError(f"one_hot_encode: column {col!r} has no rows to encode")
        values = df[col].to_numpy()
        indicators = pd.DataFrame(
            {f"{col}_{c}": _indicator(values, c).astype(dtype) for c in _categories(values)},
            index=df.index,
        )
        df = df.join(indicators).drop(columns=col)
    return df


def tie_kept_rank__gaussianize__pow_1_5(df: pd.DataFrame) -> pd.DataFrame:
    """``p15(g(x))`` per column: tie-kept rank, inverse normal CDF, signed 1.5 power."""
    return power(gaussian(tie_kept_rank(df)), 1.5)


def tie_kept_rank__gaussianize__neutralize__variance_normalize(
    df: pd.DataFrame, neutralizers: pd.DataFrame
) -> pd.DataFrame:
    """``variance_normalize(neutralize(g(x), neutralizers))`` per column."""
    return variance_normalize(neutralize(gaussian(tie_kept_rank(df)), neutralizers))


# ---------------------------------------------------------------------------------------
# correlations


def validate_indices(live_targets: pd.Series, predictions: pd.Series) -> None:
    """Asserts both have the same ids, sorted, and no NaN."""
    assert np.array_equal(predictions.index, live_targets.index.sort_values())
    _check_sorted(live_targets.index)
    _check_sorted(predictions.index)
    assert not predictions.isna().any()
    assert not live_targets.isna().any()


def correlation(live_targets: pd.Series, predictions: pd.Series) -> float:
    """Pearson correlation of two aligned series (``np.corrcoef``)."""
    validate_indices(live_targets, predictions)
    if len(live_targets) < 2 or not (_is_number(live_targets) and _is_number(predictions)):
        # numpy decides what fewer than two rows, or values that are not numbers, give
        # (NaN, or its error on an empty object array).
        return cast(float, np.corrcoef(live_targets, predictions)[0, 1])
    return np.float64(_rs.pearson(_vec(live_targets), _vec(predictions)))


def tie_broken_rank_correlation(target: pd.Series, predictions: pd.Series) -> float:
    """``corr(target, rank_first(predictions))``."""
    ranked = tie_broken_rank(predictions.to_frame())[predictions.name]
    if not pd.api.types.is_numeric_dtype(target.dtype):
        # Text or objects: numpy's own corrcoef raises what numerai-tools raises (TypeError
        # for text, ZeroDivisionError when empty), after the same index checks.
        validate_indices(target, ranked)
        return np.float64(np.corrcoef(target, ranked)[0, 1])
    return correlation(target, ranked)


def spearman_correlation(target: pd.Series, predictions: pd.Series) -> float:
    """Spearman correlation: Pearson correlation of the average ranks."""
    validate_indices(target, predictions)
    value = _rs.spearman(_vec(target), _vec(predictions)) if len(target) > 1 else np.nan
    return _or_pandas(value, target, predictions, "spearman")


def pearson_correlation(
    target: pd.Series, predictions: pd.Series, top_bottom: Optional[int] = None
) -> float:
    """Pearson correlation; with ``top_bottom`` only over the ``top_bottom`` highest and
    lowest predictions."""
    if top_bottom is not None and top_bottom > 0:
        predictions = filter_sort_top_bottom_concat(predictions, top_bottom)
        target, predictions = filter_sort_index(
            target, predictions, (1 - top_bottom / len(target))
        )
    validate_indices(target, predictions)
    value = _rs.pearson(_vec(target), _vec(predictions)) if len(target) > 1 else np.nan
    return _or_pandas(value, target, predictions, "pearson")


def _or_pandas(value: float, target: pd.Series, predictions: pd.Series,
               method: Literal["pearson", "spearman"]) -> float:
    """The kernel's correlation as numpy.float64; where it is undefined (fewer than two
    rows, a constant side), pandas' own NaN, whose type (a Python float for pandas 3's
    constant or short inputs, numpy.float64 for an infinite value) depends on why."""
    if np.isnan(value):
        return target.corr(predictions, method=method)
    return np.float64(value)


def sharpe_ratio(s: pd.Series) -> float:
    """``mean(s) / std(s)`` (ddof 0)."""
    return np.mean(s) / np.std(s)


# ---------------------------------------------------------------------------------------
# scores


def _frame(predictions: Union[pd.DataFrame, pd.Series]) -> pd.DataFrame:
    return predictions.to_frame() if isinstance(predictions, pd.Series) else predictions


def stake_weight(predictions: pd.DataFrame, stakes: pd.Series) -> pd.Series:
    """Stake-weighted meta model: ``Σ_m stake_m · pred_m / Σ stake`` per row (NaN
    predictions count as 0 in the numerator)."""
    chosen = predictions[stakes.index]
    selected = chosen.to_numpy(dtype=np.float64)
    weighted = np.nansum(selected * stakes.to_numpy(dtype=np.float64), axis=1)
    result = pd.Series(weighted / stakes.sum(), index=predictions.index)
    # pandas-stubs type dtypes as possibly extension dtypes, which result_type does not take;
    # numeric columns only reach this line.
    dtype = np.result_type(*chosen.dtypes, stakes.dtype) if len(chosen.columns) else None  # type: ignore[arg-type]
    # pandas keeps float32 predictions and stakes in float32.
    return result.astype(np.float32) if dtype == np.float32 else result


def contribution_scores(
    neutral_preds: np.ndarray,
    live_targets: pd.Series,
    predictions: pd.DataFrame,
    top_bottom: Optional[int] = None,
) -> pd.Series:
    """``tᵀp / n`` per column of the orthogonalized predictions ``p``, where ``t`` is the
    target (×4 when it lies in [0, 1]) centred; with ``top_bottom`` only the ``top_bottom``
    highest and lowest ``p`` count and the sum is divided by ``2·top_bottom``."""
    neutral = np.asarray(neutral_preds)
    if _plain_contribution(neutral, live_targets, predictions, top_bottom):
        matrix = _f64(neutral.reshape(len(neutral), -1))
        scores = _rs.contribution_scores(
            matrix, _vec(live_targets), _is_f32(live_targets), top_bottom
        )
        return pd.Series(scores, index=predictions.columns)
    return _contribution_scores_by_id(neutral, live_targets, predictions, top_bottom)


def _plain_contribution(
    neutral: np.ndarray, target: pd.Series, predictions: pd.DataFrame, top_bottom: Optional[int]
) -> bool:
    """The kernel's case: float64 columns for every prediction column, one finite value per
    target row, a target of numbers without NaN and, with ``top_bottom``, more rows than
    the top and bottom ones and unique ids (the rows are then matched by position)."""
    n = len(target)
    shape_ok = (
        neutral.dtype == np.float64
        and neutral.ndim in (1, 2)
        and len(neutral) == n
        and n >= 2
        and (neutral.ndim == 1 or neutral.shape[1] == len(predictions.columns))
    )
    if not (shape_ok and _is_number(target) and not _has_nan(target)):
        return False
    if top_bottom is None or top_bottom <= 0:
        return True
    return (
        2 * top_bottom < n
        and len(predictions) == n
        and predictions.index.is_unique
        and bool(np.isfinite(neutral).all())
        and target.index.equals(predictions.index)
    )


def _contribution_scores_by_id(
    neutral: np.ndarray, target: pd.Series, predictions: pd.DataFrame, top_bottom: Optional[int]
) -> pd.Series:
    """contribution_scores on pandas objects, for the inputs the kernel does not take: the
    top and bottom rows of each column are matched to the target by id, and the columns'
    rows combined as pandas combines them (NaN target rows, repeated ids and overlapping
    top and bottom sets give numerai-tools' answer, or its error)."""
    in_unit = bool((target >= 0).all()) and bool((target <= 1).all())
    t = center(target * 4 if in_unit else target)
    if top_bottom is None or top_bottom <= 0:
        return pd.Series(t.to_numpy() @ neutral / len(t), index=predictions.columns)
    frame = pd.DataFrame(neutral, columns=predictions.columns, index=predictions.index)
    ratio = 1 - top_bottom / len(t)
    # apply puts each column's rows together on the union of their ids.
    extremes = frame.apply(lambda col: filter_sort_top_bottom_concat(col, top_bottom))
    matched = extremes.apply(lambda col: filter_sort_index(col, t, ratio)[1])
    products = matched.fillna(0).T.to_numpy() @ extremes.fillna(0).to_numpy()
    return pd.Series(np.diag(products) / (2 * top_bottom), index=predictions.columns)


def correlation_contribution(
    predictions: pd.DataFrame,
    meta_model: pd.Series,
    live_targets: pd.Series,
    top_bottom: Optional[int] = None,
) -> pd.Series:
    """MMC: ``contribution_scores(g(p) - g(m) (g(p)ᵀg(m)) / (g(m)ᵀg(m)), t)`` per column,
    on the ids predictions, meta model and targets share (each pairwise match may drop at
    most 20%)."""
    meta_model, predictions = filter_sort_index(meta_model, predictions)
    live_targets, predictions = filter_sort_index(live_targets, predictions)
    live_targets, meta_model = filter_sort_index(live_targets, meta_model)
    if not _plain_scoring(predictions, meta_model, live_targets, top_bottom):
        p = gaussian(tie_kept_rank(predictions)).to_numpy()
        m = gaussian(tie_kept_rank(meta_model.to_frame())).iloc[:, 0].to_numpy()
        return contribution_scores(orthogonalize(p, m), live_targets, predictions, top_bottom)
    scores = _rs.contribution(
        _cols(predictions),
        _vec(meta_model),
        _vec(live_targets),
        _is_f32(live_targets),
        top_bottom,
    )
    return pd.Series(scores, index=predictions.columns)


def _finite_matrix(df: pd.DataFrame) -> Any:
    """``_matrix(df)`` when every column is a real-number dtype numpy reads as is and every
    value is finite, else ``None``; a matrix the pass made (narrowed or widened) comes as a
    ``_KernelMatrix``, which one kernel takes without copying it again. The dtypes are
    checked from the frame's dtypes, not column by column (thousands of features); the
    values in the one Rust pass that narrows them to int8 (a frame of one dtype is handed
    over without a copy), not in passes of their own."""
    # Each distinct dtype once: a frame of thousands of features holds one or two.
    if not all(dt.kind in "iuf" and isinstance(dt, np.dtype) for dt in set(df.dtypes.tolist())):
        return None
    values = df.to_numpy()
    if values.dtype not in _NATIVE_DTYPES:
        values = _cols(df)
    return _rs.neutralizer_matrix(values, raise_not_finite=False, for_kernel=True)


def _plain_neutralizers(neutralizers: pd.DataFrame, n: int) -> Any:
    """The kernels' matrix of neutralizers they take as numerai-tools' least squares does
    (one finite number per row for each column), else ``None``."""
    # A residual of one dimension (as many columns as rows less one, counting the
    # intercept) is scored step by step: the kernels call it explained. So are neutralizers
    # that span the rows (as many columns as rows, counting the intercept): the residual
    # is rounding noise, whose outcome in numerai-tools (a correlation of the noise, or the
    # overlap AssertionError where it is exactly 0) the step-by-step path answers as the
    # drop-in does for any column explained completely (docs/python.md, "Deliberate
    # differences").
    if len(neutralizers) != n or neutralizers.shape[1] + 2 >= n:
        return None
    return _finite_matrix(neutralizers)


def _plain_scoring(
    predictions: pd.DataFrame,
    meta_model: Optional[pd.Series],
    targets: pd.Series,
    top_bottom: Optional[int],
) -> bool:
    """Inputs the fused kernels score as numerai-tools does: the same unique ids in every
    input, at least two rows, a target of numbers, numeric prediction columns that vary
    (and a meta model that does), and ``top_bottom`` below half the rows. Anything else is
    scored step by step with the drop-in's own functions, which give numerai-tools' answer
    or its error."""
    n = len(targets)
    if n < 2 or not targets.index.is_unique or not _is_number(targets):
        return False
    if len(predictions) != n or (meta_model is not None and len(meta_model) != n):
        return False
    if top_bottom is not None and top_bottom > 0 and 2 * top_bottom + 2 > n:
        return False
    columns = [predictions.iloc[:, j] for j in range(predictions.shape[1])]
    if meta_model is not None:
        columns.append(meta_model)
    for col in columns:
        if not _is_number(col):
            return False
        values = col.to_numpy()
        if values.max() == values.min() or not np.isfinite(values).all():
            return False
    return True


class ExplainedCompletelyError(AssertionError, KeyError):
    """A prediction column (or the meta model) the neutralizers explain completely, met on
    the step-by-step path: its residual is rounding noise, and numerai-tools' outcome
    follows that noise's last bits (the overlap ``AssertionError`` where it is exactly 0,
    which turns into NaN; ``KeyError`` from an unnamed target, or a correlation of the
    noise, where it is not). It is both an ``AssertionError`` and a ``KeyError``, so that
    whichever of the two numerai-tools raises is caught (docs/python.md, "Deliberate
    differences")."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _refuse_explained(gaussianized: pd.DataFrame, residual: pd.DataFrame, what: str) -> None:
    """Raises ``ExplainedCompletelyError`` naming the columns of ``residual`` the
    neutralizers explain completely (the kernels' rule, which scores them NaN)."""
    if residual.shape[0] < 2 or residual.shape[1] == 0:
        return
    explained = _rs.explained(_cols(gaussianized), _cols(residual))
    names = [str(c) for c, e in zip(residual.columns, explained) if e]
    if names:
        raise ExplainedCompletelyError(
            f"the neutralizers explain {what} {', '.join(names)} completely: the "
            "neutralized values are rounding noise, which has no score"
        )


def _neutral_gaussian(df: pd.DataFrame, neutralizers: pd.DataFrame, what: str) -> pd.DataFrame:
    """``neutralize(gaussian(tie_kept_rank(df)), neutralizers)``, refusing a column the
    neutralizers explain completely (``ExplainedCompletelyError``)."""
    gaussianized = gaussian(tie_kept_rank(df))
    residual = neutralize(gaussianized, neutralizers)
    _refuse_explained(gaussianized, residual, what)
    return residual


def neutral_contribution(
    predictions: pd.DataFrame,
    meta_model: pd.Series,
    neutralizers: pd.DataFrame,
    live_targets: pd.Series,
    top_bottom: Optional[int] = None,
) -> pd.Series:
    """MMC after neutralizing ``g(p)`` and ``g(m)`` against the neutralizers (least squares
    with an intercept), on the ids all four inputs share."""
    live_targets, predictions, meta_model, neutralizers = filter_sort_index_many(
        [live_targets, predictions, meta_model, neutralizers]
    )
    x = (_plain_neutralizers(neutralizers, len(live_targets))
         if _plain_scoring(predictions, meta_model, live_targets, top_bottom) else None)
    # None from the kernel: the neutralizers' rank is not clear of lstsq's cutoff.
    scores = None if x is None else _rs.neutral_contribution(
        _cols(predictions),
        _vec(meta_model),
        x,
        _vec(live_targets),
        _is_f32(live_targets),
        top_bottom,
    )
    if scores is None:
        p = _neutral_gaussian(predictions, neutralizers, "prediction column").to_numpy()
        m = _neutral_gaussian(meta_model.to_frame(), neutralizers, "meta model column")
        neutral = orthogonalize(p, m.iloc[:, 0].to_numpy())
        return contribution_scores(neutral, live_targets, predictions, top_bottom)
    return pd.Series(scores, index=predictions.columns)


# The largest magnitude the neutralize kernel takes: its Gram products and sums of squares
# overflow to inf past about 1e154 (and the residual then comes back NaN).
_KERNEL_MAX_VALUE = 1e150


def _too_large(values: np.ndarray) -> bool:
    """Whether a finite value is beyond what the kernel takes (_KERNEL_MAX_VALUE in
    magnitude): integers never are; floats are read twice (min, max), with no mask as
    large as a feature matrix unless they hold an infinity (left to the kernel's own
    refusal)."""
    if values.dtype.kind in "iub" or values.size == 0:
        return False
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    # As Python floats: compared with the limit in float32, numpy warns of an overflow.
    low, high = float(values.min()), float(values.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        finite = values[np.isfinite(values)]
        return finite.size > 0 and float(np.abs(finite).max()) > _KERNEL_MAX_VALUE
    return bool(low < -_KERNEL_MAX_VALUE or high > _KERNEL_MAX_VALUE)


def neutralize(
    df: pd.DataFrame,
    neutralizers: pd.DataFrame,
    proportion: float = 1.0,
) -> pd.DataFrame:
    """``x - proportion · N (N⁺ x)`` per column with ``N = [neutralizers 1]`` (least squares,
    numpy's ``rcond=1e-6``: near-dependent neutralizers are dropped); a constant column
    becomes NaN."""
    assert not _has_nan(df), "Data contains NaNs"
    # The one pass that prepares the neutralizers for the kernel also finds them finite
    # (None: a value that is not, or columns that are not all numbers): that answers the
    # NaN check, and the magnitude check unless they stay float64 (int8 values, and values
    # widened from integers or float32, are far below the kernel's limit). At 5,000 x
    # 2,750 float64 features each of those checks is another pass over 110 MB.
    x = _finite_matrix(neutralizers) if isinstance(neutralizers, pd.DataFrame) else None
    assert x is not None or not _has_nan(neutralizers), "Neutralizers contain NaNs"
    assert len(df.index) == len(neutralizers.index), "Indices don't match"
    assert df.index.equals(neutralizers.index) or bool(
        (df.index == neutralizers.index).all()
    ), "Indices don't match"
    columns = df.columns  # a Series has none: AttributeError, as in numerai-tools
    values = _cols(df)
    if x is None:
        too_large = _too_large(neutralizers.to_numpy())
    else:
        too_large = isinstance(x, np.ndarray) and _too_large(x)
    if not (
        len(df) < 2
        or not np.isfinite(values).all()
        or _too_large(values)
        or too_large
    ):
        matrix = _matrix(neutralizers) if x is None else x
        out = _rs.neutralize(values, matrix, float(proportion))
        if out is not None:
            return pd.DataFrame(out, index=df.index, columns=columns)
    # Cases numpy's lstsq answers its own way: one row (pandas' std is NaN there, not 0, so
    # the row is solved, not called constant), infinite values (which columns come back NaN
    # is up to LAPACK), values so large that the kernel's products overflow (1e308: lstsq's
    # scaled SVD still solves them) and neutralizers whose rank is not clear of lstsq's
    # cutoff (a column on a scale 1e6 times the others: the kernel's Cholesky and lstsq's
    # SVD may keep different directions). Constant columns are NaN, as in numerai-tools,
    # before solving.
    x = np.hstack([_matrix(neutralizers).astype(np.float64), np.ones((len(df), 1))])
    values = values.copy()
    values[:, (df.std() == 0).to_numpy()] = np.nan
    solved = np.linalg.lstsq(x, values, rcond=1e-6)[0]
    out = values - proportion * x.dot(solved)
    return pd.DataFrame(out, index=df.index, columns=columns)


def numerai_corr(
    predictions: pd.DataFrame,
    targets: pd.Series,
    max_filtered_index_ratio: float = DEFAULT_MAX_FILTERED_INDEX_RATIO,
    top_bottom: Optional[int] = None,
    target_pow15: bool = True,
) -> pd.Series:
    """CORR: ``corr(p15(center(t)), p15(g(p)))`` per column (``center(t)`` without the power
    when ``target_pow15=False``), on the ids targets and predictions share; the target is
    centred on its mean over all its rows, float32 targets in float32 as numpy does. With
    ``top_bottom`` only the ``top_bottom`` highest and lowest transformed predictions
    count."""
    predictions = _frame(predictions)
    mean = _target_mean(targets)
    given = (predictions, targets)
    if not np.isfinite(mean):
        # An infinite target makes the centred target NaN (dropped) or infinite there.
        return _numerai_corr_by_id(*given, max_filtered_index_ratio, top_bottom, target_pow15)
    targets, predictions = filter_sort_index(targets, predictions, max_filtered_index_ratio)
    if (
        len(targets) < 2
        or len(predictions.columns) == 0
        or not (targets.index.is_unique and predictions.index.is_unique)
    ):
        # No row, one row, no column (numerai-tools' power check or pandas' apply fails,
        # depending on the options) or a repeated id: the pandas path decides.
        return _numerai_corr_by_id(*given, max_filtered_index_ratio, top_bottom, target_pow15)
    scores = _rs.numerai_corr(
        _cols(predictions),
        _vec(targets),
        mean,
        _is_f32(targets),
        target_pow15,
        top_bottom,
    )
    if target_pow15 and targets.name is None:
        # numerai-tools looks the powered target up by its name, after the power checks
        # (the kernel's, which raise the same AssertionError).
        raise KeyError(None)
    return pd.Series(scores, index=predictions.columns)


def _numerai_corr_by_id(
    predictions: pd.DataFrame,
    targets: pd.Series,
    max_filtered_index_ratio: float,
    top_bottom: Optional[int],
    target_pow15: bool,
) -> pd.Series:
    """``numerai_corr`` in pandas, for what the kernel does not take: fewer than two rows,
    no column, a target whose mean is not finite, or an id that repeats (rows no longer
    pair up one to one, so each column's correlation matches the transformed target to it
    by id, as numerai-tools' ``pearson_correlation`` does)."""
    targets, predictions = filter_sort_index(
        center(targets), predictions, max_filtered_index_ratio
    )
    signal = tie_kept_rank__gaussianize__pow_1_5(predictions)
    if target_pow15:
        targets = power(targets.to_frame(), 1.5)[targets.name]
    return signal.apply(lambda column: pearson_correlation(targets, column, top_bottom))


def neutral_correlation(
    predictions: pd.DataFrame,
    neutralizers: pd.DataFrame,
    targets: pd.Series,
    max_filtered_index_ratio: float = DEFAULT_MAX_FILTERED_INDEX_RATIO,
    top_bottom: Optional[int] = None,
) -> pd.Series:
    """``corr(center(t), neutralize(g(p), neutralizers))`` per column: no 1.5 powers, on the
    ids all three inputs share."""
    mean = _target_mean(targets) if _is_number(targets) else np.nan
    centred, predictions, neutralizers = filter_sort_index_many(
        [center(targets), predictions, neutralizers], max_filtered_index_ratio
    )
    plain = (isinstance(predictions, pd.DataFrame)
             and _plain_scoring(predictions, None, centred, top_bottom))
    x = _plain_neutralizers(neutralizers, len(centred)) if plain else None
    # None from the kernel: the neutralizers' rank is not clear of lstsq's cutoff.
    scores = None if x is None else _rs.neutral_correlation(
        _cols(predictions),
        x,
        _vec(targets.loc[centred.index]),
        mean,
        _is_f32(targets),
        top_bottom,
    )
    if scores is None:
        # Step by step with the drop-in's own functions: numerai-tools' answer or its error.
        neutral = neutralize(gaussian(tie_kept_rank(predictions)), neutralizers)
        return neutral.apply(lambda col: pearson_correlation(centred, col, top_bottom))
    return pd.Series(scores, index=predictions.columns)


def feature_neutral_corr(
    predictions: pd.DataFrame,
    features: pd.DataFrame,
    targets: pd.Series,
    top_bottom: Optional[int] = None,
):
    """FNC: ``numerai_corr(neutralize(g(p), features), t)`` per column. The neutralization
    uses every prediction row (predictions and features must share the same sorted index);
    int8 features are used as int8 (exact integer Gram matrix)."""
    x = _plain_feature_neutral(predictions, features, targets, top_bottom)
    scores = None if x is None else _feature_neutral_corr_kernel(
        predictions, x, targets, top_bottom
    )
    if scores is None:
        # Step by step with the drop-in's own functions: numerai-tools' answer or its error
        # (also when the features' rank is not clear of lstsq's cutoff).
        neutral = _neutral_gaussian(predictions, features, "prediction column")
        return numerai_corr(variance_normalize(neutral), targets, top_bottom=top_bottom)
    return pd.Series(scores, index=predictions.columns)


def _feature_neutral_corr_kernel(
    predictions: pd.DataFrame, x: Any, targets: pd.Series, top_bottom: Optional[int]
) -> Optional[np.ndarray]:
    """The kernel's FNC per column, or ``None`` when the features' rank is not clear of
    lstsq's cutoff."""
    values = _cols(predictions)
    mean = _target_mean(targets)
    valid = targets.dropna()
    if targets.index.equals(predictions.index):
        aligned = targets
        kept = len(valid)
    else:
        ids = valid.index.intersection(predictions.index)
        kept = len(ids)
        aligned = targets.reindex(predictions.index)
    _assert_overlap(kept, len(targets), DEFAULT_MAX_FILTERED_INDEX_RATIO,
                    "s1 does not have enough overlapping ids with s2")
    _assert_overlap(kept, len(predictions), DEFAULT_MAX_FILTERED_INDEX_RATIO,
                    "s2 does not have enough overlapping ids with s1")
    return _rs.feature_neutral_corr(
        values,
        x,
        _vec(aligned),
        mean,
        _is_f32(targets),
        top_bottom,
    )


def _plain_feature_neutral(
    predictions: Any, features: pd.DataFrame, targets: pd.Series, top_bottom: Optional[int]
) -> Any:
    """The kernels' matrix of features in feature_neutral_corr's kernel case, else
    ``None``: a frame of varying, finite numbers on unique sorted ids, the features on the
    same ids (finite numbers), a named target of numbers on unique ids and ``top_bottom``
    below half the scored rows."""
    if not isinstance(predictions, pd.DataFrame) or not isinstance(features, pd.DataFrame):
        return None
    n = len(predictions)
    index = predictions.index
    if n < 2 or not (index.is_unique and index.is_monotonic_increasing):
        return None
    if targets.name is None or not _is_number(targets) or not targets.index.is_unique:
        return None
    for j in range(predictions.shape[1]):
        col = predictions.iloc[:, j]
        if not _is_number(col):
            return None
        values = col.to_numpy()
        if values.max() == values.min() or not np.isfinite(values).all():
            return None
    scored = targets.dropna().index.intersection(index)
    if not (top_bottom is None or top_bottom <= 0 or 2 * top_bottom < len(scored)):
        return None
    # Last: the one pass over the features that checks them also prepares them.
    return _plain_neutralizers(features, n) if features.index.equals(index) else None


def max_feature_correlation(
    s: pd.Series,
    features: pd.DataFrame,
    top_bottom: Optional[int] = None,
) -> Tuple[str, float]:
    """The feature with the largest ``|corr(feature, s)|`` and that value (constant features
    are skipped); with ``top_bottom`` over the rows of the ``top_bottom`` highest and lowest
    ``s`` only."""
    plain = (
        (top_bottom is None or top_bottom <= 0)
        and len(s) >= 2
        and features.shape[1] > 0
        and features.index.equals(s.index)
        and s.index.is_unique
        and s.index.is_monotonic_increasing
        and _is_number(s)
        and bool(np.isfinite(_vec(s)).all())
    )
    x = _finite_matrix(features) if plain else None
    found = _rs.max_feature_correlation(_vec(s), x) if x is not None else None
    if found is not None:
        j, value = found
        return str(features.columns[j]), np.float64(value)
    # Features matched to ``s`` by id one at a time (numerai-tools' pearson_correlation per
    # feature): other orders, missing or repeated ids, NaN, ``top_bottom``, constant data
    # and no features at all give its answer or its error.
    correlations = features.apply(lambda f: pearson_correlation(f, s, top_bottom)).abs()
    best = correlations.idxmax()
    return str(best), correlations[best]  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------
# Signals scores. The neutralized portfolio weights and the alpha / MPC products on them are
# numpy matrix products on the Rust-ranked signal: the Signals kernels rank the rows they are
# given, numerai-tools ranks before aligning to the neutralizers (docs/python.md).


def generate_neutralized_weights(
    predictions: pd.DataFrame,
    neutralizers: pd.DataFrame,
    sample_weights: pd.Series,
    center_and_normalize: bool = False,
) -> pd.DataFrame:
    """Portfolio weights ``w ⊙ (s - N Nᵀ (w ⊙ s))`` per column, ``s = p15(g(p))`` and ``w``
    the sample weights, on the shared ids; with ``center_and_normalize`` each column is then
    centred and scaled to unit absolute sum."""
    assert not predictions.isna().any().any(), "Predictions contain NaNs"
    assert not neutralizers.isna().any().any(), "Normalization factors contain NaNs"
    assert not sample_weights.isna().any(), "Weights contain NaNs"
    signal = tie_kept_rank__gaussianize__pow_1_5(predictions)
    signal, neutralizers, sample_weights = filter_sort_index_many(
        [signal, neutralizers, sample_weights]
    )
    s = signal.to_numpy(dtype=np.float64)
    n = neutralizers.to_numpy(dtype=np.float64)
    w = sample_weights.to_numpy(dtype=np.float64).reshape(-1, 1)
    weights = (s - n @ (n.T @ (w * s))) * w
    result = pd.DataFrame(weights, index=signal.index, columns=signal.columns)
    if center_and_normalize:
        result = weight_normalize(center(result))
    return result


def alpha(
    predictions: pd.DataFrame,
    neutralizers: pd.DataFrame,
    sample_weights: pd.Series,
    targets: pd.Series,
) -> pd.Series:
    """``Wᵀ center(t) / n`` per column, ``W`` the neutralized weights."""
    targets = center(targets)
    predictions, targets = filter_sort_index(predictions, targets)
    weights = generate_neutralized_weights(predictions, neutralizers, sample_weights)
    t = targets.to_numpy(dtype=np.float64)
    scores = weights.to_numpy(dtype=np.float64).T @ t / len(targets)
    return pd.Series(scores, index=weights.columns)


def meta_portfolio_contribution(
    predictions: pd.DataFrame,
    stakes: pd.Series,
    neutralizers: pd.DataFrame,
    sample_weights: pd.Series,
    targets: pd.Series,
) -> pd.Series:
    """Gradient of the stake-weighted portfolio's alpha with respect to the stakes:
    ``((I - v vᵀ/|v|²) W_c)ᵀ t_c / |v| / 50`` with ``W_c`` the column-centred neutralized
    weights, ``v = W_c s`` (stakes normalized to sum 1) re-centred, ``t_c`` the centred
    target."""
    predictions, targets = filter_sort_index(predictions, targets)
    targets = center(targets)
    stake_weights = weight_normalize(stakes.fillna(0))
    assert np.isclose(stake_weights.sum(), 1), "Stakes must sum to 1"
    weights = generate_neutralized_weights(predictions, neutralizers, sample_weights)
    w = weights[stakes.index].to_numpy(dtype=np.float64)
    s = stake_weights.to_numpy(dtype=np.float64)
    t = targets.to_numpy(dtype=np.float64)
    w_centred = w - w.mean(axis=0, keepdims=True)
    v = w_centred @ s
    v = v - v.mean()
    norm = np.sqrt(np.sum(v**2))
    residual = orthogonalize(w_centred, v)
    mpc = (residual.T @ t).squeeze() / norm / 50
    return pd.Series(mpc, index=stakes.index)
