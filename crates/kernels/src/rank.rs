//! Percentile ranks centred on 0.5: `(rank - 0.5) / n`, as numerai-tools `rank_series`.
//!
//! `TieMethod::Average` is pandas `rank(method="average")` (ties share the mean of their
//! ordinal ranks, "tie-kept"); `TieMethod::First` is `method="first"` (ties broken by position,
//! which numerai-tools makes the id order by sorting the index first).

/// How tied values are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieMethod {
    /// Ties share the average of their ordinal ranks (tie-kept rank).
    #[default]
    Average,
    /// Ties are ranked in order of appearance (tie-broken rank).
    First,
}

/// Percentile ranks of `values` in `(0, 1)`. `values` must not contain NaN.
pub fn percentile_rank(values: &[f64], method: TieMethod) -> Vec<f64> {
    let n = values.len() as f64;
    let mut out = ordinal_ranks(values, method);
    for r in out.iter_mut() {
        *r = (*r - 0.5) / n;
    }
    out
}

/// 1-based ranks as pandas gives them (averages for ties under `Average`).
pub fn ordinal_ranks(values: &[f64], method: TieMethod) -> Vec<f64> {
    let n = values.len();
    let mut ranks = vec![0.0; n];
    let mut sort = SortScratch::default();
    match method {
        TieMethod::First => {
            for (pos, &i) in sorted_positions(values, &mut sort).iter().enumerate() {
                ranks[i] = (pos + 1) as f64;
            }
        }
        TieMethod::Average => for_each_tie_run(values, &mut sort, |start, end, run| {
            let avg = (start + 1 + end) as f64 / 2.0;
            for &w in run {
                ranks[position(w)] = avg;
            }
        }),
    }
    ranks
}

/// Positions of `values` in ascending order, ties in position order (a stable argsort).
/// -0.0 sorts as 0.0 (pandas treats them as equal, so they tie and break by position);
/// NaN sorts by `total_cmp`.
fn sorted_positions(values: &[f64], sort: &mut SortScratch) -> Vec<usize> {
    let mut order = Vec::with_capacity(values.len());
    for_each_tie_run(values, sort, |_, _, run| {
        order.extend(run.iter().map(|&w| position(w)))
    });
    order
}

/// Buffers of the radix sort, kept by a caller that ranks many columns of one length.
#[derive(Debug, Default)]
pub(crate) struct SortScratch {
    /// Sorted: each value's sort window above its position.
    words: Vec<u64>,
    next: Vec<u64>,
    /// The histograms of the low and the high digit.
    counts: Vec<[u32; RADIX]>,
}

/// What [`sort_by_window`] found while reading the values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SortedWindows {
    /// The windows are whole keys: values are tied exactly when their windows are equal.
    exact: bool,
    /// Whether any value is NaN.
    pub(crate) nan: bool,
}

/// Bits of a radix digit: two passes sort a window of twice as many bits.
const DIGIT_BITS: u32 = 11;
const RADIX: usize = 1 << DIGIT_BITS;
/// Bits of a key's sort window, the highest bits in which keys differ.
const WINDOW_BITS: u32 = 2 * DIGIT_BITS;
/// Low bits of a packed (window, position) word that hold the position.
const POSITION_BITS: u32 = 64 - WINDOW_BITS;
const POSITION_MASK: u64 = (1 << POSITION_BITS) - 1;
/// Below this many values the histograms cost more than a comparison sort.
const RADIX_MIN: usize = 64;

/// The position a sorted word stands for.
#[inline(always)]
pub(crate) fn position(word: u64) -> usize {
    (word & POSITION_MASK) as usize
}

