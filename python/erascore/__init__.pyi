from typing import Any, Optional, Sequence

import pandas as pd

from erascore import numerai_tools as numerai_tools

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
) -> pd.DataFrame:
    """Per-era scores of every prediction column (one row per era, model, target); see
    ``erascore._frames.score``."""
