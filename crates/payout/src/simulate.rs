//! The compounding rule: a stake trajectory from per-round scores.
//!
//! Rounds are indexed `t = 0, 1, …` in round order. Round `r` pays
//! `raw_r = at_risk_r × f_r` with `f_r = clip(pf_r × score_r, −cap, +cap)` and resolves `L`
//! rounds later. The stake at risk in round `t` is `S0` plus the payouts of every round `r`
//! with `r + L ≤ t`: rounds `0..L` all risk `S0`, round `L` risks `S0 + payout_0`, and so on.
//!
//! Burns never take the stake below zero: when round `r` resolves, the stake it lands on is
//! `B = S0 + payout_0 + … + payout_{r−1}` (every earlier round resolved before it, since
//! rounds resolve in order), and its payout is `payout_r = max(raw_r, −B)`. So a burn takes
//! at most what is left, later rounds risk what is left, and `final = S0 + Σ payout_r` holds
//! exactly for the recorded payouts. The floor only bites after a run of heavy burns, when
//! the rounds in flight (each risking a stake set before the earlier burns landed) would
//! burn more than is left: with cap 0.25 and L = 4, four capped burns in a row suffice.

use crate::rule::Rule;
use crate::PayoutError;

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundOutcome {
    /// Stake at risk in this round.
    pub at_risk: f64,
    /// Combined score `corr_mult × CORR + mmc_mult × MMC`, before payout factor and clip.
    pub score: f64,
    /// Payout fraction after the payout factor and the clip.
    pub fraction: f64,
    /// Payout (negative: burn), after the floor at zero stake.
    pub payout: f64,
    /// Stake at risk in the next round.
    pub stake: f64,
}

/// The columns of a trajectory table after `round` and `model`, in the order of
/// [`RoundOutcome::values`] (`erascore payout --out`, `erascore.payout`).
pub const TRAJECTORY_COLUMNS: [&str; 5] =
    ["at_risk", "score", "payout_fraction", "payout", "stake"];

impl RoundOutcome {
    /// The round's numbers in the order of [`TRAJECTORY_COLUMNS`].
    pub fn values(&self) -> [f64; 5] {
        [
            self.at_risk,
            self.score,
            self.fraction,
            self.payout,
            self.stake,
        ]
    }
}

/// One model's payout results: the rounds simulated (labels of those kept, and of those
/// left out for a NaN score), its trajectory and summary, and a bootstrap when asked.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// The model.
    pub model: String,
    /// Labels of the rounds simulated, in order (one per trajectory round).
    pub rounds: Vec<String>,
    /// Labels of rounds left out for NaN scores.
    pub skipped: Vec<String>,
    /// Labels of rounds simulated with a payout factor of 0: the model was not staked.
    pub held_out: Vec<String>,
    /// The simulated trajectory.
    pub trajectory: Trajectory,
    /// Its summary.
    pub summary: crate::Summary,
    /// Bootstrapped trajectories, when asked for.
    pub bootstrap: Option<crate::BootstrapReport>,
}

/// A simulated stake trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Starting stake `S0`.
    pub stake0: f64,
    /// The cap the fractions were clipped to.
    pub cap: f64,
    /// One outcome per round, in round order.
    pub rounds: Vec<RoundOutcome>,
    /// `S0` plus every payout: the stake once all rounds have resolved.
    pub final_stake: f64,
}

impl Trajectory {
    /// The stake after each resolution: `S0`, then `S0 + payout_0`, `S0 + payout_0 +
    /// payout_1`, … up to the final stake (`rounds + 1` values). Drawdowns and fan charts
    /// are read off this path.
    pub fn balances(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.rounds.len() + 1);
        let mut b = self.stake0;
        out.push(b);
        for r in &self.rounds {
            b += r.payout;
            out.push(b);
        }
        out
    }
}

