//! Every chart erascore draws, in one style (palette, grid, fonts, and the same fallback
//! without text): diagnostics' cumulative-score and per-era CORR charts (inline SVG in
//! `report.html`, and `summary.png`) and `payout`'s fan chart of bootstrapped stakes
//! (`.png` or `.svg`).
//!
//! Charts are drawn with plotters. Laying out text needs a font; where the machine has none
//! (plotters finds fonts through fontconfig), the charts are drawn without text labels
//! rather than not at all, and the page or file name says what they show.

use std::path::Path;

use anyhow::Context;
use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::prelude::*;

use erascore_engine::diagnostics::{ModelTarget, PAYOUT};
use erascore_payout::Quantiles;

/// The cumulative curves of a model's panel, in Numerai's order, their colours
/// (matplotlib's first five) and labels; those computed are drawn. `payout` is the per-era
/// payout score (`corr_multiplier x corr + mmc_multiplier x mmc`), so its curve is the
/// payout trajectory as a share of the stake, uncompounded.
pub const CURVES: [(&str, RGBColor, &str); 5] = [
    ("corr", RGBColor(31, 119, 180), "CORR"),
    ("mmc", RGBColor(255, 127, 14), "MMC"),
    ("bmc", RGBColor(214, 39, 40), "BMC"),
    ("fnc", RGBColor(44, 160, 44), "FNC"),
    (PAYOUT, RGBColor(148, 103, 189), "payout"),
];
/// The colours of models overlaid on one chart: matplotlib's ten, then again.
const MODEL_COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
/// The most models an overlaid chart names in its legend; more are drawn unnamed (the
/// title counts them).
const MAX_LEGEND: usize = 12;
const GAIN: RGBColor = RGBColor(44, 160, 44);
const LOSS: RGBColor = RGBColor(214, 39, 40);
const GREY: RGBColor = RGBColor(120, 120, 120);
const BLUE: RGBColor = CURVES[0].1;
const LIGHT_GRID: RGBColor = RGBColor(240, 240, 240);
const BOLD_GRID: RGBColor = RGBColor(215, 215, 215);
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

/// One line of a cumulative chart: its label, colour and running sum at each era.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// The legend's label: a metric (one model's panel) or a model (an overlay).
    pub label: String,
    /// Its colour.
    pub colour: RGBColor,
    /// The running sum of the per-era values, an undefined era adding nothing.
    pub values: Vec<f64>,
}

/// A cumulative chart: a title, the eras along x and its curves.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeChart {
    /// What the chart shows.
    pub title: String,
    /// Era labels, one per point of every curve.
    pub eras: Vec<String>,
    /// The curves, drawn in order.
    pub curves: Vec<Curve>,
}

/// A model and target's panel: cumulative CORR, MMC, BMC, FNC and payout, those computed.
pub fn model_chart(g: &ModelTarget) -> CumulativeChart {
    CumulativeChart {
        title: format!("{} · {}: cumulative score", g.model, g.target),
        eras: g.eras.clone(),
        curves: CURVES
            .iter()
            .filter_map(|(name, colour, label)| {
                g.metric(name).map(|m| Curve {
                    label: (*label).to_string(),
                    colour: *colour,
                    values: cumulative(&m.values),
                })
            })
            .collect(),
    }
}

/// Every model overlaid: for each target (in order of appearance) and each metric of
/// [`CURVES`] that any model has, one chart with every model's cumulative curve, as
/// Numerai's website shows them. Eras are the union in order of appearance; a model
/// without an era adds nothing there.
pub fn overlay_charts(groups: &[ModelTarget]) -> Vec<CumulativeChart> {
    let mut targets: Vec<&str> = Vec::new();
    for g in groups {
        if !targets.contains(&g.target.as_str()) {
            targets.push(&g.target);
        }
    }
    let mut charts = Vec::new();
    for target in targets {
        let of_target: Vec<&ModelTarget> = groups.iter().filter(|g| g.target == target).collect();
        let mut eras: Vec<String> = Vec::new();
        let mut at = std::collections::HashMap::new();
        for g in &of_target {
            for e in &g.eras {
                if !at.contains_key(e.as_str()) {
                    at.insert(e.as_str(), eras.len());
                    eras.push(e.clone());
                }
            }
        }
        for (name, _, label) in CURVES {
            let with: Vec<&&ModelTarget> = of_target
                .iter()
                .filter(|g| g.metric(name).is_some())
                .collect();
            if with.is_empty() {
                continue;
            }
            let curves = with
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let m = g.metric(name)?;
                    let mut values = vec![f64::NAN; eras.len()];
                    for (e, v) in g.eras.iter().zip(&m.values) {
                        values[at[e.as_str()]] = *v;
                    }
                    Some(Curve {
                        label: g.model.clone(),
                        colour: MODEL_COLOURS[i % MODEL_COLOURS.len()],
                        values: cumulative(&values),
                    })
                })
                .collect::<Vec<_>>();
            charts.push(CumulativeChart {
                title: format!(
                    "cumulative {label} · {target}: {} model{}",
                    curves.len(),
                    if curves.len() == 1 { "" } else { "s" }
                ),
                eras: eras.clone(),
                curves,
            });
        }
    }
    charts
}

