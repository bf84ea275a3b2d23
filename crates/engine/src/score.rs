//! Era-parallel scoring of many models against one or more targets.
//!
//! Rows are matched by id, grouped by era and sorted by id within an era (numerai-tools
//! sorts the index, which fixes tie-breaking and the top/bottom selection). Each metric then
//! sees exactly the rows numerai-tools would: CORR, FNC, Spearman and Pearson the era's rows
//! with a prediction and a non-NaN target; MMC and BMC those that also have a meta-model
//! (benchmark) value; feature exposure every era row with a prediction. CORR and FNC
//! (`numerai_corr`) centre the target on the mean of every row of the era that has one,
//! predicted or not, as `numerai_corr(era_predictions, era_target)` does.

use std::collections::HashMap;

use rayon::prelude::*;

use erascore_io::dataset::{DataKeys, Dataset};
use erascore_io::era::era_order;
use erascore_io::stream::FeatureReader;
use erascore_kernels::cpu::{self, CpuPaths};

use crate::era_features::EraFeatures;
use crate::era_scores::{score_era, EraResult};
use crate::input::Input;
use crate::inputs::{require_overlap, DataRows, Reference};
use crate::job::ScoreJob;
pub use crate::job::{EraScore, MetaModelSource, ScoreConfig, ScoreInputs};
use crate::message;
use crate::metrics::Metric;
use crate::prerequisites::{check_prerequisites, Given};
use crate::signals::SignalsPlan;
use crate::EngineError;

/// All per-era scores, ordered by era, target, model.
#[derive(Debug, Clone)]
pub struct ScoreReport {
    /// The metrics, matching each row's `values`.
    pub metrics: Vec<Metric>,
    /// The rows.
    pub rows: Vec<EraScore>,
    /// Notes for the user (constant predictions, skipped eras).
    pub warnings: Vec<String>,
    /// Eras left out because a target has no value on any of their rows, in era order,
    /// each with those targets (every configured one, or some).
    pub unresolved: Vec<(String, Vec<String>)>,
}

/// The one warning naming the eras left out for lack of target values.
pub(crate) fn unresolved_warning(
    unresolved: &[(String, Vec<String>)],
    targets: usize,
) -> Option<String> {
    if unresolved.is_empty() {
        return None;
    }
    let mut shown: Vec<String> = unresolved
        .iter()
        .take(10)
        .map(|(era, t)| {
            if t.len() == targets {
                era.clone()
            } else {
                format!("{era} (target {})", t.join(", "))
            }
        })
        .collect();
    if unresolved.len() > 10 {
        shown.push(format!("... ({} more)", unresolved.len() - 10));
    }
    // A row is one (era, model, target) and every statistic over eras covers the same eras
    // for each metric of a model: an era without any target value has no row, so its
    // target-free metrics go with it, which the warning says rather than leaves implied.
    let whole = unresolved.iter().any(|(_, t)| t.len() == targets);
    Some(format!(
        "{} era(s) have no target values (NaN on every row, as in a live era) and were not \
         scored: {}{}",
        unresolved.len(),
        shown.join(", "),
        if whole {
            " (an era without any target value has no row, its fexp_max, churn and other \
             target-free metrics included)"
        } else {
            ""
        }
    ))
}

/// Eras left out for lack of target values, each with those targets
/// ([`ScoreReport::unresolved`]).
pub type UnresolvedEras = Vec<(String, Vec<String>)>;

/// A report's warnings and its eras without target values.
pub type ShareWarnings = (Vec<String>, UnresolvedEras);

