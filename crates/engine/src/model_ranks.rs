//! One model's ranks within an era and the CORR-family and contribution scores built on
//! them: the gaussian rank is computed once and reused, CORR powering it and MMC / BMC
//! using it as it is whenever their rows are CORR's rows (no missing meta model or
//! benchmark). Shared by the era loop (`era_scores`) and the [`crate::evaluator`], so both
//! call the kernels the same way and give the same bits.

use std::borrow::Cow;

use erascore_kernels::contribution::{contribution, ContributionTarget};
use erascore_kernels::corr::{
    corr_of_powered, gaussian_pow, gaussian_rank, gaussian_rank_pow, numerai_corr, CorrTarget,
};
use erascore_kernels::KernelError;

use crate::metrics::Metric;

fn pick(values: &[f64], at: &[usize]) -> Vec<f64> {
    at.iter().map(|&i| values[i]).collect()
}

/// One model's predictions on an era's rows with a target, and their ranks as the
/// metrics asked for need them.
pub(crate) struct ModelRanks<'s> {
    /// The model's predictions on every predicted row of the era.
    predictions: &'s [f64],
    /// The predictions on the rows with a target.
    pub(crate) on_target: Cow<'s, [f64]>,
    gaussian: Option<Cow<'s, [f64]>>,
    powered: Option<Vec<f64>>,
}

impl<'s> ModelRanks<'s> {
    /// `scored`: positions (within `predictions`) with a target value; `ranks`: the
    /// gaussian ranks of `predictions` when the era already computed them (a meta model
    /// built from stakes), used when the target leaves out no row.
    pub(crate) fn new(
        metrics: &[Metric],
        predictions: &'s [f64],
        scored: &[usize],
        ranks: Option<&'s [f64]>,
    ) -> Result<Self, KernelError> {
        // Positions are ascending, so all of them are the rows themselves.
        let on_target = if scored.len() == predictions.len() {
            Cow::Borrowed(predictions)
        } else {
            Cow::Owned(pick(predictions, scored))
        };
        let corr = metrics.iter().any(Metric::is_corr);
        // Ranking and powering in one pass when CORR needs both (same arithmetic as the
        // two-pass route, checked bit for bit in the kernels' tests).
        let (gaussian, powered) = match ranks {
            _ if !metrics.iter().any(Metric::needs_gaussian_rank) => (None, None),
            Some(r) if scored.len() == r.len() => (Some(Cow::Borrowed(r)), None),
            _ if corr => {
                let (g, p) = gaussian_rank_pow(&on_target)?;
                (Some(Cow::Owned(g)), Some(p))
            }
            _ => (Some(Cow::Owned(gaussian_rank(&on_target))), None),
        };
        let powered = match (&gaussian, powered) {
            (_, Some(p)) => Some(p),
            (Some(g), None) if corr => Some(gaussian_pow(g)?),
            _ => None,
        };
        Ok(Self {
            predictions,
            on_target,
            gaussian,
            powered,
        })
    }

    /// `numerai_corr` against `target` (on the top and bottom `tb` with `Some`).
    pub(crate) fn corr(&self, target: &CorrTarget, tb: Option<usize>) -> Result<f64, KernelError> {
        match &self.powered {
            Some(pw) => corr_of_powered(pw, target, tb),
            None => numerai_corr(&self.on_target, target, tb),
        }
    }

    /// `correlation_contribution` on the rows `at` (positions within the predicted rows),
    /// against the reference's gaussian ranks there.
    pub(crate) fn contribution(
        &self,
        at: &[usize],
        reference: &[f64],
        target: &ContributionTarget,
        tb: Option<usize>,
    ) -> Result<f64, KernelError> {
        let own;
        let g: &[f64] = match &self.gaussian {
            Some(g) if at.len() == self.on_target.len() => g,
            _ => {
                own = gaussian_rank(&pick(self.predictions, at));
                &own
            }
        };
        contribution(g, reference, target, tb)
    }
}
