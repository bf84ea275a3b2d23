//! What a `compare` run reads: the data, the models' predictions (at once, by chunk of
//! models or by batch of eras), the stakes and their changes, the benchmark.

use erascore_io::dataset::Dataset;

use crate::inputs::{Predictions, Reference};
use crate::EngineError;

/// Loads the prediction columns of the named models (all from one file).
pub type LoadModels<'a> = dyn Fn(&[String]) -> Result<Predictions, EngineError> + Sync + 'a;

/// Reads a predictions file era by era: the path [`compare_scores`](super::compare_scores) takes when the
/// predictions do not fit in memory at once and the file has an era column.
#[derive(Clone, Copy)]
pub struct EraLoader<'a> {
    /// The file's row keys (ids and eras) without a model column.
    pub keys: &'a (dyn Fn() -> Result<Predictions, EngineError> + Sync + 'a),
    /// Every model's predictions (all models, in column order) of the rows of these eras;
    /// rows of other eras may come along, and are dropped.
    pub load: &'a (dyn Fn(&[String]) -> Result<Predictions, EngineError> + Sync + 'a),
}

/// A model's stake set at the start of a round: a deposit or withdrawal of the difference
/// (stakes file rows `round, model, stake`).
#[derive(Debug, Clone, PartialEq)]
pub struct StakeChange {
    /// The model (index into the prediction columns).
    pub model: usize,
    /// The round (era label) it is set at.
    pub round: String,
    /// The stake from that round on.
    pub stake: f64,
}

/// Everything [`compare`](super::compare) reads.
#[derive(Clone, Copy)]
pub struct CompareInputs<'a> {
    /// The data (targets of every configuration; features when one uses FNC).
    pub data: &'a Dataset,
    /// Every model column of the predictions file.
    pub models: &'a [String],
    /// Reads the predictions of some models: [`compare`](super::compare) holds at most `max_values`
    /// prediction values (models × data rows) at once, reading the file in chunks of models
    /// when it holds more.
    pub load: &'a LoadModels<'a>,
    /// Reads the predictions a few eras at a time, when the file allows it. With it, a run
    /// that does not fit in `max_values` reads batches of eras with every model instead of
    /// chunks of models, so that each model is still ranked once per era and pass.
    pub by_era: Option<EraLoader<'a>>,
    /// Most prediction values held in memory at once.
    pub max_values: usize,
    /// Starting stake of each model (index into `models`), in the stakes file's order;
    /// every model needs one.
    pub stakes: &'a [(usize, f64)],
    /// Stakes set at the start of later rounds (deposits and withdrawals), beside the
    /// starting stakes of `stakes`.
    pub stake_changes: &'a [StakeChange],
    /// Share of ids alignment may drop.
    pub max_filtered_ratio: f64,
    /// numerai-tools' `target_pow15`.
    pub target_pow15: bool,
    /// The benchmark column, for configurations whose formula uses `bmc`.
    pub benchmark: Option<&'a Reference>,
}
