//! One era's scores: which rows each metric sees ([`EraView`], [`TargetView`]), then one
//! function per metric family (exposure, corr with the example, CORR, MMC/BMC, FNC and the
//! Signals metrics), each over exactly the rows numerai-tools would give it.
//!
//! The orchestration (matching, era order, streaming) lives in [`crate::score`]; this module
//! sees one era at a time and never reads a file.

use erascore_io::timings::{self, Lap};
use erascore_io::FloatWidth;
use erascore_kernels::contribution::ContributionTarget;
use erascore_kernels::corr::{gaussian_rank, CorrTarget};
use erascore_kernels::exposure::ExposureBasis;
use erascore_kernels::meta_model::{meta_model, stake_weight};
use erascore_kernels::neutral_scores::{feature_neutral_corr_many, EXPLAINED_RESIDUAL};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::pearson::{pearson, spearman};
use erascore_kernels::rank::{percentile_rank, TieMethod};
use erascore_kernels::target::{centre, centre_on, mean_skip_nan, Precision};
use erascore_kernels::KernelError;

use crate::era_features::EraFeatures;
use crate::inputs::{require_overlap, RowMap};
use crate::job::{EraScore, MetaModelSource, ScoreJob};
use crate::metrics::Metric;
use crate::model_ranks::ModelRanks;
use crate::signals::EraSignals;
use crate::EngineError;

/// One era's scores, warnings, and the era with the configured targets it has no value of
/// (not scored), if any.
pub(crate) type EraResult = (Vec<EraScore>, Vec<String>, Option<(String, Vec<String>)>);

/// What every metric of one era starts from: the era's predicted rows (sorted by id), all
/// its rows (file order), and the models', meta model's and benchmark's values on the
/// predicted rows (NaN where a reference has no value).
struct EraView<'a> {
    job: &'a ScoreJob<'a>,
    era: usize,
    name: &'a str,
    /// Data rows with a prediction, sorted by id.
    rows: &'a [u32],
    /// Every data row of the era: `numerai_corr` centres on the whole era's target.
    all_rows: &'a [u32],
    /// Per model, its prediction on each of `rows`.
    models: Vec<Vec<f64>>,
    /// Per model, the gaussianized ranks of `models` when a stake-weighted meta model was
    /// built from them (empty otherwise): CORR and MMC reuse them on the same rows, so each
    /// model is ranked once per era.
    ranks: Vec<Vec<f64>>,
    meta_model: Option<Vec<f64>>,
    benchmark: Option<Vec<f64>>,
}

/// One target's rows within an era: the positions (within [`EraView::rows`]) with a target
/// value, which CORR, FNC, Spearman, Pearson and the Signals metrics see.
struct TargetView<'a> {
    name: &'a str,
    precision: Precision,
    /// The target on every predicted row (NaN kept).
    on_rows: Vec<f64>,
    /// Positions within the predicted rows that have a target.
    scored: Vec<usize>,
    /// The target on `scored`.
    values: Vec<f64>,
    /// The target on every row of the era, for numerai_corr's centring.
    era_values: Vec<f64>,
    corr: CorrTarget,
}

/// Positions (within the predicted rows), gaussianized reference and prepared target of one
/// era's MMC or BMC.
type ContributionSetup = (Vec<usize>, Vec<f64>, ContributionTarget);

fn gather(values: &[f64], rows: &[u32], map: &RowMap) -> Vec<f64> {
    match map {
        // A file in the data's row order (the usual case): no lookup per row.
        RowMap::Same(_) => gather_rows(values, rows),
        RowMap::Rows(_) => rows
            .iter()
            .map(|&r| map.get(r).map_or(f64::NAN, |i| values[i as usize]))
            .collect(),
    }
}

fn gather_rows(values: &[f64], rows: &[u32]) -> Vec<f64> {
    rows.iter().map(|&r| values[r as usize]).collect()
}

fn pick(values: &[f64], at: &[usize]) -> Vec<f64> {
    at.iter().map(|&i| values[i]).collect()
}

