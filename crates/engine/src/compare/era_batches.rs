//! The era-major path of the scoring half: predictions read a batch of eras at a time,
//! every model in each batch.

use erascore_io::Strings;

use super::config::CompareConfig;
use super::inputs::{CompareInputs, EraLoader};
use super::pass::{score_group, Collected, Group};
use crate::inputs::{DataRows, Predictions};
use crate::score::MetaModelSource;
use crate::EngineError;

/// The era-major path of [`compare_scores`]: the eras with predictions, in the order
/// `score` scores them, in batches that hold every model within `max_values`; each batch is
/// scored as a whole run over the data of its eras (every model ranked once per era and
/// pass, each pass's meta model built once per era from those ranks), and the batches'
/// rounds are joined in order. A score, a meta model and its checks depend on the rows of
/// their own era only, so the numbers are those of a run over all eras at once; the checks
/// spanning the file (overlap with the data, eras without predictions) are made here, on the
/// whole file's keys. Returns the series and the number of batches.
pub(super) fn scores_by_era(
    inputs: &CompareInputs<'_>,
    by_era: &EraLoader<'_>,
    configs: &[CompareConfig],
    groups: &[Group],
    only: Option<&[String]>,
    on_era: &(dyn Fn() + Sync),
) -> Result<(Collected, usize), EngineError> {
    let data = inputs.data;
    let n_models = inputs.models.len();
    let keys = (by_era.keys)()?;
    let pred_row = DataRows::new(data).match_rows(&keys.keys())?;
    let matched = pred_row.iter().filter(|r| r.is_some()).count();
    crate::inputs::require_overlap(
        || format!("{} vs {}", keys.path.display(), data.path.display()),
        matched,
        keys.ids.len(),
        inputs.max_filtered_ratio,
    )?;
    drop(keys);
    let n_eras = data.era_names.len();
    let mut era_matched = vec![0usize; n_eras];
    for (r, &e) in data.eras.iter().enumerate() {
        if pred_row[r].is_some() {
            era_matched[e as usize] += 1;
        }
    }
    drop(pred_row);
    let mut out = Collected {
        rounds: Vec::new(),
        series: vec![vec![None; n_models]; configs.len()],
        warnings: Vec::new(),
    };
    let mut eras = erascore_io::era::era_order(&data.era_names);
    // The warning a run over all eras gives, worded as `score` words it.
    let skipped: Vec<&str> = eras
        .iter()
        .filter(|&&e| era_matched[e] == 0)
        .map(|&e| data.era_names[e].as_str())
        .collect();
    if !skipped.is_empty() {
        out.warnings.push(format!(
            "{} era(s) have no predictions and were skipped (first: {})",
            skipped.len(),
            skipped[0]
        ));
    }
    eras.retain(|&e| era_matched[e] > 0);
    if let Some(only) = only {
        eras.retain(|&e| only.contains(&data.era_names[e]));
    }
    let widest = eras.iter().map(|&e| era_matched[e]).max().unwrap_or(1);
    let mut per_batch = (inputs.max_values / widest.max(1) / n_models.max(1)).max(1);
    // Eras of a batch are scored in parallel: a whole number of eras per thread.
    let threads = rayon::current_num_threads().max(1);
    if per_batch >= threads {
        per_batch -= per_batch % threads;
    }
    let all: Vec<usize> = (0..n_models).collect();
    let mut batches = 0;
    for batch in eras.chunks(per_batch) {
        batches += 1;
        let names: Vec<String> = batch.iter().map(|&e| data.era_names[e].clone()).collect();
        let mut in_batch = vec![false; n_eras];
        for &e in batch {
            in_batch[e] = true;
        }
        let rows: Vec<u32> = (0..data.eras.len() as u32)
            .filter(|&r| in_batch[data.eras[r as usize] as usize])
            .collect();
        let sub = data.select_rows(&rows);
        let mut preds = (by_era.load)(&names)?;
        if preds.names.as_slice() != inputs.models {
            return Err(EngineError::Config(format!(
                "{}: the model columns read by era differ from the file's",
                preds.path.display()
            )));
        }
        keep_eras(&mut preds, &names);
        let batch_inputs = CompareInputs {
            data: &sub,
            // The overlap with the data was checked above over the whole file; a batch's
            // own share may differ, and must not fail a run the whole file passes.
            max_filtered_ratio: 1.0,
            ..*inputs
        };
        let mut part = Collected {
            rounds: Vec::new(),
            series: vec![vec![None; n_models]; configs.len()],
            warnings: Vec::new(),
        };
        for group in groups {
            let source = group
                .1
                .map(|spec| MetaModelSource::Stakes(spec.weights(inputs.stakes)));
            score_group(
                &batch_inputs,
                configs,
                group,
                &preds,
                source,
                &all,
                None,
                &mut part,
                on_era,
            )?;
        }
        drop(preds);
        out.rounds.extend(part.rounds);
        for w in part.warnings {
            if !out.warnings.contains(&w) {
                out.warnings.push(w);
            }
        }
        for (joined, part) in out.series.iter_mut().zip(part.series) {
            for (j, p) in joined.iter_mut().zip(part) {
                match (j.as_mut(), p) {
                    (Some(j), Some(p)) => {
                        j.rounds.extend(p.rounds);
                        j.corr.extend(p.corr);
                        if let (Some(a), Some(b)) = (j.mmc.as_mut(), p.mmc) {
                            a.extend(b);
                        }
                    }
                    (None, p) => *j = p,
                    (Some(_), None) => {}
                }
            }
        }
    }
    Ok((out, batches))
}

/// Drops the rows of `preds` outside `eras` (a file whose row groups span several eras
/// yields some).
fn keep_eras(preds: &mut Predictions, eras: &[String]) {
    let Some(row_eras) = &preds.eras else {
        return;
    };
    let keep: Vec<bool> = row_eras
        .iter()
        .map(|e| eras.iter().any(|x| x == e))
        .collect();
    if keep.iter().all(|&k| k) {
        return;
    }
    let pick = |strings: &Strings| -> Strings {
        strings
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(s, _)| s)
            .collect()
    };
    let kept_eras = pick(row_eras);
    preds.ids = pick(&preds.ids);
    preds.eras = Some(kept_eras);
    for values in &mut preds.values {
        let mut k = keep.iter();
        values.retain(|_| k.next().copied().unwrap_or(false));
    }
}
