//! The numbers of numerai-tools 0.7.2 `clean_submission(..., rank_and_fill=True)`.
//!
//! Numerai joins a submission to the era's universe, tie-kept ranks what was submitted
//! (`(rank − 0.5) / count`, ranks and count over the submitted values only) and gives every
//! ticker of the universe that was not submitted the middle rank 0.5. Churn, turnover and
//! scoring of live Signals submissions all start from that.

use crate::rank::{percentile_rank, TieMethod};

/// Rank-and-fill of a submission laid out over the universe: `values[i]` is the submitted
/// value of the universe's `i`-th ticker, NaN where it was not submitted.
pub fn rank_and_fill(values: &[f64]) -> Vec<f64> {
    let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let mut ranks = percentile_rank(&present, TieMethod::Average).into_iter();
    values
        .iter()
        .map(|v| {
            if v.is_nan() {
                0.5
            } else {
                ranks.next().unwrap_or(0.5)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked() {
        let got = rank_and_fill(&[0.3, f64::NAN, 0.1, 0.3, f64::NAN]);
        // ranks among 3 present values: 0.1 -> 1, 0.3s -> 2.5; (r - 0.5) / 3
        assert_eq!(got, vec![2.0 / 3.0, 0.5, 0.5 / 3.0, 2.0 / 3.0, 0.5]);
        assert_eq!(rank_and_fill(&[f64::NAN, f64::NAN]), vec![0.5, 0.5]);
    }
}
