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

/// A file of the repository's `fixtures/` folder, as a command-line argument.
pub fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
        .display()
        .to_string()
}

/// The run's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `COMMAND --data DATA --predictions PREDICTIONS --out OUT`, then `extra`: the command line
/// of every command that reads predictions against data.
pub fn on_data<'a>(
    command: &'a str,
    data: &'a str,
    predictions: &'a str,
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        command,
        "--data",
        data,
        "--predictions",
        predictions,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// `metamodel --predictions PREDICTIONS --stakes STAKES --out OUT`.
pub fn metamodel<'a>(predictions: &'a str, stakes: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "metamodel",
        "--predictions",
        predictions,
        "--stakes",
        stakes,
        "--out",
        out,
    ]
}
