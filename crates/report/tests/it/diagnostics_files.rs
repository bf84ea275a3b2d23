//! The diagnostics folder: every file written, the per-era table and summary.json holding
//! the numbers they were given.

use erascore_engine::stats::PayoutWeights;
use erascore_io::frame::read_frame;
use erascore_report::{write_diagnostics, RunInfo, OUTPUT_FILES};

use crate::common::group;

#[test]
fn every_file_is_written_with_the_numbers_given() {
    let dir = tempfile::tempdir().unwrap();
    let corr = [0.02, -0.01, 0.03, f64::NAN];
    let mmc = [0.01, 0.0, -0.02, 0.01];
    let groups = [group("model_a", &corr, &mmc), group("model_b", &mmc, &corr)];
    let info = RunInfo {
        data: "data.parquet".into(),
        predictions: "predictions.csv".into(),
        eras: 4,
        omitted: vec!["bmc (no benchmark)".into()],
        weights: PayoutWeights::default(),
        unresolved: vec![],
    };
    write_diagnostics(dir.path(), &groups, &info).unwrap();
    for name in OUTPUT_FILES {
        let len = std::fs::metadata(dir.path().join(name)).unwrap().len();
        assert!(len > 0, "{name} is empty");
    }
    // The long table: a row per era of each group, the values as given (NaN kept).
    let frame = read_frame(&dir.path().join("per_era.parquet")).unwrap();
    let column = |name: &str| frame.float(name).unwrap().0.to_vec();
    let want: Vec<f64> = corr.iter().chain(&mmc).copied().collect();
    let got = column("corr");
    assert_eq!(got.len(), 8);
    for (g, w) in got.iter().zip(&want) {
        assert!(g.to_bits() == w.to_bits(), "{got:?} vs {want:?}");
    }
    // summary.json: the mean over the eras where corr is defined.
    let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mean = json["models"]["model_a"]["target"]["corr"]["mean"]
        .as_f64()
        .unwrap();
    assert!((mean - (0.02 - 0.01 + 0.03) / 3.0).abs() < 1e-15, "{mean}");
    assert_eq!(json["not_computed"][0], "bmc (no benchmark)");
    assert_eq!(json["eras"], 4);
}
