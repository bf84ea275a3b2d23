//! Integration tests of erascore-synth: the written files, read back with erascore-io.

use std::collections::HashSet;
use std::path::Path;

use erascore_input::Input;
use erascore_io::dataset::{read_dataset, Dataset, DatasetRequest, FeatureSelection};
use erascore_io::features_json::read_feature_set;
use erascore_io::frame::read_frame;
use erascore_synth::{Synth, SynthConfig, SynthError, FILES, TARGETS};

fn config() -> SynthConfig {
    SynthConfig {
        eras: 6,
        rows_per_era: 400,
        features: 30,
        models: 4,
        seed: 7,
        // Two eras per row group: several row groups, as in the full-size files.
        rows_per_row_group: 800,
        ..SynthConfig::default()
    }
}

fn write(config: SynthConfig, dir: &Path, threads: usize) -> Vec<Vec<u8>> {
    let synth = Synth::new(config).expect("valid config");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| synth.write(dir, &mut || {}))
        .expect("write succeeds");
    FILES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).expect("file exists"))
        .collect()
}

fn read_all(dir: &Path) -> Dataset {
    read_dataset(
        &dir.join("data.parquet"),
        &DatasetRequest {
            features: FeatureSelection::All,
            targets: TARGETS.iter().map(|t| t.to_string()).collect(),
        },
    )
    .expect("erascore-io reads the synthetic data")
}

/// Row indices of each era, in era order.
fn era_rows(data: &Dataset) -> Vec<Vec<usize>> {
    let mut rows = vec![Vec::new(); data.era_names.len()];
    for (i, &e) in data.eras.iter().enumerate() {
        rows[e as usize].push(i);
    }
    rows
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn same_seed_gives_identical_bytes_on_any_thread_count() {
    let (a, b, c) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let one = write(config(), a.path(), 1);
    let three = write(config(), b.path(), 3);
    for (name, (x, y)) in FILES.iter().zip(one.iter().zip(&three)) {
        assert!(x == y, "{name} differs between 1 and 3 threads");
    }
    let other = write(
        SynthConfig {
            seed: 8,
            ..config()
        },
        c.path(),
        2,
    );
    assert_ne!(one[0], other[0], "another seed gives another data.parquet");
    assert_ne!(one[1], other[1], "another seed gives other predictions");
}

#[test]
fn in_memory_eras_do_not_depend_on_the_order_they_are_made_in() {
    let synth = Synth::new(config()).expect("valid config");
    let late_first = synth.era(4);
    let _ = synth.era(0);
    let again = synth.era(4);
    assert_eq!(late_first.ids, again.ids);
    assert_eq!(late_first.features, again.features);
    assert_eq!(late_first.predictions, again.predictions);
}

#[test]
fn reads_back_with_erascore_io() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(config(), dir.path(), 2);
    let data = read_all(dir.path());
    assert_eq!(data.rows(), 6 * 400);
    assert_eq!(
        data.era_names,
        ["0001", "0002", "0003", "0004", "0005", "0006"]
    );
    assert_eq!(data.feature_names.len(), 30);
    assert!(data.feature_names.iter().all(|f| f.starts_with("feature_")));
    let ids: HashSet<&str> = data.ids.iter().collect();
    assert_eq!(ids.len(), data.rows(), "ids are unique");
    assert!(data
        .ids
        .iter()
        .all(|id| id.len() == 16 && id.starts_with('n')));
    for rows in era_rows(&data) {
        let era_ids: Vec<&str> = rows.iter().map(|&i| &data.ids[i]).collect();
        assert!(
            era_ids.windows(2).any(|w| w[0] > w[1]),
            "ids must not come sorted within an era"
        );
    }
    assert!(data
        .targets
        .iter()
        .all(|t| t.width == erascore_io::FloatWidth::F32));
}

