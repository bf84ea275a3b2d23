//! One era of synthetic data, generated in memory from (seed, era) alone.
//!
//! Targets follow Numerai's v5 binning: within each era the latent target is ranked and cut
//! into 0, 0.25, 0.5, 0.75, 1 with 5/20/50/20/5% of the rows. Predictions and the meta model
//! are noisy views of the long-run signal that share a common component, so they correlate
//! with the target, with each other and with the meta model the way real submissions do.

use rayon::prelude::*;

use crate::plan::{balanced_bins, reshuffle_subset, Blueprint, ModelShape, ModelStyle};
use crate::rng::{below, normals, row_id, stream, Stream};
use crate::{Population, SynthConfig};

/// Names of the target columns, in file order.
pub const TARGETS: [&str; 3] = ["target", "target_aux_20", "target_aux_60"];

/// Correlation of each latent target with the era's signal in an era of average strength.
const TARGET_SIGNAL: f64 = 0.12;
/// Spread of each era's signal strength around 1: in some eras the signal is strong, in
/// others absent or reversed, which gives per-era CORR the spread (Sharpe near 1) of real
/// models rather than the near-constant scores of a stationary signal.
const ERA_STRENGTH: f64 = 1.0;
/// How much of each auxiliary target's noise it shares with the main target.
const AUX_SHARED_NOISE: [f64; 3] = [1.0, 0.7, 0.45];
/// Spread of the era's signal weights around their long-run values (regime changes).
const REGIME: f64 = 0.7;
/// Loading of every model on the noise component all models share.
const MODEL_COMMON: f64 = 0.5;
/// Share of the meta model that comes from the models in predictions.parquet (the rest
/// stands for everybody else's models).
const META_OWN: f64 = 0.5;

/// One era's rows.
#[derive(Debug, Clone)]
pub struct Era {
    /// Zero-based era index.
    pub index: usize,
    /// Era name ("0001", ...).
    pub name: String,
    /// Row ids (unique, not sorted).
    pub ids: Vec<String>,
    /// One column per feature, bins 0..=4.
    pub features: Vec<Vec<i8>>,
    /// One column per entry of [`TARGETS`]; NaN marks a missing value.
    pub targets: Vec<Vec<f32>>,
    /// One column per model, values in (0, 1).
    pub predictions: Vec<Vec<f64>>,
    /// The meta model, values in (0, 1).
    pub meta_model: Vec<f64>,
}

/// The name of era `index`: one-based and zero-padded to four digits, like Numerai's.
pub fn era_name(index: usize) -> String {
    format!("{:04}", index + 1)
}

/// Generates era `index` (features in parallel on the current rayon pool; the result does
/// not depend on the number of threads).
pub fn generate(config: &SynthConfig, plan: &Blueprint, index: usize) -> Era {
    let n = config.rows_per_era;
    let seed = config.seed;
    let era = Some(index);
    let bases: Vec<Vec<i8>> = (0..plan.groups)
        .into_par_iter()
        .map(|g| balanced_bins(n, &mut stream(seed, era, Stream::Group(g))))
        .collect();
    let features: Vec<Vec<i8>> = (0..plan.feature_names.len())
        .into_par_iter()
        .map_init(Vec::new, |scratch, j| {
            let mut col = bases[plan.group_of[j]].clone();
            let mut rng = stream(seed, era, Stream::Feature(j));
            reshuffle_subset(&mut col, plan.reshuffle[j], &mut rng, scratch);
            col
        })
        .collect();
    drop(bases);

    let mut rng = stream(seed, era, Stream::Targets);
    let drift = normals(&mut rng, plan.signal.len());
    let era_weights: Vec<f64> = plan
        .signal
        .iter()
        .zip(&drift)
        .map(|((_, w), d)| w + REGIME * d)
        .collect();
    let long_run: Vec<f64> = plan.signal.iter().map(|(_, w)| *w).collect();
    let strength = (1.0 + ERA_STRENGTH * normals(&mut rng, 1)[0]).clamp(-3.0, 4.0);
    let beta = TARGET_SIGNAL * strength;
    let era_signal = signal(&features, plan, &era_weights, n);
    let long_signal = signal(&features, plan, &long_run, n);

    let shared = normals(&mut rng, n);
    let mut targets: Vec<Vec<f32>> = AUX_SHARED_NOISE
        .iter()
        .map(|&k| {
            let own = normals(&mut rng, n);
            let noise_scale = (1.0 - beta * beta).sqrt();
            let latent: Vec<f64> = (0..n)
                .map(|i| {
                    let noise = k * shared[i] + (1.0 - k * k).sqrt() * own[i];
                    beta * era_signal[i] + noise_scale * noise
                })
                .collect();
            bin_targets(&latent)
        })
        .collect();
    if index >= plan.first_missing_era {
        let mut rng = stream(seed, era, Stream::Missing);
        let mut rows: Vec<usize> = (0..n).collect();
        // Partial Fisher-Yates: the first `missing_rows` slots end up a uniform sample.
        for k in 0..plan.missing_rows.min(n) {
            let r = k + below(&mut rng, n - k);
            rows.swap(k, r);
            targets[2][rows[k]] = f32::NAN;
        }
    }

    let (predictions, meta_model) = match config.population {
        Population::Basic => models(config, plan, index, &long_signal),
        Population::Classic => tournament(config, plan, index, &long_signal, &features),
    };
    let first_row = (index * n) as u64;
    let ids = (0..n as u64).map(|i| row_id(seed, first_row + i)).collect();
    Era {
        index,
        name: era_name(index),
        ids,
        features,
        targets,
        predictions,
        meta_model,
    }
}

