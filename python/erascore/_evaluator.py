"""``erascore.Evaluator``: one validation set prepared once, scored against many prediction
vectors (backtests, hyperparameter sweeps, early stopping in training loops)."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from erascore import _erascore as _rs
from erascore._frames import (
    Table,
    _count,
    _names,
    _number,
    _prepare,
    _score_frame,
    _series_frame,
    _warn,
)
from erascore.exceptions import ArgumentError, ArgumentTypeError, DataError


def _refuse_text(name: str, values: Any) -> None:
    """Text values ("0.5" as a string) are refused as ``erascore.score`` refuses a text
    column (docs/errors.md), rather than read as the numbers numpy would parse them to."""
    values = np.asarray(values)
    if values.dtype.kind in "USO":
        text = [i for i, v in enumerate(values.ravel()) if isinstance(v, (str, bytes, np.str_, np.bytes_))]
        if text:
            i = text[0]
            raise DataError(
                f"predictions=: model '{name}' holds text, not numbers ({values.ravel()[i]!r} at"
                f" row {i}); predictions must be numbers (convert them to floats)"
            )


def _floats(values: Any, name: str) -> Any:
    try:
        return values.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"predictions=: column '{name}' is not numeric ({values.dtype}); a DataFrame"
            " holds one model per column, aligned to the data's rows (an id column belongs"
            " in the index)"
        ) from None


def _columns(
    predictions: Any, rows: int, row_labels: Optional[Callable[[], List[Any]]] = None
) -> Tuple[List[str], List[Any]]:
    """(model names, float64 arrays) of predictions aligned to the data's rows: a 1-d
    array or Series is one model (its name, else ``prediction``); a 2-d array or a
    DataFrame one model per column; text values are refused. A pandas index other than
    ``0..rows-1`` must be one of ``row_labels()`` (the data's index, its ids), in the data's
    order: values are taken by position, so ids in another order would be scored against
    the wrong rows."""
    if isinstance(predictions, (pd.DataFrame, pd.Series)) and row_labels is not None:
        _check_index(predictions.index, rows, row_labels)
    if isinstance(predictions, pd.DataFrame):
        for c in predictions.columns:
            _refuse_text(str(c), predictions[c])
    elif isinstance(predictions, pd.Series):
        _refuse_text(str(predictions.name) if predictions.name is not None else "prediction", predictions)
    elif isinstance(predictions, np.ndarray):
        _refuse_text("prediction", predictions)
    if isinstance(predictions, pd.DataFrame):
        names = [str(c) for c in predictions.columns]
        arrays = [_floats(predictions.iloc[:, j], names[j]) for j in range(len(names))]
    elif isinstance(predictions, pd.Series):
        names = [str(predictions.name) if predictions.name is not None else "prediction"]
        arrays = [_floats(predictions, names[0])]
    else:
        try:
            values = np.asarray(predictions, dtype=np.float64)
        except (TypeError, ValueError):
            raise ArgumentTypeError(
                "predictions=: expected a numpy array, a pandas Series or DataFrame of"
                f" numbers, got {type(predictions).__name__}"
            ) from None
        if values.ndim == 1:
            names, arrays = ["prediction"], [values]
        elif values.ndim == 2:
            names = ["prediction"] if values.shape[1] == 1 else [
                f"prediction_{j}" for j in range(values.shape[1])
            ]
            arrays = [values[:, j] for j in range(values.shape[1])]
        else:
            raise ArgumentError(
                f"predictions=: expected one value per data row (1-d) or one column per"
                f" model (2-d), got an array of shape {values.shape}"
            )
    for name, a in zip(names, arrays):
        if a.shape[0] != rows:
            raise ArgumentError(
                f"predictions=: model '{name}' has {a.shape[0]} values, the data {rows} rows"
                " (predictions are aligned to the data's rows, in order)"
            )
    return names, [np.ascontiguousarray(a) for a in arrays]


def _check_index(index: pd.Index, rows: int, row_labels: Callable[[], List[Any]]) -> None:
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return
    if len(index) != rows or any(index.equals(labels) for labels in row_labels()):
        return  # a wrong length is named by the length check
    raise ArgumentError(
        "predictions=: its index is neither 0..n-1 nor the data's index or ids in the data's"
        " row order; predictions are taken by position, not matched by id, so reindex them"
        " to the data's rows (e.g. .reindex(data['id'])) or pass .to_numpy()"
    )


class Evaluator:
    """One validation set prepared once; ``score(predictions)`` then gives the per-era
    table of :func:`erascore.score` for a new prediction vector, with the same numbers.

    Prepared once (what does not depend on the predictions): the eras in era order, each
    era's rows sorted by id, the targets' transforms (centred, 1.5-powered; bucketed for
    the contributions), the meta model's and benchmark's gaussianized ranks, and, for
    ``fnc``, each era's neutralizer factorization while the cached ones fit in ``cache``
    bytes. A call then ranks the predictions era by era (one task per era) and computes
    the metrics, the GIL released.

    Arguments (as in :func:`erascore.score`, where they mean the same):
        data: ids, eras, targets and (for fnc / fexp_max) int8 features: a pandas
            DataFrame (the id may be the index), a polars DataFrame, a pyarrow Table, or a
            parquet path.
        meta_model, meta_model_col, benchmark, benchmark_col: the reference columns of
            ``mmc`` and ``bmc``, matched to the data's rows by id once.
        targets, features, era_col, id_col, max_filtered_ratio, target_pow15: as in
            :func:`erascore.score`.
        metrics: what ``score`` computes unless a call names others; default as in
            :func:`erascore.score` (``corr``, ``mmc`` with a meta model, ``bmc`` with a
            benchmark, ``fnc``). A call may name any subset of corr, corr_tbN, mmc,
            mmc_tbN, bmc, spearman, pearson, fexp_max (and fnc when prepared).
        cache: bytes the cached FNC factorizations may take (default 0: none; each era's
            factorization is then rebuilt by every call, as :func:`erascore.score` does).

    Predictions are aligned to the data's rows, in order (``evaluator.rows`` values per
    model): a 1-d numpy array or a Series is one model, a 2-d array or a DataFrame one
    model per column. Nothing is matched by id per call: a pandas index must be 0..n-1,
    the data's index or its ids in the data's order (anything else is refused).

    An evaluator is immutable once built: any number of threads may score with one.
    Pickling stores the constructor's arguments (a path as a path, a frame as the frame)
    and unpickling prepares again, so each Ray worker holds its own.
    """

    def __init__(
        self,
        data: Table,
        meta_model: Optional[Table] = None,
        benchmark: Optional[Table] = None,
        *,
        targets: Sequence[str] = ("target",),
        metrics: Optional[Sequence[str]] = None,
        features: Optional[Sequence[str]] = None,
        era_col: str = "era",
        id_col: str = "id",
        meta_model_col: Optional[str] = None,
        benchmark_col: Optional[str] = None,
        max_filtered_ratio: float = 0.2,
        target_pow15: bool = True,
        cache: int = 0,
    ) -> None:
        self._args = (data, meta_model, benchmark)
        self._labels: Optional[List[Any]] = None
        self._kwargs = dict(
            targets=targets, metrics=metrics, features=features, era_col=era_col,
            id_col=id_col, meta_model_col=meta_model_col, benchmark_col=benchmark_col,
            max_filtered_ratio=max_filtered_ratio, target_pow15=target_pow15, cache=cache,
        )
        target_list = _names(targets, "targets") or []
        metric_list = _names(metrics, "metrics")
        feature_list = _names(features, "features")
        ratio = _number(max_filtered_ratio, "max_filtered_ratio")
        cache_bytes = _count(cache, "cache", 0)
        resolved, needs_features, _ = _rs.score_plan(
            metric_list, ratio, targets=target_list, meta_model=meta_model is not None,
            benchmark=benchmark is not None,
        )
        meta_model = _series_frame(meta_model, meta_model_col or "numerai_meta_model", id_col)
        benchmark = _series_frame(benchmark, benchmark_col or "benchmark", id_col)
        data_arrow, _, (meta_arrow, bench_arrow) = _prepare(
            data, None, [("meta_model", meta_model), ("benchmark", benchmark)],
            targets=target_list, features=feature_list, needs_features=needs_features,
            era_col=era_col, id_col=id_col,
        )
        self._rs = _rs.Evaluator(
            data_arrow, meta_arrow, meta_model_col, bench_arrow, benchmark_col,
            target_list, resolved, feature_list, ratio, bool(target_pow15), cache_bytes,
        )

    def _row_labels(self) -> List[Any]:
        """The labels a pandas index of predictions may carry: the data's index (a pandas
        frame) and its ids, in the data's row order. Read only when an index is not
        0..n-1."""
        if self._labels is None:
            data, id_col = self._args[0], self._kwargs["id_col"]
            labels: List[Any] = []
            if isinstance(data, pd.DataFrame):
                labels.append(data.index)
                if id_col in data.columns:
                    labels.append(pd.Index(data[id_col]))
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                if isinstance(data, (str, os.PathLike)):
                    table = pq.read_table(data, columns=[id_col])
                else:
                    table = data if isinstance(data, pa.Table) else pa.table(data)
                if id_col in table.column_names:
                    labels.append(pd.Index(table.column(id_col).to_pandas()))
            self._labels = labels
        return self._labels

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (self._args, self._kwargs))

    @property
    def rows(self) -> int:
        """Rows of the data: the length of every prediction vector."""
        return int(self._rs.rows)

    @property
    def metrics(self) -> List[str]:
        """The metrics ``score`` computes unless a call names others."""
        return list(self._rs.metrics)

    @property
    def eras(self) -> List[str]:
        """The eras scored, in era order."""
        return list(self._rs.eras)

    @property
    def cached(self) -> Tuple[int, int]:
        """(cached neutralizer factorizations, the bytes they take)."""
        count, used = self._rs.cached
        return int(count), int(used)

    def score(self, predictions: Any, metrics: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Per-era scores of ``predictions`` (aligned to the data's rows): the frame
        :func:`erascore.score` returns (``era, model, target`` and one column per metric)."""
        names, arrays = _columns(predictions, self.rows, self._row_labels)
        eras, models, targets, metric_names, values, warnings = self._rs.score(
            names, arrays, _names(metrics, "metrics")
        )
        _warn(warnings)
        out: pd.DataFrame = _score_frame(eras, models, targets, metric_names, values)
        return out

    def summary(self, predictions: Any, metrics: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Statistics over eras of every (model, target, metric) of ``predictions``: the
        ``summary`` frame of :func:`erascore.diagnostics` (mean, std, sharpe, max_drawdown,
        ..., eras; NaN eras skipped)."""
        names, arrays = _columns(predictions, self.rows, self._row_labels)
        columns, warnings = self._rs.summary(names, arrays, _names(metrics, "metrics"))
        _warn(warnings)
        out: pd.DataFrame = pd.DataFrame(columns)
        out["eras"] = out["eras"].astype("int64")
        return out

    def metric(self, name: str = "corr", target: Optional[str] = None) -> "EraMetric":
        """The per-era mean of ``name`` as a training-loop metric; see :class:`EraMetric`."""
        return EraMetric(self, name, target)

    def scorer(self, name: str = "corr", target: Optional[str] = None) -> "EraScorer":
        """The per-era mean of ``name`` as a scikit-learn scorer; see :class:`EraScorer`."""
        return EraScorer(self.metric(name, target))


def _rebuild(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Evaluator:
    return Evaluator(*args, **kwargs)


class EraMetric:
    """The mean over eras (NaN eras skipped) of one metric of an :class:`Evaluator`, on
    predictions of the evaluator's data rows in order: the eval set of a training loop
    must be the evaluator's data, row for row.

    One object serves both boosting libraries; which one calls it is told by its arguments:

    - LightGBM ``feval`` (``lightgbm.train(..., feval=m)``): ``m(preds, dataset)`` returns
      ``(name, value, True)`` (higher is better);
    - XGBoost ``custom_metric`` (``xgboost.train(..., custom_metric=m)``, with
      ``maximize=True`` for early stopping): ``m(preds, dmatrix)`` returns ``(name, value)``;
    - LightGBM's scikit-learn API (``LGBMRegressor().fit(..., eval_metric=m)``):
      ``m(y_true, y_pred)`` returns ``(name, value, True)``;

    For scikit-learn's ``scoring=`` (``scorer(estimator, X, y)``), see :class:`EraScorer`
    (``evaluator.scorer(name)``).

    (XGBoost's scikit-learn API expects a bare number from ``eval_metric``; pass
    ``m.value`` wrapped as ``lambda y, p: -m.value(p)``, since it minimizes, or use
    ``xgboost.train``.)

    ``m.value(predictions)`` is the number itself.
    """

    def __init__(self, evaluator: Evaluator, name: str, target: Optional[str]) -> None:
        if not isinstance(name, str):
            raise ArgumentTypeError(f"name=: expected a metric name, got {name!r}")
        targets = list(evaluator._rs.targets)
        if target is None:
            target = targets[0]
        elif target not in targets:
            raise ArgumentError(
                f"target=: '{target}' is not one of the evaluator's targets ({', '.join(targets)})"
            )
        self.evaluator = evaluator
        self.name = name
        self.target = target
        self.__name__ = f"era_mean_{name}"

    def value(self, predictions: Any) -> float:
        """The mean over eras of the metric on ``predictions`` (one model)."""
        _refuse_text("prediction", predictions)
        preds = np.asarray(predictions, dtype=np.float64)
        if preds.ndim == 2 and preds.shape[1] == 1:
            preds = preds[:, 0]
        summary = self.evaluator.summary(preds, metrics=[self.name])
        row = summary[summary["target"] == self.target]
        return float(row["mean"].iloc[0])

    def __call__(self, first: Any, second: Any) -> Any:
        # Exactly two parameters: LightGBM's scikit-learn API passes as many arguments as
        # the callable takes.
        module = type(second).__module__.split(".")[0]
        if module == "xgboost":  # xgboost.train's custom_metric: (preds, DMatrix)
            return self.name, self.value(first)
        if module == "lightgbm":  # lightgbm.train's feval: (preds, Dataset)
            return self.name, self.value(first), True
        # LightGBM's scikit-learn API (eval_metric=): (y_true, y_pred).
        return self.name, self.value(second), True


class EraScorer:
    """A scikit-learn scorer (``scoring=``; higher is better): ``scorer(estimator, X, y)`` is
    the mean over eras of the metric on ``estimator.predict(X)``. ``X`` must be the
    evaluator's data rows, in order (e.g. the validation fold of a ``PredefinedSplit``)."""

    def __init__(self, metric: EraMetric) -> None:
        self.metric = metric

    def __call__(self, estimator: Any, x: Any, y: Any = None) -> float:
        return self.metric.value(estimator.predict(x))


__all__ = ["Evaluator", "EraMetric", "EraScorer"]
