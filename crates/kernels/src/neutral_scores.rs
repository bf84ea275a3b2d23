//! Scores of neutralized predictions: numerai-tools `feature_neutral_corr`,
//! `neutral_correlation` and `neutral_contribution`.
//!
//! All three first tie-kept rank and gaussianize, then neutralize against an era's
//! [`Neutralizer`]. They differ afterwards: FNC re-runs the full `numerai_corr` (re-ranking,
//! 1.5 powers); `neutral_correlation` is a plain Pearson correlation with the centred,
//! unpowered target; `neutral_contribution` also neutralizes the meta model and then scores
//! like MMC. A prediction column with zero variance neutralizes to NaN, so all three give
//! NaN for it, where numerai-tools would fail an assertion. A column the neutralizers explain
//! completely (relative residual below [`EXPLAINED_RESIDUAL`]) also gives NaN, where
//! numerai-tools scores the rounding noise of its least-squares solve.

use crate::contribution::{contribution, ContributionTarget};
use crate::corr::{gaussian_rank, numerai_corr, top_bottom_rows, CorrTarget};
use crate::neutralize::Neutralizer;
use crate::pearson::pearson;
use crate::target::{centre, Precision};
use crate::KernelError;

/// Below this relative residual norm `|r| / |g - mean(g)|` (residual `r` of the gaussianized
/// ranks `g`) the neutralizers explain a column completely: what is left is rounding error of
/// the least-squares solve (1e-16 to ~1e-10 of `|g|`, growing with the features' condition
/// number), and ranking it, as FNC does next, scores noise (numerai-tools returns such noise,
/// e.g. 0.99999999 or 0.25). Such columns score NaN instead. Any prediction with real
/// signal outside the features' span keeps a residual many orders of magnitude above this.
pub const EXPLAINED_RESIDUAL: f64 = 1e-6;

/// `|residual| / |g - mean(g)|`: the share of the column's norm the neutralizers leave.
pub fn relative_residual(gaussianized: &[f64], residual: &[f64]) -> f64 {
    let n = gaussianized.len() as f64;
    let m = gaussianized.iter().sum::<f64>() / n;
    let gg: f64 = gaussianized.iter().map(|g| (g - m) * (g - m)).sum();
    let rr: f64 = residual.iter().map(|r| r * r).sum();
    (rr / gg).sqrt()
}

/// Whether the neutralizers explain a column completely: its residual's [`relative_residual`]
/// is below [`EXPLAINED_RESIDUAL`] (a NaN residual, from a constant column, is not). The
/// kernels score such a column NaN; the drop-in's step-by-step path asks the same question.
pub fn is_explained(gaussianized: &[f64], residual: &[f64]) -> bool {
    explains(relative_residual(gaussianized, residual))
}

/// Whether a [`relative_residual`] is that of a column the neutralizers explain completely.
fn explains(relative_residual: f64) -> bool {
    relative_residual < EXPLAINED_RESIDUAL
}

/// One column's neutral score and how much of it the neutralizers left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeutralScore {
    /// The score; NaN for a constant column and for one the neutralizers explain completely.
    pub value: f64,
    /// [`relative_residual`] of the column (NaN for a constant column); below
    /// [`EXPLAINED_RESIDUAL`] the value is NaN.
    pub relative_residual: f64,
}

impl NeutralScore {
    /// Whether the neutralizers explain the column completely (its score is NaN for that).
    pub fn explained(&self) -> bool {
        explains(self.relative_residual)
    }
}

/// The neutralized gaussianized ranks and their relative residual; `None` for a constant
/// column or one the neutralizers explain completely.
fn neutral_of(g: &[f64], residual: Vec<f64>) -> (Option<Vec<f64>>, f64) {
    if residual.iter().any(|v| v.is_nan()) {
        return (None, f64::NAN);
    }
    let rel = relative_residual(g, &residual);
    ((rel >= EXPLAINED_RESIDUAL).then_some(residual), rel)
}

/// [`neutral_gaussian_rank`], also `None` for a column the neutralizers explain completely
/// (what the scores here rank or correlate next would be rounding noise).
fn neutral_gaussian(values: &[f64], neutralizer: &Neutralizer) -> Option<Vec<f64>> {
    let g = gaussian_rank(values);
    let r = neutralizer.neutralize(&g, 1.0);
    neutral_of(&g, r).0
}

/// Tie-kept rank, gaussianize, neutralize (numerai-tools
/// `neutralize(gaussian(tie_kept_rank(x)), neutralizers)`); `None` when `values` is constant,
/// which neutralizes to NaN there.
pub fn neutral_gaussian_rank(values: &[f64], neutralizer: &Neutralizer) -> Option<Vec<f64>> {
    let n = neutralizer.neutralize(&gaussian_rank(values), 1.0);
    (!n.iter().any(|v| v.is_nan())).then_some(n)
}

/// `feature_neutral_corr`: numerai_corr of the neutralized gaussianized predictions.
/// (numerai-tools divides by the standard deviation first; re-ranking makes that moot.)
pub fn feature_neutral_corr(
    predictions: &[f64],
    neutralizer: &Neutralizer,
    target: &CorrTarget,
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    match neutral_gaussian(predictions, neutralizer) {
        Some(n) => numerai_corr(&n, target, top_bottom),
        None => Ok(f64::NAN),
    }
}

