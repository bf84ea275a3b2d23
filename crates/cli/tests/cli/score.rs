//! End-to-end tests of `erascore score`: golden values from numerai-tools 0.7.2
//! (scripts/make_score_golden.py -> fixtures/score), thread-count independence, and the
//! errors a user gets for bad input.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use erascore_io::frame::{read_frame, write_frame, Column, Frame, Values};
use erascore_io::{FloatWidth, Strings};

use crate::common::{erascore, on_data};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/score")
}

fn fx(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

const METRICS: &str = "corr,corr_tb200,mmc,bmc,fnc,spearman,pearson,fexp_max";

fn score_fixture(out: &Path, threads: &str) -> Output {
    score_fixture_with(out, threads, "predictions.csv", &[])
}

fn score_fixture_with(
    out: &Path,
    threads: &str,
    predictions: &str,
    env: &[(&str, &str)],
) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erascore"))
        .envs(env.iter().copied())
        .args([
            "--threads",
            threads,
            "score",
            "--data",
            &fx("data.parquet"),
            "--predictions",
            &fx(predictions),
            "--meta-model",
            &fx("meta_model.parquet"),
            "--benchmark",
            &fx("benchmark.parquet"),
            "--benchmark-column",
            "v5_lgbm",
            "--target",
            "target,target_aux,target_f64",
            "--metrics",
            METRICS,
            "--out",
            &out.display().to_string(),
            "--quiet",
        ])
        .output()
        .expect("run erascore")
}

fn rows_by_key(path: &Path) -> HashMap<(String, String, String), HashMap<String, f64>> {
    let f = read_frame(path).unwrap();
    let (era, model, target) = (
        f.text("era").unwrap(),
        f.text("model").unwrap(),
        f.text("target").unwrap(),
    );
    let mut out = HashMap::new();
    for i in 0..f.rows() {
        let mut m = HashMap::new();
        for name in METRICS.split(',') {
            m.insert(name.to_string(), f.float(name).unwrap().0[i]);
        }
        out.insert(
            (
                era[i].to_string(),
                model[i].to_string(),
                target[i].to_string(),
            ),
            m,
        );
    }
    out
}

/// Compares a score run with `expected{prefix}_<target>.csv` and returns the largest
/// difference per target kind (float32 targets, float64 target).
fn check_golden(out: &Path, prefix: &str) -> (f64, f64) {
    let got = rows_by_key(out);
    let mut checked = 0;
    let mut worst = (0.0f64, 0.0f64);
    for target in ["target", "target_aux", "target_f64"] {
        // numpy's vectorised float32 pow is within 1 ulp of ours, which moves scores on
        // float32 targets by up to a few 1e-9; on the float64 target the differences are
        // summation order only (measured <= 2e-15), so 1e-13 leaves room and still catches
        // any real divergence.
        let f64_target = target == "target_f64";
        let tol = if f64_target { 1e-13 } else { 1e-8 };
        let expected = rows_by_key(&fixtures().join(format!("expected{prefix}_{target}.csv")));
        assert_eq!(expected.len(), 15);
        for (key, want) in &expected {
            let have = got
                .get(key)
                .unwrap_or_else(|| panic!("missing row {key:?}"));
            for (metric, w) in want {
                let h = have[metric];
                if w.is_nan() {
                    assert!(h.is_nan(), "{key:?} {metric}: expected NaN, got {h}");
                } else {
                    let d = (w - h).abs();
                    assert!(d <= tol, "{key:?} {metric}: expected {w}, got {h}");
                    let slot = if f64_target {
                        &mut worst.1
                    } else {
                        &mut worst.0
                    };
                    *slot = slot.max(d);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 15 * 8);
    worst
}

#[test]
fn matches_numerai_tools_golden_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    let run = score_fixture(&out, "2");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let worst = check_golden(&out, "");
    eprintln!(
        "largest difference: float32 targets {:.1e}, float64 {:.1e}",
        worst.0, worst.1
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("model 'model_flat' is constant in era '0003'"),
        "{stderr}"
    );
    // The summary table names every model.
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("model_ties") && stdout.contains("sharpe") && stdout.contains("corr_tb200"),
        "{stdout}"
    );
}

/// Regression (issue 9): with predictions for 88% of each era's rows, numerai_corr centres
/// the target over the whole era, not over the predicted rows (corr, corr_tb200 and fnc were
/// off by ~1e-3).
#[test]
fn partial_coverage_matches_numerai_tools() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    let run = score_fixture_with(&out, "2", "predictions_partial.csv", &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let worst = check_golden(&out, "_partial");
    eprintln!(
        "largest difference: float32 targets {:.1e}, float64 {:.1e}",
        worst.0, worst.1
    );
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.csv");
    let two = dir.path().join("two.csv");
    assert!(score_fixture(&one, "1").status.success());
    assert!(score_fixture(&two, "2").status.success());
    assert_eq!(std::fs::read(one).unwrap(), std::fs::read(two).unwrap());
}

#[test]
fn parquet_output_matches_csv_output() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let pq = dir.path().join("s.parquet");
    assert!(score_fixture(&csv, "2").status.success());
    assert!(score_fixture(&pq, "2").status.success());
    let (a, b) = (rows_by_key(&csv), rows_by_key(&pq));
    assert_eq!(a.len(), b.len());
    for (k, v) in &a {
        for (m, x) in v {
            let y = b[k][m];
            assert!(x == &y || (x.is_nan() && y.is_nan()), "{k:?} {m}");
        }
    }
}

