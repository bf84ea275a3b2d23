//! The payout half of `compare`: each configuration's payouts simulated per model with the
//! payout crate's compounding, and the results per model and round.

use std::collections::HashMap;

use rayon::prelude::*;

use erascore_payout::series::ModelScores;
use erascore_payout::simulate::simulate_with_stakes;
use erascore_payout::{simulate, NanPolicy, PayoutError, PayoutFactor};

use super::aggregates::{gini, rank_descending, top_share};
use super::config::{CompareConfig, FactorSpec};
use super::inputs::StakeChange;
use super::pass::scoring_groups;
use super::results::{CompareReport, ConfigResult, ModelResult, RoundResult};
use super::scoring::CompareScores;
use crate::EngineError;

/// The payout half of [`compare`](super::compare): each configuration's payouts simulated per model from
/// the gathered scores (of one run, or of a distributed run's shares joined in era order),
/// and the aggregates over models and rounds.
pub fn compare_report(
    models: &[String],
    stakes: &[(usize, f64)],
    configs: &[CompareConfig],
    scores: CompareScores,
) -> Result<CompareReport, EngineError> {
    compare_report_with_changes(models, stakes, &[], configs, scores)
}

/// [`compare_report`] with stakes that change by round: each change sets the model's stake
/// at the start of its round (at its next scored round when the model has no score in that
/// one; after every round has resolved when it has none later), and a model's
/// `total_payout` is then the sum of its payouts rather than final minus starting stake.
pub fn compare_report_with_changes(
    models: &[String],
    stakes: &[(usize, f64)],
    changes: &[StakeChange],
    configs: &[CompareConfig],
    scores: CompareScores,
) -> Result<CompareReport, EngineError> {
    let mut by_model: Vec<Vec<(usize, f64)>> = vec![Vec::new(); models.len()];
    for c in changes {
        let Some(list) = by_model.get_mut(c.model) else {
            return Err(EngineError::Config(format!(
                "a stake change names model column {}, of {}",
                c.model,
                models.len()
            )));
        };
        let Some(r) = scores.rounds.iter().position(|x| *x == c.round) else {
            return Err(EngineError::Config(format!(
                "model '{}': its stake changes in round '{}', which has no predictions",
                models[c.model], c.round
            )));
        };
        list.push((r, c.stake));
    }
    for list in &mut by_model {
        // Stable: of two changes in one round, the later row wins.
        list.sort_by_key(|(r, _)| *r);
    }
    let mut stake0 = vec![f64::NAN; models.len()];
    for &(m, s) in stakes {
        stake0[m] = s;
    }
    let CompareScores {
        rounds,
        series,
        mut warnings,
        chunks,
    } = scores;
    let total_stake: f64 = stakes.iter().map(|(_, s)| s).sum();
    let mut results = Vec::with_capacity(configs.len());
    for (config, series) in configs.iter().zip(series) {
        let series: Vec<ModelScores> = series.into_iter().flatten().collect();
        let (result, mut w) =
            simulate_config(config, &series, &stake0, &by_model, &rounds, total_stake)?;
        warnings.append(&mut w);
        results.push(result);
    }
    Ok(CompareReport {
        models: models.to_vec(),
        rounds,
        configs: results,
        scoring_passes: scoring_groups(configs).len(),
        chunks,
        warnings,
    })
}

fn payout_error(config: &CompareConfig, model: &str, e: PayoutError) -> EngineError {
    EngineError::Config(format!(
        "configuration '{}', model '{model}': {e}",
        config.name
    ))
}

