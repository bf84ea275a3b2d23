//! `erascore.score` and `erascore.diagnostics` on whole frames: the data, predictions and
//! reference columns (meta model, benchmark, example predictions) come as file paths or as
//! objects exporting an Arrow C stream (pandas via pyarrow, polars, pyarrow), are loaded by
//! erascore-io (int8 features stay int8) and scored by the engine with the `ScoreInputs` /
//! `ScoreConfig` the CLI builds; diagnostics adds the statistics and files of
//! `erascore diagnostics` (engine::diagnostics, erascore-report). The GIL is released while Rust works; the
//! calling thread wakes every 100 ms to report progress and to let Ctrl-C cancel the run.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::RecordBatchReader;
use numpy::PyArray1;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use erascore_engine::diagnostics::summarise;
use erascore_engine::inputs::{prepare_predictions, read_predictions_like, Predictions, Reference};
use erascore_engine::metrics::Metric;
use erascore_engine::request::{
    self, ColumnRule, DiagnosticsRequest, Given, PendingReference, ResolvedScore, ScoreRequest,
};
use erascore_engine::score::{
    default_memory_budget, score_eras, score_streaming, MetaModelSource, ScoreConfig, ScoreInputs,
    ScoreReport, Streaming,
};
use erascore_engine::signals::SignalTables;
use erascore_engine::stats::{PayoutWeights, Stat};
use erascore_engine::EngineError;
use erascore_io::dataset::{
    dataset_from_batches, read_dataset_eras, read_era_names, DataKeys, Dataset, DatasetRequest,
    FeatureSelection,
};
use erascore_io::era::era_order;
use erascore_io::frame::{frame_from_batches, read_frame, Frame};
use erascore_io::output::OutputDir;
use erascore_io::stream::{open_dataset, EraWindow, FeatureReader};
use erascore_io::Strings;
use erascore_report::score_table::per_era_table;
use erascore_report::{write_diagnostics, RunInfo, OUTPUT_FILES};

pub(crate) use crate::errors::engine_err;
use crate::errors::{error, keyword, Kind};

/// Where a table comes from.
pub(crate) enum Source {
    /// A parquet (or, for predictions, CSV) file.
    Path(PathBuf),
    /// An Arrow C stream, with the name its errors use.
    Stream(RecordBatchStreamReader, PathBuf),
}

/// Takes the Arrow C stream `obj.__arrow_c_stream__()` exports.
#[allow(unsafe_code)]
fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        error(
            Kind::ArgumentType,
            "__arrow_c_stream__ did not return a PyCapsule",
        )
    })?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: a capsule named "arrow_array_stream" holds a valid, initialised
    // ArrowArrayStream (the Arrow PyCapsule interface). `from_raw` moves the stream out and
    // leaves a released one behind, so the capsule's destructor does not release it again.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast()) };
    RecordBatchStreamReader::try_new(stream)
        .map_err(|e| error(Kind::Data, format!("reading the Arrow stream: {e}")))
}

pub(crate) fn source(obj: &Bound<'_, PyAny>, label: &str) -> PyResult<Source> {
    if let Ok(path) = obj.extract::<PathBuf>() {
        return Ok(Source::Path(path));
    }
    if obj.hasattr("__arrow_c_stream__")? {
        return Ok(Source::Stream(import_stream(obj)?, PathBuf::from(label)));
    }
    Err(error(
        Kind::ArgumentType,
        format!(
            "{label}=: expected a file path or an object with __arrow_c_stream__ (pyarrow, \
             polars), got {}",
            obj.get_type().name()?
        ),
    ))
}

/// The data. A whole file is opened for streaming (its features decoded a batch of eras at
/// a time while scoring, as the CLI does); a share of a distributed job (`eras`) reads
/// features and targets only of the row groups that may hold its eras; an Arrow stream is
/// read whole.
pub(crate) fn load_dataset(
    src: Source,
    request: &DatasetRequest,
    eras: Option<&[String]>,
) -> Result<(Dataset, Option<FeatureReader>), EngineError> {
    Ok(match src {
        Source::Path(p) if eras.is_some() => (read_dataset_eras(&p, request, eras)?, None),
        Source::Path(p) => {
            let s = open_dataset(&p, request, &EraWindow::All)?;
            (s.data, Some(s.features))
        }
        Source::Stream(reader, label) => {
            let schema = reader.schema();
            (
                dataset_from_batches(&label, &schema, reader, request)?,
                None,
            )
        }
    })
}