/// Runs a failing command and returns its stderr; asserts nothing was written to `out`.
fn fails(args: &[&str], out: &Path) -> String {
    let run = erascore(args);
    assert!(!run.status.success(), "expected failure for {args:?}");
    assert!(!out.exists(), "--out was written by a failed run");
    let err = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn basic_args<'a>(data: &'a str, preds: &'a str, out: &'a str) -> Vec<&'a str> {
    args_with_metrics(data, preds, out, "corr")
}

fn args_with_metrics<'a>(
    data: &'a str,
    preds: &'a str,
    out: &'a str,
    metrics: &'a str,
) -> Vec<&'a str> {
    on_data(
        "score",
        data,
        preds,
        out,
        &["--metrics", metrics, "--quiet"],
    )
}

fn write_preds(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

/// Predictions CSV for every id of the fixture, with `edit` applied to the lines.
fn fixture_preds(dir: &Path, name: &str, edit: impl Fn(usize, String) -> Option<String>) -> String {
    let text = std::fs::read_to_string(fixtures().join("predictions.csv")).unwrap();
    let body: Vec<String> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            if i == 0 {
                Some(l.to_string())
            } else {
                edit(i, l.to_string())
            }
        })
        .collect();
    write_preds(dir, name, &(body.join("\n") + "\n"))
}

#[test]
fn bad_input_gives_clear_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out.csv");
    let out_s = out.display().to_string();
    let data = fx("data.parquet");
    let preds = fx("predictions.csv");

    let e = fails(&basic_args("/no/such/data.parquet", &preds, &out_s), &out);
    assert!(e.contains("/no/such/data.parquet"), "{e}");

    let mut a = basic_args(&data, &preds, &out_s);
    a.extend(["--target", "target_nope"]);
    let e = fails(&a, &out);
    assert!(
        e.contains("target_nope") && e.contains("data.parquet"),
        "{e}"
    );

    let dup = fixture_preds(d, "dup.csv", |i, l| {
        Some(if i == 2 { format!("{l}\n{l}") } else { l })
    });
    let e = fails(&basic_args(&data, &dup, &out_s), &out);
    assert!(
        e.contains("appears more than once") && e.contains("dup.csv"),
        "{e}"
    );

    let nan = fixture_preds(d, "nan.csv", |i, l| {
        Some(if i == 5 {
            let mut f: Vec<&str> = l.split(',').collect();
            f[1] = "nan";
            f.join(",")
        } else {
            l
        })
    });
    let e = fails(&basic_args(&data, &nan, &out_s), &out);
    assert!(e.contains("model_a") && e.contains("finite"), "{e}");

    let text = fixture_preds(d, "text.csv", |i, l| {
        Some(if i == 7 {
            let mut f: Vec<&str> = l.split(',').collect();
            f[2] = "high";
            f.join(",")
        } else {
            l
        })
    });
    let e = fails(&basic_args(&data, &text, &out_s), &out);
    assert!(e.contains("text.csv:8") && e.contains("high"), "{e}");

    let ragged = fixture_preds(d, "ragged.csv", |i, l| {
        Some(if i == 9 { format!("{l},0.3") } else { l })
    });
    let e = fails(&basic_args(&data, &ragged, &out_s), &out);
    assert!(e.contains("ragged.csv:10"), "{e}");

    let few = fixture_preds(d, "few.csv", |i, l| (i % 2 == 0).then_some(l));
    let e = fails(&basic_args(&data, &few, &out_s), &out);
    assert!(e.contains("overlap"), "{e}");

    let corrupt = d.join("corrupt.parquet");
    let bytes = std::fs::read(fixtures().join("data.parquet")).unwrap();
    std::fs::write(&corrupt, &bytes[..bytes.len() / 3]).unwrap();
    let e = fails(
        &basic_args(&corrupt.display().to_string(), &preds, &out_s),
        &out,
    );
    assert!(e.contains("corrupt.parquet"), "{e}");

    let stakes = write_preds(d, "stakes.csv", "model,stake\nmodel_a,-5\n");
    let mut a = args_with_metrics(&data, &preds, &out_s, "mmc");
    a.extend(["--stakes", &stakes]);
    let e = fails(&a, &out);
    assert!(e.contains("stakes.csv") && e.contains("model_a"), "{e}");

    let zero = write_preds(d, "zero.csv", "model,stake\nmodel_a,0\nmodel_ties,0\n");
    let mut a = args_with_metrics(&data, &preds, &out_s, "mmc");
    a.extend(["--stakes", &zero]);
    let e = fails(&a, &out);
    assert!(e.contains("zero"), "{e}");

    let a = args_with_metrics(&data, &preds, &out_s, "corr,mmc");
    let e = fails(&a, &out);
    assert!(e.contains("--meta-model"), "{e}");
}

