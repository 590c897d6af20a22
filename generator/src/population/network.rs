//! Synthetic, unroutable client networks: IPv4 pools by kind, with ASNs and countries.
//!
//! Every address lies in private or reserved space, so a dataset can never point at a
//! real host: residential in 10.0.0.0/8, mobile carriers in 100.64.0.0/10 (carrier-grade
//! NAT's shared space, where a real mobile network would egress), corporate in
//! 172.16.0.0/12, cloud in 198.18.0.0/15 (benchmarking space) and datacenter proxies and
//! VPN exits in 192.168.0.0/16. ASNs are private-use numbers (64512-65534), each kind its
//! own, and an address's ASN is fixed by its block, its country by its ASN, as a real
//! IP-to-ASN database would report. All of it is integer arithmetic: [`ip_of`] is a pure,
//! allocation-free function of (kind, index), cheap enough to call per event.

use breachlab_schema::IpKind;

/// A client address and what an IP-intelligence lookup would say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpInfo {
    pub ip: u32,
    pub asn: i32,
    pub kind: IpKind,
    pub country: Country,
}

/// A country, as an index into [`COUNTRY_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(pub u8);

impl Country {
    pub fn code(self) -> &'static str {
        country_code(self)
    }
}

/// ISO 3166-1 alpha-2 codes of every country an address can be placed in.
pub const COUNTRY_CODES: [&str; 29] = [
    "US", "CA", "MX", "PR", "GB", "DE", "FR", "NL", "IE", "ES", "SE", "PL", "UA", "RO", "RU", "TR",
    "IN", "PH", "VN", "ID", "CN", "JP", "KR", "SG", "AU", "BR", "CO", "DO", "NG",
];

/// The ISO code of a country.
pub fn country_code(country: Country) -> &'static str {
    COUNTRY_CODES[usize::from(country.0)]
}

/// The address, ASN and country of the `index`-th address of a kind's pool.
///
/// Indexes wrap modulo [`pool_size`]; within one wrap the map is a bijection, scattered
/// so that consecutive indexes are not neighbouring addresses.
#[inline]
pub fn ip_of(kind: IpKind, index: u64) -> IpInfo {
    let pool = pool(kind);
    let offset = pool.scatter(index);
    let asn = pool.asn_of_offset(offset);
    IpInfo {
        ip: pool.base | offset,
        asn: asn.asn,
        kind,
        country: asn.country,
    }
}

/// How many addresses a kind's pool holds.
pub fn pool_size(kind: IpKind) -> u64 {
    1 << pool(kind).host_bits
}

/// A kind's pool as (network address, prefix length).
pub fn pool_cidr(kind: IpKind) -> (u32, u8) {
    let pool = pool(kind);
    (pool.base, (32 - pool.host_bits) as u8)
}

/// Appends the dotted-quad form of `ip` to `out`, as `Ipv4Addr`'s `Display` would, in
/// one write.
#[inline]
pub fn write_ipv4(ip: u32, out: &mut impl std::fmt::Write) {
    let mut text = [0u8; 15];
    let mut len = 0;
    for (position, octet) in ip.to_be_bytes().into_iter().enumerate() {
        if position > 0 {
            text[len] = b'.';
            len += 1;
        }
        len += put_decimal(octet, &mut text[len..]);
    }
    let text = std::str::from_utf8(&text[..len]).expect("digits and dots are ASCII");
    let _ = out.write_str(text);
}

/// Writes `value` in decimal at the start of `out`; returns the digits written.
#[inline]
fn put_decimal(value: u8, out: &mut [u8]) -> usize {
    let mut len = 0;
    if value >= 100 {
        out[len] = b'0' + value / 100;
        len += 1;
    }
    if value >= 10 {
        out[len] = b'0' + value / 10 % 10;
        len += 1;
    }
    out[len] = b'0' + value % 10;
    len + 1
}

/// One autonomous system of a pool: its share of the pool's blocks and its country.
#[derive(Debug, Clone, Copy)]
struct Asn {
    asn: i32,
    country: Country,
    weight: u32,
}

const fn asn(asn: i32, country: &str, weight: u32) -> Asn {
    Asn {
        asn,
        country: country_index(country),
        weight,
    }
}

