//! CORR: numerai-tools `numerai_corr`.
//!
//! Predictions are tie-kept ranked, gaussianized and raised to the signed 1.5 power; the
//! target is centred and (by default) raised to the signed 1.5 power; the score is their
//! Pearson correlation. With `top_bottom = Some(k)` only the `k` lowest and `k` highest
//! transformed predictions (stable order, so ties go by id) are correlated with the target.

use crate::gaussian::ndtri;
use crate::pearson::{mean_and_scale, pearson, pearson_given, std_dev};
use crate::rank::{ordinal_ranks, position, sort_by_window, walk_tie_runs, SortScratch, TieMethod};
use crate::target::{centre, centre_on, mean_skip_nan, signed_power_in_place, Precision};
use crate::{KernelError, Parallelism};

/// The exponent numerai-tools applies to predictions and targets.
pub const NUMERAI_POWER: f64 = 1.5;

/// A target prepared for [`numerai_corr`]: centred, then optionally powered.
/// Build it once per era and reuse it for every model.
///
/// numerai-tools centres the target series it is given *before* aligning it to the
/// predictions (`center(targets)`, then `filter_sort_index`), so when predictions cover only
/// part of an era the mean is that of every row of the era with a target, not of the scored
/// rows: [`CorrTarget::centred_on`] takes both.
#[derive(Debug, Clone)]
pub struct CorrTarget {
    values: Vec<f64>,
    /// [`mean_and_scale`] of `values`, which CORR's Pearson needs for every model.
    stats: (f64, f64),
}

impl CorrTarget {
    /// Centres `target` (no NaN) in `precision` and, with `pow15`, applies the signed 1.5 power.
    pub fn new(target: &[f64], precision: Precision, pow15: bool) -> Result<Self, KernelError> {
        Self::from_centred(centre(target, precision), precision, pow15)
    }

    /// The scored rows' `target` (no NaN), centred on the mean of `era_target` (the era's
    /// whole target column in the order the caller has it, NaN skipped as pandas skips it),
    /// then, with `pow15`, powered: `numerai_corr(predictions, era_target)` when the
    /// predictions cover only the rows of `target`.
    pub fn centred_on(
        target: &[f64],
        era_target: &[f64],
        precision: Precision,
        pow15: bool,
    ) -> Result<Self, KernelError> {
        let m = mean_skip_nan(era_target, precision);
        let centred = centre_on(target, m, precision);
        Self::from_centred(centred, precision, pow15)
    }

    /// From a target already centred in `precision` (possibly on the mean of a larger set of
    /// rows), applying the signed 1.5 power with `pow15`.
    pub fn from_centred(
        mut values: Vec<f64>,
        precision: Precision,
        pow15: bool,
    ) -> Result<Self, KernelError> {
        if pow15 {
            let centred = values.clone();
            signed_power_in_place(&mut values, NUMERAI_POWER, precision);
            check_power(&centred, &values, "target")?;
        }
        let stats = mean_and_scale(&values);
        Ok(Self { values, stats })
    }

