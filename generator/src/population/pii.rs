//! One synthetic customer's PII, derivable from (seed, account id) alone.
//!
//! Each account draws from its own ChaCha8 stream (key from the seed, stream number = the
//! account id), so a record never depends on which other accounts were generated, in what
//! order or on which thread: a lookup at event time and the `accounts` table agree.
//!
//! The data is visibly synthetic and unroutable. Names and street names come from `fake`'s
//! generic lists; emails live only on the reserved example domains (RFC 2606); phone
//! numbers live only in NANP's fictional block 555-0100..555-0199. That block holds just
//! 100 numbers per area code, far fewer than a carrier's customers, so each phone carries
//! an extension: (area code, line, extension) is a keyed bijection of the account id,
//! which keeps every phone unique and makes phone -> account a cheap inverse.
//! Emails, phones and account numbers come from keyed permutations whose even inputs are
//! accounts and odd inputs are "misses" (identifiers on an attacker's list that match no
//! one), so a miss can look exactly like a customer's identifier yet never equal one.

use super::digits::{write_decimal, write_zero_padded};
use std::ops::Range;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::builder::{Date32Builder, Int16Builder, Int64Builder, StringBuilder};
use fake::Fake;
use fake::faker::name::en::{FirstName, LastName};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::address::{Address, draw_address};
use super::hash::{Feistel, below, derive_key, keyed_hash};
use super::ids::IdSpace;

/// One row of the `accounts` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub account_id: i64,
    /// Nine digits, never starting with 0; unique over any 900M consecutive account ids.
    pub account_number: String,
    pub first_name: String,
    pub last_name: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub email: String,
    pub phone: String,
    /// Days since 1970-01-01; the holder is 18 to 90 years old on [`REFERENCE_DAY`].
    pub date_of_birth: i32,
    pub lines: i16,
    pub plan: String,
    /// Days since 1970-01-01, within 2005-01-01 ..= 2025-12-31 and after the 18th birthday.
    pub created: i32,
}

/// 2026-01-01 as days since the epoch: ages are counted on this day.
pub const REFERENCE_DAY: i32 = 20_454;
const CREATED_FIRST_DAY: i32 = 12_784; // 2005-01-01
const CREATED_LAST_DAY: i32 = 20_453; // 2025-12-31

/// The reserved example domains (RFC 2606) with their share of mailboxes.
const EMAIL_DOMAINS: [(&str, u64); 3] = [
    ("example.com", 45),
    ("example.net", 25),
    ("example.org", 30),
];

/// Real US area codes: with the fictional 555-01XX block any of them gives a fictional
/// number. Sorted, so a phone's area code is found by binary search.
const AREA_CODES: [u16; 276] = [
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225,
    228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 276, 281,
    301, 302, 303, 304, 305, 307, 308, 309, 310, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321,
    323, 325, 330, 334, 336, 337, 339, 347, 351, 352, 360, 361, 385, 386, 401, 402, 404, 405, 406,
    407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423, 424, 425, 430, 432, 434, 435, 440, 443,
    469, 470, 475, 478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515,
    516, 517, 518, 520, 530, 540, 541, 551, 559, 561, 562, 563, 567, 570, 571, 573, 574, 575, 580,
    585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616, 617, 618, 619, 620,
    623, 626, 630, 631, 636, 641, 646, 650, 651, 660, 661, 662, 678, 682, 701, 702, 703, 704, 706,
    707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 727, 731, 732, 734, 740, 754, 757,
    760, 763, 765, 770, 772, 773, 774, 775, 781, 785, 786, 801, 802, 803, 804, 805, 806, 808, 810,
    812, 813, 814, 815, 816, 817, 818, 828, 830, 831, 832, 843, 845, 847, 848, 850, 856, 857, 858,
    859, 860, 862, 863, 864, 865, 870, 872, 878, 901, 903, 904, 906, 907, 908, 909, 910, 912, 913,
    914, 915, 916, 917, 918, 919, 920, 925, 928, 931, 936, 937, 940, 941, 947, 949, 951, 952, 954,
    956, 970, 971, 972, 973, 978, 979, 980, 985, 989,
];