#[test]
fn an_era_with_one_row_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids: Strings = (0..6).map(|i| format!("id{i}")).collect();
    let eras = ["a", "a", "a", "a", "a", "b"].into_iter().collect();
    let data = Frame::new(
        d.join("data.parquet"),
        vec![
            Column {
                name: "id".into(),
                values: Values::Text(ids.clone()),
            },
            Column {
                name: "era".into(),
                values: Values::Text(eras),
            },
            Column {
                name: "target".into(),
                values: Values::Float(vec![0.0, 0.25, 0.5, 0.75, 1.0, 0.5], FloatWidth::F64),
            },
        ],
    )
    .unwrap();
    write_frame(&d.join("data.parquet"), &data).unwrap();
    let preds = write_preds(
        d,
        "p.csv",
        &format!(
            "id,m\n{}",
            ids.iter()
                .enumerate()
                .map(|(i, id)| format!("{id},{}\n", i as f64 / 10.0))
                .collect::<String>()
        ),
    );
    let out = d.join("o.csv");
    let e = fails(
        &basic_args(
            &d.join("data.parquet").display().to_string(),
            &preds,
            &out.display().to_string(),
        ),
        &out,
    );
    assert!(e.contains("era 'b'") && e.contains("1 scorable row"), "{e}");
}

