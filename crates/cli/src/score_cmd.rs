//! `erascore score`: per-era metrics for every prediction column.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use erascore_engine::inputs::{Predictions, Reference};
use erascore_engine::metrics::Metric;
use erascore_engine::score::{
    by_model, score, MetaModelSource, ScoreConfig, ScoreInputs, ScoreReport,
};
use erascore_engine::summary::basic;
use erascore_io::dataset::{read_dataset, DatasetRequest, FeatureSelection};
use erascore_io::features_json::read_feature_set;
use erascore_io::frame::{read_frame, write_frame, Column, Frame, Values};
use erascore_io::FloatWidth;

use crate::common::{fmt, progress, table};

/// Flags of `erascore score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Data parquet in the Numerai v5 layout (id, era, feature_*, target*).
    #[arg(long)]
    pub data: PathBuf,
    /// Predictions (parquet or CSV): id plus one column per model.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Score only these prediction columns (comma-separated; default: all numeric columns).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Meta model file (parquet or CSV) with id and the meta model column.
    #[arg(long, conflicts_with = "stakes")]
    pub meta_model: Option<PathBuf>,
    /// Column of the meta model file.
    #[arg(long, default_value = "numerai_meta_model")]
    pub meta_model_column: String,
    /// Build the meta model from the predictions with these stakes (CSV: model,stake).
    #[arg(long)]
    pub stakes: Option<PathBuf>,
    /// Benchmark file for BMC.
    #[arg(long)]
    pub benchmark: Option<PathBuf>,
    /// Column of the benchmark file.
    #[arg(long)]
    pub benchmark_column: Option<String>,
    /// Target column(s); repeat or comma-separate for several.
    #[arg(long, value_delimiter = ',', default_value = "target")]
    pub target: Vec<String>,
    /// Metrics: corr, corr_tbN, mmc, mmc_tbN, bmc, fnc, spearman, pearson, fexp_max
    /// [default: corr and fnc, plus mmc with a meta model and bmc with a benchmark].
    #[arg(long)]
    pub metrics: Option<String>,
    /// Numerai features.json, for --feature-set.
    #[arg(long, requires = "feature_set")]
    pub features_json: Option<PathBuf>,
    /// Feature set name in features.json (default: every feature_* column).
    #[arg(long, requires = "features_json")]
    pub feature_set: Option<String>,
    /// Share of ids that alignment may drop before it is an error (numerai-tools: 0.2).
    #[arg(long, default_value_t = 0.2)]
    pub max_filtered_ratio: f64,
    /// Do not raise the centred target to the 1.5 power in CORR (for return-like targets).
    #[arg(long)]
    pub no_target_pow15: bool,
    /// Output: .csv or .parquet, one row per (era, model, target).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parsed and checked flags, before any file is read.
struct Plan {
    metrics: Vec<Metric>,
    features: bool,
}

fn plan(args: &ScoreArgs) -> anyhow::Result<Plan> {
    let metrics = match &args.metrics {
        Some(list) => Metric::parse_list(list)?,
        None => {
            let mut m = vec![Metric::Corr];
            if args.meta_model.is_some() || args.stakes.is_some() {
                m.push(Metric::Mmc);
            }
            if args.benchmark.is_some() && args.benchmark_column.is_some() {
                m.push(Metric::Bmc);
            }
            m.push(Metric::Fnc);
            m
        }
    };
    if metrics.iter().any(|m| m.needs_meta_model())
        && args.meta_model.is_none()
        && args.stakes.is_none()
    {
        bail!("metric mmc needs --meta-model FILE or --stakes stakes.csv");
    }
    if metrics.contains(&Metric::Bmc)
        && (args.benchmark.is_none() || args.benchmark_column.is_none())
    {
        bail!("metric bmc needs --benchmark FILE and --benchmark-column COLUMN");
    }
    if metrics.contains(&Metric::CorrWithExample) {
        bail!("corr_with_example is available in `erascore diagnostics` (needs --example-preds)");
    }
    if !(0.0..1.0).contains(&args.max_filtered_ratio) {
        bail!(
            "--max-filtered-ratio must be in [0, 1), got {}",
            args.max_filtered_ratio
        );
    }
    Ok(Plan {
        features: metrics.iter().any(|m| m.needs_features()),
        metrics,
    })
}

