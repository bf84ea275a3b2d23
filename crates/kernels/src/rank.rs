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
    match method {
        TieMethod::First => {
            for (pos, &i) in sorted_positions(values).iter().enumerate() {
                ranks[i] = (pos + 1) as f64;
            }
        }
        TieMethod::Average => tie_runs(values, |run, avg| {
            for &i in run {
                ranks[i] = avg;
            }
        }),
    }
    ranks
}

/// Positions of `values` in ascending order, ties in position order.
fn sorted_positions(values: &[f64]) -> Vec<usize> {
    // `+ 0.0` turns -0.0 into 0.0: pandas treats them as equal, so they must tie (average)
    // and break by position (first); total_cmp alone would put every -0.0 first.
    let keys: Vec<u64> = values.iter().map(|&v| total_order_key(v + 0.0)).collect();
    stable_order(&keys)
}

/// Calls `f(positions, average rank)` for each run of tied values, lowest first: the
/// positions (ascending) of the run and the average of the 1-based ranks it spans. Ties are
/// tested with `==`, as pandas does (-0.0 ties 0.0; NaN ties nothing).
pub(crate) fn tie_runs(values: &[f64], mut f: impl FnMut(&[usize], f64)) {
    let n = values.len();
    let order = sorted_positions(values);
    let mut start = 0;
    while start < n {
        let first = values[order[start]];
        let mut end = start + 1;
        while end < n && values[order[end]] == first {
            end += 1;
        }
        f(&order[start..end], (start + 1 + end) as f64 / 2.0);
        start = end;
    }
}

/// Bits of a key's sort window that [`stable_order`] radix-sorts.
const WINDOW_BITS: u32 = 24;
/// Low bits of a packed (window, position) word that hold the position.
const POSITION_BITS: u32 = 64 - WINDOW_BITS;

/// Positions of `keys` in ascending order, equal keys in position order (a stable argsort).
///
/// LSD radix sort over the 24 highest bits in which keys differ, a byte per pass: stable by
/// construction, so ties keep position order (pandas `first`) with no index in the key.
/// Each element is one word, those 24 bits above its position, so a pass streams through
/// the words instead of looking keys up by position. Keys that agree in those bits are then
/// ordered by the whole key within their run.
pub(crate) fn stable_order(keys: &[u64]) -> Vec<usize> {
    let n = keys.len();
    if n < 64 || n as u64 >= 1 << POSITION_BITS {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| keys[i]);
        return order;
    }
    // Radix-sort only the 24 highest bits that differ between keys (three byte passes); keys
    // that agree there (rare for real-valued predictions, or exact ties) are then ordered by
    // the whole key within their run.
    let varying = keys.iter().fold(0u64, |acc, &k| acc | (k ^ keys[0]));
    if varying == 0 {
        return (0..n).collect();
    }
    let top = 64 - varying.leading_zeros();
    let shift = top.saturating_sub(WINDOW_BITS);
    let window_mask = (1u64 << WINDOW_BITS) - 1;
    let mut words: Vec<u64> = keys
        .iter()
        .enumerate()
        .map(|(i, &k)| (((k >> shift) & window_mask) << POSITION_BITS) | i as u64)
        .collect();
    let digit = |w: u64, b: usize| ((w >> (POSITION_BITS as usize + 8 * b)) & 0xff) as usize;
    let mut counts = [[0u32; 256]; 3];
    for &w in &words {
        for (b, c) in counts.iter_mut().enumerate() {
            c[digit(w, b)] += 1;
        }
    }
    let mut next = vec![0u64; n];
    for (b, c) in counts.iter().enumerate() {
        if c.contains(&(n as u32)) {
            continue;
        }
        let mut offset = [0usize; 256];
        let mut sum = 0;
        for (o, &count) in offset.iter_mut().zip(c) {
            *o = sum;
            sum += count as usize;
        }
        for &w in &words {
            let d = digit(w, b);
            next[offset[d]] = w;
            offset[d] += 1;
        }
        std::mem::swap(&mut words, &mut next);
    }
    let position_mask = (1u64 << POSITION_BITS) - 1;
    let mut order: Vec<usize> = words
        .iter()
        .map(|&w| (w & position_mask) as usize)
        .collect();
    if shift > 0 {
        let mut start = 0;
        while start < n {
            let w = words[start] >> POSITION_BITS;
            let mut end = start + 1;
            while end < n && words[end] >> POSITION_BITS == w {
                end += 1;
            }
            if end - start > 1 {
                // Stable: the run is in position order, and equal keys stay that way.
                order[start..end].sort_by_key(|&i| keys[i]);
            }
            start = end;
        }
    }
    order
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

    #[test]
    fn radix_order_is_a_stable_argsort() {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for n in [0, 1, 5, 63, 64, 65, 1000, 6200] {
            // Few distinct values (many ties), negatives, signed zeros and wide exponents.
            let values: Vec<f64> = (0..n)
                .map(|_| match next() % 6 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => -((next() % 7) as f64),
                    3 => (next() % 5) as f64 * 0.25,
                    4 => f64::from_bits(next() << 20) * 1e-3,
                    _ => (next() as f64).powi(3) * if next() % 2 == 0 { 1.0 } else { -1.0 },
                })
                .collect();
            let keys: Vec<u64> = values.iter().map(|&v| total_order_key(v + 0.0)).collect();
            let mut want: Vec<usize> = (0..n).collect();
            want.sort_by(|&a, &b| (values[a] + 0.0).total_cmp(&(values[b] + 0.0)));
            assert_eq!(stable_order(&keys), want, "n = {n}");
        }
    }

    #[test]
    fn keys_differing_only_in_low_bits_are_ordered() {
        // Values a few ulps apart agree in every high bit the radix passes look at, so the
        // final per-run sort must order them; mixed with far-away values and exact ties.
        let base = 0.5f64.to_bits();
        let mut values: Vec<f64> = (0..500)
            .map(|i| f64::from_bits(base + ((i * 7919) % 500) as u64))
            .collect();
        values.extend([1e300, -1e-300, 0.5, 0.5, 3.0]);
        let keys: Vec<u64> = values.iter().map(|&v| total_order_key(v + 0.0)).collect();
        let mut want: Vec<usize> = (0..values.len()).collect();
        want.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        assert_eq!(stable_order(&keys), want);
    }

    #[test]
    fn all_tied_and_single() {
        assert_eq!(percentile_rank(&[7.0; 4], TieMethod::Average), vec![0.5; 4]);
        assert_eq!(percentile_rank(&[1.0], TieMethod::Average), vec![0.5]);
        assert!(percentile_rank(&[], TieMethod::Average).is_empty());
    }
}
