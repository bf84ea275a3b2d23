//! End-to-end tests of `erascore compare`: each configuration's per-model numbers are those
//! of `erascore score` followed by `erascore payout` with the same rule, and bad
//! configuration files are usage errors.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use erascore_io::frame::read_frame;

use crate::common::{erascore, s};

fn ok(args: &[&str]) -> Output {
    let out = erascore(args);
    assert!(
        out.status.success(),
        "erascore {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The command line of `erascore compare` on its data, predictions, stakes, configs and out
/// paths (in that order), then `extra`.
fn compare_line(files: [&Path; 5], extra: &[&str]) -> Vec<String> {
    let flags = ["--data", "--predictions", "--stakes", "--configs", "--out"];
    let mut line = vec!["compare".to_string()];
    for (flag, file) in flags.into_iter().zip(files) {
        line.extend([flag.to_string(), s(file)]);
    }
    line.extend(extra.iter().map(|e| e.to_string()));
    line
}

/// Runs `erascore compare` (see [`compare_line`]).
fn compare(files: [&Path; 5], extra: &[&str]) -> Output {
    let line = compare_line(files, extra);
    erascore(&line.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Runs `erascore compare` (see [`compare_line`]), which must succeed.
fn compare_ok(files: [&Path; 5], extra: &[&str]) -> Output {
    let line = compare_line(files, extra);
    ok(&line.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The data, predictions and stakes of an [`archive`].
fn inputs(a: &Path) -> [std::path::PathBuf; 3] {
    ["data.parquet", "predictions.parquet", "stakes.csv"].map(|f| a.join(f))
}

/// `rules.toml` in `dir`, holding `text`.
fn rules_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let rules = dir.join("rules.toml");
    std::fs::write(&rules, text).unwrap();
    rules
}

/// A small tournament archive.
fn archive(dir: &Path) -> std::path::PathBuf {
    let a = dir.join("archive");
    ok(&[
        "synth",
        "--population",
        "tournament",
        "--models",
        "24",
        "--eras",
        "14",
        "--rows",
        "240",
        "--features",
        "12",
        "--seed",
        "5",
        "--out",
        &s(&a),
        "--quiet",
    ]);
    a
}

/// (config, model) -> (mean_score, total_payout, final_stake).
fn per_model(out: &Path) -> HashMap<(String, String), (f64, f64, f64)> {
    let f = read_frame(&out.join("per_model.parquet")).unwrap();
    let (model, config) = (f.text("model").unwrap(), f.text("config").unwrap());
    let (mean, total, fin) = (
        f.float("mean_score").unwrap().0,
        f.float("total_payout").unwrap().0,
        f.float("final_stake").unwrap().0,
    );
    (0..f.rows())
        .map(|i| {
            (
                (config[i].to_string(), model[i].to_string()),
                (mean[i], total[i], fin[i]),
            )
        })
        .collect()
}

/// Configuration, meta-model stakes, `score` metrics, `payout` rule flags, first and second
/// score column.
type Case<'a> = (&'a str, &'a Path, &'a str, Vec<&'a str>, &'a str, &'a str);

#[test]
fn each_configuration_equals_score_then_payout() {
    let dir = tempfile::tempdir().unwrap();
    let a = archive(dir.path());
    let [data, preds, stakes] = inputs(&a);
    // The naive meta model over models staked at least 2.5 NMR is `score --stakes` with
    // weight 1 for exactly those models.
    let stake_rows = read_frame(&stakes).unwrap();
    let (names, amounts) = (
        stake_rows.text("model").unwrap(),
        stake_rows.float("stake").unwrap().0,
    );
    let mut naive = String::from("model,stake\n");
    let mut qualifying = 0;
    for (m, &x) in names.iter().zip(amounts.iter()) {
        if x >= 2.5 {
            naive.push_str(&format!("{m},1\n"));
            qualifying += 1;
        }
    }
    assert!((2..names.len()).contains(&qualifying), "{qualifying}");
    let naive_stakes = dir.path().join("naive_stakes.csv");
    std::fs::write(&naive_stakes, naive).unwrap();

    let rules = rules_file(
        dir.path(),
        r#"
[[config]]
name = "y2024"
rule = "2024"

[[config]]
name = "tb-custom"
score = "1.5 * corr_tb50 - 0.5 * mmc"
cap = 0.1
resolve_lag = 2

[[config]]
name = "weekly"
rule = "weekly-2021"
threshold = 1000
total_at_risk = 2500

[[config]]
name = "naive"
score = "0.5 * corr + 2 * mmc"
cap = 0.05
meta_model = "naive"
min_stake = 2.5
"#,
    );
    let out = dir.path().join("out");
    let run = compare_ok([&data, &preds, &stakes, &rules, &out], &["--quiet"]);
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(
        table.contains("tb-custom") && table.contains("spearman"),
        "{table}"
    );
    let got = per_model(&out);
    assert_eq!(got.len(), 4 * 24);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // The overview chart, then a scatter and a histogram per pair of the 4 configurations.
    assert_eq!(html.matches("<svg").count(), 1 + 2 * 6, "{html}");
    assert!(html.contains("tb-custom vs weekly") && !html.contains("<script"));

    let cases: [Case; 4] = [
        (
            "y2024",
            &stakes,
            "corr,mmc",
            vec!["--rule", "2024"],
            "corr",
            "mmc",
        ),
        (
            "tb-custom",
            &stakes,
            "corr_tb50,mmc",
            vec![
                "--rule",
                "custom",
                "--corr-multiplier",
                "1.5",
                "--mmc-multiplier",
                "-0.5",
                "--cap",
                "0.1",
                "--resolve-lag",
                "2",
            ],
            "corr_tb50",
            "mmc",
        ),
        (
            "weekly",
            &stakes,
            "corr",
            vec![
                "--rule",
                "weekly-2021",
                "--threshold",
                "1000",
                "--total-at-risk",
                "2500",
            ],
            "corr",
            "mmc",
        ),
        (
            "naive",
            &naive_stakes,
            "corr,mmc",
            vec![
                "--rule",
                "custom",
                "--corr-multiplier",
                "0.5",
                "--mmc-multiplier",
                "2",
                "--cap",
                "0.05",
            ],
            "corr",
            "mmc",
        ),
    ];
    for (config, meta_stakes, metrics, rule, first, second) in cases {
        let scores = dir.path().join(format!("{config}_scores.parquet"));
        ok(&[
            "score",
            "--data",
            &s(&data),
            "--predictions",
            &s(&preds),
            "--stakes",
            &s(meta_stakes),
            "--metrics",
            metrics,
            "--out",
            &s(&scores),
            "--quiet",
        ]);
        let traj = dir.path().join(format!("{config}_trajectory.parquet"));
        let json = dir.path().join(format!("{config}_payout.json"));
        let mut args = vec![
            "payout".to_string(),
            "--scores".into(),
            s(&scores),
            "--stakes".into(),
            s(&stakes),
            "--corr-col".into(),
            first.into(),
            "--out".into(),
            s(&traj),
            "--json".into(),
            s(&json),
        ];
        if metrics.contains(',') {
            args.extend(["--mmc-col".to_string(), second.to_string()]);
        }
        args.extend(rule.iter().map(|x| x.to_string()));
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let t = read_frame(&traj).unwrap();
        let (tm, ts) = (t.text("model").unwrap(), t.float("score").unwrap().0);
        let mut checked = 0;
        for m in summary["models"].as_array().unwrap() {
            let model = m["model"].as_str().unwrap();
            let (stake0, fin) = (
                m["stake0"].as_f64().unwrap(),
                m["final_stake"].as_f64().unwrap(),
            );
            let own: Vec<f64> = (0..t.rows())
                .filter(|&i| &tm[i] == model)
                .map(|i| ts[i])
                .collect();
            let mean = own.iter().sum::<f64>() / own.len() as f64;
            let (g_mean, g_total, g_final) = got[&(config.to_string(), model.to_string())];
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(1.0);
            assert!(close(g_final, fin), "{config} {model}: {g_final} vs {fin}");
            assert!(close(g_total, fin - stake0), "{config} {model}");
            assert!(close(g_mean, mean), "{config} {model}: {g_mean} vs {mean}");
            checked += 1;
        }
        assert_eq!(checked, 24, "{config}");
    }
    // The configurations really differ.
    let k = |c: &str| got[&(c.to_string(), "model_0".to_string())].2;
    assert_ne!(k("y2024"), k("naive"));
    assert_ne!(k("y2024"), k("weekly"));
}

/// The four files of a compare folder, for byte comparison.
fn outputs(out: &Path) -> Vec<Vec<u8>> {
    [
        "compare.json",
        "per_model.parquet",
        "per_round.parquet",
        "report.html",
    ]
    .iter()
    .map(|f| std::fs::read(out.join(f)).unwrap())
    .collect()
}

/// The same predictions, long (`id, era, model, prediction`) or wide, and read all at once,
/// a batch of eras at a time or in chunks of models, give the same files byte for byte.
#[test]
fn long_predictions_and_batched_reads_give_the_same_numbers() {
    use erascore_io::frame::{write_frame, Column, Frame, Values};
    use erascore_io::{FloatWidth, Strings};

    let dir = tempfile::tempdir().unwrap();
    let a = archive(dir.path());
    let [data, wide, stakes] = inputs(&a);
    let w = read_frame(&wide).unwrap();
    let (ids, eras) = (w.text("id").unwrap(), w.text("era").unwrap());
    let models: Vec<String> = w
        .names()
        .into_iter()
        .filter(|n| n != "id" && n != "era")
        .collect();
    let columns: Vec<Vec<f64>> = models
        .iter()
        .map(|m| w.float(m).unwrap().0.into_owned())
        .collect();
    let (mut l_id, mut l_era, mut l_model, mut l_value) =
        (Strings::new(), Strings::new(), Strings::new(), Vec::new());
    for r in 0..w.rows() {
        for (m, values) in models.iter().zip(&columns) {
            l_id.push(&ids[r]);
            l_era.push(&eras[r]);
            l_model.push(m);
            l_value.push(values[r]);
        }
    }
    let long = dir.path().join("long.parquet");
    let text = |name: &str, v: Strings| Column {
        name: name.into(),
        values: Values::Text(v),
    };
    let frame = Frame::new(
        &long,
        vec![
            text("id", l_id),
            text("era", l_era),
            text("model", l_model),
            Column {
                name: "prediction".into(),
                values: Values::Float(l_value, FloatWidth::F64),
            },
        ],
    )
    .unwrap();
    write_frame(&long, &frame).unwrap();

    let rules = rules_file(
        dir.path(),
        "[[config]]\nname = \"y2024\"\nrule = \"2024\"\n\n[[config]]\nname = \"naive\"\n\
         score = \"1 * corr_tb50 + 1 * mmc\"\ncap = 0.1\nmeta_model = \"naive\"\n\
         min_stake = 1\n",
    );
    let run = |preds: &Path, name: &str, max_values: &str| {
        let out = dir.path().join(name);
        compare_ok(
            [&data, preds, &stakes, &rules, &out],
            &["--max-values", max_values, "--quiet"],
        );
        outputs(&out)
    };
    let whole = run(&wide, "wide", "100000000");
    // 24 models × 240 rows per era: one era per batch, then two.
    assert!(
        whole == run(&wide, "wide-eras-1", "6000"),
        "era batches of 1"
    );
    assert!(
        whole == run(&wide, "wide-eras-2", "12000"),
        "era batches of 2"
    );
    assert!(whole == run(&long, "long", "100000000"), "long predictions");
    // A long file is read in chunks of models (two passes).
    assert!(
        whole == run(&long, "long-chunks", "20000"),
        "long, in chunks"
    );
    let p = per_model(&dir.path().join("long"));
    assert_eq!(p.len(), 2 * models.len());
    assert!(p.values().all(|v| v.0.is_finite()), "{p:?}");

    // A (era, id, model) given twice is named, with both lines.
    let dup = dir.path().join("dup.csv");
    let mut text = String::from("id,era,model,prediction\n");
    for m in models.iter().chain([&models[0]]) {
        text.push_str(&format!("{},{},{m},0.5\n", &ids[0], &eras[0]));
    }
    std::fs::write(&dup, text).unwrap();
    let out = compare(
        [&data, &dup, &stakes, &rules, &dir.path().join("dup-out")],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("dup.csv")
            && err.contains(&format!("line {}", models.len() + 2))
            && err.contains("second prediction")
            && err.contains("line 2"),
        "{err}"
    );
}

/// Stakes that change by round: a stake set at the start of every round is what every
/// payout is paid on, so (lag 1, no clip) a model's total payout is that stake times the
/// sum of its scores; a model listed only at the first round gives the numbers of the
/// `model, stake` file; a round the data lacks is an error naming file, line, model, round.
#[test]
fn stakes_that_change_by_round() {
    let dir = tempfile::tempdir().unwrap();
    let a = archive(dir.path());
    let [data, preds, stakes] = inputs(&a);
    let f = read_frame(&stakes).unwrap();
    let (names, amounts) = (f.text("model").unwrap(), f.float("stake").unwrap().0);
    let eras: Vec<String> = (1..=14).map(|e| format!("{e:04}")).collect();
    // model 0: 40 NMR set at every round; model 1: a deposit to 3x its stake at round 8;
    // the rest: their stake at the first round only.
    let mut by_round = String::from("round,model,stake\n");
    for (i, (m, &x)) in names.iter().zip(amounts.iter()).enumerate() {
        match i {
            0 => eras
                .iter()
                .for_each(|e| by_round.push_str(&format!("{e},{m},40\n"))),
            1 => by_round.push_str(&format!("0001,{m},{x}\n0008,{m},{}\n", 3.0 * x)),
            _ => by_round.push_str(&format!("0001,{m},{x}\n")),
        }
    }
    let schedule = dir.path().join("by_round.csv");
    std::fs::write(&schedule, by_round).unwrap();
    let rules = rules_file(
        dir.path(),
        "[[config]]\nname = \"corr\"\nscore = \"1 * corr\"\ncap = 1\nresolve_lag = 1\n\n\
         [[config]]\nname = \"y2024\"\nrule = \"2024\"\n",
    );
    let run = |stakes: &Path, name: &str| {
        let out = dir.path().join(name);
        compare([&data, &preds, stakes, &rules, &out], &["--quiet"])
    };
    let out = run(&schedule, "by_round");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run(&stakes, "plain").status.success());
    let (changed, plain) = (
        per_model(&dir.path().join("by_round")),
        per_model(&dir.path().join("plain")),
    );
    let key = |c: &str, m: &str| (c.to_string(), m.to_string());
    let (mean, total, _) = changed[&key("corr", &names[0])];
    assert!(mean.is_finite() && mean != 0.0);
    let expected = 40.0 * 14.0 * mean;
    assert!(
        (total - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{total} vs {expected}"
    );
    // A deposit changes the model's payouts, and only that model's (under CORR alone).
    assert_ne!(
        changed[&key("corr", &names[1])],
        plain[&key("corr", &names[1])]
    );
    // (Under y2024 every model's MMC moves too: the meta model weighs the starting stakes.)
    for m in names.iter().skip(2) {
        assert_eq!(changed[&key("corr", m)], plain[&key("corr", m)], "{m}");
    }

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("round,model,stake\n0001,{m},1\n0099,{m},2\n", m = &names[0]),
    )
    .unwrap();
    let out = run(&bad, "bad");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad.csv")
            && err.contains("line 3")
            && err.contains(&format!("model '{}'", &names[0]))
            && err.contains("round '0099'"),
        "{err}"
    );
}

#[test]
fn bad_configuration_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("missing-archive");
    let [data, preds, stakes] = inputs(&a);
    let cases = [
        ("[[config]]\nname = \"a\"\nscore = \"0.5 * cor\"\n", "'cor'"),
        ("[[config]]\nname = \"a\"\nrule = \"2025\"\n", "unknown payout rule '2025'"),
        ("[[config]]\nname = \"a\"\nrule = \"2024\"\ncapp = 1\n", "capp"),
        ("[[config]]\nname = \"a\"\n", "give a rule"),
        ("[[config]]\nname = \"a\"\nrule = \"2024\"\ncap = 2\n", "cap 2"),
        (
            "[[config]]\nname = \"a\"\nrule = \"2024\"\n[[config]]\nname = \"a\"\nrule = \"2024\"\n",
            "used twice",
        ),
        ("[[config]]\nname = \"a\"\nscore = \"corr\"\nmeta_model = \"x\"\n", "meta_model 'x'"),
        ("[[config]\n", "TOML"),
        ("", "no [[config]]"),
        (
            "[[config]]\nname = \"b\"\nrule = \"2024\"\nscore = \"corr + mmc\"\n",
            "config 'b'",
        ),
    ];
    for (text, want) in cases {
        let rules = rules_file(dir.path(), text);
        let out = compare(
            [&data, &preds, &stakes, &rules, &dir.path().join("out")],
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(want), "{text}: {err}");
        assert!(err.contains("rules.toml"), "{text}: {err}");
        assert!(!dir.path().join("out").exists());
    }
}

/// A benchmark file of the archive's rows: a blend of two models (so BMC is neither 0 nor
/// the model's CORR), with the benchmark missing on every 17th row, which BMC then leaves
/// out of its era.
fn benchmark_file(dir: &Path, preds: &Path) -> std::path::PathBuf {
    let p = read_frame(preds).unwrap();
    let (ids, eras) = (p.text("id").unwrap(), p.text("era").unwrap());
    let (a, b) = (p.float("model_3").unwrap().0, p.float("model_7").unwrap().0);
    let mut csv = String::from("id,era,benchmark\n");
    for i in 0..p.rows() {
        if i % 17 == 5 {
            csv.push_str(&format!("{},{},\n", &ids[i], &eras[i]));
        } else {
            csv.push_str(&format!(
                "{},{},{}\n",
                &ids[i],
                &eras[i],
                0.7 * a[i] + 0.3 * b[i]
            ));
        }
    }
    let path = dir.join("benchmark.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn bmc_in_a_formula_equals_score_then_payout() {
    let dir = tempfile::tempdir().unwrap();
    let a = archive(dir.path());
    let [data, preds, stakes] = inputs(&a);
    let bench = benchmark_file(dir.path(), &preds);
    let rules = rules_file(
        dir.path(),
        "[[config]]\nname = \"corr-bmc\"\nscore = \"0.5 * corr + 2 * bmc\"\ncap = 0.05\n\n\
         [[config]]\nname = \"bmc-only\"\nscore = \"1 * bmc\"\ncap = 1\nresolve_lag = 1\n",
    );
    let run = |name: &str, max_values: &str| {
        let out = dir.path().join(name);
        // The column is found by its default name, `benchmark`, as in `diagnostics`.
        compare_ok(
            [&data, &preds, &stakes, &rules, &out],
            &[
                "--benchmark",
                &s(&bench),
                "--max-values",
                max_values,
                "--quiet",
            ],
        );
        out
    };
    let out = run("out", "100000000");
    // Read a batch of eras at a time (24 models × 240 rows per era): the same files.
    assert!(
        outputs(&out) == outputs(&run("eras-1", "6000")),
        "era batches"
    );
    let got = per_model(&out);
    let scores = dir.path().join("scores.parquet");
    ok(&[
        "score",
        "--data",
        &s(&data),
        "--predictions",
        &s(&preds),
        "--metrics",
        "corr,bmc",
        "--benchmark",
        &s(&bench),
        "--benchmark-column",
        "benchmark",
        "--out",
        &s(&scores),
        "--quiet",
    ]);
    let sc = read_frame(&scores).unwrap();
    let bmc = sc.float("bmc").unwrap().0;
    assert!(bmc.iter().all(|x| x.is_finite() && *x != 0.0));
    let cases: [(&str, Vec<&str>); 2] = [
        (
            "corr-bmc",
            vec![
                "--corr-col",
                "corr",
                "--mmc-col",
                "bmc",
                "--corr-multiplier",
                "0.5",
                "--mmc-multiplier",
                "2",
                "--cap",
                "0.05",
            ],
        ),
        (
            "bmc-only",
            vec!["--corr-col", "bmc", "--cap", "1", "--resolve-lag", "1"],
        ),
    ];
    for (config, rule) in cases {
        let traj = dir.path().join(format!("{config}_trajectory.parquet"));
        let json = dir.path().join(format!("{config}_payout.json"));
        let mut args = vec![
            "payout",
            "--scores",
            scores.to_str().unwrap(),
            "--stakes",
            stakes.to_str().unwrap(),
            "--rule",
            "custom",
            "--out",
            traj.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ];
        args.extend(rule);
        ok(&args);
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let mut checked = 0;
        for m in summary["models"].as_array().unwrap() {
            let model = m["model"].as_str().unwrap();
            let (stake0, fin) = (
                m["stake0"].as_f64().unwrap(),
                m["final_stake"].as_f64().unwrap(),
            );
            let (_, g_total, g_final) = got[&(config.to_string(), model.to_string())];
            // Same per-era scores through the same compounding: the same bits.
            assert_eq!(g_final, fin, "{config} {model}");
            assert_eq!(g_total, fin - stake0, "{config} {model}");
            checked += 1;
        }
        assert_eq!(checked, 24, "{config}");
    }
    // bmc-only compounds with cap 1, lag 1: a model's final stake is its stake times the
    // product of (1 + bmc) over the eras, from `score`'s per-era bmc alone.
    let (models, eras) = (sc.text("model").unwrap(), sc.text("era").unwrap());
    let s0 = read_frame(&stakes).unwrap();
    let (names, amounts) = (s0.text("model").unwrap(), s0.float("stake").unwrap().0);
    for (name, &stake) in names.iter().zip(amounts.iter()) {
        let mut era_bmc: Vec<(&str, f64)> = (0..sc.rows())
            .filter(|&i| &models[i] == name)
            .map(|i| (&eras[i], bmc[i]))
            .collect();
        era_bmc.sort_by(|x, y| x.0.cmp(y.0));
        assert_eq!(era_bmc.len(), 14);
        let want = era_bmc.iter().fold(stake, |k, (_, b)| k * (1.0 + b));
        let (_, _, g_final) = got[&("bmc-only".to_string(), name.to_string())];
        assert!(
            (g_final - want).abs() <= 1e-12 * want.abs(),
            "{name}: {g_final} vs {want}"
        );
    }
    // The two configurations really score differently.
    let k = |c: &str| got[&(c.to_string(), "model_0".to_string())].2;
    assert_ne!(k("corr-bmc"), k("bmc-only"));
}

#[test]
fn bmc_without_a_benchmark_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = archive(dir.path());
    let [data, preds, stakes] = inputs(&a);
    let rules = rules_file(
        dir.path(),
        "[[config]]\nname = \"y2024\"\nrule = \"2024\"\n\n\
         [[config]]\nname = \"with-bmc\"\nscore = \"0.5 * corr + 2 * bmc\"\n",
    );
    let out = compare(
        [&data, &preds, &stakes, &rules, &dir.path().join("out")],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'with-bmc'") && err.contains("--benchmark"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

/// `--max-values 0` held no model at a time and ran anyway; like Python's `max_values=0`,
/// it is a usage error naming the flag.
#[test]
fn max_values_zero_is_a_usage_error() {
    let o = compare(
        [
            Path::new("d.parquet"),
            Path::new("p.parquet"),
            Path::new("s.csv"),
            Path::new("c.toml"),
            Path::new("out"),
        ],
        &["--max-values", "0"],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("--max-values") && e.contains("0 is not in 1.."),
        "{e}"
    );
}
