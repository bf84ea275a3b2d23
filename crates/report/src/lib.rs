//! The outputs of `diagnostics` for every front end (the CLI command, `erascore.diagnostics`
//! in Python): the per-era table, `summary.json`, a self-contained `report.html` and
//! `summary.png`, from the numbers the engine computed ([`erascore_engine::diagnostics`]).
//! The same for `payout` ([`payout`]: trajectory file, summary JSON, printed tables) and
//! `compare` ([`compare`], [`compare_files`]). It computes nothing itself beyond laying
//! those numbers out, and reads no input: the readers of the stakes file, compare's
//! predictions and configurations are in [`erascore_engine::read`].

use std::path::Path;

use anyhow::Context;
use serde_json::{Map, Value};

use erascore_engine::diagnostics::ModelTarget;
use erascore_engine::stats::{PayoutWeights, Stat};
use erascore_io::frame::{write_frame_unstaged, Frame};

pub mod chart;
pub mod compare;
pub mod compare_files;
pub mod html;
pub mod payout;
pub mod score_table;
pub mod summary_table;

/// Minimal HTML escaping for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The files of a diagnostics output folder.
pub const OUTPUT_FILES: [&str; 5] = [
    "per_era.parquet",
    "per_era.csv",
    "summary.json",
    "report.html",
    "summary.png",
];

/// The most characters a table cell shows; a longer one (a model or configuration name
/// of any length is accepted) ends in `…`. The files keep the whole name.
pub const MAX_CELL_CHARS: usize = 200;

/// A cell as the table shows it: at most [`MAX_CELL_CHARS`] characters.
fn shown(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.char_indices().nth(MAX_CELL_CHARS) {
        None => cell.into(),
        Some(_) => {
            let cut = cell
                .char_indices()
                .nth(MAX_CELL_CHARS - 1)
                .map_or(cell.len(), |(i, _)| i);
            format!("{}…", &cell[..cut]).into()
        }
    }
}

