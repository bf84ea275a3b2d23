//! The input flags `score` and `diagnostics` share, and loading what they name: the data
//! file, the predictions and any reference columns (meta model, benchmark, example
//! predictions), read concurrently and projected to the columns in use.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;

use erascore_engine::inputs::{check_model_names, Predictions, Reference, NON_MODEL_COLUMNS};
use erascore_engine::score::{default_memory_budget, Streaming};
use erascore_io::dataset::{Dataset, DatasetRequest, FeatureSelection};
use erascore_io::features_json::read_feature_set;
use erascore_io::frame::{column_names, read_frame, read_frame_columns, Frame};
use erascore_io::stream::{open_dataset, EraWindow, FeatureReader, Layout, StreamingDataset};

/// Data, predictions and what to score them against.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Data parquet in the Numerai v5 layout (id, era, feature_*, target*).
    #[arg(long)]
    pub data: PathBuf,
    /// Predictions (parquet or CSV): id plus one column per model.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Only these prediction columns (comma-separated; default: every numeric column).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Target column(s); repeat or comma-separate for several.
    #[arg(long, value_delimiter = ',', default_value = "target")]
    pub target: Vec<String>,
    /// Numerai features.json, for --feature-set.
    #[arg(long, requires = "feature_set")]
    pub features_json: Option<PathBuf>,
    /// Feature set in features.json that FNC neutralizes against and fexp_max scans
    /// (default: every feature_* column).
    #[arg(long, requires = "features_json")]
    pub feature_set: Option<String>,
    /// Share of ids that alignment may drop before it is an error (numerai-tools: 0.2).
    #[arg(long, default_value_t = 0.2)]
    pub max_filtered_ratio: f64,
    /// Do not raise the centred target to the 1.5 power in CORR (for return-like targets).
    #[arg(long)]
    pub no_target_pow15: bool,
    /// Score only these eras: FIRST..LAST (both included, in era order), last:N, or a
    /// comma-separated list; only the row groups holding them are read.
    #[arg(long, value_name = "WINDOW")]
    pub eras: Option<EraWindow>,
    /// Memory the features of the eras in flight and their scoring may take, e.g. 2G or
    /// 800M [default: half of the machine's memory].
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub memory_budget: Option<u64>,
}

/// A size in bytes: a number with an optional unit K, M, G or T (powers of 1024; a
/// trailing B or iB is allowed).
fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (number, scale) = match body.char_indices().last() {
        Some((i, 'k')) => (&body[..i], 1u64 << 10),
        Some((i, 'm')) => (&body[..i], 1 << 20),
        Some((i, 'g')) => (&body[..i], 1 << 30),
        Some((i, 't')) => (&body[..i], 1 << 40),
        _ => (body, 1),
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * (scale as f64) < 1.8e19 => {
            Ok((v * scale as f64) as u64)
        }
        _ => Err(format!(
            "'{t}': expected a size such as 2G, 800M or 1500000000 (bytes)"
        )),
    }
}

impl InputArgs {
    /// Rejects flag values no file can make right.
    pub fn check(&self) -> anyhow::Result<()> {
        if !(0.0..1.0).contains(&self.max_filtered_ratio) {
            bail!(
                "--max-filtered-ratio must be in [0, 1), got {}",
                self.max_filtered_ratio
            );
        }
        if let Some(models) = &self.models {
            check_model_names(models).context("--models")?;
        }
        for (i, t) in self.target.iter().enumerate() {
            if t.trim().is_empty() {
                bail!("--target: a target name is empty");
            }
            if self.target[..i].contains(t) {
                bail!("--target: '{t}' is named twice");
            }
            if NON_MODEL_COLUMNS.contains(&t.as_str()) || t.starts_with("feature_") {
                bail!("--target: '{t}' is not a target column");
            }
        }
        Ok(())
    }

    /// The memory budget of a streamed run: `--memory-budget` or the default.
    pub fn memory_budget(&self) -> u64 {
        self.memory_budget.unwrap_or_else(default_memory_budget)
    }

    /// The input files, paired with their flags (for [`crate::common::check_outputs`]).
    pub fn paths(&self) -> Vec<(&'static str, Option<&Path>)> {
        vec![
            ("--data", Some(self.data.as_path())),
            ("--predictions", Some(self.predictions.as_path())),
            ("--features-json", self.features_json.as_deref()),
        ]
    }

    /// The feature columns to load: none unless `needed`, else the named set or all.
    pub fn features(&self, needed: bool) -> anyhow::Result<FeatureSelection> {
        Ok(match (&self.features_json, &self.feature_set) {
            _ if !needed => FeatureSelection::None,
            (Some(json), Some(set)) => {
                let features = read_feature_set(json, set)?;
                if features.is_empty() {
                    bail!(
                        "{}: feature set '{set}' is empty; fnc and fexp_max need features",
                        json.display()
                    );
                }
                FeatureSelection::Named(features)
            }
            _ => FeatureSelection::All,
        })
    }
}

/// Which column of a reference file holds the values.
#[derive(Debug, Clone)]
pub enum ColumnChoice {
    /// Exactly this column.
    Named(String),
    /// The column asked for, else `preferred` when present, else the file's only numeric
    /// column; `flag` is the option that picks one, for the error message.
    Prefer {
        /// The column given on the command line, if any.
        asked: Option<String>,
        /// The conventional name (e.g. `numerai_meta_model`).
        preferred: &'static str,
        /// The flag that names the column.
        flag: &'static str,
    },
}

