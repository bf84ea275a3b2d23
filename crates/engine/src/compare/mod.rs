//! Benchmarking scoring configurations against each other over a whole tournament.
//!
//! A [`CompareConfig`] is a payout rule (an `erascore payout` preset or a custom one) plus
//! which metrics its first and second score are, which target they are scored against and
//! how its meta model is built. [`compare`] scores every model once per group of
//! configurations that share a target and a meta model (one [`crate::score::score`] run:
//! each model is ranked once per era and the group's meta model built once per era), then
//! runs the payout crate's own compounding ([`erascore_payout::simulate()`]) per model and
//! configuration, so a configuration's numbers are exactly those of `erascore score` followed
//! by `erascore payout` with the same rule. The aggregates over models and rounds (payout
//! concentration, Gini, rank shifts, Spearman between configurations) live here too.
//!
//! One concern a file: `request` (what a user asks, resolved once for every front end),
//! `config` (score formulas, configurations, which need a benchmark), `inputs` (what a run
//! reads), `scoring` (the scoring half: `pass` is one scoring pass of a
//! group of configurations, `era_batches` the era-major path, `model_chunks` the meta models
//! built chunk of models by chunk), `payouts` (the payout half), `results` and
//! `aggregates` (ranks, Gini, top shares, Spearman between configurations).

mod aggregates;
mod config;
mod era_batches;
mod inputs;
mod model_chunks;
mod pass;
mod payouts;
mod request;
mod results;
mod scoring;
#[cfg(test)]
mod tests;

pub use crate::meta_model::{MetaModelKind, MetaModelSpec};
pub use aggregates::{by_payout_change, gini, rank_descending, spearman_finite, top_share};
pub use config::{require_benchmark, scores_bmc, CompareConfig, FactorSpec, ScoreFormula};
pub use inputs::{CompareInputs, EraLoader, LoadModels, StakeChange};
pub use pass::{era_steps, scoring_groups, Group};
pub use payouts::{compare_report, compare_report_with_changes};
pub use request::{CompareRequest, CompareStakes, Configs, ResolvedCompare};
pub use results::{CompareReport, ConfigResult, ModelResult, RoundResult};
pub use scoring::{compare_scores, CompareScores};

use crate::EngineError;

/// Scores every model once per group of configurations sharing a target and meta model,
/// then simulates each configuration's payouts. `on_era` is called after each era of each
/// scoring pass.
///
/// When every model's predictions fit in `max_values`, they are read once, each model is
/// ranked once per era and group, and each group's meta model is built once per era from
/// the same ranks (the path of `erascore score --stakes`). Otherwise models are read in
/// chunks (in stakes-file order): a first pass adds each chunk's gaussianized ranks into
/// every meta model ([`StakeWeightedSum`](erascore_kernels::meta_model::StakeWeightedSum), the same sums in the same order, so the same
/// numbers), and a second pass scores each chunk against the finished meta models.
pub fn compare(
    inputs: &CompareInputs<'_>,
    configs: &[CompareConfig],
    on_era: &(dyn Fn() + Sync),
) -> Result<CompareReport, EngineError> {
    let scores = compare_scores(inputs, configs, None, on_era)?;
    compare_report_with_changes(
        inputs.models,
        inputs.stakes,
        inputs.stake_changes,
        configs,
        scores,
    )
}
