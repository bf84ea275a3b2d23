//! Outputs that appear whole or not at all.
//!
//! A command's outputs are written under temporary names next to where they belong and moved
//! into place only once every one of them is complete, so a failed or interrupted run never
//! leaves a half-written file, nor a folder mixing the files of two runs.
//!
//! - [`OutputFiles`]: separate files (`--out`, `--json`, charts). Each is checked and its
//!   temporary sibling created when it is staged, before any work, so a path that cannot
//!   be written fails the run early; [`OutputFiles::commit`] renames them all at the end.
//!   An interrupted run leaves at most hidden `.NAME.PID.partial.EXT` files, which the next
//!   run over the same output removes.
//! - [`OutputDir`]: a folder of files written as one set (diagnostics, synth, compare). The
//!   set is written into a fresh hidden sibling folder that is swapped with the output
//!   folder in one step (`renameat2(RENAME_EXCHANGE)` on Linux), so readers see the old set
//!   or the new one, never a mix nor no folder at all.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::IoError;

/// Temporary name of one output: hidden, next to it, with its extension kept (writers pick
/// the format by extension).
fn sibling(path: &Path, tag: &str) -> PathBuf {
    path.with_file_name(sibling_name(path, &std::process::id().to_string(), tag))
}

fn sibling_name(path: &Path, pid: &str, tag: &str) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => {
            let stem = &name[..name.len() - ext.len() - 1];
            format!(".{stem}.{pid}.{tag}.{ext}")
        }
        None => format!(".{name}.{pid}.{tag}"),
    }
}

/// Removes what runs killed mid-way left next to `path`: its `.partial` and `.old`
/// siblings whose process is gone. A sibling of a process still running (another run over
/// the same output) is left alone; where processes cannot be looked up (no /proc), nothing
/// is removed.
fn remove_leftovers(path: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let parent = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let patterns: Vec<(String, String)> = ["partial", "old"]
        .iter()
        .filter_map(|tag| {
            let name = sibling_name(path, "\u{0}", tag);
            name.split_once('\u{0}')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = patterns.iter().find_map(|(prefix, suffix)| {
            name.strip_prefix(prefix.as_str())?
                .strip_suffix(suffix.as_str())
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        let Some(pid) = pid else { continue };
        if Path::new("/proc").join(pid).exists() {
            continue;
        }
        // Best effort: a leftover that cannot be removed does not stop the run.
        let p = entry.path();
        let _ = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
    }
}

/// Swaps `a` and `b` (both exist) in one step, where the system can: `Ok(false)` where it
/// cannot (not Linux, or a filesystem without `RENAME_EXCHANGE`), for the caller to fall
/// back on two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
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
        remove_leftovers(path);
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
        remove_leftovers(&dir);
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
        if self.dir.exists()
            && exchange(&self.tmp, &self.dir).map_err(|e| IoError::file(&self.dir, e))?
        {
            // The old set now sits under the temporary name; a run killed before it is
            // removed leaves it there, hidden, for the next run to remove.
            self.done = true;
            std::fs::remove_dir_all(&self.tmp).map_err(|e| IoError::file(&self.tmp, e))?;
        } else if self.dir.exists() {
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

    /// Runs killed mid-way (Ctrl-C, or between the steps of a folder swap) leave hidden
    /// siblings; the next run over the same output removes those of processes that are
    /// gone, and leaves a running process's alone.
    #[test]
    fn leftovers_of_killed_runs_are_removed_by_the_next_run() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        // No process has this id (Linux ids stay below 2^22); process 1 always runs.
        let gone = u32::MAX;
        let leftovers = [
            format!(".out.{gone}.partial"),
            format!(".out.{gone}.old"),
            format!(".scores.{gone}.partial.csv"),
        ];
        for l in &leftovers[..2] {
            std::fs::create_dir(r.join(l)).unwrap();
            std::fs::write(r.join(l).join("x.csv"), "old").unwrap();
        }
        std::fs::write(r.join(&leftovers[2]), "half").unwrap();
        let running = [
            ".out.1.partial",
            ".scores.1.partial.csv",
            ".other.5.partial",
        ];
        std::fs::create_dir(r.join(running[0])).unwrap();
        std::fs::write(r.join(running[1]), "").unwrap();
        std::fs::write(r.join(running[2]), "").unwrap();
        let staged = OutputDir::stage(&r.join("out"), &["x.csv"]).unwrap();
        std::fs::write(staged.path().join("x.csv"), "new").unwrap();
        staged.commit().unwrap();
        let mut out = OutputFiles::new();
        std::fs::write(out.stage(&r.join("scores.csv")).unwrap(), "1").unwrap();
        out.commit().unwrap();
        if !Path::new("/proc/self").exists() {
            return;
        }
        let mut want: Vec<String> = running.iter().map(|s| s.to_string()).collect();
        want.extend(["out".to_string(), "scores.csv".to_string()]);
        want.sort();
        assert_eq!(listing(r), want);
    }

    /// The old folder stays in place until the new one takes its name in the same step.
    #[test]
    fn a_folder_is_swapped_in_one_step_where_the_system_can() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("f"), "a").unwrap();
        std::fs::write(b.join("f"), "b").unwrap();
        let swapped = exchange(&a, &b).unwrap();
        if cfg!(target_os = "linux") && swapped {
            assert_eq!(std::fs::read_to_string(a.join("f")).unwrap(), "b");
            assert_eq!(std::fs::read_to_string(b.join("f")).unwrap(), "a");
        } else {
            assert_eq!(std::fs::read_to_string(a.join("f")).unwrap(), "a");
        }
        // A folder replaced by a commit leaves nothing else behind.
        let staged = OutputDir::stage(&b, &["f"]).unwrap();
        std::fs::write(staged.path().join("f"), "c").unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(b.join("f")).unwrap(), "c");
        assert_eq!(listing(root.path()), ["a", "b"]);
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
