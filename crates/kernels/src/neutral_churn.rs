//! Neutral churn: numerai-tools 0.7.2 `signals.neutral_churn` and `neutral_churn_penalty`.
//!
//! Each era's submission is tie-kept ranked, gaussianized and neutralized (least squares
//! with an intercept, as `neutralize`) against that era's neutralizers
//! ([`neutral_gaussian_rank`]); the churn of the two residuals is `1 − Spearman`
//! ([`churn`]). The penalty keeps a fraction of a positive payout:
//!
//! ```text
//! retained = 1                                   if churn ≤ threshold
//!          = 2 e / (1 + e),  e = exp(−scale (churn − threshold))   otherwise
//! ```
//!
//! (`min(1, 2 / (1 + exp(scale (churn − threshold))))` written without overflow; defaults
//! threshold 0.1, scale 10).

use crate::churn::churn;
use crate::neutral_scores::neutral_gaussian_rank;
use crate::neutralize::Neutralizer;
use crate::KernelError;

/// numerai-tools' default churn below which the full payout is kept.
pub const DEFAULT_PENALTY_THRESHOLD: f64 = 0.1;
/// numerai-tools' default rate at which the kept fraction falls.
pub const DEFAULT_PENALTY_SCALE: f64 = 10.0;

/// `neutral_churn(s1, s2, n1, n2)` when both eras hold the same ids in the same order:
/// `s1` has `n1.rows()` values, `s2` has `n2.rows()`. For eras with different universes,
/// neutralize each with [`neutral_gaussian_rank`], align the residuals by id and call
/// [`churn`]. A submission constant within its era neutralizes to nothing; numerai-tools
/// then finds no overlapping ids, here it is [`KernelError::ZeroVariance`].
pub fn neutral_churn(
    s1: &[f64],
    neutralizer1: &Neutralizer,
    s2: &[f64],
    neutralizer2: &Neutralizer,
) -> Result<f64, KernelError> {
    for (s, nz) in [(s1, neutralizer1), (s2, neutralizer2)] {
        if s.len() != nz.rows() {
            return Err(KernelError::LengthMismatch {
                left: s.len(),
                right: nz.rows(),
            });
        }
    }
    let r1 = neutral_gaussian_rank(s1, neutralizer1)
        .ok_or_else(|| KernelError::ZeroVariance { what: "s1".into() })?;
    let r2 = neutral_gaussian_rank(s2, neutralizer2)
        .ok_or_else(|| KernelError::ZeroVariance { what: "s2".into() })?;
    churn(&r1, &r2)
}

/// Why a penalty argument was refused (numerai-tools' assertions).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PenaltyError {
    /// Neutral churn outside [0, 2] or not finite.
    #[error("neutral churn must be finite and between 0 and 2, got {0}")]
    Churn(f64),
    /// Threshold outside [0, 2] or not finite.
    #[error("threshold must be finite and between 0 and 2, got {0}")]
    Threshold(f64),
    /// Scale not finite and positive.
    #[error("scaling factor must be finite and positive, got {0}")]
    Scale(f64),
}

/// `neutral_churn_penalty`: the fraction of a positive payout retained.
pub fn neutral_churn_penalty(
    neutral_churn: f64,
    threshold: f64,
    scaling_factor: f64,
) -> Result<f64, PenaltyError> {
    if !(neutral_churn.is_finite() && (0.0..=2.0).contains(&neutral_churn)) {
        return Err(PenaltyError::Churn(neutral_churn));
    }
    if !(threshold.is_finite() && (0.0..=2.0).contains(&threshold)) {
        return Err(PenaltyError::Threshold(threshold));
    }
    if !(scaling_factor.is_finite() && scaling_factor > 0.0) {
        return Err(PenaltyError::Scale(scaling_factor));
    }
    if neutral_churn <= threshold {
        return Ok(1.0);
    }
    let decay = (-scaling_factor * (neutral_churn - threshold)).exp();
    Ok(2.0 * decay / (1.0 + decay))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{ColumnData, ColumnMatrix};

    #[test]
    fn penalty_hand_checked() {
        assert_eq!(neutral_churn_penalty(0.05, 0.1, 10.0), Ok(1.0));
        assert_eq!(neutral_churn_penalty(0.1, 0.1, 10.0), Ok(1.0));
        // churn 0.2: e = exp(-1), 2e/(1+e)
        let e = (-1.0f64).exp();
        let got = neutral_churn_penalty(0.2, 0.1, 10.0).unwrap();
        assert!((got - 2.0 * e / (1.0 + e)).abs() < 1e-16);
        assert!(neutral_churn_penalty(2.5, 0.1, 10.0).is_err());
        assert!(neutral_churn_penalty(0.5, -0.1, 10.0).is_err());
        assert!(neutral_churn_penalty(0.5, 0.1, 0.0).is_err());
        assert!(neutral_churn_penalty(f64::NAN, 0.1, 10.0).is_err());
    }

    #[test]
    fn constant_submission_is_an_error() {
        let x = ColumnMatrix::new(4, 1, ColumnData::F64(vec![1.0, 0.0, 2.0, 5.0])).unwrap();
        let nz = Neutralizer::new(x);
        assert_eq!(
            neutral_churn(&[0.5; 4], &nz, &[0.1, 0.2, 0.3, 0.4], &nz),
            Err(KernelError::ZeroVariance { what: "s1".into() })
        );
    }

    #[test]
    fn same_submission_same_neutralizers_does_not_churn() {
        let x =
            ColumnMatrix::new(6, 1, ColumnData::F64(vec![1.0, 0.0, 2.0, 5.0, 3.0, 1.0])).unwrap();
        let nz = Neutralizer::new(x);
        let s = [0.1, 0.7, 0.3, 0.9, 0.2, 0.5];
        assert!(neutral_churn(&s, &nz, &s, &nz).unwrap().abs() < 1e-12);
    }
}
