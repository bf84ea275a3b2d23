//! Helpers every command's tests share: running the binary and naming paths.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `erascore` binary this test build made.
pub fn erascore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erascore"))
        .args(args)
        .output()
        .expect("run erascore")
}

/// The run's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.display().to_string()
}
