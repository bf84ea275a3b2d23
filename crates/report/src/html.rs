//! The pictures of diagnostics: a self-contained `report.html` (inline SVG
//! charts, inline CSS, no scripts and no network references) and `summary.png`.
//!
//! Charts are drawn with plotters. Laying out text needs a font; where the machine has none
//! (plotters finds fonts through fontconfig), the charts are drawn without text labels
//! rather than not at all, and the HTML still names everything around them.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{fmt, RunInfo, TABLE_STATS};
use erascore_engine::diagnostics::{ModelTarget, PAYOUT};
use erascore_engine::stats::Stat;

/// The cumulative curves, their colours (matplotlib's first three) and labels.
const CURVES: [(&str, RGBColor, &str); 3] = [
    ("corr", RGBColor(31, 119, 180), "CORR"),
    ("mmc", RGBColor(255, 127, 14), "MMC"),
    ("fnc", RGBColor(44, 160, 44), "FNC"),
];
const GAIN: RGBColor = RGBColor(44, 160, 44);
const LOSS: RGBColor = RGBColor(214, 39, 40);
const GREY: RGBColor = RGBColor(120, 120, 120);
const CUMULATIVE_SIZE: (u32, u32) = (1000, 330);
const BARS_SIZE: (u32, u32) = (1000, 230);

/// Whether plotters can lay out text on this machine.
pub fn fonts_available() -> bool {
    ("sans-serif", 12).into_font().box_size("0.1 era").is_ok()
}

/// Running sum with undefined eras counted as zero, so a curve continues across them.
fn cumulative(values: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    values
        .iter()
        .map(|v| {
            if v.is_finite() {
                acc += v;
            }
            acc
        })
        .collect()
}

/// `(lo, hi)` covering the finite values and zero, padded by 5%.
fn y_range<'a>(series: impl IntoIterator<Item = &'a f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for &v in series {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let pad = ((hi - lo) * 0.05).max(1e-6);
    (lo - pad, hi + pad)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The era name at an x position (label formatter); blank between eras.
fn era_label(eras: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < eras.len() {
        eras[i as usize].clone()
    } else {
        String::new()
    }
}

/// A y-axis label: two decimals, and never "-0.00".
fn axis_number(y: f64) -> String {
    let r = (y * 100.0).round() / 100.0 + 0.0;
    format!("{r:.2}")
}

/// A thin border: without labels and grid lines it is what separates one chart from the
/// next.
fn frame<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32 - 1, h as i32 - 1);
    area.draw(&Rectangle::new([(0, 0), (w, h)], GREY.stroke_width(1)))
}

/// Cumulative CORR, MMC and FNC over eras.
fn draw_cumulative<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &ModelTarget,
    text: bool,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let curves: Vec<(Vec<f64>, RGBColor, &str)> = CURVES
        .iter()
        .filter_map(|(name, colour, label)| {
            g.metric(name)
                .map(|m| (cumulative(&m.values), *colour, *label))
        })
        .collect();
    let n = g.eras.len().max(2);
    let (y0, y1) = y_range(curves.iter().flat_map(|(c, _, _)| c.iter()));
    let mut builder = ChartBuilder::on(area);
    builder.margin(10);
    if text {
        builder
            .caption(
                format!("{} · {}: cumulative score", g.model, g.target),
                ("sans-serif", 20),
            )
            .x_label_area_size(40)
            .y_label_area_size(64);
    }
    let mut chart = builder.build_cartesian_2d(0f64..(n - 1) as f64, y0..y1)?;
    let formatter = |x: &f64| era_label(&g.eras, *x);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .max_light_lines(2);
    if text {
        mesh.x_label_formatter(&formatter)
            .y_label_formatter(&|y| axis_number(*y))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .x_desc("era")
            .x_labels(10)
            .y_labels(8);
    } else {
        mesh.x_labels(0).y_labels(0);
        frame(area)?;
    }
    mesh.draw()?;
    chart.draw_series(LineSeries::new(
        [(0.0, 0.0), ((n - 1) as f64, 0.0)],
        GREY.stroke_width(1),
    ))?;
    for (curve, colour, label) in &curves {
        let colour = *colour;
        let drawn = chart.draw_series(LineSeries::new(
            curve.iter().enumerate().map(|(i, &v)| (i as f64, v)),
            colour.stroke_width(2),
        ))?;
        if text {
            drawn.label(*label).legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3))
            });
        }
    }
    if text {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .draw()?;
    }
    Ok(())
}

