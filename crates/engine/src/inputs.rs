//! Prediction, meta-model and benchmark columns keyed by id, and their match to data rows.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ahash::RandomState;

use erascore_io::frame::Frame;
use erascore_io::Strings;

use crate::EngineError;

/// Columns that are never models in a predictions file.
pub const NON_MODEL_COLUMNS: [&str; 4] = ["id", "era", "data_type", "__index_level_0__"];

/// Model prediction columns keyed by id.
#[derive(Debug, Clone)]
pub struct Predictions {
    /// The file they came from.
    pub path: PathBuf,
    /// Row ids.
    pub ids: Strings,
    /// Model names (one per prediction column).
    pub models: Vec<String>,
    /// One vector per model, aligned with `ids`.
    pub values: Vec<Vec<f64>>,
}

impl Predictions {
    /// Every numeric column but `id`/`era`/`data_type` is a model. Predictions must be finite
    /// ([`match_rows`] checks that ids are unique). `only` restricts to the named columns.
    pub fn from_frame(mut frame: Frame, only: Option<&[String]>) -> Result<Self, EngineError> {
        let ids = frame.take_text("id")?;
        let names = match only {
            Some(list) => list.to_vec(),
            None => frame
                .names()
                .into_iter()
                .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
                .collect(),
        };
        if names.is_empty() {
            return Err(EngineError::Config(format!(
                "{}: no prediction columns besides id",
                frame.path().display()
            )));
        }
        let mut values = Vec::with_capacity(names.len());
        for name in &names {
            let (v, _) = frame.float(name)?;
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(EngineError::NonFinite {
                    path: frame.path().to_path_buf(),
                    column: name.clone(),
                    id: ids[i].to_string(),
                    value: v[i],
                });
            }
            values.push(v.into_owned());
        }
        Ok(Self {
            path: frame.path().to_path_buf(),
            ids,
            models: names,
            values,
        })
    }
}

/// One reference column (meta model, benchmark, example predictions) keyed by id; NaN allowed.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The file.
    pub path: PathBuf,
    /// Column name.
    pub column: String,
    /// Row ids.
    pub ids: Strings,
    /// Values, NaN where missing.
    pub values: Vec<f64>,
}

impl Reference {
    /// Reads `column` (and `id`) from a frame.
    pub fn from_frame(mut frame: Frame, column: &str) -> Result<Self, EngineError> {
        let ids = frame.take_text("id")?;
        let (v, _) = frame.float(column)?;
        if let Some(i) = v.iter().position(|x| x.is_infinite()) {
            return Err(EngineError::NonFinite {
                path: frame.path().to_path_buf(),
                column: column.to_string(),
                id: ids[i].to_string(),
                value: v[i],
            });
        }
        Ok(Self {
            path: frame.path().to_path_buf(),
            column: column.to_string(),
            ids,
            values: v.into_owned(),
        })
    }
}

/// Errors on the first repeated id.
pub fn check_unique(path: &Path, ids: &Strings) -> Result<(), EngineError> {
    let mut seen: HashSet<&str, RandomState> =
        HashSet::with_capacity_and_hasher(ids.len(), RandomState::new());
    for id in ids {
        if !seen.insert(id) {
            return Err(EngineError::DuplicateId {
                path: path.to_path_buf(),
                id: id.to_string(),
            });
        }
    }
    Ok(())
}

/// For each data id, the row of `ids` (read from `path`) holding the same id; an error names
/// the first id `ids` repeats.
///
/// Predictions made from the data file usually list the same ids in the same order: one
/// comparison of the two id buffers then replaces hashing every id, and the match is
/// positional, so it needs no uniqueness of its own (the scoring engine still rejects an id
/// repeated within an era of the data).
pub fn match_rows(
    data_ids: &Strings,
    ids: &Strings,
    path: &Path,
) -> Result<Vec<Option<u32>>, EngineError> {
    if data_ids == ids {
        return Ok((0..ids.len() as u32).map(Some).collect());
    }
    let mut index: HashMap<&str, u32, RandomState> =
        HashMap::with_capacity_and_hasher(ids.len(), RandomState::new());
    for (i, id) in ids.iter().enumerate() {
        if index.insert(id, i as u32).is_some() {
            return Err(EngineError::DuplicateId {
                path: path.to_path_buf(),
                id: id.to_string(),
            });
        }
    }
    Ok(data_ids.iter().map(|id| index.get(id).copied()).collect())
}

/// numerai-tools' overlap rule: error when fewer than `1 - max_filtered_ratio` of `total`
/// survive.
pub fn require_overlap(
    what: impl FnOnce() -> String,
    overlapping: usize,
    total: usize,
    max_filtered_ratio: f64,
) -> Result<(), EngineError> {
    let need = 1.0 - max_filtered_ratio;
    if total > 0 && (overlapping as f64) / (total as f64) >= need {
        return Ok(());
    }
    Err(EngineError::TooLittleOverlap {
        what: what(),
        overlapping,
        total,
        share: if total == 0 {
            0.0
        } else {
            100.0 * overlapping as f64 / total as f64
        },
        required: 100.0 * need,
    })
}
