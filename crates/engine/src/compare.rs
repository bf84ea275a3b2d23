//! Benchmarking scoring configurations against each other over a whole tournament.
//!
//! A [`CompareConfig`] is a payout rule (an `erascore payout` preset or a custom one) plus
//! which metrics its first and second score are, which target they are scored against and
//! how its meta model is built. [`compare`] scores every model once per group of
//! configurations that share a target and a meta model (one [`crate::score::score`] run:
//! each model is ranked once per era and the group's meta model built once per era), then
//! runs the payout crate's own compounding ([`erascore_payout::simulate()`]) per model and
//! configuration, so a configuration's numbers are exactly those of `erascore score` followed
//! by `erascore payout` with the same rule. The aggregates over models and rounds (payout
//! concentration, Gini, rank shifts, Spearman between configurations) live here too.

use std::collections::HashMap;

use rayon::prelude::*;

use erascore_io::dataset::Dataset;
use erascore_kernels::pearson::spearman;
use erascore_payout::series::ModelScores;
use erascore_payout::simulate::simulate_with_stakes;
use erascore_payout::{simulate, NanPolicy, PayoutError, PayoutFactor, Rule};

use erascore_io::Strings;
use erascore_kernels::corr::gaussian_rank;
use erascore_kernels::meta_model::StakeWeightedSum;

use crate::inputs::{DataRows, Predictions, Reference};
pub use crate::meta_model::{MetaModelKind, MetaModelSpec};
use crate::metrics::Metric;
use crate::score::{score_eras, MetaModelSource, ScoreConfig, ScoreInputs};
use crate::EngineError;

/// A score formula such as `0.5 * corr + 2 * mmc`: one or two metrics with multipliers, the
/// first and second score of a payout rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreFormula {
    /// Multiplier and metric of each term, in the order written.
    pub terms: Vec<(f64, Metric)>,
}

/// Metrics a formula may use: those `compare` can score from the predictions, the data,
/// the configuration's meta model and the benchmark column alone.
fn formula_metric(name: &str) -> Result<Metric, String> {
    let m = Metric::parse(name).map_err(|e| e.to_string())?;
    match m {
        Metric::Corr
        | Metric::CorrTopBottom(_)
        | Metric::Mmc
        | Metric::MmcTopBottom(_)
        | Metric::Bmc
        | Metric::Fnc
        | Metric::Spearman
        | Metric::Pearson => Ok(m),
        _ => Err(format!(
            "metric '{name}' cannot be used in a compare score (use corr, corr_tbN, mmc, \
             mmc_tbN, bmc, fnc, spearman or pearson)"
        )),
    }
}

impl ScoreFormula {
    /// Parses `[number *] metric [(+|-) [number *] metric]`; a payout rule weighs at most
    /// two scores, and each metric may appear once.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms: Vec<(f64, Metric)> = Vec::new();
        for (sign, term) in split_terms(text)? {
            let (mult, metric) = match term.split_once('*') {
                Some((a, b)) => {
                    let (a, b) = (a.trim(), b.trim());
                    match (a.parse::<f64>(), b.parse::<f64>()) {
                        (Ok(x), Err(_)) => (x, b),
                        (Err(_), Ok(x)) => (x, a),
                        _ => return Err(format!("'{term}': expected NUMBER * METRIC")),
                    }
                }
                None => (1.0, term),
            };
            if metric.is_empty() {
                return Err(format!("'{term}': a metric is missing"));
            }
            if !mult.is_finite() {
                return Err(format!("'{term}': the multiplier is not a finite number"));
            }
            let metric = formula_metric(metric)?;
            if terms.iter().any(|(_, m)| *m == metric) {
                return Err(format!("metric '{}' appears twice", metric.name()));
            }
            terms.push((sign * mult, metric));
        }
        if terms.len() > 2 {
            return Err(format!(
                "{} terms: a payout rule weighs at most two scores",
                terms.len()
            ));
        }
        Ok(Self { terms })
    }
}

/// Splits `a + b - c` into signed terms; a sign right after a number's exponent (`1e-3`)
/// belongs to the number.
fn split_terms(text: &str) -> Result<Vec<(f64, &str)>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut sign) = (0, 1.0);
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'+' && b != b'-' {
            continue;
        }
        let exponent = i >= 2
            && matches!(bytes[i - 1], b'e' | b'E')
            && (bytes[i - 2].is_ascii_digit() || bytes[i - 2] == b'.');
        if exponent {
            continue;
        }
        let term = text[start..i].trim();
        if term.is_empty() {
            // Only a leading sign may stand alone.
            if !out.is_empty() || start != 0 {
                return Err(format!("'{}': a term is missing", text.trim()));
            }
        } else {
            out.push((sign, term));
        }
        sign = if b == b'-' { -1.0 } else { 1.0 };
        start = i + 1;
    }
    let last = text[start..].trim();
    if last.is_empty() {
        return Err(if text.trim().is_empty() {
            "the score is empty".to_string()
        } else {
            format!("'{}': a term is missing", text.trim())
        });
    }
    out.push((sign, last));
    Ok(out)
}

