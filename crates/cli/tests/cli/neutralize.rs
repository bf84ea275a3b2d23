//! End-to-end tests of `erascore neutralize`: per-era values equal numerai-tools 0.7.2's
//! (scripts/make_neutralize_golden.py -> fixtures/neutralize) against every feature, a
//! feature set and a neutralizers file; a submission passes `erascore validate`; bad flags
//! exit 2 and bad data 1, naming what is wrong, with nothing written.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use erascore_io::frame::read_frame;

use crate::common::{erascore, on_data, stderr};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn fx(dir: &str, name: &str) -> String {
    root().join(dir).join(name).display().to_string()
}

/// (id, era) -> one value per column after id and era.
type Values = HashMap<(String, String), Vec<f64>>;

fn values(path: &Path) -> (Vec<String>, Values) {
    let f = read_frame(path).unwrap();
    let names: Vec<String> = f
        .names()
        .into_iter()
        .filter(|n| n != "id" && n != "era")
        .collect();
    let ids = f.text("id").unwrap();
    let eras = f.text("era").unwrap();
    let columns: Vec<Vec<f64>> = names
        .iter()
        .map(|n| f.float(n).unwrap().0.into_owned())
        .collect();
    let mut out = HashMap::new();
    for i in 0..f.rows() {
        out.insert(
            (ids[i].to_string(), eras[i].to_string()),
            columns.iter().map(|c| c[i]).collect(),
        );
    }
    (names, out)
}

