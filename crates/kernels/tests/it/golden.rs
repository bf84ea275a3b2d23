//! Golden comparisons against numerai-tools 0.7.2 / scipy.
//!
//! The fixtures in `fixtures/golden/*.json` are written by `scripts/make_golden.py`; see its
//! docstring for the conventions (row order = id order, float32 targets stored as f64 values
//! to be rounded to f32, column-major matrices, null = NaN).
//!
//! Tolerances: ndtri 1e-14 relative (or 1e-300 absolute), ranks exact, scores on float64
//! targets 1e-12, scores on float32 targets 1e-8 (numpy's vectorised float32 `pow` may differ
//! from the correctly rounded value by 1 ulp), neutralized vectors 1e-10. Each test reports
//! the largest difference it saw (visible with `--nocapture`) and lists every failure.

use std::collections::BTreeMap;
use std::path::PathBuf;

use erascore_kernels::contribution::{contribution, ContributionTarget};
use erascore_kernels::corr::{gaussian_rank, numerai_corr, top_bottom_rows, CorrTarget};
use erascore_kernels::cpu;
use erascore_kernels::exposure::max_feature_correlation;
use erascore_kernels::gaussian::ndtri;
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::meta_model::{meta_model, stake_weight};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::pearson::{pearson, spearman};
use erascore_kernels::rank::{percentile_rank, TieMethod};
use erascore_kernels::target::Precision;
use serde_json::Value;

const TOL_F64: f64 = 1e-12;
const TOL_F32: f64 = 1e-8;
const TOL_NEUTRALIZE: f64 = 1e-10;

// ---------------------------------------------------------------------------------------
// fixture access
// ---------------------------------------------------------------------------------------

pub(crate) fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/golden")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

pub(crate) fn cases(v: &Value) -> &[Value] {
    v["cases"].as_array().expect("`cases` array")
}

pub(crate) fn name(case: &Value) -> &str {
    case["name"].as_str().expect("case name")
}

pub(crate) fn num(v: &Value) -> f64 {
    if v.is_null() {
        f64::NAN
    } else {
        v.as_f64().expect("number")
    }
}

pub(crate) fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

/// `a.iter().zip(b)` that fails when the lengths differ: a plain zip stops at the shorter
/// side, so a missing expected value would compare nothing and pass.
fn zip_eq<'a, A, B>(
    a: &'a [A],
    b: &'a [B],
    what: &str,
) -> std::iter::Zip<std::slice::Iter<'a, A>, std::slice::Iter<'a, B>> {
    assert_eq!(
        a.len(),
        b.len(),
        "{what}: {} values, {} expected",
        a.len(),
        b.len()
    );
    a.iter().zip(b)
}

pub(crate) fn columns(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .expect("array of columns")
        .iter()
        .map(f64s)
        .collect()
}

pub(crate) fn top_bottom(case: &Value) -> Option<usize> {
    case["top_bottom"].as_u64().map(|k| k as usize)
}

pub(crate) fn precision_of(dtype: &Value) -> Precision {
    match dtype.as_str().expect("dtype") {
        "float32" => Precision::F32,
        "float64" => Precision::F64,
        other => panic!("unknown dtype {other}"),
    }
}

/// The values the reference saw: stored f64 values rounded to the column's precision.
pub(crate) fn values_in(v: &Value, precision: Precision) -> Vec<f64> {
    f64s(v).into_iter().map(|x| precision.round(x)).collect()
}

