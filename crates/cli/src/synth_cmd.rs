//! `erascore synth`: write a deterministic synthetic dataset in the Numerai v5 layout.
//!
//! The files (data.parquet, predictions.parquet, meta_model.parquet, stakes.csv,
//! features.json) are what `erascore score` and `erascore metamodel` read, at any size up
//! to a full validation set, so the scorer can be tried and benchmarked without Numerai data.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use erascore_io::output::OutputDir;
use erascore_synth::{Population, Synth, SynthConfig, FILES};

use crate::common::{progress, usage};

/// `--tournament` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum TournamentArg {
    /// The classic tournament.
    Classic,
}

/// Flags of `erascore synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Number of eras ("0001", "0002", ...).
    #[arg(long, default_value_t = 12)]
    pub eras: usize,
    /// Rows per era.
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
    /// Model population: `classic` writes a tournament archive (up to 100,000 models with
    /// shared signal, feature-exposed models, near-copies and a few random ones,
    /// heavy-tailed stakes, float32 predictions with an era column) for `erascore compare`.
    #[arg(long, value_enum)]
    pub tournament: Option<TournamentArg>,
    /// Output folder: created, or replaced as a whole (it may hold only a previous
    /// dataset).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `erascore synth`.
pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    // Validate the whole shape, and claim the output folder, before generating anything.
    let (synth, staged) = (|| -> anyhow::Result<_> {
        let synth = Synth::new(SynthConfig {
            eras: args.eras,
            rows_per_era: args.rows,
            features: args.features,
            models: args.models,
            seed: args.seed,
            rows_per_row_group: args.row_group_rows.max(1),
            population: match args.tournament {
                None => Population::Basic,
                Some(TournamentArg::Classic) => Population::Classic,
            },
        })?;
        let staged = OutputDir::stage(&args.out, &FILES).context("--out")?;
        Ok((synth, staged))
    })()
    .map_err(usage)?;
    let bar = progress(args.eras, "generating", args.quiet);
    let files = synth.write_into(staged.path(), &mut || bar.inc(1))?;
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
    eprintln!(
        "{} eras x {} rows, {} features, {} models, seed {}",
        args.eras, args.rows, args.features, args.models, args.seed
    );
    Ok(())
}
