//! Submission checks and cleaning: numerai-tools 0.7.2 `submissions.py`.
//!
//! [`validate`] runs every check of `validate_submission_numerai` / `_signals` / `_crypto`
//! and, where numerai-tools stops at the first failed assertion, collects every problem,
//! each naming its row or id. A submission is valid exactly when numerai-tools' function
//! would return without an assertion:
//!
//! 1. **Headers.** Exactly two columns, an id column then a prediction column: classic
//!    `id` + `prediction`|`probability`; Signals one of `ticker`, `sedol`,
//!    `bloomberg_ticker`, `composite_figi`, `numerai_ticker` + `prediction`|`signal`, after
//!    dropping a `data_type` column (deprecated, with a warning) and the first of
//!    `friday_date`/`date`; crypto `symbol` + `prediction`|`signal`.
//! 2. **Ids.** No missing id in any row. The rows whose id is in the live universe (the
//!    "live rows") hold no id twice and number at least: every live id (classic), 100
//!    (Signals, crypto). Ids outside the universe are ignored (reported as a warning).
//! 3. **Values**, of the live rows only: no NaN; all in [0, 1] up to `np.isclose` at the
//!    ends (below 0 by at most 1e-8, above 1 by at most 1e-8 + 1e-5); a standard
//!    deviation (pandas, ddof 1) that is not `np.isclose` to 0 (a single row, whose
//!    standard deviation is NaN, passes).
//!
//! [`clean`] is `clean_submission(..., rank_and_fill=True)` after `remap_ids`: the universe
//! left-joined with the submission, first row per id kept, sorted by id, tie-kept ranked
//! with missing tickers at 0.5.
#![deny(missing_docs)]

use std::collections::{HashMap, HashSet};
use std::fmt;

use erascore_io::frame::{parse_number, Frame, Values};
use erascore_kernels::clean::rank_and_fill;
use erascore_kernels::pearson::pandas_std;

/// Which tournament's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tournament {
    /// The classic tournament (`id`, `prediction`).
    Classic,
    /// Signals (tickers, `signal`).
    Signals,
    /// Crypto (`symbol`, `signal`).
    Crypto,
}

/// numerai-tools `SIGNALS_MIN_TICKERS` and `CRYPTO_MIN_TICKERS`.
pub const MIN_TICKERS: usize = 100;

impl Tournament {
    /// Accepted id column names.
    pub fn id_columns(self) -> &'static [&'static str] {
        match self {
            Tournament::Classic => &["id"],
            Tournament::Signals => &[
                "ticker",
                "sedol",
                "bloomberg_ticker",
                "composite_figi",
                "numerai_ticker",
            ],
            Tournament::Crypto => &["symbol"],
        }
    }

    /// Accepted prediction column names.
    pub fn prediction_columns(self) -> &'static [&'static str] {
        match self {
            Tournament::Classic => &["prediction", "probability"],
            Tournament::Signals | Tournament::Crypto => &["prediction", "signal"],
        }
    }

    /// Live rows a submission must have, given the universe's size (with repeats).
    pub fn min_live_rows(self, universe_len: usize) -> usize {
        match self {
            Tournament::Classic => universe_len,
            Tournament::Signals | Tournament::Crypto => MIN_TICKERS,
        }
    }
}

