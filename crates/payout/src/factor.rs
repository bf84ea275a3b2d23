//! The payout factor `pf`, which scales payouts and burns alike when the total NMR at risk
//! exceeds the staking threshold: `pf = min(1, T / X)` for threshold `T` and total at risk
//! `X`. It comes as one number for every round, or one per round (matched by round label).

use crate::round_map::RoundMap;
use crate::PayoutError;

/// Where each round's payout factor comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PayoutFactor {
    /// The same factor for every round.
    Constant(f64),
    /// One factor per round label.
    PerRound(RoundFactors),
}

/// Payout factors keyed by round label; a label not found exactly is looked up by its
/// trailing number, so "0575", "575" and "era575" name the same round.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoundFactors(RoundMap<f64>);

impl Default for PayoutFactor {
    fn default() -> Self {
        PayoutFactor::Constant(1.0)
    }
}

/// `min(1, T/X)`, checking both.
pub fn factor_from_total(
    threshold: f64,
    total_at_risk: f64,
    round: Option<&str>,
) -> Result<f64, PayoutError> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(PayoutError::BadThreshold { value: threshold });
    }
    if !(total_at_risk.is_finite() && total_at_risk > 0.0) {
        return Err(PayoutError::BadTotalAtRisk {
            round: round.map(str::to_string),
            value: total_at_risk,
        });
    }
    Ok((threshold / total_at_risk).min(1.0))
}

fn check_factor(value: f64, round: Option<&str>) -> Result<f64, PayoutError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(PayoutError::BadPayoutFactor {
            round: round.map(str::to_string),
            value,
        })
    }
}

impl PayoutFactor {
    /// A fixed factor (`--payout-factor F`).
    pub fn constant(value: f64) -> Result<Self, PayoutError> {
        check_factor(value, None).map(PayoutFactor::Constant)
    }

    /// `min(1, T/X)` for every round (`--threshold T --total-at-risk X`).
    pub fn from_total_at_risk(threshold: f64, total_at_risk: f64) -> Result<Self, PayoutError> {
        factor_from_total(threshold, total_at_risk, None).map(PayoutFactor::Constant)
    }

    /// One factor per round, given directly.
    pub fn per_round<'a>(
        rows: impl IntoIterator<Item = (&'a str, f64)>,
    ) -> Result<Self, PayoutError> {
        let mut f = RoundFactors::default();
        for (round, value) in rows {
            f.insert(round, check_factor(value, Some(round))?)?;
        }
        f.0.check_labels()?;
        Ok(PayoutFactor::PerRound(f))
    }

    /// One factor per round, `min(1, T/X_r)` from each round's total at risk.
    pub fn per_round_total_at_risk<'a>(
        threshold: f64,
        rows: impl IntoIterator<Item = (&'a str, f64)>,
    ) -> Result<Self, PayoutError> {
        let mut f = RoundFactors::default();
        for (round, total) in rows {
            f.insert(round, factor_from_total(threshold, total, Some(round))?)?;
        }
        f.0.check_labels()?;
        Ok(PayoutFactor::PerRound(f))
    }

    /// The factor of the round labelled `round`.
    pub fn for_round(&self, round: &str) -> Result<f64, PayoutError> {
        match self {
            PayoutFactor::Constant(v) => Ok(*v),
            PayoutFactor::PerRound(f) => {
                f.0.get(round)
                    .ok_or_else(|| PayoutError::MissingRoundFactor {
                        round: round.to_string(),
                    })
            }
        }
    }

    /// The factors of `rounds`, in order.
    pub fn for_rounds<'a>(
        &self,
        rounds: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<f64>, PayoutError> {
        rounds.into_iter().map(|r| self.for_round(r)).collect()
    }
}

impl RoundFactors {
    fn insert(&mut self, round: &str, value: f64) -> Result<(), PayoutError> {
        if self.0.insert(round, value) {
            Ok(())
        } else {
            Err(PayoutError::DuplicateRoundFactor {
                round: round.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_over_total_is_capped_at_one() {
        assert_eq!(
            PayoutFactor::from_total_at_risk(72_000.0, 144_000.0).unwrap(),
            PayoutFactor::Constant(0.5)
        );
        assert_eq!(
            PayoutFactor::from_total_at_risk(72_000.0, 36_000.0).unwrap(),
            PayoutFactor::Constant(1.0)
        );
        assert!(matches!(
            PayoutFactor::from_total_at_risk(72_000.0, 0.0),
            Err(PayoutError::BadTotalAtRisk { round: None, .. })
        ));
        assert!(matches!(
            PayoutFactor::from_total_at_risk(f64::NAN, 1.0),
            Err(PayoutError::BadThreshold { .. })
        ));
    }

    #[test]
    fn constant_factor_is_checked() {
        assert!(PayoutFactor::constant(0.0).is_ok());
        assert!(PayoutFactor::constant(-0.1).is_err());
        assert!(PayoutFactor::constant(f64::NAN).is_err());
    }

    #[test]
    fn per_round_factors_match_by_label_then_number() {
        let f = PayoutFactor::per_round_total_at_risk(100.0, [("0001", 200.0), ("0002", 50.0)])
            .unwrap();
        assert_eq!(f.for_round("0001").unwrap(), 0.5);
        assert_eq!(f.for_round("2").unwrap(), 1.0);
        assert_eq!(f.for_round("era1").unwrap(), 0.5);
        assert_eq!(
            f.for_round("0003").unwrap_err(),
            PayoutError::MissingRoundFactor {
                round: "0003".into()
            }
        );
        assert_eq!(f.for_rounds(["0002", "0001"]).unwrap(), vec![1.0, 0.5]);
    }

    #[test]
    fn per_round_errors_name_the_round() {
        let e = PayoutFactor::per_round_total_at_risk(100.0, [("7", -1.0)]).unwrap_err();
        assert!(e.to_string().contains("round '7'"), "{e}");
        let e = PayoutFactor::per_round([("7", 0.5), ("7", 0.4)]).unwrap_err();
        assert_eq!(e, PayoutError::DuplicateRoundFactor { round: "7".into() });
        assert!(PayoutFactor::per_round([("3", f64::NAN)]).is_err());
        // Round labels follow the scores' rule (before: "0007" replaced "7"'s factor, and
        // "1.5" was looked up as round 5).
        let e = PayoutFactor::per_round([("7", 0.5), ("0007", 0.4)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "rounds '7' and '0007' are both round 7: write every round one way"
        );
        let e = PayoutFactor::per_round_total_at_risk(100.0, [("1.5", 200.0)]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("round '1.5' is not a round number"),
            "{e}"
        );
    }
}
