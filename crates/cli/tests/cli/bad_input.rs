//! Hostile and malformed input, command by command: every case is a clear error naming
//! what is wrong, exits 2 for a bad flag value and 1 for bad data, never panics, and leaves
//! no output (and no temporary file) behind. Also the inputs that used to be accepted as
//! garbage: ids repeated across eras, pandas index columns, duplicate columns and stakes.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use erascore_io::frame::{read_frame, write_frame, Column, Frame, Values};
use erascore_io::{FloatWidth, Strings};

use crate::common::{erascore, fixture, metamodel, on_data, s};

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs a command that must fail with `code`; returns stderr. Nothing may have appeared in
/// `dir` besides `keep` (the inputs the test put there).
fn fails(code: i32, args: &[&str], dir: &Path, keep: &[&str]) -> String {
    let run = erascore(args);
    let err = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(code), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let mut want: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(listing(dir), want, "{args:?} left files behind");
    err
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn a_key_column_or_a_repeated_column_as_a_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("o.csv"));
    let data = fixture("score/data.parquet");
    let base = ["score", "--data", &data, "--out", &out, "--quiet"];
    let preds_csv = fixture("score/predictions.csv");
    let preds_pq = fixture("example/predictions.parquet");
    let meta = fixture("score/meta_model.parquet");
    for (extra, want) in [
        (vec!["--predictions", &preds_csv, "--models", "id"], "'id'"),
        (
            vec!["--predictions", &preds_csv, "--models", "model_a,model_a"],
            "'model_a' is named twice",
        ),
        (
            vec!["--predictions", &preds_pq, "--models", "model_0,model_0"],
            "'model_0' is named twice",
        ),
        (
            vec![
                "--predictions",
                &preds_csv,
                "--meta-model",
                &meta,
                "--meta-model-column",
                "id",
            ],
            "'id' is a key column",
        ),
        (
            vec!["--predictions", &preds_csv, "--target", "target,target"],
            "'target' is named twice",
        ),
    ] {
        let mut a = base.to_vec();
        a.extend(extra);
        let e = fails(2, &a, dir.path(), &[]);
        assert!(e.contains(want), "{a:?}: {e}");
    }
    let diag = s(&dir.path().join("diag"));
    let e = fails(
        2,
        &on_data(
            "diagnostics",
            &fixture("diagnostics/data.parquet"),
            &fixture("diagnostics/predictions.parquet"),
            &diag,
            &[
                "--example-preds",
                &fixture("diagnostics/example_preds.parquet"),
                "--example-column",
                "id",
            ],
        ),
        dir.path(),
        &[],
    );
    assert!(e.contains("--example-column") && e.contains("'id'"), "{e}");
}

#[test]
fn sizes_beyond_memory_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("synth"));
    for (flag, value) in [
        ("--rows", "4000000000"),
        ("--features", "100000000"),
        ("--models", "100000000"),
    ] {
        let e = fails(
            2,
            &["synth", flag, value, "--out", &out, "--quiet"],
            dir.path(),
            &[],
        );
        assert!(e.contains(flag) && e.contains("too large"), "{e}");
    }
    let scores = write(dir.path(), "s.csv", "era,model,corr\n1,m,0.1\n2,m,0.2\n");
    let e = fails(
        2,
        &[
            "payout",
            "--scores",
            &scores,
            "--stake",
            "1",
            "--rule",
            "custom",
            "--bootstrap",
            "10000000000",
        ],
        dir.path(),
        &["s.csv"],
    );
    assert!(
        e.contains("--bootstrap") && e.contains("got 10000000000"),
        "{e}"
    );
}

/// Two eras of one Signals-like universe: the same 30 ids in each, different targets.
fn signals_data(dir: &Path, unique_ids: bool) -> (String, Vec<(String, String)>) {
    let mut ids = Strings::new();
    let mut eras = Strings::new();
    let mut target = Vec::new();
    let mut keys = Vec::new();
    for (e, era) in ["0001", "0002"].iter().enumerate() {
        for i in 0..30 {
            let id = if unique_ids {
                format!("{era}-t{i:02}")
            } else {
                format!("t{i:02}")
            };
            ids.push(&id);
            eras.push(era);
            target.push(((i * (3 + e) + e) % 5) as f64 / 4.0);
            keys.push((era.to_string(), id));
        }
    }
    let path = dir.join(if unique_ids {
        "unique.parquet"
    } else {
        "data.parquet"
    });
    let frame = Frame::new(
        &path,
        vec![
            Column {
                name: "id".into(),
                values: Values::Text(ids),
            },
            Column {
                name: "era".into(),
                values: Values::Text(eras),
            },
            Column {
                name: "target".into(),
                values: Values::Float(target, FloatWidth::F64),
            },
        ],
    )
    .unwrap();
    write_frame(&path, &frame).unwrap();
    (s(&path), keys)
}

