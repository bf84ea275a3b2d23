//! One scoring pass: the configurations sharing a target and a meta model, scored together
//! with `score`'s era loop, their series filed per configuration and model.

use erascore_payout::series::ModelScores;

use super::config::CompareConfig;
use super::inputs::CompareInputs;
use crate::inputs::Predictions;
use crate::meta_model::MetaModelSpec;
use crate::metrics::Metric;
use crate::score::{score_eras, MetaModelSource, ScoreConfig, ScoreInputs};
use crate::EngineError;

/// A scoring group: target, meta model (if any configuration of it needs one), members.
pub type Group = (String, Option<MetaModelSpec>, Vec<usize>);

/// Per-model score series gathered from the scoring passes.
pub(super) struct Collected {
    pub(super) rounds: Vec<String>,
    /// Per configuration, per model (index into all models).
    pub(super) series: Vec<Vec<Option<ModelScores>>>,
    pub(super) warnings: Vec<String>,
}

/// Scores `preds` (the models `global` of all models) for one group and files each member
/// configuration's first and second score per model.
#[allow(clippy::too_many_arguments)]
pub(super) fn score_group(
    inputs: &CompareInputs<'_>,
    configs: &[CompareConfig],
    (target, _, members): &Group,
    preds: &Predictions,
    meta_model: Option<MetaModelSource<'_>>,
    global: &[usize],
    only: Option<&[String]>,
    out: &mut Collected,
    on_era: &(dyn Fn() + Sync),
) -> Result<(), EngineError> {
    let mut metrics: Vec<Metric> = Vec::new();
    for &c in members {
        for m in configs[c].metrics() {
            if !metrics.contains(&m) {
                metrics.push(m);
            }
        }
    }
    let score_inputs = ScoreInputs {
        data: inputs.data,
        predictions: preds,
        meta_model,
        benchmark: inputs.benchmark,
        example: None,
        signals: crate::signals::SignalsInputs::default(),
    };
    let score_config = ScoreConfig {
        metrics: metrics.clone(),
        targets: vec![target.clone()],
        max_filtered_ratio: inputs.max_filtered_ratio,
        target_pow15: inputs.target_pow15,
    };
    let report = score_eras(&score_inputs, &score_config, only, on_era)?;
    for w in report.warnings {
        if !out.warnings.contains(&w) {
            out.warnings.push(w);
        }
    }
    let n = preds.names.len();
    // Rows come era by era, models in column order within each era.
    let rounds: Vec<String> = report.rows.chunks(n).map(|c| c[0].era.clone()).collect();
    if out.rounds.is_empty() {
        out.rounds = rounds.clone();
    } else if out.rounds != rounds {
        return Err(EngineError::Config(format!(
            "target '{target}' covers other eras than the first configuration's target;              compare configurations over the same rounds"
        )));
    }
    let col = |m: Metric| metrics.iter().position(|x| *x == m).unwrap_or(0);
    for &c in members {
        let config = &configs[c];
        let (a, b) = (col(config.first), config.second.map(col));
        for (m, &g) in global.iter().enumerate() {
            let rows = report.rows.iter().skip(m).step_by(n);
            let corr: Vec<f64> = rows.clone().map(|r| r.values[a]).collect();
            let mmc = b.map(|b| rows.map(|r| r.values[b]).collect());
            out.series[c][g] = Some(ModelScores {
                model: preds.names[m].clone(),
                rounds: rounds.clone(),
                corr,
                mmc,
            });
        }
    }
    Ok(())
}

/// How many times a compare run over `eras` eras calls its `on_era` (once per era of each
/// scoring pass): the total a progress display counts to.
pub fn era_steps(configs: &[CompareConfig], eras: usize) -> usize {
    eras * scoring_groups(configs).len()
}

/// Configurations that share one scoring pass: a target, the meta model (if any of them
/// needs one) and the configurations' indices. A configuration without MMC joins any pass
/// over its target, so each model is ranked once per era and target, and again only for
/// each further meta model.
pub fn scoring_groups(
    configs: &[CompareConfig],
) -> Vec<(String, Option<MetaModelSpec>, Vec<usize>)> {
    let mut groups: Vec<(String, Option<MetaModelSpec>, Vec<usize>)> = Vec::new();
    for (c, config) in configs.iter().enumerate() {
        let meta = config.needs_meta_model().then_some(config.meta_model);
        let fits =
            |g: &Group| g.0 == config.target && (meta.is_none() || g.1.is_none() || g.1 == meta);
        match groups.iter_mut().find(|g| fits(g)) {
            Some(g) => {
                g.1 = g.1.or(meta);
                g.2.push(c);
            }
            None => groups.push((config.target.clone(), meta, vec![c])),
        }
    }
    groups
}