/// One reason a submission is invalid. Rows are 1-based data rows (row 1 is the first row
/// after a CSV header).
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The columns are not an id column followed by a prediction column.
    Headers {
        /// Columns found (after dropping `data_type` and a date column for Signals).
        found: Vec<String>,
        /// Accepted id columns.
        ids: &'static [&'static str],
        /// Accepted prediction columns.
        predictions: &'static [&'static str],
    },
    /// A row without an id.
    MissingId {
        /// The row.
        row: usize,
    },
    /// A live id on several rows.
    DuplicateId {
        /// The id.
        id: String,
        /// Its rows.
        rows: Vec<usize>,
    },
    /// Too few live rows.
    TooFewIds {
        /// Live rows found.
        found: usize,
        /// Live rows required.
        required: usize,
    },
    /// A live row whose prediction is not a number.
    NotANumber {
        /// The row.
        row: usize,
        /// Its id.
        id: String,
        /// The cell.
        cell: String,
    },
    /// A live row without a prediction.
    NanValue {
        /// The row.
        row: usize,
        /// Its id.
        id: String,
    },
    /// A live prediction outside [0, 1].
    OutOfRange {
        /// The row.
        row: usize,
        /// Its id.
        id: String,
        /// The value.
        value: f64,
    },
    /// A typed file (parquet) whose prediction column holds text: pandas keeps it as
    /// strings, which numerai-tools' range check cannot compare with numbers.
    TextPredictions {
        /// The column.
        column: String,
    },
    /// The live predictions are (nearly) constant.
    ZeroStd {
        /// Their standard deviation.
        std: f64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Headers {
                found,
                ids,
                predictions,
            } => write!(
                f,
                "headers: columns are [{}]; must be exactly one of [{}] then one of [{}]",
                found.join(", "),
                ids.join(", "),
                predictions.join(", ")
            ),
            Problem::MissingId { row } => write!(f, "row {row}: missing id"),
            Problem::DuplicateId { id, rows } => write!(
                f,
                "id '{id}': appears {} times (rows {})",
                rows.len(),
                rows.iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Problem::TooFewIds { found, required } => write!(
                f,
                "ids: {found} rows with a live id, at least {required} required (are these the latest live ids?)"
            ),
            Problem::NotANumber { row, id, cell } => {
                write!(f, "row {row} (id '{id}'): prediction '{cell}' is not a number")
            }
            Problem::NanValue { row, id } => write!(f, "row {row} (id '{id}'): prediction is NaN"),
            Problem::OutOfRange { row, id, value } => write!(
                f,
                "row {row} (id '{id}'): prediction {value} is outside [0, 1]"
            ),
            Problem::TextPredictions { column } => write!(
                f,
                "column '{column}' holds text, not numbers; write the predictions as floats"
            ),
            Problem::ZeroStd { std } => write!(
                f,
                "predictions: standard deviation {std:e} is zero; submissions must not be constant"
            ),
        }
    }
}

/// What [`validate`] found.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The id column, when one could be identified.
    pub id_column: Option<String>,
    /// The prediction column, when one could be identified.
    pub prediction_column: Option<String>,
    /// Every problem; empty when the submission is valid.
    pub problems: Vec<Problem>,
    /// Remarks that do not make the submission invalid.
    pub warnings: Vec<String>,
    /// Every row as (id, prediction), in file order (NaN for a missing or unparsable value).
    pub rows: Vec<(Option<String>, f64)>,
}

