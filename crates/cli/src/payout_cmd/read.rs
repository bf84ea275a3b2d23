//! The input files of `erascore payout`: the scores as per-model series, the rounds the
//! Signals stake rule unstakes, per-round payout factors and multipliers.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use anyhow::{bail, Context};

use erascore_io::frame::{read_frame, Frame};
use erascore_payout::series::{group_by_model, ModelScores};
use erascore_payout::{PayoutFactor, RoundMultipliers, Rule};

use super::{PayoutArgs, PayoutRequest};

/// The scores file as per-model series, after the target filter. Only the score columns
/// the rule weighs are read: the others need not exist, nor hold numbers.
pub(super) fn read_series(
    args: &PayoutArgs,
    plan: &PayoutRequest,
    per_round: Option<&RoundMultipliers>,
) -> anyhow::Result<Vec<ModelScores>> {
    let rule = &plan.rule;
    let (uses_corr, uses_mmc) = match per_round {
        Some(m) => (m.uses_corr(), m.uses_mmc()),
        None => (rule.uses_corr(), rule.uses_mmc()),
    };
    let frame = read_frame(&args.scores)?;
    let keep = target_rows(&frame, args.target.as_deref())?;
    let (rounds, models) = rounds_and_models(args, &frame, &keep)?;
    let corr = if uses_corr {
        pick(frame.float(&plan.corr_col)?.0.iter().copied(), &keep)
    } else {
        vec![f64::NAN; rounds.len()]
    };
    // A missing second score column is the payout crate's to refuse (`MissingScoreColumn`,
    // per-round multipliers included), with the message Python users read too.
    let mmc = if uses_mmc && frame.has(&plan.mmc_col) {
        Some(pick(frame.float(&plan.mmc_col)?.0.iter().copied(), &keep))
    } else {
        None
    };
    let series = group_by_model(&rounds, &models, &corr, mmc.as_deref())
        .with_context(|| args.scores.display().to_string())?;
    if series.is_empty() {
        bail!("{}: no score rows", args.scores.display());
    }
    Ok(series)
}

/// The round and model of each kept row of the scores file.
pub(super) fn rounds_and_models(
    args: &PayoutArgs,
    frame: &Frame,
    keep: &Option<Vec<bool>>,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let round_col = match &args.round_col {
        Some(c) => c.as_str(),
        None => round_column(frame)?,
    };
    let rounds = pick(frame.text(round_col)?.iter().map(str::to_string), keep);
    let models = if frame.has(&args.model_col) || args.model_col != "model" {
        pick(
            frame.text(&args.model_col)?.iter().map(str::to_string),
            keep,
        )
    } else {
        vec!["model".to_string(); rounds.len()]
    };
    Ok((rounds, models))
}

/// The (model, round) pairs the Signals stake rule unstakes: churn or turnover at or above
/// its limit. Empty without limits; the columns are read only for the limits given.
pub(super) fn read_unstaked(
    args: &PayoutArgs,
    plan: &PayoutRequest,
) -> anyhow::Result<HashSet<(String, String)>> {
    let mut out = HashSet::new();
    if !plan.limits.any() {
        return Ok(out);
    }
    let frame = read_frame(&args.scores)?;
    let keep = target_rows(&frame, args.target.as_deref())?;
    let (rounds, models) = rounds_and_models(args, &frame, &keep)?;
    let column = |name: &str, used: bool| -> anyhow::Result<Vec<f64>> {
        Ok(if used {
            pick(frame.float(name)?.0.iter().copied(), &keep)
        } else {
            vec![f64::NAN; rounds.len()]
        })
    };
    let churn = column(&args.churn_col, plan.limits.max_churn.is_some())?;
    let turnover = column(&args.turnover_col, plan.limits.max_turnover.is_some())?;
    for i in 0..rounds.len() {
        if plan.limits.unstakes(churn[i], turnover[i]) {
            out.insert((models[i].clone(), rounds[i].clone()));
        }
    }
    Ok(out)
}

/// The column ordering rounds: `round` if present, else `era`.
pub(super) fn round_column(frame: &Frame) -> anyhow::Result<&'static str> {
    ["round", "era"]
        .into_iter()
        .find(|c| frame.has(c))
        .with_context(|| {
            format!(
                "{}: no 'round' or 'era' column (columns: {}); name one with --round-col",
                frame.path().display(),
                frame.names().join(", ")
            )
        })
}

/// Rows to keep: all, or those whose `target` column matches. A file holding several
/// targets needs --target, since each (round, model) then appears once per target.
pub(super) fn target_rows(
    frame: &Frame,
    target: Option<&str>,
) -> anyhow::Result<Option<Vec<bool>>> {
    let has = frame.has("target");
    match target {
        Some(_) if !has => bail!(
            "{}: --target given but there is no 'target' column",
            frame.path().display()
        ),
        Some(t) => {
            let col = frame.text("target")?;
            let keep: Vec<bool> = col.iter().map(|c| c == t).collect();
            if !keep.contains(&true) {
                let found: BTreeSet<&str> = col.iter().collect();
                bail!(
                    "{}: no rows with target '{t}' (targets: {})",
                    frame.path().display(),
                    found.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
            Ok(Some(keep))
        }
        None if has => {
            let col = frame.text("target")?;
            let found: BTreeSet<&str> = col.iter().collect();
            if found.len() > 1 {
                bail!(
                    "{}: scores for several targets ({}); choose one with --target",
                    frame.path().display(),
                    found.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
            Ok(None)
        }
        None => Ok(None),
    }
}

pub(super) fn pick<T>(values: impl IntoIterator<Item = T>, keep: &Option<Vec<bool>>) -> Vec<T> {
    match keep {
        None => values.into_iter().collect(),
        Some(k) => values
            .into_iter()
            .zip(k)
            .filter(|(_, k)| **k)
            .map(|(v, _)| v)
            .collect(),
    }
}

/// Per-round payout factors from a file with a round (or era) column and either
/// `payout_factor` or `total_at_risk` (turned into min(1, T/X) with the rule's threshold).
pub(super) fn read_round_factors(path: &Path, rule: &Rule) -> anyhow::Result<PayoutFactor> {
    let frame = read_frame(path)?;
    let rounds = frame.text(round_column(&frame)?)?;
    let context = || path.display().to_string();
    if frame.has("payout_factor") {
        let (f, _) = frame.float("payout_factor")?;
        PayoutFactor::per_round(rounds.iter().zip(f.iter().copied())).with_context(context)
    } else if frame.has("total_at_risk") {
        let t = rule.require_threshold()?;
        let (x, _) = frame.float("total_at_risk")?;
        PayoutFactor::per_round_total_at_risk(t, rounds.iter().zip(x.iter().copied()))
            .with_context(context)
    } else {
        bail!(
            "{}: needs a 'total_at_risk' or a 'payout_factor' column (columns: {})",
            path.display(),
            frame.names().join(", ")
        )
    }
}

/// Per-round multipliers from a file with a round (or era) column, `corr_multiplier` and
/// `mmc_multiplier`.
pub(super) fn read_round_multipliers(path: &Path, rule: &Rule) -> anyhow::Result<RoundMultipliers> {
    let frame = read_frame(path)?;
    let rounds = frame.text(round_column(&frame)?)?;
    let (corr, _) = frame.float("corr_multiplier")?;
    let (mmc, _) = frame.float("mmc_multiplier")?;
    RoundMultipliers::new(
        rule,
        rounds
            .iter()
            .zip(corr.iter().zip(mmc.iter()))
            .map(|(r, (&c, &m))| (r, c, m)),
    )
    .with_context(|| path.display().to_string())
}
