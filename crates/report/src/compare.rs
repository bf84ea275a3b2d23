//! `report.html` of `erascore compare`: one self-contained page (inline SVG and CSS, no
//! scripts, nothing fetched) laying out what [`erascore_engine::compare`] computed: the
//! cumulative net payout of every configuration, and per pair of configurations a scatter of
//! per-model mean scores, a histogram of rank shifts and the largest winners and losers.
//! The charts are plain SVG drawn here, so they need no fonts on the machine that writes
//! them (the browser lays out their text).

use std::fmt::Write;

use erascore_engine::compare::{by_payout_change, CompareReport, ConfigResult};

use crate::escape;
use crate::fmt;

const W: f64 = 560.0;
const H: f64 = 300.0;
const PAD: f64 = 48.0;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
];

/// (min, max) of the finite values, widened when they are equal.
fn range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

fn scale(v: f64, (lo, hi): (f64, f64), from: f64, to: f64) -> f64 {
    from + (v - lo) / (hi - lo) * (to - from)
}

/// An axis end's label: whole numbers (counts, rank shifts) without decimals.
fn tick(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v + 0.0)
    } else {
        fmt(v)
    }
}

/// An SVG canvas with axes, tick labels at both ends (`x_labels` instead of the numbers of
/// `x` when given) and axis titles.
fn canvas(
    title: &str,
    (x, x_labels): ((f64, f64), Option<(&str, &str)>),
    y: (f64, f64),
    x_title: &str,
    y_title: &str,
) -> String {
    let (x0, x1) = x_labels.map_or_else(|| (tick(x.0), tick(x.1)), |(a, b)| (escape(a), escape(b)));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         viewBox=\"0 0 {W} {H}\" role=\"img\"><title>{t}</title>\
         <rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\
         <line x1=\"{PAD}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#444\"/>\
         <line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{b}\" stroke=\"#444\"/>\
         <text x=\"{PAD}\" y=\"{yl}\" font-size=\"11\">{x0}</text>\
         <text x=\"{r}\" y=\"{yl}\" font-size=\"11\" text-anchor=\"end\">{x1}</text>\
         <text x=\"{xt}\" y=\"{yt}\" font-size=\"12\" text-anchor=\"middle\">{xtitle}</text>\
         <text x=\"{xy}\" y=\"{b}\" font-size=\"11\" text-anchor=\"end\">{y0}</text>\
         <text x=\"{xy}\" y=\"{top}\" font-size=\"11\" text-anchor=\"end\">{y1}</text>\
         <text x=\"12\" y=\"{ym}\" font-size=\"12\" text-anchor=\"middle\" \
         transform=\"rotate(-90 12 {ym})\">{ytitle}</text>\
         <text x=\"{xt}\" y=\"20\" font-size=\"13\" text-anchor=\"middle\" \
         font-weight=\"bold\">{t}</text>",
        t = escape(title),
        b = H - PAD,
        r = W - 16.0,
        yl = H - PAD + 14.0,
        x0 = x0,
        x1 = x1,
        xt = (PAD + W - 16.0) / 2.0,
        yt = H - 10.0,
        xtitle = escape(x_title),
        xy = PAD - 4.0,
        y0 = tick(y.0),
        y1 = tick(y.1),
        top = PAD + 4.0,
        ym = H / 2.0,
        ytitle = escape(y_title),
    );
    s
}

/// Cumulative net payout (paid − burned) of every configuration, round by round.
fn cumulative_chart(r: &CompareReport) -> String {
    let series: Vec<Vec<f64>> = r
        .configs
        .iter()
        .map(|c| {
            let mut acc = 0.0;
            c.rounds
                .iter()
                .map(|x| {
                    acc += x.paid - x.burned;
                    acc
                })
                .collect()
        })
        .collect();
    let n = r.rounds.len().max(2);
    let x = (0.0, (n - 1) as f64);
    let y = range(series.iter().flatten().copied().chain([0.0]));
    let (first, last) = (
        r.rounds.first().map_or("", String::as_str),
        r.rounds.last().map_or("", String::as_str),
    );
    let mut s = canvas(
        "Cumulative net payout (NMR)",
        (x, Some((first, last))),
        y,
        "round",
        "paid − burned",
    );
    for (k, (c, v)) in r.configs.iter().zip(&series).enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = v
            .iter()
            .enumerate()
            .map(|(t, &y_)| {
                format!(
                    "{:.1},{:.1}",
                    scale(t as f64, x, PAD, W - 16.0),
                    scale(y_, y, H - PAD, PAD)
                )
            })
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            points.join(" "),
            PAD + 8.0,
            PAD + 14.0 * k as f64,
            escape(&c.config.name)
        );
    }
    s.push_str("</svg>");
    s
}