/// The warnings and the eras without target values of a job run in shares (each share a
/// [`ScoreReport`] of some eras, or of some models of them), as one run over the whole data
/// reports them: each warning once, and one warning naming every era left out in place of
/// each share's own (shares of models of one era each report that era: it is kept once).
pub fn merge_share_warnings(shares: &[ShareWarnings], targets: usize) -> ShareWarnings {
    let mut warnings: Vec<String> = Vec::new();
    let mut unresolved: UnresolvedEras = Vec::new();
    for (share_warnings, share_unresolved) in shares {
        let own = unresolved_warning(share_unresolved, targets);
        for w in share_warnings {
            if own.as_ref() != Some(w) && !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
        for u in share_unresolved {
            if !unresolved.contains(u) {
                unresolved.push(u.clone());
            }
        }
    }
    warnings.extend(unresolved_warning(&unresolved, targets));
    (warnings, unresolved)
}

/// Scores every model in every era; `on_era` is called once per finished era.
pub fn score(
    inputs: &ScoreInputs<'_>,
    config: &ScoreConfig,
    on_era: &(dyn Fn() + Sync),
) -> Result<ScoreReport, EngineError> {
    score_with_paths(inputs, config, None, on_era)
}

/// [`score`] of the eras named in `only` (every era when `None`), for a worker that scores
/// a share of a job: every check that spans the data (ids matched, repeated or in two eras,
/// the overlap of the predictions, eras without predictions) is made on all of it, as the
/// whole job makes it, so each worker fails with the whole job's error and the rows of the
/// shares, in era order, are the whole job's rows.
pub fn score_eras(
    inputs: &ScoreInputs<'_>,
    config: &ScoreConfig,
    only: Option<&[String]>,
    on_era: &(dyn Fn() + Sync),
) -> Result<ScoreReport, EngineError> {
    run(inputs, config, None, None, None, only, on_era)
}

/// [`score`] with the kernels' CPU paths pinned on every worker thread (`None`: the process
/// default, i.e. `ERASCORE_KERNEL`/`ERASCORE_SIMD` or the best available), so tests can run
/// the whole pipeline on each path a CPU supports. An error when this CPU lacks a pinned path.
pub fn score_with_paths(
    inputs: &ScoreInputs<'_>,
    config: &ScoreConfig,
    paths: Option<CpuPaths>,
    on_era: &(dyn Fn() + Sync),
) -> Result<ScoreReport, EngineError> {
    run(inputs, config, paths, None, None, None, on_era)
}

/// [`score`] of a dataset opened for streaming ([`erascore_io::stream::open_dataset`]):
/// `inputs.data` holds ids, eras and targets, and the features of each batch of eras are
/// decoded while the previous batch is scored, so that the features in memory are those of
/// the eras in flight, within `streaming.memory_budget`.
///
/// `keys`: the data's ids and era index, taken out of `inputs.data`
/// ([`Dataset::take_keys`]; `None`: they are still in it). The run needs them only to match
/// rows and group each era's rows, and drops them before the first era is scored, so that
/// what stays in memory for the whole run is about 30 bytes a row smaller.
pub fn score_streaming(
    inputs: &ScoreInputs<'_>,
    config: &ScoreConfig,
    streaming: &Streaming<'_>,
    keys: Option<DataKeys>,
    on_era: &(dyn Fn() + Sync),
) -> Result<ScoreReport, EngineError> {
    run(inputs, config, None, Some(streaming), keys, None, on_era)
}

/// How a streamed run reads features: the reader and the memory it may use.
#[derive(Debug, Clone, Copy)]
pub struct Streaming<'a> {
    /// Decodes the features of any rows of the dataset.
    pub features: &'a FeatureReader,
    /// Bytes the features of the eras in flight, and their scoring, may take.
    pub memory_budget: u64,
    /// Eras scored at once (the worker threads).
    pub threads: usize,
    /// The data hold only the eras of a window (`--eras`): prediction rows of other eras
    /// are expected not to match, so only each era's own overlap is checked.
    pub era_window: bool,
    /// Called once rows are matched and the matching's indexes freed, on the thread that
    /// matched them, before the first batch is read: a binary whose allocator keeps freed
    /// memory for later (mimalloc purges a thread's freed pages when that thread next
    /// allocates, and this one then mostly waits) hands it back here.
    pub release_freed: Option<fn()>,
}

/// Half of the machine's memory (`MemTotal` of /proc/meminfo), or 4 GiB where that is not
/// known: the memory budget of a streamed run unless the user gives one (`--memory-budget`).
pub fn default_memory_budget() -> u64 {
    erascore_io::machine_memory().map_or(4 << 30, |t| t / 2)
}

