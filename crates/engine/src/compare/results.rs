//! What `compare` reports: per configuration, each model's results and each round's.

use super::config::CompareConfig;

/// One model under one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelResult {
    /// Mean of the combined score over the rounds paid.
    pub mean_score: f64,
    /// mean / std (ddof 0) of the combined score.
    pub sharpe: f64,
    /// Share of rounds with a positive combined score.
    pub hit_rate: f64,
    /// Starting stake.
    pub stake0: f64,
    /// Final stake minus starting stake.
    pub total_payout: f64,
    /// The stake once every round has resolved.
    pub final_stake: f64,
    /// 1 for the highest mean score (ties by model order; NaN last).
    pub rank: usize,
    /// Payout of each round (0 where a NaN score left the round out), in round order.
    pub payouts: Vec<f64>,
    /// Rounds left out for NaN scores.
    pub skipped: usize,
}

/// The whole tournament in one round under one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundResult {
    /// Sum of positive payouts.
    pub paid: f64,
    /// Sum of burns, as a positive number.
    pub burned: f64,
    /// The payout factor.
    pub payout_factor: f64,
    /// Share of the paid NMR that went to the top 1% of models by payout.
    pub top1_share: f64,
    /// The same for the top 10%.
    pub top10_share: f64,
    /// Gini coefficient of `max(payout, 0)` over all models.
    pub gini: f64,
}

/// One configuration's results.
#[derive(Debug, Clone)]
pub struct ConfigResult {
    /// The configuration.
    pub config: CompareConfig,
    /// One per model, in prediction-column order.
    pub models: Vec<ModelResult>,
    /// One per round, in round order.
    pub rounds: Vec<RoundResult>,
}

/// Everything [`compare`](super::compare) computed.
#[derive(Debug, Clone)]
pub struct CompareReport {
    /// Model names.
    pub models: Vec<String>,
    /// Round (era) labels, in order.
    pub rounds: Vec<String>,
    /// One per configuration, in the order given.
    pub configs: Vec<ConfigResult>,
    /// How many scoring passes ran (one per distinct target and meta model).
    pub scoring_passes: usize,
    /// How many chunks of models the predictions were read in (1: all at once).
    pub chunks: usize,
    /// Notes for the user.
    pub warnings: Vec<String>,
}
