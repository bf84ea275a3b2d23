//! Only the CLI words an input as a flag: every other crate names the input at fault
//! (`erascore_input::Input`) and leaves the wording to the front end, so that Python users
//! read `eras=`, `nan=`, `rule=` where CLI users read `--eras`, `--nan`, `--rule`. This test
//! reads the string literals of every other crate's sources (outside their test modules) and
//! fails on one that holds a flag (`--word`).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The string literals of Rust source (plain, byte and raw), comments and char literals
/// skipped, each with its line.
fn string_literals(text: &str) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let line = |i: usize| text[..i].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + n + 4);
            }
            b'\'' => {
                // A char literal ('"', '\'', 'x') or a lifetime ('a).
                if b.get(i + 1) == Some(&b'\\') {
                    i += text[i + 2..].find('\'').map_or(b.len(), |n| n + 3);
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = text[open + 1..]
                    .find(&close)
                    .map_or(b.len(), |n| open + 1 + n);
                out.push((line(i), text[open + 1..end].to_string()));
                i = end + close.len();
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push((line(i), text[start..j.min(b.len())].to_string()));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// A flag: two dashes, then a lowercase letter, not inside a longer run of dashes.
fn has_flag(literal: &str) -> Option<&str> {
    let b = literal.as_bytes();
    (0..b.len().saturating_sub(2)).find_map(|i| {
        let flag = b[i] == b'-'
            && b[i + 1] == b'-'
            && b[i + 2].is_ascii_lowercase()
            && (i == 0 || b[i - 1] != b'-');
        flag.then(|| {
            let end = literal[i + 2..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(literal.len(), |n| i + 2 + n);
            &literal[i..end]
        })
    })
}

/// The source without its trailing test module (the tests may quote flags they check).
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    }
}

#[test]
fn no_crate_but_the_cli_names_a_flag() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut read = 0;
    for entry in std::fs::read_dir(&crates).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "cli" {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&entry.path().join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            read += 1;
            for (line, literal) in string_literals(without_tests(&text)) {
                if let Some(flag) = has_flag(&literal) {
                    found.push(format!("{}:{line}: {flag}", file.display()));
                }
            }
        }
    }
    assert!(read > 50, "read only {read} source files under {crates:?}");
    assert!(
        found.is_empty(),
        "flags named outside the CLI (name an erascore_input::Input instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_sees_literals_and_skips_comments() {
    let src = "// \"--no\"\n/* \"--no\" */ let c = '\"'; fn f<'a>() { g(\"x --eras y\", r#\"--rule \"q\"\"#, \"a\\\"--nan\") }";
    let flags: Vec<String> = string_literals(src)
        .iter()
        .filter_map(|(_, l)| has_flag(l).map(str::to_string))
        .collect();
    assert_eq!(flags, ["--eras", "--rule", "--nan"]);
    assert_eq!(has_flag("a ---- b -- c"), None);
}
