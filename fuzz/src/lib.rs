//! What each fuzz target does with its input bytes, in one place: the libFuzzer targets in
//! `fuzz_targets/` call these, and the stable regression test
//! (`crates/cli/tests/cli/fuzz_regressions.rs`) replays the committed corpus in
//! `fixtures/fuzz/<target>/` through the same functions.
//!
//! Each function feeds the bytes to the reader the way the commands do and returns the
//! first error the reader reports (the fuzzer ignores it; the regression test checks it).
//! A panic, an abort or a huge allocation is the bug being looked for. The `assert!`s
//! are invariants every `Ok` must satisfy.
//!
//! Only erascore-io, erascore-engine and erascore-payout are used, so that this file also
//! compiles as a module of the CLI's integration tests, whose crate depends on all three.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use erascore_engine::metrics::Metric;
use erascore_io::dataset::{parquet_column_names, read_dataset, DatasetRequest, FeatureSelection};
use erascore_io::era::{era_number, era_order};
use erascore_io::features_json::read_feature_set;
use erascore_io::frame::{
    column_names, read_frame, read_frame_columns, read_frame_columns_pending, Frame,
};
use erascore_io::Strings;
use erascore_payout::factor::PayoutFactor;
use erascore_payout::rule::{Preset, Rule, RuleOverrides};
use erascore_payout::series::{group_by_model, NanPolicy};
use erascore_payout::simulate::{check_stake, simulate};

/// The outcome the regression test checks: `Err` carries the reader's message.
pub type Outcome = Result<(), String>;

/// A target: what it does with one input.
pub type Target = fn(&[u8]) -> Outcome;

/// Every target, by name (the directory names under `fixtures/fuzz/`).
pub const TARGETS: [(&str, Target); 7] = [
    ("dataset", dataset),
    ("frame_parquet", frame_parquet),
    ("frame_csv", frame_csv),
    ("features_json", features_json),
    ("stakes", stakes),
    ("payout_scores", payout_scores),
    ("cli_values", cli_values),
];

/// Replaces libFuzzer's panic hook, which aborts on every panic, even one that is caught.
/// erascore-io decodes parquet pages under `catch_unwind` (the parquet and arrow crates
/// panic on some corrupt pages, see crates/io/src/parquet_guard.rs) and reports those
/// panics as errors; they must not count as crashes. Every other panic still aborts, as
/// before. A parquet or arrow panic that escapes the guard still crashes: libfuzzer-sys
/// aborts on any panic that leaves the target.
pub fn abort_on_panics_outside_parquet() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_parquet = info
            .location()
            .is_some_and(|l| l.file().contains("/parquet-") || l.file().contains("/arrow-"));
        if !in_parquet {
            default_hook(info);
            std::process::abort();
        }
    }));
}