impl<'a> EraView<'a> {
    fn new(
        job: &'a ScoreJob<'a>,
        era: usize,
        (rows, all_rows): (&'a [u32], &'a [u32]),
    ) -> Result<Self, EngineError> {
        let inputs = job.inputs;
        let name = inputs.data.era_names[era].as_str();
        require_overlap(
            || format!("era '{name}': data rows with predictions"),
            rows.len(),
            all_rows.len(),
            job.config.max_filtered_ratio,
        )?;
        let models: Vec<Vec<f64>> = inputs
            .predictions
            .values
            .iter()
            .map(|v| gather(v, rows, &job.pred_row))
            .collect();
        let mut ranks = Vec::new();
        let meta_model = match (&inputs.meta_model, &job.meta_row) {
            (Some(MetaModelSource::Column(r)), Some(map)) => Some(gather(&r.values, rows, map)),
            // The stake-weighted meta model is ranked within the era's predicted rows.
            (Some(MetaModelSource::Stakes(stakes)), _) => {
                let s: Vec<f64> = stakes.iter().map(|(_, s)| *s).collect();
                let meta = if job.config.metrics.iter().any(Metric::needs_gaussian_rank) {
                    ranks = models.iter().map(|v| gaussian_rank(v)).collect();
                    let g: Vec<&[f64]> = stakes.iter().map(|(m, _)| ranks[*m].as_slice()).collect();
                    stake_weight(&g, &s)
                } else {
                    let cols: Vec<&[f64]> =
                        stakes.iter().map(|(m, _)| models[*m].as_slice()).collect();
                    meta_model(&cols, &s)
                };
                let meta = meta.map_err(|e| EngineError::Kernel {
                    era: name.to_string(),
                    model: "(meta model)".into(),
                    target: "-".into(),
                    source: e,
                })?;
                Some(meta)
            }
            _ => None,
        };
        let benchmark = match (inputs.benchmark, &job.bench_row) {
            (Some(r), Some(map)) => Some(gather(&r.values, rows, map)),
            _ => None,
        };
        Ok(Self {
            job,
            era,
            name,
            rows,
            all_rows,
            models,
            ranks,
            meta_model,
            benchmark,
        })
    }

    fn metrics(&self) -> &'a [Metric] {
        &self.job.config.metrics
    }

    fn wants(&self, metric: Metric) -> bool {
        self.metrics().contains(&metric)
    }

    fn kernel_error(&self, model: &str, target: &str, source: KernelError) -> EngineError {
        EngineError::Kernel {
            era: self.name.to_string(),
            model: model.to_string(),
            target: target.to_string(),
            source,
        }
    }

    /// Every model's values on `at` (positions within the predicted rows).
    fn models_on(&self, at: &[usize]) -> Vec<Vec<f64>> {
        self.models.iter().map(|p| pick(p, at)).collect()
    }

    /// The rows of target `t_pos` (its position in the configuration): an error when too few
    /// of the era's rows have one.
    fn target(&self, t_pos: usize) -> Result<TargetView<'a>, EngineError> {
        let job = self.job;
        let column = &job.inputs.data.targets[job.target_index[t_pos]];
        let name = job.config.targets[t_pos].as_str();
        let precision = match column.width {
            FloatWidth::F32 => Precision::F32,
            FloatWidth::F64 => Precision::F64,
        };
        let on_rows = gather_rows(&column.values, self.rows);
        let scored: Vec<usize> = (0..self.rows.len())
            .filter(|&i| !on_rows[i].is_nan())
            .collect();
        require_overlap(
            || format!("era '{}', target '{name}': rows with a target", self.name),
            scored.len(),
            self.all_rows.len(),
            job.config.max_filtered_ratio,
        )?;
        if scored.len() < 2 {
            return Err(EngineError::TooFewRows {
                era: self.name.to_string(),
                target: name.to_string(),
                rows: scored.len(),
            });
        }
        let values = pick(&on_rows, &scored);
        let era_values = gather_rows(&column.values, self.all_rows);
        let corr = CorrTarget::centred_on(&values, &era_values, precision, job.config.target_pow15)
            .map_err(|e| self.kernel_error("-", name, e))?;
        Ok(TargetView {
            name,
            precision,
            on_rows,
            scored,
            values,
            era_values,
            corr,
        })
    }
}

/// `fexp_max`: over every era row with a prediction, whatever the target.
fn exposure(view: &EraView<'_>, features: &EraFeatures<'_>) -> Option<Vec<f64>> {
    view.wants(Metric::FeatureExposureMax).then(|| {
        let block = features.block(view.rows);
        let basis = ExposureBasis::new(&block);
        view.models
            .iter()
            .map(|p| basis.max_correlation(p).map_or(f64::NAN, |(_, c)| c))
            .collect()
    })
}

