//! The meta models of a run that reads its models in chunks: each built over every chunk
//! before any model is scored against it.

use std::collections::HashMap;

use rayon::prelude::*;

use erascore_io::Strings;
use erascore_kernels::corr::gaussian_rank;
use erascore_kernels::meta_model::StakeWeightedSum;

use super::inputs::CompareInputs;
use crate::inputs::{DataRows, Reference};
use crate::meta_model::MetaModelSpec;
use crate::EngineError;

/// The meta model of each spec as a column over the data rows, built chunk by chunk: per
/// era, over the era's rows that have predictions (the rows `score` builds it over), each
/// model's gaussianized tie-kept ranks are added with its weight, in stakes-file order.
pub(super) fn meta_references(
    inputs: &CompareInputs<'_>,
    specs: &[MetaModelSpec],
    chunks: &[&[usize]],
    names: &dyn Fn(&[usize]) -> Vec<String>,
    only: Option<&[String]>,
) -> Result<Vec<Reference>, EngineError> {
    let data = inputs.data;
    let wanted: Option<std::collections::HashSet<&str>> =
        only.map(|o| o.iter().map(String::as_str).collect());
    let weights: Vec<HashMap<usize, f64>> = specs
        .iter()
        .map(|s| s.weights(inputs.stakes).into_iter().collect())
        .collect();
    let data_rows = DataRows::new(data);
    let n_eras = data.era_names.len();
    let mut era_rows: Option<Vec<Vec<u32>>> = None;
    let mut sums: Vec<Vec<StakeWeightedSum>> = Vec::new();
    for chunk in chunks {
        let staked: Vec<usize> = chunk
            .iter()
            .copied()
            .filter(|m| weights.iter().any(|w| w.contains_key(m)))
            .collect();
        if staked.is_empty() {
            continue;
        }
        let preds = (inputs.load)(&names(&staked))?;
        let pred_row = data_rows.match_rows(&preds.keys())?;
        let rows = era_rows.get_or_insert_with(|| {
            let mut rows = vec![Vec::new(); n_eras];
            // Eras outside the share get no meta model (their rows are never scored here).
            let in_share = |e: u32| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(data.era_names[e as usize].as_str()))
            };
            for (r, &e) in data.eras.iter().enumerate() {
                if pred_row[r].is_some() && in_share(e) {
                    rows[e as usize].push(r as u32);
                }
            }
            rows
        });
        if sums.is_empty() {
            sums = rows
                .iter()
                .map(|r| {
                    specs
                        .iter()
                        .map(|_| StakeWeightedSum::new(r.len()))
                        .collect()
                })
                .collect();
        }
        sums.par_iter_mut()
            .zip(rows.par_iter())
            .enumerate()
            .try_for_each(|(e, (era_sums, rows))| {
                if rows.is_empty() {
                    return Ok(());
                }
                for (k, &m) in staked.iter().enumerate() {
                    let values: Vec<f64> = rows
                        .iter()
                        .map(|&r| {
                            pred_row[r as usize].map_or(f64::NAN, |i| preds.values[k][i as usize])
                        })
                        .collect();
                    let g = gaussian_rank(&values);
                    for (sum, w) in era_sums.iter_mut().zip(&weights) {
                        if let Some(&w) = w.get(&m) {
                            sum.add(&g, w).map_err(|source| EngineError::Kernel {
                                era: data.era_names[e].clone(),
                                model: "(meta model)".into(),
                                target: "-".into(),
                                source,
                            })?;
                        }
                    }
                }
                Ok::<(), EngineError>(())
            })?;
    }
    let rows = era_rows.unwrap_or_default();
    let era_labels: Strings = data
        .eras
        .iter()
        .map(|&e| data.era_names[e as usize].as_str())
        .collect();
    let mut out = Vec::with_capacity(specs.len());
    for (k, spec) in specs.iter().enumerate() {
        let mut values = vec![f64::NAN; data.ids.len()];
        for (e, era_rows) in rows.iter().enumerate() {
            if era_rows.is_empty() {
                continue;
            }
            let era_sums = &sums[e];
            let meta = era_sums[k]
                .clone()
                .finish()
                .map_err(|source| EngineError::Kernel {
                    era: data.era_names[e].clone(),
                    model: "(meta model)".into(),
                    target: "-".into(),
                    source,
                })?;
            for (&r, v) in era_rows.iter().zip(meta) {
                values[r as usize] = v;
            }
        }
        out.push(Reference {
            path: format!("(meta model: {})", spec.label()).into(),
            column: "meta_model".into(),
            ids: data.ids.clone(),
            eras: Some(era_labels.clone()),
            values,
        });
    }
    Ok(out)
}
