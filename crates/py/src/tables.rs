//! The score tables as the report crate builds them for every front end
//! (`erascore_report::score_table`), handed to Python as columns for `pandas.DataFrame`:
//! `erascore.score` (long or wide), `Evaluator.score`, `erascore.ray.score` and
//! `Diagnostics.per_era` have the columns, names and order of `erascore score --out`.

use numpy::PyArray1;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyList;

use erascore_engine::metrics::Metric;
use erascore_engine::score::EraScore;
use erascore_io::frame::Values;
use erascore_report::score_table::{score_table as build, Layout, Table};

use crate::errors::{error, Kind};

/// Column names, one Python object per column (a list of str for text, a float64 array for
/// numbers), and the column that names each row on its own (a DataFrame's index).
pub(crate) type PyTable = (Vec<String>, Vec<Py<PyAny>>, Option<&'static str>);

/// A table's columns as Python objects.
pub(crate) fn to_python(py: Python<'_>, table: Table) -> PyResult<PyTable> {
    let mut names = Vec::with_capacity(table.columns.len());
    let mut columns = Vec::with_capacity(table.columns.len());
    for c in table.columns {
        columns.push(column(py, &c.values)?);
        names.push(c.name);
    }
    Ok((names, columns, table.index))
}

/// One column as pandas takes it: a list of str for text, a float64 array for numbers.
pub(crate) fn column(py: Python<'_>, values: &Values) -> PyResult<Py<PyAny>> {
    Ok(match values {
        Values::Float(v, _) => PyArray1::from_slice(py, v).into_any().unbind(),
        Values::Text(s) | Values::Integer(s) => PyList::new(py, s.iter())?.into_any().unbind(),
    })
}

/// The score table (`layout`: "long" or "wide") of per-era rows given as columns: era,
/// model and target of each row, the metric names and one array per metric (what
/// `score_frames` returns, or a distributed run's merged shares).
#[pyfunction]
fn score_table<'py>(
    py: Python<'py>,
    eras: Vec<String>,
    models: Vec<String>,
    targets: Vec<String>,
    metric_names: Vec<String>,
    values: Vec<PyReadonlyArray1<'py, f64>>,
    layout: &str,
) -> PyResult<PyTable> {
    let layout = match layout {
        "long" => Layout::Long,
        "wide" => Layout::Wide,
        other => {
            return Err(error(
                Kind::Argument,
                format!("layout=: expected 'long' or 'wide', got '{other}'"),
            ))
        }
    };
    let rows = rows_from_columns(eras, models, targets, &values, metric_names.len())?;
    to_python(py, build(&metric_names, &rows, layout))
}

/// Per-era rows from columns (era, model and target of each row, one array per metric, of
/// `metrics` metrics): what `score_frames` returns, or a distributed run's merged shares,
/// back as the engine's rows.
pub(crate) fn rows_from_columns(
    eras: Vec<String>,
    models: Vec<String>,
    targets: Vec<String>,
    values: &[PyReadonlyArray1<'_, f64>],
    metrics: usize,
) -> PyResult<Vec<EraScore>> {
    let columns: Vec<&[f64]> = values
        .iter()
        .map(|v| v.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| error(Kind::Argument, format!("values: {e}")))?;
    let n = eras.len();
    if models.len() != n
        || targets.len() != n
        || columns.len() != metrics
        || columns.iter().any(|c| c.len() != n)
    {
        return Err(error(
            Kind::Argument,
            "per-era columns: eras, models, targets and one column per metric, each with one \
             value per row",
        ));
    }
    Ok(eras
        .into_iter()
        .zip(models)
        .zip(targets)
        .enumerate()
        .map(|(i, ((era, model), target))| EraScore {
            era,
            model,
            target,
            values: columns.iter().map(|c| c[i]).collect(),
        })
        .collect())
}

/// A score report's rows as columns: era, model and target of each row, the metric names,
/// and one float64 array per metric; what `erascore.score` and `Evaluator.score` return.
#[allow(clippy::type_complexity)]
pub(crate) fn per_era_columns<'py>(
    py: Python<'py>,
    rows: Vec<erascore_engine::score::EraScore>,
    metrics: &[Metric],
) -> (
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<Bound<'py, PyArray1<f64>>>,
) {
    let names = metrics.iter().map(Metric::name).collect();
    let values = (0..metrics.len())
        .map(|k| PyArray1::from_vec(py, rows.iter().map(|r| r.values[k]).collect()))
        .collect();
    let mut eras = Vec::with_capacity(rows.len());
    let mut model_names = Vec::with_capacity(rows.len());
    let mut target_names = Vec::with_capacity(rows.len());
    for r in rows {
        eras.push(r.era);
        model_names.push(r.model);
        target_names.push(r.target);
    }
    (eras, model_names, target_names, names, values)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(score_table, m)?)?;
    Ok(())
}
