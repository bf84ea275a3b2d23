//! Target preparation: centring and the signed 1.5 power, in the precision of the source column.
//!
//! numerai-tools works on whatever dtype the target column has. Numerai ships targets as
//! float32, and pandas then centres them with a float32 sum and a float32 division and
//! numpy raises them to the 1.5 power in float32. Reproducing the reference to 1e-9 needs
//! those roundings, so every target transform takes a [`Precision`]. (numpy's vectorised
//! float32 `pow` is itself only within 1 ulp of the correctly rounded value we compute, which
//! bounds agreement on float32 targets at a few 1e-9 in correlation.)

/// The floating-point width in which the reference library computes target transforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// float64 columns: ordinary double arithmetic.
    #[default]
    F64,
    /// float32 columns: each intermediate is rounded to f32 as numpy would.
    F32,
}

impl Precision {
    /// Rounds `x` to this precision.
    #[inline]
    pub fn round(self, x: f64) -> f64 {
        match self {
            Precision::F64 => x,
            Precision::F32 => x as f32 as f64,
        }
    }
}

/// Mean as pandas computes it for this precision (float32 sums stay float32).
pub fn mean(values: &[f64], precision: Precision) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    match precision {
        Precision::F64 => pairwise_sum(values) / values.len() as f64,
        Precision::F32 => {
            let sum = pairwise_sum_f32(values);
            ((sum as f64) / (values.len() as f32 as f64)) as f32 as f64
        }
    }
}

/// The mean of the non-NaN `values`, as pandas' `Series.mean()` computes it: NaN entries are
/// replaced by zeros, the whole array is summed (so pairwise blocks fall where numpy's do)
/// and the sum is divided by the count of non-NaN values, in `precision`. NaN when every
/// value is NaN.
pub fn mean_skip_nan(values: &[f64], precision: Precision) -> f64 {
    let count = values.iter().filter(|v| !v.is_nan()).count();
    if count == 0 {
        return f64::NAN;
    }
    if count == values.len() {
        return mean(values, precision);
    }
    let filled: Vec<f64> = values
        .iter()
        .map(|&v| if v.is_nan() { 0.0 } else { v })
        .collect();
    match precision {
        Precision::F64 => pairwise_sum(&filled) / count as f64,
        Precision::F32 => {
            let sum = pairwise_sum_f32(&filled);
            ((sum as f64) / (count as f32 as f64)) as f32 as f64
        }
    }
}

/// `values - mean(values)`, rounded to `precision`.
pub fn centre(values: &[f64], precision: Precision) -> Vec<f64> {
    centre_on(values, mean(values, precision), precision)
}

/// `values - m`, rounded to `precision`: centring on a mean taken over more rows than are
/// kept (numerai-tools centres a target before aligning it to the predictions).
pub fn centre_on(values: &[f64], m: f64, precision: Precision) -> Vec<f64> {
    values.iter().map(|&v| precision.round(v - m)).collect()
}

/// `sign(x) * |x|^p` for every element, rounded to `precision`.
pub fn signed_power_in_place(values: &mut [f64], p: f64, precision: Precision) {
    // The only power scoring uses is 1.5; |x| * sqrt(|x|) vectorizes where `powf` is a libm
    // call per element. It can differ from pow in the last bit, as the reference's own
    // vectorized float64 power (SVML on AVX-512) differs from libm: ~1e-16, far below the
    // 1e-9 contract.
    let three_halves = p == 1.5;
    for v in values.iter_mut() {
        let a = if three_halves {
            v.abs() * v.abs().sqrt()
        } else {
            v.abs().powf(p)
        };
        *v = precision.round(if *v < 0.0 {
            -a
        } else if *v > 0.0 {
            a
        } else {
            0.0 * a
        });
    }
}

/// numpy's pairwise summation (blocks of 8 accumulators below 128 elements), so float64
/// sums round the same way the reference's do.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    pairwise::<f64>(values)
}

/// [`pairwise_sum`] in float32, each value rounded to float32 as it is added, as numpy sums
/// a float32 array.
fn pairwise_sum_f32(values: &[f64]) -> f32 {
    pairwise::<f32>(values)
}

