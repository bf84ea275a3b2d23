//! Golden comparisons of the Signals kernels against numerai-tools 0.7.2 (fixtures
//! `fixtures/golden/signals_*.json`, written by `scripts/make_signals_golden.py`), and
//! property tests of their invariants.
//!
//! Tolerance 1e-12 × max(1, |value|) for every score and weight (the task's bar is 1e-9);
//! each test prints its largest difference with `--nocapture`. A fixture entry holding
//! `"error"` is a numerai-tools assertion: the kernel must return the matching error.

use erascore_kernels::alpha::alpha_many;
use erascore_kernels::churn::{churn, churn_top_bottom};
use erascore_kernels::clean::rank_and_fill;
use erascore_kernels::contribution::ContributionTarget;
use erascore_kernels::meta_portfolio::meta_portfolio_contribution;
use erascore_kernels::neutral_churn::{neutral_churn, neutral_churn_penalty, PenaltyError};
use erascore_kernels::neutral_scores::{neutral_contribution, neutral_correlation};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::neutralized_weights::{generate_neutralized_weights_many, WeightScaling};
use erascore_kernels::target::Precision;
use erascore_kernels::turnover::turnover;
use erascore_kernels::KernelError;
use proptest::prelude::*;
use serde_json::Value;

use crate::golden::{
    cases, columns, f64s, load, matrix, name, num, precision_of, top_bottom, values_in, Report,
};

const TOL: f64 = 1e-12;

/// The kernel error a numerai-tools assertion message stands for.
fn same_error(message: &str, err: &KernelError) -> bool {
    match err {
        KernelError::NanInput { what, .. } => {
            message == format!("{}{} contain NaNs", what[..1].to_uppercase(), &what[1..])
                || (what == "sample weights" && message == "Weights contain NaNs")
        }
        KernelError::StakesNotNormalizable { .. } => message == "Stakes must sum to 1",
        KernelError::ZeroVariance { what } => {
            message == format!("{what} must have non-zero standard deviation")
        }
        _ => false,
    }
}

/// Compares a kernel result with a fixture entry `{"value": ...}` or `{"error": ...}`.
fn check<T>(
    rep: &mut Report,
    label: &str,
    entry: &Value,
    got: Result<T, KernelError>,
    compare: impl FnOnce(&mut Report, T, &Value),
) {
    match (entry.get("error").and_then(Value::as_str), got) {
        (Some(msg), Err(e)) if same_error(msg, &e) => rep.exact(label, 0.0, 0.0),
        (Some(msg), Err(e)) => rep.fail(format!("{label}: want error '{msg}', got error {e}")),
        (Some(msg), Ok(_)) => rep.fail(format!("{label}: want error '{msg}', got a value")),
        (None, Err(e)) => rep.fail(format!("{label}: unexpected error {e}")),
        (None, Ok(v)) => compare(rep, v, &entry["value"]),
    }
}

fn close_all(rep: &mut Report, label: &str, got: &[f64], want: &[f64]) {
    if got.len() != want.len() {
        rep.fail(format!(
            "{label}: {} values, want {}",
            got.len(),
            want.len()
        ));
        return;
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        rep.close(&format!("{label} [{i}]"), *g, *w, TOL);
    }
}

