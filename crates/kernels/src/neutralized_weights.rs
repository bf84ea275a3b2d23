//! Signals portfolio weights: numerai-tools 0.7.2 `generate_neutralized_weights`.
//!
//! Each prediction column `p` is tie-kept ranked, gaussianized and raised to the signed 1.5
//! power (`s' = tie_kept_rank__gaussianize__pow_1_5(p)`, the transform of CORR), then
//!
//! ```text
//! weights = (s' − N (Nᵀ (w ∘ s'))) ∘ w
//! ```
//!
//! with `N` the neutralizers (rows × factors, no intercept, used as given: this is a
//! projection only when Numerai's risk-model columns are orthonormal under the sample
//! weights, and numerai-tools does not check that) and `w` the sample weights. With
//! [`WeightScaling::CenterAndNormalize`] (numerai-tools' `center_and_normalize=True`, used for
//! turnover) each column is then centred and divided by the sum of its absolute values, so
//! it is a dollar-neutral portfolio with gross exposure 1.
//!
//! numerai-tools asserts that predictions, neutralizers and sample weights hold no NaN; here
//! those are [`KernelError::NanInput`]. Inputs are one era's rows, aligned (row `i` of every
//! argument is the same ticker) and in id order, which is how numerai-tools sees them after
//! `filter_sort_index_many`.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef};

use crate::corr::rank_gaussian_pow_into;
use crate::matrix::{ColumnData, ColumnMatrix};
use crate::nan::{first_nan, has_nan};
use crate::scratch::Scratch;
use crate::target::pairwise_sum;
use crate::{KernelError, Parallelism};

/// What to do with the weights after neutralizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightScaling {
    /// `(s' − N Nᵀ(w ∘ s')) ∘ w` as is (what `alpha` and MPC use).
    #[default]
    Raw,
    /// Then centre each column and divide it by its absolute sum (`center_and_normalize`).
    CenterAndNormalize,
}

/// `generate_neutralized_weights` of one prediction column. `predictions` and
/// `sample_weights` have `neutralizers.rows()` values.
pub fn generate_neutralized_weights(
    predictions: &[f64],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    scaling: WeightScaling,
) -> Result<Vec<f64>, KernelError> {
    let mut out =
        generate_neutralized_weights_many(&[predictions], neutralizers, sample_weights, scaling)?;
    Ok(out.pop().unwrap_or_default())
}

/// [`generate_neutralized_weights`] of several prediction columns: the neutralizer products
/// are two matrix products over all columns at once.
pub fn generate_neutralized_weights_many(
    predictions: &[&[f64]],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    scaling: WeightScaling,
) -> Result<Vec<Vec<f64>>, KernelError> {
    generate_neutralized_weights_many_par(
        predictions,
        neutralizers,
        sample_weights,
        scaling,
        Parallelism::Sequential,
    )
}

/// [`generate_neutralized_weights_many`] on the threads `par` allows: the columns are ranked
/// and finished in parallel, the products split by columns (the same numbers).
pub fn generate_neutralized_weights_many_par(
    predictions: &[&[f64]],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    scaling: WeightScaling,
    par: Parallelism,
) -> Result<Vec<Vec<f64>>, KernelError> {
    let (weights, _) = neutralized_map(predictions, neutralizers, sample_weights, par, |s, f| {
        let mut w: Vec<f64> = s
            .iter()
            .zip(f)
            .zip(sample_weights)
            .map(|((a, b), w)| (a - b) * w)
            .collect();
        if scaling == WeightScaling::CenterAndNormalize {
            center_and_normalize_in_place(&mut w);
        }
        w
    })?;
    Ok(weights)
}

/// `finish(s', N Nᵀ(w ∘ s'))` for every prediction column: the raw weights are
/// `(s' − N Nᵀ(w ∘ s')) ∘ w`, and a caller that only reduces them (alpha) does so without
/// storing them. `finish` may overwrite `s'` (MPC forms the weights there); the buffer of
/// all the columns' `s'` (column-major, this thread's scratch) is returned with the results.
pub(crate) fn neutralized_map<R: Send>(
    predictions: &[&[f64]],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    par: Parallelism,
    finish: impl Fn(&mut [f64], &[f64]) -> R + Sync + Send,
) -> Result<(Vec<R>, Scratch<f64>), KernelError> {
    let n = neutralizers.rows();
    let m = predictions.len();
    if predictions.iter().any(|p| p.len() != n) || sample_weights.len() != n {
        // The checks in numerai-tools' order name the first problem.
        check_inputs(predictions, neutralizers, sample_weights)?;
    }
    // Ranking reads every prediction and says which column holds a NaN, so the predictions
    // are not scanned twice; on any failure the checks run in order first, so the error is
    // the one they would give.
    let mut powered = Scratch::<f64>::take(n * m);
    if let Err(e) = rank_gaussian_pow_into(predictions, &mut powered, par) {
        check_inputs(predictions, neutralizers, sample_weights)?;
        return Err(e);
    }
    check_inputs(&[], neutralizers, sample_weights)?;
    // (w ∘ s') of every column side by side, column-major n × m. The n × m buffers come
    // from this thread's pool: fresh ones fault in every page.
    let mut weighted = Scratch::<f64>::take(n * m);
    let columns = crate::columns(&powered, n, m);
    par.zip_columns_init(
        &mut weighted,
        n,
        &columns,
        || (),
        |_, dst, s| {
            for ((d, a), w) in dst.iter_mut().zip(*s).zip(sample_weights) {
                *d = a * w;
            }
        },
    );
    drop(columns);
    let fitted = project(neutralizers, &weighted, m, par);
    drop(weighted);
    let fitted_columns = crate::columns(&fitted, n, m);
    let out = par.zip_columns_init(
        &mut powered,
        n,
        &fitted_columns,
        || (),
        |_, s, f| finish(s, f),
    );
    drop(fitted_columns);
    Ok((out, powered))
}

