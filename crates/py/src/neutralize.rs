//! `erascore.neutralize`: the engine's `neutralize` job (engine::neutralize, the one
//! `erascore neutralize` runs) on files or Arrow tables, over every era in one call. The
//! data file is opened for streaming as `erascore.score` opens it; the GIL is released
//! while Rust works.

use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use erascore_engine::inputs::RowTable;
use erascore_engine::neutralize::{neutralize, NeutralizeInputs, NeutralizeRequest, RequestError};
use erascore_engine::score::{default_memory_budget, Streaming};
use erascore_engine::EngineError;
use erascore_io::dataset::{DatasetRequest, FeatureSelection};

use crate::errors::{error, keyword, Kind};
use crate::frames::{engine_err, load_dataset, load_frame, load_predictions, source};

fn request_err(e: RequestError) -> PyErr {
    let kind = if e.is_data() {
        Kind::Data
    } else {
        Kind::Argument
    };
    error(kind, e.message().render(&keyword))
}

/// Ids, the era of each row, the output column names, one array per column, warnings.
type NeutralizedColumns<'py> = (
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<Bound<'py, PyArray1<f64>>>,
    Vec<String>,
);

/// Every model's predictions neutralized era by era (see `erascore.neutralize`):
/// `features` names the data's feature columns to neutralize against (default: every
/// `feature_*` column) unless `neutralizers` (a table keyed by (era,) id) is given.
#[pyfunction]
#[pyo3(signature = (data, predictions, *, proportion, features=None, neutralizers=None, models=None, submission=false, model=None))]
#[allow(clippy::too_many_arguments)]
fn neutralize_frames<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    predictions: &Bound<'py, PyAny>,
    proportion: f64,
    features: Option<Vec<String>>,
    neutralizers: Option<&Bound<'py, PyAny>>,
    models: Option<Vec<String>>,
    submission: bool,
    model: Option<String>,
) -> PyResult<NeutralizedColumns<'py>> {
    let request = NeutralizeRequest {
        proportion,
        submission,
        model,
    };
    request.check().map_err(request_err)?;
    if neutralizers.is_some() && features.is_some() {
        return Err(PyValueError::new_err(
            "features: neutralize against the data's features or a neutralizers table, not both",
        ));
    }
    let dataset_request = DatasetRequest {
        features: match (&neutralizers, features) {
            (Some(_), _) => FeatureSelection::None,
            (None, Some(list)) => FeatureSelection::Named(list),
            (None, None) => FeatureSelection::All,
        },
        targets: Vec::new(),
    };
    let data_src = source(data, "data")?;
    let pred_src = source(predictions, "predictions")?;
    let neut_src = neutralizers
        .map(|n| source(n, "neutralizers"))
        .transpose()?;
    let (mut dataset, reader, preds, table) = py
        .detach(|| -> Result<_, EngineError> {
            let (dataset, reader) = load_dataset(data_src, &dataset_request, None)?;
            let preds = load_predictions(pred_src, models.as_deref())?;
            let table = neut_src
                .map(|s| RowTable::from_frame(load_frame(s)?, None, "neutralizers"))
                .transpose()?;
            Ok((dataset, reader, preds, table))
        })
        .map_err(engine_err)?;
    let resolved = request.resolve(&preds).map_err(request_err)?;
    let keys = reader.as_ref().map(|_| dataset.take_keys());
    let streaming = reader.as_ref().map(|features| Streaming {
        features,
        memory_budget: default_memory_budget(),
        threads: rayon::current_num_threads(),
        era_window: false,
        release_freed: None,
    });
    let result = py
        .detach(|| {
            neutralize(
                NeutralizeInputs {
                    data: &dataset,
                    predictions: &preds,
                    neutralizers: table.as_ref(),
                },
                &resolved,
                streaming.as_ref(),
                keys,
                &|| {},
            )
        })
        .map_err(engine_err)?;
    let eras = result.row_eras().into_iter().map(str::to_string).collect();
    let values = result
        .values
        .into_iter()
        .map(|v| PyArray1::from_vec(py, v))
        .collect();
    Ok((result.ids, eras, result.columns, values, result.warnings))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(neutralize_frames, m)?)?;
    Ok(())
}
