//! Neutralized predictions, era by era (`erascore neutralize`, `erascore.neutralize`):
//! numerai-tools' `neutralize` as a user calls it on each era's predicted rows (sorted by
//! id): tie-kept rank, gaussianize, subtract `proportion` times the least-squares projection
//! on the neutralizers (with an intercept), divide by the standard deviation
//! ([`erascore_kernels::neutralized`]). The neutralizers are the data's features (int8, one
//! factorization per era shared by every model) or the columns of a file keyed by (era,) id.
//!
//! A front end turns its flags or keyword arguments into a [`NeutralizeRequest`], which is
//! checked before any file is read ([`NeutralizeRequest::check`]) and resolved against the
//! prediction columns once they are read ([`NeutralizeRequest::resolve`]); its errors name
//! the input ([`Input::Proportion`], [`Input::Model`]) so each front end words it as its flag
//! or keyword ([`RequestError::message`]).

use std::path::Path;

use rayon::prelude::*;

use erascore_io::dataset::{DataKeys, Dataset};
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::neutralized::{neutralized_predictions, submission_ranks};

use crate::era_features::EraFeatures;
use crate::input::{Input, Message};
use crate::inputs::{require_era_column, DataRows, Predictions, RowMap, RowTable};
use crate::message;
use crate::score::{predicted_eras, stream_eras, EraSpan, Streaming};
use crate::EngineError;

/// The column a submission's values are written under (`id` + `prediction`, the layout
/// `erascore validate` checks).
pub const SUBMISSION_COLUMN: &str = "prediction";

/// What a front end asks for, in the engine's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct NeutralizeRequest {
    /// Share of the projection subtracted: 0 keeps the gaussianized ranks, 1 neutralizes
    /// fully (numerai-tools' `proportion`).
    pub proportion: f64,
    /// Submission-ready values: ranked to (0, 1) within each era, one model.
    pub submission: bool,
    /// The model a submission holds (needed when the predictions have several).
    pub model: Option<String>,
}

/// A request no input can make right.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// The proportion is not a number in [0, 1].
    #[error("must be a number in [0, 1], got {0}")]
    Proportion(f64),
    /// A submission of a predictions file with several models names none.
    #[error("a submission holds one model and {file} has {}: choose one ({})", .models.len(), .models.join(", "))]
    ModelNeeded {
        /// The predictions.
        file: String,
        /// Its model columns.
        models: Vec<String>,
    },
    /// The model named is not a prediction column.
    #[error("'{model}' is not a prediction column of {file} (columns: {})", .models.join(", "))]
    UnknownModel {
        /// The name given.
        model: String,
        /// The predictions.
        file: String,
        /// Its model columns.
        models: Vec<String>,
    },
    /// A model is named without asking for a submission.
    #[error("names the model of a submission; it needs the submission output")]
    ModelWithoutSubmission,
}

impl RequestError {
    /// The input at fault.
    pub fn input(&self) -> Input {
        match self {
            RequestError::Proportion(_) => Input::Proportion,
            _ => Input::Model,
        }
    }

    /// Whether the file is at fault rather than the request: a model the predictions lack
    /// is a missing column (exit 1 / `DataError`), as `--models` naming one is for `score`.
    pub fn is_data(&self) -> bool {
        matches!(self, RequestError::UnknownModel { .. })
    }

    /// The error naming its input, for each front end to word.
    pub fn message(&self) -> Message {
        message![self.input(), format!(": {self}")]
    }
}

/// A request resolved against the prediction columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedNeutralize {
    /// See [`NeutralizeRequest::proportion`].
    pub proportion: f64,
    /// The prediction columns neutralized (indexes into the predictions' models).
    pub models: Vec<usize>,
    /// Whether the values are a submission's ranks.
    pub submission: bool,
}

impl NeutralizeRequest {
    /// What can be checked before any file is read.
    pub fn check(&self) -> Result<(), RequestError> {
        if !(0.0..=1.0).contains(&self.proportion) {
            return Err(RequestError::Proportion(self.proportion));
        }
        if self.model.is_some() && !self.submission {
            return Err(RequestError::ModelWithoutSubmission);
        }
        Ok(())
    }

    /// The request against the prediction columns: every model, or the submission's one.
    pub fn resolve(&self, predictions: &Predictions) -> Result<ResolvedNeutralize, RequestError> {
        self.check()?;
        let names = &predictions.names;
        let file = predictions.path.display().to_string();
        let models = match (&self.model, self.submission) {
            (None, false) => (0..names.len()).collect(),
            (Some(m), _) => match names.iter().position(|n| n == m) {
                Some(i) => vec![i],
                None => {
                    return Err(RequestError::UnknownModel {
                        model: m.clone(),
                        file,
                        models: names.clone(),
                    })
                }
            },
            (None, true) if names.len() == 1 => vec![0],
            (None, true) => {
                return Err(RequestError::ModelNeeded {
                    file,
                    models: names.clone(),
                })
            }
        };
        Ok(ResolvedNeutralize {
            proportion: self.proportion,
            models,
            submission: self.submission,
        })
    }
}