fn run(
    inputs: &ScoreInputs<'_>,
    config: &ScoreConfig,
    paths: Option<CpuPaths>,
    streaming: Option<&Streaming<'_>>,
    keys: Option<DataKeys>,
    only: Option<&[String]>,
    on_era: &(dyn Fn() + Sync),
) -> Result<ScoreReport, EngineError> {
    if let Some(p) = paths {
        p.check().map_err(|e| EngineError::Config(e.to_string()))?;
    }
    let data = inputs.data;
    validate(inputs, config)?;
    let target_index = target_positions(&config.targets, data)?;
    let preds = inputs.predictions;
    // Matching and grouping read the ids and eras; scoring reads neither, so handed keys
    // are dropped once each era's rows are known.
    let keyed = keys.map(|k| data.keyed(k));
    let key_data = keyed.as_ref().unwrap_or(data);
    let data_rows = DataRows::new(key_data);
    let mut lap = erascore_io::timings::Lap::start();
    let pred_row = data_rows.row_map(&preds.keys())?;
    erascore_io::timings::add("match: predictions", lap.lap());
    let matched = pred_row.matched();
    if !streaming.is_some_and(|s| s.era_window) {
        require_overlap(
            || format!("{} vs {}", preds.path.display(), data.path.display()),
            matched,
            preds.ids.len(),
            config.max_filtered_ratio,
        )?;
    }
    let reference_rows =
        |r: Option<&Reference>| r.map(|r| data_rows.row_map(&r.keys())).transpose();
    lap.lap();
    let meta_row = match &inputs.meta_model {
        Some(MetaModelSource::Column(r)) => reference_rows(Some(r))?,
        _ => None,
    };
    let bench_row = reference_rows(inputs.benchmark)?;
    let example_row = reference_rows(inputs.example)?;
    erascore_io::timings::add("match: meta model, benchmark, example", lap.lap());
    let signals = SignalsPlan::new(
        key_data,
        &data_rows,
        &inputs.signals,
        preds,
        &config.metrics,
    )?;

    // Rows of each era that have predictions (sorted by id below), and every row of each
    // era in file order: numerai_corr centres the era's whole target before alignment.
    let mut era_rows: Vec<Vec<u32>> = vec![Vec::new(); data.era_names.len()];
    let mut era_all: Vec<EraSpan> = vec![EraSpan::default(); data.era_names.len()];
    for (row, &era) in key_data.eras.iter().enumerate() {
        era_all[era as usize].push(row as u32);
        if pred_row.has(row) {
            era_rows[era as usize].push(row as u32);
        }
    }
    let mut warnings = Vec::new();
    let mut eras = predicted_eras(&data.era_names, &era_rows, &mut warnings);
    // Whether any predicted era of the whole data has a target value: a share whose eras
    // all lack one (the live era alone) is no error while another share has some.
    let any_target = || {
        eras.iter().any(|&e| {
            era_all[e].rows().iter().any(|&r| {
                target_index
                    .iter()
                    .any(|&t| !data.targets[t].values[r as usize].is_nan())
            })
        })
    };
    let whole_data_unresolved = only.is_some() && !any_target();
    // A share sorts and checks only its own eras: an id repeated within an era is an error
    // of that era, which the share holding it reports with the whole job's message.
    let mut in_share = vec![true; era_rows.len()];
    if let Some(only) = only {
        let wanted: std::collections::HashSet<&str> = only.iter().map(String::as_str).collect();
        for (e, name) in data.era_names.iter().enumerate() {
            in_share[e] = wanted.contains(name.as_str());
        }
        eras.retain(|&e| in_share[e]);
    }
    era_rows
        .par_iter_mut()
        .zip(&in_share)
        .filter(|(_, keep)| **keep)
        .try_for_each(|(rows, _)| data_rows.sort_era_by_id(rows))?;
    drop(data_rows);
    erascore_io::timings::add(
        "match: signals inputs; eras grouped, sorted by id",
        lap.lap(),
    );
    let job = ScoreJob {
        inputs,
        config,
        pred_row,
        meta_row,
        bench_row,
        example_row,
        target_index,
        ids: keyed.map(|k| k.ids).filter(|_| signals.needs_ids()),
        signals,
    };
    if let Some(release) = streaming.and_then(|s| s.release_freed) {
        release();
    }

    let score_one = |e: usize, features: &EraFeatures<'_>| {
        let all_rows = era_all[e].rows();
        let rows = (era_rows[e].as_slice(), all_rows.as_slice());
        let r = match paths {
            Some(p) => cpu::with_paths(p, || score_era(&job, e, rows, features))
                .map_err(|e| EngineError::Config(e.to_string()))
                .and_then(|r| r),
            None => score_era(&job, e, rows, features),
        };
        on_era();
        r
    };
    let results: Vec<EraResult> = match streaming {
        Some(s) if !s.features.names().is_empty() => {
            stream_eras(s, data, &eras, &era_rows, &era_all, &score_one)?
        }
        _ => {
            let features = EraFeatures {
                columns: &data.features,
                rows: None,
            };
            eras.par_iter()
                .map(|&e| score_one(e, &features))
                .collect::<Result<_, _>>()?
        }
    };
    let mut rows = Vec::new();
    let mut unresolved = Vec::new();
    for (r, w, no_target) in results {
        rows.extend(r);
        warnings.extend(w);
        unresolved.extend(no_target);
    }
    if rows.is_empty() && !unresolved.is_empty() && (only.is_none() || whole_data_unresolved) {
        return Err(EngineError::Config(format!(
            "no era has a value of the target ({}): every row's target is NaN",
            config.targets.join(", ")
        )));
    }
    warnings.extend(unresolved_warning(&unresolved, config.targets.len()));
    Ok(ScoreReport {
        metrics: config.metrics.clone(),
        rows,
        warnings,
        unresolved,
    })
}

