//! Benchmark support: fixed-seed generators shared by the criterion benches.
//!
//! Kernel inputs are one era of erascore-synth's generator, so they have the shape of real
//! Numerai data: int8 features in quintile bins with correlated groups, a 5/20/50/20/5%
//! target, model predictions that correlate with the target and with each other, and a
//! meta model. A fixed seed makes every run measure the same numbers.

use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_synth::{Synth, SynthConfig};

/// The examples' `i`-th command-line argument (1-based) as a count, or `default` when it is
/// absent or not a number.
pub fn count_arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Rows of one validation era (Numerai v5 eras hold ~6,200 rows).
pub const ERA_ROWS: usize = 6_200;
/// The seed of every benchmark input.
pub const SEED: u64 = 2_024;

/// One era's inputs.
#[derive(Debug, Clone)]
pub struct EraInputs {
    /// Feature columns, bins 0..=4.
    pub features: Vec<Vec<i8>>,
    /// The main target, in {0, .25, .5, .75, 1}.
    pub target: Vec<f64>,
    /// Model predictions, values in (0, 1).
    pub predictions: Vec<Vec<f64>>,
    /// The meta model, values in (0, 1).
    pub meta_model: Vec<f64>,
    /// Each model's stake.
    pub stakes: Vec<f64>,
}

/// The first era of a synthetic dataset of `rows` rows, `features` features and `models`
/// models.
pub fn era(rows: usize, features: usize, models: usize) -> EraInputs {
    let synth = Synth::new(SynthConfig {
        eras: 1,
        rows_per_era: rows,
        features,
        models,
        seed: SEED,
        ..SynthConfig::default()
    })
    .expect("benchmark shapes are valid");
    let era = synth.era(0);
    EraInputs {
        features: era.features,
        target: era.targets[0].iter().map(|&t| f64::from(t)).collect(),
        predictions: era.predictions,
        meta_model: era.meta_model,
        stakes: synth.plan().models.iter().map(|m| m.stake).collect(),
    }
}

/// The first `k` feature columns as a column-major int8 matrix, as the engine builds it.
pub fn feature_matrix(features: &[Vec<i8>], k: usize) -> ColumnMatrix {
    let rows = features.first().map_or(0, Vec::len);
    let data: Vec<i8> = features[..k].iter().flatten().copied().collect();
    ColumnMatrix::new(rows, k, ColumnData::I8(data)).expect("columns of equal length")
}
