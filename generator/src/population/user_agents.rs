//! Weighted, versioned user-agent tables for every kind of client, and for attack tools.
//!
//! `fake`'s user agents are few and years old; a detector trained on them would learn the
//! generator, not the traffic. These tables hold 2025-2026 browser versions, a fictional
//! carrier's app ("Acme Mobile") across app and OS versions with an adoption skew, partner
//! SDKs and batch clients, synthetic monitors of a fictional vendor, and the scripting
//! tools an unsophisticated attacker reaches for. Some strings appear in both a benign and
//! the tools table (python-requests, Go-http-client, okhttp) on purpose: a user agent
//! alone must not separate attackers from look-alike benign clients.
//!
//! Every entry has one global `u16` index, stable for a given version of this file, so an
//! event row stores a user agent as two bytes; [`ua_text`] turns it back into text.

use breachlab_schema::ClientKind;

/// A weighted table of user agents that owns a contiguous range of global indexes.
#[derive(Debug)]
pub struct UaTable {
    first_index: u16,
    entries: &'static [(&'static str, u32)],
    /// Running weight totals; only the first `entries.len()` are used.
    cumulative: [u32; MAX_ENTRIES],
}

const MAX_ENTRIES: usize = 64;

impl UaTable {
    const fn new(first_index: u16, entries: &'static [(&'static str, u32)]) -> Self {
        assert!(!entries.is_empty() && entries.len() <= MAX_ENTRIES);
        let mut cumulative = [u32::MAX; MAX_ENTRIES];
        let mut total = 0u32;
        let mut i = 0;
        while i < entries.len() {
            assert!(entries[i].1 > 0, "every entry needs a positive weight");
            total += entries[i].1;
            cumulative[i] = total;
            i += 1;
        }
        Self {
            first_index,
            entries,
            cumulative,
        }
    }

    /// The table for requests from one kind of client.
    pub fn for_client(kind: ClientKind) -> &'static UaTable {
        match kind {
            ClientKind::App => &APP,
            ClientKind::Web => &WEB,
            ClientKind::Sdk => &SDK,
            ClientKind::Partner => &PARTNER,
            ClientKind::Monitor => &MONITOR,
        }
    }

    /// The scripting tools of an unsophisticated attacker.
    pub fn tools() -> &'static UaTable {
        &TOOLS
    }

    /// The global index of the entry whose cumulative-weight range holds `u` (in [0, 1)).
    #[inline]
    pub fn sample(&self, u: f64) -> u16 {
        let total = self.total_weight();
        let target = ((u * f64::from(total)) as u32).min(total - 1);
        let local = self.cumulative[..self.entries.len()].partition_point(|&c| c <= target);
        self.first_index + local as u16
    }

    /// The text of a global index of this table (as returned by [`Self::sample`]).
    ///
    /// Panics if `index` belongs to another table.
    #[inline]
    pub fn get(&self, index: u16) -> &'static str {
        self.entries[usize::from(index - self.first_index)].0
    }

    /// Whether `index` is one of this table's global indexes.
    pub fn contains(&self, index: u16) -> bool {
        self.indexes().contains(&index)
    }

    /// This table's global indexes.
    pub fn indexes(&self) -> std::ops::Range<u16> {
        self.first_index..self.first_index + self.entries.len() as u16
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The weight of a global index of this table.
    pub fn weight(&self, index: u16) -> u32 {
        self.entries[usize::from(index - self.first_index)].1
    }

    pub fn total_weight(&self) -> u32 {
        self.cumulative[self.entries.len() - 1]
    }
}

/// The user agent behind a global index. Panics past [`ua_count`].
pub fn ua_text(global: u16) -> &'static str {
    let table = ALL_TABLES
        .iter()
        .find(|table| table.contains(global))
        .unwrap_or_else(|| panic!("user-agent index {global} is past {}", ua_count()));
    table.get(global)
}

