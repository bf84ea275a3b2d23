//! What `diagnostics` computes, for every front end (the CLI command, `erascore.diagnostics`
//! in Python): which metrics the inputs allow, and every statistic of every metric of every
//! model and target over the eras, with the payout score. Formatting and files are the
//! report crate's.

use crate::input::{Input, Message};
use crate::message;
use crate::metrics::Metric;
use crate::score::{by_model, ScoreReport};
use crate::stats::{payout_scores, ApyOptions, EraStats, PayoutWeights};

/// Name of the payout-score series.
pub const PAYOUT: &str = "payout";

/// Which inputs a diagnostics run has, deciding the metrics it computes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Available {
    /// A meta model (a file, or stakes to build it from): mmc, mmc_tbN, the payout score.
    pub meta_model: bool,
    /// A benchmark column: bmc.
    pub benchmark: bool,
    /// Example predictions: corr_with_example.
    pub example: bool,
    /// Feature columns in the data: fnc, fexp_max.
    pub features: bool,
    /// Signals neutralizers: nc, alpha, and ncontrib with a meta model, mpc with stakes.
    pub neutralizers: bool,
    /// Stakes of the prediction columns (the meta portfolio of mpc).
    pub stakes: bool,
    /// An earlier submission: churn, and neutral_churn and turnover with neutralizers.
    pub previous: bool,
}

/// The metrics the inputs allow, in report order, and a note per left-out group. The
/// Signals metrics come only with their own inputs (neutralizers, a previous submission),
/// so a classic run is not told about them. Each note names the missing input, for the
/// front end to word ([`Message::render`]).
pub fn metric_set(top_bottom: usize, available: &Available) -> (Vec<Metric>, Vec<Message>) {
    let a = available;
    let mut metrics = vec![Metric::Corr];
    let mut omitted = Vec::new();
    if a.meta_model {
        metrics.push(Metric::Mmc);
    } else {
        let ncontrib = if a.neutralizers { ", ncontrib" } else { "" };
        omitted.push(message![
            format!("mmc, mmc_tb{top_bottom}{ncontrib} and {PAYOUT} (no "),
            Input::MetaModel,
            ")"
        ]);
    }
    if a.benchmark {
        metrics.push(Metric::Bmc);
    } else {
        omitted.push(message!["bmc (no ", Input::Benchmark, ")"]);
    }
    if a.features {
        metrics.extend([Metric::Fnc, Metric::FeatureExposureMax]);
    } else {
        omitted.push(message![
            "fnc and fexp_max (the data has no feature_* columns)"
        ]);
    }
    metrics.push(Metric::CorrTopBottom(top_bottom));
    if a.meta_model {
        metrics.push(Metric::MmcTopBottom(top_bottom));
    }
    metrics.push(Metric::Spearman);
    if a.example {
        metrics.push(Metric::CorrWithExample);
    } else {
        omitted.push(message!["corr_with_example (no ", Input::Example, ")"]);
    }
    if a.neutralizers {
        metrics.push(Metric::NeutralCorr);
        if a.meta_model {
            metrics.push(Metric::NeutralContribution);
        }
        metrics.push(Metric::Alpha);
        if a.stakes {
            metrics.push(Metric::Mpc);
        } else {
            omitted.push(message!["mpc (no ", Input::Stakes, ")"]);
        }
    }
    if a.previous {
        metrics.push(Metric::Churn);
        if a.neutralizers {
            metrics.extend([Metric::NeutralChurn, Metric::Turnover]);
        } else {
            omitted.push(message![
                "neutral_churn and turnover (no ",
                Input::Neutralizers,
                ")"
            ]);
        }
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
                        stats: EraStats::for_metric(&values, &m.name(), apy),
                        values,
                    }
                })
                .collect();
            if let (true, Some(c), Some(m)) = (with_payout, corr_at, mmc_at) {
                let values = payout_scores(&column(c), &column(m), weights);
                metrics.push(MetricSeries {
                    name: PAYOUT.to_string(),
                    stats: EraStats::for_metric(&values, PAYOUT, apy),
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
        let classic = Available {
            meta_model: true,
            benchmark: true,
            example: true,
            features: true,
            ..Available::default()
        };
        let (all, none) = metric_set(200, &classic);
        let names: Vec<String> = all.iter().map(Metric::name).collect();
        assert_eq!(
            names.join(","),
            "corr,mmc,bmc,fnc,fexp_max,corr_tb200,mmc_tb200,spearman,corr_with_example"
        );
        assert!(none.is_empty());
        let (bare, omitted) = metric_set(50, &Available::default());
        let names: Vec<String> = bare.iter().map(Metric::name).collect();
        assert_eq!(names.join(","), "corr,corr_tb50,spearman");
        assert_eq!(omitted.len(), 4);
        assert!(omitted[0].to_string().contains("mmc_tb50"));
    }

    #[test]
    fn signals_metrics_come_with_their_inputs() {
        let signals = Available {
            meta_model: true,
            neutralizers: true,
            stakes: true,
            previous: true,
            ..Available::default()
        };
        let (metrics, omitted) = metric_set(200, &signals);
        let names: Vec<String> = metrics.iter().map(Metric::name).collect();
        assert_eq!(
            names.join(","),
            "corr,mmc,corr_tb200,mmc_tb200,spearman,nc,ncontrib,alpha,mpc,churn,\
             neutral_churn,turnover"
        );
        assert_eq!(omitted.len(), 3, "{omitted:?}");
        // Without neutralizers, churn is all the previous submission gives.
        let (metrics, omitted) = metric_set(
            200,
            &Available {
                previous: true,
                ..Available::default()
            },
        );
        let names: Vec<String> = metrics.iter().map(Metric::name).collect();
        assert_eq!(names.join(","), "corr,corr_tb200,spearman,churn");
        assert!(omitted.iter().any(|o| o.to_string().contains("turnover")));
        // Neutralizers without a meta model or stakes: nc and alpha, and both are named.
        let (metrics, omitted) = metric_set(
            200,
            &Available {
                neutralizers: true,
                ..Available::default()
            },
        );
        let names: Vec<String> = metrics.iter().map(Metric::name).collect();
        assert_eq!(names.join(","), "corr,corr_tb200,spearman,nc,alpha");
        assert!(omitted[0].to_string().contains("ncontrib"));
        assert!(omitted.iter().any(|o| o.to_string().starts_with("mpc")));
    }
}