/// Reads a model,stake CSV and maps it onto prediction columns.
pub fn read_stakes(
    path: &std::path::Path,
    predictions: &Predictions,
) -> anyhow::Result<Vec<(usize, f64)>> {
    let frame = read_frame(path)?;
    let models = frame.text("model")?;
    let (stakes, _) = frame.float("stake")?;
    let mut out = Vec::new();
    for (i, (m, &s)) in models.iter().zip(stakes.iter()).enumerate() {
        if !s.is_finite() || s < 0.0 {
            bail!(
                "{}:{}: stake of model '{m}' is {s}; stakes must be finite and >= 0",
                path.display(),
                i + 2
            );
        }
        let idx = predictions
            .models
            .iter()
            .position(|p| p == m)
            .with_context(|| {
                format!(
                    "{}: model '{m}' has a stake but no column in {}",
                    path.display(),
                    predictions.path.display()
                )
            })?;
        out.push((idx, s));
    }
    if out.iter().map(|(_, s)| s).sum::<f64>() <= 0.0 {
        bail!("{}: stakes are all zero", path.display());
    }
    Ok(out)
}

/// Runs `erascore score`.
pub fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let plan = plan(args)?;
    let features = if !plan.features {
        FeatureSelection::None
    } else if let (Some(json), Some(set)) = (&args.features_json, &args.feature_set) {
        FeatureSelection::Named(read_feature_set(json, set)?)
    } else {
        FeatureSelection::All
    };
    let data = read_dataset(
        &args.data,
        &DatasetRequest {
            features,
            targets: args.target.clone(),
        },
    )?;
    if plan.features && data.feature_names.is_empty() {
        bail!(
            "{}: no feature_* columns, needed by fnc/fexp_max",
            args.data.display()
        );
    }
    let pred_frame = read_frame(&args.predictions)?;
    let predictions = Predictions::from_frame(&pred_frame, args.models.as_deref())?;
    drop(pred_frame);
    let meta_ref = match &args.meta_model {
        Some(p) => Some(Reference::from_frame(
            &read_frame(p)?,
            &args.meta_model_column,
        )?),
        None => None,
    };
    let meta_model = match (&meta_ref, &args.stakes) {
        (Some(r), _) => Some(MetaModelSource::Column(r)),
        (None, Some(s)) => Some(MetaModelSource::Stakes(read_stakes(s, &predictions)?)),
        _ => None,
    };
    let benchmark = match (&args.benchmark, &args.benchmark_column) {
        (Some(p), Some(c)) => Some(Reference::from_frame(&read_frame(p)?, c)?),
        _ => None,
    };
    let inputs = ScoreInputs {
        data: &data,
        predictions: &predictions,
        meta_model,
        benchmark: benchmark.as_ref(),
        example: None,
    };
    let config = ScoreConfig {
        metrics: plan.metrics,
        targets: args.target.clone(),
        max_filtered_ratio: args.max_filtered_ratio,
        target_pow15: !args.no_target_pow15,
    };
    let bar = progress(data.era_names.len(), "scoring", args.quiet);
    let report = score(&inputs, &config, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    write_frame(&args.out, &report_frame(&args.out, &report)?)?;
    print!("{}", summary_table(&report));
    eprintln!(
        "wrote {} rows ({} eras x {} models x {} target(s)) to {}",
        report.rows.len(),
        report
            .rows
            .iter()
            .map(|r| &r.era)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        predictions.models.len(),
        config.targets.len(),
        args.out.display()
    );
    Ok(())
}

/// The long table: era, model, target, one column per metric.
pub fn report_frame(path: &std::path::Path, report: &ScoreReport) -> anyhow::Result<Frame> {
    let text = |f: fn(&erascore_engine::score::EraScore) -> &String| {
        Values::Text(report.rows.iter().map(|r| f(r).clone()).collect())
    };
    let mut columns = vec![
        Column {
            name: "era".into(),
            values: text(|r| &r.era),
        },
        Column {
            name: "model".into(),
            values: text(|r| &r.model),
        },
        Column {
            name: "target".into(),
            values: text(|r| &r.target),
        },
    ];
    for (k, m) in report.metrics.iter().enumerate() {
        columns.push(Column {
            name: m.name(),
            values: Values::Float(
                report.rows.iter().map(|r| r.values[k]).collect(),
                FloatWidth::F64,
            ),
        });
    }
    Ok(Frame::new(path, columns)?)
}

/// Mean, std and Sharpe of each metric per model and target, one line per metric.
pub fn summary_table(report: &ScoreReport) -> String {
    let header: Vec<String> = ["model", "target", "metric", "mean", "std", "sharpe", "eras"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for ((model, target), era_rows) in by_model(report) {
        for (k, metric) in report.metrics.iter().enumerate() {
            let v: Vec<f64> = era_rows.iter().map(|r| r.values[k]).collect();
            let b = basic(&v);
            rows.push(vec![
                model.clone(),
                target.clone(),
                metric.name(),
                fmt(b.mean),
                fmt(b.std),
                fmt(b.sharpe),
                b.eras.to_string(),
            ]);
        }
    }
    table(&header, &rows, 3)
}
