//! The types one scoring run shares between its orchestration ([`crate::score`]), the
//! per-era scoring (`era_scores`) and the Signals metrics ([`crate::signals`]): what a run
//! reads and computes ([`ScoreInputs`], [`ScoreConfig`]), a row of its output
//! ([`EraScore`]) and the job once its inputs are matched to the data rows (`ScoreJob`). In a
//! file of their own so that those modules use them without using each other in a circle.

use erascore_io::dataset::Dataset;
use erascore_io::Strings;

use crate::inputs::{Predictions, Reference, RowMap};
use crate::metrics::Metric;
use crate::signals::{SignalsInputs, SignalsPlan};

/// Where the meta model comes from.
#[derive(Debug, Clone)]
pub enum MetaModelSource<'a> {
    /// A column read from a file (e.g. Numerai's `numerai_meta_model`).
    Column(&'a Reference),
    /// Built per era from these prediction models and stakes (index into the predictions).
    Stakes(Vec<(usize, f64)>),
}

/// Everything scoring reads.
#[derive(Debug, Clone)]
pub struct ScoreInputs<'a> {
    /// The data: ids, eras, targets and (for FNC and exposure) features.
    pub data: &'a Dataset,
    /// Model predictions.
    pub predictions: &'a Predictions,
    /// The meta model, for MMC.
    pub meta_model: Option<MetaModelSource<'a>>,
    /// The benchmark column, for BMC.
    pub benchmark: Option<&'a Reference>,
    /// Example predictions, for corr_with_example.
    pub example: Option<&'a Reference>,
    /// Neutralizers, sample weights, previous submission and stakes for the Signals metrics.
    pub signals: SignalsInputs<'a>,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct ScoreConfig {
    /// Metrics, in output order.
    pub metrics: Vec<Metric>,
    /// Target columns; each must be loaded in the dataset.
    pub targets: Vec<String>,
    /// Share of ids alignment may drop (numerai-tools: 0.2).
    pub max_filtered_ratio: f64,
    /// Raise the centred target to the 1.5 power in CORR (numerai-tools `target_pow15`).
    pub target_pow15: bool,
}

/// The scores of one model in one era against one target.
#[derive(Debug, Clone, PartialEq)]
pub struct EraScore {
    /// Era name.
    pub era: String,
    /// Model name.
    pub model: String,
    /// Target name.
    pub target: String,
    /// One value per configured metric (NaN where undefined).
    pub values: Vec<f64>,
}

/// A scoring job: the inputs with their rows matched to the data's rows (`None`: no data
/// row), and each configured target's column in the data.
pub(crate) struct ScoreJob<'a> {
    pub(crate) inputs: &'a ScoreInputs<'a>,
    pub(crate) config: &'a ScoreConfig,
    pub(crate) pred_row: RowMap,
    pub(crate) meta_row: Option<RowMap>,
    pub(crate) bench_row: Option<RowMap>,
    pub(crate) example_row: Option<RowMap>,
    pub(crate) target_index: Vec<usize>,
    pub(crate) signals: SignalsPlan,
    /// The data's ids, when they were handed to the run ([`crate::score::score_streaming`]) and a Signals
    /// metric still needs them while scoring (to name a row, to sort previous rows).
    pub(crate) ids: Option<Strings>,
}

impl ScoreJob<'_> {
    /// The data's ids: handed to the run, or the dataset's own.
    pub(crate) fn ids(&self) -> &Strings {
        self.ids.as_ref().unwrap_or(&self.inputs.data.ids)
    }
}