/// Every data row of one era, in file order: a run of consecutive rows while the era's rows
/// are (files grouped by era), which costs nothing per row, else the list of rows.
#[derive(Debug, Clone)]
pub(crate) enum EraSpan {
    Run(std::ops::Range<u32>),
    Rows(Vec<u32>),
}

impl Default for EraSpan {
    fn default() -> Self {
        EraSpan::Run(0..0)
    }
}

impl EraSpan {
    /// Adds `row`, which comes after every row already in.
    pub(crate) fn push(&mut self, row: u32) {
        match self {
            EraSpan::Run(r) if r.start == r.end => *r = row..row + 1,
            EraSpan::Run(r) if r.end == row => r.end += 1,
            EraSpan::Run(r) => {
                let mut rows: Vec<u32> = r.clone().collect();
                rows.push(row);
                *self = EraSpan::Rows(rows);
            }
            EraSpan::Rows(rows) => rows.push(row),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            EraSpan::Run(r) => r.len(),
            EraSpan::Rows(rows) => rows.len(),
        }
    }

    pub(crate) fn rows(&self) -> Vec<u32> {
        match self {
            EraSpan::Run(r) => r.clone().collect(),
            EraSpan::Rows(rows) => rows.clone(),
        }
    }
}

/// Batches decoded features wait in: one is scored, one waits, one is being decoded.
const BATCHES_IN_FLIGHT: u64 = 3;

/// The eras to work on, in era order: those with a predicted row (`era_rows`, per era
/// index). Eras without one are left out with one warning, for every job that runs over the
/// predictions' eras (score, neutralize).
pub(crate) fn predicted_eras(
    era_names: &[String],
    era_rows: &[Vec<u32>],
    warnings: &mut Vec<String>,
) -> Vec<usize> {
    let mut eras = era_order(era_names);
    let skipped: Vec<&str> = eras
        .iter()
        .filter(|&&e| era_rows[e].is_empty())
        .map(|&e| era_names[e].as_str())
        .collect();
    if let Some(first) = skipped.first() {
        warnings.push(format!(
            "{} era(s) have no predictions and were skipped (first: {first})",
            skipped.len(),
        ));
    }
    eras.retain(|&e| !era_rows[e].is_empty());
    eras
}

/// Bytes that scoring one era of `rows` rows against `k` features takes besides its decoded
/// features, at most: the era's int8 blocks (exposure's and the neutralizer's), an f64 copy
/// of the block when the neutralizer's Gram cannot be computed exactly in integers (int8
/// features always can; the copy is counted so the bound holds on every path), and the
/// neutralizer's k x k Gram matrix, Cholesky factor and exact integer Gram.
fn era_working_bytes(rows: u64, k: u64) -> u64 {
    rows * k * 9 + 3 * k * k * 8
}

/// The eras in order, cut into batches that fit the memory budget: at most two eras per
/// thread, so that the features in memory do not grow with the number of eras. An error
/// when one era alone does not fit.
fn era_batches(
    streaming: &Streaming<'_>,
    data: &Dataset,
    eras: &[usize],
    era_all: &[EraSpan],
) -> Result<Vec<Vec<usize>>, EngineError> {
    let k = streaming.features.names().len() as u64;
    let threads = streaming.threads.max(1) as u64;
    let budget = streaming.memory_budget;
    let size = |b: u64| match b {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} KB", b.div_ceil(1 << 10)),
    };
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let (mut decoded, mut working) = (0u64, 0u64);
    for &e in eras {
        let rows = era_all[e].len() as u64;
        let need = rows * k + era_working_bytes(rows, k);
        if need > budget {
            return Err(EngineError::Request(message![
                format!(
                    "era '{}' alone needs about {} ({rows} rows x {k} features) to score, more \
                     than the memory budget of {} (",
                    data.era_names[e],
                    size(need),
                    size(budget)
                ),
                Input::MemoryBudget,
                ")"
            ]));
        }
        let fits =
            |decoded: u64, working: u64| BATCHES_IN_FLIGHT * decoded + threads * working <= budget;
        let grown = (decoded + rows * k, working.max(era_working_bytes(rows, k)));
        match batches.last_mut() {
            Some(b) if (b.len() as u64) < 2 * threads && fits(grown.0, grown.1) => {
                b.push(e);
                (decoded, working) = grown;
            }
            _ => {
                batches.push(vec![e]);
                (decoded, working) = (rows * k, era_working_bytes(rows, k));
            }
        }
    }
    Ok(batches)
}

