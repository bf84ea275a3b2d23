//! `erascore compare`: what rule B does, compared with rule A, to every model and to the
//! tournament, from one archive and a TOML file of configurations.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use serde::Deserialize;
use serde_json::{json, Value};

use erascore_engine::compare::{
    by_payout_change, compare, scoring_groups, spearman_finite, CompareConfig, CompareInputs,
    CompareReport, ConfigResult, FactorSpec, MetaModelKind, MetaModelSpec, ScoreFormula,
};
use erascore_engine::inputs::{check_model_names, Predictions, NON_MODEL_COLUMNS};
use erascore_engine::EngineError;
use erascore_io::dataset::{read_dataset, DatasetRequest, FeatureSelection};
use erascore_io::frame::column_names;
use erascore_io::frame::{write_frame_unstaged, Column, Frame, Values};
use erascore_io::output::OutputDir;
use erascore_io::FloatWidth;
use erascore_io::Strings;
use erascore_payout::factor::factor_from_total;
use erascore_payout::{Preset, Rule, RuleOverrides};

use crate::common::{fmt, progress, table, usage};
use crate::inputs::read_predictions;

/// The files of a compare output folder.
pub const FILES: [&str; 4] = [
    "per_model.parquet",
    "per_round.parquet",
    "compare.json",
    "report.html",
];

/// How many models each winners/losers list and flip list names.
const LISTED: usize = 10;

