//! The diagnostics table printed to stdout: compact by default (one line per model and
//! target, the headline numbers Numerai's website shows, a fixed number of decimals per
//! column), or wide (one line per metric, every statistic that means something for it).

use erascore_engine::diagnostics::ModelTarget;
use erascore_engine::stats::Stat;

use crate::{fmt, table, TABLE_STATS};

/// A column of the compact table: metric, statistic, header, decimals.
type Headline = (&'static str, Stat, &'static str, usize);

/// The compact table's columns, shown when some model has the metric.
const HEADLINES: [Headline; 10] = [
    ("corr", Stat::Mean, "corr_mean", 4),
    ("corr", Stat::Sharpe, "corr_sharpe", 2),
    ("corr", Stat::MaxDrawdown, "corr_max_dd", 4),
    ("mmc", Stat::Mean, "mmc_mean", 4),
    ("mmc", Stat::Sharpe, "mmc_sharpe", 2),
    ("bmc", Stat::Mean, "bmc_mean", 4),
    ("bmc", Stat::Sharpe, "bmc_sharpe", 2),
    ("fnc", Stat::Mean, "fnc_mean", 4),
    ("alpha", Stat::Mean, "alpha_mean", 4),
    ("mpc", Stat::Mean, "mpc_mean", 4),
];

/// One line per model and target: mean, Sharpe and max drawdown of CORR, mean and Sharpe of
/// MMC and BMC, mean of FNC and of Signals' alpha and MPC (those computed), each column with its own fixed decimals. The
/// rest is in summary.json and the wide table.
pub fn compact_table(groups: &[ModelTarget]) -> String {
    let shown: Vec<&Headline> = HEADLINES
        .iter()
        .filter(|(metric, ..)| groups.iter().any(|g| g.metric(metric).is_some()))
        .collect();
    let mut header = vec!["model".to_string(), "target".into()];
    header.extend(shown.iter().map(|(_, _, h, _)| h.to_string()));
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let mut line = vec![g.model.clone(), g.target.clone()];
            line.extend(shown.iter().map(|(metric, stat, _, decimals)| {
                match g.metric(metric).map(|m| m.stats.get(*stat)) {
                    Some(v) if v.is_finite() => format!("{v:.decimals$}"),
                    _ => String::new(),
                }
            }));
            line
        })
        .collect();
    table(&header, &rows, 2)
}

/// One line per model, target and metric, every statistic as a column; a statistic that
/// means nothing for the metric ([`Stat::applies_to`]) shows as `-`.
pub fn wide_table(groups: &[ModelTarget]) -> String {
    let mut header = vec!["model".to_string(), "target".into(), "metric".into()];
    header.extend(TABLE_STATS.iter().map(|(_, h)| h.to_string()));
    let mut rows = Vec::new();
    for g in groups {
        for m in &g.metrics {
            let mut line = vec![g.model.clone(), g.target.clone(), m.name.clone()];
            for (stat, _) in TABLE_STATS {
                line.push(match stat {
                    _ if !stat.applies_to(&m.name) => "-".to_string(),
                    Stat::Eras => m.stats.eras.to_string(),
                    _ => fmt(m.stats.get(stat)),
                });
            }
            rows.push(line);
        }
    }
    table(&header, &rows, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_engine::diagnostics::MetricSeries;
    use erascore_engine::stats::{ApyOptions, EraStats};

    fn group(model: &str, metrics: &[(&str, &[f64])]) -> ModelTarget {
        ModelTarget {
            model: model.into(),
            target: "target".into(),
            eras: vec!["1".into(), "2".into(), "3".into()],
            metrics: metrics
                .iter()
                .map(|(name, values)| MetricSeries {
                    name: name.to_string(),
                    stats: EraStats::for_metric(values, name, ApyOptions::default()),
                    values: values.to_vec(),
                })
                .collect(),
        }
    }

    #[test]
    fn compact_has_one_line_per_model_and_fixed_decimals() {
        let groups = [
            group(
                "model_a",
                &[
                    ("corr", &[0.02, -0.01, 0.03]),
                    ("fnc", &[0.01, 0.0, 0.02]),
                    ("fexp_max", &[0.3, 0.31, 0.29]),
                ],
            ),
            group("model_b", &[("corr", &[0.01, 0.01, 0.04])]),
        ];
        let text = compact_table(&groups);
        let lines: Vec<&str> = text.lines().collect();
        // Header, rule, one line per model.
        assert_eq!(lines.len(), 4, "{text}");
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(
            header,
            [
                "model",
                "target",
                "corr_mean",
                "corr_sharpe",
                "corr_max_dd",
                "fnc_mean"
            ]
        );
        // corr 0.02, -0.01, 0.03: mean 0.0133, std 0.0170, drawdown 0.01.
        let a: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(
            a,
            ["model_a", "target", "0.0133", "0.78", "0.0100", "0.0100"]
        );
        assert!(lines.iter().all(|l| l.len() < 80), "{text}");

        let wide = wide_table(&groups);
        let fexp = wide.lines().find(|l| l.contains("fexp_max")).unwrap();
        // mean, std, then sharpe..hit_rate as '-' except autocorr, then eras.
        let dashes = |l: &str| l.split_whitespace().filter(|c| *c == "-").count();
        assert_eq!(dashes(fexp), 7, "{fexp}");
        assert_eq!(
            dashes(wide.lines().find(|l| l.contains(" corr ")).unwrap()),
            0
        );
    }
}