/// Neutralizer columns handled per GEMM: int8 features are widened this many at a time
/// (never the whole matrix), float64 columns are used in place.
const PROJECT_BLOCK: usize = 64;

/// `N (Nᵀ Y)` for `Y` column-major `n × m` (`n = N.rows()`), as two GEMMs per block of
/// neutralizer columns, `Σ_b N_b (N_bᵀ Y)`: numerai-tools' `neutralizers @ (neutralizers.T @
/// y)`, in the same association.
fn project(neutralizers: &ColumnMatrix, y: &[f64], m: usize, par: Parallelism) -> Scratch<f64> {
    let (n, k) = (neutralizers.rows(), neutralizers.cols());
    let mut fitted = Scratch::<f64>::take(n * m);
    if n == 0 || m == 0 || k == 0 {
        fitted.fill(0.0);
        return fitted;
    }
    let ym = MatRef::from_column_major_slice(y, n, m);
    let width = PROJECT_BLOCK.min(k);
    let mut widened = match neutralizers.data() {
        ColumnData::I8(_) => vec![0.0; n * width],
        ColumnData::F64(_) => Vec::new(),
    };
    let mut exposures = vec![0.0; width * m];
    for start in (0..k).step_by(width) {
        let cols = width.min(k - start);
        let block: &[f64] = match neutralizers.data() {
            ColumnData::F64(d) => &d[start * n..(start + cols) * n],
            ColumnData::I8(_) => {
                for j in 0..cols {
                    neutralizers.col_widen_into(start + j, &mut widened[j * n..(j + 1) * n]);
                }
                &widened[..cols * n]
            }
        };
        let xb = MatRef::from_column_major_slice(block, n, cols);
        let mut e = MatMut::from_column_major_slice_mut(&mut exposures[..cols * m], cols, m);
        matmul(
            e.as_mut(),
            Accum::Replace,
            xb.transpose(),
            ym,
            1.0,
            par.faer_for(m),
        );
        matmul(
            MatMut::from_column_major_slice_mut(&mut fitted, n, m),
            // The pool's buffer is stale: the first block overwrites it.
            if start == 0 {
                Accum::Replace
            } else {
                Accum::Add
            },
            xb,
            e.as_ref(),
            1.0,
            par.faer_for(m),
        );
    }
    fitted
}

/// A target must have one value per neutralizer row.
pub(crate) fn check_target_len(
    neutralizers: &ColumnMatrix,
    target_len: usize,
) -> Result<(), KernelError> {
    if target_len == neutralizers.rows() {
        Ok(())
    } else {
        Err(KernelError::LengthMismatch {
            left: target_len,
            right: neutralizers.rows(),
        })
    }
}

/// numerai-tools `weight_normalize(center(w))`: subtract the mean, divide by the sum of
/// absolute values (a constant column becomes NaN, as in pandas).
pub fn center_and_normalize_in_place(w: &mut [f64]) {
    if w.is_empty() {
        return;
    }
    let mean = pairwise_sum(w) / w.len() as f64;
    for v in w.iter_mut() {
        *v -= mean;
    }
    let abs: Vec<f64> = w.iter().map(|v| v.abs()).collect();
    let gross = pairwise_sum(&abs);
    for v in w.iter_mut() {
        *v /= gross;
    }
}