/// Where each round's payout factor comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FactorSpec {
    /// The same factor every round (default 1, as `erascore payout`).
    Constant(f64),
    /// `min(1, T / X)` with `X` the total of the stakes file and `T` the rule's threshold.
    TotalStake,
}

/// One scoring configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// Its name in outputs.
    pub name: String,
    /// Target column.
    pub target: String,
    /// The payout rule; its multipliers weigh `first` and `second`.
    pub rule: Rule,
    /// The metric of the first score.
    pub first: Metric,
    /// The metric of the second score (None when its multiplier is 0).
    pub second: Option<Metric>,
    /// The meta model, for MMC.
    pub meta_model: MetaModelSpec,
    /// The payout factor.
    pub factor: FactorSpec,
}

impl CompareConfig {
    /// A configuration from a preset (with its multipliers) or a formula; the formula's
    /// multipliers must be ones the preset allows (a formula alone makes a `custom` rule).
    pub fn new(
        name: &str,
        target: &str,
        rule: Rule,
        formula: Option<&ScoreFormula>,
        meta_model: MetaModelSpec,
        factor: FactorSpec,
    ) -> Result<Self, String> {
        let mut rule = rule;
        let (first, second) = match formula {
            Some(f) => {
                rule.corr_multiplier = f.terms[0].0;
                rule.mmc_multiplier = f.terms.get(1).map_or(0.0, |t| t.0);
                rule.validate().map_err(|e| e.to_string())?;
                (f.terms[0].1, f.terms.get(1).map(|t| t.1))
            }
            None => {
                let (a, b) = rule.preset.score_columns();
                let metric = |n: &str| {
                    formula_metric(n).map_err(|_| {
                        format!(
                            "rule {} pays on '{n}', which compare cannot score; give a score \
                             formula",
                            rule.preset
                        )
                    })
                };
                let second = if rule.uses_mmc() {
                    Some(metric(b)?)
                } else {
                    None
                };
                (metric(a)?, second)
            }
        };
        if let FactorSpec::Constant(f) = factor {
            PayoutFactor::constant(f).map_err(|e| e.to_string())?;
        }
        if factor == FactorSpec::TotalStake {
            rule.require_threshold().map_err(|e| e.to_string())?;
        }
        Ok(Self {
            name: name.to_string(),
            target: target.to_string(),
            rule,
            first,
            second,
            meta_model,
            factor,
        })
    }

    /// The metrics it reads.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut m = vec![self.first];
        m.extend(self.second);
        m
    }

    /// Whether it needs a meta model.
    pub fn needs_meta_model(&self) -> bool {
        self.metrics().iter().any(Metric::needs_meta_model)
    }

    /// Whether it needs the benchmark column.
    pub fn needs_benchmark(&self) -> bool {
        self.metrics().contains(&Metric::Bmc)
    }

    /// The formula as text, e.g. `0.5 * corr + 2 * mmc`.
    pub fn formula(&self) -> String {
        let mut s = format!("{} * {}", self.rule.corr_multiplier, self.first.name());
        if let Some(m) = self.second {
            s.push_str(&format!(" + {} * {}", self.rule.mmc_multiplier, m.name()));
        }
        s
    }
}

/// Loads the prediction columns of the named models (all from one file).
pub type LoadModels<'a> = dyn Fn(&[String]) -> Result<Predictions, EngineError> + Sync + 'a;

/// Reads a predictions file era by era: the path [`compare_scores`] takes when the
/// predictions do not fit in memory at once and the file has an era column.
#[derive(Clone, Copy)]
pub struct EraLoader<'a> {
    /// The file's row keys (ids and eras) without a model column.
    pub keys: &'a (dyn Fn() -> Result<Predictions, EngineError> + Sync + 'a),
    /// Every model's predictions (all models, in column order) of the rows of these eras;
    /// rows of other eras may come along, and are dropped.
    pub load: &'a (dyn Fn(&[String]) -> Result<Predictions, EngineError> + Sync + 'a),
}

/// A model's stake set at the start of a round: a deposit or withdrawal of the difference
/// (stakes file rows `round, model, stake`).
#[derive(Debug, Clone, PartialEq)]
pub struct StakeChange {
    /// The model (index into the prediction columns).
    pub model: usize,
    /// The round (era label) it is set at.
    pub round: String,
    /// The stake from that round on.
    pub stake: f64,
}

/// Everything [`compare`] reads.
#[derive(Clone, Copy)]
pub struct CompareInputs<'a> {
    /// The data (targets of every configuration; features when one uses FNC).
    pub data: &'a Dataset,
    /// Every model column of the predictions file.
    pub models: &'a [String],
    /// Reads the predictions of some models: [`compare`] holds at most `max_values`
    /// prediction values (models × data rows) at once, reading the file in chunks of models
    /// when it holds more.
    pub load: &'a LoadModels<'a>,
    /// Reads the predictions a few eras at a time, when the file allows it. With it, a run
    /// that does not fit in `max_values` reads batches of eras with every model instead of
    /// chunks of models, so that each model is still ranked once per era and pass.
    pub by_era: Option<EraLoader<'a>>,
    /// Most prediction values held in memory at once.
    pub max_values: usize,
    /// Starting stake of each model (index into `models`), in the stakes file's order;
    /// every model needs one.
    pub stakes: &'a [(usize, f64)],
    /// Stakes set at the start of later rounds (deposits and withdrawals), beside the
    /// starting stakes of `stakes`.
    pub stake_changes: &'a [StakeChange],
    /// Share of ids alignment may drop.
    pub max_filtered_ratio: f64,
    /// numerai-tools' `target_pow15`.
    pub target_pow15: bool,
    /// The benchmark column, for configurations whose formula uses `bmc`.
    pub benchmark: Option<&'a Reference>,
}

