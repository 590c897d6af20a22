//! The README and docs say what the code does: shard file names as written, one
//! statement of the guarantees (docs/guarantees.md) that the README links to instead of
//! keeping a copy that drifts, and the report keys the tests check as the schema's
//! contract.

use breachlab_harness::testing::KEY_SECTIONS;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_names_shard_files_as_they_are_written() {
    let readme = read("README.md");
    let written = breachlab_dataset::layout::shard_manifest(1, 3);
    let written = written.to_str().expect("utf-8");
    assert_eq!(written, "shards/shard-0001-of-0003.json");
    assert!(readme.contains(written), "README does not show `{written}`");
    assert!(
        !readme.contains("shards/shard-K-of-N.json"),
        "README shows a shard name the writer never uses"
    );
}

/// Paragraphs of `text` long enough to be statements, whitespace folded.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| p.len() > 120)
        .collect()
}

#[test]
fn the_guarantees_have_one_source() {
    let readme = read("README.md");
    let guarantees = read("docs/guarantees.md");
    let start = readme
        .find("## Guarantees")
        .expect("README has a Guarantees section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    assert!(
        section.contains("(docs/guarantees.md)"),
        "README's Guarantees section does not link docs/guarantees.md"
    );
    let copied: Vec<String> = paragraphs(section)
        .into_iter()
        .filter(|p| paragraphs(&guarantees).contains(p))
        .collect();
    assert!(
        copied.is_empty(),
        "README repeats docs/guarantees.md: {copied:?}"
    );
    // The source holds every promise the README's section used to spell out.
    for promise in [
        "**Deterministic.**",
        "**Self-describing.**",
        "breachlab verify DIR",
        "**Interruption and faults.**",
        "**Inputs.**",
    ] {
        assert!(
            guarantees.contains(promise),
            "docs/guarantees.md lacks {promise}"
        );
    }
}

/// The table rows of `text`'s section under `heading`, as their cells, header excluded.
fn table_rows(text: &str, heading: &str) -> Vec<Vec<String>> {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no section {heading}"));
    let section = &text[start + heading.len()..];
    let section = &section[..section.find("\n#").unwrap_or(section.len())];
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect()
}

/// The keys a schema table row names: every `code` span of its first cell (one row may
/// name several, as in `` `start_us`, `end_us` ``).
fn row_keys(cells: &[String]) -> Vec<String> {
    cells[0]
        .split("`, `")
        .map(|key| key.trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_report_keys_the_tests_check_are_the_schemas() {
    let schema = read("docs/report-schema.md");
    for section in KEY_SECTIONS {
        let rows = table_rows(&schema, section.heading);
        let keys: Vec<String> = rows.iter().flat_map(|cells| row_keys(cells)).collect();
        assert_eq!(keys, section.keys, "keys under {}", section.heading);
        let contract: Vec<String> = rows
            .iter()
            .filter(|cells| cells.get(2).is_some_and(|kind| kind == "contract"))
            .flat_map(|cells| row_keys(cells))
            .collect();
        assert_eq!(
            contract, section.contract,
            "contract under {}",
            section.heading
        );
    }
}

/// The value of a top-level `key: value` or `key = value` line, quotes removed.
fn top_level_value(text: &str, key: &str, separator: char) -> Option<String> {
    text.lines()
        .filter_map(|line| line.split_once(separator))
        .find(|(name, _)| name.trim_end() == key)
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
}

#[test]
fn citation_and_wheel_metadata_carry_the_crate_version() {
    let citation = read("CITATION.cff");
    assert_eq!(
        top_level_value(&citation, "version", ':').as_deref(),
        Some(env!("CARGO_PKG_VERSION")),
        "CITATION.cff `version` is not Cargo.toml's: bump them together"
    );
    assert_eq!(
        top_level_value(&citation, "cff-version", ':').as_deref(),
        Some("1.2.0")
    );
    // The wheel takes its version from Cargo.toml (dynamic), so it cannot drift.
    let pyproject = read("pyproject.toml");
    assert!(pyproject.contains("bindings = \"bin\""));
    let dynamic = top_level_value(&pyproject, "dynamic", '=').unwrap_or_default();
    assert!(dynamic.contains("\"version\""), "pyproject.toml: {dynamic}");
    assert_eq!(top_level_value(&pyproject, "version", '='), None);
}
