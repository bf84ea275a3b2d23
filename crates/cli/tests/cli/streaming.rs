//! The streaming pipeline end to end: era windows read only their row groups and score
//! exactly what a full run scores for those eras; a file whose eras are scattered over its
//! row groups scores exactly as the grouped file; results do not depend on the thread count
//! or on how many eras a batch holds; an era larger than the memory budget is a clear error.

#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Output;

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::common::{erascore, on_data, s};

fn ok(args: &[&str]) -> String {
    let o = erascore(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{args:?}: {err}");
    err
}

/// 12 eras of 150 rows, 20 features, one era per row group (synth rounds its row groups
/// up to whole eras).
fn synth(dir: &Path) -> PathBuf {
    let out = dir.join("synth");
    ok(&[
        "synth",
        "--eras",
        "12",
        "--rows",
        "150",
        "--features",
        "20",
        "--row-group-rows",
        "100",
        "--out",
        &s(&out),
        "--quiet",
    ]);
    out
}

/// Runs `score` with CORR, MMC, FNC and feature exposure (features decoded for two metric
/// families) and returns the CSV and stderr.
fn score(data: &Path, syn: &Path, out: &Path, extra: &[&str]) -> (String, String) {
    let mut args = vec![
        "score".to_string(),
        "--data".into(),
        s(data),
        "--predictions".into(),
        s(&syn.join("predictions.parquet")),
        "--meta-model".into(),
        s(&syn.join("meta_model.parquet")),
        "--metrics".into(),
        "corr,mmc,fnc,fexp_max".into(),
        "--out".into(),
        s(out),
        "--timings".into(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = ok(&refs);
    (std::fs::read_to_string(out).unwrap(), err)
}

/// Runs `command` on the data and predictions of the synthetic archive `syn`, writing `out`,
/// with `extra` flags.
fn on_synth(command: &str, syn: &Path, out: &Path, extra: &[&str]) -> Output {
    let (data, preds, out) = (
        s(&syn.join("data.parquet")),
        s(&syn.join("predictions.parquet")),
        s(out),
    );
    erascore(&on_data(command, &data, &preds, &out, extra))
}

fn rows_of<'a>(csv: &'a str, eras: &[&str]) -> Vec<&'a str> {
    csv.lines()
        .skip(1)
        .filter(|l| eras.iter().any(|e| l.starts_with(&format!("{e},"))))
        .collect()
}

#[test]
fn era_windows_score_their_eras_and_read_only_their_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let syn = synth(dir.path());
    let data = syn.join("data.parquet");
    let (full, err) = score(&data, &syn, &dir.path().join("full.csv"), &[]);
    assert!(err.contains("12 row group(s)"), "{err}");
    for (window, eras) in [
        ("0003..0005", vec!["0003", "0004", "0005"]),
        ("last:2", vec!["0011", "0012"]),
        ("0007,0002", vec!["0002", "0007"]),
    ] {
        let out = dir.path().join("window.csv");
        let (csv, err) = score(&data, &syn, &out, &["--eras", window]);
        let want = rows_of(&full, &eras);
        assert_eq!(want.len(), eras.len() * 3, "{window}");
        assert_eq!(csv.lines().skip(1).collect::<Vec<_>>(), want, "{window}");
        // One era per row group: the window reads as many row groups as it has eras, and
        // decodes the 20 features of each once.
        let groups = format!(
            "{} row group(s) hold the eras scored, {} ",
            eras.len(),
            eras.len()
        );
        assert!(err.contains(&groups), "{window}: {err}");
    }
    // A listed era the file lacks is bad data (exit 1); a malformed window a bad flag (2).
    let o = on_synth(
        "score",
        &syn,
        &dir.path().join("x.csv"),
        &["--eras", "0013"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("era '0013'") && err.contains("not in the file"),
        "{err}"
    );
    let o = on_synth(
        "score",
        &syn,
        &dir.path().join("x.csv"),
        &["--eras", "last:0"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("x.csv").exists());
}

/// The rows of `data` (one era per row group) dealt out ten at a time from each era in
/// turn, in row groups of 64 rows: every row group holds rows of several eras, and every
/// era's rows are spread over the file.
fn scatter(data: &Path, out: &Path) {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(data).unwrap())
        .unwrap()
        .with_batch_size(150)
        .build()
        .unwrap();
    let eras: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert!(eras.len() == 12 && eras.iter().all(|b| b.num_rows() == 150));
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(64))
        .build();
    let mut w =
        ArrowWriter::try_new(File::create(out).unwrap(), eras[0].schema(), Some(props)).unwrap();
    for start in (0..150).step_by(10) {
        for era in &eras {
            w.write(&era.slice(start, 10)).unwrap();
        }
    }
    w.close().unwrap();
}

#[test]
fn scattered_eras_thread_counts_and_batch_sizes_give_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let syn = synth(dir.path());
    let data = syn.join("data.parquet");
    let (grouped, err) = score(&data, &syn, &dir.path().join("grouped.csv"), &[]);
    assert!(err.contains("grouped by era"), "{err}");
    let scattered = dir.path().join("scattered.parquet");
    scatter(&data, &scattered);
    let (csv, err) = score(&scattered, &syn, &dir.path().join("scattered.csv"), &[]);
    assert!(err.contains("scattered"), "{err}");
    assert_eq!(csv, grouped);
    // A window of a scattered file.
    let (csv, err) = score(
        &scattered,
        &syn,
        &dir.path().join("scattered_window.csv"),
        &["--eras", "0004..0006"],
    );
    assert_eq!(
        csv.lines().skip(1).collect::<Vec<_>>(),
        rows_of(&grouped, &["0004", "0005", "0006"])
    );
    // Rows 30..60 of every 120 are eras 4-6: 22 of the 29 row groups hold some.
    assert!(err.contains("22 row group(s)"), "{err}");
    // Scoring an era takes ~42 KB here: 50K holds one era per batch, 100K two (one
    // thread) or one (two threads), 1G four (two per thread).
    for (threads, budget) in [("1", "50K"), ("2", "100K"), ("1", "100K"), ("2", "1G")] {
        let (csv, _) = score(
            &data,
            &syn,
            &dir.path().join("threads.csv"),
            &["--threads", threads, "--memory-budget", budget],
        );
        assert_eq!(csv, grouped, "--threads {threads} --memory-budget {budget}");
    }
}

#[test]
fn an_era_larger_than_the_memory_budget_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let syn = synth(dir.path());
    let out = dir.path().join("diag");
    let o = on_synth("diagnostics", &syn, &out, &["--memory-budget", "20K"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("era '0001' alone needs about")
            && err.contains("150 rows x 20 features")
            && err.contains("memory budget of 20 KB (--memory-budget)"),
        "{err}"
    );
    assert!(!out.exists());
    // A CORR-only run decodes no feature, so no era is too large for it.
    let corr = dir.path().join("corr.csv");
    let o = on_synth(
        "score",
        &syn,
        &corr,
        &["--metrics", "corr", "--memory-budget", "20K"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = on_synth("score", &syn, &corr, &["--memory-budget", "lots"]);
    assert_eq!(o.status.code(), Some(2));
}