/// Whether any configuration's formula scores BMC: the benchmark column is read only then.
pub fn scores_bmc(configs: &[CompareConfig]) -> bool {
    configs.iter().any(CompareConfig::needs_benchmark)
}

/// The error when a configuration scores BMC and no benchmark was `given`; `how` says how
/// the caller's user gives one (`--benchmark FILE`, `benchmark=`). The front ends check it
/// with the configurations, before any data is read; [`compare_scores`] checks it again.
pub fn require_benchmark(configs: &[CompareConfig], given: bool, how: &str) -> Result<(), String> {
    match configs.iter().find(|c| c.needs_benchmark()) {
        Some(c) if !given => Err(format!(
            "configuration '{}': its score uses bmc, which needs {how}",
            c.name
        )),
        _ => Ok(()),
    }
}

/// One model under one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelResult {
    /// Mean of the combined score over the rounds paid.
    pub mean_score: f64,
    /// mean / std (ddof 0) of the combined score.
    pub sharpe: f64,
    /// Share of rounds with a positive combined score.
    pub hit_rate: f64,
    /// Starting stake.
    pub stake0: f64,
    /// Final stake minus starting stake.
    pub total_payout: f64,
    /// The stake once every round has resolved.
    pub final_stake: f64,
    /// 1 for the highest mean score (ties by model order; NaN last).
    pub rank: usize,
    /// Payout of each round (0 where a NaN score left the round out), in round order.
    pub payouts: Vec<f64>,
    /// Rounds left out for NaN scores.
    pub skipped: usize,
}

/// The whole tournament in one round under one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundResult {
    /// Sum of positive payouts.
    pub paid: f64,
    /// Sum of burns, as a positive number.
    pub burned: f64,
    /// The payout factor.
    pub payout_factor: f64,
    /// Share of the paid NMR that went to the top 1% of models by payout.
    pub top1_share: f64,
    /// The same for the top 10%.
    pub top10_share: f64,
    /// Gini coefficient of `max(payout, 0)` over all models.
    pub gini: f64,
}

/// One configuration's results.
#[derive(Debug, Clone)]
pub struct ConfigResult {
    /// The configuration.
    pub config: CompareConfig,
    /// One per model, in prediction-column order.
    pub models: Vec<ModelResult>,
    /// One per round, in round order.
    pub rounds: Vec<RoundResult>,
}

/// Everything [`compare`] computed.
#[derive(Debug, Clone)]
pub struct CompareReport {
    /// Model names.
    pub models: Vec<String>,
    /// Round (era) labels, in order.
    pub rounds: Vec<String>,
    /// One per configuration, in the order given.
    pub configs: Vec<ConfigResult>,
    /// How many scoring passes ran (one per distinct target and meta model).
    pub scoring_passes: usize,
    /// How many chunks of models the predictions were read in (1: all at once).
    pub chunks: usize,
    /// Notes for the user.
    pub warnings: Vec<String>,
}

/// A scoring group: target, meta model (if any configuration of it needs one), members.
pub type Group = (String, Option<MetaModelSpec>, Vec<usize>);

/// Scores every model once per group of configurations sharing a target and meta model,
/// then simulates each configuration's payouts. `on_era` is called after each era of each
/// scoring pass.
///
/// When every model's predictions fit in `max_values`, they are read once, each model is
/// ranked once per era and group, and each group's meta model is built once per era from
/// the same ranks (the path of `erascore score --stakes`). Otherwise models are read in
/// chunks (in stakes-file order): a first pass adds each chunk's gaussianized ranks into
/// every meta model ([`StakeWeightedSum`], the same sums in the same order, so the same
/// numbers), and a second pass scores each chunk against the finished meta models.
pub fn compare(
    inputs: &CompareInputs<'_>,
    configs: &[CompareConfig],
    on_era: &(dyn Fn() + Sync),
) -> Result<CompareReport, EngineError> {
    let scores = compare_scores(inputs, configs, None, on_era)?;
    compare_report_with_changes(
        inputs.models,
        inputs.stakes,
        inputs.stake_changes,
        configs,
        scores,
    )
}

/// The per-round scores of every model under every configuration: what [`compare`] gathers
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

/// The scoring half of [`compare`], over the eras named in `only` (every era when `None`):
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
    require_benchmark(configs, inputs.benchmark.is_some(), "a benchmark column")
        .map_err(EngineError::Config)?;
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

