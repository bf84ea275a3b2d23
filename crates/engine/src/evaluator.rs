//! Scoring many prediction vectors against one validation set: an [`Evaluator`] prepares
//! once everything that does not depend on the predictions, then scores each new vector
//! with the numbers [`crate::score::score`] gives the same predictions.
//!
//! Prepared once: the eras in era order, each era's rows sorted by id (numerai-tools'
//! order), each target's scored rows and its transforms (`numerai_corr`'s centred, powered
//! target; the contribution's bucketed target), the meta model's and benchmark's gaussian
//! ranks on the rows MMC and BMC see, and, within a memory budget, each era's neutralizer
//! factorization for FNC. A call then does only what depends on the predictions: gather
//! each era's values (predictions are aligned to the data's rows, so no id is matched),
//! rank, and the per-era products, one rayon task per era.
//!
//! Every per-era step calls the same kernels in the same order as `era_scores` does for a
//! run whose predictions cover every data row, so the numbers are bit-identical to
//! `erascore score` (tested in `python/tests/test_evaluator.py`).

use rayon::prelude::*;

use erascore_io::dataset::Dataset;
use erascore_io::era::era_order;
use erascore_io::FloatWidth;
use erascore_kernels::contribution::ContributionTarget;
use erascore_kernels::corr::{gaussian_rank, CorrTarget};
use erascore_kernels::exposure::ExposureBasis;
use erascore_kernels::neutral_scores::{feature_neutral_corr_many, EXPLAINED_RESIDUAL};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::pearson::{pearson, spearman};
use erascore_kernels::target::Precision;

use crate::era_features::EraFeatures;
use crate::input::Input;
use crate::inputs::{require_overlap, DataRows, Reference, RowMap};
use crate::job::{EraScore, ScoreConfig};
use crate::message;
use crate::metrics::Metric;
use crate::model_ranks::ModelRanks;
use crate::score::ScoreReport;
use crate::EngineError;

/// Whether an evaluator computes `metric`: the metrics of one prediction vector against
/// the data, meta model and benchmark. The Signals metrics (other tables, matched on
/// era and id) and `corr_with_example` are left to `score`.
pub fn evaluator_metric(metric: &Metric) -> bool {
    !metric.is_signals() && *metric != Metric::CorrWithExample
}

/// Bytes one cached neutralizer factorization of `rows` rows and `k` features holds: the
/// era's int8 block (`rows * k`), the Cholesky factor (`8 k^2`), the exact integer Gram
/// matrix (`4 k^2`) and the per-feature means, sums and kept columns (`32 k`).
pub fn factorization_bytes(rows: u64, k: u64) -> u64 {
    rows * k + 12 * k * k + 32 * k
}

/// Bytes the prepared state of one era of `rows` rows takes besides cached factorizations,
/// at most: its sorted rows (4 a row), and per target its scored positions, target and
/// prepared CORR target (24 a row), and, with a meta model or a benchmark, each one's
/// positions, gaussian ranks and contribution target (24 a row each).
pub fn era_bytes(rows: u64, targets: u64, references: u64) -> u64 {
    rows * (4 + targets * (24 + 24 * references))
}

/// MMC's or BMC's prepared rows (positions within the era's sorted rows), the reference's
/// gaussian ranks on them and the contribution target.
#[derive(Debug)]
struct Contribution {
    at: Vec<usize>,
    reference: Vec<f64>,
    target: ContributionTarget,
}

/// One target's prepared state within an era.
#[derive(Debug)]
struct PreparedTarget {
    /// Position of the target in the configuration.
    index: usize,
    /// Positions within the era's sorted rows with a target value.
    scored: Vec<usize>,
    /// The target on `scored`.
    values: Vec<f64>,
    corr: CorrTarget,
    mmc: Option<Contribution>,
    bmc: Option<Contribution>,
    /// The era's factorization this target uses (an index into [`PreparedEra::neutralizers`]),
    /// targets with the same rows sharing one.
    neutralizer: usize,
}

