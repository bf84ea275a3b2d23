//! `erascore.payout`: stake trajectories under a payout rule, from per-round scores the
//! Python glue has already picked out of a frame (rounds, models, the two score columns).
//! The rule, the NaN policy, the payout factor and the simulation are the payout crate's,
//! exactly as `erascore payout` uses them.

use std::collections::HashMap;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use erascore_payout::series::group_by_model;
use erascore_payout::simulate::check_stake;
use erascore_payout::{
    run_model, BootstrapOptions, BootstrapReport, ModelRun, NanPolicy, PayoutError, PayoutFactor,
    Preset, Quantiles, Rule, RuleOverrides, RunRequest, Summary, TrajectoryTable,
    TRAJECTORY_COLUMNS,
};

use crate::errors::{error, keyword, Kind};

/// A payout error raised before the run (the rule, its overrides, the factor, a stake),
/// its inputs named by keyword.
fn err(e: PayoutError) -> PyErr {
    error(Kind::Argument, e.render(&keyword))
}

/// The rule's default score columns: `(first, second)`, e.g. `("corr", "mmc")`.
#[pyfunction]
fn payout_score_columns(rule: &str) -> PyResult<(String, String)> {
    let preset: Preset = rule.parse().map_err(err)?;
    let (corr, mmc) = preset.score_columns();
    Ok((corr.to_string(), mmc.to_string()))
}

