//! erascore-input: the inputs a user gives ([`Input`]), named in errors, and messages built of
//! text and inputs ([`Message`]) that each front end words in its own names: the CLI a flag
//! (`--meta-model`), Python a keyword argument (`meta_model=`).
//!
//! One vocabulary for every crate that refuses an input (the readers' era window, the payout
//! rules, the engine's requests), so that no message made outside a front end names a flag
//! or a keyword. No dependencies: erascore-io and erascore-payout use it without the engine.
//!
//! ```
//! use erascore_input::{message, Input};
//! let m = message!["metric mmc needs ", Input::MetaModel];
//! assert_eq!(m.to_string(), "metric mmc needs a meta model");
//! assert_eq!(m.render(&|i| format!("<{i:?}>")), "metric mmc needs <MetaModel>");
//! ```
#![deny(missing_docs)]

use std::fmt;

/// An input a user gives (a file or frame, a column name, a number), named in errors.
/// Each front end has its own name for it: the CLI a flag (`--meta-model`), Python a
/// keyword argument (`meta_model=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// The data (ids, eras, targets, features).
    Data,
    /// The predictions.
    Predictions,
    /// The prediction columns to score.
    Models,
    /// The target columns.
    Targets,
    /// The metrics asked for.
    Metrics,
    /// The feature columns.
    Features,
    /// The meta model table.
    MetaModel,
    /// The meta model's column.
    MetaModelColumn,
    /// The benchmark table.
    Benchmark,
    /// The benchmark's column.
    BenchmarkColumn,
    /// Example predictions.
    Example,
    /// The example predictions' column.
    ExampleColumn,
    /// Stakes of the prediction columns.
    Stakes,
    /// Signals neutralizers.
    Neutralizers,
    /// Signals sample weights.
    SampleWeights,
    /// Earlier submissions.
    Previous,
    /// The share of ids alignment may drop.
    MaxFilteredRatio,
    /// N of the top/bottom-N metrics.
    TopBottom,
    /// Weight of CORR in the payout score.
    CorrMultiplier,
    /// Weight of MMC in the payout score.
    MmcMultiplier,
    /// The eras to score (a window of the data's eras).
    Eras,
    /// Memory the eras in flight may take.
    MemoryBudget,
    /// The proportion of the exposure neutralized away.
    Proportion,
    /// The model of a submission.
    Model,
    /// The payout rule.
    Rule,
    /// What a NaN score does in a payout run.
    Nan,
    /// The column of the second score a payout rule weighs (MMC's).
    MmcColumn,
    /// The staking threshold of a payout rule.
    Threshold,
    /// The number of bootstrap trajectories.
    Bootstrap,
    /// The bootstrap's block length, in rounds.
    Block,
    /// The bootstrap's seed.
    Seed,
    /// The Signals stake limit on churn.
    MaxChurn,
    /// The Signals stake limit on turnover.
    MaxTurnover,
    /// Compare's configurations.
    Configs,
    /// How many eras a synthetic dataset has.
    EraCount,
    /// How many rows (tickers, for Signals) each era of a synthetic dataset has.
    RowsPerEra,
    /// How many features a synthetic dataset has.
    FeatureCount,
    /// How many models submit to a synthetic tournament.
    ModelCount,
    /// How many neutralizers a synthetic Signals dataset has.
    NeutralizerCount,
    /// Which models a synthetic tournament has (a few simple ones, or a tournament's
    /// population).
    Population,
}

impl Input {
    /// Plain words for the input, used where no front end words it (`Display`).
    pub fn noun(self) -> &'static str {
        match self {
            Input::Data => "the data",
            Input::Predictions => "the predictions",
            Input::Models => "the models",
            Input::Targets => "the targets",
            Input::Metrics => "the metrics",
            Input::Features => "the features",
            Input::MetaModel => "a meta model",
            Input::MetaModelColumn => "the meta model column",
            Input::Benchmark => "a benchmark",
            Input::BenchmarkColumn => "the benchmark column",
            Input::Example => "example predictions",
            Input::ExampleColumn => "the example predictions column",
            Input::Stakes => "stakes",
            Input::Neutralizers => "neutralizers",
            Input::SampleWeights => "sample weights",
            Input::Previous => "a previous submission",
            Input::MaxFilteredRatio => "the max filtered ratio",
            Input::TopBottom => "top/bottom N",
            Input::CorrMultiplier => "the corr multiplier",
            Input::MmcMultiplier => "the mmc multiplier",
            Input::Eras => "the era window",
            Input::MemoryBudget => "the memory budget",
            Input::Proportion => "the proportion",
            Input::Model => "the model",
            Input::Rule => "the payout rule",
            Input::Nan => "the NaN policy",
            Input::MmcColumn => "the mmc score column",
            Input::Threshold => "the staking threshold",
            Input::Bootstrap => "the bootstrap trajectories",
            Input::Block => "the bootstrap block length",
            Input::Seed => "the bootstrap seed",
            Input::MaxChurn => "the churn limit",
            Input::MaxTurnover => "the turnover limit",
            Input::Configs => "the configurations",
            Input::EraCount => "the number of eras",
            Input::RowsPerEra => "the rows per era",
            Input::FeatureCount => "the number of features",
            Input::ModelCount => "the number of models",
            Input::NeutralizerCount => "the number of neutralizers",
            Input::Population => "the population",
        }
    }
}

/// One piece of a [`Message`].
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Words every front end shows as they are.
    Text(String),
    /// An input, worded by the front end.
    Input(Input),
}

impl From<&str> for Part {
    fn from(s: &str) -> Self {
        Part::Text(s.to_string())
    }
}

impl From<String> for Part {
    fn from(s: String) -> Self {
        Part::Text(s)
    }
}

impl From<Input> for Part {
    fn from(i: Input) -> Self {
        Part::Input(i)
    }
}

/// A message that names inputs, worded by each front end ([`Message::render`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Message(pub Vec<Part>);

/// Builds a [`Message`] from text and [`Input`]s: `message!["metric mmc needs ",
/// Input::MetaModel]`.
#[macro_export]
macro_rules! message {
    ($($part:expr),* $(,)?) => {
        $crate::Message(vec![$($crate::Part::from($part)),*])
    };
}

impl Message {
    /// The message with each input named by `name`.
    pub fn render(&self, name: &dyn Fn(Input) -> String) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Input(i) => name(*i),
            })
            .collect()
    }

    /// The first input the message names: the one at fault.
    pub fn input(&self) -> Option<Input> {
        self.0.iter().find_map(|p| match p {
            Part::Input(i) => Some(*i),
            Part::Text(_) => None,
        })
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&|i| i.noun().to_string()))
    }
}
