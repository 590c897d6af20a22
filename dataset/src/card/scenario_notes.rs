//! What the card says about the scenario, read from its text as the manifest records it:
//! the header comment (the scenario's own account of itself), the sources it cites, and
//! every setting whose comment marks it as an estimate.
//!
//! The scenario library's convention is that a value taken from a source says so in its
//! comment and a value that is not says `estimate`; reading those comments is how the
//! card tells a reader which attacker parameters were published and which were guessed,
//! without this crate depending on the generator's scenario types.

/// The leading comment block, without its `#` marks.
pub fn header_comment(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|line| line.trim().is_empty())
        .take_while(|line| line.trim_start().starts_with('#'))
        .map(uncomment)
        .collect()
}

/// The value of a top-level `key = "text"` line (before any table), without its quotes.
pub fn top_level_string(text: &str, key: &str) -> Option<String> {
    text.lines()
        .map(|line| split_comment(line).0.trim())
        .take_while(|code| !code.starts_with('['))
        .filter_map(|code| code.split_once('='))
        .find(|(name, _)| name.trim() == key)
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
}

/// The paragraph of the header comment that starts with `Sources:`, up to the next blank
/// comment line; empty when the header names no sources.
pub fn cited_sources(header: &[String]) -> Vec<String> {
    header
        .iter()
        .skip_while(|line| !line.trim_start().starts_with("Sources:"))
        .take_while(|line| !line.trim().is_empty())
        .cloned()
        .collect()
}

/// One setting of the scenario whose comment says it is an estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// Where it sits: `population.accounts`, `campaigns[id-walker].attack.start_id`.
    pub setting: String,
    pub value: String,
    /// The comment, as written.
    pub note: String,
}

/// Every `key = value  # ... estimate ...` line of the scenario, with the table it is in.
/// Campaigns and cohorts (arrays of tables) are named by their `name` key.
pub fn estimates(text: &str) -> Vec<Estimate> {
    let mut section = Section::default();
    let mut found = Vec::new();
    for line in text.lines() {
        let (code, comment) = split_comment(line);
        let code = code.trim();
        if let Some(header) = code.strip_prefix("[[").and_then(|h| h.strip_suffix("]]")) {
            section = Section::array_element(header.trim());
        } else if let Some(header) = code.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            section.enter_table(header.trim());
        } else if let Some((key, value)) = code.split_once('=') {
            let (key, value) = (key.trim(), value.trim());
            if key == "name" && section.in_array_element() {
                section.element_name = Some(value.trim_matches('"').to_string());
            }
            if comment.to_lowercase().contains("estimate") {
                found.push(Estimate {
                    setting: section.qualify(key),
                    value: value.to_string(),
                    note: comment.trim().to_string(),
                });
            }
        }
    }
    found
}

/// The table a line of the scenario sits in.
#[derive(Debug, Default)]
struct Section {
    /// `campaigns` inside `[[campaigns]]` and its sub-tables.
    array: Option<String>,
    element_name: Option<String>,
    /// The table path below the array element, or the whole path outside arrays.
    table: Option<String>,
}

impl Section {
    fn array_element(array: &str) -> Section {
        Section {
            array: Some(array.to_string()),
            element_name: None,
            table: None,
        }
    }

    fn in_array_element(&self) -> bool {
        self.array.is_some() && self.table.is_none()
    }

    /// `[campaigns.attack]` inside a `[[campaigns]]` element, or a plain `[traffic]`.
    fn enter_table(&mut self, path: &str) {
        let below_array = self
            .array
            .as_deref()
            .and_then(|array| path.strip_prefix(array))
            .and_then(|rest| rest.strip_prefix('.'));
        match below_array {
            Some(rest) => self.table = Some(rest.to_string()),
            None => {
                *self = Section {
                    table: Some(path.to_string()),
                    ..Section::default()
                }
            }
        }
    }

    fn qualify(&self, key: &str) -> String {
        let mut parts = Vec::new();
        if let Some(array) = &self.array {
            let name = self.element_name.as_deref().unwrap_or("?");
            parts.push(format!("{array}[{name}]"));
        }
        parts.extend(self.table.clone());
        parts.push(key.to_string());
        parts.join(".")
    }
}

/// A line's code and its comment (empty when none); a `#` inside a string is code.
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (c, quote) {
            ('\\', Some('"')) => escaped = true,
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(open)) if c == open => quote = None,
            ('#', None) => return (&line[..at], &line[at + 1..]),
            _ => {}
        }
    }
    (line, "")
}

fn uncomment(line: &str) -> String {
    let text = line.trim_start().trim_start_matches('#');
    text.strip_prefix(' ')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"
# demo: a short scenario.
# Two lines of header.
#
# Sources: a press report; docs/references.md#2-other-api-enumeration-incidents
# and a second line of sources.
#
# Volumes are estimates.

name = "demo"                    # not a campaign name
days = 3

[population]
accounts = 100_000               # estimate: a regional service

[[campaigns]]
name = "walker"
rate_per_s = 4                   # estimate
user_agent = "a # inside a string"  # press
[campaigns.attack]
start_id = 10                    # Estimate: inside the IDs

[[cohorts]]
name = "batch"
start_h = 2                      # an estimate too
"#;

    #[test]
    fn the_header_comment_stops_at_the_first_line_of_code() {
        let header = header_comment(SCENARIO);
        assert_eq!(
            header.first().map(String::as_str),
            Some("demo: a short scenario.")
        );
        assert_eq!(
            header.last().map(String::as_str),
            Some("Volumes are estimates.")
        );
        assert_eq!(header.len(), 7);
    }

    #[test]
    fn top_level_strings_are_read_before_the_first_table_only() {
        let text = "name = \"x\" # c\ndescription = \"A # demo\"\n[t]\nother = \"no\"\n";
        assert_eq!(
            top_level_string(text, "description").as_deref(),
            Some("A # demo")
        );
        assert_eq!(top_level_string(text, "other"), None);
    }

    #[test]
    fn sources_are_the_paragraph_that_starts_with_sources() {
        let sources = cited_sources(&header_comment(SCENARIO));
        assert_eq!(
            sources,
            vec![
                "Sources: a press report; docs/references.md#2-other-api-enumeration-incidents"
                    .to_string(),
                "and a second line of sources.".to_string()
            ]
        );
        assert!(cited_sources(&header_comment("# no sources here\nname = \"x\"")).is_empty());
    }

    #[test]
    fn estimates_are_named_by_table_and_campaign() {
        let settings: Vec<(String, String)> = estimates(SCENARIO)
            .into_iter()
            .map(|e| (e.setting, e.value))
            .collect();
        assert_eq!(
            settings,
            vec![
                ("population.accounts".to_string(), "100_000".to_string()),
                ("campaigns[walker].rate_per_s".to_string(), "4".to_string()),
                (
                    "campaigns[walker].attack.start_id".to_string(),
                    "10".to_string()
                ),
                ("cohorts[batch].start_h".to_string(), "2".to_string()),
            ]
        );
    }

    #[test]
    fn a_hash_inside_a_string_is_not_a_comment() {
        assert_eq!(
            split_comment(r#"ua = "a # b" # note"#),
            (r#"ua = "a # b" "#, " note")
        );
        assert_eq!(split_comment(r##"ua = "say \"#\"""##).1, "");
    }
}
