//! Turnover between two portfolios: numerai-tools 0.7.2 `signals.turnover`.
//!
//! `turnover = Σ_i |w1_i − w2_i| / 2` over the ids both portfolios hold (numerai-tools'
//! docstring speaks of filling missing ids with zeros; its code, followed here, keeps only
//! the overlap, after `filter_sort_index` with its 20% rule). For two portfolios of gross
//! exposure 1 (the [`WeightScaling::CenterAndNormalize`] weights numerai-tools compares),
//! turnover lies in [0, 1].
//!
//! [`WeightScaling::CenterAndNormalize`]: crate::neutralized_weights::WeightScaling

use crate::target::pairwise_sum;
use crate::KernelError;

/// `turnover(w1, w2)` of two aligned, NaN-free weight vectors.
pub fn turnover(w1: &[f64], w2: &[f64]) -> Result<f64, KernelError> {
    if w1.len() != w2.len() {
        return Err(KernelError::LengthMismatch {
            left: w1.len(),
            right: w2.len(),
        });
    }
    let diffs: Vec<f64> = w1.iter().zip(w2).map(|(a, b)| (a - b).abs()).collect();
    Ok(pairwise_sum(&diffs) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked() {
        assert_eq!(turnover(&[0.5, -0.5], &[0.5, -0.5]).unwrap(), 0.0);
        assert_eq!(turnover(&[0.5, -0.5], &[-0.5, 0.5]).unwrap(), 1.0);
        assert_eq!(
            turnover(&[0.25, -0.25, 0.0], &[0.0, -0.25, 0.25]).unwrap(),
            0.25
        );
    }

    #[test]
    fn lengths_must_match() {
        assert!(turnover(&[0.1], &[0.1, 0.2]).is_err());
    }
}