/// One era's prepared state.
#[derive(Debug)]
struct PreparedEra {
    /// Index into the data's era names.
    era: usize,
    /// The era's data rows, sorted by id.
    rows: Vec<u32>,
    /// The targets with a value in this era, in configuration order.
    targets: Vec<PreparedTarget>,
    /// The distinct row sets FNC neutralizes on (positions within `rows`), each with its
    /// factorization when the cache holds it.
    neutralizers: Vec<(Vec<usize>, Option<Neutralizer>)>,
}

/// An era's prepared state (`None` when no target has a value there) and the era with the
/// targets it has no value of, if any.
type EraPrepared = (Option<PreparedEra>, Option<(String, Vec<String>)>);

/// What an evaluator is asked to prepare.
#[derive(Debug, Clone)]
pub struct EvaluatorConfig {
    /// Metrics, targets and the overlap rule, as for a `score` run; the metrics are those
    /// a call computes unless it names others.
    pub score: ScoreConfig,
    /// Bytes the cached neutralizer factorizations may take ([`factorization_bytes`]
    /// each); eras are cached in era order until the next one would not fit.
    pub cache_bytes: u64,
}

/// The prepared state of one validation set; see the module documentation. Immutable once
/// built, so one evaluator serves any number of threads.
#[derive(Debug)]
pub struct Evaluator {
    data: Dataset,
    config: ScoreConfig,
    eras: Vec<PreparedEra>,
    rows: usize,
    meta_model: bool,
    benchmark: bool,
    cached: usize,
    cached_bytes: u64,
    /// Eras left out because a target has no value on any of their rows.
    unresolved: Vec<(String, Vec<String>)>,
    warnings: Vec<String>,
}

fn gather(values: &[f64], rows: &[u32], map: &RowMap) -> Vec<f64> {
    rows.iter()
        .map(|&r| map.get(r).map_or(f64::NAN, |i| values[i as usize]))
        .collect()
}

fn pick(values: &[f64], at: &[usize]) -> Vec<f64> {
    at.iter().map(|&i| values[i]).collect()
}

fn kernel_error(
    era: &str,
    model: &str,
    target: &str,
    source: erascore_kernels::KernelError,
) -> EngineError {
    EngineError::Kernel {
        era: era.to_string(),
        model: model.to_string(),
        target: target.to_string(),
        source,
    }
}