const PHONE_LINES: u64 = 100; // 555-0100 ..= 555-0199
const PHONE_EXTENSIONS: u64 = 100_000; // x00000 ..= x99999
/// Account ids (mod this) map to distinct phones; so do misses, into the other half.
pub const PHONE_ID_WINDOW: u64 = AREA_CODES.len() as u64 * PHONE_LINES * PHONE_EXTENSIONS / 2;
/// Account ids (mod this) map to distinct email numbers; so do misses.
pub const EMAIL_ID_WINDOW: u64 = 100_000 * 100_000 / 2;
const ACCOUNT_NUMBER_SIDE: u64 = 30_000; // 30_000^2 = 900M nine-digit numbers
const ACCOUNT_NUMBER_FIRST: u64 = 100_000_000;

const RECORD_PURPOSE: u64 = 0xacc0_0001;
const MISS_NAME_PURPOSE: u64 = 0xacc0_0002;
const EMAIL_NUMBER_PURPOSE: u64 = 0xacc0_0003;
const EMAIL_DOMAIN_PURPOSE: u64 = 0xacc0_0004;
const PHONE_PURPOSE: u64 = 0xacc0_0005;
const ACCOUNT_NUMBER_PURPOSE: u64 = 0xacc0_0006;
const LINES_PURPOSE: u64 = 0xacc0_0007;

/// Lines per account, 1 ..= 8: most accounts hold one to three.
const LINE_WEIGHTS: [u32; 8] = [34, 27, 16, 10, 6, 4, 2, 1];

/// Synthetic plan names (a fictional carrier's, no real carrier's trademarks) and shares.
const PLANS: [(&str, u32); 13] = [
    ("Acme Unlimited", 20),
    ("Acme Unlimited Plus", 14),
    ("Acme Unlimited Max", 6),
    ("Acme Basic 5GB", 8),
    ("Acme Basic Unlimited", 10),
    ("Acme Value 55+", 6),
    ("Acme Family Share", 7),
    ("Acme Connect Prepaid 10GB", 9),
    ("Acme Connect Prepaid Unlimited", 7),
    ("Acme Talk & Text", 3),
    ("Acme Legacy Value", 5),
    ("Acme Heroes Unlimited", 3),
    ("Acme Business Starter", 2),
];

/// Age brackets (first and last year of age) of adult account holders and their shares.
const AGE_BRACKETS: [(i32, i32, u32); 7] = [
    (18, 24, 10),
    (25, 34, 18),
    (35, 44, 18),
    (45, 54, 17),
    (55, 64, 16),
    (65, 74, 13),
    (75, 90, 8),
];

/// The full record of one account. Pure: depends only on `seed` and `account_id`.
pub fn account_record(seed: u64, account_id: i64) -> AccountRecord {
    AccountKeys::new(seed).draw(account_id).to_record()
}

/// What every account of one seed shares, derived once: a batch of records then costs
/// one ChaCha stream and three permutations per account, and no key derivation.
struct AccountKeys {
    record_seed: [u8; 32],
    email: Feistel,
    phone: Feistel,
    account_number: Feistel,
    email_domain_key: u64,
    lines_key: u64,
}

impl AccountKeys {
    fn new(seed: u64) -> Self {
        AccountKeys {
            record_seed: chacha_seed(derive_key(seed, RECORD_PURPOSE)),
            email: email_permutation(seed),
            phone: phone_permutation(seed),
            account_number: account_number_permutation(seed),
            email_domain_key: derive_key(seed, EMAIL_DOMAIN_PURPOSE),
            lines_key: derive_key(seed, LINES_PURPOSE),
        }
    }

    fn draw(&self, account_id: i64) -> AccountDraw {
        let mut rng = ChaCha8Rng::from_seed(self.record_seed);
        rng.set_stream(account_id as u64);
        let (first_name, last_name) = draw_names(&mut rng);
        let address = draw_address(&mut rng);
        let date_of_birth = draw_date_of_birth(&mut rng);
        let plan = PLANS[weighted_index(&PLANS.map(|(_, w)| w), rng.random::<u64>())].0;
        let created = draw_created(&mut rng, date_of_birth);
        AccountDraw {
            account_id,
            account_number: ACCOUNT_NUMBER_FIRST
                + self
                    .account_number
                    .apply(residue(account_id, self.account_number.domain())),
            first_name,
            last_name,
            address,
            email_number: self.email.apply(2 * residue(account_id, EMAIL_ID_WINDOW)),
            email_domain: weighted_domain(keyed_hash(self.email_domain_key, account_id as u64)),
            phone_slot: self.phone.apply(2 * residue(account_id, PHONE_ID_WINDOW)),
            date_of_birth,
            lines: lines_of_hash(keyed_hash(self.lines_key, account_id as u64)) as i16,
            plan,
            created,
        }
    }
}

