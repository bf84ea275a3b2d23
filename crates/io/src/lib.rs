//! erascore-io: reading and writing the files erascore works with, as typed columns.
//!
//! It owns the Numerai v5 parquet layout ([`dataset`]: `id`, `era`, int8 `feature_*`,
//! float `target*`, read with column projection and with features kept as int8), generic
//! two-dimensional tables of text and numbers from Parquet or CSV ([`frame`]: predictions,
//! meta models, stakes, score files) and Numerai's `features.json` ([`features_json`]).
//! Text columns, ids above all, are [`Strings`]: one buffer per column, not one allocation
//! per value.
//! [`era`] holds the one order of era labels every command uses.
//! Nothing here knows about scoring; every error names the file and column at fault.
//!
//! ```no_run
//! use erascore_io::frame::read_frame;
//! let preds = read_frame(std::path::Path::new("predictions.csv")).unwrap();
//! println!("{} rows, columns {:?}", preds.rows(), preds.names());
//! ```
#![deny(missing_docs)]

mod convert;
pub mod dataset;
pub mod features_json;
pub mod frame;
pub mod output;
mod parquet_guard;
mod source;
pub mod stream;
mod strings;
#[cfg(test)]
mod test_files;
mod text_pages;
pub mod timings;

pub use erascore_labels::era;
pub use strings::Strings;

/// The machine's memory in bytes (`MemTotal` of /proc/meminfo), where it can be read: the
/// measure of sizes that must be refused before they are allocated.
pub fn machine_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb.saturating_mul(1024))
}

use std::path::PathBuf;

/// What went wrong reading or writing a file.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The file could not be opened or written.
    #[error("{path}: {error}")]
    File {
        /// The file.
        path: PathBuf,
        /// The OS error (shown in the message, so not chained as a source twice).
        error: std::io::Error,
    },
    /// The parquet file is not readable (truncated, corrupt, unsupported).
    #[error("{path}: not a readable parquet file: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What the parquet reader said.
        message: String,
    },
    /// A required column is absent.
    #[error("{path}: no column named '{column}'{hint}")]
    ColumnNotFound {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// A list of similar names, or empty.
        hint: String,
    },
    /// A column that must be numeric is not.
    #[error("{path}: column '{column}' is not numeric ({found})")]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// What it was instead.
        found: String,
    },
    /// A feature column holds values that are not small integers.
    #[error("{path}: feature column '{column}' has value {value} at row {row} (id {id}); features must be integers in -128..=127 or quarter steps in [0, 1]")]
    BadFeature {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Zero-based row.
        row: usize,
        /// The row's id.
        id: String,
        /// The offending value.
        value: String,
    },
    /// A CSV row could not be parsed.
    #[error("{path}:{line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file is well-formed but its content is unusable.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An input the user gave does not fit the file (an era window naming an era the file
    /// lacks): the message names the input, for each front end to word ([`IoError::render`]).
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the input.
        message: erascore_input::Message,
    },
}

impl IoError {
    /// The error with each input it names worded by `name` (a flag, a keyword argument).
    pub fn render(&self, name: &dyn Fn(erascore_input::Input) -> String) -> String {
        match self {
            IoError::Input { path, message } => {
                format!("{}: {}", path.display(), message.render(name))
            }
            e => e.to_string(),
        }
    }

    pub(crate) fn file(path: &std::path::Path, source: std::io::Error) -> Self {
        IoError::File {
            path: path.to_path_buf(),
            error: source,
        }
    }
    pub(crate) fn parquet(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        IoError::Parquet {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    pub(crate) fn invalid(path: &std::path::Path, message: impl Into<String>) -> Self {
        IoError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
    pub(crate) fn missing(path: &std::path::Path, column: &str, available: &[String]) -> Self {
        let stem: String = column.chars().take(6).collect();
        let similar: Vec<&str> = available
            .iter()
            .filter(|a| a.starts_with(&stem))
            .take(5)
            .map(|s| s.as_str())
            .collect();
        let hint = if similar.is_empty() {
            format!(
                " (it has {} columns, e.g. {})",
                available.len(),
                available
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(" (did you mean {}?)", similar.join(", "))
        };
        IoError::ColumnNotFound {
            path: path.to_path_buf(),
            column: column.to_string(),
            hint,
        }
    }
}

/// The width a floating column had on disk; scoring reproduces the reference's rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatWidth {
    /// float32 on disk.
    F32,
    /// float64 (or integer) on disk.
    F64,
}

/// `array` as an arrow text array (`Utf8`, `LargeUtf8` or `Utf8View`): dictionaries and
/// binary columns (pandas writes Python `bytes` as binary) are converted, numbers
/// formatted. A value that is not valid UTF-8 is an error naming the column and its row in
/// the file (`first_row` is the array's first row); nulls stay null for the caller to judge.
pub(crate) fn text_array(
    path: &std::path::Path,
    column: &str,
    array: &arrow_array::ArrayRef,
    first_row: usize,
) -> Result<arrow_array::ArrayRef, IoError> {
    use arrow_array::Array;
    use arrow_schema::DataType;
    if matches!(
        array.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        return Ok(array.clone());
    }
    // Binary that is not UTF-8 comes back as null; a null that was not one before is a value
    // that is not text.
    let text = crate::convert::to_utf8(array).map_err(|_| {
        IoError::invalid(
            path,
            format!(
                "column '{column}' holds {} values, not text",
                array.data_type()
            ),
        )
    })?;
    if text.null_count() > array.null_count() {
        if let Some(i) = (0..array.len()).find(|&i| text.is_null(i) && !array.is_null(i)) {
            return Err(IoError::invalid(
                path,
                format!(
                    "column '{column}' at row {} is not valid UTF-8 text",
                    first_row + i
                ),
            ));
        }
    }
    Ok(text)
}
