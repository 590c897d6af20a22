//! What each column means, for the card's composition section. The schema crate names the
//! columns and types; the meanings are written here once, next to the card that prints
//! them. A column without an entry prints as "see the schema" rather than failing, so a
//! new column never breaks the card (a test checks every column has one).

use breachlab_schema::Table;

/// What a table holds, in one sentence.
pub fn table_meaning(table: Table) -> &'static str {
    match table {
        Table::Events => "what an API gateway logs, one row per request, sorted by `ts`; no labels",
        Table::Truth => {
            "the ground-truth label of every event, joined on `event_id` (same files, same order)"
        }
        Table::Accounts => "the synthetic customer population the API serves",
        Table::Campaigns => {
            "one row per planted attack campaign or benign look-alike cohort, with its totals"
        }
    }
}

/// What `column` of `table` means, when written down.
pub fn column_meaning(table: Table, column: &str) -> Option<&'static str> {
    let meanings: &[(&str, &str)] = match table {
        Table::Events => EVENTS,
        Table::Truth => TRUTH,
        Table::Accounts => ACCOUNTS,
        Table::Campaigns => CAMPAIGNS,
    };
    meanings
        .iter()
        .find(|(name, _)| *name == column)
        .map(|(_, meaning)| *meaning)
}

const EVENTS: &[(&str, &str)] = &[
    (
        "event_id",
        "unique, increasing with `ts`; the key `truth` joins on",
    ),
    ("ts", "request time, UTC, microseconds"),
    (
        "client_ip",
        "client address, from reserved and private IPv4 space",
    ),
    (
        "ip_asn",
        "the address's autonomous system, from the private-use range 64512-65534",
    ),
    (
        "ip_kind",
        "residential, mobile_carrier, cloud, corporate or proxy",
    ),
    ("country", "ISO 3166 country code of the address"),
    ("user_agent", "the User-Agent header"),
    ("client_kind", "app, web, partner, monitor or sdk"),
    ("api_key_id", "the API key sent, if any"),
    ("principal_id", "the authenticated account, if any"),
    ("session_id", "the client session, if any"),
    ("method", "HTTP method"),
    ("route", "the route template, e.g. `/v1/accounts/{id}`"),
    ("path", "the concrete request path"),
    (
        "target_id",
        "the account or record the request names, if any",
    ),
    ("status", "HTTP status code"),
    ("latency_ms", "time to respond, milliseconds"),
    ("response_bytes", "size of the response body"),
    ("records_returned", "customer records in the response"),
];

const TRUTH: &[(&str, &str)] = &[
    ("event_id", "the event labelled"),
    (
        "ts",
        "the event's time (so the table can be read and sorted alone)",
    ),
    ("is_attack", "whether an attack campaign sent the event"),
    (
        "campaign_id",
        "the campaign or benign cohort that sent it (`campaigns.campaign_id`); null for ordinary traffic",
    ),
    (
        "actor_id",
        "the actor (a customer, a script, an attacker) that sent it",
    ),
    (
        "phase",
        "login, probe, exfiltrate, or none for benign traffic",
    ),
    (
        "owasp_api",
        "OWASP API Security Top 10 label of the campaign",
    ),
    ("oat", "OWASP Automated Threat label of the campaign"),
    ("attack_technique", "MITRE ATT&CK technique of the campaign"),
    (
        "record_exposed",
        "whether this response exposed at least one account for the first time within its campaign",
    ),
    (
        "records_exposed",
        "accounts first exposed by this response within its campaign; its sum over a campaign counts distinct accounts",
    ),
];

const ACCOUNTS: &[(&str, &str)] = &[
    (
        "account_id",
        "the account's id, the value `target_id` and `principal_id` take",
    ),
    ("account_number", "synthetic account number"),
    ("first_name", "synthetic first name"),
    ("last_name", "synthetic last name"),
    ("billing_street", "synthetic street address"),
    ("billing_city", "synthetic city"),
    ("billing_state", "synthetic state or region"),
    ("billing_postal_code", "synthetic postal code"),
    (
        "email",
        "synthetic email on example.com, example.net or example.org",
    ),
    (
        "phone",
        "synthetic phone in the fictional 555-0100..0199 block, with an extension",
    ),
    ("date_of_birth", "synthetic date of birth"),
    ("lines", "lines on the account"),
    ("plan", "the account's plan"),
    ("created_date", "when the account was opened"),
];

const CAMPAIGNS: &[(&str, &str)] = &[
    ("campaign_id", "the id `truth.campaign_id` refers to"),
    ("name", "the campaign's or cohort's name in the scenario"),
    ("kind", "attack, or benign for a look-alike cohort"),
    ("technique", "the scenario's technique or look-alike"),
    ("start", "first moment of activity, UTC"),
    ("end", "last moment of activity, UTC"),
    ("events", "events it sent"),
    ("distinct_ips", "distinct client addresses it used"),
    ("distinct_api_keys", "distinct API keys it used"),
    (
        "distinct_principals",
        "distinct authenticated accounts it used",
    ),
    ("records_targeted", "records its requests asked for"),
    ("records_exposed", "distinct accounts it exposed"),
    ("owasp_api", "OWASP API Security Top 10 label"),
    ("oat", "OWASP Automated Threat label"),
    ("attack_technique", "MITRE ATT&CK technique"),
    (
        "naive",
        "a deliberately unsophisticated campaign that one field may give away",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_of_every_table_has_a_meaning() {
        for table in Table::ALL {
            for field in table.schema().fields() {
                assert!(
                    column_meaning(table, field.name()).is_some(),
                    "{}.{} has no meaning in card/columns.rs",
                    table.name(),
                    field.name()
                );
            }
        }
    }

    #[test]
    fn no_meaning_is_written_for_a_column_that_does_not_exist() {
        for (table, meanings) in [
            (Table::Events, EVENTS),
            (Table::Truth, TRUTH),
            (Table::Accounts, ACCOUNTS),
            (Table::Campaigns, CAMPAIGNS),
        ] {
            for (column, _) in meanings {
                assert!(table.has_column(column), "{}.{column}", table.name());
            }
        }
    }
}