/// One account as drawn: numbers and words, no text built yet.
struct AccountDraw {
    account_id: i64,
    account_number: u64,
    first_name: &'static str,
    last_name: &'static str,
    address: Address,
    email_number: u64,
    email_domain: &'static str,
    phone_slot: u64,
    date_of_birth: i32,
    lines: i16,
    plan: &'static str,
    created: i32,
}

impl AccountDraw {
    fn to_record(&self) -> AccountRecord {
        let text = |write: &dyn Fn(&mut String) -> std::fmt::Result| {
            let mut out = String::new();
            write(&mut out).expect("writing to a String cannot fail");
            out
        };
        AccountRecord {
            account_id: self.account_id,
            account_number: self.account_number.to_string(),
            first_name: self.first_name.to_owned(),
            last_name: self.last_name.to_owned(),
            street: text(&|s| self.address.write_street(s)),
            city: text(&|s| self.address.write_city(s)),
            state: self.address.state.to_owned(),
            postal_code: text(&|s| self.address.write_postal_code(s)),
            email: text(&|s| self.write_email(s)),
            phone: text(&|s| write_phone(s, self.phone_slot)),
            date_of_birth: self.date_of_birth,
            lines: self.lines,
            plan: self.plan.to_owned(),
            created: self.created,
        }
    }

    fn write_email(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        write_email(
            out,
            self.first_name,
            self.last_name,
            self.email_number,
            self.email_domain,
        )
    }
}

/// The account's email, equal to [`account_record`]'s, at the cost of two name draws.
pub fn email_of(seed: u64, account_id: i64) -> String {
    let (first_name, last_name) = draw_names(&mut account_rng(seed, account_id));
    email_address(seed, account_id, first_name, last_name)
}

/// The account holder's last name, equal to [`account_record`]'s, at the cost of two
/// name draws.
pub fn last_name_of(seed: u64, account_id: i64) -> String {
    draw_names(&mut account_rng(seed, account_id)).1.to_owned()
}

/// The account's phone, equal to [`account_record`]'s: pure arithmetic, no RNG.
pub fn phone_of(seed: u64, account_id: i64) -> String {
    let slot = phone_permutation(seed).apply(2 * residue(account_id, PHONE_ID_WINDOW));
    format_phone(slot)
}

/// Lines on the account (1 ..= 8, mostly 1 ..= 3), equal to [`account_record`]'s:
/// a single keyed hash, cheap enough per request.
pub fn account_lines(seed: u64, account_id: i64) -> i32 {
    lines_of_hash(keyed_hash(
        derive_key(seed, LINES_PURPOSE),
        account_id as u64,
    ))
}

fn lines_of_hash(hash: u64) -> i32 {
    1 + weighted_index(&LINE_WEIGHTS, hash) as i32
}

/// The account's nine-digit number, equal to [`account_record`]'s.
pub fn account_number_of(seed: u64, account_id: i64) -> String {
    let permutation = account_number_permutation(seed);
    let index = residue(account_id, permutation.domain());
    (ACCOUNT_NUMBER_FIRST + permutation.apply(index)).to_string()
}

fn account_number_permutation(seed: u64) -> Feistel {
    Feistel::new(
        derive_key(seed, ACCOUNT_NUMBER_PURPOSE),
        ACCOUNT_NUMBER_SIDE,
        ACCOUNT_NUMBER_SIDE,
    )
}

/// The existing account of `ids` whose phone is `phone`, if any.
/// Exact when `ids.size <= PHONE_ID_WINDOW`; `seed` must be the one given to [`phone_of`].
pub fn account_for_phone(seed: u64, ids: &IdSpace, phone: &str) -> Option<i64> {
    let slot = parse_phone(phone)?;
    let preimage = phone_permutation(seed).invert(slot);
    let account_id = account_in_space(ids, preimage, PHONE_ID_WINDOW)?;
    (phone_of(seed, account_id) == phone).then_some(account_id)
}

