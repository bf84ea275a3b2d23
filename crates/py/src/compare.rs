//! `erascore.compare`: the engine of `erascore compare` in process, on the same files (data,
//! predictions and stakes as paths; configurations as the TOML file or the same document as
//! JSON), read and checked by the same code as the CLI (`erascore_engine::read::compare_configs`),
//! returning the CLI's `per_model` / `per_round` tables and `compare.json`. For a
//! distributed run, `compare_share` scores a share of the eras and `compare_from_scores`
//! simulates the payouts from the shares' scores joined in era order.

use std::path::{Path, PathBuf};

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{error, Kind};
use crate::frames::ReferenceSource;
use erascore_engine::compare::{
    compare_report_with_changes, compare_scores, era_steps, CompareConfig, CompareInputs,
    CompareReport, CompareRequest, CompareScores, Configs, ResolvedCompare, StakeChange,
};
use erascore_engine::inputs::Reference;
use erascore_engine::read::stakes::compare_models;
use erascore_engine::request::ColumnRule;
use erascore_engine::EngineError;
use erascore_io::dataset::{read_dataset_eras, Dataset};
use erascore_io::frame::Frame;
use erascore_io::output::OutputDir;
use erascore_payout::series::ModelScores;
use erascore_report::compare_files::{
    per_model_frame, per_round_frame, summary_json, write_compare, FILES,
};

fn err(e: anyhow::Error) -> PyErr {
    crate::errors::anyhow_err(&e)
}

/// What a compare run reads before the data: the configurations, the models and their
/// stakes, and the output folder staged.
struct Setup {
    configs: Vec<CompareConfig>,
    models: Vec<String>,
    stakes: Vec<(usize, f64)>,
    changes: Vec<StakeChange>,
    staged: Option<OutputDir>,
}

/// The engine's one compare request (the ratio, the configurations, the benchmark they
/// need), resolved before any work, then the output folder staged, in the CLI's order.
fn check_args(
    max_filtered_ratio: f64,
    configs: Option<&Path>,
    configs_json: Option<&str>,
    benchmark: Option<ColumnRule>,
    out: Option<&Path>,
) -> PyResult<(ResolvedCompare, Option<OutputDir>)> {
    let configs = match (configs, configs_json) {
        (Some(p), _) => Configs::File(p),
        (None, Some(text)) => Configs::Json(text),
        (None, None) => return Err(error(Kind::Argument, "configs=: no configurations given")),
    };
    let resolved = CompareRequest {
        configs,
        benchmark,
        max_filtered_ratio,
    }
    .resolve()
    .map_err(crate::errors::engine_err)?;
    let staged = out
        .map(|dir| OutputDir::stage(dir, &FILES))
        .transpose()
        .map_err(|e| PyValueError::new_err(format!("out: {e}")))?;
    Ok((resolved, staged))
}

/// The files, configurations and benchmark of a compare call, a dict keyed by these
/// names (as `erascore._frames._compare_args` builds it): `data`, `predictions`, `stakes`
/// (paths), `configs` (the TOML file) or `configs_json`, `max_filtered_ratio`, `benchmark`
/// (a table or path) and `benchmark_col`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct CompareArgs<'py> {
    data: PathBuf,
    predictions: PathBuf,
    stakes: PathBuf,
    configs: Option<PathBuf>,
    configs_json: Option<String>,
    max_filtered_ratio: f64,
    benchmark: Option<Bound<'py, PyAny>>,
    benchmark_col: Option<String>,
}

