//! Per-model score series from a long table (one row per round and model), in round order,
//! and the NaN policy that turns them into the combined scores a simulation takes.
//!
//! Rounds are ordered by the number their label ends with ("0575", "575", "era575") when
//! every label has one, and as text otherwise ([`erascore_labels::era::era_order`], the order
//! every command uses). The position in that order is the round
//! index `t` of the compounding rule, so a skipped round shifts the later ones down.

use std::collections::BTreeMap;
use std::collections::HashSet;

use crate::multipliers::RoundMultipliers;
use crate::rule::{combine_with, Rule};
use crate::PayoutError;

/// What to do with a round whose score is NaN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NanPolicy {
    /// Leave the round out of the model's trajectory (the CLI warns).
    #[default]
    Skip,
    /// Count the NaN score as 0: the round stays, pays nothing, keeps the resolve schedule.
    Zero,
    /// Refuse the input.
    Error,
}

use erascore_labels::era::{era_order, round_labels_problem};

pub use crate::round_map::RoundMap;

/// One model's scores in round order.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScores {
    /// The model.
    pub model: String,
    /// Round labels, in order.
    pub rounds: Vec<String>,
    /// First score (CORR) per round.
    pub corr: Vec<f64>,
    /// Second score (MMC or TC) per round, when the table has one.
    pub mmc: Option<Vec<f64>>,
}

/// Splits a long table into per-model series, models sorted by name, rounds in round order
/// (the same order for every model). A (round, model) pair seen twice is an error, and so is
/// a row whose round or model is empty (a null cell).
pub fn group_by_model(
    rounds: &[String],
    models: &[String],
    corr: &[f64],
    mmc: Option<&[f64]>,
) -> Result<Vec<ModelScores>, PayoutError> {
    let n = rounds.len();
    let lens = [
        ("models", models.len()),
        ("corr", corr.len()),
        ("mmc", mmc.map_or(n, <[f64]>::len)),
    ];
    if let Some(&(what, len)) = lens.iter().find(|(_, len)| *len != n) {
        return Err(PayoutError::RaggedColumns {
            what,
            len,
            rounds: n,
        });
    }
    if let Some(i) = (0..n).find(|&i| rounds[i].trim().is_empty() || models[i].trim().is_empty()) {
        let label = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
        return Err(PayoutError::MissingLabel {
            model: label(&models[i]),
            round: label(&rounds[i]),
        });
    }
    if let Some(problem) = round_labels_problem(rounds) {
        return Err(PayoutError::RoundLabels(problem));
    }
    let mut out: BTreeMap<&str, ModelScores> = BTreeMap::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(n);
    for i in era_order(rounds) {
        let (round, model) = (rounds[i].as_str(), models[i].as_str());
        if !seen.insert((model, round.trim())) {
            return Err(PayoutError::DuplicateRound {
                model: model.to_string(),
                round: round.to_string(),
            });
        }
        let m = out.entry(model).or_insert_with(|| ModelScores {
            model: model.to_string(),
            rounds: Vec::new(),
            corr: Vec::new(),
            mmc: mmc.map(|_| Vec::new()),
        });
        m.rounds.push(round.to_string());
        m.corr.push(corr[i]);
        if let (Some(dst), Some(src)) = (m.mmc.as_mut(), mmc) {
            dst.push(src[i]);
        }
    }
    Ok(out.into_values().collect())
}

/// A model's combined scores, ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedModel {
    /// The model.
    pub model: String,
    /// Labels of the rounds kept, in order.
    pub rounds: Vec<String>,
    /// `corr_mult × CORR + mmc_mult × MMC` per kept round.
    pub scores: Vec<f64>,
    /// Labels of rounds left out for NaN scores.
    pub skipped: Vec<String>,
}

impl ModelScores {
    /// Combines the scores under `rule`, applying `nan` to scores the rule uses.
    /// `corr_column` and `mmc_column` name the columns in messages.
    pub fn prepare(
        &self,
        rule: &Rule,
        nan: NanPolicy,
        corr_column: &str,
        mmc_column: &str,
    ) -> Result<PreparedModel, PayoutError> {
        self.prepare_with(rule, None, nan, corr_column, mmc_column)
    }

