//! End-to-end tests of `erascore diagnostics` against fixtures/diagnostics, whose expected
//! values come from numerai-tools 0.7.2 (per era) and pandas/numpy (statistics) via
//! scripts/make_diagnostics_golden.py.
//!
//! Tolerances: per-era scores and their statistics agree to 1e-8 × max(1, |value|). The
//! fixture's targets are float32, as Numerai ships them, and numpy's float32 `pow` may be
//! 1 ulp off the correctly rounded value, which moves a CORR by up to ~3e-9; APY compounds
//! 20 such scores and raises the product to the power 49/20, and Calmar divides it, so those
//! two get 1e-7. Fed the reference's own per-era scores, every statistic agrees to 1e-11.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use erascore_engine::stats::{ApyOptions, EraStats, Stat};
use erascore_io::frame::read_frame;

use crate::common::{erascore, on_data, stderr};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/diagnostics")
}

fn fx(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

/// The full run the golden values describe, plus `extra` flags.
fn full_run(out: &Path, extra: &[&str]) -> Output {
    let out = out.display().to_string();
    let (data, preds, meta, bench, example, json) = (
        fx("data.parquet"),
        fx("predictions.parquet"),
        fx("meta_model.parquet"),
        fx("benchmark.parquet"),
        fx("example_preds.parquet"),
        fx("features.json"),
    );
    let mut args = on_data(
        "diagnostics",
        &data,
        &preds,
        &out,
        &[
            "--meta-model",
            &meta,
            "--benchmark",
            &bench,
            "--benchmark-column",
            "v5_lgbm_ender20",
            "--example-preds",
            &example,
            "--target",
            "target",
            "--target",
            "target_aux",
            "--features-json",
            &json,
            "--feature-set",
            "small",
            "--quiet",
        ],
    );
    args.extend_from_slice(extra);
    erascore(&args)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("json file");
    serde_json::from_str(&text).expect("valid json")
}

/// Largest scaled difference seen per statistic, for the report.
#[derive(Default)]
struct Diffs(HashMap<String, f64>);

impl Diffs {
    /// Checks `got` against `want` (null = NaN) within `tol × max(1, |want|)`.
    fn check(&mut self, label: &str, stat: &str, got: &Value, want: &Value, tol: f64) {
        match (got.as_f64(), want.as_f64()) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                let d = (g - w).abs() / w.abs().max(1.0);
                assert!(
                    d <= tol,
                    "{label}: got {g:e}, want {w:e}, scaled diff {d:e}"
                );
                let e = self.0.entry(stat.to_string()).or_insert(0.0);
                *e = e.max(d);
            }
            _ => panic!("{label}: got {got}, want {want}"),
        }
    }

    fn print(&self, what: &str) {
        let mut v: Vec<_> = self.0.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        eprintln!("{what}: largest scaled differences {v:?}");
    }
}

fn stat_tolerance(stat: &str) -> f64 {
    if stat == "apy" || stat == "calmar" {
        1e-7
    } else {
        1e-8
    }
}

