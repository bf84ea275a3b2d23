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

use anyhow::Context;
use clap::Args;

use erascore_engine::diagnostics::summarise;
use erascore_engine::inputs::check_model_names;
use erascore_engine::request::{
    ColumnRule, DiagnosticsRequest as EngineRequest, Given, ResolvedDiagnostics,
};
use erascore_engine::score::ScoreConfig;
use erascore_engine::stats::PayoutWeights;
use erascore_io::dataset::DatasetRequest;
use erascore_io::output::OutputDir;
use erascore_report::summary_table::{compact_table, wide_table};
use erascore_report::{write_diagnostics, RunInfo, OUTPUT_FILES};

use crate::common::{check_outputs, usage};
use crate::flags::{flag, BenchmarkArgs, InputArgs, MetaModelArgs, SignalsArgs};
use crate::load::{load, ReferenceRequest};
use crate::score_cmd::{score_loaded, Scored};

/// Flags of `erascore diagnostics`.
#[derive(Args, Debug)]
pub struct DiagnosticsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub meta: MetaModelArgs,
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
    /// The engine's checked request (targets, payout weights, inputs given).
    resolved: ResolvedDiagnostics,
    /// The output folder's next version, written in full before it replaces the folder.
    out: OutputDir,
}

fn check_flags(args: &DiagnosticsArgs) -> anyhow::Result<DiagnosticsRequest> {
    let resolved = EngineRequest {
        targets: args.input.target.clone(),
        top_bottom: args.top_bottom,
        weights: PayoutWeights {
            corr: args.corr_multiplier,
            mmc: args.mmc_multiplier,
        },
        max_filtered_ratio: args.input.max_filtered_ratio,
        given: Given {
            meta_model: args.meta.meta_model.is_some(),
            benchmark: args.bench.benchmark.is_some(),
            example: args.example_preds.is_some(),
            ..args.signals.given()
        },
    }
    .resolve()?;
    if let Some(models) = &args.input.models {
        check_model_names(models).context("--models")?;
    }
    for r in references(args).iter().flatten() {
        r.column.check()?;
    }
    let mut inputs = args.input.paths();
    inputs.extend([
        ("--meta-model", args.meta.meta_model.as_deref()),
        ("--benchmark", args.bench.benchmark.as_deref()),
        ("--example-preds", args.example_preds.as_deref()),
    ]);
    inputs.extend(args.signals.paths());
    check_outputs(&[("--out", &args.out)], &inputs)?;
    let out = OutputDir::stage(&args.out, &OUTPUT_FILES).context("--out")?;
    Ok(DiagnosticsRequest { resolved, out })
}

/// The meta model, benchmark and example prediction columns to read.
fn references(args: &DiagnosticsArgs) -> [Option<ReferenceRequest>; 3] {
    [
        args.meta.request(),
        args.bench.request(),
        args.example_preds.as_ref().map(|p| ReferenceRequest {
            path: p.clone(),
            column: ColumnRule::example(args.example_column.clone()),
        }),
    ]
}

/// Runs `erascore diagnostics`.
pub fn run(args: &DiagnosticsArgs) -> anyhow::Result<()> {
    let checked = check_flags(args).map_err(usage)?;
    let request = DatasetRequest {
        features: args.input.features(true)?,
        targets: checked.resolved.targets.clone(),
    };
    if args.timings {
        erascore_io::timings::enable();
    }
    let started = std::time::Instant::now();
    let mut loaded = load(&args.input, &request, &references(args))?;
    let (metrics, omitted) = checked
        .resolved
        .metrics(!loaded.data.feature_names.is_empty());
    let omitted: Vec<String> = omitted.iter().map(|m| m.render(&flag)).collect();
    if !omitted.is_empty() {
        eprintln!("note: not computed: {}", omitted.join("; "));
    }
    let config = ScoreConfig {
        metrics,
        targets: checked.resolved.targets.clone(),
        max_filtered_ratio: args.input.max_filtered_ratio,
        target_pow15: !args.input.no_target_pow15,
    };
    let Scored {
        report: scored,
        with_meta,
        read,
    } = score_loaded(
        &mut loaded,
        (&args.input, &args.signals, args.quiet),
        &config,
        "diagnostics",
        started,
    )?;
    let scoring_done = started.elapsed();

    let weights = checked.resolved.weights;
    let groups = summarise(&scored, weights, with_meta);
    let info = RunInfo {
        data: args.input.data.display().to_string(),
        predictions: args.input.predictions.display().to_string(),
        eras: groups.first().map_or(0, |g| g.eras.len()),
        omitted,
        weights,
        unresolved: scored.unresolved.clone(),
    };
    write_diagnostics(checked.out.path(), &groups, &info)?;
    checked.out.commit()?;
    if args.timings {
        loaded.eprint_timings(started, read, scoring_done, " (features decoded meanwhile)");
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
        loaded.predictions.names.len(),
        checked.resolved.targets.len(),
        args.out.display()
    );
    Ok(())
}
