//! The per-era metric catalogue and its names on the command line and in outputs.

use crate::input::Input;
use crate::EngineError;

/// One per-era metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// numerai_corr.
    Corr,
    /// numerai_corr on the top and bottom `n` predictions.
    CorrTopBottom(usize),
    /// correlation_contribution against the meta model.
    Mmc,
    /// MMC on the top and bottom `n`.
    MmcTopBottom(usize),
    /// correlation_contribution against the benchmark column.
    Bmc,
    /// feature_neutral_corr against the chosen features.
    Fnc,
    /// Spearman correlation of raw predictions with the target.
    Spearman,
    /// Pearson correlation of raw predictions with the target.
    Pearson,
    /// max |Pearson(feature, raw prediction)|.
    FeatureExposureMax,
    /// Pearson of tie-kept ranks of the predictions and of the example predictions.
    CorrWithExample,
    /// neutral_correlation against the neutralizers.
    NeutralCorr,
    /// neutral_contribution against the meta model and the neutralizers.
    NeutralContribution,
    /// Signals alpha (neutralized weights times the centred target).
    Alpha,
    /// meta_portfolio_contribution over the staked models.
    Mpc,
    /// churn against the previous submission.
    Churn,
    /// churn of the top and bottom `n` against the previous submission.
    ChurnTopBottom(usize),
    /// neutral_churn against the previous submission.
    NeutralChurn,
    /// turnover of the centred, normalized neutralized weights against the previous
    /// submission's.
    Turnover,
}