/// Simulates every model's stake under `rule`. Returns a dict: `trajectory` (columns round,
/// model, at_risk, score, payout_fraction, payout, stake), `summary` (one row per model),
/// `skipped` (model -> rounds left out for NaN scores) and, with `bootstrap` trajectories,
/// `bootstrap` (one row per model: the quantiles `erascore payout --bootstrap` prints) and
/// `fan` (one row per model and point of the stake path: its quantiles, the realised stake).
#[pyfunction]
#[pyo3(signature = (rounds, models, corr, mmc, stakes, *, rule, corr_col, mmc_col, corr_multiplier, mmc_multiplier, cap, resolve_lag, threshold, payout_factor, total_at_risk, nan, bootstrap=None, block=None, seed=None))]
#[allow(clippy::too_many_arguments)]
fn payout_series<'py>(
    py: Python<'py>,
    rounds: Vec<String>,
    models: Vec<String>,
    corr: Option<PyReadonlyArray1<'py, f64>>,
    mmc: Option<PyReadonlyArray1<'py, f64>>,
    stakes: HashMap<String, f64>,
    rule: &str,
    corr_col: &str,
    mmc_col: &str,
    corr_multiplier: Option<f64>,
    mmc_multiplier: Option<f64>,
    cap: Option<f64>,
    resolve_lag: Option<usize>,
    threshold: Option<f64>,
    payout_factor: Option<f64>,
    total_at_risk: Option<f64>,
    nan: &str,
    bootstrap: Option<usize>,
    block: Option<usize>,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    // The fan (per-round quantiles) is always kept: it is what `Payout.plot()` draws.
    let bootstrap = BootstrapOptions::resolve(bootstrap, block, seed, true)
        .map_err(|e| error(Kind::Argument, e.message().render(&crate::errors::keyword)))?;
    let preset: Preset = rule.parse().map_err(err)?;
    let rule = Rule::new(
        preset,
        &RuleOverrides {
            corr_multiplier,
            mmc_multiplier,
            cap,
            resolve_lag,
            threshold,
        },
    )
    .map_err(err)?;
    let nan = match nan {
        "skip" => NanPolicy::Skip,
        "zero" => NanPolicy::Zero,
        "error" => NanPolicy::Error,
        other => {
            return Err(error(
                Kind::Argument,
                format!("nan= must be 'skip', 'zero' or 'error', got '{other}'"),
            ))
        }
    };
    let factor = match (payout_factor, total_at_risk) {
        (Some(_), Some(_)) => {
            return Err(error(
                Kind::Argument,
                "give payout_factor= or total_at_risk=, not both",
            ))
        }
        (Some(f), None) => PayoutFactor::constant(f).map_err(err)?,
        (None, Some(x)) => {
            PayoutFactor::from_total_at_risk(rule.require_threshold().map_err(err)?, x)
                .map_err(err)?
        }
        (None, None) => PayoutFactor::default(),
    };
    for (model, &stake) in &stakes {
        check_stake(Some(model), stake)
            .map_err(|e| error(Kind::Argument, format!("stakes=: {e}")))?;
    }
    // A score the rule weighs must be there; one it does not weigh need not exist. A missing
    // second score is the payout crate's to refuse (`MissingScoreColumn`, per-round
    // multipliers included), naming mmc_col= and mmc_multiplier=.
    if rule.uses_corr() && corr.is_none() {
        return Err(error(
            Kind::Argument,
            format!("the scores have no '{corr_col}' column, which the rule weighs"),
        ));
    }
    let corr = match corr {
        Some(c) => c.as_slice()?.to_vec(),
        None => vec![f64::NAN; rounds.len()],
    };
    let mmc = mmc.map(|m| m.as_slice().map(<[f64]>::to_vec)).transpose()?;

    let runs = py.detach(|| -> Result<Vec<ModelRun>, String> {
        let series = group_by_model(&rounds, &models, &corr, mmc.as_deref())
            .map_err(|e| format!("scores=: {e}"))?;
        if series.is_empty() {
            return Err("scores=: no score rows".to_string());
        }
        let request = RunRequest {
            rule: &rule,
            per_round: None,
            nan,
            corr_column: corr_col,
            mmc_column: mmc_col,
            factor: &factor,
            bootstrap,
        };
        series
            .iter()
            .map(|m| {
                let stake0 = *stakes
                    .get(&m.model)
                    .ok_or_else(|| format!("model '{}' has scores but no stake", m.model))?;
                run_model(&request, m, stake0, &|_| false).map_err(|e| match e {
                    // The run's size is the caller's argument, not the model's.
                    e @ PayoutError::BootstrapTooLarge { .. } => e.render(&keyword),
                    // Most run errors name the model already; the rest get it in front.
                    e => {
                        let text = e.render(&keyword);
                        if text.contains(&format!("model '{}'", m.model)) {
                            text
                        } else {
                            format!("model '{}': {text}", m.model)
                        }
                    }
                })
            })
            .collect()
    });
    let runs = runs.map_err(|e| error(Kind::Data, e))?;

    let table = TrajectoryTable::new(&runs);
    let trajectory = PyDict::new(py);
    let text = |s: &erascore_io::Strings| s.iter().map(str::to_string).collect::<Vec<_>>();
    trajectory.set_item("round", text(&table.round))?;
    trajectory.set_item("model", text(&table.model))?;
    for (name, v) in TRAJECTORY_COLUMNS.into_iter().zip(table.columns) {
        trajectory.set_item(name, PyArray1::from_vec(py, v))?;
    }

    let summary = PyDict::new(py);
    let column =
        |f: &dyn Fn(&Summary) -> f64| -> Vec<f64> { runs.iter().map(|r| f(&r.summary)).collect() };
    summary.set_item(
        "model",
        runs.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
    )?;
    summary.set_item(
        "rounds",
        runs.iter().map(|r| r.summary.rounds).collect::<Vec<_>>(),
    )?;
    let floats = [
        ("stake0", column(&|s| s.stake0)),
        ("final_stake", column(&|s| s.final_stake)),
        (
            "total_return",
            column(&|s| s.total_return.unwrap_or(f64::NAN)),
        ),
        ("max_drawdown", column(&|s| s.max_drawdown)),
        ("burn_share", column(&|s| s.burn_share)),
    ];
    for (name, values) in floats {
        summary.set_item(name, PyArray1::from_vec(py, values))?;
    }
    summary.set_item(
        "rounds_at_cap_up",
        runs.iter()
            .map(|r| r.summary.rounds_at_cap_up)
            .collect::<Vec<_>>(),
    )?;
    summary.set_item(
        "rounds_at_cap_down",
        runs.iter()
            .map(|r| r.summary.rounds_at_cap_down)
            .collect::<Vec<_>>(),
    )?;
    let skipped = PyDict::new(py);
    for r in runs.iter().filter(|r| !r.skipped.is_empty()) {
        skipped.set_item(&r.model, r.skipped.clone())?;
    }
    let result = PyDict::new(py);
    result.set_item("trajectory", trajectory)?;
    result.set_item("summary", summary)?;
    result.set_item("skipped", skipped)?;
    if runs.iter().any(|r| r.bootstrap.is_some()) {
        result.set_item("bootstrap", bootstrap_summary(py, &runs)?)?;
        result.set_item("fan", fan(py, &runs)?)?;
    }
    Ok(result)
}

