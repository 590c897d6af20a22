//! Library crates speak of settings, never of command-line flags: a program that calls
//! `breachlab-replay` or `breachlab-writer` passed no `--target` or `--force`, so advice
//! about flags would mislead it. Only the CLI (`src/`) adds flag names. This test reads
//! every string literal in the library crates' non-test code and fails on one that
//! holds a flag.

use std::path::{Path, PathBuf};

const LIBRARY_CRATES: &[&str] = &[
    "schema",
    "keys",
    "generator",
    "dataset",
    "writer",
    "detectors",
    "harness",
    "export",
    "replay",
    "import",
    "defend",
];

/// Strings that are documents for a command line, not messages: the dataset card shows
/// the commands that regenerate its dataset.
const DOCUMENTS: &[&str] = &["dataset/src/card/mod.rs"];

#[test]
fn library_strings_name_no_flags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for krate in LIBRARY_CRATES {
        let src = root.join(krate).join("src");
        assert!(src.is_dir(), "{} is missing", src.display());
        for file in rust_files(&src) {
            let relative = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if DOCUMENTS.contains(&relative.as_str()) {
                continue;
            }
            let code = std::fs::read_to_string(&file).unwrap();
            for (line, literal) in string_literals(non_test_part(&code)) {
                if let Some(flag) = flag_in(&literal) {
                    found.push(format!("{relative}:{line}: `{flag}` in {literal:?}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "library strings that name a command-line flag (name the setting instead; the CLI adds the flag):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_finds_flags_in_literals_and_skips_comments_and_tests() {
    let code = "// a comment with --force\nlet a = \"pass --force\";\nlet b = r#\"--out \"x\"\"#;\nlet c = \"a - b -- c\";\n#[cfg(test)]\nmod tests { const X: &str = \"--scale\"; }\n";
    let flags: Vec<(usize, String)> = string_literals(non_test_part(code))
        .into_iter()
        .filter_map(|(line, s)| flag_in(&s).map(|f| (line, f)))
        .collect();
    assert_eq!(
        flags,
        vec![(2, "--force".to_string()), (3, "--out".to_string())]
    );
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code before a file's unit-test module.
fn non_test_part(code: &str) -> &str {
    code.find("#[cfg(test)]").map_or(code, |at| &code[..at])
}

/// A `--name` flag inside a literal, if any.
fn flag_in(literal: &str) -> Option<String> {
    let bytes = literal.as_bytes();
    (0..bytes.len().saturating_sub(2)).find_map(|i| {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'-';
        (starts_word
            && bytes[i] == b'-'
            && bytes[i + 1] == b'-'
            && bytes[i + 2].is_ascii_lowercase())
        .then(|| {
            literal[i..]
                .chars()
                .take_while(|c| *c == '-' || c.is_ascii_alphanumeric())
                .collect()
        })
    })
}

/// The string literals of Rust code with the line each starts on; comments and
/// character literals are skipped.
fn string_literals(code: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let mut literals = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let end = find(&chars, i + 2, "*/").unwrap_or(chars.len());
            line += count_newlines(&chars[i..end]);
            i = end + 2;
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !ident_before(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            let open = i + 1 + hashes;
            if chars.get(open) != Some(&'"') {
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            let end = find(&chars, open + 1, &close).unwrap_or(chars.len());
            let text: String = chars[open + 1..end].iter().collect();
            literals.push((line, text.clone()));
            line += text.matches('\n').count();
            i = end + close.len();
        } else if c == '"' {
            let mut text = String::new();
            let start_line = line;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    line += 1;
                }
                text.extend(chars.get(i));
                i += 1;
            }
            literals.push((start_line, text));
            i += 1;
        } else if c == '\'' {
            i += char_literal_len(&chars, i);
        } else {
            i += 1;
        }
    }
    literals
}

/// How far to skip at a quote: a character literal's length, or 1 for a lifetime.
fn char_literal_len(chars: &[char], at: usize) -> usize {
    match (chars.get(at + 1), chars.get(at + 2), chars.get(at + 3)) {
        (Some('\\'), _, _) => chars[at + 2..]
            .iter()
            .position(|c| *c == '\'')
            .map_or(1, |p| p + 3),
        (Some(_), Some('\''), _) => 3,
        _ => 1,
    }
}

fn ident_before(chars: &[char], at: usize) -> bool {
    at > 0 && (chars[at - 1].is_alphanumeric() || chars[at - 1] == '_')
}

fn find(chars: &[char], from: usize, pattern: &str) -> Option<usize> {
    let pattern: Vec<char> = pattern.chars().collect();
    (from..chars.len()).find(|&i| chars[i..].starts_with(&pattern))
}

fn count_newlines(chars: &[char]) -> usize {
    chars.iter().filter(|c| **c == '\n').count()
}
