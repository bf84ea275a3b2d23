//! `erascore diagnostics`: validation diagnostics as a user sees them before staking.
//!
//! One run scores every prediction column in every era against each requested target with
//! the `score` engine (each era's neutralizer factorization is shared by all models and
//! targets), adds the payout score `corr_multiplier × corr + mmc_multiplier × mmc`, and
//! summarises every metric over eras with [`erascore_engine::stats`]. The output folder gets
//! the per-era table (parquet and CSV), `summary.json`, a self-contained `report.html`
//! and `summary.png` ([`crate::report`]); stdout gets a summary table.
//!
//! Metrics whose input is missing (no meta model, benchmark or example predictions, no
//! feature columns) are left out, and stderr says so once. Everything is computed before
//! anything is written; the files are written into a fresh hidden sibling folder that
//! replaces the output folder in one step ([`erascore_io::output::OutputDir`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{Map, Value};

use erascore_engine::metrics::Metric;
use erascore_engine::score::{by_model, score, MetaModelSource, ScoreConfig, ScoreInputs};
use erascore_engine::stats::{payout_scores, ApyOptions, EraStats, PayoutWeights, Stat};
use erascore_io::dataset::DatasetRequest;
use erascore_io::frame::{write_frame_unstaged, Column, Frame, Values};
use erascore_io::output::OutputDir;
use erascore_io::FloatWidth;

use crate::common::{check_outputs, fmt, progress, table, usage};
use crate::inputs::{load, ColumnChoice, InputArgs, Loaded, ReferenceRequest};
use crate::report;

/// Name of the payout-score column.
pub const PAYOUT: &str = "payout";

/// Flags of `erascore diagnostics`.
#[derive(Args, Debug)]
pub struct DiagnosticsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Meta model file (parquet or CSV) with id and the meta model column, for MMC.
    #[arg(long)]
    pub meta_model: Option<PathBuf>,
    /// Column of the meta model file (default: `numerai_meta_model`, or the only numeric
    /// column).
    #[arg(long, requires = "meta_model")]
    pub meta_model_column: Option<String>,
    /// Benchmark models file (parquet or CSV) with id and benchmark columns, for BMC.
    #[arg(long)]
    pub benchmark_models: Option<PathBuf>,
    /// Column of the benchmark file (default: its only numeric column).
    #[arg(long, requires = "benchmark_models")]
    pub benchmark_column: Option<String>,
    /// Example predictions file with id and a prediction column, for corr_with_example.
    #[arg(long)]
    pub example_preds: Option<PathBuf>,
    /// Column of the example predictions (default: `prediction`, or the file's only numeric
    /// column).
    #[arg(long, requires = "example_preds")]
    pub example_column: Option<String>,
    /// N of the top/bottom-N metrics corr_tbN and mmc_tbN.
    #[arg(long, default_value_t = 200)]
    pub top_bottom: usize,
    /// Weight of CORR in the payout score.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub corr_multiplier: f64,
    /// Weight of MMC in the payout score.
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub mmc_multiplier: f64,
    /// Output folder (created if needed): per_era.parquet, per_era.csv, summary.json,
    /// report.html, summary.png.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The files of the output folder.
pub const OUTPUT_FILES: [&str; 5] = [
    "per_era.parquet",
    "per_era.csv",
    "summary.json",
    "report.html",
    "summary.png",
];

/// Parsed and checked flags, before any file is read.
struct Plan {
    targets: Vec<String>,
    weights: PayoutWeights,
    /// The output folder's next version, written in full before it replaces the folder.
    out: OutputDir,
}

fn plan(args: &DiagnosticsArgs) -> anyhow::Result<Plan> {
    let mut targets: Vec<String> = Vec::new();
    for t in args
        .input
        .target
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        if !targets.iter().any(|k| k == t) {
            targets.push(t.to_string());
        }
    }
    if targets.is_empty() {
        bail!("--target is empty");
    }
    if args.top_bottom == 0 {
        bail!("--top-bottom must be at least 1");
    }
    args.input.check()?;
    for (flag, v) in [
        ("--corr-multiplier", args.corr_multiplier),
        ("--mmc-multiplier", args.mmc_multiplier),
    ] {
        if !v.is_finite() {
            bail!("{flag} must be a finite number, got {v}");
        }
    }
    for r in references(args).iter().flatten() {
        r.check()?;
    }
    let mut inputs = args.input.paths();
    inputs.extend([
        ("--meta-model", args.meta_model.as_deref()),
        ("--benchmark-models", args.benchmark_models.as_deref()),
        ("--example-preds", args.example_preds.as_deref()),
    ]);
    check_outputs(&[("--out", &args.out)], &inputs)?;
    let out = OutputDir::stage(&args.out, &OUTPUT_FILES).context("--out")?;
    Ok(Plan {
        targets,
        weights: PayoutWeights {
            corr: args.corr_multiplier,
            mmc: args.mmc_multiplier,
        },
        out,
    })
}

