//! `erascore validate`: numerai-tools' submission checks, one line per problem, and the
//! cleaned submission Numerai would score.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use erascore_io::frame::{read_frame, write_frame_unstaged, Column, Frame, Values};
use erascore_io::output::OutputFiles;
use erascore_io::{FloatWidth, Strings};
use erascore_submission::{clean, validate, Tournament};

use crate::common::{check_outputs, check_table_out, usage};

/// Flags of `erascore validate`.
#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
    /// Whose rules apply: classic (id, prediction), signals (ticker, signal) or crypto
    /// (symbol, signal).
    #[arg(long, value_enum)]
    pub tournament: TournamentArg,
    /// The submission (CSV or parquet).
    pub submission: PathBuf,
    /// The live universe: a CSV or parquet file with the submission's id column (or a
    /// single column). Without it the submission's own ids are the universe, so coverage
    /// is not checked.
    #[arg(long)]
    pub live_ids: Option<PathBuf>,
    /// Write the cleaned submission here (.csv or .parquet): one row per live id, sorted,
    /// tie-kept ranked, 0.5 where nothing was submitted. Written only when valid.
    #[arg(long)]
    pub clean: Option<PathBuf>,
    /// With --clean: write the ids of this column of the --live-ids file instead (the
    /// universe maps each submitted id to it, as numerai-tools' remap_ids).
    #[arg(long, requires_all = ["live_ids", "clean"])]
    pub clean_id_column: Option<String>,
}

/// `--tournament` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TournamentArg {
    /// The classic tournament.
    Classic,
    /// Numerai Signals.
    Signals,
    /// Numerai Crypto.
    Crypto,
}

impl From<TournamentArg> for Tournament {
    fn from(t: TournamentArg) -> Self {
        match t {
            TournamentArg::Classic => Tournament::Classic,
            TournamentArg::Signals => Tournament::Signals,
            TournamentArg::Crypto => Tournament::Crypto,
        }
    }
}

/// Runs `erascore validate`: problems to stdout, warnings to stderr; an error (exit 1)
/// when the submission is invalid.
pub fn run(args: &ValidateArgs) -> anyhow::Result<()> {
    let tournament: Tournament = args.tournament.into();
    // --clean is checked before anything is read: naming an input would overwrite it with
    // ranks, and an unusable path is a usage error, not a verdict on the submission.
    let mut staged = OutputFiles::new();
    let clean_tmp = match &args.clean {
        Some(out) => Some(
            check_outputs(
                &[("--clean", out)],
                &[
                    ("SUBMISSION", Some(&args.submission)),
                    ("--live-ids", args.live_ids.as_deref()),
                ],
            )
            .and_then(|()| check_table_out("--clean", out))
            .and_then(|()| staged.stage(out).context("--clean"))
            .map_err(usage)?,
        ),
        None => None,
    };
    let submission = read_frame(&args.submission)?;
    let live = args
        .live_ids
        .as_deref()
        .map(|p| read_frame(p).map(|f| (p, f)))
        .transpose()?;
    // The universe is read by the submission's id column, which the checks identify.
    let first_pass = validate(tournament, &submission, None);
    let universe: Option<Vec<String>> = match (&live, &first_pass.id_column) {
        (Some((path, frame)), Some(col)) => Some(universe_ids(path, frame, col)?),
        _ => None,
    };
    let v = match &universe {
        Some(u) => validate(tournament, &submission, Some(u)),
        None => first_pass,
    };
    for w in &v.warnings {
        eprintln!("warning: {}: {w}", args.submission.display());
    }
    let name = args.submission.display();
    if !v.is_valid() {
        for p in &v.problems {
            println!("{name}: {p}");
        }
        bail!(
            "{name}: invalid {} submission ({} problem{})",
            tournament_name(tournament),
            v.problems.len(),
            if v.problems.len() == 1 { "" } else { "s" }
        );
    }
    let (Some(id_col), Some(pred_col)) = (&v.id_column, &v.prediction_column) else {
        bail!("{name}: no id or prediction column");
    };
    if let (Some(out), Some(tmp)) = (&args.clean, &clean_tmp) {
        let pairs: Vec<(String, String)> = match (&live, &args.clean_id_column) {
            (Some((path, frame)), Some(dst)) => {
                let src = universe_ids(path, frame, id_col)?;
                let dst_ids = frame
                    .text(dst)
                    .with_context(|| "--clean-id-column".to_string())?;
                src.into_iter()
                    .zip(dst_ids.iter().map(str::to_string))
                    .collect()
            }
            _ => {
                let ids: Vec<String> = match &universe {
                    Some(u) => u.clone(),
                    None => v.rows.iter().filter_map(|(id, _)| id.clone()).collect(),
                };
                ids.into_iter().map(|i| (i.clone(), i)).collect()
            }
        };
        let cleaned = clean(&v.rows, &pairs);
        let out_id = args.clean_id_column.as_deref().unwrap_or(id_col);
        write_frame_unstaged(tmp, &clean_frame(out, out_id, pred_col, &cleaned)?, out)?;
        staged.commit()?;
    }
    let live_rows = match &universe {
        Some(u) => {
            let set: std::collections::HashSet<&str> = u.iter().map(String::as_str).collect();
            v.rows
                .iter()
                .filter(|(id, _)| id.as_deref().is_some_and(|i| set.contains(i)))
                .count()
        }
        None => v.rows.len(),
    };
    println!(
        "{name}: valid {} submission: {live_rows} live rows (columns '{id_col}', '{pred_col}')",
        tournament_name(tournament)
    );
    Ok(())
}

fn tournament_name(t: Tournament) -> &'static str {
    match t {
        Tournament::Classic => "classic",
        Tournament::Signals => "signals",
        Tournament::Crypto => "crypto",
    }
}

/// The universe's ids: `column` of the live-ids file, or its only column.
fn universe_ids(path: &Path, frame: &Frame, column: &str) -> anyhow::Result<Vec<String>> {
    let names = frame.names();
    let col = if frame.has(column) {
        column.to_string()
    } else if names.len() == 1 {
        names[0].clone()
    } else {
        bail!(
            "{}: no '{column}' column (columns: {}); the live ids need the submission's id column",
            path.display(),
            names.join(", ")
        );
    };
    Ok(frame.text(&col)?.iter().map(str::to_string).collect())
}

fn clean_frame(
    path: &Path,
    id_col: &str,
    pred_col: &str,
    rows: &[(String, f64)],
) -> anyhow::Result<Frame> {
    let ids: Strings = rows.iter().map(|(id, _)| id.as_str()).collect();
    let values: Vec<f64> = rows.iter().map(|(_, v)| *v).collect();
    Ok(Frame::new(
        path,
        vec![
            Column {
                name: id_col.to_string(),
                values: Values::Text(ids),
            },
            Column {
                name: pred_col.to_string(),
                values: Values::Float(values, FloatWidth::F64),
            },
        ],
    )?)
}
