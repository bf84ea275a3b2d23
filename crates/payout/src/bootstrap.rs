//! Risk by circular block bootstrap: how spread out could the final stake and the worst
//! drawdown have been with the same model and a different draw of eras?
//!
//! Scores of neighbouring eras are correlated (targets overlap for ~4 weekly eras), so eras
//! are drawn in blocks of `B` consecutive rounds: each trajectory is the concatenation of
//! blocks starting at uniformly drawn rounds, wrapping from the last round to the first
//! (the circular variant of the moving-block bootstrap, so every round is equally likely to
//! be drawn), cut to the original length `n`. A round's payout factor travels with its
//! score. Each resampled series is run through the same compounding rule as
//! [`simulate`](crate::simulate()).
//!
//! Trajectory `i` draws from ChaCha8 keyed by `(seed, stream)` on ChaCha stream `i`, so the
//! result depends only on the seed, the stream (the CLI uses [`model_stream`] of the model
//! name) and the inputs, never on the number of threads.

use erascore_input::{message, Input, Message};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::rule::Rule;
use crate::simulate::{compound, unclipped};
use crate::summary::DrawdownState;
use crate::PayoutError;

/// Quantile levels reported: 5, 25, 50, 75 and 95%.
pub const QUANTILE_LEVELS: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Default block length, in rounds: longer than the 4-era target overlap, short enough to
/// give a few hundred-era history many distinct blocks.
pub const DEFAULT_BLOCK: usize = 10;

/// The most trajectories a bootstrap runs: their final stakes and drawdowns alone take 32
/// bytes each.
pub const MAX_TRAJECTORIES: usize = 10_000_000;

/// The most memory the stake paths kept for a fan chart may take (trajectories × (rounds +
/// 1) × 8 bytes).
pub const MAX_FAN_BYTES: usize = 2 << 30;

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapOptions {
    /// Trajectories to simulate.
    pub trajectories: usize,
    /// Rounds per block (cut to the series length when longer).
    pub block: usize,
    /// RNG seed.
    pub seed: u64,
    /// Keep per-round quantiles of the stake path for a fan chart (memory: trajectories ×
    /// rounds × 8 bytes while running).
    pub fan: bool,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            trajectories: 1000,
            block: DEFAULT_BLOCK,
            seed: 0,
            fan: false,
        }
    }
}

/// Why a bootstrap request was refused, before anything ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapRequestError {
    /// The setting at fault: [`Input::Bootstrap`] (the trajectories), [`Input::Block`] or
    /// [`Input::Seed`], named by each front end in its own words.
    pub setting: Input,
    /// What is wrong with it, to follow the setting's name.
    pub problem: String,
}

impl BootstrapRequestError {
    /// The setting's name, then what is wrong with it.
    pub fn message(&self) -> Message {
        message![self.setting, format!(" {}", self.problem)]
    }
}

impl BootstrapOptions {
    /// The bootstrap a payout run asks for, as every front end (`erascore payout`,
    /// `erascore.payout`) resolves it: `trajectories` per model (none: no bootstrap), blocks
    /// of `block` rounds (default [`DEFAULT_BLOCK`]), seed `seed` (default 0), the per-round
    /// stake quantiles kept when `fan`. A block or seed without trajectories is refused, as
    /// are zero trajectories, zero-round blocks and more than [`MAX_TRAJECTORIES`].
    pub fn resolve(
        trajectories: Option<usize>,
        block: Option<usize>,
        seed: Option<u64>,
        fan: bool,
    ) -> Result<Option<Self>, BootstrapRequestError> {
        let refuse = |setting, problem: String| Err(BootstrapRequestError { setting, problem });
        let Some(n) = trajectories else {
            return match (block, seed) {
                (Some(_), _) => refuse(Input::Block, "needs a bootstrap".into()),
                (_, Some(_)) => refuse(Input::Seed, "needs a bootstrap".into()),
                (None, None) => Ok(None),
            };
        };
        let block = block.unwrap_or(DEFAULT_BLOCK);
        if n == 0 {
            return refuse(Input::Bootstrap, "needs at least 1 trajectory".into());
        }
        if n > MAX_TRAJECTORIES {
            return refuse(
                Input::Bootstrap,
                format!("must be at most {MAX_TRAJECTORIES} trajectories, got {n}"),
            );
        }
        if block == 0 {
            return refuse(Input::Block, "must be at least 1 round".into());
        }
        Ok(Some(Self {
            trajectories: n,
            block,
            seed: seed.unwrap_or(0),
            fan,
        }))
    }
}

