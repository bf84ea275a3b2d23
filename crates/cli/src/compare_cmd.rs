//! `erascore compare`: what rule B does, compared with rule A, to every model and to the
//! tournament, from one archive and a TOML file of configurations.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use erascore_engine::compare::{
    compare, CompareInputs, CompareReport, CompareRequest, CompareStakes, Configs, EraLoader,
};
use erascore_engine::inputs::Predictions;
use erascore_engine::read::predictions::{self, Shape};
use erascore_engine::EngineError;
use erascore_io::dataset::read_dataset;
use erascore_io::era::era_order;
use erascore_io::frame::{column_names, read_frame_columns, read_frame_eras};
use erascore_io::output::OutputDir;
pub use erascore_report::compare_files::FILES;
use erascore_report::compare_files::{summary_json, totals, write_compare};

use crate::common::{fmt, progress, table, usage};
use crate::flags::BenchmarkArgs;
use crate::load::read_reference;

/// Flags of `erascore compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Data parquet in the Numerai v5 layout (id, era, targets; features for fnc).
    #[arg(long)]
    pub data: PathBuf,
    /// Predictions, wide (id, era and one column per model) or long (id, era, model,
    /// prediction), told apart by their columns.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Stakes (CSV or parquet): model,stake (starting stakes), or round,model,stake (each
    /// row sets the model's stake at the start of that round); every model needs one.
    #[arg(long)]
    pub stakes: PathBuf,
    /// The configurations to compare (TOML, `[[config]]` tables).
    #[arg(long)]
    pub configs: PathBuf,
    /// The benchmark column, for configurations whose score uses bmc.
    #[command(flatten)]
    pub bench: BenchmarkArgs,
    /// Output folder: created, or replaced as a whole (it may hold only a previous
    /// compare output).
    #[arg(long)]
    pub out: PathBuf,
    /// Share of ids that alignment may drop before it is an error (numerai-tools: 0.2).
    #[arg(long, default_value_t = 0.2)]
    pub max_filtered_ratio: f64,
    /// Do not raise the centred target to the 1.5 power in CORR.
    #[arg(long)]
    pub no_target_pow15: bool,
    /// Most prediction values (models × data rows) held in memory at once; more models
    /// are read in chunks (two passes over the file, same numbers).
    #[arg(long, default_value_t = 150_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_values: u64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `erascore compare`.
pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    crate::allocator::keep_freed_memory();
    let bench = args.bench.request();
    let request = CompareRequest {
        configs: Configs::File(&args.configs),
        benchmark: bench.as_ref().map(|r| r.column.clone()),
        max_filtered_ratio: args.max_filtered_ratio,
    };
    let (resolved, staged) = (|| -> anyhow::Result<_> {
        let resolved = request.resolve()?;
        let staged = OutputDir::stage(&args.out, &FILES).context("--out")?;
        Ok((resolved, staged))
    })()
    .map_err(usage)?;
    let configs = &resolved.configs;
    let started = std::time::Instant::now();
    let data = read_dataset(&args.data, &resolved.data())?;
    // Read only when a configuration scores BMC: the file is otherwise unused.
    let benchmark = match (&bench, &resolved.benchmark) {
        (Some(r), Some(_)) => Some(read_reference(r, None)?),
        _ => None,
    };
    let rounds: Vec<String> = era_order(&data.era_names)
        .into_iter()
        .map(|e| data.era_names[e].clone())
        .collect();
    let CompareStakes {
        models,
        stakes,
        changes: stake_changes,
    } = resolved.stakes(&args.predictions, &args.stakes, &rounds)?;
    if !args.quiet {
        eprintln!(
            "{} models, {} eras, {} rows (data read in {:.1} s)",
            models.len(),
            data.era_names.len(),
            data.ids.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let load = |m: &[String]| {
        predictions::read(&args.predictions, Some(m))
            .map_err(|e| EngineError::Config(format!("{e:#}")))
    };
    let path = &args.predictions;
    // A wide file with eras is read a batch of eras at a time when it does not fit at once.
    let by_era_ok =
        predictions::shape(path)? == Shape::Wide && column_names(path)?.iter().any(|c| c == "era");
    let keys = || -> Result<Predictions, EngineError> {
        let mut frame = read_frame_columns(path, Some(&["id", "era"]))?;
        Ok(Predictions {
            path: path.clone(),
            ids: frame.take_text("id")?,
            eras: Some(frame.take_text("era")?),
            names: Vec::new(),
            values: Vec::new(),
        })
    };
    let by_era = |eras: &[String]| -> Result<Predictions, EngineError> {
        let mut columns = vec!["id", "era"];
        columns.extend(models.iter().map(String::as_str));
        let frame = read_frame_eras(path, Some(&columns), eras)?;
        Predictions::predictions(frame, Some(&models))
    };
    let bar = progress(
        resolved.era_steps(data.era_names.len()),
        "scoring",
        args.quiet,
    );
    let inputs = CompareInputs {
        data: &data,
        models: &models,
        load: &load,
        by_era: by_era_ok.then_some(EraLoader {
            keys: &keys,
            load: &by_era,
        }),
        max_values: usize::try_from(args.max_values).unwrap_or(usize::MAX),
        stakes: &stakes,
        stake_changes: &stake_changes,
        max_filtered_ratio: args.max_filtered_ratio,
        target_pow15: !args.no_target_pow15,
        benchmark: benchmark.as_ref(),
    };
    let report = compare(&inputs, configs, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for w in report.warnings.iter().take(20) {
        eprintln!("warning: {w}");
    }
    if report.warnings.len() > 20 {
        eprintln!("({} more warnings)", report.warnings.len() - 20);
    }
    write_compare(staged.path(), &args.out, &report)?;
    staged.commit()?;
    print!("{}", summary_table(&report));
    if !args.quiet {
        eprintln!(
            "{} configurations, {} scoring pass(es) over {} chunk(s) of models, {:.1} s; wrote {}",
            configs.len(),
            report.scoring_passes,
            report.chunks,
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}

fn summary_table(r: &CompareReport) -> String {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let rows: Vec<Vec<String>> = r
        .configs
        .iter()
        .map(|c| {
            let t = totals(c);
            vec![
                c.config.name.clone(),
                c.config.formula(),
                fmt(t.weighted_score),
                fmt(t.paid),
                fmt(t.burned),
                fmt(t.paid - t.burned),
                fmt(t.final_stake),
            ]
        })
        .collect();
    let mut out = table(
        &s(&[
            "config",
            "score",
            "mean score (stake-weighted)",
            "paid",
            "burned",
            "net",
            "final stake",
        ]),
        &rows,
        2,
    );
    let summary = summary_json(r);
    let pairs = summary["pairs"].as_array().cloned().unwrap_or_default();
    if !pairs.is_empty() {
        let num = |v: &Value| v.as_f64().map_or_else(String::new, fmt);
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|p| {
                vec![
                    p["a"].as_str().unwrap_or_default().to_string(),
                    p["b"].as_str().unwrap_or_default().to_string(),
                    num(&p["spearman_mean_score"]),
                    num(&p["spearman_total_payout"]),
                    p["earn_to_burn"]["count"].to_string(),
                    p["burn_to_earn"]["count"].to_string(),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table(
            &s(&[
                "a",
                "b",
                "spearman score",
                "spearman payout",
                "earn->burn",
                "burn->earn",
            ]),
            &rows,
            2,
        ));
    }
    out
}