    /// The prepared target values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// numerai-tools `power` asserts the powered column keeps >= 0.9 correlation with its input
/// (or is constant); we surface the same condition as an error.
pub(crate) fn check_power(before: &[f64], after: &[f64], what: &str) -> Result<(), KernelError> {
    if std_dev(after, 1) == 0.0 || after.len() < 2 {
        return Ok(());
    }
    let c = pearson(before, after);
    if c >= 0.9 {
        Ok(())
    } else {
        Err(KernelError::PowerDistorts {
            what: what.to_string(),
            corr: c,
        })
    }
}

/// Tie-kept rank then gaussianize: numerai-tools `gaussian(tie_kept_rank(x))`.
///
/// A tie-kept rank `r` of `n` values is a whole or half number, so every gaussianized value
/// is one of `ndtri((k/2 − 0.5)/n)` for `k = 2..=2n`: the same few thousand quantiles for
/// every model of an era. Each thread keeps them in a table for the last `n` it saw, filled
/// as they are first needed, so the inverse normal CDF runs once per distinct rank instead
/// of once per value. The table holds the very numbers the direct computation gives (`k/2`
/// is exactly the rank, same expression, same function), so results are bit for bit those
/// of [`crate::rank::percentile_rank`] followed by
/// [`crate::gaussian::gaussianize_in_place`] (tested).
pub fn gaussian_rank(values: &[f64]) -> Vec<f64> {
    let mut g = ordinal_ranks(values, TieMethod::Average);
    let n = values.len();
    QUANTILES.with_borrow_mut(|(size, table)| {
        if *size != n {
            *size = n;
            table.clear();
            table.resize(2 * n + 1, f64::NAN);
        }
        let nf = n as f64;
        for r in g.iter_mut() {
            // r is k/2 for a whole k in 2..=2n, exactly.
            let k = (*r * 2.0) as usize;
            let q = &mut table[k];
            if q.is_nan() {
                *q = ndtri((*r - 0.5) / nf);
            }
            *r = *q;
        }
    });
    g
}

thread_local! {
    /// `ndtri((k/2 − 0.5)/n)` by `k`, NaN where not computed yet, for the `n` in front.
    static QUANTILES: std::cell::RefCell<(usize, Vec<f64>)> =
        const { std::cell::RefCell::new((0, Vec::new())) };
}

/// [`gaussian_rank`] and [`gaussian_pow`] of one column at once: `(gaussianized, powered)`.
/// Both come from one per-thread table of the values of each tie-kept rank (computed with
/// the same arithmetic as the two functions, so the same numbers bit for bit), so a model
/// costs one sort and one walk instead of a sort, a walk and a power per value. The power's
/// check ([`gaussian_pow`]'s, numerai-tools' `power` assertion) is made on every column with
/// ties; columns without ties hold the same pairs of values in another order, so for one
/// length it is made on the first such column a thread sees. NaN takes the two functions.
pub fn gaussian_rank_pow(values: &[f64]) -> Result<(Vec<f64>, Vec<f64>), KernelError> {
    let n = values.len();
    let done = RANK_POW.with_borrow_mut(|slot| {
        if slot.as_ref().is_none_or(|(t, _)| t.n != n) {
            *slot = Some((PowerTable::new(n), false));
        }
        let (table, distinct_checked) = slot.as_mut()?;
        let sorted = sort_by_window(values, &mut table.sort);
        if sorted.nan {
            return None;
        }
        let (mut g, mut p) = (vec![0.0; n], vec![0.0; n]);
        let PowerTable {
            gaussian,
            powered,
            sort,
            ..
        } = table;
        let mut runs = 0;
        walk_tie_runs(values, sort, sorted, |start, end, run| {
            let (gv, pv) = table_entry(gaussian, powered, n, start, end);
            runs += 1;
            for &w in run {
                g[position(w)] = gv;
                p[position(w)] = pv;
            }
        });
        let distinct = runs == n;
        if !(distinct && *distinct_checked) {
            if let Err(e) = check_power(&g, &p, "predictions") {
                return Some(Err(e));
            }
            *distinct_checked |= distinct;
        }
        Some(Ok((g, p)))
    });
    match done {
        Some(r) => r,
        None => {
            let g = gaussian_rank(values);
            let p = gaussian_pow(&g)?;
            Ok((g, p))
        }
    }
}

thread_local! {
    /// [`gaussian_rank_pow`]'s table for the last length it saw, and whether a column
    /// without ties of that length passed the power's check.
    static RANK_POW: std::cell::RefCell<Option<(PowerTable, bool)>> =
        const { std::cell::RefCell::new(None) };
}

/// `tie_kept_rank__gaussianize__pow_1_5` for one prediction column: the powered half of
/// [`gaussian_rank_pow`] (one sort and one walk of the per-thread table; the numbers of
/// [`gaussian_pow`] after [`gaussian_rank`], bit for bit), which FNC's re-ranking of every
/// neutralized column calls through [`numerai_corr`].
pub fn rank_gaussian_pow(predictions: &[f64]) -> Result<Vec<f64>, KernelError> {
    gaussian_rank_pow(predictions).map(|(_, powered)| powered)
}

/// [`rank_gaussian_pow`] of several columns of one era (all of one length `n`). A tie-kept
/// rank is a multiple of 1/2 in `[1, n]`, so every column's gaussianized and powered values
/// come from one table of at most `2n − 1` entries, each computed once for all columns with
/// the same arithmetic as [`rank_gaussian_pow`] (bit-identical results): with many models
/// the inverse normal CDF and the power are paid once per era instead of once per model.
pub fn rank_gaussian_pow_many(columns: &[&[f64]]) -> Result<Vec<Vec<f64>>, KernelError> {
    rank_gaussian_pow_many_par(columns, Parallelism::Sequential)
}

/// [`rank_gaussian_pow_many`] with the columns spread over the threads `par` allows (each
/// thread fills its own table; the same numbers). A NaN is [`KernelError::NanInput`].
pub fn rank_gaussian_pow_many_par(
    columns: &[&[f64]],
    par: Parallelism,
) -> Result<Vec<Vec<f64>>, KernelError> {
    let n = columns.first().map_or(0, |c| c.len());
    let mut flat = vec![0.0; n * columns.len()];
    rank_gaussian_pow_into(columns, &mut flat, par)?;
    Ok(crate::columns(&flat, n, columns.len())
        .into_iter()
        .map(<[f64]>::to_vec)
        .collect())
}

/// [`rank_gaussian_pow_many_par`] into `out`, column-major (`columns.len()` columns of `n`,
/// the columns' common length). The first column in order that fails gives the error.
pub(crate) fn rank_gaussian_pow_into(
    columns: &[&[f64]],
    out: &mut [f64],
    par: Parallelism,
) -> Result<(), KernelError> {
    let n = columns.first().map_or(0, |c| c.len());
    if let Some(other) = columns.iter().map(|c| c.len()).find(|&l| l != n) {
        return Err(KernelError::LengthMismatch {
            left: n,
            right: other,
        });
    }
    par.zip_columns_init(
        out,
        n,
        columns,
        || PowerTable::new(n),
        |table, p, c| table.rank_column(c, p),
    )
    .into_iter()
    .collect()
}

/// What a thread keeps while it ranks the columns of one era (all of length `n`): the
/// gaussianized and powered value of each tie-kept rank, the sums of the power check for a
/// column without ties, and the sort's buffers.
struct PowerTable {
    n: usize,
    /// Entry `2r − 2`: the value for tie-kept rank `r` (ranks are multiples of 1/2), NaN
    /// until a column needs it. Computed once per thread for all columns, with the same
    /// arithmetic as [`rank_gaussian_pow`].
    gaussian: Vec<f64>,
    powered: Vec<f64>,
    /// `(start, end)` of each run of ties of the column being ranked, in rank order.
    runs: Vec<(usize, usize)>,
    /// The power check's sums when every value is distinct: the same for every such column.
    distinct_sums: Option<[f64; 5]>,
    sort: SortScratch,
}

impl PowerTable {
    fn new(n: usize) -> Self {
        let len = (2 * n).saturating_sub(1);
        Self {
            n,
            gaussian: vec![f64::NAN; len],
            powered: vec![f64::NAN; len],
            runs: Vec::with_capacity(n),
            distinct_sums: None,
            sort: SortScratch::default(),
        }
    }

