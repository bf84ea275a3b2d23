//! Churn between two submissions: numerai-tools 0.7.2 `signals.churn`.
//!
//! * Without `top_bottom`: `churn = 1 − Spearman(s1, s2)` over the ids both hold (tie-kept
//!   ranks, Pearson of the ranks). numerai-tools asserts that each side has a positive
//!   standard deviation (pandas, ddof 1); that is [`KernelError::ZeroVariance`]. A side that
//!   is constant but whose computed standard deviation is a rounding residue (e.g. seven
//!   copies of 0.1) passes that check there and gives NaN; so it does here.
//! * With `top_bottom = k`: each series on its own (no alignment) keeps its `k` lowest and
//!   `k` highest values (stable order of the rows as given, NaN sorting above every number,
//!   as pandas' `argsort`); `churn = 1 − (|top1 ∩ top2| / k + |bot1 ∩ bot2| / k) / 2`, sets
//!   compared by id.

use std::collections::BTreeSet;

use crate::pearson::{pandas_std, spearman};
use crate::KernelError;

/// `churn(s1, s2)` of two aligned series (row `i` is the same id on both sides, NaN-free:
/// the caller has done numerai-tools' `filter_sort_index`).
pub fn churn(s1: &[f64], s2: &[f64]) -> Result<f64, KernelError> {
    if s1.len() != s2.len() {
        return Err(KernelError::LengthMismatch {
            left: s1.len(),
            right: s2.len(),
        });
    }
    // `std > 0` is false for NaN (fewer than two rows) too, as in pandas.
    for (s, what) in [(s1, "s1"), (s2, "s2")] {
        let positive = pandas_std(s) > 0.0;
        if !positive {
            return Err(KernelError::ZeroVariance { what: what.into() });
        }
    }
    Ok(1.0 - spearman(s1, s2))
}

/// `churn(s1, s2, top_bottom=k)`: `ids1[i]` is the id of `s1[i]`, likewise for `s2`; the
/// rows are taken in the order given (numerai-tools breaks ties by that order).
pub fn churn_top_bottom<T: Ord>(
    ids1: &[T],
    s1: &[f64],
    ids2: &[T],
    s2: &[f64],
    k: usize,
) -> Result<f64, KernelError> {
    for (ids, s) in [(ids1, s1), (ids2, s2)] {
        if ids.len() != s.len() {
            return Err(KernelError::LengthMismatch {
                left: ids.len(),
                right: s.len(),
            });
        }
    }
    let (top1, bot1) = top_bottom_ids(ids1, s1, k);
    let (top2, bot2) = top_bottom_ids(ids2, s2, k);
    let top = top1.intersection(&top2).count() as f64 / k as f64;
    let bot = bot1.intersection(&bot2).count() as f64 / k as f64;
    Ok(1.0 - (top + bot) / 2.0)
}

/// The ids of the `k` highest and `k` lowest values (fewer when there are fewer rows).
fn top_bottom_ids<'a, T: Ord>(
    ids: &'a [T],
    s: &[f64],
    k: usize,
) -> (BTreeSet<&'a T>, BTreeSet<&'a T>) {
    let mut order: Vec<usize> = (0..s.len()).collect();
    // NaN above every number; -0.0 equal to 0.0; stable.
    order.sort_by(|&a, &b| match (s[a].is_nan(), s[b].is_nan()) {
        (false, false) => (s[a] + 0.0).total_cmp(&(s[b] + 0.0)),
        (x, y) => x.cmp(&y),
    });
    let k = k.min(order.len());
    let bot = order[..k].iter().map(|&i| &ids[i]).collect();
    let top = order[order.len() - k..].iter().map(|&i| &ids[i]).collect();
    (top, bot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_orders_do_not_churn() {
        let a = [0.1, 0.5, 0.3, 0.9];
        let b = [1.0, 5.0, 3.0, 9.0];
        assert!(churn(&a, &b).unwrap().abs() < 1e-15);
        let r = [0.9, 0.3, 0.5, 0.1];
        assert!((churn(&a, &r).unwrap() - 2.0).abs() < 1e-15);
    }

    #[test]
    fn constant_side_is_an_error_or_nan_as_in_pandas() {
        assert_eq!(
            churn(&[0.5; 4], &[0.1, 0.2, 0.3, 0.4]),
            Err(KernelError::ZeroVariance { what: "s1".into() })
        );
        // pandas finds std 1.5e-17 > 0 for seven 0.1s, then Spearman is NaN.
        assert!(churn(&[0.1; 7], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
            .unwrap()
            .is_nan());
    }

    #[test]
    fn top_bottom_hand_checked() {
        let ids = ["a", "b", "c", "d", "e", "f"];
        let s1 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        // bottom 2 {a,b} vs {a,c}; top 2 {e,f} vs {e,f}
        let s2 = [0.1, 0.35, 0.2, 0.4, 0.5, 0.6];
        let c = churn_top_bottom(&ids, &s1, &ids, &s2, 2).unwrap();
        assert!((c - 0.25).abs() < 1e-15, "{c}");
    }

    #[test]
    fn top_bottom_compares_ids_not_positions() {
        let s = [0.1, 0.2, 0.3, 0.4];
        let c = churn_top_bottom(&["a", "b", "c", "d"], &s, &["d", "c", "b", "a"], &s, 1).unwrap();
        assert_eq!(c, 1.0);
    }

    #[test]
    fn top_bottom_ties_break_by_given_order_and_nan_sorts_high() {
        let ids = [0, 1, 2, 3];
        // Ties: bottom 1 is row 0 (first of the tied 0.5s)... and NaN counts as the top.
        let (top, bot) = top_bottom_ids(&ids, &[0.5, 0.5, f64::NAN, 0.7], 1);
        assert_eq!(top.into_iter().copied().collect::<Vec<_>>(), vec![2]);
        assert_eq!(bot.into_iter().copied().collect::<Vec<_>>(), vec![0]);
    }
}
