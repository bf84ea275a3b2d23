//! `erascore.score(..., layout="wide")`: the long per-era scores pivoted by the engine's
//! `wide` layout, so the columns are named as `erascore score --layout wide` names them.

use numpy::PyArray1;
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use erascore_engine::wide::WideScores;

/// Eras, column names and one array per column.
type WideColumns<'py> = (Vec<String>, Vec<String>, Vec<Bound<'py, PyArray1<f64>>>);

/// Pivots long scores (era, model and target of each row, one array per metric) to one row
/// per era and one column per model and metric.
#[pyfunction]
fn wide_scores<'py>(
    py: Python<'py>,
    eras: Vec<String>,
    models: Vec<String>,
    targets: Vec<String>,
    metric_names: Vec<String>,
    values: Vec<PyReadonlyArray1<'py, f64>>,
) -> PyResult<WideColumns<'py>> {
    let n = eras.len();
    let columns: Vec<&[f64]> = values
        .iter()
        .map(|v| v.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| PyValueError::new_err(format!("values: {e}")))?;
    if models.len() != n
        || targets.len() != n
        || columns.len() != metric_names.len()
        || columns.iter().any(|c| c.len() != n)
    {
        return Err(PyValueError::new_err(
            "wide_scores: eras, models, targets and every metric column need one value per row",
        ));
    }
    let wide = WideScores::from_rows(
        &metric_names,
        (0..n).map(|i| {
            (
                eras[i].as_str(),
                models[i].as_str(),
                targets[i].as_str(),
                columns.iter().map(|c| c[i]).collect(),
            )
        }),
    );
    let arrays = wide
        .values
        .into_iter()
        .map(|v| PyArray1::from_vec(py, v))
        .collect();
    Ok((wide.eras, wide.columns, arrays))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wide_scores, m)?)?;
    Ok(())
}
