"""``erascore.ray``: ``score``, ``diagnostics`` and ``compare`` over a Ray cluster.

Same arguments and same results as ``erascore.score`` / ``.diagnostics`` / ``.compare``,
plus the cluster to run on. The work is split into shares of eras (and of models, when
there are many); each share is one Ray task that calls the Rust engine with the GIL
released. Inputs given as paths are read by the workers themselves (features and targets
only from the row groups that hold the share's eras); in-memory tables are put into the
object store once. The shares' rows are merged, in the engine's order, into exactly the
frame the single-machine call returns.

Every check that spans the whole data (ids matched, repeated or in two eras, the 20%
overlap rule) is made by every share on all rows, so a bad input fails the job with the
single-machine exception and message; Ray retries a share whose worker died
(``max_retries``).

The Signals inputs (neutralizers, sample weights, earlier submissions, stakes) go to every
share whole: each share matches them to all rows (the same checks) and scores its eras.
A Signals run is split by eras only (see ``_shares``).
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from erascore import _erascore as _rs
from erascore import _frames

Table = _frames.Table

#: Columns of a predictions table that are never models (the engine's NON_MODEL_COLUMNS).
_KEY_COLUMNS = ("id", "era", "data_type", "__index_level_0__")
#: Models per share when ``models_per_task`` is not given and there are more than this.
_MODELS_PER_TASK = 500


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("erascore.ray needs Ray: pip install 'ray>=2.9'") from e
    return ray


def _connect(address: Optional[str]) -> Any:
    """The Ray module, connected: an existing connection is used as it is; otherwise
    ``ray.init(address)`` (``None``: a running cluster named by RAY_ADDRESS, else a new
    local one)."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    return ray