impl Metric {
    /// Parses a comma-separated list such as `corr,corr_tb200,mmc`.
    pub fn parse_list(list: &str) -> Result<Vec<Metric>, EngineError> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let m = Metric::parse(name)?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if out.is_empty() {
            return Err(EngineError::Request(crate::message![
                Input::Metrics,
                ": no metrics requested"
            ]));
        }
        Ok(out)
    }

    /// Parses one metric name.
    pub fn parse(name: &str) -> Result<Metric, EngineError> {
        // Only the canonical spelling of N (digits, no sign, no leading zero) so that every
        // accepted name is the output column it produces: `corr_tb007` or `corr_tb+5` would
        // otherwise be scored under a column named `corr_tb7` / `corr_tb5`.
        let tb = |prefix: &str| -> Option<usize> {
            name.strip_prefix(prefix)
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'))
                .and_then(|n| n.parse::<usize>().ok())
        };
        Ok(match name {
            "corr" => Metric::Corr,
            "mmc" => Metric::Mmc,
            "bmc" => Metric::Bmc,
            "fnc" => Metric::Fnc,
            "spearman" => Metric::Spearman,
            "pearson" => Metric::Pearson,
            "fexp_max" => Metric::FeatureExposureMax,
            "corr_with_example" => Metric::CorrWithExample,
            "nc" => Metric::NeutralCorr,
            "ncontrib" => Metric::NeutralContribution,
            "alpha" => Metric::Alpha,
            "mpc" => Metric::Mpc,
            "churn" => Metric::Churn,
            "neutral_churn" => Metric::NeutralChurn,
            "turnover" => Metric::Turnover,
            _ => {
                if let Some(n) = tb("corr_tb") {
                    Metric::CorrTopBottom(n)
                } else if let Some(n) = tb("mmc_tb") {
                    Metric::MmcTopBottom(n)
                } else if let Some(n) = tb("churn_tb") {
                    Metric::ChurnTopBottom(n)
                } else {
                    return Err(EngineError::Request(crate::message![format!(
                        "unknown metric '{name}' (known: corr, corr_tbN, mmc, mmc_tbN, \
                             bmc, fnc, spearman, pearson, fexp_max, corr_with_example, nc, \
                             ncontrib, alpha, mpc, churn, churn_tbN, neutral_churn, turnover)"
                    )]));
                }
            }
        })
    }

    /// The column name in outputs.
    pub fn name(&self) -> String {
        match self {
            Metric::Corr => "corr".into(),
            Metric::CorrTopBottom(n) => format!("corr_tb{n}"),
            Metric::Mmc => "mmc".into(),
            Metric::MmcTopBottom(n) => format!("mmc_tb{n}"),
            Metric::Bmc => "bmc".into(),
            Metric::Fnc => "fnc".into(),
            Metric::Spearman => "spearman".into(),
            Metric::Pearson => "pearson".into(),
            Metric::FeatureExposureMax => "fexp_max".into(),
            Metric::CorrWithExample => "corr_with_example".into(),
            Metric::NeutralCorr => "nc".into(),
            Metric::NeutralContribution => "ncontrib".into(),
            Metric::Alpha => "alpha".into(),
            Metric::Mpc => "mpc".into(),
            Metric::Churn => "churn".into(),
            Metric::ChurnTopBottom(n) => format!("churn_tb{n}"),
            Metric::NeutralChurn => "neutral_churn".into(),
            Metric::Turnover => "turnover".into(),
        }
    }

    /// Whether the metric needs feature columns.
    pub fn needs_features(&self) -> bool {
        matches!(self, Metric::Fnc | Metric::FeatureExposureMax)
    }

    /// Whether the metric needs the meta model.
    pub fn needs_meta_model(&self) -> bool {
        matches!(
            self,
            Metric::Mmc | Metric::MmcTopBottom(_) | Metric::NeutralContribution
        )
    }

    /// Whether the metric neutralizes against the Signals neutralizers (the neutralizers
    /// table, else the data's features).
    pub fn needs_neutralizers(&self) -> bool {
        matches!(
            self,
            Metric::NeutralCorr
                | Metric::NeutralContribution
                | Metric::Alpha
                | Metric::Mpc
                | Metric::NeutralChurn
                | Metric::Turnover
        )
    }

    /// Whether the metric compares with the previous submission.
    pub fn needs_previous(&self) -> bool {
        matches!(
            self,
            Metric::Churn | Metric::ChurnTopBottom(_) | Metric::NeutralChurn | Metric::Turnover
        )
    }

    /// Whether the metric builds neutralized portfolio weights (and so reads sample weights).
    pub fn needs_sample_weights(&self) -> bool {
        matches!(self, Metric::Alpha | Metric::Mpc | Metric::Turnover)
    }

    /// Whether the metric is a Signals metric (it neutralizes against the Signals
    /// neutralizers or compares with an earlier submission): its rows are matched on
    /// (era, id).
    pub fn is_signals(&self) -> bool {
        self.needs_neutralizers() || self.needs_previous()
    }

    /// Whether the metric is numerai_corr (over all rows or the top and bottom).
    pub fn is_corr(&self) -> bool {
        matches!(self, Metric::Corr | Metric::CorrTopBottom(_))
    }

    /// Whether the metric starts from the gaussianized tie-kept ranks of the predictions.
    pub fn needs_gaussian_rank(&self) -> bool {
        self.is_corr() || self.needs_meta_model() || *self == Metric::Bmc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let list = "corr,corr_tb200,mmc,mmc_tb50,bmc,fnc,spearman,pearson,fexp_max,nc,ncontrib,\
                    alpha,mpc,churn,churn_tb25,neutral_churn,turnover";
        let m = Metric::parse_list(list).unwrap();
        let names: Vec<String> = m.iter().map(|m| m.name()).collect();
        assert_eq!(names.join(","), list);
    }

    #[test]
    fn unknown_metric_is_an_error() {
        assert!(Metric::parse_list("corr,sharpness").is_err());
        assert!(Metric::parse("corr_tb0").is_err());
        assert!(Metric::parse("churn_tb0").is_err());
        assert!(Metric::parse("churn_tbx").is_err());
    }

    #[test]
    fn top_bottom_count_only_in_its_output_spelling() {
        for name in [
            "corr_tb007",
            "corr_tb+5",
            "mmc_tb05",
            "corr_tb 5",
            "corr_tb",
            "mmc_tb-1",
        ] {
            assert!(Metric::parse(name).is_err(), "{name} was accepted");
        }
        assert_eq!(
            Metric::parse("corr_tb10").unwrap(),
            Metric::CorrTopBottom(10)
        );
    }
}
