//! erascore-payout: what a stake would have done under Numerai's earn/burn payout rules.
//!
//! It owns the payout rules ([`rule`]: the `weekly-2021`, `daily-2023` and `2024` presets and
//! user-made `custom` rules), the payout factor ([`factor`]: a constant, `min(1, T/X)`, or one
//! per round), the ordering of rounds and the per-model score series ([`series`]), the
//! compounding simulation itself ([`simulate()`]), its summary ([`summary`]: final stake,
//! return, drawdown, burn share, rounds at the cap), the block bootstrap of risk
//! ([`bootstrap()`]); the fan chart of it is drawn by erascore-report.
//!
//! Per round `r`, with `at_risk_r` the stake at risk:
//!
//! ```text
//! payout_r = at_risk_r × clip(pf_r × (corr_mult × CORR_r + mmc_mult × MMC_r), −cap, +cap)
//! ```
//!
//! and round `r` resolves `L` rounds later, so `at_risk_t = S0 + Σ payout_r over r + L ≤ t`.
//! The crate reads and writes no files: the CLI turns tables into the slices used here. Trajectories are
//! sequential; only [`bootstrap()`] spreads work over the rayon pool.
//!
//! ```
//! use erascore_payout::{simulate, Preset, Rule, RuleOverrides};
//!
//! let rule = Rule::new(Preset::Weekly2021, &RuleOverrides::default()).unwrap();
//! let scores = [0.02, 0.03, -0.01, 0.04, 0.01];
//! let factors = [1.0; 5];
//! let t = simulate(100.0, &scores, &factors, &rule).unwrap();
//! // The first four rounds risk the starting stake; round 4 also risks round 0's payout.
//! assert_eq!(t.rounds[3].at_risk, 100.0);
//! assert!((t.rounds[4].at_risk - 102.0).abs() < 1e-12);
//! assert!((t.final_stake - 109.02).abs() < 1e-12);
//! ```
#![deny(missing_docs)]

pub mod bootstrap;
pub mod factor;
pub mod multipliers;
mod round_map;
pub mod rule;
pub mod run;
pub mod series;
pub mod simulate;
pub mod summary;

pub use bootstrap::{
    bootstrap, model_stream, BootstrapOptions, BootstrapReport, BootstrapRequestError, Quantiles,
};
pub use factor::PayoutFactor;
pub use multipliers::RoundMultipliers;
pub use rule::{Preset, Rule, RuleOverrides, StakeLimits};
pub use run::{run_model, RunRequest, TrajectoryTable};
pub use series::{ModelScores, NanPolicy, PreparedModel};
pub use simulate::{simulate, ModelRun, RoundOutcome, Trajectory, TRAJECTORY_COLUMNS};
pub use summary::Summary;

use erascore_input::{message, Input, Message};