pub(crate) fn matrix(v: &Value) -> ColumnMatrix {
    let rows = v["rows"].as_u64().expect("rows") as usize;
    let cols = v["cols"].as_u64().expect("cols") as usize;
    let data = match v["dtype"].as_str().expect("dtype") {
        "int8" => ColumnData::I8(
            v["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|x| i8::try_from(x.as_i64().expect("int")).expect("int8"))
                .collect(),
        ),
        "float64" => ColumnData::F64(f64s(&v["data"])),
        other => panic!("unknown matrix dtype {other}"),
    };
    ColumnMatrix::new(rows, cols, data).expect("matrix shape")
}

fn tol_for(p: Precision) -> f64 {
    match p {
        Precision::F64 => TOL_F64,
        Precision::F32 => TOL_F32,
    }
}

/// Runs `check` under every CPU path this machine supports (each available Gram kernel pinned,
/// at each vector width), so the kernels the CPU would not pick by default are held to the
/// same golden values. Only the neutralizer's factorization and products depend on the path.
fn every_path(check: impl Fn()) {
    let paths = cpu::supported();
    assert!(!paths.is_empty());
    for p in paths {
        let gram = p.gram.map_or("best", |g| g.name());
        eprintln!("-- CPU path: gram {gram}, simd {}", p.simd.name());
        cpu::with_paths(p, &check).expect("a supported path pins");
    }
}

// ---------------------------------------------------------------------------------------
// comparison bookkeeping
// ---------------------------------------------------------------------------------------

/// Tracks the largest difference seen and every comparison that failed.
pub(crate) struct Report {
    family: &'static str,
    max_diff: f64,
    worst: String,
    compared: usize,
    failures: Vec<String>,
    /// Largest difference per case (the first word of each label).
    per_case: BTreeMap<String, f64>,
}

impl Report {
    pub(crate) fn new(family: &'static str) -> Self {
        Self {
            family,
            max_diff: 0.0,
            worst: String::new(),
            compared: 0,
            failures: Vec::new(),
            per_case: BTreeMap::new(),
        }
    }

    fn note_case(&mut self, label: &str, diff: f64) {
        let case = label.split_whitespace().next().unwrap_or(label).to_string();
        let m = self.per_case.entry(case).or_insert(0.0);
        *m = m.max(diff);
    }

    /// `|got - want| <= tol * max(1, |want|)`; NaN must meet NaN.
    pub(crate) fn close(&mut self, label: &str, got: f64, want: f64, tol: f64) {
        self.compared += 1;
        self.note_case(label, if got == want { 0.0 } else { (got - want).abs() });
        if want.is_nan() || got.is_nan() {
            if want.is_nan() != got.is_nan() {
                self.failures
                    .push(format!("{label}: got {got:e}, want {want:e}"));
            }
            return;
        }
        if got == want {
            return;
        }
        let diff = (got - want).abs();
        if diff > self.max_diff {
            self.max_diff = diff;
            self.worst = label.to_string();
        }
        if diff.is_nan() || diff > tol * want.abs().max(1.0) {
            self.failures.push(format!(
                "{label}: got {got:e}, want {want:e}, diff {diff:e} > tol {tol:e}"
            ));
        }
    }

    pub(crate) fn exact(&mut self, label: &str, got: f64, want: f64) {
        self.compared += 1;
        self.note_case(label, if got == want { 0.0 } else { (got - want).abs() });
        if got.to_bits() != want.to_bits() && !(got == want) {
            let diff = (got - want).abs();
            if diff > self.max_diff {
                self.max_diff = diff;
                self.worst = label.to_string();
            }
            self.failures
                .push(format!("{label}: got {got:e}, want {want:e} (exact)"));
        }
    }

    pub(crate) fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// A kernel's result: close to `want` within `tol`, or a failure naming its error.
    fn result(
        &mut self,
        label: &str,
        got: Result<f64, impl std::fmt::Display>,
        want: f64,
        tol: f64,
    ) {
        match got {
            Ok(got) => self.close(label, got, want, tol),
            Err(e) => self.fail(format!("{label}: error {e}")),
        }
    }

    pub(crate) fn finish(self) {
        eprintln!(
            "golden {}: {} comparisons, max |diff| = {:e}{}",
            self.family,
            self.compared,
            self.max_diff,
            if self.worst.is_empty() {
                String::new()
            } else {
                format!(" (at {})", self.worst)
            }
        );
        for (case, diff) in &self.per_case {
            eprintln!("    {case}: max |diff| = {diff:e}");
        }
        assert!(self.compared > 0, "{}: nothing compared", self.family);
        if !self.failures.is_empty() {
            let shown: Vec<&String> = self.failures.iter().take(40).collect();
            panic!(
                "{}: {} of {} comparisons failed:\n{}",
                self.family,
                self.failures.len(),
                self.compared,
                shown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// A family's reports on float64 and on float32 targets, kept apart because their
/// tolerances differ.
struct ByPrecision {
    f64: Report,
    f32: Report,
}

impl ByPrecision {
    fn new(f64: &'static str, f32: &'static str) -> Self {
        Self {
            f64: Report::new(f64),
            f32: Report::new(f32),
        }
    }

    fn of(&mut self, precision: Precision) -> &mut Report {
        match precision {
            Precision::F32 => &mut self.f32,
            Precision::F64 => &mut self.f64,
        }
    }

    fn finish(self) {
        self.f64.finish();
        self.f32.finish();
    }
}

/// A case's prediction columns with their expected values and names, which must be as many.
fn named<'a>(
    case: &'a Value,
    preds: &'a [Vec<f64>],
    want: &'a [f64],
) -> impl Iterator<Item = (&'a Vec<f64>, f64, &'a Value)> {
    let names = case["prediction_names"].as_array().expect("names");
    zip_eq(preds, want, name(case))
        .zip(zip_eq(want, names, name(case)).map(|(_, n)| n))
        .map(|((p, &w), col)| (p, w, col))
}

// ---------------------------------------------------------------------------------------
// ndtri and ranks
// ---------------------------------------------------------------------------------------

#[test]
fn ndtri_matches_scipy_norm_ppf() {
    let g = load("ndtri.json");
    let ps = f64s(&g["p"]);
    let want = f64s(&g["expected"]);
    assert_eq!(ps.len(), want.len());
    let mut rep = Report::new("ndtri (relative)");
    let mut max_rel: f64 = 0.0;
    for (&p, &w) in ps.iter().zip(&want) {
        let got = ndtri(p);
        rep.compared += 1;
        let diff = (got - w).abs();
        let rel = if w == 0.0 { diff } else { diff / w.abs() };
        if rel > max_rel {
            max_rel = rel;
            rep.worst = format!("p={p:e}");
        }
        let ok = rel <= 1e-14 || diff <= 1e-300; // false for NaN
        if !ok {
            rep.fail(format!(
                "p={p:e}: got {got:e}, want {w:e}, rel diff {rel:e}"
            ));
        }
    }
    // For this family the reported difference is relative.
    rep.max_diff = max_rel;
    rep.finish();
}

#[test]
fn ranks_match_pandas() {
    let g = load("rank.json");
    let mut rep = Report::new("rank");
    for case in cases(&g) {
        let values = f64s(&case["values"]);
        for (method, key) in [(TieMethod::Average, "average"), (TieMethod::First, "first")] {
            let want = f64s(&case[key]);
            let got = percentile_rank(&values, method);
            assert_eq!(got.len(), want.len());
            for (i, (&a, &b)) in got.iter().zip(&want).enumerate() {
                rep.exact(&format!("{} {key} [{i}]", name(case)), a, b);
            }
        }
    }
    rep.finish();
}

// ---------------------------------------------------------------------------------------
// scores
// ---------------------------------------------------------------------------------------

#[test]
fn numerai_corr_matches_reference() {
    let g = load("numerai_corr.json");
    let mut reps = ByPrecision::new("numerai_corr", "numerai_corr (float32 targets)");
    for case in cases(&g) {
        let precision = precision_of(&case["target_dtype"]);
        let pow15 = case["target_pow15"].as_bool().expect("target_pow15");
        let target = values_in(&case["target"], precision);
        let t = CorrTarget::new(&target, precision, pow15).expect("target");
        let tb = top_bottom(case);
        let preds = columns(&case["predictions"]);
        let want = f64s(&case["expected"]);
        for (p, w, col) in named(case, &preds, &want) {
            let label = format!("{} {}", name(case), col);
            let got = numerai_corr(p, &t, tb);
            reps.of(precision)
                .result(&label, got, w, tol_for(precision));
        }
    }
    reps.finish();
}

#[test]
fn correlation_contribution_matches_reference() {
    let g = load("contribution.json");
    let mut reps = ByPrecision::new(
        "correlation_contribution",
        "correlation_contribution (float32 targets)",
    );
    for case in cases(&g) {
        let precision = precision_of(&case["target_dtype"]);
        let target = values_in(&case["target"], precision);
        let t = ContributionTarget::new(&target, precision);
        let meta = gaussian_rank(&f64s(&case["meta_model"]));
        let tb = top_bottom(case);
        let want = f64s(&case["expected"]);
        let preds = columns(&case["predictions"]);
        for (p, w, col) in named(case, &preds, &want) {
            let label = format!("{} {}", name(case), col);
            let got = contribution(&gaussian_rank(p), &meta, &t, tb);
            reps.of(precision)
                .result(&label, got, w, tol_for(precision));
        }
    }
    reps.finish();
}

#[test]
fn neutralize_matches_reference() {
    every_path(|| {
        let g = load("neutralize.json");
        let mut rep = Report::new("neutralize");
        for case in cases(&g) {
            let nz = Neutralizer::new(matrix(&case["neutralizers"]));
            let inputs = columns(&case["columns"]);
            let names = case["column_names"].as_array().expect("names");
            let proportions = f64s(&case["proportions"]);
            let expected = case["expected"].as_array().expect("expected");
            assert_eq!(proportions.len(), expected.len());
            for (&prop, want_cols) in proportions.iter().zip(expected) {
                let want_cols = columns(want_cols);
                for ((y, want), col) in zip_eq(&inputs, &want_cols, name(case))
                    .zip(zip_eq(&inputs, names, name(case)).map(|(_, n)| n))
                {
                    let got = nz.neutralize(y, prop);
                    assert_eq!(got.len(), want.len());
                    for (i, (&a, &b)) in got.iter().zip(want.iter()).enumerate() {
                        let label = format!("{} p={prop} {col}[{i}]", name(case));
                        rep.close(&label, a, b, TOL_NEUTRALIZE);
                    }
                }
            }
        }
        rep.finish();
    });
}

/// numerai-tools `feature_neutral_corr` = numerai_corr(variance_normalize(neutralize(
/// gaussian(tie_kept_rank(p)), features))). The variance normalization is a positive scale,
/// which numerai_corr's re-ranking ignores, so the kernels compose as
/// gaussian_rank -> neutralize(., 1.0) -> numerai_corr.
#[test]
fn feature_neutral_corr_matches_reference() {
    every_path(|| {
        let g = load("feature_neutral_corr.json");
        let mut reps = ByPrecision::new(
            "feature_neutral_corr",
            "feature_neutral_corr (float32 targets)",
        );
        for case in cases(&g) {
            let precision = precision_of(&case["target_dtype"]);
            let target = values_in(&case["target"], precision);
            let t = CorrTarget::new(&target, precision, true).expect("target");
            let nz = Neutralizer::new(matrix(&case["features"]));
            let tb = top_bottom(case);
            let want = f64s(&case["expected"]);
            let preds = columns(&case["predictions"]);
            for (p, w, col) in named(case, &preds, &want) {
                let label = format!("{} {}", name(case), col);
                let neutral = nz.neutralize(&gaussian_rank(p), 1.0);
                let got = numerai_corr(&neutral, &t, tb);
                reps.of(precision)
                    .result(&label, got, w, tol_for(precision));
            }
        }
        reps.finish();
    });
}

#[test]
fn pearson_and_spearman_match_reference() {
    let g = load("pearson_spearman.json");
    let mut rep = Report::new("pearson/spearman");
    for case in cases(&g) {
        let a = values_in(&case["a"], precision_of(&case["a_dtype"]));
        let b = f64s(&case["b"]);
        match top_bottom(case) {
            None => {
                rep.close(
                    &format!("{} pearson", name(case)),
                    pearson(&a, &b),
                    num(&case["pearson"]),
                    TOL_F64,
                );
                rep.close(
                    &format!("{} spearman", name(case)),
                    spearman(&a, &b),
                    num(&case["spearman"]),
                    TOL_F64,
                );
            }
            Some(k) => {
                // pearson_correlation(target, predictions, top_bottom): keep the rows of the
                // k lowest and k highest predictions (stable, ties by id).
                let rows = top_bottom_rows(&b, k).expect("n > 2k");
                let sa: Vec<f64> = rows.iter().map(|&i| a[i]).collect();
                let sb: Vec<f64> = rows.iter().map(|&i| b[i]).collect();
                rep.close(
                    &format!("{} pearson tb{k}", name(case)),
                    pearson(&sa, &sb),
                    num(&case["pearson"]),
                    TOL_F64,
                );
            }
        }
    }
    rep.finish();
}

#[test]
fn max_feature_correlation_matches_reference() {
    let g = load("exposure.json");
    let mut rep = Report::new("max_feature_correlation");
    for case in cases(&g) {
        let features = matrix(&case["features"]);
        let preds = f64s(&case["predictions"]);
        let want_idx = case["expected_index"].as_u64().expect("index") as usize;
        let want = num(&case["expected_value"]);
        match max_feature_correlation(&preds, &features) {
            Some((idx, got)) => {
                if idx != want_idx {
                    rep.fail(format!(
                        "{}: feature index {idx}, want {want_idx}",
                        name(case)
                    ));
                }
                rep.close(name(case), got, want, TOL_F64);
            }
            None => rep.fail(format!("{}: no feature found", name(case))),
        }
    }
    rep.finish();
}

#[test]
fn stake_weight_and_meta_model_match_reference() {
    let g = load("stake_weight.json");
    let mut rep = Report::new("stake_weight/meta_model");
    for case in cases(&g) {
        let stakes = f64s(&case["stakes"]);
        let preds = columns(&case["predictions"]);
        let refs: Vec<&[f64]> = preds.iter().map(|c| c.as_slice()).collect();
        let sw = stake_weight(&refs, &stakes).expect("stake_weight");
        let want = f64s(&case["expected_stake_weight"]);
        for (i, (&a, &b)) in zip_eq(&sw, &want, name(case)).enumerate() {
            rep.close(&format!("{} stake_weight[{i}]", name(case)), a, b, TOL_F64);
        }
        let mm = meta_model(&refs, &stakes).expect("meta_model");
        let want = f64s(&case["expected_meta_model"]);
        for (i, (&a, &b)) in zip_eq(&mm, &want, name(case)).enumerate() {
            rep.close(&format!("{} meta_model[{i}]", name(case)), a, b, TOL_F64);
        }
    }
    rep.finish();
}

/// numerai-tools `neutral_correlation` and `neutral_contribution`, and FNC through the
/// `neutral` module's one-call API.
#[test]
fn neutral_scores_match_reference() {
    every_path(|| {
        use erascore_kernels::neutral_scores::{
            feature_neutral_corr, neutral_contribution, neutral_correlation,
        };
        let g = load("neutral.json");
        let mut rep = Report::new("neutral_correlation / neutral_contribution");
        for case in cases(&g) {
            let precision = precision_of(&case["target_dtype"]);
            let target = values_in(&case["target"], precision);
            let nz = Neutralizer::new(matrix(&case["features"]));
            let tb = top_bottom(case);
            let meta = f64s(&case["meta_model"]);
            let ct = ContributionTarget::new(&target, precision);
            let names = case["prediction_names"].as_array().expect("names");
            let want_corr = f64s(&case["neutral_correlation"]);
            let want_contrib = f64s(&case["neutral_contribution"]);
            for (i, p) in columns(&case["predictions"]).iter().enumerate() {
                let label = format!("{} {}", name(case), names[i]);
                match neutral_correlation(p, &nz, &target, precision, tb) {
                    Ok(got) => rep.close(
                        &format!("{label} corr"),
                        got,
                        want_corr[i],
                        tol_for(precision),
                    ),
                    Err(e) => rep.fail(format!("{label}: error {e}")),
                }
                match neutral_contribution(p, &meta, &nz, &ct, tb) {
                    Ok(got) => rep.close(
                        &format!("{label} contribution"),
                        got,
                        want_contrib[i],
                        tol_for(precision),
                    ),
                    Err(e) => rep.fail(format!("{label}: error {e}")),
                }
            }
        }
        rep.finish();

        let fnc = load("feature_neutral_corr.json");
        let mut rep = Report::new("feature_neutral_corr (neutral module)");
        for case in cases(&fnc) {
            let precision = precision_of(&case["target_dtype"]);
            let t = CorrTarget::new(&values_in(&case["target"], precision), precision, true)
                .expect("target");
            let nz = Neutralizer::new(matrix(&case["features"]));
            let (preds, want) = (columns(&case["predictions"]), f64s(&case["expected"]));
            for (p, &w) in zip_eq(&preds, &want, name(case)) {
                let got = feature_neutral_corr(p, &nz, &t, top_bottom(case));
                rep.result(name(case), got, w, tol_for(precision));
            }
        }
        rep.finish();
    });
}

/// Rows `rows` of a column-major int8 matrix.
fn select_rows(m: &ColumnMatrix, rows: &[usize]) -> ColumnMatrix {
    let ColumnData::I8(d) = m.data() else {
        panic!("partial cases have int8 features")
    };
    let n = m.rows();
    let data: Vec<i8> = (0..m.cols())
        .flat_map(|j| rows.iter().map(move |&r| d[j * n + r]))
        .collect();
    ColumnMatrix::new(rows.len(), m.cols(), ColumnData::I8(data)).expect("shape")
}

/// numerai_corr and feature_neutral_corr called as a user calls them per era when the
/// predictions cover part of the era: the era's whole target (with NaN), predictions for some
/// rows. The target is centred over every row with a target (issue 9); includes numerai-tools'
/// own filter_sort_index test vectors (0.98316).
#[test]
fn partial_coverage_matches_reference() {
    every_path(|| {
        let g = load("partial.json");
        let mut reps = ByPrecision::new(
            "numerai_corr / fnc, partial coverage",
            "numerai_corr / fnc, partial coverage (float32 targets)",
        );
        for case in cases(&g) {
            let precision = precision_of(&case["target_dtype"]);
            let pow15 = case["target_pow15"].as_bool().expect("target_pow15");
            let tb = top_bottom(case);
            let era_target = values_in(&case["era_target"], precision);
            let predicted: Vec<usize> = case["predicted"]
                .as_array()
                .expect("predicted")
                .iter()
                .map(|v| v.as_u64().expect("row") as usize)
                .collect();
            let preds = columns(&case["predictions"]);
            // Scored: predicted rows with a target (positions within the predictions).
            let scored: Vec<usize> = (0..predicted.len())
                .filter(|&i| !era_target[predicted[i]].is_nan())
                .collect();
            assert!(
                scored.len() < era_target.len(),
                "{}: not partial",
                name(case)
            );
            let t: Vec<f64> = scored.iter().map(|&i| era_target[predicted[i]]).collect();
            let ct = CorrTarget::centred_on(&t, &era_target, precision, pow15).expect("target");
            let r = reps.of(precision);
            let want = f64s(&case["expected_corr"]);
            let nz = (!case["expected_fnc"].is_null()).then(|| {
                let rows: Vec<usize> = scored.iter().map(|&i| predicted[i]).collect();
                Neutralizer::new(select_rows(&matrix(&case["features"]), &rows))
            });
            let want_fnc = nz.as_ref().map(|_| f64s(&case["expected_fnc"]));
            for (k, (p, &w)) in zip_eq(&preds, &want, name(case)).enumerate() {
                assert_eq!(p.len(), predicted.len());
                let ps: Vec<f64> = scored.iter().map(|&i| p[i]).collect();
                let label = format!("{} corr[{k}]", name(case));
                r.result(&label, numerai_corr(&ps, &ct, tb), w, tol_for(precision));
                if let (Some(nz), Some(wf)) = (&nz, &want_fnc) {
                    let label = format!("{} fnc[{k}]", name(case));
                    let neutral = nz.neutralize(&gaussian_rank(&ps), 1.0);
                    let got = numerai_corr(&neutral, &ct, tb);
                    r.result(&label, got, wf[k], tol_for(precision));
                }
            }
        }
        reps.finish();
    });
}

/// pandas' Pearson (and so numerai-tools' pearson_correlation and max_feature_correlation)
/// centres and divides by max|x| before its dot products, so predictions scaled by 1e300 or
/// 1e-310 score as at scale 1; at 1e308 the mean overflows and the reference gives NaN,
/// which must stay NaN (an `f64::min(1.0)` once turned it into 1.0).
#[test]
fn pearson_and_exposure_are_scale_safe() {
    let g = load("scale.json");
    let mut rep = Report::new("pearson / max_feature_correlation, scaled predictions");
    for case in cases(&g) {
        let t = f64s(&case["target"]);
        let p = f64s(&case["predictions"]);
        let features = matrix(&case["features"]);
        rep.close(
            &format!("{} pearson", name(case)),
            pearson(&t, &p),
            num(&case["pearson"]),
            TOL_F64,
        );
        let fexp = max_feature_correlation(&p, &features).map_or(f64::NAN, |(_, r)| r);
        rep.close(
            &format!("{} fexp_max", name(case)),
            fexp,
            num(&case["fexp_max"]),
            TOL_F64,
        );
    }
    rep.finish();
}
