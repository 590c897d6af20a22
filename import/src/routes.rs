//! Route templates from request paths: `/v1/accounts/8812731` -> `/v1/accounts/{id}`.
//!
//! A path's query is dropped, then each segment that looks like an identifier becomes
//! `{id}`: all digits; a UUID (8-4-4-4-12 hex digits); an e-mail address (holds `@`,
//! raw or `%40`); a long hex string (16 or more hex digits with at least one digit).
//! `target_id` is the value of the first all-digit segment made `{id}` (when it fits a
//! 64-bit integer); other identifiers give no target id. A route map (one
//! `PREFIX TEMPLATE` pair per line, `#` comments) gives the template of the paths that
//! start with a prefix explicitly, the longest prefix winning.

use std::path::Path;

use crate::ImportError;

/// Templates given explicitly: paths starting with a prefix get its template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteMap {
    /// Longest prefix first.
    entries: Vec<(String, String)>,
}

impl RouteMap {
    /// Reads `PREFIX TEMPLATE` lines; blank lines and `#` comments are skipped.
    pub fn read(path: &Path) -> Result<RouteMap, ImportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        RouteMap::parse(&text).map_err(|(line, reason)| ImportError::RouteMap {
            path: path.to_path_buf(),
            line,
            reason,
        })
    }

    /// The map in `text`, or the 1-based line that is wrong and why.
    pub fn parse(text: &str) -> Result<RouteMap, (usize, String)> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [prefix, template] if prefix.starts_with('/') && template.starts_with('/') => {
                    entries.push((prefix.to_string(), template.to_string()));
                }
                _ => {
                    return Err((
                        n + 1,
                        "expected `PREFIX TEMPLATE`, two paths starting with `/` (e.g. `/v1/accounts/ /v1/accounts/{id}`)".into(),
                    ));
                }
            }
        }
        entries.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Ok(RouteMap { entries })
    }

    fn template_of(&self, path: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, template)| template.as_str())
    }
}

/// A path's route template and target id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub route: String,
    pub target_id: Option<i64>,
}

/// The template of `target` (path and query) and its target id: from the route map when
/// a prefix matches (the target id is then the first all-digit segment where the
/// template has `{id}`), else inferred.
pub fn route_of(target: &str, map: &RouteMap) -> Routed {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if let Some(template) = map.template_of(path) {
        return Routed {
            route: template.to_string(),
            target_id: target_in(path, template),
        };
    }
    let mut route = String::with_capacity(path.len());
    let mut target_id = None;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            route.push('/');
        }
        if is_identifier(segment) {
            route.push_str("{id}");
            if target_id.is_none() && is_digits(segment) {
                target_id = segment.parse().ok();
            }
        } else {
            route.push_str(segment);
        }
    }
    Routed { route, target_id }
}

/// The first all-digit segment of `path` at a position where `template` has `{id}`.
fn target_in(path: &str, template: &str) -> Option<i64> {
    path.split('/')
        .zip(template.split('/'))
        .find(|(segment, slot)| *slot == "{id}" && is_digits(segment))
        .and_then(|(segment, _)| segment.parse().ok())
}

fn is_digits(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(segment: &str) -> bool {
    let groups: Vec<&str> = segment.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_email(segment: &str) -> bool {
    let at = segment
        .find('@')
        .or_else(|| segment.to_ascii_lowercase().find("%40"));
    at.is_some_and(|i| i > 0 && i + 1 < segment.len())
}

fn is_long_hex(segment: &str) -> bool {
    segment.len() >= 16
        && segment.bytes().all(|b| b.is_ascii_hexdigit())
        && segment.bytes().any(|b| b.is_ascii_digit())
}

fn is_identifier(segment: &str) -> bool {
    is_digits(segment) || is_uuid(segment) || is_email(segment) || is_long_hex(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(target: &str) -> (String, Option<i64>) {
        let r = route_of(target, &RouteMap::default());
        (r.route, r.target_id)
    }

    #[test]
    fn identifiers_become_templates() {
        assert_eq!(
            routed("/v1/accounts/8812731"),
            ("/v1/accounts/{id}".into(), Some(8_812_731))
        );
        assert_eq!(
            routed("/v1/accounts/42/lines?page=2"),
            ("/v1/accounts/{id}/lines".into(), Some(42))
        );
        assert_eq!(
            routed("/v1/orders/123e4567-e89b-12d3-a456-426614174000/items/7"),
            ("/v1/orders/{id}/items/{id}".into(), Some(7))
        );
        assert_eq!(
            routed("/v1/users/a.b%40example.com"),
            ("/v1/users/{id}".into(), None)
        );
        assert_eq!(
            routed("/v1/blobs/9f86d081884c7d65"),
            ("/v1/blobs/{id}".into(), None)
        );
        // Words stay: `deadbeefdeadbeef` has no digit, `v1` is short, `batch` is a word.
        assert_eq!(routed("/v1/accounts/batch").0, "/v1/accounts/batch");
        assert_eq!(routed("/x/deadbeefdeadbeef").0, "/x/deadbeefdeadbeef");
        assert_eq!(
            routed("/v1/customers/lookup?email=a%40b.c").0,
            "/v1/customers/lookup"
        );
    }

    #[test]
    fn a_route_map_overrides_the_longest_prefix() {
        let map = RouteMap::parse(
            "# explicit templates\n/v1/accounts/ /v1/accounts/{id}\n/v1/accounts/me /v1/accounts/me\n",
        )
        .unwrap();
        let r = route_of("/v1/accounts/ab12/x", &map);
        assert_eq!(r.route, "/v1/accounts/{id}");
        assert_eq!(r.target_id, None);
        assert_eq!(route_of("/v1/accounts/77", &map).target_id, Some(77));
        assert_eq!(route_of("/v1/accounts/me", &map).route, "/v1/accounts/me");
        assert_eq!(RouteMap::parse("/a\n").unwrap_err().0, 1);
        assert_eq!(RouteMap::parse("\n\nnot-a-path /x\n").unwrap_err().0, 3);
    }
}