/// What was wrong with a rule, a stake or the scores, or what failed while charting.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PayoutError {
    /// `--rule` named no known rule.
    #[error("unknown payout rule '{name}' (expected weekly-2021, daily-2023, 2024, signals-2024, signals-2025, crypto or custom)")]
    UnknownRule {
        /// What was given.
        name: String,
    },
    /// The cap is outside (0, 1].
    #[error("cap {cap} is outside (0, 1]: a round can win or burn at most the whole stake")]
    CapOutOfRange {
        /// The cap given.
        cap: f64,
    },
    /// The resolve lag is below one round.
    #[error("resolve lag {lag} is below 1: a round cannot pay out before it is scored")]
    ResolveLag {
        /// The lag given.
        lag: usize,
    },
    /// A multiplier is not one the rule allows.
    #[error("{}", self.message())]
    MultiplierNotAllowed {
        /// The rule's name.
        rule: &'static str,
        /// `corr` or `mmc`.
        which: &'static str,
        /// The value given.
        value: f64,
        /// What the rule allows.
        allowed: &'static str,
    },
    /// A multiplier is NaN or infinite.
    #[error("{which} multiplier {value} is not a finite number")]
    MultiplierNotFinite {
        /// `corr` or `mmc`.
        which: &'static str,
        /// The value given.
        value: f64,
    },
    /// A Signals stake limit (on churn or turnover) is not a positive number.
    #[error("{}", self.message())]
    BadLimit {
        /// [`Input::MaxChurn`] or [`Input::MaxTurnover`].
        limit: Input,
        /// The value given.
        value: f64,
    },
    /// The staking threshold is not positive.
    #[error("threshold {value} must be a positive number of NMR")]
    BadThreshold {
        /// The value given.
        value: f64,
    },
    /// A total at risk is not a positive number.
    #[error("total at risk {value}{} must be a positive number of NMR", round_suffix(.round))]
    BadTotalAtRisk {
        /// The round it belongs to, if per round.
        round: Option<String>,
        /// The value given.
        value: f64,
    },
    /// A payout factor is negative or not finite.
    #[error("payout factor {value}{} must be a finite number >= 0", round_suffix(.round))]
    BadPayoutFactor {
        /// The round it belongs to, if per round.
        round: Option<String>,
        /// The value given.
        value: f64,
    },
    /// A total at risk was given but the rule has no threshold to divide.
    #[error("{}", self.message())]
    NoThreshold {
        /// The rule's name.
        rule: &'static str,
    },
    /// The per-round payout factors do not cover a scored round.
    #[error("no payout factor (or total at risk) for round '{round}'")]
    MissingRoundFactor {
        /// The round.
        round: String,
    },
    /// Per-round multipliers under a Signals or crypto rule.
    #[error("per-round multipliers apply to the classic tournament's rules, not {rule}")]
    PerRoundMultipliersNotClassic {
        /// The rule.
        rule: &'static str,
    },
    /// A per-round multiplier pair the rule does not allow.
    #[error("round '{round}': {message}")]
    BadRoundMultiplier {
        /// The round.
        round: String,
        /// What is wrong with its multipliers.
        message: String,
    },
    /// A round listed twice among the per-round multipliers.
    #[error("round '{round}' appears twice in the per-round multipliers")]
    DuplicateRoundMultipliers {
        /// The round.
        round: String,
    },
    /// A scored round without per-round multipliers.
    #[error("no per-round multipliers for round '{round}'")]
    MissingRoundMultipliers {
        /// The round.
        round: String,
    },
    /// A round appears twice in the per-round payout factors.
    #[error("round '{round}' appears twice in the per-round payout factors")]
    DuplicateRoundFactor {
        /// The round.
        round: String,
    },
    /// A starting stake is negative or not finite.
    #[error("stake {stake}{} must be a finite number >= 0", .model.as_ref().map_or_else(String::new, |m| format!(" of model '{m}'")))]
    BadStake {
        /// The model, when known.
        model: Option<String>,
        /// The stake given.
        stake: f64,
    },
    /// A score row without a round or without a model (an empty cell, a null): it would
    /// otherwise be scored as a round or a model of its own, named "".
    #[error("{}", missing_label(.model, .round))]
    MissingLabel {
        /// The row's model, when it has one.
        model: Option<String>,
        /// The row's round, when it has one.
        round: Option<String>,
    },
    /// Round labels that cannot be ordered as rounds
    /// ([`erascore_labels::era::round_labels_problem`]).
    #[error("{0}")]
    RoundLabels(String),
    /// The same (round, model) pair has two score rows.
    #[error("model '{model}' has two rows for round '{round}'")]
    DuplicateRound {
        /// The model.
        model: String,
        /// The round.
        round: String,
    },
    /// A model's score is NaN and the NaN policy is `error`.
    #[error("{}", self.message())]
    NanScore {
        /// The model.
        model: String,
        /// The round.
        round: String,
        /// The score column.
        column: String,
    },
    /// A score is infinite.
    #[error("model '{model}', round '{round}': {column} score {value} is not finite")]
    InfiniteScore {
        /// The model.
        model: String,
        /// The round.
        round: String,
        /// The score column.
        column: String,
        /// The value.
        value: f64,
    },
    /// The rule weighs a score the table does not have.
    #[error("{}", self.message())]
    MissingScoreColumn {
        /// The column looked for.
        column: String,
    },
    /// A combined score handed to the simulation is NaN or infinite.
    #[error("score {value} at round index {index} is not finite")]
    NonFiniteScore {
        /// Position in the series.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A model has no round left to simulate.
    #[error("model '{model}' has no round to simulate{}", if *.skipped > 0 { format!(" ({} skipped for NaN scores)", .skipped) } else { String::new() })]
    NoRounds {
        /// The model.
        model: String,
        /// Rounds skipped for NaN scores.
        skipped: usize,
    },
    /// Two inputs that must line up round by round have different lengths.
    #[error("{scores} scores but {factors} payout factors")]
    LengthMismatch {
        /// Number of scores.
        scores: usize,
        /// Number of payout factors.
        factors: usize,
    },
    /// Score columns of a long table differ in length.
    #[error("score table columns differ in length: {what} has {len} rows, rounds has {rounds}")]
    RaggedColumns {
        /// Which column.
        what: &'static str,
        /// Its length.
        len: usize,
        /// Length of the rounds column.
        rounds: usize,
    },
    /// The bootstrap was asked for no trajectories or blocks of zero rounds.
    #[error("bootstrap needs {what} >= 1 (got 0)")]
    BootstrapZero {
        /// `trajectories` or `block`.
        what: &'static str,
    },
    /// More trajectories (or trajectory rounds kept for a fan chart) than memory allows.
    #[error("{}", self.message())]
    BootstrapTooLarge {
        /// Trajectories asked for.
        trajectories: usize,
        /// What it would take.
        why: String,
    },
    /// The stake grew beyond the largest floating-point number.
    #[error("starting stake {stake0}: the stake overflows (is no longer a finite number) by round index {index}")]
    StakeOverflow {
        /// The starting stake.
        stake0: f64,
        /// The first round whose stake is not finite.
        index: usize,
    },
}