/// The readers take paths, so the bytes go to a file first: in /dev/shm when there is one
/// (a fuzzer writes thousands of files a second), unique per process and call so that
/// parallel tests do not share one.
fn with_file<T>(bytes: &[u8], extension: &str, read: impl FnOnce(&Path) -> T) -> T {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let path: PathBuf = dir.join(format!(
        "erascore-fuzz-{}-{}.{extension}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes).expect("cannot write the fuzz input to a temporary file");
    let out = read(&path);
    let _ = std::fs::remove_file(&path);
    out
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A Numerai data file: every `feature_*` and `target*` column, as `score` and
/// `diagnostics` read it.
pub fn dataset(bytes: &[u8]) -> Outcome {
    with_file(bytes, "parquet", |path| {
        let names = parquet_column_names(path).map_err(err)?;
        let request = DatasetRequest {
            features: FeatureSelection::All,
            targets: names
                .iter()
                .filter(|n| n.starts_with("target"))
                .cloned()
                .collect(),
        };
        let data = read_dataset(path, &request).map_err(err)?;
        let rows = data.rows();
        assert_eq!(data.eras.len(), rows);
        assert!(data
            .eras
            .iter()
            .all(|&e| (e as usize) < data.era_names.len()));
        assert_eq!(data.features.len(), data.feature_names.len());
        assert!(data.features.iter().all(|f| f.len() == rows));
        assert!(data.targets.iter().all(|t| t.values.len() == rows));
        Ok(())
    })
}

/// Every accessor the commands use, on every column of a table. A column that is not
/// numeric is no error here (ids are text); `float` and `is_numeric` must agree on it.
fn use_frame(frame: &Frame) -> Outcome {
    let rows = frame.rows();
    for name in frame.names() {
        // A byte order mark (Excel's CSVs start with one) must not end up in the first name.
        assert!(
            !name.starts_with('\u{feff}'),
            "header keeps the BOM: {name:?}"
        );
        assert_eq!(frame.text(&name).map_err(err)?.len(), rows);
        let numeric = frame.is_numeric(&name);
        match frame.float(&name) {
            Ok((v, _)) => {
                assert!(
                    numeric,
                    "column '{name}' reads as numbers but is_numeric says no"
                );
                assert_eq!(v.len(), rows);
            }
            Err(e) => assert!(
                !numeric,
                "column '{name}' is_numeric but does not read: {e}"
            ),
        }
    }
    Ok(())
}

/// A table (predictions, meta model, benchmark, stakes or scores) read from `path`: whole,
/// by its header, and one column by name as `--meta-model-column` reads it.
fn frame_file(path: &Path) -> Outcome {
    let frame = read_frame(path).map_err(err)?;
    let names = column_names(path).map_err(err)?;
    assert_eq!(names, frame.names());
    if let Some(last) = names.last() {
        let one = read_frame_columns(path, Some(&[last.as_str()])).map_err(err)?;
        assert_eq!(one.rows(), frame.rows());
    }
    // A text column read as a file's ids are beside the data's (compared page by page with
    // a known column: itself, then the same values reversed): its values as read whole.
    if let Some(name) = names.iter().find(|n| frame.stored_text(n).is_some()) {
        let whole = frame.text(name).map_err(err)?.into_owned();
        let reversed: Strings = whole.iter().rev().collect();
        for known in [&whole, &reversed] {
            let read = read_frame_columns_pending(path, None, name)
                .map_err(err)?
                .finish(Some(known))
                .map_err(err)?;
            assert_eq!(read.text(name).map_err(err)?.to_vec(), whole.to_vec());
        }
    }
    use_frame(&frame)
}

/// Predictions, meta model or benchmark as parquet.
pub fn frame_parquet(bytes: &[u8]) -> Outcome {
    with_file(bytes, "parquet", frame_file)
}

/// Predictions, meta model, benchmark, stakes or scores as CSV.
pub fn frame_csv(bytes: &[u8]) -> Outcome {
    with_file(bytes, "csv", frame_file)
}

/// features.json: the sets `--feature-set` names most often, and one it does not hold.
pub fn features_json(bytes: &[u8]) -> Outcome {
    with_file(bytes, "json", |path| {
        let missing = read_feature_set(path, "fuzz-no-such-set");
        // A file with a set named like that is fine; otherwise the name is an error.
        let text = String::from_utf8_lossy(bytes);
        if !text.contains("fuzz-no-such-set") {
            assert!(missing.is_err());
        }
        for name in ["small", "medium", ""] {
            let _ = read_feature_set(path, name);
        }
        // `--feature-set` defaults to "all".
        read_feature_set(path, "all").map(drop).map_err(err)
    })
}

/// A stakes file (`model,stake`) as `metamodel`, `score --stakes` and `payout --stakes`
/// read it: every stake finite and not negative.
pub fn stakes(bytes: &[u8]) -> Outcome {
    with_file(bytes, "csv", |path| {
        let frame = read_frame(path).map_err(err)?;
        let models = frame.text("model").map_err(err)?;
        let (stakes, _) = frame.float("stake").map_err(err)?;
        assert_eq!(models.len(), stakes.len());
        for (m, &s) in models.iter().zip(stakes.iter()) {
            check_stake(Some(m), s).map_err(err)?;
        }
        Ok(())
    })
}

/// A `payout` scores file (round or era, model, corr, mmc) grouped into per-model series and
/// simulated under every preset, and a per-round payout factor file.
pub fn payout_scores(bytes: &[u8]) -> Outcome {
    with_file(bytes, "csv", |path| {
        let frame = read_frame(path).map_err(err)?;
        let round_col = if frame.has("round") { "round" } else { "era" };
        let rounds = frame.text(round_col).map_err(err)?.to_vec();
        let models = if frame.has("model") {
            frame.text("model").map_err(err)?.to_vec()
        } else {
            vec!["model".to_string(); rounds.len()]
        };
        let corr = frame.float("corr").map_err(err)?.0.into_owned();
        let mmc = if frame.has("mmc") {
            Some(frame.float("mmc").map_err(err)?.0.into_owned())
        } else {
            None
        };
        let order = era_order(&rounds);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert!(sorted.iter().copied().eq(0..rounds.len()));
        let series = group_by_model(&rounds, &models, &corr, mmc.as_deref()).map_err(err)?;
        let mut first_error = None;
        for preset in Preset::ALL {
            let rule = preset.defaults();
            for m in &series {
                for nan in [NanPolicy::Skip, NanPolicy::Zero, NanPolicy::Error] {
                    let run = m.prepare(&rule, nan, "corr", "mmc").and_then(|p| {
                        let factors = vec![1.0; p.scores.len()];
                        let t = simulate(1000.0, &p.scores, &factors, &rule)?;
                        Ok((p, t))
                    });
                    match run {
                        Ok((p, t)) => {
                            assert_eq!(t.rounds.len(), p.scores.len());
                            assert_eq!(p.scores.len() + p.skipped.len(), m.rounds.len());
                        }
                        Err(e) => {
                            first_error.get_or_insert_with(|| e.to_string());
                        }
                    }
                }
            }
        }
        if frame.has("payout_factor") {
            let (f, _) = frame.float("payout_factor").map_err(err)?;
            let factors =
                PayoutFactor::per_round(rounds.iter().map(String::as_str).zip(f.iter().copied()))
                    .map_err(err)?;
            factors
                .for_rounds(rounds.iter().map(String::as_str))
                .map_err(err)?;
        }
        first_error.map_or(Ok(()), Err)
    })
}

/// Flag values the CLI parses itself: `--metrics`, `--rule` and the numeric payout flags
/// (clap turns the text into numbers; the ranges are checked here), and round labels.
/// The first byte picks the parser; for numbers the rest is read as raw f64/u64 bits so
/// that NaN, infinities, subnormals and huge values all come up.
pub fn cli_values(bytes: &[u8]) -> Outcome {
    let Some((&which, rest)) = bytes.split_first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(rest);
    match which % 4 {
        0 => {
            let metrics = Metric::parse_list(&text).map_err(err)?;
            assert!(!metrics.is_empty());
            for m in metrics {
                // Output columns are named by `name()`; it must name the same metric.
                assert_eq!(Metric::parse(&m.name()).ok(), Some(m), "{m:?}");
            }
            Ok(())
        }
        1 => {
            let preset: Preset = text.parse().map_err(err)?;
            assert_eq!(preset.name().parse::<Preset>().ok(), Some(preset));
            Ok(())
        }
        2 => {
            let mut words = rest
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
            let mut float = || words.next().map(f64::from_bits);
            let preset = Preset::ALL[usize::from(rest.first().copied().unwrap_or(0)) % 4];
            let overrides = RuleOverrides {
                corr_multiplier: float(),
                mmc_multiplier: float(),
                cap: float(),
                resolve_lag: float().map(|x| x.to_bits() as usize % 64),
                threshold: float(),
            };
            let stake = float().unwrap_or(1000.0);
            let factor = float().unwrap_or(1.0);
            let total = float();
            let rule = Rule::new(preset, &overrides).map_err(err)?;
            check_stake(None, stake).map_err(err)?;
            let f = match total {
                Some(x) => {
                    PayoutFactor::from_total_at_risk(rule.require_threshold().map_err(err)?, x)
                }
                None => PayoutFactor::constant(factor),
            }
            .map_err(err)?;
            let scores: Vec<f64> = std::iter::from_fn(&mut float).take(64).collect();
            let factors = vec![f.for_round("1").map_err(err)?; scores.len()];
            let t = simulate(stake, &scores, &factors, &rule).map_err(err)?;
            assert_eq!(t.rounds.len(), scores.len());
            Ok(())
        }
        _ => {
            let labels: Vec<&str> = text.split(',').collect();
            let order = era_order(&labels);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert!(sorted.iter().copied().eq(0..labels.len()));
            for l in &labels {
                if let Some(n) = era_number(l) {
                    assert!(l.trim().ends_with(&n.to_string()));
                }
            }
            Ok(())
        }
    }
}
