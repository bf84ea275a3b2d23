//! The configurations of `erascore compare` for every front end (the CLI command,
//! `erascore.compare` in Python): a TOML file of `[[config]]` tables, or the same document as
//! JSON, read and checked into [`CompareConfig`]s, and what the data must hold for them.

use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

use erascore_io::dataset::{DatasetRequest, FeatureSelection};
use erascore_payout::factor::factor_from_total;
use erascore_payout::{Preset, Rule, RuleOverrides};

use crate::compare::{CompareConfig, FactorSpec, MetaModelKind, MetaModelSpec, ScoreFormula};
use crate::inputs::NON_MODEL_COLUMNS;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    config: Vec<RawConfig>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TotalAtRisk {
    Amount(f64),
    Named(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    rule: Option<String>,
    score: Option<String>,
    cap: Option<f64>,
    threshold: Option<f64>,
    resolve_lag: Option<usize>,
    target: Option<String>,
    meta_model: Option<String>,
    min_stake: Option<f64>,
    stake_cap: Option<f64>,
    payout_factor: Option<f64>,
    total_at_risk: Option<TotalAtRisk>,
}

/// Reads and checks the TOML file of configurations; every error names the file and the
/// configuration.
pub fn read_configs(path: &Path) -> anyhow::Result<Vec<CompareConfig>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let file: RulesFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
    configs_of(&format!("{}: ", path.display()), file)
}

/// The configurations of a JSON document shaped like the TOML file (`{"config": [{...}]}`,
/// what the Python front end builds from the caller's dicts), checked as [`read_configs`]
/// checks them. Each configuration is decoded on its own, so an error names it by position
/// and name, not by a line of a document the caller never wrote.
pub fn configs_from_json(text: &str) -> anyhow::Result<Vec<CompareConfig>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Document {
        #[serde(default)]
        config: Vec<serde_json::Value>,
    }
    let document: Document = serde_json::from_str(text)?;
    let config = document
        .config
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let named = match value.get("name").and_then(|n| n.as_str()) {
                Some(name) => format!(" ('{name}')"),
                None => String::new(),
            };
            serde_json::from_value::<RawConfig>(value)
                .map_err(|e| anyhow::anyhow!("configuration #{}{named}: {e}", i + 1))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    configs_of("", RulesFile { config })
}

/// `prefix` leads every message: the file's name and a colon, or nothing.
fn configs_of(prefix: &str, file: RulesFile) -> anyhow::Result<Vec<CompareConfig>> {
    if file.config.is_empty() {
        let none = if prefix.is_empty() {
            "no configurations given"
        } else {
            "no [[config]] tables"
        };
        bail!("{prefix}{none}");
    }
    let mut out: Vec<CompareConfig> = Vec::with_capacity(file.config.len());
    for raw in file.config {
        let name = raw.name.trim().to_string();
        let at = |msg: String| anyhow::anyhow!("{prefix}config '{name}': {msg}");
        if name.is_empty() {
            bail!("{prefix}a config has an empty name");
        }
        if out.iter().any(|c| c.name == name) {
            return Err(at("the name is used twice".into()));
        }
        let config = parse_config(&raw).map_err(at)?;
        out.push(config);
    }
    Ok(out)
}

fn parse_config(raw: &RawConfig) -> Result<CompareConfig, String> {
    let preset = match (&raw.rule, &raw.score) {
        (Some(r), _) => r.parse::<Preset>().map_err(|e| e.to_string())?,
        (None, Some(_)) => Preset::Custom,
        (None, None) => return Err("give a rule (a payout preset) or a score formula".into()),
    };
    let formula = raw
        .score
        .as_deref()
        .map(|s| ScoreFormula::parse(s).map_err(|e| format!("score '{s}': {e}")))
        .transpose()?;
    let rule = Rule::new(
        preset,
        &RuleOverrides {
            cap: raw.cap,
            resolve_lag: raw.resolve_lag,
            threshold: raw.threshold,
            ..RuleOverrides::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let target = raw.target.clone().unwrap_or_else(|| "target".into());
    if target.trim().is_empty()
        || NON_MODEL_COLUMNS.contains(&target.as_str())
        || target.starts_with("feature_")
    {
        return Err(format!("target '{target}' is not a target column"));
    }
    let kind = match raw.meta_model.as_deref().unwrap_or("stake") {
        "stake" => MetaModelKind::Stake,
        "naive" => MetaModelKind::Naive,
        other => {
            return Err(format!(
                "meta_model '{other}': expected \"stake\" or \"naive\""
            ))
        }
    };
    let min_stake = raw.min_stake.unwrap_or(0.0);
    if !(min_stake.is_finite() && min_stake >= 0.0) {
        return Err(format!(
            "min_stake {min_stake} must be a finite number >= 0"
        ));
    }
    if let Some(c) = raw.stake_cap {
        if kind == MetaModelKind::Naive {
            return Err("stake_cap applies to the stake-weighted meta model only".into());
        }
        if !(c.is_finite() && c > 0.0) {
            return Err(format!("stake_cap {c} must be a positive number"));
        }
    }
    let factor = match (raw.payout_factor, &raw.total_at_risk) {
        (Some(_), Some(_)) => return Err("give payout_factor or total_at_risk, not both".into()),
        (Some(f), None) => FactorSpec::Constant(f),
        (None, None) => FactorSpec::Constant(1.0),
        (None, Some(TotalAtRisk::Named(s))) if s == "stakes" => FactorSpec::TotalStake,
        (None, Some(TotalAtRisk::Named(s))) => {
            return Err(format!(
                "total_at_risk '{s}': expected a number of NMR or \"stakes\""
            ))
        }
        (None, Some(TotalAtRisk::Amount(x))) => {
            let t = rule.require_threshold().map_err(|e| e.to_string())?;
            FactorSpec::Constant(factor_from_total(t, *x, None).map_err(|e| e.to_string())?)
        }
    };
    CompareConfig::new(
        raw.name.trim(),
        &target,
        rule,
        formula.as_ref(),
        MetaModelSpec {
            kind,
            min_stake,
            stake_cap: raw.stake_cap,
        },
        factor,
    )
}

/// What the data must hold for `configs`: their targets, and every feature when one of them
/// scores fnc.
pub fn compare_request(configs: &[CompareConfig]) -> DatasetRequest {
    let mut targets: Vec<String> = Vec::new();
    for c in configs {
        if !targets.contains(&c.target) {
            targets.push(c.target.clone());
        }
    }
    let features = configs
        .iter()
        .any(|c| c.metrics().iter().any(|m| m.needs_features()));
    DatasetRequest {
        features: if features {
            FeatureSelection::All
        } else {
            FeatureSelection::None
        },
        targets,
    }
}