/// The meta model, benchmark and example prediction columns to read.
fn references(args: &DiagnosticsArgs) -> [Option<ReferenceRequest>; 3] {
    let prefer = |path: &Option<PathBuf>,
                  asked: &Option<String>,
                  preferred: &'static str,
                  flag: &'static str| {
        path.as_ref().map(|p| ReferenceRequest {
            path: p.clone(),
            column: ColumnChoice::Prefer {
                asked: asked.clone(),
                preferred,
                flag,
            },
        })
    };
    [
        prefer(
            &args.meta_model,
            &args.meta_model_column,
            "numerai_meta_model",
            "--meta-model-column",
        ),
        prefer(
            &args.benchmark_models,
            &args.benchmark_column,
            "benchmark",
            "--benchmark-column",
        ),
        prefer(
            &args.example_preds,
            &args.example_column,
            "prediction",
            "--example-column",
        ),
    ]
}

/// The metrics the inputs allow, in report order, and a note per left-out group.
fn metric_set(
    top_bottom: usize,
    meta: bool,
    benchmark: bool,
    example: bool,
    features: bool,
) -> (Vec<Metric>, Vec<String>) {
    let mut metrics = vec![Metric::Corr];
    let mut omitted = Vec::new();
    if meta {
        metrics.push(Metric::Mmc);
    } else {
        omitted.push(format!(
            "mmc, mmc_tb{top_bottom} and {PAYOUT} (no --meta-model)"
        ));
    }
    if benchmark {
        metrics.push(Metric::Bmc);
    } else {
        omitted.push("bmc (no --benchmark-models)".to_string());
    }
    if features {
        metrics.extend([Metric::Fnc, Metric::FeatureExposureMax]);
    } else {
        omitted.push("fnc and fexp_max (the data has no feature_* columns)".to_string());
    }
    metrics.push(Metric::CorrTopBottom(top_bottom));
    if meta {
        metrics.push(Metric::MmcTopBottom(top_bottom));
    }
    metrics.push(Metric::Spearman);
    if example {
        metrics.push(Metric::CorrWithExample);
    } else {
        omitted.push("corr_with_example (no --example-preds)".to_string());
    }
    (metrics, omitted)
}

/// One per-era metric of one model and target, with its statistics.
#[derive(Debug, Clone)]
pub struct MetricSeries {
    /// Metric name (`corr`, ..., `payout`).
    pub name: String,
    /// One value per era of the group, NaN where undefined.
    pub values: Vec<f64>,
    /// Statistics over the eras.
    pub stats: EraStats,
}

/// Everything diagnostics knows about one model against one target.
#[derive(Debug, Clone)]
pub struct ModelTarget {
    /// Model (prediction column).
    pub model: String,
    /// Target column.
    pub target: String,
    /// Eras, in order.
    pub eras: Vec<String>,
    /// Metrics in report order, the payout score last.
    pub metrics: Vec<MetricSeries>,
}

impl ModelTarget {
    /// The series of metric `name`, if computed.
    pub fn metric(&self, name: &str) -> Option<&MetricSeries> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

/// What the report shows besides the numbers.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The data file.
    pub data: String,
    /// The predictions file.
    pub predictions: String,
    /// Number of eras scored.
    pub eras: usize,
    /// Metrics left out and why.
    pub omitted: Vec<String>,
    /// Payout multipliers.
    pub weights: PayoutWeights,
}

