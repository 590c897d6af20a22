//! One generated request, as a compact row of numbers.
//!
//! Sources emit [`Event`]s; strings (addresses, paths, user agents, labels) are rendered
//! only when a slice becomes Arrow arrays, so generation allocates nothing per request.

use breachlab_schema::{ClientKind, IpKind, Method, Phase};

/// An API route. The method and template are fixed per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Login,
    Token,
    PasswordReset,
    Signup,
    Account,
    Lines,
    Plan,
    Billing,
    Usage,
    AccountsBatch,
    Lookup,
    ContactsMatch,
    Search,
    Directory,
    Health,
}

impl Route {
    pub const ALL: &'static [Route] = &[
        Route::Login,
        Route::Token,
        Route::PasswordReset,
        Route::Signup,
        Route::Account,
        Route::Lines,
        Route::Plan,
        Route::Billing,
        Route::Usage,
        Route::AccountsBatch,
        Route::Lookup,
        Route::ContactsMatch,
        Route::Search,
        Route::Directory,
        Route::Health,
    ];

    /// The route template as a gateway logs it.
    pub const fn template(self) -> &'static str {
        match self {
            Route::Login => "/v1/auth/login",
            Route::Token => "/v1/auth/token",
            Route::PasswordReset => "/v1/auth/password-reset",
            Route::Signup => "/v1/accounts",
            Route::Account => "/v1/accounts/{id}",
            Route::Lines => "/v1/accounts/{id}/lines",
            Route::Plan => "/v1/accounts/{id}/plan",
            Route::Billing => "/v1/accounts/{id}/billing",
            Route::Usage => "/v1/accounts/{id}/usage",
            Route::AccountsBatch => "/v1/accounts/batch",
            Route::Lookup => "/v1/customers/lookup",
            Route::ContactsMatch => "/v1/contacts/match",
            Route::Search => "/v1/customers/search",
            Route::Directory => "/v1/directory",
            Route::Health => "/health",
        }
    }

    /// The template split around `{id}`: the part before, and the part after if the
    /// route addresses one object.
    pub const fn template_parts(self) -> (&'static str, Option<&'static str>) {
        match self {
            Route::Account => ("/v1/accounts/", Some("")),
            Route::Lines => ("/v1/accounts/", Some("/lines")),
            Route::Plan => ("/v1/accounts/", Some("/plan")),
            Route::Billing => ("/v1/accounts/", Some("/billing")),
            Route::Usage => ("/v1/accounts/", Some("/usage")),
            other => (other.template(), None),
        }
    }

    pub const fn method(self) -> Method {
        match self {
            Route::Login
            | Route::Token
            | Route::PasswordReset
            | Route::Signup
            | Route::ContactsMatch => Method::Post,
            _ => Method::Get,
        }
    }

    /// Median latency in ms (30-150 ms per endpoint; estimate within the sourced range).
    pub const fn median_latency_ms(self) -> f64 {
        match self {
            Route::Login => 140.0,
            Route::Token => 45.0,
            Route::PasswordReset => 120.0,
            Route::Signup => 150.0,
            Route::Account => 55.0,
            Route::Lines => 70.0,
            Route::Plan => 60.0,
            Route::Billing => 95.0,
            Route::Usage => 110.0,
            Route::AccountsBatch => 130.0,
            Route::Lookup => 65.0,
            Route::ContactsMatch => 150.0,
            Route::Search => 120.0,
            Route::Directory => 90.0,
            Route::Health => 30.0,
        }
    }

    /// Bytes of one record in a response body (JSON of one object).
    pub const fn bytes_per_record(self) -> f64 {
        match self {
            Route::Account | Route::AccountsBatch | Route::Search | Route::Directory => 780.0,
            Route::Lines => 310.0,
            Route::Plan => 520.0,
            Route::Billing => 640.0,
            Route::Usage => 180.0,
            Route::Lookup | Route::ContactsMatch => 240.0,
            _ => 0.0,
        }
    }
}

/// An identifier in a lookup: a customer's, or one from outside the population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ident {
    Account(i64),
    Miss(u64),
}

/// The concrete part of the path beyond the route template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    None,
    /// `?page=P&size=S`
    Page {
        page: u32,
        size: u16,
    },
    /// `?email=...`
    Email(Ident),
    /// `?phone=...`
    Phone(Ident),
    /// `?ids=a,a+stride,...` (`count` ids)
    Ids {
        first: i64,
        stride: i64,
        count: u16,
    },
    /// Identifiers sent in the body (a contact upload): `count` of them.
    Batch {
        count: u16,
    },
    /// `?q=TERM&page=P&size=S`; a term of `*` is a wildcard.
    Search {
        term: SearchTerm,
        page: u32,
        size: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTerm {
    /// The last name of this account.
    NameOf(i64),
    Wildcard,
}

/// Ground truth of one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    /// Index into the plan's campaign table (attacks and cohorts), if any.
    pub campaign: Option<u16>,
    pub is_attack: bool,
    pub actor_id: i64,
    pub phase: Phase,
    /// Accounts whose records this response handed out for the first time in its
    /// campaign, to someone not entitled to them.
    pub records_exposed: i32,
}