/// Per-model mean score under `a` (x) against `b` (y), with the diagonal.
fn scatter(a: &ConfigResult, b: &ConfigResult) -> String {
    let both = |f: fn(&ConfigResult) -> Vec<f64>| f(a).into_iter().chain(f(b));
    let means = |c: &ConfigResult| c.models.iter().map(|m| m.mean_score).collect::<Vec<_>>();
    let lim = range(both(means));
    let mut s = canvas(
        "Mean score per model",
        (lim, None),
        lim,
        &a.config.name,
        &b.config.name,
    );
    let _ = write!(
        s,
        "<line x1=\"{PAD}\" y1=\"{}\" x2=\"{}\" y2=\"{PAD}\" stroke=\"#bbb\" \
         stroke-dasharray=\"4 3\"/>",
        H - PAD,
        W - 16.0
    );
    for (x, y) in a.models.iter().zip(&b.models) {
        if x.mean_score.is_finite() && y.mean_score.is_finite() {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.6\" fill=\"#1f77b4\" fill-opacity=\"0.5\"/>",
                scale(x.mean_score, lim, PAD, W - 16.0),
                scale(y.mean_score, lim, H - PAD, PAD)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Histogram of rank shifts `rank_a − rank_b` (positive: the model moves up under `b`).
fn shift_histogram(a: &ConfigResult, b: &ConfigResult) -> String {
    let shifts: Vec<f64> = a
        .models
        .iter()
        .zip(&b.models)
        .map(|(x, y)| x.rank as f64 - y.rank as f64)
        .collect();
    let lim = range(shifts.iter().copied());
    const BINS: usize = 40;
    let mut counts = [0usize; BINS];
    for &v in &shifts {
        let i = ((v - lim.0) / (lim.1 - lim.0) * BINS as f64).floor() as usize;
        counts[i.min(BINS - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut s = canvas(
        "Rank shift per model",
        (lim, None),
        (0.0, top),
        &format!(
            "rank under {} − rank under {}",
            a.config.name, b.config.name
        ),
        "models",
    );
    let width = (W - 16.0 - PAD) / BINS as f64;
    for (i, &c) in counts.iter().enumerate() {
        let h = c as f64 / top * (H - 2.0 * PAD);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#2ca02c\"/>",
            PAD + i as f64 * width,
            H - PAD - h,
            (width - 1.0).max(0.5),
            h
        );
    }
    s.push_str("</svg>");
    s
}

fn winners_table(out: &mut String, r: &CompareReport, a: &ConfigResult, b: &ConfigResult) {
    let order = by_payout_change(a, b);
    let row = |out: &mut String, m: usize| {
        let (x, y) = (&a.models[m], &b.models[m]);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.models[m]),
            fmt(x.stake0),
            fmt(x.total_payout),
            fmt(y.total_payout),
            fmt(y.total_payout - x.total_payout),
            x.rank,
            y.rank
        );
    };
    let head = format!(
        "<tr><th>model</th><th>stake</th><th>payout {a}</th><th>payout {b}</th>\
         <th>change</th><th>rank {a}</th><th>rank {b}</th></tr>",
        a = escape(&a.config.name),
        b = escape(&b.config.name)
    );
    let _ = write!(out, "<h3>Largest winners</h3><table>{head}");
    for &m in order.iter().take(10) {
        row(out, m);
    }
    let _ = write!(out, "</table><h3>Largest losers</h3><table>{head}");
    for &m in order.iter().rev().take(10) {
        row(out, m);
    }
    out.push_str("</table>");
}

/// The whole page.
pub fn html(r: &CompareReport) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>erascore compare</title><style>\
         body{font-family:sans-serif;margin:24px;color:#222}\
         table{border-collapse:collapse;margin:8px 0 16px}\
         td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;font-size:13px}\
         td:first-child,th:first-child{text-align:left}\
         .charts{display:flex;flex-wrap:wrap;gap:12px}\
         </style></head><body><h1>erascore compare</h1>",
    );
    let _ = write!(
        out,
        "<p>{} models, {} rounds ({} … {}), {} configurations.</p><table>\
         <tr><th>configuration</th><th>score</th><th>cap</th><th>meta model</th>\
         <th>paid</th><th>burned</th><th>net</th></tr>",
        r.models.len(),
        r.rounds.len(),
        escape(r.rounds.first().map_or("", String::as_str)),
        escape(r.rounds.last().map_or("", String::as_str)),
        r.configs.len()
    );
    for c in &r.configs {
        let paid: f64 = c.rounds.iter().map(|x| x.paid).sum();
        let burned: f64 = c.rounds.iter().map(|x| x.burned).sum();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.config.name),
            escape(&c.config.formula()),
            fmt(c.config.rule.cap),
            escape(&if c.config.needs_meta_model() {
                c.config.meta_model.label()
            } else {
                "–".into()
            }),
            fmt(paid),
            fmt(burned),
            fmt(paid - burned)
        );
    }
    out.push_str("</table>");
    out.push_str(&cumulative_chart(r));
    for (i, a) in r.configs.iter().enumerate() {
        for b in &r.configs[i + 1..] {
            let _ = write!(
                out,
                "<h2>{} vs {}</h2><div class=\"charts\">{}{}</div>",
                escape(&a.config.name),
                escape(&b.config.name),
                scatter(a, b),
                shift_histogram(a, b)
            );
            winners_table(&mut out, r, a, b);
        }
    }
    out.push_str("</body></html>\n");
    out
}