/// Runs `erascore diagnostics`.
pub fn run(args: &DiagnosticsArgs) -> anyhow::Result<()> {
    let plan = plan(args).map_err(usage)?;
    let request = DatasetRequest {
        features: args.input.features(true)?,
        targets: plan.targets.clone(),
    };
    let Loaded {
        data,
        predictions,
        references,
    } = load(&args.input, &request, &references(args))?;
    let mut references = references.into_iter();
    let (meta, benchmark, example) = (
        references.next().flatten(),
        references.next().flatten(),
        references.next().flatten(),
    );
    let (metrics, omitted) = metric_set(
        args.top_bottom,
        meta.is_some(),
        benchmark.is_some(),
        example.is_some(),
        !data.feature_names.is_empty(),
    );
    if !omitted.is_empty() {
        eprintln!("note: not computed: {}", omitted.join("; "));
    }

    let inputs = ScoreInputs {
        data: &data,
        predictions: &predictions,
        meta_model: meta.as_ref().map(MetaModelSource::Column),
        benchmark: benchmark.as_ref(),
        example: example.as_ref(),
        signals: Default::default(),
    };
    let config = ScoreConfig {
        metrics,
        targets: plan.targets.clone(),
        max_filtered_ratio: args.input.max_filtered_ratio,
        target_pow15: !args.input.no_target_pow15,
    };
    let bar = progress(data.era_names.len(), "diagnostics", args.quiet);
    let scored = score(&inputs, &config, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for w in &scored.warnings {
        eprintln!("warning: {w}");
    }
    drop(data);

    let groups = summarise(&scored, plan.weights, meta.is_some());
    let info = RunInfo {
        data: args.input.data.display().to_string(),
        predictions: args.input.predictions.display().to_string(),
        eras: groups.first().map_or(0, |g| g.eras.len()),
        omitted,
        weights: plan.weights,
    };
    write_outputs(plan.out.path(), &groups, &info)?;
    plan.out.commit()?;
    print!("{}", summary_table(&groups));
    eprintln!(
        "wrote per_era.parquet, per_era.csv, summary.json, report.html and summary.png \
         ({} eras x {} models x {} targets) to {}",
        info.eras,
        predictions.models.len(),
        plan.targets.len(),
        args.out.display()
    );
    Ok(())
}

/// Groups the engine's rows by model and target and computes every statistic.
fn summarise(
    scored: &erascore_engine::score::ScoreReport,
    weights: PayoutWeights,
    with_payout: bool,
) -> Vec<ModelTarget> {
    let apy = ApyOptions::default();
    let corr_at = scored.metrics.iter().position(|m| *m == Metric::Corr);
    let mmc_at = scored.metrics.iter().position(|m| *m == Metric::Mmc);
    by_model(scored)
        .into_iter()
        .map(|((model, target), rows)| {
            let column = |k: usize| -> Vec<f64> { rows.iter().map(|r| r.values[k]).collect() };
            let mut metrics: Vec<MetricSeries> = scored
                .metrics
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    let values = column(k);
                    MetricSeries {
                        name: m.name(),
                        stats: EraStats::new(&values, apy),
                        values,
                    }
                })
                .collect();
            if let (true, Some(c), Some(m)) = (with_payout, corr_at, mmc_at) {
                let values = payout_scores(&column(c), &column(m), weights);
                metrics.push(MetricSeries {
                    name: PAYOUT.to_string(),
                    stats: EraStats::new(&values, apy),
                    values,
                });
            }
            ModelTarget {
                eras: rows.iter().map(|r| r.era.clone()).collect(),
                model,
                target,
                metrics,
            }
        })
        .collect()
}

