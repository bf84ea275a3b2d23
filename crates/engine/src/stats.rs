//! Statistics of one per-era score series, as Numerai's diagnostics and numerblox report them.
//!
//! Every function takes the scores of one model, target and metric in era order. Eras whose
//! score is NaN (a constant prediction, too few rows) are dropped first, so `n` below is the
//! number of finite scores and `x_1..x_n` are those scores in era order. Unlike
//! [`basic`], these are not mergeable states: drawdowns and the autocorrelation
//! depend on the order of the eras, so the whole series is kept.
//!
//! | statistic | definition | source |
//! | --- | --- | --- |
//! | `mean` | `Σx / n` | |
//! | `std` | `sqrt(Σ(x - mean)² / n)` (ddof = 0) | numerai-tools `sharpe_ratio` |
//! | `sharpe` | `mean / std` | numerai-tools `sharpe_ratio` |
//! | `max_drawdown` | `max_i (max_{j≤i} C_j − C_i)`, `C = cumsum(x)` | Numerai hello-numerai diagnostics |
//! | `max_drawdown_multiplicative` | `−max_i (M_i − P_i) / M_i`, `P = cumprod(1 + x)`, `M_i = max_{j≤i} P_j` | Numerai example-scripts `utils.validation_metrics` |
//! | `apy` | `100 × ((Π(1 + clip(x, −0.25, 0.25)))^(49 / n) − 1)` | Numerai example-scripts `utils.validation_metrics` |
//! | `autocorrelation` | Pearson(`x_1..x_{n−1}`, `x_2..x_n`) | numerblox `autocorr1` |
//! | `smart_sharpe` | `mean / (std_{ddof=1} × sqrt(1 + 2 Σ_{i=1}^{n−1} ((n − i)/n) ρ^i))`, ρ = autocorrelation | numerblox `smart_sharpe`, `autocorr_penalty` |
//! | `calmar` | `apy / −max_drawdown_multiplicative` | numerblox `calmar_ratio` |
//! | `hit_rate` | share of eras with `x > 0` | |
//! | `eras` | `n` | |
//!
//! Where a ratio's denominator is zero (a constant series, no drawdown) the ratio is NaN, as
//! numerblox returns for `sharpe` and `calmar`; numerai-tools would give ±inf instead, which
//! cannot be written to JSON.

use erascore_kernels::pearson::{pearson, std_dev};
use erascore_payout::rule::combine_with;

use crate::metrics::Metric;

/// One statistic over eras; the names are the keys of `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// Mean over eras.
    Mean,
    /// Population standard deviation (ddof = 0).
    Std,
    /// mean / std.
    Sharpe,
    /// Largest fall of the cumulative sum from its running peak (>= 0).
    MaxDrawdown,
    /// Largest relative fall of `cumprod(1 + x)` from its running peak, negated (<= 0).
    MaxDrawdownMultiplicative,
    /// Annualised compounded score in percent.
    Apy,
    /// Lag-1 autocorrelation.
    Autocorrelation,
    /// Sharpe with ddof = 1 and numerblox' autocorrelation penalty.
    SmartSharpe,
    /// apy / |max_drawdown_multiplicative|.
    Calmar,
    /// Share of eras above zero.
    HitRate,
    /// Number of eras with a finite score.
    Eras,
}

impl Stat {
    /// Every statistic, in report order.
    pub const ALL: [Stat; 11] = [
        Stat::Mean,
        Stat::Std,
        Stat::Sharpe,
        Stat::MaxDrawdown,
        Stat::MaxDrawdownMultiplicative,
        Stat::Apy,
        Stat::Autocorrelation,
        Stat::SmartSharpe,
        Stat::Calmar,
        Stat::HitRate,
        Stat::Eras,
    ];

