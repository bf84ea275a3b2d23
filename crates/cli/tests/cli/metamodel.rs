//! `erascore metamodel --weighting naive`: the Crypto meta model, hand-checked.

#![allow(clippy::unwrap_used)]

use std::process::Output;

use erascore_io::frame::read_frame;

use crate::common::{erascore, metamodel};

/// ndtri(0.875) and ndtri(0.625): the gaussianized ranks of four distinct values.
const G_OUTER: f64 = 1.150_349_380_376_007_9;
const G_INNER: f64 = 0.318_639_363_964_375_14;

fn run(weighting: &[&str]) -> (Output, Vec<(String, f64)>) {
    let dir = tempfile::tempdir().unwrap();
    let preds = dir.path().join("p.csv");
    // Model b (stake 0.5) would pull the mean towards its own order.
    std::fs::write(&preds, "id,a,b,c\nw,1,4,4\nx,2,3,3\ny,3,2,1\nz,4,1,2\n").unwrap();
    let stakes = dir.path().join("s.csv");
    std::fs::write(&stakes, "model,stake\na,5\nb,0.5\nc,2\n").unwrap();
    let out = dir.path().join("m.csv");
    let mut args = metamodel(
        preds.to_str().unwrap(),
        stakes.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    args.extend_from_slice(weighting);
    let o = erascore(&args);
    if !o.status.success() {
        return (o, Vec::new());
    }
    let f = read_frame(&out).unwrap();
    let ids = f.text("id").unwrap().into_owned();
    let (v, _) = f.float("numerai_meta_model").unwrap();
    let rows = ids
        .iter()
        .map(|s| s.to_string())
        .zip(v.iter().copied())
        .collect();
    (o, rows)
}

#[test]
fn naive_weighting_averages_the_models_staked_with_at_least_one_nmr() {
    let (o, rows) = run(&["--weighting", "naive"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // a: (-G_OUTER, -G_INNER, G_INNER, G_OUTER); c: (G_OUTER, G_INNER, -G_OUTER, -G_INNER).
    let want = [
        0.0,
        0.0,
        (G_INNER - G_OUTER) / 2.0,
        (G_OUTER - G_INNER) / 2.0,
    ];
    for ((id, got), w) in rows.iter().zip(want) {
        assert!((got - w).abs() < 1e-15, "{id}: {got} vs {w}");
    }
    // A lower minimum lets b in: three equal weights.
    let (_, rows) = run(&["--weighting", "naive", "--min-stake", "0.1"]);
    let want_w = (-G_OUTER + G_OUTER + G_OUTER) / 3.0;
    assert!((rows[0].1 - want_w).abs() < 1e-15, "{rows:?}");
    // Stake weighting (the default) keeps b with its stake.
    let (_, rows) = run(&[]);
    let want_w = (-5.0 * G_OUTER + 0.5 * G_OUTER + 2.0 * G_OUTER) / 7.5;
    assert!((rows[0].1 - want_w).abs() < 1e-15, "{rows:?}");
}

#[test]
fn min_stake_errors() {
    let (o, _) = run(&["--weighting", "naive", "--min-stake", "10"]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--min-stake") && e.contains("10"), "{e}");
    let (o, _) = run(&["--min-stake", "-1"]);
    assert_eq!(o.status.code(), Some(2));
    let (o, _) = run(&["--weighting", "equal"]);
    assert_eq!(o.status.code(), Some(2));
}
