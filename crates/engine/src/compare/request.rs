//! What a user asks of `compare`, resolved once for every front end (`erascore compare`,
//! `erascore.compare`, `erascore.ray.compare`): the configurations from their file or
//! document, the share of ids alignment may drop, the benchmark (its column rule, and
//! whether a configuration needs it), which data columns are read, and the models with
//! their stakes (a `model,stake` file or a `round,model,stake` schedule). Errors name the
//! [`Input`] at fault; each front end words it.

use std::path::Path;

use erascore_io::dataset::DatasetRequest;

use super::config::{require_benchmark, CompareConfig};
use super::inputs::StakeChange;
use crate::input::Input;
use crate::message;
use crate::read::compare_configs::{compare_request, configs_from_json, read_configs};
use crate::read::stakes::compare_stakes;
use crate::request::{check_max_filtered_ratio, ColumnRule};
use crate::EngineError;

/// Where the configurations come from.
#[derive(Debug, Clone, Copy)]
pub enum Configs<'a> {
    /// A TOML file of `[[config]]` tables.
    File(&'a Path),
    /// The same tables as a JSON document (`{"config": [...]}`).
    Json(&'a str),
}

/// What `compare` is asked, as the user gave it.
#[derive(Debug, Clone)]
pub struct CompareRequest<'a> {
    /// The configurations.
    pub configs: Configs<'a>,
    /// The benchmark's column rule, when a benchmark is given.
    pub benchmark: Option<ColumnRule>,
    /// Share of ids alignment may drop.
    pub max_filtered_ratio: f64,
}

/// A [`CompareRequest`] checked before any data is read, with what the run reads decided.
#[derive(Debug, Clone)]
pub struct ResolvedCompare {
    /// The configurations, in the file's order.
    pub configs: Vec<CompareConfig>,
    /// The benchmark's column rule, when one is given and a configuration scores BMC
    /// (otherwise the file is not read).
    pub benchmark: Option<ColumnRule>,
}

/// The models of a compare run (the predictions' columns, or a long file's models), their
/// stakes at the start of the first round (index into the models, stake), and the stakes
/// set in later rounds.
#[derive(Debug, Clone)]
pub struct CompareStakes {
    /// The models, in the predictions' order.
    pub models: Vec<String>,
    /// (model index, stake) in the stakes file's order: the meta models' weights.
    pub stakes: Vec<(usize, f64)>,
    /// Stakes set after the first round (empty for a `model,stake` file).
    pub changes: Vec<StakeChange>,
}

impl CompareRequest<'_> {
    /// Checks the ratio, reads the configurations and checks that a configuration scoring
    /// BMC has its benchmark, in this order, before any data is read.
    pub fn resolve(&self) -> Result<ResolvedCompare, EngineError> {
        check_max_filtered_ratio(self.max_filtered_ratio)?;
        let configs = match self.configs {
            Configs::File(path) => read_configs(path),
            Configs::Json(text) => configs_from_json(text),
        }
        .map_err(|e| EngineError::Request(message![Input::Configs, format!(": {e:#}")]))?;
        if let Some(rule) = &self.benchmark {
            rule.check()?;
        }
        require_benchmark(&configs, self.benchmark.is_some())?;
        let benchmark = self
            .benchmark
            .clone()
            .filter(|_| configs.iter().any(CompareConfig::needs_benchmark));
        Ok(ResolvedCompare { configs, benchmark })
    }
}

impl ResolvedCompare {
    /// The data columns the configurations read (their targets; features for fnc).
    pub fn data(&self) -> DatasetRequest {
        compare_request(&self.configs)
    }

    /// The calls to `on_era` a run over `eras` eras makes (one per era of each scoring
    /// pass): the progress total.
    pub fn era_steps(&self, eras: usize) -> usize {
        super::pass::era_steps(&self.configs, eras)
    }

    /// The models and their stakes, read as every front end reads them: `rounds` are the
    /// data's eras in order, against which a `round,model,stake` schedule is read.
    pub fn stakes(
        &self,
        predictions: &Path,
        stakes: &Path,
        rounds: &[String],
    ) -> anyhow::Result<CompareStakes> {
        let ((models, stakes), changes) = compare_stakes(predictions, stakes, rounds)?;
        Ok(CompareStakes {
            models,
            stakes,
            changes,
        })
    }
}