/// A cumulative chart: its curves over eras, a zero line, a legend.
fn draw_cumulative<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart_data: &CumulativeChart,
    text: bool,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let curves = &chart_data.curves;
    let eras = &chart_data.eras;
    let n = eras.len().max(2);
    let (y0, y1) = y_range(curves.iter().flat_map(|c| c.values.iter()));
    let mut builder = ChartBuilder::on(area);
    builder.margin(10);
    if text {
        builder
            .caption(&chart_data.title, ("sans-serif", 20))
            .x_label_area_size(40)
            .y_label_area_size(64);
    }
    let mut chart = builder.build_cartesian_2d(0f64..(n - 1) as f64, y0..y1)?;
    let formatter = |x: &f64| era_label(eras, *x);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(LIGHT_GRID)
        .bold_line_style(BOLD_GRID)
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
    let legend = text && curves.len() <= MAX_LEGEND;
    for curve in curves {
        let colour = curve.colour;
        let drawn = chart.draw_series(LineSeries::new(
            curve.values.iter().enumerate().map(|(i, &v)| (i as f64, v)),
            colour.stroke_width(2),
        ))?;
        if legend {
            drawn.label(curve.label.as_str()).legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3))
            });
        }
    }
    if legend && !curves.is_empty() {
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
        .light_line_style(LIGHT_GRID)
        .bold_line_style(BOLD_GRID)
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

/// A chart of the report.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Chart<'a> {
    /// Cumulative curves ([`model_chart`], [`overlay_charts`]).
    Cumulative(&'a CumulativeChart),
    /// A model's per-era CORR bars.
    Bars(&'a ModelTarget),
}

/// One chart as an SVG string; a note in place of a chart that failed.
pub(crate) fn svg(chart: Chart<'_>, text: bool) -> String {
    let size = match chart {
        Chart::Cumulative(_) => CUMULATIVE_SIZE,
        Chart::Bars(_) => BARS_SIZE,
    };
    let mut out = String::new();
    let result: Result<(), String> = {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        let drawn = match chart {
            Chart::Cumulative(c) => draw_cumulative(&root, c, text),
            Chart::Bars(g) => draw_bars(&root, g, text),
        };
        drawn
            .and_then(|_| root.present())
            .map_err(|e| e.to_string())
    };
    match result {
        Ok(()) => out,
        Err(e) => format!(
            "<p class=\"note\">chart not drawn: {}</p>",
            crate::escape(&e)
        ),
    }
}

/// The panels of `summary.png`, top to bottom: every model overlaid ([`overlay_charts`]),
/// then each model and target's own ([`model_chart`]).
pub fn png_panels(groups: &[ModelTarget]) -> Vec<CumulativeChart> {
    let mut panels = overlay_charts(groups);
    panels.extend(groups.iter().map(model_chart));
    panels
}

/// `summary.png`: the panels of [`png_panels`], one above the other.
pub fn png(path: &Path, groups: &[ModelTarget]) -> anyhow::Result<()> {
    let text = fonts_available();
    let (w, h) = CUMULATIVE_SIZE;
    let charts = png_panels(groups);
    let panels = charts.len().max(1);
    write_png(path, (w, h * panels as u32), |root| {
        root.fill(&WHITE)?;
        for (area, c) in root.split_evenly((panels, 1)).iter().zip(&charts) {
            draw_cumulative(area, c, text)?;
        }
        Ok(())
    })
    .map_err(anyhow::Error::msg)
    .with_context(|| format!("cannot draw {}", path.display()))
}

/// Draws on an RGB pixel buffer of `size` and writes it to `path` as a PNG. The PNG is
/// encoded here with the `png` crate rather than by plotters' encoder, which would build
/// the `image` crate and its JPEG decoder, a good share of a cold build, for this one format.
fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl for<'a> FnOnce(&DrawingArea<BitMapBackend<'a>, Shift>) -> DrawResult<BitMapBackend<'a>>,
) -> Result<(), String> {
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        draw(&root)
            .and_then(|()| root.present())
            .map_err(|e| e.to_string())?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, size.0, size.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .and_then(|()| writer.finish())
        .map_err(|e| e.to_string())?;
    std::fs::write(path, bytes).map_err(|e| e.to_string())
}