/// The float type a pairwise sum accumulates in: the float64 and float32 sums are one
/// algorithm, each value converted to the accumulator's type as it is read.
trait Accumulator: Copy + std::ops::Add<Output = Self> + std::ops::AddAssign {
    const ZERO: Self;
    fn from_f64(v: f64) -> Self;
}

impl Accumulator for f64 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

impl Accumulator for f32 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

fn pairwise<T: Accumulator>(values: &[f64]) -> T {
    let n = values.len();
    if n < 8 {
        return values.iter().fold(T::ZERO, |acc, &v| acc + T::from_f64(v));
    }
    if n <= 128 {
        let mut r = [T::ZERO; 8];
        for (k, acc) in r.iter_mut().enumerate() {
            *acc = T::from_f64(values[k]);
        }
        let mut i = 8;
        while i + 8 <= n {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += T::from_f64(values[i + k]);
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &values[i..] {
            res += T::from_f64(v);
        }
        return res;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise::<T>(&values[..half]) + pairwise::<T>(&values[half..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_mean_skips_nan_like_pandas() {
        let v = [1.0, f64::NAN, 2.0, 4.5];
        assert_eq!(mean_skip_nan(&v, Precision::F64), 2.5);
        assert_eq!(mean_skip_nan(&v, Precision::F32), 2.5);
        assert!(mean_skip_nan(&[f64::NAN], Precision::F64).is_nan());
        let w = [0.1, 0.2, 0.7];
        assert_eq!(mean_skip_nan(&w, Precision::F64), mean(&w, Precision::F64));
        // float32: 0.1f32 + 0.2f32 summed with a NaN-as-zero cell, divided by 2 in float32.
        let x = [0.1f32 as f64, f64::NAN, 0.2f32 as f64];
        let want = ((0.1f32 + 0.0f32 + 0.2f32) / 2.0f32) as f64;
        assert_eq!(mean_skip_nan(&x, Precision::F32), want);
        assert_eq!(centre_on(&[1.0, 3.0], 2.5, Precision::F64), vec![-1.5, 0.5]);
    }

    #[test]
    fn centre_hand_checked() {
        let c = centre(&[0.0, 0.25, 0.5, 1.0], Precision::F64);
        assert_eq!(c, vec![-0.4375, -0.1875, 0.0625, 0.5625]);
    }

    #[test]
    fn f32_centring_rounds_the_mean() {
        // mean of [0, 0, 1] is 1/3; in float32 it is 0.3333333432674408.
        let c = centre(&[0.0, 0.0, 1.0], Precision::F32);
        assert_eq!(c[0], -(1.0f32 / 3.0) as f64);
        assert_eq!(c[2], (1.0f32 - 1.0f32 / 3.0) as f64);
    }

    #[test]
    fn mean_skip_nan_sums_nan_as_zero_and_counts_the_rest() {
        assert_eq!(mean_skip_nan(&[1.0, f64::NAN, 0.5], Precision::F64), 0.75);
        assert!(mean_skip_nan(&[f64::NAN, f64::NAN], Precision::F32).is_nan());
        // float32: (0.1 + 0.2 + 0.3) / 3 with every step in f32, as pandas does.
        let v = [0.1f32 as f64, f64::NAN, 0.2f32 as f64, 0.3f32 as f64];
        let want = ((0.1f32 + 0.0f32 + 0.2f32 + 0.3f32) / 3.0f32) as f64;
        assert_eq!(mean_skip_nan(&v, Precision::F32), want);
        // Without NaN it is the plain mean.
        let w = [0.25, 0.5, 1.0];
        assert_eq!(mean_skip_nan(&w, Precision::F64), mean(&w, Precision::F64));
    }

    #[test]
    fn signed_power_keeps_sign() {
        let mut v = vec![-4.0, 0.0, 4.0];
        signed_power_in_place(&mut v, 1.5, Precision::F64);
        assert_eq!(v, vec![-8.0, 0.0, 8.0]);
    }

    #[test]
    fn pairwise_sum_matches_naive_on_exact_values() {
        let v: Vec<f64> = (0..1000).map(|i| (i % 5) as f64 * 0.25).collect();
        assert_eq!(pairwise_sum(&v), v.iter().sum::<f64>());
    }
}
