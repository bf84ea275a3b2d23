//! Payout rules: Numerai's presets over the years and rules a user invents.
//!
//! `payout_r = at_risk_r × clip(pf_r × (corr_mult × CORR_r + mmc_mult × MMC_r), −cap, +cap)`,
//! with round `r` resolving `resolve_lag` rounds later. A preset fixes the cap, lag and
//! staking threshold it had (each can be overridden) and limits the multipliers to the
//! choices Numerai offered while it was in force; `custom` takes any finite multipliers.
//!
//! Sources: docs.numer.ai "Staking and Payouts" (weekly rounds, MMC 0/0.5/1/2x, 25% clip);
//! forum "Announcing new payouts system mini-release" (300k NMR threshold, payout factor);
//! forum "Daily Tournament – Update #2 (Payouts)" (from 1 May 2023: 5% clip, 72K threshold);
//! forum "Changing Scoring & Payouts Again To MMC Only" (late 2023 → 0.5×CORR + 2×MMC);
//! docs.numer.ai numerai-signals/staking.md (2024: 1×FNCv4 + 2×MMC, ±5%; from 2 September
//! 2025: 0.3×alpha + 0.8×MPC, ±1.7%, threshold 36,000 NMR) and numerai-crypto/staking.md
//! (1×MMC against the unweighted meta model, ±5%, threshold 10,000 NMR).
//!
//! The "first" and "second" scores are CORR and MMC in the classic tournament, FNCv4 and MMC
//! (`signals-2024`) or alpha and MPC (`signals-2025`) in Signals, and MMC alone (first score
//! weighted 0) in crypto; [`Preset::score_columns`] names the score columns each preset
//! reads by default.

use std::fmt;
use std::str::FromStr;

use erascore_input::Input;

use crate::PayoutError;

/// Rounds between a round's submission and the round whose stake first includes its payout,
/// for every preset: 4 weekly eras ≈ the 20-day target.
pub const DEFAULT_RESOLVE_LAG: usize = 4;

/// A named payout rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Weekly rounds, 2021: CORR + {0, 0.5, 1, 2} × MMC, clip ±25%, threshold 300,000 NMR.
    Weekly2021,
    /// Daily rounds from May 2023: {0..2} × CORR + {0..3} × TC (or MMC), clip ±5%, 72,000 NMR.
    Daily2023,
    /// 2024: 0.5 × CORR + 2 × MMC, clip ±5%, 72,000 NMR.
    Y2024,
    /// Signals, 2024: 1 × FNCv4 + 2 × MMC, clip ±5% (no threshold on record: give one).
    Signals2024,
    /// Signals, rounds from 2 September 2025: 0.3 × alpha + 0.8 × MPC, clip ±1.7%,
    /// 36,000 NMR.
    Signals2025,
    /// Crypto: 1 × MMC (against the unweighted meta model), clip ±5%, 10,000 NMR.
    Crypto,
    /// Every parameter from flags; defaults CORR × 1, clip ±100%, no threshold.
    Custom,
}

