//! Scenario errors that point at the file, line and field.

/// What a scenario check found wrong: the field's dotted path and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Dotted path of the offending field, e.g. `campaigns[1].rate_per_s`.
    pub field: String,
    pub message: String,
}

impl Issue {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("unknown scenario '{name}': give a path to a .toml file or one of: {known}")]
    UnknownName { name: String, known: String },
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "scenario file {path} is larger than {limit} bytes (1 MiB): give a scenario TOML file, not a stream or a data file"
    )]
    TooLarge { path: String, limit: u64 },
    #[error("{origin}:{line}: {message}")]
    Parse {
        origin: String,
        line: usize,
        message: String,
    },
    #[error("{origin}:{line}: field `{field}`: {message}")]
    Invalid {
        origin: String,
        line: usize,
        field: String,
        message: String,
    },
}

impl ScenarioError {
    pub(super) fn parse(origin: &str, text: &str, error: &toml::de::Error) -> Self {
        let line = error.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        let message = error.message().trim();
        let message = match error.span().and_then(|_| field_at(text, line)) {
            Some(field) => format!("field `{field}`: {message}"),
            None => message.to_string(),
        };
        ScenarioError::Parse {
            origin: origin.to_string(),
            line,
            message,
        }
    }

    pub(super) fn invalid(origin: &str, text: &str, issue: Issue) -> Self {
        ScenarioError::Invalid {
            origin: origin.to_string(),
            line: locate(text, &issue.field),
            field: issue.field,
            message: issue.message,
        }
    }

    /// The line the error points at.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScenarioError::Parse { line, .. } | ScenarioError::Invalid { line, .. } => Some(*line),
            _ => None,
        }
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The dotted path of what line `line` (1-based) defines: `table.key` for a key, the
/// table for a header. Lets a parse error such as a wrong type name its field.
fn field_at(text: &str, line: usize) -> Option<String> {
    let mut table = String::new();
    let mut array_counts: std::collections::HashMap<String, usize> = Default::default();
    for raw in text.lines().take(line) {
        let trimmed = raw.trim();
        if let Some(name) = trimmed
            .strip_prefix("[[")
            .and_then(|l| l.split("]]").next())
        {
            let name = name.trim().to_string();
            let n = array_counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = qualify(name.trim(), &array_counts);
        }
    }
    let target = text.lines().nth(line.checked_sub(1)?)?.trim();
    if target.starts_with('[') {
        return (!table.is_empty()).then_some(table);
    }
    let key = target.split_once('=')?.0.trim().trim_matches('"');
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    Some(if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    })
}

/// Finds the line of a dotted field path such as `campaigns[1].attack.stride` by walking
/// the TOML text: the n-th `[[campaigns]]` header, then the sub-table, then the key. Falls
/// back to the nearest enclosing table when the key is absent (a missing field).
fn locate(text: &str, field: &str) -> usize {
    let mut table = String::new();
    let mut array_counts: std::collections::HashMap<String, usize> = Default::default();
    let mut best = 1;
    let (wanted_table, wanted_key) = split_field(field);
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            let name = name.trim().to_string();
            let n = array_counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = qualify(name.trim(), &array_counts);
        } else if let Some((key, _)) = line.split_once('=') {
            let key = key.trim().trim_matches('"');
            if table == wanted_table && key == wanted_key {
                return index + 1;
            }
            continue;
        } else {
            continue;
        }
        if table == wanted_table || wanted_table.starts_with(&format!("{table}.")) && best == 1 {
            best = index + 1;
        }
    }
    best
}

fn split_field(field: &str) -> (String, String) {
    match field.rsplit_once('.') {
        Some((table, key)) => (table.to_string(), key.to_string()),
        None => (String::new(), field.to_string()),
    }
}

/// Turns `campaigns.attack` into `campaigns[i].attack` for the latest `[[campaigns]]`.
fn qualify(name: &str, array_counts: &std::collections::HashMap<String, usize>) -> String {
    let mut parts = name.split('.');
    let head = parts.next().unwrap_or_default();
    let head = match array_counts.get(head) {
        Some(n) if *n > 0 => format!("{head}[{}]", n - 1),
        _ => head.to_string(),
    };
    std::iter::once(head)
        .chain(parts.map(str::to_string))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n[population]\naccounts = 5\n[[campaigns]]\nname = \"a\"\n[[campaigns]]\nname = \"b\"\nrate_per_s = 0\n[campaigns.attack]\nstride = 0\n";

    #[test]
    fn locates_keys_inside_arrays_of_tables() {
        assert_eq!(locate(TEXT, "population.accounts"), 3);
        assert_eq!(locate(TEXT, "campaigns[1].rate_per_s"), 8);
        assert_eq!(locate(TEXT, "campaigns[1].attack.stride"), 10);
        assert_eq!(locate(TEXT, "name"), 1);
    }

    #[test]
    fn missing_key_points_at_its_table() {
        assert_eq!(locate(TEXT, "campaigns[0].duration_h"), 4);
    }

    #[test]
    fn names_the_field_a_line_defines() {
        assert_eq!(field_at(TEXT, 3).as_deref(), Some("population.accounts"));
        assert_eq!(
            field_at(TEXT, 8).as_deref(),
            Some("campaigns[1].rate_per_s")
        );
        assert_eq!(field_at(TEXT, 9).as_deref(), Some("campaigns[1].attack"));
        assert_eq!(field_at(TEXT, 1).as_deref(), Some("name"));
        assert_eq!(field_at(TEXT, 99), None);
    }

    #[test]
    fn line_of_a_byte_inside_a_multibyte_character_does_not_panic() {
        assert_eq!(line_of("é\né", 1), 1);
        assert_eq!(line_of("é\né", 4), 2);
    }
}
