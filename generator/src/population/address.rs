//! A synthetic billing address, drawn as parts and written straight into any text sink.
//!
//! The words come from `fake`'s generic English lists (first and last names, street and
//! city suffixes, city prefixes, state abbreviations), picked through the account's own
//! seeded stream. `fake`'s own `StreetName` and `CityName` fill templates with string
//! replacement, which cost more than the rest of an account together; composing the same
//! shapes here keeps the lists and drops the replacing.

use fake::Fake;
use fake::faker::address::en::{CityPrefix, CitySuffix, StateAbbr, StreetSuffix};
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use std::fmt::{self, Write};

/// The parts of one billing address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// House number, 3 to 5 digits without a leading zero.
    pub building: u32,
    pub street_name: &'static str,
    pub street_suffix: &'static str,
    /// Present on one city in five ("North Smithton").
    pub city_prefix: Option<&'static str>,
    pub city_name: &'static str,
    pub city_suffix: &'static str,
    pub state: &'static str,
    /// A five-digit ZIP code, 00501 ..= 99950.
    pub postal_code: u32,
}

/// Draws an address from `rng`.
pub fn draw_address(rng: &mut impl RngExt) -> Address {
    let digits = rng.random_range(3..=5u32);
    let building = rng.random_range(10u32.pow(digits - 1)..10u32.pow(digits));
    let street_name = first_or_last_name(rng);
    let street_suffix = StreetSuffix().fake_with_rng(rng);
    let city_prefix = (rng.random_range(0..5u8) == 0).then(|| CityPrefix().fake_with_rng(rng));
    let city_name = first_or_last_name(rng);
    let city_suffix = CitySuffix().fake_with_rng(rng);
    let state = StateAbbr().fake_with_rng(rng);
    let postal_code = rng.random_range(501..=99_950);
    Address {
        building,
        street_name,
        street_suffix,
        city_prefix,
        city_name,
        city_suffix,
        state,
        postal_code,
    }
}

fn first_or_last_name(rng: &mut impl RngExt) -> &'static str {
    if rng.random::<bool>() {
        FirstName().fake_with_rng(rng)
    } else {
        LastName().fake_with_rng(rng)
    }
}

impl Address {
    /// `1234 Smith Avenue`
    pub fn write_street(&self, out: &mut impl Write) -> fmt::Result {
        super::digits::write_decimal(out, u64::from(self.building))?;
        out.write_char(' ')?;
        out.write_str(self.street_name)?;
        out.write_char(' ')?;
        out.write_str(self.street_suffix)
    }

    /// `North Smithton` or `Smithton`
    pub fn write_city(&self, out: &mut impl Write) -> fmt::Result {
        if let Some(prefix) = self.city_prefix {
            out.write_str(prefix)?;
            out.write_char(' ')?;
        }
        out.write_str(self.city_name)?;
        out.write_str(self.city_suffix)
    }

    /// `04210`
    pub fn write_postal_code(&self, out: &mut impl Write) -> fmt::Result {
        super::digits::write_zero_padded(out, u64::from(self.postal_code), 5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn addresses(n: usize) -> Vec<Address> {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        (0..n).map(|_| draw_address(&mut rng)).collect()
    }

    fn text(write: impl FnOnce(&mut String) -> fmt::Result) -> String {
        let mut out = String::new();
        write(&mut out).expect("writing to a String cannot fail");
        out
    }

    #[test]
    fn streets_are_a_number_a_name_and_a_suffix() {
        for a in addresses(500) {
            let street = text(|s| a.write_street(s));
            let words: Vec<&str> = street.split(' ').collect();
            assert!(words.len() >= 3, "{street}");
            let number = words[0];
            assert!((3..=5).contains(&number.len()), "{street}");
            assert!(!number.starts_with('0'), "{street}");
            assert!(number.bytes().all(|b| b.is_ascii_digit()), "{street}");
        }
    }

    #[test]
    fn about_one_city_in_five_has_a_prefix() {
        let all = addresses(5_000);
        let prefixed = all.iter().filter(|a| a.city_prefix.is_some()).count();
        assert!((800..1_200).contains(&prefixed), "{prefixed}");
        for a in all.iter().take(200) {
            let city = text(|s| a.write_city(s));
            assert_eq!(city.contains(' '), a.city_prefix.is_some(), "{city}");
            assert!(city.ends_with(a.city_suffix), "{city}");
        }
    }

    #[test]
    fn postal_codes_are_five_digits_and_states_two_letters() {
        for a in addresses(2_000) {
            let zip = text(|s| a.write_postal_code(s));
            assert_eq!(zip.len(), 5, "{zip}");
            assert!(zip.bytes().all(|b| b.is_ascii_digit()), "{zip}");
            assert!(zip.as_str() >= "00501" && zip.as_str() <= "99950", "{zip}");
            assert_eq!(a.state.len(), 2);
            assert!(
                a.state.bytes().all(|b| b.is_ascii_uppercase()),
                "{}",
                a.state
            );
        }
    }

    #[test]
    fn the_lists_give_variety() {
        let all = addresses(2_000);
        let streets: std::collections::HashSet<_> = all.iter().map(|a| a.street_name).collect();
        let suffixes: std::collections::HashSet<_> = all.iter().map(|a| a.street_suffix).collect();
        let states: std::collections::HashSet<_> = all.iter().map(|a| a.state).collect();
        assert!(streets.len() > 300, "{}", streets.len());
        assert!(suffixes.len() > 50, "{}", suffixes.len());
        assert!(states.len() > 40, "{}", states.len());
    }
}
