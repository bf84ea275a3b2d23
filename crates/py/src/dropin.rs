//! Kernels behind `erascore.numerai_tools`: each function takes numpy arrays the Python glue
//! has already aligned (rows matched and sorted by index, NaN rows dropped where
//! numerai-tools drops them), releases the GIL and returns numpy arrays.

use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyAssertionError, PyValueError};
use pyo3::prelude::*;

use erascore_kernels::churn::{churn as churn_kernel, churn_top_bottom as churn_tb_kernel};
use erascore_kernels::contribution::{covariance_score, orthogonalize as orth, ContributionTarget};
use erascore_kernels::corr::{gaussian_rank, numerai_corr as corr, CorrTarget};
use erascore_kernels::exposure::ExposureBasis;
use erascore_kernels::gaussian::ndtri;
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::neutral_scores::neutral_contribution as neutral_mmc;
use erascore_kernels::neutral_scores::neutral_correlation as neutral_corr;
use erascore_kernels::neutral_scores::{is_explained, neutral_gaussian_rank};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::pearson::{pearson as pearson_kernel, spearman as spearman_kernel};
use erascore_kernels::rank::{percentile_rank, TieMethod};
use erascore_kernels::target::{centre_on, mean_skip_nan, Precision};
use erascore_kernels::turnover::turnover as turnover_kernel;
use erascore_kernels::KernelError;
use erascore_kernels::Parallelism;

use crate::arrays::{
    columns, out1, out2, out_columns, same_rows, vector, AnyMatrix, KernelMatrix, Matrix, Prepared,
};
use crate::kernel_err;

fn precision(target_f32: bool) -> Precision {
    if target_f32 {
        Precision::F32
    } else {
        Precision::F64
    }
}

fn tb(top_bottom: Option<i64>) -> Option<usize> {
    top_bottom.filter(|&k| k > 0).map(|k| k as usize)
}

/// The neutralizers' kernel, `None` when their rank is not clear of lstsq's cutoff
/// ([`Neutralizer::rank_is_clear`]): numpy's `lstsq` answers those, so the caller leaves
/// them to it.
fn clear_neutralizer(x: ColumnMatrix) -> Option<Neutralizer> {
    let nz = Neutralizer::with_parallelism(x, Parallelism::Pool);
    nz.rank_is_clear().then_some(nz)
}

/// The columns of `predictions`, `target` and the neutralizers of the fused neutral scores,
/// the neutralizers (called `neutralizers_name` in a mismatch) and `target` checked to have
/// the predictions' rows.
fn neutral_inputs(
    predictions: &PyReadonlyArray2<'_, f64>,
    neutralizers_name: &str,
    neutralizers: &Matrix<'_>,
    target: &PyReadonlyArray1<'_, f64>,
) -> PyResult<(Vec<Vec<f64>>, Vec<f64>, ColumnMatrix)> {
    let n = predictions.as_array().nrows();
    same_rows(neutralizers_name, neutralizers.rows(), n)?;
    let t = vector(target);
    same_rows("targets", t.len(), n)?;
    Ok((columns(predictions), t, neutralizers.to_columns()?))
}

/// `(rank - 0.5) / n` of NaN-free values; ties averaged, or broken by position with
/// `method="first"`.
#[pyfunction]
#[pyo3(signature = (values, method = "average"))]
fn rank<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    method: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let method = match method {
        "average" => TieMethod::Average,
        "first" => TieMethod::First,
        other => {
            return Err(PyValueError::new_err(format!(
                "rank method '{other}' is not a kernel method (average, first)"
            )))
        }
    };
    let v = vector(&values);
    Ok(out1(py, py.detach(|| percentile_rank(&v, method))))
}

/// The inverse standard normal CDF of each value (scipy `norm.ppf`).
#[pyfunction]
fn gaussian<'py>(py: Python<'py>, p: PyReadonlyArray1<'py, f64>) -> Bound<'py, PyArray1<f64>> {
    let v = vector(&p);
    out1(py, py.detach(|| v.into_iter().map(ndtri).collect()))
}