/// The existing account of `ids` whose email is `email`, if any.
/// Exact when `ids.size <= EMAIL_ID_WINDOW`; `seed` must be the one given to [`email_of`].
pub fn account_for_email(seed: u64, ids: &IdSpace, email: &str) -> Option<i64> {
    let number = parse_email_number(email)?;
    let preimage = email_permutation(seed).invert(number);
    let account_id = account_in_space(ids, preimage, EMAIL_ID_WINDOW)?;
    (email_of(seed, account_id) == email).then_some(account_id)
}

/// The `n`-th email that belongs to no account: same domains and shape, never a customer's.
pub fn fake_email(seed: u64, n: u64) -> String {
    let mut rng = stream_rng(derive_key(seed, MISS_NAME_PURPOSE), n);
    let (first_name, last_name) = draw_names(&mut rng);
    let number = email_permutation(seed).apply(2 * (n % EMAIL_ID_WINDOW) + 1);
    let domain = email_domain(seed, u64::MAX - n);
    format_email(first_name, last_name, number, domain)
}

/// The `n`-th phone that belongs to no account: same fictional block, never a customer's.
pub fn fake_phone(seed: u64, n: u64) -> String {
    format_phone(phone_permutation(seed).apply(2 * (n % PHONE_ID_WINDOW) + 1))
}

/// The `accounts` table rows of every existing id of `range` (clipped to `ids`), ascending.
pub fn accounts_batch(seed: u64, ids: &IdSpace, range: Range<i64>) -> RecordBatch {
    let keys = AccountKeys::new(seed);
    // A little headroom over the mean, so that the builders rarely grow (each growth
    // copies the column).
    let rows = (ids.expected_in(range.clone()) * 1.01) as usize + 64;
    let mut columns = AccountColumns::with_capacity(rows);
    for account_id in ids.existing_in(range) {
        columns.push(&keys.draw(account_id));
    }
    columns.finish()
}

fn account_rng(seed: u64, account_id: i64) -> ChaCha8Rng {
    stream_rng(derive_key(seed, RECORD_PURPOSE), account_id as u64)
}

fn stream_rng(key: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(chacha_seed(key));
    rng.set_stream(stream);
    rng
}

fn chacha_seed(key: u64) -> [u8; 32] {
    let mut chacha_key = [0u8; 32];
    for (word, chunk) in chacha_key.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&keyed_hash(key, word as u64).to_le_bytes());
    }
    chacha_key
}

fn draw_names(rng: &mut ChaCha8Rng) -> (&'static str, &'static str) {
    (
        FirstName().fake_with_rng(rng),
        LastName().fake_with_rng(rng),
    )
}

fn draw_date_of_birth(rng: &mut ChaCha8Rng) -> i32 {
    let (first_age, last_age, _) =
        AGE_BRACKETS[weighted_index(&AGE_BRACKETS.map(|(_, _, w)| w), rng.random::<u64>())];
    let youngest_days = first_age * 36_525 / 100;
    let oldest_days = (last_age + 1) * 36_525 / 100 - 1;
    REFERENCE_DAY - rng.random_range(youngest_days..=oldest_days)
}

fn draw_created(rng: &mut ChaCha8Rng, date_of_birth: i32) -> i32 {
    let adult_from = date_of_birth + 18 * 36_525 / 100;
    let first = adult_from.clamp(CREATED_FIRST_DAY, CREATED_LAST_DAY);
    rng.random_range(first..=CREATED_LAST_DAY)
}

/// The index whose cumulative weight range holds `hash` scaled to the total weight.
fn weighted_index(weights: &[u32], hash: u64) -> usize {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let mut target = below(hash, total);
    for (index, &weight) in weights.iter().enumerate() {
        if target < u64::from(weight) {
            return index;
        }
        target -= u64::from(weight);
    }
    unreachable!("target is below the total weight")
}

/// `account_id` reduced into `0..window` (ids may be negative).
fn residue(account_id: i64, window: u64) -> u64 {
    account_id.rem_euclid(window as i64) as u64
}