/// Checks a starting stake: finite and not negative.
pub fn check_stake(model: Option<&str>, stake: f64) -> Result<(), PayoutError> {
    if stake.is_finite() && stake >= 0.0 {
        Ok(())
    } else {
        Err(PayoutError::BadStake {
            model: model.map(str::to_string),
            stake,
        })
    }
}

/// Runs the compounding rule over unclipped fractions `x[t] = pf_t × score_t`, with `raw`
/// as scratch of the same length. Calls `on_round(t, at_risk, fraction)` as each round
/// opens and `on_resolve(r, payout, stake_after)` as each resolves, and returns the final
/// stake; `set_stake(t)` may set the stake at the start of round `t` (`n`: after the last
/// resolution). The one loop behind [`simulate`], [`simulate_with_stakes`] and the
/// bootstrap, so all obey the same rule.
#[inline]
#[allow(clippy::too_many_arguments)] // the rule's numbers and the three hooks of one loop
pub(crate) fn compound(
    stake0: f64,
    cap: f64,
    lag: usize,
    x: &[f64],
    raw: &mut [f64],
    mut on_round: impl FnMut(usize, f64, f64),
    mut on_resolve: impl FnMut(usize, f64, f64),
    mut set_stake: impl FnMut(usize) -> Option<f64>,
) -> f64 {
    debug_assert_eq!(x.len(), raw.len());
    debug_assert!(lag >= 1 && cap > 0.0);
    let n = x.len();
    let mut balance = stake0;
    let mut resolve = |r: usize, raw: &[f64], balance: &mut f64| {
        let payout = raw[r].max(-*balance);
        *balance += payout;
        on_resolve(r, payout, *balance);
    };
    for t in 0..n {
        if t >= lag {
            resolve(t - lag, raw, &mut balance);
        }
        // A deposit or withdrawal: the stake at risk from round t on.
        if let Some(stake) = set_stake(t) {
            balance = stake;
        }
        let fraction = x[t].clamp(-cap, cap);
        raw[t] = balance * fraction;
        on_round(t, balance, fraction);
    }
    for r in n.saturating_sub(lag)..n {
        resolve(r, raw, &mut balance);
    }
    set_stake(n).unwrap_or(balance)
}

