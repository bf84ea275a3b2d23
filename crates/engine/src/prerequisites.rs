//! Which optional inputs a user gave, and the inputs each metric needs.

use crate::input::{Input, Message};
use crate::message;
use crate::metrics::Metric;
use crate::EngineError;

fn refuse<T>(m: Message) -> Result<T, EngineError> {
    Err(EngineError::Request(m))
}

/// Which optional inputs the user gave (tables or files, before anything is read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Given {
    /// A meta model table.
    pub meta_model: bool,
    /// A benchmark table.
    pub benchmark: bool,
    /// Example predictions.
    pub example: bool,
    /// Stakes of the prediction columns.
    pub stakes: bool,
    /// Signals neutralizers.
    pub neutralizers: bool,
    /// Signals sample weights.
    pub sample_weights: bool,
    /// At least one earlier submission.
    pub previous: bool,
}

impl Given {
    /// Whether a Signals table is given: the predictions' era column is then kept and rows
    /// are matched on (era, id).
    pub fn signals_tables(&self) -> bool {
        self.neutralizers || self.sample_weights || self.previous
    }
}

/// Refuses a metric whose input is missing, naming the metric and the input.
pub fn check_prerequisites(metrics: &[Metric], given: &Given) -> Result<(), EngineError> {
    for m in metrics {
        let name = m.name();
        if m.needs_meta_model() && !given.meta_model && !given.stakes {
            return refuse(message![
                format!("metric {name} needs "),
                Input::MetaModel,
                " or ",
                Input::Stakes
            ]);
        }
        if *m == Metric::Mpc && !given.stakes {
            return refuse(message![
                "metric mpc needs ",
                Input::Stakes,
                " (the models of the meta portfolio)"
            ]);
        }
        if m.needs_previous() && !given.previous {
            return refuse(message![
                format!("metric {name} needs "),
                Input::Previous,
                " (the previous submission)"
            ]);
        }
        if *m == Metric::Bmc && !given.benchmark {
            return refuse(message!["metric bmc needs ", Input::Benchmark]);
        }
        if *m == Metric::CorrWithExample && !given.example {
            return refuse(message![
                "metric corr_with_example needs ",
                Input::Example,
                " (diagnostics takes them)"
            ]);
        }
    }
    Ok(())
}
