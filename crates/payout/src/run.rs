//! One model's payout run as every front end makes it (`erascore payout`, Python's
//! `erascore.payout`): its per-round scores prepared under a rule, each round's payout
//! factor (0 in a round the model was not staked), the simulated trajectory and, when
//! asked, a block bootstrap; and the runs' trajectories as one table.

use erascore_labels::Strings;

use crate::{
    bootstrap, model_stream, simulate, BootstrapOptions, ModelRun, ModelScores, NanPolicy,
    PayoutError, PayoutFactor, RoundMultipliers, Rule,
};

/// How every model of a payout run is simulated.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest<'a> {
    /// The payout rule.
    pub rule: &'a Rule,
    /// Per-round multipliers overriding the rule's, when given.
    pub per_round: Option<&'a RoundMultipliers>,
    /// What a NaN score does.
    pub nan: NanPolicy,
    /// The score column the rule's corr multiplier weighs.
    pub corr_column: &'a str,
    /// The score column the rule's mmc multiplier weighs.
    pub mmc_column: &'a str,
    /// The payout factor of each round.
    pub factor: &'a PayoutFactor,
    /// A block bootstrap of each model, when asked.
    pub bootstrap: Option<BootstrapOptions>,
}

/// Simulates one model from `stake0`. `unstaked(round)` says whether the model was not
/// staked in a round (the Signals churn/turnover rule): such a round neither pays nor
/// burns, which a payout factor of 0 does exactly, and its label goes to
/// [`ModelRun::held_out`].
pub fn run_model(
    request: &RunRequest<'_>,
    scores: &ModelScores,
    stake0: f64,
    unstaked: &dyn Fn(&str) -> bool,
) -> Result<ModelRun, PayoutError> {
    let rule = request.rule;
    let prepared = scores.prepare_with(
        rule,
        request.per_round,
        request.nan,
        request.corr_column,
        request.mmc_column,
    )?;
    let mut factors = request
        .factor
        .for_rounds(prepared.rounds.iter().map(String::as_str))?;
    let mut held_out = Vec::new();
    for (f, round) in factors.iter_mut().zip(&prepared.rounds) {
        if unstaked(round) {
            *f = 0.0;
            held_out.push(round.clone());
        }
    }
    let trajectory = simulate(stake0, &prepared.scores, &factors, rule)?;
    let bootstrap = request
        .bootstrap
        .map(|o| {
            bootstrap(
                stake0,
                &prepared.scores,
                &factors,
                rule,
                &o,
                model_stream(&scores.model),
            )
        })
        .transpose()?;
    Ok(ModelRun {
        model: scores.model.clone(),
        summary: trajectory.summary(),
        rounds: prepared.rounds,
        skipped: prepared.skipped,
        held_out,
        trajectory,
        bootstrap,
    })
}

/// Every run's trajectory as one long table: a row per model and round simulated.
#[derive(Debug, Clone)]
pub struct TrajectoryTable {
    /// Round labels.
    pub round: Strings,
    /// Model names.
    pub model: Strings,
    /// One column per name of [`crate::TRAJECTORY_COLUMNS`], in that order.
    pub columns: [Vec<f64>; 5],
}

impl TrajectoryTable {
    /// The table of `runs`, in run order and round order within a run.
    pub fn new(runs: &[ModelRun]) -> Self {
        let rows: usize = runs.iter().map(|r| r.rounds.len()).sum();
        let mut round = Strings::with_capacity(rows, 0);
        let mut model = Strings::with_capacity(rows, 0);
        let mut columns: [Vec<f64>; 5] = std::array::from_fn(|_| Vec::with_capacity(rows));
        for r in runs {
            for (label, o) in r.rounds.iter().zip(&r.trajectory.rounds) {
                round.push(label);
                model.push(&r.model);
                for (c, v) in columns.iter_mut().zip(o.values()) {
                    c.push(v);
                }
            }
        }
        Self {
            round,
            model,
            columns,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{Preset, RuleOverrides};

    #[test]
    fn an_unstaked_round_neither_pays_nor_burns() {
        // corr only, the cap far away: a round pays its stake at risk x score.
        let rule = Rule::new(
            Preset::Weekly2021,
            &RuleOverrides {
                corr_multiplier: Some(1.0),
                mmc_multiplier: Some(0.0),
                cap: Some(0.5),
                resolve_lag: Some(1),
                threshold: None,
            },
        )
        .unwrap();
        let scores = ModelScores {
            model: "m".into(),
            rounds: vec!["1".into(), "2".into(), "3".into()],
            corr: vec![0.1, f64::NAN, -0.2],
            mmc: None,
        };
        let factor = PayoutFactor::default();
        let request = RunRequest {
            rule: &rule,
            per_round: None,
            nan: NanPolicy::Skip,
            corr_column: "corr",
            mmc_column: "mmc",
            factor: &factor,
            bootstrap: None,
        };
        let run = run_model(&request, &scores, 100.0, &|r| r == "3").unwrap();
        assert_eq!(run.rounds, ["1", "3"]);
        assert_eq!(run.skipped, ["2"]);
        assert_eq!(run.held_out, ["3"]);
        let payouts: Vec<f64> = run.trajectory.rounds.iter().map(|o| o.payout).collect();
        assert!((payouts[0] - 10.0).abs() < 1e-12, "{payouts:?}");
        assert_eq!(payouts[1], 0.0);
        assert!((run.trajectory.final_stake - 110.0).abs() < 1e-12);
        let table = TrajectoryTable::new(&[run]);
        assert_eq!(table.round.iter().collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(table.columns[3], payouts);
    }
}