def _cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _chunks(items: Sequence[Any], size: int) -> List[List[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _model_names(predictions: Any, models: Optional[Sequence[str]]) -> Optional[List[Any]]:
    """The model columns a job scores, when the driver can tell without reading values:
    ``models``, or a parquet file's / an Arrow table's non-key columns. ``None``: leave the
    choice to the engine (one share of models)."""
    if models is not None:
        models = list(models)
        # A repeated name is refused by the engine; keep it in one share so it still is.
        return models if len(set(models)) == len(models) else None
    if isinstance(predictions, str):
        try:
            names = _rs.parquet_columns(predictions)
        except ValueError:
            return None  # the workers raise the reader's error
    else:
        names = list(predictions.column_names)
    return [n for n in names if n not in _KEY_COLUMNS]


def _put(ray: Any, table: Any) -> Any:
    """A path as it is (the workers read it); an in-memory table into the object store
    once (workers on the node map it without a copy). A list (the earlier submissions):
    one object when any of it is in memory; an empty one is ``None``."""
    if isinstance(table, list):
        if not table:
            return None
        if all(isinstance(t, str) for t in table):
            return table
    elif table is None or isinstance(table, str):
        return table
    return ray.put(table)


def _worker_threads() -> None:
    """One rayon thread per CPU Ray gave the task (the engine's pool is built on first use,
    from RAYON_NUM_THREADS): without it every worker would start a thread per core of the
    node, and the node would be oversubscribed."""
    if "RAYON_NUM_THREADS" not in os.environ:
        try:
            import ray

            context: Any = ray.get_runtime_context()
            cpus = context.get_assigned_resources().get("CPU", 1)
        except Exception:  # pragma: no cover - outside a task
            cpus = 1
        os.environ["RAYON_NUM_THREADS"] = str(max(1, int(math.ceil(cpus))))


def _in_driver_dir(cwd: str) -> None:
    """Relative paths name files from the driver's working directory (and errors name
    them as given): tasks run there when it exists on the worker's node."""
    if os.path.isdir(cwd) and os.getcwd() != cwd:
        os.chdir(cwd)


def _score_share(*args: Any) -> Tuple[Any, ...]:
    """One share: the engine on ``eras`` (and ``models``), every whole-data check made.
    ``args``: the tables in the binding's order (``_frames.TABLES``), then the options of
    ``score_frames``, the share's eras and models, and the driver's working directory."""
    *tables, options, eras, models, cwd = args
    _worker_threads()
    _in_driver_dir(cwd)
    options = {**options, "models": models}
    metrics = options.pop("metrics")
    return _rs.score_frames(
        dict(zip(_frames.TABLES, tables)), options, metrics=metrics, eras=eras, progress=None,
    )


def _run_shares(
    ray: Any,
    tables: Tuple[Any, ...],
    kwargs: Dict[str, Any],
    era_shares: List[List[Any]],
    model_shares: List[Optional[List[Any]]],
    max_retries: int,
    progress: Optional[Callable[[int, int], None]],
) -> List[Tuple[Any, ...]]:
    """Runs every (era share, model share) task; returns their results in share order
    (era share major)."""
    remote = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(_score_share)
    refs = tuple(_put(ray, t) for t in tables)
    cwd = os.getcwd()
    tasks = []
    sizes = []
    for eras in era_shares:
        for models in model_shares:
            tasks.append(remote.remote(*refs, kwargs, eras, models, cwd))
            sizes.append(len(eras))
    total = sum(sizes)
    done = [0]

    def finished(k: int) -> None:
        done[0] += sizes[k]
        if progress is not None:
            progress(done[0], total)

    return _gather(ray, tasks, finished)


def _drain(ray: Any, pending: Dict[str, Any]) -> None:
    """Cancels the shares still running (a share in Rust sees the cancellation within
    100 ms) and collects their outcomes, so Ray does not log them as unhandled errors.
    Shares that have finished are not cancelled: in Ray 2.60 a cancellation that crosses
    a finished task's reply can abort the driver (a failed check in its task manager; seen
    when every share fails at once, as on bad inputs; ray-project/ray#54846 is that class)."""
    refs = list(pending)
    _, running = ray.wait(refs, num_returns=len(refs), timeout=0)
    for ref in running:
        ray.cancel(ref)
    for ref in refs:
        try:
            ray.get(ref, timeout=10)
        except Exception:
            pass


def _merge(
    parts: List[Tuple[Any, ...]], targets: Sequence[str], model_order: Optional[Sequence[str]], split_models: bool
) -> Tuple[Any, ...]:
    """The shares' columns as one engine report: rows by era, then target, then model (the
    engine's order), and the warnings as one run gives them (each once, one naming every
    era without target values)."""
    eras: List[Any] = []
    models: List[Any] = []
    tgts: List[Any] = []
    names = parts[0][3] if parts else []
    values: List[List[Any]] = [[] for _ in names]
    for e, m, t, _, v, _, _ in parts:
        eras.extend(e)
        models.extend(m)
        tgts.extend(t)
        for out, column in zip(values, v):
            out.append(np.asarray(column))
    warnings, unresolved = _rs.merge_share_warnings([(p[5], p[6]) for p in parts], len(targets))
    columns = [np.concatenate(v) if v else np.empty(0) for v in values]
    if split_models and model_order is not None and eras:
        # Shares of models of one era share come back one after the other: interleave them
        # as the engine does (era, target, model). Eras are already in order across shares.
        era_rank = pd.factorize(pd.Series(eras), sort=False)[0]
        target_rank = pd.Index(list(targets)).get_indexer(tgts)
        model_rank = pd.Index(list(model_order)).get_indexer(models)
        order = np.lexsort((model_rank, target_rank, era_rank))
        eras = [eras[k] for k in order]
        models = [models[k] for k in order]
        tgts = [tgts[k] for k in order]
        columns = [c[order] for c in columns]
    return eras, models, tgts, list(names), columns, warnings, unresolved


def _shares(
    ray: Any,
    data: Any,
    predictions: Any,
    models: Optional[Sequence[str]],
    eras_per_task: Optional[int],
    models_per_task: Optional[int],
    signals: bool = False,
) -> Tuple[List[List[Any]], List[Optional[List[Any]]], Optional[List[Any]]]:
    """Era shares (contiguous runs of the engine's era order) and model shares. A Signals
    run (``signals``: a Signals input or metric) has one model share: stakes build the
    meta model and the meta portfolio of mpc from every staked model of an era (and each
    share checks that every staked model has predictions), and alpha, mpc and turnover
    neutralize all models of an era in one matrix product, whose last bits depend on the
    models in it."""
    eras = _rs.data_eras(data)
    if eras_per_task is None:
        eras_per_task = max(1, math.ceil(len(eras) / _cluster_cpus(ray)))
    if eras_per_task < 1:
        raise ValueError(f"eras_per_task must be at least 1, got {eras_per_task}")
    era_shares = _chunks(eras, int(eras_per_task)) or [[]]
    names = _model_names(predictions, models)
    if models_per_task is not None and models_per_task < 1:
        raise ValueError(f"models_per_task must be at least 1, got {models_per_task}")
    per = models_per_task if models_per_task is not None else _MODELS_PER_TASK
    if names is None or len(names) <= per or signals:
        model_shares: List[Optional[List[Any]]] = [list(models) if models is not None else None]
    else:
        model_shares = [*_chunks(names, int(per))]
    return era_shares, model_shares, names


def _score_over_cluster(
    ray: Any,
    call: _frames._Inputs,
    metrics: Any,
    eras_per_task: Optional[int],
    models_per_task: Optional[int],
    max_retries: int,
    progress: Optional[bool],
) -> Tuple[Any, ...]:
    """The per-era scores of a checked ``score`` / ``diagnostics`` call with ``metrics``:
    split into shares of eras (and models), run as tasks and merged as one engine report
    (see :func:`_merge`)."""
    tables, options = call.tables, call.options
    era_shares, model_shares, names = _shares(
        ray, tables["data"], tables["predictions"], options["models"], eras_per_task,
        models_per_task, call.signals or options["stakes"] is not None,
    )
    parts = _run_shares(
        ray, tuple(tables.values()), {**options, "metrics": metrics}, era_shares,
        model_shares, max_retries, _frames._progress_bar(progress),
    )
    return _merge(parts, options["targets"], names, len(model_shares) > 1)


@_frames._takes_arguments_of(_frames.score)
def score(
    data: Table,
    predictions: Table,
    meta_model: Optional[Table] = None,
    *,
    address: Optional[str] = None,
    eras_per_task: Optional[int] = None,
    models_per_task: Optional[int] = None,
    max_retries: int = 3,
    **arguments: Any,
) -> pd.DataFrame:
    """:func:`erascore.score` over a Ray cluster: the same frame, row for row.

    Arguments are those of :func:`erascore.score`, plus:
        address: the cluster (``ray.init(address)``); ignored when Ray is already
            initialised in this process, whose connection is used. ``None``: RAY_ADDRESS
            or a new local cluster.
        eras_per_task: eras per task (default: the eras spread evenly, one task per CPU
            of the cluster).
        models_per_task: models per task (default: all models in each task up to 500,
            else shares of 500; a Signals run, with any Signals input or metric, is
            split by eras only: every task holds every model).
        max_retries: how often Ray reruns a task whose worker died.

    The Signals inputs (``neutralizers``, ``sample_weights``, ``previous``, ``stakes``) are
    those of :func:`erascore.score`; their tables go into the object store once and every
    task reads them whole.
    """
    given = _frames._arguments(_frames.score, data, predictions, meta_model, **arguments)
    _frames._check_layout(given["layout"])
    ray = _connect(address)
    call = _frames._inputs(given, "score")
    eras, model_col, target_col, metric_names, values, warnings, _ = _score_over_cluster(
        ray, call, call.metrics, eras_per_task, models_per_task, max_retries, given["progress"]
    )
    _frames._warn(warnings)
    return _frames._score_frame(eras, model_col, target_col, metric_names, values, given["layout"])


def _label(table: Any, what: str) -> str:
    """How the engine names an input in outputs: a path as given, else ``what``."""
    return table if isinstance(table, str) else what


def _has_features(data: Any, features: Optional[Sequence[str]]) -> bool:
    if features is not None:
        return len(list(features)) > 0
    if isinstance(data, str):
        names = _rs.parquet_columns(data)
    else:
        names = data.column_names
    return any(str(n).startswith("feature_") for n in names)


@_frames._takes_arguments_of(_frames.diagnostics)
def diagnostics(
    data: Table,
    predictions: Table,
    meta_model: Optional[Table] = None,
    *,
    address: Optional[str] = None,
    eras_per_task: Optional[int] = None,
    models_per_task: Optional[int] = None,
    max_retries: int = 3,
    **arguments: Any,
) -> _frames.Diagnostics:
    """:func:`erascore.diagnostics` over a Ray cluster: the same per-era table, summary and
    output folder.

    The per-era metrics are computed in shares of eras (and models) as in :func:`score`;
    the statistics over eras (which depend on the whole ordered series: drawdowns,
    autocorrelation) are computed once, by the driver, from the merged per-era rows, by
    the same code as the single-machine run. ``out`` is checked before any task starts and
    written only by the driver, staged and swapped in whole once everything succeeded.
    The Signals inputs are those of :func:`erascore.diagnostics`, shared as in
    :func:`score`. Extra arguments: see :func:`score`.
    """
    given = _frames._arguments(_frames.diagnostics, data, predictions, meta_model, **arguments)
    ray = _connect(address)
    top_bottom = _frames._count(given["top_bottom"], "top_bottom", 1)
    corr_multiplier = _frames._number(given["corr_multiplier"], "corr_multiplier")
    mmc_multiplier = _frames._number(given["mmc_multiplier"], "mmc_multiplier")
    call = _frames._inputs(given, "diagnostics")
    tables, options = call.tables, call.options
    stakes = options["stakes"]
    # Stakes alone build the meta model, as in the single-machine run.
    with_meta = tables["meta_model"] is not None or stakes is not None
    out = given["out"]
    out_path = os.fspath(out) if out is not None else None
    metrics, omitted = _rs.diagnostics_plan(
        targets=options["targets"], top_bottom=top_bottom, corr_multiplier=corr_multiplier,
        mmc_multiplier=mmc_multiplier, max_filtered_ratio=options["max_filtered_ratio"],
        out=out_path, meta=tables["meta_model"] is not None,
        benchmark=tables["benchmark"] is not None, example=tables["example_preds"] is not None,
        features=_has_features(tables["data"], options["features"]),
        neutralizers=tables["neutralizers"] is not None, stakes=stakes is not None,
        previous=bool(tables["previous"]), sample_weights=tables["sample_weights"] is not None,
    )
    eras, model_col, target_col, metric_names, values, warnings, unresolved = _score_over_cluster(
        ray, call, metrics, eras_per_task, models_per_task, max_retries, given["progress"]
    )
    result = _rs.diagnostics_from_scores(
        eras, model_col, target_col, metric_names, [np.asarray(v, dtype=np.float64) for v in values],
        warnings, corr_multiplier=float(corr_multiplier), mmc_multiplier=float(mmc_multiplier),
        with_meta=with_meta, omitted=omitted, out=out_path,
        data_label=_label(tables["data"], "data"),
        predictions_label=_label(tables["predictions"], "predictions"),
        unresolved=unresolved,
    )
    _frames._warn(result["warnings"])
    return _frames._diagnostics(result)


def _compare_share(
    args: Dict[str, Any], kwargs: Dict[str, Any], eras: List[Any], cwd: str,
) -> Dict[str, Any]:
    """One share of a compare: every model under every configuration over ``eras``."""
    _worker_threads()
    _in_driver_dir(cwd)
    return _rs.compare_share(args, eras=eras, **kwargs)


@_frames._takes_arguments_of(_frames.compare)
def compare(
    data: Union[str, os.PathLike[str]],
    predictions: Union[str, os.PathLike[str]],
    stakes: Union[str, os.PathLike[str]],
    configs: Any,
    *,
    address: Optional[str] = None,
    eras_per_task: Optional[int] = None,
    max_retries: int = 3,
    **arguments: Any,
) -> _frames.Compare:
    """:func:`erascore.compare` over a Ray cluster: the same tables and compare.json.

    Partitioned by eras only. A share scores every model of its eras under every
    configuration: an era's meta model needs every staked model of that era, and it is
    built inside the share (the engine's own model chunks, ``max_values``, bound the
    memory of a task). Payouts compound over rounds and the tournament aggregates span all
    models, so the driver simulates them once from the shares' scores joined in era order
    (models × rounds per configuration: 8 bytes per value), by the same code as the
    single-machine run. ``out`` is written by the driver only, staged. A share reads the
    whole ``benchmark`` file (its rows are matched to the share's eras). ``progress``
    counts the eras of the shares finished. Extra arguments: see :func:`score`.
    """
    given = _frames._arguments(_frames.compare, data, predictions, stakes, configs, **arguments)
    max_filtered_ratio, target_pow15, max_values = (
        given["max_filtered_ratio"], given["target_pow15"], given["max_values"])
    out, benchmark, benchmark_col = given["out"], given["benchmark"], given["benchmark_col"]
    ray = _connect(address)
    args = _frames._compare_args(data, predictions, stakes, configs, max_filtered_ratio,
                                 benchmark, benchmark_col)
    out_path = os.fspath(out) if out is not None else None
    eras, _ = _rs.compare_plan(args, out=out_path)
    if eras_per_task is None:
        eras_per_task = max(1, math.ceil(len(eras) / _cluster_cpus(ray)))
    if eras_per_task < 1:
        raise ValueError(f"eras_per_task must be at least 1, got {eras_per_task}")
    shares = _chunks(eras, int(eras_per_task)) or [[]]
    kwargs = dict(target_pow15=bool(target_pow15), max_values=int(max_values), data_eras=eras)
    remote = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(_compare_share)
    cwd = os.getcwd()
    refs = [remote.remote(args, kwargs, s, cwd) for s in shares]
    progress = _frames._progress_bar(given["progress"])
    done = [0]

    def finished(k: int) -> None:
        done[0] += len(shares[k])
        if progress is not None:
            progress(done[0], len(eras))

    parts = _gather(ray, refs, finished)
    rounds: List[Any] = []
    warnings: List[Any] = []
    for p in parts:
        rounds.extend(p["rounds"])
        for w in p["warnings"]:
            if w not in warnings:
                warnings.append(w)
    n_configs = len(parts[0]["first"])

    def joined(key: str, c: int) -> Optional[npt.NDArray[np.float64]]:
        blocks = [p[key][c] for p in parts]
        if blocks[0] is None:
            return None
        return np.ascontiguousarray(np.concatenate(blocks, axis=1))

    result = _rs.compare_from_scores(
        args["predictions"], args["stakes"], args["configs"], args["configs_json"], rounds,
        # every configuration has a first score; only some a second
        [cast(npt.NDArray[np.float64], joined("first", c)) for c in range(n_configs)],
        [joined("second", c) for c in range(n_configs)],
        warnings, max(p["chunks"] for p in parts), out=out_path, data_eras=eras,
    )
    return _frames._compare(result)


def _gather(ray: Any, refs: List[Any], finished: Optional[Callable[[int], None]] = None) -> List[Any]:
    """The results of ``refs`` in order; the first failure cancels the rest and is raised
    as the engine raised it (type and message), not wrapped in Ray's error."""
    pending = {r: k for k, r in enumerate(refs)}
    results: Dict[int, Any] = {}
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                k = pending.pop(ref)
                results[k] = ray.get(ref)
                if finished is not None:
                    finished(k)
    except ray.exceptions.RayTaskError as e:
        _drain(ray, pending)
        if isinstance(e.cause, BaseException):
            raise e.cause from None
        raise
    except BaseException:
        _drain(ray, pending)
        raise
    return [results[k] for k in range(len(refs))]