/// What to draw. Points are stakes after each resolution (`S0` first), as in
/// [`Trajectory::balances`](erascore_payout::Trajectory::balances).
#[derive(Debug, Clone, Copy)]
pub struct FanChart<'a> {
    /// Title, e.g. the model and rule.
    pub title: &'a str,
    /// Starting stake, drawn as a reference line.
    pub stake0: f64,
    /// Bootstrap quantiles per point, if a bootstrap ran.
    pub fan: Option<&'a [Quantiles]>,
    /// The actual stake path, if any.
    pub actual: Option<&'a [f64]>,
}

const FAN_SIZE: (u32, u32) = (1000, 600);

/// An image format a chart file can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    /// Bitmap, `.png`.
    Png,
    /// Vector, `.svg`.
    Svg,
}

/// The format `path` asks for by its extension; lets a caller refuse a bad name before
/// doing any work.
pub fn format_of(path: &Path) -> anyhow::Result<ChartFormat> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Ok(ChartFormat::Png),
        Some("svg") => Ok(ChartFormat::Svg),
        _ => anyhow::bail!("{}: chart format must be .png or .svg", path.display()),
    }
}

/// Draws `chart` to `path` (`.png` or `.svg`), without text where the machine has no font.
pub fn fan_chart(path: &Path, chart: &FanChart<'_>) -> anyhow::Result<()> {
    let text = fonts_available();
    let drawn = match format_of(path)? {
        ChartFormat::Png => write_png(path, FAN_SIZE, |root| draw_fan(root, chart, text)),
        ChartFormat::Svg => {
            let root = SVGBackend::new(path, FAN_SIZE).into_drawing_area();
            draw_fan(&root, chart, text)
                .and_then(|()| root.present())
                .map_err(|e| e.to_string())
        }
    };
    drawn
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{}: could not draw the chart", path.display()))
}

/// The y range covering every band and the actual path, with a little room.
fn fan_y_range(chart: &FanChart<'_>) -> (f64, f64) {
    let mut lo = chart.stake0;
    let mut hi = chart.stake0;
    let mut see = |v: f64| {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    };
    for q in chart.fan.unwrap_or_default() {
        see(q.p05);
        see(q.p95);
    }
    chart
        .actual
        .unwrap_or_default()
        .iter()
        .for_each(|&v| see(v));
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-3).max(1e-9);
    ((lo - pad).max(0.0), hi + pad)
}