#[test]
fn neutralized_weights_alpha_and_mpc_match_reference() {
    let g = load("signals_portfolio.json");
    let mut rep = Report::new("generate_neutralized_weights / alpha / meta_portfolio_contribution");
    for case in cases(&g) {
        let label = name(case);
        let precision = precision_of(&case["target_dtype"]);
        let nz = matrix(&case["neutralizers"]);
        let weights = f64s(&case["sample_weights"]);
        let target = values_in(&case["target"], precision);
        let preds = columns(&case["predictions"]);
        let refs: Vec<&[f64]> = preds.iter().map(Vec::as_slice).collect();
        let stakes = f64s(&case["stakes"]);
        for (key, scaling) in [
            ("weights_raw", WeightScaling::Raw),
            (
                "weights_center_and_normalize",
                WeightScaling::CenterAndNormalize,
            ),
        ] {
            let got = generate_neutralized_weights_many(&refs[..2], &nz, &weights, scaling);
            check(
                &mut rep,
                &format!("{label} {key}"),
                &case[key],
                got,
                |rep, got, want| {
                    for (m, w) in columns(want).iter().enumerate() {
                        close_all(rep, &format!("{label} {key} model {m}"), &got[m], w);
                    }
                },
            );
        }
        let got = alpha_many(&refs, &nz, &weights, &target, precision);
        check(
            &mut rep,
            &format!("{label} alpha"),
            &case["alpha"],
            got,
            |rep, got, want| close_all(rep, &format!("{label} alpha"), &got, &f64s(want)),
        );
        let got = meta_portfolio_contribution(&refs, &stakes, &nz, &weights, &target, precision);
        check(
            &mut rep,
            &format!("{label} mpc"),
            &case["mpc"],
            got,
            |rep, got, want| close_all(rep, &format!("{label} mpc"), &got, &f64s(want)),
        );
    }
    rep.finish();
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("ids")
        .iter()
        .map(|s| s.as_str().expect("id").to_string())
        .collect()
}

#[test]
fn churn_turnover_and_penalty_match_reference() {
    let g = load("signals_churn.json");
    let mut rep = Report::new("churn / turnover / neutral_churn_penalty");
    for case in cases(&g) {
        let label = name(case);
        let (ids1, ids2) = (strings(&case["ids1"]), strings(&case["ids2"]));
        let (s1, s2) = (f64s(&case["s1"]), f64s(&case["s2"]));
        let got = match top_bottom(case) {
            Some(k) => churn_top_bottom(&ids1, &s1, &ids2, &s2, k),
            None => {
                // The plain cases share their ids, NaN-free: already aligned.
                assert_eq!(ids1, ids2, "{label}");
                churn(&s1, &s2)
            }
        };
        check(&mut rep, label, &case["churn"], got, |rep, got, want| {
            rep.close(label, got, num(want), TOL)
        });
    }
    for case in g["turnover"].as_array().expect("turnover cases") {
        let got = turnover(&f64s(&case["w1"]), &f64s(&case["w2"])).expect("turnover");
        rep.close(name(case), got, num(&case["turnover"]), TOL);
    }
    for case in g["penalty"].as_array().expect("penalty cases") {
        let (c, t, s) = (
            num(&case["neutral_churn"]),
            num(&case["threshold"]),
            num(&case["scaling_factor"]),
        );
        let label = format!("penalty({c}, {t}, {s})");
        match (neutral_churn_penalty(c, t, s), &case["retained"]) {
            (Ok(got), want) if want.get("value").is_some() => {
                rep.close(&label, got, num(&want["value"]), TOL)
            }
            (Err(e), want) => {
                let msg = want["error"].as_str().unwrap_or("");
                let word = match e {
                    PenaltyError::Churn(_) => "neutral_churn",
                    PenaltyError::Threshold(_) => "threshold",
                    PenaltyError::Scale(_) => "scaling_factor",
                };
                if msg.starts_with(word) {
                    rep.exact(&label, 0.0, 0.0);
                } else {
                    rep.fail(format!("{label}: got error {e}, want {want}"));
                }
            }
            (Ok(got), want) => rep.fail(format!("{label}: got {got}, want {want}")),
        }
    }
    rep.finish();
}

