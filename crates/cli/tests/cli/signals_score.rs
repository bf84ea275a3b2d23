//! End-to-end tests of the Signals metrics of `erascore score`: per-era values from
//! numerai-tools 0.7.2 (scripts/make_signals_score_golden.py -> fixtures/signals_score) and
//! the errors a user gets for Signals inputs that do not fit.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use erascore_io::frame::read_frame;

use crate::common::{erascore, fixture, on_data, stderr};

fn fx(name: &str) -> String {
    fixture(&format!("signals_score/{name}"))
}

/// (era, model) -> values of `columns`, from a CSV of ours or of the golden script.
fn table(path: &Path, columns: &[&str]) -> Vec<((String, String), Vec<f64>)> {
    let f = read_frame(path).unwrap();
    let eras = f.text("era").unwrap().into_owned();
    let models = f.text("model").unwrap().into_owned();
    let cols: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| f.float(c).unwrap().0.into_owned())
        .collect();
    let mut out: Vec<_> = (0..f.rows())
        .map(|i| {
            (
                (eras[i].to_string(), models[i].to_string()),
                cols.iter().map(|c| c[i]).collect(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn compare(got: &Path, expected: &str, columns: &[&str]) {
    let g = table(got, columns);
    let e = table(Path::new(&fx(expected)), columns);
    assert_eq!(g.len(), e.len());
    let mut finite = 0;
    for ((kg, vg), (ke, ve)) in g.iter().zip(&e) {
        assert_eq!(kg, ke);
        for ((a, b), c) in vg.iter().zip(ve).zip(columns) {
            if b.is_nan() {
                assert!(a.is_nan(), "{kg:?} {c}: {a} vs NaN");
            } else {
                finite += 1;
                assert!((a - b).abs() <= 1e-9, "{kg:?} {c}: {a} vs {b}");
            }
        }
    }
    // Every metric has values to compare (the first era has no previous submission).
    assert!(finite >= columns.len() * 9, "{finite}");
}

fn out_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const METRICS: &str = "nc,ncontrib,alpha,mpc,churn,churn_tb40,neutral_churn,turnover";

fn signals_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "score",
        "--data",
        &fx("data.parquet"),
        "--predictions",
        &fx("predictions.csv"),
        "--neutralizers",
        &fx("neutralizers.csv"),
        "--sample-weights",
        &fx("sample_weights.csv"),
        "--previous",
        &fx("previous.csv"),
        "--stakes",
        &fx("stakes.csv"),
        "--meta-model",
        &fx("meta_model.csv"),
        "--quiet",
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn run(args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    erascore(&refs)
}

#[test]
fn signals_metrics_match_numerai_tools() {
    let dir = out_dir();
    let out = dir.path().join("scores.csv");
    let o = run(&signals_args(
        out.to_str().unwrap(),
        &["--metrics", METRICS],
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("no rows in era '0001'"), "{stderr}");
    let cols: Vec<&str> = METRICS.split(',').collect();
    compare(&out, "expected.csv", &cols);
}

/// Several --previous files: each churn and turnover metric is the max over them (the
/// Signals stake rule looks at the last five submissions).
#[test]
fn several_previous_submissions_give_the_max() {
    let dir = out_dir();
    let out = dir.path().join("scores.csv");
    let prev2 = fx("previous2.csv");
    let o = run(&signals_args(
        out.to_str().unwrap(),
        &[
            "--metrics",
            "churn,churn_tb40,neutral_churn,turnover",
            "--previous",
            &prev2,
        ],
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    compare(
        &out,
        "expected_max.csv",
        &["churn", "churn_tb40", "neutral_churn", "turnover"],
    );
}

#[test]
fn features_are_the_default_neutralizers_and_weights_default_to_one() {
    let dir = out_dir();
    let out = dir.path().join("scores.parquet");
    let o = erascore(&on_data(
        "score",
        &fx("data.parquet"),
        &fx("predictions.csv"),
        out.to_str().unwrap(),
        &[
            "--stakes",
            &fx("stakes.csv"),
            "--metrics",
            "nc,alpha,mpc",
            "--quiet",
        ],
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    compare(&out, "expected_features.csv", &["nc", "alpha", "mpc"]);
}

/// Writes `name` in `dir` with the fixture `from`'s rows, `edit` applied to its lines.
fn edited(dir: &Path, from: &str, name: &str, edit: impl Fn(&str) -> Option<String>) -> PathBuf {
    let text = std::fs::read_to_string(fx(from)).unwrap();
    let lines: Vec<String> = text.lines().filter_map(&edit).collect();
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// Scores `metrics` into `out` with the fixture file of `flag` swapped for `file`, which
/// must be a data error (exit 1); returns its message.
fn data_error(out: &Path, metrics: &str, flag: &str, file: &Path) -> String {
    let mut args = signals_args(out.to_str().unwrap(), &["--metrics", metrics]);
    let at = args.iter().position(|a| a == flag).unwrap();
    args[at + 1] = file.display().to_string();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    stderr(&o)
}

#[test]
fn a_file_without_eras_is_refused_when_the_data_has_several() {
    let dir = out_dir();
    // Drop the era column (the second) of the neutralizers.
    let n = edited(dir.path(), "neutralizers.csv", "n.csv", |l| {
        let mut cells: Vec<&str> = l.split(',').collect();
        cells.remove(1);
        Some(cells.join(","))
    });
    let out = dir.path().join("s.csv");
    let e = data_error(&out, "nc", "--neutralizers", &n);
    assert!(
        e.contains("--neutralizers") && e.contains("no era column") && e.contains("4 eras"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn a_scored_row_without_neutralizers_names_id_and_era() {
    let dir = out_dir();
    let text = std::fs::read_to_string(fx("predictions.csv")).unwrap();
    // A ticker predicted in era 0002: drop its neutralizer row there.
    let victim = text
        .lines()
        .skip(1)
        .find(|l| l.split(',').nth(1) == Some("0002"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .unwrap();
    let prefix = format!("{victim},0002,");
    let n = edited(dir.path(), "neutralizers.csv", "n.csv", |l| {
        (!l.starts_with(&prefix)).then(|| l.to_string())
    });
    let out = dir.path().join("s.csv");
    let e = data_error(&out, "alpha", "--neutralizers", &n);
    assert!(
        e.contains(&format!("id '{victim}'")) && e.contains("era '0002'"),
        "{e}"
    );
}

#[test]
fn nan_sample_weight_and_missing_previous_model_are_errors() {
    let dir = out_dir();
    let w = edited(dir.path(), "sample_weights.csv", "w.csv", |l| {
        Some(if l.contains(",0003,") && l.starts_with("T0") {
            let mut c: Vec<&str> = l.split(',').collect();
            c[2] = "nan";
            c.join(",")
        } else {
            l.to_string()
        })
    });
    let out = dir.path().join("s.csv");
    let e = data_error(&out, "alpha", "--sample-weights", &w);
    assert!(
        e.contains("weight")
            && e.contains("NaN")
            && e.contains("in era '0003'")
            && e.contains("sample weights must be finite"),
        "{e}"
    );

    // The previous submission lacks model_ties.
    let p = edited(dir.path(), "previous.csv", "p.csv", |l| {
        let c: Vec<&str> = l.split(',').collect();
        Some(c[..4].join(","))
    });
    let e = data_error(&out, "churn", "--previous", &p);
    assert!(
        e.contains("--previous") && e.contains("'model_ties'"),
        "{e}"
    );
}

#[test]
fn metrics_without_their_inputs_are_usage_errors() {
    let dir = out_dir();
    let out = dir.path().join("s.csv");
    for (metrics, flag) in [("mpc", "--stakes"), ("turnover", "--previous")] {
        let o = erascore(&on_data(
            "score",
            &fx("data.parquet"),
            &fx("predictions.csv"),
            out.to_str().unwrap(),
            &["--metrics", metrics],
        ));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{}", stderr(&o));
    }
}

/// `synth --tournament signals` writes what every Signals metric reads: scoring it gives
/// values in every era that has a previous submission.
#[test]
fn synthetic_signals_data_scores_end_to_end() {
    let dir = out_dir();
    let data = dir.path().join("synth");
    let o = erascore(&[
        "synth",
        "--tournament",
        "signals",
        "--eras",
        "3",
        "--rows",
        "300",
        "--neutralizers",
        "5",
        "--models",
        "3",
        "--quiet",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = |name: &str| data.join(name).display().to_string();
    let out = dir.path().join("s.csv");
    let o = erascore(&on_data(
        "score",
        &f("data.parquet"),
        &f("predictions.parquet"),
        out.to_str().unwrap(),
        &[
            "--neutralizers",
            &f("neutralizers.parquet"),
            "--sample-weights",
            &f("sample_weights.parquet"),
            "--previous",
            &f("previous.parquet"),
            "--stakes",
            &f("stakes.csv"),
            "--metrics",
            METRICS,
            "--quiet",
        ],
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let cols: Vec<&str> = METRICS.split(',').collect();
    let rows = table(&out, &cols);
    assert_eq!(rows.len(), 9);
    for ((era, model), v) in &rows {
        for (x, c) in v.iter().zip(&cols) {
            let needs_previous = c.contains("churn") || *c == "turnover";
            if era == "0001" && needs_previous {
                assert!(x.is_nan(), "{era} {model} {c}: {x}");
            } else {
                assert!(x.is_finite(), "{era} {model} {c}: {x}");
            }
        }
        // Consecutive submissions share most of their ranking.
        if era != "0001" {
            assert!(v[4] > 0.0 && v[4] < 1.0, "{era} {model} churn {}", v[4]);
        }
    }
}

/// `diagnostics` takes the same Signals inputs and computes the same per-era values as
/// `score` (numerai-tools' numbers), besides its classic metrics.
#[test]
fn diagnostics_computes_the_signals_metrics() {
    let dir = out_dir();
    let out = dir.path().join("diag");
    let mut args = signals_args(out.to_str().unwrap(), &[]);
    args[0] = "diagnostics".into();
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    // The compact table's Signals headline; turnover and the rest are in summary.json.
    assert!(stdout.contains("alpha_mean"), "{stdout}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"turnover\""), "{summary}");
    let cols = [
        "nc",
        "ncontrib",
        "alpha",
        "mpc",
        "churn",
        "neutral_churn",
        "turnover",
    ];
    compare(&out.join("per_era.csv"), "expected.csv", &cols);

    // Sample weights alone weight nothing here: a usage error, before anything is read.
    let out2 = dir.path().join("diag2");
    let o = erascore(&on_data(
        "diagnostics",
        &fx("data.parquet"),
        &fx("predictions.csv"),
        out2.to_str().unwrap(),
        &["--sample-weights", &fx("sample_weights.csv")],
    ));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--neutralizers"));
    assert!(!out2.exists());
}