    /// [`ModelScores::prepare`] with each round's multipliers taken from `per_round` when
    /// given (a score is used, and its NaN handled, only in rounds that weigh it).
    pub fn prepare_with(
        &self,
        rule: &Rule,
        per_round: Option<&RoundMultipliers>,
        nan: NanPolicy,
        corr_column: &str,
        mmc_column: &str,
    ) -> Result<PreparedModel, PayoutError> {
        let weights: Vec<(f64, f64)> = match per_round {
            Some(m) => self
                .rounds
                .iter()
                .map(|r| m.for_round(r))
                .collect::<Result<_, _>>()?,
            None => vec![(rule.corr_multiplier, rule.mmc_multiplier); self.rounds.len()],
        };
        let uses_mmc = weights.iter().any(|w| w.1 != 0.0);
        let mmc = match (&self.mmc, uses_mmc) {
            (Some(v), true) => Some(v.as_slice()),
            (None, true) => {
                return Err(PayoutError::MissingScoreColumn {
                    column: mmc_column.to_string(),
                })
            }
            (_, false) => None,
        };
        let mut out = PreparedModel {
            model: self.model.clone(),
            rounds: Vec::with_capacity(self.rounds.len()),
            scores: Vec::with_capacity(self.rounds.len()),
            skipped: Vec::new(),
        };
        'rounds: for (t, round) in self.rounds.iter().enumerate() {
            let (corr_mult, mmc_mult) = weights[t];
            let mut parts = [
                (corr_mult != 0.0, corr_column, self.corr[t]),
                (mmc_mult != 0.0, mmc_column, mmc.map_or(0.0, |m| m[t])),
            ];
            for (used, column, value) in parts.iter_mut() {
                if !*used {
                    *value = 0.0;
                } else if value.is_nan() {
                    match nan {
                        NanPolicy::Skip => {
                            out.skipped.push(round.clone());
                            continue 'rounds;
                        }
                        NanPolicy::Zero => *value = 0.0,
                        NanPolicy::Error => {
                            return Err(PayoutError::NanScore {
                                model: self.model.clone(),
                                round: round.clone(),
                                column: column.to_string(),
                            })
                        }
                    }
                } else if value.is_infinite() {
                    return Err(PayoutError::InfiniteScore {
                        model: self.model.clone(),
                        round: round.clone(),
                        column: column.to_string(),
                        value: *value,
                    });
                }
            }
            out.rounds.push(round.clone());
            out.scores
                .push(combine_with(corr_mult, mmc_mult, parts[0].2, parts[1].2));
        }
        if out.scores.is_empty() {
            return Err(PayoutError::NoRounds {
                model: self.model.clone(),
                skipped: out.skipped.len(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Preset, RuleOverrides};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn grouping_sorts_models_and_rounds_and_refuses_duplicates() {
        let rounds = s(&["2", "1", "1", "2"]);
        let models = s(&["b", "b", "a", "a"]);
        let g = group_by_model(&rounds, &models, &[0.2, 0.1, 0.3, 0.4], None).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].model, "a");
        assert_eq!(g[0].rounds, s(&["1", "2"]));
        assert_eq!(g[0].corr, vec![0.3, 0.4]);
        assert_eq!(g[1].corr, vec![0.1, 0.2]);
        assert!(g[1].mmc.is_none());
        let e = group_by_model(&s(&["1", "1"]), &s(&["a", "a"]), &[0.0, 0.0], None);
        assert_eq!(
            e.unwrap_err(),
            PayoutError::DuplicateRound {
                model: "a".into(),
                round: "1".into()
            }
        );
        let e = group_by_model(&s(&["1"]), &s(&["a"]), &[0.0, 1.0], None);
        assert!(matches!(
            e,
            Err(PayoutError::RaggedColumns { what: "corr", .. })
        ));
    }

    #[test]
    fn a_row_without_a_round_or_a_model_is_refused_not_scored_as_one_named_empty() {
        let e = group_by_model(&s(&["1", " "]), &s(&["a", "a"]), &[0.1, 0.2], None);
        assert_eq!(
            e.unwrap_err().to_string(),
            "model 'a' has a score row without a round (empty or null)"
        );
        let e = group_by_model(&s(&["1", "2"]), &s(&["a", ""]), &[0.1, 0.2], None);
        assert_eq!(
            e.unwrap_err().to_string(),
            "round '2' has a score row without a model (empty or null)"
        );
    }

    fn model(corr: &[f64], mmc: Option<&[f64]>) -> ModelScores {
        ModelScores {
            model: "m".into(),
            rounds: (0..corr.len()).map(|i| i.to_string()).collect(),
            corr: corr.to_vec(),
            mmc: mmc.map(<[f64]>::to_vec),
        }
    }

    #[test]
    fn nan_policies() {
        let rule = Rule::new(Preset::Y2024, &RuleOverrides::default()).unwrap();
        let m = model(&[0.02, f64::NAN, 0.04], Some(&[0.01, 0.01, f64::NAN]));
        let skip = m.prepare(&rule, NanPolicy::Skip, "corr", "mmc").unwrap();
        assert_eq!(skip.rounds, s(&["0"]));
        assert_eq!(skip.skipped, s(&["1", "2"]));
        assert!((skip.scores[0] - 0.03).abs() < 1e-15);
        let zero = m.prepare(&rule, NanPolicy::Zero, "corr", "mmc").unwrap();
        assert_eq!(zero.scores.len(), 3);
        assert!((zero.scores[1] - 0.02).abs() < 1e-15);
        assert!((zero.scores[2] - 0.02).abs() < 1e-15);
        let e = m
            .prepare(&rule, NanPolicy::Error, "corr20", "mmc")
            .unwrap_err();
        assert_eq!(
            e,
            PayoutError::NanScore {
                model: "m".into(),
                round: "1".into(),
                column: "corr20".into()
            }
        );
    }

    #[test]
    fn unused_scores_may_be_nan_or_absent() {
        let rule = Rule::new(Preset::Weekly2021, &RuleOverrides::default()).unwrap();
        let m = model(&[0.02, 0.01], Some(&[f64::NAN, f64::NAN]));
        let p = m.prepare(&rule, NanPolicy::Error, "corr", "mmc").unwrap();
        assert_eq!(p.scores, vec![0.02, 0.01]);
        let y = Rule::new(Preset::Y2024, &RuleOverrides::default()).unwrap();
        assert_eq!(
            model(&[0.1], None)
                .prepare(&y, NanPolicy::Skip, "corr", "tc")
                .unwrap_err(),
            PayoutError::MissingScoreColumn {
                column: "tc".into()
            }
        );
    }

    #[test]
    fn per_round_multipliers_weigh_each_round() {
        let rule = Rule::new(Preset::Custom, &RuleOverrides::default()).unwrap();
        let per_round =
            RoundMultipliers::new(&rule, [("0", 0.5, 2.0), ("1", 1.0, 0.0), ("2", 0.0, 3.0)])
                .unwrap();
        // Round 1 weighs no MMC, round 2 no CORR: their NaNs there do not matter.
        let m = model(&[0.02, 0.04, f64::NAN], Some(&[0.01, f64::NAN, 0.005]));
        let p = m
            .prepare_with(&rule, Some(&per_round), NanPolicy::Error, "corr", "mmc")
            .unwrap();
        assert_eq!(p.scores.len(), 3);
        assert!((p.scores[0] - 0.03).abs() < 1e-15);
        assert!((p.scores[1] - 0.04).abs() < 1e-15);
        assert!((p.scores[2] - 0.015).abs() < 1e-15);
        let short = RoundMultipliers::new(&rule, [("0", 1.0, 1.0)]).unwrap();
        assert_eq!(
            m.prepare_with(&rule, Some(&short), NanPolicy::Skip, "corr", "mmc")
                .unwrap_err(),
            PayoutError::MissingRoundMultipliers { round: "1".into() }
        );
    }

    #[test]
    fn all_rounds_skipped_or_infinite_is_an_error() {
        let rule = Rule::new(Preset::Weekly2021, &RuleOverrides::default()).unwrap();
        let e = model(&[f64::NAN], None)
            .prepare(&rule, NanPolicy::Skip, "corr", "mmc")
            .unwrap_err();
        assert_eq!(
            e,
            PayoutError::NoRounds {
                model: "m".into(),
                skipped: 1
            }
        );
        assert!(e.to_string().contains("1 skipped"), "{e}");
        assert!(matches!(
            model(&[f64::INFINITY], None).prepare(&rule, NanPolicy::Skip, "corr", "mmc"),
            Err(PayoutError::InfiniteScore { .. })
        ));
    }
}
