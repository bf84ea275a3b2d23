//! Features handed over in a wider type (float32, float64, int64, uint8, ...) whose values
//! are all integers in -128..=127 are int8 features: narrowed to int8, they take the exact
//! integer Gram kernels ([`crate::gram`]) and give the numbers int8 features give, bit for bit.
//!
//! The check is exact and costs one pass: a value narrows when converting it to int8 and back
//! gives the same value. A fraction, anything outside -128..=127, or NaN fails, and a single
//! failure leaves the whole matrix to the f64 path. The pass stops at the first block holding
//! a failure, so real-valued features cost almost nothing to reject.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::simd::{dispatch, Op};
use crate::Parallelism;

/// Values scanned between checks for a failure: small enough that real-valued features are
/// rejected at once, large enough that the loop inside vectorizes.
const BLOCK: usize = 4096;

/// A numeric type whose values may all be int8 values.
pub trait ExactI8: Copy + Send + Sync {
    /// The value as int8 and whether that is exact.
    fn narrow(self) -> (i8, bool);
}

macro_rules! float {
    ($($t:ty, $bits:ty, $magic:expr);*) => {$(
        impl ExactI8 for $t {
            #[inline(always)]
            fn narrow(self) -> (i8, bool) {
                // Adding 1.5 * 2^(mantissa bits) puts an integer in -128..=127 in the low
                // bits of the sum's mantissa, two's complement, so the low byte of the bits
                // is the int8. Unlike `as i8` (a saturating cast, scalar code) this
                // vectorizes. Any other value (a fraction, beyond int8, infinite, NaN) gives
                // an int8 that does not round-trip; -0.0 narrows to 0 (equal values).
                let q = (self + $magic).to_bits() as i8;
                (q, q as $t == self)
            }
        }
    )*};
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl ExactI8 for $t {
            #[inline(always)]
            fn narrow(self) -> (i8, bool) {
                (self as i8, (-128..=127).contains(&self))
            }
        }
    )*};
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl ExactI8 for $t {
            #[inline(always)]
            fn narrow(self) -> (i8, bool) {
                (self as i8, self <= 127)
            }
        }
    )*};
}

float!(f32, u32, 12_582_912.0; f64, u64, 6_755_399_441_055_744.0);
signed!(i8, i16, i32, i64);
unsigned!(u8, u16, u32, u64);

/// `values` as int8 in the same order, or `None` when any value is not an integer in
/// -128..=127 (or is NaN).
pub fn narrow_to_i8<T: ExactI8>(values: &[T]) -> Option<Vec<i8>> {
    struct Narrow<'a, T>(&'a [T]);
    impl<T: ExactI8> Op for Narrow<'_, T> {
        type Output = Option<Vec<i8>>;
        #[inline(always)]
        fn run(self) -> Option<Vec<i8>> {
            narrow_impl(self.0)
        }
    }
    dispatch(Narrow(values))
}

#[inline(always)]
fn narrow_impl<T: ExactI8>(values: &[T]) -> Option<Vec<i8>> {
    let mut out = vec![0i8; values.len()];
    narrow_into(values, &mut out, None).then_some(out)
}

/// Values per share of [`narrow_to_i8_par`]: many shares per thread, so that a thread the
/// OS takes away (the machine shared with other work) leaves its remaining shares to the
/// others instead of holding up the call; large enough that scheduling one costs nothing.
const SHARE: usize = 64 * BLOCK;

/// [`narrow_to_i8`] with the values split into shares narrowed on the threads `par`
/// allows (each value narrowed as on one thread, so the same int8 values); a share that
/// finds a value that is not an int8 stops the others at their next block.
pub fn narrow_to_i8_par<T: ExactI8>(values: &[T], par: Parallelism) -> Option<Vec<i8>> {
    use rayon::prelude::*;
    if !par.is_parallel() || rayon::current_num_threads() < 2 || values.len() < 2 * BLOCK {
        return narrow_to_i8(values);
    }
    struct Share<'a, T> {
        src: &'a [T],
        dst: &'a mut [i8],
        failed: &'a AtomicBool,
    }
    impl<T: ExactI8> Op for Share<'_, T> {
        type Output = bool;
        #[inline(always)]
        fn run(self) -> bool {
            narrow_into(self.src, self.dst, Some(self.failed))
        }
    }
    let mut out = vec![0i8; values.len()];
    let failed = AtomicBool::new(false);
    let exact = values
        .par_chunks(SHARE)
        .zip(out.par_chunks_mut(SHARE))
        .all(|(src, dst)| {
            dispatch(Share {
                src,
                dst,
                failed: &failed,
            })
        });
    exact.then_some(out)
}

