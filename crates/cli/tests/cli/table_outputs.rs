//! Every command that writes a table refuses an output whose extension names no table
//! format (`x.txt` was once written as CSV without a word): exit 2, the flag and the
//! accepted extensions named, nothing written.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use crate::common::{erascore, fixture, metamodel, on_data};

fn fx(name: &str) -> String {
    fixture(&format!("example/{name}"))
}

#[test]
fn unknown_table_extensions_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("x.txt");
    let o = out.display().to_string();
    let (data, preds, stakes) = (
        fx("data.parquet"),
        fx("predictions.parquet"),
        fx("stakes.csv"),
    );
    let submission = dir.path().join("sub.csv");
    std::fs::write(&submission, "id,prediction\na,0.2\nb,0.7\nc,0.5\n").unwrap();
    let sub = submission.display().to_string();
    let scores = dir.path().join("scores.csv");
    std::fs::write(&scores, "era,model,corr,mmc\n0001,m,0.01,0.0\n").unwrap();
    let sc = scores.display().to_string();
    // `score` and `neutralize` take the same inputs.
    let mut cases: Vec<(Vec<&str>, &str)> = ["score", "neutralize"]
        .into_iter()
        .map(|command| (on_data(command, &data, &preds, &o, &[]), "--out"))
        .collect();
    cases.extend([
        (metamodel(&preds, &stakes, &o), "--out"),
        (
            vec![
                "payout", "--scores", &sc, "--stake", "100", "--rule", "2024", "--out", &o,
            ],
            "--out",
        ),
        (
            vec!["validate", "--tournament", "classic", &sub, "--clean", &o],
            "--clean",
        ),
    ]);
    for (args, flag) in cases {
        let r = erascore(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "{flag} {o}: a table is written as .csv or .parquet"
            )),
            "{args:?}: {err}"
        );
        assert!(!out.exists(), "{args:?}");
    }
}

/// `score --layout wide` holds the long table's numbers, bit for bit: one row per era, a
/// column per model and metric.
#[test]
fn score_wide_layout_pivots_the_long_table() {
    use erascore_io::frame::read_frame;
    let dir = tempfile::tempdir().unwrap();
    let run = |layout: &str, out: &Path| {
        let r = erascore(&on_data(
            "score",
            &fx("data.parquet"),
            &fx("predictions.parquet"),
            &out.display().to_string(),
            &["--metrics", "corr,fnc", "--layout", layout, "--quiet"],
        ));
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        read_frame(out).unwrap()
    };
    let long = run("long", &dir.path().join("long.csv"));
    let wide = run("wide", &dir.path().join("wide.parquet"));
    let (era, model) = (long.text("era").unwrap(), long.text("model").unwrap());
    let wide_eras = wide.text("era").unwrap();
    assert_eq!(wide.rows(), 12);
    assert_eq!(wide.names().len(), 1 + 3 * 2, "{:?}", wide.names());
    let mut checked = 0;
    for metric in ["corr", "fnc"] {
        let values = long.float(metric).unwrap().0;
        for i in 0..long.rows() {
            let column = wide.float(&format!("{}/{metric}", &model[i])).unwrap().0;
            let row = wide_eras.iter().position(|e| e == &era[i]).unwrap();
            assert_eq!(column[row].to_bits(), values[i].to_bits());
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * 12 * 3);
}