/// pandas' `Series.mean()` of a target in its own precision (NaN skipped).
#[pyfunction]
fn target_mean(values: PyReadonlyArray1<'_, f64>, target_f32: bool) -> f64 {
    mean_skip_nan(&vector(&values), precision(target_f32))
}

fn corr_target(
    target: &[f64],
    mean: f64,
    target_f32: bool,
    pow15: bool,
) -> Result<CorrTarget, KernelError> {
    let p = precision(target_f32);
    CorrTarget::from_centred(centre_on(target, mean, p), p, pow15)
}

/// numerai_corr of each column of `predictions` (n x k, no NaN) against `target` (n, no
/// NaN), the target centred on `target_mean` (the mean over the whole target series).
#[pyfunction]
#[pyo3(signature = (predictions, target, target_mean, target_f32, target_pow15, top_bottom = None))]
fn numerai_corr<'py>(
    py: Python<'py>,
    predictions: PyReadonlyArray2<'py, f64>,
    target: PyReadonlyArray1<'py, f64>,
    target_mean: f64,
    target_f32: bool,
    target_pow15: bool,
    top_bottom: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let cols = columns(&predictions);
    let t = vector(&target);
    let scores = py.detach(|| -> Result<Vec<f64>, KernelError> {
        let target = corr_target(&t, target_mean, target_f32, target_pow15)?;
        cols.iter()
            .map(|c| corr(c, &target, tb(top_bottom)))
            .collect()
    });
    Ok(out1(py, scores.map_err(kernel_err)?))
}

/// correlation_contribution: gaussianized ranks of each prediction column orthogonalized to
/// those of `meta_model`, covariance with the bucketed, centred target.
#[pyfunction]
#[pyo3(signature = (predictions, meta_model, target, target_f32, top_bottom = None))]
fn contribution<'py>(
    py: Python<'py>,
    predictions: PyReadonlyArray2<'py, f64>,
    meta_model: PyReadonlyArray1<'py, f64>,
    target: PyReadonlyArray1<'py, f64>,
    target_f32: bool,
    top_bottom: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let cols = columns(&predictions);
    let (m, t) = (vector(&meta_model), vector(&target));
    same_rows("meta_model", m.len(), t.len())?;
    // Duplicated ids can leave the inputs with different row counts after matching.
    same_rows("predictions", predictions.as_array().nrows(), t.len())?;
    let scores = py.detach(|| {
        let target = ContributionTarget::new(&t, precision(target_f32));
        let m = gaussian_rank(&m);
        cols.iter()
            .map(|c| covariance_score(&orth(&gaussian_rank(c), &m), &target, tb(top_bottom)))
            .collect()
    });
    Ok(out1(py, scores))
}

/// contribution_scores: covariance of already orthogonalized columns with the bucketed,
/// centred target.
#[pyfunction]
#[pyo3(signature = (neutral_preds, target, target_f32, top_bottom = None))]
fn contribution_scores<'py>(
    py: Python<'py>,
    neutral_preds: PyReadonlyArray2<'py, f64>,
    target: PyReadonlyArray1<'py, f64>,
    target_f32: bool,
    top_bottom: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let cols = columns(&neutral_preds);
    let t = vector(&target);
    if let Some(c) = cols.first() {
        same_rows("neutral_preds", c.len(), t.len())?;
    }
    let scores = py.detach(|| {
        let target = ContributionTarget::new(&t, precision(target_f32));
        cols.iter()
            .map(|c| covariance_score(c, &target, tb(top_bottom)))
            .collect()
    });
    Ok(out1(py, scores))
}