/// The id of `ids` congruent to the account-half preimage `preimage`, if it exists.
fn account_in_space(ids: &IdSpace, preimage: u64, window: u64) -> Option<i64> {
    if preimage % 2 == 1 {
        return None;
    }
    let wanted = preimage / 2;
    let offset = (wanted + window - residue(ids.id_base, window)) % window;
    let account_id = ids.id_base.checked_add(offset as i64)?;
    ids.exists(account_id).then_some(account_id)
}

fn email_permutation(seed: u64) -> Feistel {
    Feistel::new(derive_key(seed, EMAIL_NUMBER_PURPOSE), 100_000, 100_000)
}

fn phone_permutation(seed: u64) -> Feistel {
    Feistel::new(
        derive_key(seed, PHONE_PURPOSE),
        AREA_CODES.len() as u64 * PHONE_LINES,
        PHONE_EXTENSIONS,
    )
}

fn email_address(seed: u64, account_id: i64, first_name: &str, last_name: &str) -> String {
    let number = email_permutation(seed).apply(2 * residue(account_id, EMAIL_ID_WINDOW));
    let domain = email_domain(seed, account_id as u64);
    format_email(first_name, last_name, number, domain)
}

fn email_domain(seed: u64, value: u64) -> &'static str {
    weighted_domain(keyed_hash(derive_key(seed, EMAIL_DOMAIN_PURPOSE), value))
}

fn weighted_domain(hash: u64) -> &'static str {
    EMAIL_DOMAINS[weighted_index(&EMAIL_DOMAINS.map(|(_, w)| w as u32), hash)].0
}

fn format_email(first_name: &str, last_name: &str, number: u64, domain: &str) -> String {
    let mut email = String::with_capacity(first_name.len() + last_name.len() + 32);
    write_email(&mut email, first_name, last_name, number, domain)
        .expect("writing to a String cannot fail");
    email
}

/// `first.last.NNNNNNNNNN@domain`, the names reduced to lowercase ASCII letters and digits.
fn write_email(
    out: &mut impl std::fmt::Write,
    first_name: &str,
    last_name: &str,
    number: u64,
    domain: &str,
) -> std::fmt::Result {
    write_mailbox_word(out, first_name)?;
    out.write_char('.')?;
    write_mailbox_word(out, last_name)?;
    out.write_char('.')?;
    write_zero_padded(out, number, 10)?;
    out.write_char('@')?;
    out.write_str(domain)
}

fn write_mailbox_word(out: &mut impl std::fmt::Write, word: &str) -> std::fmt::Result {
    // Bytes of multi-byte characters are never ASCII alphanumeric, so a byte filter keeps
    // exactly the characters a char filter would; the kept bytes go out a chunk at a time.
    let mut chunk = [0u8; 32];
    let mut len = 0;
    for byte in word.bytes().filter(u8::is_ascii_alphanumeric) {
        chunk[len] = byte.to_ascii_lowercase();
        len += 1;
        if len == chunk.len() {
            out.write_str(ascii(&chunk))?;
            len = 0;
        }
    }
    out.write_str(ascii(&chunk[..len]))
}

fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("ASCII bytes are UTF-8")
}

/// The ten-digit number of an email made by [`format_email`].
fn parse_email_number(email: &str) -> Option<u64> {
    let (mailbox, domain) = email.split_once('@')?;
    EMAIL_DOMAINS.iter().find(|(d, _)| *d == domain)?;
    let (_, digits) = mailbox.rsplit_once('.')?;
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn format_phone(slot: u64) -> String {
    let mut phone = String::with_capacity(24);
    write_phone(&mut phone, slot).expect("writing to a String cannot fail");
    phone
}

/// `+1-AAA-555-01LL xEEEEE` for slot `(area index * 100 + LL) * 100_000 + EEEEE`.
fn write_phone(out: &mut impl std::fmt::Write, slot: u64) -> std::fmt::Result {
    let extension = slot % PHONE_EXTENSIONS;
    let line = slot / PHONE_EXTENSIONS % PHONE_LINES;
    let area_code = AREA_CODES[(slot / PHONE_EXTENSIONS / PHONE_LINES) as usize];
    out.write_str("+1-")?;
    write_decimal(out, u64::from(area_code))?;
    out.write_str("-555-01")?;
    write_zero_padded(out, line, 2)?;
    out.write_str(" x")?;
    write_zero_padded(out, extension, 5)
}

/// The slot of a phone made by [`format_phone`].
fn parse_phone(phone: &str) -> Option<u64> {
    let rest = phone.strip_prefix("+1-")?;
    let (area_code, rest) = rest.split_once("-555-01")?;
    let (line, extension) = rest.split_once(" x")?;
    let area_index = AREA_CODES.binary_search(&area_code.parse().ok()?).ok()? as u64;
    let line: u64 = parse_fixed_digits(line, 2)?;
    let extension: u64 = parse_fixed_digits(extension, 5)?;
    Some((area_index * PHONE_LINES + line) * PHONE_EXTENSIONS + extension)
}

fn parse_fixed_digits(text: &str, digits: usize) -> Option<u64> {
    let all_digits = text.len() == digits && text.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| text.parse().ok()).flatten()
}