/// The weighted sum of the centred signal features, standardized within the era.
fn signal(features: &[Vec<i8>], plan: &Blueprint, weights: &[f64], n: usize) -> Vec<f64> {
    let mut s = vec![0.0; n];
    for ((j, _), w) in plan.signal.iter().zip(weights) {
        for (acc, &b) in s.iter_mut().zip(&features[*j]) {
            *acc += w * (f64::from(b) - 2.0);
        }
    }
    standardize(&mut s);
    s
}

/// Centres and scales to unit variance (leaves a constant column at zero).
fn standardize(v: &mut [f64]) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let scale = if sd > 0.0 { 1.0 / sd } else { 0.0 };
    v.iter_mut().for_each(|x| *x = (*x - mean) * scale);
}

/// Cuts by rank into 0, .25, .5, .75, 1 holding 5/20/50/20/5% of the rows.
pub(crate) fn bin_targets(latent: &[f64]) -> Vec<f32> {
    let n = latent.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| latent[a].total_cmp(&latent[b]).then(a.cmp(&b)));
    let cut = |share: f64| (share * n as f64).round() as usize;
    let bounds = [cut(0.05), cut(0.25), cut(0.75), cut(0.95)];
    let mut out = vec![0f32; n];
    for (rank, &row) in order.iter().enumerate() {
        let bin = bounds.iter().filter(|&&b| rank >= b).count();
        out[row] = bin as f32 * 0.25;
    }
    out
}

/// Logistic squashing into (0, 1); the slope makes it close to the normal CDF.
pub(crate) fn squash(x: f64) -> f64 {
    1.0 / (1.0 + (-1.702 * x).exp())
}

/// Percentile ranks (i + 0.5) / n, ties broken by row.
fn ranks(v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
    let mut out = vec![0.0; n];
    for (rank, &row) in order.iter().enumerate() {
        out[row] = (rank as f64 + 0.5) / n as f64;
    }
    out
}

fn models(
    config: &SynthConfig,
    plan: &Blueprint,
    index: usize,
    signal: &[f64],
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = signal.len();
    let mut rng = stream(config.seed, Some(index), Stream::Models);
    let common = normals(&mut rng, n);
    let total_stake: f64 = plan.models.iter().map(|m| m.stake).sum();
    let mut meta_own = vec![0.0; n];
    let predictions = plan
        .models
        .iter()
        .map(|m| {
            let own = normals(&mut rng, n);
            let own_scale = (1.0 - m.signal * m.signal - MODEL_COMMON * MODEL_COMMON).sqrt();
            let latent: Vec<f64> = (0..n)
                .map(|i| m.signal * signal[i] + MODEL_COMMON * common[i] + own_scale * own[i])
                .collect();
            let share = if total_stake > 0.0 {
                m.stake / total_stake
            } else {
                0.0
            };
            meta_own
                .iter_mut()
                .zip(&latent)
                .for_each(|(acc, x)| *acc += share * x);
            match m.shape {
                ModelShape::Continuous => latent.iter().map(|&x| squash(x)).collect(),
                // One decimal, kept inside (0, 1).
                ModelShape::Rounded => latent
                    .iter()
                    .map(|&x| ((squash(x) * 10.0).round() / 10.0).clamp(0.1, 0.9))
                    .collect(),
                ModelShape::Ranked => ranks(&latent),
            }
        })
        .collect();
    standardize(&mut meta_own);
    let others = normals(&mut rng, n);
    let others_scale = (1.0 - 0.3f64 * 0.3).sqrt();
    let meta_model = (0..n)
        .map(|i| {
            let rest = 0.3 * signal[i] + others_scale * others[i];
            squash(META_OWN * meta_own[i] + (1.0 - META_OWN * META_OWN).sqrt() * rest)
        })
        .collect();
    (predictions, meta_model)
}

