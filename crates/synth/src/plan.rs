//! Everything about a synthetic dataset that does not change from era to era.
//!
//! Features come in correlated groups, like Numerai's (intelligence, charisma, ...): each
//! group has a balanced base column per era and each feature is its group's base with a
//! share of its rows reshuffled, so features of one group correlate by roughly
//! (1 - q_a)(1 - q_b). A handful of "signal" features drive the targets with weights that
//! drift from era to era (regimes), and models see the signal only through the long-run
//! weights, which gives per-era scores that vary and are sometimes negative.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::rng::{below, normals, stream, uniform, Stream};
use crate::{Population, SynthConfig};

/// How a model's values are shaped (numerai-tools must handle each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelShape {
    /// Continuous values in (0, 1) from a logistic curve.
    Continuous,
    /// Rounded to one decimal: heavy ties, which exercise tie handling in ranks.
    Rounded,
    /// Already percentile ranks (i + 0.5) / n.
    Ranked,
}

/// How a tournament model's latent predictions are made (the basic population is all
/// `Signal`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelStyle {
    /// Signal, the component all models share, and its own noise.
    Signal,
    /// Like `Signal`, plus a heavy loading on one feature (a feature-exposed model).
    Exposed {
        /// The feature.
        feature: usize,
        /// Its loading.
        weight: f64,
    },
    /// Model `of`'s latent values with a little noise of its own (a near-copy).
    Copy {
        /// The model copied (never itself a copy).
        of: usize,
    },
    /// Noise only.
    Random,
}

/// Per-model parameters.
#[derive(Debug, Clone)]
pub struct ModelPlan {
    /// Column name (`model_0`, ...).
    pub name: String,
    /// Loading on the long-run signal.
    pub signal: f64,
    /// How values are shaped.
    pub shape: ModelShape,
    /// Stake in stakes.csv.
    pub stake: f64,
    /// How its latent values are made.
    pub style: ModelStyle,
}

/// Global parameters derived from the seed.
#[derive(Debug, Clone)]
pub struct Blueprint {
    /// Feature column names, in file order.
    pub feature_names: Vec<String>,
    /// Group of each feature.
    pub group_of: Vec<usize>,
    /// Number of feature groups.
    pub groups: usize,
    /// Share of each feature's rows reshuffled away from its group base, as a u32 threshold.
    pub reshuffle: Vec<u32>,
    /// Signal features and their long-run weights.
    pub signal: Vec<(usize, f64)>,
    /// The models.
    pub models: Vec<ModelPlan>,
    /// Feature set "small" (indices into `feature_names`, in file order).
    pub small: Vec<usize>,
    /// Feature set "medium" (a superset of "small").
    pub medium: Vec<usize>,
    /// First era whose target_aux_60 has missing rows.
    pub first_missing_era: usize,
    /// Missing target_aux_60 rows in each such era.
    pub missing_rows: usize,
}

/// Features per group: Numerai's groups hold a few hundred features; smaller groups keep
/// the Gram matrix well conditioned while still giving strongly correlated neighbours.
const GROUP_SIZE: usize = 25;
/// Number of signal features (at most).
const SIGNAL_FEATURES: usize = 12;

impl Blueprint {
    /// Derives the plan of `config` (assumed valid).
    pub fn new(config: &SynthConfig) -> Self {
        let f = config.features;
        let mut rng = stream(config.seed, None, Stream::Blueprint);
        let width = f.to_string().len().max(4);
        let feature_names = (0..f).map(|j| format!("feature_{j:0width$}")).collect();
        let groups = f.div_ceil(GROUP_SIZE);
        // Random group membership (not contiguous) so that a prefix of columns is not a
        // block of near-duplicates.
        let mut group_of: Vec<usize> = (0..f).map(|j| j % groups).collect();
        group_of.shuffle(&mut rng);
        let reshuffle = (0..f)
            .map(|_| {
                let q = 0.25 + 0.75 * uniform(&mut rng);
                (q * f64::from(u32::MAX)) as u32
            })
            .collect();

        let mut order: Vec<usize> = (0..f).collect();
        order.shuffle(&mut rng);
        let k = SIGNAL_FEATURES.min(f);
        let weights = normals(&mut rng, k);
        let signal = order[..k].iter().copied().zip(weights).collect();

        let models = (0..config.models)
            .map(|m| ModelPlan {
                name: format!("model_{m}"),
                signal: 0.15 + 0.3 * uniform(&mut rng),
                shape: match m {
                    1 => ModelShape::Rounded,
                    m if m % 3 == 2 => ModelShape::Ranked,
                    _ => ModelShape::Continuous,
                },
                // Log-uniform between 1 and 1,000 NMR, to the cent.
                stake: (10f64.powf(3.0 * uniform(&mut rng)) * 100.0).round() / 100.0,
                style: ModelStyle::Signal,
            })
            .collect();
        let models = match config.population {
            Population::Basic => models,
            Population::Classic => tournament_models(config, &mut rng),
        };

        // Feature sets: numerai's small is 42 of ~2,750 and medium ~780; smaller feature
        // counts scale down but keep small < medium < all where possible.
        let n_small = (f / 10).clamp(1, 42).min(f);
        let n_medium = (f * 2 / 7).clamp(n_small, 780).min(f);
        let mut sets: Vec<usize> = (0..f).collect();
        sets.shuffle(&mut rng);
        let mut small = sets[..n_small].to_vec();
        let mut medium = sets[..n_medium].to_vec();
        small.sort_unstable();
        medium.sort_unstable();

        let missing_eras = config.eras.div_ceil(100).clamp(1, config.eras);
        Self {
            feature_names,
            group_of,
            groups,
            reshuffle,
            signal,
            models,
            small,
            medium,
            first_missing_era: config.eras - missing_eras,
            missing_rows: config.rows_per_era.div_ceil(100).max(1),
        }
    }
}

