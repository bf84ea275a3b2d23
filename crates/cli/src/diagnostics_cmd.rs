//! `erascore diagnostics`: validation diagnostics as a user sees them before staking.
//!
//! One run scores every prediction column in every era against each requested target with
//! the `score` engine (each era's neutralizer factorization is shared by all models and
//! targets), adds the payout score `corr_multiplier × corr + mmc_multiplier × mmc`, and
//! summarises every metric over eras with [`erascore_engine::stats`]. The output folder gets
//! the per-era table (parquet and CSV), `summary.json`, a self-contained `report.html`
//! and `summary.png` (erascore-report); stdout gets a summary table.
//!
//! Metrics whose input is missing (no meta model, benchmark or example predictions, no
//! feature columns) are left out, and stderr says so once. Everything is computed before
//! anything is written; the files are written into a fresh hidden sibling folder that
//! replaces the output folder in one step ([`erascore_io::output::OutputDir`]).

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use erascore_engine::diagnostics::{metric_set, summarise, Available};
use erascore_engine::score::{score_streaming, ScoreConfig, ScoreInputs};
use erascore_engine::stats::PayoutWeights;
use erascore_io::dataset::DatasetRequest;
use erascore_io::output::OutputDir;
use erascore_report::summary_table::{compact_table, wide_table};
use erascore_report::{write_diagnostics, RunInfo, OUTPUT_FILES};

use crate::common::{check_outputs, progress, usage};
use crate::flags::{BenchmarkArgs, InputArgs, SignalsArgs};
use crate::load::{load, ColumnChoice, Loaded, ReferenceRequest};

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
    #[command(flatten)]
    pub bench: BenchmarkArgs,
    /// Example predictions file with id and a prediction column, for corr_with_example.
    #[arg(long)]
    pub example_preds: Option<PathBuf>,
    /// Column of the example predictions (default: `prediction`, or the file's only numeric
    /// column).
    #[arg(long, requires = "example_preds")]
    pub example_column: Option<String>,
    /// Signals inputs: with --neutralizers, nc and alpha (ncontrib with a meta model, mpc
    /// with --stakes); with --previous, churn (neutral_churn and turnover with
    /// --neutralizers). --stakes without --meta-model also builds the meta model.
    #[command(flatten)]
    pub signals: SignalsArgs,
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
    /// Print every statistic of every metric (one line per metric) instead of the compact
    /// table of headline numbers (one line per model); summary.json has them all.
    #[arg(long)]
    pub wide: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how long reading, scoring and writing took, and which read path ran (stderr).
    #[arg(long)]
    pub timings: bool,
}

/// Parsed and checked flags, before any file is read.
struct DiagnosticsRequest {
    targets: Vec<String>,
    weights: PayoutWeights,
    /// The output folder's next version, written in full before it replaces the folder.
    out: OutputDir,
}

fn check_flags(args: &DiagnosticsArgs) -> anyhow::Result<DiagnosticsRequest> {
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
        ("--benchmark", args.bench.benchmark.as_deref()),
        ("--example-preds", args.example_preds.as_deref()),
    ]);
    inputs.extend(args.signals.paths());
    if args.signals.sample_weights.is_some() && args.signals.neutralizers.is_none() {
        bail!("--sample-weights is for alpha and mpc, which need --neutralizers here");
    }
    check_outputs(&[("--out", &args.out)], &inputs)?;
    let out = OutputDir::stage(&args.out, &OUTPUT_FILES).context("--out")?;
    Ok(DiagnosticsRequest {
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
        args.bench.request(),
        prefer(
            &args.example_preds,
            &args.example_column,
            "prediction",
            "--example-column",
        ),
    ]
}

/// Runs `erascore diagnostics`.
pub fn run(args: &DiagnosticsArgs) -> anyhow::Result<()> {
    let checked = check_flags(args).map_err(usage)?;
    let request = DatasetRequest {
        features: args.input.features(true)?,
        targets: checked.targets.clone(),
    };
    let started = std::time::Instant::now();
    let mut loaded = load(&args.input, &request, &references(args))?;
    let keys = loaded.data.take_keys();
    let Loaded {
        data,
        predictions,
        references,
        ..
    } = &loaded;
    let mut references = references.iter();
    let mut next = || references.next().and_then(Option::as_ref);
    let (meta, benchmark, example) = (next(), next(), next());
    let (stakes, meta_model) = args.signals.meta_model(predictions, meta)?;
    let (metrics, omitted) = metric_set(
        args.top_bottom,
        &Available {
            meta_model: meta_model.is_some(),
            benchmark: benchmark.is_some(),
            example: example.is_some(),
            features: !data.feature_names.is_empty(),
            neutralizers: args.signals.neutralizers.is_some(),
            stakes: stakes.is_some(),
            previous: !args.signals.previous.is_empty(),
        },
    );
    if !omitted.is_empty() {
        eprintln!("note: not computed: {}", omitted.join("; "));
    }

    let signal_files = args.signals.read(&metrics)?;
    let with_meta = meta_model.is_some();
    let inputs = ScoreInputs {
        data,
        predictions,
        meta_model,
        benchmark,
        example,
        signals: signal_files.inputs(&metrics, stakes),
    };
    let config = ScoreConfig {
        metrics,
        targets: checked.targets.clone(),
        max_filtered_ratio: args.input.max_filtered_ratio,
        target_pow15: !args.input.no_target_pow15,
    };
    let bar = progress(data.era_names.len(), "diagnostics", args.quiet);
    let read = started.elapsed();
    let scored = score_streaming(
        &inputs,
        &config,
        &loaded.streaming(&args.input),
        Some(keys),
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    for w in &scored.warnings {
        eprintln!("warning: {w}");
    }
    let scoring_done = started.elapsed();

    let groups = summarise(&scored, checked.weights, with_meta);
    let info = RunInfo {
        data: args.input.data.display().to_string(),
        predictions: args.input.predictions.display().to_string(),
        eras: groups.first().map_or(0, |g| g.eras.len()),
        omitted,
        weights: checked.weights,
        unresolved: scored.unresolved.clone(),
    };
    write_diagnostics(checked.out.path(), &groups, &info)?;
    checked.out.commit()?;
    if args.timings {
        let written = started.elapsed();
        eprintln!(
            "timings: read {:.3} s, score {:.3} s (features decoded meanwhile), write {:.3} s",
            read.as_secs_f64(),
            (scoring_done - read).as_secs_f64(),
            (written - scoring_done).as_secs_f64()
        );
        eprintln!("{}", loaded.describe_read());
    }
    print!(
        "{}",
        if args.wide {
            wide_table(&groups)
        } else {
            compact_table(&groups)
        }
    );
    eprintln!(
        "wrote per_era.parquet, per_era.csv, summary.json, report.html and summary.png \
         ({} eras x {} models x {} targets) to {}",
        info.eras,
        predictions.models.len(),
        checked.targets.len(),
        args.out.display()
    );
    Ok(())
}
