//! Pearson and Spearman correlation and the population standard deviation.
//!
//! pandas' `Series.corr` and `np.corrcoef` centre both vectors and divide the cross product
//! by the root of the two sums of squares; a zero variance gives NaN. Spearman is Pearson of
//! the tie-kept ordinal ranks of both sides (`method="spearman"`).

use crate::rank::{ordinal_ranks, TieMethod};
use crate::target::pairwise_sum;

/// Pearson correlation of `a` and `b` (equal lengths). NaN when either side is constant or
/// fewer than two values are given.
///
/// Computed as pandas' `Series.corr` does: centre each side on its mean, divide it by its
/// largest absolute value, then take the dot products. The division keeps the sums of squares
/// in range for values near the ends of f64 (1e300 squared overflows, 1e-310 squared
/// underflows), so scaled predictions score as unscaled ones. A side whose mean overflows
/// (values near 1e308) gives NaN, as in pandas, never a number.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return f64::NAN;
    }
    pearson_given(a, mean_and_scale(a), b)
}

/// [`pearson`] with `a`'s [`mean_and_scale`] given: one column (an era's target) correlated
/// with many (every model's predictions) is summarized once, not once per model. The same
/// arithmetic, so the same number.
pub(crate) fn pearson_given(a: &[f64], (ma, sa): (f64, f64), b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    if n < 2 {
        return f64::NAN;
    }
    let (mb, sb) = mean_and_scale(b);
    if sa == 0.0 || sb == 0.0 {
        return f64::NAN;
    }
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = ((x - ma) / sa, (y - mb) / sb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    let r = sab / (saa.sqrt() * sbb.sqrt());
    clamp_unit(r)
}

/// The mean (numpy's pairwise sum over n) and the largest |x - mean|; NaN when the mean or any
/// centred value is not finite.
pub(crate) fn mean_and_scale(values: &[f64]) -> (f64, f64) {
    let m = pairwise_sum(values) / values.len() as f64;
    let mut scale = 0.0f64;
    for &v in values {
        let d = (v - m).abs();
        // `f64::max` would drop a NaN; a NaN scale must make the correlation NaN.
        if d.is_nan() || d.is_infinite() {
            return (m, f64::NAN);
        }
        if d > scale {
            scale = d;
        }
    }
    (m, scale)
}

/// `x` clipped to [-1, 1], NaN kept (`np.clip` semantics, as `f64::clamp` has; `f64::min`
/// would turn NaN into 1).
pub(crate) fn clamp_unit(x: f64) -> f64 {
    x.clamp(-1.0, 1.0)
}

/// Spearman rank correlation (Pearson of average ranks).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(
        &ordinal_ranks(a, TieMethod::Average),
        &ordinal_ranks(b, TieMethod::Average),
    )
}

/// Standard deviation with `ddof` delta degrees of freedom (numpy's `std(ddof=...)`).
pub fn std_dev(values: &[f64], ddof: usize) -> f64 {
    let n = values.len();
    if n <= ddof {
        return f64::NAN;
    }
    let m = values.iter().sum::<f64>() / n as f64;
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (n - ddof) as f64).sqrt()
}

/// pandas `Series.std()`: ddof 1, the mean as numpy's pairwise sum over n, then the sum of
/// squared deviations (so a constant series can come out as a rounding residue above 0,
/// as it does there); NaN for fewer than two values.
pub fn pandas_std(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return f64::NAN;
    }
    let mean = crate::target::pairwise_sum(values) / n as f64;
    let sq: Vec<f64> = values.iter().map(|v| (mean - v) * (mean - v)).collect();
    (crate::target::pairwise_sum(&sq) / (n - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_hand_checked() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-15);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-15);
        // x = [1,2,3,4], y = [1,3,2,4]: cov = 4, ss = 5, 5 -> 0.8
        assert!((pearson(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]) - 0.8).abs() < 1e-15);
    }

    #[test]
    fn constant_side_is_nan() {
        assert!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
        assert!(pearson(&[1.0], &[1.0]).is_nan());
    }

    #[test]
    fn scale_does_not_change_pearson_and_nan_stays_nan() {
        let a = [0.1, 0.4, 0.2, 0.9, 0.5];
        let b = [1.0, 3.0, 2.0, 5.0, 2.5];
        let r = pearson(&a, &b);
        for s in [1e300, 1e-310, 1e-300, 1e200] {
            let bs: Vec<f64> = b.iter().map(|v| v * s).collect();
            assert!((pearson(&a, &bs) - r).abs() < 1e-12, "scale {s}");
        }
        // The mean of values near f64::MAX overflows: NaN, as pandas gives.
        let big: Vec<f64> = b.iter().map(|v| v / 5.0 * 1.7e308).collect();
        assert!(pearson(&a, &big).is_nan());
        assert!(clamp_unit(f64::NAN).is_nan());
        assert_eq!(clamp_unit(1.0 + 1e-15), 1.0);
    }

    #[test]
    fn spearman_is_rank_based() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 8.0, 27.0, 64.0];
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn std_ddof() {
        assert_eq!(std_dev(&[1.0, 3.0], 0), 1.0);
        assert!((std_dev(&[1.0, 3.0], 1) - 2f64.sqrt()).abs() < 1e-15);
    }
}
