//! The stakes file (`model,stake`, CSV or parquet), read the same way by `score --stakes`,
//! `compare`, `metamodel` and `payout --stakes`: every model once, every stake finite and
//! >= 0 (the rule itself is [`erascore_payout::simulate::check_stake`]).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};

use erascore_io::frame::read_frame;
use erascore_io::Strings;
use erascore_payout::simulate::check_stake;

use crate::compare::StakeChange;
use crate::inputs::Predictions;

/// The stakes file mapped onto prediction columns: (column index, stake), every staked
/// model a column of `predictions`, not all stakes zero.
pub fn read_column_stakes(
    path: &Path,
    predictions: &Predictions,
) -> anyhow::Result<Vec<(usize, f64)>> {
    column_stakes(path, read_stakes(path)?, predictions)
}

/// (model, stake) of the stakes file `path` mapped onto prediction columns, as
/// [`read_column_stakes`]: the engine's stake rule ([`crate::request::column_stakes`]).
pub fn column_stakes(
    path: &Path,
    stakes: Vec<(String, f64)>,
    predictions: &Predictions,
) -> anyhow::Result<Vec<(usize, f64)>> {
    Ok(crate::request::column_stakes(
        &stakes,
        Some(path),
        predictions,
    )?)
}

/// Stakes that change by round (`round, model, stake`), against the rounds of a run (in
/// order): each row sets the model's stake at the start of its round, so a model's stake
/// before its first row is 0, and between its rows stakes compound.
#[derive(Debug, Clone, PartialEq)]
pub struct StakeSchedule {
    /// (model, stake at the start of the first round) in order of first appearance; 0 for
    /// a model whose first row is a later round.
    pub start: Vec<(String, f64)>,
    /// (model, round, stake) of the rows after the first round, in round order per model.
    pub changes: Vec<(String, String, f64)>,
}

/// Reads a `round, model, stake` file (CSV or parquet) against `rounds`, the run's rounds
/// in order; `Ok(None)` for a file without a `round` column. Every row's round must be one
/// of `rounds`, and every (round, model) is given once; errors name the file, line, model
/// and round.
pub fn read_stake_schedule(
    path: &Path,
    rounds: &[String],
) -> anyhow::Result<Option<StakeSchedule>> {
    let frame = read_frame(path)?;
    if !frame.has("round") {
        return Ok(None);
    }
    let position: HashMap<&str, usize> = rounds
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let (round_of, models) = (frame.text("round")?, frame.text("model")?);
    let (stakes, _) = frame.float("stake")?;
    let mut order: Vec<&str> = Vec::new();
    let mut rows: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    let mut seen: HashMap<(&str, usize), usize> = HashMap::new();
    for i in 0..frame.rows() {
        let (m, r, s) = (&models[i], &round_of[i], stakes[i]);
        let at = || format!("{}: {}", path.display(), frame.location(i));
        if m.trim().is_empty() {
            bail!("{}: no model name", at());
        }
        if r.trim().is_empty() {
            bail!("{}: model '{m}': no round", at());
        }
        let Some(&p) = position.get(r) else {
            bail!(
                "{}: model '{m}', round '{r}': not a round of this run (its rounds are the \
                 data's eras, {} to {})",
                at(),
                rounds.first().map_or("", String::as_str),
                rounds.last().map_or("", String::as_str)
            );
        };
        check_stake(Some(m), s).with_context(|| format!("{}, round '{r}'", at()))?;
        if let Some(first) = seen.insert((m, p), i) {
            bail!(
                "{}: model '{m}' has a second stake for round '{r}' (the first is at {}); give \
                 each (round, model) one",
                at(),
                frame.location(first)
            );
        }
        let entry = rows.entry(m).or_default();
        if entry.is_empty() {
            order.push(m);
        }
        entry.push((p, i));
    }
    if order.is_empty() {
        bail!("{}: no stakes", path.display());
    }
    let mut schedule = StakeSchedule {
        start: Vec::with_capacity(order.len()),
        changes: Vec::new(),
    };
    for m in order {
        let mut entries = rows.remove(m).unwrap_or_default();
        entries.sort_unstable();
        let start = match entries.first() {
            Some(&(0, i)) => stakes[i],
            _ => 0.0,
        };
        schedule.start.push((m.to_string(), start));
        for &(p, i) in entries.iter().filter(|(p, _)| *p > 0) {
            schedule
                .changes
                .push((m.to_string(), rounds[p].clone(), stakes[i]));
        }
    }
    Ok(Some(schedule))
}

