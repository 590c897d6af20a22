//! Keyed hashes that replace identities, so an imported dataset can be shared without
//! its users' addresses, principals and API keys.
//!
//! Each value is hashed with HMAC-SHA256 under the user's key, the kind of value and a
//! zero byte prefixed (`ip\0…`, `principal\0…`, `api_key\0…`) so that the same text as an
//! address and as a key hashes differently. The same key always gives the same mapping;
//! without the key the mapping cannot be recomputed or reversed.
//! - an address becomes `10.A.B.C` from the hash's first three bytes (private space, so
//!   no real host is named; 2^24 values, so two addresses can share one, with probability
//!   about n²/2^25 for n addresses);
//! - a principal becomes the hash's first eight bytes as a non-negative `i64`;
//! - an API key becomes `key-` and the hash's first twelve bytes in hex.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Replaces identities under one key.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: HmacSha256,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: <hidden> }")
    }
}

impl Pseudonymizer {
    pub fn new(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer {
            mac: HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    fn hash(&self, kind: &str, value: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn address(&self, ip: &str) -> String {
        let h = self.hash("ip", ip);
        format!("10.{}.{}.{}", h[0], h[1], h[2])
    }

    pub fn principal(&self, principal: &str) -> i64 {
        first_i64(&self.hash("principal", principal))
    }

    pub fn api_key(&self, key: &str) -> String {
        let h = self.hash("api_key", key);
        format!("key-{}", breachlab_dataset::digest::hex(&h[..12]))
    }
}

/// A principal as the `principal_id` column holds it: a decimal integer as is, any other
/// text as the first eight bytes of its (unkeyed) SHA-256, non-negative.
pub fn principal_number(principal: &str) -> i64 {
    principal
        .parse::<i64>()
        .unwrap_or_else(|_| first_i64(&Sha256::digest(principal.as_bytes())))
}

fn first_i64(bytes: &[u8]) -> i64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    (u64::from_be_bytes(first) >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            breachlab_dataset::digest::hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn same_key_same_mapping_other_key_other_mapping() {
        let a = Pseudonymizer::new(b"secret");
        let b = Pseudonymizer::new(b"other");
        assert_eq!(a.address("203.0.113.7"), a.address("203.0.113.7"));
        assert_ne!(a.address("203.0.113.7"), b.address("203.0.113.7"));
        assert!(a.address("203.0.113.7").starts_with("10."));
        assert_ne!(a.principal("42"), a.principal("43"));
        assert!(a.principal("42") >= 0);
        let key = a.api_key("live_abc");
        assert_eq!(key.len(), "key-".len() + 24);
        assert_ne!(key, a.api_key("live_abd"));
        // The kind is part of the hash: the same text as an address and a principal differ.
        let ip_bytes = a.hash("ip", "42");
        assert_ne!(first_i64(&ip_bytes), a.principal("42"));
    }

    #[test]
    fn principals_as_numbers() {
        assert_eq!(principal_number("48213"), 48213);
        let text = principal_number("alice@example.com");
        assert!(text >= 0);
        assert_eq!(text, principal_number("alice@example.com"));
    }
}