/// `corr_with_example`: Pearson of the percentile ranks, over the rows with an example
/// prediction, whatever the target.
fn corr_with_example(view: &EraView<'_>) -> Option<Vec<f64>> {
    let job = view.job;
    let (true, Some(example), Some(map)) = (
        view.wants(Metric::CorrWithExample),
        job.inputs.example,
        &job.example_row,
    ) else {
        return None;
    };
    let ev = gather(&example.values, view.rows, map);
    let keep: Vec<usize> = (0..view.rows.len()).filter(|&i| !ev[i].is_nan()).collect();
    let er = percentile_rank(&pick(&ev, &keep), TieMethod::Average);
    Some(
        view.models
            .iter()
            .map(|p| pearson(&percentile_rank(&pick(p, &keep), TieMethod::Average), &er))
            .collect(),
    )
}

/// MMC's or BMC's rows, reference and target: the target's rows that also have a
/// `reference` value.
fn contribution_setup(
    view: &EraView<'_>,
    target: &TargetView<'_>,
    reference: Option<&Vec<f64>>,
    label: &str,
) -> Result<Option<ContributionSetup>, EngineError> {
    let Some(refv) = reference else {
        return Ok(None);
    };
    let at: Vec<usize> = target
        .scored
        .iter()
        .copied()
        .filter(|&i| !refv[i].is_nan())
        .collect();
    require_overlap(
        || {
            format!(
                "era '{}', target '{}': rows with a {label} value",
                view.name, target.name
            )
        },
        at.len(),
        target.scored.len(),
        view.job.config.max_filtered_ratio,
    )?;
    let g = gaussian_rank(&pick(refv, &at));
    let ct = ContributionTarget::new(&pick(&target.on_rows, &at), target.precision);
    Ok(Some((at, g, ct)))
}

/// The era's neutralizers built so far, keyed by the positions they were built on: targets
/// with the same rows share one factorization.
type NeutralizerCache = Vec<(Vec<usize>, Neutralizer)>;

/// FNC for every model at once: the era's neutralizer serves all models in one pass over
/// the features.
fn fnc(
    view: &EraView<'_>,
    target: &TargetView<'_>,
    features: &EraFeatures<'_>,
    cache: &mut NeutralizerCache,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<f64>>, EngineError> {
    if !view.wants(Metric::Fnc) {
        return Ok(None);
    }
    let pos = match cache.iter().position(|(at, _)| *at == target.scored) {
        Some(p) => p,
        None => {
            let sub: Vec<u32> = target.scored.iter().map(|&i| view.rows[i]).collect();
            cache.push((
                target.scored.clone(),
                Neutralizer::new(features.block(&sub)),
            ));
            cache.len() - 1
        }
    };
    let cols = view.models_on(&target.scored);
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let scores = feature_neutral_corr_many(&refs, &cache[pos].1, &target.corr, None)
        .map_err(|e| view.kernel_error("(all models)", target.name, e))?;
    for (model, s) in view.job.inputs.predictions.names.iter().zip(&scores) {
        if s.explained() {
            warnings.push(format!(
                "model '{model}' in era '{}', target '{}': the features explain its \
                 predictions completely (relative residual {:.1e} < {:.0e}), so its fnc there \
                 is NaN",
                view.name, target.name, s.relative_residual, EXPLAINED_RESIDUAL
            ));
        }
    }
    Ok(Some(scores.into_iter().map(|s| s.value).collect()))
}

/// The per-target Signals metrics (`nc`, `ncontrib`, `alpha`, `mpc`), one entry per
/// configured metric (`None` for the others).
fn signals_for_target(
    view: &EraView<'_>,
    target: &TargetView<'_>,
    signals: &mut EraSignals<'_>,
    mmc: Option<&ContributionSetup>,
) -> Result<Vec<Option<Vec<f64>>>, EngineError> {
    let metrics = view.metrics();
    if !metrics
        .iter()
        .any(|m| m.needs_neutralizers() && !m.needs_previous())
    {
        return Ok(vec![None; metrics.len()]);
    }
    let scored: Vec<u32> = target.scored.iter().map(|&i| view.rows[i]).collect();
    let cols = view.models_on(&target.scored);
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let p = target.precision;
    let era_centred = centre_on(&target.values, mean_skip_nan(&target.era_values, p), p);
    let centred = centre(&target.values, p);
    // ncontrib's rows: positions within the scored rows that have a meta model.
    let contribution = match (mmc, &view.meta_model) {
        (Some((at, _, ct)), Some(meta)) => {
            let pos: Vec<usize> = at
                .iter()
                .filter_map(|i| target.scored.binary_search(i).ok())
                .collect();
            Some((pos, pick(meta, &target.scored), ct))
        }
        _ => None,
    };
    signals.target_metrics(
        metrics,
        &view.job.inputs.predictions.names,
        &scored,
        &refs,
        &era_centred,
        &centred,
        contribution
            .as_ref()
            .map(|(p, m, ct)| (p.as_slice(), m.as_slice(), *ct)),
        target.name,
    )
}

/// What one target's model-independent work gives every model of the era.
struct TargetScores<'v> {
    target: TargetView<'v>,
    mmc: Option<ContributionSetup>,
    bmc: Option<ContributionSetup>,
    fnc: Option<Vec<f64>>,
    signals: Vec<Option<Vec<f64>>>,
}