#[test]
fn ids_repeated_across_eras_are_matched_on_era_and_id_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (data, keys) = signals_data(d, false);
    let (unique, unique_keys) = signals_data(d, true);
    let value = |k: usize| ((k * 7919) % 61) as f64 / 61.0;
    // Rows listed in another order than the data's, to take the matching path.
    let mut with_era = String::from("era,id,m\n");
    let mut unique_preds = String::from("id,m\n");
    for k in (0..keys.len()).rev() {
        with_era.push_str(&format!("{},{},{}\n", keys[k].0, keys[k].1, value(k)));
        unique_preds.push_str(&format!("{},{}\n", unique_keys[k].1, value(k)));
    }
    let with_era = write(d, "with_era.csv", &with_era);
    let unique_preds = write(d, "unique_preds.csv", &unique_preds);
    let score = |data: &str, preds: &str, out: &Path| {
        erascore(&on_data(
            "score",
            data,
            preds,
            &s(out),
            &["--metrics", "corr,spearman", "--quiet"],
        ))
    };
    let (a, b) = (d.join("a.csv"), d.join("b.csv"));
    assert!(score(&data, &with_era, &a).status.success());
    assert!(score(&unique, &unique_preds, &b).status.success());
    let (a, b) = (read_frame(&a).unwrap(), read_frame(&b).unwrap());
    assert_eq!(a.rows(), 2);
    for metric in ["corr", "spearman"] {
        let (x, y) = (a.float(metric).unwrap().0, b.float(metric).unwrap().0);
        assert_eq!(x, y, "{metric}");
        assert!(x.iter().all(|v| v.is_finite()) && x[0] != x[1], "{x:?}");
    }
    // The same predictions without their era column would score each row in both eras.
    let mut no_era = String::from("id,m\n");
    for (k, (_, id)) in keys.iter().enumerate().take(30) {
        no_era.push_str(&format!("{id},{}\n", value(k)));
    }
    let no_era = write(d, "no_era.csv", &no_era);
    let out = s(&d.join("o.csv"));
    // Scoring `preds` is a data error that leaves the folder as it was.
    let refused = |preds: &str| {
        let before = listing(d);
        let keep: Vec<&str> = before.iter().map(String::as_str).collect();
        let args = on_data(
            "score",
            &data,
            preds,
            &out,
            &["--metrics", "corr", "--quiet"],
        );
        fails(1, &args, d, &keep)
    };
    let e = refused(&no_era);
    assert!(
        e.contains("id 't00' is in era '0001' and in era '0002'") && e.contains("no_era.csv"),
        "{e}"
    );
    // A repeated (era, id) is still a duplicate, named with its era.
    let dup = write(
        d,
        "dup.csv",
        "era,id,m\n0001,t01,0.1\n0001,t01,0.2\n0002,t01,0.3\n",
    );
    let e = refused(&dup);
    assert!(
        e.contains("'t01' appears more than once in era '0001'"),
        "{e}"
    );
}

