//! The dataset card (`README.md`) and `breachlab cite`, run as a user would: every
//! generated dataset carries a card whose metadata states the manifest's figures, whose
//! SHA-256 the manifest lists and `verify` checks; `cite` names the manifest's digest.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

mod common;

use common::{breachlab, generated_dataset, text};

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn card(out: &Path) -> String {
    std::fs::read_to_string(out.join("README.md")).expect("README.md")
}

/// The YAML front matter: the text between the first two `---` lines.
fn front_matter(card: &str) -> &str {
    let body = card
        .strip_prefix("---\n")
        .expect("the card opens with front matter");
    &body[..body.find("\n---\n").expect("front matter is closed")]
}

/// `    NAME: VALUE` under `  rows:` in the front matter, as numbers.
fn stated_rows(front: &str) -> Vec<(String, u64)> {
    front
        .lines()
        .skip_while(|l| *l != "  rows:")
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| {
            let (name, value) = l.trim().split_once(": ").expect("name: value");
            (name.to_string(), value.parse().expect("a row count"))
        })
        .collect()
}

#[test]
fn the_card_is_listed_with_its_digest_and_states_the_manifests_figures() {
    let (_dir, out) = generated_dataset("0.01", &[]);
    let m = manifest(&out);
    assert_eq!(m["card"]["path"], "README.md");
    assert_eq!(m["card"]["sha256"], sha256_hex(&out.join("README.md")));
    let card = card(&out);
    assert_eq!(m["card"]["bytes"], card.len() as u64);

    let front = front_matter(&card);
    let rows = stated_rows(front);
    assert_eq!(rows.len(), 4, "{front}");
    for (table, count) in rows {
        assert_eq!(m["row_counts"][&table], count, "rows of {table}");
    }
    for glob in [
        "\"events/*/*.parquet\"",
        "\"truth/*/*.parquet\"",
        "\"accounts/*.parquet\"",
        "\"campaigns.parquet\"",
    ] {
        assert!(front.contains(&format!("path: {glob}")), "{front}");
    }
    assert!(front.contains(&format!("  seed: {}", m["seed"])), "{front}");
    let sha = m["scenario"]["sha256"].as_str().expect("scenario sha");
    assert!(front.contains(sha), "{front}");
    // Each campaign of campaigns.parquet is a row of the card's campaign tables.
    for name in ["id-walker", "credential-stuffer", "partner-nightly-batch"] {
        assert!(card.contains(&format!("| {name} |")), "no row for {name}");
    }
}

#[test]
fn an_edited_card_fails_verify_by_name_and_a_deleted_one_is_missing() {
    let (_dir, out) = generated_dataset("0.01", &[]);
    let path = out.join("README.md");
    let original = card(&out);
    std::fs::write(&path, original.replacen("seed: 3", "seed: 4", 1)).expect("edit");
    let output = breachlab(&["verify", out.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report = text(&output);
    assert!(
        report
            .lines()
            .any(|l| l.contains("README.md: ") && l.contains("edited")),
        "{report}"
    );

    std::fs::remove_file(&path).expect("delete");
    let output = breachlab(&["verify", out.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("README.md: missing"),
        "{}",
        text(&output)
    );

    std::fs::write(&path, original).expect("restore");
    let output = breachlab(&["verify", out.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", text(&output));
}

/// The default scenario at scale 0.01 with `seed` on `threads` threads, in a fresh folder.
fn generate(seed: &str, threads: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("data");
    let output = breachlab(&[
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--seed",
        seed,
        "--threads",
        threads,
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    (dir, out)
}

#[test]
fn the_card_does_not_depend_on_the_folder_or_the_thread_count() {
    let (_one, first) = generate("3", "1");
    let (_two, second) = generate("3", "2");
    assert_ne!(first, second);
    assert_eq!(card(&first), card(&second));
    let (_other, other_seed) = generate("4", "2");
    assert_ne!(card(&first), card(&other_seed), "the card ignores the seed");
}

#[test]
fn cite_prints_bibtex_naming_the_manifest_digest_and_version() {
    let (_dir, out) = generated_dataset("0.01", &[]);
    let output = breachlab(&["cite", out.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", text(&output));
    let bibtex = String::from_utf8(output.stdout).expect("utf-8");
    let digest = sha256_hex(&out.join("manifest.json"));
    assert!(
        bibtex.starts_with("@misc{breachlab-default-seed3-"),
        "{bibtex}"
    );
    assert!(
        bibtex.contains(&format!("manifestsha256 = {{{digest}}}")),
        "{bibtex}"
    );
    assert!(
        bibtex.contains(&format!("version      = {{{}}}", env!("CARGO_PKG_VERSION"))),
        "{bibtex}"
    );
    assert_eq!(bibtex.matches('{').count(), bibtex.matches('}').count());
    assert!(bibtex.trim_end().ends_with('}'));

    let missing = breachlab(&["cite", out.join("nothing").to_str().expect("utf-8")]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing).contains("no such dataset folder"),
        "{}",
        text(&missing)
    );
}