/// How many user agents there are: global indexes are `0..ua_count()`.
pub fn ua_count() -> u16 {
    TOOLS.indexes().end
}

static ALL_TABLES: [&UaTable; 6] = [&APP, &WEB, &SDK, &PARTNER, &MONITOR, &TOOLS];

const APP_FIRST: u16 = 0;
const WEB_FIRST: u16 = APP_FIRST + APP_ENTRIES.len() as u16;
const SDK_FIRST: u16 = WEB_FIRST + WEB_ENTRIES.len() as u16;
const PARTNER_FIRST: u16 = SDK_FIRST + SDK_ENTRIES.len() as u16;
const MONITOR_FIRST: u16 = PARTNER_FIRST + PARTNER_ENTRIES.len() as u16;
const TOOLS_FIRST: u16 = MONITOR_FIRST + MONITOR_ENTRIES.len() as u16;

static APP: UaTable = UaTable::new(APP_FIRST, APP_ENTRIES);
static WEB: UaTable = UaTable::new(WEB_FIRST, WEB_ENTRIES);
static SDK: UaTable = UaTable::new(SDK_FIRST, SDK_ENTRIES);
static PARTNER: UaTable = UaTable::new(PARTNER_FIRST, PARTNER_ENTRIES);
static MONITOR: UaTable = UaTable::new(MONITOR_FIRST, MONITOR_ENTRIES);
static TOOLS: UaTable = UaTable::new(TOOLS_FIRST, TOOLS_ENTRIES);

