//! `erascore score`: per-era metrics for every prediction column.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use erascore_engine::metrics::Metric;
use erascore_engine::request::{Given, ResolvedScore, ScoreRequest as EngineRequest};
use erascore_engine::score::{score_streaming, ScoreConfig, ScoreInputs, ScoreReport};
use erascore_io::dataset::DatasetRequest;
use erascore_io::frame::{write_frame_unstaged, Frame};
use erascore_io::output::OutputFiles;
use erascore_report::score_table::{self, report_table, score_summary};

use crate::common::{check_outputs, check_table_out, progress, usage};
use crate::flags::{BenchmarkArgs, InputArgs, MetaModelArgs, SignalsArgs};
use crate::load::{load, Loaded, ReferenceRequest};

/// Flags of `erascore score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub meta: MetaModelArgs,
    #[command(flatten)]
    pub signals: SignalsArgs,
    #[command(flatten)]
    pub bench: BenchmarkArgs,
    /// Metrics: corr, corr_tbN, mmc, mmc_tbN, bmc, fnc, spearman, pearson, fexp_max, nc,
    /// ncontrib, alpha, mpc, churn, churn_tbN, neutral_churn, turnover
    /// [default: corr and fnc, plus mmc with a meta model and bmc with a benchmark].
    #[arg(long)]
    pub metrics: Option<String>,
    /// Output: .csv or .parquet, one row per (era, model, target).
    #[arg(long)]
    pub out: PathBuf,
    /// Layout of --out: long (one row per era, model and target; a column per metric) or
    /// wide (one row per era; a column per model and metric, `MODEL/METRIC`, or
    /// `MODEL/TARGET/METRIC` with several targets).
    #[arg(long, value_enum, default_value_t = Layout::Long)]
    pub layout: Layout,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how long reading, scoring and writing took (stderr).
    #[arg(long)]
    pub timings: bool,
}

/// The layout of `score`'s output table.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One row per (era, model, target), one column per metric.
    Long,
    /// One row per era, one column per model and metric.
    Wide,
}

/// Parsed and checked flags, before any file is read.
struct ScoreRequest {
    /// The engine's decisions: metrics, whether features are read.
    resolved: ResolvedScore,
    /// `--out`, staged: checked and its temporary file created before any work.
    out: OutputFiles,
    out_tmp: PathBuf,
}

fn check_flags(args: &ScoreArgs) -> anyhow::Result<ScoreRequest> {
    let resolved = EngineRequest {
        metrics: args
            .metrics
            .as_deref()
            .map(Metric::parse_list)
            .transpose()?,
        targets: args.input.target.clone(),
        given: Given {
            meta_model: args.meta.meta_model.is_some(),
            benchmark: args.bench.benchmark.is_some(),
            ..args.signals.given()
        },
        max_filtered_ratio: args.input.max_filtered_ratio,
    }
    .resolve()?;
    args.input.check()?;
    for r in references(args).iter().flatten() {
        r.column.check()?;
    }
    let mut inputs = args.input.paths();
    inputs.extend([
        ("--meta-model", args.meta.meta_model.as_deref()),
        ("--benchmark", args.bench.benchmark.as_deref()),
    ]);
    inputs.extend(args.signals.paths());
    check_outputs(&[("--out", &args.out)], &inputs)?;
    check_table_out("--out", &args.out)?;
    let mut out = OutputFiles::new();
    let out_tmp = out.stage(&args.out).context("--out")?;
    Ok(ScoreRequest {
        resolved,
        out,
        out_tmp,
    })
}

/// What [`score_loaded`] returns.
pub struct Scored {
    /// The per-era scores.
    pub report: ScoreReport,
    /// Whether a meta model (a file, or built from stakes) was scored against.
    pub with_meta: bool,
    /// How long reading took, from the run's start.
    pub read: std::time::Duration,
}

/// The era loop over loaded files, one home for `score` and `diagnostics`: the stakes and
/// the meta model (the first reference, else `--stakes`), the benchmark (the second) and
/// example predictions (the third, when read), the Signals files the metrics read, a
/// progress bar named `what` (none when `quiet`), and the warnings printed.
pub fn score_loaded(
    loaded: &mut Loaded,
    (input, signals, quiet): (&InputArgs, &SignalsArgs, bool),
    config: &ScoreConfig,
    what: &str,
    started: std::time::Instant,
) -> anyhow::Result<Scored> {
    let keys = loaded.data.take_keys();
    let Loaded {
        data,
        predictions,
        references,
        ..
    } = &*loaded;
    let mut references = references.iter();
    let mut next = || references.next().and_then(Option::as_ref);
    let (meta, benchmark, example) = (next(), next(), next());
    let (stakes, meta_model) = signals.meta_model(predictions, meta)?;
    let signal_files = signals.read(&config.metrics)?;
    let with_meta = meta_model.is_some();
    let inputs = ScoreInputs {
        data,
        predictions,
        meta_model,
        benchmark,
        example,
        signals: signal_files.inputs(&config.metrics, stakes),
    };
    let read = started.elapsed();
    let bar = progress(data.era_names.len(), what, quiet);
    let report = score_streaming(
        &inputs,
        config,
        &loaded.streaming(input),
        Some(keys),
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    Ok(Scored {
        report,
        with_meta,
        read,
    })
}

/// The meta model and benchmark columns to read.
fn references(args: &ScoreArgs) -> [Option<ReferenceRequest>; 2] {
    [args.meta.request(), args.bench.request()]
}

/// Runs `erascore score`.
pub fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let checked = check_flags(args).map_err(usage)?;
    let request = DatasetRequest {
        features: args.input.features(checked.resolved.features)?,
        targets: args.input.target.clone(),
    };
    if args.timings {
        erascore_io::timings::enable();
    }
    let started = std::time::Instant::now();
    let mut loaded = load(&args.input, &request, &references(args))?;
    checked.resolved.check_features(&loaded.data)?;
    let config = ScoreConfig {
        metrics: checked.resolved.metrics,
        targets: args.input.target.clone(),
        max_filtered_ratio: args.input.max_filtered_ratio,
        target_pow15: !args.input.no_target_pow15,
    };
    let scored = score_loaded(
        &mut loaded,
        (&args.input, &args.signals, args.quiet),
        &config,
        "scoring",
        started,
    )?;
    let (report, read) = (scored.report, scored.read);
    let predictions = &loaded.predictions;
    let scored = started.elapsed();
    let layout = match args.layout {
        Layout::Long => score_table::Layout::Long,
        Layout::Wide => score_table::Layout::Wide,
    };
    let frame = Frame::new(&args.out, report_table(&report, layout).columns)?;
    write_frame_unstaged(&checked.out_tmp, &frame, &args.out)?;
    checked.out.commit()?;
    if args.timings {
        loaded.eprint_timings(started, read, scored, "");
        eprintln!("kernels: {}", erascore_kernels::cpu::usage().describe());
    }
    print!("{}", score_summary(&report));
    eprintln!(
        "wrote {} rows ({} eras x {} models x {} target(s)) to {}",
        report.rows.len(),
        report
            .rows
            .iter()
            .map(|r| &r.era)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        predictions.names.len(),
        config.targets.len(),
        args.out.display()
    );
    Ok(())
}
