//! erascore-engine: turns loaded files into per-era scores.
//!
//! It owns everything between the readers and the command line: matching prediction,
//! meta-model and benchmark ids to data rows ([`inputs`]), the meta model built from stakes ([`meta_model`]), the metric catalogue
//! ([`metrics`]), and era-parallel scoring ([`score`]), where each era is scored by one
//! rayon task with sequential kernels, so results do not depend on the number of threads.
//! Each era's neutralizer factorization is built once and shared by every model and every
//! target with the same rows. Statistics over eras (mean, Sharpe, drawdowns...) live in
//! [`stats`]; neutralized predictions (`erascore neutralize`) in [`neutralize`]; Signals'
//! per-era scores in [`signals`]; `erascore compare` in [`compare`]. Submission checks and
//! cleaning are a crate of their own, `erascore-submission`.
//!
//! ```no_run
//! use erascore_engine::metrics::Metric;
//! let metrics = Metric::parse_list("corr,mmc,fnc").unwrap();
//! assert_eq!(metrics.len(), 3);
//! ```
#![deny(missing_docs)]

pub mod compare;
pub mod diagnostics;
mod era_features;
mod era_scores;
pub mod evaluator;
pub mod inputs;
mod job;
pub mod meta_model;
pub mod metrics;
mod model_ranks;
pub mod neutralize;
mod prerequisites;
pub mod read;
pub mod request;
pub mod score;
pub mod signals;
pub mod stats;

use std::path::PathBuf;

// The vocabulary of inputs errors name, shared with the readers and the payout rules.
use erascore_input as input;
pub(crate) use erascore_input::message;

use erascore_io::IoError;
use erascore_kernels::KernelError;
use request::Input;

/// Why scoring could not run. Every variant names the file, column, era or id at fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading an input failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// An id appears twice in one file.
    #[error("{path}: id '{id}' appears more than once")]
    DuplicateId {
        /// The file.
        path: PathBuf,
        /// The repeated id.
        id: String,
    },
    /// An id repeated within one era of a file with eras.
    #[error("{path}: id '{id}' appears more than once in era '{era}'")]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The repeated id.
        id: String,
        /// Its era.
        era: String,
    },
    /// A data id sits in two eras while the other file has no era to tell them apart.
    #[error("{data}: id '{id}' is in era '{first}' and in era '{second}', and {other} has no era column to tell them apart (add one: rows are then matched on era and id)")]
    IdInTwoEras {
        /// The data file.
        data: PathBuf,
        /// The id.
        id: String,
        /// Its first era.
        first: String,
        /// Another era holding it.
        second: String,
        /// The file without eras.
        other: PathBuf,
    },
    /// A row has no id (or no era).
    #[error("{path}: {location} has no {column} (empty or null)")]
    MissingKey {
        /// The file.
        path: PathBuf,
        /// `id` or `era`.
        column: &'static str,
        /// Where in the file: "line N" of a CSV, "row N" of a parquet file.
        location: String,
    },
    /// A prediction (or neutralizer, sample weight, reference value) is NaN or infinite.
    #[error("{path}: column '{column}' has {value} for {row}; {what} must be finite")]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The row: "id 'X'", with " in era 'E'" when the file has eras.
        row: String,
        /// The value.
        value: f64,
        /// What the values are ("predictions", "neutralizers", ...).
        what: &'static str,
    },
    /// A prediction (or meta model, benchmark, neutralizer, sample weight) column stored as
    /// text in a parquet file or an in-memory table: numerai-tools refuses one, and
    /// erascore does not guess numbers from it (a CSV file's cells are read as numbers).
    #[error(
        "{path}: column '{column}' holds text, not numbers ('{value}' for {row}); {what} must \
         be stored as numbers (convert the column to floats)"
    )]
    TextValues {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The first row with a value: "id 'X'", with " in era 'E'" when the file has eras.
        row: String,
        /// Its text.
        value: String,
        /// What the values are ("predictions", "neutralizers", ...).
        what: &'static str,
    },
    /// The files share too few ids.
    #[error("{what}: only {overlapping} of {total} ids overlap ({share:.1}%); at least {required:.0}% must (see {})", Input::MaxFilteredRatio.noun())]
    TooLittleOverlap {
        /// What was being matched, naming files or era and target.
        what: String,
        /// Ids in common.
        overlapping: usize,
        /// Ids on the side that lost too many.
        total: usize,
        /// Share kept, in percent.
        share: f64,
        /// Required share, in percent.
        required: f64,
    },
    /// An era has too few rows to rank.
    #[error("era '{era}' has {rows} scorable rows for target '{target}'; at least 2 are needed")]
    TooFewRows {
        /// The era.
        era: String,
        /// The target.
        target: String,
        /// Rows found.
        rows: usize,
    },
    /// A kernel refused its input.
    #[error("era '{era}', model '{model}', target '{target}': {source}")]
    Kernel {
        /// The era.
        era: String,
        /// The model.
        model: String,
        /// The target.
        target: String,
        /// The kernel's complaint.
        source: KernelError,
    },
    /// The request itself is inconsistent (e.g. a metric without the input it needs).
    #[error("{0}")]
    Config(String),
    /// An input the user gave (or left out) cannot work: the message names the input
    /// ([`request::Input`]), which each front end words its own way.
    #[error("{0}")]
    Request(request::Message),
}

impl EngineError {
    /// The message with each input named by the front end: `name(Input::MetaModel)` is
    /// `--meta-model` in the CLI, `meta_model=` in Python.
    pub fn render(&self, name: &dyn Fn(Input) -> String) -> String {
        match self {
            EngineError::Request(m) => m.render(name),
            EngineError::Io(e) => e.render(name),
            EngineError::TooLittleOverlap {
                what,
                overlapping,
                total,
                share,
                required,
            } => format!(
                "{what}: only {overlapping} of {total} ids overlap ({share:.1}%); at least \
                 {required:.0}% must (see {})",
                name(Input::MaxFilteredRatio)
            ),
            e => e.to_string(),
        }
    }

    /// The input at fault, when the error is about one the user gave or left out.
    pub fn input(&self) -> Option<Input> {
        match self {
            EngineError::Request(m) => m.input(),
            EngineError::Io(IoError::Input { message, .. }) => message.input(),
            EngineError::TooLittleOverlap { .. } => Some(Input::MaxFilteredRatio),
            _ => None,
        }
    }
}
