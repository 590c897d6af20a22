//! The README and docs say what the code does: shard file names as written, one
//! statement of the guarantees (docs/guarantees.md) that the README links to instead of
//! keeping a copy that drifts, the report keys the tests check as the schema's contract,
//! a README short enough to be a manual whose test command is CI's, links that lead to
//! files, and replay speeds that are what the nginx script computes.

use breachlab_harness::testing::KEY_SECTIONS;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_names_shard_files_as_they_are_written() {
    let written = breachlab_dataset::layout::shard_manifest(1, 3);
    let written = written.to_str().expect("utf-8");
    assert_eq!(written, "shards/shard-0001-of-0003.json");
    for doc in ["README.md", "docs/dataset.md"] {
        let text = read(doc);
        assert!(
            text.contains(written) || text.contains("shard-KKKK-of-NNNN"),
            "{doc} does not show `{written}`"
        );
        assert!(
            !text.contains("shards/shard-K-of-N.json"),
            "{doc} shows a shard name the writer never uses"
        );
    }
    assert!(
        read("README.md").contains(written),
        "README does not show `{written}`"
    );
}

#[test]
fn the_readme_is_a_manual_whose_test_command_is_ci() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: move detail to docs/"
    );
    let setup = readme
        .split("## Set-up")
        .nth(1)
        .expect("README has a Set-up section");
    let setup = &setup[..setup.find("\n## ").unwrap_or(setup.len())];
    assert!(
        setup.contains("cargo run --release -- demo"),
        "the set-up runs the demo"
    );
    assert!(
        setup.contains(".ci/run"),
        "the set-up's test command is .ci/run"
    );
    assert!(
        read(".ci/run").contains("the README's test command"),
        ".ci/run no longer says it is the README's test command"
    );
}

/// The relative link targets (`](target)`) of a Markdown text, anchors cut off.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| !target.contains("://") && !target.starts_with('#'))
        .map(|target| target.split('#').next().unwrap_or(target).to_string())
        .collect()
}

#[test]
fn links_between_the_docs_lead_to_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![
        root.join("README.md"),
        root.join("ARCHITECTURE.md"),
        root.join("CHANGELOG.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("docs entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    for doc in docs {
        let text = std::fs::read_to_string(&doc).expect("readable doc");
        for target in relative_links(&text) {
            let resolved = doc.parent().expect("in a folder").join(&target);
            assert!(
                resolved.exists(),
                "{} links to {target}, which does not exist",
                doc.display()
            );
        }
    }
}

/// nginx/run.sh plays a dataset's span in `WALL` seconds of wall time, 60 by default.
const NGINX_DEFAULT_WALL_S: f64 = 60.0;

#[test]
fn the_nginx_rows_give_the_speed_the_script_computes() {
    let results = read("docs/results.md");
    let mut checked = 0;
    for line in results
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("nginx-limit_req") && l.contains("--speed"))
    {
        let scenario = line[2..].split(' ').next().expect("a scenario cell");
        let speed: f64 = line
            .split("--speed ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no --speed in {line}"));
        let days = breachlab_generator::scenario::LoadedScenario::load(scenario)
            .expect("a library scenario")
            .scenario
            .days;
        let expected = days * 86_400.0 / NGINX_DEFAULT_WALL_S;
        assert_eq!(speed, expected, "{scenario}'s replay speed in {line}");
        checked += 1;
    }
    assert!(
        checked >= 3,
        "docs/results.md lost its nginx limit_req rows"
    );
    // The prose quotes no speed the table does not give.
    let rows: String = results.lines().filter(|l| l.starts_with("| ")).collect();
    for mention in results.split("--speed ").skip(1) {
        let value: String = mention.chars().take_while(char::is_ascii_digit).collect();
        if !value.is_empty() {
            assert!(
                rows.contains(&format!("--speed {value})")),
                "docs/results.md quotes --speed {value}, which no table row has"
            );
        }
    }
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

/// The project's own files worth reading for citations: sources, scenarios, scripts and
/// docs, outside build output, virtual environments and version control.
fn project_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("folder entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" || name == ".ci" {
                project_files(&path, out);
            }
        } else if ["rs", "toml", "md", "sh", "py", "yml", "yaml", "txt"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
            || name == "run"
        {
            out.push(path);
        }
    }
}

/// GitHub's anchor for a heading: lower case, spaces as hyphens, other punctuation gone.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_reference_cited_is_a_section_of_docs_references() {
    let references = read("docs/references.md");
    let sections: Vec<String> = references
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(anchor)
        .collect();
    assert!(sections.len() >= 9, "docs/references.md lost its sections");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    project_files(root, &mut files);
    // Spelt in pieces so that this file does not cite them itself.
    let old_file = ["REFERENCES", ".md"].concat();
    let old_section = ["REFERENCES", " section"].concat();
    let citation_mark = ["references", ".md#"].concat();
    let mut cited = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        assert!(
            !text.contains(&old_file) && !text.contains(&old_section),
            "{shown} cites a reference file the repository does not have: cite a section of docs/references.md"
        );
        for citation in text.split(citation_mark.as_str()).skip(1) {
            let section: String = citation
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert!(
                sections.contains(&section),
                "{shown} cites section `{section}` of docs/references.md, which has no such section"
            );
            cited += 1;
        }
        let lower = text.to_lowercase();
        for phrase in [["issue's", " contract"].concat(), ["(issue", " "].concat()] {
            assert!(
                !lower.contains(&phrase),
                "{shown} cites an issue (`{phrase}`): readers have the repository, not the tracker"
            );
        }
    }
    assert!(
        cited >= 30,
        "only {cited} citations of docs/references.md found"
    );
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