impl CompareArgs<'_> {
    /// [`check_args`] with the benchmark given as Python gives it (a table or path, and
    /// its column), whose source is returned for [`read_benchmark`].
    fn request(
        &mut self,
        out: Option<&Path>,
    ) -> PyResult<(ResolvedCompare, Option<OutputDir>, ReferenceSource)> {
        let rule = ColumnRule::benchmark(self.benchmark_col.take());
        let source = crate::frames::reference(self.benchmark.as_ref(), rule)?;
        let rule = source.as_ref().map(|(_, rule)| rule.clone());
        let (resolved, staged) = check_args(
            self.max_filtered_ratio,
            self.configs.as_deref(),
            self.configs_json.as_deref(),
            rule,
            out,
        )?;
        Ok((resolved, staged, source))
    }

    /// The checks, then the data (`share`'s eras) and benchmark read, the models and
    /// their stakes, and every model scored under every configuration: one home for the
    /// in-process compare (with `out` staged) and a distributed one's share.
    fn score(
        &mut self,
        py: Python<'_>,
        out: Option<&Path>,
        share: Share<'_>,
        target_pow15: bool,
        max_values: usize,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(Setup, CompareScores)> {
        let (resolved, staged, bench_source) = self.request(out)?;
        let eras = match share {
            Share::Whole => None,
            Share::Eras { eras, .. } => Some(eras),
        };
        let dataset = read_data(py, &self.data, &resolved, eras)?;
        let bench = read_benchmark(py, &resolved, bench_source)?;
        let in_order: Vec<String>;
        let rounds = match share {
            Share::Whole => {
                in_order = erascore_io::era::era_order(&dataset.era_names)
                    .into_iter()
                    .map(|e| dataset.era_names[e].clone())
                    .collect();
                Some(in_order.as_slice())
            }
            Share::Eras { rounds, .. } => rounds,
        };
        let setup = models_and_stakes(&self.predictions, &self.stakes, resolved, rounds, staged)?;
        let scores = run_scores(
            py,
            &dataset,
            &self.predictions,
            &setup,
            self.max_filtered_ratio,
            target_pow15,
            max_values,
            eras,
            bench.as_ref(),
            progress,
        )?;
        Ok((setup, scores))
    }
}

/// What a compare scores: every era of the data (whose eras in order are the rounds a
/// stake schedule is read against), or a share's eras, with the rounds of the whole data
/// when a schedule is read.
#[derive(Clone, Copy)]
enum Share<'a> {
    Whole,
    Eras {
        eras: &'a [String],
        rounds: Option<&'a [String]>,
    },
}

/// The models and their stakes: with `rounds` (the data's eras in order), as the CLI reads
/// them, a `round,model,stake` schedule included ([`ResolvedCompare::stakes`]: a
/// distributed run's shares and driver are given the rounds, so they read a schedule as
/// the in-process run does); without, the stakes of a `model,stake` file.
fn models_and_stakes(
    predictions: &Path,
    stakes: &Path,
    resolved: ResolvedCompare,
    rounds: Option<&[String]>,
    staged: Option<OutputDir>,
) -> PyResult<Setup> {
    let (models, stakes, changes) = match rounds {
        Some(rounds) => {
            let s = resolved.stakes(predictions, stakes, rounds).map_err(err)?;
            (s.models, s.stakes, s.changes)
        }
        None => {
            let (models, stakes) = compare_models(predictions, stakes).map_err(err)?;
            (models, stakes, Vec::new())
        }
    };
    Ok(Setup {
        configs: resolved.configs,
        models,
        stakes,
        changes,
        staged,
    })
}

fn read_data(
    py: Python<'_>,
    path: &Path,
    resolved: &ResolvedCompare,
    eras: Option<&[String]>,
) -> PyResult<Dataset> {
    let request = resolved.data();
    py.detach(|| read_dataset_eras(path, &request, eras))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Scores the eras `eras` (all when `None`) as `erascore compare` does, GIL released,
/// reporting `progress(done, total)` per era of each scoring pass and stopping at Ctrl-C as
/// `erascore.score` does.
#[allow(clippy::too_many_arguments)]
fn run_scores(
    py: Python<'_>,
    data: &Dataset,
    predictions: &Path,
    setup: &Setup,
    max_filtered_ratio: f64,
    target_pow15: bool,
    max_values: usize,
    eras: Option<&[String]>,
    benchmark: Option<&Reference>,
    progress: Option<Py<PyAny>>,
) -> PyResult<CompareScores> {
    // Chunk read errors as the CLI words them.
    let load = |m: &[String]| {
        erascore_engine::read::predictions::read(predictions, Some(m))
            .map_err(|e| EngineError::Config(format!("{e:#}")))
    };
    let inputs = CompareInputs {
        data,
        models: &setup.models,
        load: &load,
        by_era: None,
        stake_changes: &setup.changes,
        max_values,
        stakes: &setup.stakes,
        max_filtered_ratio,
        target_pow15,
        benchmark,
    };
    let total = era_steps(
        &setup.configs,
        eras.map_or(data.era_names.len(), <[String]>::len),
    );
    crate::frames::run_cancellable(py, total, progress, |on_era| {
        compare_scores(&inputs, &setup.configs, eras, on_era).map_err(|e| err(e.into()))
    })
}

fn frame_dict<'py>(py: Python<'py>, frame: &Frame) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for c in frame.columns() {
        out.set_item(&c.name, crate::tables::column(py, &c.values)?)?;
    }
    Ok(out)
}