#[test]
fn missing_ids_and_eras_are_named_by_their_place_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = fixture("score/data.parquet");
    let out = s(&d.join("o.csv"));
    let text = std::fs::read_to_string(fixture("score/predictions.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[40].split(',').collect();
    lines[40] = format!(",{}", fields[1..].join(","));
    let blank = write(d, "blank.csv", &(lines.join("\n") + "\n"));
    let e = fails(
        1,
        &on_data("score", &data, &blank, &out, &["--quiet"]),
        d,
        &["blank.csv"],
    );
    assert!(e.contains("blank.csv: line 41 has no id"), "{e}");
    // A null id in a parquet file: the zero-based row.
    let f = read_frame(Path::new(&fixture("score/predictions.csv"))).unwrap();
    let mut ids = Strings::new();
    for (i, id) in f.text("id").unwrap().iter().enumerate() {
        ids.push(if i == 7 { "" } else { id });
    }
    let pq = d.join("null.parquet");
    let frame = Frame::new(
        &pq,
        vec![
            Column {
                name: "id".into(),
                values: Values::Text(ids),
            },
            Column {
                name: "m".into(),
                values: Values::Float(vec![0.5; f.rows()], FloatWidth::F64),
            },
        ],
    )
    .unwrap();
    write_frame(&pq, &frame).unwrap();
    let e = fails(
        1,
        &on_data("score", &data, &s(&pq), &out, &["--quiet"]),
        d,
        &["blank.csv", "null.parquet"],
    );
    assert!(e.contains("null.parquet: row 7 has no id"), "{e}");
    // metamodel: an era missing, and predictions without rows.
    let stakes = write(d, "stakes.csv", "model,stake\nm,1\n");
    let no_era = write(d, "no_era.csv", "id,era,m\na,1,0.1\nb,,0.2\nc,1,0.3\n");
    let mm = s(&d.join("mm.parquet"));
    let keep = ["blank.csv", "null.parquet", "stakes.csv", "no_era.csv"];
    let e = fails(1, &metamodel(&no_era, &stakes, &mm), d, &keep);
    assert!(e.contains("no_era.csv: line 3 has no era"), "{e}");
    let empty = write(d, "empty.csv", "id,m\n");
    let keep = [
        "blank.csv",
        "null.parquet",
        "stakes.csv",
        "no_era.csv",
        "empty.csv",
    ];
    let e = fails(1, &metamodel(&empty, &stakes, &mm), d, &keep);
    assert!(e.contains("empty.csv: no rows"), "{e}");
}

#[test]
fn a_pandas_index_column_is_the_index_and_duplicate_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = fixture("score/data.parquet");
    let text = std::fs::read_to_string(fixture("score/predictions.csv")).unwrap();
    // pandas `to_csv()` of a frame with a RangeIndex and an id column.
    let indexed: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!(",{l}\n")
            } else {
                format!("{},{l}\n", i - 1)
            }
        })
        .collect();
    let indexed = write(d, "indexed.csv", &indexed);
    let (a, b) = (d.join("a.csv"), d.join("b.csv"));
    for (preds, out) in [(&indexed, &a), (&fixture("score/predictions.csv"), &b)] {
        let run = erascore(&on_data(
            "score",
            &data,
            preds,
            &s(out),
            &["--metrics", "corr", "--quiet"],
        ));
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let models: Vec<String> = read_frame(&a).unwrap().text("model").unwrap().to_vec();
    assert!(!models.iter().any(|m| m.is_empty()), "{models:?}");
    // An unnamed index without an id column: the error says what the first column was.
    let index_only = write(d, "index_only.csv", ",m\nn1,0.5\nn2,0.6\n");
    let out = s(&d.join("o.csv"));
    let keep = ["indexed.csv", "a.csv", "b.csv", "index_only.csv"];
    let e = fails(
        1,
        &on_data("score", &data, &index_only, &out, &["--quiet"]),
        d,
        &keep,
    );
    assert!(
        e.contains("no column named 'id'") && e.contains("pandas index"),
        "{e}"
    );
    let dup_header: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let last = l.rsplit(',').next().unwrap();
            if i == 0 {
                format!("{l},model_a\n")
            } else {
                format!("{l},{last}\n")
            }
        })
        .collect();
    let dup_header = write(d, "dup_header.csv", &dup_header);
    let keep = [
        "indexed.csv",
        "a.csv",
        "b.csv",
        "index_only.csv",
        "dup_header.csv",
    ];
    let e = fails(
        1,
        &on_data("score", &data, &dup_header, &out, &["--quiet"]),
        d,
        &keep,
    );
    assert!(e.contains("two columns are named 'model_a'"), "{e}");
}

