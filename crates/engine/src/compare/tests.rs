use super::*;
use crate::inputs::{Predictions, Reference};
use crate::metrics::Metric;
use crate::score::{ScoreConfig, ScoreInputs};
use erascore_io::dataset::Dataset;
use erascore_io::Strings;
use erascore_payout::series::ModelScores;
use erascore_payout::Preset;
use erascore_payout::Rule;

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
        names: models.clone(),
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
    use super::payouts::unscored_warning;
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
    assert!(e.contains("set the payout rule to custom"), "{e}");
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
