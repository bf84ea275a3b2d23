//! `erascore synth`: write a deterministic synthetic dataset in the Numerai v5 layout.
//!
//! The files (data.parquet, predictions.parquet, meta_model.parquet, stakes.csv,
//! features.json) are what `erascore score` and `erascore metamodel` read, at any size up
//! to a full validation set, so the scorer can be tried and benchmarked without Numerai data.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use erascore_io::output::OutputDir;
use erascore_synth::signals::{write_signals, SignalsConfig, SIGNALS_FILES};
use erascore_synth::{Population, Synth, SynthConfig, SynthError, WrittenFile, FILES};

use crate::common::{progress, usage};

/// Which tournament's files to write.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tournament {
    /// data, predictions, meta model, stakes, features.json (Numerai v5 layout).
    Classic,
    /// Tickers as ids: data, predictions, previous submissions, neutralizers, sample
    /// weights, stakes.
    Signals,
}

/// Which models a classic dataset's predictions.parquet holds.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopulationArg {
    /// A few models of every value shape (float64), for testing the scorer.
    Basic,
    /// A tournament archive for `erascore compare`: up to 100,000 models sharing a latent
    /// signal (some feature-exposed, some near-copies, a few random), heavy-tailed stakes,
    /// float32 predictions with an era column.
    Tournament,
}

/// Flags of `erascore synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// classic or signals.
    #[arg(long, value_enum, default_value_t = Tournament::Classic)]
    pub tournament: Tournament,
    /// Model population of a classic dataset: basic, or tournament (for `erascore compare`).
    #[arg(long, value_enum, default_value_t = PopulationArg::Basic)]
    pub population: PopulationArg,
    /// Risk-model neutralizer columns (signals only).
    #[arg(long, default_value_t = 20)]
    pub neutralizers: usize,
    /// Number of eras ("0001", "0002", ...).
    #[arg(long, default_value_t = 12)]
    pub eras: usize,
    /// Rows per era (signals: tickers in the pool; each era holds about 92% of them).
    #[arg(long, default_value_t = 500)]
    pub rows: usize,
    /// Number of feature_* columns (int8 bins 0..=4).
    #[arg(long, default_value_t = 40)]
    pub features: usize,
    /// Number of model columns in predictions.parquet.
    #[arg(long, default_value_t = 3)]
    pub models: usize,
    /// Random seed; the same seed gives the same files on any number of threads.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Rows per row group of data.parquet (rounded up to whole eras).
    #[arg(long, default_value_t = 65_536)]
    pub row_group_rows: usize,
    /// Output folder: created, or replaced as a whole (it may hold only a previous
    /// dataset).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `erascore synth --tournament signals`.
fn run_signals(args: &SynthArgs) -> anyhow::Result<()> {
    let config = SignalsConfig {
        eras: args.eras,
        tickers: args.rows,
        neutralizers: args.neutralizers,
        models: args.models,
        seed: args.seed,
    };
    let staged = (|| -> anyhow::Result<_> {
        config.validate()?;
        OutputDir::stage(&args.out, &SIGNALS_FILES).context("--out")
    })()
    .map_err(usage)?;
    write_staged(args, staged, |dir, on_era| {
        write_signals(&config, dir, on_era)
    })?;
    eprintln!(
        "signals: {} eras, a pool of {} tickers, {} neutralizers, {} models, seed {}",
        args.eras, args.rows, args.neutralizers, args.models, args.seed
    );
    Ok(())
}

/// Writes the files into the claimed folder `staged` under a progress bar of one tick per
/// era, moves them to `--out`, and lists each file where it now is (inside `--out`, not the
/// staging folder).
fn write_staged(
    args: &SynthArgs,
    staged: OutputDir,
    write: impl FnOnce(&Path, &mut dyn FnMut()) -> Result<Vec<WrittenFile>, SynthError>,
) -> anyhow::Result<()> {
    let bar = progress(args.eras, "generating", args.quiet);
    let files = write(staged.path(), &mut || bar.inc(1))?;
    staged.commit()?;
    bar.finish_and_clear();
    for f in &files {
        let name = f.path.file_name().unwrap_or_default();
        eprintln!(
            "wrote {} ({} bytes)",
            args.out.join(name).display(),
            f.bytes
        );
    }
    Ok(())
}

/// Runs `erascore synth`.
pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    if args.tournament == Tournament::Signals {
        if args.population != PopulationArg::Basic {
            return Err(usage(anyhow::anyhow!(
                "--population tournament writes a classic tournament archive; it does not go \
                 with --tournament signals"
            )));
        }
        return run_signals(args);
    }
    // Validate the whole shape, and claim the output folder, before generating anything.
    let (synth, staged) = (|| -> anyhow::Result<_> {
        let synth = Synth::new(SynthConfig {
            eras: args.eras,
            rows_per_era: args.rows,
            features: args.features,
            models: args.models,
            seed: args.seed,
            rows_per_row_group: args.row_group_rows.max(1),
            population: match args.population {
                PopulationArg::Basic => Population::Basic,
                PopulationArg::Tournament => Population::Classic,
            },
        })?;
        let staged = OutputDir::stage(&args.out, &FILES).context("--out")?;
        Ok((synth, staged))
    })()
    .map_err(usage)?;
    write_staged(args, staged, |dir, on_era| synth.write_into(dir, on_era))?;
    eprintln!(
        "{} eras x {} rows, {} features, {} models, seed {}",
        args.eras, args.rows, args.features, args.models, args.seed
    );
    Ok(())
}
