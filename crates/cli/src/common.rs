//! Pieces shared by subcommands: progress reporting, plain-text tables, usage errors and
//! the checks every output path gets before any work.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use erascore_engine::EngineError;

/// A progress bar on stderr, hidden when stderr is not a terminal or `quiet` is set.
pub fn progress(len: usize, what: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    let style =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} eras, {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

pub use erascore_report::{fmt, table};

/// A command line that no input could make right: an unknown flag value, flags that
/// contradict each other, an output that cannot be written where the flags say. `main`
/// exits with 2 for it, as clap does for its own usage errors; every other error (a file
/// that is missing, unreadable or holds bad data) exits with 1.
#[derive(Debug)]
pub struct Usage(anyhow::Error);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render(&self.0))
    }
}

/// An error as the CLI shows it: each cause of the chain joined by ": " (as anyhow's
/// `{:#}`), with the inputs an engine, reader or payout error names worded as flags
/// ([`crate::flags::flag`]).
pub fn render(e: &anyhow::Error) -> String {
    e.chain()
        .map(|cause| {
            if let Some(engine) = cause.downcast_ref::<EngineError>() {
                engine.render(&crate::flags::flag)
            } else if let Some(io) = cause.downcast_ref::<erascore_io::IoError>() {
                io.render(&crate::flags::flag)
            } else if let Some(payout) = cause.downcast_ref::<erascore_payout::PayoutError>() {
                payout.render(&crate::flags::flag)
            } else if let Some(synth) = cause.downcast_ref::<erascore_synth::SynthError>() {
                synth.render(&crate::flags::flag)
            } else {
                cause.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(": ")
}

impl std::error::Error for Usage {}

/// Marks an error found while checking flags as a usage error (exit 2).
pub fn usage(e: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Usage(e.into()))
}

/// Whether an error is a usage error anywhere in its chain.
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Usage>())
}

/// A path made absolute with its symlinks resolved as far as it exists, so that two
/// spellings of one file compare equal.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            resolved(dir).join(name)
        }
        _ => path.to_path_buf(),
    }
}

/// Refuses an output that is also an input (it would be overwritten) or that two output
/// flags share. `outputs` and `inputs` pair each path with its flag, for the message.
pub fn check_outputs(
    outputs: &[(&str, &Path)],
    inputs: &[(&str, Option<&Path>)],
) -> anyhow::Result<()> {
    for (k, (flag, out)) in outputs.iter().enumerate() {
        let out_r = resolved(out);
        for (in_flag, input) in inputs {
            if let Some(input) = input {
                if resolved(input) == out_r {
                    anyhow::bail!(
                        "{flag} {} is also the input {in_flag}; it would be overwritten",
                        out.display()
                    );
                }
            }
        }
        for (other_flag, other) in &outputs[..k] {
            if resolved(other) == out_r {
                anyhow::bail!(
                    "{other_flag} and {flag} both name {}; each output needs its own file",
                    out.display()
                );
            }
        }
    }
    Ok(())
}

/// The table formats a `--out` of a table may name, by extension.
pub const TABLE_EXTENSIONS: [&str; 2] = ["csv", "parquet"];

/// Refuses a table output whose extension names no format it can be written in (`x.txt`
/// was once written as CSV without a word): the flag, the path and the accepted
/// extensions are named.
pub fn check_table_out(flag: &str, path: &Path) -> anyhow::Result<()> {
    // An existing folder is refused when the output is staged, as a folder: that says more
    // than its missing extension would.
    if path.is_dir() {
        return Ok(());
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext {
        Some(e) if TABLE_EXTENSIONS.contains(&e.as_str()) => Ok(()),
        // An existing folder gets the staging's own message ("is a directory").
        _ if path.is_dir() => Ok(()),
        _ => anyhow::bail!(
            "{flag} {}: a table is written as .csv or .parquet; name the file with one of \
             these extensions",
            path.display()
        ),
    }
}