/// `values - proportion * projection onto [neutralizers 1]` for each column (least squares
/// with numpy's `rcond=1e-6`); a constant column becomes NaN. The drop-in calls it with
/// finite values only: one row and infinite values are numpy's `lstsq`'s to answer there.
/// `None` when the neutralizers' rank is not clear of lstsq's cutoff
/// ([`Neutralizer::rank_is_clear`]): numpy's `lstsq` answers those too.
#[pyfunction]
#[pyo3(signature = (values, neutralizers, proportion = 1.0))]
fn neutralize<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
    neutralizers: Matrix<'py>,
    proportion: f64,
) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
    let n = values.as_array().nrows();
    same_rows("neutralizers", neutralizers.rows(), n)?;
    let cols = columns(&values);
    let x = neutralizers.to_columns()?;
    let out = py.detach(|| {
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        clear_neutralizer(x).map(|nz| nz.neutralize_many(&refs, proportion))
    });
    out.map(|out| out2(py, n, out)).transpose()
}

/// Neutralizers or features for the kernels below, decided in one pass over `values` (a 2-D
/// array of any integer or float dtype): int8 when every value is an integer in -128..=127,
/// so float or wider integer copies of int8 features take the exact int8 path and give its
/// numbers bit for bit, without a float64 copy; otherwise float64. An int8 array, and a
/// float64 one that is not all int8 values, is returned as it is. An infinite or NaN value
/// raises numpy's `LinAlgError`, as `np.linalg.lstsq` does, or with `raise_not_finite=False`
/// returns `None` (the drop-in's fused kernels then leave such input to its step-by-step
/// path, and the one pass here is also their finiteness check). With `for_kernel=True` a
/// matrix made here (narrowed or widened) comes back as a [`KernelMatrix`], which one kernel
/// takes without copying it again.
#[pyfunction]
#[pyo3(signature = (values, raise_not_finite = true, for_kernel = false))]
fn neutralizer_matrix<'py>(
    py: Python<'py>,
    values: Bound<'py, PyAny>,
    raise_not_finite: bool,
    for_kernel: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let matrix: AnyMatrix<'py> = values.extract()?;
    let (n, k) = matrix.shape();
    match matrix.prepare(py) {
        Prepared::Made(data) if for_kernel => {
            let columns = ColumnMatrix::new(n, k, data).map_err(kernel_err)?;
            Ok(Some(Bound::new(py, KernelMatrix::new(columns))?.into_any()))
        }
        Prepared::Made(data) => Ok(Some(match data {
            ColumnData::I8(v) => out_columns(py, n, k, v)?.into_any(),
            ColumnData::F64(v) => out_columns(py, n, k, v)?.into_any(),
        })),
        Prepared::Same => Ok(Some(values)),
        Prepared::NotFinite if !raise_not_finite => Ok(None),
        Prepared::NotFinite => {
            let error = py
                .import("numpy.linalg")?
                .getattr("LinAlgError")?
                .call1(("SVD did not converge in Linear Least Squares",))?;
            Err(PyErr::from_value(error))
        }
    }
}