/// (model, stake) in file order.
pub fn read_stakes(path: &Path) -> anyhow::Result<Vec<(String, f64)>> {
    let frame = read_frame(path)?;
    if frame.has("round") {
        bail!(
            "{}: stakes that change by round (round, model, stake) are read only by compare \
             (`erascore compare`, `erascore.compare`, `erascore.ray.compare`); here give one \
             stake per model (model, stake)",
            path.display()
        );
    }
    let models = frame.text("model")?;
    let (stakes, _) = frame.float("stake")?;
    let mut out: Vec<(String, f64)> = Vec::with_capacity(models.len());
    for (i, (m, &s)) in models.iter().zip(stakes.iter()).enumerate() {
        let at = || format!("{}: {}", path.display(), frame.location(i));
        if m.trim().is_empty() {
            bail!("{}: no model name", at());
        }
        check_stake(Some(m), s).with_context(at)?;
        if let Some(first) = out.iter().position(|(name, _)| name == m) {
            bail!(
                "{}: model '{m}' has a second stake (the first is at {}); give each model one",
                at(),
                frame.location(first)
            );
        }
        out.push((m.to_string(), s));
    }
    if out.is_empty() {
        bail!("{}: no stakes", path.display());
    }
    Ok(out)
}

/// Model names, and (model index, stake) in the stakes file's order.
pub type ModelStakes = (Vec<String>, Vec<(usize, f64)>);

/// The model columns of the predictions file and the stakes file mapped onto them, exactly
/// as `score --stakes` maps it.
pub fn compare_models(predictions: &Path, stakes: &Path) -> anyhow::Result<ModelStakes> {
    let (models, columns) = model_columns(predictions)?;
    let stakes = read_column_stakes(stakes, &columns)?;
    Ok((models, stakes))
}

/// The prediction models of `predictions` (its columns, or a long file's models), and
/// them as the predictions' columns the stakes file is matched against.
fn model_columns(predictions: &Path) -> anyhow::Result<(Vec<String>, Predictions)> {
    let models = crate::read::predictions::models(predictions)?;
    let columns = Predictions {
        path: predictions.to_path_buf(),
        ids: Strings::default(),
        eras: None,
        names: models.clone(),
        values: Vec::new(),
    };
    Ok((models, columns))
}

/// Stakes set after the first round, in file order per model.
pub type StakeChanges = Vec<StakeChange>;

/// [`compare_models`] for a stakes file of either shape: `model, stake`, or `round, model,
/// stake` read against `rounds` (the data's eras in order,
/// [`read_stake_schedule`]): the models, their stakes at the start of the
/// first round, and the later changes.
pub fn compare_stakes(
    predictions: &Path,
    stakes: &Path,
    rounds: &[String],
) -> anyhow::Result<(ModelStakes, StakeChanges)> {
    let Some(schedule) = read_stake_schedule(stakes, rounds)? else {
        return Ok((compare_models(predictions, stakes)?, Vec::new()));
    };
    let (models, columns) = model_columns(predictions)?;
    let start = column_stakes(stakes, schedule.start, &columns)?;
    let index: std::collections::HashMap<&str, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let changes = schedule
        .changes
        .into_iter()
        .filter_map(|(model, round, stake)| {
            index.get(model.as_str()).map(|&m| StakeChange {
                model: m,
                round,
                stake,
            })
        })
        .collect();
    Ok(((models, start), changes))
}
