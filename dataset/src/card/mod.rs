//! `README.md`: the dataset card, a datasheet (Gebru et al., "Datasheets for Datasets")
//! with the YAML metadata dataset hubs and `datasets`-style loaders read.
//!
//! A dataset gets copied, published and cited apart from the tool that made it; the
//! manifest says exactly what it is, but in a form only breachlab reads. The card says
//! the same to a reviewer and to a hub: what the tables and columns hold, which campaigns
//! are planted, how it was made and what is estimated, and how to regenerate it.
//!
//! It is rendered from the manifest (without its own entry), the scenario text the
//! manifest records and `campaigns.parquet`, and nothing else: no clock, no path, no
//! thread count, so it is the same bytes for the same dataset and `verify` checks its
//! SHA-256 like any file. `generate` writes it for a whole dataset, `merge` for a merged
//! one; a shard writes none.

mod columns;
mod facts;
mod scenario_notes;

use crate::digest::hex;
use crate::error::DatasetError;
use crate::layout;
use crate::manifest::{DocumentEntry, Manifest, write_atomically};
use crate::read::Dataset;
use arrow_array::RecordBatch;
use breachlab_schema::Table;
use facts::TextTable;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::Path;

/// The first lines of every card: how `merge` tells a card it may replace from a
/// README.md someone else put in the folder.
const FIRST_LINES: &str = "---\n# Dataset card written by breachlab with the dataset; `breachlab verify` checks it against manifest.json.\n";

/// What the card is written from.
#[derive(Debug, Clone, Copy)]
pub struct CardInput<'a> {
    /// The dataset's manifest; its `card` entry is ignored.
    pub manifest: &'a Manifest,
    /// The `campaigns` table.
    pub campaigns: &'a [RecordBatch],
    /// How many shards wrote the dataset (1 for a whole run, N for a merged one).
    pub shards: u32,
}

/// Whether `text` is a card breachlab wrote (and may therefore replace).
pub fn is_card(text: &str) -> bool {
    text.starts_with(FIRST_LINES)
}

/// Renders the card of the dataset in `root`, writes it to `root/README.md` and records
/// it in `manifest.card`. The caller writes the manifest afterwards.
pub fn write_card(root: &Path, manifest: &mut Manifest, shards: u32) -> Result<(), DatasetError> {
    manifest.card = None;
    let dataset = Dataset {
        root: root.to_path_buf(),
        manifest: manifest.clone(),
    };
    let campaigns = dataset.campaigns()?;
    let text = render(CardInput {
        manifest,
        campaigns: &campaigns,
        shards,
    });
    write_atomically(&root.join(layout::CARD), text.as_bytes())?;
    manifest.card = Some(DocumentEntry {
        path: layout::CARD.to_string(),
        bytes: text.len() as u64,
        sha256: hex(&Sha256::digest(text.as_bytes())),
    });
    Ok(())
}

/// The card's text.
pub fn render(input: CardInput<'_>) -> String {
    let mut manifest = input.manifest.clone();
    manifest.card = None;
    let manifest_json = serde_json::to_value(&manifest).expect("a manifest serialises");
    let mut campaigns = facts::campaign_table(input.campaigns);
    let used = facts::add_manifest_campaign_facts(&mut campaigns, &manifest_json);
    let further = facts::further_facts(&manifest_json, &used);
    let mut out = String::new();
    front_matter(&mut out, &manifest, input.shards);
    title_and_motivation(&mut out, &manifest);
    composition(&mut out, &manifest, &campaigns);
    how_it_was_made(&mut out, &manifest, input.shards, &further);
    uses(&mut out);
    limitations(&mut out, &manifest);
    how_to_cite(&mut out, &manifest, input.shards);
    out
}

/// The Hugging Face size category of a table of `rows` rows.
pub fn size_category(rows: u64) -> &'static str {
    const BOUNDS: [(u64, &str); 10] = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
        (1_000_000_000, "100M<n<1B"),
        (10_000_000_000, "1B<n<10B"),
        (100_000_000_000, "10B<n<100B"),
        (1_000_000_000_000, "100B<n<1T"),
    ];
    BOUNDS
        .iter()
        .find(|(bound, _)| rows < *bound)
        .map_or("n>1T", |(_, category)| category)
}

/// The glob that finds a table's files from the dataset root.
pub fn table_glob(table: Table) -> &'static str {
    match table {
        Table::Events => "events/*/*.parquet",
        Table::Truth => "truth/*/*.parquet",
        Table::Accounts => "accounts/*.parquet",
        Table::Campaigns => layout::CAMPAIGNS,
    }
}