/// A reference column to load.
#[derive(Debug, Clone)]
pub struct ReferenceRequest {
    /// The file.
    pub path: PathBuf,
    /// Its column.
    pub column: ColumnChoice,
}

/// Everything a scoring command reads.
#[derive(Debug)]
pub struct Loaded {
    /// The data rows (ids, eras, targets; features come from `features`).
    pub data: Dataset,
    /// Decodes the data's features, a batch of eras at a time.
    pub features: FeatureReader,
    /// How the data's rows are laid out by era (which read path runs).
    pub layout: Layout,
    /// Row groups of the data file that hold an era of the window.
    pub row_groups: Vec<usize>,
    /// The prediction columns.
    pub predictions: Predictions,
    /// One entry per requested reference, in request order.
    pub references: Vec<Option<Reference>>,
}

impl Loaded {
    /// How the engine streams the data's features in this run.
    pub fn streaming(&self, args: &InputArgs) -> Streaming<'_> {
        Streaming {
            features: &self.features,
            memory_budget: args.memory_budget(),
            threads: rayon::current_num_threads(),
            era_window: args.eras.is_some(),
        }
    }

    /// Which read path ran, for `--timings`.
    pub fn describe_read(&self) -> String {
        if self.features.names().is_empty() {
            return format!(
                "data: no feature column decoded; {} row group(s) read",
                self.row_groups.len()
            );
        }
        format!(
            "data: {}; {} row group(s) hold the eras scored, {} (row group, feature block) \
             decodes",
            self.layout.describe(),
            self.row_groups.len(),
            self.features.decoded_groups()
        )
    }
}

/// Reads the data, the predictions and every reference concurrently (each file is mostly
/// decode and id work that runs on one core, so the files overlap rather than queue).
pub fn load(
    args: &InputArgs,
    request: &DatasetRequest,
    references: &[Option<ReferenceRequest>],
) -> anyhow::Result<Loaded> {
    let window = args.eras.clone().unwrap_or_default();
    let (data, (predictions, references)) = rayon::join(
        || open_dataset(&args.data, request, &window),
        || {
            rayon::join(
                || read_predictions(&args.predictions, args.models.as_deref()),
                || {
                    use rayon::prelude::*;
                    references
                        .par_iter()
                        .map(|r| r.as_ref().map(read_reference).transpose())
                        .collect::<anyhow::Result<Vec<_>>>()
                },
            )
        },
    );
    let StreamingDataset {
        data,
        features,
        layout,
        row_groups,
    } = data?;
    Ok(Loaded {
        data,
        features,
        layout,
        row_groups,
        predictions: predictions?,
        references: references?,
    })
}

/// The id column and the model columns of a predictions file (not era or data_type).
pub fn read_predictions(path: &Path, models: Option<&[String]>) -> anyhow::Result<Predictions> {
    Ok(erascore_engine::inputs::read_predictions(path, models)?)
}

impl ReferenceRequest {
    /// Refuses a column flag naming a key column (`--meta-model-column id`).
    pub fn check(&self) -> anyhow::Result<()> {
        let (column, flag) = match &self.column {
            ColumnChoice::Named(c) => (Some(c), "the column flag"),
            ColumnChoice::Prefer { asked, flag, .. } => (asked.as_ref(), *flag),
        };
        match column {
            Some(c) if NON_MODEL_COLUMNS.contains(&c.as_str()) => bail!(
                "{flag} {c}: '{c}' is a key column of {}, not a value column",
                self.path.display()
            ),
            Some(c) if c.trim().is_empty() => bail!("{flag} is empty"),
            _ => Ok(()),
        }
    }
}

/// Reads one reference column (with the ids, and eras when the file has them).
pub fn read_reference(request: &ReferenceRequest) -> anyhow::Result<Reference> {
    let path = &request.path;
    let column = match &request.column {
        ColumnChoice::Named(c) | ColumnChoice::Prefer { asked: Some(c), .. } => c.clone(),
        ColumnChoice::Prefer {
            asked: None,
            preferred,
            flag,
        } => {
            if column_names(path)?.iter().any(|n| n == preferred) {
                preferred.to_string()
            } else {
                // Which columns are numeric is only known from the values.
                let frame = read_frame(path)?;
                let column = only_value_column(&frame, flag)?;
                return Ok(Reference::from_frame(frame, &column)?);
            }
        }
    };
    let mut columns = vec!["id", column.as_str()];
    if column_names(path)?.iter().any(|n| n == "era") {
        columns.push("era");
    }
    let frame = read_frame_columns(path, Some(&columns))?;
    Ok(Reference::from_frame(frame, &column)?)
}

/// The file's only numeric column besides id/era/data_type.
fn only_value_column(frame: &Frame, flag: &str) -> anyhow::Result<String> {
    let candidates: Vec<String> = frame
        .names()
        .into_iter()
        .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
        .filter(|n| frame.is_numeric(n))
        .collect();
    match candidates.as_slice() {
        [only] => Ok(only.clone()),
        [] => bail!(
            "{}: no numeric column besides id (columns: {})",
            frame.path().display(),
            frame.names().join(", ")
        ),
        _ => bail!(
            "{}: several numeric columns ({}); choose one with {flag}",
            frame.path().display(),
            candidates.join(", ")
        ),
    }
}