/// The predictions: from a file, only the id, era and model columns are decoded (as the
/// CLI reads them), so a worker given a share of the models reads only those.
pub(crate) fn load_predictions(
    src: Source,
    models: Option<&[String]>,
) -> Result<Predictions, EngineError> {
    load_predictions_like(src, models, None)
}

/// [`load_predictions`] when the data's ids are read already: a file listing them in the
/// data's order keeps the data's id column, as the CLI reads it.
pub(crate) fn load_predictions_like(
    src: Source,
    models: Option<&[String]>,
    data_ids: Option<&Strings>,
) -> Result<Predictions, EngineError> {
    match src {
        Source::Path(p) => read_predictions_like(&p, models, data_ids),
        stream => Predictions::predictions(load_frame(stream)?, models),
    }
}

pub(crate) fn load_frame(src: Source) -> Result<Frame, EngineError> {
    Ok(match src {
        Source::Path(p) => read_frame(&p)?,
        Source::Stream(reader, label) => {
            let schema = reader.schema();
            frame_from_batches(&label, &schema, reader, None)?
        }
    })
}

/// The payload a cancelled run unwinds with (no panic message is printed for it).
struct Cancelled;

/// Runs the engine on a worker thread while this thread reports progress and watches for
/// Ctrl-C; a KeyboardInterrupt stops the run after the eras in flight.
fn score_cancellable(
    py: Python<'_>,
    inputs: &ScoreInputs<'_>,
    config: &ScoreConfig,
    streamed: Option<(&FeatureReader, DataKeys)>,
    only: Option<&[String]>,
    progress: Option<Py<PyAny>>,
) -> PyResult<ScoreReport> {
    let eras = only.map_or(inputs.data.era_names.len(), <[String]>::len);
    let (features, keys) = streamed.unzip();
    let streaming = features.map(|features| Streaming {
        features,
        memory_budget: default_memory_budget(),
        threads: rayon::current_num_threads(),
        era_window: false,
        // The extension allocates with the system allocator, which unmaps large blocks
        // when they are freed.
        release_freed: None,
    });
    run_cancellable(py, eras, progress, |on_era| {
        match &streaming {
            Some(s) => score_streaming(inputs, config, s, keys, on_era),
            None => score_eras(inputs, config, only, on_era),
        }
        .map_err(engine_err)
    })
}

/// Runs `work` (an engine call that calls its argument once per finished era) on a worker
/// thread, the GIL released, while this thread calls `progress(done, total)` and watches
/// for Ctrl-C: a KeyboardInterrupt makes the next era's call unwind, so the run stops after
/// the eras in flight and the interrupt is raised. Every job Python runs goes through here
/// (score, diagnostics, compare), so each one can be interrupted the same way.
pub(crate) fn run_cancellable<T: Send>(
    py: Python<'_>,
    total: usize,
    progress: Option<Py<PyAny>>,
    work: impl FnOnce(&(dyn Fn() + Sync)) -> PyResult<T> + Send,
) -> PyResult<T> {
    let done = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    py.detach(|| {
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel::<()>();
            let worker = s.spawn(|| {
                let result = catch_unwind(AssertUnwindSafe(|| {
                    let on_era = || {
                        if cancel.load(Ordering::Relaxed) {
                            resume_unwind(Box::new(Cancelled));
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    };
                    work(&on_era)
                }));
                drop(tx);
                result
            });
            let mut interrupted: Option<PyErr> = None;
            let mut reported = usize::MAX;
            loop {
                let finished = !matches!(
                    rx.recv_timeout(Duration::from_millis(100)),
                    Err(mpsc::RecvTimeoutError::Timeout)
                );
                let now = done.load(Ordering::Relaxed);
                let checked = Python::attach(|py| -> PyResult<()> {
                    if let Some(cb) = &progress {
                        if now != reported {
                            cb.call1(py, (now.min(total), total))?;
                        }
                    }
                    py.check_signals()
                });
                reported = now;
                if let Err(e) = checked {
                    if interrupted.is_none() {
                        cancel.store(true, Ordering::Relaxed);
                        interrupted = Some(e);
                    }
                }
                if finished {
                    break;
                }
            }
            let result = worker.join();
            if let Some(e) = interrupted {
                return Err(e);
            }
            match result {
                Ok(Ok(out)) => out,
                _ => Err(PyRuntimeError::new_err(
                    "erascore: the scoring thread panicked",
                )),
            }
        })
    })
}