/// The 5/25/50/75/95% quantiles of a sample, linearly interpolated between order
/// statistics (numpy's default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantiles {
    /// 5%.
    pub p05: f64,
    /// 25%.
    pub p25: f64,
    /// 50% (median).
    pub p50: f64,
    /// 75%.
    pub p75: f64,
    /// 95%.
    pub p95: f64,
}

impl Quantiles {
    /// Quantiles of `values`, which this sorts; NaN for an empty sample.
    pub fn of(values: &mut [f64]) -> Quantiles {
        values.sort_unstable_by(f64::total_cmp);
        let q = |p: f64| -> f64 {
            let n = values.len();
            if n == 0 {
                return f64::NAN;
            }
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            values[lo] + (h - lo as f64) * (values[hi] - values[lo])
        };
        let [p05, p25, p50, p75, p95] = QUANTILE_LEVELS.map(q);
        Quantiles {
            p05,
            p25,
            p50,
            p75,
            p95,
        }
    }

    /// The values in [`QUANTILE_LEVELS`] order.
    pub fn to_array(&self) -> [f64; 5] {
        [self.p05, self.p25, self.p50, self.p75, self.p95]
    }
}

/// What the bootstrap found.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapReport {
    /// Trajectories simulated.
    pub trajectories: usize,
    /// Block length used (the requested one, cut to the series length).
    pub block: usize,
    /// Quantiles of the final stake.
    pub final_stake: Quantiles,
    /// Quantiles of the worst drawdown (share of the running peak).
    pub max_drawdown: Quantiles,
    /// Share of trajectories ending below the starting stake.
    pub p_final_below_start: f64,
    /// With [`BootstrapOptions::fan`]: quantiles of the stake after each resolution, one
    /// entry per point of [`Trajectory::balances`](crate::Trajectory::balances).
    pub fan: Option<Vec<Quantiles>>,
}

/// A stream number for a model name (64-bit FNV-1a), so a model's bootstrap does not change
/// when other models are added to the file.
pub fn model_stream(model: &str) -> u64 {
    model.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn rng_for(seed: u64, stream: u64, trajectory: usize) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&stream.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(trajectory as u64);
    rng
}

/// Fills `out` with `x` resampled in circular blocks of `block` rounds.
fn resample(x: &[f64], block: usize, rng: &mut impl Rng, out: &mut [f64]) {
    let n = x.len();
    let mut t = 0;
    while t < n {
        let start = rng.random_range(0..n);
        let len = block.min(n - t);
        // A block wraps past the last round at most once, since block <= n.
        let first = len.min(n - start);
        out[t..t + first].copy_from_slice(&x[start..start + first]);
        out[t + first..t + len].copy_from_slice(&x[..len - first]);
        t += len;
    }
}

/// Per-thread buffers, reused across trajectories.
struct Scratch {
    x: Vec<f64>,
    raw: Vec<f64>,
}