/// One model's CORR-family and contribution scores against one target ([`ModelRanks`]),
/// errors naming the era, model and target.
struct ModelScorer<'s> {
    model: &'s str,
    ranks: ModelRanks<'s>,
}

impl<'s> ModelScorer<'s> {
    fn new(
        view: &EraView<'_>,
        target: &TargetView<'_>,
        model: &'s str,
        predictions: &'s [f64],
        ranks: Option<&'s [f64]>,
    ) -> Result<Self, EngineError> {
        // The meta model's ranks are these when the target leaves out no predicted row.
        let ranks = ModelRanks::new(view.metrics(), predictions, &target.scored, ranks)
            .map_err(|e| view.kernel_error(model, target.name, e))?;
        Ok(Self { model, ranks })
    }

    fn on_target(&self) -> &[f64] {
        &self.ranks.on_target
    }

    fn corr(
        &self,
        view: &EraView<'_>,
        target: &TargetView<'_>,
        tb: Option<usize>,
    ) -> Result<f64, EngineError> {
        self.ranks
            .corr(&target.corr, tb)
            .map_err(|e| view.kernel_error(self.model, target.name, e))
    }

    fn contribution(
        &self,
        view: &EraView<'_>,
        target: &TargetView<'_>,
        setup: Option<&ContributionSetup>,
        tb: Option<usize>,
    ) -> Result<f64, EngineError> {
        let Some((at, g_ref, ct)) = setup else {
            return Ok(f64::NAN);
        };
        self.ranks
            .contribution(at, g_ref, ct, tb)
            .map_err(|e| view.kernel_error(self.model, target.name, e))
    }
}

/// The parts of scoring an era that `--timings` reports (each summed over eras and threads).
const PARTS: [&str; 5] = [
    "score: era rows, predictions and targets gathered",
    "score: meta model and benchmark ranked (per era)",
    "score: fnc, exposure, signals (per era)",
    "score: ranked, gaussianized, powered (per model)",
    "score: corr and contributions (per model)",
];