impl Evaluator {
    /// Prepares `data` (ids, eras, targets and, for fnc / fexp_max, features) with an
    /// optional meta model and benchmark column. Every check that does not depend on the
    /// predictions (targets loaded, an id repeated within an era, the overlap of the
    /// targets, meta model and benchmark with each era) is made here, with `score`'s
    /// errors.
    pub fn new(
        mut data: Dataset,
        meta_model: Option<&Reference>,
        benchmark: Option<&Reference>,
        config: EvaluatorConfig,
    ) -> Result<Self, EngineError> {
        let EvaluatorConfig {
            score: config,
            cache_bytes,
        } = config;
        check_metrics(
            &config.metrics,
            meta_model.is_some(),
            benchmark.is_some(),
            &data,
        )?;
        let target_index = crate::score::target_positions(&config.targets, &data)?;
        let rows = data.eras.len();
        if rows == 0 {
            // Every call would return an empty table, as if nothing had been asked.
            return Err(EngineError::Config(format!(
                "{}: no rows to score",
                data.path.display()
            )));
        }
        let data_rows = DataRows::new(&data);
        let reference_rows = |r: Option<&Reference>| {
            r.map(|r| data_rows.match_rows(&r.keys()).map(|m| RowMap::new(&m)))
                .transpose()
        };
        let meta_row = reference_rows(meta_model)?;
        let bench_row = reference_rows(benchmark)?;
        let mut era_rows: Vec<Vec<u32>> = vec![Vec::new(); data.era_names.len()];
        for (row, &era) in data.eras.iter().enumerate() {
            era_rows[era as usize].push(row as u32);
        }
        let order = era_order(&data.era_names);
        // Each era's rows in file order (numerai_corr centres on the whole era) before
        // they are sorted by id.
        let file_order: Vec<Vec<u32>> = era_rows.clone();
        era_rows
            .par_iter_mut()
            .try_for_each(|rows| data_rows.sort_era_by_id(rows))?;
        drop(data_rows);
        let metrics = &config.metrics;
        let wants_mmc = metrics.iter().any(Metric::needs_meta_model);
        let wants_bmc = metrics.contains(&Metric::Bmc);
        let wants_fnc = metrics.contains(&Metric::Fnc);
        let prepared: Vec<EraPrepared> = order
            .par_iter()
            .map(|&e| {
                prepare_era(
                    &data,
                    &config,
                    &target_index,
                    e,
                    &era_rows[e],
                    &file_order[e],
                    (wants_mmc, meta_model, meta_row.as_ref()),
                    (wants_bmc, benchmark, bench_row.as_ref()),
                    wants_fnc,
                )
            })
            .collect::<Result<_, _>>()?;
        drop(file_order);
        let mut eras = Vec::with_capacity(prepared.len());
        let mut unresolved = Vec::new();
        for (era, no_target) in prepared {
            eras.extend(era);
            unresolved.extend(no_target);
        }
        if eras.is_empty() && !unresolved.is_empty() {
            return Err(EngineError::Config(format!(
                "no era has a value of the target ({}): every row's target is NaN",
                config.targets.join(", ")
            )));
        }
        let mut warnings = Vec::new();
        warnings.extend(crate::score::unresolved_warning(
            &unresolved,
            config.targets.len(),
        ));
        // Ids and eras are not read again: predictions come aligned to the rows.
        drop(data.take_keys());
        let mut evaluator = Self {
            data,
            config,
            eras,
            rows,
            meta_model: meta_model.is_some(),
            benchmark: benchmark.is_some(),
            cached: 0,
            cached_bytes: 0,
            unresolved,
            warnings,
        };
        if wants_fnc {
            evaluator.factorize(cache_bytes);
        }
        Ok(evaluator)
    }

