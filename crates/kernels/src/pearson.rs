//! Pearson and Spearman correlation and the population standard deviation.
//!
//! pandas' `Series.corr` and `np.corrcoef` centre both vectors and divide the cross product
//! by the root of the two sums of squares; a zero variance gives NaN. Spearman is Pearson of
//! the tie-kept ordinal ranks of both sides (`method="spearman"`).

use crate::rank::{ordinal_ranks, TieMethod};

/// Pearson correlation of `a` and `b` (equal lengths). NaN when either side is constant or
/// fewer than two values are given.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    if n < 2 {
        return f64::NAN;
    }
    let ma = a.iter().sum::<f64>() / n as f64;
    let mb = b.iter().sum::<f64>() / n as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa == 0.0 || sbb == 0.0 {
        return f64::NAN;
    }
    let r = sab / (saa.sqrt() * sbb.sqrt());
    r.clamp(-1.0, 1.0)
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
