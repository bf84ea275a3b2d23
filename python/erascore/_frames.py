"""``erascore.score`` and ``erascore.diagnostics``: the engine of ``erascore score`` and
``erascore diagnostics`` on in-memory frames or files."""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence, TypeVar, Union

import numpy as np
import pandas as pd

from erascore import _erascore as _rs
from erascore.exceptions import ArgumentError, ArgumentTypeError, DataError

Table = Any  # pandas.DataFrame | polars.DataFrame | pyarrow.Table | str | os.PathLike


def _names(value: Any, what: str) -> Optional[list]:
    """A list of column/metric names: one str is one name (not its characters)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise ArgumentTypeError(
            f"{what}=: expected a name or a list of names, got {type(value).__name__}"
        )
    out = list(value)
    for v in out:
        if not isinstance(v, str):
            raise ArgumentTypeError(
                f"{what}=: expected names (str), got {type(v).__name__} {v!r}"
            )
    return out


def _number(value: Any, what: str) -> float:
    """A float argument; anything else is an ArgumentError naming it."""
    if isinstance(value, bool) or value is None:
        raise ArgumentTypeError(f"{what}=: expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{what}=: expected a number, got {value!r}") from None


# The largest whole-number argument the binding holds (a u64 / usize).
_MAX_COUNT = 2**64 - 1


def _count(value: Any, what: str, minimum: int) -> int:
    """A whole-number argument of at least ``minimum`` (and no larger than the binding
    holds, rather than an OverflowError from the conversion)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ArgumentTypeError(f"{what}=: expected a whole number, got {value!r}")
    if value < minimum:
        raise ArgumentError(f"{what}= must be at least {minimum}, got {value}")
    if value > _MAX_COUNT:
        raise ArgumentError(f"{what}= must be at most 2**64 - 1, got {value}")
    return int(value)


def _series_frame(table: Any, column: str, id_col: str) -> Any:
    """A pandas Series as the one-column frame the engine reads: its name (or ``column``)
    as the value column, its index as the ``id_col`` column."""
    if isinstance(table, pd.Series):
        name = table.name if table.name is not None else column
        index_name = str(table.index.name) if table.index.name is not None else id_col
        return table.rename_axis(index_name).to_frame(str(name))
    return table