#[test]
fn neutral_scores_on_risk_neutralizers_match_reference() {
    let g = load("signals_neutral.json");
    let mut rep = Report::new("neutral_correlation / neutral_contribution / neutral_churn");
    for case in cases(&g) {
        let label = name(case);
        let nz = Neutralizer::new(matrix(&case["neutralizers"]));
        let nz_prev = Neutralizer::new(matrix(&case["neutralizers_prev"]));
        let target = f64s(&case["target"]);
        let meta = f64s(&case["meta_model"]);
        let previous = f64s(&case["previous"]);
        let ct = ContributionTarget::new(&target, Precision::F64);
        let tb = top_bottom(case);
        let want_nc = f64s(&case["neutral_correlation"]);
        let want_ncontrib = f64s(&case["neutral_contribution"]);
        let want_churn = f64s(&case["neutral_churn"]);
        for (m, p) in columns(&case["predictions"]).iter().enumerate() {
            let nc = neutral_correlation(p, &nz, &target, Precision::F64, tb).expect("nc");
            rep.close(&format!("{label} nc {m}"), nc, want_nc[m], TOL);
            let ncon = neutral_contribution(p, &meta, &nz, &ct, tb).expect("ncontrib");
            rep.close(
                &format!("{label} ncontrib {m}"),
                ncon,
                want_ncontrib[m],
                TOL,
            );
            let churn = neutral_churn(p, &nz, &previous, &nz_prev).expect("neutral churn");
            rep.close(
                &format!("{label} neutral_churn {m}"),
                churn,
                want_churn[m],
                TOL,
            );
        }
    }
    rep.finish();
}

/// numerai-tools' live check, `calculate_max_churn_and_turnover` and
/// `calculate_mean_neutral_churn` with one previous submission, rebuilt from the kernels:
/// rank-and-fill both submissions over the universe, churn of those, turnover of their
/// centred and normalized neutralized weights, neutral churn.
#[test]
fn live_churn_and_turnover_match_reference() {
    let g = load("signals_live.json");
    let mut rep = Report::new("calculate_max_churn_and_turnover / calculate_mean_neutral_churn");
    for case in cases(&g) {
        let label = name(case);
        let curr = rank_and_fill(&f64s(&case["current"]));
        let prev = rank_and_fill(&f64s(&case["previous"]));
        let (x, x_prev) = (
            matrix(&case["neutralizers"]),
            matrix(&case["neutralizers_prev"]),
        );
        let w = generate_neutralized_weights_many(
            &[&curr],
            &x,
            &f64s(&case["sample_weights"]),
            WeightScaling::CenterAndNormalize,
        )
        .expect("weights");
        let w_prev = generate_neutralized_weights_many(
            &[&prev],
            &x_prev,
            &f64s(&case["sample_weights_prev"]),
            WeightScaling::CenterAndNormalize,
        )
        .expect("weights");
        let c = churn(&curr, &prev).expect("churn").abs();
        rep.close(
            &format!("{label} max_churn"),
            c,
            num(&case["max_churn"]),
            TOL,
        );
        let t = turnover(&w[0], &w_prev[0]).expect("turnover").abs();
        rep.close(
            &format!("{label} max_turnover"),
            t,
            num(&case["max_turnover"]),
            TOL,
        );
        let nc = neutral_churn(
            &curr,
            &Neutralizer::new(x),
            &prev,
            &Neutralizer::new(x_prev),
        )
        .expect("neutral churn");
        rep.close(
            &format!("{label} mean_neutral_churn"),
            nc,
            num(&case["mean_neutral_churn"]),
            TOL,
        );
    }
    rep.finish();
}

// ---------------------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------------------

fn distinct_values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-1000i32..1000, n).prop_map(|v| {
        v.iter()
            .enumerate()
            .map(|(i, &x)| x as f64 + i as f64 * 1e-4)
            .collect()
    })
}

