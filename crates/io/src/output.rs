//! Outputs that appear whole or not at all.
//!
//! A command's outputs are written under temporary names next to where they belong and moved
//! into place only once every one of them is complete, so a failed or interrupted run never
//! leaves a half-written file, nor a folder mixing the files of two runs.
//!
//! - [`OutputFiles`]: separate files (`--out`, `--json`, charts). Each is checked and its
//!   temporary sibling created when it is staged, before any work, so a path that cannot
//!   be written fails the run early; [`OutputFiles::commit`] renames them all at the end.
//!   An interrupted run leaves at most hidden `.NAME.PID.partial.EXT` files.
//! - [`OutputDir`]: a folder of files written as one set (diagnostics, synth). The set is
//!   written into a fresh hidden sibling folder that replaces the output folder with one
//!   rename, so readers see the old set or the new one, never a mix.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::IoError;

/// Temporary name of one output: hidden, next to it, with its extension kept (writers pick
/// the format by extension).
fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    let tmp = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => {
            let stem = &name[..name.len() - ext.len() - 1];
            format!(".{stem}.{pid}.{tag}.{ext}")
        }
        None => format!(".{name}.{pid}.{tag}"),
    };
    path.with_file_name(tmp)
}

fn create_parent(path: &Path) -> Result<(), IoError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // `--out out/scores.csv` on a fresh checkout should just work.
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| IoError::file(dir, e)),
        None => Ok(()),
    }
}

/// Files written together: all appear, or none.
#[derive(Debug, Default)]
pub struct OutputFiles {
    /// (temporary, final) pairs; the temporary is `None` once renamed.
    staged: Vec<(Option<PathBuf>, PathBuf)>,
}

impl OutputFiles {
    /// Nothing staged yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves `path` for a file: refuses a directory and a path staged twice, creates its
    /// folder if needed, and creates the (empty) temporary file to write instead, which is
    /// returned.
    pub fn stage(&mut self, path: &Path) -> Result<PathBuf, IoError> {
        if path.is_dir() {
            return Err(IoError::invalid(
                path,
                "is a directory; a file name is expected here",
            ));
        }
        if path.file_name().is_none() {
            return Err(IoError::invalid(path, "is not a file name"));
        }
        if self.staged.iter().any(|(_, p)| p == path) {
            return Err(IoError::invalid(path, "is named as two different outputs"));
        }
        create_parent(path)?;
        let tmp = sibling(path, "partial");
        File::create(&tmp).map_err(|e| IoError::file(path, e))?;
        self.staged.push((Some(tmp.clone()), path.to_path_buf()));
        Ok(tmp)
    }

    /// Moves every staged file into place.
    pub fn commit(mut self) -> Result<(), IoError> {
        for (tmp, path) in &mut self.staged {
            if let Some(t) = tmp.take() {
                if let Err(e) = std::fs::rename(&t, &*path) {
                    *tmp = Some(t);
                    return Err(IoError::file(path, e));
                }
            }
        }
        Ok(())
    }
}

impl Drop for OutputFiles {
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            if let Some(t) = tmp {
                // Best effort: the error that stopped the run matters more.
                let _ = std::fs::remove_file(t);
            }
        }
    }
}

/// Checks that a file could be written at `path` (as [`OutputFiles::stage`] does) and
/// leaves no file behind, for outputs whose final names are known only later.
pub fn check_writable(path: &Path) -> Result<(), IoError> {
    OutputFiles::new().stage(path).map(|_| ())
}

/// A folder whose files are written as one set.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    tmp: PathBuf,
    done: bool,
}

