//! Per-round multipliers: in the classic tournament Numerai now sets the CORR and MMC
//! multipliers round by round, so a simulation can take them from a table
//! (`round, corr_multiplier, mmc_multiplier`) instead of the rule's fixed pair. Round `r`
//! then scores `corr_mult_r × CORR_r + mmc_mult_r × MMC_r`; cap, lag, threshold and payout
//! factor stay the rule's. Each round's pair must be one the rule's preset allows (use
//! `custom` for any finite pair), and only classic presets take them.

use crate::round_map::RoundMap;
use crate::rule::{Preset, Rule};
use crate::PayoutError;

/// (CORR multiplier, MMC multiplier) per round, matched by label then trailing number.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoundMultipliers {
    map: RoundMap<(f64, f64)>,
    weighs_corr: bool,
    weighs_mmc: bool,
}

impl RoundMultipliers {
    /// Whether `rule` takes per-round multipliers at all (only the classic tournament's
    /// rules do): a front end asks before reading the file.
    pub fn check_rule(rule: &Rule) -> Result<(), PayoutError> {
        if rule.preset.is_classic() {
            Ok(())
        } else {
            Err(PayoutError::PerRoundMultipliersNotClassic {
                rule: rule.preset.name(),
            })
        }
    }

    /// Checks each row against `rule`'s preset and collects them.
    pub fn new<'a>(
        rule: &Rule,
        rows: impl IntoIterator<Item = (&'a str, f64, f64)>,
    ) -> Result<Self, PayoutError> {
        Self::check_rule(rule)?;
        let mut out = RoundMultipliers::default();
        for (round, corr, mmc) in rows {
            let bad = |e: PayoutError| PayoutError::BadRoundMultiplier {
                round: round.to_string(),
                message: e.to_string(),
            };
            for (which, value) in [("corr", corr), ("mmc", mmc)] {
                if !value.is_finite() {
                    return Err(bad(PayoutError::MultiplierNotFinite { which, value }));
                }
            }
            check(rule.preset, corr, mmc).map_err(bad)?;
            out.weighs_corr |= corr != 0.0;
            out.weighs_mmc |= mmc != 0.0;
            if !out.map.insert(round, (corr, mmc)) {
                return Err(PayoutError::DuplicateRoundMultipliers {
                    round: round.to_string(),
                });
            }
        }
        out.map.check_labels()?;
        Ok(out)
    }

    /// Whether some round weighs the first score (so its column must be read).
    pub fn uses_corr(&self) -> bool {
        self.weighs_corr
    }

    /// Whether some round weighs the second score.
    pub fn uses_mmc(&self) -> bool {
        self.weighs_mmc
    }

    /// The multipliers of the round labelled `round`.
    pub fn for_round(&self, round: &str) -> Result<(f64, f64), PayoutError> {
        self.map
            .get(round)
            .ok_or_else(|| PayoutError::MissingRoundMultipliers {
                round: round.to_string(),
            })
    }
}

fn check(preset: Preset, corr: f64, mmc: f64) -> Result<(), PayoutError> {
    preset.check_multipliers(corr, mmc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::RuleOverrides;

    fn rule(p: Preset) -> Rule {
        Rule::new(p, &RuleOverrides::default()).unwrap()
    }

    #[test]
    fn rows_are_matched_by_label_then_number() {
        let m = RoundMultipliers::new(
            &rule(Preset::Custom),
            [("0575", 0.5, 2.0), ("576", 1.0, 0.5)],
        )
        .unwrap();
        assert_eq!(m.for_round("575").unwrap(), (0.5, 2.0));
        assert_eq!(m.for_round("era576").unwrap(), (1.0, 0.5));
        assert_eq!(
            m.for_round("577").unwrap_err(),
            PayoutError::MissingRoundMultipliers {
                round: "577".into()
            }
        );
    }

    #[test]
    fn rows_are_checked_against_the_preset() {
        let e = RoundMultipliers::new(&rule(Preset::Daily2023), [("9", 1.0, 3.5)]).unwrap_err();
        assert!(e.to_string().contains("round '9'"), "{e}");
        assert!(RoundMultipliers::new(&rule(Preset::Daily2023), [("9", 1.0, 3.0)]).is_ok());
        assert!(matches!(
            RoundMultipliers::new(&rule(Preset::Custom), [("1", f64::NAN, 1.0)]),
            Err(PayoutError::BadRoundMultiplier { .. })
        ));
        assert_eq!(
            RoundMultipliers::new(&rule(Preset::Custom), [("1", 1.0, 1.0), ("1", 1.0, 2.0)])
                .unwrap_err(),
            PayoutError::DuplicateRoundMultipliers { round: "1".into() }
        );
        // Round labels follow the scores' rule: a label of two rounds' numbers, or not a
        // round number, is refused (before: "era5" silently replaced "5"'s pair, and "-3"
        // was taken for round 3).
        assert_eq!(
            RoundMultipliers::new(&rule(Preset::Custom), [("5", 1.0, 1.0), ("era5", 1.0, 2.0)])
                .unwrap_err()
                .to_string(),
            "rounds '5' and 'era5' are both round 5: write every round one way"
        );
        let e = RoundMultipliers::new(&rule(Preset::Custom), [("-3", 1.0, 1.0)]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("round '-3' is not a round number"),
            "{e}"
        );
        assert_eq!(
            RoundMultipliers::new(&rule(Preset::Signals2025), [("1", 0.3, 0.8)]).unwrap_err(),
            PayoutError::PerRoundMultipliersNotClassic {
                rule: "signals-2025"
            }
        );
    }
}