fn rows(manifest: &Manifest, table: Table) -> u64 {
    manifest.row_counts.get(table.name()).copied().unwrap_or(0)
}

fn title(manifest: &Manifest) -> String {
    format!(
        "breachlab {}, seed {}, scale {}",
        manifest.scenario.name, manifest.seed, manifest.scale
    )
}

fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

fn front_matter(out: &mut String, manifest: &Manifest, shards: u32) {
    out.push_str(FIRST_LINES);
    let _ = writeln!(out, "pretty_name: {}", yaml_string(&title(manifest)));
    out.push_str("license:\n- mit\n- apache-2.0\n");
    out.push_str("tags:\n");
    for tag in [
        "synthetic",
        "cybersecurity",
        "api-security",
        "intrusion-detection",
        "anomaly-detection",
        "enumeration-attack",
        "breachlab",
    ] {
        let _ = writeln!(out, "- {tag}");
    }
    out.push_str("task_categories:\n- tabular-classification\n");
    let _ = writeln!(
        out,
        "size_categories:\n- {}",
        size_category(rows(manifest, Table::Events))
    );
    out.push_str("configs:\n");
    for table in Table::ALL {
        let _ = writeln!(out, "- config_name: {}", table.name());
        if table == Table::Events {
            out.push_str("  default: true\n");
        }
        let _ = writeln!(
            out,
            "  data_files:\n  - split: train\n    path: {}",
            yaml_string(table_glob(table))
        );
    }
    out.push_str("breachlab:\n");
    let _ = writeln!(
        out,
        "  version: {}",
        yaml_string(&manifest.breachlab_version)
    );
    let _ = writeln!(out, "  schema_version: {}", manifest.schema_version);
    let _ = writeln!(out, "  scenario: {}", yaml_string(&manifest.scenario.name));
    let _ = writeln!(
        out,
        "  scenario_sha256: {}",
        yaml_string(&manifest.scenario.sha256)
    );
    let _ = writeln!(out, "  seed: {}", manifest.seed);
    let _ = writeln!(out, "  scale: {}", manifest.scale);
    let _ = writeln!(out, "  shards: {shards}");
    let _ = writeln!(out, "  start: {}", yaml_string(&manifest.time_span.start));
    let _ = writeln!(out, "  end: {}", yaml_string(&manifest.time_span.end));
    out.push_str("  rows:\n");
    for table in Table::ALL {
        let _ = writeln!(out, "    {}: {}", table.name(), rows(manifest, table));
    }
    out.push_str("  files:\n");
    for table in Table::ALL {
        let files = manifest.files_of(table.name()).count();
        let _ = writeln!(out, "    {}: {files}", table.name());
    }
    out.push_str("---\n\n");
}

fn title_and_motivation(out: &mut String, manifest: &Manifest) {
    let _ = writeln!(out, "# {}\n", title(manifest));
    if let Some(description) =
        scenario_notes::top_level_string(&manifest.scenario.text, "description")
    {
        let _ = writeln!(out, "{description}.\n");
    }
    out.push_str(
        "Synthetic API-gateway traffic with planted enumeration attacks (ID walks, lookup \
oracles, probes, scrapers, credential stuffing) and benign look-alikes, with exact ground \
truth for every event. Written by breachlab; every byte follows from the scenario, the seed \
and the scale below.\n\n",
    );
    out.push_str("## Motivation\n\n");
    out.push_str(
        "Detectors of API enumeration and scraping are hard to compare: real gateway logs \
with attacks in them are rarely published, and when they are, nobody knows which requests \
were the attack. This dataset gives every request its label, every campaign its totals \
(records targeted and exposed), and benign traffic that looks like the attacks (partner \
batches, password-reset waves, monitors), so that recall, time to detect, records exposed \
before detection and false alarms per day can be measured and reproduced. Incident \
scenarios re-create the published shape of a real breach; the others exercise one \
technique or look-alike each.\n\n",
    );
}