/// The fictional carrier's app: six releases (newest most adopted) on iOS (Alamofire's
/// default agent) and Android (okhttp with the device's build).
const APP_ENTRIES: &[(&str, u32)] = &[
    (
        "AcmeMobile/12.4.0 (com.acmewireless.mobile; build:12400.3; iOS 26.2.0) Alamofire/5.10.2",
        3960,
    ),
    (
        "AcmeMobile/12.4.0 (com.acmewireless.mobile; build:12400.3; iOS 26.1.0) Alamofire/5.10.2",
        2200,
    ),
    (
        "AcmeMobile/12.4.0 (com.acmewireless.mobile; build:12400.3; iOS 18.6.2) Alamofire/5.10.2",
        2640,
    ),
    (
        "AcmeMobile/12.4.0 (Linux; Android 16; Pixel 9 Build/BP3A.251005.004) okhttp/4.12.0",
        1440,
    ),
    (
        "AcmeMobile/12.4.0 (Linux; Android 15; SM-S931U Build/AP3A.240905.015.A2) okhttp/4.12.0",
        2880,
    ),
    (
        "AcmeMobile/12.4.0 (Linux; Android 14; SM-A156U Build/UP1A.231005.007) okhttp/4.12.0",
        1800,
    ),
    (
        "AcmeMobile/12.3.2 (com.acmewireless.mobile; build:12320.1; iOS 26.2.0) Alamofire/5.10.2",
        2376,
    ),
    (
        "AcmeMobile/12.3.2 (com.acmewireless.mobile; build:12320.1; iOS 26.1.0) Alamofire/5.10.2",
        1320,
    ),
    (
        "AcmeMobile/12.3.2 (com.acmewireless.mobile; build:12320.1; iOS 18.6.2) Alamofire/5.10.2",
        1584,
    ),
    (
        "AcmeMobile/12.3.2 (Linux; Android 16; Pixel 9 Build/BP3A.251005.004) okhttp/4.12.0",
        864,
    ),
    (
        "AcmeMobile/12.3.2 (Linux; Android 15; SM-S931U Build/AP3A.240905.015.A2) okhttp/4.12.0",
        1728,
    ),
    (
        "AcmeMobile/12.3.2 (Linux; Android 15; moto g play - 2024 Build/V1TGS35H.83-20-3) okhttp/4.12.0",
        648,
    ),
    (
        "AcmeMobile/12.3.0 (com.acmewireless.mobile; build:12300.6; iOS 26.2.0) Alamofire/5.10.2",
        1386,
    ),
    (
        "AcmeMobile/12.3.0 (com.acmewireless.mobile; build:12300.6; iOS 26.1.0) Alamofire/5.10.2",
        770,
    ),
    (
        "AcmeMobile/12.3.0 (com.acmewireless.mobile; build:12300.6; iOS 18.6.2) Alamofire/5.10.2",
        924,
    ),
    (
        "AcmeMobile/12.3.0 (Linux; Android 16; Pixel 9 Build/BP3A.251005.004) okhttp/4.12.0",
        504,
    ),
    (
        "AcmeMobile/12.3.0 (Linux; Android 14; SM-A156U Build/UP1A.231005.007) okhttp/4.12.0",
        630,
    ),
    (
        "AcmeMobile/12.3.0 (Linux; Android 15; moto g play - 2024 Build/V1TGS35H.83-20-3) okhttp/4.12.0",
        378,
    ),
    (
        "AcmeMobile/12.2.1 (com.acmewireless.mobile; build:12210.2; iOS 26.2.0) Alamofire/5.9.1",
        990,
    ),
    (
        "AcmeMobile/12.2.1 (com.acmewireless.mobile; build:12210.2; iOS 26.1.0) Alamofire/5.9.1",
        550,
    ),
    (
        "AcmeMobile/12.2.1 (com.acmewireless.mobile; build:12210.2; iOS 18.6.2) Alamofire/5.9.1",
        660,
    ),
    (
        "AcmeMobile/12.2.1 (Linux; Android 15; SM-S931U Build/AP3A.240905.015.A2) okhttp/4.12.0",
        720,
    ),
    (
        "AcmeMobile/12.2.1 (Linux; Android 14; SM-A156U Build/UP1A.231005.007) okhttp/4.12.0",
        450,
    ),
    (
        "AcmeMobile/12.2.1 (Linux; Android 15; moto g play - 2024 Build/V1TGS35H.83-20-3) okhttp/4.12.0",
        270,
    ),
    (
        "AcmeMobile/12.1.0 (com.acmewireless.mobile; build:12100.4; iOS 26.2.0) Alamofire/5.9.1",
        693,
    ),
    (
        "AcmeMobile/12.1.0 (com.acmewireless.mobile; build:12100.4; iOS 26.1.0) Alamofire/5.9.1",
        385,
    ),
    (
        "AcmeMobile/12.1.0 (com.acmewireless.mobile; build:12100.4; iOS 18.6.2) Alamofire/5.9.1",
        462,
    ),
    (
        "AcmeMobile/12.1.0 (Linux; Android 16; Pixel 9 Build/BP3A.251005.004) okhttp/4.11.0",
        252,
    ),
    (
        "AcmeMobile/12.1.0 (Linux; Android 15; SM-S931U Build/AP3A.240905.015.A2) okhttp/4.11.0",
        504,
    ),
    (
        "AcmeMobile/12.1.0 (Linux; Android 14; SM-A156U Build/UP1A.231005.007) okhttp/4.11.0",
        315,
    ),
    (
        "AcmeMobile/11.9.3 (com.acmewireless.mobile; build:11930.1; iOS 26.1.0) Alamofire/5.9.1",
        275,
    ),
    (
        "AcmeMobile/11.9.3 (com.acmewireless.mobile; build:11930.1; iOS 18.6.2) Alamofire/5.9.1",
        330,
    ),
    (
        "AcmeMobile/11.9.3 (Linux; Android 16; Pixel 9 Build/BP3A.251005.004) okhttp/4.11.0",
        180,
    ),
    (
        "AcmeMobile/11.9.3 (Linux; Android 15; SM-S931U Build/AP3A.240905.015.A2) okhttp/4.11.0",
        360,
    ),
    (
        "AcmeMobile/11.9.3 (Linux; Android 15; moto g play - 2024 Build/V1TGS35H.83-20-3) okhttp/4.11.0",
        135,
    ),
];

