//! `erascore payout`: what a stake would have done, round by round, under a payout rule;
//! optionally how risky that was (block bootstrap), as a table, a trajectory file, a fan
//! chart and JSON.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use erascore_io::frame::write_frame_unstaged;
use erascore_io::output::{check_writable, OutputFiles};
use erascore_payout::series::ModelScores;
use erascore_payout::simulate::check_stake;
use erascore_payout::{
    BootstrapOptions, ModelRun, NanPolicy, PayoutFactor, Preset, RoundMultipliers, Rule,
    RuleOverrides, RunRequest, StakeLimits,
};

use erascore_report::chart::{fan_chart, format_of, FanChart};
use erascore_report::payout::{
    bootstrap_table, summary_json, summary_table, trajectory_frame, PayoutRunInfo,
};

use crate::common::{check_outputs, usage};
use crate::stakes::read_stakes;

mod read;
use read::{read_round_factors, read_round_multipliers, read_series, read_unstaked};

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
    if args.multipliers.is_some() {
        RoundMultipliers::check_rule(&rule).context("--multipliers")?;
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
    let bootstrap =
        BootstrapOptions::resolve(args.bootstrap, args.block, args.seed, args.chart.is_some())
            .map_err(|e| anyhow::anyhow!(e.message().render(&crate::flags::flag)))?;
    if let Some(c) = &args.chart {
        format_of(c)?;
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
    if let Some(out) = &args.out {
        crate::common::check_table_out("--out", out)?;
    }
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
        let info = PayoutRunInfo {
            rule: &plan.rule,
            corr_column: &plan.corr_col,
            mmc_column: &plan.mmc_col,
            multipliers_file: plan.multipliers.as_deref(),
            factor: &factor,
            factor_file: match &plan.factor {
                FactorSource::PerRound(p) => Some(p),
                FactorSource::Fixed(_) => None,
            },
            bootstrap_seed: plan.bootstrap.map(|o| o.seed),
        };
        let text = serde_json::to_string_pretty(&summary_json(&info, &runs))?;
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

/// Simulates (and bootstraps) one model, saying on stderr which rounds were left out or not staked.
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
        fan_chart(
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

#[cfg(test)]
mod tests;