fn simulate_config(
    config: &CompareConfig,
    series: &[ModelScores],
    stake0: &[f64],
    changes: &[Vec<(usize, f64)>],
    rounds: &[String],
    total_stake: f64,
) -> Result<(ConfigResult, Vec<String>), EngineError> {
    let pf = match config.factor {
        FactorSpec::Constant(f) => PayoutFactor::constant(f),
        FactorSpec::TotalStake => config
            .rule
            .require_threshold()
            .and_then(|t| PayoutFactor::from_total_at_risk(t, total_stake)),
    }
    .map_err(|e| EngineError::Config(format!("configuration '{}': {e}", config.name)))?;
    let round_index: HashMap<&str, usize> = rounds
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let (first, second) = (
        config.first.name(),
        config.second.map_or_else(|| "-".to_string(), |m| m.name()),
    );
    let per_model: Vec<(ModelResult, Option<String>)> = series
        .par_iter()
        .zip(stake0.par_iter())
        .zip(changes.par_iter())
        .map(|((s, &stake), changes)| {
            let mut payouts = vec![0.0; rounds.len()];
            let prepared = match s.prepare(&config.rule, NanPolicy::Skip, &first, &second) {
                Ok(p) => p,
                // A model without a single scored round neither earns nor burns.
                Err(PayoutError::NoRounds { skipped, .. }) => {
                    let note = s.model.clone();
                    let r = ModelResult {
                        mean_score: f64::NAN,
                        sharpe: f64::NAN,
                        hit_rate: f64::NAN,
                        stake0: stake,
                        total_payout: 0.0,
                        final_stake: changes.last().map_or(stake, |c| c.1),
                        rank: 0,
                        payouts,
                        skipped,
                    };
                    return Ok((r, Some(note)));
                }
                Err(e) => return Err(payout_error(config, &s.model, e)),
            };
            let factors = pf
                .for_rounds(prepared.rounds.iter().map(String::as_str))
                .map_err(|e| payout_error(config, &s.model, e))?;
            let scored: Vec<usize> = prepared
                .rounds
                .iter()
                .map(|r| round_index[r.as_str()])
                .collect();
            let (total_payout, final_stake) = if changes.is_empty() {
                let t = simulate(stake, &prepared.scores, &factors, &config.rule)
                    .map_err(|e| payout_error(config, &s.model, e))?;
                for (&r, outcome) in scored.iter().zip(&t.rounds) {
                    payouts[r] = outcome.payout;
                }
                (t.final_stake - stake, t.final_stake)
            } else {
                let n = scored.len();
                let mut set = vec![None; n + 1];
                for &(round, new_stake) in changes {
                    set[scored.partition_point(|&r| r < round)] = Some(new_stake);
                }
                let (p, last) =
                    simulate_with_stakes(stake, &prepared.scores, &factors, &config.rule, &set)
                        .map_err(|e| payout_error(config, &s.model, e))?;
                for (&r, payout) in scored.iter().zip(&p) {
                    payouts[r] = *payout;
                }
                (p.iter().sum(), last)
            };
            let b = crate::stats::basic(&prepared.scores);
            let r = ModelResult {
                mean_score: b.mean,
                sharpe: b.sharpe,
                hit_rate: crate::stats::hit_rate(&prepared.scores),
                stake0: stake,
                total_payout,
                final_stake,
                rank: 0,
                payouts,
                skipped: prepared.skipped.len(),
            };
            Ok((r, None))
        })
        .collect::<Result<_, EngineError>>()?;
    let mut unscored = Vec::new();
    let mut models: Vec<ModelResult> = Vec::with_capacity(per_model.len());
    for (r, w) in per_model {
        models.extend([r]);
        unscored.extend(w);
    }
    let warnings: Vec<String> = unscored_warning(&config.name, &unscored)
        .into_iter()
        .collect();
    let means: Vec<f64> = models.iter().map(|m| m.mean_score).collect();
    for (m, rank) in models.iter_mut().zip(rank_descending(&means)) {
        m.rank = rank;
    }
    let factor_of = |round: &str| pf.for_round(round).unwrap_or(f64::NAN);
    let round_results = rounds
        .iter()
        .enumerate()
        .map(|(t, round)| {
            let p: Vec<f64> = models.iter().map(|m| m.payouts[t]).collect();
            round_result(&p, factor_of(round))
        })
        .collect();
    Ok((
        ConfigResult {
            config: config.clone(),
            models,
            rounds: round_results,
        },
        warnings,
    ))
}

/// Models named in a warning about a configuration; the rest are counted.
const NAMED_MODELS: usize = 5;

/// One warning for every model of a configuration that has no scored round (its score is
/// NaN in every era), counting them and naming the first few, rather than a line per model
/// (thousands in a tournament archive).
pub(super) fn unscored_warning(config: &str, models: &[String]) -> Option<String> {
    let (first, rest) = models.split_at(models.len().min(NAMED_MODELS));
    let named = first
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match (first.len(), rest.len()) {
        (0, _) => None,
        (1, _) => Some(format!(
            "configuration '{config}': model {named} has no scored round (its score is NaN in \
             every era); it keeps its stake"
        )),
        (n, 0) => Some(format!(
            "configuration '{config}': {n} models have no scored round (their score is NaN \
             in every era): {named}; they keep their stakes"
        )),
        (n, more) => Some(format!(
            "configuration '{config}': {} models have no scored round (their score is NaN \
             in every era): {named} and {more} more; they keep their stakes",
            n + more
        )),
    }
}

fn round_result(payouts: &[f64], payout_factor: f64) -> RoundResult {
    let positive: Vec<f64> = payouts.iter().map(|p| p.max(0.0)).collect();
    RoundResult {
        paid: positive.iter().sum(),
        burned: -payouts.iter().filter(|p| **p < 0.0).sum::<f64>(),
        payout_factor,
        top1_share: top_share(&positive, 0.01),
        top10_share: top_share(&positive, 0.10),
        gini: gini(&positive),
    }
}
