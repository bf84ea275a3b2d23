//! Every command that writes a table refuses an output whose extension names no table
//! format (`x.txt` was once written as CSV without a word): exit 2, the flag and the
//! accepted extensions named, nothing written.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use crate::common::fixture;

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
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "score",
                "--data",
                &data,
                "--predictions",
                &preds,
                "--out",
                &o,
            ],
            "--out",
        ),
        (
            vec![
                "neutralize",
                "--data",
                &data,
                "--predictions",
                &preds,
                "--out",
                &o,
            ],
            "--out",
        ),
        (
            vec![
                "metamodel",
                "--predictions",
                &preds,
                "--stakes",
                &stakes,
                "--out",
                &o,
            ],
            "--out",
        ),
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
    ];
    for (args, flag) in cases {
        let r = Command::new(env!("CARGO_BIN_EXE_erascore"))
            .args(&args)
            .output()
            .unwrap();
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