fn draw_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &FanChart<'_>,
    text: bool,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let points = chart
        .fan
        .map(<[Quantiles]>::len)
        .into_iter()
        .chain(chart.actual.map(<[f64]>::len))
        .max()
        .unwrap_or(1)
        .max(2);
    let (y0, y1) = fan_y_range(chart);
    let mut builder = ChartBuilder::on(root);
    builder.margin(10);
    if text {
        builder
            .caption(chart.title, ("sans-serif", 20))
            .x_label_area_size(40)
            .y_label_area_size(70);
    }
    let mut c = builder.build_cartesian_2d(0f64..(points - 1) as f64, y0..y1)?;
    let mut mesh = c.configure_mesh();
    mesh.light_line_style(LIGHT_GRID)
        .bold_line_style(BOLD_GRID)
        .max_light_lines(2);
    if text {
        mesh.x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .x_desc("rounds resolved")
            .y_desc("stake (NMR)");
    } else {
        mesh.x_labels(0).y_labels(0);
        frame(root)?;
    }
    mesh.draw()?;
    // Legend entries are attached only when there is text to lay them out with.
    let legend = |drawn: &mut SeriesAnno<'_, DB>, label: &str, style: ShapeStyle| {
        if text {
            drawn
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
        }
    };
    if let Some(fan) = chart.fan {
        let x = |i: usize| i as f64;
        for (alpha, lower, upper, label) in
            [(0.18, 0usize, 4usize, "5–95%"), (0.35, 1, 3, "25–75%")]
        {
            let band: Vec<(f64, f64)> = fan
                .iter()
                .enumerate()
                .map(|(i, q)| (x(i), q.to_array()[upper]))
                .chain(
                    fan.iter()
                        .enumerate()
                        .rev()
                        .map(|(i, q)| (x(i), q.to_array()[lower])),
                )
                .collect();
            let style = BLUE.mix(alpha).filled();
            let drawn = c.draw_series(std::iter::once(Polygon::new(band, style)))?;
            if text {
                drawn
                    .label(label)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], style));
            }
        }
        let style = BLUE.stroke_width(2);
        let drawn = c.draw_series(LineSeries::new(
            fan.iter().enumerate().map(|(i, q)| (x(i), q.p50)),
            style,
        ))?;
        legend(drawn, "bootstrap median", style);
    }
    let style = GREY.stroke_width(1);
    let drawn = c.draw_series(DashedLineSeries::new(
        [(0.0, chart.stake0), ((points - 1) as f64, chart.stake0)],
        6,
        4,
        style,
    ))?;
    legend(drawn, "starting stake", style);
    if let Some(actual) = chart.actual {
        let style = BLACK.stroke_width(2);
        let drawn = c.draw_series(LineSeries::new(
            actual.iter().enumerate().map(|(i, &v)| (i as f64, v)),
            style,
        ))?;
        legend(drawn, "actual", style);
    }
    if text {
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use erascore_engine::diagnostics::MetricSeries;
    use erascore_engine::stats::{ApyOptions, EraStats};

    pub(crate) fn group() -> ModelTarget {
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

    /// `group()` with a BMC series and another model's name.
    fn with_bmc(model: &str, shift: f64) -> ModelTarget {
        let mut g = group();
        g.model = model.into();
        let values: Vec<f64> = (0..30)
            .map(|i| ((i as f64) * 0.3 + shift).cos() * 0.02)
            .collect();
        g.metrics.insert(
            2,
            MetricSeries {
                name: "bmc".into(),
                stats: EraStats::new(&values, ApyOptions::default()),
                values,
            },
        );
        g
    }

    /// The running sum a chart must draw, computed independently of [`cumulative`].
    fn running_sum(values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .scan(0.0, |acc, v| {
                *acc += if v.is_nan() { 0.0 } else { *v };
                Some(*acc)
            })
            .collect()
    }

    #[test]
    fn a_models_panel_draws_every_computed_metric_cumulated() {
        let g = with_bmc("m", 0.5);
        let chart = model_chart(&g);
        let labels: Vec<&str> = chart.curves.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["CORR", "MMC", "BMC", "FNC", "payout"]);
        for (curve, name) in chart
            .curves
            .iter()
            .zip(["corr", "mmc", "bmc", "fnc", PAYOUT])
        {
            assert_eq!(
                curve.values,
                running_sum(&g.metric(name).unwrap().values),
                "{name}"
            );
        }
        assert_eq!(chart.eras, g.eras);
        // Without a benchmark there is no BMC curve.
        let labels: Vec<String> = model_chart(&group())
            .curves
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(labels, ["CORR", "MMC", "FNC", "payout"]);
    }

    #[test]
    fn overlays_draw_every_model_per_target_and_metric() {
        let a = with_bmc("a", 0.0);
        let mut b = with_bmc("b", 1.0);
        // b misses era 0003 (index 2) and has no payout score.
        for m in &mut b.metrics {
            m.values.remove(2);
        }
        b.eras.remove(2);
        b.metrics.retain(|m| m.name != PAYOUT);
        let mut a2 = with_bmc("a", 2.0);
        a2.target = "target_b".into();
        let charts = overlay_charts(&[a.clone(), b.clone(), a2.clone()]);
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "cumulative CORR · target: 2 models",
                "cumulative MMC · target: 2 models",
                "cumulative BMC · target: 2 models",
                "cumulative FNC · target: 2 models",
                "cumulative payout · target: 1 model",
                "cumulative CORR · target_b: 1 model",
                "cumulative MMC · target_b: 1 model",
                "cumulative BMC · target_b: 1 model",
                "cumulative FNC · target_b: 1 model",
                "cumulative payout · target_b: 1 model",
            ]
        );
        for (chart, name) in charts.iter().zip(["corr", "mmc", "bmc", "fnc"]) {
            assert_eq!(chart.eras, a.eras);
            let labels: Vec<&str> = chart.curves.iter().map(|c| c.label.as_str()).collect();
            assert_eq!(labels, ["a", "b"]);
            assert_ne!(chart.curves[0].colour, chart.curves[1].colour);
            assert_eq!(
                chart.curves[0].values,
                running_sum(&a.metric(name).unwrap().values)
            );
            // b's missing era adds nothing: its curve is flat there.
            let mut b_values = b.metric(name).unwrap().values.clone();
            b_values.insert(2, f64::NAN);
            assert_eq!(chart.curves[1].values, running_sum(&b_values), "{name}");
        }
        assert_eq!(
            charts[9].curves[0].values,
            running_sum(&a2.metric(PAYOUT).unwrap().values)
        );
        // summary.png: the overlays first, then one panel per model and target.
        let panels = png_panels(&[a, b, a2]);
        assert_eq!(panels.len(), 13);
        assert_eq!(panels[10].title, "a · target: cumulative score");
        assert_eq!(panels[12].title, "a · target_b: cumulative score");
    }

    #[test]
    fn png_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("s.png");
        png(&p, &[group(), group()]).expect("png drawn");
        let bytes = std::fs::read(&p).expect("png read");
        assert!(bytes.starts_with(b"\x89PNG"));
        // Decoded: one panel per overlay (CORR, MMC, FNC, payout) and per group, in RGB.
        let mut reader = ::png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .expect("png decodes");
        let info = reader.info();
        assert_eq!((info.width, info.height), (1000, 6 * CUMULATIVE_SIZE.1));
        assert_eq!(info.color_type, ::png::ColorType::Rgb);
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).expect("pixels decode");
        assert!(pixels.iter().any(|&p| p != 255), "something is drawn");
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

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("erascore-fan-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    fn bands() -> Vec<Quantiles> {
        (0..41)
            .map(|i| {
                let m = 100.0 + i as f64;
                let s = (i as f64).sqrt() * 3.0;
                Quantiles {
                    p05: m - 2.0 * s,
                    p25: m - s,
                    p50: m,
                    p75: m + s,
                    p95: m + 2.0 * s,
                }
            })
            .collect()
    }

    #[test]
    fn renders_png_and_svg() {
        let fan = bands();
        let actual: Vec<f64> = (0..41).map(|i| 100.0 + 1.3 * i as f64).collect();
        let chart = FanChart {
            title: "model_0 under 2024",
            stake0: 100.0,
            fan: Some(&fan),
            actual: Some(&actual),
        };
        for name in ["fan.png", "fan.svg"] {
            let p = tmp(name);
            fan_chart(&p, &chart).unwrap();
            let bytes = std::fs::read(&p).unwrap();
            assert!(bytes.len() > 1000, "{name}: {} bytes", bytes.len());
        }
        let svg = std::fs::read_to_string(tmp("fan.svg")).unwrap();
        if fonts_available() {
            assert!(svg.contains("model_0 under 2024"));
        }
        assert!(std::fs::read(tmp("fan.png"))
            .unwrap()
            .starts_with(b"\x89PNG"));
    }

    #[test]
    fn fan_chart_without_fonts_is_drawn_without_text() {
        let fan = bands();
        let chart = FanChart {
            title: "model_0 under 2024",
            stake0: 100.0,
            fan: Some(&fan),
            actual: None,
        };
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, FAN_SIZE).into_drawing_area();
            draw_fan(&root, &chart, false).unwrap();
            root.present().unwrap();
        }
        assert!(out.starts_with("<svg") && out.contains("<polygon"), "{out}");
        assert!(!out.contains("<text"));
    }

    #[test]
    fn actual_path_alone_and_flat_paths_render() {
        let p = tmp("flat.svg");
        let flat = [0.0, 0.0, 0.0];
        let chart = FanChart {
            title: "flat",
            stake0: 0.0,
            fan: None,
            actual: Some(&flat),
        };
        fan_chart(&p, &chart).unwrap();
    }

    #[test]
    fn unknown_extension_is_an_error() {
        let chart = FanChart {
            title: "x",
            stake0: 1.0,
            fan: None,
            actual: None,
        };
        let e = fan_chart(Path::new("chart.jpg"), &chart).unwrap_err();
        assert_eq!(
            e.to_string(),
            "chart.jpg: chart format must be .png or .svg"
        );
        assert_eq!(format_of(Path::new("a/b.SVG")).unwrap(), ChartFormat::Svg);
        assert!(format_of(Path::new("noext")).is_err());
        let e = fan_chart(Path::new("/nonexistent/dir/chart.svg"), &chart).unwrap_err();
        assert!(
            format!("{e:#}").starts_with("/nonexistent/dir/chart.svg: could not draw the chart"),
            "{e:#}"
        );
    }
}