#[test]
fn targets_are_split_5_20_50_20_5_in_every_era() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(config(), dir.path(), 2);
    let data = read_all(dir.path());
    for rows in era_rows(&data) {
        for target in &data.targets[..2] {
            let mut counts = [0usize; 5];
            for &i in &rows {
                let v = target.values[i];
                let bin = (v * 4.0).round() as usize;
                assert_eq!(bin as f64 * 0.25, v, "{}: value {v}", target.name);
                counts[bin] += 1;
            }
            assert_eq!(counts, [20, 80, 200, 80, 20], "{}", target.name);
        }
    }
}

#[test]
fn features_hold_a_fifth_of_the_rows_in_each_bin_per_era() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(config(), dir.path(), 2);
    let data = read_all(dir.path());
    for rows in era_rows(&data) {
        for (name, column) in data.feature_names.iter().zip(&data.features) {
            let mut counts = [0usize; 5];
            for &i in &rows {
                let b = column[i];
                assert!((0..=4).contains(&b), "{name}: bin {b}");
                counts[b as usize] += 1;
            }
            assert_eq!(counts, [80; 5], "{name}");
        }
    }
}

#[test]
fn target_aux_60_misses_a_few_values_in_the_last_era_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(config(), dir.path(), 2);
    let data = read_all(dir.path());
    let missing = |k: usize, rows: &[usize]| {
        rows.iter()
            .filter(|&&i| data.targets[k].values[i].is_nan())
            .count()
    };
    let eras = era_rows(&data);
    for (e, rows) in eras.iter().enumerate() {
        assert_eq!(missing(0, rows), 0);
        assert_eq!(missing(1, rows), 0);
        let expected = if e == eras.len() - 1 { 4 } else { 0 };
        assert_eq!(missing(2, rows), expected, "era {e}");
    }
}

#[test]
fn targets_and_models_carry_signal() {
    // Enough eras that the era-to-era swings in signal strength average out.
    let synth = Synth::new(SynthConfig {
        eras: 30,
        rows_per_era: 3_000,
        features: 60,
        ..config()
    })
    .expect("valid config");
    let mut corr_target = 0.0;
    let mut corr_models = 0.0;
    let mut corr_aux = 0.0;
    let eras = synth.config().eras;
    for e in 0..eras {
        let era = synth.era(e);
        let target: Vec<f64> = era.targets[0].iter().map(|&v| f64::from(v)).collect();
        let aux: Vec<f64> = era.targets[1].iter().map(|&v| f64::from(v)).collect();
        corr_target += pearson(&era.predictions[0], &target) / eras as f64;
        corr_models += pearson(&era.predictions[0], &era.predictions[3]) / eras as f64;
        corr_aux += pearson(&target, &aux) / eras as f64;
        for p in &era.predictions {
            assert!(p.iter().all(|&v| v > 0.0 && v < 1.0));
        }
        assert!(era.meta_model.iter().all(|&v| v > 0.0 && v < 1.0));
        let rounded: HashSet<u64> = era.predictions[1].iter().map(|v| v.to_bits()).collect();
        assert!(rounded.len() <= 9, "model_1 has {} values", rounded.len());
    }
    assert!(corr_target > 0.005 && corr_target < 0.2, "{corr_target}");
    assert!(corr_models > 0.2, "{corr_models}");
    assert!(corr_aux > 0.3 && corr_aux < 0.95, "{corr_aux}");
}