/// feature_neutral_corr: gaussianized ranks of each column neutralized against `features`
/// over all n rows, then numerai_corr over the rows where `target` is not NaN, the target
/// centred on `target_mean`.
#[pyfunction]
#[pyo3(signature = (predictions, features, target, target_mean, target_f32, top_bottom = None))]
fn feature_neutral_corr<'py>(
    py: Python<'py>,
    predictions: PyReadonlyArray2<'py, f64>,
    features: Matrix<'py>,
    target: PyReadonlyArray1<'py, f64>,
    target_mean: f64,
    target_f32: bool,
    top_bottom: Option<i64>,
) -> PyResult<Option<Bound<'py, PyArray1<f64>>>> {
    let n = predictions.as_array().nrows();
    let (cols, t, x) = neutral_inputs(&predictions, "features", &features, &target)?;
    let scores = py.detach(|| -> Result<Option<Vec<f64>>, KernelError> {
        let rows: Vec<usize> = (0..n).filter(|&i| !t[i].is_nan()).collect();
        let kept: Vec<f64> = rows.iter().map(|&i| t[i]).collect();
        let target = corr_target(&kept, target_mean, target_f32, true)?;
        let gauss: Vec<Vec<f64>> = cols.iter().map(|c| gaussian_rank(c)).collect();
        let refs: Vec<&[f64]> = gauss.iter().map(Vec::as_slice).collect();
        let Some(nz) = clear_neutralizer(x) else {
            return Ok(None);
        };
        let neutral = nz.neutralize_many(&refs, 1.0);
        // A column the features explain completely is scored step by step (None): its
        // residual is rounding noise, and the drop-in refuses it there, as numerai-tools
        // may (ExplainedCompletelyError).
        if neutral.iter().zip(&gauss).any(|(r, g)| is_explained(g, r)) {
            return Ok(None);
        }
        neutral
            .iter()
            .map(|neutral| {
                let sub: Vec<f64> = rows.iter().map(|&i| neutral[i]).collect();
                if sub.iter().any(|v| v.is_nan()) {
                    Ok(f64::NAN)
                } else {
                    corr(&sub, &target, tb(top_bottom))
                }
            })
            .collect::<Result<Vec<f64>, KernelError>>()
            .map(Some)
    });
    Ok(scores.map_err(kernel_err)?.map(|s| out1(py, s)))
}

/// neutral_correlation: Pearson of the target centred on `target_mean` with the neutralized
/// gaussianized ranks of each column (all inputs aligned, no NaN).
#[pyfunction]
#[pyo3(signature = (predictions, neutralizers, target, target_mean, target_f32, top_bottom = None))]
fn neutral_correlation<'py>(
    py: Python<'py>,
    predictions: PyReadonlyArray2<'py, f64>,
    neutralizers: Matrix<'py>,
    target: PyReadonlyArray1<'py, f64>,
    target_mean: f64,
    target_f32: bool,
    top_bottom: Option<i64>,
) -> PyResult<Option<Bound<'py, PyArray1<f64>>>> {
    let (cols, t, x) = neutral_inputs(&predictions, "neutralizers", &neutralizers, &target)?;
    let scores = py.detach(|| -> Result<Option<Vec<f64>>, KernelError> {
        let p = precision(target_f32);
        let centred = centre_on(&t, target_mean, p);
        let Some(nz) = clear_neutralizer(x) else {
            return Ok(None);
        };
        cols.iter()
            .map(|c| neutral_corr(c, &nz, &centred, p, tb(top_bottom)))
            .collect::<Result<Vec<f64>, KernelError>>()
            .map(Some)
    });
    Ok(scores.map_err(kernel_err)?.map(|s| out1(py, s)))
}

/// neutral_contribution: MMC after neutralizing the gaussianized ranks of each column and of
/// the meta model against the same neutralizers (all inputs aligned, no NaN).
#[pyfunction]
#[pyo3(signature = (predictions, meta_model, neutralizers, target, target_f32, top_bottom = None))]
fn neutral_contribution<'py>(
    py: Python<'py>,
    predictions: PyReadonlyArray2<'py, f64>,
    meta_model: PyReadonlyArray1<'py, f64>,
    neutralizers: Matrix<'py>,
    target: PyReadonlyArray1<'py, f64>,
    target_f32: bool,
    top_bottom: Option<i64>,
) -> PyResult<Option<Bound<'py, PyArray1<f64>>>> {
    let n = predictions.as_array().nrows();
    same_rows("neutralizers", neutralizers.rows(), n)?;
    let (m, t) = (vector(&meta_model), vector(&target));
    same_rows("meta_model", m.len(), n)?;
    same_rows("targets", t.len(), n)?;
    let cols = columns(&predictions);
    let x = neutralizers.to_columns()?;
    let scores = py.detach(|| -> Result<Option<Vec<f64>>, KernelError> {
        let target = ContributionTarget::new(&t, precision(target_f32));
        let Some(nz) = clear_neutralizer(x) else {
            return Ok(None);
        };
        let scores = cols
            .iter()
            .map(|c| neutral_mmc(c, &m, &nz, &target, tb(top_bottom)))
            .collect::<Result<Vec<f64>, KernelError>>()?;
        // NaN: a column or the meta model the neutralizers explain completely (the caller
        // takes varying predictions only), scored step by step (None), where the drop-in
        // refuses it as numerai-tools may.
        Ok((!scores.iter().any(|s| s.is_nan())).then_some(scores))
    });
    Ok(scores.map_err(kernel_err)?.map(|s| out1(py, s)))
}