/// Sorts the positions of `values` into `sort.words` by the `WINDOW_BITS` highest bits in
/// which their keys differ (an LSD radix sort, two digit passes, stable: equal windows stay
/// in position order). Each element is one word, its window above its position, so a pass
/// streams through words instead of looking keys up by position. One read of the values
/// finds the window and whether any is NaN (the callers' input check, for free).
pub(crate) fn sort_by_window(values: &[f64], sort: &mut SortScratch) -> SortedWindows {
    let n = values.len();
    sort.words.clear();
    let Some(&v0) = values.first() else {
        return SortedWindows {
            exact: true,
            nan: false,
        };
    };
    let k0 = total_order_key(v0 + 0.0);
    let (mut varying, mut nan) = (0u64, false);
    for &v in values {
        varying |= total_order_key(v + 0.0) ^ k0;
        nan |= v.is_nan();
    }
    // 2^42 positions would be 32 TiB of values: a word always has room for the position.
    if n < RADIX_MIN {
        // Window 0 for all: one run that the walk orders by whole keys.
        sort.words.extend(0..n as u64);
        return SortedWindows { exact: false, nan };
    }
    let top = 64 - varying.leading_zeros();
    let shift = top.saturating_sub(WINDOW_BITS);
    // Exact when no key differs below the window (and no NaN, which ties nothing).
    let exact = !nan && varying & ((1u64 << shift) - 1) == 0;
    let window_mask = (1u64 << WINDOW_BITS) - 1;
    let digit = |w: u64, pass: usize| {
        ((w >> (POSITION_BITS as usize + DIGIT_BITS as usize * pass)) as usize) & (RADIX - 1)
    };
    // Fixed-size histograms: a masked digit indexes them with no bounds check.
    sort.counts.clear();
    sort.counts.resize(2, [0; RADIX]);
    let [low, high] = &mut sort.counts[..] else {
        unreachable!("two histograms")
    };
    sort.words.extend(values.iter().enumerate().map(|(i, &v)| {
        let w = (((total_order_key(v + 0.0) >> shift) & window_mask) << POSITION_BITS) | i as u64;
        low[digit(w, 0)] += 1;
        high[digit(w, 1)] += 1;
        w
    }));
    if varying == 0 {
        return SortedWindows { exact, nan };
    }
    sort.next.resize(n, 0);
    for (pass, counts) in sort.counts.iter_mut().enumerate() {
        // A digit every word shares moves nothing.
        if counts[digit(sort.words[0], pass)] as usize == n {
            continue;
        }
        let mut sum = 0u32;
        for c in counts.iter_mut() {
            let count = *c;
            *c = sum;
            sum += count;
        }
        for &w in &sort.words {
            let slot = &mut counts[digit(w, pass)];
            sort.next[*slot as usize] = w;
            *slot += 1;
        }
        std::mem::swap(&mut sort.words, &mut sort.next);
    }
    SortedWindows { exact, nan }
}

/// Calls `f(start, end, run)` for each run of tied values, lowest first: `run` holds the
/// words of sorted positions `start..end` ([`position`] of each, ascending), so the run's
/// average 1-based rank is `(start + 1 + end) / 2`. Ties are tested with `==`, as pandas
/// does (-0.0 ties 0.0; NaN ties nothing).
pub(crate) fn for_each_tie_run(
    values: &[f64],
    sort: &mut SortScratch,
    f: impl FnMut(usize, usize, &[u64]),
) {
    let sorted = sort_by_window(values, sort);
    walk_tie_runs(values, sort, sorted, f);
}

/// The walk of [`for_each_tie_run`] over words [`sort_by_window`] sorted.
pub(crate) fn walk_tie_runs(
    values: &[f64],
    sort: &mut SortScratch,
    sorted: SortedWindows,
    mut f: impl FnMut(usize, usize, &[u64]),
) {
    let words = &mut sort.words;
    let n = words.len();
    let mut start = 0;
    while start < n {
        let window = words[start] >> POSITION_BITS;
        let mut end = start + 1;
        while end < n && words[end] >> POSITION_BITS == window {
            end += 1;
        }
        if sorted.exact || end - start == 1 {
            f(start, end, &words[start..end]);
        } else {
            // Keys that agree in the window (exact ties, or values close together): ordered
            // by the whole key, stably (the run is in position order, equal keys stay so),
            // then split where the values differ.
            let run = &mut words[start..end];
            run.sort_by_key(|&w| total_order_key(values[position(w)] + 0.0));
            let mut a = 0;
            while a < run.len() {
                let first = values[position(run[a])];
                let mut b = a + 1;
                while b < run.len() && values[position(run[b])] == first {
                    b += 1;
                }
                f(start + a, start + b, &run[a..b]);
                a = b;
            }
        }
        start = end;
    }
}

