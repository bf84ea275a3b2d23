use super::*;
use clap::Parser;
use erascore_io::frame::read_frame;
use serde_json::Value;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: PayoutArgs,
}

/// Parses a command line (words split on spaces; temp paths have none).
fn parse(line: &str) -> Result<PayoutArgs, clap::Error> {
    Cli::try_parse_from(std::iter::once("payout").chain(line.split_whitespace())).map(|c| c.args)
}

fn ok(line: &str) {
    run(&parse(line).unwrap()).unwrap();
}

fn err(line: &str) -> String {
    // As the user reads it: the inputs an error names worded as flags.
    crate::common::render(&run(&parse(line).unwrap()).unwrap_err())
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