/// The feature most correlated (in absolute value) with `s` and that |correlation|; `None`
/// when every feature, or `s`, is constant.
#[pyfunction]
fn max_feature_correlation(
    py: Python<'_>,
    s: PyReadonlyArray1<'_, f64>,
    features: Matrix<'_>,
) -> PyResult<Option<(usize, f64)>> {
    let v = vector(&s);
    same_rows("features", features.rows(), v.len())?;
    let x = features.to_columns()?;
    Ok(py.detach(|| ExposureBasis::new(&x).max_correlation(&v)))
}

/// Pearson correlation (NaN when either side is constant).
#[pyfunction]
fn pearson(a: PyReadonlyArray1<'_, f64>, b: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    let (a, b) = (vector(&a), vector(&b));
    same_rows("b", b.len(), a.len())?;
    Ok(pearson_kernel(&a, &b))
}

/// Spearman correlation: Pearson of the average ranks.
#[pyfunction]
fn spearman(
    py: Python<'_>,
    a: PyReadonlyArray1<'_, f64>,
    b: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    let (a, b) = (vector(&a), vector(&b));
    same_rows("b", b.len(), a.len())?;
    Ok(py.detach(|| spearman_kernel(&a, &b)))
}

/// Per column: whether the neutralizers explain it completely (the kernels' rule, which
/// scores such a column NaN), given its gaussianized ranks and its residual.
#[pyfunction]
fn explained<'py>(
    py: Python<'py>,
    gaussianized: PyReadonlyArray2<'py, f64>,
    residual: PyReadonlyArray2<'py, f64>,
) -> PyResult<Vec<bool>> {
    same_rows(
        "residual",
        residual.as_array().nrows(),
        gaussianized.as_array().nrows(),
    )?;
    let (g, r) = (columns(&gaussianized), columns(&residual));
    if r.len() != g.len() {
        return Err(PyValueError::new_err(format!(
            "residual has {} columns, expected {}",
            r.len(),
            g.len()
        )));
    }
    Ok(py.detach(|| g.iter().zip(&r).map(|(g, r)| is_explained(g, r)).collect()))
}

/// Each column of `v` minus its projection on `u`.
#[pyfunction]
fn orthogonalize<'py>(
    py: Python<'py>,
    v: PyReadonlyArray2<'py, f64>,
    u: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let n = v.as_array().nrows();
    let u = vector(&u);
    same_rows("u", u.len(), n)?;
    let cols = columns(&v);
    let out = py.detach(|| cols.iter().map(|c| orth(c, &u)).collect());
    out2(py, n, out)
}

/// Signals churn: `1 - spearman(s1, s2)` of two aligned series; a constant side raises
/// numerai-tools' `AssertionError`.
#[pyfunction]
fn churn(
    py: Python<'_>,
    s1: PyReadonlyArray1<'_, f64>,
    s2: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    let (a, b) = (vector(&s1), vector(&s2));
    same_rows("s2", b.len(), a.len())?;
    py.detach(|| churn_kernel(&a, &b)).map_err(|e| match e {
        KernelError::ZeroVariance { what } => {
            PyAssertionError::new_err(format!("{what} must have non-zero standard deviation"))
        }
        e => kernel_err(e),
    })
}

