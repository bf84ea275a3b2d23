//! Feature exposure: numerai-tools `max_feature_correlation`, the largest
//! |Pearson(feature, raw prediction)| over features with non-zero variance.

use crate::matrix::{ColumnData, ColumnMatrix};
use crate::pearson::{clamp_unit, mean_and_scale};

/// Per-feature sums of squares of one era's features, computed once and shared by every
/// model scored in that era.
#[derive(Debug, Clone)]
pub struct ExposureBasis<'a> {
    features: &'a ColumnMatrix,
    /// `sum((x - mean)^2)` per feature; 0 for constant features.
    ss: Vec<f64>,
}

impl<'a> ExposureBasis<'a> {
    /// Prepares `features` for [`ExposureBasis::max_correlation`].
    pub fn new(features: &'a ColumnMatrix) -> Self {
        let n = features.rows();
        let nf = n as f64;
        let ss = (0..features.cols())
            .map(|j| match features.data() {
                ColumnData::I8(d) => {
                    // Exact integer arithmetic: n * sum(x^2) - sum(x)^2 = n * ss.
                    let col = &d[j * n..(j + 1) * n];
                    let (s, s2) = col.iter().fold((0i64, 0i64), |(s, s2), &v| {
                        (s + v as i64, s2 + (v as i64) * (v as i64))
                    });
                    (n as i128 * s2 as i128 - (s as i128) * (s as i128)) as f64 / nf
                }
                ColumnData::F64(d) => {
                    let col = &d[j * n..(j + 1) * n];
                    let m = col.iter().sum::<f64>() / nf;
                    col.iter().map(|v| (v - m) * (v - m)).sum()
                }
            })
            .collect();
        Self { features, ss }
    }

    /// Index of the most exposed feature and its absolute correlation with `predictions`;
    /// `None` when every feature (or the prediction) is constant.
    pub fn max_correlation(&self, predictions: &[f64]) -> Option<(usize, f64)> {
        let n = self.features.rows();
        assert_eq!(
            predictions.len(),
            n,
            "max_feature_correlation: length mismatch"
        );
        if n < 2 {
            return None;
        }
        // Centred and divided by the largest |centred value|, as pandas' Pearson does, so
        // predictions near the ends of f64's range neither overflow nor underflow. A mean that
        // overflows makes every correlation NaN: no feature is returned.
        let (mean, scale) = mean_and_scale(predictions);
        if scale.is_nan() || scale == 0.0 {
            return None;
        }
        let centred: Vec<f64> = predictions.iter().map(|p| (p - mean) / scale).collect();
        let ss_pred: f64 = centred.iter().map(|v| v * v).sum();
        let mut best: Option<(usize, f64)> = None;
        for (j, &ss_feat) in self.ss.iter().enumerate() {
            if ss_feat <= 0.0 {
                continue;
            }
            // sum((x - xbar) * c) == sum(x * c) because c sums to zero.
            let cov = self.features.col_dot(j, &centred);
            let r = clamp_unit((cov / (ss_feat.sqrt() * ss_pred.sqrt())).abs());
            if best.is_none_or(|(_, b)| r > b) {
                best = Some((j, r));
            }
        }
        best
    }
}

/// Index of the most exposed feature and its absolute correlation; `None` when every
/// feature is constant (or the predictions are).
pub fn max_feature_correlation(
    predictions: &[f64],
    features: &ColumnMatrix,
) -> Option<(usize, f64)> {
    ExposureBasis::new(features).max_correlation(predictions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_most_exposed_feature() {
        let data: Vec<i8> = [[0i8, 1, 2, 3], [3, 3, 3, 3], [1, 0, 1, 0]].concat();
        let m = ColumnMatrix::new(4, 3, ColumnData::I8(data)).unwrap();
        let (j, r) = max_feature_correlation(&[0.1, 0.2, 0.3, 0.4], &m).unwrap();
        assert_eq!(j, 0);
        assert!((r - 1.0).abs() < 1e-15);
        // feature 2 vs p: x=[1,0,1,0], p=[.1,.2,.3,.4] -> corr = -0.4472135955
        let data: Vec<i8> = [1i8, 0, 1, 0].to_vec();
        let m = ColumnMatrix::new(4, 1, ColumnData::I8(data)).unwrap();
        let (_, r) = max_feature_correlation(&[0.1, 0.2, 0.3, 0.4], &m).unwrap();
        assert!((r - 0.447_213_595_499_958).abs() < 1e-12, "{r}");
    }

    #[test]
    fn all_constant_is_none() {
        let m = ColumnMatrix::new(2, 1, ColumnData::I8(vec![1, 1])).unwrap();
        assert!(max_feature_correlation(&[0.1, 0.2], &m).is_none());
    }
}
