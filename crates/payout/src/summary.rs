//! What a trajectory comes to: final stake, total return, worst drawdown, how often it
//! burned and how often the cap bound.

use crate::simulate::Trajectory;

/// Per-model summary of a [`Trajectory`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Rounds simulated.
    pub rounds: usize,
    /// Starting stake `S0`.
    pub stake0: f64,
    /// `S0 + Σ payouts`.
    pub final_stake: f64,
    /// `final / S0 − 1`; `None` when `S0 = 0`.
    pub total_return: Option<f64>,
    /// Worst fall of the stake from its running peak, as a share of that peak (0 to 1),
    /// over [`Trajectory::balances`].
    pub max_drawdown: f64,
    /// Share of rounds whose payout was negative.
    pub burn_share: f64,
    /// Rounds whose fraction was clipped at `+cap`.
    pub rounds_at_cap_up: usize,
    /// Rounds whose fraction was clipped at `−cap`.
    pub rounds_at_cap_down: usize,
}

impl Summary {
    /// Rounds at the cap, either side.
    pub fn rounds_at_cap(&self) -> usize {
        self.rounds_at_cap_up + self.rounds_at_cap_down
    }
}

/// Worst drawdown of a stake path as a share of the running peak; 0 for a path that never
/// falls, or one whose peak is 0.
pub fn max_drawdown(path: &[f64]) -> f64 {
    let mut dd = DrawdownState::default();
    path.iter().for_each(|&b| dd.push(b));
    dd.worst
}

/// Running peak and worst drawdown, fed one stake at a time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DrawdownState {
    peak: f64,
    pub(crate) worst: f64,
}

impl DrawdownState {
    #[inline]
    pub(crate) fn push(&mut self, stake: f64) {
        if stake > self.peak {
            self.peak = stake;
        } else if self.peak > 0.0 {
            self.worst = self.worst.max(1.0 - stake / self.peak);
        }
    }
}

impl Trajectory {
    /// Summarises the trajectory.
    pub fn summary(&self) -> Summary {
        let n = self.rounds.len();
        let burns = self.rounds.iter().filter(|r| r.payout < 0.0).count();
        Summary {
            rounds: n,
            stake0: self.stake0,
            final_stake: self.final_stake,
            total_return: (self.stake0 > 0.0).then(|| self.final_stake / self.stake0 - 1.0),
            max_drawdown: max_drawdown(&self.balances()),
            burn_share: if n == 0 { 0.0 } else { burns as f64 / n as f64 },
            rounds_at_cap_up: self
                .rounds
                .iter()
                .filter(|r| r.fraction >= self.cap)
                .count(),
            rounds_at_cap_down: self
                .rounds
                .iter()
                .filter(|r| r.fraction <= -self.cap)
                .count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Preset, Rule, RuleOverrides};
    use crate::simulate::simulate;

    #[test]
    fn drawdown_of_paths() {
        assert_eq!(max_drawdown(&[]), 0.0);
        assert_eq!(max_drawdown(&[5.0]), 0.0);
        assert_eq!(max_drawdown(&[1.0, 2.0, 3.0]), 0.0);
        assert!((max_drawdown(&[100.0, 80.0, 120.0, 60.0, 130.0]) - 0.5).abs() < 1e-15);
        assert_eq!(max_drawdown(&[0.0, 0.0]), 0.0);
        assert_eq!(max_drawdown(&[10.0, 0.0]), 1.0);
    }

    #[test]
    fn summary_of_the_hand_computed_trajectory() {
        let rule = Rule::new(
            Preset::Weekly2021,
            &RuleOverrides::default(), // cap 0.25, L = 4
        )
        .unwrap();
        let scores = [0.10, 0.20, -0.10, 0.05, 0.10, 0.30, -0.50];
        let s = simulate(100.0, &scores, &[1.0; 7], &rule)
            .unwrap()
            .summary();
        assert_eq!(s.rounds, 7);
        assert!((s.final_stake - 138.5).abs() < 1e-9);
        assert!((s.total_return.unwrap() - 0.385).abs() < 1e-9);
        // Stake path 100, 110, 130, 120, 125, 136, 168.5, 138.5: worst fall 30 / 168.5.
        assert!((s.max_drawdown - 30.0 / 168.5).abs() < 1e-12);
        assert!((s.burn_share - 2.0 / 7.0).abs() < 1e-15);
        assert_eq!((s.rounds_at_cap_up, s.rounds_at_cap_down), (1, 1));
        assert_eq!(s.rounds_at_cap(), 2);
    }

    #[test]
    fn zero_stake_has_no_return() {
        let rule = Rule::new(Preset::Custom, &RuleOverrides::default()).unwrap();
        let s = simulate(0.0, &[0.1], &[1.0], &rule).unwrap().summary();
        assert_eq!(s.total_return, None);
        assert_eq!(s.burn_share, 0.0);
    }
}
