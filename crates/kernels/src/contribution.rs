//! MMC and BMC: numerai-tools `correlation_contribution` (and `contribution_scores`).
//!
//! Predictions and the meta model (or a benchmark) are tie-kept ranked and gaussianized; the
//! predictions are orthogonalized to the meta model (`v - u (v.u)/(u.u)`); the score is the
//! covariance of the residual with the target, where a target in [0, 1] is first scaled to
//! the [-2, 2] buckets and centred. With `top_bottom = Some(k)` only the `k` lowest and `k`
//! highest orthogonalized predictions count and the sum is divided by `2k`.

use crate::corr::top_bottom_rows;
use crate::target::{centre_on, mean_skip_nan, Precision};
use crate::KernelError;

/// A target prepared for [`contribution`]: bucketed and centred. Build once per era.
#[derive(Debug, Clone)]
pub struct ContributionTarget {
    values: Vec<f64>,
}

impl ContributionTarget {
    /// Scales a [0, 1] target by 4 (to the [-2, 2] buckets) and centres it in `precision`.
    pub fn new(target: &[f64], precision: Precision) -> Self {
        let in_unit = target.iter().all(|&t| (0.0..=1.0).contains(&t));
        let scaled: Vec<f64> = if in_unit {
            target.iter().map(|&t| precision.round(t * 4.0)).collect()
        } else {
            target.to_vec()
        };
        // numerai-tools centres with pandas' mean, which skips NaN; the same as `centre` when
        // the target has none.
        let mean = mean_skip_nan(&scaled, precision);
        Self {
            values: centre_on(&scaled, mean, precision),
        }
    }

    /// The prepared target values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// `v - u (v.u)/(u.u)`: `v` with its projection on `u` removed.
pub fn orthogonalize(v: &[f64], u: &[f64]) -> Vec<f64> {
    let vu: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
    let uu: f64 = u.iter().map(|a| a * a).sum();
    let k = vu / uu;
    v.iter().zip(u).map(|(a, b)| a - b * k).collect()
}

/// Contribution of gaussianized predictions `preds` to gaussianized `meta` against `target`.
pub fn contribution(
    preds: &[f64],
    meta: &[f64],
    target: &ContributionTarget,
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    let n = target.values.len();
    if preds.len() != n || meta.len() != n {
        return Err(KernelError::LengthMismatch {
            left: preds.len(),
            right: n,
        });
    }
    Ok(covariance_score(
        &orthogonalize(preds, meta),
        target,
        top_bottom,
    ))
}

/// numerai-tools `contribution_scores` of one column already orthogonalized to the meta
/// model: `t . p / n`, or over the `k` lowest and `k` highest values of `neutral` the sum of
/// `t_i p_i` divided by `2k` (NaN when those would overlap). `neutral` must have as many rows
/// as the target.
pub fn covariance_score(
    neutral: &[f64],
    target: &ContributionTarget,
    top_bottom: Option<usize>,
) -> f64 {
    let n = target.values.len();
    match top_bottom {
        Some(k) if k > 0 => match top_bottom_rows(neutral, k) {
            // A row whose target is NaN is left out of the sum (numerai-tools aligns the
            // selected rows to the target's non-NaN ids and fills the rest with 0).
            Some(rows) => {
                rows.iter()
                    .filter(|&&i| !target.values[i].is_nan())
                    .map(|&i| target.values[i] * neutral[i])
                    .sum::<f64>()
                    / (2 * k) as f64
            }
            None => f64::NAN,
        },
        _ => {
            target
                .values
                .iter()
                .zip(neutral)
                .map(|(t, p)| t * p)
                .sum::<f64>()
                / n as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corr::gaussian_rank;

    #[test]
    fn orthogonal_residual() {
        let v = [1.0, 2.0, 3.0];
        let u = [1.0, 0.0, 1.0];
        let r = orthogonalize(&v, &u);
        let dot: f64 = r.iter().zip(&u).map(|(a, b)| a * b).sum();
        assert!(dot.abs() < 1e-15);
        assert_eq!(r, vec![-1.0, 2.0, 1.0]);
    }

    #[test]
    fn predictions_equal_to_meta_model_contribute_nothing() {
        let p = gaussian_rank(&[0.3, 0.1, 0.7, 0.5, 0.9]);
        let t = ContributionTarget::new(&[0.0, 0.25, 1.0, 0.5, 0.75], Precision::F64);
        let c = contribution(&p, &p, &t, None).unwrap();
        assert!(c.abs() < 1e-15);
    }

    #[test]
    fn covariance_score_hand_checked() {
        // target [0, 0.5, 1] -> centred buckets [-2, 0, 2]; (-2 * 1 + 0 + 2 * -1) / 3
        let t = ContributionTarget::new(&[0.0, 0.5, 1.0], Precision::F64);
        let p = [1.0, 0.0, -1.0];
        assert_eq!(covariance_score(&p, &t, None), -4.0 / 3.0);
        // top/bottom 1 of 3 rows: rows 2 and 0, sum divided by 2
        assert_eq!(covariance_score(&p, &t, Some(1)), -2.0);
        // top/bottom 2 of 3 rows would overlap (and k of 2k rows counts as overlapping,
        // the project's top/bottom rule)
        assert!(covariance_score(&p, &t, Some(2)).is_nan());
        assert!(covariance_score(&p[..2], &t_two(), Some(1)).is_nan());
    }

    fn t_two() -> ContributionTarget {
        ContributionTarget::new(&[0.0, 1.0], Precision::F64)
    }

    #[test]
    fn bucketed_target_hand_checked() {
        // [0, 1] -> [0, 4] -> centred [-2, 2]
        let t = ContributionTarget::new(&[0.0, 1.0], Precision::F64);
        assert_eq!(t.values(), &[-2.0, 2.0]);
        // Outside [0, 1] the target is only centred.
        let t = ContributionTarget::new(&[-1.0, 3.0], Precision::F64);
        assert_eq!(t.values(), &[-2.0, 2.0]);
    }
}