    /// Whether the statistic means something for a per-era series of `metric` (a metric
    /// name, or `payout`): every statistic for a score, which compounds like a return
    /// (CORR, MMC, BMC, FNC, the Signals scores, the payout score); only the mean, standard
    /// deviation, autocorrelation and era count for a property of the predictions (feature
    /// exposure, churn, turnover, correlation with the example), whose APY, Sharpe,
    /// drawdowns, Calmar and hit rate would read a level as a return (APY 5,605,093% for
    /// `fexp_max`). The one rule the table, summary.json, the report and Python apply.
    pub fn applies_to(self, metric: &str) -> bool {
        match self {
            Stat::Mean | Stat::Std | Stat::Autocorrelation | Stat::Eras => true,
            _ => is_score(metric),
        }
    }

    /// The key in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Std => "std",
            Stat::Sharpe => "sharpe",
            Stat::MaxDrawdown => "max_drawdown",
            Stat::MaxDrawdownMultiplicative => "max_drawdown_multiplicative",
            Stat::Apy => "apy",
            Stat::Autocorrelation => "autocorrelation",
            Stat::SmartSharpe => "smart_sharpe",
            Stat::Calmar => "calmar",
            Stat::HitRate => "hit_rate",
            Stat::Eras => "eras",
        }
    }
}

/// Constants of the APY; the defaults are those of Numerai's example scripts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApyOptions {
    /// Compounding periods per year: 52 weekly rounds less the 3 rounds a score takes to
    /// reach the stake (example-scripts use 49; numerblox uses 48).
    pub periods: f64,
    /// Per-era scores are clipped to `±clip` before compounding (Numerai's payout cap).
    pub clip: f64,
}

impl Default for ApyOptions {
    fn default() -> Self {
        Self {
            periods: 49.0,
            clip: 0.25,
        }
    }
}

/// All statistics of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EraStats {
    /// See [`Stat::Mean`].
    pub mean: f64,
    /// See [`Stat::Std`].
    pub std: f64,
    /// See [`Stat::Sharpe`].
    pub sharpe: f64,
    /// See [`Stat::MaxDrawdown`].
    pub max_drawdown: f64,
    /// See [`Stat::MaxDrawdownMultiplicative`].
    pub max_drawdown_multiplicative: f64,
    /// See [`Stat::Apy`].
    pub apy: f64,
    /// See [`Stat::Autocorrelation`].
    pub autocorrelation: f64,
    /// See [`Stat::SmartSharpe`].
    pub smart_sharpe: f64,
    /// See [`Stat::Calmar`].
    pub calmar: f64,
    /// See [`Stat::HitRate`].
    pub hit_rate: f64,
    /// See [`Stat::Eras`].
    pub eras: usize,
}

impl EraStats {
    /// Computes every statistic of `scores` (era order; NaN eras are dropped).
    pub fn new(scores: &[f64], apy_options: ApyOptions) -> Self {
        let x = finite(scores);
        let mean = mean(&x);
        let std = std_dev(&x, 0);
        let mdd_mult = max_drawdown_multiplicative(&x);
        let apy = apy(&x, apy_options);
        Self {
            mean,
            std,
            sharpe: ratio(mean, std),
            max_drawdown: max_drawdown(&x),
            max_drawdown_multiplicative: mdd_mult,
            apy,
            autocorrelation: autocorrelation(&x),
            smart_sharpe: smart_sharpe(&x),
            calmar: calmar(apy, mdd_mult),
            hit_rate: hit_rate(&x),
            eras: x.len(),
        }
    }

    /// [`EraStats::new`] with the statistics that mean nothing for `metric`
    /// ([`Stat::applies_to`]) left NaN.
    pub fn for_metric(scores: &[f64], metric: &str, apy_options: ApyOptions) -> Self {
        let mut s = Self::new(scores, apy_options);
        if !is_score(metric) {
            s.sharpe = f64::NAN;
            s.max_drawdown = f64::NAN;
            s.max_drawdown_multiplicative = f64::NAN;
            s.apy = f64::NAN;
            s.smart_sharpe = f64::NAN;
            s.calmar = f64::NAN;
            s.hit_rate = f64::NAN;
        }
        s
    }

