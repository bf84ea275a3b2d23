//! Flag groups shared by several commands, so the same input has the same flag, help and
//! checks everywhere (the data and predictions group is [`crate::inputs::InputArgs`]).

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;

use erascore_engine::inputs::{Predictions, RowTable};
use erascore_engine::metrics::Metric;
use erascore_engine::signals::SignalsInputs;
use erascore_io::frame::read_frame;

use crate::inputs::read_predictions;

/// The Signals inputs (`score`, `diagnostics`): stakes, neutralizers, sample weights and
/// earlier submissions.
#[derive(Args, Debug, Default)]
pub struct SignalsArgs {
    /// Stakes (CSV or parquet: model,stake): the meta portfolio of mpc, and the meta model
    /// of mmc/ncontrib when there is no --meta-model.
    #[arg(long)]
    pub stakes: Option<PathBuf>,
    /// Signals neutralizers (id, an optional era, one column per neutralizer) for nc,
    /// ncontrib, alpha, mpc, neutral_churn and turnover [default in `score`: the data's
    /// feature columns].
    #[arg(long)]
    pub neutralizers: Option<PathBuf>,
    /// Signals sample weights (id, an optional era, weight) for alpha, mpc and turnover
    /// [default: 1].
    #[arg(long)]
    pub sample_weights: Option<PathBuf>,
    /// An earlier submission (the predictions' layout) for churn, churn_tbN, neutral_churn
    /// and turnover; repeat for several (each metric is then the max over them).
    #[arg(long)]
    pub previous: Vec<PathBuf>,
}

/// The Signals files a run reads (only those its metrics use).
pub struct SignalFiles {
    /// `--neutralizers`.
    pub neutralizers: Option<RowTable>,
    /// `--sample-weights`.
    pub sample_weights: Option<RowTable>,
    /// Each `--previous`.
    pub previous: Vec<Predictions>,
}

impl SignalsArgs {
    /// The input files, for the check that no output overwrites an input.
    pub fn paths(&self) -> Vec<(&'static str, Option<&Path>)> {
        let mut paths = vec![
            ("--stakes", self.stakes.as_deref()),
            ("--neutralizers", self.neutralizers.as_deref()),
            ("--sample-weights", self.sample_weights.as_deref()),
        ];
        paths.extend(
            self.previous
                .iter()
                .map(|p| ("--previous", Some(p.as_path()))),
        );
        paths
    }

    /// Reads the files `metrics` use; an error names the flag and the file.
    pub fn read(&self, metrics: &[Metric]) -> anyhow::Result<SignalFiles> {
        let uses = |f: fn(&Metric) -> bool| metrics.iter().any(f);
        let read = |path: &Option<PathBuf>, used: bool, what: &'static str| {
            path.as_ref()
                .filter(|_| used)
                .map(|p| -> anyhow::Result<RowTable> {
                    Ok(RowTable::from_frame(read_frame(p)?, None, what)?)
                })
                .transpose()
        };
        let neutralizers = read(
            &self.neutralizers,
            uses(Metric::needs_neutralizers),
            "neutralizers",
        )?;
        let sample_weights = read(
            &self.sample_weights,
            uses(Metric::needs_sample_weights),
            "sample weights",
        )?;
        if let Some(w) = &sample_weights {
            if w.names.len() != 1 {
                bail!(
                    "--sample-weights {}: one weight column expected besides id and era, found {}",
                    w.path.display(),
                    w.names.join(", ")
                );
            }
        }
        let previous = if uses(Metric::needs_previous) {
            self.previous
                .iter()
                .map(|p| read_predictions(p, None))
                .collect::<anyhow::Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(SignalFiles {
            neutralizers,
            sample_weights,
            previous,
        })
    }
}

impl SignalFiles {
    /// The engine's view of these files, with the meta portfolio's stakes when `metrics`
    /// hold mpc.
    pub fn inputs(
        &self,
        metrics: &[Metric],
        stakes: Option<Vec<(usize, f64)>>,
    ) -> SignalsInputs<'_> {
        SignalsInputs {
            neutralizers: self.neutralizers.as_ref(),
            sample_weights: self.sample_weights.as_ref(),
            previous: self.previous.iter().collect(),
            stakes: metrics.contains(&Metric::Mpc).then_some(stakes).flatten(),
        }
    }
}