/// Shares of tournament model styles: pure noise, feature-exposed, near-copies.
const RANDOM_SHARE: f64 = 0.05;
const EXPOSED_SHARE: f64 = 0.20;
const COPY_SHARE: f64 = 0.15;
/// Share of tournament models without stake.
const UNSTAKED_SHARE: f64 = 0.10;
/// Pareto tail index of tournament stakes (the 80/20 rule) and the smallest stake.
const STAKE_TAIL: f64 = 1.16;
const STAKE_MIN: f64 = 1.0;
const STAKE_MAX: f64 = 1_000_000.0;

/// A classic-tournament population: styles, loadings and heavy-tailed stakes.
fn tournament_models(config: &SynthConfig, rng: &mut ChaCha8Rng) -> Vec<ModelPlan> {
    let mut models: Vec<ModelPlan> = Vec::with_capacity(config.models);
    for m in 0..config.models {
        let u = uniform(rng);
        let style = if u < RANDOM_SHARE {
            ModelStyle::Random
        } else if u < RANDOM_SHARE + EXPOSED_SHARE {
            ModelStyle::Exposed {
                feature: below(rng, config.features),
                weight: 0.3 + 0.4 * uniform(rng),
            }
        } else if u < RANDOM_SHARE + EXPOSED_SHARE + COPY_SHARE && m > 0 {
            let of = below(rng, m);
            ModelStyle::Copy {
                of: match models[of].style {
                    ModelStyle::Copy { of } => of,
                    _ => of,
                },
            }
        } else {
            ModelStyle::Signal
        };
        let stake = if uniform(rng) < UNSTAKED_SHARE {
            0.0
        } else {
            // Pareto: P(stake > x) = (STAKE_MIN / x)^STAKE_TAIL.
            let s = STAKE_MIN / (1.0 - uniform(rng)).powf(1.0 / STAKE_TAIL);
            (s.min(STAKE_MAX) * 100.0).round() / 100.0
        };
        models.push(ModelPlan {
            name: format!("model_{m}"),
            signal: 0.05 + 0.3 * uniform(rng),
            shape: ModelShape::Continuous,
            stake,
            style,
        });
    }
    models
}

/// A column of `n` values with (as near as possible) n/5 of each bin 0..=4, shuffled.
pub(crate) fn balanced_bins(n: usize, rng: &mut ChaCha8Rng) -> Vec<i8> {
    let mut col: Vec<i8> = (0..n).map(|i| (i * 5 / n) as i8).collect();
    for i in (1..n).rev() {
        col.swap(i, below(rng, i + 1));
    }
    col
}

/// Reshuffles the values of a random subset of rows (each row joins it with probability
/// `threshold / 2^32`); a permutation, so the count of each bin is unchanged.
pub(crate) fn reshuffle_subset(
    col: &mut [i8],
    threshold: u32,
    rng: &mut ChaCha8Rng,
    scratch: &mut Vec<u32>,
) {
    use rand::RngCore;
    scratch.clear();
    for i in 0..col.len() {
        if rng.next_u32() < threshold {
            scratch.push(i as u32);
        }
    }
    for k in (1..scratch.len()).rev() {
        let r = below(rng, k + 1);
        col.swap(scratch[k] as usize, scratch[r] as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_bins_have_equal_counts() {
        let mut rng = stream(0, None, Stream::Blueprint);
        for n in [1, 4, 5, 7, 400, 6201] {
            let col = balanced_bins(n, &mut rng);
            let mut counts = [0usize; 5];
            col.iter().for_each(|&b| counts[b as usize] += 1);
            let (lo, hi) = (counts.iter().min(), counts.iter().max());
            assert!(
                hi.zip(lo).is_some_and(|(h, l)| h - l <= 1) || n < 5,
                "{n}: {counts:?}"
            );
        }
    }

    #[test]
    fn reshuffle_keeps_counts() {
        let mut rng = stream(0, None, Stream::Blueprint);
        let base = balanced_bins(1000, &mut rng);
        let mut col = base.clone();
        let mut scratch = Vec::new();
        reshuffle_subset(&mut col, u32::MAX / 2, &mut rng, &mut scratch);
        let count = |c: &[i8], b: i8| c.iter().filter(|&&v| v == b).count();
        for b in 0..5 {
            assert_eq!(count(&base, b), count(&col, b));
        }
        let same = base.iter().zip(&col).filter(|(a, b)| a == b).count();
        assert!((500..900).contains(&same), "{same} unchanged");
    }

    #[test]
    fn feature_sets_nest_and_scale() {
        for (f, small, medium) in [(2750, 42, 780), (40, 4, 11), (1, 1, 1), (5, 1, 1)] {
            let config = SynthConfig {
                features: f,
                ..SynthConfig::default()
            };
            let plan = Blueprint::new(&config);
            assert_eq!(
                (plan.small.len(), plan.medium.len()),
                (small, medium),
                "{f}"
            );
            assert!(plan.small.iter().all(|j| plan.medium.contains(j)));
        }
    }
}