/// Per-era CORR as bars, green above zero and red below.
fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &ModelTarget,
    text: bool,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let empty = Vec::new();
    let values = g.metric("corr").map_or(&empty, |m| &m.values);
    let n = g.eras.len().max(1);
    let (y0, y1) = y_range(values.iter());
    let mut builder = ChartBuilder::on(area);
    builder.margin(10);
    if text {
        builder
            .caption("CORR per era", ("sans-serif", 17))
            .x_label_area_size(30)
            .y_label_area_size(64);
    }
    let mut chart = builder.build_cartesian_2d(-0.5f64..n as f64 - 0.5, y0..y1)?;
    let formatter = |x: &f64| era_label(&g.eras, *x);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .max_light_lines(2);
    if text {
        mesh.x_label_formatter(&formatter)
            .y_label_formatter(&|y| axis_number(*y))
            .label_style(("sans-serif", 13))
            .x_labels(10)
            .y_labels(6);
    } else {
        mesh.x_labels(0).y_labels(0);
        frame(area)?;
    }
    mesh.draw()?;
    let half = if n > 200 { 0.5 } else { 0.4 };
    chart.draw_series(
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| {
                let x = i as f64;
                let colour = if v >= 0.0 { GAIN } else { LOSS };
                Rectangle::new([(x - half, 0.0), (x + half, v)], colour.filled())
            }),
    )?;
    Ok(())
}

/// The two charts of a model and target.
#[derive(Debug, Clone, Copy)]
enum Chart {
    /// [`draw_cumulative`].
    Cumulative,
    /// [`draw_bars`].
    Bars,
}

/// One chart as an SVG string; a note in place of a chart that failed.
fn svg(chart: Chart, g: &ModelTarget, text: bool) -> String {
    let size = match chart {
        Chart::Cumulative => CUMULATIVE_SIZE,
        Chart::Bars => BARS_SIZE,
    };
    let mut out = String::new();
    let result: Result<(), String> = {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        let drawn = match chart {
            Chart::Cumulative => draw_cumulative(&root, g, text),
            Chart::Bars => draw_bars(&root, g, text),
        };
        drawn
            .and_then(|_| root.present())
            .map_err(|e| e.to_string())
    };
    match result {
        Ok(()) => out,
        Err(e) => format!("<p class=\"note\">chart not drawn: {}</p>", escape(&e)),
    }
}

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