/// The benchmark column, read (GIL released) only when a configuration scores BMC, as the
/// CLI reads it.
fn read_benchmark(
    py: Python<'_>,
    resolved: &ResolvedCompare,
    source: ReferenceSource,
) -> PyResult<Option<Reference>> {
    match source {
        Some((src, rule)) if resolved.benchmark.is_some() => Ok(Some(
            py.detach(|| match src {
                crate::frames::Source::Path(p) => rule.read(&p),
                stream => rule.from_frame(crate::frames::load_frame(stream)?),
            })
            .map_err(crate::errors::engine_err)?,
        )),
        _ => Ok(None),
    }
}

/// The payouts and aggregates of the scores (stakes compounding, a schedule's changes
/// applied), as Python takes them and, into the staged folder, the CLI's files: the end of
/// an in-process run and of a distributed run's driver.
fn finish<'py>(
    py: Python<'py>,
    mut setup: Setup,
    scores: CompareScores,
    out: Option<&Path>,
) -> PyResult<Bound<'py, PyDict>> {
    let report = compare_report_with_changes(
        &setup.models,
        &setup.stakes,
        &setup.changes,
        &setup.configs,
        scores,
    )
    .map_err(|e| err(e.into()))?;
    report_dict(py, &report, setup.staged.take(), out)
}

/// The report as Python takes it (and, into the staged folder, the CLI's files).
fn report_dict<'py>(
    py: Python<'py>,
    report: &CompareReport,
    staged: Option<OutputDir>,
    out: Option<&Path>,
) -> PyResult<Bound<'py, PyDict>> {
    if let (Some(staged), Some(out)) = (staged, out) {
        py.detach(|| -> anyhow::Result<()> {
            write_compare(staged.path(), out, report)?;
            Ok(staged.commit()?)
        })
        .map_err(|e| PyValueError::new_err(format!("out: {e:#}")))?;
    }
    let result = PyDict::new(py);
    let per_model = per_model_frame(Path::new(FILES[0]), report).map_err(err)?;
    let per_round = per_round_frame(Path::new(FILES[1]), report).map_err(err)?;
    result.set_item("per_model", frame_dict(py, &per_model)?)?;
    result.set_item("per_round", frame_dict(py, &per_round)?)?;
    result.set_item("summary", summary_json(report).to_string())?;
    result.set_item("warnings", report.warnings.clone())?;
    Ok(result)
}

/// `erascore compare` in process (see `erascore.compare`). Returns a dict: `per_model`,
/// `per_round` (columns), `summary` (compare.json as text), `warnings`.
#[pyfunction]
#[pyo3(signature = (args, *, target_pow15, max_values, out, progress=None))]
fn compare_frames<'py>(
    py: Python<'py>,
    mut args: CompareArgs<'py>,
    target_pow15: bool,
    max_values: usize,
    out: Option<PathBuf>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (setup, scores) = args.score(
        py,
        out.as_deref(),
        Share::Whole,
        target_pow15,
        max_values,
        progress,
    )?;
    finish(py, setup, scores, out.as_deref())
}

/// For the driver of a distributed compare: the checks made before any work, in the
/// in-process order (ratio, configurations, output folder staged and dropped, the data's
/// ids and eras, model columns and stakes); returns the eras in scoring order and the
/// model names.
#[pyfunction]
#[pyo3(signature = (args, *, out))]
fn compare_plan<'py>(
    py: Python<'py>,
    mut args: CompareArgs<'py>,
    out: Option<PathBuf>,
) -> PyResult<(Vec<String>, Vec<String>)> {
    let (resolved, staged, _) = args.request(out.as_deref())?;
    drop(staged);
    let names = py
        .detach(|| erascore_io::dataset::read_era_names(&args.data))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let eras: Vec<String> = erascore_io::era::era_order(&names)
        .into_iter()
        .map(|i| names[i].clone())
        .collect();
    let models =
        models_and_stakes(&args.predictions, &args.stakes, resolved, Some(&eras), None)?.models;
    Ok((eras, models))
}