/// Column builders of the `accounts` table, in schema order.
struct AccountColumns {
    account_id: Int64Builder,
    account_number: StringBuilder,
    first_name: StringBuilder,
    last_name: StringBuilder,
    street: StringBuilder,
    city: StringBuilder,
    state: StringBuilder,
    postal_code: StringBuilder,
    email: StringBuilder,
    phone: StringBuilder,
    date_of_birth: Date32Builder,
    lines: Int16Builder,
    plan: StringBuilder,
    created: Date32Builder,
}

impl AccountColumns {
    /// Builders with room for `rows` rows of typical lengths.
    fn with_capacity(rows: usize) -> Self {
        let text = |bytes_per_row: usize| StringBuilder::with_capacity(rows, rows * bytes_per_row);
        AccountColumns {
            account_id: Int64Builder::with_capacity(rows),
            account_number: text(9),
            first_name: text(8),
            last_name: text(8),
            street: text(24),
            city: text(14),
            state: text(2),
            postal_code: text(5),
            email: text(44),
            phone: text(22),
            date_of_birth: Date32Builder::with_capacity(rows),
            lines: Int16Builder::with_capacity(rows),
            plan: text(20),
            created: Date32Builder::with_capacity(rows),
        }
    }

    fn push(&mut self, draw: &AccountDraw) {
        self.write(draw)
            .expect("writing to a string column cannot fail");
    }

    fn write(&mut self, d: &AccountDraw) -> std::fmt::Result {
        self.account_id.append_value(d.account_id);
        write_decimal(&mut self.account_number, d.account_number)?;
        self.account_number.append_value("");
        self.first_name.append_value(d.first_name);
        self.last_name.append_value(d.last_name);
        d.address.write_street(&mut self.street)?;
        self.street.append_value("");
        d.address.write_city(&mut self.city)?;
        self.city.append_value("");
        self.state.append_value(d.address.state);
        d.address.write_postal_code(&mut self.postal_code)?;
        self.postal_code.append_value("");
        d.write_email(&mut self.email)?;
        self.email.append_value("");
        write_phone(&mut self.phone, d.phone_slot)?;
        self.phone.append_value("");
        self.date_of_birth.append_value(d.date_of_birth);
        self.lines.append_value(d.lines);
        self.plan.append_value(d.plan);
        self.created.append_value(d.created);
        Ok(())
    }

