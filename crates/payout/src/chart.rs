//! Fan chart of a stake: the bootstrap's 5–95% and 25–75% bands and median of the stake
//! after each round, the actual trajectory on top, and the starting stake for reference.
//! PNG or SVG, chosen by the file's extension.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::bootstrap::Quantiles;
use crate::PayoutError;

/// What to draw. Points are stakes after each resolution (`S0` first), as in
/// [`Trajectory::balances`](crate::Trajectory::balances).
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

const SIZE: (u32, u32) = (1000, 600);

/// An image format the chart can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    /// Bitmap, `.png`.
    Png,
    /// Vector, `.svg`.
    Svg,
}

/// The format `path` asks for by its extension; lets a caller refuse a bad name before
/// doing any work.
pub fn format_of(path: &Path) -> Result<ChartFormat, PayoutError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Ok(ChartFormat::Png),
        Some("svg") => Ok(ChartFormat::Svg),
        _ => Err(PayoutError::ChartFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// Draws `chart` to `path` (`.png` or `.svg`).
pub fn render(path: &Path, chart: &FanChart<'_>) -> Result<(), PayoutError> {
    let fail = |message: String| PayoutError::Chart {
        path: path.to_path_buf(),
        message,
    };
    match format_of(path)? {
        ChartFormat::Png => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw(&root, chart).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        ChartFormat::Svg => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw(&root, chart).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
    }
}

/// The y range covering every band and the actual path, with a little room.
fn y_range(chart: &FanChart<'_>) -> (f64, f64) {
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

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &FanChart<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let points = chart
        .fan
        .map(<[Quantiles]>::len)
        .into_iter()
        .chain(chart.actual.map(<[f64]>::len))
        .max()
        .unwrap_or(1)
        .max(2);
    let (y0, y1) = y_range(chart);
    let mut c = ChartBuilder::on(root)
        .caption(chart.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..(points - 1) as f64, y0..y1)?;
    c.configure_mesh()
        .x_desc("rounds resolved")
        .y_desc("stake (NMR)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let blue = RGBColor(31, 119, 180);
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
            c.draw_series(std::iter::once(Polygon::new(
                band,
                blue.mix(alpha).filled(),
            )))?
            .label(label)
            .legend(move |(lx, ly)| {
                Rectangle::new([(lx, ly - 5), (lx + 18, ly + 5)], blue.mix(alpha).filled())
            });
        }
        c.draw_series(LineSeries::new(
            fan.iter().enumerate().map(|(i, q)| (x(i), q.p50)),
            blue.stroke_width(2),
        ))?
        .label("bootstrap median")
        .legend(move |(lx, ly)| PathElement::new([(lx, ly), (lx + 18, ly)], blue.stroke_width(2)));
    }
    let grey = RGBColor(120, 120, 120);
    c.draw_series(DashedLineSeries::new(
        [(0.0, chart.stake0), ((points - 1) as f64, chart.stake0)],
        6,
        4,
        grey.stroke_width(1),
    ))?
    .label("starting stake")
    .legend(move |(lx, ly)| PathElement::new([(lx, ly), (lx + 18, ly)], grey.stroke_width(1)));
    if let Some(actual) = chart.actual {
        c.draw_series(LineSeries::new(
            actual.iter().enumerate().map(|(i, &v)| (i as f64, v)),
            BLACK.stroke_width(2),
        ))?
        .label("actual")
        .legend(|(lx, ly)| PathElement::new([(lx, ly), (lx + 18, ly)], BLACK.stroke_width(2)));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(grey)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("erascore-payout-chart-{}", std::process::id()));
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
            render(&p, &chart).unwrap();
            let bytes = std::fs::read(&p).unwrap();
            assert!(bytes.len() > 1000, "{name}: {} bytes", bytes.len());
        }
        let svg = std::fs::read_to_string(tmp("fan.svg")).unwrap();
        assert!(svg.contains("model_0 under 2024"));
        assert!(std::fs::read(tmp("fan.png"))
            .unwrap()
            .starts_with(b"\x89PNG"));
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
        render(&p, &chart).unwrap();
    }

    #[test]
    fn unknown_extension_is_an_error() {
        let chart = FanChart {
            title: "x",
            stake0: 1.0,
            fan: None,
            actual: None,
        };
        assert!(matches!(
            render(Path::new("chart.jpg"), &chart),
            Err(PayoutError::ChartFormat { .. })
        ));
        assert_eq!(format_of(Path::new("a/b.SVG")).unwrap(), ChartFormat::Svg);
        assert!(format_of(Path::new("noext")).is_err());
        let e = render(Path::new("/nonexistent/dir/chart.svg"), &chart).unwrap_err();
        assert!(matches!(e, PayoutError::Chart { .. }), "{e}");
    }
}