impl Truth {
    pub const fn benign(actor_id: i64) -> Truth {
        Truth {
            campaign: None,
            is_attack: false,
            actor_id,
            phase: Phase::None,
            records_exposed: 0,
        }
    }
}

/// The network end of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub ip: u32,
    pub asn: i32,
    pub kind: IpKind,
    pub country: u8,
}

/// One request and its labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub ts_us: i64,
    /// Breaks timestamp ties deterministically: (source, sequence within the source).
    pub tie: u64,
    pub peer: Peer,
    /// Global user-agent index.
    pub user_agent: u16,
    pub client_kind: ClientKind,
    pub api_key: ApiKey,
    pub principal_id: Option<i64>,
    pub session_id: Option<i64>,
    pub route: Route,
    pub target_id: Option<i64>,
    pub query: Query,
    pub status: i16,
    pub latency_ms: f32,
    pub response_bytes: i32,
    pub records_returned: i32,
    pub truth: Truth,
}

impl Event {
    /// A request for `route` at `ts_us`, not answered yet, from a client that calls with
    /// its API key alone (no principal, no session): no target or query, status 200 with
    /// nothing returned, for the source to fill in.
    pub fn unanswered(
        ts_us: i64,
        peer: Peer,
        user_agent: u16,
        client_kind: ClientKind,
        api_key: ApiKey,
        route: Route,
        truth: Truth,
    ) -> Event {
        Event {
            ts_us,
            tie: 0,
            peer,
            user_agent,
            client_kind,
            api_key,
            principal_id: None,
            session_id: None,
            route,
            target_id: None,
            query: Query::None,
            status: 200,
            latency_ms: 0.0,
            response_bytes: 0,
            records_returned: 0,
            truth,
        }
    }
}

/// An API key, rendered as text only when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKey {
    None,
    MobileApp,
    WebPortal,
    Sdk(u16),
    Partner(u16),
    Monitor,
}

impl ApiKey {
    /// The key an app or web client sends: the mobile app's, or the web portal's (which
    /// is in the page for anyone to copy) for any other kind.
    pub fn of_client(kind: ClientKind) -> ApiKey {
        if kind == ClientKind::App {
            ApiKey::MobileApp
        } else {
            ApiKey::WebPortal
        }
    }

    /// A number for each key, distinct between keys; `None` for [`ApiKey::None`].
    pub fn code(self) -> Option<u64> {
        let numbered = |kind: u64, n: u16| (kind << 16) | u64::from(n);
        match self {
            ApiKey::None => None,
            ApiKey::MobileApp => Some(numbered(1, 0)),
            ApiKey::WebPortal => Some(numbered(2, 0)),
            ApiKey::Sdk(n) => Some(numbered(3, n)),
            ApiKey::Partner(n) => Some(numbered(4, n)),
            ApiKey::Monitor => Some(numbered(5, 0)),
        }
    }

    /// Appends the key's id to `out`; `false` for [`ApiKey::None`].
    pub fn write(self, out: &mut impl std::fmt::Write) -> bool {
        let _ = match self {
            ApiKey::None => return false,
            ApiKey::MobileApp => out.write_str("key_app_mobile_7f3a"),
            ApiKey::WebPortal => out.write_str("key_web_portal_19c2"),
            ApiKey::Sdk(n) => write!(out, "key_sdk_{n:04}"),
            ApiKey::Partner(n) => write!(out, "key_partner_{n:04}"),
            ApiKey::Monitor => out.write_str("key_synthetic_monitor"),
        };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_codes_tell_keys_apart_as_their_text_does() {
        let keys = [
            ApiKey::None,
            ApiKey::MobileApp,
            ApiKey::WebPortal,
            ApiKey::Sdk(0),
            ApiKey::Sdk(7),
            ApiKey::Sdk(u16::MAX),
            ApiKey::Partner(0),
            ApiKey::Partner(7),
            ApiKey::Monitor,
        ];
        for a in keys {
            let mut text_a = String::new();
            assert_eq!(a.write(&mut text_a), a.code().is_some(), "{a:?}");
            for b in keys {
                let mut text_b = String::new();
                b.write(&mut text_b);
                assert_eq!(a.code() == b.code(), text_a == text_b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn template_parts_rebuild_every_template() {
        for route in Route::ALL {
            let rebuilt = match route.template_parts() {
                (head, Some(tail)) => format!("{head}{{id}}{tail}"),
                (whole, None) => whole.to_string(),
            };
            assert_eq!(rebuilt, route.template(), "{route:?}");
        }
    }
}