const QUANTILE_NAMES: [&str; 5] = ["p05", "p25", "p50", "p75", "p95"];

/// One row per bootstrapped model: trajectories, block, seed, the final stake's and the
/// worst drawdown's quantiles, and the share of trajectories ending below the start.
fn bootstrap_summary<'py>(py: Python<'py>, runs: &[ModelRun]) -> PyResult<Bound<'py, PyDict>> {
    let boots: Vec<(&ModelRun, &BootstrapReport)> = runs
        .iter()
        .filter_map(|r| r.bootstrap.as_ref().map(|b| (r, b)))
        .collect();
    let out = PyDict::new(py);
    out.set_item(
        "model",
        boots
            .iter()
            .map(|(r, _)| r.model.clone())
            .collect::<Vec<_>>(),
    )?;
    out.set_item(
        "trajectories",
        boots
            .iter()
            .map(|(_, b)| b.trajectories)
            .collect::<Vec<_>>(),
    )?;
    out.set_item(
        "block",
        boots.iter().map(|(_, b)| b.block).collect::<Vec<_>>(),
    )?;
    for (what, pick) in [
        (
            "final_stake",
            (|b| &b.final_stake) as fn(&BootstrapReport) -> &Quantiles,
        ),
        ("max_drawdown", |b| &b.max_drawdown),
    ] {
        for (i, q) in QUANTILE_NAMES.iter().enumerate() {
            let values: Vec<f64> = boots.iter().map(|(_, b)| pick(b).to_array()[i]).collect();
            out.set_item(format!("{what}_{q}"), PyArray1::from_vec(py, values))?;
        }
    }
    let below: Vec<f64> = boots.iter().map(|(_, b)| b.p_final_below_start).collect();
    out.set_item("p_final_below_start", PyArray1::from_vec(py, below))?;
    Ok(out)
}

/// One row per bootstrapped model and point of its stake path (step 0 the start, step k
/// after round k's payout, `round` its label): the quantiles of the bootstrapped stakes and
/// the realised stake (`actual`), as `erascore payout --bootstrap --chart` draws them.
fn fan<'py>(py: Python<'py>, runs: &[ModelRun]) -> PyResult<Bound<'py, PyDict>> {
    let mut model = Vec::new();
    let mut step = Vec::new();
    let mut round: Vec<Option<String>> = Vec::new();
    let mut actual = Vec::new();
    let mut bands: [Vec<f64>; 5] = Default::default();
    for r in runs {
        let Some(fan) = r.bootstrap.as_ref().and_then(|b| b.fan.as_deref()) else {
            continue;
        };
        let realised = r.trajectory.balances();
        for (k, (q, a)) in fan.iter().zip(realised).enumerate() {
            model.push(r.model.clone());
            step.push(k);
            round.push(k.checked_sub(1).map(|i| r.rounds[i].clone()));
            actual.push(a);
            for (band, v) in bands.iter_mut().zip(q.to_array()) {
                band.push(v);
            }
        }
    }
    let out = PyDict::new(py);
    out.set_item("model", model)?;
    out.set_item("step", step)?;
    out.set_item("round", round)?;
    for (name, band) in QUANTILE_NAMES.into_iter().zip(bands) {
        out.set_item(name, PyArray1::from_vec(py, band))?;
    }
    out.set_item("actual", PyArray1::from_vec(py, actual))?;
    Ok(out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(payout_series, m)?)?;
    m.add_function(wrap_pyfunction!(payout_score_columns, m)?)?;
    Ok(())
}