impl Preset {
    /// Every preset, in the order they were in force.
    pub const ALL: [Preset; 7] = [
        Preset::Weekly2021,
        Preset::Daily2023,
        Preset::Y2024,
        Preset::Signals2024,
        Preset::Signals2025,
        Preset::Crypto,
        Preset::Custom,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Weekly2021 => "weekly-2021",
            Preset::Daily2023 => "daily-2023",
            Preset::Y2024 => "2024",
            Preset::Signals2024 => "signals-2024",
            Preset::Signals2025 => "signals-2025",
            Preset::Crypto => "crypto",
            Preset::Custom => "custom",
        }
    }

    /// The score columns read by default for the first and second score: `corr`/`mmc`
    /// (classic and crypto), `fnc`/`mmc` (`signals-2024`), `alpha`/`mpc` (`signals-2025`).
    pub fn score_columns(self) -> (&'static str, &'static str) {
        match self {
            Preset::Signals2024 => ("fnc", "mmc"),
            Preset::Signals2025 => ("alpha", "mpc"),
            _ => ("corr", "mmc"),
        }
    }

    /// Whether this is a rule of the classic tournament (where Numerai now sets the
    /// multipliers round by round).
    pub fn is_classic(self) -> bool {
        matches!(
            self,
            Preset::Weekly2021 | Preset::Daily2023 | Preset::Y2024 | Preset::Custom
        )
    }

    /// The rule as Numerai ran it (for `custom`, the documented defaults).
    pub fn defaults(self) -> Rule {
        let (corr, mmc, cap, threshold) = match self {
            Preset::Weekly2021 => (1.0, 0.0, 0.25, Some(300_000.0)),
            Preset::Daily2023 => (1.0, 0.0, 0.05, Some(72_000.0)),
            Preset::Y2024 => (0.5, 2.0, 0.05, Some(72_000.0)),
            Preset::Signals2024 => (1.0, 2.0, 0.05, None),
            Preset::Signals2025 => (0.3, 0.8, 0.017, Some(36_000.0)),
            Preset::Crypto => (0.0, 1.0, 0.05, Some(10_000.0)),
            Preset::Custom => (1.0, 0.0, 1.0, None),
        };
        Rule {
            preset: self,
            corr_multiplier: corr,
            mmc_multiplier: mmc,
            cap,
            resolve_lag: DEFAULT_RESOLVE_LAG,
            threshold,
        }
    }

    /// Checks the multipliers against what Numerai let stakers choose under this preset.
    pub fn check_multipliers(self, corr: f64, mmc: f64) -> Result<(), PayoutError> {
        let fail = |which, value, allowed| {
            Err(PayoutError::MultiplierNotAllowed {
                rule: self.name(),
                which,
                value,
                allowed,
            })
        };
        match self {
            Preset::Weekly2021 => {
                if corr != 1.0 {
                    return fail("corr", corr, "1");
                }
                if ![0.0, 0.5, 1.0, 2.0].contains(&mmc) {
                    return fail("mmc", mmc, "0, 0.5, 1 or 2");
                }
            }
            Preset::Daily2023 => {
                if !(0.0..=2.0).contains(&corr) {
                    return fail("corr", corr, "0 to 2");
                }
                if !(0.0..=3.0).contains(&mmc) {
                    return fail("mmc", mmc, "0 to 3");
                }
            }
            Preset::Y2024 => {
                if corr != 0.5 {
                    return fail("corr", corr, "0.5");
                }
                if mmc != 2.0 {
                    return fail("mmc", mmc, "2");
                }
            }
            Preset::Signals2024 | Preset::Signals2025 | Preset::Crypto => {
                let (c, m, allowed_c, allowed_m) = match self {
                    Preset::Signals2024 => (1.0, 2.0, "1", "2"),
                    Preset::Signals2025 => (0.3, 0.8, "0.3", "0.8"),
                    _ => (0.0, 1.0, "0", "1"),
                };
                if corr != c {
                    return fail("corr", corr, allowed_c);
                }
                if mmc != m {
                    return fail("mmc", mmc, allowed_m);
                }
            }
            Preset::Custom => {}
        }
        Ok(())
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = PayoutError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| PayoutError::UnknownRule {
                name: s.to_string(),
            })
    }
}

/// Values that replace a preset's own; `None` keeps the preset's.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RuleOverrides {
    /// `--corr-multiplier`.
    pub corr_multiplier: Option<f64>,
    /// `--mmc-multiplier` (the second score: MMC, or TC under `daily-2023`).
    pub mmc_multiplier: Option<f64>,
    /// `--cap`.
    pub cap: Option<f64>,
    /// `--resolve-lag`.
    pub resolve_lag: Option<usize>,
    /// `--threshold`.
    pub threshold: Option<f64>,
}

/// A validated payout rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The preset it started from.
    pub preset: Preset,
    /// Weight of the first score (CORR).
    pub corr_multiplier: f64,
    /// Weight of the second score (MMC or TC).
    pub mmc_multiplier: f64,
    /// Largest share of the stake one round can win or burn, in (0, 1].
    pub cap: f64,
    /// Rounds until a round's payout joins the stake at risk, >= 1.
    pub resolve_lag: usize,
    /// Staking threshold T in NMR, used to turn a total at risk X into `min(1, T/X)`.
    pub threshold: Option<f64>,
}

