//! Aggregates over models and rounds: ranks, Gini, the share of the top models, rank
//! shifts between configurations, Spearman over finite pairs.

use erascore_kernels::pearson::spearman;

use super::results::ConfigResult;

/// Ranks, 1 for the largest value; NaN ranks last; equal values keep their input order.
pub fn rank_descending(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (values[a], values[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => y.total_cmp(&x),
        }
        .then(a.cmp(&b))
    });
    let mut rank = vec![0; values.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

/// Gini coefficient of non-negative amounts: `Σ_i (2i − n − 1) x_(i) / (n Σ x)` over the
/// amounts sorted ascending (i from 1). 0 when all are equal, `1 − 1/n` when one holds
/// everything; NaN when nothing is held.
pub fn gini(amounts: &[f64]) -> f64 {
    let n = amounts.len();
    let total: f64 = amounts.iter().sum();
    if n == 0 || total <= 0.0 {
        return f64::NAN;
    }
    let mut x = amounts.to_vec();
    x.sort_by(f64::total_cmp);
    let weighted: f64 = x
        .iter()
        .enumerate()
        .map(|(i, v)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * v)
        .sum();
    weighted / (n as f64 * total)
}

/// Share of the total held by the largest `ceil(share × n)` amounts (at least one); NaN when
/// nothing is held.
pub fn top_share(amounts: &[f64], share: f64) -> f64 {
    let total: f64 = amounts.iter().sum();
    if amounts.is_empty() || total <= 0.0 {
        return f64::NAN;
    }
    let k = ((share * amounts.len() as f64).ceil() as usize).clamp(1, amounts.len());
    let mut x = amounts.to_vec();
    x.sort_by(|a, b| b.total_cmp(a));
    x[..k].iter().sum::<f64>() / total
}

/// Models ordered by how much more they are paid under `b` than under `a` (total payout,
/// largest gain first; ties in model order): winners from the front, losers from the back.
pub fn by_payout_change(a: &ConfigResult, b: &ConfigResult) -> Vec<usize> {
    let change = |m: usize| b.models[m].total_payout - a.models[m].total_payout;
    let mut order: Vec<usize> = (0..a.models.len()).collect();
    order.sort_by(|&x, &y| change(y).total_cmp(&change(x)).then(x.cmp(&y)));
    order
}

/// Spearman correlation over the pairs where both values are finite.
pub fn spearman_finite(a: &[f64], b: &[f64]) -> f64 {
    let (x, y): (Vec<f64>, Vec<f64>) = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (*x, *y))
        .unzip();
    spearman(&x, &y)
}
