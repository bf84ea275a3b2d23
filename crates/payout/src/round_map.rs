//! Values keyed by round, for the per-round inputs of a payout (factors, multipliers).

use std::collections::HashMap;

use erascore_labels::era::{era_number, round_labels_problem};

use crate::PayoutError;

/// Values keyed by round label; a label not found exactly is looked up by the number it
/// ends with, so "0575", "575" and "era575" name the same round. The one lookup behind
/// per-round payout factors and per-round multipliers.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundMap<T> {
    by_label: HashMap<String, T>,
    by_number: HashMap<u64, T>,
    /// The labels in the order given, for [`RoundMap::check_labels`].
    labels: Vec<String>,
}

impl<T> Default for RoundMap<T> {
    fn default() -> Self {
        Self {
            by_label: HashMap::new(),
            by_number: HashMap::new(),
            labels: Vec::new(),
        }
    }
}

impl<T: Copy> RoundMap<T> {
    /// Adds `round`; false (and nothing changed by label) when the label is already there.
    pub fn insert(&mut self, round: &str, value: T) -> bool {
        let label = round.trim().to_string();
        if self.by_label.contains_key(&label) {
            return false;
        }
        self.labels.push(label.clone());
        self.by_label.insert(label, value);
        if let Some(n) = era_number(round) {
            self.by_number.insert(n, value);
        }
        true
    }

    /// Refuses labels that cannot be ordered as rounds, by the rule the scores' rounds
    /// follow ([`round_labels_problem`]): a negative or fractional number, whose trailing
    /// digits would match another round, and two labels of one round ("5" and "era5"),
    /// of which the lookup by number would keep only the last.
    pub fn check_labels(&self) -> Result<(), PayoutError> {
        match round_labels_problem(&self.labels) {
            Some(problem) => Err(PayoutError::RoundLabels(problem)),
            None => Ok(()),
        }
    }

    /// The value of `round`, by label, then by trailing number.
    pub fn get(&self, round: &str) -> Option<T> {
        self.by_label
            .get(round.trim())
            .or_else(|| era_number(round).and_then(|n| self.by_number.get(&n)))
            .copied()
    }
}
