//! Helpers every module shares: files written into a temporary folder, and errors as the
//! user reads them.

use std::path::{Path, PathBuf};

use erascore_engine::request::Input;

/// Writes `text` to `dir/name` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A temporary folder, removed when dropped.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// How the tests name an input in a message: `<Input>`, neither a flag nor a keyword.
pub fn name(input: Input) -> String {
    format!("<{input:?}>")
}
