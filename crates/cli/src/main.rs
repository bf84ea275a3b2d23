//! The `erascore` command: score predictions per era, build meta models, simulate payouts,
//! check submissions.
//!
//! Each subcommand parses its flags into a validated configuration before touching any
//! file (an invalid flag value exits with 2, like clap's own usage errors), then reads,
//! computes and finally writes; a failed run exits with 1 and writes nothing.

mod allocator;
mod common;
mod compare_cmd;
mod diagnostics_cmd;
mod flags;
mod load;
mod metamodel_cmd;
mod neutralize_cmd;
mod payout_cmd;
mod score_cmd;
mod stakes;
mod synth_cmd;
mod validate_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "erascore",
    version,
    about = "Fast, exact per-era scoring for Numerai-style tournaments"
)]
struct Cli {
    /// Worker threads (default: all cores; at most 1024). Results do not depend on it.
    #[arg(long, global = true, value_parser = parse_threads)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score prediction columns per era (CORR, MMC, BMC, FNC, ...).
    Score(score_cmd::ScoreArgs),
    /// Build the stake-weighted meta model from predictions and stakes.
    Metamodel(metamodel_cmd::MetamodelArgs),
    /// Write a deterministic synthetic dataset in the Numerai v5 layout.
    Synth(synth_cmd::SynthArgs),
    /// Validation diagnostics: every metric per era, statistics over eras, HTML/PNG report.
    Diagnostics(diagnostics_cmd::DiagnosticsArgs),
    /// Simulate stake payouts from per-round scores.
    Payout(payout_cmd::PayoutArgs),
    /// Check a submission file as numerai-tools does; optionally write it cleaned.
    Validate(validate_cmd::ValidateArgs),
    /// Compare scoring and payout configurations over every model of a tournament.
    Compare(compare_cmd::CompareArgs),
    /// Neutralize predictions era by era against features or neutralizers; optionally
    /// write a submission.
    Neutralize(neutralize_cmd::NeutralizeArgs),
}

/// The most worker threads `--threads` starts. Results do not depend on the count and
/// threads past the cores only take turns, while thousands of them can exhaust the memory
/// maps a thread's stacks need, which the runtime answers with an abort, not an error.
const MAX_THREADS: usize = 1024;

fn parse_threads(value: &str) -> Result<usize, String> {
    let n: usize = value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a whole number of threads"))?;
    if n == 0 {
        // Not "all cores" (leave the flag out for that): zero threads cannot run anything,
        // and taking it as one would be a silent guess.
        return Err(
            "0 threads cannot run anything: give at least 1, or leave --threads out \
                    to use every core"
                .to_string(),
        );
    }
    if n > MAX_THREADS {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        return Err(format!(
            "{n} threads is more than the {MAX_THREADS} erascore starts (this machine has \
             {cores} cores; results do not depend on the count)"
        ));
    }
    Ok(n)
}

fn main() {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot set up {n} threads: {e}");
            std::process::exit(2);
        }
    }
    // A CPU path pinned by ERASCORE_KERNEL / ERASCORE_SIMD that is unknown or missing on
    // this CPU is refused up front, like a bad flag value.
    if let Err(e) = erascore_kernels::cpu::paths_from_env() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
    let result = match &cli.command {
        Command::Score(a) => score_cmd::run(a),
        Command::Metamodel(a) => metamodel_cmd::run(a),
        Command::Synth(a) => synth_cmd::run(a),
        Command::Diagnostics(a) => diagnostics_cmd::run(a),
        Command::Payout(a) => payout_cmd::run(a),
        Command::Validate(a) => validate_cmd::run(a),
        Command::Compare(a) => compare_cmd::run(a),
        Command::Neutralize(a) => neutralize_cmd::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {}", common::render(&e));
        std::process::exit(if common::is_usage(&e) { 2 } else { 1 });
    }
}
