//! What an alert blocks: the keys the detector counts per, taken from the alerted
//! request, refused for a set time (or until the end) once the alert has reached the
//! gateway.
//!
//! A detector states its scores, not which of its keys crossed the threshold, so an
//! alert blocks every key the detector counts per on that request (both jails of an
//! `ip`+`principal` pair, as either would ban). Detectors that count per a route or a
//! group of clients (`route-volume`, `combined`, `population`), references (`null`,
//! `random`) and external detectors block the requester: the principal when the
//! request is authenticated, else the address. Blocking a whole route or network
//! would refuse every client on it.

use std::collections::HashMap;

use breachlab_detectors::{ParamDefault, Params};
use serde::Serialize;

/// One kind of key a gateway can block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// The client address.
    Address,
    /// The principal, else the API key (a `principal`-keyed quota).
    PrincipalOrApiKey,
    /// The principal, else the address (the detectors' "actor").
    Actor,
    /// The principal alone (none when anonymous).
    Principal,
    /// The API key and the address together (none without an API key).
    ApiKeyAddress,
    /// The session (none without one).
    Session,
    /// The principal, else the API key with the address, else the address.
    Client,
}

/// The identity of a request as the gateway sees it.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    pub address: &'a str,
    pub api_key: Option<&'a str>,
    pub principal: Option<i64>,
    pub session: Option<i64>,
}

/// A blocked key: its kind and value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BlockKey {
    Address(String),
    ApiKey(String),
    Principal(i64),
    ApiKeyAddress(String, String),
    Session(i64),
}

impl KeyKind {
    /// The key of this kind on a request, if it has one.
    pub fn key_of(self, id: &Identity<'_>) -> Option<BlockKey> {
        let address = || BlockKey::Address(id.address.to_string());
        let principal = id.principal.map(BlockKey::Principal);
        let api_key = id.api_key.map(|k| BlockKey::ApiKey(k.to_string()));
        match self {
            KeyKind::Address => Some(address()),
            KeyKind::PrincipalOrApiKey => principal.or(api_key).or_else(|| Some(address())),
            KeyKind::Actor => principal.or_else(|| Some(address())),
            KeyKind::Principal => principal,
            KeyKind::ApiKeyAddress => id
                .api_key
                .map(|k| BlockKey::ApiKeyAddress(k.to_string(), id.address.to_string())),
            KeyKind::Session => id.session.map(BlockKey::Session),
            KeyKind::Client => principal
                .or_else(|| KeyKind::ApiKeyAddress.key_of(id))
                .or_else(|| Some(address())),
        }
    }
}

/// The keys an alert of detector `name` (with its effective `params`) blocks.
pub fn keys_of_detector(name: &str, params: &Params) -> Vec<KeyKind> {
    let text = |param: &str| {
        params
            .get(param)
            .map(|v| v.to_string().trim_matches('"').to_string())
            .or_else(|| default_text(name, param))
    };
    let ip_and_principal = || match text("key").as_deref() {
        Some("ip") => vec![KeyKind::Address],
        Some("principal") => vec![KeyKind::PrincipalOrApiKey],
        _ => vec![KeyKind::Address, KeyKind::PrincipalOrApiKey],
    };
    match name {
        "ip-rate" => vec![KeyKind::Address],
        "principal-rate" => vec![KeyKind::PrincipalOrApiKey],
        "token-bucket" | "error-jail" | "distinct-objects" => ip_and_principal(),
        "long-distinct" => {
            let list = text("keys").unwrap_or_default();
            let mut kinds: Vec<KeyKind> = list
                .split(',')
                .filter_map(|k| match k.trim().trim_matches('"') {
                    "principal" => Some(KeyKind::Principal),
                    "key-address" => Some(KeyKind::ApiKeyAddress),
                    "session" => Some(KeyKind::Session),
                    _ => None,
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds
        }
        "route-baseline" => vec![KeyKind::Client],
        _ => vec![KeyKind::Actor],
    }
}

/// The built-in `name`'s default text for `param`, when the run's parameters leave it out.
fn default_text(name: &str, param: &str) -> Option<String> {
    let info = breachlab_detectors::registry()
        .iter()
        .find(|info| info.name == name)?;
    match info.params.iter().find(|p| p.name == param)?.default {
        ParamDefault::Str(text) => Some(text.to_string()),
        _ => None,
    }
}

/// Keys refused until a time (`i64::MAX`: until the end).
#[derive(Debug, Default)]
pub struct BlockList {
    until: HashMap<BlockKey, i64>,
}

impl BlockList {
    /// Refuses `key` from now until `until_us`, extending a shorter block.
    pub fn block(&mut self, key: BlockKey, until_us: i64) {
        let entry = self.until.entry(key).or_insert(until_us);
        *entry = (*entry).max(until_us);
    }

    /// Whether any of `kinds`' keys of the request is refused at `ts_us`.
    pub fn refuses(&self, kinds: &[KeyKind], id: &Identity<'_>, ts_us: i64) -> bool {
        kinds.iter().any(|kind| {
            kind.key_of(id)
                .and_then(|key| self.until.get(&key))
                .is_some_and(|&until| ts_us < until)
        })
    }

    /// Keys ever blocked.
    pub fn len(&self) -> usize {
        self.until.len()
    }

    pub fn is_empty(&self) -> bool {
        self.until.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<'a>(address: &'a str, principal: Option<i64>) -> Identity<'a> {
        Identity {
            address,
            api_key: Some("key_app"),
            principal,
            session: None,
        }
    }

    #[test]
    fn a_block_refuses_its_key_until_it_ends() {
        let mut blocks = BlockList::default();
        blocks.block(BlockKey::Address("1.2.3.4".into()), 100);
        let kinds = [KeyKind::Address];
        assert!(blocks.refuses(&kinds, &id("1.2.3.4", None), 99));
        assert!(!blocks.refuses(&kinds, &id("1.2.3.4", None), 100));
        assert!(!blocks.refuses(&kinds, &id("1.2.3.5", None), 50));
    }

    #[test]
    fn the_actor_is_the_principal_when_authenticated() {
        let mut blocks = BlockList::default();
        blocks.block(KeyKind::Actor.key_of(&id("1.2.3.4", Some(7))).unwrap(), 100);
        // Same principal from another address: refused; same address, anonymous: not.
        assert!(blocks.refuses(&[KeyKind::Actor], &id("9.9.9.9", Some(7)), 0));
        assert!(!blocks.refuses(&[KeyKind::Actor], &id("1.2.3.4", None), 0));
    }

    #[test]
    fn detectors_block_what_they_count_per() {
        let none = Params::new();
        assert_eq!(keys_of_detector("ip-rate", &none), vec![KeyKind::Address]);
        let mut ip_only = Params::new();
        ip_only.insert("key", "ip");
        assert_eq!(
            keys_of_detector("error-jail", &ip_only),
            vec![KeyKind::Address]
        );
        assert_eq!(keys_of_detector("error-jail", &none).len(), 2);
        assert_eq!(
            keys_of_detector("long-distinct", &none),
            vec![KeyKind::Principal, KeyKind::Session]
        );
        assert_eq!(
            keys_of_detector("route-volume", &none),
            vec![KeyKind::Actor]
        );
    }
}