/// Bootstraps one model: `scores` and `factors` as for [`simulate`](crate::simulate()),
/// `stream` separating independent bootstraps under one seed (see [`model_stream`]).
/// Trajectories run in parallel on the current rayon pool.
pub fn bootstrap(
    stake0: f64,
    scores: &[f64],
    factors: &[f64],
    rule: &Rule,
    options: &BootstrapOptions,
    stream: u64,
) -> Result<BootstrapReport, PayoutError> {
    let x = unclipped(stake0, scores, factors, rule)?;
    if options.trajectories == 0 {
        return Err(PayoutError::BootstrapZero {
            what: "trajectories",
        });
    }
    if options.block == 0 {
        return Err(PayoutError::BootstrapZero { what: "block" });
    }
    let n = x.len();
    let m = options.trajectories;
    if m > MAX_TRAJECTORIES {
        return Err(PayoutError::BootstrapTooLarge {
            trajectories: m,
            why: format!("at most {MAX_TRAJECTORIES} trajectories"),
        });
    }
    if options.fan && m.saturating_mul(n + 1).saturating_mul(8) > MAX_FAN_BYTES {
        return Err(PayoutError::BootstrapTooLarge {
            trajectories: m,
            why: format!(
                "a fan chart keeps every trajectory's {} stakes, {:.1} GB; at most {} GB \
                 (fewer trajectories, or no chart)",
                n + 1,
                m as f64 * (n + 1) as f64 * 8.0 / 1e9,
                MAX_FAN_BYTES >> 30
            ),
        });
    }
    let block = options.block.min(n);
    let (cap, lag) = (rule.cap, rule.resolve_lag);
    let scratch = || Scratch {
        x: vec![0.0; n],
        raw: vec![0.0; n],
    };
    // Final stake and worst drawdown of trajectory i; its stake path into `path` if given.
    let run = |i: usize, s: &mut Scratch, mut path: Option<&mut [f64]>| -> (f64, f64) {
        let mut rng = rng_for(options.seed, stream, i);
        resample(&x, block, &mut rng, &mut s.x);
        let mut dd = DrawdownState::default();
        dd.push(stake0);
        if let Some(p) = path.as_deref_mut() {
            p[0] = stake0;
        }
        let final_stake = compound(
            stake0,
            cap,
            lag,
            &s.x,
            &mut s.raw,
            |_, _, _| {},
            |r, _, stake| {
                dd.push(stake);
                if let Some(p) = path.as_deref_mut() {
                    p[r + 1] = stake;
                }
            },
            |_| None,
        );
        (final_stake, dd.worst)
    };
    let (results, fan): (Vec<(f64, f64)>, _) = if options.fan {
        let width = n + 1;
        let mut paths = vec![0.0; m * width];
        let results = paths
            .par_chunks_mut(width)
            .enumerate()
            .map_init(scratch, |s, (i, p)| run(i, s, Some(p)))
            .collect();
        let bands = (0..width)
            .into_par_iter()
            .map(|j| {
                let mut column: Vec<f64> = (0..m).map(|i| paths[i * width + j]).collect();
                Quantiles::of(&mut column)
            })
            .collect();
        (results, Some(bands))
    } else {
        let results = (0..m)
            .into_par_iter()
            .map_init(scratch, |s, i| run(i, s, None))
            .collect();
        (results, None)
    };
    let (mut finals, mut drawdowns): (Vec<f64>, Vec<f64>) = results.into_iter().unzip();
    if finals.iter().any(|f| !f.is_finite()) {
        return Err(PayoutError::StakeOverflow {
            stake0,
            index: n.saturating_sub(1),
        });
    }
    let below = finals.iter().filter(|f| **f < stake0).count();
    Ok(BootstrapReport {
        trajectories: m,
        block,
        final_stake: Quantiles::of(&mut finals),
        max_drawdown: Quantiles::of(&mut drawdowns),
        p_final_below_start: below as f64 / m as f64,
        fan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Preset, RuleOverrides};
    use crate::simulate::simulate;

    fn rule() -> Rule {
        Rule::new(Preset::Weekly2021, &RuleOverrides::default()).unwrap()
    }

    fn scores(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // An autocorrelated series: a slow mean plus noise.
        let mut level = 0.0;
        (0..n)
            .map(|_| {
                level = 0.9 * level + 0.01 * (rng.random::<f64>() - 0.5);
                0.01 + level + 0.04 * (rng.random::<f64>() - 0.5)
            })
            .collect()
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let mut v: Vec<f64> = (1..=5).rev().map(f64::from).collect();
        let q = Quantiles::of(&mut v);
        // numpy.quantile([1,2,3,4,5], [.05,.25,.5,.75,.95]) = [1.2, 2, 3, 4, 4.8]
        let want = [1.2, 2.0, 3.0, 4.0, 4.8];
        for (a, b) in q.to_array().iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert!(Quantiles::of(&mut []).p50.is_nan());
        assert_eq!(Quantiles::of(&mut [7.0]).p05, 7.0);
    }

    #[test]
    fn blocks_are_consecutive_rounds_wrapping_around() {
        let x: Vec<f64> = (0..7).map(f64::from).collect();
        let mut out = vec![0.0; 7];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            resample(&x, 3, &mut rng, &mut out);
            for chunk in out.chunks(3) {
                for w in chunk.windows(2) {
                    assert_eq!(w[1], (w[0] + 1.0) % 7.0, "{out:?}");
                }
            }
        }
    }

    #[test]
    fn constant_scores_give_the_actual_trajectory_every_time() {
        let s = vec![0.02; 30];
        let f = vec![1.0; 30];
        let actual = simulate(100.0, &s, &f, &rule()).unwrap().final_stake;
        let opts = BootstrapOptions {
            trajectories: 50,
            fan: true,
            ..Default::default()
        };
        let b = bootstrap(100.0, &s, &f, &rule(), &opts, 0).unwrap();
        for q in b.final_stake.to_array() {
            assert!((q - actual).abs() < 1e-9);
        }
        assert_eq!(b.p_final_below_start, 0.0);
        assert_eq!(b.max_drawdown.p95, 0.0);
        let fan = b.fan.unwrap();
        assert_eq!(fan.len(), 31);
        assert!((fan[30].p50 - actual).abs() < 1e-9);
        assert_eq!(fan[0].p05, 100.0);
    }

    #[test]
    fn same_seed_same_result_whatever_the_thread_count() {
        let s = scores(200, 1);
        let f = vec![1.0; 200];
        let opts = BootstrapOptions {
            trajectories: 300,
            block: 8,
            seed: 42,
            fan: true,
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| bootstrap(100.0, &s, &f, &rule(), &opts, 9).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(3));
        let other_seed = bootstrap(
            100.0,
            &s,
            &f,
            &rule(),
            &BootstrapOptions { seed: 43, ..opts },
            9,
        )
        .unwrap();
        assert_ne!(one.final_stake, other_seed.final_stake);
        let other_stream = bootstrap(100.0, &s, &f, &rule(), &opts, 10).unwrap();
        assert_ne!(one.final_stake, other_stream.final_stake);
    }

    #[test]
    fn fan_does_not_change_the_statistics() {
        let s = scores(60, 2);
        let f = vec![0.8; 60];
        let mut opts = BootstrapOptions {
            trajectories: 100,
            ..Default::default()
        };
        let without = bootstrap(10.0, &s, &f, &rule(), &opts, 1).unwrap();
        opts.fan = true;
        let with = bootstrap(10.0, &s, &f, &rule(), &opts, 1).unwrap();
        assert_eq!(without.final_stake, with.final_stake);
        assert_eq!(without.max_drawdown, with.max_drawdown);
        let fan = with.fan.unwrap();
        assert_eq!(fan[60], without.final_stake);
        assert!(fan.iter().all(|q| q.p05 <= q.p50 && q.p50 <= q.p95));
    }

    #[test]
    fn quantiles_are_ordered_and_loss_probability_sane() {
        let s: Vec<f64> = scores(120, 5).iter().map(|v| v - 0.01).collect();
        let f = vec![1.0; 120];
        let b = bootstrap(100.0, &s, &f, &rule(), &BootstrapOptions::default(), 0).unwrap();
        for q in [b.final_stake, b.max_drawdown] {
            let a = q.to_array();
            assert!(a.windows(2).all(|w| w[0] <= w[1]), "{a:?}");
        }
        assert!((0.0..=1.0).contains(&b.p_final_below_start));
        assert!(b.max_drawdown.p05 >= 0.0 && b.max_drawdown.p95 <= 1.0);
        assert_eq!(b.block, DEFAULT_BLOCK);
    }

    #[test]
    fn bad_options_and_short_series() {
        let r = rule();
        let zero = BootstrapOptions {
            trajectories: 0,
            ..Default::default()
        };
        assert_eq!(
            bootstrap(1.0, &[0.1], &[1.0], &r, &zero, 0).unwrap_err(),
            PayoutError::BootstrapZero {
                what: "trajectories"
            }
        );
        let no_block = BootstrapOptions {
            block: 0,
            ..Default::default()
        };
        assert!(bootstrap(1.0, &[0.1], &[1.0], &r, &no_block, 0).is_err());
        // A block longer than the series is cut to it.
        let b = bootstrap(1.0, &[0.1, -0.1], &[1.0; 2], &r, &Default::default(), 0).unwrap();
        assert_eq!(b.block, 2);
        // No rounds: every trajectory stays at S0.
        let e = bootstrap(5.0, &[], &[], &r, &Default::default(), 0).unwrap();
        assert_eq!(e.final_stake.p50, 5.0);
        assert!(bootstrap(-5.0, &[0.1], &[1.0], &r, &Default::default(), 0).is_err());
    }

    #[test]
    fn a_request_gets_the_defaults_or_names_the_setting_at_fault() {
        assert_eq!(BootstrapOptions::resolve(None, None, None, true), Ok(None));
        let o = BootstrapOptions::resolve(Some(7), None, None, false)
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.trajectories, o.block, o.seed, o.fan),
            (7, DEFAULT_BLOCK, 0, false)
        );
        let o = BootstrapOptions::resolve(Some(7), Some(3), Some(9), true)
            .unwrap()
            .unwrap();
        assert_eq!((o.block, o.seed, o.fan), (3, 9, true));
        let at_fault = |t, b, s| {
            BootstrapOptions::resolve(t, b, s, false)
                .unwrap_err()
                .setting
        };
        assert_eq!(at_fault(Some(0), None, None), Input::Bootstrap);
        assert_eq!(
            at_fault(Some(MAX_TRAJECTORIES + 1), None, None),
            Input::Bootstrap
        );
        assert_eq!(at_fault(Some(5), Some(0), None), Input::Block);
        assert_eq!(at_fault(None, Some(4), None), Input::Block);
        assert_eq!(at_fault(None, None, Some(1)), Input::Seed);
    }

    #[test]
    fn model_streams_differ() {
        assert_ne!(model_stream("model_0"), model_stream("model_1"));
        assert_eq!(model_stream(""), 0xcbf2_9ce4_8422_2325);
    }
}