/// An integer that orders like `f64::total_cmp`: flip every bit of negatives (so larger
/// magnitudes sort lower) and only the sign bit of positives.
#[inline]
fn total_order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Lcg;

    #[test]
    fn average_ties_hand_checked() {
        // pandas: Series([3, 1, 3, 2]).rank() == [3.5, 1, 3.5, 2]
        let r = ordinal_ranks(&[3.0, 1.0, 3.0, 2.0], TieMethod::Average);
        assert_eq!(r, vec![3.5, 1.0, 3.5, 2.0]);
        let p = percentile_rank(&[3.0, 1.0, 3.0, 2.0], TieMethod::Average);
        assert_eq!(p, vec![0.75, 0.125, 0.75, 0.375]);
    }

    #[test]
    fn first_breaks_ties_by_position() {
        let r = ordinal_ranks(&[3.0, 1.0, 3.0, 2.0], TieMethod::First);
        assert_eq!(r, vec![3.0, 1.0, 4.0, 2.0]);
    }

    #[test]
    fn signed_zeros_are_equal() {
        // pandas: Series([0.0, -0.0, 1.0, -0.0]).rank(method="first") == [1, 2, 4, 3]
        let v = [0.0, -0.0, 1.0, -0.0];
        assert_eq!(
            ordinal_ranks(&v, TieMethod::First),
            vec![1.0, 2.0, 4.0, 3.0]
        );
        assert_eq!(
            ordinal_ranks(&v, TieMethod::Average),
            vec![2.0, 2.0, 4.0, 2.0]
        );
    }

    /// A stable argsort by `total_cmp` with -0.0 as 0.0: what the radix sort must give.
    fn comparison_order(values: &[f64]) -> Vec<usize> {
        let mut want: Vec<usize> = (0..values.len()).collect();
        want.sort_by(|&a, &b| (values[a] + 0.0).total_cmp(&(values[b] + 0.0)));
        want
    }

    #[test]
    fn radix_order_is_a_stable_argsort() {
        let mut rng = Lcg::new(12345);
        let mut next = || rng.next_u64() >> 33;
        // One scratch for every size, as a caller ranking many columns keeps it.
        let mut sort = SortScratch::default();
        for n in [0, 1, 2, 5, 63, 64, 65, 1000, 2048, 6200, 20_000] {
            // Few distinct values (many ties), negatives, signed zeros, wide exponents,
            // ±inf and NaN.
            let values: Vec<f64> = (0..n)
                .map(|_| match next() % 9 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => -((next() % 7) as f64),
                    3 => (next() % 5) as f64 * 0.25,
                    4 => f64::from_bits(next() << 20) * 1e-3,
                    5 => {
                        [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN][next() as usize % 4]
                    }
                    6 => next() as f64 / (1u64 << 31) as f64,
                    _ => (next() as f64).powi(3) * if next() % 2 == 0 { 1.0 } else { -1.0 },
                })
                .collect();
            assert_eq!(
                sorted_positions(&values, &mut sort),
                comparison_order(&values),
                "n = {n}"
            );
            // Distinct values only (the exact-window walk), and all equal.
            let distinct: Vec<f64> = (0..n)
                .map(|i| ((i * 7919) % n.max(1)) as f64 / 8.0)
                .collect();
            assert_eq!(
                sorted_positions(&distinct, &mut sort),
                comparison_order(&distinct)
            );
            let equal = vec![0.3; n];
            assert_eq!(
                sorted_positions(&equal, &mut sort),
                (0..n).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn keys_differing_only_in_low_bits_are_ordered() {
        // Values a few ulps apart agree in every high bit the radix passes look at, so the
        // walk must order them by their whole keys; mixed with far-away values, exact ties
        // and a long run of one value.
        let base = 0.5f64.to_bits();
        let mut values: Vec<f64> = (0..500)
            .map(|i| f64::from_bits(base + ((i * 7919) % 500) as u64))
            .collect();
        values.extend([1e300, -1e-300, 0.5, 0.5, 3.0]);
        values.extend([0.25; 300]);
        let mut sort = SortScratch::default();
        assert_eq!(
            sorted_positions(&values, &mut sort),
            comparison_order(&values)
        );
        let r = ordinal_ranks(&values, TieMethod::Average);
        // The 300 copies of 0.25 hold ranks 2..=301 (-1e-300 is the lowest).
        assert_eq!(r[804], 151.5);
    }

    #[test]
    fn average_ranks_of_a_run_in_the_exact_window() {
        // Few distinct values that differ only in high bits: the windows are whole keys,
        // and ties come from equal windows alone.
        let values: Vec<f64> = (0..1000).map(|i| f64::from((i * 37) % 4)).collect();
        let r = ordinal_ranks(&values, TieMethod::Average);
        for (v, r) in values.iter().zip(&r) {
            assert_eq!(*r, 250.0 * v + 125.5);
        }
    }

    #[test]
    fn all_tied_and_single() {
        assert_eq!(percentile_rank(&[7.0; 4], TieMethod::Average), vec![0.5; 4]);
        assert_eq!(percentile_rank(&[1.0], TieMethod::Average), vec![0.5]);
        assert!(percentile_rank(&[], TieMethod::Average).is_empty());
    }
}
