//! What `diagnostics` computes, for every front end (the CLI command, `erascore.diagnostics`
//! in Python): which metrics the inputs allow, and every statistic of every metric of every
//! model and target over the eras, with the payout score. Formatting and files are the
//! report crate's.

use crate::metrics::Metric;
use crate::score::{by_model, ScoreReport};
use crate::stats::{payout_scores, ApyOptions, EraStats, PayoutWeights};

/// Name of the payout-score series.
pub const PAYOUT: &str = "payout";

/// The metrics the inputs allow, in report order, and a note per left-out group.
pub fn metric_set(
    top_bottom: usize,
    meta: bool,
    benchmark: bool,
    example: bool,
    features: bool,
) -> (Vec<Metric>, Vec<String>) {
    let mut metrics = vec![Metric::Corr];
    let mut omitted = Vec::new();
    if meta {
        metrics.push(Metric::Mmc);
    } else {
        omitted.push(format!(
            "mmc, mmc_tb{top_bottom} and {PAYOUT} (no --meta-model)"
        ));
    }
    if benchmark {
        metrics.push(Metric::Bmc);
    } else {
        omitted.push("bmc (no --benchmark)".to_string());
    }
    if features {
        metrics.extend([Metric::Fnc, Metric::FeatureExposureMax]);
    } else {
        omitted.push("fnc and fexp_max (the data has no feature_* columns)".to_string());
    }
    metrics.push(Metric::CorrTopBottom(top_bottom));
    if meta {
        metrics.push(Metric::MmcTopBottom(top_bottom));
    }
    metrics.push(Metric::Spearman);
    if example {
        metrics.push(Metric::CorrWithExample);
    } else {
        omitted.push("corr_with_example (no --example-preds)".to_string());
    }
    (metrics, omitted)
}

/// One per-era metric of one model and target, with its statistics.
#[derive(Debug, Clone)]
pub struct MetricSeries {
    /// Metric name (`corr`, ..., `payout`).
    pub name: String,
    /// One value per era of the group, NaN where undefined.
    pub values: Vec<f64>,
    /// Statistics over the eras.
    pub stats: EraStats,
}

/// Everything diagnostics knows about one model against one target.
#[derive(Debug, Clone)]
pub struct ModelTarget {
    /// Model (prediction column).
    pub model: String,
    /// Target column.
    pub target: String,
    /// Eras, in order.
    pub eras: Vec<String>,
    /// Metrics in report order, the payout score last.
    pub metrics: Vec<MetricSeries>,
}

impl ModelTarget {
    /// The series of metric `name`, if computed.
    pub fn metric(&self, name: &str) -> Option<&MetricSeries> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

/// Groups the engine's rows by model and target and computes every statistic.
pub fn summarise(
    scored: &ScoreReport,
    weights: PayoutWeights,
    with_payout: bool,
) -> Vec<ModelTarget> {
    let apy = ApyOptions::default();
    let corr_at = scored.metrics.iter().position(|m| *m == Metric::Corr);
    let mmc_at = scored.metrics.iter().position(|m| *m == Metric::Mmc);
    by_model(scored)
        .into_iter()
        .map(|((model, target), rows)| {
            let column = |k: usize| -> Vec<f64> { rows.iter().map(|r| r.values[k]).collect() };
            let mut metrics: Vec<MetricSeries> = scored
                .metrics
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    let values = column(k);
                    MetricSeries {
                        name: m.name(),
                        stats: EraStats::new(&values, apy),
                        values,
                    }
                })
                .collect();
            if let (true, Some(c), Some(m)) = (with_payout, corr_at, mmc_at) {
                let values = payout_scores(&column(c), &column(m), weights);
                metrics.push(MetricSeries {
                    name: PAYOUT.to_string(),
                    stats: EraStats::new(&values, apy),
                    values,
                });
            }
            ModelTarget {
                eras: rows.iter().map(|r| r.era.clone()).collect(),
                model,
                target,
                metrics,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_set_follows_inputs() {
        let (all, none) = metric_set(200, true, true, true, true);
        let names: Vec<String> = all.iter().map(Metric::name).collect();
        assert_eq!(
            names.join(","),
            "corr,mmc,bmc,fnc,fexp_max,corr_tb200,mmc_tb200,spearman,corr_with_example"
        );
        assert!(none.is_empty());
        let (bare, omitted) = metric_set(50, false, false, false, false);
        let names: Vec<String> = bare.iter().map(Metric::name).collect();
        assert_eq!(names.join(","), "corr,corr_tb50,spearman");
        assert_eq!(omitted.len(), 4);
        assert!(omitted[0].contains("mmc_tb50"));
    }
}