/// What neutralizing reads.
#[derive(Debug, Clone, Copy)]
pub struct NeutralizeInputs<'a> {
    /// The data: ids, eras and (without `neutralizers`) the features.
    pub data: &'a Dataset,
    /// The predictions.
    pub predictions: &'a Predictions,
    /// Neutralizer columns keyed by (era,) id; `None`: the data's features.
    pub neutralizers: Option<&'a RowTable>,
}

/// Neutralized predictions: eras in order, each era's rows sorted by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Neutralized {
    /// Output columns: the model names, or [`SUBMISSION_COLUMN`] for a submission.
    pub columns: Vec<String>,
    /// Each era and its number of rows, in order; the rows of an era are consecutive.
    pub eras: Vec<(String, usize)>,
    /// Row ids.
    pub ids: Vec<String>,
    /// One vector per output column, aligned with `ids` (NaN where a model is constant in
    /// an era).
    pub values: Vec<Vec<f64>>,
    /// Notes for the user (constant predictions, eras without predictions).
    pub warnings: Vec<String>,
}

impl Neutralized {
    /// The era of each row.
    pub fn row_eras(&self) -> Vec<&str> {
        self.eras
            .iter()
            .flat_map(|(e, n)| std::iter::repeat_n(e.as_str(), *n))
            .collect()
    }
}

/// One era's output: ids, one column per output model, warnings.
type EraOut = (Vec<String>, Vec<Vec<f64>>, Vec<String>);

struct Job<'a> {
    inputs: NeutralizeInputs<'a>,
    resolved: &'a ResolvedNeutralize,
    pred_row: RowMap,
    neutralizer_row: Option<RowMap>,
}

/// Neutralizes every era of `inputs` that has predictions. `streaming`: the data were
/// opened for streaming and their features are decoded a batch of eras at a time (`None`:
/// they are in `inputs.data`). `keys`: the data's ids and era index, taken out of it
/// ([`Dataset::take_keys`]). `on_era` is called once per finished era.
///
/// Every prediction row needs a data row (its era and neutralizers), except in an era
/// window, where rows of other eras are expected; every predicted row needs a row of the
/// neutralizers file.
pub fn neutralize(
    inputs: NeutralizeInputs<'_>,
    resolved: &ResolvedNeutralize,
    streaming: Option<&Streaming<'_>>,
    keys: Option<DataKeys>,
    on_era: &(dyn Fn() + Sync),
) -> Result<Neutralized, EngineError> {
    let data = inputs.data;
    let preds = inputs.predictions;
    if inputs.neutralizers.is_none() && data.feature_names.is_empty() {
        return Err(EngineError::Config(format!(
            "{}: no feature columns to neutralize against (give a feature set, feature names \
             or a neutralizers file)",
            data.path.display()
        )));
    }
    let keyed = keys.map(|k| data.keyed(k));
    let key_data = keyed.as_ref().unwrap_or(data);
    let data_rows = DataRows::new(key_data);
    let pred_matches = data_rows.match_rows(&preds.keys())?;
    let pred_row = RowMap::new(&pred_matches);
    if !streaming.is_some_and(|s| s.era_window) {
        require_every_prediction(preds, &pred_matches, &data.path)?;
    }
    drop(pred_matches);
    let neutralizer_row = match inputs.neutralizers {
        Some(table) => {
            require_era_column(key_data, &table.keys(), Input::Neutralizers)?;
            Some(RowMap::new(&data_rows.match_rows(&table.keys())?))
        }
        None => None,
    };
    let mut era_rows: Vec<Vec<u32>> = vec![Vec::new(); data.era_names.len()];
    let mut era_spans: Vec<EraSpan> = vec![EraSpan::default(); data.era_names.len()];
    for (row, &era) in key_data.eras.iter().enumerate() {
        if pred_row.has(row) {
            era_rows[era as usize].push(row as u32);
            era_spans[era as usize].push(row as u32);
        }
    }
    let mut warnings = Vec::new();
    let eras = predicted_eras(&data.era_names, &era_rows, &mut warnings);
    era_rows
        .par_iter_mut()
        .try_for_each(|rows| data_rows.sort_era_by_id(rows))?;
    drop(data_rows);
    drop(keyed);
    let job = Job {
        inputs,
        resolved,
        pred_row,
        neutralizer_row,
    };
    let one = |e: usize, features: &EraFeatures<'_>| {
        let r = neutralize_era(&job, e, &era_rows[e], features);
        on_era();
        r
    };
    let results: Vec<EraOut> = match streaming {
        Some(s) if inputs.neutralizers.is_none() && !s.features.names().is_empty() => {
            stream_eras(s, data, &eras, &era_rows, &era_spans, &one)?
        }
        _ => {
            let features = EraFeatures {
                columns: &data.features,
                rows: None,
            };
            eras.par_iter()
                .map(|&e| one(e, &features))
                .collect::<Result<_, _>>()?
        }
    };
    let columns: Vec<String> = if resolved.submission {
        vec![SUBMISSION_COLUMN.to_string()]
    } else {
        resolved
            .models
            .iter()
            .map(|&m| preds.names[m].clone())
            .collect()
    };
    let total: usize = eras.iter().map(|&e| era_rows[e].len()).sum();
    let mut out = Neutralized {
        values: vec![Vec::with_capacity(total); columns.len()],
        columns,
        eras: Vec::with_capacity(eras.len()),
        ids: Vec::with_capacity(total),
        warnings,
    };
    for (&e, (ids, values, w)) in eras.iter().zip(results) {
        out.eras.push((data.era_names[e].clone(), ids.len()));
        out.ids.extend(ids);
        for (column, v) in out.values.iter_mut().zip(values) {
            column.extend(v);
        }
        out.warnings.extend(w);
    }
    Ok(out)
}

