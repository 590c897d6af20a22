//! The harness is a library: its errors say what went wrong and what to change in words
//! any caller understands, and only the command line that calls it names its flags
//! (`--force`, `--detector-timeout`, ...). A library user who never passed a flag must
//! not be told to change one.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals on a line of code (comments left out), roughly: the text between
/// each pair of double quotes.
fn literals(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap_or("");
    code.split('"').skip(1).step_by(2).collect()
}

/// Whether `text` names a command-line flag: `--` followed by a letter.
fn names_a_flag(text: &str) -> bool {
    text.match_indices("--")
        .any(|(at, _)| text[at + 2..].starts_with(|c: char| c.is_ascii_lowercase()))
}

#[test]
fn no_string_in_the_library_names_a_flag() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the harness's sources");
    let mut offending = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            if literals(line).into_iter().any(names_a_flag) {
                offending.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "library text names a CLI flag (word it for any caller; let src/ add the flag):\n{}",
        offending.join("\n")
    );
}

#[test]
fn the_flag_check_catches_a_flag_and_spares_plain_dashes() {
    assert!(
        literals(r#"bail!("pass --force to replace it")"#)
            .into_iter()
            .any(names_a_flag)
    );
    assert!(
        !literals(r#"let rule = "----"; // see --force"#)
            .into_iter()
            .any(names_a_flag)
    );
}
