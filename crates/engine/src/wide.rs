//! The wide per-era layout of scores (`score --layout wide`, `erascore.score(...,
//! layout="wide")`): one row per era, one column per model and metric (and target, when
//! there are several), in the long table's order. Every front end pivots through here, so
//! the column names are the same everywhere.

use std::collections::HashMap;

use crate::score::ScoreReport;

/// Scores with eras as rows.
#[derive(Debug, Clone, PartialEq)]
pub struct WideScores {
    /// Eras, in order.
    pub eras: Vec<String>,
    /// Column names: `MODEL/METRIC`, or `MODEL/TARGET/METRIC` with several targets.
    pub columns: Vec<String>,
    /// One vector per column, aligned with `eras` (NaN where a model has no row in an era).
    pub values: Vec<Vec<f64>>,
}

/// The name of a wide column.
pub fn column_name(model: &str, target: &str, metric: &str, several_targets: bool) -> String {
    if several_targets {
        format!("{model}/{target}/{metric}")
    } else {
        format!("{model}/{metric}")
    }
}

impl WideScores {
    /// Pivots long rows (era, model, target) with one value per metric each; eras and
    /// (model, target) pairs keep the order they first appear in.
    pub fn from_rows<'a>(
        metrics: &[String],
        rows: impl Iterator<Item = (&'a str, &'a str, &'a str, Vec<f64>)>,
    ) -> Self {
        let mut eras: Vec<String> = Vec::new();
        let mut era_at: HashMap<String, usize> = HashMap::new();
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut pair_at: HashMap<(String, String), usize> = HashMap::new();
        let mut cells: Vec<(usize, usize, Vec<f64>)> = Vec::new();
        for (era, model, target, values) in rows {
            let e = *era_at.entry(era.to_string()).or_insert_with(|| {
                eras.push(era.to_string());
                eras.len() - 1
            });
            let p = *pair_at
                .entry((model.to_string(), target.to_string()))
                .or_insert_with(|| {
                    pairs.push((model.to_string(), target.to_string()));
                    pairs.len() - 1
                });
            cells.push((e, p, values));
        }
        let several = {
            let mut targets: Vec<&str> = pairs.iter().map(|(_, t)| t.as_str()).collect();
            targets.sort_unstable();
            targets.dedup();
            targets.len() > 1
        };
        let k = metrics.len();
        let mut columns = Vec::with_capacity(pairs.len() * k);
        for (model, target) in &pairs {
            for metric in metrics {
                columns.push(column_name(model, target, metric, several));
            }
        }
        let mut values = vec![vec![f64::NAN; eras.len()]; columns.len()];
        for (e, p, v) in cells {
            for (m, x) in v.into_iter().enumerate().take(k) {
                values[p * k + m][e] = x;
            }
        }
        Self {
            eras,
            columns,
            values,
        }
    }

    /// The wide layout of a score report.
    pub fn of(report: &ScoreReport) -> Self {
        let metrics: Vec<String> = report.metrics.iter().map(|m| m.name()).collect();
        Self::from_rows(
            &metrics,
            report.rows.iter().map(|r| {
                (
                    r.era.as_str(),
                    r.model.as_str(),
                    r.target.as_str(),
                    r.values.clone(),
                )
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_era_one_column_per_model_and_metric() {
        let metrics = vec!["corr".to_string(), "fnc".to_string()];
        let rows = vec![
            ("0001", "a", "target", vec![0.1, 0.2]),
            ("0001", "b", "target", vec![0.3, 0.4]),
            ("0002", "a", "target", vec![0.5, 0.6]),
        ];
        let w = WideScores::from_rows(&metrics, rows.into_iter());
        assert_eq!(w.eras, ["0001", "0002"]);
        assert_eq!(w.columns, ["a/corr", "a/fnc", "b/corr", "b/fnc"]);
        assert_eq!(w.values[1], [0.2, 0.6]);
        assert_eq!(w.values[2][0], 0.3);
        assert!(w.values[3][1].is_nan());
        let two = WideScores::from_rows(
            &metrics[..1],
            vec![("1", "a", "t1", vec![1.0]), ("1", "a", "t2", vec![2.0])].into_iter(),
        );
        assert_eq!(two.columns, ["a/t1/corr", "a/t2/corr"]);
    }
}
