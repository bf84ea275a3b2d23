//! `erascore payout`: what a stake would have done, round by round, under a payout rule;
//! optionally how risky that was (block bootstrap), as a table, a trajectory file, a fan
//! chart and JSON.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use erascore_io::frame::{read_frame, write_frame_unstaged, Column, Frame, Values};
use erascore_io::output::{check_writable, OutputFiles};
use erascore_io::FloatWidth;
use erascore_payout::bootstrap::{DEFAULT_BLOCK, MAX_TRAJECTORIES};
use erascore_payout::chart::{self, FanChart};
use erascore_payout::series::{group_by_model, ModelScores};
use erascore_payout::simulate::check_stake;
use erascore_payout::{
    BootstrapOptions, ModelRun, NanPolicy, PayoutFactor, Preset, Quantiles, RoundMultipliers, Rule,
    RuleOverrides, RunRequest, StakeLimits, TrajectoryTable, TRAJECTORY_COLUMNS,
};

use crate::common::{check_outputs, fmt, table, usage};
use crate::stakes::read_stakes;

/// Flags of `erascore payout`.
#[derive(Args, Debug, Clone)]
pub struct PayoutArgs {
    /// Per-round scores (CSV or parquet), one row per (round, model): an `era` or `round`
    /// column, a `model` column and score columns, e.g. the output of `erascore score`.
    #[arg(long)]
    pub scores: PathBuf,
    /// Starting stake S0 of every model, in NMR.
    #[arg(
        long,
        required_unless_present = "stakes",
        conflicts_with = "stakes",
        allow_negative_numbers = true
    )]
    pub stake: Option<f64>,
    /// Starting stake per model (CSV or parquet with columns model,stake).
    #[arg(long)]
    pub stakes: Option<PathBuf>,
    /// Payout rule: weekly-2021, daily-2023, 2024, signals-2024, signals-2025, crypto or
    /// custom.
    #[arg(long)]
    pub rule: String,
    /// Column holding the first score (default: the rule's: corr; fnc for signals-2024,
    /// alpha for signals-2025).
    #[arg(long)]
    pub corr_col: Option<String>,
    /// Column holding the second score (default: the rule's: mmc; mpc for signals-2025;
    /// point it at a tc column for daily-2023's TC).
    #[arg(long)]
    pub mmc_col: Option<String>,
    /// Column giving the round order (default: `round` if present, else `era`).
    #[arg(long)]
    pub round_col: Option<String>,
    /// Column naming the model (a file without it is one model called "model").
    #[arg(long, default_value = "model")]
    pub model_col: String,
    /// Keep only rows whose `target` column is this (for score files with several targets).
    #[arg(long)]
    pub target: Option<String>,
    /// Per-round multipliers of a classic rule: CSV or parquet with a round (or era) column,
    /// corr_multiplier and mmc_multiplier.
    #[arg(long, conflicts_with_all = ["corr_multiplier", "mmc_multiplier"])]
    pub multipliers: Option<PathBuf>,
    /// Weight of the first score (overrides the rule's).
    #[arg(long, allow_negative_numbers = true)]
    pub corr_multiplier: Option<f64>,
    /// Weight of the second score (overrides the rule's; weekly-2021: 0, 0.5, 1 or 2).
    #[arg(long, allow_negative_numbers = true)]
    pub mmc_multiplier: Option<f64>,
    /// Largest share of the stake a round can win or burn, in (0, 1].
    #[arg(long, allow_negative_numbers = true)]
    pub cap: Option<f64>,
    /// Rounds until a round's payout joins the stake at risk (default 4).
    #[arg(long)]
    pub resolve_lag: Option<usize>,
    /// A fixed payout factor for every round (default 1).
    #[arg(long, allow_negative_numbers = true, conflicts_with_all = ["total_at_risk", "total_at_risk_csv"])]
    pub payout_factor: Option<f64>,
    /// Staking threshold T in NMR (overrides the rule's).
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Total NMR at risk X: payout factor min(1, T/X) for every round.
    #[arg(
        long,
        allow_negative_numbers = true,
        conflicts_with = "total_at_risk_csv"
    )]
    pub total_at_risk: Option<f64>,
    /// Per-round payout factors: CSV or parquet with a round (or era) column and either
    /// `total_at_risk` (factor min(1, T/X)) or `payout_factor`.
    #[arg(long)]
    pub total_at_risk_csv: Option<PathBuf>,
    /// Signals stake rule: a round whose churn (--churn-col) is at least this is not
    /// staked (payout 0). Numerai's limit: 0.15.
    #[arg(long, allow_negative_numbers = true)]
    pub max_churn: Option<f64>,
    /// Signals stake rule: a round whose turnover (--turnover-col) is at least this is not
    /// staked (payout 0). Numerai's limit: 0.25.
    #[arg(long, allow_negative_numbers = true)]
    pub max_turnover: Option<f64>,
    /// Column holding each round's (max) churn, for --max-churn.
    #[arg(long, default_value = "churn")]
    pub churn_col: String,
    /// Column holding each round's (max) turnover, for --max-turnover.
    #[arg(long, default_value = "turnover")]
    pub turnover_col: String,
    /// What to do with a NaN score: skip the round (with a warning), count it as 0, or stop.
    #[arg(long, value_enum, default_value_t = NanArg::Skip)]
    pub nan: NanArg,
    /// Trajectory output (.csv or .parquet): round, model, at_risk, score,
    /// payout_fraction, payout, stake.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Bootstrap this many trajectories per model (block bootstrap of the rounds).
    #[arg(long)]
    pub bootstrap: Option<usize>,
    /// Rounds per bootstrap block (default 10).
    #[arg(long, requires = "bootstrap")]
    pub block: Option<usize>,
    /// Bootstrap seed (default 0); the same seed gives the same result on any machine.
    #[arg(long, requires = "bootstrap")]
    pub seed: Option<u64>,
    /// Fan chart (.png or .svg); one file per model, named FILE_MODEL.ext, when there
    /// are several. Without --bootstrap it shows the actual trajectory only.
    #[arg(long)]
    pub chart: Option<PathBuf>,
    /// Summary (and bootstrap quantiles) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// `--nan` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanArg {
    /// Leave the round out, with a warning.
    Skip,
    /// Count the NaN score as 0.
    Zero,
    /// Stop with an error.
    Error,
}