/// A reference column (meta model, benchmark, example predictions) to load: its table and
/// the engine's rule for its column.
pub(crate) type ReferenceSource = Option<(Source, ColumnRule)>;

/// The table of a reference column, when given, with the engine's column rule; `rule`
/// names the column (or leaves it to the default) and the table's input.
pub(crate) fn reference(
    table: Option<&Bound<'_, PyAny>>,
    rule: ColumnRule,
) -> PyResult<ReferenceSource> {
    rule.check().map_err(engine_err)?;
    let what = keyword(rule.table);
    match table {
        Some(t) => Ok(Some((source(t, what.trim_end_matches('='))?, rule))),
        None => Ok(None),
    }
}

/// The data (and the reader of its features, for a file), the predictions and the
/// reference columns.
type Inputs<const N: usize> = (
    Dataset,
    Option<FeatureReader>,
    Predictions,
    [Option<Reference>; N],
);

/// Reads the data, the predictions and the reference columns with the GIL released.
fn load_inputs<const N: usize>(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    predictions: &Bound<'_, PyAny>,
    references: [ReferenceSource; N],
    request: &DatasetRequest,
    models: Option<Vec<String>>,
    eras: Option<&[String]>,
) -> PyResult<Inputs<N>> {
    let data_src = source(data, "data")?;
    let pred_src = source(predictions, "predictions")?;
    let loaded = py.detach(|| -> Result<_, EngineError> {
        // Files other than the data decode all but their ids while the data is read, as
        // the CLI reads them (`load.rs`); tables handed over in memory are read after it.
        let (data, pending) = rayon::join(
            || load_dataset(data_src, request, eras),
            || -> Result<_, EngineError> {
                let preds = match pred_src {
                    Source::Path(p) => Ok(prepare_predictions(&p, models.as_deref())?),
                    stream => Err(stream),
                };
                let mut refs: [Option<Result<PendingReference, (Source, ColumnRule)>>; N] =
                    std::array::from_fn(|_| None);
                for (slot, r) in refs.iter_mut().zip(references) {
                    *slot = match r {
                        Some((Source::Path(p), rule)) => Some(Ok(rule.prepare(&p)?)),
                        Some(stream) => Some(Err(stream)),
                        None => None,
                    };
                }
                Ok((preds, refs))
            },
        );
        let (data, features) = data?;
        let (pending_preds, pending_refs) = pending?;
        let ids = Some(&data.ids);
        let preds = match pending_preds {
            Ok(pending) => pending.finish(ids)?,
            Err(stream) => load_predictions_like(stream, models.as_deref(), ids)?,
        };
        let mut refs: [Option<Reference>; N] = std::array::from_fn(|_| None);
        for (slot, r) in refs.iter_mut().zip(pending_refs) {
            *slot = match r {
                Some(Ok(pending)) => Some(pending.finish(ids)?),
                Some(Err((stream, rule))) => Some(rule.from_frame(load_frame(stream)?)?),
                None => None,
            };
        }
        Ok((data, features, preds, refs))
    });
    loaded.map_err(engine_err)
}