    fn finish(mut self) -> RecordBatch {
        let schema = Arc::new(breachlab_schema::accounts_schema());
        let columns: Vec<arrow_array::ArrayRef> = vec![
            Arc::new(self.account_id.finish()),
            Arc::new(self.account_number.finish()),
            Arc::new(self.first_name.finish()),
            Arc::new(self.last_name.finish()),
            Arc::new(self.street.finish()),
            Arc::new(self.city.finish()),
            Arc::new(self.state.finish()),
            Arc::new(self.postal_code.finish()),
            Arc::new(self.email.finish()),
            Arc::new(self.phone.finish()),
            Arc::new(self.date_of_birth.finish()),
            Arc::new(self.lines.finish()),
            Arc::new(self.plan.finish()),
            Arc::new(self.created.finish()),
        ];
        RecordBatch::try_new(schema, columns).expect("columns follow accounts_schema")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const SEED: u64 = 20_230_119;

    #[test]
    fn a_record_is_a_pure_function_of_seed_and_id() {
        let alone = account_record(SEED, 123_456);
        for other in 0..50 {
            account_record(SEED, other);
        }
        assert_eq!(account_record(SEED, 123_456), alone);
        let other_seed = account_record(SEED + 1, 123_456);
        assert_ne!(other_seed.email, alone.email);
        assert_ne!(other_seed.phone, alone.phone);
        assert_ne!(other_seed.account_number, alone.account_number);
    }

    #[test]
    fn records_differ_across_seeds() {
        let differing = (0..100)
            .filter(|&id| account_record(1, id).first_name != account_record(2, id).first_name)
            .count();
        assert!(differing > 90, "{differing}");
    }

    #[test]
    fn fields_are_in_range() {
        for id in 0..2_000 {
            let record = account_record(SEED, id);
            let age_days = REFERENCE_DAY - record.date_of_birth;
            assert!((18 * 365..=91 * 366).contains(&age_days), "{record:?}");
            assert!((1..=8).contains(&record.lines));
            assert!((CREATED_FIRST_DAY..=CREATED_LAST_DAY).contains(&record.created));
            assert!(record.created > record.date_of_birth + 17 * 365);
            assert_eq!(record.account_number.len(), 9);
            assert!(!record.account_number.starts_with('0'));
            assert_eq!(record.state.len(), 2);
            assert!(!record.street.is_empty() && !record.city.is_empty());
        }
    }

    #[test]
    fn lines_skew_to_small_accounts() {
        let small = (0..10_000)
            .filter(|&id| account_record(SEED, id).lines <= 3)
            .count();
        assert!((7_200..8_400).contains(&small), "{small}");
    }

    #[test]
    fn emails_are_on_example_domains_and_unique() {
        let mut seen = HashSet::new();
        for id in 0..100_000 {
            let email = email_of(SEED, id);
            let domain = email.rsplit_once('@').unwrap().1;
            assert!(["example.com", "example.net", "example.org"].contains(&domain));
            assert!(seen.insert(email), "duplicate email for {id}");
        }
    }

    #[test]
    fn phones_are_fictional_and_unique() {
        let mut seen = HashSet::new();
        for id in -50_000..50_000 {
            let phone = phone_of(SEED, id);
            assert!(is_fictional_phone(&phone), "{phone}");
            assert!(seen.insert(phone), "duplicate phone for {id}");
        }
    }

    fn is_fictional_phone(phone: &str) -> bool {
        let bytes = phone.as_bytes();
        phone.len() == 22
            && phone.starts_with("+1-")
            && &phone[6..13] == "-555-01"
            && &phone[15..17] == " x"
            && [3, 4, 5, 13, 14, 17, 18, 19, 20, 21]
                .iter()
                .all(|&i| bytes[i].is_ascii_digit())
    }

    #[test]
    fn account_numbers_are_unique() {
        let mut seen = HashSet::new();
        for id in 0..100_000 {
            assert!(seen.insert(account_number_of(SEED, id)));
        }
    }

    #[test]
    fn cheap_helpers_equal_the_record() {
        for id in (0..5_000).map(|i| i * 7_919 - 1_000) {
            let record = account_record(SEED, id);
            assert_eq!(email_of(SEED, id), record.email);
            assert_eq!(phone_of(SEED, id), record.phone);
            assert_eq!(last_name_of(SEED, id), record.last_name);
            assert_eq!(account_number_of(SEED, id), record.account_number);
            assert_eq!(account_lines(SEED, id), i32::from(record.lines));
        }
    }

    #[test]
    fn phones_and_emails_lead_back_to_their_account() {
        let ids = IdSpace::new(SEED, 2_000, 1_000_000_000, 0.4);
        for id in ids.existing_in(ids.id_base..ids.end()) {
            assert_eq!(account_for_phone(SEED, &ids, &phone_of(SEED, id)), Some(id));
            assert_eq!(account_for_email(SEED, &ids, &email_of(SEED, id)), Some(id));
        }
        let missing = (ids.id_base..ids.end())
            .find(|&id| !ids.exists(id))
            .unwrap();
        assert_eq!(
            account_for_phone(SEED, &ids, &phone_of(SEED, missing)),
            None
        );
        assert_eq!(
            account_for_email(SEED, &ids, &email_of(SEED, missing)),
            None
        );
        assert_eq!(account_for_phone(SEED, &ids, "+1-212-555-0142"), None);
        assert_eq!(account_for_email(SEED, &ids, "someone@example.com"), None);
    }

    #[test]
    fn fake_misses_never_equal_an_account_identifier() {
        let accounts = 0..100_000;
        let emails: HashSet<String> = accounts.clone().map(|id| email_of(SEED, id)).collect();
        let phones: HashSet<String> = accounts.map(|id| phone_of(SEED, id)).collect();
        let ids = IdSpace::new(SEED, 100_000, 0, 1.0);
        for n in 0..100_000 {
            let (email, phone) = (fake_email(SEED, n), fake_phone(SEED, n));
            assert!(email.ends_with(".com") || email.ends_with(".net") || email.ends_with(".org"));
            assert!(is_fictional_phone(&phone), "{phone}");
            assert!(!emails.contains(&email), "miss {n} is a customer's email");
            assert!(!phones.contains(&phone), "miss {n} is a customer's phone");
            assert_eq!(account_for_phone(SEED, &ids, &phone), None);
        }
        let misses: HashSet<String> = (0..10_000).map(|n| fake_phone(SEED, n)).collect();
        assert_eq!(misses.len(), 10_000);
    }

    #[test]
    fn batch_holds_every_existing_id_in_order() {
        let ids = IdSpace::new(SEED, 500, 70_000, 0.5);
        let batch = accounts_batch(SEED, &ids, 0..ids.id_base + 600);
        let expected: Vec<i64> = ids.existing_in(0..ids.id_base + 600).collect();
        assert_eq!(batch.num_rows(), expected.len());
        assert_eq!(
            batch.schema().as_ref(),
            &breachlab_schema::accounts_schema()
        );
        let column = batch
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        assert_eq!(column.values().to_vec(), expected);
        let emails = batch
            .column(8)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        assert_eq!(emails.value(3), email_of(SEED, expected[3]));
    }

    /// FNV-1a: tiny, dependency-free and fixed forever, unlike std's hasher.
    fn fnv1a(bytes: &[u8], state: u64) -> u64 {
        bytes.iter().fold(state, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    fn pipe_separated(r: &AccountRecord) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}\n",
            r.account_id,
            r.account_number,
            r.first_name,
            r.last_name,
            r.street,
            r.city,
            r.state,
            r.postal_code,
            r.email,
            r.phone,
            r.date_of_birth,
            r.lines,
            r.plan,
            r.created
        )
    }