impl Validation {
    /// Whether numerai-tools would accept the submission.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `submission` against `tournament`'s rules and the live `universe` of ids (`None`:
/// the submission's own ids, so coverage is not checked).
pub fn validate(
    tournament: Tournament,
    submission: &Frame,
    universe: Option<&[String]>,
) -> Validation {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut names = submission.names();
    if tournament == Tournament::Signals {
        if let Some(p) = names.iter().position(|n| n == "data_type") {
            names.remove(p);
            warnings.push(
                "data_type column found; it is deprecated in Signals submissions and ignored"
                    .into(),
            );
        }
        if let Some(p) = names.iter().position(|n| n == "friday_date" || n == "date") {
            names.remove(p);
        }
    }
    let (ids_ok, preds_ok) = (tournament.id_columns(), tournament.prediction_columns());
    let headers_ok = names.len() == 2
        && ids_ok.contains(&names[0].as_str())
        && preds_ok.contains(&names[1].as_str());
    if !headers_ok {
        problems.push(Problem::Headers {
            found: names.clone(),
            ids: ids_ok,
            predictions: preds_ok,
        });
    }
    // Past a header problem, go on with the first accepted names present so the other
    // problems are reported too.
    let id_column = names.iter().find(|n| ids_ok.contains(&n.as_str())).cloned();
    let prediction_column = names
        .iter()
        .find(|n| preds_ok.contains(&n.as_str()))
        .cloned();
    let (Some(id_col), Some(pred_col)) = (&id_column, &prediction_column) else {
        return Validation {
            id_column,
            prediction_column,
            problems,
            warnings,
            rows: Vec::new(),
        };
    };
    let rows = read_rows(submission, id_col, pred_col);

    // Ids: none missing anywhere; the live rows unique and numerous enough.
    for (r, (id, _)) in rows.iter().enumerate() {
        if id.is_none() {
            problems.push(Problem::MissingId { row: r + 1 });
        }
    }
    let live_set: Option<HashSet<&str>> = universe.map(|u| u.iter().map(String::as_str).collect());
    let is_live = |id: &str| live_set.as_ref().is_none_or(|s| s.contains(id));
    let live: Vec<usize> = (0..rows.len())
        .filter(|&r| rows[r].0.as_deref().is_some_and(is_live))
        .collect();
    let outside: Vec<&str> = rows
        .iter()
        .filter_map(|(id, _)| id.as_deref())
        .filter(|id| !is_live(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !outside.is_empty() {
        let mut shown: Vec<&str> = outside.clone();
        shown.sort_unstable();
        let more = shown.len().saturating_sub(10);
        shown.truncate(10);
        warnings.push(format!(
            "{} ids are not in the live universe and are ignored: {}{}",
            outside.len(),
            shown.join(", "),
            if more > 0 {
                format!(", ... ({more} more)")
            } else {
                String::new()
            }
        ));
    }
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for &r in &live {
        if let Some(id) = rows[r].0.as_deref() {
            by_id.entry(id).or_default().push(r + 1);
        }
    }
    let mut dups: Vec<(&str, Vec<usize>)> =
        by_id.into_iter().filter(|(_, rs)| rs.len() > 1).collect();
    dups.sort_unstable();
    for (id, rs) in dups {
        problems.push(Problem::DuplicateId {
            id: id.to_string(),
            rows: rs,
        });
    }
    let required = tournament.min_live_rows(universe.map_or(live.len(), <[String]>::len));
    if live.len() < required {
        problems.push(Problem::TooFewIds {
            found: live.len(),
            required,
        });
    }

    // Values of the live rows. A CSV cell is text until read as a number, as pandas reads
    // it; a parquet column keeps the type it was written with.
    let cells = text_cells(submission, pred_col);
    if submission.stored_text(pred_col).is_some() {
        problems.push(Problem::TextPredictions {
            column: pred_col.clone(),
        });
        return Validation {
            id_column,
            prediction_column,
            problems,
            warnings,
            rows,
        };
    }
    let mut values = Vec::with_capacity(live.len());
    for &r in &live {
        let (id, v) = (&rows[r].0, rows[r].1);
        let id = id.clone().unwrap_or_default();
        if v.is_nan() {
            match cells.as_ref().map(|c| c[r].as_str()) {
                Some(cell) if parse_number(cell).is_none() => problems.push(Problem::NotANumber {
                    row: r + 1,
                    id,
                    cell: cell.to_string(),
                }),
                _ => problems.push(Problem::NanValue { row: r + 1, id }),
            }
            continue;
        }
        if !in_unit_range(v) {
            problems.push(Problem::OutOfRange {
                row: r + 1,
                id,
                value: v,
            });
        }
        values.push(v);
    }
    if values.len() == live.len() {
        let std = pandas_std(&values);
        // np.isclose(0, std): |std| <= 1e-8 + 1e-5 |std|; NaN (one row) is not close.
        if std.abs() <= 1e-8 + 1e-5 * std.abs() {
            problems.push(Problem::ZeroStd { std });
        }
    }
    Validation {
        id_column,
        prediction_column,
        problems,
        warnings,
        rows,
    }
}

/// numerai-tools' range test, whose four alternatives reduce to: not below 0 by more than
/// `np.isclose(min, 0)` allows, not above 1 by more than `np.isclose(max, 1)` allows.
fn in_unit_range(v: f64) -> bool {
    let low_ok = v >= 0.0 || v.abs() <= 1e-8;
    let high_ok = v <= 1.0 || (v - 1.0).abs() <= 1e-8 + 1e-5;
    low_ok && high_ok
}

fn text_cells(frame: &Frame, column: &str) -> Option<Vec<String>> {
    frame
        .columns()
        .iter()
        .find(|c| c.name == column)
        .and_then(|c| match &c.values {
            Values::Text(t) => Some(t.to_vec()),
            Values::Float(..) | Values::Integer(_) => None,
        })
}

/// (id, value) per row; an empty id cell (or a parquet null) is missing, an unparsable
/// value is NaN (the cell is looked up again when reporting it).
fn read_rows(frame: &Frame, id_col: &str, pred_col: &str) -> Vec<(Option<String>, f64)> {
    let ids: Vec<Option<String>> = match frame.text(id_col) {
        Ok(t) => t
            .iter()
            .map(|s| (!s.is_empty()).then(|| s.to_string()))
            .collect(),
        Err(_) => vec![None; frame.rows()],
    };
    let values: Vec<f64> = match frame.columns().iter().find(|c| c.name == pred_col) {
        Some(c) => match &c.values {
            Values::Float(v, _) => v.clone(),
            Values::Text(t) | Values::Integer(t) => t
                .iter()
                .map(|cell| parse_number(cell).unwrap_or(f64::NAN))
                .collect(),
        },
        None => vec![f64::NAN; frame.rows()],
    };
    ids.into_iter().zip(values).collect()
}

/// `clean_submission(universe, submission, rank_and_fill=True)` after
/// `remap_ids`: one (destination id, value) per universe row that has a destination id,
/// sorted by it, with the universe's source ids looked up in the submission (first row per
/// id), tie-kept ranked, and 0.5 where the submission has no value. `universe` pairs each
/// source id with its destination id (the same when not remapping).
pub fn clean(rows: &[(Option<String>, f64)], universe: &[(String, String)]) -> Vec<(String, f64)> {
    let mut first: HashMap<&str, f64> = HashMap::new();
    for (id, v) in rows {
        if let Some(id) = id {
            first.entry(id.as_str()).or_insert(*v);
        }
    }
    let mut joined: Vec<(&str, f64)> = universe
        .iter()
        .filter(|(_, dst)| !dst.is_empty())
        .map(|(src, dst)| {
            (
                dst.as_str(),
                first.get(src.as_str()).copied().unwrap_or(f64::NAN),
            )
        })
        .collect();
    joined.sort_by(|a, b| a.0.cmp(b.0));
    joined.dedup_by(|b, a| a.0 == b.0);
    let values: Vec<f64> = joined.iter().map(|(_, v)| *v).collect();
    joined
        .iter()
        .zip(rank_and_fill(&values))
        .map(|((id, _), v)| (id.to_string(), v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_io::frame::Column;
    use erascore_io::Strings;

    fn frame(cols: &[(&str, &[&str])]) -> Frame {
        Frame::from_csv_cells(
            "sub.csv",
            cols.iter()
                .map(|(name, cells)| Column {
                    name: name.to_string(),
                    values: Values::Text(cells.iter().copied().collect::<Strings>()),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn range_follows_np_isclose_at_the_ends() {
        assert!(in_unit_range(0.0) && in_unit_range(1.0) && in_unit_range(0.5));
        assert!(in_unit_range(-1e-8) && !in_unit_range(-2e-8));
        assert!(in_unit_range(1.0 + 1e-5) && !in_unit_range(1.0 + 1.1e-5));
        assert!(!in_unit_range(f64::INFINITY));
    }

    #[test]
    fn classic_problems_are_each_reported() {
        let f = frame(&[
            ("id", &["a", "b", "b", "", "x"]),
            ("prediction", &["0.5", "1.5", "0.2", "0.3", "zz"]),
        ]);
        let universe: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let v = validate(Tournament::Classic, &f, Some(&universe));
        let text: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            vec![
                "row 4: missing id",
                "id 'b': appears 2 times (rows 2, 3)",
                "row 2 (id 'b'): prediction 1.5 is outside [0, 1]",
            ],
            "{text:?}"
        );
        // 3 live rows of 3 universe ids: enough by count (duplicates are their own problem);
        // row 5 is not live, so its bad value does not count.
        assert_eq!(v.warnings.len(), 1);
    }

    #[test]
    fn signals_drops_data_type_and_date() {
        let ids: Vec<String> = (0..120).map(|i| format!("T{i:03}")).collect();
        let vals: Vec<String> = (0..120).map(|i| format!("{}", i as f64 / 119.0)).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let val_refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        let dates = vec!["2025-01-03"; 120];
        let f = frame(&[
            ("numerai_ticker", &id_refs),
            ("friday_date", &dates),
            ("signal", &val_refs),
            ("data_type", &dates),
        ]);
        let v = validate(Tournament::Signals, &f, None);
        assert!(v.is_valid(), "{:?}", v.problems);
        assert_eq!(v.warnings.len(), 1);
        let few = frame(&[("ticker", &id_refs[..99]), ("signal", &val_refs[..99])]);
        let v = validate(Tournament::Signals, &few, None);
        assert_eq!(
            v.problems,
            vec![Problem::TooFewIds {
                found: 99,
                required: 100
            }]
        );
    }

    #[test]
    fn constant_submission_and_single_row() {
        let f = frame(&[("id", &["a", "b"]), ("prediction", &["0.5", "0.5"])]);
        let v = validate(Tournament::Classic, &f, None);
        assert!(matches!(v.problems[..], [Problem::ZeroStd { .. }]));
        let f = frame(&[("id", &["a"]), ("prediction", &["0.5"])]);
        assert!(validate(Tournament::Classic, &f, None).is_valid());
    }

    #[test]
    fn wrong_headers_still_check_values() {
        let f = frame(&[
            ("id", &["a", "b"]),
            ("prediction", &["0.1", "NaN"]),
            ("extra", &["1", "2"]),
        ]);
        let v = validate(Tournament::Classic, &f, None);
        assert!(matches!(v.problems[0], Problem::Headers { .. }));
        assert_eq!(
            v.problems[1],
            Problem::NanValue {
                row: 2,
                id: "b".into()
            }
        );
    }

    #[test]
    fn clean_ranks_fills_and_sorts() {
        let rows = vec![
            (Some("c".to_string()), 0.9),
            (Some("a".to_string()), 0.1),
            (Some("zz".to_string()), 0.5),
            (Some("a".to_string()), 0.7),
        ];
        let universe: Vec<(String, String)> = ["d", "c", "a"]
            .iter()
            .map(|s| (s.to_string(), s.to_string()))
            .collect();
        // a: first row 0.1, c: 0.9, d: missing -> ranks among 2: 0.25, 0.75; d 0.5
        assert_eq!(
            clean(&rows, &universe),
            vec![
                ("a".to_string(), 0.25),
                ("c".to_string(), 0.75),
                ("d".to_string(), 0.5)
            ]
        );
        let remap: Vec<(String, String)> = vec![("a".into(), "A1".into()), ("c".into(), "".into())];
        assert_eq!(clean(&rows, &remap), vec![("A1".to_string(), 0.5)]);
    }
}