/// The payout half of [`compare`]: each configuration's payouts simulated per model from
/// the gathered scores (of one run, or of a distributed run's shares joined in era order),
/// and the aggregates over models and rounds.
pub fn compare_report(
    models: &[String],
    stakes: &[(usize, f64)],
    configs: &[CompareConfig],
    scores: CompareScores,
) -> Result<CompareReport, EngineError> {
    compare_report_with_changes(models, stakes, &[], configs, scores)
}

/// [`compare_report`] with stakes that change by round: each change sets the model's stake
/// at the start of its round (at its next scored round when the model has no score in that
/// one; after every round has resolved when it has none later), and a model's
/// `total_payout` is then the sum of its payouts rather than final minus starting stake.
pub fn compare_report_with_changes(
    models: &[String],
    stakes: &[(usize, f64)],
    changes: &[StakeChange],
    configs: &[CompareConfig],
    scores: CompareScores,
) -> Result<CompareReport, EngineError> {
    let mut by_model: Vec<Vec<(usize, f64)>> = vec![Vec::new(); models.len()];
    for c in changes {
        let Some(list) = by_model.get_mut(c.model) else {
            return Err(EngineError::Config(format!(
                "a stake change names model column {}, of {}",
                c.model,
                models.len()
            )));
        };
        let Some(r) = scores.rounds.iter().position(|x| *x == c.round) else {
            return Err(EngineError::Config(format!(
                "model '{}': its stake changes in round '{}', which has no predictions",
                models[c.model], c.round
            )));
        };
        list.push((r, c.stake));
    }
    for list in &mut by_model {
        // Stable: of two changes in one round, the later row wins.
        list.sort_by_key(|(r, _)| *r);
    }
    let mut stake0 = vec![f64::NAN; models.len()];
    for &(m, s) in stakes {
        stake0[m] = s;
    }
    let CompareScores {
        rounds,
        series,
        mut warnings,
        chunks,
    } = scores;
    let total_stake: f64 = stakes.iter().map(|(_, s)| s).sum();
    let mut results = Vec::with_capacity(configs.len());
    for (config, series) in configs.iter().zip(series) {
        let series: Vec<ModelScores> = series.into_iter().flatten().collect();
        let (result, mut w) =
            simulate_config(config, &series, &stake0, &by_model, &rounds, total_stake)?;
        warnings.append(&mut w);
        results.push(result);
    }
    Ok(CompareReport {
        models: models.to_vec(),
        rounds,
        configs: results,
        scoring_passes: scoring_groups(configs).len(),
        chunks,
        warnings,
    })
}

/// The era-major path of [`compare_scores`]: the eras with predictions, in the order
/// `score` scores them, in batches that hold every model within `max_values`; each batch is
/// scored as a whole run over the data of its eras (every model ranked once per era and
/// pass, each pass's meta model built once per era from those ranks), and the batches'
/// rounds are joined in order. A score, a meta model and its checks depend on the rows of
/// their own era only, so the numbers are those of a run over all eras at once; the checks
/// spanning the file (overlap with the data, eras without predictions) are made here, on the
/// whole file's keys. Returns the series and the number of batches.
fn scores_by_era(
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
        if preds.models.as_slice() != inputs.models {
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

/// Per-model score series gathered from the scoring passes.
struct Collected {
    rounds: Vec<String>,
    /// Per configuration, per model (index into all models).
    series: Vec<Vec<Option<ModelScores>>>,
    warnings: Vec<String>,
}

/// Scores `preds` (the models `global` of all models) for one group and files each member
/// configuration's first and second score per model.
#[allow(clippy::too_many_arguments)]
fn score_group(
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
    let n = preds.models.len();
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
                model: preds.models[m].clone(),
                rounds: rounds.clone(),
                corr,
                mmc,
            });
        }
    }
    Ok(())
}

