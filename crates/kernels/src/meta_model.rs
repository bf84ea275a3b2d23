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
    let mut sum = StakeWeightedSum::new(n);
    for (c, &s) in columns.iter().zip(stakes) {
        sum.add(c, s)?;
    }
    sum.finish()
}

/// `Σ stake·column / Σ stake`, one column at a time, so that callers holding only some of
/// the columns at once (a tournament read in chunks of models) get the very numbers of
/// [`stake_weight`] when they add the columns in the same order.
#[derive(Debug, Clone)]
pub struct StakeWeightedSum {
    sum: Vec<f64>,
    total: f64,
    index: usize,
}

impl StakeWeightedSum {
    /// An empty sum over `n` rows.
    pub fn new(n: usize) -> Self {
        Self {
            sum: vec![0.0; n],
            total: 0.0,
            index: 0,
        }
    }

    /// Adds `stake × column`.
    pub fn add(&mut self, column: &[f64], stake: f64) -> Result<(), KernelError> {
        check_stake(self.index, stake)?;
        if column.len() != self.sum.len() {
            return Err(KernelError::LengthMismatch {
                left: column.len(),
                right: self.sum.len(),
            });
        }
        for (o, v) in self.sum.iter_mut().zip(column) {
            *o += v * stake;
        }
        self.total += stake;
        self.index += 1;
        Ok(())
    }

    /// The weighted mean; an error when the stakes added are all zero.
    pub fn finish(mut self) -> Result<Vec<f64>, KernelError> {
        if self.total <= 0.0 {
            return Err(KernelError::ZeroStakes);
        }
        for o in self.sum.iter_mut() {
            *o /= self.total;
        }
        Ok(self.sum)
    }
}

/// The meta model of one era: gaussianized tie-kept ranks of each model, stake-weighted.
pub fn meta_model(columns: &[&[f64]], stakes: &[f64]) -> Result<Vec<f64>, KernelError> {
    let g: Vec<Vec<f64>> = columns.iter().map(|c| gaussian_rank(c)).collect();
    let refs: Vec<&[f64]> = g.iter().map(|v| v.as_slice()).collect();
    stake_weight(&refs, stakes)
}

/// The one stake rule of the kernels (erascore-payout's `check_stake` states it for users,
/// with the model's name): finite and not negative. Written so that NaN fails.
fn check_stake(index: usize, stake: f64) -> Result<(), KernelError> {
    if stake.is_finite() && stake >= 0.0 {
        Ok(())
    } else {
        Err(KernelError::BadStake { index, stake })
    }
}

/// Stakes must be finite, non-negative and not all zero.
pub fn validate_stakes(stakes: &[f64]) -> Result<(), KernelError> {
    for (index, &stake) in stakes.iter().enumerate() {
        check_stake(index, stake)?;
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
    fn column_by_column_equals_all_at_once() {
        let cols: Vec<Vec<f64>> = (0..7)
            .map(|m| {
                (0..5)
                    .map(|i| ((i * 7 + m * 3) % 11) as f64 / 3.7 - 1.3)
                    .collect()
            })
            .collect();
        let stakes = [0.1, 3.3, 1e-3, 7.0, 0.0, 2.2, 0.7];
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let all = stake_weight(&refs, &stakes).unwrap();
        let mut sum = StakeWeightedSum::new(5);
        for (c, &s) in cols.iter().zip(&stakes) {
            sum.add(c, s).unwrap();
        }
        assert_eq!(sum.finish().unwrap(), all);
        assert!(StakeWeightedSum::new(1).finish().is_err());
    }

    #[test]
    fn bad_stakes_are_errors() {
        let a = [1.0];
        assert!(stake_weight(&[&a], &[-1.0]).is_err());
        assert!(stake_weight(&[&a], &[0.0]).is_err());
        assert!(stake_weight(&[&a], &[f64::NAN]).is_err());
    }
}