/// Scores `eras` batch by batch: a reader thread decodes the features of the next batch
/// (its row groups in parallel) while the eras of the current one are scored in parallel;
/// results come back in era order. `era_all` names the rows whose features each era needs
/// (every row of the era for scoring; the predicted rows for `neutralize`).
pub(crate) fn stream_eras<T, F>(
    streaming: &Streaming<'_>,
    data: &Dataset,
    eras: &[usize],
    era_rows: &[Vec<u32>],
    era_all: &[EraSpan],
    score_one: &F,
) -> Result<Vec<T>, EngineError>
where
    T: Send,
    F: Fn(usize, &EraFeatures<'_>) -> Result<T, EngineError> + Sync,
{
    let batches = era_batches(streaming, data, eras, era_all)?;
    let reader = streaming.features;
    type Decoded = Result<(Vec<u32>, Vec<Vec<i8>>), erascore_io::IoError>;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Decoded>(1);
        let batches_ref = &batches;
        s.spawn(move || {
            for batch in batches_ref {
                let mut rows: Vec<u32> = batch.iter().flat_map(|&e| era_all[e].rows()).collect();
                rows.sort_unstable();
                let decoded = reader.read(&rows).map(|cols| (rows, cols));
                let failed = decoded.is_err();
                // A closed channel: scoring stopped on an error.
                if tx.send(decoded).is_err() || failed {
                    break;
                }
            }
        });
        let mut out = Vec::with_capacity(eras.len());
        for batch in &batches {
            let (rows, columns) = match rx.recv() {
                Ok(d) => d?,
                Err(_) => {
                    return Err(EngineError::Config(
                        "the feature reader stopped before the last era".into(),
                    ))
                }
            };
            let features = EraFeatures {
                columns: &columns,
                rows: Some(&rows),
            };
            let scored: Vec<_> = batch
                .par_iter()
                .filter(|&&e| !era_rows[e].is_empty())
                .map(|&e| score_one(e, &features))
                .collect::<Result<_, _>>()?;
            out.extend(scored);
        }
        Ok(out)
    })
}

fn validate(inputs: &ScoreInputs<'_>, config: &ScoreConfig) -> Result<(), EngineError> {
    let given = Given {
        meta_model: inputs.meta_model.is_some(),
        benchmark: inputs.benchmark.is_some(),
        example: inputs.example.is_some(),
        stakes: inputs.signals.stakes.is_some(),
        neutralizers: inputs.signals.neutralizers.is_some(),
        sample_weights: inputs.signals.sample_weights.is_some(),
        previous: !inputs.signals.previous.is_empty(),
    };
    // Stakes count for the meta model only once they have built it.
    let with_meta = Given {
        stakes: false,
        ..given
    };
    check_prerequisites(
        &config
            .metrics
            .iter()
            .copied()
            .filter(Metric::needs_meta_model)
            .collect::<Vec<_>>(),
        &with_meta,
    )?;
    check_prerequisites(&config.metrics, &given)?;
    for m in &config.metrics {
        if m.needs_neutralizers()
            && inputs.signals.neutralizers.is_none()
            && inputs.data.feature_names.is_empty()
        {
            return Err(EngineError::Request(message![
                format!("metric {} needs ", m.name()),
                Input::Neutralizers,
                " or feature columns, and none were loaded"
            ]));
        }
        if m.needs_features() && inputs.data.feature_names.is_empty() {
            return Err(EngineError::Config(format!(
                "metric '{}' needs feature columns, and none were loaded",
                m.name()
            )));
        }
    }
    if config.targets.is_empty() {
        return Err(EngineError::Config("no target given".into()));
    }
    Ok(())
}