def _refuse_repeated_columns(frame: pd.DataFrame, what: str) -> None:
    """Two columns of one name are refused as the CLI refuses them in a file, naming the
    argument, rather than by pandas or pyarrow deep inside a conversion."""
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise DataError(f"{what}: two columns are named '{repeated[0]}'")


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
        _refuse_repeated_columns(frame, what)
        if columns is not None:
            # A column asked for in two roles (a feature that is also the target) is
            # selected once; the engine names the clash.
            keep = list(dict.fromkeys(c for c in columns if c in frame.columns))
            frame = frame[keep] if len(keep) < frame.shape[1] else frame
        try:
            arrow = pa.Table.from_pandas(frame, preserve_index=frame.index.name is not None)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            # An object column of mixed types (ids 5 and 'n0a1...'): pyarrow's message has
            # the column second and names no argument.
            detail = ": ".join(str(a) for a in reversed(e.args))
            raise DataError(f"{what}: {detail}") from None
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
        from tqdm.auto import tqdm
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
    meta_model_col: Optional[str] = None,
    benchmark: Optional[Table] = None,
    benchmark_col: Optional[str] = None,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    progress: Optional[bool] = None,
    neutralizers: Optional[Table] = None,
    sample_weights: Optional[Table] = None,
    previous: Optional[Sequence[Table]] = None,
    stakes: Optional[Mapping[str, float]] = None,
    layout: str = "long",
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
    - ``corr_tbN`` / ``mmc_tbN``, ``spearman``, ``pearson`` (see docs/metrics.md);
    - Signals: ``nc``, ``ncontrib``, ``alpha``, ``mpc``, ``churn``, ``neutral_churn``,
      ``turnover`` (numerai-tools ``signals``), with the inputs below.

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
        neutralizers: ids (and eras) and one column per neutralizer, for the Signals
            metrics (default: the data's features).
        sample_weights: ids (and eras) and one weight column (default: weight 1).
        previous: earlier submissions (the layout of ``predictions``), for churn and
            turnover: the max over them.
        stakes: ``{model: stake}`` of the staked models: the meta portfolio of ``mpc``, and
            the stake-weighted meta model when ``meta_model`` is not given.

        Signals data repeat every ticker in every era: with any of the Signals inputs, an
        ``era_col`` column of the predictions is kept and rows are matched on (era, id).
        layout: ``"long"`` (one row per era, model and target) or ``"wide"`` (indexed by
            era, one column per model and metric, ``MODEL/METRIC``, or
            ``MODEL/TARGET/METRIC`` with several targets: ``erascore score --layout wide``).

    Returns:
        DataFrame with columns ``era, model, target`` and one float column per metric.

    The GIL is released while Rust works; Ctrl-C stops the run after the eras in flight.
    """
    _check_layout(layout)
    call = _inputs(_arguments(score, **locals()), "score")
    eras, model_names, target_names, metric_names, values, warnings, _ = _rs.score_frames(
        call.tables, call.options, metrics=call.metrics, progress=_progress_bar(progress),
    )
    _warn(warnings)
    return _score_frame(eras, model_names, target_names, metric_names, values, layout)


def _check_layout(layout: str) -> None:
    """The layouts of a score frame (``erascore score --layout``)."""
    if layout not in ("long", "wide"):
        raise ArgumentError(f"layout=: expected 'long' or 'wide', got {layout!r}")


def _stake_list(stakes: Any) -> Optional[list]:
    """``{model: stake}`` (a dict or a Series indexed by model) as the (model, stake) pairs
    the binding takes; the stake rule itself is the engine's."""
    if stakes is None:
        return None
    if isinstance(stakes, pd.Series):
        stakes = stakes.to_dict()
    if not isinstance(stakes, Mapping):
        raise ArgumentTypeError(
            f"stakes=: expected {{model: stake}} (a dict or a Series indexed by model),"
            f" got {type(stakes).__name__}"
        )
    out = []
    for m, s in stakes.items():
        try:
            out.append((str(m), float(s)))
        except (TypeError, ValueError):
            raise ArgumentError(
                f"stakes=: model '{m}': expected a number, got {s!r}"
            ) from None
    return out


def _common_args(
    targets: Any, models: Any, features: Any, previous: Any, stakes: Any, max_filtered_ratio: Any
) -> tuple:
    """The arguments ``score`` and ``diagnostics`` share, in the types the binding takes;
    a value of the wrong kind is an error naming its keyword."""
    if previous is not None and not isinstance(previous, (list, tuple)):
        previous = [previous]
    return (
        _names(targets, "targets"),
        _names(models, "models"),
        _names(features, "features"),
        list(previous) if previous is not None else [],
        _stake_list(stakes),
        _number(max_filtered_ratio, "max_filtered_ratio"),
    )


def _series_tables(
    predictions: Any, meta_model: Any, benchmark: Any, example: Any, id_col: str,
    meta_model_col: Optional[str], benchmark_col: Optional[str], example_col: Optional[str],
) -> tuple:
    """Series given for predictions, meta model, benchmark or example predictions, as
    one-column frames (index: the ids)."""
    return (
        _series_frame(predictions, "prediction", id_col),
        _series_frame(meta_model, meta_model_col or "numerai_meta_model", id_col),
        _series_frame(benchmark, benchmark_col or "benchmark", id_col),
        _series_frame(example, example_col or "prediction", id_col),
    )


def _signals_given(neutralizers: Any, sample_weights: Any, previous: Sequence[Any]) -> bool:
    """Whether a Signals table is given: the predictions' era column is then kept and rows
    are matched on (era, id) (the engine's ``Given::signals_tables``)."""
    return neutralizers is not None or sample_weights is not None or bool(previous)


def _arguments(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "dict[str, Any]":
    """The arguments of a call of ``function`` (``erascore.score`` or ``.diagnostics``), every
    default filled in: how ``erascore.ray`` reads the keyword arguments it shares with them,
    whose one list is the frame API's signature. An unknown keyword is the TypeError a
    call of ``function`` raises."""
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


F = TypeVar("F", bound=Callable[..., Any])


def _takes_arguments_of(single: Callable[..., Any]) -> Callable[[F], F]:
    """Gives a distributed function (``erascore.ray.score`` & co., written ``(data,
    predictions, meta_model=None, *, <cluster options>, **arguments)``) the signature of
    the single-machine function it runs followed by its own keyword-only parameters, so
    the keyword arguments, their order and defaults are written once (``single``'s)."""

    def wrap(function: F) -> F:
        own = inspect.signature(function)
        cluster = [p for p in own.parameters.values() if p.kind is p.KEYWORD_ONLY]
        params = [*inspect.signature(single).parameters.values(), *cluster]
        function.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
        return function

    return wrap


class _Inputs(NamedTuple):
    """A ``score`` / ``diagnostics`` call's arguments checked and in the binding's types,
    under their keyword names (the binding's ``tables`` and ``options``): what
    ``erascore.score``, ``erascore.diagnostics`` and ``erascore.ray``'s share pass it."""

    tables: "dict[str, Any]"
    """data, predictions, meta_model, benchmark, example_preds, neutralizers,
    sample_weights, previous (None when empty): paths or Arrow tables."""
    options: "dict[str, Any]"
    """meta_model_col, benchmark_col, example_col, targets, features, models,
    max_filtered_ratio, target_pow15, stakes."""
    metrics: Optional[list]
    """``score``'s metrics as the engine resolved them; None for diagnostics."""
    signals: bool
    """Whether rows are matched on (era, id): a Signals table or metric."""


#: The binding's order of the tables (a distributed run ships them in this order).
TABLES = ("data", "predictions", "meta_model", "benchmark", "example_preds", "neutralizers",
          "sample_weights", "previous")


def _inputs(given: Mapping[str, Any], job: str) -> _Inputs:
    """The arguments ``given`` (every parameter of ``erascore.score`` or ``.diagnostics``,
    ``job``) checked, the engine's plan made (score: the metrics, whether features are
    read), and the tables prepared; errors name keyword arguments."""
    targets, models, features, previous, stakes, max_filtered_ratio = _common_args(
        given["targets"], given["models"], given["features"], given["previous"],
        given["stakes"], given["max_filtered_ratio"],
    )
    meta_model, benchmark = given["meta_model"], given["benchmark"]
    neutralizers, sample_weights = given["neutralizers"], given["sample_weights"]
    example, example_col = given.get("example_preds"), given.get("example_col")
    metrics: Optional[list] = None
    if job == "score":
        metrics, needs_features, signals = _rs.score_plan(
            _names(given["metrics"], "metrics"), max_filtered_ratio, targets=targets,
            meta_model=meta_model is not None, benchmark=benchmark is not None,
            stakes=stakes is not None, neutralizers=neutralizers is not None,
            sample_weights=sample_weights is not None, previous=bool(previous),
        )
    else:
        needs_features = True
        signals = _signals_given(neutralizers, sample_weights, previous)
    id_col, meta_model_col, benchmark_col = given["id_col"], given["meta_model_col"], given["benchmark_col"]
    predictions, meta_model, benchmark, example = _series_tables(
        given["predictions"], meta_model, benchmark, example, id_col, meta_model_col,
        benchmark_col, example_col,
    )
    data, predictions, (meta, bench, example, neut, weights, *prev) = _prepare(
        given["data"], predictions,
        [("meta_model", meta_model), ("benchmark", benchmark), ("example_preds", example),
         ("neutralizers", neutralizers), ("sample_weights", sample_weights),
         *((f"previous[{i}]", p) for i, p in enumerate(previous))],
        targets=targets, features=features, needs_features=needs_features,
        era_col=given["era_col"], id_col=id_col, keep_prediction_era=signals,
    )
    tables = dict(zip(TABLES, (data, predictions, meta, bench, example, neut, weights, prev or None)))
    options = dict(
        meta_model_col=meta_model_col, benchmark_col=benchmark_col,
        example_col=example_col, targets=targets, features=features, models=models,
        max_filtered_ratio=max_filtered_ratio, target_pow15=bool(given["target_pow15"]),
        stakes=stakes,
    )
    return _Inputs(tables, options, metrics, signals)


def _score_frame(
    eras: Any, models: Any, targets: Any, metric_names: Any, values: Any, layout: str = "long"
) -> pd.DataFrame:
    """The frame ``erascore.score`` returns: the engine's per-era rows as the table
    ``erascore score --out`` writes (its columns, names and order, built by the report
    crate), or, wide, indexed by era."""
    names, columns, index = _rs.score_table(eras, models, targets, metric_names, values, layout)
    return _table(names, columns, index)


def _table(names: Sequence[str], columns: Sequence[Any], index: Optional[str] = None) -> pd.DataFrame:
    """A table the engine built, as a DataFrame: its columns in order, ``index`` (the
    column naming each row on its own) as the index."""
    out = pd.DataFrame(dict(zip(names, columns)), columns=list(names))
    return out.set_index(index) if index is not None else out


def _column_names(table: Table) -> list:
    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    names = getattr(table, "column_names", None) or getattr(table, "columns", None)
    return [str(c) for c in names] if names is not None else []


def _require_key(table: Table, name: str, what: str, keyword: str) -> None:
    """An in-memory table must hold its id (era) column, or a pandas index of that name;
    the error says which keyword names it."""
    if isinstance(table, pd.DataFrame) and table.index.name == name:
        return
    columns = _column_names(table)
    if not columns or name in columns:
        return
    shown = ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "")
    index = ""
    if isinstance(table, pd.DataFrame) and table.index.name is not None:
        index = f", index '{table.index.name}'"
    raise ArgumentError(
        f"{what}=: no column '{name}' (columns: {shown}{index}); name the"
        f" {'id' if keyword == 'id_col' else 'era'} column with {keyword}="
    )


def _prepare(
    data: Table,
    predictions: Table,
    references: Sequence[tuple],
    *,
    targets: Sequence[str],
    features: Optional[Sequence[str]],
    needs_features: bool,
    era_col: str,
    id_col: str,
    keep_prediction_era: bool = False,
) -> tuple:
    """The data, predictions and reference tables as the engine takes them: paths as they
    are; in-memory tables reduced to the columns used, with id/era renamed. The
    predictions' era column is dropped (rows match the data by id) unless
    ``keep_prediction_era`` (Signals: rows match on (era, id))."""
    rename = {era_col: "era", id_col: "id"}
    rename = {k: v for k, v in rename.items() if k != v}
    data_columns = None
    if not isinstance(data, (str, os.PathLike)):
        _require_key(data, id_col, "data", "id_col")
        _require_key(data, era_col, "data", "era_col")
        wanted_features = list(features) if features is not None else None
        if wanted_features is None:
            wanted_features = [c for c in _column_names(data) if str(c).startswith("feature_")]
        elif needs_features:
            have = set(_column_names(data))
            missing = [f for f in wanted_features if f not in have]
            if missing:
                raise ArgumentError(
                    f"features=: {len(missing)} of the {len(wanted_features)} features named"
                    f" are not columns of data ({', '.join(missing[:5])}"
                    f"{', ...' if len(missing) > 5 else ''})"
                )
        data_columns = [id_col, era_col, *targets, *(wanted_features if needs_features else [])]
    data_arrow = _arrow(data, rename if data_columns is not None else {}, data_columns, "data")
    key_rename = rename if keep_prediction_era else ({id_col: "id"} if id_col != "id" else {})

    def keyed(table: Optional[Table], what: str) -> Any:
        if table is None:
            return None
        in_memory = not isinstance(table, (str, os.PathLike))
        if in_memory:
            _require_key(table, id_col, what.split("[")[0], "id_col")
        return _arrow(table, key_rename if in_memory else {}, None, what)

    preds_arrow = keyed(predictions, "predictions")
    if (
        not keep_prediction_era
        and preds_arrow is not None
        and not isinstance(predictions, (str, os.PathLike))
        and era_col in preds_arrow.column_names
    ):
        preds_arrow = preds_arrow.drop_columns([era_col])
    return data_arrow, preds_arrow, [keyed(t, what) for what, t in references]


def _warn(messages: Sequence[str]) -> None:
    import warnings

    for w in messages:
        warnings.warn(w, stacklevel=3)


class Diagnostics(NamedTuple):
    """What ``erascore.diagnostics`` returns."""

    per_era: pd.DataFrame
    """One row per (era, model, target): every metric computed, and ``payout``."""
    summary: pd.DataFrame
    """One row per (model, target, metric): mean, std, sharpe, max_drawdown, ..., eras."""
    not_computed: list
    """Metrics left out for want of an input, and why."""

    def plot(self, target: Optional[str] = None, metrics: Optional[Sequence[str]] = None) -> Any:
        """A matplotlib figure: one axis per metric (CORR, MMC, BMC, FNC: those computed),
        the cumulative per-era score of every model overlaid; ``target`` defaults to the
        first. matplotlib is imported only here."""
        from erascore._plots import plot_diagnostics

        return plot_diagnostics(self.per_era, target, metrics)


def diagnostics(
    data: Table,
    predictions: Table,
    meta_model: Optional[Table] = None,
    *,
    targets: Sequence[str] = ("target",),
    features: Optional[Sequence[str]] = None,
    models: Optional[Sequence[str]] = None,
    era_col: str = "era",
    id_col: str = "id",
    meta_model_col: Optional[str] = None,
    benchmark: Optional[Table] = None,
    benchmark_col: Optional[str] = None,
    example_preds: Optional[Table] = None,
    example_col: Optional[str] = None,
    top_bottom: int = 200,
    corr_multiplier: float = 0.5,
    mmc_multiplier: float = 2.0,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    out: Optional[Union[str, os.PathLike]] = None,
    progress: Optional[bool] = None,
    neutralizers: Optional[Table] = None,
    sample_weights: Optional[Table] = None,
    previous: Optional[Sequence[Table]] = None,
    stakes: Optional[Mapping[str, float]] = None,
) -> Diagnostics:
    """Validation diagnostics, as ``erascore diagnostics`` computes them (same engine).

    Metrics: ``corr``; ``mmc`` and ``mmc_tbN`` with a meta model; ``bmc`` with a benchmark;
    ``fnc`` and ``fexp_max`` when the data has features; ``corr_tbN``; ``spearman``;
    ``corr_with_example`` with example predictions; the Signals metrics with their inputs
    (``nc``, ``alpha``, and ``ncontrib`` with a meta model, with ``neutralizers``; ``mpc``
    with ``neutralizers`` and ``stakes``; ``churn``, and ``neutral_churn`` and ``turnover``
    with neutralizers, with ``previous``); and, with a meta model, the payout score
    ``payout = corr_multiplier * corr + mmc_multiplier * mmc`` per era. Statistics over eras
    (NaN eras skipped): mean, std (ddof 1), sharpe = mean/std, max drawdown of the cumulative
    sum, multiplicative max drawdown, APY, lag-1 autocorrelation, smart sharpe (sharpe
    shrunk by the autocorrelation penalty), calmar, hit rate, eras.

    Arguments are those of :func:`erascore.score`, plus:
        example_preds, example_col: example predictions for ``corr_with_example``.
        top_bottom: N of ``corr_tbN`` / ``mmc_tbN``.
        corr_multiplier, mmc_multiplier: weights of the payout score.
        out: a folder to write what the CLI writes (per_era.parquet, per_era.csv,
            summary.json, report.html, summary.png), all files or none.

    Returns:
        ``Diagnostics(per_era, summary, not_computed)``.
    """
    given = _arguments(diagnostics, **locals())
    top_bottom = _count(top_bottom, "top_bottom", 1)
    corr_multiplier = _number(corr_multiplier, "corr_multiplier")
    mmc_multiplier = _number(mmc_multiplier, "mmc_multiplier")
    call = _inputs(given, "diagnostics")
    result = _rs.diagnostics_frames(
        call.tables,
        call.options,
        top_bottom=top_bottom,
        corr_multiplier=corr_multiplier,
        mmc_multiplier=mmc_multiplier,
        out=os.fspath(out) if out is not None else None,
        progress=_progress_bar(progress),
    )
    _warn(result["warnings"])
    return _diagnostics(result)


def _diagnostics(result: dict) -> Diagnostics:
    """``Diagnostics`` from the dict the binding returns."""
    # Columns arrive as numpy arrays (numbers) and lists (names), as DataFrame takes them.
    per_era = pd.DataFrame(result["per_era"])
    summary = pd.DataFrame(result["summary"])
    if "eras" in summary:
        summary["eras"] = summary["eras"].astype("int64")
    return Diagnostics(per_era, summary, list(result["not_computed"]))


class Payout(NamedTuple):
    """What ``erascore.payout`` returns."""

    trajectory: pd.DataFrame
    """One row per (model, round): at_risk, score, payout_fraction, payout, stake."""
    summary: pd.DataFrame
    """One row per model: rounds, stake0, final_stake, total_return, max_drawdown,
    burn_share, rounds_at_cap_up, rounds_at_cap_down."""
    skipped: dict
    """Model -> rounds left out for a NaN score (``nan="skip"``)."""
    bootstrap: Optional[pd.DataFrame] = None
    """With ``bootstrap=N``: one row per model, what ``erascore payout --bootstrap`` prints
    and writes to ``--json``: trajectories, block, ``final_stake_p05`` ... ``_p95``,
    ``max_drawdown_p05`` ... ``_p95``, p_final_below_start."""
    fan: Optional[pd.DataFrame] = None
    """With ``bootstrap=N``: one row per (model, step) of the stake path (step 0 the start,
    step k after the k-th round's payout, ``round`` its label): the bootstrapped stakes'
    quantiles p05, p25, p50, p75, p95 and the realised stake ``actual``, the fan chart of
    ``erascore payout --bootstrap --chart``."""

    def plot(self) -> Any:
        """A matplotlib figure: every model's stake round by round, overlaid; after a
        bootstrap, the fan chart instead (one axis per model: the 5-95% and 25-75% bands,
        the median and the realised stake)."""
        from erascore._plots import plot_fan, plot_payout

        if self.fan is not None:
            return plot_fan(self.fan)
        return plot_payout(self.trajectory)


def _labels(column: pd.Series) -> list:
    """A round or model column as text, a missing cell as "" (which the payout crate
    refuses, naming the row's model or round), never "nan" or a float."""
    return column.astype(str).where(column.notna(), "").tolist()


def payout(
    scores: pd.DataFrame,
    stake: Optional[float] = None,
    stakes: Optional[Union[dict, pd.DataFrame, pd.Series]] = None,
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
    bootstrap: Optional[int] = None,
    block: Optional[int] = None,
    seed: Optional[int] = None,
) -> Payout:
    """Stake trajectories under a payout rule, as ``erascore payout`` simulates them.

    Each round ``t``: ``score_t = corr_multiplier * corr_t + mmc_multiplier * mmc_t``,
    ``payout_t = at_risk_t * clip(payout_factor * score_t, -cap, +cap)``; a payout joins
    the stake at risk ``resolve_lag`` rounds later; stakes compound and never go below 0.

    Arguments:
        scores: one row per (round, model) with the score columns, e.g. the output of
            :func:`erascore.score` or the ``per_era`` frame of :func:`erascore.diagnostics`.
        stake: starting stake of every model (NMR); or ``stakes``: per model, as a dict,
            a Series indexed by model, or a DataFrame with ``model`` and ``stake`` columns.
        rule: weekly-2021, daily-2023, 2024, signals-2024, signals-2025, crypto or custom.
        corr_col, mmc_col: the two score columns (default: the rule's, e.g. corr and mmc).
        round_col: the round order (default ``round`` if present, else ``era``).
        model_col: the model column (a frame without one is one model called "model").
        target: keep rows whose ``target`` column is this (needed when there are several).
        corr_multiplier, mmc_multiplier, cap, resolve_lag, threshold: override the rule's.
        payout_factor: a fixed factor for every round; or ``total_at_risk``: factor
            ``min(1, threshold / total_at_risk)``. Default 1.
        nan: a NaN score skips its round (``skip``), counts as 0 (``zero``) or raises.
        bootstrap: a circular block bootstrap of this many trajectories per model, as
            ``erascore payout --bootstrap N``; ``block``: rounds per block (default 10),
            ``seed``: its seed (default 0); the same seed gives the CLI's numbers.

    Returns:
        ``Payout(trajectory, summary, skipped, bootstrap, fan)``; ``bootstrap`` and ``fan``
        are None without ``bootstrap=``.
    """
    if stake is None and stakes is None:
        raise ArgumentError("give stake= (every model's starting stake) or stakes= (per model)")
    if stake is not None and stakes is not None:
        # As the CLI's --stake and --stakes: one would silently win.
        raise ArgumentError("give stake= or stakes=, not both")
    if not isinstance(scores, pd.DataFrame):
        if hasattr(scores, "to_pandas"):  # polars, pyarrow
            scores = scores.to_pandas()
        else:
            raise ArgumentTypeError(
                f"scores=: expected a DataFrame (pandas, polars or pyarrow), got"
                f" {type(scores).__name__}"
            )
    if resolve_lag is not None:
        resolve_lag = _count(resolve_lag, "resolve_lag", 0)
    # Only the types here: the defaults and limits are the payout crate's, as for the CLI.
    bootstrap, block, seed = (
        None if v is None else _count(v, name, 0)
        for v, name in ((bootstrap, "bootstrap"), (block, "block"), (seed, "seed"))
    )
    try:
        default_corr, default_mmc = _rs.payout_score_columns(rule)
    except ValueError as e:
        raise ArgumentError(f"rule=: {e}") from None
    corr_col = corr_col or default_corr
    mmc_col = mmc_col or default_mmc
    frame = scores
    _refuse_repeated_columns(frame, "scores=")
    if "target" in frame.columns:
        found = sorted(map(str, frame["target"].unique()))
        if target is not None:
            frame = frame[frame["target"] == target]
            if frame.empty:
                raise ArgumentError(
                    f"target=: no rows with target '{target}' in scores= (targets: {', '.join(found)})"
                )
        elif len(found) > 1:
            raise ArgumentError(
                f"scores=: scores for several targets ({', '.join(found)}); choose one with target="
            )
    elif target is not None:
        raise ArgumentError("target=: given, but scores= has no 'target' column")
    if round_col is None:
        round_col = next((c for c in ("round", "era") if c in frame.columns), None)
        if round_col is None:
            raise ArgumentError(
                f"scores=: no 'round' or 'era' column (columns: {', '.join(map(str, frame.columns))});"
                " name one with round_col="
            )
    rounds = _labels(frame[round_col])
    if model_col in frame.columns:
        models = _labels(frame[model_col])
    elif model_col != "model":
        raise ArgumentError(
            f"model_col=: scores= has no column '{model_col}'"
            f" (columns: {', '.join(map(str, frame.columns))})"
        )
    else:
        models = ["model"] * len(rounds)
    if stakes is None:
        stake0 = _number(stake, "stake")
        if not (np.isfinite(stake0) and stake0 >= 0):
            raise ArgumentError(f"stake=: must be a finite number >= 0, got {stake0}")
        stake_map = {m: stake0 for m in set(models)}
    elif isinstance(stakes, pd.DataFrame):
        if not {"model", "stake"} <= set(stakes.columns):
            raise ArgumentError(
                "stakes=: a DataFrame of stakes needs 'model' and 'stake' columns (columns:"
                f" {', '.join(map(str, stakes.columns))})"
            )
        if stakes["model"].duplicated().any():
            twice = stakes["model"][stakes["model"].duplicated()].iloc[0]
            raise ArgumentError(f"stakes=: model '{twice}' appears more than once")
        stake_map = dict(zip(stakes["model"].astype(str), stakes["stake"].astype(float)))
    else:
        stake_map = dict(_stake_list(stakes) or [])

    def column(name: str) -> Optional[np.ndarray]:
        if name not in frame.columns:
            return None
        values = frame[name]
        try:
            return np.ascontiguousarray(values.to_numpy(dtype=np.float64))
        except (TypeError, ValueError):
            bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
            row = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
            raise DataError(
                f"scores=: column '{name}' is not numeric: {values.iloc[row]!r} in row {row}"
                f" (model '{models[row]}', round '{rounds[row]}')"
            ) from None

    result = _rs.payout_series(
        rounds, models, column(corr_col), column(mmc_col), stake_map,
        rule=rule, corr_col=corr_col, mmc_col=mmc_col,
        corr_multiplier=corr_multiplier, mmc_multiplier=mmc_multiplier, cap=cap,
        resolve_lag=resolve_lag, threshold=threshold, payout_factor=payout_factor,
        total_at_risk=total_at_risk, nan=nan, bootstrap=bootstrap, block=block, seed=seed,
    )
    boot = result.get("bootstrap")
    fan = result.get("fan")
    return Payout(
        pd.DataFrame(result["trajectory"]),
        pd.DataFrame(result["summary"]),
        dict(result["skipped"]),
        pd.DataFrame(boot) if boot is not None else None,
        pd.DataFrame(fan) if fan is not None else None,
    )


class Compare(NamedTuple):
    """What ``erascore.compare`` returns."""

    per_model: pd.DataFrame
    """One row per (config, model): mean_score, sharpe, hit_rate, stake, total_payout,
    final_stake, rank, skipped_rounds (the CLI's per_model.parquet)."""
    per_round: pd.DataFrame
    """One row per (config, round): paid, burned, net, payout_factor, top1_share,
    top10_share, gini (the CLI's per_round.parquet)."""
    summary: dict
    """The CLI's compare.json: totals per configuration and the comparison of each pair."""

    def plot(self) -> Any:
        """A matplotlib figure: each configuration's distribution of total payouts over
        the models."""
        from erascore._plots import plot_compare

        return plot_compare(self.per_model)


def _configs_arg(configs: Any) -> tuple:
    """(TOML path, JSON text) for the binding: a path names the CLI's TOML file; a list of
    dicts (or ``{"config": [...]}``) is the same document, sent as JSON."""
    import json

    if isinstance(configs, (str, os.PathLike)):
        return os.fspath(configs), None
    if isinstance(configs, dict):
        if set(configs) != {"config"}:
            raise ArgumentTypeError(
                "configs=: expected a list of configuration dicts (or {'config': [...]}), got a"
                f" dict with keys {', '.join(map(repr, configs))}; a single configuration goes"
                " in a list"
            )
        return None, json.dumps(configs)
    if isinstance(configs, (list, tuple)):
        return None, json.dumps({"config": list(configs)})
    raise TypeError(
        "configs: expected a path to the TOML file or a list of configuration dicts,"
        f" got {type(configs).__name__}"
    )


def _paths(**named: Any) -> "list[str]":
    out = []
    for what, value in named.items():
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{what}: compare reads files; expected a path, got {type(value).__name__}")
        out.append(os.fspath(value))
    return out


def _compare(result: dict) -> Compare:
    import json

    _warn(result["warnings"])
    return Compare(
        pd.DataFrame(result["per_model"]),
        pd.DataFrame(result["per_round"]),
        json.loads(result["summary"]),
    )


def compare(
    data: Union[str, os.PathLike],
    predictions: Union[str, os.PathLike],
    stakes: Union[str, os.PathLike],
    configs: Any,
    *,
    max_filtered_ratio: float = 0.2,
    target_pow15: bool = True,
    max_values: int = 150_000_000,
    out: Optional[Union[str, os.PathLike]] = None,
    benchmark: Optional[Union[str, os.PathLike]] = None,
    benchmark_col: Optional[str] = None,
    progress: Optional[bool] = None,
) -> Compare:
    """Scoring configurations compared over a whole tournament, as ``erascore compare``
    computes them (same engine, same files read and written).

    Arguments:
        data: the data parquet (id, era, the configurations' targets; features for fnc).
        predictions: predictions parquet/CSV, one column per model (and an era column).
        stakes: stakes file (CSV or parquet): model, stake (starting stakes), or round,
            model, stake (each row sets the model's stake at the start of that round), read
            as ``erascore compare --stakes`` reads it; every model needs one.
        configs: the TOML file of ``[[config]]`` tables, or the same tables as a list of
            dicts (``[{"name": "2024", "rule": "2024"}, {"name": "b", "score": "corr"}]``).
        max_filtered_ratio, target_pow15: as in :func:`erascore.score`.
        max_values: most prediction values held at once (more models: read in chunks).
        out: a folder for the CLI's files (per_model.parquet, per_round.parquet,
            compare.json, report.html), written whole or not at all.
        benchmark, benchmark_col: the benchmark file (id, an optional era, the column
            ``benchmark_col``) for configurations whose score uses ``bmc`` (the CLI's
            ``--benchmark``/``--benchmark-column``; default column: ``benchmark``, or the
            file's only numeric column).
        progress: show progress per era of each scoring pass (tqdm when installed);
            default: on a terminal or notebook. Ctrl-C stops the run after the eras in
            flight, raises KeyboardInterrupt and writes nothing.

    Returns:
        ``Compare(per_model, per_round, summary)``; ``rank`` and ``skipped_rounds`` are
        floats, as in the CLI's parquet.
    """
    args = _compare_args(data, predictions, stakes, configs, max_filtered_ratio, benchmark,
                         benchmark_col)
    result = _rs.compare_frames(
        args, target_pow15=bool(target_pow15), max_values=_count(max_values, "max_values", 1),
        out=os.fspath(out) if out is not None else None, progress=_progress_bar(progress),
    )
    return _compare(result)


def _compare_args(
    data: Any, predictions: Any, stakes: Any, configs: Any, max_filtered_ratio: Any,
    benchmark: Any, benchmark_col: Optional[str],
) -> "dict[str, Any]":
    """The binding's ``args`` of a compare (in process or over Ray): the files as paths,
    the configurations as a TOML path or JSON text, the ratio and the benchmark checked."""
    data, predictions, stakes = _paths(data=data, predictions=predictions, stakes=stakes)
    (benchmark,) = _paths(benchmark=benchmark) if benchmark is not None else (None,)
    toml_path, json_text = _configs_arg(configs)
    return dict(
        data=data, predictions=predictions, stakes=stakes, configs=toml_path,
        configs_json=json_text, max_filtered_ratio=_number(max_filtered_ratio, "max_filtered_ratio"),
        benchmark=benchmark, benchmark_col=benchmark_col,
    )
