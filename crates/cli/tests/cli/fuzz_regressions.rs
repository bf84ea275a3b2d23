//! Replays the committed fuzz corpus (`fixtures/fuzz/<target>/`) through the same code the
//! cargo-fuzz targets run (`fuzz/src/lib.rs`), on stable, in every `cargo test`.
//!
//! Each input must come back without a panic. A file named `err-*` must be refused with a
//! message naming the file it was read from; `ok-*` must be read. It lives in the CLI's
//! tests because this crate depends on every crate the harness reads with.

#[path = "../../../../fuzz/src/lib.rs"]
#[allow(dead_code)] // the libFuzzer-only setup
mod harness;

use std::path::{Path, PathBuf};

/// Targets whose every error comes from erascore-io (payout and flag errors name models,
/// rounds or flags instead, and the CLI adds the file).
const IO_TARGETS: [&str; 4] = ["dataset", "frame_parquet", "frame_csv", "features_json"];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/fuzz")
        .join(target)
}

#[test]
fn committed_fuzz_inputs_are_refused_or_read_never_panic() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (target, run) in harness::TARGETS {
        let dir = corpus_dir(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("corpus entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: no inputs", dir.display());
        for file in files {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let bytes = std::fs::read(&file).expect("corpus file");
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            replayed += 1;
            let what = format!("{target}/{name}");
            match outcome {
                Err(_) => failures.push(format!("{what}: panicked")),
                Ok(Ok(())) if name.starts_with("err-") => {
                    failures.push(format!("{what}: was read, expected an error"))
                }
                Ok(Err(e)) if name.starts_with("ok-") => {
                    failures.push(format!("{what}: expected to be read, got: {e}"))
                }
                // erascore-io's messages name the temporary file the bytes were written to.
                Ok(Err(e)) if IO_TARGETS.contains(&target) && !e.contains("erascore-fuzz-") => {
                    failures.push(format!("{what}: message does not name the file: {e}"))
                }
                Ok(_) => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(replayed >= harness::TARGETS.len());
}