/// Groups report rows by (model, target), keeping era order; used by summaries.
pub fn by_model(report: &ScoreReport) -> Vec<((String, String), Vec<&EraScore>)> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: HashMap<(String, String), Vec<&EraScore>> = HashMap::new();
    for r in &report.rows {
        let key = (r.model.clone(), r.target.clone());
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(r);
    }
    order
        .into_iter()
        .map(|k| {
            let v = groups.remove(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

/// Where each configured target sits among the data's loaded target columns.
pub(crate) fn target_positions(
    targets: &[String],
    data: &Dataset,
) -> Result<Vec<usize>, EngineError> {
    targets
        .iter()
        .map(|t| {
            data.targets
                .iter()
                .position(|c| &c.name == t)
                .ok_or_else(|| {
                    EngineError::Config(format!(
                        "target '{t}' was not loaded from {}",
                        data.path.display()
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use erascore_io::dataset::TargetColumn;
    use erascore_io::FloatWidth;
    use erascore_io::Strings;

    use super::*;
    use crate::inputs::Predictions;
    use crate::inputs::RowMap;
    use crate::signals::SignalsInputs;

    fn dataset(ids: &[&str]) -> Dataset {
        let n = ids.len();
        Dataset {
            path: PathBuf::from("data.parquet"),
            ids: ids.iter().collect(),
            eras: vec![0; n],
            era_names: vec!["0001".into()],
            feature_names: Vec::new(),
            features: Vec::new(),
            targets: vec![TargetColumn {
                name: "target".into(),
                values: (0..n).map(|i| (i % 5) as f64 / 4.0).collect(),
                width: FloatWidth::F64,
            }],
        }
    }

    fn predictions(ids: &[&str]) -> Predictions {
        Predictions {
            path: PathBuf::from("preds.csv"),
            ids: ids.iter().collect::<Strings>(),
            eras: None,
            names: vec!["m".into()],
            values: vec![(0..ids.len()).map(|i| (i * 7 % 11) as f64).collect()],
        }
    }

    fn run(data: &Dataset, preds: &Predictions) -> Result<ScoreReport, EngineError> {
        let inputs = ScoreInputs {
            data,
            predictions: preds,
            meta_model: None,
            benchmark: None,
            example: None,
            signals: SignalsInputs::default(),
        };
        let config = ScoreConfig {
            metrics: vec![Metric::Corr],
            targets: vec!["target".into()],
            max_filtered_ratio: 0.2,
            target_pow15: true,
        };
        score(&inputs, &config, &|| {})
    }

    #[test]
    fn shares_without_targets_merge_into_one_warning() {
        // Two era shares each left an era out (and a third share is another model share of
        // the first era): one warning names both eras, as a run over the whole data does.
        let era = |e: &str| (e.to_string(), vec!["target".to_string()]);
        let first = vec![era("0003")];
        let second = vec![era("0012")];
        let shares = vec![
            (
                vec!["constant".to_string()]
                    .into_iter()
                    .chain(unresolved_warning(&first, 1))
                    .collect(),
                first.clone(),
            ),
            (unresolved_warning(&second, 1).into_iter().collect(), second),
            (
                vec!["constant".to_string()]
                    .into_iter()
                    .chain(unresolved_warning(&first, 1))
                    .collect(),
                first,
            ),
        ];
        let (warnings, unresolved) = merge_share_warnings(&shares, 1);
        assert_eq!(unresolved, vec![era("0003"), era("0012")]);
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0], "constant");
        assert!(warnings[1].starts_with("2 era(s) have no target values"));
        assert!(warnings[1].contains("scored: 0003, 0012 (an era"));
    }

    #[test]
    fn row_order_of_the_data_does_not_matter() {
        // Ids sharing their first eight bytes (the radix key) and ids of other lengths, in
        // two different row orders: scoring sorts each era by id, so results are identical.
        let ids: Vec<String> = (0..40)
            .map(|i| match i % 3 {
                0 => format!("n0000000{:x}", (i * 7919) % 97),
                1 => format!("n000{i}"),
                _ => format!("m{:02}", 40 - i),
            })
            .collect();
        let sorted = {
            let mut v = ids.clone();
            v.sort();
            v
        };
        fn as_refs(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        let preds = {
            let mut p = predictions(&as_refs(&ids));
            p.values[0] = (0..ids.len()).map(|i| ((i * 13) % 17) as f64).collect();
            p
        };
        let value_of = |id: &str| -> f64 {
            let i = ids.iter().position(|x| x == id).unwrap();
            (i % 5) as f64 / 4.0
        };
        let mut shuffled = dataset(&as_refs(&ids));
        shuffled.targets[0].values = ids.iter().map(|i| value_of(i)).collect();
        let mut in_order = dataset(&as_refs(&sorted));
        in_order.targets[0].values = sorted.iter().map(|i| value_of(i)).collect();
        let a = run(&shuffled, &preds).unwrap();
        let b = run(&in_order, &preds).unwrap();
        assert_eq!(a.rows[0].values, b.rows[0].values);
        assert!(a.rows[0].values[0].is_finite());
    }

    /// numerai-tools' own filter_sort_index test vectors scored with numerai_corr: the target
    /// (ids 1..5) is centred over all five rows before id 5, which has no prediction, is
    /// dropped. numerai-tools 0.7.2 gives 0.9831599774259525; centring over the predicted
    /// rows only gave 0.99897.
    #[test]
    fn target_is_centred_over_the_whole_era() {
        let mut data = dataset(&["1", "2", "3", "4", "5"]);
        data.targets[0].values = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        let mut preds = predictions(&["0", "1", "2", "3", "4"]);
        preds.values[0] = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        let r = run(&data, &preds).unwrap();
        let corr = r.rows[0].values[0];
        assert!((corr - 0.983_159_977_425_952_5).abs() < 1e-15, "{corr}");
    }

    /// Regression (issue 9): integer era labels read as text ("1", "10", "11", "12", "2", ...)
    /// were scored and summarised in text order, so autocorrelation and drawdowns differed
    /// from the same data labelled "0001"..."0012".
    #[test]
    fn integer_eras_order_as_numbers() {
        use crate::stats::{ApyOptions, EraStats};
        let eras = 12;
        let per = 30;
        let ids: Vec<String> = (0..eras * per).map(|i| format!("n{i:04}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut preds = predictions(&refs);
        // A different correlation per era, so the order of eras shows in the statistics.
        preds.values[0] = (0..eras * per)
            .map(|i| {
                let (e, r) = (i / per, i % per);
                ((r * (e + 3)) % 7) as f64 + (r % 5) as f64 * (e as f64 / 6.0 - 1.0)
            })
            .collect();
        let run_with = |labels: Vec<String>| {
            let mut d = dataset(&refs);
            d.eras = (0..eras * per).map(|i| (i / per) as u32).collect();
            d.era_names = labels;
            let r = run(&d, &preds).unwrap();
            let order: Vec<String> = r.rows.iter().map(|row| row.era.clone()).collect();
            let corr: Vec<f64> = r.rows.iter().map(|row| row.values[0]).collect();
            (order, corr)
        };
        let (plain, corr_plain) = run_with((1..=eras).map(|e| e.to_string()).collect());
        let (padded, corr_padded) = run_with((1..=eras).map(|e| format!("{e:04}")).collect());
        assert_eq!(plain, (1..=eras).map(|e| e.to_string()).collect::<Vec<_>>());
        assert_eq!(corr_plain, corr_padded);
        assert_eq!(padded[11], "0012");
        let (a, b) = (
            EraStats::new(&corr_plain, ApyOptions::default()),
            EraStats::new(&corr_padded, ApyOptions::default()),
        );
        assert!(a.autocorrelation.is_finite());
        assert_eq!(a.autocorrelation, b.autocorrelation);
        assert_eq!(a.max_drawdown, b.max_drawdown);
        assert_eq!(a.smart_sharpe, b.smart_sharpe);
    }

    /// The whole pipeline on every CPU path this machine supports agrees with the default
    /// path (the CLI golden tests pin the same paths through the environment).
    #[test]
    fn every_cpu_path_scores_alike() {
        let n = 240;
        let ids: Vec<String> = (0..n).map(|i| format!("n{i:04}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut data = dataset(&refs);
        data.eras = (0..n).map(|i| (i / 80) as u32).collect();
        data.era_names = vec!["1".into(), "2".into(), "3".into()];
        data.feature_names = (0..6).map(|j| format!("feature_{j}")).collect();
        data.features = (0..6)
            .map(|j| (0..n).map(|i| ((i * (j + 3) + j) % 5) as i8).collect())
            .collect();
        let mut preds = predictions(&refs);
        preds.values[0] = (0..n)
            .map(|i| ((i * 37) % 101) as f64 + data.features[1][i] as f64 * 20.0)
            .collect();
        let inputs = ScoreInputs {
            data: &data,
            predictions: &preds,
            meta_model: None,
            benchmark: None,
            example: None,
            signals: SignalsInputs::default(),
        };
        let config = ScoreConfig {
            metrics: vec![Metric::Corr, Metric::Fnc, Metric::FeatureExposureMax],
            targets: vec!["target".into()],
            max_filtered_ratio: 0.2,
            target_pow15: true,
        };
        let base = score(&inputs, &config, &|| {}).unwrap();
        let paths = cpu::supported();
        assert!(!paths.is_empty());
        for p in paths {
            let r = score_with_paths(&inputs, &config, Some(p), &|| {}).unwrap();
            assert_eq!(r.rows.len(), base.rows.len());
            for (a, b) in r.rows.iter().zip(&base.rows) {
                for (x, y) in a.values.iter().zip(&b.values) {
                    assert!(x.is_finite() && (x - y).abs() <= 1e-14, "{p:?}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn repeated_ids_are_errors_on_either_path() {
        let ids = ["a", "b", "c", "d", "e", "f"];
        // Same ids in the same order: matched by position, scored.
        let ok = run(&dataset(&ids), &predictions(&ids)).unwrap();
        assert!(ok.rows[0].values[0].is_finite());
        // A repeat in the predictions (hash path) names the predictions file.
        let e = run(
            &dataset(&ids),
            &predictions(&["a", "b", "c", "d", "e", "f", "c"]),
        );
        assert!(
            matches!(e, Err(EngineError::DuplicateId { ref path, ref id })
            if path.ends_with("preds.csv") && id == "c"),
            "{e:?}"
        );
        // A repeat in the data, mirrored by the predictions (positional path), names the data.
        let rep = ["a", "b", "c", "d", "c", "f"];
        let e = run(&dataset(&rep), &predictions(&rep));
        assert!(
            matches!(e, Err(EngineError::DuplicateId { ref path, ref id })
            if path.ends_with("data.parquet") && id == "c"),
            "{e:?}"
        );
    }

    /// Keys handed to the run (as a streamed run gets them) give the same bits as keys
    /// left in the dataset, for metrics that drop them before scoring (corr) and for a
    /// Signals metric that keeps them (churn sorts an era's previous rows by id).
    #[test]
    fn handed_keys_score_alike() {
        let n = 90;
        // Ids out of order within each era, so sorting by id matters.
        let ids: Vec<String> = (0..n).map(|i| format!("t{:03}", (i * 37) % n)).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut data = dataset(&refs);
        data.eras = (0..n).map(|i| (i / 30) as u32).collect();
        data.era_names = vec!["0001".into(), "0002".into(), "0003".into()];
        let mut preds = predictions(&refs);
        preds.values[0] = (0..n).map(|i| ((i * 13) % 17) as f64).collect();
        let mut previous = preds.clone();
        previous.path = PathBuf::from("previous.csv");
        previous.eras = Some(
            (0..n)
                .map(|i| data.era_names[i / 30].as_str())
                .collect::<Strings>(),
        );
        previous.values[0] = (0..n).map(|i| ((i * 7) % 23) as f64).collect();
        for (metrics, prev) in [
            (vec![Metric::Corr, Metric::Spearman], vec![]),
            (vec![Metric::Corr, Metric::Churn], vec![&previous]),
        ] {
            let config = ScoreConfig {
                metrics,
                targets: vec!["target".into()],
                max_filtered_ratio: 0.2,
                target_pow15: true,
            };
            let inputs = |data| ScoreInputs {
                data,
                predictions: &preds,
                meta_model: None,
                benchmark: None,
                example: None,
                signals: SignalsInputs {
                    previous: prev.clone(),
                    ..SignalsInputs::default()
                },
            };
            let whole = score(&inputs(&data), &config, &|| {}).unwrap();
            let mut keyless = data.clone();
            let keys = keyless.take_keys();
            assert!(keyless.ids.is_empty() && keyless.eras.is_empty());
            let handed = super::run(
                &inputs(&keyless),
                &config,
                None,
                None,
                Some(keys),
                None,
                &|| {},
            )
            .unwrap();
            assert_eq!(whole.rows.len(), 3);
            assert_eq!(handed.rows, whole.rows);
            let bits = |r: &ScoreReport| -> Vec<u64> {
                r.rows
                    .iter()
                    .flat_map(|e| e.values.iter().map(|v| v.to_bits()))
                    .collect()
            };
            assert_eq!(bits(&handed), bits(&whole));
            assert!(whole
                .rows
                .iter()
                .all(|e| e.values.iter().all(|v| v.is_finite())));
        }
    }

    #[test]
    fn era_span_is_a_run_while_rows_are_consecutive() {
        let mut grouped = EraSpan::default();
        for r in 5..9 {
            grouped.push(r);
        }
        assert!(matches!(grouped, EraSpan::Run(ref r) if *r == (5..9)));
        assert_eq!((grouped.len(), grouped.rows()), (4, vec![5, 6, 7, 8]));
        let mut scattered = EraSpan::default();
        for r in [5, 6, 9, 10, 14] {
            scattered.push(r);
        }
        assert!(matches!(scattered, EraSpan::Rows(_)));
        assert_eq!(
            (scattered.len(), scattered.rows()),
            (5, vec![5, 6, 9, 10, 14])
        );
        assert_eq!(EraSpan::default().rows(), Vec::<u32>::new());
    }

    #[test]
    fn row_map_marks_rows_without_a_match() {
        let same = RowMap::new(&[Some(0), Some(1), Some(2)]);
        assert_eq!(same, RowMap::Same(3));
        assert_eq!((same.get(2), same.matched()), (Some(2), 3));
        // One row off its place, or one missing, and the rows are kept.
        assert!(matches!(
            RowMap::new(&[Some(0), Some(2), Some(1)]),
            RowMap::Rows(_)
        ));
        assert!(matches!(
            RowMap::new(&[Some(0), None, Some(2)]),
            RowMap::Rows(_)
        ));
        let map = RowMap::new(&[Some(3), None, Some(0), Some(u32::MAX - 1)]);
        assert_eq!(map.get(0), Some(3));
        assert_eq!(map.get(1), None);
        assert_eq!(map.get(2), Some(0));
        assert_eq!(map.get(3), Some(u32::MAX - 1));
        assert!(map.has(0) && !map.has(1));
        assert_eq!(map.matched(), 3);
    }
}
