//! The files `erascore compare` writes for every front end (the CLI command,
//! `erascore.compare` in Python): the tables and `compare.json` written from what
//! [`erascore_engine::compare`] computed. (The configurations are read by
//! [`erascore_engine::read::compare_configs`].)

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

use erascore_engine::compare::{by_payout_change, spearman_finite, CompareReport, ConfigResult};
use erascore_io::frame::{write_frame_unstaged, Column, Frame, Values};
use erascore_io::FloatWidth;

/// The files of a compare output folder.
pub const FILES: [&str; 4] = [
    "per_model.parquet",
    "per_round.parquet",
    "compare.json",
    "report.html",
];

/// How many models each winners/losers list and flip list names.
const LISTED: usize = 10;

fn text(values: impl IntoIterator<Item = String>) -> Values {
    Values::Text(values.into_iter().collect())
}

fn float(values: impl IntoIterator<Item = f64>) -> Values {
    Values::Float(values.into_iter().collect(), FloatWidth::F64)
}

fn col(name: &str, values: Values) -> Column {
    Column {
        name: name.into(),
        values,
    }
}

/// One row per (configuration, model).
pub fn per_model_frame(path: &Path, r: &CompareReport) -> anyhow::Result<Frame> {
    let rows = || {
        r.configs
            .iter()
            .flat_map(|c| c.models.iter().enumerate().map(move |(m, x)| (c, m, x)))
    };
    Ok(Frame::new(
        path,
        vec![
            col("model", text(rows().map(|(_, m, _)| r.models[m].clone()))),
            col(
                "config",
                text(rows().map(|(c, _, _)| c.config.name.clone())),
            ),
            col("mean_score", float(rows().map(|(_, _, x)| x.mean_score))),
            col("sharpe", float(rows().map(|(_, _, x)| x.sharpe))),
            col("hit_rate", float(rows().map(|(_, _, x)| x.hit_rate))),
            col("stake", float(rows().map(|(_, _, x)| x.stake0))),
            col(
                "total_payout",
                float(rows().map(|(_, _, x)| x.total_payout)),
            ),
            col("final_stake", float(rows().map(|(_, _, x)| x.final_stake))),
            col("rank", float(rows().map(|(_, _, x)| x.rank as f64))),
            col(
                "skipped_rounds",
                float(rows().map(|(_, _, x)| x.skipped as f64)),
            ),
        ],
    )?)
}

/// One row per (configuration, round).
pub fn per_round_frame(path: &Path, r: &CompareReport) -> anyhow::Result<Frame> {
    let rows = || {
        r.configs
            .iter()
            .flat_map(|c| c.rounds.iter().enumerate().map(move |(t, x)| (c, t, x)))
    };
    Ok(Frame::new(
        path,
        vec![
            col("round", text(rows().map(|(_, t, _)| r.rounds[t].clone()))),
            col(
                "config",
                text(rows().map(|(c, _, _)| c.config.name.clone())),
            ),
            col("paid", float(rows().map(|(_, _, x)| x.paid))),
            col("burned", float(rows().map(|(_, _, x)| x.burned))),
            col("net", float(rows().map(|(_, _, x)| x.paid - x.burned))),
            col(
                "payout_factor",
                float(rows().map(|(_, _, x)| x.payout_factor)),
            ),
            col("top1_share", float(rows().map(|(_, _, x)| x.top1_share))),
            col("top10_share", float(rows().map(|(_, _, x)| x.top10_share))),
            col("gini", float(rows().map(|(_, _, x)| x.gini))),
        ],
    )?)
}

/// Totals of one configuration over every model and round.
pub struct Totals {
    /// Sum of positive payouts over rounds.
    pub paid: f64,
    /// Sum of burns (positive).
    pub burned: f64,
    /// Sum of starting stakes.
    pub stake0: f64,
    /// Sum of final stakes.
    pub final_stake: f64,
    /// Stake-weighted mean of the models' mean scores.
    pub weighted_score: f64,
}

pub fn totals(c: &ConfigResult) -> Totals {
    let (mut ws, mut w) = (0.0, 0.0);
    for m in c.models.iter().filter(|m| m.mean_score.is_finite()) {
        ws += m.stake0 * m.mean_score;
        w += m.stake0;
    }
    Totals {
        paid: c.rounds.iter().map(|r| r.paid).sum(),
        burned: c.rounds.iter().map(|r| r.burned).sum(),
        stake0: c.models.iter().map(|m| m.stake0).sum(),
        final_stake: c.models.iter().map(|m| m.final_stake).sum(),
        weighted_score: if w > 0.0 { ws / w } else { f64::NAN },
    }
}

