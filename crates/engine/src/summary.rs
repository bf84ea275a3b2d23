//! Statistics of a metric over eras: mean, standard deviation (ddof = 0) and Sharpe.

/// Mean, std (ddof 0) and Sharpe of the finite values; NaN eras are left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Basic {
    /// Mean over eras.
    pub mean: f64,
    /// Population standard deviation over eras.
    pub std: f64,
    /// mean / std.
    pub sharpe: f64,
    /// Number of eras with a finite value.
    pub eras: usize,
}

/// Summarises `values` (NaN skipped).
pub fn basic(values: &[f64]) -> Basic {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return Basic {
            mean: f64::NAN,
            std: f64::NAN,
            sharpe: f64::NAN,
            eras: 0,
        };
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let std = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64).sqrt();
    Basic {
        mean,
        std,
        sharpe: mean / std,
        eras: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked() {
        let b = basic(&[0.01, 0.03, f64::NAN]);
        assert!((b.mean - 0.02).abs() < 1e-15);
        assert!((b.std - 0.01).abs() < 1e-15);
        assert!((b.sharpe - 2.0).abs() < 1e-12);
        assert_eq!(b.eras, 2);
    }
}
