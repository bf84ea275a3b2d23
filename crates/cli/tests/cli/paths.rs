//! Regression tests of the CLI's data and flag paths (issue 23, section 3): ids compared
//! exactly, nested parquet columns, `--eras` values, `validate --clean`, flag combinations,
//! sizes and thread counts, long names, folder outputs, eras without targets.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

use erascore_io::frame::{read_frame, write_frame, Column, Frame, Values};
use erascore_io::{FloatWidth, Strings};

use crate::common::{erascore, on_data, s, stderr};

fn ok(args: &[&str]) -> Output {
    let o = erascore(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    o
}

/// Runs a command that must exit with `code` without a panic; returns stderr.
fn fails(code: i32, args: &[&str]) -> String {
    let o = erascore(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

fn text(name: &str, v: impl IntoIterator<Item = String>) -> Column {
    Column {
        name: name.into(),
        values: Values::Text(v.into_iter().collect::<Strings>()),
    }
}

fn floats(name: &str, v: Vec<f64>) -> Column {
    Column {
        name: name.into(),
        values: Values::Float(v, FloatWidth::F64),
    }
}

fn write(path: &Path, columns: Vec<Column>) {
    write_frame(path, &Frame::new(path, columns).unwrap()).unwrap();
}

/// Three eras of 8 rows: ids, eras, a target in quarters and two prediction columns.
const ROWS: usize = 24;

fn era_of(r: usize) -> String {
    format!("{:04}", r / 8 + 1)
}

fn target(r: usize) -> f64 {
    ((r * 7) % 5) as f64 / 4.0
}

fn prediction(r: usize, model: usize) -> f64 {
    ((r * (3 + model)) % 11) as f64 / 10.0
}

/// Data and predictions files keyed by `ids` (a column of the given kind).
fn write_inputs(dir: &Path, ids: impl Fn() -> Column) -> (String, String) {
    let data = dir.join("data.parquet");
    write(
        &data,
        vec![
            ids(),
            text("era", (0..ROWS).map(era_of)),
            floats("target", (0..ROWS).map(target).collect()),
        ],
    );
    let preds = dir.join("predictions.parquet");
    write(
        &preds,
        vec![
            ids(),
            floats("model_a", (0..ROWS).map(|r| prediction(r, 0)).collect()),
            floats("model_b", (0..ROWS).map(|r| prediction(r, 1)).collect()),
        ],
    );
    (s(&data), s(&preds))
}

fn corr_by_era_model(path: &Path) -> Vec<(String, String, f64)> {
    let f = read_frame(path).unwrap();
    let (era, model) = (f.text("era").unwrap(), f.text("model").unwrap());
    let corr = f.float("corr").unwrap().0;
    let mut v: Vec<(String, String, f64)> = (0..f.rows())
        .map(|i| (era[i].to_string(), model[i].to_string(), corr[i]))
        .collect();
    v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    v
}

fn score_corr(data: &str, preds: &str, out: &Path, extra: &[&str]) -> Vec<(String, String, f64)> {
    let out_s = s(out);
    let mut args = on_data(
        "score",
        data,
        preds,
        &out_s,
        &["--metrics", "corr", "--quiet"],
    );
    args.extend(extra);
    ok(&args);
    corr_by_era_model(out)
}

/// Integer ids past 2^53: consecutive ids share one f64, so compared as numbers they would
/// be duplicates. Compared exactly, they score as the same rows keyed by text do.
#[test]
fn integer_ids_above_2_pow_53_compare_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text_dir = d.join("text");
    std::fs::create_dir(&text_dir).unwrap();
    let (data, preds) = write_inputs(&text_dir, || text("id", (0..ROWS).map(|r| format!("n{r}"))));
    let want = score_corr(&data, &preds, &d.join("text.csv"), &[]);
    assert_eq!(want.len(), 6);

    let big = |name: &str, from: u64| {
        let ids = (0..ROWS as u64).map(move |r| (from + r).to_string());
        Column {
            name: name.into(),
            values: Values::Integer(ids.collect()),
        }
    };
    let int_dir = d.join("int");
    std::fs::create_dir(&int_dir).unwrap();
    let (data, preds) = write_inputs(&int_dir, || big("id", 1 << 53));
    assert_eq!(score_corr(&data, &preds, &d.join("int.csv"), &[]), want);

    // Predictions whose ids are all one past the data's: none of them is a data row.
    let other = d.join("other.parquet");
    write(
        &other,
        vec![
            big("id", (1 << 53) + ROWS as u64),
            floats("model_a", (0..ROWS).map(|r| prediction(r, 0)).collect()),
        ],
    );
    let out = s(&d.join("other.csv"));
    let e = fails(
        1,
        &on_data("score", &data, &s(&other), &out, &["--metrics", "corr"]),
    );
    assert!(e.contains("other.parquet"), "{e}");
}

/// `--eras` takes one form per value: a range and a list mixed would score eras never
/// named, so they are a usage error.
#[test]
fn an_eras_value_mixing_a_range_and_a_list_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (data, preds) = write_inputs(d, || text("id", (0..ROWS).map(|r| format!("n{r}"))));
    let out = d.join("o.csv");
    let e = fails(
        2,
        &on_data(
            "score",
            &data,
            &preds,
            &s(&out),
            &["--metrics", "corr", "--eras", "0001..0002,0003"],
        ),
    );
    assert!(e.contains("--eras") && e.contains("0001..0002,0003"), "{e}");
    assert!(!out.exists());
    let listed = score_corr(&data, &preds, &out, &["--eras", "0001,0003"]);
    let eras: Vec<&str> = listed.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(eras, ["0001", "0001", "0003", "0003"]);
}

fn validate_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/validate")
        .join(name)
}