fn composition(out: &mut String, manifest: &Manifest, campaigns: &TextTable) {
    out.push_str("## Composition\n\n### Tables\n\n");
    out.push_str("| table | files | rows | bytes | what it holds |\n|---|---:|---:|---:|---|\n");
    for table in Table::ALL {
        let files: Vec<_> = manifest.files_of(table.name()).collect();
        let bytes: u64 = files.iter().map(|f| f.bytes).sum();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {bytes} | {} |",
            table_glob(table),
            files.len(),
            rows(manifest, table),
            columns::table_meaning(table)
        );
    }
    let _ = writeln!(
        out,
        "\nTime span: {} to {} ({} days). `manifest.json` lists every file with its rows and SHA-256.\n",
        manifest.time_span.start, manifest.time_span.end, manifest.time_span.days
    );
    out.push_str("### Columns\n\n");
    for table in Table::ALL {
        let _ = writeln!(out, "`{}`:\n", table.name());
        out.push_str("| column | type | nullable | meaning |\n|---|---|---|---|\n");
        for field in table.schema().fields() {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                field.name(),
                field.data_type(),
                if field.is_nullable() { "yes" } else { "no" },
                columns::column_meaning(table, field.name()).unwrap_or("see the schema")
            );
        }
        out.push('\n');
    }
    campaign_sections(out, campaigns);
}

fn campaign_sections(out: &mut String, campaigns: &TextTable) {
    out.push_str("### Campaigns and cohorts\n\n");
    out.push_str(
        "Every planted campaign and benign cohort, with its labels and the entity counts of \
this dataset at its scale (from `campaigns.parquet`, and any per-campaign facts the manifest \
records).\n\n",
    );
    let kinds = [
        ("attack", "Attack campaigns"),
        ("benign", "Benign look-alike cohorts"),
    ];
    if campaigns.header.iter().any(|h| h == "kind") {
        for (kind, heading) in kinds {
            let rows: Vec<usize> = (0..campaigns.rows.len())
                .filter(|&row| campaigns.cell(row, "kind") == Some(kind))
                .collect();
            let _ = writeln!(out, "{heading}: {}\n", rows.len());
            if !rows.is_empty() {
                markdown_table(out, campaigns, &rows);
            }
        }
    } else {
        let rows: Vec<usize> = (0..campaigns.rows.len()).collect();
        markdown_table(out, campaigns, &rows);
    }
}