    /// (gaussianized, powered) of the run of sorted positions `start..end`.
    #[inline(always)]
    fn entry(&mut self, start: usize, end: usize) -> (f64, f64) {
        table_entry(&mut self.gaussian, &mut self.powered, self.n, start, end)
    }

    /// `tie_kept_rank__gaussianize__pow_1_5` of `c` into `p`. Runs of tied values come in
    /// rank order, so the table is read in order, once per run.
    fn rank_column(&mut self, c: &[f64], p: &mut [f64]) -> Result<(), KernelError> {
        let n = self.n;
        let sorted = sort_by_window(c, &mut self.sort);
        if sorted.nan {
            crate::nan::first_nan(c, "predictions")?;
        }
        let Self {
            gaussian,
            powered,
            runs,
            sort,
            ..
        } = self;
        // A slot per possible run, so that recording one is a store, not a push.
        runs.resize(n, (0, 0));
        let mut count = 0;
        walk_tie_runs(c, sort, sorted, |start, end, run| {
            let (_, pv) = table_entry(gaussian, powered, n, start, end);
            runs[count] = (start, end);
            count += 1;
            for &w in run {
                p[position(w)] = pv;
            }
        });
        self.runs.truncate(count);
        // numerai-tools' check that the power keeps a correlation of at least 0.9 with the
        // gaussianized ranks (a constant column, one run of ties, powers to zeros and passes
        // as there).
        if n < 2 || self.runs.len() < 2 {
            return Ok(());
        }
        let distinct = self.runs.len() == n;
        let [sg, sp, sgg, spp, sgp] = match self.distinct_sums {
            Some(sums) if distinct => sums,
            _ => {
                let sums = self.check_sums();
                if distinct {
                    self.distinct_sums = Some(sums);
                }
                sums
            }
        };
        let nf = n as f64;
        let cov = sgp - sg * sp / nf;
        let corr = cov / ((sgg - sg * sg / nf) * (spp - sp * sp / nf)).sqrt();
        if corr.is_nan() || corr < 0.9 {
            return Err(KernelError::PowerDistorts {
                what: "predictions".into(),
                corr,
            });
        }
        Ok(())
    }

