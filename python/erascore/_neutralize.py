"""``erascore.neutralize``: the engine of ``erascore neutralize`` on in-memory frames or
files, every era in one call."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from erascore import _erascore as _rs
from erascore._frames import Table, _prepare, _warn


def neutralize(
    data: Table,
    predictions: Table,
    proportion: float = 1.0,
    *,
    features: Optional[Sequence[str]] = None,
    neutralizers: Optional[Table] = None,
    models: Optional[Sequence[str]] = None,
    submission: bool = False,
    model: Optional[str] = None,
    era_col: str = "era",
    id_col: str = "id",
) -> pd.DataFrame:
    """Every model's predictions neutralized era by era, as ``erascore neutralize`` writes
    them: per era, numerai-tools'
    ``variance_normalize(neutralize(gaussian(tie_kept_rank(p)), n, proportion))`` on the
    era's predicted rows sorted by id (the same numbers to 1e-9, tested per era).

    Args:
        data: the data (a parquet path, or a pandas/polars/pyarrow table) with ``id_col``,
            ``era_col`` and the feature columns.
        predictions: ``id_col`` (or the index of a pandas frame named so) and one column per
            model; every row needs a data row.
        proportion: share of the projection subtracted, in [0, 1] (numerai-tools'
            ``proportion``).
        features: the data's feature columns to neutralize against (e.g. a feature set of
            features.json); default every ``feature_*`` column.
        neutralizers: instead of features, a table of ``id_col`` (``era_col`` when the data
            have several eras) and one column per neutralizer.
        models: only these prediction columns.
        submission: values ranked to (0, 1) within each era, in one ``prediction`` column
            (the layout ``erascore validate`` checks); ``model`` names the model when the
            predictions have several.

    Returns:
        A DataFrame indexed by ``id``: ``era`` and one column per model, eras in order and
        ids sorted within an era (a model constant in an era is NaN there, with a warning);
        a submission has the ``prediction`` column only.
    """
    if isinstance(proportion, bool) or not isinstance(proportion, (int, float, np.floating, np.integer)):
        raise TypeError(f"proportion: expected a number, got {type(proportion).__name__}")
    data_arrow, preds_arrow, (neut_arrow,) = _prepare(
        data, predictions, [("neutralizers", neutralizers)],
        targets=[], features=features, needs_features=neutralizers is None,
        era_col=era_col, id_col=id_col, keep_prediction_era=neutralizers is not None,
    )
    ids, eras, columns, values, warnings = _rs.neutralize_frames(
        data_arrow,
        preds_arrow,
        proportion=float(proportion),
        features=list(features) if features is not None else None,
        neutralizers=neut_arrow,
        models=list(models) if models is not None else None,
        submission=bool(submission),
        model=model,
    )
    _warn(warnings)
    out: pd.DataFrame = pd.DataFrame(index=pd.Index(ids, name="id"))
    if not submission:
        out["era"] = eras
    for name, column in zip(columns, values):
        out[name] = np.asarray(column)
    return out
