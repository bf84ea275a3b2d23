//! The inputs a user gives, named in engine errors (`Input`), and messages built of text and
//! inputs that each front end words in its own names. In a file of its own because every
//! part of the engine names inputs in its errors.

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
        $crate::input::Message(vec![$($crate::input::Part::from($part)),*])
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
