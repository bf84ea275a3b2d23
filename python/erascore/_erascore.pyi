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

def neutralizer_matrix(
    values: npt.NDArray[Any], raise_not_finite: bool = True, for_kernel: bool = False
) -> Any:
    """Neutralizers for the kernels, in one pass: int8 when every value is an integer in
    -128..127 (any integer or float dtype), else float64; ``LinAlgError`` for an infinite
    or NaN value, or ``None`` with ``raise_not_finite=False``. With ``for_kernel=True`` a
    matrix made here (narrowed or widened) is a private ``_KernelMatrix``, which one kernel
    takes without a copy."""

# numpy arrays, or the private _KernelMatrix (dtype and shape, taken by one kernel) of
# neutralizer_matrix(for_kernel=True).
Neutralizers = Any

def neutralize(
    values: F64, neutralizers: Neutralizers, proportion: float = 1.0
) -> Optional[F64]:
    """Per column: ``x - proportion·N(N⁺x)`` with ``N = [neutralizers 1]`` (rcond 1e-6);
    int8 neutralizers stay int8. A constant column becomes NaN. ``None`` when the
    neutralizers' rank is not clear of lstsq's cutoff (numpy's lstsq is to answer)."""

def feature_neutral_corr(
    predictions: F64,
    features: Neutralizers,
    target: F64,
    target_mean: float,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> Optional[F64]:
    """Per column: numerai_corr of ``neutralize(g(p), features)`` over the rows whose target
    is not NaN. ``None`` when the
    neutralizers' rank is not clear of lstsq's cutoff."""

def neutral_correlation(
    predictions: F64,
    neutralizers: Neutralizers,
    target: F64,
    target_mean: float,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> Optional[F64]:
    """Per column: ``corr(t - target_mean, neutralize(g(p), neutralizers))``. ``None`` when the
    neutralizers' rank is not clear of lstsq's cutoff."""

def neutral_contribution(
    predictions: F64,
    meta_model: F64,
    neutralizers: Neutralizers,
    target: F64,
    target_f32: bool,
    top_bottom: Optional[int] = None,
) -> Optional[F64]:
    """Per column: contribution of ``neutralize(g(p))`` to ``neutralize(g(m))``. ``None`` when the
    neutralizers' rank is not clear of lstsq's cutoff."""

def max_feature_correlation(
    s: F64, features: Neutralizers
) -> Optional[Tuple[int, float]]:
    """``(j, |corr(feature_j, s)|)`` of the most correlated non-constant feature."""

def pearson(a: F64, b: F64) -> float:
    """Pearson correlation; NaN when a side is constant."""

def spearman(a: F64, b: F64) -> float:
    """Pearson correlation of the average ranks."""

def explained(gaussianized: F64, residual: F64) -> List[bool]:
    """Per column: whether the neutralizers explain it completely (the kernels' rule)."""

def orthogonalize(v: F64, u: F64) -> F64:
    """Per column of ``v``: ``v - u (vᵀu)/(uᵀu)``."""

def churn(s1: F64, s2: F64) -> float:
    """``1 - spearman(s1, s2)``; ``AssertionError`` when a side is constant."""

def churn_top_bottom(
    ids1: npt.NDArray[np.int64], s1: F64, ids2: npt.NDArray[np.int64], s2: F64, k: int
) -> float:
    """1 minus the mean share of id codes among both series' ``k`` highest and lowest."""

def turnover(w1: F64, w2: F64) -> float:
    """``Σ |w1 - w2| / 2``."""

def neutral_signal(signal: F64, neutralizers: Any) -> Optional[F64]:
    """``g(signal)`` neutralized against the neutralizers; all NaN when nothing is left;
    ``None`` when their rank is not clear of lstsq's cutoff."""

def score_frames(
    tables: Dict[str, Any],
    options: Dict[str, Any],
    *,
    metrics: Optional[Sequence[str]],
    progress: Optional[Callable[[int, int], None]],
    eras: Optional[Sequence[str]] = None,
) -> Tuple[
    List[str], List[str], List[str], List[str], List[F64], List[str], List[Tuple[str, List[str]]]
]:
    """Scores paths or ``__arrow_c_stream__`` tables with the engine of ``erascore score``:
    ``(eras, models, targets, metric names, one array per metric, warnings, eras without
    target values with those targets)``. ``tables`` (keyed by ``_frames.TABLES``) and
    ``options`` (``_frames._Inputs.options``) are keyed by the Python keyword names.
    ``eras``: only those (a share of a distributed job; whole-data checks still on all
    rows). ``neutralizers``, ``sample_weights``, ``previous`` and ``stakes`` (model,
    stake) are the Signals inputs of ``erascore score``; stakes without a meta model build
    it."""

def neutralize_frames(
    data: Any,
    predictions: Any,
    *,
    proportion: float,
    features: Optional[Sequence[str]] = None,
    neutralizers: Any = None,
    models: Optional[Sequence[str]] = None,
    submission: bool = False,
    model: Optional[str] = None,
) -> Tuple[List[str], List[str], List[str], List[F64], List[str]]:
    """Neutralizes paths or ``__arrow_c_stream__`` tables with the engine of ``erascore
    neutralize``: ``(ids, the era of each row, column names, one array per column,
    warnings)``."""

def score_table(
    eras: Sequence[str],
    models: Sequence[str],
    targets: Sequence[str],
    metric_names: Sequence[str],
    values: Sequence[F64],
    layout: str,
) -> Tuple[List[str], List[Any], Optional[str]]:
    """Per-era scores (the columns ``score_frames`` returns) as the table ``erascore score
    --out`` writes in ``layout`` ("long" or "wide"): ``(column names, one list of str or
    float64 array per column, the column that indexes the rows or None)``."""

def score_plan(
    metrics: Optional[Sequence[str]],
    max_filtered_ratio: float,
    *,
    targets: Sequence[str],
    meta_model: bool = False,
    benchmark: bool = False,
    example: bool = False,
    stakes: bool = False,
    neutralizers: bool = False,
    sample_weights: bool = False,
    previous: bool = False,
) -> Tuple[List[str], bool, bool]:
    """The engine's decisions for ``score_frames`` before anything is read (the booleans:
    which optional inputs are given): ``(metric names, whether the data's features are
    read, whether it is a Signals run)``; ``metrics=None``: the default metrics."""

def data_eras(data: Any) -> List[str]:
    """The data's eras in scoring order (from the id and era columns only)."""

def merge_share_warnings(
    shares: Sequence[Tuple[Sequence[str], Sequence[Tuple[str, Sequence[str]]]]],
    targets: int,
) -> Tuple[List[str], List[Tuple[str, List[str]]]]:
    """The warnings and eras without target values of a run's shares (one ``(warnings,
    unresolved)`` pair per share, in order) as one run reports them: each warning once, one
    warning naming every era left out."""

def diagnostics_plan(
    *,
    targets: Sequence[str],
    top_bottom: int,
    corr_multiplier: float,
    mmc_multiplier: float,
    max_filtered_ratio: float,
    out: Optional[str],
    meta: bool,
    benchmark: bool,
    example: bool,
    features: bool,
    neutralizers: bool = False,
    stakes: bool = False,
    previous: bool = False,
    sample_weights: bool = False,
) -> Tuple[List[str], List[str]]:
    """Checks diagnostics' arguments and ``out``; ``(metric names, not computed)``. ``meta``:
    a meta model table; the last four: which Signals inputs were given (stakes alone
    build the meta model)."""

def diagnostics_from_scores(
    eras: Sequence[str],
    models: Sequence[str],
    targets: Sequence[str],
    metric_names: Sequence[str],
    values: Sequence[F64],
    warnings: Sequence[str],
    *,
    corr_multiplier: float,
    mmc_multiplier: float,
    with_meta: bool,
    omitted: Sequence[str],
    out: Optional[str],
    data_label: str,
    predictions_label: str,
    unresolved: Sequence[Tuple[str, Sequence[str]]] = ...,
) -> Dict[str, Any]:
    """What ``diagnostics_frames`` returns, from merged per-era rows (era, target, model
    order); ``unresolved``: the eras left out for lack of target values, merged."""

def compare_frames(
    args: Dict[str, Any],
    *,
    target_pow15: bool,
    max_values: int,
    out: Optional[str],
    progress: Optional[Callable[[int, int], None]] = None,
) -> Dict[str, Any]:
    """``erascore compare`` in process: ``per_model``, ``per_round`` (columns), ``summary``
    (compare.json as text), ``warnings``; ``progress(done, total)`` per era of each scoring
    pass. ``args``: ``data``, ``predictions``, ``stakes`` (paths), ``configs`` (TOML path)
    or ``configs_json``, ``max_filtered_ratio``, ``benchmark``, ``benchmark_col``
    (``_frames._compare_args``)."""

def compare_plan(
    args: Dict[str, Any],
    *,
    out: Optional[str],
) -> Tuple[List[str], List[str]]:
    """Checks made before a distributed compare; ``(eras in order, model names)``."""

def compare_share(
    args: Dict[str, Any],
    *,
    target_pow15: bool,
    max_values: int,
    eras: Sequence[str],
    data_eras: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """One share's scores: ``rounds``, ``first`` / ``second`` (per configuration, models ×
    rounds, ``second`` None for one-score rules), ``warnings``, ``chunks``."""

def compare_from_scores(
    predictions: str,
    stakes: str,
    configs: Optional[str],
    configs_json: Optional[str],
    rounds: Sequence[str],
    first: Sequence[npt.NDArray[np.float64]],
    second: Sequence[Optional[npt.NDArray[np.float64]]],
    warnings: Sequence[str],
    chunks: int,
    *,
    out: Optional[str],
    data_eras: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """What ``compare_frames`` returns, from the shares' scores joined in era order."""

def diagnostics_frames(
    tables: Dict[str, Any],
    options: Dict[str, Any],
    *,
    top_bottom: int,
    corr_multiplier: float,
    mmc_multiplier: float,
    out: Optional[str],
    progress: Optional[Callable[[int, int], None]],
) -> Dict[str, Any]:
    """The engine of ``erascore diagnostics``: ``{"per_era": {column: values},
    "summary": {column: values}, "not_computed": [...], "warnings": [...]}``; ``tables``,
    ``options`` and the Signals inputs as in ``score_frames``."""

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
    bootstrap: Optional[int] = None,
    block: Optional[int] = None,
    seed: Optional[int] = None,
) -> Dict[str, Any]:
    """The payout simulation of ``erascore payout``: ``{"trajectory": {column: values},
    "summary": {column: values}, "skipped": {model: [rounds]}}``; with ``bootstrap``
    trajectories also ``"bootstrap"`` (per model: the quantiles of ``erascore payout
    --bootstrap``) and ``"fan"`` (per model and step: the stake path's quantiles and the
    realised stake), block and seed defaulting as in the CLI."""

def parquet_columns(path: str) -> List[str]:
    """Column names of a parquet file."""

class Evaluator:
    """One validation set prepared once (the engine's ``Evaluator`` behind an ``Arc``):
    eras in era order, rows sorted by id, target transforms, meta-model / benchmark
    gaussian ranks and, within ``cache`` bytes, each era's FNC factorization. Immutable:
    any number of threads may score with one instance, each call with the GIL released.
    Pickles as ``(Evaluator, constructor arguments)``: unpickling prepares again."""

    def __new__(
        cls,
        data: Any,
        meta_model: Any = None,
        meta_model_col: Optional[str] = None,
        benchmark: Any = None,
        benchmark_col: Optional[str] = None,
        targets: Optional[Sequence[str]] = None,
        metrics: Optional[Sequence[str]] = None,
        features: Optional[Sequence[str]] = None,
        max_filtered_ratio: float = 0.2,
        target_pow15: bool = True,
        cache: int = 0,
    ) -> "Evaluator":
        """``data``, ``meta_model``, ``benchmark``: file paths or objects with
        ``__arrow_c_stream__``; ``targets`` default ``["target"]``; ``metrics`` as resolved
        by ``score_plan``; ``cache``: bytes for cached factorizations."""

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]: ...

    def score(
        self, /, models: Sequence[str], predictions: Sequence[F64], metrics: Optional[Sequence[str]] = None
    ) -> Tuple[List[str], List[str], List[str], List[str], List[F64], List[str]]:
        """Per-era scores of ``predictions`` (one float64 array per model, aligned to the
        data's rows): eras, models, targets, metric names, one array per metric, warnings
        (the columns of ``score_frames``)."""

    def summary(
        self, /, models: Sequence[str], predictions: Sequence[F64], metrics: Optional[Sequence[str]] = None
    ) -> Tuple[Dict[str, Any], List[str]]:
        """Statistics over eras per (model, target, metric), as columns, and warnings."""

    @property
    def rows(self) -> int:
        """Rows of the data: the length of every prediction vector."""

    @property
    def metrics(self) -> List[str]:
        """The metrics a call computes unless it names others."""

    @property
    def targets(self) -> List[str]:
        """The targets."""

    @property
    def eras(self) -> List[str]:
        """The eras scored, in era order."""

    @property
    def cached(self) -> Tuple[int, int]:
        """(cached factorizations, the bytes they take)."""