/// Reference tables as Python gives them (a table or path, or None) with the engine's
/// column rules: the meta model, benchmark and example predictions of `score_frames` and
/// `diagnostics_frames`.
fn reference_sources<const N: usize>(
    given: [(Option<&Bound<'_, PyAny>>, ColumnRule); N],
) -> PyResult<[ReferenceSource; N]> {
    let mut out: [ReferenceSource; N] = std::array::from_fn(|_| None);
    for (slot, (table, rule)) in out.iter_mut().zip(given) {
        *slot = reference(table, rule)?;
    }
    Ok(out)
}

/// The era loop over loaded inputs (data, features, predictions, and the meta model,
/// benchmark and example columns), one home for `score_frames` and `diagnostics_frames`:
/// the stakes and the meta model by the engine's rules, the Signals tables the metrics
/// read, the features streamed a batch of eras at a time. Returns the report and whether
/// a meta model was scored against.
fn score_loaded(
    py: Python<'_>,
    (data, features, preds, [meta, bench, example]): &mut Inputs<3>,
    stakes: Option<Vec<(String, f64)>>,
    signal_sources: SignalSources,
    config: &ScoreConfig,
    eras: Option<&[String]>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(ScoreReport, bool)> {
    let signal_tables = read_signal_tables(py, &config.metrics, signal_sources)?;
    let (stakes, meta_model) = stakes_and_meta_model(stakes, preds, meta.as_ref())?;
    let with_meta = meta_model.is_some();
    let streamed = features.as_ref().map(|f| (f, data.take_keys()));
    let inputs = ScoreInputs {
        data,
        predictions: preds,
        meta_model,
        benchmark: bench.as_ref(),
        example: example.as_ref(),
        signals: signal_tables.inputs(&config.metrics, stakes),
    };
    let report = score_cancellable(py, &inputs, config, streamed, eras, progress)?;
    Ok((report, with_meta))
}

/// The Signals inputs' sources: neutralizers, sample weights, earlier submissions.
type SignalSources = (Option<Source>, Option<Source>, Vec<Source>);

fn signal_sources(
    neutralizers: Option<&Bound<'_, PyAny>>,
    sample_weights: Option<&Bound<'_, PyAny>>,
    previous: Option<Vec<Bound<'_, PyAny>>>,
) -> PyResult<SignalSources> {
    Ok((
        neutralizers
            .map(|t| source(t, "neutralizers"))
            .transpose()?,
        sample_weights
            .map(|t| source(t, "sample_weights"))
            .transpose()?,
        previous
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, t)| source(t, &format!("previous[{i}]")))
            .collect::<PyResult<Vec<_>>>()?,
    ))
}

/// The tables of an `erascore.score` / `erascore.diagnostics` call, a dict keyed by
/// `erascore._frames.TABLES` (the Python keyword names): paths or Arrow tables, None where
/// not given.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Tables<'py> {
    data: Bound<'py, PyAny>,
    predictions: Bound<'py, PyAny>,
    meta_model: Option<Bound<'py, PyAny>>,
    benchmark: Option<Bound<'py, PyAny>>,
    example_preds: Option<Bound<'py, PyAny>>,
    neutralizers: Option<Bound<'py, PyAny>>,
    sample_weights: Option<Bound<'py, PyAny>>,
    previous: Option<Vec<Bound<'py, PyAny>>>,
}

/// The options of a `score` / `diagnostics` call, a dict keyed by the Python keyword names
/// (`erascore._frames._Inputs.options`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Options {
    meta_model_col: Option<String>,
    benchmark_col: Option<String>,
    example_col: Option<String>,
    targets: Vec<String>,
    features: Option<Vec<String>>,
    models: Option<Vec<String>>,
    max_filtered_ratio: f64,
    target_pow15: bool,
    stakes: Option<Vec<(String, f64)>>,
}

impl Options {
    /// Scores the loaded inputs by `metrics` under these options (targets, ratio, 1.5
    /// power, stakes): [`score_loaded`].
    fn score(
        self,
        py: Python<'_>,
        loaded: &mut Inputs<3>,
        metrics: Vec<Metric>,
        signal_sources: SignalSources,
        eras: Option<&[String]>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(ScoreReport, bool)> {
        let config = ScoreConfig {
            metrics,
            targets: self.targets,
            max_filtered_ratio: self.max_filtered_ratio,
            target_pow15: self.target_pow15,
        };
        score_loaded(
            py,
            loaded,
            self.stakes,
            signal_sources,
            &config,
            eras,
            progress,
        )
    }
}

impl<'py> Tables<'py> {
    /// Which optional inputs were given, for the engine's prerequisite rules.
    fn given(&self, stakes: bool) -> Given {
        given_inputs(
            [
                self.meta_model.as_ref(),
                self.benchmark.as_ref(),
                self.example_preds.as_ref(),
                self.neutralizers.as_ref(),
                self.sample_weights.as_ref(),
            ],
            stakes,
            self.previous.as_deref(),
        )
    }

    /// The Signals tables' sources.
    fn signal_sources(&self) -> PyResult<SignalSources> {
        signal_sources(
            self.neutralizers.as_ref(),
            self.sample_weights.as_ref(),
            self.previous.clone(),
        )
    }