/// Loading of a near-copy on the model it copies.
const COPY_LOADING: f64 = 0.95;

/// A tournament population's predictions and its stake-weighted meta model. Each model's
/// own noise comes from its own stream, so models are generated in parallel and a
/// near-copy regenerates the latent values of the model it copies.
fn tournament(
    config: &SynthConfig,
    plan: &Blueprint,
    index: usize,
    signal: &[f64],
    features: &[Vec<i8>],
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = signal.len();
    let common = normals(&mut stream(config.seed, Some(index), Stream::Models), n);
    let own = |m: usize| normals(&mut stream(config.seed, Some(index), Stream::Model(m)), n);
    let plain = |m: usize, extra: &dyn Fn(usize) -> f64, extra_var: f64| -> Vec<f64> {
        let p = &plan.models[m];
        let noise = own(m);
        let scale = (1.0 - p.signal * p.signal - MODEL_COMMON * MODEL_COMMON - extra_var)
            .max(0.05)
            .sqrt();
        (0..n)
            .map(|i| p.signal * signal[i] + MODEL_COMMON * common[i] + extra(i) + scale * noise[i])
            .collect()
    };
    // Every style but a copy; a copy's original is never itself a copy.
    let original = |m: usize| -> Vec<f64> {
        match plan.models[m].style {
            ModelStyle::Random => own(m),
            // Bins 0..=4 in equal shares: mean 2, variance 2.
            ModelStyle::Exposed { feature, weight } => plain(
                m,
                &|i| weight * (f64::from(features[feature][i]) - 2.0) / std::f64::consts::SQRT_2,
                weight * weight,
            ),
            _ => plain(m, &|_| 0.0, 0.0),
        }
    };
    let latent = |m: usize| -> Vec<f64> {
        match plan.models[m].style {
            ModelStyle::Copy { of } => {
                let k = (1.0 - COPY_LOADING * COPY_LOADING).sqrt();
                original(of)
                    .iter()
                    .zip(own(m))
                    .map(|(b, e)| COPY_LOADING * b + k * e)
                    .collect()
            }
            _ => original(m),
        }
    };
    let latents: Vec<Vec<f64>> = (0..plan.models.len()).into_par_iter().map(latent).collect();
    let total_stake: f64 = plan.models.iter().map(|m| m.stake).sum();
    let mut blend = vec![0.0; n];
    for (p, l) in plan.models.iter().zip(&latents) {
        if total_stake > 0.0 && p.stake > 0.0 {
            let share = p.stake / total_stake;
            blend
                .iter_mut()
                .zip(l)
                .for_each(|(acc, x)| *acc += share * x);
        }
    }
    standardize(&mut blend);
    let meta_model = blend.iter().map(|&x| squash(x)).collect();
    let predictions = latents
        .into_par_iter()
        .map(|l| l.into_iter().map(squash).collect())
        .collect();
    (predictions, meta_model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_bins_follow_the_split() {
        let latent: Vec<f64> = (0..400).map(|i| ((i * 37) % 400) as f64).collect();
        let t = bin_targets(&latent);
        let count = |v: f32| t.iter().filter(|&&x| x == v).count();
        assert_eq!(
            [count(0.0), count(0.25), count(0.5), count(0.75), count(1.0)],
            [20, 80, 200, 80, 20]
        );
    }

    #[test]
    fn ranks_are_inside_the_unit_interval() {
        let r = ranks(&[3.0, 1.0, 2.0, 2.0]);
        assert_eq!(r, vec![0.875, 0.125, 0.375, 0.625]);
    }
}