/// An id usable in an HTML anchor.
fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       margin: 24px 32px; color: #222; background: #fafafa; }
h1 { margin: 0 0 4px 0; font-size: 26px; }
h2 { margin: 32px 0 8px 0; padding-bottom: 4px; border-bottom: 2px solid #1f77b4; }
h3 { margin: 18px 0 6px 0; color: #444; }
p.meta { color: #555; margin: 2px 0; }
p.note { color: #8a5a00; background: #fff6e0; border-left: 4px solid #f0b429;
         padding: 6px 10px; margin: 8px 0; }
nav a { margin-right: 14px; }
.card { background: white; border: 1px solid #e2e2e2; border-radius: 6px; padding: 12px 16px;
        margin: 10px 0 18px 0; }
.card svg { display: block; max-width: 100%; height: auto; margin: 4px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0;
        font-variant-numeric: tabular-nums; }
th, td { padding: 3px 9px; text-align: right; border-bottom: 1px solid #eee; }
th { background: #f0f4f8; font-weight: 600; }
td.name, th.name { text-align: left; }
tr.payout td { font-weight: 600; background: #f7fbff; }
footer { color: #777; font-size: 12px; margin-top: 30px; }
";

fn stat_value(g: &ModelTarget, metric: &str, stat: Stat) -> String {
    g.metric(metric).map_or(String::new(), |m| match stat {
        Stat::Eras => m.stats.eras.to_string(),
        _ => fmt(m.stats.get(stat)),
    })
}

/// The overview: one row per model and target with the headline numbers.
fn overview(out: &mut String, groups: &[ModelTarget]) {
    let columns: [(&str, Stat, &str); 9] = [
        ("corr", Stat::Mean, "CORR mean"),
        ("corr", Stat::Sharpe, "CORR sharpe"),
        ("corr", Stat::MaxDrawdown, "CORR max dd"),
        ("mmc", Stat::Mean, "MMC mean"),
        ("mmc", Stat::Sharpe, "MMC sharpe"),
        ("fnc", Stat::Mean, "FNC mean"),
        (PAYOUT, Stat::Mean, "payout mean"),
        (PAYOUT, Stat::Sharpe, "payout sharpe"),
        ("corr_with_example", Stat::Mean, "corr w/ example"),
    ];
    let shown: Vec<&(&str, Stat, &str)> = columns
        .iter()
        .filter(|(m, _, _)| groups.iter().any(|g| g.metric(m).is_some()))
        .collect();
    out.push_str("<table><tr><th class=\"name\">model</th><th class=\"name\">target</th>");
    for (_, _, h) in &shown {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for g in groups {
        let _ = write!(
            out,
            "<tr><td class=\"name\"><a href=\"#{}\">{}</a></td><td class=\"name\">{}</td>",
            anchor(&format!("{}-{}", g.model, g.target)),
            escape(&g.model),
            escape(&g.target)
        );
        for (m, stat, _) in &shown {
            let _ = write!(out, "<td>{}</td>", stat_value(g, m, *stat));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// Every metric's statistics for one model and target.
fn stats_table(out: &mut String, g: &ModelTarget) {
    out.push_str("<table><tr><th class=\"name\">metric</th>");
    for (_, h) in TABLE_STATS {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr>\n");
    for m in &g.metrics {
        let class = if m.name == PAYOUT {
            " class=\"payout\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr{class}><td class=\"name\">{}</td>",
            escape(&m.name)
        );
        for (stat, _) in TABLE_STATS {
            let _ = write!(out, "<td>{}</td>", stat_value(g, &m.name, stat));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The whole report as one HTML document.
pub fn html(groups: &[ModelTarget], info: &RunInfo) -> String {
    let text = fonts_available();
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<title>erascore diagnostics</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>erascore diagnostics</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"meta\">data <code>{}</code> · predictions <code>{}</code> · {} eras · \
         payout = {} × corr + {} × mmc</p>",
        escape(&info.data),
        escape(&info.predictions),
        info.eras,
        info.weights.corr,
        info.weights.mmc
    );
    for note in &info.omitted {
        let _ = writeln!(out, "<p class=\"note\">Not computed: {}</p>", escape(note));
    }
    if !text {
        out.push_str(
            "<p class=\"note\">No fonts were found on this machine: charts have no text \
             labels.</p>\n",
        );
    }
    out.push_str("<h2>Overview</h2>\n");
    overview(&mut out, groups);

    let mut models: Vec<&str> = Vec::new();
    for g in groups {
        if !models.contains(&g.model.as_str()) {
            models.push(&g.model);
        }
    }
    out.push_str("<nav>");
    for m in &models {
        let _ = write!(out, "<a href=\"#model-{}\">{}</a>", anchor(m), escape(m));
    }
    out.push_str("</nav>\n");
    for m in &models {
        let _ = writeln!(
            out,
            "<section id=\"model-{}\">\n<h2>{}</h2>",
            anchor(m),
            escape(m)
        );
        for g in groups.iter().filter(|g| g.model == *m) {
            let _ = writeln!(
                out,
                "<div class=\"card\" id=\"{}\">\n<h3>{} on <code>{}</code></h3>",
                anchor(&format!("{}-{}", g.model, g.target)),
                escape(&g.model),
                escape(&g.target)
            );
            out.push_str(&svg(Chart::Cumulative, g, text));
            out.push('\n');
            out.push_str(&svg(Chart::Bars, g, text));
            out.push('\n');
            stats_table(&mut out, g);
            out.push_str("</div>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str(
        "<footer>Generated by erascore diagnostics. Per-era metrics reproduce \
         numerai-tools 0.7.2; every statistic is defined in erascore's \
         docs/diagnostics.md.</footer>\n</body>\n</html>\n",
    );
    out
}

/// `summary.png`: the cumulative curves of every model and target, one panel each.
pub fn png(path: &Path, groups: &[ModelTarget]) -> anyhow::Result<()> {
    let text = fonts_available();
    let (w, h) = CUMULATIVE_SIZE;
    let panels = groups.len().max(1);
    let root = BitMapBackend::new(path, (w, h * panels as u32)).into_drawing_area();
    let draw = || -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        for (area, g) in root.split_evenly((panels, 1)).iter().zip(groups) {
            draw_cumulative(area, g, text).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    };
    draw()
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("cannot draw {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_engine::diagnostics::MetricSeries;
    use erascore_engine::stats::{ApyOptions, EraStats, PayoutWeights};

    fn group() -> ModelTarget {
        let eras: Vec<String> = (1..=30).map(|e| format!("{e:04}")).collect();
        let series = |name: &str, shift: f64| {
            let values: Vec<f64> = (0..30)
                .map(|i| ((i as f64) * 0.7 + shift).sin() * 0.03 + 0.01)
                .collect();
            MetricSeries {
                name: name.into(),
                stats: EraStats::new(&values, ApyOptions::default()),
                values,
            }
        };
        ModelTarget {
            model: "model <a>".into(),
            target: "target".into(),
            eras,
            metrics: vec![
                series("corr", 0.0),
                series("mmc", 1.0),
                series("fnc", 2.0),
                series(PAYOUT, 3.0),
            ],
        }
    }

    fn info() -> RunInfo {
        RunInfo {
            data: "validation.parquet".into(),
            predictions: "preds.csv".into(),
            eras: 30,
            omitted: vec!["bmc (no --benchmark-models)".into()],
            weights: PayoutWeights::default(),
        }
    }

    #[test]
    fn html_is_self_contained_with_and_without_text() {
        let g = group();
        let page = html(std::slice::from_ref(&g), &info());
        assert_eq!(page.matches("<svg").count(), 2);
        assert!(page.contains("model &lt;a&gt;"));
        assert!(!page.contains("<script"));
        for bad in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!page.contains(bad), "{bad}");
        }
        for chart in [Chart::Cumulative, Chart::Bars] {
            let plain = svg(chart, &g, false);
            assert!(plain.starts_with("<svg"), "{plain}");
            assert!(!plain.contains("<text"));
        }
    }

    #[test]
    fn png_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("s.png");
        png(&p, &[group(), group()]).expect("png drawn");
        assert!(std::fs::read(&p).expect("png read").starts_with(b"\x89PNG"));
    }

    #[test]
    fn cumulative_skips_undefined_eras() {
        assert_eq!(
            cumulative(&[0.1, f64::NAN, 0.2]),
            vec![0.1, 0.1, 0.30000000000000004]
        );
        assert_eq!(era_label(&["a".into(), "b".into()], 1.0), "b");
        assert_eq!(era_label(&["a".into(), "b".into()], 0.5), "");
        assert_eq!(axis_number(-1e-17), "0.00");
        assert_eq!(axis_number(-0.1), "-0.10");
    }
}
