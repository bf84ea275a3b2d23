//! The page of diagnostics: a self-contained `report.html` (inline SVG charts from
//! [`crate::chart`], inline CSS, no scripts and no network references).

use std::fmt::Write as _;

use crate::chart::{fonts_available, model_chart, overlay_charts, svg, Chart};
use crate::{escape, fmt, RunInfo, TABLE_STATS};
use erascore_engine::diagnostics::{ModelTarget, PAYOUT};
use erascore_engine::stats::Stat;

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
.overlays { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr));
            gap: 0 16px; }
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
        _ if !stat.applies_to(metric) => "\u{2013}".to_string(),
        Stat::Eras => m.stats.eras.to_string(),
        _ => fmt(m.stats.get(stat)),
    })
}

/// The overview: one row per model and target with the headline numbers.
fn overview(out: &mut String, groups: &[ModelTarget]) {
    let columns: [(&str, Stat, &str); 11] = [
        ("corr", Stat::Mean, "CORR mean"),
        ("corr", Stat::Sharpe, "CORR sharpe"),
        ("corr", Stat::MaxDrawdown, "CORR max dd"),
        ("mmc", Stat::Mean, "MMC mean"),
        ("mmc", Stat::Sharpe, "MMC sharpe"),
        ("bmc", Stat::Mean, "BMC mean"),
        ("bmc", Stat::Sharpe, "BMC sharpe"),
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
    out.push_str("<nav><a href=\"#all-models\">all models</a>");
    for m in &models {
        let _ = write!(out, "<a href=\"#model-{}\">{}</a>", anchor(m), escape(m));
    }
    out.push_str("</nav>\n");
    // Every model overlaid, one chart per target and metric, before each model's own.
    out.push_str(
        "<section id=\"all-models\">\n<h2>All models</h2>\n<div class=\"card overlays\">\n",
    );
    for chart in overlay_charts(groups) {
        out.push_str("<div>");
        if !text {
            let _ = writeln!(out, "<h3>{}</h3>", escape(&chart.title));
        }
        out.push_str(&svg(Chart::Cumulative(&chart), text));
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n</section>\n");
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
            out.push_str(&svg(Chart::Cumulative(&model_chart(g)), text));
            out.push('\n');
            out.push_str(&svg(Chart::Bars(g), text));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::tests::group;
    use erascore_engine::stats::PayoutWeights;

    fn info() -> RunInfo {
        RunInfo {
            data: "validation.parquet".into(),
            predictions: "preds.csv".into(),
            eras: 30,
            omitted: vec!["bmc (no --benchmark)".into()],
            weights: PayoutWeights::default(),
            unresolved: vec![],
        }
    }

    #[test]
    fn html_is_self_contained_with_and_without_text() {
        let g = group();
        let page = html(std::slice::from_ref(&g), &info());
        // Overlays of CORR, MMC, FNC and payout, then the model's curves and bars.
        assert_eq!(page.matches("<svg").count(), 6);
        assert!(!page.contains("BMC mean"));
        assert!(page.contains("model &lt;a&gt;"));
        assert!(!page.contains("<script"));
        for bad in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!page.contains(bad), "{bad}");
        }
        let cumulative = model_chart(&g);
        for chart in [Chart::Cumulative(&cumulative), Chart::Bars(&g)] {
            let plain = svg(chart, false);
            assert!(plain.starts_with("<svg"), "{plain}");
            assert!(!plain.contains("<text"));
        }
    }

    #[test]
    fn bmc_and_every_model_overlaid_are_shown_when_computed() {
        let mut a = group();
        a.model = "a".into();
        let mut b = a.clone();
        b.model = "b".into();
        for g in [&mut a, &mut b] {
            let corr = g.metric("corr").unwrap().clone();
            g.metrics.push(erascore_engine::diagnostics::MetricSeries {
                name: "bmc".into(),
                ..corr
            });
        }
        let page = html(&[a, b], &info());
        assert!(page.contains("<th>BMC mean</th><th>BMC sharpe</th>"));
        let all = page.find("<section id=\"all-models\">").unwrap();
        let first_model = page.find("<section id=\"model-a\">").unwrap();
        assert!(all < first_model);
        // Five overlays (CORR, MMC, FNC, payout and BMC), then two charts per model.
        assert_eq!(page[all..first_model].matches("<svg").count(), 5);
        assert_eq!(page.matches("<svg").count(), 9);
        assert!(page.contains("<a href=\"#all-models\">all models</a>"));
    }
}