/// [`feature_neutral_corr`] of several prediction columns, neutralized together (one pass
/// over the era's features serves every model), with each column's relative residual so a
/// caller can say why a score is NaN.
pub fn feature_neutral_corr_many(
    predictions: &[&[f64]],
    neutralizer: &Neutralizer,
    target: &CorrTarget,
    top_bottom: Option<usize>,
) -> Result<Vec<NeutralScore>, KernelError> {
    let gauss: Vec<Vec<f64>> = predictions.iter().map(|p| gaussian_rank(p)).collect();
    let refs: Vec<&[f64]> = gauss.iter().map(|g| g.as_slice()).collect();
    neutralizer
        .neutralize_many(&refs, 1.0)
        .into_iter()
        .zip(&gauss)
        .map(|(r, g)| {
            let (neutral, relative_residual) = neutral_of(g, r);
            let value = match neutral {
                Some(n) => numerai_corr(&n, target, top_bottom)?,
                None => f64::NAN,
            };
            Ok(NeutralScore {
                value,
                relative_residual,
            })
        })
        .collect()
}

/// `neutral_correlation`: Pearson of the centred target with the neutralized gaussianized
/// predictions, optionally on their top and bottom `k`.
pub fn neutral_correlation(
    predictions: &[f64],
    neutralizer: &Neutralizer,
    target: &[f64],
    precision: Precision,
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    neutral_correlation_centred(
        predictions,
        neutralizer,
        &centre(target, precision),
        top_bottom,
    )
}

/// [`neutral_correlation`] with the target already centred: numerai-tools centres it
/// before aligning, i.e. on every row of the era that has a target, and in float32 the
/// rounding of `t − mean` depends on that mean.
pub fn neutral_correlation_centred(
    predictions: &[f64],
    neutralizer: &Neutralizer,
    centred_target: &[f64],
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    if predictions.len() != centred_target.len() {
        return Err(KernelError::LengthMismatch {
            left: predictions.len(),
            right: centred_target.len(),
        });
    }
    let Some(n) = neutral_gaussian(predictions, neutralizer) else {
        return Ok(f64::NAN);
    };
    let t = centred_target;
    Ok(match top_bottom {
        Some(k) if k > 0 => match top_bottom_rows(&n, k) {
            Some(rows) => {
                let tt: Vec<f64> = rows.iter().map(|&i| t[i]).collect();
                let nn: Vec<f64> = rows.iter().map(|&i| n[i]).collect();
                pearson(&tt, &nn)
            }
            None => f64::NAN,
        },
        _ => pearson(t, &n),
    })
}

/// `neutral_contribution`: MMC after neutralizing both the predictions and the meta model.
pub fn neutral_contribution(
    predictions: &[f64],
    meta_model: &[f64],
    neutralizer: &Neutralizer,
    target: &ContributionTarget,
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    let (Some(p), Some(m)) = (
        neutral_gaussian(predictions, neutralizer),
        neutral_gaussian(meta_model, neutralizer),
    ) else {
        return Ok(f64::NAN);
    };
    contribution(&p, &m, target, top_bottom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{ColumnData, ColumnMatrix};
    use crate::target::Precision;

    #[test]
    fn relative_residual_hand_checked() {
        // g centred has norm sqrt(2); the residual [0.1, 0, -0.1] has norm sqrt(0.02).
        let r = relative_residual(&[-1.0, 0.0, 1.0], &[0.1, 0.0, -0.1]);
        assert!((r - 0.1).abs() < 1e-15, "{r}");
    }

    /// Predictions that take a binary feature's two values are explained completely (their
    /// gaussianized ranks are a linear function of it): FNC is NaN, not ranked rounding noise.
    /// A little signal outside the feature keeps a real score.
    #[test]
    fn predictions_the_features_explain_score_nan() {
        let n = 200;
        let binary: Vec<i8> = (0..n).map(|i| ((i * 7) % 3 == 0) as i8).collect();
        let other: Vec<i8> = (0..n).map(|i| ((i * 13) % 5) as i8).collect();
        let x = ColumnMatrix::new(n, 2, ColumnData::I8([binary.clone(), other].concat())).unwrap();
        let nz = Neutralizer::new(x);
        let target: Vec<f64> = (0..n).map(|i| ((i * 11) % 5) as f64 / 4.0).collect();
        let t = CorrTarget::new(&target, Precision::F64, true).unwrap();
        let explained: Vec<f64> = binary.iter().map(|&b| 0.2 + 0.5 * b as f64).collect();
        let noisy: Vec<f64> = explained
            .iter()
            .enumerate()
            .map(|(i, v)| v + 1e-3 * ((i * 17) % 23) as f64)
            .collect();
        let s = feature_neutral_corr_many(&[&explained, &noisy], &nz, &t, None).unwrap();
        assert!(s[0].value.is_nan() && s[0].explained(), "{:?}", s[0]);
        assert!(s[0].relative_residual < 1e-12, "{:?}", s[0]);
        assert!(s[1].value.is_finite() && !s[1].explained(), "{:?}", s[1]);
        assert!(s[1].relative_residual > 1e-3, "{:?}", s[1]);
        assert!(feature_neutral_corr(&explained, &nz, &t, None)
            .unwrap()
            .is_nan());
    }
}