impl From<NanArg> for NanPolicy {
    fn from(a: NanArg) -> Self {
        match a {
            NanArg::Skip => NanPolicy::Skip,
            NanArg::Zero => NanPolicy::Zero,
            NanArg::Error => NanPolicy::Error,
        }
    }
}

/// Where payout factors come from, once the flags are checked.
enum FactorSource {
    Fixed(PayoutFactor),
    PerRound(PathBuf),
}

/// Parsed and checked flags, before any file is read.
struct PayoutRequest {
    rule: Rule,
    limits: StakeLimits,
    corr_col: String,
    mmc_col: String,
    multipliers: Option<PathBuf>,
    factor: FactorSource,
    bootstrap: Option<BootstrapOptions>,
    /// Every output, staged: written under temporary names, renamed together at the end.
    outputs: OutputFiles,
    out_tmp: Option<PathBuf>,
    json_tmp: Option<PathBuf>,
}

fn check_flags(args: &PayoutArgs) -> anyhow::Result<PayoutRequest> {
    let preset: Preset = args.rule.parse()?;
    let rule = Rule::new(
        preset,
        &RuleOverrides {
            corr_multiplier: args.corr_multiplier,
            mmc_multiplier: args.mmc_multiplier,
            cap: args.cap,
            resolve_lag: args.resolve_lag,
            threshold: args.threshold,
        },
    )?;
    if let Some(s) = args.stake {
        check_stake(None, s)?;
    }
    let limits = StakeLimits {
        max_churn: args.max_churn,
        max_turnover: args.max_turnover,
    };
    limits.validate()?;
    let factor = match (
        args.payout_factor,
        args.total_at_risk,
        &args.total_at_risk_csv,
    ) {
        (Some(f), _, _) => FactorSource::Fixed(PayoutFactor::constant(f)?),
        (None, Some(x), _) => FactorSource::Fixed(PayoutFactor::from_total_at_risk(
            rule.require_threshold()?,
            x,
        )?),
        (None, None, Some(p)) => FactorSource::PerRound(p.clone()),
        (None, None, None) => FactorSource::Fixed(PayoutFactor::default()),
    };
    let bootstrap = match args.bootstrap {
        None => None,
        Some(n) => {
            let block = args.block.unwrap_or(DEFAULT_BLOCK);
            if n == 0 {
                bail!("--bootstrap needs at least 1 trajectory");
            }
            if block == 0 {
                bail!("--block must be at least 1 round");
            }
            if n > MAX_TRAJECTORIES {
                bail!("--bootstrap {n}: at most {MAX_TRAJECTORIES} trajectories");
            }
            Some(BootstrapOptions {
                trajectories: n,
                block,
                seed: args.seed.unwrap_or(0),
                fan: args.chart.is_some(),
            })
        }
    };
    if let Some(c) = &args.chart {
        chart::format_of(c)?;
    }
    let outputs: Vec<(&str, &Path)> = [
        ("--out", &args.out),
        ("--json", &args.json),
        ("--chart", &args.chart),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
    .collect();
    check_outputs(
        &outputs,
        &[
            ("--scores", Some(&args.scores)),
            ("--stakes", args.stakes.as_deref()),
            ("--total-at-risk-csv", args.total_at_risk_csv.as_deref()),
            ("--multipliers", args.multipliers.as_deref()),
        ],
    )?;
    let mut staged = OutputFiles::new();
    let mut stage = |flag: &str, path: &Option<PathBuf>| -> anyhow::Result<Option<PathBuf>> {
        path.as_deref()
            .map(|p| staged.stage(p).with_context(|| flag.to_string()))
            .transpose()
    };
    let out_tmp = stage("--out", &args.out)?;
    let json_tmp = stage("--json", &args.json)?;
    // Chart files are named per model once the models are known; the folder is checked now.
    if let Some(c) = &args.chart {
        check_writable(c).context("--chart")?;
    }
    let (corr_default, mmc_default) = preset.score_columns();
    Ok(PayoutRequest {
        rule,
        limits,
        corr_col: args.corr_col.clone().unwrap_or_else(|| corr_default.into()),
        mmc_col: args.mmc_col.clone().unwrap_or_else(|| mmc_default.into()),
        multipliers: args.multipliers.clone(),
        factor,
        bootstrap,
        outputs: staged,
        out_tmp,
        json_tmp,
    })
}

/// Runs `erascore payout`.
pub fn run(args: &PayoutArgs) -> anyhow::Result<()> {
    let mut plan = check_flags(args).map_err(usage)?;
    let per_round = args
        .multipliers
        .as_deref()
        .map(|p| read_round_multipliers(p, &plan.rule))
        .transpose()?;
    let series = read_series(args, &plan, per_round.as_ref())?;
    let unstaked = read_unstaked(args, &plan)?;
    let stakes = match (&args.stakes, args.stake) {
        (Some(p), _) => read_stakes(p)?,
        (None, Some(s)) => series.iter().map(|m| (m.model.clone(), s)).collect(),
        (None, None) => bail!("give --stake S0 or --stakes FILE"),
    };
    let factor = match &plan.factor {
        FactorSource::Fixed(f) => f.clone(),
        FactorSource::PerRound(p) => read_round_factors(p, &plan.rule)?,
    };
    let request = RunRequest {
        rule: &plan.rule,
        per_round: per_round.as_ref(),
        nan: args.nan.into(),
        corr_column: &plan.corr_col,
        mmc_column: &plan.mmc_col,
        factor: &factor,
        bootstrap: plan.bootstrap,
    };
    let runs = series
        .iter()
        .map(|m| {
            let stake0 = stakes
                .iter()
                .find(|(name, _)| *name == m.model)
                .map(|(_, s)| *s)
                .with_context(|| format!("model '{}' has scores but no stake", m.model))?;
            run_model(&request, m, stake0, &unstaked)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    // Everything is computed; only now are files written, all under temporary names, and
    // renamed into place together once every one is complete.
    if let (Some(out), Some(tmp)) = (&args.out, &plan.out_tmp) {
        write_frame_unstaged(tmp, &trajectory_frame(out, &runs)?, out)?;
    }
    if let (Some(j), Some(tmp)) = (&args.json, &plan.json_tmp) {
        let text = serde_json::to_string_pretty(&summary_json(&plan, &runs))?;
        std::fs::write(tmp, text + "\n").with_context(|| j.display().to_string())?;
    }
    if let Some(c) = &args.chart {
        write_charts(c, &plan.rule, &runs, &mut plan.outputs)?;
    }
    plan.outputs.commit()?;
    print!("{}", summary_table(&runs));
    if runs.iter().any(|r| r.bootstrap.is_some()) {
        println!();
        print!("{}", bootstrap_table(&runs));
    }
    Ok(())
}

/// The scores file as per-model series, after the target filter. Only the score columns
/// the rule weighs are read: the others need not exist, nor hold numbers.
fn read_series(
    args: &PayoutArgs,
    plan: &PayoutRequest,
    per_round: Option<&RoundMultipliers>,
) -> anyhow::Result<Vec<ModelScores>> {
    let rule = &plan.rule;
    let (uses_corr, uses_mmc) = match per_round {
        Some(m) => (m.uses_corr(), m.uses_mmc()),
        None => (rule.uses_corr(), rule.uses_mmc()),
    };
    let frame = read_frame(&args.scores)?;
    let keep = target_rows(&frame, args.target.as_deref())?;
    let (rounds, models) = rounds_and_models(args, &frame, &keep)?;
    let corr = if uses_corr {
        pick(frame.float(&plan.corr_col)?.0.iter().copied(), &keep)
    } else {
        vec![f64::NAN; rounds.len()]
    };
    let mmc = if uses_mmc {
        Some(pick(frame.float(&plan.mmc_col)?.0.iter().copied(), &keep))
    } else {
        None
    };
    let series = group_by_model(&rounds, &models, &corr, mmc.as_deref())
        .with_context(|| args.scores.display().to_string())?;
    if series.is_empty() {
        bail!("{}: no score rows", args.scores.display());
    }
    Ok(series)
}

/// The round and model of each kept row of the scores file.
fn rounds_and_models(
    args: &PayoutArgs,
    frame: &Frame,
    keep: &Option<Vec<bool>>,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let round_col = match &args.round_col {
        Some(c) => c.as_str(),
        None => round_column(frame)?,
    };
    let rounds = pick(frame.text(round_col)?.iter().map(str::to_string), keep);
    let models = if frame.has(&args.model_col) || args.model_col != "model" {
        pick(
            frame.text(&args.model_col)?.iter().map(str::to_string),
            keep,
        )
    } else {
        vec!["model".to_string(); rounds.len()]
    };
    Ok((rounds, models))
}

/// The (model, round) pairs the Signals stake rule unstakes: churn or turnover at or above
/// its limit. Empty without limits; the columns are read only for the limits given.
fn read_unstaked(
    args: &PayoutArgs,
    plan: &PayoutRequest,
) -> anyhow::Result<HashSet<(String, String)>> {
    let mut out = HashSet::new();
    if !plan.limits.any() {
        return Ok(out);
    }
    let frame = read_frame(&args.scores)?;
    let keep = target_rows(&frame, args.target.as_deref())?;
    let (rounds, models) = rounds_and_models(args, &frame, &keep)?;
    let column = |name: &str, used: bool| -> anyhow::Result<Vec<f64>> {
        Ok(if used {
            pick(frame.float(name)?.0.iter().copied(), &keep)
        } else {
            vec![f64::NAN; rounds.len()]
        })
    };
    let churn = column(&args.churn_col, plan.limits.max_churn.is_some())?;
    let turnover = column(&args.turnover_col, plan.limits.max_turnover.is_some())?;
    for i in 0..rounds.len() {
        if plan.limits.unstakes(churn[i], turnover[i]) {
            out.insert((models[i].clone(), rounds[i].clone()));
        }
    }
    Ok(out)
}

/// Simulates (and bootstraps) one model.
/// Simulates one model, saying on stderr which rounds were left out or not staked.
fn run_model(
    request: &RunRequest<'_>,
    m: &ModelScores,
    stake0: f64,
    unstaked: &HashSet<(String, String)>,
) -> anyhow::Result<ModelRun> {
    let run = erascore_payout::run_model(request, m, stake0, &|round| {
        unstaked.contains(&(m.model.clone(), round.to_string()))
    })
    .with_context(|| format!("model '{}'", m.model))?;
    if !run.skipped.is_empty() {
        eprintln!(
            "warning: model '{}': skipped {} round(s) with NaN scores ({}); later rounds move \
             up, use --nan zero to keep their place",
            m.model,
            run.skipped.len(),
            preview(&run.skipped)
        );
    }
    if !run.held_out.is_empty() {
        eprintln!(
            "model '{}': not staked in {} round(s) whose churn or turnover reached the limit \
             ({})",
            m.model,
            run.held_out.len(),
            preview(&run.held_out)
        );
    }
    Ok(run)
}

/// One fan chart per model: `chart` itself for a single model, `FILE_<model>.ext` otherwise.
fn write_charts(
    chart: &Path,
    rule: &Rule,
    runs: &[ModelRun],
    outputs: &mut OutputFiles,
) -> anyhow::Result<()> {
    for r in runs {
        let path = if runs.len() > 1 {
            per_model_path(chart, &r.model)
        } else {
            chart.to_path_buf()
        };
        let tmp = outputs.stage(&path).context("--chart")?;
        let title = format!("{} under {}", r.model, rule.preset);
        let actual = r.trajectory.balances();
        chart::render(
            &tmp,
            &FanChart {
                title: &title,
                stake0: r.trajectory.stake0,
                fan: r.bootstrap.as_ref().and_then(|b| b.fan.as_deref()),
                actual: Some(&actual),
            },
        )?;
    }
    Ok(())
}

/// The column ordering rounds: `round` if present, else `era`.
fn round_column(frame: &Frame) -> anyhow::Result<&'static str> {
    ["round", "era"]
        .into_iter()
        .find(|c| frame.has(c))
        .with_context(|| {
            format!(
                "{}: no 'round' or 'era' column (columns: {}); name one with --round-col",
                frame.path().display(),
                frame.names().join(", ")
            )
        })
}

/// Rows to keep: all, or those whose `target` column matches. A file holding several
/// targets needs --target, since each (round, model) then appears once per target.
fn target_rows(frame: &Frame, target: Option<&str>) -> anyhow::Result<Option<Vec<bool>>> {
    let has = frame.has("target");
    match target {
        Some(_) if !has => bail!(
            "{}: --target given but there is no 'target' column",
            frame.path().display()
        ),
        Some(t) => {
            let col = frame.text("target")?;
            let keep: Vec<bool> = col.iter().map(|c| c == t).collect();
            if !keep.contains(&true) {
                let found: BTreeSet<&str> = col.iter().collect();
                bail!(
                    "{}: no rows with target '{t}' (targets: {})",
                    frame.path().display(),
                    found.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
            Ok(Some(keep))
        }
        None if has => {
            let col = frame.text("target")?;
            let found: BTreeSet<&str> = col.iter().collect();
            if found.len() > 1 {
                bail!(
                    "{}: scores for several targets ({}); choose one with --target",
                    frame.path().display(),
                    found.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
            Ok(None)
        }
        None => Ok(None),
    }
}

fn pick<T>(values: impl IntoIterator<Item = T>, keep: &Option<Vec<bool>>) -> Vec<T> {
    match keep {
        None => values.into_iter().collect(),
        Some(k) => values
            .into_iter()
            .zip(k)
            .filter(|(_, k)| **k)
            .map(|(v, _)| v)
            .collect(),
    }
}

fn preview(rounds: &[String]) -> String {
    let mut s = rounds
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if rounds.len() > 5 {
        s.push_str(", ...");
    }
    s
}

/// Per-round payout factors from a file with a round (or era) column and either
/// `payout_factor` or `total_at_risk` (turned into min(1, T/X) with the rule's threshold).
fn read_round_factors(path: &Path, rule: &Rule) -> anyhow::Result<PayoutFactor> {
    let frame = read_frame(path)?;
    let rounds = frame.text(round_column(&frame)?)?;
    let context = || path.display().to_string();
    if frame.has("payout_factor") {
        let (f, _) = frame.float("payout_factor")?;
        PayoutFactor::per_round(rounds.iter().zip(f.iter().copied())).with_context(context)
    } else if frame.has("total_at_risk") {
        let t = rule.require_threshold()?;
        let (x, _) = frame.float("total_at_risk")?;
        PayoutFactor::per_round_total_at_risk(t, rounds.iter().zip(x.iter().copied()))
            .with_context(context)
    } else {
        bail!(
            "{}: needs a 'total_at_risk' or a 'payout_factor' column (columns: {})",
            path.display(),
            frame.names().join(", ")
        )
    }
}

/// Per-round multipliers from a file with a round (or era) column, `corr_multiplier` and
/// `mmc_multiplier`.
fn read_round_multipliers(path: &Path, rule: &Rule) -> anyhow::Result<RoundMultipliers> {
    let frame = read_frame(path)?;
    let rounds = frame.text(round_column(&frame)?)?;
    let (corr, _) = frame.float("corr_multiplier")?;
    let (mmc, _) = frame.float("mmc_multiplier")?;
    RoundMultipliers::new(
        rule,
        rounds
            .iter()
            .zip(corr.iter().zip(mmc.iter()))
            .map(|(r, (&c, &m))| (r, c, m)),
    )
    .with_context(|| path.display().to_string())
}

fn per_model_path(chart: &Path, model: &str) -> PathBuf {
    let safe: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = chart
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = chart
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    chart.with_file_name(format!("{stem}_{safe}.{ext}"))
}

fn trajectory_frame(path: &Path, runs: &[ModelRun]) -> anyhow::Result<Frame> {
    let table = TrajectoryTable::new(runs);
    let mut columns = vec![
        Column {
            name: "round".into(),
            values: Values::Text(table.round),
        },
        Column {
            name: "model".into(),
            values: Values::Text(table.model),
        },
    ];
    columns.extend(
        TRAJECTORY_COLUMNS
            .iter()
            .zip(table.columns)
            .map(|(n, v)| Column {
                name: (*n).into(),
                values: Values::Float(v, FloatWidth::F64),
            }),
    );
    Ok(Frame::new(path, columns)?)
}

fn quantiles_json(q: &Quantiles) -> Value {
    json!({"p05": q.p05, "p25": q.p25, "p50": q.p50, "p75": q.p75, "p95": q.p95})
}

fn summary_json(plan: &PayoutRequest, runs: &[ModelRun]) -> Value {
    let rule = &plan.rule;
    let factor = match &plan.factor {
        FactorSource::Fixed(PayoutFactor::Constant(v)) => json!({"kind": "constant", "value": v}),
        FactorSource::Fixed(PayoutFactor::PerRound(_)) => json!({"kind": "per_round"}),
        FactorSource::PerRound(p) => json!({"kind": "per_round", "file": p.display().to_string()}),
    };
    let models: Vec<Value> = runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            let boot = r.bootstrap.as_ref().map(|b| {
                json!({
                    "trajectories": b.trajectories,
                    "block": b.block,
                    "seed": plan.bootstrap.map(|o| o.seed),
                    "final_stake": quantiles_json(&b.final_stake),
                    "max_drawdown": quantiles_json(&b.max_drawdown),
                    "p_final_below_start": b.p_final_below_start,
                })
            });
            json!({
                "model": r.model,
                "rounds": s.rounds,
                "skipped_rounds": r.skipped,
                "stake0": s.stake0,
                "final_stake": s.final_stake,
                "total_return": s.total_return,
                "max_drawdown": s.max_drawdown,
                "burn_share": s.burn_share,
                "rounds_at_cap": s.rounds_at_cap(),
                "rounds_at_cap_up": s.rounds_at_cap_up,
                "rounds_at_cap_down": s.rounds_at_cap_down,
                "bootstrap": boot,
            })
        })
        .collect();
    json!({
        "rule": {
            "name": rule.preset.name(),
            "corr_multiplier": rule.corr_multiplier,
            "mmc_multiplier": rule.mmc_multiplier,
            "cap": rule.cap,
            "resolve_lag": rule.resolve_lag,
            "threshold": rule.threshold,
            "corr_column": plan.corr_col,
            "mmc_column": plan.mmc_col,
            "per_round_multipliers": plan.multipliers.as_ref().map(|p| p.display().to_string()),
        },
        "payout_factor": factor,
        "models": models,
    })
}

fn pct(x: f64) -> String {
    format!("{:+.2}%", 100.0 * x)
}

fn summary_table(runs: &[ModelRun]) -> String {
    let header = [
        "model",
        "rounds",
        "start",
        "final",
        "return",
        "max drawdown",
        "burned",
        "at cap (+/-)",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            vec![
                r.model.clone(),
                s.rounds.to_string(),
                fmt(s.stake0),
                fmt(s.final_stake),
                s.total_return.map_or_else(String::new, pct),
                format!("{:.2}%", 100.0 * s.max_drawdown),
                format!("{:.1}%", 100.0 * s.burn_share),
                format!(
                    "{} ({}/{})",
                    s.rounds_at_cap(),
                    s.rounds_at_cap_up,
                    s.rounds_at_cap_down
                ),
            ]
        })
        .collect();
    table(&header, &rows, 1)
}

fn bootstrap_table(runs: &[ModelRun]) -> String {
    let header = [
        "model",
        "final p5",
        "p25",
        "p50",
        "p75",
        "p95",
        "drawdown p50",
        "p95",
        "P(final < start)",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .filter_map(|r| r.bootstrap.as_ref().map(|b| (r, b)))
        .map(|(r, b)| {
            let mut row = vec![r.model.clone()];
            row.extend(b.final_stake.to_array().map(fmt));
            row.push(format!("{:.2}%", 100.0 * b.max_drawdown.p50));
            row.push(format!("{:.2}%", 100.0 * b.max_drawdown.p95));
            row.push(format!("{:.1}%", 100.0 * b.p_final_below_start));
            row
        })
        .collect();
    let first = runs.iter().find_map(|r| r.bootstrap.as_ref());
    let mut out = first.map_or_else(String::new, |b| {
        format!(
            "bootstrap: {} trajectories per model, blocks of {} rounds\n",
            b.trajectories, b.block
        )
    });
    out.push_str(&table(&header, &rows, 1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: PayoutArgs,
    }

    /// Parses a command line (words split on spaces; temp paths have none).
    fn parse(line: &str) -> Result<PayoutArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("payout").chain(line.split_whitespace()))
            .map(|c| c.args)
    }

    fn ok(line: &str) {
        run(&parse(line).unwrap()).unwrap();
    }

    fn err(line: &str) -> String {
        format!("{:#}", run(&parse(line).unwrap()).unwrap_err())
    }

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn read_json(path: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// The hand-computed trajectory of erascore-payout's tests, through the whole command:
    /// rounds listed out of order, two models, one of them with a NaN round.
    const SCORES: &str = "era,model,corr,mmc\n\
        0003,a,-0.10,0\n0001,a,0.10,0\n0002,a,0.20,0\n0004,a,0.05,0\n0005,a,0.10,0\n\
        0006,a,0.30,0\n0007,a,-0.50,0\n\
        0001,b,0.01,0.01\n0002,b,,0.01\n0003,b,0.02,-0.01\n";

    #[test]
    fn trajectory_summary_and_json() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(dir.path(), "scores.csv", SCORES);
        let out = dir.path().join("traj.csv").display().to_string();
        let json = dir.path().join("s.json").display().to_string();
        ok(&format!(
            "--scores {scores} --stake 100 --rule weekly-2021 --out {out} --json {json}"
        ));
        let t = read_frame(Path::new(&out)).unwrap();
        let names = [
            "round",
            "model",
            "at_risk",
            "score",
            "payout_fraction",
            "payout",
        ];
        assert_eq!(t.names()[..6], names);
        assert_eq!(t.names()[6], "stake");
        let rounds = t.text("round").unwrap();
        assert_eq!(
            rounds.iter().take(7).collect::<Vec<_>>(),
            ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]
        );
        let col = |c: &str| t.float(c).unwrap().0.into_owned();
        let (at_risk, payout, stake) = (col("at_risk"), col("payout"), col("stake"));
        let want_risk = [100.0, 100.0, 100.0, 100.0, 110.0, 130.0, 120.0];
        let want_payout = [10.0, 20.0, -10.0, 5.0, 11.0, 32.5, -30.0];
        for i in 0..7 {
            assert!((at_risk[i] - want_risk[i]).abs() < 1e-9);
            assert!((payout[i] - want_payout[i]).abs() < 1e-9);
        }
        assert!((stake[6] - 125.0).abs() < 1e-9);
        assert_eq!(col("payout_fraction")[5], 0.25);
        // Model b: the NaN round 0002 is skipped.
        assert_eq!(t.rows(), 9);
        assert_eq!(rounds.iter().skip(7).collect::<Vec<_>>(), ["0001", "0003"]);
        let v = read_json(&json);
        assert_eq!(v["rule"]["name"], "weekly-2021");
        assert_eq!(v["rule"]["cap"], 0.25);
        let a = &v["models"][0];
        assert_eq!(a["model"], "a");
        assert!((a["final_stake"].as_f64().unwrap() - 138.5).abs() < 1e-9);
        assert_eq!(a["rounds_at_cap"], 2);
        assert_eq!(v["models"][1]["skipped_rounds"][0], "0002");
        assert!(a["bootstrap"].is_null());
    }

    /// The Signals stake rule: rounds whose churn or turnover reaches the limit neither pay
    /// nor burn; a NaN churn (no previous submission) does not unstake.
    #[test]
    fn signals_stake_limits_unstake_rounds() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(
            dir.path(),
            "s.csv",
            "round,model,alpha,mpc,churn,turnover
             1,a,0.01,0.01,,
2,a,0.01,0.01,0.15,0.1
3,a,-0.01,-0.01,0.1,0.3
             4,a,0.01,0.0,0.05,0.2
",
        );
        let out = dir.path().join("t.csv").display().to_string();
        let fractions = |extra: &str| -> Vec<f64> {
            ok(&format!(
                "--scores {scores} --stake 100 --rule signals-2025 --out {out} {extra}"
            ));
            read_frame(Path::new(&out))
                .unwrap()
                .float("payout_fraction")
                .unwrap()
                .0
                .into_owned()
        };
        // 0.3 x 0.01 + 0.8 x 0.01 = 0.011; round 3: -0.011; round 4: 0.003.
        let all = fractions("");
        assert!((all[1] - 0.011).abs() < 1e-15 && (all[2] + 0.011).abs() < 1e-15);
        let limited = fractions("--max-churn 0.15 --max-turnover 0.25");
        assert!((limited[0] - 0.011).abs() < 1e-15, "{limited:?}");
        assert_eq!(&limited[1..3], &[0.0, 0.0], "{limited:?}");
        assert!((limited[3] - 0.003).abs() < 1e-15, "{limited:?}");
        // Only the churn limit: round 3 (turnover 0.3) stays staked.
        let churn_only = fractions("--max-churn 0.15");
        assert_eq!(churn_only[1], 0.0);
        assert!((churn_only[2] + 0.011).abs() < 1e-15, "{churn_only:?}");
        let e = err(&format!(
            "--scores {scores} --stake 100 --rule signals-2025 --max-turnover 0"
        ));
        assert!(e.contains("--max-turnover 0"), "{e}");
        let e = err(&format!(
            "--scores {scores} --stake 100 --rule signals-2025 --max-churn 0.1 --churn-col nope"
        ));
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn signals_and_crypto_presets_read_their_own_columns() {
        let dir = tempfile::tempdir().unwrap();
        // alpha/mpc for signals-2025, fnc/mmc for signals-2024, mmc alone for crypto (its
        // corr column may be missing).
        let scores = write(
            dir.path(),
            "s.csv",
            "round,model,alpha,mpc,fnc,mmc\n1,a,0.01,0.02,0.03,-0.01\n2,a,-0.02,0.01,0.01,0.04\n",
        );
        let out = dir.path().join("t.csv").display().to_string();
        let json = dir.path().join("s.json").display().to_string();
        ok(&format!(
            "--scores {scores} --stake 1000 --rule signals-2025 --out {out} --json {json}"
        ));
        let t = read_frame(Path::new(&out)).unwrap();
        let score = t.float("score").unwrap().0.into_owned();
        let fraction = t.float("payout_fraction").unwrap().0.into_owned();
        // 0.3 x 0.01 + 0.8 x 0.02 = 0.019, clipped to 0.017; 0.3 x -0.02 + 0.8 x 0.01 = 0.002
        assert!((score[0] - 0.019).abs() < 1e-15 && fraction[0] == 0.017);
        assert!((score[1] - 0.002).abs() < 1e-15);
        let v = read_json(&json);
        assert_eq!(v["rule"]["threshold"], 36000.0);
        assert_eq!(v["rule"]["corr_column"], "alpha");
        ok(&format!(
            "--scores {scores} --stake 1000 --rule signals-2024 --out {out}"
        ));
        let score = read_frame(Path::new(&out))
            .unwrap()
            .float("score")
            .unwrap()
            .0
            .into_owned();
        assert!((score[0] - 0.01).abs() < 1e-15 && (score[1] - 0.09).abs() < 1e-15);
        ok(&format!(
            "--scores {scores} --stake 1000 --rule crypto --out {out}"
        ));
        let score = read_frame(Path::new(&out))
            .unwrap()
            .float("score")
            .unwrap()
            .0
            .into_owned();
        assert_eq!(score, vec![-0.01, 0.04]);
        let e = err(&format!(
            "--scores {scores} --stake 1 --rule crypto --mmc-multiplier 2"
        ));
        assert!(e.contains("crypto") && e.contains("custom"), "{e}");
    }

    #[test]
    fn per_round_multipliers_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(
            dir.path(),
            "s.csv",
            "era,model,corr,mmc\n0001,a,0.01,0.02\n0002,a,0.02,\n",
        );
        let mults = write(
            dir.path(),
            "m.csv",
            "round,corr_multiplier,mmc_multiplier\n1,0.5,2\n2,1,0\n",
        );
        let out = dir.path().join("t.csv").display().to_string();
        ok(&format!(
            "--scores {scores} --stake 100 --rule custom --multipliers {mults} --nan error --out {out}"
        ));
        let score = read_frame(Path::new(&out))
            .unwrap()
            .float("score")
            .unwrap()
            .0
            .into_owned();
        assert!((score[0] - 0.045).abs() < 1e-15 && (score[1] - 0.02).abs() < 1e-15);
        let e = err(&format!(
            "--scores {scores} --stake 100 --rule weekly-2021 --multipliers {mults}"
        ));
        assert!(
            e.contains("round '1'") && e.contains("corr multiplier 0.5"),
            "{e}"
        );
        let e = err(&format!(
            "--scores {scores} --stake 100 --rule signals-2025 --multipliers {mults}"
        ));
        assert!(e.contains("classic"), "{e}");
        assert!(parse(&format!(
            "--scores {scores} --stake 1 --rule custom --multipliers {mults} --mmc-multiplier 1"
        ))
        .is_err());
    }

    #[test]
    fn bootstrap_json_and_chart() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(dir.path(), "scores.csv", SCORES);
        let json = dir.path().join("s.json").display().to_string();
        let chart = dir.path().join("fan.svg").display().to_string();
        let line = format!(
            "--scores {scores} --stake 100 --rule custom --cap 0.25 --mmc-multiplier 1 \
             --nan zero --bootstrap 200 --block 3 --seed 5 --json {json} --chart {chart}"
        );
        ok(&line);
        let first = std::fs::read_to_string(&json).unwrap();
        let v = read_json(&json);
        let b = &v["models"][0]["bootstrap"];
        assert_eq!(
            (&b["trajectories"], &b["block"], &b["seed"]),
            (&200.into(), &3.into(), &5.into())
        );
        let q = &b["final_stake"];
        assert!(q["p05"].as_f64().unwrap() <= q["p95"].as_f64().unwrap());
        assert!(dir.path().join("fan_a.svg").exists());
        assert!(dir.path().join("fan_b.svg").exists());
        // Same seed, same numbers.
        ok(&line);
        assert_eq!(std::fs::read_to_string(&json).unwrap(), first);
    }

    #[test]
    fn payout_factor_sources() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(dir.path(), "s.csv", "round,model,corr\n1,m,0.1\n2,m,0.1\n");
        let json = dir.path().join("o.json").display().to_string();
        let base = format!("--scores {scores} --stake 100 --rule weekly-2021 --json {json}");
        let final_stake = |extra: &str| -> f64 {
            ok(&format!("{base} {extra}"));
            read_json(&json)["models"][0]["final_stake"]
                .as_f64()
                .unwrap()
        };
        assert!((final_stake("") - 120.0).abs() < 1e-9);
        assert!((final_stake("--payout-factor 0.5") - 110.0).abs() < 1e-9);
        // 300,000 / 600,000 = 0.5.
        assert!((final_stake("--total-at-risk 600000") - 110.0).abs() < 1e-9);
        let tar = write(
            dir.path(),
            "tar.csv",
            "round,total_at_risk\n1,600000\n2,150000\n",
        );
        assert!((final_stake(&format!("--total-at-risk-csv {tar}")) - 115.0).abs() < 1e-9);
        let pf = write(
            dir.path(),
            "pf.csv",
            "era,payout_factor\n0001,0.2\n0002,0.0\n",
        );
        assert!((final_stake(&format!("--total-at-risk-csv {pf}")) - 102.0).abs() < 1e-9);
        let short = write(dir.path(), "short.csv", "round,total_at_risk\n1,1000\n");
        let e = err(&format!("{base} --total-at-risk-csv {short}"));
        assert!(e.contains("round '2'"), "{e}");
        let e = err(&format!(
            "--scores {scores} --stake 1 --rule custom --total-at-risk 5"
        ));
        assert!(e.contains("no staking threshold"), "{e}");
        let e = err(&format!("{base} --payout-factor -1"));
        assert!(e.contains("payout factor -1"), "{e}");
        assert!(parse(&format!("{base} --payout-factor 1 --total-at-risk 5")).is_err());
    }

    #[test]
    fn stakes_file_and_targets() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(
            dir.path(),
            "s.csv",
            "era,model,target,corr\n1,x,target,0.1\n1,x,target_aux,0.2\n\
             1,y,target,0.1\n1,y,target_aux,0.1\n",
        );
        let stakes = write(dir.path(), "stakes.csv", "model,stake\nx,10\ny,20\n");
        let base = format!("--scores {scores} --rule custom");
        let e = err(&format!("{base} --stakes {stakes}"));
        assert!(e.contains("--target") && e.contains("target_aux"), "{e}");
        let json = dir.path().join("o.json").display().to_string();
        ok(&format!(
            "{base} --stakes {stakes} --target target_aux --json {json}"
        ));
        let v = read_json(&json);
        assert!((v["models"][0]["final_stake"].as_f64().unwrap() - 12.0).abs() < 1e-9);
        assert!((v["models"][1]["final_stake"].as_f64().unwrap() - 22.0).abs() < 1e-9);
        let e = err(&format!("{base} --stakes {stakes} --target nope"));
        assert!(e.contains("no rows with target 'nope'"), "{e}");
        let partial = write(dir.path(), "p.csv", "model,stake\nx,10\n");
        let e = err(&format!("{base} --stakes {partial} --target target"));
        assert!(e.contains("'y' has scores but no stake"), "{e}");
        let negative = write(dir.path(), "n.csv", "model,stake\nx,10\ny,-3\n");
        let e = err(&format!("{base} --stakes {negative} --target target"));
        assert!(e.contains("n.csv: line 3") && e.contains("-3"), "{e}");
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = write(dir.path(), "s.csv", "era,model,corr\n1,m,0.1\n2,m,high\n");
        let e = err(&format!("--scores {bad} --stake 1 --rule custom"));
        assert!(e.contains("s.csv:3") && e.contains("high"), "{e}");
        let good = write(dir.path(), "good.csv", "era,model,corr\n1,m,0.1\n2,m,0.2\n");
        let base = format!("--scores {good} --stake 1");
        for (flags, want) in [
            ("--rule custom --corr-col corr20", "'corr20'"),
            ("--rule 2024", "'mmc'"),
            ("--rule weekly", "unknown payout rule"),
            ("--rule custom --cap 1.5", "cap 1.5"),
            ("--rule custom --cap 0", "cap 0"),
            ("--rule custom --resolve-lag 0", "resolve lag 0"),
            ("--rule weekly-2021 --mmc-multiplier 3", "0, 0.5, 1 or 2"),
            ("--rule daily-2023 --corr-multiplier 2.5", "0 to 2"),
            ("--rule custom --chart x.jpg", ".png or .svg"),
            ("--rule custom --bootstrap 0", "--bootstrap"),
            ("--rule custom --bootstrap 5 --block 0", "--block"),
        ] {
            let e = err(&format!("{base} {flags}"));
            assert!(e.contains(want), "{flags}: {e}");
        }
        let e = err(&format!("--scores {good} --stake -5 --rule custom"));
        assert!(e.contains("stake -5"), "{e}");
        let e = err("--scores /nonexistent.csv --stake 1 --rule custom");
        assert!(e.contains("/nonexistent.csv"), "{e}");
        assert!(parse(&format!("--scores {good} --rule custom")).is_err());
        assert!(parse(&format!("{base} --rule custom --seed 3")).is_err());
        assert!(parse(&format!("{base} --rule custom --resolve-lag -1")).is_err());
        let dup = write(dir.path(), "d.csv", "era,model,corr\n1,m,0.1\n1,m,0.2\n");
        let e = err(&format!("--scores {dup} --stake 1 --rule custom"));
        assert!(e.contains("two rows for round '1'"), "{e}");
    }

    #[test]
    fn nan_policies() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(
            dir.path(),
            "s.csv",
            "era,model,corr\n1,m,0.1\n2,m,\n3,m,0.1\n",
        );
        let base = format!("--scores {scores} --stake 1 --rule custom");
        let e = err(&format!("{base} --nan error"));
        assert!(e.contains("round '2'") && e.contains("NaN"), "{e}");
        let out = dir.path().join("t.csv");
        for (policy, rows) in [("skip", 2), ("zero", 3)] {
            ok(&format!("{base} --nan {policy} --out {}", out.display()));
            assert_eq!(read_frame(&out).unwrap().rows(), rows, "{policy}");
        }
        let all_nan = write(dir.path(), "n.csv", "era,model,corr\n1,m,\n");
        let e = err(&format!("--scores {all_nan} --stake 1 --rule custom"));
        assert!(e.contains("no round to simulate"), "{e}");
    }

    #[test]
    fn single_model_file_without_model_column_and_parquet_out() {
        let dir = tempfile::tempdir().unwrap();
        let scores = write(dir.path(), "s.csv", "round,corr\n10,0.1\n9,0.2\n");
        let out = dir.path().join("t.parquet");
        ok(&format!(
            "--scores {scores} --stake 50 --rule custom --resolve-lag 1 --out {}",
            out.display()
        ));
        let t = read_frame(&out).unwrap();
        assert_eq!(t.text("round").unwrap().to_vec(), ["9", "10"]);
        assert_eq!(&t.text("model").unwrap()[0], "model");
        let (stake, _) = t.float("stake").unwrap();
        // Lag 1, cap 1: 50 → +10 → 60 → +6 → 66.
        assert!((stake[1] - 66.0).abs() < 1e-9);
    }
}
