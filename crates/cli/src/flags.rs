//! Flag groups shared by several commands, so the same input has the same flag, help and
//! checks everywhere: the data and predictions ([`InputArgs`]), the benchmark column
//! ([`BenchmarkArgs`]) and the Signals inputs ([`SignalsArgs`]). Loading what they name is [`crate::load`]'s.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;

use erascore_engine::inputs::{check_model_names, Predictions, Reference};
use erascore_engine::metrics::Metric;
use erascore_engine::request::{
    check_max_filtered_ratio, check_targets, column_stakes, meta_model, ColumnRule, ColumnStakes,
    Given, Input,
};
use erascore_engine::score::{default_memory_budget, MetaModelSource};
use erascore_engine::signals::SignalTables;
use erascore_io::dataset::FeatureSelection;
use erascore_io::features_json::read_feature_set;
use erascore_io::frame::read_frame;
use erascore_io::stream::EraWindow;

/// A reference column to load: the file, and the engine's rule for its column.
#[derive(Debug, Clone)]
pub struct ReferenceRequest {
    /// The file.
    pub path: PathBuf,
    /// Its column.
    pub column: ColumnRule,
}

/// The flag of each input the engine names in its errors ([`Input`]).
pub fn flag(input: Input) -> String {
    match input {
        Input::Data => "--data",
        Input::Predictions => "--predictions",
        Input::Models => "--models",
        Input::Targets => "--target",
        Input::Metrics => "--metrics",
        Input::Features => "--feature-set",
        Input::MetaModel => "--meta-model",
        Input::MetaModelColumn => "--meta-model-column",
        Input::Benchmark => "--benchmark",
        Input::BenchmarkColumn => "--benchmark-column",
        Input::Example => "--example-preds",
        Input::ExampleColumn => "--example-column",
        Input::Stakes => "--stakes",
        Input::Neutralizers => "--neutralizers",
        Input::SampleWeights => "--sample-weights",
        Input::Previous => "--previous",
        Input::MaxFilteredRatio => "--max-filtered-ratio",
        Input::TopBottom => "--top-bottom",
        Input::CorrMultiplier => "--corr-multiplier",
        Input::MmcMultiplier => "--mmc-multiplier",
        Input::Eras => "--eras",
        Input::MemoryBudget => "--memory-budget",
        Input::Proportion => "--proportion",
        Input::Model => "--model",
        Input::Rule => "--rule",
        Input::Nan => "--nan",
        Input::MmcColumn => "--mmc-col",
        Input::Threshold => "--threshold",
        Input::Bootstrap => "--bootstrap",
        Input::Block => "--block",
        Input::Seed => "--seed",
        Input::MaxChurn => "--max-churn",
        Input::MaxTurnover => "--max-turnover",
        Input::Configs => "--configs",
        Input::EraCount => "--eras",
        Input::RowsPerEra => "--rows",
        Input::FeatureCount => "--features",
        Input::ModelCount => "--models",
        Input::NeutralizerCount => "--neutralizers",
        Input::Population => "--population",
    }
    .to_string()
}

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
pub(crate) fn parse_bytes(s: &str) -> Result<u64, String> {
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
        check_max_filtered_ratio(self.max_filtered_ratio)?;
        if let Some(models) = &self.models {
            check_model_names(models).context("--models")?;
        }
        check_targets(&self.target)?;
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

/// The meta model column, for MMC (`score`, `diagnostics`).
#[derive(Args, Debug, Clone, Default)]
pub struct MetaModelArgs {
    /// Meta model file (parquet or CSV) with id and the meta model column, for MMC.
    #[arg(long)]
    pub meta_model: Option<PathBuf>,
    /// Column of the meta model file (default: `numerai_meta_model`, or the file's only
    /// numeric column).
    #[arg(long, requires = "meta_model")]
    pub meta_model_column: Option<String>,
}

impl MetaModelArgs {
    /// The column to read, when a file is given.
    pub fn request(&self) -> Option<ReferenceRequest> {
        self.meta_model.as_ref().map(|p| ReferenceRequest {
            path: p.clone(),
            column: ColumnRule::meta_model(self.meta_model_column.clone()),
        })
    }
}

/// The benchmark column, for BMC (`diagnostics`, `compare`).
#[derive(Args, Debug, Clone, Default)]
pub struct BenchmarkArgs {
    /// Benchmark models file (parquet or CSV) with id and benchmark columns, for BMC
    /// (`--benchmark-models` is an earlier name of this flag).
    #[arg(long = "benchmark", visible_alias = "benchmark-models")]
    pub benchmark: Option<PathBuf>,
    /// Column of the benchmark file (default: `benchmark`, or the file's only numeric
    /// column).
    #[arg(long, requires = "benchmark")]
    pub benchmark_column: Option<String>,
}

impl BenchmarkArgs {
    /// The column to read, when a file is given.
    pub fn request(&self) -> Option<ReferenceRequest> {
        self.benchmark.as_ref().map(|p| ReferenceRequest {
            path: p.clone(),
            column: ColumnRule::benchmark(self.benchmark_column.clone()),
        })
    }
}

/// The Signals inputs (`score`, `diagnostics`): stakes, neutralizers, sample weights and
/// earlier submissions.
#[derive(Args, Debug, Default)]
pub struct SignalsArgs {
    /// Stakes (CSV or parquet: model,stake): the meta portfolio of mpc, and the meta model
    /// of mmc/ncontrib when there is no --meta-model.
    #[arg(long)]
    pub stakes: Option<PathBuf>,
    /// Signals neutralizers (id, an optional era, one column per neutralizer) for nc,
    /// ncontrib, alpha, mpc, neutral_churn and turnover [default in `score`: the data's
    /// feature columns].
    #[arg(long)]
    pub neutralizers: Option<PathBuf>,
    /// Signals sample weights (id, an optional era, weight) for alpha, mpc and turnover
    /// [default: 1].
    #[arg(long)]
    pub sample_weights: Option<PathBuf>,
    /// An earlier submission (the predictions' layout) for churn, churn_tbN, neutral_churn
    /// and turnover; repeat for several (each metric is then the max over them).
    #[arg(long)]
    pub previous: Vec<PathBuf>,
}

impl SignalsArgs {
    /// The input files, for the check that no output overwrites an input.
    pub fn paths(&self) -> Vec<(&'static str, Option<&Path>)> {
        let mut paths = vec![
            ("--stakes", self.stakes.as_deref()),
            ("--neutralizers", self.neutralizers.as_deref()),
            ("--sample-weights", self.sample_weights.as_deref()),
        ];
        paths.extend(
            self.previous
                .iter()
                .map(|p| ("--previous", Some(p.as_path()))),
        );
        paths
    }

    /// Which Signals inputs are given (the rest of [`Given`] is the command's).
    pub fn given(&self) -> Given {
        Given {
            stakes: self.stakes.is_some(),
            neutralizers: self.neutralizers.is_some(),
            sample_weights: self.sample_weights.is_some(),
            previous: !self.previous.is_empty(),
            ..Given::default()
        }
    }

    /// The stakes of the prediction columns (`--stakes`) and the meta model, by the
    /// engine's rule ([`erascore_engine::request::meta_model`]).
    pub fn meta_model<'r>(
        &self,
        predictions: &Predictions,
        file: Option<&'r Reference>,
    ) -> anyhow::Result<(Option<ColumnStakes>, Option<MetaModelSource<'r>>)> {
        let stakes = match &self.stakes {
            Some(path) => Some(column_stakes(
                &crate::stakes::read_stakes(path)?,
                Some(path),
                predictions,
            )?),
            None => None,
        };
        Ok(meta_model(stakes, file))
    }

    /// Reads the files `metrics` use; an error names the file.
    pub fn read(&self, metrics: &[Metric]) -> anyhow::Result<SignalTables> {
        SignalTables::read(
            metrics,
            (
                self.neutralizers.as_deref(),
                self.sample_weights.as_deref(),
                self.previous.iter().map(PathBuf::as_path).collect(),
            ),
            |p: &Path| -> anyhow::Result<_> { Ok(read_frame(p)?) },
            |p: &Path| -> anyhow::Result<_> {
                Ok(erascore_engine::inputs::read_predictions(p, None)?)
            },
        )
    }
}
