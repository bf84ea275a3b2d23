//! The per-era score tables a user sees, built here once for every front end: `erascore
//! score --out` (long or `--layout wide`), `erascore.score` / `Evaluator.score` /
//! `erascore.ray.score` (the same columns, converted to a DataFrame), diagnostics'
//! per_era table (`per_era.parquet`, `Diagnostics.per_era`), and the score summary printed
//! to stdout. The wide layout has one row per era and one column per model and metric (and
//! target, when there are several), in the long table's order.

use std::collections::HashMap;

use erascore_engine::diagnostics::ModelTarget;
use erascore_engine::score::{by_model, EraScore, ScoreReport};
use erascore_engine::stats::basic;
use erascore_io::frame::{Column, Values};
use erascore_io::FloatWidth;

use crate::{fmt, table};

/// The layout of a score table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One row per (era, model, target), one column per metric.
    Long,
    /// One row per era, one column per model and metric.
    Wide,
}

/// A table as columns, in the order a user sees them, for a front end to write (the CLI:
/// a parquet or CSV file) or convert (Python: a DataFrame).
#[derive(Debug, Clone)]
pub struct Table {
    /// The columns, named.
    pub columns: Vec<Column>,
    /// The column that names each row on its own (the wide layout's era), which a
    /// DataFrame takes as its index; `None` when rows are named by several columns.
    pub index: Option<&'static str>,
}

fn text(name: &str, values: impl Iterator<Item = String>) -> Column {
    Column {
        name: name.into(),
        values: Values::Text(values.collect()),
    }
}

fn float(name: String, values: Vec<f64>) -> Column {
    Column {
        name,
        values: Values::Float(values, FloatWidth::F64),
    }
}

/// The score table of per-era rows (`values` in the order of `metrics`, the metrics' names).
pub fn score_table(metrics: &[String], rows: &[EraScore], layout: Layout) -> Table {
    match layout {
        Layout::Long => {
            let mut columns = vec![
                text("era", rows.iter().map(|r| r.era.clone())),
                text("model", rows.iter().map(|r| r.model.clone())),
                text("target", rows.iter().map(|r| r.target.clone())),
            ];
            for (k, m) in metrics.iter().enumerate() {
                columns.push(float(m.clone(), rows.iter().map(|r| r.values[k]).collect()));
            }
            Table {
                columns,
                index: None,
            }
        }
        Layout::Wide => {
            let wide = WideScores::from_rows(
                metrics,
                rows.iter().map(|r| {
                    (
                        r.era.as_str(),
                        r.model.as_str(),
                        r.target.as_str(),
                        r.values.clone(),
                    )
                }),
            );
            let mut columns = vec![text("era", wide.eras.into_iter())];
            for (name, v) in wide.columns.into_iter().zip(wide.values) {
                columns.push(float(name, v));
            }
            Table {
                columns,
                index: Some("era"),
            }
        }
    }
}

/// The score table of a report.
pub fn report_table(report: &ScoreReport, layout: Layout) -> Table {
    let metrics: Vec<String> = report.metrics.iter().map(|m| m.name()).collect();
    score_table(&metrics, &report.rows, layout)
}

/// Diagnostics' per-era table: era, model, target, one column per metric; grouped by model
/// and target.
pub fn per_era_table(groups: &[ModelTarget]) -> Table {
    let each_era = |f: fn(&ModelTarget, usize) -> String| {
        groups
            .iter()
            .flat_map(move |g| (0..g.eras.len()).map(move |i| f(g, i)))
    };
    let mut columns = vec![
        text("era", each_era(|g, i| g.eras[i].clone())),
        text("model", each_era(|g, _| g.model.clone())),
        text("target", each_era(|g, _| g.target.clone())),
    ];
    if let Some(first) = groups.first() {
        for (k, m) in first.metrics.iter().enumerate() {
            columns.push(float(
                m.name.clone(),
                groups
                    .iter()
                    .flat_map(|g| g.metrics[k].values.iter().copied())
                    .collect(),
            ));
        }
    }
    Table {
        columns,
        index: None,
    }
}

/// `erascore score`'s stdout: mean, std and Sharpe of each metric per model and target,
/// one line per metric.
pub fn score_summary(report: &ScoreReport) -> String {
    let header: Vec<String> = ["model", "target", "metric", "mean", "std", "sharpe", "eras"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for ((model, target), era_rows) in by_model(report) {
        for (k, metric) in report.metrics.iter().enumerate() {
            let v: Vec<f64> = era_rows.iter().map(|r| r.values[k]).collect();
            let b = basic(&v);
            rows.push(vec![
                model.clone(),
                target.clone(),
                metric.name(),
                fmt(b.mean),
                fmt(b.std),
                fmt(b.sharpe),
                b.eras.to_string(),
            ]);
        }
    }
    table(&header, &rows, 3)
}

/// Scores with eras as rows.
#[derive(Debug, Clone, PartialEq)]
struct WideScores {
    /// Eras, in order.
    pub eras: Vec<String>,
    /// Column names: `MODEL/METRIC`, or `MODEL/TARGET/METRIC` with several targets.
    pub columns: Vec<String>,
    /// One vector per column, aligned with `eras` (NaN where a model has no row in an era).
    pub values: Vec<Vec<f64>>,
}

/// The name of a wide column.
fn column_name(model: &str, target: &str, metric: &str, several_targets: bool) -> String {
    if several_targets {
        format!("{model}/{target}/{metric}")
    } else {
        format!("{model}/{metric}")
    }
}

impl WideScores {
    /// Pivots long rows (era, model, target) with one value per metric each; eras and
    /// (model, target) pairs keep the order they first appear in.
    fn from_rows<'a>(
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