    #[test]
    #[ignore = "prints sample records: cargo test -p breachlab-generator print_sample -- --ignored --nocapture"]
    fn print_sample_records() {
        for id in 0..8 {
            print!("{}", pipe_separated(&account_record(7, id * 1_013)));
        }
        println!("{} | {}", fake_email(7, 0), fake_phone(7, 0));
    }

    /// Pins 100 records so that drift in `fake`, `rand`, `rand_chacha` or this module on
    /// any platform fails loudly. If a change is intended (it alters every dataset), run
    /// this test, read the printed digest and paste it into `GOLDEN`.
    #[test]
    fn mailbox_words_keep_lowercased_ascii_letters_and_digits_of_any_length() {
        let cases = [
            ("O'Brien-Smith", "obriensmith"),
            ("Zoë Ångström", "zongstrm"),
            ("", ""),
            (
                "Abcdefghij Klmnopqrst Uvwxyz0123 456789ABCD EFG",
                "abcdefghijklmnopqrstuvwxyz0123456789abcdefg",
            ),
        ];
        for (word, expected) in cases {
            let mut out = String::new();
            write_mailbox_word(&mut out, word).unwrap();
            assert_eq!(out, expected, "{word}");
        }
    }

    #[test]
    fn golden_digest_of_100_records() {
        const GOLDEN: u64 = 0xd9de_0902_f059_ea5f;
        let digest = (0..100).fold(0xcbf2_9ce4_8422_2325, |state, id| {
            fnv1a(
                pipe_separated(&account_record(7, id * 1_013)).as_bytes(),
                state,
            )
        });
        assert_eq!(digest, GOLDEN, "digest is {digest:#018x}");
    }
}