    /// Reads the data, the predictions and the meta model, benchmark and example columns
    /// (named by `options`), with the GIL released.
    fn load(
        &self,
        py: Python<'py>,
        options: &mut Options,
        request: &DatasetRequest,
        eras: Option<&[String]>,
    ) -> PyResult<Inputs<3>> {
        let references = reference_sources([
            (
                self.meta_model.as_ref(),
                ColumnRule::meta_model(options.meta_model_col.take()),
            ),
            (
                self.benchmark.as_ref(),
                ColumnRule::benchmark(options.benchmark_col.take()),
            ),
            (
                self.example_preds.as_ref(),
                ColumnRule::example(options.example_col.take()),
            ),
        ])?;
        let models = options.models.take();
        load_inputs(
            py,
            &self.data,
            &self.predictions,
            references,
            request,
            models,
            eras,
        )
    }
}

/// Reads the Signals tables `metrics` use, with the GIL released.
fn read_signal_tables(
    py: Python<'_>,
    metrics: &[Metric],
    sources: SignalSources,
) -> PyResult<SignalTables> {
    py.detach(|| SignalTables::read(metrics, sources, load_frame, |s| load_predictions(s, None)))
        .map_err(engine_err)
}

/// (prediction column, stake) of the staked models, and the meta model.
type StakesAndMetaModel<'r> = (Option<Vec<(usize, f64)>>, Option<MetaModelSource<'r>>);

/// The stakes of the prediction columns and the meta model, by the engine's stake rule and
/// meta-model rule (`request::column_stakes`, `request::meta_model`).
fn stakes_and_meta_model<'r>(
    stakes: Option<Vec<(String, f64)>>,
    predictions: &Predictions,
    meta: Option<&'r Reference>,
) -> PyResult<StakesAndMetaModel<'r>> {
    let stakes = stakes
        .map(|s| request::column_stakes(&s, None, predictions))
        .transpose()
        .map_err(engine_err)?;
    Ok(request::meta_model(stakes, meta))
}

/// The scores as columns: eras, models, targets, metric names, one array per metric,
/// warnings, and the eras left out for lack of target values (with those targets), which a
/// distributed driver merges for the outputs that list them.
type ScoreColumns<'py> = (
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<Bound<'py, PyArray1<f64>>>,
    Vec<String>,
    Vec<(String, Vec<String>)>,
);

/// Per-era scores of every prediction column (see `erascore.score`). `eras` scores only
/// those eras (a worker's share of a distributed job: every check spanning the data is
/// still made on all of it); `example_preds` (example predictions, and their column
/// `example_col`) enables `corr_with_example`, which `erascore diagnostics` computes.
#[pyfunction]
#[pyo3(signature = (tables, options, *, metrics, progress, eras=None))]
fn score_frames<'py>(
    py: Python<'py>,
    tables: Tables<'py>,
    mut options: Options,
    metrics: Option<Vec<String>>,
    progress: Option<Py<PyAny>>,
    eras: Option<Vec<String>>,
) -> PyResult<ScoreColumns<'py>> {
    let given = tables.given(options.stakes.is_some());
    let targets = options.targets.clone();
    let resolved = resolve_score(metrics, &targets, options.max_filtered_ratio, given)?;
    let metrics = resolved.metrics.clone();
    let signal_sources = tables.signal_sources()?;
    let request = DatasetRequest {
        features: match options.features.take() {
            _ if !resolved.features => FeatureSelection::None,
            Some(list) => FeatureSelection::Named(list),
            None => FeatureSelection::All,
        },
        targets,
    };
    let mut loaded = tables.load(py, &mut options, &request, eras.as_deref())?;
    resolved.check_features(&loaded.0).map_err(engine_err)?;
    let (report, _) = options.score(
        py,
        &mut loaded,
        metrics,
        signal_sources,
        eras.as_deref(),
        progress,
    )?;
    let (eras, model_names, target_names, names, values) =
        crate::tables::per_era_columns(py, report.rows, &report.metrics);
    Ok((
        eras,
        model_names,
        target_names,
        names,
        values,
        report.warnings,
        report.unresolved,
    ))
}

/// The output folder staged before any work, so a bad path fails fast and a failed run
/// leaves the previous folder as it was.
fn stage_out(out: Option<&Path>) -> PyResult<Option<OutputDir>> {
    out.map(|dir| OutputDir::stage(dir, &OUTPUT_FILES))
        .transpose()
        .map_err(|e| error(Kind::Argument, format!("out=: {e}")))
}

