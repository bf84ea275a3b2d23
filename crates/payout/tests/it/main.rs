//! Invariants of the compounding rule, checked on random rules and score series.

use erascore_payout::{bootstrap, simulate, BootstrapOptions, Preset, Rule, RuleOverrides};
use proptest::prelude::*;

fn rule(cap: f64, lag: usize) -> Rule {
    Rule::new(
        Preset::Custom,
        &RuleOverrides {
            cap: Some(cap),
            resolve_lag: Some(lag),
            ..Default::default()
        },
    )
    .expect("valid custom rule")
}

/// Scores wide enough to hit the cap often, with payout factors from 0 to 2.
fn case() -> impl Strategy<Value = (f64, Vec<(f64, f64)>, f64, usize)> {
    (
        0.0..1e6f64,
        prop::collection::vec((-1.5..1.5f64, 0.0..2.0f64), 0..80),
        prop_oneof![Just(1.0), Just(0.25), Just(0.05), 0.001..=1.0f64],
        1usize..12,
    )
}

/// Rounding allowance: a few ulps of the largest stake the trajectory reached.
fn tolerance(t: &erascore_payout::Trajectory) -> f64 {
    1e-12 * t.balances().iter().fold(1.0f64, |m, b| m.max(b.abs())) * (t.rounds.len() as f64 + 1.0)
}

proptest! {
    #[test]
    fn stake_never_negative_and_final_is_s0_plus_payouts((s0, rounds, cap, lag) in case()) {
        let (scores, factors): (Vec<f64>, Vec<f64>) = rounds.into_iter().unzip();
        let t = simulate(s0, &scores, &factors, &rule(cap, lag)).expect("valid inputs");
        let tol = tolerance(&t);
        for (i, r) in t.rounds.iter().enumerate() {
            prop_assert!(r.at_risk >= 0.0, "round {i} at risk {}", r.at_risk);
            prop_assert!(r.stake >= 0.0, "round {i} next stake {}", r.stake);
            prop_assert!(r.fraction.abs() <= cap);
            // The floor only ever shrinks a burn, so no payout exceeds cap × at risk.
            prop_assert!(r.payout.abs() <= cap * r.at_risk + tol);
            if i < lag {
                prop_assert_eq!(r.at_risk, s0);
            }
        }
        prop_assert!(t.balances().iter().all(|b| *b >= 0.0));
        prop_assert!(t.final_stake >= 0.0);
        let sum: f64 = t.rounds.iter().map(|r| r.payout).sum();
        prop_assert!((t.final_stake - (s0 + sum)).abs() <= tol,
            "final {} vs S0 + sum {}", t.final_stake, s0 + sum);
    }

    #[test]
    fn at_risk_is_s0_plus_payouts_resolved_by_then((s0, rounds, cap, lag) in case()) {
        let (scores, factors): (Vec<f64>, Vec<f64>) = rounds.into_iter().unzip();
        let t = simulate(s0, &scores, &factors, &rule(cap, lag)).expect("valid inputs");
        let tol = tolerance(&t);
        for (i, r) in t.rounds.iter().enumerate() {
            let resolved: f64 = t.rounds[..(i + 1).saturating_sub(lag)].iter().map(|q| q.payout).sum();
            prop_assert!((r.at_risk - (s0 + resolved)).abs() <= tol);
        }
    }

    #[test]
    fn bootstrapped_stakes_never_negative((s0, rounds, cap, lag) in case(), seed in any::<u64>()) {
        let (scores, factors): (Vec<f64>, Vec<f64>) = rounds.into_iter().unzip();
        let opts = BootstrapOptions { trajectories: 20, block: 5, seed, fan: true };
        let b = bootstrap(s0, &scores, &factors, &rule(cap, lag), &opts, 0).expect("valid inputs");
        prop_assert!(b.final_stake.p05 >= 0.0);
        prop_assert!((0.0..=1.0).contains(&b.max_drawdown.p95));
        let fan = b.fan.expect("fan requested");
        prop_assert_eq!(fan.len(), scores.len() + 1);
        prop_assert!(fan.iter().all(|q| q.p05 >= 0.0));
    }
}
