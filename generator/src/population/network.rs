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
pub const COUNTRY_CODES: [&str; 36] = [
    "US", "CA", "MX", "PR", "GB", "DE", "FR", "NL", "IE", "ES", "SE", "PL", "UA", "RO", "RU", "TR",
    "IN", "PH", "VN", "ID", "CN", "JP", "KR", "SG", "AU", "BR", "CO", "DO", "NG", "NZ", "IT", "ZA",
    "AR", "PK", "TH", "MY",
];

/// Where a scenario's customers live: it picks the ASNs (and so the countries) of the
/// residential, mobile-carrier and corporate pools. Cloud and proxy pools are worldwide in
/// every region, as hosting and VPN providers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// A US service: customers mostly in the US, a tail abroad (T-Mobile, Venmo, Panera).
    #[default]
    Us,
    /// An Australian service: customers mostly in Australia (Optus).
    Au,
    /// A worldwide service: customers spread over every continent (Dell, Trello, Twitter).
    Global,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::Us, Region::Au, Region::Global];

    pub fn name(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Au => "au",
            Region::Global => "global",
        }
    }
}

/// The ISO code of a country.
pub fn country_code(country: Country) -> &'static str {
    COUNTRY_CODES[usize::from(country.0)]
}

/// The address, ASN and country of the `index`-th address of a kind's pool in a region.
///
/// Indexes wrap modulo [`pool_size`]; within one wrap the map is a bijection, scattered
/// so that consecutive indexes are not neighbouring addresses. A region changes only who
/// owns each block (ASN and country), never the address ranges.
#[inline]
pub fn ip_of(region: Region, kind: IpKind, index: u64) -> IpInfo {
    let pool = pool(region, kind);
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
    1 << pool(Region::Us, kind).host_bits
}

