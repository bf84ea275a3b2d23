//! Inputs a hostile or careless user gives, found by a run outside the tests (issue 23):
//! each is refused with a message naming the input, or gives the number a well-formed
//! input gives, never a silently different one.

use std::path::Path;

use crate::common::{erascore, on_data, s, stderr};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    s(&p)
}

/// A data error (exit 1) that names `file` and says `says`, with nothing written to `out`.
fn refused_naming(run: &std::process::Output, file: &str, says: &str, out: &str) {
    let err = stderr(run);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{file}: {says}")), "{err}");
    assert!(!Path::new(out).exists());
}

fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let i = lines
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == name)
        .unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

fn payout(scores: &str, out: &str) -> std::process::Output {
    erascore(&[
        "payout", "--scores", scores, "--stake", "100", "--rule", "2024", "--out", out,
    ])
}

#[test]
fn rounds_written_as_floats_compound_in_number_order() {
    // Regression: "1.0" .. "12.0" (an integer column pandas wrote as floats because it held
    // a NaN) ordered as text, 10.0 before 2.0, and the stake compounded in that order.
    let dir = tempfile::tempdir().unwrap();
    let rows = |fmt: &dyn Fn(u32) -> String| {
        let mut t = String::from("model,round,corr,mmc\n");
        for r in 1..=12u32 {
            let corr = 0.01 * f64::from((r * 7) % 5) - 0.02;
            t.push_str(&format!("a,{},{corr},0\n", fmt(r)));
        }
        t
    };
    let ints = write(dir.path(), "ints.csv", &rows(&|r| r.to_string()));
    let floats = write(dir.path(), "floats.csv", &rows(&|r| format!("{r}.0")));
    let (a, b) = (s(&dir.path().join("a.csv")), s(&dir.path().join("b.csv")));
    assert!(payout(&ints, &a).status.success());
    let run = payout(&floats, &b);
    assert!(run.status.success(), "{}", stderr(&run));
    let (a, b) = (
        std::fs::read_to_string(a).unwrap(),
        std::fs::read_to_string(b).unwrap(),
    );
    let want: Vec<String> = (1..=12).map(|r| format!("{r}.0")).collect();
    assert_eq!(column(&b, "round"), want);
    assert_eq!(column(&b, "stake"), column(&a, "stake"));
}

#[test]
fn a_score_row_without_a_round_or_model_is_refused() {
    // Regression: the empty cell was scored as a round (or a model) named "".
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("t.csv"));
    for (text, says) in [
        (
            "model,round,corr,mmc\na,1,0.01,0\na,,0.02,0\na,3,0.01,0\n",
            "model 'a' has a score row without a round (empty or null)",
        ),
        (
            "model,round,corr,mmc\na,1,0.01,0\n,2,0.02,0\na,3,0.01,0\n",
            "round '2' has a score row without a model (empty or null)",
        ),
    ] {
        let scores = write(dir.path(), "s.csv", text);
        refused_naming(&payout(&scores, &out), &scores, says, &out);
    }
}

#[test]
fn zero_threads_is_a_usage_error() {
    // Regression: `--threads 0` ran on one thread without a word (rayon reads 0 as "all
    // cores", and the CLI had turned it into 1).
    let run = erascore(&["--threads", "0", "synth", "--out", "unused"]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'0' for '--threads <THREADS>': 0 threads cannot run anything"),
        "{err}"
    );
    assert!(!Path::new("unused").exists());
}

#[test]
fn a_model_the_predictions_lack_is_a_data_error() {
    // Regression: `neutralize --model zz` exited 2, where a column a flag names that the file
    // lacks is a data error (exit 1), as `score --models zz` is.
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("sub.csv"));
    let predictions = crate::common::fixture("score/predictions.csv");
    let run = erascore(&on_data(
        "neutralize",
        &crate::common::fixture("score/data.parquet"),
        &predictions,
        &out,
        &["--submission", "--model", "zz"],
    ));
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "--model: 'zz' is not a prediction column of {predictions}"
        )),
        "{err}"
    );
    assert!(!Path::new(&out).exists());
}

#[test]
fn a_parquet_text_cell_is_named_by_row_not_line() {
    // Regression: a parquet cell that is not a number was reported as `scores.parquet:3`,
    // a CSV line; a parquet file has rows (zero-based), as its other errors say.
    use erascore_io::frame::{write_frame, Column, Frame, Values};
    use erascore_io::{FloatWidth, Strings};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    let text = |name: &str, v: &[&str]| Column {
        name: name.into(),
        values: Values::Text(v.iter().map(|c| c.to_string()).collect::<Strings>()),
    };
    let columns = vec![
        text("model", &["a", "a", "a"]),
        text("round", &["1", "2", "3"]),
        text("corr", &["0.01", "x", "0.02"]),
        Column {
            name: "mmc".into(),
            values: Values::Float(vec![0.0; 3], FloatWidth::F64),
        },
    ];
    write_frame(&path, &Frame::new(&path, columns).unwrap()).unwrap();
    let out = s(&dir.path().join("t.csv"));
    let run = payout(&s(&path), &out);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}: column 'corr': 'x' is not a number (row 1)",
            s(&path)
        )),
        "{err}"
    );
    assert!(!Path::new(&out).exists());
}

#[test]
fn round_files_follow_the_scores_round_label_rule() {
    // Regression: in a --multipliers or --total-at-risk-csv file, "era5" silently replaced
    // "5"'s row and "-3" was taken for round 3; refused as in the scores, naming the file.
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("t.csv"));
    let scores = write(
        dir.path(),
        "s.csv",
        "model,round,corr,mmc\na,4,0.01,0\na,5,0.02,0\n",
    );
    let both = "rounds '5' and 'era5' are both round 5: write every round one way";
    let cases = [
        (
            "m.csv",
            "round,corr_multiplier,mmc_multiplier\n4,1,0\n5,1,0\nera5,0.5,0\n",
            "--multipliers",
            both,
        ),
        (
            "f.csv",
            "round,payout_factor\n4,1\n5,1\n-3,0.5\n",
            "--total-at-risk-csv",
            "round '-3' is not a round number",
        ),
    ];
    for (name, text, flag, says) in cases {
        let file = write(dir.path(), name, text);
        let mut args = vec![
            "payout", "--scores", &scores, "--stake", "100", "--rule", "custom", "--out", &out,
        ];
        args.extend([flag, file.as_str()]);
        if flag == "--multipliers" {
            args.extend(["--threshold", "0.1"]);
        }
        refused_naming(&erascore(&args), &file, says, &out);
    }
}

#[test]
fn round_labels_of_one_round_negative_or_fractional_are_refused() {
    // Regression: "5" and "era5" were paid as two rounds, "-3" sorted as round 3 and "1.5"
    // as round 5 (the digits a label ends with).
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("t.csv"));
    for (rounds, says) in [
        (
            ["4", "5", "era5"],
            "rounds '5' and 'era5' are both round 5: write every round one way",
        ),
        (["1", "-3", "2"], "round '-3' is not a round number"),
        (["1", "1.5", "2"], "round '1.5' is not a round number"),
    ] {
        let mut text = String::from("model,round,corr,mmc\n");
        for r in rounds {
            text.push_str(&format!("a,{r},0.01,0\n"));
        }
        let scores = write(dir.path(), "s.csv", &text);
        refused_naming(&payout(&scores, &out), &scores, says, &out);
    }
}