/// The meta model of each spec as a column over the data rows, built chunk by chunk: per
/// era, over the era's rows that have predictions (the rows `score` builds it over), each
/// model's gaussianized tie-kept ranks are added with its weight, in stakes-file order.
fn meta_references(
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

fn payout_error(config: &CompareConfig, model: &str, e: PayoutError) -> EngineError {
    EngineError::Config(format!(
        "configuration '{}', model '{model}': {e}",
        config.name
    ))
}

fn simulate_config(
    config: &CompareConfig,
    series: &[ModelScores],
    stake0: &[f64],
    changes: &[Vec<(usize, f64)>],
    rounds: &[String],
    total_stake: f64,
) -> Result<(ConfigResult, Vec<String>), EngineError> {
    let pf = match config.factor {
        FactorSpec::Constant(f) => PayoutFactor::constant(f),
        FactorSpec::TotalStake => config
            .rule
            .require_threshold()
            .and_then(|t| PayoutFactor::from_total_at_risk(t, total_stake)),
    }
    .map_err(|e| EngineError::Config(format!("configuration '{}': {e}", config.name)))?;
    let round_index: HashMap<&str, usize> = rounds
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let (first, second) = (
        config.first.name(),
        config.second.map_or_else(|| "-".to_string(), |m| m.name()),
    );
    let per_model: Vec<(ModelResult, Option<String>)> = series
        .par_iter()
        .zip(stake0.par_iter())
        .zip(changes.par_iter())
        .map(|((s, &stake), changes)| {
            let mut payouts = vec![0.0; rounds.len()];
            let prepared = match s.prepare(&config.rule, NanPolicy::Skip, &first, &second) {
                Ok(p) => p,
                // A model without a single scored round neither earns nor burns.
                Err(PayoutError::NoRounds { skipped, .. }) => {
                    let note = s.model.clone();
                    let r = ModelResult {
                        mean_score: f64::NAN,
                        sharpe: f64::NAN,
                        hit_rate: f64::NAN,
                        stake0: stake,
                        total_payout: 0.0,
                        final_stake: changes.last().map_or(stake, |c| c.1),
                        rank: 0,
                        payouts,
                        skipped,
                    };
                    return Ok((r, Some(note)));
                }
                Err(e) => return Err(payout_error(config, &s.model, e)),
            };
            let factors = pf
                .for_rounds(prepared.rounds.iter().map(String::as_str))
                .map_err(|e| payout_error(config, &s.model, e))?;
            let scored: Vec<usize> = prepared
                .rounds
                .iter()
                .map(|r| round_index[r.as_str()])
                .collect();
            let (total_payout, final_stake) = if changes.is_empty() {
                let t = simulate(stake, &prepared.scores, &factors, &config.rule)
                    .map_err(|e| payout_error(config, &s.model, e))?;
                for (&r, outcome) in scored.iter().zip(&t.rounds) {
                    payouts[r] = outcome.payout;
                }
                (t.final_stake - stake, t.final_stake)
            } else {
                let n = scored.len();
                let mut set = vec![None; n + 1];
                for &(round, new_stake) in changes {
                    set[scored.partition_point(|&r| r < round)] = Some(new_stake);
                }
                let (p, last) =
                    simulate_with_stakes(stake, &prepared.scores, &factors, &config.rule, &set)
                        .map_err(|e| payout_error(config, &s.model, e))?;
                for (&r, payout) in scored.iter().zip(&p) {
                    payouts[r] = *payout;
                }
                (p.iter().sum(), last)
            };
            let b = crate::stats::basic(&prepared.scores);
            let r = ModelResult {
                mean_score: b.mean,
                sharpe: b.sharpe,
                hit_rate: crate::stats::hit_rate(&prepared.scores),
                stake0: stake,
                total_payout,
                final_stake,
                rank: 0,
                payouts,
                skipped: prepared.skipped.len(),
            };
            Ok((r, None))
        })
        .collect::<Result<_, EngineError>>()?;
    let mut unscored = Vec::new();
    let mut models: Vec<ModelResult> = Vec::with_capacity(per_model.len());
    for (r, w) in per_model {
        models.extend([r]);
        unscored.extend(w);
    }
    let warnings: Vec<String> = unscored_warning(&config.name, &unscored)
        .into_iter()
        .collect();
    let means: Vec<f64> = models.iter().map(|m| m.mean_score).collect();
    for (m, rank) in models.iter_mut().zip(rank_descending(&means)) {
        m.rank = rank;
    }
    let factor_of = |round: &str| pf.for_round(round).unwrap_or(f64::NAN);
    let round_results = rounds
        .iter()
        .enumerate()
        .map(|(t, round)| {
            let p: Vec<f64> = models.iter().map(|m| m.payouts[t]).collect();
            round_result(&p, factor_of(round))
        })
        .collect();
    Ok((
        ConfigResult {
            config: config.clone(),
            models,
            rounds: round_results,
        },
        warnings,
    ))
}

/// Models named in a warning about a configuration; the rest are counted.
const NAMED_MODELS: usize = 5;

/// One warning for every model of a configuration that has no scored round (its score is
/// NaN in every era), counting them and naming the first few, rather than a line per model
/// (thousands in a tournament archive).
fn unscored_warning(config: &str, models: &[String]) -> Option<String> {
    let (first, rest) = models.split_at(models.len().min(NAMED_MODELS));
    let named = first
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match (first.len(), rest.len()) {
        (0, _) => None,
        (1, _) => Some(format!(
            "configuration '{config}': model {named} has no scored round (its score is NaN in \
             every era); it keeps its stake"
        )),
        (n, 0) => Some(format!(
            "configuration '{config}': {n} models have no scored round (their score is NaN \
             in every era): {named}; they keep their stakes"
        )),
        (n, more) => Some(format!(
            "configuration '{config}': {} models have no scored round (their score is NaN \
             in every era): {named} and {more} more; they keep their stakes",
            n + more
        )),
    }
}

fn round_result(payouts: &[f64], payout_factor: f64) -> RoundResult {
    let positive: Vec<f64> = payouts.iter().map(|p| p.max(0.0)).collect();
    RoundResult {
        paid: positive.iter().sum(),
        burned: -payouts.iter().filter(|p| **p < 0.0).sum::<f64>(),
        payout_factor,
        top1_share: top_share(&positive, 0.01),
        top10_share: top_share(&positive, 0.10),
        gini: gini(&positive),
    }
}

/// Ranks, 1 for the largest value; NaN ranks last; equal values keep their input order.
pub fn rank_descending(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (values[a], values[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => y.total_cmp(&x),
        }
        .then(a.cmp(&b))
    });
    let mut rank = vec![0; values.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

/// Gini coefficient of non-negative amounts: `Σ_i (2i − n − 1) x_(i) / (n Σ x)` over the
/// amounts sorted ascending (i from 1). 0 when all are equal, `1 − 1/n` when one holds
/// everything; NaN when nothing is held.
pub fn gini(amounts: &[f64]) -> f64 {
    let n = amounts.len();
    let total: f64 = amounts.iter().sum();
    if n == 0 || total <= 0.0 {
        return f64::NAN;
    }
    let mut x = amounts.to_vec();
    x.sort_by(f64::total_cmp);
    let weighted: f64 = x
        .iter()
        .enumerate()
        .map(|(i, v)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * v)
        .sum();
    weighted / (n as f64 * total)
}

/// Share of the total held by the largest `ceil(share × n)` amounts (at least one); NaN when
/// nothing is held.
pub fn top_share(amounts: &[f64], share: f64) -> f64 {
    let total: f64 = amounts.iter().sum();
    if amounts.is_empty() || total <= 0.0 {
        return f64::NAN;
    }
    let k = ((share * amounts.len() as f64).ceil() as usize).clamp(1, amounts.len());
    let mut x = amounts.to_vec();
    x.sort_by(|a, b| b.total_cmp(a));
    x[..k].iter().sum::<f64>() / total
}

/// Models ordered by how much more they are paid under `b` than under `a` (total payout,
/// largest gain first; ties in model order): winners from the front, losers from the back.
pub fn by_payout_change(a: &ConfigResult, b: &ConfigResult) -> Vec<usize> {
    let change = |m: usize| b.models[m].total_payout - a.models[m].total_payout;
    let mut order: Vec<usize> = (0..a.models.len()).collect();
    order.sort_by(|&x, &y| change(y).total_cmp(&change(x)).then(x.cmp(&y)));
    order
}

/// Spearman correlation over the pairs where both values are finite.
pub fn spearman_finite(a: &[f64], b: &[f64]) -> f64 {
    let (x, y): (Vec<f64>, Vec<f64>) = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (*x, *y))
        .unzip();
    spearman(&x, &y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_payout::Preset;

    #[test]
    fn formulas_parse() {
        let f = ScoreFormula::parse("0.5 * corr + 2 * mmc").unwrap();
        assert_eq!(f.terms, vec![(0.5, Metric::Corr), (2.0, Metric::Mmc)]);
        let f = ScoreFormula::parse("corr_tb200").unwrap();
        assert_eq!(f.terms, vec![(1.0, Metric::CorrTopBottom(200))]);
        let f = ScoreFormula::parse("0.5 * corr + 2 * bmc").unwrap();
        assert_eq!(f.terms, vec![(0.5, Metric::Corr), (2.0, Metric::Bmc)]);
        let f = ScoreFormula::parse("-1e-1*fnc - mmc*3").unwrap();
        assert_eq!(f.terms, vec![(-0.1, Metric::Fnc), (-3.0, Metric::Mmc)]);
        for bad in [
            "",
            "0.5 * cor",
            "corr + corr",
            "corr + mmc + fnc",
            "x * y",
            "2 *",
            "alpha",
            "corr + mpc",
            "inf * corr",
        ] {
            assert!(ScoreFormula::parse(bad).is_err(), "{bad}");
        }
        let e = ScoreFormula::parse("0.5 * cor + mmc").unwrap_err();
        assert!(e.contains("'cor'"), "{e}");
    }

    /// A `0.5 * corr + 2 * bmc` configuration's per-era scores are, bit for bit, the `corr`
    /// and `bmc` columns of a `score` run with the same benchmark (missing on some rows),
    /// and a bmc configuration without a benchmark is refused by name.
    #[test]
    fn bmc_scores_are_those_of_score() {
        use erascore_io::dataset::TargetColumn;
        use erascore_io::FloatWidth;
        use std::path::PathBuf;

        let n = 60;
        let ids: Strings = (0..n).map(|r| format!("i{r:03}")).collect();
        let data = Dataset {
            path: PathBuf::from("data.parquet"),
            ids: ids.clone(),
            eras: (0..n).map(|r| (r / 30) as u32).collect(),
            era_names: vec!["0001".into(), "0002".into()],
            feature_names: Vec::new(),
            features: Vec::new(),
            targets: vec![TargetColumn {
                name: "target".into(),
                values: (0..n).map(|r| ((r * 7) % 5) as f64 / 4.0).collect(),
                width: FloatWidth::F64,
            }],
        };
        let models: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let preds = Predictions {
            path: PathBuf::from("preds.csv"),
            ids: ids.clone(),
            eras: None,
            models: models.clone(),
            values: (0..3)
                .map(|m| {
                    (0..n)
                        .map(|r| ((r * 13 + m * 7) % 31) as f64 / 31.0 + (r as f64).sin() / 9.0)
                        .collect()
                })
                .collect(),
        };
        let bench = Reference {
            path: PathBuf::from("benchmark.csv"),
            column: "benchmark".into(),
            ids,
            eras: None,
            values: (0..n)
                .map(|r| {
                    if r % 11 == 3 {
                        f64::NAN
                    } else {
                        ((r * 17) % 29) as f64 / 29.0
                    }
                })
                .collect(),
        };
        let want = crate::score::score(
            &ScoreInputs {
                data: &data,
                predictions: &preds,
                meta_model: None,
                benchmark: Some(&bench),
                example: None,
                signals: crate::signals::SignalsInputs::default(),
            },
            &ScoreConfig {
                metrics: vec![Metric::Corr, Metric::Bmc],
                targets: vec!["target".into()],
                max_filtered_ratio: 0.2,
                target_pow15: true,
            },
            &|| {},
        )
        .unwrap();
        let formula = ScoreFormula::parse("0.5 * corr + 2 * bmc").unwrap();
        let config = CompareConfig::new(
            "corr-bmc",
            "target",
            Rule::new(Preset::Custom, &Default::default()).unwrap(),
            Some(&formula),
            MetaModelSpec::default(),
            FactorSpec::Constant(1.0),
        )
        .unwrap();
        let load = |_: &[String]| Ok(preds.clone());
        let stakes = [(0, 1.0), (1, 2.0), (2, 3.0)];
        let inputs = CompareInputs {
            data: &data,
            models: &models,
            load: &load,
            by_era: None,
            max_values: usize::MAX,
            stakes: &stakes,
            stake_changes: &[],
            max_filtered_ratio: 0.2,
            target_pow15: true,
            benchmark: Some(&bench),
        };
        let got = compare_scores(&inputs, std::slice::from_ref(&config), None, &|| {}).unwrap();
        assert_eq!(got.rounds, ["0001", "0002"]);
        for (m, name) in models.iter().enumerate() {
            let series = got.series[0][m].as_ref().unwrap();
            let rows: Vec<&crate::score::EraScore> =
                want.rows.iter().filter(|r| &r.model == name).collect();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let corr: Vec<f64> = rows.iter().map(|r| r.values[0]).collect();
            let bmc: Vec<f64> = rows.iter().map(|r| r.values[1]).collect();
            assert!(bmc.iter().all(|x| x.is_finite() && *x != 0.0), "{bmc:?}");
            assert_eq!(bits(&series.corr), bits(&corr), "{name}");
            assert_eq!(bits(series.mmc.as_deref().unwrap()), bits(&bmc), "{name}");
        }
        let no_bench = CompareInputs {
            benchmark: None,
            ..inputs
        };
        let e = compare_scores(&no_bench, &[config], None, &|| {}).unwrap_err();
        assert!(e.to_string().contains("'corr-bmc'"), "{e}");
    }

    /// One model, lag 1, cap 1, score = CORR: 10 NMR, a deposit to 20 NMR in round 2, where
    /// its score is NaN, so the deposit applies at round 3.
    /// round  score  stake at risk            payout
    /// 1      0.1    10                       1
    /// 2      NaN    (skipped)                0
    /// 3      0.1    10 + 1 = 11, set to 20   2
    /// 4      0.1    20 + 2 = 22              2.2
    /// final 22 + 2.2 = 24.2; total payout 1 + 2 + 2.2 = 5.2 (not 24.2 − 10)
    #[test]
    fn stake_changes_hand_checked() {
        use erascore_payout::RuleOverrides;
        let rule = Rule::new(
            Preset::Custom,
            &RuleOverrides {
                cap: Some(1.0),
                resolve_lag: Some(1),
                ..RuleOverrides::default()
            },
        )
        .unwrap();
        let formula = ScoreFormula::parse("1 * corr").unwrap();
        let config = CompareConfig::new(
            "c",
            "target",
            rule,
            Some(&formula),
            MetaModelSpec::default(),
            FactorSpec::Constant(1.0),
        )
        .unwrap();
        let rounds: Vec<String> = ["r1", "r2", "r3", "r4"].map(String::from).to_vec();
        let scores = |changes: &[StakeChange]| {
            let series = vec![vec![Some(ModelScores {
                model: "m".into(),
                rounds: rounds.clone(),
                corr: vec![0.1, f64::NAN, 0.1, 0.1],
                mmc: None,
            })]];
            let scores = CompareScores {
                rounds: rounds.clone(),
                series,
                warnings: Vec::new(),
                chunks: 1,
            };
            compare_report_with_changes(
                &["m".to_string()],
                &[(0, 10.0)],
                changes,
                std::slice::from_ref(&config),
                scores,
            )
        };
        let change = |round: &str, stake: f64| StakeChange {
            model: 0,
            round: round.into(),
            stake,
        };
        let r = scores(&[change("r2", 20.0)]).unwrap();
        let m = &r.configs[0].models[0];
        assert!((m.final_stake - 24.2).abs() < 1e-12, "{m:?}");
        assert!((m.total_payout - 5.2).abs() < 1e-12, "{m:?}");
        let p = &m.payouts;
        assert!((p[0] - 1.0).abs() < 1e-12 && p[1] == 0.0 && (p[2] - 2.0).abs() < 1e-12);
        assert_eq!(m.stake0, 10.0);
        // Without changes: 10 → 11 → 12.1 → 13.31, total payout = final − start.
        let r = scores(&[]).unwrap();
        let m = &r.configs[0].models[0];
        assert!((m.final_stake - 13.31).abs() < 1e-12, "{m:?}");
        assert_eq!(m.total_payout, m.final_stake - 10.0);
        let e = scores(&[change("r9", 5.0)]).unwrap_err().to_string();
        assert!(e.contains("'m'") && e.contains("'r9'"), "{e}");
    }

    #[test]
    fn gini_and_top_share_hand_checked() {
        assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0]), 0.0);
        // One of four holds everything: 1 - 1/4.
        assert!((gini(&[0.0, 0.0, 0.0, 8.0]) - 0.75).abs() < 1e-15);
        // [1, 2, 3]: (−2·1 + 0·2 + 2·3) / (3·6) = 4/18.
        assert!((gini(&[3.0, 1.0, 2.0]) - 4.0 / 18.0).abs() < 1e-15);
        assert!(gini(&[0.0, 0.0]).is_nan());
        // 200 amounts: top 1% is the 2 largest.
        let mut v = vec![1.0; 198];
        v.extend([100.0, 2.0]);
        assert!((top_share(&v, 0.01) - 102.0 / 300.0).abs() < 1e-15);
        assert_eq!(top_share(&[5.0], 0.01), 1.0);
    }

    #[test]
    fn unscored_models_make_one_warning_per_configuration() {
        assert_eq!(unscored_warning("a", &[]), None);
        let one = unscored_warning("a", &["m1".to_string()]).unwrap();
        assert!(one.contains("model 'm1' has no scored round"), "{one}");
        let models: Vec<String> = (0..1200).map(|i| format!("m{i}")).collect();
        let many = unscored_warning("b", &models).unwrap();
        assert!(
            many.starts_with(
                "configuration 'b': 1200 models have no scored round (their score is NaN in \
                 every era): 'm0', 'm1', 'm2', 'm3', 'm4' and 1195 more"
            ),
            "{many}"
        );
        let three = unscored_warning("c", &models[..3]).unwrap();
        assert!(
            three.contains("3 models") && three.contains("'m2'; they keep"),
            "{three}"
        );
    }

    #[test]
    fn ranks_put_nan_last_and_keep_ties_in_order() {
        assert_eq!(
            rank_descending(&[0.1, f64::NAN, 0.3, 0.1]),
            vec![2, 4, 1, 3]
        );
    }

    #[test]
    fn meta_model_weights() {
        let stakes = [(0, 5.0), (1, 0.0), (2, 50.0), (3, 0.5)];
        let spec = MetaModelSpec::default();
        assert_eq!(spec.weights(&stakes), vec![(0, 5.0), (2, 50.0), (3, 0.5)]);
        let naive = MetaModelSpec {
            kind: MetaModelKind::Naive,
            min_stake: 1.0,
            stake_cap: None,
        };
        assert_eq!(naive.weights(&stakes), vec![(0, 1.0), (2, 1.0)]);
        let capped = MetaModelSpec {
            stake_cap: Some(10.0),
            ..spec
        };
        assert_eq!(capped.weights(&stakes)[1], (2, 10.0));
    }

    #[test]
    fn presets_pick_their_metrics() {
        let c = CompareConfig::new(
            "a",
            "target",
            Preset::Y2024.defaults(),
            None,
            MetaModelSpec::default(),
            FactorSpec::Constant(1.0),
        )
        .unwrap();
        assert_eq!((c.first, c.second), (Metric::Corr, Some(Metric::Mmc)));
        assert_eq!(c.formula(), "0.5 * corr + 2 * mmc");
        let w = CompareConfig::new(
            "w",
            "target",
            Preset::Weekly2021.defaults(),
            None,
            MetaModelSpec::default(),
            FactorSpec::Constant(1.0),
        )
        .unwrap();
        assert_eq!(w.second, None);
        assert!(!w.needs_meta_model());
        let e = CompareConfig::new(
            "s",
            "target",
            Preset::Signals2025.defaults(),
            None,
            MetaModelSpec::default(),
            FactorSpec::Constant(1.0),
        )
        .unwrap_err();
        assert!(e.contains("compare cannot score"), "{e}");
        // A formula the preset does not allow.
        let f = ScoreFormula::parse("1 * corr + 1 * mmc").unwrap();
        let e = CompareConfig::new(
            "y",
            "target",
            Preset::Y2024.defaults(),
            Some(&f),
            MetaModelSpec::default(),
            FactorSpec::Constant(1.0),
        )
        .unwrap_err();
        assert!(e.contains("--rule custom"), "{e}");
        let e = CompareConfig::new(
            "c",
            "target",
            Preset::Custom.defaults(),
            None,
            MetaModelSpec::default(),
            FactorSpec::TotalStake,
        )
        .unwrap_err();
        assert!(e.contains("threshold"), "{e}");
    }
}