#[test]
fn side_files_match_the_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(config(), dir.path(), 2);
    let data = read_all(dir.path());
    let preds = read_frame(&dir.path().join("predictions.parquet")).expect("predictions");
    assert_eq!(
        preds.names(),
        ["id", "model_0", "model_1", "model_2", "model_3"]
    );
    assert_eq!(preds.text("id").expect("id").as_ref(), &data.ids);
    let meta = read_frame(&dir.path().join("meta_model.parquet")).expect("meta model");
    assert_eq!(meta.names(), ["id", "era", "numerai_meta_model"]);
    let stakes = read_frame(&dir.path().join("stakes.csv")).expect("stakes");
    assert_eq!(stakes.rows(), 4);
    let (s, _) = stakes.float("stake").expect("stake column");
    assert!(s.iter().all(|v| (1.0..=1000.0).contains(v)));
    let json = dir.path().join("features.json");
    let small = read_feature_set(&json, "small").expect("small");
    let medium = read_feature_set(&json, "medium").expect("medium");
    let all = read_feature_set(&json, "all").expect("all");
    assert_eq!((small.len(), medium.len(), all.len()), (3, 8, 30));
    assert!(small.iter().all(|f| medium.contains(f)));
    assert_eq!(all, data.feature_names);
}

#[test]
fn invalid_shapes_are_refused_before_any_file_is_written() {
    let bad = [
        SynthConfig {
            eras: 0,
            ..config()
        },
        SynthConfig {
            rows_per_era: 19,
            ..config()
        },
        SynthConfig {
            features: 0,
            ..config()
        },
        SynthConfig {
            models: 0,
            ..config()
        },
    ];
    for c in bad {
        assert!(Synth::new(c.clone()).is_err(), "{c:?}");
    }
    assert!(matches!(
        Synth::new(SynthConfig {
            rows_per_era: 5,
            ..config()
        }),
        Err(SynthError::Size(m)) if m.input() == Some(Input::RowsPerEra)
            && m.to_string().ends_with("got 5")
    ));
}

#[test]
fn a_file_in_place_of_the_folder_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not_a_dir");
    std::fs::write(&file, b"x").expect("write");
    let synth = Synth::new(config()).expect("valid config");
    match synth.write(&file, &mut || {}) {
        Err(SynthError::Output(e)) => {
            let e = e.to_string();
            assert!(e.contains("not_a_dir") && e.contains("is a file"), "{e}");
        }
        other => panic!("expected an output error, got {other:?}"),
    }
}

#[test]
fn sizes_beyond_memory_are_refused() {
    for (c, input) in [
        (
            SynthConfig {
                rows_per_era: 4_000_000_000,
                ..config()
            },
            Input::RowsPerEra,
        ),
        (
            SynthConfig {
                features: 100_000_000,
                ..config()
            },
            Input::FeatureCount,
        ),
        (
            SynthConfig {
                models: 100_000_000,
                ..config()
            },
            Input::ModelCount,
        ),
        // Each size within its limit, one era beyond memory together.
        (
            SynthConfig {
                rows_per_era: 5_000_000,
                features: 2_000,
                ..config()
            },
            Input::RowsPerEra,
        ),
    ] {
        match Synth::new(c.clone()) {
            // The input at fault is named, worded by the front end (here: its variant).
            Err(e @ SynthError::Size(_)) => {
                let text = e.render(&|i| format!("<{i:?}>"));
                assert!(
                    text.starts_with(&format!("<{input:?}> ")) && text.contains("is too large"),
                    "{text}"
                );
            }
            other => panic!("{c:?}: expected too large, got {other:?}"),
        }
    }
}

#[test]
fn the_folder_is_replaced_whole_and_other_files_are_never_touched() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("data");
    let first = write(config(), &dir, 2);
    let second = write(
        SynthConfig {
            seed: 8,
            ..config()
        },
        &dir,
        2,
    );
    assert_ne!(first[0], second[0]);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("listing")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
    assert_eq!(
        std::fs::read_dir(root.path()).expect("listing").count(),
        1,
        "no temporary folder is left next to it"
    );
    std::fs::write(dir.join("notes.txt"), "mine").expect("write");
    let synth = Synth::new(config()).expect("valid config");
    let e = synth
        .write(&dir, &mut || {})
        .expect_err("refused")
        .to_string();
    assert!(e.contains("notes.txt"), "{e}");
    assert_eq!(
        std::fs::read(dir.join("data.parquet")).expect("kept"),
        second[0]
    );
}