/// Browsers of late 2025 and early 2026 with their reduced (frozen-platform) agents;
/// Safari 26 on iOS still reports "iPhone OS 18_6".
const WEB_ENTRIES: &[(&str, u32)] = &[
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36",
        90,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        120,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
        35,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
        12,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36",
        40,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        50,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
        12,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        8,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Mobile Safari/537.36",
        70,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36",
        95,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
        30,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Mobile Safari/537.36",
        10,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0 Mobile Safari/537.36",
        22,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36",
        14,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36 EdgA/143.0.0.0",
        4,
    ),
    (
        "Mozilla/5.0 (Android 15; Mobile; rv:146.0) Gecko/146.0 Firefox/146.0",
        4,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.2 Mobile/15E148 Safari/604.1",
        85,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
        70,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0.1 Mobile/15E148 Safari/604.1",
        25,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
        60,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1",
        12,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/143.0.7499.151 Mobile/15E148 Safari/604.1",
        20,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/146.0 Mobile/15E148 Safari/605.1.15",
        3,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.2 Safari/605.1.15",
        30,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
        28,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
        16,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36 Edg/144.0.0.0",
        25,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36 Edg/143.0.0.0",
        35,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
        8,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:147.0) Gecko/20100101 Firefox/147.0",
        10,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0",
        14,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
        4,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:146.0) Gecko/20100101 Firefox/146.0",
        5,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
        2,
    ),
];

/// Apps of other companies that embed the carrier's partner SDK, and bare HTTP stacks.
const SDK_ENTRIES: &[(&str, u32)] = &[
    ("AcmePartnerKit/3.4.1 (Android 15; okhttp/4.12.0)", 30),
    ("AcmePartnerKit/3.4.1 (iOS 26.1; CFNetwork/3860.200.71)", 26),
    ("AcmePartnerKit/3.3.0 (Android 14; okhttp/4.11.0)", 12),
    (
        "AcmePartnerKit/3.3.0 (iOS 18.6.2; CFNetwork/3826.600.41)",
        10,
    ),
    (
        "Fernleaf%20Rewards/2231 CFNetwork/3860.200.71 Darwin/25.1.0",
        9,
    ),
    (
        "Fernleaf%20Rewards/2198 CFNetwork/3826.600.41 Darwin/24.6.0",
        5,
    ),
    ("QuillpayWallet/884 CFNetwork/3860.100.1 Darwin/25.0.0", 6),
    ("okhttp/4.12.0", 14),
    ("okhttp/5.1.0", 5),
    (
        "Dalvik/2.1.0 (Linux; U; Android 14; SM-A156U Build/UP1A.231005.007)",
        6,
    ),
    (
        "Dalvik/2.1.0 (Linux; U; Android 15; SM-S931U Build/AP3A.240905.015.A2)",
        5,
    ),
    ("Dart/3.8 (dart:io)", 4),
    ("axios/1.9.0", 3),
];

/// Server-to-server clients of partners' nightly and hourly jobs.
const PARTNER_ENTRIES: &[(&str, u32)] = &[
    ("Apache-HttpClient/5.4.3 (Java/21.0.7)", 20),
    ("Apache-HttpClient/5.3.1 (Java/17.0.14)", 12),
    ("Apache-HttpClient/4.5.14 (Java/11.0.26)", 8),
    ("Java-http-client/21.0.7", 10),
    ("Java-http-client/17.0.14", 6),
    ("ReactorNetty/1.2.5", 5),
    ("python-requests/2.32.4", 10),
    ("python-requests/2.32.3", 6),
    ("Go-http-client/2.0", 8),
    ("Go-http-client/1.1", 5),
    ("okhttp/4.12.0", 4),
    (
        "Fernleaf-BillingSync/2.7.0 (+mailto:integrations@example.net)",
        4,
    ),
    ("Microsoft.Net/9.0 HttpClient", 3),
];

