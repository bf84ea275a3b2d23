//! erascore-synth: deterministic synthetic datasets in the Numerai v5 layout.
//!
//! It owns the generator behind `erascore synth`: [`SynthConfig`] (shape and seed),
//! [`Synth`] (the validated config plus the [`plan::Blueprint`] of everything that does not
//! change between eras), [`era::generate`] (one era in memory) and [`Synth::write`], which
//! streams eras to `data.parquet` (id, era, data_type, int8 `feature_*` quintile bins,
//! float32 targets binned 5/20/50/20/5% per era, a few missing `target_aux_60` values),
//! `predictions.parquet`, `meta_model.parquet`, `stakes.csv` and `features.json`.
//! The output is a function of the seed alone: every random stream is keyed by (seed, era,
//! column), so any number of threads produces the same bytes. Nothing here scores
//! anything; the files exist to test, demonstrate and benchmark the scorer at any size.
//!
//! ```
//! use erascore_synth::{Synth, SynthConfig};
//!
//! let synth = Synth::new(SynthConfig { eras: 2, rows_per_era: 100, features: 10, ..SynthConfig::default() })?;
//! let era = synth.era(0);
//! assert_eq!((era.name.as_str(), era.ids.len(), era.features.len()), ("0001", 100, 10));
//! let dir = tempfile::tempdir()?;
//! let files = synth.write(dir.path(), &mut || {})?;
//! assert_eq!(files.len(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod era;
pub mod plan;
mod rng;
pub mod signals;
mod write;

use std::path::{Path, PathBuf};

pub use era::{Era, TARGETS};

use erascore_input::{message, Input, Message};
use erascore_io::output::OutputDir;

/// The files of a dataset folder.
pub const FILES: [&str; 5] = [
    "data.parquet",
    "predictions.parquet",
    "meta_model.parquet",
    "stakes.csv",
    "features.json",
];
pub use write::WrittenFile;

/// The shape and seed of a synthetic dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Number of eras ("0001", "0002", ...).
    pub eras: usize,
    /// Rows in every era.
    pub rows_per_era: usize,
    /// Number of `feature_*` columns.
    pub features: usize,
    /// Number of model columns in predictions.parquet.
    pub models: usize,
    /// Seed; equal seeds give equal files.
    pub seed: u64,
    /// Rows per parquet row group of data.parquet (rounded up to whole eras).
    pub rows_per_row_group: usize,
    /// What kind of model population predictions.parquet holds.
    pub population: Population,
}

/// The models written to predictions.parquet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Population {
    /// A few models of every value shape (continuous, heavily tied, already ranked), float64,
    /// matched to the data by id: what the scorer's tests and benchmarks need.
    #[default]
    Basic,
    /// A classic-tournament population (`--population tournament`): every model shares the
    /// latent signal and a common component with its own noise and style (most plain,
    /// some exposed to a single feature, some near-copies of another model, a few pure
    /// noise); stakes are heavy-tailed (Pareto, some zero) and the meta model is their
    /// stake-weighted blend. Predictions are float32 with an `era` column, one row group per
    /// era, so archives of 10,000 models stay streamable.
    Classic,
}

impl Default for SynthConfig {
    /// The bundled example's shape (fixtures/example).
    fn default() -> Self {
        Self {
            eras: 12,
            rows_per_era: 500,
            features: 40,
            models: 3,
            seed: 42,
            rows_per_row_group: 65_536,
            population: Population::Basic,
        }
    }
}

/// The fewest rows an era may have: 20 gives one row in each of the 5% end bins.
pub const MIN_ROWS_PER_ERA: usize = 20;
/// The most eras: era names have four digits.
pub const MAX_ERAS: usize = 9_999;

/// The most rows in one era (a Numerai era has ~6,200): one era is generated in memory.
pub const MAX_ROWS_PER_ERA: usize = 10_000_000;
/// The most feature columns (Numerai has ~2,750): the parquet writer keeps ~74 KB of state
/// per column while a row group is written.
pub const MAX_FEATURES: usize = 20_000;
/// The most model columns of the basic population.
pub const MAX_MODELS: usize = 1_000;
/// The most model columns of a tournament population.
pub const MAX_TOURNAMENT_MODELS: usize = 100_000;
/// The most bytes one era's columns may take in memory (they are held twice while written).
pub const MAX_ERA_BYTES: usize = 4 << 30;

/// Why a dataset could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A size out of the range the generator holds, naming the input
    /// ([`SynthError::render`] words it as a front end does).
    #[error("{0}")]
    Size(Message),
    /// The output folder could not be staged or put in place.
    #[error(transparent)]
    Output(erascore_io::IoError),
    /// A file or directory could not be created or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The parquet writer failed.
    #[error("{path}: writing parquet failed: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What the writer said.
        source: parquet::errors::ParquetError,
    },
    /// Building an arrow batch failed.
    #[error("{path}: building a record batch failed: {source}")]
    Arrow {
        /// The file.
        path: PathBuf,
        /// What arrow said.
        source: arrow_schema::ArrowError,
    },
}

impl SynthError {
    /// The error with each input it names worded by `name` (a flag in the CLI).
    pub fn render(&self, name: &dyn Fn(Input) -> String) -> String {
        match self {
            SynthError::Size(m) => m.render(name),
            other => other.to_string(),
        }
    }

    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn parquet(path: &Path, source: parquet::errors::ParquetError) -> Self {
        Self::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }

    fn arrow(path: &Path, source: arrow_schema::ArrowError) -> Self {
        Self::Arrow {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// "INPUT VALUE is too large: WHY".
pub(crate) fn too_large(input: Input, value: usize, why: Message) -> Message {
    let mut m = message![input, format!(" {value} is too large: ")];
    m.0.extend(why.0);
    m
}

impl SynthConfig {
    /// Checks the shape; [`Synth::new`] calls it.
    pub fn validate(&self) -> Result<(), SynthError> {
        let size = |m: Message| Err(SynthError::Size(m));
        if self.eras == 0 || self.eras > MAX_ERAS {
            return size(message![
                Input::EraCount,
                format!(" must be between 1 and {MAX_ERAS}, got {}", self.eras)
            ]);
        }
        if self.rows_per_era < MIN_ROWS_PER_ERA {
            return size(message![
                Input::RowsPerEra,
                format!(
                    " must be at least {MIN_ROWS_PER_ERA} (one row in each 5% target bin), got {}",
                    self.rows_per_era
                )
            ]);
        }
        if self.rows_per_era >= u32::MAX as usize {
            return size(message![
                Input::RowsPerEra,
                format!(" must be below 2^32, got {}", self.rows_per_era)
            ]);
        }
        if self.features == 0 {
            return size(message![Input::FeatureCount, " must be at least 1"]);
        }
        if self.models == 0 {
            return size(message![Input::ModelCount, " must be at least 1"]);
        }
        let too_large = |input, value, why: Message| size(too_large(input, value, why));
        if self.rows_per_era > MAX_ROWS_PER_ERA {
            return too_large(
                Input::RowsPerEra,
                self.rows_per_era,
                message![format!("at most {MAX_ROWS_PER_ERA} rows per era")],
            );
        }
        if self.features > MAX_FEATURES {
            return too_large(
                Input::FeatureCount,
                self.features,
                message![format!("at most {MAX_FEATURES}")],
            );
        }
        let max_models = match self.population {
            Population::Basic => MAX_MODELS,
            Population::Classic => MAX_TOURNAMENT_MODELS,
        };
        if self.models > max_models {
            return too_large(
                Input::ModelCount,
                self.models,
                message![
                    format!("at most {max_models} ("),
                    Input::Population,
                    format!(" tournament allows {MAX_TOURNAMENT_MODELS})")
                ],
            );
        }
        // Each row holds its int8 features, a float64 per model and the meta model, three
        // float32 targets and an id.
        let era_bytes = self.rows_per_era * (self.features + 8 * self.models + 64);
        if era_bytes > MAX_ERA_BYTES {
            return too_large(
                Input::RowsPerEra,
                self.rows_per_era,
                message![format!(
                    "one era of {} rows x {} features and {} models takes {:.1} GB; at most {} GB",
                    self.rows_per_era,
                    self.features,
                    self.models,
                    era_bytes as f64 / 1e9,
                    MAX_ERA_BYTES >> 30
                )],
            );
        }
        // Readers index rows with 32 bits.
        if self.eras * self.rows_per_era >= u32::MAX as usize {
            return too_large(
                Input::RowsPerEra,
                self.rows_per_era,
                message![format!("{} eras of it make 2^32 rows or more", self.eras)],
            );
        }
        Ok(())
    }
}

/// A validated configuration and its plan: ready to generate eras or write files.
#[derive(Debug, Clone)]
pub struct Synth {
    config: SynthConfig,
    plan: plan::Blueprint,
}

impl Synth {
    /// Validates `config` and derives its plan.
    pub fn new(config: SynthConfig) -> Result<Self, SynthError> {
        config.validate()?;
        let plan = plan::Blueprint::new(&config);
        Ok(Self { config, plan })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The global parameters (feature names, feature sets, models, stakes, ...).
    pub fn plan(&self) -> &plan::Blueprint {
        &self.plan
    }

    /// Era `index` in memory, generated on the current rayon pool.
    pub fn era(&self, index: usize) -> Era {
        assert!(
            index < self.config.eras,
            "era {index} of {}",
            self.config.eras
        );
        era::generate(&self.config, &self.plan, index)
    }

    /// Writes data.parquet, predictions.parquet, meta_model.parquet, stakes.csv and
    /// features.json ([`FILES`]) as folder `dir`, calling `on_era` after each era. The
    /// files are written into a new hidden sibling folder that then replaces `dir` in one
    /// step, so `dir` never mixes two datasets; `dir` may be missing, empty or hold a
    /// previous dataset, nothing else ([`erascore_io::output::OutputDir`]).
    pub fn write(
        &self,
        dir: &Path,
        on_era: &mut dyn FnMut(),
    ) -> Result<Vec<WrittenFile>, SynthError> {
        let staged = OutputDir::stage(dir, &FILES).map_err(SynthError::Output)?;
        let mut files = self.write_into(staged.path(), on_era)?;
        staged.commit().map_err(SynthError::Output)?;
        for f in &mut files {
            if let Some(name) = f.path.file_name() {
                f.path = dir.join(name);
            }
        }
        Ok(files)
    }

    /// Writes the [`FILES`] straight into the existing folder `dir` (for callers that stage
    /// the folder themselves).
    pub fn write_into(
        &self,
        dir: &Path,
        on_era: &mut dyn FnMut(),
    ) -> Result<Vec<WrittenFile>, SynthError> {
        write::write_all(self, dir, on_era)
    }
}