    /// Factorizes the eras' neutralizers, in era order, while they fit in `budget` bytes.
    fn factorize(&mut self, budget: u64) {
        let k = self.data.feature_names.len() as u64;
        let mut chosen: Vec<(usize, usize)> = Vec::new();
        let mut used = 0u64;
        'eras: for (e, era) in self.eras.iter().enumerate() {
            for (n, (at, _)) in era.neutralizers.iter().enumerate() {
                let need = factorization_bytes(at.len() as u64, k);
                if used + need > budget {
                    break 'eras;
                }
                used += need;
                chosen.push((e, n));
            }
        }
        let features = EraFeatures {
            columns: &self.data.features,
            rows: None,
        };
        let eras = &self.eras;
        let built: Vec<Neutralizer> = chosen
            .par_iter()
            .map(|&(e, n)| {
                let era = &eras[e];
                let sub: Vec<u32> = era.neutralizers[n].0.iter().map(|&i| era.rows[i]).collect();
                Neutralizer::new(features.block(&sub))
            })
            .collect();
        for (&(e, n), neutralizer) in chosen.iter().zip(built) {
            self.eras[e].neutralizers[n].1 = Some(neutralizer);
        }
        self.cached = chosen.len();
        self.cached_bytes = used;
        // Every era's block is inside its factorization: the features are read again only
        // by fexp_max, so without it they need not stay (k bytes a row).
        let all_cached = self
            .eras
            .iter()
            .all(|e| e.neutralizers.iter().all(|(_, n)| n.is_some()));
        if all_cached && !self.config.metrics.contains(&Metric::FeatureExposureMax) {
            self.data.features = Vec::new();
        }
    }

    /// Rows of the data: the length of every prediction vector.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The metrics a call computes unless it names others.
    pub fn metrics(&self) -> &[Metric] {
        &self.config.metrics
    }

    /// The configured targets.
    pub fn targets(&self) -> &[String] {
        &self.config.targets
    }

    /// The eras scored, in era order.
    pub fn eras(&self) -> Vec<&str> {
        self.eras
            .iter()
            .map(|e| self.data.era_names[e.era].as_str())
            .collect()
    }

    /// Cached factorizations and the bytes they take ([`factorization_bytes`] each).
    pub fn cached(&self) -> (usize, u64) {
        (self.cached, self.cached_bytes)
    }

    /// Notes that hold for every call (eras left out for lack of target values).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Scores `predictions` (one slice per model, each aligned to the data's rows) with
    /// `metrics` (`None`: the evaluator's), rows ordered by era, target, model as `score`
    /// orders them. `on_era` is called once per finished era.
    pub fn score(
        &self,
        models: &[String],
        predictions: &[&[f64]],
        metrics: Option<&[Metric]>,
        on_era: &(dyn Fn() + Sync),
    ) -> Result<ScoreReport, EngineError> {
        let metrics = match metrics {
            Some(m) => {
                let prepared = |x: &Metric| match x {
                    Metric::Fnc => self.config.metrics.contains(&Metric::Fnc),
                    x if x.needs_features() => !self.data.features.is_empty(),
                    _ => true,
                };
                if let Some(x) = m.iter().find(|x| !prepared(x)) {
                    return Err(EngineError::Request(message![
                        Input::Metrics,
                        format!(
                            ": {} was not prepared; name it in the evaluator's metrics",
                            x.name()
                        )
                    ]));
                }
                check_metrics(m, self.meta_model, self.benchmark, &self.data)?;
                m
            }
            None => &self.config.metrics,
        };
        if models.len() != predictions.len() || models.is_empty() {
            return Err(EngineError::Request(message![
                Input::Predictions,
                ": expected one named column per model"
            ]));
        }
        crate::inputs::check_model_names(models)?;
        for (m, p) in models.iter().zip(predictions) {
            if p.len() != self.rows {
                return Err(EngineError::Request(message![
                    Input::Predictions,
                    format!(
                        ": model '{m}' has {} values, the data {} rows (predictions are \
                         aligned to the data's rows, in order)",
                        p.len(),
                        self.rows
                    )
                ]));
            }
            // NaN too, as `score` refuses it: ranked, a NaN would take a place among the
            // era's values and give a number where numerai-tools drops the row.
            if let Some(i) = p.iter().position(|v| !v.is_finite()) {
                return Err(EngineError::Request(message![
                    Input::Predictions,
                    format!(
                        ": model '{m}' has {} at row {i}; predictions must be finite",
                        p[i]
                    )
                ]));
            }
        }
        let results: Vec<(Vec<EraScore>, Vec<String>)> = self
            .eras
            .par_iter()
            .map(|era| {
                let r = self.score_era(era, models, predictions, metrics);
                on_era();
                r
            })
            .collect::<Result<_, _>>()?;
        let mut rows = Vec::with_capacity(results.iter().map(|r| r.0.len()).sum());
        let mut warnings = Vec::new();
        for (r, w) in results {
            rows.extend(r);
            warnings.extend(w);
        }
        // In score's order: the eras' notes, then the eras left out.
        warnings.extend(self.warnings.iter().cloned());
        Ok(ScoreReport {
            metrics: metrics.to_vec(),
            rows,
            warnings,
            unresolved: self.unresolved.clone(),
        })
    }

    /// One era of [`Evaluator::score`]: `era_scores::score_era` for predictions on every
    /// row, with the target-side work already done.
    fn score_era(
        &self,
        era: &PreparedEra,
        models: &[String],
        predictions: &[&[f64]],
        metrics: &[Metric],
    ) -> Result<(Vec<EraScore>, Vec<String>), EngineError> {
        let name = self.data.era_names[era.era].as_str();
        let values: Vec<Vec<f64>> = predictions
            .iter()
            .map(|p| era.rows.iter().map(|&r| p[r as usize]).collect())
            .collect();
        let mut warnings = Vec::new();
        let features = EraFeatures {
            columns: &self.data.features,
            rows: None,
        };
        let exposure: Option<Vec<f64>> = metrics.contains(&Metric::FeatureExposureMax).then(|| {
            let block = features.block(&era.rows);
            let basis = ExposureBasis::new(&block);
            values
                .iter()
                .map(|p| basis.max_correlation(p).map_or(f64::NAN, |(_, c)| c))
                .collect()
        });
        let mut built: Vec<Option<Neutralizer>> = Vec::new();
        let mut warned_constant = vec![false; models.len()];
        let mut out = Vec::with_capacity(models.len() * era.targets.len());
        for t in &era.targets {
            let target_name = self.config.targets[t.index].as_str();
            let fnc = if metrics.contains(&Metric::Fnc) {
                let (at, cached) = &era.neutralizers[t.neutralizer];
                let neutralizer = match cached {
                    Some(n) => n,
                    None => {
                        if built.len() <= t.neutralizer {
                            built.resize_with(era.neutralizers.len(), || None);
                        }
                        built[t.neutralizer].get_or_insert_with(|| {
                            let sub: Vec<u32> = at.iter().map(|&i| era.rows[i]).collect();
                            Neutralizer::new(features.block(&sub))
                        })
                    }
                };
                let cols: Vec<Vec<f64>> = values.iter().map(|p| pick(p, &t.scored)).collect();
                let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
                let scores = feature_neutral_corr_many(&refs, neutralizer, &t.corr, None)
                    .map_err(|e| kernel_error(name, "(all models)", target_name, e))?;
                for (model, s) in models.iter().zip(&scores) {
                    if s.explained() {
                        warnings.push(format!(
                            "model '{model}' in era '{name}', target '{target_name}': the \
                             features explain its predictions completely (relative residual \
                             {:.1e} < {:.0e}), so its fnc there is NaN",
                            s.relative_residual, EXPLAINED_RESIDUAL
                        ));
                    }
                }
                Some(scores.into_iter().map(|s| s.value).collect::<Vec<f64>>())
            } else {
                None
            };
            for (m, model) in models.iter().enumerate() {
                let ranks = ModelRanks::new(metrics, &values[m], &t.scored, None)
                    .map_err(|e| kernel_error(name, model, target_name, e))?;
                let p: &[f64] = &ranks.on_target;
                if p.iter().all(|&v| v == p[0]) && !warned_constant[m] {
                    warned_constant[m] = true;
                    warnings.push(format!(
                        "model '{model}' is constant in era '{name}': its corr, corr_tbN, fnc, \
                         spearman, pearson, fexp_max and corr_with_example there are NaN, its \
                         mmc, mmc_tbN and bmc 0"
                    ));
                }
                let corr = |tb: Option<usize>| {
                    ranks
                        .corr(&t.corr, tb)
                        .map_err(|e| kernel_error(name, model, target_name, e))
                };
                let contribute = |setup: Option<&Contribution>, tb: Option<usize>| match setup {
                    None => Ok(f64::NAN),
                    Some(c) => ranks
                        .contribution(&c.at, &c.reference, &c.target, tb)
                        .map_err(|e| kernel_error(name, model, target_name, e)),
                };
                let mut row = Vec::with_capacity(metrics.len());
                for metric in metrics {
                    row.push(match *metric {
                        Metric::Corr => corr(None)?,
                        Metric::CorrTopBottom(k) => corr(Some(k))?,
                        Metric::Spearman => spearman(&t.values, p),
                        Metric::Pearson => pearson(&t.values, p),
                        Metric::Mmc => contribute(t.mmc.as_ref(), None)?,
                        Metric::MmcTopBottom(k) => contribute(t.mmc.as_ref(), Some(k))?,
                        Metric::Bmc => contribute(t.bmc.as_ref(), None)?,
                        Metric::Fnc => fnc.as_ref().map_or(f64::NAN, |f| f[m]),
                        Metric::FeatureExposureMax => exposure.as_ref().map_or(f64::NAN, |e| e[m]),
                        _ => f64::NAN,
                    });
                }
                out.push(EraScore {
                    era: name.to_string(),
                    model: model.clone(),
                    target: target_name.to_string(),
                    values: row,
                });
            }
        }
        Ok((out, warnings))
    }
}