/// Synthetic monitoring agents (a fictional vendor) and the carrier's own health checks.
const MONITOR_ENTRIES: &[(&str, u32)] = &[
    (
        "UptrendSynthetics/4.2.0 (+https://uptrend.example/agent)",
        30,
    ),
    (
        "UptrendSynthetics/4.1.7 (+https://uptrend.example/agent)",
        10,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/143.0.0.0 Safari/537.36 UptrendBrowserCheck/4.2",
        12,
    ),
    (
        "PingWarden-Agent/2.8.1 (synthetic check; +https://pingwarden.example)",
        15,
    ),
    ("Acme-HealthCheck/1.4 (internal)", 8),
];

/// What an unsophisticated attacker's scripts send: library defaults, never changed.
const TOOLS_ENTRIES: &[(&str, u32)] = &[
    ("python-requests/2.32.3", 22),
    ("python-requests/2.32.4", 14),
    ("python-requests/2.31.0", 10),
    ("python-requests/2.28.2", 4),
    ("curl/8.5.0", 8),
    ("curl/8.7.1", 5),
    ("curl/8.14.1", 4),
    ("curl/7.81.0", 4),
    ("Go-http-client/1.1", 8),
    ("Go-http-client/2.0", 4),
    ("Python/3.12 aiohttp/3.11.18", 6),
    ("Python/3.11 aiohttp/3.9.5", 3),
    ("python-httpx/0.28.1", 4),
    ("Python-urllib/3.12", 2),
    ("Wget/1.21.4", 1),
    ("PostmanRuntime/7.44.1", 2),
    ("axios/1.8.4", 2),
    ("okhttp/4.12.0", 2),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn every_table() -> Vec<&'static UaTable> {
        let mut tables: Vec<_> = ClientKind::ALL
            .iter()
            .map(|&k| UaTable::for_client(k))
            .collect();
        tables.push(UaTable::tools());
        tables
    }

    #[test]
    fn tables_have_weight_and_enough_entries() {
        for table in every_table() {
            assert!(table.total_weight() > 0);
            assert!(!table.is_empty());
        }
        assert!(UaTable::for_client(ClientKind::App).len() >= 30);
        assert!(UaTable::for_client(ClientKind::Web).len() >= 30);
    }

    #[test]
    fn every_entry_is_non_empty_and_versioned() {
        for global in 0..ua_count() {
            let text = ua_text(global);
            assert!(!text.trim().is_empty(), "{global}");
            assert!(text.bytes().any(|b| b.is_ascii_digit()), "{text}");
        }
    }

    #[test]
    fn sampling_reaches_every_entry() {
        for table in every_table() {
            let mut hits = vec![0u32; table.len()];
            let draws = 200_000;
            for i in 0..draws {
                let index = table.sample((f64::from(i) + 0.5) / f64::from(draws));
                hits[usize::from(index - table.indexes().start)] += 1;
            }
            assert!(hits.iter().all(|&h| h > 0), "{hits:?}");
        }
    }

    #[test]
    fn sampling_follows_the_weights() {
        let table = UaTable::for_client(ClientKind::Web);
        let draws = 1_000_000u32;
        let first = table.indexes().start;
        let hits = (0..draws)
            .filter(|&i| table.sample(f64::from(i) / f64::from(draws)) == first + 1)
            .count() as f64;
        let expected =
            f64::from(table.weight(first + 1)) / f64::from(table.total_weight()) * f64::from(draws);
        assert!((hits - expected).abs() <= 1.0, "{hits} vs {expected}");
        assert_eq!(table.sample(0.0), first);
        assert_eq!(table.sample(0.999_999_999), table.indexes().end - 1);
    }

    #[test]
    fn global_indexes_tile_all_tables() {
        let mut next = 0;
        for table in ALL_TABLES {
            assert_eq!(table.indexes().start, next);
            for index in table.indexes() {
                assert_eq!(ua_text(index), table.get(index));
            }
            next = table.indexes().end;
        }
        assert_eq!(next, ua_count());
    }
}