    /// One statistic by name (`eras` as a float).
    pub fn get(&self, stat: Stat) -> f64 {
        match stat {
            Stat::Mean => self.mean,
            Stat::Std => self.std,
            Stat::Sharpe => self.sharpe,
            Stat::MaxDrawdown => self.max_drawdown,
            Stat::MaxDrawdownMultiplicative => self.max_drawdown_multiplicative,
            Stat::Apy => self.apy,
            Stat::Autocorrelation => self.autocorrelation,
            Stat::SmartSharpe => self.smart_sharpe,
            Stat::Calmar => self.calmar,
            Stat::HitRate => self.hit_rate,
            Stat::Eras => self.eras as f64,
        }
    }
}

/// Whether a per-era series of `metric` (a metric name, or `payout`) is a score that
/// compounds like a return, rather than a property of the predictions ([`Stat::applies_to`]).
/// A name outside the catalogue counts as a score.
pub fn is_score(metric: &str) -> bool {
    !matches!(
        Metric::parse(metric),
        Ok(Metric::FeatureExposureMax
            | Metric::CorrWithExample
            | Metric::Churn
            | Metric::ChurnTopBottom(_)
            | Metric::NeutralChurn
            | Metric::Turnover)
    )
}

/// The statistics that mean something for `metric`, in report order.
pub fn stats_for(metric: &str) -> Vec<Stat> {
    Stat::ALL
        .into_iter()
        .filter(|s| s.applies_to(metric))
        .collect()
}

/// The finite scores, in order.
pub fn finite(scores: &[f64]) -> Vec<f64> {
    scores.iter().copied().filter(|v| v.is_finite()).collect()
}

/// `a / b`, NaN when `b` is zero or either side is NaN.
fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        f64::NAN
    } else {
        a / b
    }
}

/// Arithmetic mean; NaN for no values.
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Running sum `C_i = x_1 + ... + x_i` (the cumulative curve of the report).
pub fn cumulative_sum(x: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    x.iter()
        .map(|v| {
            acc += v;
            acc
        })
        .collect()
}

/// `max_i (max_{j≤i} C_j − C_i)` for `C = cumsum(x)`: Numerai's hello-numerai diagnostics
/// `(per_era_corr.cumsum().expanding(min_periods=1).max() - per_era_corr.cumsum()).max()`.
/// The running peak starts at the first era, not at zero. 0 for a never-falling series, NaN
/// for no values.
pub fn max_drawdown(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let mut peak = f64::NEG_INFINITY;
    let mut worst: f64 = 0.0;
    for c in cumulative_sum(x) {
        peak = peak.max(c);
        worst = worst.max(peak - c);
    }
    worst
}

/// `−max_i (M_i − P_i) / M_i` with `P = cumprod(1 + x)` and `M` its running peak: Numerai's
/// example-scripts `utils.validation_metrics` (and numerblox `max_drawdown`),
/// `-((rolling_max - daily_value) / rolling_max).max()` with an "arbitrarily large" window.
/// A negative fraction; 0 when the series never falls; NaN for no values.
pub fn max_drawdown_multiplicative(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let mut value = 1.0;
    let mut peak = f64::NEG_INFINITY;
    let mut worst: f64 = 0.0;
    for v in x {
        value *= 1.0 + v;
        peak = peak.max(value);
        worst = worst.max((peak - value) / peak);
    }
    // `0.0 - 0.0` keeps the sign positive where pandas would print -0.0.
    0.0 - worst
}

/// `100 × ((Π(1 + clip(x, ±clip)))^(periods / n) − 1)`: the APY of Numerai's example-scripts
/// `utils.validation_metrics` (`payout_daily_value.iloc[-1] ** (1 / n)) ** 49`).
pub fn apy(x: &[f64], options: ApyOptions) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let product: f64 = x
        .iter()
        .map(|v| 1.0 + v.clamp(-options.clip, options.clip))
        .product();
    100.0 * (product.powf(options.periods / x.len() as f64) - 1.0)
}

/// Lag-1 autocorrelation, numerblox `autocorr1`: `np.corrcoef(x[:-1], x[1:])[0, 1]`.
/// NaN with fewer than three values or a constant side.
pub fn autocorrelation(x: &[f64]) -> f64 {
    if x.len() < 3 {
        return f64::NAN;
    }
    pearson(&x[..x.len() - 1], &x[1..])
}