fn config_json(c: &ConfigResult) -> Value {
    let t = totals(c);
    let k = &c.config;
    json!({
        "name": k.name,
        "rule": k.rule.preset.name(),
        "score": k.formula(),
        "target": k.target,
        "meta_model": k.needs_meta_model().then(|| k.meta_model.label()),
        "cap": k.rule.cap,
        "resolve_lag": k.rule.resolve_lag,
        "payout_factor": c.rounds.first().map(|r| r.payout_factor),
        "total_paid": t.paid,
        "total_burned": t.burned,
        "net": t.paid - t.burned,
        "stake_start": t.stake0,
        "stake_final": t.final_stake,
        "stake_weighted_mean_score": t.weighted_score,
    })
}

/// The comparison of configurations `a` and `b`.
fn pair_json(r: &CompareReport, a: &ConfigResult, b: &ConfigResult) -> Value {
    let field = |c: &ConfigResult, f: fn(&erascore_engine::compare::ModelResult) -> f64| {
        c.models.iter().map(f).collect::<Vec<f64>>()
    };
    let (pa, pb) = (field(a, |m| m.total_payout), field(b, |m| m.total_payout));
    let flips = |from: fn(f64) -> bool, to: fn(f64) -> bool| {
        let models: Vec<&String> = (0..r.models.len())
            .filter(|&m| from(pa[m]) && to(pb[m]))
            .map(|m| &r.models[m])
            .collect();
        json!({"count": models.len(), "models": models.iter().take(LISTED).collect::<Vec<_>>()})
    };
    let earn = |x: f64| x > 0.0;
    let burn = |x: f64| x < 0.0;
    let by_nmr = by_payout_change(a, b);
    let nmr_entry =
        |m: usize| json!({"model": r.models[m], "a": pa[m], "b": pb[m], "change": pb[m] - pa[m]});
    let shift = |m: usize| a.models[m].rank as i64 - b.models[m].rank as i64;
    let mut by_rank: Vec<usize> = (0..r.models.len()).collect();
    by_rank.sort_by(|&x, &y| shift(y).cmp(&shift(x)).then(x.cmp(&y)));
    let rank_entry = |m: usize| {
        json!({"model": r.models[m], "rank_a": a.models[m].rank, "rank_b": b.models[m].rank,
               "shift": shift(m)})
    };
    let (ta, tb) = (totals(a), totals(b));
    json!({
        "a": a.config.name,
        "b": b.config.name,
        "spearman_mean_score": spearman_finite(&field(a, |m| m.mean_score), &field(b, |m| m.mean_score)),
        "spearman_total_payout": spearman_finite(&pa, &pb),
        "earn_to_burn": flips(earn, burn),
        "burn_to_earn": flips(burn, earn),
        "winners_by_nmr": by_nmr.iter().take(LISTED).map(|&m| nmr_entry(m)).collect::<Vec<_>>(),
        "losers_by_nmr": by_nmr.iter().rev().take(LISTED).map(|&m| nmr_entry(m)).collect::<Vec<_>>(),
        "winners_by_rank": by_rank.iter().take(LISTED).map(|&m| rank_entry(m)).collect::<Vec<_>>(),
        "losers_by_rank": by_rank.iter().rev().take(LISTED).map(|&m| rank_entry(m)).collect::<Vec<_>>(),
        "net_a": ta.paid - ta.burned,
        "net_b": tb.paid - tb.burned,
        "stake_weighted_mean_score_a": ta.weighted_score,
        "stake_weighted_mean_score_b": tb.weighted_score,
    })
}

pub fn summary_json(r: &CompareReport) -> Value {
    let mut pairs = Vec::new();
    for (i, a) in r.configs.iter().enumerate() {
        for b in &r.configs[i + 1..] {
            pairs.push(pair_json(r, a, b));
        }
    }
    json!({
        "models": r.models.len(),
        "rounds": r.rounds.len(),
        "scoring_passes": r.scoring_passes,
        "configs": r.configs.iter().map(config_json).collect::<Vec<_>>(),
        "pairs": pairs,
    })
}

/// Writes the compare folder's files ([`FILES`]) into `dir` (a staged folder); errors name
/// them under `shown`, the folder the user asked for.
pub fn write_compare(dir: &Path, shown: &Path, report: &CompareReport) -> anyhow::Result<()> {
    let per_model = dir.join(FILES[0]);
    write_frame_unstaged(
        &per_model,
        &per_model_frame(&per_model, report)?,
        &per_model,
    )?;
    let per_round = dir.join(FILES[1]);
    write_frame_unstaged(
        &per_round,
        &per_round_frame(&per_round, report)?,
        &per_round,
    )?;
    let json_path = dir.join(FILES[2]);
    let text = serde_json::to_string_pretty(&summary_json(report))?;
    std::fs::write(&json_path, text + "\n")
        .with_context(|| format!("{}", shown.join(FILES[2]).display()))?;
    let html_path = dir.join(FILES[3]);
    std::fs::write(&html_path, crate::compare::html(report))
        .with_context(|| format!("{}", shown.join(FILES[3]).display()))?;
    Ok(())
}