/// Refuses metrics an evaluator does not compute or lacks the inputs of, naming the input.
fn check_metrics(
    metrics: &[Metric],
    meta_model: bool,
    benchmark: bool,
    data: &Dataset,
) -> Result<(), EngineError> {
    if metrics.is_empty() {
        return Err(EngineError::Request(message![Input::Metrics, " is empty"]));
    }
    for m in metrics {
        if !evaluator_metric(m) {
            return Err(EngineError::Request(message![
                Input::Metrics,
                format!(
                    ": {} is not computed by an evaluator (it needs other tables than the \
                     predictions; use score)",
                    m.name()
                )
            ]));
        }
        if m.needs_meta_model() && !meta_model {
            return Err(EngineError::Request(message![
                format!("metric {} needs ", m.name()),
                Input::MetaModel
            ]));
        }
        if *m == Metric::Bmc && !benchmark {
            return Err(EngineError::Request(message![
                "metric bmc needs ",
                Input::Benchmark
            ]));
        }
        if m.needs_features() && data.feature_names.is_empty() {
            return Err(EngineError::Request(message![
                format!(
                    "{}: no feature_* columns, needed by {} (",
                    data.path.display(),
                    m.name()
                ),
                Input::Features,
                ")"
            ]));
        }
    }
    Ok(())
}