/// numerai-tools' input asserts, in its order: each prediction column's length and NaN,
/// then the sample weights', then NaN in the neutralizers.
fn check_inputs(
    predictions: &[&[f64]],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
) -> Result<(), KernelError> {
    let n = neutralizers.rows();
    for p in predictions {
        if p.len() != n {
            return Err(KernelError::LengthMismatch {
                left: p.len(),
                right: n,
            });
        }
        first_nan(p, "predictions")?;
    }
    if sample_weights.len() != n {
        return Err(KernelError::LengthMismatch {
            left: sample_weights.len(),
            right: n,
        });
    }
    first_nan(sample_weights, "sample weights")?;
    if let ColumnData::F64(d) = neutralizers.data() {
        if has_nan(d) {
            let i = d.iter().position(|v| v.is_nan()).unwrap_or(0);
            return Err(KernelError::NanInput {
                what: "neutralizers".into(),
                row: i % n.max(1),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corr::rank_gaussian_pow;

    fn matrix(rows: usize, cols: Vec<Vec<f64>>) -> ColumnMatrix {
        let k = cols.len();
        ColumnMatrix::new(rows, k, ColumnData::F64(cols.concat())).unwrap()
    }

    #[test]
    fn no_neutralizers_leaves_the_weighted_signal() {
        let p = [0.3, 0.1, 0.7, 0.5];
        let w = [1.0, 2.0, 0.5, 1.0];
        let n = ColumnMatrix::new(4, 0, ColumnData::F64(vec![])).unwrap();
        let got = generate_neutralized_weights(&p, &n, &w, WeightScaling::Raw).unwrap();
        let s = rank_gaussian_pow(&p).unwrap();
        let want: Vec<f64> = s.iter().zip(&w).map(|(a, b)| a * b).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn orthonormal_neutralizer_is_projected_out() {
        // One unit-norm column u, unit weights: result is s' - u (u . s'), orthogonal to u.
        let u = [0.5, 0.5, -0.5, -0.5];
        let p = [0.9, 0.2, 0.4, 0.1];
        let got = generate_neutralized_weights(
            &p,
            &matrix(4, vec![u.to_vec()]),
            &[1.0; 4],
            WeightScaling::Raw,
        )
        .unwrap();
        let dot: f64 = got.iter().zip(&u).map(|(a, b)| a * b).sum();
        assert!(dot.abs() < 1e-15, "{dot}");
    }

    #[test]
    fn center_and_normalize_gives_unit_gross_and_zero_mean() {
        let p = [0.3, 0.1, 0.7, 0.5, 0.2];
        let n = matrix(5, vec![vec![1.0, 0.0, 1.0, 0.0, 1.0]]);
        let got = generate_neutralized_weights(
            &p,
            &n,
            &[1.0, 0.5, 1.0, 2.0, 1.0],
            WeightScaling::CenterAndNormalize,
        )
        .unwrap();
        assert!(got.iter().sum::<f64>().abs() < 1e-15);
        assert!((got.iter().map(|v| v.abs()).sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn input_errors_come_in_numerai_tools_order() {
        // Ranking finds a NaN in the predictions itself; the error must still be the one
        // the checks in order give: the first column's NaN before a later column's length
        // or NaN, and before NaN in the sample weights or the neutralizers.
        let n = matrix(4, vec![vec![1.0, f64::NAN, 0.0, 0.5]]);
        let weights = [1.0, f64::NAN, 1.0, 1.0];
        let good = [0.1, 0.2, 0.3, 0.4];
        let nan_at_2 = [0.1, 0.2, f64::NAN, 0.4];
        let short = [0.1, 0.2];
        let err = |cols: &[&[f64]], w: &[f64]| {
            generate_neutralized_weights_many(cols, &n, w, WeightScaling::Raw).unwrap_err()
        };
        let nan_pred = KernelError::NanInput {
            what: "predictions".into(),
            row: 2,
        };
        assert_eq!(err(&[&good, &nan_at_2, &short], &weights), nan_pred);
        assert_eq!(err(&[&nan_at_2, &short], &[1.0; 4]), nan_pred);
        assert_eq!(
            err(&[&good, &short, &nan_at_2], &weights),
            KernelError::LengthMismatch { left: 2, right: 4 }
        );
        assert_eq!(
            err(&[&good, &good], &weights),
            KernelError::NanInput {
                what: "sample weights".into(),
                row: 1
            }
        );
        assert_eq!(
            err(&[&good], &[1.0; 4]),
            KernelError::NanInput {
                what: "neutralizers".into(),
                row: 1
            }
        );
    }

    #[test]
    fn nan_inputs_are_named() {
        let n = matrix(3, vec![vec![1.0, f64::NAN, 0.0]]);
        let err = generate_neutralized_weights(&[0.1, 0.2, 0.3], &n, &[1.0; 3], WeightScaling::Raw)
            .unwrap_err();
        assert_eq!(
            err,
            KernelError::NanInput {
                what: "neutralizers".into(),
                row: 1
            }
        );
        let n = matrix(3, vec![vec![1.0, 0.0, 0.0]]);
        let err = generate_neutralized_weights(
            &[0.1, 0.2, 0.3],
            &n,
            &[1.0, 1.0, f64::NAN],
            WeightScaling::Raw,
        )
        .unwrap_err();
        assert_eq!(
            err,
            KernelError::NanInput {
                what: "sample weights".into(),
                row: 2
            }
        );
        assert!(matches!(
            generate_neutralized_weights(&[0.1, f64::NAN, 0.3], &n, &[1.0; 3], WeightScaling::Raw),
            Err(KernelError::NanInput { row: 1, .. })
        ));
    }
}