/// numerblox `autocorr_penalty`: `sqrt(1 + 2 Σ_{i=1}^{n−1} ((n − i)/n) ρ^i)` with ρ the
/// signed lag-1 autocorrelation (numerblox keeps the sign; some copies take |ρ|).
pub fn autocorr_penalty(x: &[f64]) -> f64 {
    let n = x.len();
    let rho = autocorrelation(x);
    let nf = n as f64;
    let mut power = 1.0;
    let mut sum = 0.0;
    for i in 1..n {
        power *= rho;
        sum += (nf - i as f64) / nf * power;
    }
    (1.0 + 2.0 * sum).sqrt()
}

/// numerblox `smart_sharpe`: `mean / (std(ddof=1) × autocorr_penalty)`.
pub fn smart_sharpe(x: &[f64]) -> f64 {
    ratio(mean(x), std_dev(x, 1) * autocorr_penalty(x))
}

/// numerblox `calmar_ratio`: `apy / −max_drawdown_multiplicative` (APY in percent over a
/// drawdown fraction), NaN when there was no drawdown.
pub fn calmar(apy: f64, max_drawdown_multiplicative: f64) -> f64 {
    ratio(apy, -max_drawdown_multiplicative)
}

/// Share of values above zero; NaN for no values.
pub fn hit_rate(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().filter(|&&v| v > 0.0).count() as f64 / x.len() as f64
}

/// Weights of the payout score `corr × CORR + mmc × MMC`; Numerai's current multipliers are
/// the defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PayoutWeights {
    /// Multiplier of CORR.
    pub corr: f64,
    /// Multiplier of MMC.
    pub mmc: f64,
}

impl Default for PayoutWeights {
    fn default() -> Self {
        Self {
            corr: 0.5,
            mmc: 2.0,
        }
    }
}

/// The per-era payout score `weights.corr × corr + weights.mmc × mmc`, weighted as the
/// payout rules weigh it ([`combine_with`]): NaN where a score with a non-zero weight is.
pub fn payout_scores(corr: &[f64], mmc: &[f64], weights: PayoutWeights) -> Vec<f64> {
    assert_eq!(corr.len(), mmc.len(), "corr and mmc cover the same eras");
    corr.iter()
        .zip(mmc)
        .map(|(&c, &m)| combine_with(weights.corr, weights.mmc, c, m))
        .collect()
}

/// Mean, std (ddof 0) and Sharpe of one series, the three columns of `score`'s table and
/// the per-model summary of `compare`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Basic {
    /// Mean over eras.
    pub mean: f64,
    /// Population standard deviation over eras.
    pub std: f64,
    /// mean / std; NaN when std is 0, as [`Stat::Sharpe`].
    pub sharpe: f64,
    /// Number of eras with a finite value.
    pub eras: usize,
}