const fn country_index(code: &str) -> Country {
    let mut i = 0;
    while i < COUNTRY_CODES.len() {
        let known = COUNTRY_CODES[i].as_bytes();
        let wanted = code.as_bytes();
        if known.len() == wanted.len() && known[0] == wanted[0] && known[1] == wanted[1] {
            return Country(i as u8);
        }
        i += 1;
    }
    panic!("country code missing from COUNTRY_CODES");
}

const MAX_ASNS: usize = 48;

/// One kind's address pool, cut into equal blocks that its ASNs own in contiguous runs.
#[derive(Debug)]
struct Pool {
    base: u32,
    host_bits: u32,
    block_bits: u32,
    /// Odd multipliers of the scatter; any odd number gives a bijection mod 2^host_bits.
    multipliers: [u32; 2],
    asns: &'static [Asn],
    cumulative: [u32; MAX_ASNS],
}

impl Pool {
    const fn new(base: u32, prefix_len: u32, block_prefix_len: u32, asns: &'static [Asn]) -> Self {
        assert!(!asns.is_empty() && asns.len() <= MAX_ASNS);
        let host_bits = 32 - prefix_len;
        let block_bits = 32 - block_prefix_len;
        let mut cumulative = [u32::MAX; MAX_ASNS];
        let mut total = 0;
        let mut i = 0;
        while i < asns.len() {
            total += asns[i].weight;
            cumulative[i] = total;
            i += 1;
        }
        assert!(
            total <= 1 << (host_bits - block_bits),
            "every ASN needs a block"
        );
        Self {
            base,
            host_bits,
            block_bits,
            multipliers: [
                0x9e37_79b1u32.wrapping_add(base) | 1,
                (0x85eb_ca6bu32 ^ base) | 1,
            ],
            asns,
            cumulative,
        }
    }

    /// A bijection of `0..2^host_bits`: odd multiplies and xor-shifts, all mod 2^host_bits.
    #[inline]
    fn scatter(&self, index: u64) -> u32 {
        let mask = ((1u64 << self.host_bits) - 1) as u32;
        let half = self.host_bits / 2;
        let mut x = index as u32 & mask;
        x = x.wrapping_mul(self.multipliers[0]) & mask;
        x ^= x >> half;
        x = x.wrapping_mul(self.multipliers[1]) & mask;
        x ^= x >> (half + 1);
        x = x.wrapping_mul(self.multipliers[0]) & mask;
        x ^ (x >> half)
    }

    #[inline]
    fn asn_of_offset(&self, offset: u32) -> Asn {
        let block = u64::from(offset >> self.block_bits);
        let blocks = 1u64 << (self.host_bits - self.block_bits);
        let total = u64::from(self.cumulative[self.asns.len() - 1]);
        let position = (block * total / blocks) as u32;
        let owner = self.cumulative[..self.asns.len()].partition_point(|&c| c <= position);
        self.asns[owner]
    }
}

fn pool(kind: IpKind) -> &'static Pool {
    match kind {
        IpKind::Residential => &RESIDENTIAL,
        IpKind::MobileCarrier => &MOBILE_CARRIER,
        IpKind::Corporate => &CORPORATE,
        IpKind::Cloud => &CLOUD,
        IpKind::Proxy => &PROXY,
    }
}

const fn ipv4(a: u32, b: u32, c: u32, d: u32) -> u32 {
    (a << 24) | (b << 16) | (c << 8) | d
}

/// 10.0.0.0/8 in /20 blocks: home broadband, mostly US ISPs, a tail of travellers and
/// customers abroad.
static RESIDENTIAL: Pool = Pool::new(ipv4(10, 0, 0, 0), 8, 20, RESIDENTIAL_ASNS);
/// 100.64.0.0/10 in /20 blocks: the carrier's own mobile network first, then other US
/// networks, then roaming partners.
static MOBILE_CARRIER: Pool = Pool::new(ipv4(100, 64, 0, 0), 10, 20, MOBILE_CARRIER_ASNS);
/// 172.16.0.0/12 in /24 blocks: many small enterprise networks.
static CORPORATE: Pool = Pool::new(ipv4(172, 16, 0, 0), 12, 24, CORPORATE_ASNS);
/// 198.18.0.0/15 in /24 blocks: cloud regions, spread over several countries.
static CLOUD: Pool = Pool::new(ipv4(198, 18, 0, 0), 15, 24, CLOUD_ASNS);
/// 192.168.0.0/16 in /24 blocks: datacenter proxies and VPN exits, widely spread.
static PROXY: Pool = Pool::new(ipv4(192, 168, 0, 0), 16, 24, PROXY_ASNS);