/// Narrows `src` into `dst` block by block; `false` as soon as a block holds a value that is
/// not an int8 (or `failed`, shared with other threads, says one of theirs did).
#[inline(always)]
fn narrow_into<T: ExactI8>(src: &[T], dst: &mut [i8], failed: Option<&AtomicBool>) -> bool {
    for (src, dst) in src.chunks(BLOCK).zip(dst.chunks_mut(BLOCK)) {
        // No early exit inside a block: a branch-free loop vectorizes.
        let mut exact = true;
        for (d, &v) in dst.iter_mut().zip(src) {
            let (q, ok) = v.narrow();
            *d = q;
            exact &= ok;
        }
        if !exact {
            if let Some(failed) = failed {
                failed.store(true, Ordering::Relaxed);
            }
            return false;
        }
        if failed.is_some_and(|f| f.load(Ordering::Relaxed)) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_of_any_type_narrow() {
        let want = vec![-128i8, -1, 0, 4, 127];
        assert_eq!(
            narrow_to_i8(&[-128.0f64, -1.0, 0.0, 4.0, 127.0]),
            Some(want.clone())
        );
        assert_eq!(
            narrow_to_i8(&[-128.0f32, -1.0, -0.0, 4.0, 127.0]),
            Some(want.clone())
        );
        assert_eq!(narrow_to_i8(&[-128i64, -1, 0, 4, 127]), Some(want.clone()));
        assert_eq!(narrow_to_i8(&[-128i16, -1, 0, 4, 127]), Some(want));
        assert_eq!(narrow_to_i8(&[0u8, 4, 127]), Some(vec![0, 4, 127]));
        assert_eq!(narrow_to_i8::<f64>(&[]), Some(vec![]));
        // Every int8 value, and -0.0, in both float widths (past a block boundary).
        let all: Vec<i8> = (0..2 * BLOCK + 7).map(|i| (i % 256) as u8 as i8).collect();
        let f: Vec<f32> = all.iter().map(|&v| v as f32).collect();
        let d: Vec<f64> = all.iter().map(|&v| v as f64).collect();
        assert_eq!(narrow_to_i8(&f), Some(all.clone()));
        assert_eq!(narrow_to_i8(&d), Some(all));
        assert_eq!(narrow_to_i8(&[-0.0f32, 0.0]), Some(vec![0, 0]));
        assert_eq!(narrow_to_i8(&[-0.0f64, -4.0]), Some(vec![0, -4]));
    }

    /// On the pool, split into shares, the same int8 values, and a value that is not an
    /// int8 in any share (the first, the last) rejects the whole matrix.
    #[test]
    fn shares_on_the_pool_narrow_as_one_pass() {
        let all: Vec<i8> = (0..2 * SHARE + 3 * BLOCK + 13)
            .map(|i| (i * 7 % 256) as u8 as i8)
            .collect();
        let d: Vec<f64> = all.iter().map(|&v| v as f64).collect();
        assert_eq!(narrow_to_i8_par(&d, Parallelism::Pool), Some(all.clone()));
        assert_eq!(narrow_to_i8_par(&d, Parallelism::Sequential), Some(all));
        for at in [0, BLOCK + 1, SHARE, d.len() / 2, d.len() - 1] {
            let mut bad = d.clone();
            bad[at] = 0.5;
            assert_eq!(narrow_to_i8_par(&bad, Parallelism::Pool), None, "{at}");
        }
    }

    #[test]
    fn one_value_that_is_not_an_int8_rejects_everything() {
        // The failing value at the end of a long input: past the first block.
        let mut v = vec![2.0f64; 3 * BLOCK + 5];
        for bad in [
            0.5,
            128.0,
            -129.0,
            f64::NAN,
            f64::INFINITY,
            1e300,
            127.000_000_000_1,
        ] {
            *v.last_mut().unwrap() = bad;
            assert_eq!(narrow_to_i8(&v), None, "{bad}");
        }
        assert_eq!(narrow_to_i8(&[1.0f32, 2.5]), None);
        let mut w = vec![3.0f32; 2 * BLOCK + 3];
        for bad in [
            4.000_000_5f32, // the float32 nearest 4.0000001 is 4.0 itself
            127.5,
            -128.5,
            -129.0,
            1e-40,
            f32::MAX,
            f32::MIN,
            f32::NEG_INFINITY,
            f32::NAN,
            16_777_216.0,
        ] {
            *w.last_mut().unwrap() = bad;
            assert!(narrow_to_i8(&w).is_none(), "{bad}");
        }
        for bad in [
            4.000_000_1f64,
            -128.5,
            1e-310,
            f64::MIN,
            4_503_599_627_370_496.0,
        ] {
            assert_eq!(narrow_to_i8(&[1.0, bad]), None, "{bad}");
        }
        assert_eq!(narrow_to_i8(&[1i64, 128]), None);
        assert_eq!(narrow_to_i8(&[1i64, -129]), None);
        // Wrapping conversions must not pass: 200u8 and 256i32 as int8 are -56 and 0.
        assert_eq!(narrow_to_i8(&[200u8]), None);
        assert_eq!(narrow_to_i8(&[256i32]), None);
        assert_eq!(narrow_to_i8(&[u64::MAX - 55]), None);
    }
}