/// What diagnostics returns, from the per-era scores: every statistic, the payout score,
/// and (into `staged`) the CLI's output folder, committed whole. One home for the
/// in-process run and for the driver of a distributed one, which merges its workers'
/// per-era rows into the report the in-process run would have made.
#[allow(clippy::too_many_arguments)]
fn diagnostics_result<'py>(
    py: Python<'py>,
    report: &ScoreReport,
    weights: PayoutWeights,
    with_meta: bool,
    omitted: Vec<String>,
    staged: Option<OutputDir>,
    data_label: String,
    predictions_label: String,
) -> PyResult<Bound<'py, PyDict>> {
    let groups = summarise(report, weights, with_meta);
    if let Some(staged) = staged {
        let info = RunInfo {
            data: data_label,
            predictions: predictions_label,
            eras: groups.first().map_or(0, |g| g.eras.len()),
            omitted: omitted.clone(),
            weights,
            unresolved: report.unresolved.clone(),
        };
        py.detach(|| -> Result<(), String> {
            write_diagnostics(staged.path(), &groups, &info).map_err(|e| format!("{e:#}"))?;
            staged.commit().map_err(|e| e.to_string())
        })
        .map_err(|e| error(Kind::Data, format!("out=: {e}")))?;
    }

    let per_era = PyDict::new(py);
    let (names, columns, _) = crate::tables::to_python(py, per_era_table(&groups))?;
    for (name, column) in names.into_iter().zip(columns) {
        per_era.set_item(name, column)?;
    }

    let summary = summary_dict(py, &groups)?;
    let result = PyDict::new(py);
    result.set_item("per_era", per_era)?;
    result.set_item("summary", summary)?;
    result.set_item("not_computed", omitted)?;
    result.set_item("warnings", report.warnings.clone())?;
    Ok(result)
}

/// The engine's decisions for `erascore.score`: the metrics (`None`: the default), their
/// prerequisites, which data columns are read.
fn resolve_score(
    metrics: Option<Vec<String>>,
    targets: &[String],
    max_filtered_ratio: f64,
    given: Given,
) -> PyResult<ResolvedScore> {
    let metrics = metrics
        .map(|m| Metric::parse_list(&m.join(",")))
        .transpose()
        .map_err(engine_err)?;
    ScoreRequest {
        metrics,
        targets: targets.to_vec(),
        given,
        max_filtered_ratio,
    }
    .resolve()
    .map_err(engine_err)
}

/// For `erascore.score` and the driver of a distributed one: the engine's decisions before
/// anything is read, so a bad argument fails before any work. Returns the metrics (the
/// default when `metrics` is None), whether the data's features are read, and whether it is
/// a Signals run (the predictions' era column kept, rows matched on (era, id)).
#[pyfunction]
#[pyo3(signature = (metrics, max_filtered_ratio, *, targets, meta_model=false, benchmark=false, example=false, stakes=false, neutralizers=false, sample_weights=false, previous=false))]
#[allow(clippy::too_many_arguments)]
fn score_plan(
    metrics: Option<Vec<String>>,
    max_filtered_ratio: f64,
    targets: Vec<String>,
    meta_model: bool,
    benchmark: bool,
    example: bool,
    stakes: bool,
    neutralizers: bool,
    sample_weights: bool,
    previous: bool,
) -> PyResult<(Vec<String>, bool, bool)> {
    let given = Given {
        meta_model,
        benchmark,
        example,
        stakes,
        neutralizers,
        sample_weights,
        previous,
    };
    let r = resolve_score(metrics, &targets, max_filtered_ratio, given)?;
    Ok((
        r.metrics.iter().map(Metric::name).collect(),
        r.features,
        r.signals,
    ))
}

/// The engine's checked diagnostics request.
fn resolve_diagnostics(
    targets: &[String],
    top_bottom: usize,
    weights: PayoutWeights,
    max_filtered_ratio: f64,
    given: Given,
) -> PyResult<request::ResolvedDiagnostics> {
    DiagnosticsRequest {
        targets: targets.to_vec(),
        top_bottom,
        weights,
        max_filtered_ratio,
        given,
    }
    .resolve()
    .map_err(engine_err)
}