/// Signals churn with `top_bottom`: 1 minus the mean share of ids that stay among the `k`
/// highest and among the `k` lowest. Ids are integer codes the caller assigned (equal ids,
/// equal codes), each series in the order numerai-tools' stable argsort sees it.
#[pyfunction]
fn churn_top_bottom(
    py: Python<'_>,
    ids1: PyReadonlyArray1<'_, i64>,
    s1: PyReadonlyArray1<'_, f64>,
    ids2: PyReadonlyArray1<'_, i64>,
    s2: PyReadonlyArray1<'_, f64>,
    k: usize,
) -> PyResult<f64> {
    let (i1, i2) = (ids1.as_array().to_vec(), ids2.as_array().to_vec());
    let (a, b) = (vector(&s1), vector(&s2));
    same_rows("s1", a.len(), i1.len())?;
    same_rows("s2", b.len(), i2.len())?;
    py.detach(|| churn_tb_kernel(&i1, &a, &i2, &b, k))
        .map_err(kernel_err)
}

/// Signals turnover: `Σ |w1 - w2| / 2` of two aligned weight vectors.
#[pyfunction]
fn turnover(w1: PyReadonlyArray1<'_, f64>, w2: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    let (a, b) = (vector(&w1), vector(&w2));
    same_rows("w2", b.len(), a.len())?;
    turnover_kernel(&a, &b).map_err(kernel_err)
}

/// The neutral churn residual of one era's signal (aligned to its neutralizers): gaussianized
/// tie-kept ranks neutralized against them; all NaN when nothing is left (a constant signal),
/// as numerai-tools' `neutralize` leaves it; `None` when the neutralizers' rank is not clear
/// of lstsq's cutoff ([`Neutralizer::rank_is_clear`], as for `neutralize`).
#[pyfunction]
fn neutral_signal<'py>(
    py: Python<'py>,
    signal: PyReadonlyArray1<'py, f64>,
    neutralizers: Matrix<'py>,
) -> PyResult<Option<Bound<'py, PyArray1<f64>>>> {
    let s = vector(&signal);
    same_rows("neutralizers", neutralizers.rows(), s.len())?;
    let x = neutralizers.to_columns()?;
    let out = py.detach(|| {
        // The same rule as `neutralize`: where the rank is not clear of lstsq's cutoff, the
        // caller asks numpy's lstsq.
        clear_neutralizer(x)
            .map(|nz| neutral_gaussian_rank(&s, &nz).unwrap_or_else(|| vec![f64::NAN; s.len()]))
    });
    Ok(out.map(|out| out1(py, out)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rank, m)?)?;
    m.add_function(wrap_pyfunction!(gaussian, m)?)?;
    m.add_function(wrap_pyfunction!(target_mean, m)?)?;
    m.add_function(wrap_pyfunction!(numerai_corr, m)?)?;
    m.add_function(wrap_pyfunction!(contribution, m)?)?;
    m.add_function(wrap_pyfunction!(contribution_scores, m)?)?;
    m.add_function(wrap_pyfunction!(neutralize, m)?)?;
    m.add_function(wrap_pyfunction!(neutralizer_matrix, m)?)?;
    m.add_class::<KernelMatrix>()?;
    m.add_function(wrap_pyfunction!(feature_neutral_corr, m)?)?;
    m.add_function(wrap_pyfunction!(neutral_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(neutral_contribution, m)?)?;
    m.add_function(wrap_pyfunction!(max_feature_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(pearson, m)?)?;
    m.add_function(wrap_pyfunction!(spearman, m)?)?;
    m.add_function(wrap_pyfunction!(orthogonalize, m)?)?;
    m.add_function(wrap_pyfunction!(explained, m)?)?;
    m.add_function(wrap_pyfunction!(churn, m)?)?;
    m.add_function(wrap_pyfunction!(churn_top_bottom, m)?)?;
    m.add_function(wrap_pyfunction!(turnover, m)?)?;
    m.add_function(wrap_pyfunction!(neutral_signal, m)?)?;
    Ok(())
}
