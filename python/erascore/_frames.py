"""``erascore.score``: the engine of ``erascore score`` on in-memory frames or files."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np
import pandas as pd

from erascore import _erascore as _rs

Table = Any  # pandas.DataFrame | polars.DataFrame | pyarrow.Table | str | os.PathLike


def _arrow(table: Table, rename: dict, columns: Optional[Sequence[str]], what: str) -> Any:
    """A pyarrow table (or a path, passed through) with the id/era columns named as the
    engine expects. pandas goes through ``pyarrow.Table.from_pandas`` (numeric columns are
    wrapped, not copied, and an index named like the id column becomes that column);
    anything else with ``__arrow_c_stream__`` (polars, pyarrow, ...) is read as a stream."""
    if isinstance(table, (str, os.PathLike)):
        if rename:
            raise ValueError(
                f"{what}: renaming columns ({rename}) needs an in-memory table, not a file"
            )
        return os.fspath(table)
    import pyarrow as pa

    if isinstance(table, pd.DataFrame):
        frame = table
        if columns is not None:
            keep = [c for c in columns if c in frame.columns]
            frame = frame[keep] if len(keep) < frame.shape[1] else frame
        arrow = pa.Table.from_pandas(frame, preserve_index=frame.index.name is not None)
    elif isinstance(table, pa.Table):
        arrow = table
    elif hasattr(table, "__arrow_c_stream__"):
        arrow = pa.table(table)
    else:
        raise TypeError(
            f"{what}: expected a pandas/polars DataFrame, a pyarrow Table or a file path,"
            f" got {type(table).__name__}"
        )
    if columns is not None:
        names = set(arrow.column_names)
        arrow = arrow.select([c for c in columns if c in names])
    if rename:
        arrow = arrow.rename_columns([rename.get(c, c) for c in arrow.column_names])
    return arrow


def _progress_bar(show: Optional[bool]) -> Optional[Callable[[int, int], None]]:
    """tqdm (notebook-aware via tqdm.auto) when installed, else a line on stderr."""
    if show is False or (show is None and not (sys.stderr.isatty() or "ipykernel" in sys.modules)):
        return None
    try:
        from tqdm.auto import tqdm  # type: ignore
    except ImportError:
        tqdm = None
    state: dict = {}

    def update(done: int, total: int) -> None:
        if tqdm is not None:
            bar = state.get("bar")
            if bar is None:
                bar = state["bar"] = tqdm(total=total, desc="scoring eras", unit="era")
            bar.update(done - bar.n)
            if done >= total:
                bar.close()
        else:
            print(f"\rscoring eras: {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)

    return update


def score(
    data: Table,
    predictions: Table,
    meta_model: Optional[Table] = None,
    *,
    targets: Sequence[str] = ("target",),
    metrics: Optional[Sequence[str]] = None,
    features: Optional[Sequence[str]] = None,
    models: Optional[Sequence[str]] = None,
    era_col: str = "era",
    id_col: str = "id",
    meta_model_col: str = "numerai_meta_model",
    benchmark: Optional[Table] = None,
    benchmark_col: Optional[str] = None,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    progress: Optional[bool] = None,
) -> pd.DataFrame:
    """Per-era scores of every prediction column: one row per (era, model, target).

    Exactly what ``erascore score`` computes (same engine, same numbers): rows are matched
    by id, grouped by era and sorted by id within an era, and each metric is numerai-tools
    0.7.2 called on that era, e.g.

    - ``corr``: ``numerai_corr`` = corr(p15(center(t)), p15(Φ⁻¹(rank(p)))), with
      ``p15(x) = sign(x)|x|^1.5`` and ``rank(p) = (r - 0.5)/n`` (ties averaged);
    - ``mmc``: ``correlation_contribution`` against the meta model;
      ``bmc`` against ``benchmark[benchmark_col]``;
    - ``fnc``: ``feature_neutral_corr`` against ``features`` (default: every ``feature_*``
      column); ``fexp_max``: ``max_feature_correlation``;
    - ``corr_tbN`` / ``mmc_tbN``, ``spearman``, ``pearson`` (see the README's metric table).

    Arguments:
        data: ids, eras, targets and (for fnc/fexp_max) int8 features: a pandas DataFrame
            (the id may be the index), a polars DataFrame, a pyarrow Table, or a parquet path.
        predictions: an id column (or index) and one numeric column per model.
        meta_model: ids and ``meta_model_col``; enables ``mmc``.
        targets: target columns to score against.
        metrics: metric names; default ``corr``, ``mmc`` with a meta model, ``bmc`` with a
            benchmark, and ``fnc``.
        features: feature columns for fnc / fexp_max.
        models: only these prediction columns.
        era_col, id_col: names of the era and id columns of in-memory tables.
        max_filtered_ratio: share of ids alignment may drop (numerai-tools: 0.2).
        target_pow15: raise the centred target to the 1.5 power in ``corr``.
        progress: show progress (tqdm when installed); default: on a terminal or notebook.

    Returns:
        DataFrame with columns ``era, model, target`` and one float column per metric.

    The GIL is released while Rust works; Ctrl-C stops the run after the eras in flight.
    """
    if metrics is None:
        metrics = ["corr"]
        if meta_model is not None:
            metrics.append("mmc")
        if benchmark is not None and benchmark_col is not None:
            metrics.append("bmc")
        metrics.append("fnc")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    targets = [targets] if isinstance(targets, str) else list(targets)
    rename = {era_col: "era", id_col: "id"}
    rename = {k: v for k, v in rename.items() if k != v}
    data_columns = None
    if not isinstance(data, (str, os.PathLike)):
        wanted_features = list(features) if features is not None else None
        names = _column_names(data)
        if wanted_features is None:
            wanted_features = [c for c in names if str(c).startswith("feature_")]
        needs_features = any(m in ("fnc", "fexp_max") for m in metrics)
        data_columns = [id_col, era_col, *targets, *(wanted_features if needs_features else [])]
    data_arrow = _arrow(data, rename if data_columns is not None else {}, data_columns, "data")
    id_rename = {id_col: "id"} if id_col != "id" else {}
    preds_arrow = _arrow(
        predictions,
        id_rename if not isinstance(predictions, (str, os.PathLike)) else {},
        None,
        "predictions",
    )
    if not isinstance(predictions, (str, os.PathLike)) and era_col in preds_arrow.column_names:
        preds_arrow = preds_arrow.drop_columns([era_col])
    meta_arrow = None
    if meta_model is not None:
        meta_arrow = _arrow(
            meta_model,
            id_rename if not isinstance(meta_model, (str, os.PathLike)) else {},
            None,
            "meta_model",
        )
    bench_arrow = None
    if benchmark is not None:
        bench_arrow = _arrow(
            benchmark,
            id_rename if not isinstance(benchmark, (str, os.PathLike)) else {},
            None,
            "benchmark",
        )
    eras, model_names, target_names, metric_names, values, warnings = _rs.score_frames(
        data_arrow,
        preds_arrow,
        meta_arrow,
        meta_model_col,
        bench_arrow,
        benchmark_col,
        targets=targets,
        metrics=metrics,
        features=list(features) if features is not None else None,
        models=list(models) if models is not None else None,
        max_filtered_ratio=float(max_filtered_ratio),
        target_pow15=bool(target_pow15),
        progress=_progress_bar(progress),
    )
    for w in warnings:
        import warnings as _warnings

        _warnings.warn(w, stacklevel=2)
    out = pd.DataFrame({"era": eras, "model": model_names, "target": target_names})
    for name, column in zip(metric_names, values):
        out[name] = np.asarray(column)
    return out


def _column_names(table: Table) -> list:
    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    names = getattr(table, "column_names", None) or getattr(table, "columns", None)
    return [str(c) for c in names] if names is not None else []