const RESIDENTIAL_ASNS: &[Asn] = &[
    asn(64512, "US", 220),
    asn(64513, "US", 180),
    asn(64514, "US", 120),
    asn(64515, "US", 90),
    asn(64516, "US", 70),
    asn(64517, "US", 55),
    asn(64518, "US", 40),
    asn(64519, "US", 35),
    asn(64520, "US", 30),
    asn(64521, "US", 25),
    asn(64522, "US", 20),
    asn(64523, "US", 15),
    asn(64524, "PR", 8),
    asn(64525, "CA", 12),
    asn(64526, "CA", 8),
    asn(64527, "MX", 10),
    asn(64528, "GB", 5),
    asn(64529, "IN", 5),
    asn(64530, "PH", 4),
    asn(64531, "DO", 3),
    asn(64532, "DE", 3),
    asn(64533, "CO", 2),
];

const MOBILE_CARRIER_ASNS: &[Asn] = &[
    asn(64600, "US", 700),
    asn(64601, "US", 120),
    asn(64602, "US", 80),
    asn(64603, "US", 40),
    asn(64604, "MX", 15),
    asn(64605, "CA", 12),
    asn(64606, "GB", 6),
    asn(64607, "FR", 4),
    asn(64608, "DE", 4),
    asn(64609, "JP", 3),
    asn(64610, "ES", 3),
    asn(64611, "IN", 3),
];

const CORPORATE_ASNS: &[Asn] = &[
    asn(64700, "US", 40),
    asn(64701, "US", 20),
    asn(64702, "US", 60),
    asn(64703, "US", 20),
    asn(64704, "US", 80),
    asn(64705, "US", 60),
    asn(64706, "US", 80),
    asn(64707, "US", 60),
    asn(64708, "US", 60),
    asn(64709, "US", 40),
    asn(64710, "US", 10),
    asn(64711, "US", 80),
    asn(64712, "US", 30),
    asn(64713, "US", 80),
    asn(64714, "US", 15),
    asn(64715, "US", 60),
    asn(64716, "US", 10),
    asn(64717, "US", 15),
    asn(64718, "US", 10),
    asn(64719, "US", 20),
    asn(64720, "US", 30),
    asn(64721, "US", 80),
    asn(64722, "CA", 15),
    asn(64723, "GB", 30),
    asn(64724, "IN", 40),
    asn(64725, "DE", 10),
    asn(64726, "IE", 40),
    asn(64727, "MX", 15),
    asn(64728, "US", 10),
    asn(64729, "US", 60),
];

const CLOUD_ASNS: &[Asn] = &[
    asn(64800, "US", 120),
    asn(64801, "US", 90),
    asn(64802, "US", 60),
    asn(64803, "IE", 30),
    asn(64804, "DE", 25),
    asn(64805, "SG", 20),
    asn(64806, "JP", 15),
    asn(64807, "IN", 15),
    asn(64808, "BR", 10),
    asn(64809, "GB", 15),
    asn(64810, "NL", 15),
    asn(64811, "AU", 8),
    asn(64812, "US", 30),
    asn(64813, "CA", 8),
    asn(64814, "FR", 8),
    asn(64815, "KR", 6),
];