/// `--clean` is an output like any other: checked before the submission is read, so it
/// can neither overwrite an input nor turn a usage error into a verdict (exit 1).
#[test]
fn validate_clean_is_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sub = d.join("sub.csv");
    let live = d.join("live.csv");
    std::fs::copy(validate_fixture("classic_valid.csv"), &sub).unwrap();
    std::fs::copy(validate_fixture("live_classic.csv"), &live).unwrap();
    let before = (std::fs::read(&sub).unwrap(), std::fs::read(&live).unwrap());
    let run = |clean: &Path| {
        erascore(&[
            "validate",
            "--tournament",
            "classic",
            &s(&sub),
            "--live-ids",
            &s(&live),
            "--clean",
            &s(clean),
        ])
    };
    for (clean, flag) in [(&sub, "SUBMISSION"), (&live, "--live-ids")] {
        let o = run(clean);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains("--clean") && e.contains(flag), "{e}");
    }
    assert_eq!(
        (std::fs::read(&sub).unwrap(), std::fs::read(&live).unwrap()),
        before
    );
    // A folder where the file goes: a usage error, and nothing printed as a verdict.
    let o = run(d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // And a usable path still gets the cleaned file.
    let out = d.join("clean.csv");
    let o = run(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.exists());
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["clean.csv", "live.csv", "sub.csv"]);
}