impl Rule {
    /// The preset's rule with `overrides` applied, validated.
    pub fn new(preset: Preset, overrides: &RuleOverrides) -> Result<Rule, PayoutError> {
        let d = preset.defaults();
        let rule = Rule {
            preset,
            corr_multiplier: overrides.corr_multiplier.unwrap_or(d.corr_multiplier),
            mmc_multiplier: overrides.mmc_multiplier.unwrap_or(d.mmc_multiplier),
            cap: overrides.cap.unwrap_or(d.cap),
            resolve_lag: overrides.resolve_lag.unwrap_or(d.resolve_lag),
            threshold: overrides.threshold.or(d.threshold),
        };
        rule.validate()?;
        Ok(rule)
    }

    /// Checks every parameter; [`Rule::new`] calls it, callers who build a `Rule` by hand
    /// should too.
    pub fn validate(&self) -> Result<(), PayoutError> {
        for (which, value) in [("corr", self.corr_multiplier), ("mmc", self.mmc_multiplier)] {
            if !value.is_finite() {
                return Err(PayoutError::MultiplierNotFinite { which, value });
            }
        }
        self.preset
            .check_multipliers(self.corr_multiplier, self.mmc_multiplier)?;
        // Written so that NaN fails too.
        if !(self.cap > 0.0 && self.cap <= 1.0) {
            return Err(PayoutError::CapOutOfRange { cap: self.cap });
        }
        if self.resolve_lag < 1 {
            return Err(PayoutError::ResolveLag {
                lag: self.resolve_lag,
            });
        }
        if let Some(t) = self.threshold {
            if !(t.is_finite() && t > 0.0) {
                return Err(PayoutError::BadThreshold { value: t });
            }
        }
        Ok(())
    }

    /// The combined score `corr_mult × corr + mmc_mult × mmc`, before payout factor and clip.
    /// A score whose multiplier is zero is left out, so an unused column may hold NaN.
    pub fn combine(&self, corr: f64, mmc: f64) -> f64 {
        combine_with(self.corr_multiplier, self.mmc_multiplier, corr, mmc)
    }

    /// The staking threshold, which turning a total at risk into a payout factor needs.
    pub fn require_threshold(&self) -> Result<f64, PayoutError> {
        self.threshold.ok_or(PayoutError::NoThreshold {
            rule: self.preset.name(),
        })
    }

    /// Whether the second score takes part (a zero multiplier needs no MMC column).
    pub fn uses_mmc(&self) -> bool {
        self.mmc_multiplier != 0.0
    }

    /// Whether the first score takes part.
    pub fn uses_corr(&self) -> bool {
        self.corr_multiplier != 0.0
    }
}

/// `corr_mult × corr + mmc_mult × mmc`, leaving out a score whose multiplier is zero (so
/// an unused score may be NaN): the one place scores are weighted, for a rule's own
/// multipliers and for per-round ones alike.
pub fn combine_with(corr_multiplier: f64, mmc_multiplier: f64, corr: f64, mmc: f64) -> f64 {
    let part = |m: f64, x: f64| if m == 0.0 { 0.0 } else { m * x };
    part(corr_multiplier, corr) + part(mmc_multiplier, mmc)
}

/// The Signals stake rule: a submission whose max churn or max turnover against the
/// previous submissions reaches a limit is not staked that round (payout 0, no burn).
/// Numerai's docs give 15% churn and 25% turnover (numerai-signals/staking.md, 2026).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StakeLimits {
    /// Churn at or above this unstakes the round.
    pub max_churn: Option<f64>,
    /// Turnover at or above this unstakes the round.
    pub max_turnover: Option<f64>,
}

