import os
from typing import Any, Mapping, Optional, Sequence, Union

import pandas as pd

from erascore import Compare, Diagnostics

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
    address: Optional[str] = None,
    eras_per_task: Optional[int] = None,
    models_per_task: Optional[int] = None,
    max_retries: int = 3,
) -> pd.DataFrame:
    """``erascore.score`` over a Ray cluster: the same frame, row for row."""

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
    address: Optional[str] = None,
    eras_per_task: Optional[int] = None,
    models_per_task: Optional[int] = None,
    max_retries: int = 3,
) -> Diagnostics:
    """``erascore.diagnostics`` over a Ray cluster: the same tables and output folder."""

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
    address: Optional[str] = None,
    eras_per_task: Optional[int] = None,
    max_retries: int = 3,
) -> Compare:
    """``erascore.compare`` over a Ray cluster (shares of eras): the same tables and compare.json."""