/// Validates a simulation's inputs and returns the unclipped fractions `pf_t × score_t`.
pub(crate) fn unclipped(
    stake0: f64,
    scores: &[f64],
    factors: &[f64],
    rule: &Rule,
) -> Result<Vec<f64>, PayoutError> {
    rule.validate()?;
    check_stake(None, stake0)?;
    if scores.len() != factors.len() {
        return Err(PayoutError::LengthMismatch {
            scores: scores.len(),
            factors: factors.len(),
        });
    }
    if let Some((index, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
        return Err(PayoutError::NonFiniteScore { index, value });
    }
    if let Some(&value) = factors.iter().find(|f| !(f.is_finite() && **f >= 0.0)) {
        return Err(PayoutError::BadPayoutFactor { round: None, value });
    }
    Ok(scores.iter().zip(factors).map(|(s, f)| s * f).collect())
}

/// [`simulate`] with the stake set to `stakes[t]` at the start of round `t` wherever it is
/// `Some` (`stakes` has one entry per round plus one for after the last round has resolved):
/// a deposit or withdrawal of the difference, after the payouts resolving at that round
/// and before the round's stake is put at risk; payouts still in flight resolve onto the
/// new stake. Returns each round's payout and the final stake.
pub fn simulate_with_stakes(
    stake0: f64,
    scores: &[f64],
    factors: &[f64],
    rule: &Rule,
    stakes: &[Option<f64>],
) -> Result<(Vec<f64>, f64), PayoutError> {
    let x = unclipped(stake0, scores, factors, rule)?;
    let n = x.len();
    if stakes.len() != n + 1 {
        return Err(PayoutError::LengthMismatch {
            scores: n + 1,
            factors: stakes.len(),
        });
    }
    for s in stakes.iter().flatten() {
        check_stake(None, *s)?;
    }
    let mut raw = vec![0.0; n];
    let mut payout = vec![0.0; n];
    let final_stake = compound(
        stake0,
        rule.cap,
        rule.resolve_lag,
        &x,
        &mut raw,
        |_, _, _| {},
        |r, p, _| payout[r] = p,
        |t| stakes[t],
    );
    check_finite(stake0, n, |t| payout[t].is_finite(), final_stake)?;
    Ok((payout, final_stake))
}

/// Compounding at cap 1 doubles a stake per round: a large stake, or a long enough run of
/// rounds, leaves the floating-point range. The first of `n` rounds whose numbers are not
/// `finite` (or the last, for a final stake that is not) is an overflow.
fn check_finite(
    stake0: f64,
    n: usize,
    finite: impl Fn(usize) -> bool,
    final_stake: f64,
) -> Result<(), PayoutError> {
    if let Some(index) = (0..n).find(|&t| !finite(t)) {
        return Err(PayoutError::StakeOverflow { stake0, index });
    }
    if !final_stake.is_finite() {
        return Err(PayoutError::StakeOverflow {
            stake0,
            index: n.saturating_sub(1),
        });
    }
    Ok(())
}

/// Simulates one model: `scores` are combined scores in round order (see
/// [`Rule::combine`]), `factors` the payout factor of each round.
pub fn simulate(
    stake0: f64,
    scores: &[f64],
    factors: &[f64],
    rule: &Rule,
) -> Result<Trajectory, PayoutError> {
    let x = unclipped(stake0, scores, factors, rule)?;
    let n = x.len();
    let mut raw = vec![0.0; n];
    let (mut at_risk, mut fraction) = (vec![0.0; n], vec![0.0; n]);
    // payout[r] and the stake after round r resolves (the stake at risk in round r + L).
    let (mut payout, mut after) = (vec![0.0; n], vec![0.0; n]);
    let final_stake = compound(
        stake0,
        rule.cap,
        rule.resolve_lag,
        &x,
        &mut raw,
        |t, a, f| {
            at_risk[t] = a;
            fraction[t] = f;
        },
        |r, p, stake| {
            payout[r] = p;
            after[r] = stake;
        },
        |_| None,
    );
    let finite = |t: usize| at_risk[t].is_finite() && payout[t].is_finite() && after[t].is_finite();
    check_finite(stake0, n, finite, final_stake)?;
    let rounds = (0..n)
        .map(|t| RoundOutcome {
            at_risk: at_risk[t],
            score: scores[t],
            fraction: fraction[t],
            payout: payout[t],
            // Round t + 1 risks S0 plus the payouts of rounds r <= t + 1 - L.
            stake: (t + 1)
                .checked_sub(rule.resolve_lag)
                .map_or(stake0, |r| after[r]),
        })
        .collect();
    Ok(Trajectory {
        stake0,
        cap: rule.cap,
        rounds,
        final_stake,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Preset, RuleOverrides};

    fn rule(cap: f64, lag: usize) -> Rule {
        Rule::new(
            Preset::Custom,
            &RuleOverrides {
                cap: Some(cap),
                resolve_lag: Some(lag),
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    /// Worked by hand: S0 = 100, cap 0.25, L = 4, pf = 1.
    /// t  score  at_risk            fraction  payout  next at_risk
    /// 0   0.10  100                 0.10      10     100
    /// 1   0.20  100                 0.20      20     100
    /// 2  -0.10  100                -0.10     -10     100
    /// 3   0.05  100                 0.05       5     110 = 100 + p0
    /// 4   0.10  110 = 100 + p0      0.10      11     130 = 110 + p1
    /// 5   0.30  130 = 110 + p1      0.25 cap  32.5   120 = 130 + p2
    /// 6  -0.50  120 = 130 + p2     -0.25 cap -30     125 = 120 + p3
    /// final = 100 + 10 + 20 - 10 + 5 + 11 + 32.5 - 30 = 138.5
    #[test]
    fn hand_computed_trajectory_with_lag_cap_and_burn() {
        let scores = [0.10, 0.20, -0.10, 0.05, 0.10, 0.30, -0.50];
        let t = simulate(100.0, &scores, &[1.0; 7], &rule(0.25, 4)).unwrap();
        let at_risk = [100.0, 100.0, 100.0, 100.0, 110.0, 130.0, 120.0];
        let fraction = [0.10, 0.20, -0.10, 0.05, 0.10, 0.25, -0.25];
        let payout = [10.0, 20.0, -10.0, 5.0, 11.0, 32.5, -30.0];
        let next = [100.0, 100.0, 100.0, 110.0, 130.0, 120.0, 125.0];
        for (i, r) in t.rounds.iter().enumerate() {
            close(r.at_risk, at_risk[i]);
            close(r.fraction, fraction[i]);
            close(r.payout, payout[i]);
            close(r.stake, next[i]);
            assert_eq!(r.score, scores[i]);
        }
        close(t.final_stake, 138.5);
        let b = t.balances();
        assert_eq!(b.len(), 8);
        close(b[7], 138.5);
        close(b[6], 168.5);
    }

    /// Worked by hand: S0 = 100, cap 0.25, L = 2, pf = 1; the stake is set to 50 at the
    /// start of round 2 and to 80 once every round has resolved.
    /// t  score  resolves      stake at risk       payout
    /// 0   0.10  -             100                 10
    /// 1   0.20  -             100                 20
    /// 2  -0.10  p0: 110       set to 50           -5
    /// 3   0.30  p1: 50+20=70  70 (cap 0.25)       17.5
    /// end       p2: 65, p3: 82.5, then set to 80
    #[test]
    fn stakes_set_between_rounds_hand_checked() {
        let scores = [0.10, 0.20, -0.10, 0.30];
        let stakes = [None, None, Some(50.0), None, None];
        let (payouts, last) =
            simulate_with_stakes(100.0, &scores, &[1.0; 4], &rule(0.25, 2), &stakes).unwrap();
        let expected = [10.0, 20.0, -5.0, 17.5];
        for (p, e) in payouts.iter().zip(expected) {
            close(*p, e);
        }
        close(last, 82.5);
        let mut at_end = stakes;
        at_end[4] = Some(80.0);
        let (_, last) =
            simulate_with_stakes(100.0, &scores, &[1.0; 4], &rule(0.25, 2), &at_end).unwrap();
        close(last, 80.0);
        // With no stake set, the same numbers as `simulate`, bit for bit.
        let t = simulate(100.0, &scores, &[1.0; 4], &rule(0.25, 2)).unwrap();
        let (payouts, last) =
            simulate_with_stakes(100.0, &scores, &[1.0; 4], &rule(0.25, 2), &[None; 5]).unwrap();
        assert_eq!(last, t.final_stake);
        for (p, r) in payouts.iter().zip(&t.rounds) {
            assert_eq!(*p, r.payout);
        }
        // A withdrawal below an in-flight burn floors the burn at the stake left.
        let (payouts, last) = simulate_with_stakes(
            100.0,
            &[-0.5, 0.0],
            &[1.0; 2],
            &rule(0.5, 2),
            &[None, Some(10.0), None],
        )
        .unwrap();
        close(payouts[0], -10.0);
        close(last, 0.0);
        assert!(
            simulate_with_stakes(100.0, &scores, &[1.0; 4], &rule(0.25, 2), &[None; 4]).is_err()
        );
        assert!(simulate_with_stakes(
            100.0,
            &scores,
            &[1.0; 4],
            &rule(0.25, 2),
            &[None, Some(-1.0), None, None, None]
        )
        .is_err());
    }

    #[test]
    fn lag_one_compounds_every_round() {
        // 100 → 110 → 99 (burn of 10% of 110).
        let t = simulate(100.0, &[0.1, -0.1], &[1.0; 2], &rule(1.0, 1)).unwrap();
        close(t.rounds[1].at_risk, 110.0);
        close(t.rounds[0].stake, 110.0);
        close(t.rounds[1].stake, 99.0);
        close(t.final_stake, 99.0);
    }

    #[test]
    fn payout_factor_scales_before_the_clip() {
        // pf 0.5: 0.3 → 0.15 (under the 0.25 cap); 0.8 → 0.4 → clipped to 0.25.
        let t = simulate(100.0, &[0.3, 0.8], &[0.5, 0.5], &rule(0.25, 4)).unwrap();
        close(t.rounds[0].fraction, 0.15);
        close(t.rounds[1].fraction, 0.25);
        close(t.final_stake, 140.0);
    }

    #[test]
    fn burns_stop_at_zero_stake() {
        // L = 2, cap 1: rounds 0 and 1 both risk 100 and burn 100% each. Round 0 takes the
        // whole stake; round 1 finds nothing left; round 2 risks 0.
        let t = simulate(100.0, &[-1.0, -1.0, 0.5], &[1.0; 3], &rule(1.0, 2)).unwrap();
        close(t.rounds[0].payout, -100.0);
        close(t.rounds[1].payout, 0.0);
        close(t.rounds[2].at_risk, 0.0);
        close(t.rounds[2].payout, 0.0);
        assert_eq!(t.final_stake, 0.0);
        assert!(t.balances().iter().all(|b| *b >= 0.0));
    }

    #[test]
    fn four_capped_burns_empty_a_weekly_stake() {
        // Rounds 0..3 each burn 25 of 100: the stake is 0 once round 3 resolves. Round 4
        // risked 75 (S0 + payout_0) and would burn 18.75, but finds nothing left.
        let t = simulate(100.0, &[-1.0; 6], &[1.0; 6], &rule(0.25, 4)).unwrap();
        let payouts: Vec<f64> = t.rounds.iter().map(|r| r.payout).collect();
        assert_eq!(payouts[..4], [-25.0; 4]);
        close(t.rounds[4].at_risk, 75.0);
        close(payouts[4], 0.0);
        close(payouts[5], 0.0);
        assert_eq!(t.final_stake, 0.0);
    }

    #[test]
    fn lag_longer_than_the_series_risks_s0_throughout() {
        let t = simulate(50.0, &[0.1, 0.1], &[1.0; 2], &rule(1.0, 10)).unwrap();
        assert!(t
            .rounds
            .iter()
            .all(|r| r.at_risk == 50.0 && r.stake == 50.0));
        close(t.final_stake, 60.0);
    }

    #[test]
    fn empty_and_zero_stake() {
        let t = simulate(10.0, &[], &[], &rule(1.0, 4)).unwrap();
        assert_eq!(t.final_stake, 10.0);
        assert_eq!(t.balances(), vec![10.0]);
        let z = simulate(0.0, &[0.2, 0.2], &[1.0; 2], &rule(1.0, 1)).unwrap();
        assert_eq!(z.final_stake, 0.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let r = rule(0.25, 4);
        assert_eq!(
            simulate(-1.0, &[0.1], &[1.0], &r).unwrap_err(),
            PayoutError::BadStake {
                model: None,
                stake: -1.0
            }
        );
        assert!(matches!(
            simulate(1.0, &[0.1], &[1.0, 1.0], &r),
            Err(PayoutError::LengthMismatch { .. })
        ));
        assert!(matches!(
            simulate(1.0, &[f64::NAN], &[1.0], &r),
            Err(PayoutError::NonFiniteScore { index: 0, .. })
        ));
        assert!(matches!(
            simulate(1.0, &[0.1], &[-1.0], &r),
            Err(PayoutError::BadPayoutFactor { .. })
        ));
        let mut bad = r;
        bad.resolve_lag = 0;
        assert_eq!(
            simulate(1.0, &[0.1], &[1.0], &bad).unwrap_err(),
            PayoutError::ResolveLag { lag: 0 }
        );
    }
}