#[test]
fn a_model_staked_twice_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stakes = write(
        d,
        "stakes.csv",
        "model,stake\nmodel_a,1\nmodel_ties,2\nmodel_a,3\n",
    );
    let out = s(&d.join("o.csv"));
    let preds = fixture("score/predictions.csv");
    let scores = write(
        d,
        "scores.csv",
        "era,model,corr\n1,model_a,0.1\n2,model_a,0.2\n",
    );
    let keep = ["stakes.csv", "scores.csv"];
    for args in [
        on_data(
            "score",
            &fixture("score/data.parquet"),
            &preds,
            &out,
            &["--stakes", &stakes, "--metrics", "mmc", "--quiet"],
        ),
        metamodel(&preds, &stakes, &out),
        vec![
            "payout", "--scores", &scores, "--stakes", &stakes, "--rule", "custom", "--out", &out,
        ],
    ] {
        let e = fails(1, &args, d, &keep);
        assert!(
            e.contains("stakes.csv: line 4") && e.contains("'model_a' has a second stake"),
            "{args:?}: {e}"
        );
    }
}

#[test]
fn an_output_that_is_an_input_or_a_directory_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let preds = write(
        d,
        "preds.csv",
        &std::fs::read_to_string(fixture("score/predictions.csv")).unwrap(),
    );
    let before = std::fs::read(&preds).unwrap();
    let data = fixture("score/data.parquet");
    let e = fails(
        2,
        &on_data("score", &data, &preds, &preds, &["--quiet"]),
        d,
        &["preds.csv"],
    );
    assert!(e.contains("--out") && e.contains("--predictions"), "{e}");
    assert_eq!(std::fs::read(&preds).unwrap(), before);
    // `--out` an existing folder: refused, and no `DIR.out.partial` next to it.
    std::fs::create_dir(d.join("folder")).unwrap();
    let e = fails(
        2,
        &on_data("score", &data, &preds, &s(&d.join("folder")), &["--quiet"]),
        d,
        &["preds.csv", "folder"],
    );
    assert!(e.contains("is a directory"), "{e}");
    let stakes = write(d, "stakes.csv", "model,stake\nmodel_a,1\n");
    let e = fails(
        2,
        &metamodel(&preds, &stakes, &stakes),
        d,
        &["preds.csv", "folder", "stakes.csv"],
    );
    assert!(e.contains("--stakes"), "{e}");
}

#[test]
fn payout_writes_all_of_its_outputs_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scores = write(d, "s.csv", "era,model,corr\n1,m,0.1\n2,m,0.2\n3,m,0.05\n");
    let blocker = write(d, "blocker", "a file, not a folder");
    let (out, json) = (s(&d.join("t.csv")), s(&d.join("p.json")));
    let base = [
        "payout", "--scores", &scores, "--rule", "custom", "--out", &out, "--json", &json,
    ];
    let keep = ["s.csv", "blocker"];
    // A chart in a folder that cannot exist: found before the trajectory is written.
    let chart = format!("{blocker}/fan.png");
    let mut a = base.to_vec();
    a.extend(["--stake", "100", "--chart", &chart]);
    let e = fails(2, &a, d, &keep);
    assert!(e.contains("--chart") && e.contains("blocker"), "{e}");
    // A stake the compounding takes past the largest float: a data error, nothing written.
    let mut a = base.to_vec();
    // (1.7e308 grows 10% in the first round: past f64::MAX.)
    a.extend(["--stake", "1.7e308", "--cap", "1"]);
    let e = fails(1, &a, d, &keep);
    assert!(
        e.contains("starting stake") && e.contains("overflows"),
        "{e}"
    );
    let mut a = base.to_vec();
    a.extend(["--stake", "100"]);
    assert!(erascore(&a).status.success());
    assert_eq!(listing(d), ["blocker", "p.json", "s.csv", "t.csv"]);
}

