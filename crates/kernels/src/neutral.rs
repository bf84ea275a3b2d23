//! Scores of neutralized predictions: numerai-tools `feature_neutral_corr`,
//! `neutral_correlation` and `neutral_contribution`.
//!
//! All three first tie-kept rank and gaussianize, then neutralize against an era's
//! [`Neutralizer`]. They differ afterwards: FNC re-runs the full `numerai_corr` (re-ranking,
//! 1.5 powers); `neutral_correlation` is a plain Pearson correlation with the centred,
//! unpowered target; `neutral_contribution` also neutralizes the meta model and then scores
//! like MMC. A prediction column with zero variance neutralizes to NaN, so all three give
//! NaN for it, where numerai-tools would fail an assertion.

use crate::contribution::{contribution, ContributionTarget};
use crate::corr::{gaussian_rank, numerai_corr, top_bottom_rows, CorrTarget};
use crate::neutralize::Neutralizer;
use crate::pearson::pearson;
use crate::target::{centre, Precision};
use crate::KernelError;

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
    match neutral_gaussian_rank(predictions, neutralizer) {
        Some(n) => numerai_corr(&n, target, top_bottom),
        None => Ok(f64::NAN),
    }
}

/// [`feature_neutral_corr`] of several prediction columns, neutralized together (one pass
/// over the era's features serves every model).
pub fn feature_neutral_corr_many(
    predictions: &[&[f64]],
    neutralizer: &Neutralizer,
    target: &CorrTarget,
    top_bottom: Option<usize>,
) -> Result<Vec<f64>, KernelError> {
    let gauss: Vec<Vec<f64>> = predictions.iter().map(|p| gaussian_rank(p)).collect();
    let refs: Vec<&[f64]> = gauss.iter().map(|g| g.as_slice()).collect();
    neutralizer
        .neutralize_many(&refs, 1.0)
        .iter()
        .map(|n| {
            if n.iter().any(|v| v.is_nan()) {
                Ok(f64::NAN)
            } else {
                numerai_corr(n, target, top_bottom)
            }
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
    if predictions.len() != target.len() {
        return Err(KernelError::LengthMismatch {
            left: predictions.len(),
            right: target.len(),
        });
    }
    let Some(n) = neutral_gaussian_rank(predictions, neutralizer) else {
        return Ok(f64::NAN);
    };
    let t = centre(target, precision);
    Ok(match top_bottom {
        Some(k) if k > 0 => match top_bottom_rows(&n, k) {
            Some(rows) => {
                let tt: Vec<f64> = rows.iter().map(|&i| t[i]).collect();
                let nn: Vec<f64> = rows.iter().map(|&i| n[i]).collect();
                pearson(&tt, &nn)
            }
            None => f64::NAN,
        },
        _ => pearson(&t, &n),
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
        neutral_gaussian_rank(predictions, neutralizer),
        neutral_gaussian_rank(meta_model, neutralizer),
    ) else {
        return Ok(f64::NAN);
    };
    contribution(&p, &m, target, top_bottom)
}