/// The long table: era, model, target, one column per metric; grouped by model and target.
fn per_era_frame(path: &Path, groups: &[ModelTarget]) -> anyhow::Result<Frame> {
    let text = |f: &dyn Fn(&ModelTarget, usize) -> String| -> Values {
        Values::Text(
            groups
                .iter()
                .flat_map(|g| (0..g.eras.len()).map(move |i| f(g, i)))
                .collect(),
        )
    };
    let mut columns = vec![
        Column {
            name: "era".into(),
            values: text(&|g, i| g.eras[i].clone()),
        },
        Column {
            name: "model".into(),
            values: text(&|g, _| g.model.clone()),
        },
        Column {
            name: "target".into(),
            values: text(&|g, _| g.target.clone()),
        },
    ];
    if let Some(first) = groups.first() {
        for (k, m) in first.metrics.iter().enumerate() {
            columns.push(Column {
                name: m.name.clone(),
                values: Values::Float(
                    groups
                        .iter()
                        .flat_map(|g| g.metrics[k].values.iter().copied())
                        .collect(),
                    FloatWidth::F64,
                ),
            });
        }
    }
    Ok(Frame::new(path, columns)?)
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// `{"models": {MODEL: {TARGET: {METRIC: {STAT: value}}}}, ...}`; NaN is null.
fn summary_json(groups: &[ModelTarget], info: &RunInfo) -> Value {
    let mut models = Map::new();
    for g in groups {
        let mut metrics = Map::new();
        for m in &g.metrics {
            let mut stats = Map::new();
            for stat in Stat::ALL {
                let v = match stat {
                    Stat::Eras => Value::from(m.stats.eras),
                    _ => number(m.stats.get(stat)),
                };
                stats.insert(stat.name().to_string(), v);
            }
            metrics.insert(m.name.clone(), Value::Object(stats));
        }
        let entry = models
            .entry(g.model.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(targets) = entry {
            targets.insert(g.target.clone(), Value::Object(metrics));
        }
    }
    serde_json::json!({
        "models": Value::Object(models),
        "eras": info.eras,
        "data": info.data,
        "predictions": info.predictions,
        "not_computed": info.omitted,
        "payout": {
            "corr_multiplier": info.weights.corr,
            "mmc_multiplier": info.weights.mmc,
        },
    })
}

/// Writes every output under temporary names, then renames them into place.
fn write_outputs(dir: &Path, groups: &[ModelTarget], info: &RunInfo) -> anyhow::Result<()> {
    let [parquet, csv, json, html, png] = OUTPUT_FILES.map(|name| dir.join(name));
    write_frame_unstaged(&parquet, &per_era_frame(&parquet, groups)?, &parquet)?;
    write_frame_unstaged(&csv, &per_era_frame(&csv, groups)?, &csv)?;
    let text = serde_json::to_string_pretty(&summary_json(groups, info))?;
    std::fs::write(&json, text + "\n")
        .with_context(|| format!("cannot write {}", json.display()))?;
    std::fs::write(&html, report::html(groups, info))
        .with_context(|| format!("cannot write {}", html.display()))?;
    report::png(&png, groups)?;
    Ok(())
}

/// The statistics shown in the stdout table and the report, with short headers.
pub const TABLE_STATS: [(Stat, &str); 11] = [
    (Stat::Mean, "mean"),
    (Stat::Std, "std"),
    (Stat::Sharpe, "sharpe"),
    (Stat::MaxDrawdown, "max_dd"),
    (Stat::MaxDrawdownMultiplicative, "max_dd_mult"),
    (Stat::Apy, "apy"),
    (Stat::Autocorrelation, "autocorr"),
    (Stat::SmartSharpe, "smart_sharpe"),
    (Stat::Calmar, "calmar"),
    (Stat::HitRate, "hit_rate"),
    (Stat::Eras, "eras"),
];

/// One line per model, target and metric; statistics as columns.
fn summary_table(groups: &[ModelTarget]) -> String {
    let mut header = vec!["model".to_string(), "target".into(), "metric".into()];
    header.extend(TABLE_STATS.iter().map(|(_, h)| h.to_string()));
    let mut rows = Vec::new();
    for g in groups {
        for m in &g.metrics {
            let mut line = vec![g.model.clone(), g.target.clone(), m.name.clone()];
            for (stat, _) in TABLE_STATS {
                line.push(match stat {
                    Stat::Eras => m.stats.eras.to_string(),
                    _ => fmt(m.stats.get(stat)),
                });
            }
            rows.push(line);
        }
    }
    table(&header, &rows, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_set_follows_inputs() {
        let (all, none) = metric_set(200, true, true, true, true);
        let names: Vec<String> = all.iter().map(Metric::name).collect();
        assert_eq!(
            names.join(","),
            "corr,mmc,bmc,fnc,fexp_max,corr_tb200,mmc_tb200,spearman,corr_with_example"
        );
        assert!(none.is_empty());
        let (bare, omitted) = metric_set(50, false, false, false, false);
        let names: Vec<String> = bare.iter().map(Metric::name).collect();
        assert_eq!(names.join(","), "corr,corr_tb50,spearman");
        assert_eq!(omitted.len(), 4);
        assert!(omitted[0].contains("mmc_tb50"));
    }

    #[test]
    fn summary_json_writes_nan_as_null() {
        let values = vec![0.01, f64::NAN];
        let g = ModelTarget {
            model: "m".into(),
            target: "t".into(),
            eras: vec!["0001".into(), "0002".into()],
            metrics: vec![MetricSeries {
                name: "corr".into(),
                stats: EraStats::new(&values, ApyOptions::default()),
                values,
            }],
        };
        let info = RunInfo {
            data: "d".into(),
            predictions: "p".into(),
            eras: 2,
            omitted: vec![],
            weights: PayoutWeights::default(),
        };
        let v = summary_json(&[g], &info);
        let corr = &v["models"]["m"]["t"]["corr"];
        assert_eq!(corr["mean"], 0.01);
        assert!(corr["sharpe"].is_null());
        assert_eq!(corr["eras"], 1);
    }
}