impl StakeLimits {
    /// Limits must be finite and positive; churn lies in [0, 2] and turnover in [0, 1], so
    /// larger limits never bite but are allowed.
    pub fn validate(&self) -> Result<(), PayoutError> {
        for (limit, v) in [
            (Input::MaxChurn, self.max_churn),
            (Input::MaxTurnover, self.max_turnover),
        ] {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    return Err(PayoutError::BadLimit { limit, value: v });
                }
            }
        }
        Ok(())
    }

    /// Whether the round is unstaked. A NaN churn or turnover (no previous submission)
    /// never is.
    pub fn unstakes(&self, churn: f64, turnover: f64) -> bool {
        self.max_churn.is_some_and(|m| churn >= m)
            || self.max_turnover.is_some_and(|m| turnover >= m)
    }

    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.max_churn.is_some() || self.max_turnover.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stake_limits_unstake_at_the_threshold() {
        let l = StakeLimits {
            max_churn: Some(0.15),
            max_turnover: Some(0.25),
        };
        assert!(l.validate().is_ok());
        assert!(!l.unstakes(0.149, 0.249));
        assert!(l.unstakes(0.15, 0.0));
        assert!(l.unstakes(0.0, 0.25));
        assert!(!l.unstakes(f64::NAN, f64::NAN));
        let only_churn = StakeLimits {
            max_churn: Some(0.15),
            max_turnover: None,
        };
        assert!(!only_churn.unstakes(0.1, 0.9));
        for bad in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            let l = StakeLimits {
                max_churn: Some(bad),
                max_turnover: None,
            };
            assert!(l.validate().is_err(), "{bad}");
        }
    }

    fn with(f: impl FnOnce(&mut RuleOverrides)) -> RuleOverrides {
        let mut o = RuleOverrides::default();
        f(&mut o);
        o
    }

    #[test]
    fn presets_have_the_documented_values() {
        let w = Rule::new(Preset::Weekly2021, &RuleOverrides::default()).unwrap();
        assert_eq!(
            (w.corr_multiplier, w.mmc_multiplier, w.cap, w.resolve_lag),
            (1.0, 0.0, 0.25, 4)
        );
        assert_eq!(w.threshold, Some(300_000.0));
        let d = Rule::new(Preset::Daily2023, &RuleOverrides::default()).unwrap();
        assert_eq!((d.cap, d.threshold), (0.05, Some(72_000.0)));
        let y = Rule::new(Preset::Y2024, &RuleOverrides::default()).unwrap();
        assert_eq!(
            (y.corr_multiplier, y.mmc_multiplier, y.cap),
            (0.5, 2.0, 0.05)
        );
        let c = Rule::new(Preset::Custom, &RuleOverrides::default()).unwrap();
        assert_eq!((c.cap, c.threshold), (1.0, None));
        let s = Rule::new(Preset::Signals2024, &RuleOverrides::default()).unwrap();
        assert_eq!(
            (s.corr_multiplier, s.mmc_multiplier, s.cap, s.threshold),
            (1.0, 2.0, 0.05, None)
        );
        let s = Rule::new(Preset::Signals2025, &RuleOverrides::default()).unwrap();
        assert_eq!(
            (s.corr_multiplier, s.mmc_multiplier, s.cap, s.threshold),
            (0.3, 0.8, 0.017, Some(36_000.0))
        );
        assert_eq!(Preset::Signals2025.score_columns(), ("alpha", "mpc"));
        let k = Rule::new(Preset::Crypto, &RuleOverrides::default()).unwrap();
        assert_eq!(
            (k.corr_multiplier, k.mmc_multiplier, k.cap, k.threshold),
            (0.0, 1.0, 0.05, Some(10_000.0))
        );
        // Crypto pays on MMC alone: a NaN first score does not matter.
        assert_eq!(k.combine(f64::NAN, 0.01), 0.01);
    }

    #[test]
    fn signals_and_crypto_multipliers_are_fixed() {
        assert!(Rule::new(Preset::Signals2025, &with(|o| o.mmc_multiplier = Some(1.0))).is_err());
        assert!(Rule::new(
            Preset::Signals2024,
            &with(|o| o.corr_multiplier = Some(0.5))
        )
        .is_err());
        assert!(Rule::new(Preset::Crypto, &with(|o| o.corr_multiplier = Some(1.0))).is_err());
        assert!(Rule::new(Preset::Crypto, &with(|o| o.cap = Some(0.1))).is_ok());
        assert!(!Preset::Crypto.is_classic() && Preset::Y2024.is_classic());
    }

    #[test]
    fn names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
        }
        assert_eq!(
            "weekly".parse::<Preset>().unwrap_err(),
            PayoutError::UnknownRule {
                name: "weekly".into()
            }
        );
    }

    #[test]
    fn overrides_replace_preset_values() {
        let r = Rule::new(
            Preset::Weekly2021,
            &with(|o| {
                o.mmc_multiplier = Some(2.0);
                o.cap = Some(0.1);
                o.resolve_lag = Some(1);
                o.threshold = Some(1000.0);
            }),
        )
        .unwrap();
        assert_eq!(
            (r.mmc_multiplier, r.cap, r.resolve_lag, r.threshold),
            (2.0, 0.1, 1, Some(1000.0))
        );
    }

    #[test]
    fn multipliers_outside_a_presets_choices_are_refused() {
        let e = Rule::new(Preset::Weekly2021, &with(|o| o.mmc_multiplier = Some(1.5)));
        assert!(matches!(
            e,
            Err(PayoutError::MultiplierNotAllowed { which: "mmc", .. })
        ));
        assert!(Rule::new(Preset::Weekly2021, &with(|o| o.corr_multiplier = Some(2.0))).is_err());
        assert!(Rule::new(Preset::Daily2023, &with(|o| o.mmc_multiplier = Some(3.0))).is_ok());
        assert!(Rule::new(Preset::Daily2023, &with(|o| o.mmc_multiplier = Some(3.5))).is_err());
        assert!(Rule::new(Preset::Daily2023, &with(|o| o.corr_multiplier = Some(-0.5))).is_err());
        assert!(Rule::new(Preset::Y2024, &with(|o| o.mmc_multiplier = Some(1.0))).is_err());
        let msg = Rule::new(Preset::Y2024, &with(|o| o.corr_multiplier = Some(1.0)))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("for any other value set the payout rule to custom"),
            "{msg}"
        );
        assert!(Rule::new(Preset::Custom, &with(|o| o.mmc_multiplier = Some(-7.0))).is_ok());
        assert!(matches!(
            Rule::new(
                Preset::Custom,
                &with(|o| o.corr_multiplier = Some(f64::NAN))
            ),
            Err(PayoutError::MultiplierNotFinite { .. })
        ));
    }

    #[test]
    fn cap_lag_and_threshold_are_checked() {
        for cap in [0.0, -0.1, 1.01, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(
                    Rule::new(Preset::Custom, &with(|o| o.cap = Some(cap))),
                    Err(PayoutError::CapOutOfRange { .. })
                ),
                "{cap}"
            );
        }
        assert!(Rule::new(Preset::Custom, &with(|o| o.cap = Some(1.0))).is_ok());
        assert_eq!(
            Rule::new(Preset::Y2024, &with(|o| o.resolve_lag = Some(0))).unwrap_err(),
            PayoutError::ResolveLag { lag: 0 }
        );
        assert!(matches!(
            Rule::new(Preset::Custom, &with(|o| o.threshold = Some(-5.0))),
            Err(PayoutError::BadThreshold { .. })
        ));
        let custom = Rule::new(Preset::Custom, &RuleOverrides::default()).unwrap();
        assert_eq!(
            custom.require_threshold().unwrap_err(),
            PayoutError::NoThreshold { rule: "custom" }
        );
        let t = Rule::new(Preset::Custom, &with(|o| o.threshold = Some(9.0))).unwrap();
        assert_eq!(t.require_threshold().unwrap(), 9.0);
    }

    #[test]
    fn combine_ignores_unused_scores() {
        let r = Rule::new(Preset::Weekly2021, &RuleOverrides::default()).unwrap();
        assert_eq!(r.combine(0.02, f64::NAN), 0.02);
        let y = Rule::new(Preset::Y2024, &RuleOverrides::default()).unwrap();
        assert!((y.combine(0.02, 0.01) - 0.03).abs() < 1e-15);
        assert!(y.combine(f64::NAN, 0.01).is_nan());
    }
}