#[test]
fn invalid_flag_values_exit_2_and_bad_data_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = fixture("score/data.parquet");
    let preds = fixture("score/predictions.csv");
    let out = s(&d.join("o.csv"));
    let score = [
        "score",
        "--data",
        &data,
        "--predictions",
        &preds,
        "--out",
        &out,
        "--quiet",
    ];
    for (extra, want) in [
        (vec!["--metrics", "bogus"], "bogus"),
        (vec!["--metrics", "corr,mmc"], "--meta-model"),
        (vec!["--max-filtered-ratio", "1.5"], "--max-filtered-ratio"),
    ] {
        let mut a = score.to_vec();
        a.extend(extra);
        let e = fails(2, &a, d, &[]);
        assert!(e.contains(want), "{a:?}: {e}");
    }
    let scores = write(d, "s.csv", "era,model,corr\n1,m,0.1\n2,m,0.2\n");
    let payout = ["payout", "--scores", &scores, "--stake", "1"];
    for (extra, want) in [
        (vec!["--rule", "weekly"], "unknown payout rule"),
        (vec!["--rule", "custom", "--cap", "2"], "cap 2"),
        (
            vec!["--rule", "custom", "--payout-factor", "-1"],
            "payout factor",
        ),
        (
            vec!["--rule", "2024", "--mmc-multiplier", "1"],
            "set --rule to custom",
        ),
    ] {
        let mut a = payout.to_vec();
        a.extend(extra);
        let e = fails(2, &a, d, &["s.csv"]);
        assert!(e.contains(want), "{a:?}: {e}");
    }
    let e = fails(
        2,
        &on_data(
            "diagnostics",
            &data,
            &preds,
            &s(&d.join("diag")),
            &["--top-bottom", "0"],
        ),
        d,
        &["s.csv"],
    );
    assert!(e.contains("--top-bottom"), "{e}");
    // Data errors: a missing file, a target the data lacks, an empty feature set.
    let mut a = score.to_vec();
    a.extend(["--target", "target_nope"]);
    let e = fails(1, &a, d, &["s.csv"]);
    assert!(e.contains("target_nope"), "{e}");
    let json = write(d, "features.json", r#"{"feature_sets": {"none": []}}"#);
    let mut a = score.to_vec();
    a.extend([
        "--metrics",
        "fnc",
        "--features-json",
        &json,
        "--feature-set",
        "none",
    ]);
    let e = fails(1, &a, d, &["s.csv", "features.json"]);
    assert!(
        e.contains("feature set 'none'") && e.contains("is empty"),
        "{e}"
    );
}

#[test]
fn diagnostics_replace_their_folder_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("diag");
    let run = |out: &PathBuf| {
        erascore(&on_data(
            "diagnostics",
            &fixture("diagnostics/data.parquet"),
            &fixture("diagnostics/predictions.parquet"),
            &s(out),
            &["--quiet"],
        ))
    };
    assert!(run(&out).status.success());
    let files = [
        "per_era.csv",
        "per_era.parquet",
        "report.html",
        "summary.json",
        "summary.png",
    ];
    assert_eq!(listing(&out), files);
    // Again over the previous output: replaced, nothing else left next to it.
    assert!(run(&out).status.success());
    assert_eq!(listing(&out), files);
    assert_eq!(listing(d), ["diag"]);
    // A folder holding anything else is not ours to replace.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let e = fails(
        2,
        &on_data(
            "diagnostics",
            &fixture("diagnostics/data.parquet"),
            &fixture("diagnostics/predictions.parquet"),
            &s(&out),
            &[],
        ),
        d,
        &["diag"],
    );
    assert!(e.contains("notes.txt"), "{e}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Pages that make the parquet crate's decoders panic (found by fuzzing) are one error line
/// naming the file: the panic hook prints nothing for them.
#[test]
fn corrupt_pages_are_one_error_line_without_a_panic_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("scores.csv"));
    let predictions = fixture("example/predictions.parquet");
    for data in [
        "fuzz/dataset/err-decoder-divide-by-zero.parquet",
        "fuzz/dataset/err-dictionary-page-missing.parquet",
    ] {
        let data = fixture(data);
        let e = fails(
            1,
            &on_data(
                "score",
                &data,
                &predictions,
                &out,
                &["--metrics", "corr,fnc"],
            ),
            dir.path(),
            &[],
        );
        assert!(e.contains(&data) && e.contains("corrupt data"), "{e}");
        assert!(
            !e.contains("thread '") && !e.contains("RUST_BACKTRACE"),
            "{e}"
        );
    }
    let predictions = fixture("fuzz/frame_parquet/err-levels-out-of-bounds.parquet");
    let e = fails(
        1,
        &on_data(
            "score",
            &fixture("example/data.parquet"),
            &predictions,
            &out,
            &[],
        ),
        dir.path(),
        &[],
    );
    assert!(e.contains(&predictions) && !e.contains("thread '"), "{e}");
}