/// Flags of `erascore compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Data parquet in the Numerai v5 layout (id, era, targets; features for fnc).
    #[arg(long)]
    pub data: PathBuf,
    /// Predictions, wide: id (and era) plus one column per model.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Starting stakes (CSV or parquet: model,stake); every model needs one.
    #[arg(long)]
    pub stakes: PathBuf,
    /// The configurations to compare (TOML, `[[config]]` tables).
    #[arg(long)]
    pub configs: PathBuf,
    /// Output folder: created, or replaced as a whole (it may hold only a previous
    /// compare output).
    #[arg(long)]
    pub out: PathBuf,
    /// Share of ids that alignment may drop before it is an error (numerai-tools: 0.2).
    #[arg(long, default_value_t = 0.2)]
    pub max_filtered_ratio: f64,
    /// Do not raise the centred target to the 1.5 power in CORR.
    #[arg(long)]
    pub no_target_pow15: bool,
    /// Most prediction values (models × data rows) held in memory at once; more models
    /// are read in chunks (two passes over the file, same numbers).
    #[arg(long, default_value_t = 150_000_000)]
    pub max_values: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

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
    if file.config.is_empty() {
        bail!("{}: no [[config]] tables", path.display());
    }
    let mut out: Vec<CompareConfig> = Vec::with_capacity(file.config.len());
    for raw in file.config {
        let name = raw.name.trim().to_string();
        let at = |msg: String| anyhow::anyhow!("{}: config '{name}': {msg}", path.display());
        if name.is_empty() {
            bail!("{}: a config has an empty name", path.display());
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

/// Runs `erascore compare`.
pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let (configs, staged) = (|| -> anyhow::Result<_> {
        if !(0.0..1.0).contains(&args.max_filtered_ratio) {
            bail!(
                "--max-filtered-ratio must be in [0, 1), got {}",
                args.max_filtered_ratio
            );
        }
        let configs = read_configs(&args.configs).context("--configs")?;
        let staged = OutputDir::stage(&args.out, &FILES).context("--out")?;
        Ok((configs, staged))
    })()
    .map_err(usage)?;
    let mut targets: Vec<String> = Vec::new();
    for c in &configs {
        if !targets.contains(&c.target) {
            targets.push(c.target.clone());
        }
    }
    let features = configs
        .iter()
        .any(|c| c.metrics().iter().any(|m| m.needs_features()));
    let request = DatasetRequest {
        features: if features {
            FeatureSelection::All
        } else {
            FeatureSelection::None
        },
        targets,
    };
    let started = std::time::Instant::now();
    let data = read_dataset(&args.data, &request)?;
    let models: Vec<String> = column_names(&args.predictions)?
        .into_iter()
        .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
        .collect();
    check_model_names(&models).with_context(|| format!("{}", args.predictions.display()))?;
    // The stakes file mapped onto the model columns, exactly as `score --stakes` maps it.
    let columns = Predictions {
        path: args.predictions.clone(),
        ids: Strings::default(),
        eras: None,
        models: models.clone(),
        values: Vec::new(),
    };
    let stakes = crate::stakes::read_column_stakes(&args.stakes, &columns)?;
    if !args.quiet {
        eprintln!(
            "{} models, {} eras, {} rows (data read in {:.1} s)",
            models.len(),
            data.era_names.len(),
            data.ids.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let load = |m: &[String]| {
        read_predictions(&args.predictions, Some(m))
            .map_err(|e| EngineError::Config(format!("{e:#}")))
    };
    let passes = scoring_groups(&configs).len();
    let bar = progress(data.era_names.len() * passes, "scoring", args.quiet);
    let inputs = CompareInputs {
        data: &data,
        models: &models,
        load: &load,
        max_values: args.max_values,
        stakes: &stakes,
        max_filtered_ratio: args.max_filtered_ratio,
        target_pow15: !args.no_target_pow15,
    };
    let report = compare(&inputs, &configs, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for w in report.warnings.iter().take(20) {
        eprintln!("warning: {w}");
    }
    if report.warnings.len() > 20 {
        eprintln!("({} more warnings)", report.warnings.len() - 20);
    }
    let dir = staged.path().to_path_buf();
    let per_model = dir.join(FILES[0]);
    write_frame_unstaged(
        &per_model,
        &per_model_frame(&per_model, &report)?,
        &per_model,
    )?;
    let per_round = dir.join(FILES[1]);
    write_frame_unstaged(
        &per_round,
        &per_round_frame(&per_round, &report)?,
        &per_round,
    )?;
    let json_path = dir.join(FILES[2]);
    let text = serde_json::to_string_pretty(&summary_json(&report))?;
    std::fs::write(&json_path, text + "\n")
        .with_context(|| format!("{}", args.out.join(FILES[2]).display()))?;
    let html_path = dir.join(FILES[3]);
    std::fs::write(&html_path, erascore_report::compare::html(&report))
        .with_context(|| format!("{}", args.out.join(FILES[3]).display()))?;
    staged.commit()?;
    print!("{}", summary_table(&report));
    if !args.quiet {
        eprintln!(
            "{} configurations, {} scoring pass(es) over {} chunk(s) of models, {:.1} s; wrote {}",
            configs.len(),
            report.scoring_passes,
            report.chunks,
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}

fn text(values: impl IntoIterator<Item = String>) -> Values {
    Values::Text(values.into_iter().collect())
}

fn float(values: impl IntoIterator<Item = f64>) -> Values {
    Values::Float(values.into_iter().collect(), FloatWidth::F64)
}

fn col(name: &str, values: Values) -> Column {
    Column {
        name: name.into(),
        values,
    }
}

/// One row per (configuration, model).
fn per_model_frame(path: &Path, r: &CompareReport) -> anyhow::Result<Frame> {
    let rows = || {
        r.configs
            .iter()
            .flat_map(|c| c.models.iter().enumerate().map(move |(m, x)| (c, m, x)))
    };
    Ok(Frame::new(
        path,
        vec![
            col("model", text(rows().map(|(_, m, _)| r.models[m].clone()))),
            col(
                "config",
                text(rows().map(|(c, _, _)| c.config.name.clone())),
            ),
            col("mean_score", float(rows().map(|(_, _, x)| x.mean_score))),
            col("sharpe", float(rows().map(|(_, _, x)| x.sharpe))),
            col("hit_rate", float(rows().map(|(_, _, x)| x.hit_rate))),
            col("stake", float(rows().map(|(_, _, x)| x.stake0))),
            col(
                "total_payout",
                float(rows().map(|(_, _, x)| x.total_payout)),
            ),
            col("final_stake", float(rows().map(|(_, _, x)| x.final_stake))),
            col("rank", float(rows().map(|(_, _, x)| x.rank as f64))),
            col(
                "skipped_rounds",
                float(rows().map(|(_, _, x)| x.skipped as f64)),
            ),
        ],
    )?)
}

/// One row per (configuration, round).
fn per_round_frame(path: &Path, r: &CompareReport) -> anyhow::Result<Frame> {
    let rows = || {
        r.configs
            .iter()
            .flat_map(|c| c.rounds.iter().enumerate().map(move |(t, x)| (c, t, x)))
    };
    Ok(Frame::new(
        path,
        vec![
            col("round", text(rows().map(|(_, t, _)| r.rounds[t].clone()))),
            col(
                "config",
                text(rows().map(|(c, _, _)| c.config.name.clone())),
            ),
            col("paid", float(rows().map(|(_, _, x)| x.paid))),
            col("burned", float(rows().map(|(_, _, x)| x.burned))),
            col("net", float(rows().map(|(_, _, x)| x.paid - x.burned))),
            col(
                "payout_factor",
                float(rows().map(|(_, _, x)| x.payout_factor)),
            ),
            col("top1_share", float(rows().map(|(_, _, x)| x.top1_share))),
            col("top10_share", float(rows().map(|(_, _, x)| x.top10_share))),
            col("gini", float(rows().map(|(_, _, x)| x.gini))),
        ],
    )?)
}

/// Totals of one configuration over every model and round.
struct Totals {
    paid: f64,
    burned: f64,
    stake0: f64,
    final_stake: f64,
    weighted_score: f64,
}

fn totals(c: &ConfigResult) -> Totals {
    let (mut ws, mut w) = (0.0, 0.0);
    for m in c.models.iter().filter(|m| m.mean_score.is_finite()) {
        ws += m.stake0 * m.mean_score;
        w += m.stake0;
    }
    Totals {
        paid: c.rounds.iter().map(|r| r.paid).sum(),
        burned: c.rounds.iter().map(|r| r.burned).sum(),
        stake0: c.models.iter().map(|m| m.stake0).sum(),
        final_stake: c.models.iter().map(|m| m.final_stake).sum(),
        weighted_score: if w > 0.0 { ws / w } else { f64::NAN },
    }
}

fn config_json(c: &ConfigResult) -> Value {
    let t = totals(c);
    let k = &c.config;
    json!({
        "name": k.name,
        "rule": k.rule.preset.name(),
        "score": k.formula(),
        "target": k.target,
        "meta_model": k.needs_meta_model().then(|| k.meta_model.label()),
        "cap": k.rule.cap,
        "resolve_lag": k.rule.resolve_lag,
        "payout_factor": c.rounds.first().map(|r| r.payout_factor),
        "total_paid": t.paid,
        "total_burned": t.burned,
        "net": t.paid - t.burned,
        "stake_start": t.stake0,
        "stake_final": t.final_stake,
        "stake_weighted_mean_score": t.weighted_score,
    })
}

/// The comparison of configurations `a` and `b`.
fn pair_json(r: &CompareReport, a: &ConfigResult, b: &ConfigResult) -> Value {
    let field = |c: &ConfigResult, f: fn(&erascore_engine::compare::ModelResult) -> f64| {
        c.models.iter().map(f).collect::<Vec<f64>>()
    };
    let (pa, pb) = (field(a, |m| m.total_payout), field(b, |m| m.total_payout));
    let flips = |from: fn(f64) -> bool, to: fn(f64) -> bool| {
        let models: Vec<&String> = (0..r.models.len())
            .filter(|&m| from(pa[m]) && to(pb[m]))
            .map(|m| &r.models[m])
            .collect();
        json!({"count": models.len(), "models": models.iter().take(LISTED).collect::<Vec<_>>()})
    };
    let earn = |x: f64| x > 0.0;
    let burn = |x: f64| x < 0.0;
    let by_nmr = by_payout_change(a, b);
    let nmr_entry =
        |m: usize| json!({"model": r.models[m], "a": pa[m], "b": pb[m], "change": pb[m] - pa[m]});
    let shift = |m: usize| a.models[m].rank as i64 - b.models[m].rank as i64;
    let mut by_rank: Vec<usize> = (0..r.models.len()).collect();
    by_rank.sort_by(|&x, &y| shift(y).cmp(&shift(x)).then(x.cmp(&y)));
    let rank_entry = |m: usize| {
        json!({"model": r.models[m], "rank_a": a.models[m].rank, "rank_b": b.models[m].rank,
               "shift": shift(m)})
    };
    let (ta, tb) = (totals(a), totals(b));
    json!({
        "a": a.config.name,
        "b": b.config.name,
        "spearman_mean_score": spearman_finite(&field(a, |m| m.mean_score), &field(b, |m| m.mean_score)),
        "spearman_total_payout": spearman_finite(&pa, &pb),
        "earn_to_burn": flips(earn, burn),
        "burn_to_earn": flips(burn, earn),
        "winners_by_nmr": by_nmr.iter().take(LISTED).map(|&m| nmr_entry(m)).collect::<Vec<_>>(),
        "losers_by_nmr": by_nmr.iter().rev().take(LISTED).map(|&m| nmr_entry(m)).collect::<Vec<_>>(),
        "winners_by_rank": by_rank.iter().take(LISTED).map(|&m| rank_entry(m)).collect::<Vec<_>>(),
        "losers_by_rank": by_rank.iter().rev().take(LISTED).map(|&m| rank_entry(m)).collect::<Vec<_>>(),
        "net_a": ta.paid - ta.burned,
        "net_b": tb.paid - tb.burned,
        "stake_weighted_mean_score_a": ta.weighted_score,
        "stake_weighted_mean_score_b": tb.weighted_score,
    })
}

fn summary_json(r: &CompareReport) -> Value {
    let mut pairs = Vec::new();
    for (i, a) in r.configs.iter().enumerate() {
        for b in &r.configs[i + 1..] {
            pairs.push(pair_json(r, a, b));
        }
    }
    json!({
        "models": r.models.len(),
        "rounds": r.rounds.len(),
        "scoring_passes": r.scoring_passes,
        "configs": r.configs.iter().map(config_json).collect::<Vec<_>>(),
        "pairs": pairs,
    })
}

fn summary_table(r: &CompareReport) -> String {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let rows: Vec<Vec<String>> = r
        .configs
        .iter()
        .map(|c| {
            let t = totals(c);
            vec![
                c.config.name.clone(),
                c.config.formula(),
                fmt(t.weighted_score),
                fmt(t.paid),
                fmt(t.burned),
                fmt(t.paid - t.burned),
                fmt(t.final_stake),
            ]
        })
        .collect();
    let mut out = table(
        &s(&[
            "config",
            "score",
            "mean score (stake-weighted)",
            "paid",
            "burned",
            "net",
            "final stake",
        ]),
        &rows,
        2,
    );
    let summary = summary_json(r);
    let pairs = summary["pairs"].as_array().cloned().unwrap_or_default();
    if !pairs.is_empty() {
        let num = |v: &Value| v.as_f64().map_or_else(String::new, fmt);
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|p| {
                vec![
                    p["a"].as_str().unwrap_or_default().to_string(),
                    p["b"].as_str().unwrap_or_default().to_string(),
                    num(&p["spearman_mean_score"]),
                    num(&p["spearman_total_payout"]),
                    p["earn_to_burn"]["count"].to_string(),
                    p["burn_to_earn"]["count"].to_string(),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table(
            &s(&[
                "a",
                "b",
                "spearman score",
                "spearman payout",
                "earn->burn",
                "burn->earn",
            ]),
            &rows,
            2,
        ));
    }
    out
}
