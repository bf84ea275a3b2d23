"""Type stubs of the Rust extension module ``erascore._erascore``.

Every function takes numpy arrays already aligned by the Python glue and releases the GIL.
Notation: ``rank(x) = (r - 0.5) / n`` (ties averaged unless stated), ``g(x) = Φ⁻¹(rank(x))``,
``p15(x) = sign(x)·|x|^1.5``.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

F64 = npt.NDArray[np.float64]

def rank(values: F64, method: str = "average") -> F64:
    """``(r - 0.5) / n`` of NaN-free values; ``method`` is ``average`` or ``first``."""

def gaussian(p: F64) -> F64:
    """``Φ⁻¹(p)`` per element (scipy ``norm.ppf``)."""

def target_mean(values: F64, target_f32: bool) -> float:
    """pandas ``Series.mean()`` (NaN skipped), in float32 when ``target_f32``."""

def numerai_corr(
    predictions: F64,
    target: F64,
    target_mean: float,
    target_f32: bool,
    target_pow15: bool,
    top_bottom: Optional[int] = None,
) -> F64:
    """Per column: ``corr(p15(t - target_mean), p15(g(p)))`` (no power on t without
    ``target_pow15``); top and bottom ``top_bottom`` transformed predictions only when set."""

def contribution(
    predictions: F64,
    meta_model: F64,
    target: F64,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> F64:
    """Per column: ``tᵀ(g(p) - g(m)·(g(p)ᵀg(m))/(g(m)ᵀg(m))) / n`` with ``t`` the target
    (×4 in [0, 1]) centred."""

def contribution_scores(
    neutral_preds: F64, target: F64, target_f32: bool, top_bottom: Optional[int] = None
) -> F64:
    """Per column: ``tᵀp / n`` (``Σ_top/bottom tᵢpᵢ / 2k`` with ``top_bottom = k``)."""

def neutralize(values: F64, neutralizers: npt.NDArray[Any], proportion: float = 1.0) -> F64:
    """Per column: ``x - proportion·N(N⁺x)`` with ``N = [neutralizers 1]`` (rcond 1e-6);
    int8 neutralizers stay int8. A constant column becomes NaN."""

def feature_neutral_corr(
    predictions: F64,
    features: npt.NDArray[Any],
    target: F64,
    target_mean: float,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> F64:
    """Per column: numerai_corr of ``neutralize(g(p), features)`` over the rows whose target
    is not NaN."""

def neutral_correlation(
    predictions: F64,
    neutralizers: npt.NDArray[Any],
    target: F64,
    target_mean: float,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> F64:
    """Per column: ``corr(t - target_mean, neutralize(g(p), neutralizers))``."""

def neutral_contribution(
    predictions: F64,
    meta_model: F64,
    neutralizers: npt.NDArray[Any],
    target: F64,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> F64:
    """Per column: contribution of ``neutralize(g(p))`` to ``neutralize(g(m))``."""

def max_feature_correlation(
    s: F64, features: npt.NDArray[Any]
) -> Optional[Tuple[int, float]]:
    """``(j, |corr(feature_j, s)|)`` of the most correlated non-constant feature."""

def pearson(a: F64, b: F64) -> float:
    """Pearson correlation; NaN when a side is constant."""

def spearman(a: F64, b: F64) -> float:
    """Pearson correlation of the average ranks."""

def orthogonalize(v: F64, u: F64) -> F64:
    """Per column of ``v``: ``v - u (vᵀu)/(uᵀu)``."""

def score_frames(
    data: Any,
    predictions: Any,
    meta_model: Any,
    meta_model_column: str,
    benchmark: Any,
    benchmark_column: Optional[str],
    *,
    targets: Sequence[str],
    metrics: Sequence[str],
    features: Optional[Sequence[str]],
    models: Optional[Sequence[str]],
    max_filtered_ratio: float,
    target_pow15: bool,
    progress: Optional[Callable[[int, int], None]],
) -> Tuple[List[str], List[str], List[str], List[str], List[F64], List[str]]:
    """Scores paths or ``__arrow_c_stream__`` tables with the engine of ``erascore score``:
    ``(eras, models, targets, metric names, one array per metric, warnings)``."""

def diagnostics_frames(
    data: Any,
    predictions: Any,
    meta_model: Any,
    meta_model_column: str,
    benchmark: Any,
    benchmark_column: Optional[str],
    example: Any,
    example_column: str,
    *,
    targets: Sequence[str],
    features: Optional[Sequence[str]],
    models: Optional[Sequence[str]],
    top_bottom: int,
    corr_multiplier: float,
    mmc_multiplier: float,
    max_filtered_ratio: float,
    target_pow15: bool,
    out: Optional[str],
    progress: Optional[Callable[[int, int], None]],
) -> Dict[str, Any]:
    """The engine of ``erascore diagnostics``: ``{"per_era": {column: values},
    "summary": {column: values}, "not_computed": [...], "warnings": [...]}``."""

def payout_score_columns(rule: str) -> Tuple[str, str]:
    """The rule's default score columns, e.g. ``("corr", "mmc")``."""

def payout_series(
    rounds: Sequence[str],
    models: Sequence[str],
    corr: Optional[F64],
    mmc: Optional[F64],
    stakes: Dict[str, float],
    *,
    rule: str,
    corr_col: str,
    mmc_col: str,
    corr_multiplier: Optional[float],
    mmc_multiplier: Optional[float],
    cap: Optional[float],
    resolve_lag: Optional[int],
    threshold: Optional[float],
    payout_factor: Optional[float],
    total_at_risk: Optional[float],
    nan: str,
) -> Dict[str, Any]:
    """The payout simulation of ``erascore payout``: ``{"trajectory": {column: values},
    "summary": {column: values}, "skipped": {model: [rounds]}}``."""

def parquet_columns(path: str) -> List[str]:
    """Column names of a parquet file."""