/// Validation diagnostics of every prediction column (see `erascore.diagnostics`): the
/// metrics `erascore diagnostics` computes from the inputs given, the payout score, every
/// statistic over eras, and (with `out`) the same output folder as the CLI, written whole or
/// not at all. Returns a dict: `per_era` (columns), `summary` (columns), `not_computed`,
/// `warnings`.
#[pyfunction]
#[pyo3(signature = (tables, options, *, top_bottom, corr_multiplier, mmc_multiplier, out, progress))]
#[allow(clippy::too_many_arguments)]
fn diagnostics_frames<'py>(
    py: Python<'py>,
    tables: Tables<'py>,
    mut options: Options,
    top_bottom: usize,
    corr_multiplier: f64,
    mmc_multiplier: f64,
    out: Option<PathBuf>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let weights = PayoutWeights {
        corr: corr_multiplier,
        mmc: mmc_multiplier,
    };
    let given = tables.given(options.stakes.is_some());
    let targets = options.targets.clone();
    let resolved = resolve_diagnostics(
        &targets,
        top_bottom,
        weights,
        options.max_filtered_ratio,
        given,
    )?;
    let sources = tables.signal_sources()?;
    let staged = stage_out(out.as_deref())?;
    let request = DatasetRequest {
        features: match options.features.take() {
            Some(list) => FeatureSelection::Named(list),
            None => FeatureSelection::All,
        },
        targets,
    };
    let mut loaded = tables.load(py, &mut options, &request, None)?;
    let (metrics, omitted) = resolved.metrics(!loaded.0.feature_names.is_empty());
    let omitted = omitted.iter().map(|m| m.render(&keyword)).collect();
    let (report, with_meta) = options.score(py, &mut loaded, metrics, sources, None, progress)?;
    let (data, _, preds, _) = &loaded;
    diagnostics_result(
        py,
        &report,
        weights,
        with_meta,
        omitted,
        staged,
        data.path.display().to_string(),
        preds.path.display().to_string(),
    )
}

/// For the driver of a distributed `diagnostics`: checks the arguments and that `out` can
/// be staged (before any work is sent out, as the in-process run does), and returns the
/// metrics the inputs allow and the note per left-out group (the engine's
/// `ResolvedDiagnostics::metrics`). `meta`: a meta model table is given; `stakes` (which
/// build one without it), `neutralizers`, `sample_weights` and `previous` say which Signals
/// inputs were given.
#[pyfunction]
#[pyo3(signature = (*, targets, top_bottom, corr_multiplier, mmc_multiplier, max_filtered_ratio, out, meta, benchmark, example, features, neutralizers=false, stakes=false, previous=false, sample_weights=false))]
#[allow(clippy::too_many_arguments)]
fn diagnostics_plan(
    targets: Vec<String>,
    top_bottom: usize,
    corr_multiplier: f64,
    mmc_multiplier: f64,
    max_filtered_ratio: f64,
    out: Option<PathBuf>,
    meta: bool,
    benchmark: bool,
    example: bool,
    features: bool,
    neutralizers: bool,
    stakes: bool,
    previous: bool,
    sample_weights: bool,
) -> PyResult<(Vec<String>, Vec<String>)> {
    let weights = PayoutWeights {
        corr: corr_multiplier,
        mmc: mmc_multiplier,
    };
    let given = Given {
        meta_model: meta,
        benchmark,
        example,
        stakes,
        neutralizers,
        sample_weights,
        previous,
    };
    let resolved = resolve_diagnostics(&targets, top_bottom, weights, max_filtered_ratio, given)?;
    // Staged and dropped (which removes the staging folder): the folder is staged again,
    // and written, once every share has come back.
    drop(stage_out(out.as_deref())?);
    let (metrics, omitted) = resolved.metrics(features);
    Ok((
        metrics.iter().map(Metric::name).collect(),
        omitted.iter().map(|m| m.render(&keyword)).collect(),
    ))
}

