//! Helpers every module shares: diagnostics of a model and target built from known series.

use erascore_engine::diagnostics::{MetricSeries, ModelTarget, PAYOUT};
use erascore_engine::stats::{ApyOptions, EraStats};

/// One metric's series over `values.len()` eras, with its statistics.
pub fn series(name: &str, values: Vec<f64>) -> MetricSeries {
    MetricSeries {
        name: name.into(),
        stats: EraStats::new(&values, ApyOptions::default()),
        values,
    }
}

/// `model` on `target` over eras 0001..: corr and mmc as given, the payout score
/// 0.5 corr + 2 mmc.
pub fn group(model: &str, corr: &[f64], mmc: &[f64]) -> ModelTarget {
    let payout: Vec<f64> = corr
        .iter()
        .zip(mmc)
        .map(|(c, m)| 0.5 * c + 2.0 * m)
        .collect();
    ModelTarget {
        model: model.into(),
        target: "target".into(),
        eras: (1..=corr.len()).map(|e| format!("{e:04}")).collect(),
        metrics: vec![
            series("corr", corr.to_vec()),
            series("mmc", mmc.to_vec()),
            series(PAYOUT, payout),
        ],
    }
}