/// The prepared state of era `e` (`None` when no target has a value there) and the
/// targets it has no value of.
#[allow(clippy::too_many_arguments)]
fn prepare_era(
    data: &Dataset,
    config: &ScoreConfig,
    target_index: &[usize],
    e: usize,
    rows: &[u32],
    all_rows: &[u32],
    (wants_mmc, meta_model, meta_row): (bool, Option<&Reference>, Option<&RowMap>),
    (wants_bmc, benchmark, bench_row): (bool, Option<&Reference>, Option<&RowMap>),
    wants_fnc: bool,
) -> Result<EraPrepared, EngineError> {
    let name = data.era_names[e].as_str();
    let ratio = config.max_filtered_ratio;
    let meta = match (meta_model, meta_row) {
        (Some(r), Some(map)) if wants_mmc => Some(gather(&r.values, rows, map)),
        _ => None,
    };
    let bench = match (benchmark, bench_row) {
        (Some(r), Some(map)) if wants_bmc => Some(gather(&r.values, rows, map)),
        _ => None,
    };
    let mut no_target = Vec::new();
    let mut targets = Vec::new();
    let mut neutralizers: Vec<(Vec<usize>, Option<Neutralizer>)> = Vec::new();
    for (t_pos, &t) in target_index.iter().enumerate() {
        let column = &data.targets[t];
        let target_name = config.targets[t_pos].as_str();
        if all_rows.iter().all(|&r| column.values[r as usize].is_nan()) {
            no_target.push(target_name.to_string());
            continue;
        }
        let precision = match column.width {
            FloatWidth::F32 => Precision::F32,
            FloatWidth::F64 => Precision::F64,
        };
        let on_rows: Vec<f64> = rows.iter().map(|&r| column.values[r as usize]).collect();
        let scored: Vec<usize> = (0..rows.len()).filter(|&i| !on_rows[i].is_nan()).collect();
        require_overlap(
            || format!("era '{name}', target '{target_name}': rows with a target"),
            scored.len(),
            all_rows.len(),
            ratio,
        )?;
        if scored.len() < 2 {
            return Err(EngineError::TooFewRows {
                era: name.to_string(),
                target: target_name.to_string(),
                rows: scored.len(),
            });
        }
        let values = pick(&on_rows, &scored);
        let era_values: Vec<f64> = all_rows
            .iter()
            .map(|&r| column.values[r as usize])
            .collect();
        let corr = CorrTarget::centred_on(&values, &era_values, precision, config.target_pow15)
            .map_err(|e| kernel_error(name, "-", target_name, e))?;
        let setup = |reference: Option<&Vec<f64>>, label: &str| -> Result<_, EngineError> {
            let Some(refv) = reference else {
                return Ok(None);
            };
            let at: Vec<usize> = scored
                .iter()
                .copied()
                .filter(|&i| !refv[i].is_nan())
                .collect();
            require_overlap(
                || format!("era '{name}', target '{target_name}': rows with a {label} value"),
                at.len(),
                scored.len(),
                ratio,
            )?;
            Ok(Some(Contribution {
                reference: gaussian_rank(&pick(refv, &at)),
                target: ContributionTarget::new(&pick(&on_rows, &at), precision),
                at,
            }))
        };
        let mmc = setup(meta.as_ref(), "meta model")?;
        let bmc = setup(bench.as_ref(), "benchmark")?;
        let neutralizer = match neutralizers.iter().position(|(at, _)| *at == scored) {
            Some(n) => n,
            None if wants_fnc => {
                neutralizers.push((scored.clone(), None));
                neutralizers.len() - 1
            }
            None => 0,
        };
        targets.push(PreparedTarget {
            index: t_pos,
            scored,
            values,
            corr,
            mmc,
            bmc,
            neutralizer,
        });
    }
    let no_target = (!no_target.is_empty()).then(|| (name.to_string(), no_target));
    if targets.is_empty() {
        return Ok((None, no_target));
    }
    Ok((
        Some(PreparedEra {
            era: e,
            rows: rows.to_vec(),
            targets,
            neutralizers,
        }),
        no_target,
    ))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use erascore_io::dataset::TargetColumn;
    use erascore_io::Strings;

    use super::*;
    use crate::inputs::Predictions;
    use crate::job::ScoreInputs;
    use crate::score::{score, MetaModelSource};
    use crate::signals::SignalsInputs;

    /// Three eras of 60 rows (ids out of order within each era), 5 int8 features, two
    /// targets (one f32 with NaN rows), a meta model missing on a few rows.
    fn fixture() -> (Dataset, Predictions, Reference) {
        let n = 180;
        let ids: Vec<String> = (0..n).map(|i| format!("n{:04}", (i * 37) % n)).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let data = Dataset {
            path: PathBuf::from("data.parquet"),
            ids: refs.iter().collect(),
            eras: (0..n).map(|i| (i / 60) as u32).collect(),
            era_names: vec!["0002".into(), "0001".into(), "0003".into()],
            feature_names: (0..5).map(|j| format!("feature_{j}")).collect(),
            features: (0..5)
                .map(|j| (0..n).map(|i| ((i * (j + 3) + j) % 5) as i8).collect())
                .collect(),
            targets: vec![
                TargetColumn {
                    name: "target".into(),
                    values: (0..n).map(|i| ((i * 11) % 5) as f64 / 4.0).collect(),
                    width: FloatWidth::F64,
                },
                TargetColumn {
                    name: "target_b".into(),
                    values: (0..n)
                        .map(|i| match i % 13 {
                            0 => f64::NAN,
                            _ => f64::from(((i * 7) % 5) as f32 / 4.0),
                        })
                        .collect(),
                    width: FloatWidth::F32,
                },
            ],
        };
        let predictions = Predictions {
            path: PathBuf::from("preds.csv"),
            ids: refs.iter().collect::<Strings>(),
            eras: None,
            names: vec!["a".into(), "b".into()],
            values: vec![
                (0..n)
                    .map(|i| ((i * 13) % 17) as f64 + data.features[1][i] as f64)
                    .collect(),
                (0..n).map(|i| ((i * 29) % 31) as f64 / 7.0).collect(),
            ],
        };
        let meta = Reference {
            path: PathBuf::from("meta.parquet"),
            column: "numerai_meta_model".into(),
            ids: refs.iter().collect(),
            eras: None,
            values: (0..n)
                .map(|i| match i % 29 {
                    5 => f64::NAN,
                    _ => ((i * 19) % 23) as f64 / 23.0,
                })
                .collect(),
        };
        (data, predictions, meta)
    }

    #[test]
    fn scores_are_the_bits_of_score() {
        let (data, preds, meta) = fixture();
        let metrics = vec![
            Metric::Corr,
            Metric::CorrTopBottom(10),
            Metric::Mmc,
            Metric::Fnc,
            Metric::Spearman,
            Metric::FeatureExposureMax,
        ];
        let config = ScoreConfig {
            metrics: metrics.clone(),
            targets: vec!["target".into(), "target_b".into()],
            max_filtered_ratio: 0.2,
            target_pow15: true,
        };
        let inputs = ScoreInputs {
            data: &data,
            predictions: &preds,
            meta_model: Some(MetaModelSource::Column(&meta)),
            benchmark: None,
            example: None,
            signals: SignalsInputs::default(),
        };
        let want = score(&inputs, &config, &|| {}).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(want.rows.len(), 3 * 2 * 2);
        let slices: Vec<&[f64]> = preds.values.iter().map(Vec::as_slice).collect();
        for cache_bytes in [0, factorization_bytes(56, 5) * 2, u64::MAX / 2] {
            let ev = Evaluator::new(
                data.clone(),
                Some(&meta),
                None,
                EvaluatorConfig {
                    score: config.clone(),
                    cache_bytes,
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let got = ev
                .score(&preds.names, &slices, None, &|| {})
                .unwrap_or_else(|e| panic!("{e}"));
            let bits = |r: &ScoreReport| -> Vec<(String, String, String, Vec<u64>)> {
                r.rows
                    .iter()
                    .map(|e| {
                        let v = e.values.iter().map(|v| v.to_bits()).collect();
                        (e.era.clone(), e.model.clone(), e.target.clone(), v)
                    })
                    .collect()
            };
            assert_eq!(bits(&got), bits(&want), "cache {cache_bytes}");
            assert_eq!(got.rows[0].era, "0001");
            assert!(got
                .rows
                .iter()
                .all(|r| r.values.iter().all(|v| v.is_finite())));
        }
    }

    #[test]
    fn a_prediction_vector_of_another_length_names_the_predictions() {
        let (data, preds, _) = fixture();
        let config = ScoreConfig {
            metrics: vec![Metric::Corr],
            targets: vec!["target".into()],
            max_filtered_ratio: 0.2,
            target_pow15: true,
        };
        let ev = Evaluator::new(
            data,
            None,
            None,
            EvaluatorConfig {
                score: config,
                cache_bytes: 0,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let short = &preds.values[0][..10];
        let e = ev.score(&["a".to_string()], &[short], None, &|| {});
        let message = e.err().map(|e| e.render(&|i| format!("<{i:?}>")));
        assert_eq!(
            message.as_deref(),
            Some(
                "<Predictions>: model 'a' has 10 values, the data 180 rows (predictions are \
                 aligned to the data's rows, in order)"
            )
        );
        let e = ev.score(
            &["a".to_string()],
            &[&preds.values[0]],
            Some(&[Metric::Mmc]),
            &|| {},
        );
        assert!(matches!(e, Err(EngineError::Request(_))));
        // Regression: a NaN was ranked among the era's values and scored (erascore.score
        // and numerai-tools refuse or drop it).
        let mut with_nan = preds.values[0].clone();
        with_nan[3] = f64::NAN;
        let e = ev.score(&["a".to_string()], &[&with_nan], None, &|| {});
        let message = e.err().map(|e| e.render(&|i| format!("<{i:?}>")));
        assert_eq!(
            message.as_deref(),
            Some("<Predictions>: model 'a' has NaN at row 3; predictions must be finite")
        );
    }
}
