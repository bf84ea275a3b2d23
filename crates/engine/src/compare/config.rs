//! A configuration of `compare`: its score formula, payout rule, target, meta model and
//! payout factor, and which configurations need the benchmark column.

use erascore_payout::{PayoutFactor, Rule};

use crate::meta_model::MetaModelSpec;
use crate::metrics::Metric;
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

/// Whether any configuration's formula scores BMC: the benchmark column is read only then.
pub fn scores_bmc(configs: &[CompareConfig]) -> bool {
    configs.iter().any(CompareConfig::needs_benchmark)
}

/// Refuses configurations of which one scores BMC when no benchmark was `given`, naming
/// [`Input::Benchmark`](crate::input::Input::Benchmark). The front ends check it with the
/// configurations, before any data is read ([`CompareRequest::resolve`](super::CompareRequest::resolve));
/// [`compare_scores`](super::compare_scores) checks it again.
pub fn require_benchmark(configs: &[CompareConfig], given: bool) -> Result<(), EngineError> {
    match configs.iter().find(|c| c.needs_benchmark()) {
        Some(c) if !given => Err(EngineError::Request(crate::message![
            format!(
                "configuration '{}': its score uses bmc, which needs ",
                c.name
            ),
            crate::input::Input::Benchmark
        ])),
        _ => Ok(()),
    }
}