fn neutralize(out: &Path, predictions: &str, proportion: &str, extra: &[&str]) -> Output {
    let out = out.display().to_string();
    let data = fx("score", "data.parquet");
    let preds = fx("score", predictions);
    let mut args = vec![
        "neutralize",
        "--data",
        &data,
        "--predictions",
        &preds,
        "--proportion",
        proportion,
        "--out",
        &out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    erascore(&args)
}

fn assert_golden(out: &Path, expected: &str) {
    let (names, got) = values(out);
    let (expected_names, want) = values(&root().join("neutralize").join(expected));
    assert_eq!(names, expected_names);
    assert_eq!(got.len(), want.len());
    let mut max_diff = 0f64;
    let mut nan = 0;
    for (key, w) in &want {
        let g = got.get(key).unwrap_or_else(|| panic!("{key:?} missing"));
        for (m, (a, b)) in g.iter().zip(w).enumerate() {
            if b.is_nan() {
                assert!(a.is_nan(), "{key:?} {}: {a} vs NaN", names[m]);
                nan += 1;
                continue;
            }
            max_diff = max_diff.max((a - b).abs());
            assert!((a - b).abs() <= 1e-9, "{key:?} {}: {a} vs {b}", names[m]);
        }
    }
    eprintln!("{expected}: max |diff| {max_diff:e}, {nan} NaN");
}

#[test]
fn every_feature_at_half_proportion_matches_numerai_tools() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("n.csv");
    let o = neutralize(&out, "predictions_partial.csv", "0.5", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // model_flat is constant in era 0003: NaN there, with a warning naming model and era.
    assert!(
        stderr(&o).contains("model 'model_flat' is constant in era '0003'"),
        "{}",
        stderr(&o)
    );
    assert_golden(&out, "expected_all_p0.5.csv");
}

#[test]
fn feature_set_and_neutralizers_file_match_numerai_tools() {
    let dir = tempfile::tempdir().unwrap();
    let json = fx("neutralize", "features.json");
    let out = dir.path().join("small.parquet");
    let o = neutralize(
        &out,
        "predictions.csv",
        "1",
        &["--features-json", &json, "--feature-set", "small"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_golden(&out, "expected_small_p1.csv");
    // The same set named column by column gives the same bits.
    let named = dir.path().join("named.parquet");
    let o = neutralize(
        &named,
        "predictions.csv",
        "1",
        &[
            "--features",
            "feature_00,feature_03,feature_07,feature_11,feature_14",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bits = |p: &Path| {
        let (_, v) = values(p);
        let mut v: Vec<_> = v
            .into_iter()
            .map(|(k, x)| (k, x.iter().map(|f| f.to_bits()).collect::<Vec<_>>()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(bits(&out), bits(&named));

    let file = dir.path().join("file.csv");
    let neutralizers = fx("neutralize", "neutralizers.csv");
    let o = neutralize(
        &file,
        "predictions.csv",
        "0.75",
        &["--neutralizers", &neutralizers],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_golden(&file, "expected_file_p0.75.csv");
}

#[test]
fn submission_is_ranked_per_era_and_passes_validate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("submission.csv");
    let o = neutralize(
        &out,
        "predictions.csv",
        "0.5",
        &["--submission", "--model", "model_a"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let f = read_frame(&out).unwrap();
    assert_eq!(f.names(), vec!["id", "prediction"]);
    let v = validate(&out);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // Each era's values are the tie-kept ranks of the full neutralization's values there.
    let full = dir.path().join("full.csv");
    let o = neutralize(&full, "predictions.csv", "0.5", &["--models", "model_a"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, neutral) = values(&full);
    let ids = f.text("id").unwrap();
    let submitted = f.float("prediction").unwrap().0;
    let by_id: HashMap<&str, f64> = ids.iter().zip(submitted.iter().copied()).collect();
    let mut eras: HashMap<&str, Vec<(f64, f64)>> = HashMap::new();
    for ((id, era), v) in &neutral {
        eras.entry(era)
            .or_default()
            .push((v[0], by_id[id.as_str()]));
    }
    assert_eq!(eras.len(), 5);
    for rows in eras.values() {
        let n = rows.len() as f64;
        for (value, rank) in rows {
            let below = rows.iter().filter(|(x, _)| x < value).count() as f64;
            let equal = rows.iter().filter(|(x, _)| x == value).count() as f64;
            let want = (below + (equal + 1.0) / 2.0 - 0.5) / n;
            assert!((rank - want).abs() < 1e-15, "{rank} vs {want}");
            assert!(*rank > 0.0 && *rank < 1.0);
        }
    }
}

fn validate(submission: &Path) -> Output {
    erascore(&[
        "validate",
        "--tournament",
        "classic",
        &submission.display().to_string(),
        "--live-ids",
        &fx("score", "data.parquet"),
    ])
}

#[test]
fn bad_flags_exit_2_and_bad_data_1_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("n.csv");
    let cases: Vec<(Vec<&str>, &str, i32, &str)> = vec![
        (
            vec![],
            "1.5",
            2,
            "--proportion: must be a number in [0, 1], got 1.5",
        ),
        (
            vec!["--submission"],
            "1",
            2,
            "--model: a submission holds one model",
        ),
        (
            vec!["--submission", "--model", "model_b"],
            "1",
            1,
            "--model: 'model_b' is not a prediction column",
        ),
        (
            vec!["--submission", "--models", "model_flat"],
            "1",
            1,
            "era '0003', model 'model_flat': the predictions are constant",
        ),
        (
            vec!["--features", "feature_00,feature_99"],
            "1",
            1,
            "feature_99",
        ),
    ];
    for (extra, proportion, code, message) in cases {
        let o = neutralize(&out, "predictions.csv", proportion, &extra);
        assert_eq!(o.status.code(), Some(code), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{extra:?}: {}", stderr(&o));
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    }
    let txt = dir.path().join("n.txt");
    let o = neutralize(&txt, "predictions.csv", "1", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".csv or .parquet"), "{}", stderr(&o));
    assert!(!txt.exists());

    // A prediction id the data lacks: named, exit 1, nothing written.
    let preds = dir.path().join("preds.csv");
    let mut text = std::fs::read_to_string(root().join("score/predictions.csv")).unwrap();
    text.push_str("n_not_in_data,0.5,0.5,0.5\n");
    std::fs::write(&preds, text).unwrap();
    let o = erascore(&on_data(
        "neutralize",
        &fx("score", "data.parquet"),
        &preds.display().to_string(),
        &out.display().to_string(),
        &[],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("id 'n_not_in_data' has no row in"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    // A neutralizers file without some predicted rows: the id and era are named.
    let partial = dir.path().join("neutralizers.csv");
    let text = std::fs::read_to_string(root().join("neutralize/neutralizers.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let dropped = lines.remove(5);
    std::fs::write(&partial, lines.join("\n") + "\n").unwrap();
    let o = neutralize(
        &out,
        "predictions.csv",
        "1",
        &["--neutralizers", &partial.display().to_string()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let mut cells = dropped.split(',');
    let (id, era) = (cells.next().unwrap(), cells.next().unwrap());
    assert!(
        stderr(&o).contains(&format!("no row for id '{id}' in era '{era}'")),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