/// A prediction row without a data row has no era and no neutralizers, and would be
/// missing from the output without a word: an error naming the first such id.
fn require_every_prediction(
    preds: &Predictions,
    matches: &[Option<u32>],
    data: &Path,
) -> Result<(), EngineError> {
    let mut found = vec![false; preds.ids.len()];
    for i in matches.iter().flatten() {
        found[*i as usize] = true;
    }
    let missing = found.iter().filter(|f| !**f).count();
    match found.iter().position(|f| !f) {
        None => Ok(()),
        Some(i) => {
            let id = preds.ids.get(i).unwrap_or_default();
            let era = preds
                .eras
                .as_ref()
                .and_then(|e| e.get(i))
                .map(|e| format!(" in era '{e}'"))
                .unwrap_or_default();
            Err(EngineError::Config(format!(
                "{}: id '{id}'{era} has no row in {} ({missing} of {} prediction rows have \
                 none); each prediction needs its era and neutralizers from the data",
                preds.path.display(),
                data.display(),
                preds.ids.len()
            )))
        }
    }
}

/// One era: its predicted rows (sorted by id) neutralized for every output model.
fn neutralize_era(
    job: &Job<'_>,
    era: usize,
    rows: &[u32],
    features: &EraFeatures<'_>,
) -> Result<EraOut, EngineError> {
    let inputs = job.inputs;
    let preds = inputs.predictions;
    let name = inputs.data.era_names[era].as_str();
    let pred_at: Vec<usize> = rows
        .iter()
        .map(|&r| match job.pred_row.get(r) {
            Some(i) => i as usize,
            None => unreachable!("era rows are the rows with predictions"),
        })
        .collect();
    let matrix = match (inputs.neutralizers, &job.neutralizer_row) {
        (Some(table), Some(map)) => neutralizer_block(table, map, rows, &pred_at, preds, name)?,
        _ => features.block(rows),
    };
    let neutralizer = Neutralizer::new(matrix);
    let columns: Vec<Vec<f64>> = job
        .resolved
        .models
        .iter()
        .map(|&m| pred_at.iter().map(|&i| preds.values[m][i]).collect())
        .collect();
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let mut warnings = Vec::new();
    let mut values = Vec::with_capacity(columns.len());
    for (&m, out) in job.resolved.models.iter().zip(neutralized_predictions(
        &refs,
        &neutralizer,
        job.resolved.proportion,
    )) {
        let model = &preds.names[m];
        match out {
            Some(v) if job.resolved.submission => values.push(submission_ranks(&v)),
            Some(v) => values.push(v),
            None if job.resolved.submission => {
                return Err(EngineError::Config(format!(
                    "era '{name}', model '{model}': the predictions are constant over the \
                     era's {} rows, so they have no neutralized ranks to submit",
                    rows.len()
                )))
            }
            None => {
                warnings.push(format!(
                    "model '{model}' is constant in era '{name}' ({} rows): its neutralized \
                     values there are NaN, as numerai-tools gives",
                    rows.len()
                ));
                values.push(vec![f64::NAN; rows.len()]);
            }
        }
    }
    let ids = pred_at
        .iter()
        .map(|&i| preds.ids.get(i).unwrap_or_default().to_string())
        .collect();
    Ok((ids, values, warnings))
}

/// The neutralizers file's columns on `rows`; a predicted row without one is an error
/// naming its id and era.
fn neutralizer_block(
    table: &RowTable,
    map: &RowMap,
    rows: &[u32],
    pred_at: &[usize],
    preds: &Predictions,
    era: &str,
) -> Result<ColumnMatrix, EngineError> {
    let at = rows
        .iter()
        .zip(pred_at)
        .map(|(&r, &p)| {
            map.get(r).ok_or_else(|| {
                EngineError::Config(format!(
                    "{}: no row for id '{}' in era '{era}' (every predicted row needs its \
                     neutralizers)",
                    table.path.display(),
                    preds.ids.get(p).unwrap_or_default()
                ))
            })
        })
        .collect::<Result<Vec<u32>, _>>()?;
    let mut block = Vec::with_capacity(at.len() * table.values.len());
    for col in &table.values {
        block.extend(at.iter().map(|&i| col[i as usize]));
    }
    ColumnMatrix::new(rows.len(), table.values.len(), ColumnData::F64(block)).map_err(|e| {
        EngineError::Kernel {
            era: era.to_string(),
            model: "(neutralizers)".into(),
            target: "-".into(),
            source: e,
        }
    })
}