/// One share of a distributed compare: the scores of every model under every
/// configuration over the eras `eras`. `data_eras` (every era of the data, in order, as
/// `compare_plan` returns them) is what a `round,model,stake` schedule is read against: the
/// meta models weigh the stakes at the start of the first round, as in process. Returns a
/// dict: `rounds`, `first` and `second` (per configuration, a models × rounds array;
/// `second` None for a one-score rule), `warnings`, `chunks`.
#[pyfunction]
#[pyo3(signature = (args, *, target_pow15, max_values, eras, data_eras=None))]
fn compare_share<'py>(
    py: Python<'py>,
    mut args: CompareArgs<'py>,
    target_pow15: bool,
    max_values: usize,
    eras: Vec<String>,
    data_eras: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    // The whole benchmark file is read: its rows are matched to the share's data rows.
    let share = Share::Eras {
        eras: &eras,
        rounds: data_eras.as_deref(),
    };
    let (setup, scores) = args.score(py, None, share, target_pow15, max_values, None)?;
    let n_rounds = scores.rounds.len();
    let first = pyo3::types::PyList::empty(py);
    let second = pyo3::types::PyList::empty(py);
    for (c, config) in setup.configs.iter().enumerate() {
        let series = &scores.series[c];
        let mut a = Vec::with_capacity(series.len() * n_rounds);
        let mut b = Vec::with_capacity(series.len() * n_rounds);
        for s in series {
            match s {
                Some(s) => {
                    a.extend_from_slice(&s.corr);
                    if let Some(m) = &s.mmc {
                        b.extend_from_slice(m);
                    }
                }
                None => return Err(PyValueError::new_err("a model was not scored")),
            }
        }
        let shape = [series.len(), n_rounds];
        first.append(PyArray1::from_vec(py, a).reshape(shape)?)?;
        if config.second.is_some() {
            second.append(PyArray1::from_vec(py, b).reshape(shape)?)?;
        } else {
            second.append(py.None())?;
        }
    }
    let result = PyDict::new(py);
    result.set_item("rounds", scores.rounds)?;
    result.set_item("first", first)?;
    result.set_item("second", second)?;
    result.set_item("warnings", scores.warnings)?;
    result.set_item("chunks", scores.chunks)?;
    Ok(result)
}

/// For the driver of a distributed compare: the payouts and aggregates from the shares'
/// scores joined in era order (`first` / `second`: per configuration, models × rounds),
/// and the CLI's files into `out`; a schedule's later stakes are read against `data_eras`
/// (as in `compare_share`). Returns what `compare_frames` returns.
#[pyfunction]
#[pyo3(signature = (predictions, stakes, configs, configs_json, rounds, first, second, warnings, chunks, *, out, data_eras=None))]
#[allow(clippy::too_many_arguments)]
fn compare_from_scores<'py>(
    py: Python<'py>,
    predictions: PathBuf,
    stakes: PathBuf,
    configs: Option<PathBuf>,
    configs_json: Option<String>,
    rounds: Vec<String>,
    first: Vec<PyReadonlyArray2<'py, f64>>,
    second: Vec<Option<PyReadonlyArray2<'py, f64>>>,
    warnings: Vec<String>,
    chunks: usize,
    out: Option<PathBuf>,
    data_eras: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    // The scores are given: the benchmark a configuration needs was the shares' to read.
    let (resolved, staged) = check_args(
        0.0,
        configs.as_deref(),
        configs_json.as_deref(),
        Some(ColumnRule::benchmark(None)),
        out.as_deref(),
    )?;
    let setup = models_and_stakes(
        &predictions,
        &stakes,
        resolved,
        data_eras.as_deref(),
        staged,
    )?;
    if first.len() != setup.configs.len() || second.len() != setup.configs.len() {
        return Err(PyValueError::new_err(
            "one score matrix per configuration expected",
        ));
    }
    let n_models = setup.models.len();
    let shape_ok = |a: &PyReadonlyArray2<'py, f64>| a.shape() == [n_models, rounds.len()];
    let mut series = Vec::with_capacity(setup.configs.len());
    for (a, b) in first.iter().zip(&second) {
        if !shape_ok(a) || b.as_ref().is_some_and(|b| !shape_ok(b)) {
            return Err(PyValueError::new_err(
                "score matrices must be models × rounds",
            ));
        }
        let a = a.as_array();
        let b = b.as_ref().map(|b| b.as_array());
        series.push(
            (0..n_models)
                .map(|m| {
                    Some(ModelScores {
                        model: setup.models[m].clone(),
                        rounds: rounds.clone(),
                        corr: a.row(m).to_vec(),
                        mmc: b.as_ref().map(|b| b.row(m).to_vec()),
                    })
                })
                .collect(),
        );
    }
    let scores = CompareScores {
        rounds,
        series,
        warnings,
        chunks,
    };
    finish(py, setup, scores, out.as_deref())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(compare_frames, m)?)?;
    m.add_function(wrap_pyfunction!(compare_plan, m)?)?;
    m.add_function(wrap_pyfunction!(compare_share, m)?)?;
    m.add_function(wrap_pyfunction!(compare_from_scores, m)?)?;
    Ok(())
}