/// For the driver of a distributed `diagnostics`: the result of `diagnostics_frames` from
/// the merged per-era rows (in the order the in-process engine makes them: era, target,
/// model), the run's labels and the merged eras without target values.
#[pyfunction]
#[pyo3(signature = (eras, models, targets, metric_names, values, warnings, *, corr_multiplier, mmc_multiplier, with_meta, omitted, out, data_label, predictions_label, unresolved=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn diagnostics_from_scores<'py>(
    py: Python<'py>,
    eras: Vec<String>,
    models: Vec<String>,
    targets: Vec<String>,
    metric_names: Vec<String>,
    values: Vec<numpy::PyReadonlyArray1<'py, f64>>,
    warnings: Vec<String>,
    corr_multiplier: f64,
    mmc_multiplier: f64,
    with_meta: bool,
    omitted: Vec<String>,
    out: Option<PathBuf>,
    data_label: String,
    predictions_label: String,
    unresolved: Vec<(String, Vec<String>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let metrics = metric_names
        .iter()
        .map(|m| Metric::parse(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(engine_err)?;
    let rows = crate::tables::rows_from_columns(eras, models, targets, &values, metrics.len())?;
    let staged = stage_out(out.as_deref())?;
    let report = ScoreReport {
        metrics,
        rows,
        warnings,
        unresolved,
    };
    let weights = PayoutWeights {
        corr: corr_multiplier,
        mmc: mmc_multiplier,
    };
    diagnostics_result(
        py,
        &report,
        weights,
        with_meta,
        omitted,
        staged,
        data_label,
        predictions_label,
    )
}

/// The eras of the data in the order every command scores them (`era_order`): a
/// distributed job splits this list into shares.
#[pyfunction]
fn data_eras(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let src = source(data, "data")?;
    // A file: its era column alone. A table: the dataset reader (ids and eras only).
    let names = py
        .detach(|| match src {
            Source::Path(p) => Ok(read_era_names(&p)?),
            stream => Ok(load_dataset(stream, &DatasetRequest::default(), Some(&[]))?
                .0
                .era_names),
        })
        .map_err(engine_err)?;
    Ok(era_order(&names)
        .into_iter()
        .map(|i| names[i].clone())
        .collect())
}

/// For the driver of a distributed `score` or `diagnostics`: the shares' warnings and eras
/// without target values (one `(warnings, unresolved)` pair per share, in share order) as
/// one run reports them, with one warning naming every era left out.
#[pyfunction]
fn merge_share_warnings(
    shares: Vec<erascore_engine::score::ShareWarnings>,
    targets: usize,
) -> erascore_engine::score::ShareWarnings {
    erascore_engine::score::merge_share_warnings(&shares, targets)
}

/// Column names of a parquet file (the Python glue picks default metrics from them).
#[pyfunction]
fn parquet_columns(path: PathBuf) -> PyResult<Vec<String>> {
    erascore_io::dataset::parquet_column_names(Path::new(&path)).map_err(|e| engine_err(e.into()))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(score_frames, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostics_frames, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostics_plan, m)?)?;
    m.add_function(wrap_pyfunction!(score_plan, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostics_from_scores, m)?)?;
    m.add_function(wrap_pyfunction!(data_eras, m)?)?;
    m.add_function(wrap_pyfunction!(merge_share_warnings, m)?)?;
    m.add_function(wrap_pyfunction!(parquet_columns, m)?)?;
    Ok(())
}

/// The statistics over eras as a dict of columns: `model, target, metric` and one column
/// per statistic, one row per (model, target, metric) series; the `summary` of
/// `erascore.diagnostics` and of `Evaluator.summary`.
pub(crate) fn summary_dict<'py>(
    py: Python<'py>,
    groups: &[erascore_engine::diagnostics::ModelTarget],
) -> PyResult<Bound<'py, PyDict>> {
    let series = || {
        groups
            .iter()
            .flat_map(|g| g.metrics.iter().map(move |m| (g, m)))
    };
    let summary = PyDict::new(py);
    summary.set_item(
        "model",
        series().map(|(g, _)| g.model.clone()).collect::<Vec<_>>(),
    )?;
    summary.set_item(
        "target",
        series().map(|(g, _)| g.target.clone()).collect::<Vec<_>>(),
    )?;
    summary.set_item(
        "metric",
        series().map(|(_, m)| m.name.clone()).collect::<Vec<_>>(),
    )?;
    for stat in Stat::ALL {
        let values: Vec<f64> = series()
            .map(|(_, m)| match stat {
                Stat::Eras => m.stats.eras as f64,
                _ => m.stats.get(stat),
            })
            .collect();
        summary.set_item(stat.name(), PyArray1::from_vec(py, values))?;
    }
    Ok(summary)
}

/// Which optional inputs a call gave, for the engine's prerequisite rules: `optional` is
/// meta model, benchmark, example, neutralizers and sample weights; an empty list of
/// previous predictions gives none.
fn given_inputs(
    optional: [Option<&Bound<'_, PyAny>>; 5],
    stakes: bool,
    previous: Option<&[Bound<'_, PyAny>]>,
) -> Given {
    let [meta_model, benchmark, example, neutralizers, sample_weights] =
        optional.map(|o| o.is_some());
    Given {
        meta_model,
        benchmark,
        example,
        stakes,
        neutralizers,
        sample_weights,
        previous: previous.is_some_and(|p| !p.is_empty()),
    }
}
