//! `erascore.Evaluator`: the engine's [`Evaluator`] (one validation set prepared once) as a
//! frozen Python class holding it behind an `Arc`, so that any number of Python threads
//! score with one instance, each call with the GIL released. Pickling stores the
//! constructor's arguments (a path, or the Arrow table the Python glue made of a frame) and
//! prepares again where it is unpickled: a Ray worker rebuilds its own evaluator once.

use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use erascore_engine::diagnostics::summarise;
use erascore_engine::evaluator::{Evaluator, EvaluatorConfig};
use erascore_engine::metrics::Metric;
use erascore_engine::request::{ColumnRule, Given, ScoreRequest};
use erascore_engine::score::{ScoreConfig, ScoreReport};
use erascore_engine::stats::PayoutWeights;
use erascore_engine::EngineError;
use erascore_io::dataset::{read_dataset, DatasetRequest, FeatureSelection};

use crate::errors::engine_err;
use crate::frames::{load_dataset, load_frame, reference, source, Source};

/// A validation set prepared once for scoring many prediction vectors (see
/// `erascore.Evaluator`, which wraps it).
#[pyclass(frozen, module = "erascore._erascore", name = "Evaluator")]
pub struct PyEvaluator {
    inner: Arc<Evaluator>,
    /// The constructor's arguments, for pickling.
    args: Py<PyTuple>,
}

/// The per-era table as columns: eras, models, targets, metric names, one array per
/// metric, warnings (what `score_frames` returns).
type ScoreColumns<'py> = (
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<Bound<'py, PyArray1<f64>>>,
    Vec<String>,
);

fn parse_metrics(metrics: Option<Vec<String>>) -> PyResult<Option<Vec<Metric>>> {
    metrics
        .map(|m| Metric::parse_list(&m.join(",")))
        .transpose()
        .map_err(engine_err)
}

impl PyEvaluator {
    /// Scores with the GIL released.
    fn run(
        &self,
        py: Python<'_>,
        models: Vec<String>,
        predictions: Vec<PyReadonlyArray1<'_, f64>>,
        metrics: Option<Vec<String>>,
    ) -> PyResult<ScoreReport> {
        let metrics = parse_metrics(metrics)?;
        let slices = predictions
            .iter()
            .map(|p| p.as_slice())
            .collect::<Result<Vec<&[f64]>, _>>()
            .map_err(|e| {
                crate::errors::error(
                    crate::errors::Kind::ArgumentType,
                    format!("predictions=: {e}"),
                )
            })?;
        let inner = &self.inner;
        py.detach(|| inner.score(&models, &slices, metrics.as_deref(), &|| {}))
            .map_err(engine_err)
    }
}