/// The golden values (full and partial coverage) hold on every CPU path this machine
/// supports, pinned through the environment as a user would: each Gram kernel at each
/// vector width, not only the one the CPU picks by default.
#[test]
fn golden_values_hold_on_every_cpu_path() {
    let paths = erascore_kernels::cpu::supported();
    assert!(!paths.is_empty());
    for p in paths {
        let gram = p.gram.expect("pinned").env_name();
        let simd = p.simd.name();
        let env = [("ERASCORE_KERNEL", gram), ("ERASCORE_SIMD", simd)];
        for (predictions, prefix) in [
            ("predictions.csv", ""),
            ("predictions_partial.csv", "_partial"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("scores.csv");
            let run = score_fixture_with(&out, "2", predictions, &env);
            assert!(
                run.status.success(),
                "{gram}/{simd}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            let worst = check_golden(&out, prefix);
            eprintln!("{gram}/{simd} {predictions}: largest difference {:.1e} (float32 targets), {:.1e} (float64)", worst.0, worst.1);
        }
    }
}

/// `--timings` names the kernels that ran; a pinned path shows up there.
#[test]
fn timings_name_the_kernels_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_erascore"))
        .env("ERASCORE_KERNEL", "f32")
        .env("ERASCORE_SIMD", "scalar")
        .args([
            "score",
            "--data",
            &fx("data.parquet"),
            "--predictions",
            &fx("predictions.csv"),
            "--target",
            "target",
            "--metrics",
            "corr,fnc",
            "--out",
            &out.display().to_string(),
            "--quiet",
            "--timings",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // Five eras: five factorizations, each with a neutralization, all on the pinned paths.
    assert!(
        stderr.contains("kernels: gram f32-gemm x5; simd scalar x10"),
        "{stderr}"
    );
}

/// A path this CPU lacks, or a value that names no path, is refused like a bad flag value.
#[test]
fn unavailable_or_unknown_cpu_paths_are_refused() {
    use erascore_kernels::gram::GramKernel;
    let mut refused: Vec<(&str, &str)> =
        vec![("ERASCORE_KERNEL", "avx9"), ("ERASCORE_SIMD", "sse9")];
    refused.extend(
        GramKernel::ALL
            .into_iter()
            .filter(|k| !k.available())
            .map(|k| ("ERASCORE_KERNEL", k.env_name())),
    );
    refused.extend(
        erascore_kernels::cpu::SimdLevel::ALL
            .into_iter()
            .filter(|l| !l.available())
            .map(|l| ("ERASCORE_SIMD", l.name())),
    );
    for (var, value) in refused {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("scores.csv");
        let run = score_fixture_with(&out, "1", "predictions.csv", &[(var, value)]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(stderr.contains(&format!("{var}={value}")), "{stderr}");
        assert!(!out.exists());
    }
}

/// `--benchmark` is the flag group `diagnostics` and `compare` take: without
/// `--benchmark-column` the column named `benchmark` (or the file's only numeric one) is
/// read, `--benchmark-models` is its other name, and a file of several numeric columns
/// needs the column named.
#[test]
fn benchmark_column_defaults_as_in_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = read_frame(Path::new(&fx("benchmark.parquet"))).unwrap();
    let (values, width) = fixture.float("v5_lgbm").unwrap();
    let reversed: Vec<f64> = values.iter().rev().copied().collect();
    // A benchmark file of two numeric columns: the fixture's, and the same reversed.
    let write = |name: &str, first: &str, second: &str| {
        let path = dir.path().join(name);
        let float = |name: &str, v: &[f64]| Column {
            name: name.into(),
            values: Values::Float(v.to_vec(), width),
        };
        let id = Column {
            name: "id".into(),
            values: Values::Text(fixture.text("id").unwrap().into_owned()),
        };
        let columns = vec![id, float(second, &reversed), float(first, &values)];
        write_frame(&path, &Frame::new(&path, columns).unwrap()).unwrap();
        path.display().to_string()
    };
    let preferred = write("preferred.parquet", "benchmark", "other");
    let ambiguous = write("ambiguous.parquet", "v5_lgbm", "other");

    let named = dir.path().join("named.csv");
    assert!(score_fixture(&named, "2").status.success());
    let defaulted = dir.path().join("defaulted.csv");
    let (data, preds, meta) = (
        fx("data.parquet"),
        fx("predictions.csv"),
        fx("meta_model.parquet"),
    );
    let out = defaulted.display().to_string();
    let run = erascore(&on_data(
        "score",
        &data,
        &preds,
        &out,
        &[
            "--meta-model",
            &meta,
            "--benchmark-models",
            &preferred,
            "--target",
            "target,target_aux,target_f64",
            "--metrics",
            METRICS,
            "--quiet",
        ],
    ));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (a, b) = (rows_by_key(&named), rows_by_key(&defaulted));
    assert_eq!(a.len(), b.len());
    let mut finite = 0;
    for (k, v) in &a {
        let (x, y) = (v["bmc"], b[k]["bmc"]);
        assert_eq!(x.to_bits(), y.to_bits(), "{k:?}");
        finite += usize::from(x.is_finite());
    }
    assert!(finite > 0);

    let failed = dir.path().join("failed.csv");
    let out = failed.display().to_string();
    let mut args = args_with_metrics(&data, &preds, &out, "corr,bmc");
    args.extend(["--benchmark", &ambiguous]);
    let err = fails(&args, &failed);
    assert!(
        err.contains("v5_lgbm") && err.contains("other") && err.contains("--benchmark-column"),
        "{err}"
    );
}