/// Scores every model of era `era` against every configured target. `rows` are the era's
/// data rows with a prediction, sorted by id; `all_rows` every data row of the era.
pub(crate) fn score_era(
    job: &ScoreJob<'_>,
    era: usize,
    rows: (&[u32], &[u32]),
    features: &EraFeatures<'_>,
) -> Result<EraResult, EngineError> {
    // A target that is NaN on every row of the era (Numerai's live era, rounds not yet
    // resolved at the end of a validation file) has nothing to score against: the era is
    // left out for it, and the run says so once, instead of failing the overlap rule.
    let unresolved: Vec<bool> = job
        .target_index
        .iter()
        .map(|&t| {
            let values = &job.inputs.data.targets[t].values;
            rows.1.iter().all(|&r| values[r as usize].is_nan())
        })
        .collect();
    let no_target: Vec<String> = (0..unresolved.len())
        .filter(|&t| unresolved[t])
        .map(|t| job.config.targets[t].clone())
        .collect();
    let no_target =
        (!no_target.is_empty()).then(|| (job.inputs.data.era_names[era].clone(), no_target));
    if unresolved.iter().all(|&u| u) {
        return Ok((Vec::new(), Vec::new(), no_target));
    }
    let mut lap = Lap::start();
    let mut parts = [std::time::Duration::ZERO; PARTS.len()];
    let view = EraView::new(job, era, rows)?;
    parts[0] += lap.lap();
    let preds = job.inputs.predictions;
    let config = job.config;
    let metrics = view.metrics();
    let mut warnings = Vec::new();

    // Target-independent families.
    let exposure = exposure(&view, features);
    let with_example = corr_with_example(&view);
    let mut signals = EraSignals::new(
        job.inputs.data,
        job.ids(),
        features,
        &job.inputs.signals,
        &job.signals,
        view.era,
        config.max_filtered_ratio,
    );
    let previous = signals.previous_metrics(
        metrics,
        preds,
        &view.models,
        view.rows,
        view.all_rows,
        &mut warnings,
    )?;
    parts[2] += lap.lap();

    let mut neutralizers = NeutralizerCache::new();
    let mut warned_constant = vec![false; preds.names.len()];
    let mut out = Vec::with_capacity(preds.names.len() * config.targets.len());
    for (t_pos, &no_values) in unresolved.iter().enumerate() {
        if no_values {
            continue;
        }
        let target = view.target(t_pos)?;
        parts[0] += lap.lap();
        let mmc = if metrics.iter().any(Metric::needs_meta_model) {
            contribution_setup(&view, &target, view.meta_model.as_ref(), "meta model")?
        } else {
            None
        };
        let bmc = if view.wants(Metric::Bmc) {
            contribution_setup(&view, &target, view.benchmark.as_ref(), "benchmark")?
        } else {
            None
        };
        parts[1] += lap.lap();
        let fnc = fnc(&view, &target, features, &mut neutralizers, &mut warnings)?;
        let signals = signals_for_target(&view, &target, &mut signals, mmc.as_ref())?;
        let family = TargetScores {
            target,
            mmc,
            bmc,
            fnc,
            signals,
        };
        parts[2] += lap.lap();
        for (m, model) in preds.names.iter().enumerate() {
            let ranks = view.ranks.get(m).map(Vec::as_slice);
            let scorer = ModelScorer::new(&view, &family.target, model, &view.models[m], ranks)?;
            parts[3] += lap.lap();
            let p = scorer.on_target();
            if p.iter().all(|&v| v == p[0]) && !warned_constant[m] {
                warned_constant[m] = true;
                // What numerai-tools gives a constant column: its gaussianized ranks are all
                // zero, so correlations are undefined and contributions are exactly 0.
                warnings.push(format!(
                    "model '{model}' is constant in era '{}': its corr, corr_tbN, fnc, \
                     spearman, pearson, fexp_max and corr_with_example there are NaN, its mmc, \
                     mmc_tbN and bmc 0",
                    view.name
                ));
            }
            let t = &family.target;
            let mut values = Vec::with_capacity(metrics.len());
            for (k, metric) in metrics.iter().enumerate() {
                let signal = family.signals[k].as_ref().or(previous[k].as_ref());
                let v = match *metric {
                    Metric::Corr => scorer.corr(&view, t, None)?,
                    Metric::CorrTopBottom(k) => scorer.corr(&view, t, Some(k))?,
                    Metric::Spearman => spearman(&t.values, p),
                    Metric::Pearson => pearson(&t.values, p),
                    Metric::Mmc => scorer.contribution(&view, t, family.mmc.as_ref(), None)?,
                    Metric::MmcTopBottom(k) => {
                        scorer.contribution(&view, t, family.mmc.as_ref(), Some(k))?
                    }
                    Metric::Bmc => scorer.contribution(&view, t, family.bmc.as_ref(), None)?,
                    Metric::Fnc => family.fnc.as_ref().map_or(f64::NAN, |f| f[m]),
                    Metric::FeatureExposureMax => exposure.as_ref().map_or(f64::NAN, |e| e[m]),
                    Metric::CorrWithExample => with_example.as_ref().map_or(f64::NAN, |e| e[m]),
                    Metric::NeutralCorr
                    | Metric::NeutralContribution
                    | Metric::Alpha
                    | Metric::Mpc
                    | Metric::Churn
                    | Metric::ChurnTopBottom(_)
                    | Metric::NeutralChurn
                    | Metric::Turnover => signal.map_or(f64::NAN, |v| v[m]),
                };
                values.push(v);
            }
            out.push(EraScore {
                era: view.name.to_string(),
                model: model.clone(),
                target: t.name.to_string(),
                values,
            });
            parts[4] += lap.lap();
        }
    }
    if timings::enabled() {
        for (name, d) in PARTS.iter().zip(parts) {
            timings::add(name, d);
        }
    }
    Ok((out, warnings, no_target))
}