fn markdown_table(out: &mut String, table: &TextTable, rows: &[usize]) {
    let _ = writeln!(out, "| {} |", table.header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(table.header.len()));
    for &row in rows {
        let cells: Vec<String> = table.rows[row].iter().map(|c| table_cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn how_it_was_made(
    out: &mut String,
    manifest: &Manifest,
    shards: u32,
    further: &[(String, String)],
) {
    out.push_str("## How it was made\n\n");
    let _ = writeln!(
        out,
        "- Generator: breachlab {} (table schema version {}).",
        manifest.breachlab_version, manifest.schema_version
    );
    let _ = writeln!(
        out,
        "- Scenario: `{}`, text SHA-256 `{}`; the whole text is in `manifest.json` (`scenario.text`).",
        manifest.scenario.name, manifest.scenario.sha256
    );
    let _ = writeln!(
        out,
        "- Seed: {} (every random stream derives from it).",
        manifest.seed
    );
    let _ = writeln!(
        out,
        "- Scale: {} (multiplies population and traffic volume; 1 is the scenario as written, for incident scenarios the published volume).",
        manifest.scale
    );
    let _ = writeln!(
        out,
        "- Written {}.\n",
        if shards > 1 {
            format!("as {shards} shards and merged")
        } else {
            "in one run".to_string()
        }
    );
    let header = scenario_notes::header_comment(&manifest.scenario.text);
    if !header.is_empty() {
        out.push_str("The scenario's own account of itself (its header comment):\n\n");
        for line in &header {
            let _ = writeln!(out, "> {line}");
        }
        out.push('\n');
    }
    let sources = scenario_notes::cited_sources(&header);
    out.push_str("### Cited sources\n\n");
    if sources.is_empty() {
        out.push_str("The scenario's header names no sources.\n\n");
    } else {
        let _ = writeln!(out, "{}\n", sources.join("\n"));
    }
    estimated(out, manifest);
    if !further.is_empty() {
        out.push_str("### Further facts in the manifest\n\n");
        for (field, value) in further {
            let _ = writeln!(out, "- `{field}`: `{value}`");
        }
        out.push('\n');
    }
}

fn estimated(out: &mut String, manifest: &Manifest) {
    let estimates = scenario_notes::estimates(&manifest.scenario.text);
    out.push_str("### What is estimated\n\n");
    let _ = writeln!(
        out,
        "{} settings of the scenario are marked as estimates in its text: published figures \
say how much was taken and how, not an attacker's exact schedule, rates or address pools. \
The traffic model's defaults (sessions, think times, client mix, status mix) are estimates \
from the sources in the project's references too.\n",
        estimates.len()
    );
    if !estimates.is_empty() {
        out.push_str("| setting | value | comment |\n|---|---|---|\n");
        for e in &estimates {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} |",
                e.setting,
                table_cell(&e.value),
                table_cell(&e.note)
            );
        }
        out.push('\n');
    }
}

fn uses(out: &mut String) {
    out.push_str(
        "## Uses\n\n### Intended\n\n\
- Measuring and comparing detectors of API enumeration, scraping and credential abuse: \
recall per campaign, time to detect, records exposed before detection, false alarms per day \
(`breachlab bench` and `breachlab score` do this).\n\
- Testing gateway rules, rate limits and SIEM pipelines on replayed or exported traffic.\n\
- Teaching: what these attacks look like in gateway logs, next to benign traffic that \
resembles them.\n\n\
### Out of scope\n\n\
- Estimating how often such attacks happen, or how much real services lose: volumes are set \
by the scenario and the scale, not sampled from the world.\n\
- Training models meant to work on real traffic without validating them on real traffic: the \
benign model is a model.\n\
- Anything about real people: every name, address, email, phone and account is synthetic.\n\n",
    );
}

fn limitations(out: &mut String, manifest: &Manifest) {
    let _ = writeln!(
        out,
        "## Known limitations\n\n\
- Synthetic PII, visibly so: emails on example.com/.net/.org, phones in the fictional \
555-0100..0199 block, client addresses in reserved and private IPv4 space, ASNs from the \
private-use range. It resembles real records in shape only.\n\
- Attacker parameters are estimated where the sources are silent (see What is estimated); \
an incident scenario reproduces the published shape of the incident, not its logs.\n\
- Faithful horizon: the dataset covers {} to {} only; what a real incident did before or \
after that span is not modelled, and each campaign runs only as long as the scenario makes \
it. At scale {} the population and the traffic volume are {} times the scenario's, over the \
scenario's time span.\n\
- Requests carry no bodies or headers beyond those in `events`; latency and response sizes \
are modelled, not measured.\n",
        manifest.time_span.start, manifest.time_span.end, manifest.scale, manifest.scale
    );
}

fn how_to_cite(out: &mut String, manifest: &Manifest, shards: u32) {
    out.push_str("## How to cite and regenerate\n\n");
    let _ = writeln!(
        out,
        "Cite it as breachlab {} scenario `{}` (text SHA-256 `{}`), seed {}, scale {}. \
`breachlab cite DIR` prints a BibTeX entry that adds the SHA-256 of this dataset's \
`manifest.json`, which pins every file; the tool itself is cited by the repository's \
`CITATION.cff`.\n",
        manifest.breachlab_version,
        manifest.scenario.name,
        manifest.scenario.sha256,
        manifest.seed,
        manifest.scale
    );
    let _ = writeln!(
        out,
        "breachlab {} regenerates it byte for byte from the scenario text recorded in \
`manifest.json` into NEW (the thread count never changes the output):\n",
        manifest.breachlab_version
    );
    out.push_str("```sh\n");
    out.push_str(
        "python3 -c 'import json,sys; sys.stdout.write(json.load(open(\"DIR/manifest.json\"))[\"scenario\"][\"text\"])' > scenario.toml\n",
    );
    let generate = format!(
        "breachlab generate --scenario scenario.toml --seed {} --scale {} --out NEW",
        manifest.seed, manifest.scale
    );
    if shards > 1 {
        let _ = writeln!(
            out,
            "for k in $(seq 1 {shards}); do {generate} --shard $k/{shards}; done\nbreachlab merge NEW"
        );
    } else {
        let _ = writeln!(out, "{generate}");
    }
    out.push_str("```\n\n");
    out.push_str(
        "Here DIR is this dataset's folder and NEW an empty one. `breachlab verify DIR` checks a \
copy against its manifest (this card included); `breachlab verify --regenerate DIR` also \
regenerates it in a temporary folder and compares every file's bytes.\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_categories_follow_the_hub_bounds() {
        assert_eq!(size_category(0), "n<1K");
        assert_eq!(size_category(999), "n<1K");
        assert_eq!(size_category(1_000), "1K<n<10K");
        assert_eq!(size_category(650_000), "100K<n<1M");
        assert_eq!(size_category(2_000_000_000_000), "n>1T");
    }

    #[test]
    fn a_card_is_recognised_by_its_first_lines_only() {
        assert!(is_card(&format!("{FIRST_LINES}pretty_name: x\n")));
        assert!(!is_card("# My own notes about this folder\n"));
    }
}