fn unit_columns(n: usize, k: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-1.0f64..1.0, n * k)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Churn lies in [0, 2]; churn of a series with itself is 0.
    #[test]
    fn churn_bounds(a in distinct_values(30), b in distinct_values(30)) {
        let c = churn(&a, &b).unwrap();
        prop_assert!((-1e-12..=2.0 + 1e-12).contains(&c), "{c}");
        prop_assert!(churn(&a, &a).unwrap().abs() < 1e-12);
    }

    /// Top/bottom churn is a multiple of 1/(2k) in [0, 1], 0 against itself.
    #[test]
    fn top_bottom_churn_bounds(a in distinct_values(40), b in distinct_values(40), k in 1usize..15) {
        let ids: Vec<u32> = (0..40).collect();
        let c = churn_top_bottom(&ids, &a, &ids, &b, k).unwrap();
        prop_assert!((0.0..=1.0).contains(&c));
        let steps = c * 2.0 * k as f64;
        prop_assert!((steps - steps.round()).abs() < 1e-9);
        prop_assert_eq!(churn_top_bottom(&ids, &a, &ids, &a, k).unwrap(), 0.0);
    }

    /// Turnover of two gross-1 portfolios lies in [0, 1] and is symmetric.
    #[test]
    fn turnover_bounds(a in distinct_values(25), b in distinct_values(25), x in unit_columns(25, 3)) {
        let m = erascore_kernels::matrix::ColumnMatrix::new(
            25, 3, erascore_kernels::matrix::ColumnData::F64(x)).unwrap();
        let w = generate_neutralized_weights_many(&[&a, &b], &m, &[1.0; 25],
            WeightScaling::CenterAndNormalize).unwrap();
        let t = turnover(&w[0], &w[1]).unwrap();
        prop_assert!((0.0..=1.0 + 1e-12).contains(&t), "{t}");
        prop_assert!((t - turnover(&w[1], &w[0]).unwrap()).abs() < 1e-15);
    }

    /// Alpha depends on the predictions only through their ranks, and a constant shift of
    /// the target changes nothing.
    #[test]
    fn alpha_invariances(p in distinct_values(30), t in proptest::collection::vec(-1.0f64..1.0, 30),
                         x in unit_columns(30, 2), shift in -5.0f64..5.0) {
        let m = erascore_kernels::matrix::ColumnMatrix::new(
            30, 2, erascore_kernels::matrix::ColumnData::F64(x)).unwrap();
        let w: Vec<f64> = (0..30).map(|i| 0.5 + (i % 3) as f64).collect();
        let base = alpha_many(&[&p], &m, &w, &t, Precision::F64).unwrap()[0];
        let cubed: Vec<f64> = p.iter().map(|v| v * v * v + 7.0).collect();
        let shifted: Vec<f64> = t.iter().map(|v| v + shift).collect();
        prop_assert!((alpha_many(&[&cubed], &m, &w, &t, Precision::F64).unwrap()[0] - base).abs() < 1e-14);
        prop_assert!((alpha_many(&[&p], &m, &w, &shifted, Precision::F64).unwrap()[0] - base).abs() < 1e-12);
    }

    /// The stake-weighted sum of the models' MPC is zero (each model's residual is taken
    /// against the stake-weighted portfolio), and scaling every stake changes nothing.
    #[test]
    fn mpc_stake_weighted_sum_is_zero(a in distinct_values(30), b in distinct_values(30),
                                      c in distinct_values(30),
                                      t in proptest::collection::vec(-1.0f64..1.0, 30),
                                      stakes in proptest::collection::vec(0.1f64..100.0, 3)) {
        let m = erascore_kernels::matrix::ColumnMatrix::new(
            30, 0, erascore_kernels::matrix::ColumnData::F64(vec![])).unwrap();
        let w = [1.0; 30];
        let mpc = meta_portfolio_contribution(&[&a, &b, &c], &stakes, &m, &w, &t, Precision::F64).unwrap();
        let total: f64 = stakes.iter().sum();
        let weighted: f64 = mpc.iter().zip(&stakes).map(|(x, s)| x * s / total).sum();
        prop_assert!(weighted.abs() < 1e-14, "{weighted}");
        let scaled: Vec<f64> = stakes.iter().map(|s| s * 3.5).collect();
        let again = meta_portfolio_contribution(&[&a, &b, &c], &scaled, &m, &w, &t, Precision::F64).unwrap();
        for (x, y) in mpc.iter().zip(&again) {
            prop_assert!((x - y).abs() < 1e-14);
        }
    }
}