/// Mean, std and Sharpe of the finite values of `values` (NaN eras left out, as
/// [`EraStats`] does).
pub fn basic(values: &[f64]) -> Basic {
    let v = finite(values);
    let mean = mean(&v);
    let std = std_dev(&v, 0);
    Basic {
        mean,
        std,
        sharpe: ratio(mean, std),
        eras: v.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn hand_checked_series() {
        // x = [0.1, -0.2, 0.3, -0.1]
        let x = [0.1, -0.2, 0.3, -0.1];
        let s = EraStats::new(&x, ApyOptions::default());
        assert!(close(s.mean, 0.025));
        // deviations .075 -.225 .275 -.125: squares sum .1475, / 4
        assert!(close(s.std, (0.1475f64 / 4.0).sqrt()));
        assert!(close(s.sharpe, 0.025 / (0.1475f64 / 4.0).sqrt()));
        // cumsum .1 -.1 .2 .1: peak .1 .1 .2 .2 -> falls 0 .2 0 .1
        assert!(close(s.max_drawdown, 0.2));
        // cumprod 1.1, .88, 1.144, 1.0296: peaks 1.1 1.1 1.144 1.144
        let mdd = -((1.1 - 0.88) / 1.1f64).max((1.144 - 1.0296) / 1.144);
        assert!(close(s.max_drawdown_multiplicative, mdd));
        // 0.3 is clipped to 0.25: product 1.1 * 0.8 * 1.25 * 0.9
        let product: f64 = 1.1 * 0.8 * 1.25 * 0.9;
        assert!(close(s.apy, 100.0 * (product.powf(49.0 / 4.0) - 1.0)));
        assert!(close(s.calmar, s.apy / -mdd));
        assert_eq!(s.hit_rate, 0.5);
        assert_eq!(s.eras, 4);
        // corrcoef([.1,-.2,.3], [-.2,.3,-.1])
        let rho = pearson(&[0.1, -0.2, 0.3], &[-0.2, 0.3, -0.1]);
        assert!(close(s.autocorrelation, rho));
        let pen = (1.0 + 2.0 * (0.75 * rho + 0.5 * rho * rho + 0.25 * rho * rho * rho)).sqrt();
        assert!(close(s.smart_sharpe, 0.025 / (std_dev(&x, 1) * pen)));
    }

    #[test]
    fn apy_clips_each_era() {
        let a = apy(&[0.5, -0.5], ApyOptions::default());
        let b = apy(&[0.25, -0.25], ApyOptions::default());
        assert_eq!(a, b);
        assert!(close(b, 100.0 * ((1.25f64 * 0.75).powf(49.0 / 2.0) - 1.0)));
    }

    #[test]
    fn empty_and_single() {
        let e = EraStats::new(&[], ApyOptions::default());
        assert_eq!(e.eras, 0);
        for stat in Stat::ALL {
            if stat != Stat::Eras {
                assert!(e.get(stat).is_nan(), "{}", stat.name());
            }
        }
        let one = EraStats::new(&[0.02, f64::NAN], ApyOptions::default());
        assert_eq!(one.eras, 1);
        assert_eq!(one.mean, 0.02);
        assert_eq!(one.std, 0.0);
        assert!(one.sharpe.is_nan());
        assert_eq!(one.max_drawdown, 0.0);
        assert_eq!(one.max_drawdown_multiplicative, 0.0);
        assert!(one.max_drawdown_multiplicative.is_sign_positive());
        assert!(one.autocorrelation.is_nan());
        assert!(one.smart_sharpe.is_nan());
        assert!(one.calmar.is_nan());
        assert_eq!(one.hit_rate, 1.0);
    }

    #[test]
    fn constant_series() {
        let s = EraStats::new(&[0.01; 6], ApyOptions::default());
        assert!(s.sharpe.is_nan());
        assert!(s.autocorrelation.is_nan());
        assert!(s.smart_sharpe.is_nan());
        assert_eq!(s.max_drawdown, 0.0);
        assert!(s.calmar.is_nan());
        assert!(close(s.apy, 100.0 * (1.01f64.powf(49.0) - 1.0)));
    }

    #[test]
    fn nan_eras_are_dropped_before_ordering() {
        let a = EraStats::new(&[0.1, f64::NAN, -0.2, 0.3], ApyOptions::default());
        let b = EraStats::new(&[0.1, -0.2, 0.3], ApyOptions::default());
        assert_eq!(a, b);
    }

    #[test]
    fn drawdown_peak_starts_at_first_era() {
        // A first-era loss is not a drawdown: the peak is the first cumulative value.
        assert_eq!(max_drawdown(&[-0.5, 0.1]), 0.0);
        assert_eq!(max_drawdown_multiplicative(&[-0.5, 0.1]), 0.0);
        assert!(close(max_drawdown(&[0.1, -0.05, -0.05, 0.2]), 0.1));
    }

    #[test]
    fn penalty_is_one_without_autocorrelation_terms() {
        // Alternating series: rho = -1 exactly; penalty = sqrt(1 + 2 Σ ((n-i)/n)(-1)^i).
        let x = [1.0, -1.0, 1.0, -1.0];
        let rho = autocorrelation(&x);
        assert!(close(rho, -1.0));
        let expected = (1.0f64 + 2.0 * (-0.75 + 0.5 - 0.25)).sqrt();
        assert!(close(autocorr_penalty(&x), expected));
    }

    #[test]
    fn payout_combines_eras() {
        let p = payout_scores(&[0.02, f64::NAN], &[0.01, 0.0], PayoutWeights::default());
        assert!(close(p[0], 0.5 * 0.02 + 2.0 * 0.01));
        assert!(p[1].is_nan());
    }

    #[test]
    fn invariants_on_seeded_series() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for n in [3usize, 10, 100, 620] {
            let x: Vec<f64> = (0..n).map(|_| rng.random_range(-0.1..0.12)).collect();
            let s = EraStats::new(&x, ApyOptions::default());
            assert!(s.max_drawdown >= 0.0);
            assert!((-1.0..=0.0).contains(&s.max_drawdown_multiplicative));
            assert!((0.0..=1.0).contains(&s.hit_rate));
            assert!(s.autocorrelation.abs() <= 1.0);
            // Scale-free ratios do not change when every score is doubled.
            let doubled: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
            let d = EraStats::new(&doubled, ApyOptions::default());
            assert!(close(d.sharpe, s.sharpe));
            assert!(close(d.smart_sharpe, s.smart_sharpe));
            assert!(close(d.autocorrelation, s.autocorrelation));
            assert!(close(d.max_drawdown, 2.0 * s.max_drawdown));
            // A drawdown of the sum is at least the last fall below the running peak.
            let c = cumulative_sum(&x);
            let peak = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert!(s.max_drawdown >= peak - c[n - 1] - 1e-15);
        }
    }

    #[test]
    fn basic_hand_checked_and_nan_sharpe_at_zero_std() {
        let b = basic(&[0.01, 0.03, f64::NAN]);
        assert!((b.mean - 0.02).abs() < 1e-15);
        assert!((b.std - 0.01).abs() < 1e-15);
        assert!((b.sharpe - 2.0).abs() < 1e-12);
        assert_eq!(b.eras, 2);
        // The same series gives the same Sharpe here and in EraStats: NaN, not inf.
        let flat = basic(&[0.5, 0.5]);
        assert_eq!(flat.std, 0.0);
        assert!(flat.sharpe.is_nan());
        assert!(EraStats::new(&[0.5, 0.5], ApyOptions::default())
            .sharpe
            .is_nan());
        assert!(basic(&[]).mean.is_nan() && basic(&[]).sharpe.is_nan());
    }

    #[test]
    fn payout_scores_leave_out_a_zero_weight() {
        let w = PayoutWeights {
            corr: 1.0,
            mmc: 0.0,
        };
        assert_eq!(payout_scores(&[0.02], &[f64::NAN], w), vec![0.02]);
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = Stat::ALL.iter().map(Stat::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Stat::ALL.len());
    }

    #[test]
    fn return_style_statistics_only_for_scores() {
        // A feature exposure of ~0.3 every era compounds to an APY in the millions of
        // percent when read as a return; only its level statistics are kept.
        let fexp = [0.31, 0.29, 0.33, 0.30, 0.32];
        let s = EraStats::for_metric(&fexp, "fexp_max", ApyOptions::default());
        assert!(EraStats::new(&fexp, ApyOptions::default()).apy > 1e5);
        for stat in Stat::ALL {
            assert_eq!(
                s.get(stat).is_finite(),
                stat.applies_to("fexp_max"),
                "{stat:?}"
            );
        }
        let names = |m: &str| -> Vec<&str> { stats_for(m).iter().map(Stat::name).collect() };
        assert_eq!(
            names("churn_tb40"),
            ["mean", "std", "autocorrelation", "eras"]
        );
        assert_eq!(names("turnover"), names("corr_with_example"));
        for score in [
            "corr",
            "corr_tb200",
            "mmc",
            "bmc",
            "fnc",
            "alpha",
            "mpc",
            "payout",
        ] {
            assert_eq!(stats_for(score), Stat::ALL.to_vec(), "{score}");
        }
        let c = EraStats::for_metric(&fexp, "corr", ApyOptions::default());
        let n = EraStats::new(&fexp, ApyOptions::default());
        for stat in Stat::ALL {
            assert_eq!(c.get(stat).to_bits(), n.get(stat).to_bits(), "{stat:?}");
        }
    }
}