#[pymethods]
impl PyEvaluator {
    /// Prepares `data` (a path or an object with `__arrow_c_stream__`) with an optional
    /// meta model and benchmark table (`targets`: default `["target"]`). Every argument can
    /// be given by position, so that pickling can rebuild it.
    #[new]
    #[pyo3(signature = (data, meta_model=None, meta_model_col=None, benchmark=None, benchmark_col=None, targets=None, metrics=None, features=None, max_filtered_ratio=0.2, target_pow15=true, cache=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        meta_model: Option<Bound<'_, PyAny>>,
        meta_model_col: Option<String>,
        benchmark: Option<Bound<'_, PyAny>>,
        benchmark_col: Option<String>,
        targets: Option<Vec<String>>,
        metrics: Option<Vec<String>>,
        features: Option<Vec<String>>,
        max_filtered_ratio: f64,
        target_pow15: bool,
        cache: u64,
    ) -> PyResult<Self> {
        let targets = targets.unwrap_or_else(|| vec!["target".to_string()]);
        let args = PyTuple::new(
            py,
            [
                data.clone().into_any(),
                meta_model.clone().into_pyobject(py)?.into_any(),
                meta_model_col.clone().into_pyobject(py)?.into_any(),
                benchmark.clone().into_pyobject(py)?.into_any(),
                benchmark_col.clone().into_pyobject(py)?.into_any(),
                targets.clone().into_pyobject(py)?.into_any(),
                metrics.clone().into_pyobject(py)?.into_any(),
                features.clone().into_pyobject(py)?.into_any(),
                max_filtered_ratio.into_pyobject(py)?.into_any(),
                target_pow15.into_pyobject(py)?.to_owned().into_any(),
                cache.into_pyobject(py)?.into_any(),
            ],
        )?
        .unbind();
        let resolved = ScoreRequest {
            metrics: parse_metrics(metrics)?,
            targets: targets.clone(),
            given: Given {
                meta_model: meta_model.is_some(),
                benchmark: benchmark.is_some(),
                ..Given::default()
            },
            max_filtered_ratio,
        }
        .resolve()
        .map_err(engine_err)?;
        let request = DatasetRequest {
            features: match features {
                _ if !resolved.features => FeatureSelection::None,
                Some(list) => FeatureSelection::Named(list),
                None => FeatureSelection::All,
            },
            targets: targets.clone(),
        };
        let data_src = source(&data, "data")?;
        let meta = reference(meta_model.as_ref(), ColumnRule::meta_model(meta_model_col))?;
        let bench = reference(benchmark.as_ref(), ColumnRule::benchmark(benchmark_col))?;
        let config = EvaluatorConfig {
            score: ScoreConfig {
                metrics: resolved.metrics.clone(),
                targets,
                max_filtered_ratio,
                target_pow15,
            },
            cache_bytes: cache,
        };
        let inner = py
            .detach(|| -> Result<Evaluator, EngineError> {
                // The whole file, features included: every call reads them again.
                let data = match data_src {
                    Source::Path(p) => read_dataset(&p, &request)?,
                    stream => load_dataset(stream, &request, None)?.0,
                };
                resolved.check_features(&data)?;
                let read = |r: Option<(Source, ColumnRule)>| {
                    r.map(|(src, rule)| match src {
                        Source::Path(p) => rule.read_like(&p, Some(&data.ids)),
                        stream => rule.from_frame(load_frame(stream)?),
                    })
                    .transpose()
                };
                let meta = read(meta)?;
                let bench = read(bench)?;
                Evaluator::new(data, meta.as_ref(), bench.as_ref(), config)
            })
            .map_err(engine_err)?;
        Ok(Self {
            inner: Arc::new(inner),
            args,
        })
    }

    /// `(Evaluator, constructor arguments)`: unpickling prepares the data again.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Py<PyTuple>)> {
        let py = slf.py();
        Ok((slf.get_type().into_any(), slf.get().args.clone_ref(py)))
    }

    /// Per-era scores of `predictions` (one float64 array per model, aligned to the data's
    /// rows) with `metrics` (default: the evaluator's), as columns.
    #[pyo3(signature = (models, predictions, metrics=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        models: Vec<String>,
        predictions: Vec<PyReadonlyArray1<'py, f64>>,
        metrics: Option<Vec<String>>,
    ) -> PyResult<ScoreColumns<'py>> {
        let report = self.run(py, models, predictions, metrics)?;
        let (eras, model_names, target_names, names, values) =
            crate::tables::per_era_columns(py, report.rows, &report.metrics);
        Ok((
            eras,
            model_names,
            target_names,
            names,
            values,
            report.warnings,
        ))
    }

    /// The statistics over eras of every (model, target, metric), as columns: `model`,
    /// `target`, `metric` and one array per statistic (the `summary` of
    /// `erascore.diagnostics`), and the warnings.
    #[pyo3(signature = (models, predictions, metrics=None))]
    fn summary<'py>(
        &self,
        py: Python<'py>,
        models: Vec<String>,
        predictions: Vec<PyReadonlyArray1<'py, f64>>,
        metrics: Option<Vec<String>>,
    ) -> PyResult<(Bound<'py, PyDict>, Vec<String>)> {
        let report = self.run(py, models, predictions, metrics)?;
        // Diagnostics' default multipliers: the summary is `erascore.diagnostics`' own.
        let groups = summarise(&report, PayoutWeights::default(), false);
        let out = crate::frames::summary_dict(py, &groups)?;
        Ok((out, report.warnings))
    }

    /// Rows of the data: the length of every prediction vector.
    #[getter]
    fn rows(&self) -> usize {
        self.inner.rows()
    }

    /// The metrics a call computes unless it names others.
    #[getter]
    fn metrics(&self) -> Vec<String> {
        self.inner.metrics().iter().map(Metric::name).collect()
    }

    /// The targets.
    #[getter]
    fn targets(&self) -> Vec<String> {
        self.inner.targets().to_vec()
    }

    /// The eras scored, in era order.
    #[getter]
    fn eras(&self) -> Vec<String> {
        self.inner.eras().into_iter().map(String::from).collect()
    }

    /// (cached factorizations, bytes they take).
    #[getter]
    fn cached(&self) -> (usize, u64) {
        self.inner.cached()
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEvaluator>()
}