impl OutputDir {
    /// Stages a new version of folder `dir`, whose files will be `names`. `dir` may be
    /// missing, empty, or hold files named in `names` (a previous run's, replaced as a
    /// whole); any other file in it is refused, since the whole folder is replaced.
    pub fn stage(dir: &Path, names: &[&str]) -> Result<Self, IoError> {
        if dir.exists() && !dir.is_dir() {
            return Err(IoError::invalid(
                dir,
                "is a file; a folder is expected here",
            ));
        }
        // `.` and `..` have no name of their own to put a sibling next to.
        let dir = if dir.exists() {
            dir.canonicalize().map_err(|e| IoError::file(dir, e))?
        } else {
            dir.to_path_buf()
        };
        if dir.file_name().is_none() {
            return Err(IoError::invalid(&dir, "cannot be replaced"));
        }
        if dir.is_dir() {
            let mut foreign = Vec::new();
            for entry in std::fs::read_dir(&dir).map_err(|e| IoError::file(&dir, e))? {
                let entry = entry.map_err(|e| IoError::file(&dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                // Earlier versions left hidden `.*.partial*` files behind.
                let ours = names.contains(&name.as_str())
                    || (name.starts_with('.') && name.contains(".partial"));
                if !ours || entry.path().is_dir() {
                    foreign.push(name);
                }
            }
            if !foreign.is_empty() {
                foreign.sort();
                let more = if foreign.len() > 5 { ", ..." } else { "" };
                foreign.truncate(5);
                return Err(IoError::invalid(
                    &dir,
                    format!(
                        "holds files this command does not write ({}{more}); the folder is \
                         replaced as a whole, so choose a new or empty one",
                        foreign.join(", ")
                    ),
                ));
            }
        }
        create_parent(&dir)?;
        let tmp = sibling(&dir, "partial");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| IoError::file(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| IoError::file(&dir, e))?;
        Ok(Self {
            dir,
            tmp,
            done: false,
        })
    }

    /// The folder to write the files into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Puts the new folder in place of the old one.
    pub fn commit(mut self) -> Result<(), IoError> {
        if self.dir.exists() {
            // Two renames: between them the folder is briefly absent, never mixed.
            let old = sibling(&self.dir, "old");
            std::fs::rename(&self.dir, &old).map_err(|e| IoError::file(&self.dir, e))?;
            if let Err(e) = std::fs::rename(&self.tmp, &self.dir) {
                let _ = std::fs::rename(&old, &self.dir);
                return Err(IoError::file(&self.dir, e));
            }
            self.done = true;
            std::fs::remove_dir_all(&old).map_err(|e| IoError::file(&old, e))?;
        } else {
            std::fs::rename(&self.tmp, &self.dir).map_err(|e| IoError::file(&self.dir, e))?;
            self.done = true;
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn files_appear_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("sub/b.json"));
        {
            let mut out = OutputFiles::new();
            std::fs::write(out.stage(&a).unwrap(), "1").unwrap();
            std::fs::write(out.stage(&b).unwrap(), "2").unwrap();
            // Dropped without commit: a failed run.
        }
        assert_eq!(listing(dir.path()), ["sub"]);
        assert!(listing(&dir.path().join("sub")).is_empty());
        let mut out = OutputFiles::new();
        std::fs::write(out.stage(&a).unwrap(), "1").unwrap();
        std::fs::write(out.stage(&b).unwrap(), "2").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "1");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "2");
        assert_eq!(listing(dir.path()), ["a.csv", "sub"]);
    }

    #[test]
    fn a_directory_or_a_repeated_path_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutputFiles::new();
        let e = out.stage(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let a = dir.path().join("a.csv");
        out.stage(&a).unwrap();
        let e = out.stage(&a).unwrap_err().to_string();
        assert!(e.contains("two different outputs"), "{e}");
        drop(out);
        assert!(listing(dir.path()).is_empty());
    }

    #[test]
    fn a_folder_is_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let names = ["x.csv", "y.json"];
        for (run, files) in [("1", &names[..]), ("2", &names[..1])] {
            let staged = OutputDir::stage(&dir, &names).unwrap();
            for f in files {
                std::fs::write(staged.path().join(f), run).unwrap();
            }
            // Until the commit, the folder shows the previous run's files only.
            if run == "2" {
                assert_eq!(std::fs::read_to_string(dir.join("y.json")).unwrap(), "1");
            }
            staged.commit().unwrap();
        }
        // The second run wrote only x.csv: y.json of the first run is gone with its folder.
        assert_eq!(listing(&dir), ["x.csv"]);
        assert_eq!(std::fs::read_to_string(dir.join("x.csv")).unwrap(), "2");
        assert_eq!(listing(root.path()), ["out"]);
        // A failed run leaves the folder as it was and no temporary folder.
        {
            let staged = OutputDir::stage(&dir, &names).unwrap();
            std::fs::write(staged.path().join("x.csv"), "3").unwrap();
        }
        assert_eq!(std::fs::read_to_string(dir.join("x.csv")).unwrap(), "2");
        assert_eq!(listing(root.path()), ["out"]);
    }

    #[test]
    fn a_folder_with_other_files_is_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let e = OutputDir::stage(root.path(), &["x.csv"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("notes.txt") && e.contains("new or empty"), "{e}");
        let file = root.path().join("notes.txt");
        let e = OutputDir::stage(&file, &["x.csv"]).unwrap_err().to_string();
        assert!(e.contains("is a file"), "{e}");
    }
}
