//! Neutralized predictions, as a user submits them: numerai-tools
//! `variance_normalize(neutralize(gaussian(tie_kept_rank(p)), neutralizers, proportion))`,
//! called on one era's predicted rows; and the percentile ranks a submission holds.
//!
//! The steps are those of numerai-tools' `tie_kept_rank__gaussianize__neutralize__variance_normalize`
//! (FNC's neutralization) with the proportion exposed: `g - proportion * [X 1] (lstsq)`,
//! then each column divided by its population standard deviation (`np.std`, ddof 0).

use crate::corr::gaussian_rank;
use crate::neutralize::Neutralizer;
use crate::pearson::std_dev;
use crate::rank::{percentile_rank, TieMethod};

/// The neutralized, variance-normalized gaussian ranks of each prediction column (each with
/// [`Neutralizer::rows`] finite values, in the neutralizer's row order); `None` for a column
/// that is constant, which numerai-tools turns into NaN before its least squares. All
/// columns share one pass over the neutralizers.
pub fn neutralized_predictions(
    predictions: &[&[f64]],
    neutralizer: &Neutralizer,
    proportion: f64,
) -> Vec<Option<Vec<f64>>> {
    let gauss: Vec<Vec<f64>> = predictions.iter().map(|p| gaussian_rank(p)).collect();
    let refs: Vec<&[f64]> = gauss.iter().map(Vec::as_slice).collect();
    neutralizer
        .neutralize_many(&refs, proportion)
        .into_iter()
        .map(|mut r| {
            let sd = std_dev(&r, 0);
            // NaN: a constant column; 0: a proportion-1 residual that is exactly zero.
            if !(sd.is_finite() && sd > 0.0) {
                return None;
            }
            for v in r.iter_mut() {
                *v /= sd;
            }
            Some(r)
        })
        .collect()
}

/// Tie-kept percentile ranks `(rank - 0.5) / n`, strictly inside (0, 1): the values of a
/// submission (`erascore validate` refuses 0, 1 and anything outside).
pub fn submission_ranks(values: &[f64]) -> Vec<f64> {
    percentile_rank(values, TieMethod::Average)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{ColumnData, ColumnMatrix};

    fn neutralizer(n: usize) -> Neutralizer {
        let x: Vec<i8> = (0..n).map(|i| ((i * 7) % 5) as i8).collect();
        Neutralizer::new(ColumnMatrix::new(n, 1, ColumnData::I8(x)).unwrap())
    }

    #[test]
    fn unit_variance_and_orthogonal_at_proportion_one() {
        let n = 40;
        let nz = neutralizer(n);
        let p: Vec<f64> = (0..n)
            .map(|i| ((i * 13) % 17) as f64 + (i % 5) as f64)
            .collect();
        let out = neutralized_predictions(&[&p], &nz, 1.0)
            .pop()
            .unwrap()
            .unwrap();
        assert!((std_dev(&out, 0) - 1.0).abs() < 1e-12);
        let mean = out.iter().sum::<f64>() / n as f64;
        assert!(mean.abs() < 1e-12, "{mean}");
        let x: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64).collect();
        let xm = x.iter().sum::<f64>() / n as f64;
        let dot: f64 = out.iter().zip(&x).map(|(o, x)| o * (x - xm)).sum();
        assert!(dot.abs() < 1e-9, "{dot}");
    }

    #[test]
    fn constant_column_is_none_and_ranks_stay_inside_the_unit_interval() {
        let nz = neutralizer(10);
        let flat = vec![0.5; 10];
        assert!(neutralized_predictions(&[&flat], &nz, 0.5)[0].is_none());
        let r = submission_ranks(&[3.0, 1.0, 2.0, 2.0]);
        assert_eq!(r, vec![0.875, 0.125, 0.5, 0.5]);
    }
}
