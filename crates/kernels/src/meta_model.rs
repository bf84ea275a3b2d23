//! The stake-weighted meta model: numerai-tools `stake_weight` applied to gaussianized ranks.
//!
//! Numerai builds its meta model from each staked model's predictions after tie-kept ranking
//! and gaussianizing them within the era; the meta model is `sum(stake_m * g_m) / sum(stake)`.

use crate::corr::gaussian_rank;
use crate::KernelError;

/// Stake-weighted mean of already-transformed prediction columns.
pub fn stake_weight(columns: &[&[f64]], stakes: &[f64]) -> Result<Vec<f64>, KernelError> {
    validate_stakes(stakes)?;
    let n = columns.first().map_or(0, |c| c.len());
    let total: f64 = stakes.iter().sum();
    let mut out = vec![0.0; n];
    for (c, &s) in columns.iter().zip(stakes) {
        if c.len() != n {
            return Err(KernelError::LengthMismatch {
                left: c.len(),
                right: n,
            });
        }
        for (o, v) in out.iter_mut().zip(c.iter()) {
            *o += v * s;
        }
    }
    for o in out.iter_mut() {
        *o /= total;
    }
    Ok(out)
}

/// The meta model of one era: gaussianized tie-kept ranks of each model, stake-weighted.
pub fn meta_model(columns: &[&[f64]], stakes: &[f64]) -> Result<Vec<f64>, KernelError> {
    let g: Vec<Vec<f64>> = columns.iter().map(|c| gaussian_rank(c)).collect();
    let refs: Vec<&[f64]> = g.iter().map(|v| v.as_slice()).collect();
    stake_weight(&refs, stakes)
}

/// Stakes must be finite, non-negative and not all zero.
pub fn validate_stakes(stakes: &[f64]) -> Result<(), KernelError> {
    if let Some(i) = stakes.iter().position(|s| !s.is_finite() || *s < 0.0) {
        return Err(KernelError::BadStake {
            index: i,
            stake: stakes[i],
        });
    }
    if stakes.iter().sum::<f64>() <= 0.0 {
        return Err(KernelError::ZeroStakes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_mean_hand_checked() {
        let a = [1.0, 2.0];
        let b = [3.0, 6.0];
        assert_eq!(
            stake_weight(&[&a, &b], &[1.0, 3.0]).unwrap(),
            vec![2.5, 5.0]
        );
    }

    #[test]
    fn bad_stakes_are_errors() {
        let a = [1.0];
        assert!(stake_weight(&[&a], &[-1.0]).is_err());
        assert!(stake_weight(&[&a], &[0.0]).is_err());
        assert!(stake_weight(&[&a], &[f64::NAN]).is_err());
    }
}