impl PayoutError {
    /// The error as a [`Message`]: the inputs it names (the rule, the NaN policy, a score
    /// column, the threshold...) are left for each front end to word
    /// ([`PayoutError::render`]); `Display` names them in plain words, as a compare
    /// configuration reads them.
    pub fn message(&self) -> Message {
        match self {
            PayoutError::MultiplierNotAllowed {
                rule,
                which,
                value,
                allowed,
            } => message![
                format!(
                    "{rule}: {which} multiplier {value} is not allowed (allowed: {allowed}); for \
                     any other value set "
                ),
                Input::Rule,
                " to custom"
            ],
            PayoutError::BadLimit { limit, value } => {
                message![*limit, format!(" {value} must be a finite number > 0")]
            }
            PayoutError::NoThreshold { rule } => message![
                format!("rule {rule} has no staking threshold: give "),
                Input::Threshold,
                " T to turn a total at risk into a payout factor min(1, T/X)"
            ],
            PayoutError::NanScore {
                model,
                round,
                column,
            } => message![
                format!("model '{model}', round '{round}': {column} score is NaN (set "),
                Input::Nan,
                " to skip or zero to go on)"
            ],
            PayoutError::MissingScoreColumn { column } => message![
                format!(
                    "the rule uses the second score but there is no '{column}' column (name \
                     it with "
                ),
                Input::MmcColumn,
                ", or set ",
                Input::MmcMultiplier,
                " to 0)"
            ],
            PayoutError::BootstrapTooLarge { trajectories, why } => {
                message![Input::Bootstrap, format!(" {trajectories}: {why}")]
            }
            e => message![e.to_string()],
        }
    }

    /// The error with each input it names worded by `name` (a flag, a keyword argument).
    pub fn render(&self, name: &dyn Fn(Input) -> String) -> String {
        self.message().render(name)
    }
}

fn missing_label(model: &Option<String>, round: &Option<String>) -> String {
    match (model, round) {
        (Some(m), _) => format!("model '{m}' has a score row without a round (empty or null)"),
        (None, Some(r)) => format!("round '{r}' has a score row without a model (empty or null)"),
        (None, None) => "a score row has neither a model nor a round (empty or null)".into(),
    }
}

fn round_suffix(round: &Option<String>) -> String {
    round
        .as_ref()
        .map_or_else(String::new, |r| format!(" (round '{r}')"))
}