const PROXY_ASNS: &[Asn] = &[
    asn(64900, "US", 50),
    asn(64901, "US", 30),
    asn(64902, "NL", 20),
    asn(64903, "DE", 18),
    asn(64904, "GB", 14),
    asn(64905, "RU", 12),
    asn(64906, "VN", 10),
    asn(64907, "BR", 10),
    asn(64908, "IN", 10),
    asn(64909, "SG", 8),
    asn(64910, "FR", 8),
    asn(64911, "UA", 8),
    asn(64912, "RO", 8),
    asn(64913, "CA", 6),
    asn(64914, "ID", 6),
    asn(64915, "TR", 5),
    asn(64916, "CN", 5),
    asn(64917, "PL", 5),
    asn(64918, "SE", 4),
    asn(64919, "NG", 4),
    asn(64920, "CO", 3),
    asn(64921, "MX", 4),
    asn(64922, "PH", 3),
    asn(64923, "JP", 3),
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::net::Ipv4Addr;

    use super::*;

    fn sample_indexes(kind: IpKind) -> impl Iterator<Item = u64> {
        let size = pool_size(kind);
        (0..50_000u64).chain((0..50_000u64).map(move |i| i * 7_919 + size - 25_000))
    }

    #[test]
    fn every_address_lies_in_its_kind_range() {
        let expected = [
            (IpKind::Residential, "10.0.0.0", 8),
            (IpKind::MobileCarrier, "100.64.0.0", 10),
            (IpKind::Corporate, "172.16.0.0", 12),
            (IpKind::Cloud, "198.18.0.0", 15),
            (IpKind::Proxy, "192.168.0.0", 16),
        ];
        for (kind, network, prefix_len) in expected {
            let network = u32::from(network.parse::<Ipv4Addr>().unwrap());
            assert_eq!(pool_cidr(kind), (network, prefix_len));
            let mask = u32::MAX << (32 - prefix_len);
            for index in sample_indexes(kind) {
                let info = ip_of(kind, index);
                assert_eq!(info.ip & mask, network, "{kind} {index}");
                assert_eq!(info.kind, kind);
                assert_eq!(info, ip_of(kind, index), "not deterministic");
            }
        }
    }

    #[test]
    fn a_pool_is_covered_once_per_wrap_and_scattered() {
        let kind = IpKind::Proxy;
        let size = pool_size(kind);
        let addresses: HashSet<u32> = (0..size).map(|i| ip_of(kind, i).ip).collect();
        assert_eq!(addresses.len() as u64, size);
        assert_eq!(ip_of(kind, 5), ip_of(kind, 5 + size));
        let neighbours = (0..10_000)
            .filter(|&i| ip_of(kind, i + 1).ip.abs_diff(ip_of(kind, i).ip) == 1)
            .count();
        assert!(neighbours < 20, "{neighbours}");
    }

    #[test]
    fn an_asn_always_has_the_same_country_and_every_asn_is_reached() {
        for kind in IpKind::ALL.iter().copied() {
            let mut country_of: HashMap<i32, Country> = HashMap::new();
            for index in 0..pool_size(kind).min(1 << 20) {
                let info = ip_of(kind, index);
                let first = *country_of.entry(info.asn).or_insert(info.country);
                assert_eq!(first, info.country, "{kind} ASN {}", info.asn);
            }
            assert_eq!(country_of.len(), pool(kind).asns.len(), "{kind}");
        }
    }

    #[test]
    fn kinds_never_share_an_asn_and_all_are_private_use() {
        let mut owner: HashMap<i32, IpKind> = HashMap::new();
        for kind in IpKind::ALL.iter().copied() {
            for asn in pool(kind).asns {
                assert!((64_512..=65_534).contains(&asn.asn));
                let previous = owner.insert(asn.asn, kind);
                assert!(
                    previous.is_none(),
                    "ASN {} in {kind} and {previous:?}",
                    asn.asn
                );
            }
        }
    }

    #[test]
    fn residential_traffic_is_mostly_domestic_and_proxies_spread() {
        let share_us = |kind| {
            let us = (0..100_000)
                .filter(|&i| country_code(ip_of(kind, i).country) == "US")
                .count();
            us as f64 / 100_000.0
        };
        assert!((0.85..0.97).contains(&share_us(IpKind::Residential)));
        assert!((0.25..0.5).contains(&share_us(IpKind::Proxy)));
    }

    #[test]
    fn formatting_matches_std() {
        let mut out = String::new();
        let edge_cases = [0, u32::MAX, 0x0a00_0001, 0x6440_0a63, 0xc0a8_ff00];
        let spread = (0..100_000u32).map(|i| i.wrapping_mul(0x9e37_79b9));
        for ip in edge_cases.into_iter().chain(spread) {
            out.clear();
            write_ipv4(ip, &mut out);
            assert_eq!(out, Ipv4Addr::from(ip).to_string());
        }
    }
}