/// Renders rows as a left/right aligned text table (first `left` columns left-aligned).
pub fn table(header: &[String], rows: &[Vec<String>], left: usize) -> String {
    let header: Vec<std::borrow::Cow<'_, str>> = header.iter().map(|h| shown(h)).collect();
    let rows: Vec<Vec<std::borrow::Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| shown(c)).collect())
        .collect();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[std::borrow::Cow<'_, str>]| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // Padded by hand: `format!`'s width must fit in 16 bits.
                let pad = " ".repeat(width[i].saturating_sub(c.chars().count()));
                if i < left {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(&header);
    out.push('\n');
    out.push_str(
        &width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// A number as tables show it: 4 decimals (1 from 1,000 on), blank for NaN.
pub fn fmt(x: f64) -> String {
    if x.is_nan() {
        "".into()
    } else if x.abs() >= 1000.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

/// What the report shows besides the numbers.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The data file.
    pub data: String,
    /// The predictions file.
    pub predictions: String,
    /// Number of eras scored.
    pub eras: usize,
    /// Metrics left out and why.
    pub omitted: Vec<String>,
    /// Payout multipliers.
    pub weights: PayoutWeights,
    /// Eras not scored against some target because it has no value in them (the live
    /// era), with those targets ([`erascore_engine::score::ScoreReport::unresolved`]).
    pub unresolved: Vec<(String, Vec<String>)>,
}

/// Diagnostics' per-era table ([`score_table::per_era_table`]) as a file to write at `path`.
pub fn per_era_frame(path: &Path, groups: &[ModelTarget]) -> anyhow::Result<Frame> {
    Ok(Frame::new(
        path,
        score_table::per_era_table(groups).columns,
    )?)
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// `{"models": {MODEL: {TARGET: {METRIC: {STAT: value}}}}, ...}`; NaN is null; a statistic
/// that means nothing for a metric ([`Stat::applies_to`]: the APY of a feature exposure) is
/// left out.
pub fn summary_json(groups: &[ModelTarget], info: &RunInfo) -> Value {
    let mut models = Map::new();
    for g in groups {
        let mut metrics = Map::new();
        for m in &g.metrics {
            let mut stats = Map::new();
            for stat in Stat::ALL.into_iter().filter(|s| s.applies_to(&m.name)) {
                let v = match stat {
                    Stat::Eras => Value::from(m.stats.eras),
                    _ => number(m.stats.get(stat)),
                };
                stats.insert(stat.name().to_string(), v);
            }
            metrics.insert(m.name.clone(), Value::Object(stats));
        }
        let entry = models
            .entry(g.model.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(targets) = entry {
            targets.insert(g.target.clone(), Value::Object(metrics));
        }
    }
    serde_json::json!({
        "models": Value::Object(models),
        "eras": info.eras,
        "data": info.data,
        "predictions": info.predictions,
        "not_computed": info.omitted,
        "eras_without_targets": info
            .unresolved
            .iter()
            .map(|(era, targets)| serde_json::json!({ "era": era, "targets": targets }))
            .collect::<Vec<_>>(),
        "payout": {
            "corr_multiplier": info.weights.corr,
            "mmc_multiplier": info.weights.mmc,
        },
    })
}

/// Writes the diagnostics files ([`OUTPUT_FILES`]) into `dir`, a staged folder
/// ([`erascore_io::output::OutputDir`]) that the caller commits once all are written.
pub fn write_diagnostics(dir: &Path, groups: &[ModelTarget], info: &RunInfo) -> anyhow::Result<()> {
    let [parquet, csv, json, html, png] = OUTPUT_FILES.map(|name| dir.join(name));
    write_frame_unstaged(&parquet, &per_era_frame(&parquet, groups)?, &parquet)?;
    write_frame_unstaged(&csv, &per_era_frame(&csv, groups)?, &csv)?;
    let text = serde_json::to_string_pretty(&summary_json(groups, info))?;
    std::fs::write(&json, text + "\n")
        .with_context(|| format!("cannot write {}", json.display()))?;
    std::fs::write(&html, html::html(groups, info))
        .with_context(|| format!("cannot write {}", html.display()))?;
    chart::png(&png, groups)?;
    Ok(())
}

/// The statistics shown in the stdout table and the report, with short headers.
pub const TABLE_STATS: [(Stat, &str); 11] = [
    (Stat::Mean, "mean"),
    (Stat::Std, "std"),
    (Stat::Sharpe, "sharpe"),
    (Stat::MaxDrawdown, "max_dd"),
    (Stat::MaxDrawdownMultiplicative, "max_dd_mult"),
    (Stat::Apy, "apy"),
    (Stat::Autocorrelation, "autocorr"),
    (Stat::SmartSharpe, "smart_sharpe"),
    (Stat::Calmar, "calmar"),
    (Stat::HitRate, "hit_rate"),
    (Stat::Eras, "eras"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_engine::diagnostics::MetricSeries;
    use erascore_engine::stats::{ApyOptions, EraStats};

    /// A name past 65,535 characters once panicked in `format!`'s width; it is shown cut.
    #[test]
    fn a_table_shows_names_of_any_length() {
        let long = "m".repeat(70_000);
        let header = vec!["model".to_string(), "corr".to_string()];
        let rows = vec![
            vec![long.clone(), "0.0100".to_string()],
            vec!["é".repeat(MAX_CELL_CHARS), "-0.0200".to_string()],
        ];
        let t = table(&header, &rows, 1);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        let cut = format!("{}…", "m".repeat(MAX_CELL_CHARS - 1));
        assert_eq!(lines[2], format!("{cut}   0.0100"));
        // A name of exactly the limit is shown whole, aligned with the cut one.
        assert_eq!(lines[3], format!("{}  -0.0200", "é".repeat(MAX_CELL_CHARS)));
        assert_eq!(lines[0].chars().count(), MAX_CELL_CHARS + 2 + 7);
        assert_eq!(
            table(&header, &[vec!["a".into(), "1".into()]], 1),
            "model  corr\n-----  ----\na         1\n"
        );
    }

    #[test]
    fn summary_json_writes_nan_as_null() {
        let values = vec![0.01, f64::NAN];
        let g = ModelTarget {
            model: "m".into(),
            target: "t".into(),
            eras: vec!["0001".into(), "0002".into()],
            metrics: vec![MetricSeries {
                name: "corr".into(),
                stats: EraStats::new(&values, ApyOptions::default()),
                values,
            }],
        };
        let info = RunInfo {
            data: "d".into(),
            predictions: "p".into(),
            eras: 2,
            omitted: vec![],
            weights: PayoutWeights::default(),
            unresolved: vec![],
        };
        let v = summary_json(&[g], &info);
        let corr = &v["models"]["m"]["t"]["corr"];
        assert_eq!(corr["mean"], 0.01);
        assert!(corr["sharpe"].is_null());
        assert_eq!(corr["eras"], 1);
    }
}
