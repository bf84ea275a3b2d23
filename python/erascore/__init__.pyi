import os
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

import pandas as pd

from erascore import numerai_tools as numerai_tools
from erascore import ray as ray

__version__: str

def score(
    data: Any,
    predictions: Any,
    meta_model: Optional[Any] = None,
    *,
    targets: Sequence[str] = ("target",),
    metrics: Optional[Sequence[str]] = None,
    features: Optional[Sequence[str]] = None,
    models: Optional[Sequence[str]] = None,
    era_col: str = "era",
    id_col: str = "id",
    meta_model_col: str = "numerai_meta_model",
    benchmark: Optional[Any] = None,
    benchmark_col: Optional[str] = None,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    progress: Optional[bool] = None,
    neutralizers: Optional[Any] = None,
    sample_weights: Optional[Any] = None,
    previous: Optional[Sequence[Any]] = None,
    stakes: Optional[Mapping[str, float]] = None,
    layout: str = "long",
) -> pd.DataFrame:
    """Per-era scores of every prediction column (one row per era, model, target), the
    Signals metrics included; see ``erascore._frames.score``."""

class Diagnostics(NamedTuple):
    per_era: pd.DataFrame
    summary: pd.DataFrame
    not_computed: List[str]

def diagnostics(
    data: Any,
    predictions: Any,
    meta_model: Optional[Any] = None,
    *,
    targets: Sequence[str] = ("target",),
    features: Optional[Sequence[str]] = None,
    models: Optional[Sequence[str]] = None,
    era_col: str = "era",
    id_col: str = "id",
    meta_model_col: str = "numerai_meta_model",
    benchmark: Optional[Any] = None,
    benchmark_col: Optional[str] = None,
    example_preds: Optional[Any] = None,
    example_col: str = "prediction",
    top_bottom: int = 200,
    corr_multiplier: float = 0.5,
    mmc_multiplier: float = 2.0,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    out: Optional[Union[str, os.PathLike[str]]] = None,
    progress: Optional[bool] = None,
    neutralizers: Optional[Any] = None,
    sample_weights: Optional[Any] = None,
    previous: Optional[Sequence[Any]] = None,
    stakes: Optional[Mapping[str, float]] = None,
) -> Diagnostics:
    """Validation diagnostics as ``erascore diagnostics`` computes them: per-era metrics and
    payout score, statistics over eras, and (with ``out``) the CLI's output folder; see
    ``erascore._frames.diagnostics``."""

class Payout(NamedTuple):
    trajectory: pd.DataFrame
    summary: pd.DataFrame
    skipped: Dict[str, List[str]]

def payout(
    scores: pd.DataFrame,
    stake: Optional[float] = None,
    stakes: Optional[Union[Mapping[str, float], pd.DataFrame, pd.Series]] = None,
    *,
    rule: str = "2024",
    corr_col: Optional[str] = None,
    mmc_col: Optional[str] = None,
    round_col: Optional[str] = None,
    model_col: str = "model",
    target: Optional[str] = None,
    corr_multiplier: Optional[float] = None,
    mmc_multiplier: Optional[float] = None,
    cap: Optional[float] = None,
    resolve_lag: Optional[int] = None,
    threshold: Optional[float] = None,
    payout_factor: Optional[float] = None,
    total_at_risk: Optional[float] = None,
    nan: str = "skip",
) -> Payout:
    """Stake trajectories under a payout rule, as ``erascore payout`` simulates them; see
    ``erascore._frames.payout``."""

class Compare(NamedTuple):
    per_model: pd.DataFrame
    per_round: pd.DataFrame
    summary: Dict[str, Any]

def compare(
    data: Union[str, os.PathLike[str]],
    predictions: Union[str, os.PathLike[str]],
    stakes: Union[str, os.PathLike[str]],
    configs: Union[str, os.PathLike[str], Sequence[Mapping[str, Any]], Mapping[str, Any]],
    *,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    max_values: int = 150_000_000,
    out: Optional[Union[str, os.PathLike[str]]] = None,
    benchmark: Optional[Union[str, os.PathLike[str]]] = None,
    benchmark_col: Optional[str] = None,
) -> Compare:
    """Scoring configurations compared over a tournament, as ``erascore compare`` computes
    them (the CLI's per_model / per_round tables and compare.json); see
    ``erascore._frames.compare``."""

def neutralize(
    data: Any,
    predictions: Any,
    proportion: float = 1.0,
    *,
    features: Optional[Sequence[str]] = None,
    neutralizers: Optional[Any] = None,
    models: Optional[Sequence[str]] = None,
    submission: bool = False,
    model: Optional[str] = None,
    era_col: str = "era",
    id_col: str = "id",
) -> pd.DataFrame:
    """Predictions neutralized era by era, as ``erascore neutralize`` writes them (indexed by
    id: era and one column per model, or a submission's prediction column); see
    ``erascore._neutralize.neutralize``."""
