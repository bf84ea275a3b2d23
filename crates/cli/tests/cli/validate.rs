//! End-to-end tests of `erascore validate` against numerai-tools 0.7.2's verdicts on the
//! same files (scripts/make_validate_fixtures.py -> fixtures/validate): every hand-made
//! submission is accepted or refused as `validate_submission_*` does, the problems name the
//! row or id at fault, and `--clean` writes what `clean_submission(rank_and_fill=True)`
//! returns.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use erascore_io::frame::read_frame;
use serde_json::Value;

use crate::common::erascore;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/validate")
}

fn fx(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

fn verdicts() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(fixtures().join("verdicts.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn verdicts_and_clean_output_match_numerai_tools() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut max_diff = 0.0f64;
    for (case, want) in verdicts() {
        let tournament = want["tournament"].as_str().unwrap();
        let out = dir.path().join(format!("{case}.csv"));
        let o = erascore(&[
            "validate",
            "--tournament",
            tournament,
            &fx(&format!("{case}.csv")),
            "--live-ids",
            &fx(&format!("live_{tournament}.csv")),
            "--clean",
            &out.display().to_string(),
        ]);
        let stdout = String::from_utf8_lossy(&o.stdout);
        let valid = want["valid"].as_bool().unwrap();
        let code = o.status.code();
        compared += 1;
        if code != Some(if valid { 0 } else { 1 }) {
            failures.push(format!(
                "{case}: exit {code:?}, numerai-tools says {} ({}); stdout: {stdout}",
                if valid { "valid" } else { "invalid" },
                want["error"].as_str().unwrap_or("")
            ));
            continue;
        }
        if !valid {
            // One line per problem, each naming the file; nothing written.
            if stdout.lines().count() == 0 || out.exists() {
                failures.push(format!("{case}: no problem lines or a clean file written"));
            }
            continue;
        }
        let f = read_frame(&out).unwrap();
        let ids: Vec<String> = f.text(&f.names()[0]).unwrap().to_vec();
        let got = f.float(&f.names()[1]).unwrap().0.into_owned();
        let want_ids: Vec<String> = want["clean_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let want_values: Vec<f64> = want["clean_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        if ids != want_ids {
            failures.push(format!("{case}: clean ids differ"));
        }
        for (g, w) in got.iter().zip(&want_values) {
            max_diff = max_diff.max((g - w).abs());
        }
        if got.len() != want_values.len() || max_diff > 1e-15 {
            failures.push(format!("{case}: clean values differ (max {max_diff:e})"));
        }
    }
    eprintln!("validate: {compared} files, clean values max |diff| = {max_diff:e}");
    assert!(compared >= 30, "{compared}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn problems(args: &[&str]) -> (Option<i32>, Vec<String>) {
    let o = erascore(args);
    let lines = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (o.status.code(), lines)
}

#[test]
fn problems_name_rows_and_ids() {
    let live = fx("live_classic.csv");
    let (code, lines) = problems(&[
        "validate",
        "--tournament",
        "classic",
        &fx("classic_out_of_range.csv"),
        "--live-ids",
        &live,
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with("row 6 (id 'n005'): prediction 1.2 is outside [0, 1]"),
        "{lines:?}"
    );
    let (_, lines) = problems(&[
        "validate",
        "--tournament",
        "classic",
        &fx("classic_duplicate_live.csv"),
        "--live-ids",
        &live,
    ]);
    assert!(
        lines[0].ends_with("id 'n002': appears 2 times (rows 3, 11)"),
        "{lines:?}"
    );
    let (_, lines) = problems(&[
        "validate",
        "--tournament",
        "classic",
        &fx("classic_missing_live.csv"),
        "--live-ids",
        &live,
    ]);
    assert!(
        lines[0].contains("9 rows with a live id, at least 10"),
        "{lines:?}"
    );
    let (_, lines) = problems(&[
        "validate",
        "--tournament",
        "classic",
        &fx("classic_not_a_number.csv"),
    ]);
    assert!(
        lines[0].ends_with("row 5 (id 'n004'): prediction 'abc' is not a number"),
        "{lines:?}"
    );
}

#[test]
fn bad_flags_exit_2_and_remap_writes_mapped_ids() {
    let o = erascore(&[
        "validate",
        "--tournament",
        "tennis",
        &fx("classic_valid.csv"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // Signals submission by numerai_ticker, cleaned onto the live file's `weight` column
    // as ids (any column of the universe can be the destination).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.csv");
    let o = erascore(&[
        "validate",
        "--tournament",
        "signals",
        &fx("signals_valid.csv"),
        "--live-ids",
        &fx("live_signals.csv"),
        "--clean",
        &out.display().to_string(),
        "--clean-id-column",
        "weight",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let f = read_frame(&out).unwrap();
    assert_eq!(f.names(), vec!["weight", "signal"]);
    // Every ticker maps to "1.0": after dropping duplicates one row is left.
    assert_eq!(f.rows(), 1);
}