/// A kind's pool as (network address, prefix length).
pub fn pool_cidr(kind: IpKind) -> (u32, u8) {
    let pool = pool(Region::Us, kind);
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

fn pool(region: Region, kind: IpKind) -> &'static Pool {
    match (region, kind) {
        (Region::Us, IpKind::Residential) => &RESIDENTIAL,
        (Region::Us, IpKind::MobileCarrier) => &MOBILE_CARRIER,
        (Region::Us, IpKind::Corporate) => &CORPORATE,
        (Region::Au, IpKind::Residential) => &RESIDENTIAL_AU,
        (Region::Au, IpKind::MobileCarrier) => &MOBILE_CARRIER_AU,
        (Region::Au, IpKind::Corporate) => &CORPORATE_AU,
        (Region::Global, IpKind::Residential) => &RESIDENTIAL_GLOBAL,
        (Region::Global, IpKind::MobileCarrier) => &MOBILE_CARRIER_GLOBAL,
        (Region::Global, IpKind::Corporate) => &CORPORATE_GLOBAL,
        (_, IpKind::Cloud) => &CLOUD,
        (_, IpKind::Proxy) => &PROXY,
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

/// The same ranges owned by Australian ISPs and carriers
/// (docs/references.md#7-shortcuts-and-look-alikes-per-incident: Optus's
/// customers are mainly in Australia), with a small tail of New Zealand and travellers.
static RESIDENTIAL_AU: Pool = Pool::new(ipv4(10, 0, 0, 0), 8, 20, RESIDENTIAL_AU_ASNS);
static MOBILE_CARRIER_AU: Pool = Pool::new(ipv4(100, 64, 0, 0), 10, 20, MOBILE_CARRIER_AU_ASNS);
static CORPORATE_AU: Pool = Pool::new(ipv4(172, 16, 0, 0), 12, 24, CORPORATE_AU_ASNS);
/// The same ranges owned by ISPs on every continent, weighted roughly by internet users
/// (estimate), for worldwide services.
static RESIDENTIAL_GLOBAL: Pool = Pool::new(ipv4(10, 0, 0, 0), 8, 20, RESIDENTIAL_GLOBAL_ASNS);
static MOBILE_CARRIER_GLOBAL: Pool =
    Pool::new(ipv4(100, 64, 0, 0), 10, 20, MOBILE_CARRIER_GLOBAL_ASNS);
static CORPORATE_GLOBAL: Pool = Pool::new(ipv4(172, 16, 0, 0), 12, 24, CORPORATE_GLOBAL_ASNS);

// Estimates: shares of Australian fixed broadband and mobile subscribers by provider are
// of the order the ACCC publishes (a few large providers, a long tail).
const RESIDENTIAL_AU_ASNS: &[Asn] = &[
    asn(64540, "AU", 420),
    asn(64541, "AU", 260),
    asn(64542, "AU", 170),
    asn(64543, "AU", 110),
    asn(64544, "AU", 70),
    asn(64545, "AU", 45),
    asn(64546, "AU", 30),
    asn(64547, "AU", 20),
    asn(64548, "NZ", 25),
    asn(64549, "NZ", 10),
    asn(64550, "GB", 8),
    asn(64551, "IN", 8),
    asn(64552, "US", 6),
    asn(64553, "SG", 5),
    asn(64554, "PH", 4),
];

const MOBILE_CARRIER_AU_ASNS: &[Asn] = &[
    asn(64620, "AU", 450),
    asn(64621, "AU", 330),
    asn(64622, "AU", 160),
    asn(64623, "AU", 30),
    asn(64624, "NZ", 20),
    asn(64625, "GB", 5),
    asn(64626, "US", 5),
    asn(64627, "JP", 3),
];

const CORPORATE_AU_ASNS: &[Asn] = &[
    asn(64740, "AU", 80),
    asn(64741, "AU", 60),
    asn(64742, "AU", 60),
    asn(64743, "AU", 40),
    asn(64744, "AU", 40),
    asn(64745, "AU", 30),
    asn(64746, "AU", 30),
    asn(64747, "AU", 20),
    asn(64748, "AU", 20),
    asn(64749, "AU", 10),
    asn(64750, "NZ", 15),
    asn(64751, "SG", 10),
    asn(64752, "IN", 10),
    asn(64753, "US", 10),
];

const RESIDENTIAL_GLOBAL_ASNS: &[Asn] = &[
    asn(64560, "US", 260),
    asn(64561, "US", 140),
    asn(64562, "IN", 220),
    asn(64563, "BR", 120),
    asn(64564, "ID", 90),
    asn(64565, "GB", 80),
    asn(64566, "DE", 80),
    asn(64567, "JP", 80),
    asn(64568, "FR", 60),
    asn(64569, "MX", 60),
    asn(64570, "PH", 50),
    asn(64571, "VN", 45),
    asn(64572, "TR", 45),
    asn(64573, "IT", 45),
    asn(64574, "ES", 40),
    asn(64575, "KR", 40),
    asn(64576, "CA", 40),
    asn(64577, "PL", 30),
    asn(64578, "AR", 30),
    asn(64579, "CO", 30),
    asn(64580, "NG", 30),
    asn(64581, "PK", 30),
    asn(64582, "TH", 30),
    asn(64583, "ZA", 25),
    asn(64584, "AU", 25),
    asn(64585, "NL", 20),
    asn(64586, "MY", 20),
    asn(64587, "SE", 12),
    asn(64588, "IE", 8),
    asn(64589, "NZ", 6),
];

const MOBILE_CARRIER_GLOBAL_ASNS: &[Asn] = &[
    asn(64630, "US", 120),
    asn(64631, "IN", 150),
    asn(64632, "BR", 70),
    asn(64633, "ID", 70),
    asn(64634, "GB", 40),
    asn(64635, "DE", 40),
    asn(64636, "JP", 40),
    asn(64637, "MX", 40),
    asn(64638, "PH", 40),
    asn(64639, "NG", 40),
    asn(64640, "FR", 30),
    asn(64641, "TR", 30),
    asn(64642, "VN", 30),
    asn(64643, "PK", 30),
    asn(64644, "AU", 15),
    asn(64645, "CA", 15),
];

const CORPORATE_GLOBAL_ASNS: &[Asn] = &[
    asn(64760, "US", 200),
    asn(64761, "US", 120),
    asn(64762, "IN", 120),
    asn(64763, "GB", 60),
    asn(64764, "DE", 60),
    asn(64765, "IE", 40),
    asn(64766, "JP", 40),
    asn(64767, "FR", 40),
    asn(64768, "NL", 30),
    asn(64769, "SG", 30),
    asn(64770, "BR", 30),
    asn(64771, "CA", 30),
    asn(64772, "AU", 25),
    asn(64773, "PL", 20),
    asn(64774, "MX", 20),
    asn(64775, "ES", 20),
    asn(64776, "IT", 20),
    asn(64777, "PH", 15),
];

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
                for region in Region::ALL {
                    let info = ip_of(region, kind, index);
                    assert_eq!(info.ip & mask, network, "{kind} {index}");
                    assert_eq!(info.kind, kind);
                    assert_eq!(info, ip_of(region, kind, index), "not deterministic");
                }
            }
        }
    }

    #[test]
    fn a_pool_is_covered_once_per_wrap_and_scattered() {
        let kind = IpKind::Proxy;
        let size = pool_size(kind);
        let ip = |i| ip_of(Region::Us, kind, i);
        let addresses: HashSet<u32> = (0..size).map(|i| ip(i).ip).collect();
        assert_eq!(addresses.len() as u64, size);
        assert_eq!(ip(5), ip(5 + size));
        let neighbours = (0..10_000)
            .filter(|&i| ip(i + 1).ip.abs_diff(ip(i).ip) == 1)
            .count();
        assert!(neighbours < 20, "{neighbours}");
    }

    #[test]
    fn an_asn_always_has_the_same_country_and_every_asn_is_reached() {
        for region in Region::ALL {
            for kind in IpKind::ALL.iter().copied() {
                let mut country_of: HashMap<i32, Country> = HashMap::new();
                for index in 0..pool_size(kind).min(1 << 20) {
                    let info = ip_of(region, kind, index);
                    let first = *country_of.entry(info.asn).or_insert(info.country);
                    assert_eq!(first, info.country, "{kind} ASN {}", info.asn);
                }
                assert_eq!(country_of.len(), pool(region, kind).asns.len(), "{kind}");
            }
        }
    }

    #[test]
    fn kinds_never_share_an_asn_and_all_are_private_use() {
        let mut owner: HashMap<i32, (Region, IpKind)> = HashMap::new();
        for region in Region::ALL {
            for kind in IpKind::ALL.iter().copied() {
                if matches!(kind, IpKind::Cloud | IpKind::Proxy) && region != Region::Us {
                    continue; // worldwide pools, the same in every region
                }
                for asn in pool(region, kind).asns {
                    assert!((64_512..=65_534).contains(&asn.asn));
                    let previous = owner.insert(asn.asn, (region, kind));
                    assert!(
                        previous.is_none(),
                        "ASN {} in {kind} and {previous:?}",
                        asn.asn
                    );
                }
            }
        }
    }

    #[test]
    fn residential_traffic_is_mostly_domestic_and_proxies_spread() {
        let share = |region, kind, code| {
            let hits = (0..100_000)
                .filter(|&i| country_code(ip_of(region, kind, i).country) == code)
                .count();
            hits as f64 / 100_000.0
        };
        assert!((0.85..0.97).contains(&share(Region::Us, IpKind::Residential, "US")));
        assert!((0.25..0.5).contains(&share(Region::Us, IpKind::Proxy, "US")));
        assert!((0.85..0.97).contains(&share(Region::Au, IpKind::Residential, "AU")));
        assert!((0.85..0.99).contains(&share(Region::Au, IpKind::MobileCarrier, "AU")));
        assert!(share(Region::Au, IpKind::Residential, "US") < 0.02);
        assert!((0.1..0.3).contains(&share(Region::Global, IpKind::Residential, "US")));
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