    /// The sums of the power check over the column's runs, in rank order. Only compared
    /// with 0.9, so summing a run as count × value instead of value by value changes
    /// nothing that matters; every column with no ties sums the same terms in the same order.
    fn check_sums(&mut self) -> [f64; 5] {
        let [mut sg, mut sp, mut sgg, mut spp, mut sgp] = [0.0f64; 5];
        for i in 0..self.runs.len() {
            let (start, end) = self.runs[i];
            let (gv, pv) = self.entry(start, end);
            let count = (end - start) as f64;
            sg += count * gv;
            sp += count * pv;
            sgg += count * gv * gv;
            spp += count * pv * pv;
            sgp += count * gv * pv;
        }
        [sg, sp, sgg, spp, sgp]
    }
}

/// (gaussianized, powered) of the run of sorted positions `start..end` of a column of `n`,
/// whose tie-kept rank is `(start + 1 + end) / 2`: read from the tables (entry `2r − 2`),
/// computed on first use.
#[inline(always)]
fn table_entry(
    gaussian: &mut [f64],
    powered: &mut [f64],
    n: usize,
    start: usize,
    end: usize,
) -> (f64, f64) {
    let k = start + end - 1;
    let pv = powered[k];
    if !pv.is_nan() {
        return (gaussian[k], pv);
    }
    fill_entry(gaussian, powered, n, start, end)
}

#[cold]
#[inline(never)]
fn fill_entry(
    gaussian: &mut [f64],
    powered: &mut [f64],
    n: usize,
    start: usize,
    end: usize,
) -> (f64, f64) {
    let k = start + end - 1;
    let r = (start + 1 + end) as f64 / 2.0;
    let gv = ndtri((r - 0.5) / n as f64);
    let mut pv = [gv];
    signed_power_in_place(&mut pv, NUMERAI_POWER, Precision::F64);
    gaussian[k] = gv;
    powered[k] = pv[0];
    (gv, pv[0])
}

/// The signed 1.5 power of already gaussianized ranks, as [`rank_gaussian_pow`] does after
/// ranking: lets a caller that needs the gaussianized ranks for MMC as well rank only once.
pub fn gaussian_pow(gaussianized: &[f64]) -> Result<Vec<f64>, KernelError> {
    let mut p = gaussianized.to_vec();
    signed_power_in_place(&mut p, NUMERAI_POWER, Precision::F64);
    check_power(gaussianized, &p, "predictions")?;
    Ok(p)
}

/// numerai_corr of one prediction column (no NaN, same row order as the target).
/// NaN when the predictions are constant; NaN for `top_bottom = Some(k)` when there are no
/// more than `2k` rows, where top and bottom would overlap.
pub fn numerai_corr(
    predictions: &[f64],
    target: &CorrTarget,
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    if predictions.len() != target.values.len() {
        return Err(KernelError::LengthMismatch {
            left: predictions.len(),
            right: target.values.len(),
        });
    }
    corr_of_powered(&rank_gaussian_pow(predictions)?, target, top_bottom)
}

/// [`numerai_corr`] from predictions already ranked, gaussianized and powered
/// ([`gaussian_pow`]).
pub fn corr_of_powered(
    powered: &[f64],
    target: &CorrTarget,
    top_bottom: Option<usize>,
) -> Result<f64, KernelError> {
    let p = powered;
    if p.len() != target.values.len() {
        return Err(KernelError::LengthMismatch {
            left: p.len(),
            right: target.values.len(),
        });
    }
    Ok(match top_bottom {
        Some(k) if k > 0 => {
            let Some(rows) = top_bottom_rows(p, k) else {
                return Ok(f64::NAN);
            };
            let t: Vec<f64> = rows.iter().map(|&i| target.values[i]).collect();
            let q: Vec<f64> = rows.iter().map(|&i| p[i]).collect();
            pearson(&t, &q)
        }
        _ => pearson_given(&target.values, target.stats, p),
    })
}

/// Row positions of the `k` lowest and `k` highest values (stable argsort, so ties keep
/// row order), returned in row order. `None` when the two sets would overlap.
pub fn top_bottom_rows(values: &[f64], k: usize) -> Option<Vec<usize>> {
    let n = values.len();
    if n <= 2 * k {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    // numpy's stable argsort treats -0.0 and 0.0 as equal (row order decides); `+ 0.0` maps
    // -0.0 to 0.0 so total_cmp agrees.
    order.sort_by(|&a, &b| (values[a] + 0.0).total_cmp(&(values[b] + 0.0)));
    let mut rows: Vec<usize> = order[..k].iter().chain(&order[n - k..]).copied().collect();
    rows.sort_unstable();
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaussian::gaussianize_in_place;
    use crate::rank::percentile_rank;

    /// The quantile table gives exactly the direct computation, with ties (half ranks),
    /// -0.0 against 0.0, and eras of different sizes taking turns on one thread.
    #[test]
    fn gaussian_rank_table_is_bit_identical_to_direct() {
        let direct = |v: &[f64]| {
            let mut g = percentile_rank(v, TieMethod::Average);
            gaussianize_in_place(&mut g);
            g
        };
        for round in 0..3 {
            for n in [1usize, 2, 5, 6, 97, 1000, 6200] {
                let v: Vec<f64> = (0..n)
                    .map(|i| match (i + round) % 7 {
                        0 => ((i * 31) % 13) as f64 / 10.0,
                        1 => -0.0,
                        2 => 0.0,
                        _ => ((i * 7919 + round) % 1009) as f64 * 1e-3 - 0.4,
                    })
                    .collect();
                let (a, b) = (gaussian_rank(&v), direct(&v));
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(&b) {
                    assert_eq!(x.to_bits(), y.to_bits(), "n={n}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn rank_and_power_together_are_bit_identical_to_one_after_the_other() {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for n in [1usize, 2, 3, 97, 6200, 97] {
            let distinct: Vec<f64> = (0..n).map(|i| ((i * 7919) % 10007) as f64).collect();
            let ties: Vec<f64> = (0..n).map(|i| ((i * 31) % 13) as f64 / 10.0).collect();
            let signed: Vec<f64> = (0..n)
                .map(|i| if i % 3 == 0 { -0.0 } else { 0.0 })
                .collect();
            for v in [&distinct, &ties, &signed] {
                let (g, p) = gaussian_rank_pow(v).unwrap();
                let g_alone = gaussian_rank(v);
                assert_eq!(bits(&g), bits(&g_alone), "n={n}");
                assert_eq!(bits(&p), bits(&gaussian_pow(&g_alone).unwrap()), "n={n}");
            }
        }
        // NaN takes the separate functions (ranked by total order, as gaussian_rank does).
        let with_nan = [0.3, f64::NAN, 0.1];
        assert_eq!(
            gaussian_rank_pow(&with_nan).is_err(),
            gaussian_pow(&gaussian_rank(&with_nan)).is_err()
        );
    }

    #[test]
    fn many_columns_from_one_table_match_one_at_a_time_bit_for_bit() {
        let a: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let ties: Vec<f64> = a.iter().map(|v| (v * 2.0).round() / 2.0).collect();
        let b: Vec<f64> = (0..300).map(|i| ((i * 13) % 17) as f64).collect();
        let many = rank_gaussian_pow_many(&[&a, &ties, &b]).unwrap();
        for (col, got) in [&a, &ties, &b].iter().zip(&many) {
            let want = rank_gaussian_pow(col).unwrap();
            assert_eq!(
                got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
        assert!(rank_gaussian_pow_many(&[&a, &b[..10]]).is_err());
        assert!(rank_gaussian_pow_many(&[]).unwrap().is_empty());
    }

    #[test]
    fn perfect_order_gives_high_corr() {
        let target = [0.0, 0.25, 0.5, 0.75, 1.0];
        let t = CorrTarget::new(&target, Precision::F64, true).unwrap();
        let c = numerai_corr(&[0.1, 0.2, 0.3, 0.4, 0.5], &t, None).unwrap();
        assert!(c > 0.99 && c <= 1.0, "{c}");
        let c = numerai_corr(&[0.5, 0.4, 0.3, 0.2, 0.1], &t, None).unwrap();
        assert!(c < -0.99, "{c}");
    }

    #[test]
    fn constant_predictions_are_nan() {
        let t = CorrTarget::new(&[0.0, 0.5, 1.0], Precision::F64, true).unwrap();
        assert!(numerai_corr(&[0.3; 3], &t, None).unwrap().is_nan());
    }

    #[test]
    fn top_bottom_needs_more_than_twice_k_rows() {
        let t = CorrTarget::new(&[0.0, 0.5, 1.0, 0.25], Precision::F64, true).unwrap();
        assert!(numerai_corr(&[0.1, 0.2, 0.3, 0.4], &t, Some(2))
            .unwrap()
            .is_nan());
        assert!(numerai_corr(&[0.1, 0.2, 0.3, 0.4], &t, Some(1))
            .unwrap()
            .is_finite());
    }

    #[test]
    fn top_bottom_rows_are_stable() {
        assert_eq!(
            top_bottom_rows(&[1.0, 0.0, 1.0, 0.0, 0.5], 1),
            Some(vec![1, 2])
        );
    }

    #[test]
    fn top_bottom_rows_treat_signed_zeros_as_equal() {
        // np.argsort([0.0, -0.0, 1.0, -1.0], kind="stable") == [3, 0, 1, 2]
        assert_eq!(
            top_bottom_rows(&[0.0, -0.0, 1.0, -1.0], 1),
            Some(vec![2, 3])
        );
        assert_eq!(
            top_bottom_rows(&[0.0, -0.0, 1.0, -1.0, 2.0], 2),
            Some(vec![0, 2, 3, 4])
        );
    }

    #[test]
    fn length_mismatch_is_an_error() {
        let t = CorrTarget::new(&[0.0, 1.0], Precision::F64, true).unwrap();
        assert!(numerai_corr(&[0.1, 0.2, 0.3], &t, None).is_err());
    }
}
