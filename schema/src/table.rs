//! The four tables as one type, so that a table is named by a value the compiler checks
//! rather than by a string each crate spells again.

use arrow_schema::Schema;
use std::fmt;

/// One of the tables a dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// What a gateway logs: the only table detectors see.
    Events,
    /// Ground-truth labels for every event.
    Truth,
    /// The synthetic customer population.
    Accounts,
    /// One row per attack campaign or benign cohort.
    Campaigns,
}

impl Table {
    /// Every table, in the order the manifest counts them.
    pub const ALL: [Table; 4] = [
        Table::Events,
        Table::Truth,
        Table::Accounts,
        Table::Campaigns,
    ];

    /// The table's name: its folder in the dataset (`campaigns.parquet` for the single
    /// campaigns file), its `table` in the manifest and its key in `row_counts`.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Truth => "truth",
            Table::Accounts => "accounts",
            Table::Campaigns => "campaigns",
        }
    }

    /// The table whose [`name`](Table::name) is `name`.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.name() == name)
    }

    /// The table's Arrow schema.
    pub fn schema(self) -> Schema {
        match self {
            Table::Events => crate::events_schema(),
            Table::Truth => crate::truth_schema(),
            Table::Accounts => crate::accounts_schema(),
            Table::Campaigns => crate::campaigns_schema(),
        }
    }

    /// Whether the table has a column called `column`.
    pub fn has_column(self, column: &str) -> bool {
        self.schema().field_with_name(column).is_ok()
    }

    /// The first of `columns` that the table lacks: for tests that a list of column names
    /// (a reader's projection, a writer's settings) is spelt as the schema spells it.
    pub fn missing_column<'a>(self, columns: &[&'a str]) -> Option<&'a str> {
        let schema = self.schema();
        columns
            .iter()
            .copied()
            .find(|column| schema.field_with_name(column).is_err())
    }
}

impl AsRef<str> for Table {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for table in Table::ALL {
            assert_eq!(Table::from_name(table.name()), Some(table));
        }
        assert_eq!(Table::from_name("campaigns.parquet"), None);
    }

    #[test]
    fn every_named_column_constant_is_a_column_of_its_table() {
        use crate::{accounts as a, campaigns as c, events as e, truth as t};
        let events = [
            e::EVENT_ID,
            e::TS,
            e::CLIENT_IP,
            e::IP_ASN,
            e::IP_KIND,
            e::COUNTRY,
            e::USER_AGENT,
            e::CLIENT_KIND,
            e::API_KEY_ID,
            e::PRINCIPAL_ID,
            e::SESSION_ID,
            e::METHOD,
            e::ROUTE,
            e::PATH,
            e::TARGET_ID,
            e::STATUS,
            e::LATENCY_MS,
            e::RESPONSE_BYTES,
            e::RECORDS_RETURNED,
        ];
        let truth = [
            t::EVENT_ID,
            t::TS,
            t::IS_ATTACK,
            t::CAMPAIGN_ID,
            t::ACTOR_ID,
            t::PHASE,
            t::OWASP_API,
            t::OAT,
            t::ATTACK_TECHNIQUE,
            t::RECORD_EXPOSED,
            t::RECORDS_EXPOSED,
        ];
        let accounts = [
            a::ACCOUNT_ID,
            a::ACCOUNT_NUMBER,
            a::FIRST_NAME,
            a::LAST_NAME,
            a::STREET,
            a::CITY,
            a::STATE,
            a::POSTAL_CODE,
            a::EMAIL,
            a::PHONE,
            a::DATE_OF_BIRTH,
            a::LINES,
            a::PLAN,
            a::CREATED,
        ];
        let campaigns = [
            c::CAMPAIGN_ID,
            c::NAME,
            c::KIND,
            c::TECHNIQUE,
            c::START,
            c::END,
            c::EVENTS,
            c::DISTINCT_IPS,
            c::DISTINCT_API_KEYS,
            c::DISTINCT_PRINCIPALS,
            c::RECORDS_TARGETED,
            c::RECORDS_EXPOSED,
            c::OWASP_API,
            c::OAT,
            c::ATTACK_TECHNIQUE,
            c::NAIVE,
        ];
        for (table, columns) in [
            (Table::Events, &events[..]),
            (Table::Truth, &truth[..]),
            (Table::Accounts, &accounts[..]),
            (Table::Campaigns, &campaigns[..]),
        ] {
            assert_eq!(table.missing_column(columns), None, "{table}");
            assert_eq!(table.schema().fields().len(), columns.len(), "{table}");
        }
    }
}
