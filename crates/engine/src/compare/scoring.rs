//! The scoring half of `compare`: every model's per-round scores under every configuration,
//! with all predictions in memory, by chunks of models, or by batches of eras.

use erascore_payout::series::ModelScores;

use super::config::{require_benchmark, CompareConfig};
use super::era_batches::scores_by_era;
use super::inputs::CompareInputs;
use super::model_chunks::meta_references;
use super::pass::{score_group, scoring_groups, Collected};
use crate::meta_model::MetaModelSpec;
use crate::score::MetaModelSource;
use crate::EngineError;

/// The per-round scores of every model under every configuration: what [`compare`](super::compare) gathers
/// from its scoring passes before it simulates payouts.
#[derive(Debug, Clone)]
pub struct CompareScores {
    /// Rounds (eras with predictions), in order.
    pub rounds: Vec<String>,
    /// Per configuration, per model (index into all models): the first and second score of
    /// each round.
    pub series: Vec<Vec<Option<ModelScores>>>,
    /// Notes for the user.
    pub warnings: Vec<String>,
    /// How many chunks of models the predictions were read in.
    pub chunks: usize,
}

/// The scoring half of [`compare`](super::compare), over the eras named in `only` (every era when `None`):
/// the share of a distributed run. Scores and meta models of an era depend on that era's
/// rows alone (every model of the era enters its meta model), and every check spanning the
/// data is made on all of it, so the shares' rounds, concatenated in era order, are the
/// rounds of the whole run.
pub fn compare_scores(
    inputs: &CompareInputs<'_>,
    configs: &[CompareConfig],
    only: Option<&[String]>,
    on_era: &(dyn Fn() + Sync),
) -> Result<CompareScores, EngineError> {
    let models = inputs.models;
    let n_models = models.len();
    if n_models == 0 {
        return Err(EngineError::Config(
            "the predictions have no model columns".into(),
        ));
    }
    let mut stake0 = vec![f64::NAN; n_models];
    for &(m, s) in inputs.stakes {
        stake0[m] = s;
    }
    if let Some(m) = stake0.iter().position(|s| s.is_nan()) {
        return Err(EngineError::Config(format!(
            "model '{}' has predictions but no stake",
            models[m]
        )));
    }
    require_benchmark(configs, inputs.benchmark.is_some())?;
    let groups = scoring_groups(configs);
    for (_, meta, members) in &groups {
        if let Some(spec) = meta {
            if spec.weights(inputs.stakes).is_empty() {
                return Err(EngineError::Config(format!(
                    "configuration '{}': no model qualifies for its meta model ({})",
                    configs[members[0]].name,
                    spec.label()
                )));
            }
        }
    }
    let per_chunk = (inputs.max_values / inputs.data.ids.len().max(1)).max(1);
    let order: Vec<usize> = inputs.stakes.iter().map(|(m, _)| *m).collect();
    let chunks: Vec<&[usize]> = if per_chunk >= n_models {
        Vec::new()
    } else {
        order.chunks(per_chunk).collect()
    };
    let names = |idx: &[usize]| idx.iter().map(|&m| models[m].clone()).collect::<Vec<_>>();
    let mut collected = Collected {
        rounds: Vec::new(),
        series: vec![vec![None; n_models]; configs.len()],
        warnings: Vec::new(),
    };
    if let (false, Some(by_era)) = (chunks.is_empty(), &inputs.by_era) {
        let batches = scores_by_era(inputs, by_era, configs, &groups, only, on_era)?;
        let Collected {
            rounds,
            series,
            warnings,
        } = batches.0;
        return Ok(CompareScores {
            rounds,
            series,
            warnings,
            chunks: batches.1,
        });
    }
    if chunks.is_empty() {
        let all: Vec<usize> = (0..n_models).collect();
        let preds = (inputs.load)(&names(&all))?;
        for group in &groups {
            // Stakes index the prediction columns, which here are all models in order.
            let source = group
                .1
                .map(|spec| MetaModelSource::Stakes(spec.weights(inputs.stakes)));
            score_group(
                inputs,
                configs,
                group,
                &preds,
                source,
                &all,
                only,
                &mut collected,
                on_era,
            )?;
        }
    } else {
        let specs: Vec<MetaModelSpec> = groups.iter().filter_map(|g| g.1).collect();
        let references = meta_references(inputs, &specs, &chunks, &names, only)?;
        for chunk in &chunks {
            let preds = (inputs.load)(&names(chunk))?;
            for group in &groups {
                let source = group.1.and_then(|spec| {
                    specs
                        .iter()
                        .position(|s| *s == spec)
                        .map(|k| MetaModelSource::Column(&references[k]))
                });
                score_group(
                    inputs,
                    configs,
                    group,
                    &preds,
                    source,
                    chunk,
                    only,
                    &mut collected,
                    on_era,
                )?;
            }
        }
    }
    let Collected {
        rounds,
        series,
        warnings,
    } = collected;
    Ok(CompareScores {
        rounds,
        series,
        warnings,
        chunks: chunks.len().max(1),
    })
}