#[test]
fn statistics_match_numpy_and_numerai_tools() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("diag");
    let run = full_run(&out, &["--threads", "2"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    // The compact table by default: one line per model and target, headline numbers only.
    assert!(stdout.contains("corr_sharpe") && stdout.contains("model_b"));
    assert!(!stdout.contains("smart_sharpe"), "{stdout}");
    assert!(stdout.lines().all(|l| l.len() < 120), "{stdout}");

    let got = read_json(&out.join("summary.json"));
    let want = read_json(&fixtures().join("expected_summary.json"));
    let want_models = want["models"].as_object().expect("models");
    let mut diffs = Diffs::default();
    let mut checked = 0;
    for (model, targets) in want_models {
        for (target, metrics) in targets.as_object().expect("targets") {
            for (metric, stats) in metrics.as_object().expect("metrics") {
                for (stat, w) in stats.as_object().expect("stats") {
                    let g = &got["models"][model][target][metric][stat];
                    // The golden holds every statistic of every metric; summary.json only
                    // those that mean something for the metric (no APY of fexp_max).
                    let known = Stat::ALL.into_iter().find(|s| s.name() == stat);
                    if known.is_some_and(|s| !s.applies_to(metric)) {
                        assert!(g.is_null(), "{model}/{target}/{metric}/{stat}: {g}");
                        continue;
                    }
                    let label = format!("{model}/{target}/{metric}/{stat}");
                    diffs.check(&label, stat, g, w, stat_tolerance(stat));
                    checked += 1;
                }
            }
            // Nothing extra: the same metrics, the same statistics.
            assert_eq!(
                got["models"][model][target]
                    .as_object()
                    .expect("got metrics")
                    .len(),
                metrics.as_object().expect("metrics").len()
            );
        }
    }
    let per_model: usize = want_models["model_a"]["target"]
        .as_object()
        .expect("metrics")
        .keys()
        .map(|m| erascore_engine::stats::stats_for(m).len())
        .sum();
    assert_eq!(checked, 2 * 2 * per_model);
    assert!(per_model > 9 * 7, "{per_model}");
    diffs.print("summary.json vs golden");
    assert!(got["not_computed"]
        .as_array()
        .expect("not_computed")
        .is_empty());
}

#[test]
fn per_era_files_match_numerai_tools() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("diag");
    let run = full_run(&out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let want = read_frame(&fixtures().join("expected_per_era.csv")).expect("expected csv");
    let key = |f: &erascore_io::frame::Frame, i: usize| -> (String, String, String) {
        (
            f.text("era").expect("era")[i].to_string(),
            f.text("model").expect("model")[i].to_string(),
            f.text("target").expect("target")[i].to_string(),
        )
    };
    let metrics: Vec<String> = want.names().into_iter().skip(3).collect();
    let mut diffs = Diffs::default();
    for file in ["per_era.csv", "per_era.parquet"] {
        let got = read_frame(&out.join(file)).expect("per-era output");
        assert_eq!(got.names(), want.names(), "{file} columns");
        assert_eq!(got.rows(), want.rows(), "{file} rows");
        let index: HashMap<_, usize> = (0..got.rows()).map(|i| (key(&got, i), i)).collect();
        for m in &metrics {
            let (g, _) = got.float(m).expect("got column");
            let (w, _) = want.float(m).expect("want column");
            for i in 0..want.rows() {
                let j = index[&key(&want, i)];
                let as_json =
                    |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
                let label = format!("{file} {:?} {m}", key(&want, i));
                diffs.check(&label, m, &as_json(g[j]), &as_json(w[i]), 1e-8);
            }
        }
    }
    diffs.print("per-era vs numerai-tools");
}

#[test]
fn statistics_are_exact_on_the_reference_scores() {
    // The statistics module fed numerai-tools' own per-era scores: only the statistics'
    // arithmetic differs from pandas/numpy here.
    let per_era = read_frame(&fixtures().join("expected_per_era.csv")).expect("csv");
    let want = read_json(&fixtures().join("expected_summary.json"));
    let (era, model, target) = (
        per_era.text("era").expect("era"),
        per_era.text("model").expect("model"),
        per_era.text("target").expect("target"),
    );
    let mut diffs = Diffs::default();
    for metric in per_era.names().into_iter().skip(3) {
        let (values, _) = per_era.float(&metric).expect("metric");
        for m in ["model_a", "model_b"] {
            for t in ["target", "target_aux"] {
                let mut rows: Vec<usize> = (0..per_era.rows())
                    .filter(|&i| &model[i] == m && &target[i] == t)
                    .collect();
                rows.sort_by(|&a, &b| era[a].cmp(&era[b]));
                let series: Vec<f64> = rows.iter().map(|&i| values[i]).collect();
                let stats = EraStats::new(&series, ApyOptions::default());
                for stat in Stat::ALL {
                    let got = serde_json::Number::from_f64(stats.get(stat))
                        .map_or(Value::Null, Value::Number);
                    let w = &want["models"][m][t][&metric][stat.name()];
                    let label = format!("{m}/{t}/{metric}/{}", stat.name());
                    diffs.check(&label, stat.name(), &got, w, 1e-11);
                }
            }
        }
    }
    diffs.print("statistics on reference scores");
}

#[test]
fn report_is_self_contained() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("diag");
    let run = full_run(&out, &["--wide"]);
    assert!(run.status.success(), "{}", stderr(&run));
    // --wide: every statistic, a line per metric; none that means nothing for the metric.
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("smart_sharpe"), "{stdout}");
    let fexp = stdout
        .lines()
        .find(|l| l.contains("fexp_max"))
        .expect("fexp_max line");
    let dashes = fexp.split_whitespace().filter(|c| *c == "-").count();
    assert_eq!(dashes, 7, "{fexp}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    // Two charts per model and target, inline, after the section of models overlaid.
    let (before, all_models) = html
        .split_once("<section id=\"all-models\">")
        .expect("an all-models section");
    let (overlays, after) = all_models.split_once("</section>").expect("section end");
    assert!(overlays.matches("<svg").count() >= 2, "{overlays}");
    let panels = format!("{before}{after}");
    assert_eq!(panels.matches("<svg").count(), 2 * 2 * 2);
    assert!(html.contains("model_a on <code>target_aux</code>"));
    for bad in [
        "<script",
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "url(http",
        "@import",
        "<link",
        "<img",
    ] {
        assert!(!html.contains(bad), "report.html contains {bad}");
    }
    let png = std::fs::read(out.join("summary.png")).expect("summary.png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn missing_optional_inputs_are_left_out_and_said_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("bare");
    let out_s = out.display().to_string();
    let (data, preds) = (fx("data.parquet"), fx("predictions.parquet"));
    let (json, set) = (fx("features.json"), "small");
    let run = erascore(&on_data(
        "diagnostics",
        &data,
        &preds,
        &out_s,
        &["--features-json", &json, "--feature-set", set],
    ));
    let err = stderr(&run);
    assert!(run.status.success(), "{err}");
    assert_eq!(err.matches("not computed").count(), 1, "{err}");
    for named in ["mmc", "bmc", "corr_with_example", "payout", "--meta-model"] {
        assert!(err.contains(named), "{named} not mentioned: {err}");
    }
    let got = read_json(&out.join("summary.json"));
    let want = read_json(&fixtures().join("expected_summary.json"));
    let metrics = got["models"]["model_a"]["target"]
        .as_object()
        .expect("metrics");
    let names: Vec<&str> = metrics.keys().map(String::as_str).collect();
    let mut expected = vec!["corr", "corr_tb200", "fexp_max", "fnc", "spearman"];
    expected.sort_unstable();
    assert_eq!(names, expected);
    // The metrics that were computed are the same as in the full run.
    let mut diffs = Diffs::default();
    for m in ["model_a", "model_b"] {
        for stat in ["mean", "sharpe", "max_drawdown", "smart_sharpe"] {
            let label = format!("{m}/corr/{stat}");
            diffs.check(
                &label,
                stat,
                &got["models"][m]["target"]["corr"][stat],
                &want["models"][m]["target"]["corr"][stat],
                1e-8,
            );
        }
    }
    assert_eq!(got["not_computed"].as_array().expect("list").len(), 3);
}

#[test]
fn payout_multipliers_are_configurable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("diag");
    let run = full_run(&out, &["--corr-multiplier", "1", "--mmc-multiplier", "0.5"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let per_era = read_frame(&out.join("per_era.csv")).expect("per_era.csv");
    let (corr, _) = per_era.float("corr").expect("corr");
    let (mmc, _) = per_era.float("mmc").expect("mmc");
    let (payout, _) = per_era.float("payout").expect("payout");
    for i in 0..per_era.rows() {
        assert!((payout[i] - (corr[i] + 0.5 * mmc[i])).abs() < 1e-15);
    }
    let got = read_json(&out.join("summary.json"));
    assert_eq!(got["payout"]["mmc_multiplier"], 0.5);
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("never");
    let out_s = out.display().to_string();
    let data = fx("data.parquet");
    let preds = fx("predictions.parquet");

    let missing = dir.path().join("no_such_predictions.csv");
    let missing_s = missing.display().to_string();
    let (bench, meta) = (fx("benchmark.parquet"), fx("meta_model.parquet"));
    // Each case: data, predictions, further flags, and what the error must name.
    let cases: [(&str, &str, &[&str], &[&str]); 5] = [
        // A missing file is named.
        (&data, &missing_s, &[], &["no_such_predictions.csv"]),
        // An unknown target is named, with the file.
        (
            &data,
            &preds,
            &["--target", "target,target_nope"],
            &["target_nope", "data.parquet"],
        ),
        // A benchmark file with several columns needs --benchmark-column; the columns are
        // listed.
        (
            &data,
            &preds,
            &["--benchmark-models", &bench],
            &["v5_lgbm_ender20", "--benchmark-column"],
        ),
        // A missing meta-model column is named.
        (
            &data,
            &preds,
            &["--meta-model", &meta, "--meta-model-column", "mm_nope"],
            &["mm_nope", "meta_model.parquet"],
        ),
        // Bad numbers are refused before any file is read.
        (
            "nowhere.parquet",
            "nowhere.csv",
            &["--max-filtered-ratio", "1.5"],
            &["--max-filtered-ratio"],
        ),
    ];
    for (data, preds, extra, names) in cases {
        let args = on_data("diagnostics", data, preds, &out_s, extra);
        let run = erascore(&args);
        let err = stderr(&run);
        assert!(!run.status.success(), "{args:?}");
        assert!(names.iter().all(|n| err.contains(n)), "{args:?}: {err}");
    }

    // Failed runs leave nothing behind, and nothing panicked.
    assert!(!out.exists());
}