/// A parquet prediction column of text fails numerai-tools' range check (pandas keeps the
/// strings); the same cells in a CSV file are numbers, as pandas reads them.
#[test]
fn validate_refuses_a_parquet_prediction_column_of_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = read_frame(&validate_fixture("classic_valid.csv")).unwrap();
    let ids = csv.text("id").unwrap().into_owned();
    let cells = csv.text("prediction").unwrap().into_owned();
    let sub = d.join("sub.parquet");
    write(
        &sub,
        vec![
            Column {
                name: "id".into(),
                values: Values::Text(ids),
            },
            Column {
                name: "prediction".into(),
                values: Values::Text(cells),
            },
        ],
    );
    let o = erascore(&["validate", "--tournament", "classic", &s(&sub)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("'prediction' holds text"), "{out}");
    let o = erascore(&[
        "validate",
        "--tournament",
        "classic",
        &s(&validate_fixture("classic_valid.csv")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Per-round multipliers under a Signals rule is a flag combination no file can fix.
#[test]
fn payout_multipliers_with_a_signals_rule_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scores = d.join("s.csv");
    std::fs::write(&scores, "era,model,corr,mmc\n0001,a,0.01,0.02\n").unwrap();
    let mults = d.join("m.csv");
    std::fs::write(&mults, "round,corr_multiplier,mmc_multiplier\n1,0.5,2\n").unwrap();
    let e = fails(
        2,
        &[
            "payout",
            "--scores",
            &s(&scores),
            "--stake",
            "100",
            "--rule",
            "signals-2025",
            "--multipliers",
            &s(&mults),
        ],
    );
    assert!(e.contains("--multipliers") && e.contains("classic"), "{e}");
}

/// A thread count the machine cannot start is refused with a message, not an abort.
#[test]
fn too_many_threads_are_refused_up_front() {
    for command in [
        &["validate", "--tournament", "classic", "x.csv"][..],
        &["synth", "--out", "never-written"],
    ] {
        let mut args = vec!["--threads", "5000"];
        args.extend(command);
        let e = fails(2, &args);
        assert!(e.contains("--threads") && e.contains("1024"), "{e}");
    }
}

/// A data file whose first columns are a list and a struct: each holds its own column
/// chunks, so `id`, `era` and the features sit at chunk indices past their column indices.
fn write_data_with_nested_columns(path: &Path, nested: bool) {
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{
        ArrayRef, Float64Array, Int8Array, ListArray, RecordBatch, StringArray, StructArray,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    if nested {
        let tags = ListArray::from_iter_primitive::<Int32Type, _, _>(
            (0..ROWS).map(|r| Some((0..r % 4).map(|k| Some(k as i32)).collect::<Vec<_>>())),
        );
        let meta = StructArray::try_from(vec![
            (
                "weight",
                Arc::new(Float64Array::from_iter_values((0..ROWS).map(|r| r as f64))) as ArrayRef,
            ),
            (
                "source",
                Arc::new(StringArray::from_iter_values(
                    (0..ROWS).map(|r| format!("s{r}")),
                )),
            ),
        ])
        .unwrap();
        columns.push(("tags", Arc::new(tags)));
        columns.push(("meta", Arc::new(meta)));
    }
    columns.push((
        "id",
        Arc::new(StringArray::from_iter_values(
            (0..ROWS).map(|r| format!("n{r}")),
        )),
    ));
    columns.push((
        "era",
        Arc::new(StringArray::from_iter_values((0..ROWS).map(era_of))),
    ));
    for (k, name) in ["feature_a", "feature_b", "feature_c"]
        .into_iter()
        .enumerate()
    {
        columns.push((
            name,
            Arc::new(Int8Array::from_iter_values(
                (0..ROWS).map(|r| ((r * (k + 2) + k) % 5) as i8),
            )),
        ));
    }
    columns.push((
        "target",
        Arc::new(Float64Array::from_iter_values((0..ROWS).map(target))),
    ));
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(8))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// List and struct columns before `id` are valid parquet: the columns erascore needs are
/// read where they are, with the same numbers as a file without them.
#[test]
fn nested_columns_before_the_id_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (flat, nested) = (d.join("flat.parquet"), d.join("nested.parquet"));
    write_data_with_nested_columns(&flat, false);
    write_data_with_nested_columns(&nested, true);
    let (_, preds) = write_inputs(d, || text("id", (0..ROWS).map(|r| format!("n{r}"))));
    let run = |data: &Path, out: &str, extra: &[&str]| {
        let out = d.join(out);
        let mut args = vec![
            "score".to_string(),
            "--data".into(),
            s(data),
            "--predictions".into(),
            preds.clone(),
            "--metrics".into(),
            "corr,fnc,fexp_max".into(),
            "--out".into(),
            s(&out),
            "--quiet".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&args);
        std::fs::read_to_string(out).unwrap()
    };
    for extra in [&[][..], &["--eras", "0002..0003"]] {
        let want = run(&flat, "flat.csv", extra);
        assert_eq!(
            want.lines().count(),
            1 + 2 * (3 - extra.len() / 2),
            "{want}"
        );
        assert_eq!(run(&nested, "nested.csv", extra), want, "{extra:?}");
    }
}

/// Sizes whose floats fit in 8 GB but whose ticker and era labels do not: refused before
/// anything is generated, not an abort on allocation.
#[test]
fn synth_signals_refuses_what_it_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("sig"));
    // 100 eras of a million tickers, one model, one neutralizer: 5.6 GB of floats by the
    // old count, ~27 GB with labels.
    let e = fails(
        2,
        &[
            "synth",
            "--tournament",
            "signals",
            "--eras",
            "100",
            "--rows",
            "1000000",
            "--models",
            "1",
            "--neutralizers",
            "1",
            "--out",
            &out,
            "--quiet",
        ],
    );
    assert!(e.contains("--rows") && e.contains("GB"), "{e}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

/// Data of `eras` eras of 8 rows whose target is NaN on every row from era `resolved + 1`
/// on (a validation file ending in rounds not resolved yet, or the live era), and
/// predictions for every row.
fn write_unresolved(dir: &Path, eras: usize, resolved: usize) -> (String, String) {
    let rows = eras * 8;
    let data = dir.join("data.parquet");
    write(
        &data,
        vec![
            text("id", (0..rows).map(|r| format!("n{r}"))),
            text("era", (0..rows).map(era_of)),
            floats(
                "target",
                (0..rows)
                    .map(|r| {
                        if r < resolved * 8 {
                            target(r)
                        } else {
                            f64::NAN
                        }
                    })
                    .collect(),
            ),
        ],
    );
    let preds = dir.join("predictions.csv");
    let mut csv = String::from("id,model_a,model_b\n");
    for r in 0..rows {
        csv.push_str(&format!("n{r},{},{}\n", prediction(r, 0), prediction(r, 1)));
    }
    std::fs::write(&preds, csv).unwrap();
    (s(&data), s(&preds))
}

/// Eras whose target is NaN on every row are left out with one warning naming them; the
/// eras that have targets get the numbers they get alone.
#[test]
fn eras_without_target_values_are_skipped_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (whole, partial) = (d.join("whole"), d.join("partial"));
    std::fs::create_dir(&whole).unwrap();
    std::fs::create_dir(&partial).unwrap();
    let (data3, preds3) = write_unresolved(&whole, 3, 3);
    let (data5, preds5) = write_unresolved(&partial, 5, 3);
    let want = score_corr(&data3, &preds3, &d.join("3.csv"), &[]);
    assert_eq!(want.len(), 6);
    let out = d.join("5.csv");
    let run = erascore(&on_data(
        "score",
        &data5,
        &preds5,
        &s(&out),
        &["--metrics", "corr", "--quiet"],
    ));
    let e = stderr(&run);
    assert_eq!(run.status.code(), Some(0), "{e}");
    assert_eq!(corr_by_era_model(&out), want);
    let warnings: Vec<&str> = e.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{e}");
    assert!(
        warnings[0].contains("2 era(s)")
            && warnings[0].contains("0004, 0005")
            && warnings[0].contains("its fexp_max, churn and other target-free metrics"),
        "{e}"
    );

    // Diagnostics: the same statistics as without those eras, and summary.json names them.
    let diagnostics = |data: &str, preds: &str, out: &Path| {
        let o = erascore(&on_data("diagnostics", data, preds, &s(out), &["--quiet"]));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let mut three = diagnostics(&data3, &preds3, &d.join("d3"));
    let mut five = diagnostics(&data5, &preds5, &d.join("d5"));
    assert_eq!(
        five["eras_without_targets"],
        serde_json::json!([
            {"era": "0004", "targets": ["target"]},
            {"era": "0005", "targets": ["target"]},
        ])
    );
    assert_eq!(three["eras_without_targets"], serde_json::json!([]));
    for j in [&mut three, &mut five] {
        let o = j.as_object_mut().unwrap();
        for k in ["eras_without_targets", "data", "predictions"] {
            o.remove(k);
        }
    }
    assert_eq!(three, five);

    // No era with a target at all: an error saying so.
    let none = d.join("none");
    std::fs::create_dir(&none).unwrap();
    let (data0, preds0) = write_unresolved(&none, 2, 0);
    let e = fails(
        1,
        &on_data(
            "score",
            &data0,
            &preds0,
            &s(&none.join("o.csv")),
            &["--metrics", "corr"],
        ),
    );
    assert!(e.contains("target") && e.contains("NaN"), "{e}");
}

/// A prediction, meta model or benchmark column stored as text in a parquet file (numbers
/// as strings, "0.3") is refused by score, diagnostics and compare alike, naming the file,
/// the column and its first id (numerai-tools refuses text values), and nothing is
/// written; the same cells in a CSV file are numbers, as pandas reads them, and score as
/// the parquet numbers do.
#[test]
fn text_value_columns_are_refused_in_parquet_and_read_as_numbers_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids = || text("id", (0..ROWS).map(|r| format!("n{r}")));
    let (data, preds) = write_inputs(d, ids);
    let cells = |name: &str, model: usize| {
        text(
            name,
            (0..ROWS).map(move |r| prediction(r, model).to_string()),
        )
    };
    let b_values = || floats("model_b", (0..ROWS).map(|r| prediction(r, 1)).collect());
    let text_preds = d.join("text_preds.parquet");
    write(&text_preds, vec![ids(), cells("model_a", 0), b_values()]);
    let meta = d.join("meta.parquet");
    write(&meta, vec![ids(), cells("numerai_meta_model", 2)]);
    let bench = d.join("bench.parquet");
    write(&bench, vec![ids(), cells("benchmark", 3)]);
    let (out, diag) = (s(&d.join("scores.csv")), s(&d.join("diag")));
    let tp = s(&text_preds);

    let e = fails(
        1,
        &on_data("score", &data, &tp, &out, &["--metrics", "corr"]),
    );
    assert!(
        e.contains(
            "text_preds.parquet: column 'model_a' holds text, not numbers ('0' for id 'n0')"
        ),
        "{e}"
    );
    let e = fails(1, &on_data("diagnostics", &data, &tp, &diag, &[]));
    assert!(e.contains("column 'model_a' holds text"), "{e}");
    let e = fails(
        1,
        &on_data(
            "score",
            &data,
            &preds,
            &out,
            &["--meta-model", &s(&meta), "--metrics", "corr,mmc"],
        ),
    );
    assert!(
        e.contains(
            "meta.parquet: column 'numerai_meta_model' holds text, not numbers ('0' for id 'n0'); \
             the meta model's values must be stored as numbers"
        ),
        "{e}"
    );
    let e = fails(
        1,
        &on_data(
            "diagnostics",
            &data,
            &preds,
            &diag,
            &["--benchmark", &s(&bench)],
        ),
    );
    assert!(
        e.contains("bench.parquet: column 'benchmark' holds text")
            && e.contains("the benchmark's values must be stored as numbers"),
        "{e}"
    );
    assert!(!d.join("scores.csv").exists() && !d.join("diag").exists());

    // compare, wide and long predictions.
    let stakes = d.join("stakes.csv");
    std::fs::write(&stakes, "model,stake\nmodel_a,1\nmodel_b,2\n").unwrap();
    let rules = d.join("rules.toml");
    std::fs::write(&rules, "[[config]]\nname = \"y2024\"\nrule = \"2024\"\n").unwrap();
    let long = d.join("long.parquet");
    write(
        &long,
        vec![
            text("id", (0..2 * ROWS).map(|r| format!("n{}", r % ROWS))),
            text("era", (0..2 * ROWS).map(|r| era_of(r % ROWS))),
            text(
                "model",
                (0..2 * ROWS).map(|r| ["model_a", "model_b"][r / ROWS].to_string()),
            ),
            text(
                "prediction",
                (0..2 * ROWS).map(|r| prediction(r % ROWS, r / ROWS).to_string()),
            ),
        ],
    );
    let compare_out = s(&d.join("compare"));
    for (p, column) in [(&text_preds, "model_a"), (&long, "prediction")] {
        let e = fails(
            1,
            &on_data(
                "compare",
                &data,
                &s(p),
                &compare_out,
                &["--stakes", &s(&stakes), "--configs", &s(&rules)],
            ),
        );
        assert!(
            e.contains(&format!(
                "column '{column}' holds text, not numbers ('0' for id 'n0"
            )),
            "{e}"
        );
    }
    assert!(!d.join("compare").exists());

    // The same cells in CSV files: numbers.
    let csv_preds = d.join("text_preds.csv");
    write(&csv_preds, vec![ids(), cells("model_a", 0), b_values()]);
    let want = score_corr(&data, &preds, &d.join("want.csv"), &[]);
    assert_eq!(
        score_corr(&data, &s(&csv_preds), &d.join("got.csv"), &[]),
        want
    );
}

#[test]
fn leftovers_of_an_interrupted_run_are_removed_by_the_next_run_over_the_output() {
    // A run stopped by Ctrl-C (or killed) leaves its hidden staging folder or file; the
    // next run over the same output removes those of processes that are gone (no process
    // has the id u32::MAX) and leaves other outputs' alone.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gone = u32::MAX;
    let folder = d.join(format!(".synth.{gone}.partial"));
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("data.parquet"), "half").unwrap();
    let file = d.join(format!(".scores.{gone}.partial.csv"));
    std::fs::write(&file, "half").unwrap();
    let other = d.join(format!(".other.{gone}.partial"));
    std::fs::write(&other, "").unwrap();
    let synth = s(&d.join("synth"));
    let run = erascore(&[
        "synth",
        "--out",
        &synth,
        "--eras",
        "2",
        "--rows",
        "40",
        "--features",
        "4",
        "--quiet",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!folder.exists() && file.exists() && other.exists());
    let (data, preds) = (
        format!("{synth}/data.parquet"),
        format!("{synth}/predictions.parquet"),
    );
    let out = s(&d.join("scores.csv"));
    let run = erascore(&on_data("score", &data, &preds, &out, &[]));
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!file.exists() && other.exists());
}
