//! The outputs of `erascore payout` (and `erascore.payout`'s JSON): the trajectory file,
//! `summary.json` and the two printed tables, laid out from the runs the payout crate
//! computed ([`erascore_payout::run_model`]).

use std::path::Path;

use serde_json::{json, Value};

use erascore_io::frame::{Column, Frame, Values};
use erascore_io::FloatWidth;
use erascore_payout::{
    ModelRun, PayoutFactor, Quantiles, Rule, TrajectoryTable, TRAJECTORY_COLUMNS,
};

use crate::{fmt, table};

/// What `summary.json` says about how the run was made, beside the runs themselves.
#[derive(Debug, Clone, Copy)]
pub struct PayoutRunInfo<'a> {
    /// The rule applied.
    pub rule: &'a Rule,
    /// The scores file's columns read as the rule's first and second score.
    pub corr_column: &'a str,
    /// See `corr_column`.
    pub mmc_column: &'a str,
    /// The per-round multipliers file, when one was given.
    pub multipliers_file: Option<&'a Path>,
    /// The payout factor applied.
    pub factor: &'a PayoutFactor,
    /// The file the per-round factors came from, when they came from one.
    pub factor_file: Option<&'a Path>,
    /// The bootstrap's seed, when the run bootstrapped.
    pub bootstrap_seed: Option<u64>,
}

/// The trajectory file: one row per model and round (`round, model`, then
/// [`TRAJECTORY_COLUMNS`]), models in the order they ran.
pub fn trajectory_frame(path: &Path, runs: &[ModelRun]) -> anyhow::Result<Frame> {
    let table = TrajectoryTable::new(runs);
    let mut columns = vec![
        Column {
            name: "round".into(),
            values: Values::Text(table.round),
        },
        Column {
            name: "model".into(),
            values: Values::Text(table.model),
        },
    ];
    columns.extend(
        TRAJECTORY_COLUMNS
            .iter()
            .zip(table.columns)
            .map(|(n, v)| Column {
                name: (*n).into(),
                values: Values::Float(v, FloatWidth::F64),
            }),
    );
    Ok(Frame::new(path, columns)?)
}

fn quantiles_json(q: &Quantiles) -> Value {
    json!({"p05": q.p05, "p25": q.p25, "p50": q.p50, "p75": q.p75, "p95": q.p95})
}

/// `summary.json` of a payout run: the rule as applied, the payout factor, and per model
/// the summary and (with a bootstrap) its quantiles.
pub fn summary_json(run: &PayoutRunInfo<'_>, runs: &[ModelRun]) -> Value {
    let rule = run.rule;
    let factor = match (run.factor, run.factor_file) {
        (PayoutFactor::Constant(v), _) => json!({"kind": "constant", "value": v}),
        (PayoutFactor::PerRound(_), None) => json!({"kind": "per_round"}),
        (PayoutFactor::PerRound(_), Some(p)) => {
            json!({"kind": "per_round", "file": p.display().to_string()})
        }
    };
    let models: Vec<Value> = runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            let boot = r.bootstrap.as_ref().map(|b| {
                json!({
                    "trajectories": b.trajectories,
                    "block": b.block,
                    "seed": run.bootstrap_seed,
                    "final_stake": quantiles_json(&b.final_stake),
                    "max_drawdown": quantiles_json(&b.max_drawdown),
                    "p_final_below_start": b.p_final_below_start,
                })
            });
            json!({
                "model": r.model,
                "rounds": s.rounds,
                "skipped_rounds": r.skipped,
                "stake0": s.stake0,
                "final_stake": s.final_stake,
                "total_return": s.total_return,
                "max_drawdown": s.max_drawdown,
                "burn_share": s.burn_share,
                "rounds_at_cap": s.rounds_at_cap(),
                "rounds_at_cap_up": s.rounds_at_cap_up,
                "rounds_at_cap_down": s.rounds_at_cap_down,
                "bootstrap": boot,
            })
        })
        .collect();
    json!({
        "rule": {
            "name": rule.preset.name(),
            "corr_multiplier": rule.corr_multiplier,
            "mmc_multiplier": rule.mmc_multiplier,
            "cap": rule.cap,
            "resolve_lag": rule.resolve_lag,
            "threshold": rule.threshold,
            "corr_column": run.corr_column,
            "mmc_column": run.mmc_column,
            "per_round_multipliers": run.multipliers_file.map(|p| p.display().to_string()),
        },
        "payout_factor": factor,
        "models": models,
    })
}

fn pct(x: f64) -> String {
    format!("{:+.2}%", 100.0 * x)
}

/// The table `erascore payout` prints: one row per model.
pub fn summary_table(runs: &[ModelRun]) -> String {
    let header = [
        "model",
        "rounds",
        "start",
        "final",
        "return",
        "max drawdown",
        "burned",
        "at cap (+/-)",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            vec![
                r.model.clone(),
                s.rounds.to_string(),
                fmt(s.stake0),
                fmt(s.final_stake),
                s.total_return.map_or_else(String::new, pct),
                format!("{:.2}%", 100.0 * s.max_drawdown),
                format!("{:.1}%", 100.0 * s.burn_share),
                format!(
                    "{} ({}/{})",
                    s.rounds_at_cap(),
                    s.rounds_at_cap_up,
                    s.rounds_at_cap_down
                ),
            ]
        })
        .collect();
    table(&header, &rows, 1)
}

/// The bootstrap table printed after it, when the run bootstrapped.
pub fn bootstrap_table(runs: &[ModelRun]) -> String {
    let header = [
        "model",
        "final p5",
        "p25",
        "p50",
        "p75",
        "p95",
        "drawdown p50",
        "p95",
        "P(final < start)",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .filter_map(|r| r.bootstrap.as_ref().map(|b| (r, b)))
        .map(|(r, b)| {
            let mut row = vec![r.model.clone()];
            row.extend(b.final_stake.to_array().map(fmt));
            row.push(format!("{:.2}%", 100.0 * b.max_drawdown.p50));
            row.push(format!("{:.2}%", 100.0 * b.max_drawdown.p95));
            row.push(format!("{:.1}%", 100.0 * b.p_final_below_start));
            row
        })
        .collect();
    let first = runs.iter().find_map(|r| r.bootstrap.as_ref());
    let mut out = first.map_or_else(String::new, |b| {
        format!(
            "bootstrap: {} trajectories per model, blocks of {} rounds\n",
            b.trajectories, b.block
        )
    });
    out.push_str(&table(&header, &rows, 1));
    out
}
