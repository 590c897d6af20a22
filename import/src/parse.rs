//! One log line to a [`Record`]: the `events` columns a format carries, `None` for what
//! it lacks (docs/import.md lists them per format). A line that cannot be read gives the
//! reason, which the import reports with the line's number.

use serde_json::Value;

/// A log format `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// nginx/Apache combined, optionally followed by `name="value"` or `name=value`
    /// fields (breachlab's `combined-ext`: `principal`, `api_key`, `event_id`).
    Combined,
    /// JSON lines with the `events` column names (breachlab's `jsonl`).
    Jsonl,
    /// Elastic Common Schema documents.
    Ecs,
    /// OCSF HTTP Activity events.
    Ocsf,
}

impl LogFormat {
    pub const ALL: [LogFormat; 4] = [
        LogFormat::Combined,
        LogFormat::Jsonl,
        LogFormat::Ecs,
        LogFormat::Ocsf,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Combined => "combined",
            LogFormat::Jsonl => "jsonl",
            LogFormat::Ecs => "ecs",
            LogFormat::Ocsf => "ocsf",
        }
    }

    pub fn parse_name(text: &str) -> Option<LogFormat> {
        LogFormat::ALL.into_iter().find(|f| f.name() == text)
    }

    /// One line to a record, or why it is bad.
    pub fn parse_line(self, line: &str) -> Result<Record, String> {
        match self {
            LogFormat::Combined => combined(line),
            LogFormat::Jsonl => json_line(line).and_then(|v| jsonl(&v)),
            LogFormat::Ecs => json_line(line).and_then(|v| ecs(&v)),
            LogFormat::Ocsf => json_line(line).and_then(|v| ocsf(&v)),
        }
    }
}

/// One request as read from a log, before routes, pseudonyms and event ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub ts_us: i64,
    pub event_id: Option<i64>,
    pub client_ip: String,
    pub ip_asn: Option<i32>,
    pub ip_kind: Option<String>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
    pub client_kind: Option<String>,
    pub api_key_id: Option<String>,
    /// As the log writes it; made a number (or a keyed hash) when written.
    pub principal: Option<String>,
    pub session_id: Option<i64>,
    pub method: String,
    /// The request target: path and query.
    pub path: String,
    pub status: i16,
    pub latency_ms: Option<f32>,
    pub response_bytes: Option<i32>,
    pub records_returned: Option<i32>,
}

// ---- combined ----------------------------------------------------------------------

/// A cursor over an access-log line.
struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Fields<'a> {
    fn token(&mut self, what: &str) -> Result<&'a str, String> {
        let rest = self.rest.trim_start_matches(' ');
        let end = rest.find(' ').unwrap_or(rest.len());
        if end == 0 {
            return Err(format!("the line ends before {what}"));
        }
        self.rest = &rest[end..];
        Ok(&rest[..end])
    }

    fn enclosed(&mut self, open: char, close: char, what: &str) -> Result<String, String> {
        let rest = self.rest.trim_start_matches(' ');
        let Some(body) = rest.strip_prefix(open) else {
            return Err(format!("{what} should start with `{open}`"));
        };
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == close {
                self.rest = &body[i + c.len_utf8()..];
                return Ok(unescape(&value));
            }
            if c == '\\'
                && let Some((_, next)) = chars.next()
            {
                // Apache escapes `"` and `\` with a backslash; nginx's `\xHH` is kept
                // for `unescape` (a backslash becomes `\x5C` so it is undone once).
                match next {
                    '"' => value.push('"'),
                    '\\' => value.push_str("\\x5C"),
                    other => {
                        value.push('\\');
                        value.push(other);
                    }
                }
                continue;
            }
            value.push(c);
        }
        Err(format!("{what} has no closing `{close}`"))
    }
}

/// Undoes nginx's `\xHH` escapes (bytes put back, then read as UTF-8, lossily).
fn unescape(text: &str) -> String {
    if !text.contains("\\x") {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(byte) = text
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn dash_none(value: String) -> Option<String> {
    (value != "-" && !value.is_empty()).then_some(value)
}

fn combined(line: &str) -> Result<Record, String> {
    let mut f = Fields { rest: line };
    let client_ip = f.token("the client address")?.to_string();
    f.token("the ident field")?;
    let user = f.token("the user field")?;
    let time = f.enclosed('[', ']', "the time")?;
    let ts_us = clf_time(&time)?;
    let request = f.enclosed('"', '"', "the request")?;
    let mut parts = request.split(' ');
    let method = parts.next().filter(|m| !m.is_empty());
    let target = parts.next();
    let (Some(method), Some(target)) = (method, target) else {
        return Err(format!(
            "the request `{request}` is not `METHOD TARGET PROTOCOL`"
        ));
    };
    let status = f.token("the status")?;
    let status: i16 = status
        .parse()
        .map_err(|_| format!("the status `{status}` is not a number"))?;
    let bytes = f.token("the bytes sent")?;
    let response_bytes = match bytes {
        "-" => Some(0),
        b => Some(
            b.parse()
                .map_err(|_| format!("the bytes sent `{b}` is not a number"))?,
        ),
    };
    f.enclosed('"', '"', "the referer")?;
    let user_agent = dash_none(f.enclosed('"', '"', "the user agent")?);
    let mut record = Record {
        ts_us,
        client_ip,
        user_agent,
        method: method.to_string(),
        path: target.to_string(),
        status,
        response_bytes,
        // Basic auth's user is the only principal plain combined carries.
        principal: (user != "-").then(|| user.to_string()),
        ..Record::default()
    };
    named_fields(&mut f, &mut record)?;
    Ok(record)
}

/// The `name="value"` and `name=value` fields after the combined part; those it knows
/// (`principal`, `api_key`, `event_id`) are read, others skipped.
fn named_fields(f: &mut Fields, record: &mut Record) -> Result<(), String> {
    loop {
        let rest = f.rest.trim_start_matches(' ');
        if rest.is_empty() {
            return Ok(());
        }
        let Some(eq) = rest.find('=').filter(|&i| !rest[..i].contains(' ')) else {
            // A trailing quoted field without a name (nginx's `main` adds one): skipped.
            if rest.starts_with('"') {
                f.enclosed('"', '"', "a trailing field")?;
                continue;
            }
            return Err(format!("unexpected text after the user agent: `{rest}`"));
        };
        let name = &rest[..eq];
        f.rest = &rest[eq + 1..];
        let value = if f.rest.starts_with('"') {
            f.enclosed('"', '"', name)?
        } else {
            f.token(name)?.to_string()
        };
        match name {
            "principal" => record.principal = dash_none(value),
            "api_key" => record.api_key_id = dash_none(value),
            "event_id" if value != "-" => {
                record.event_id = Some(
                    value
                        .parse()
                        .map_err(|_| format!("event_id `{value}` is not an integer"))?,
                );
            }
            _ => {}
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `01/Mar/2026:12:34:56 +0000` to epoch microseconds.
fn clf_time(text: &str) -> Result<i64, String> {
    let bad = || format!("the time `{text}` is not `DD/Mon/YYYY:HH:MM:SS +ZZZZ`");
    let (clock, zone) = text.split_once(' ').ok_or_else(bad)?;
    let mut parts = clock.splitn(4, ':');
    let date = parts.next().ok_or_else(bad)?;
    let mut d = date.split('/');
    let day: u32 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let month = d
        .next()
        .and_then(|m| MONTHS.iter().position(|&n| n == m))
        .ok_or_else(bad)? as u32
        + 1;
    let year: i64 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let mut hms = [0u32; 3];
    for slot in &mut hms {
        *slot = parts.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    }
    let offset = zone_offset_s(zone).ok_or_else(bad)?;
    to_epoch_us(year, month, day, hms, 0, offset).ok_or_else(bad)
}

/// `+0130` or `-05:00` to seconds east of UTC.
fn zone_offset_s(zone: &str) -> Option<i64> {
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn to_epoch_us(
    year: i64,
    month: u32,
    day: u32,
    [h, m, s]: [u32; 3],
    micros: i64,
    offset_s: i64,
) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let seconds =
        days_from_civil(year, month, day) * 86_400 + i64::from(h * 3600 + m * 60 + s) - offset_s;
    seconds.checked_mul(1_000_000)?.checked_add(micros)
}

/// RFC 3339: `2026-03-01T12:34:56.000789Z` or with an offset, up to microseconds (finer
/// digits are cut).
pub fn rfc3339_us(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let zone_at = time.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = time.split_at(zone_at);
    let offset = if zone.eq_ignore_ascii_case("z") {
        0
    } else {
        zone_offset_s(zone)?
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.splitn(3, ':');
    let mut values = [0u32; 3];
    for slot in &mut values {
        *slot = parts.next()?.parse().ok()?;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut micros = 0i64;
    for (i, b) in fraction.bytes().take(6).enumerate() {
        micros += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
    }
    to_epoch_us(year, month, day, values, micros, offset)
}

// ---- JSON formats ------------------------------------------------------------------

fn json_line(line: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if !value.is_object() {
        return Err("not a JSON object".into());
    }
    Ok(value)
}

/// The value at a dotted path (`http.request.method`), `None` when absent or null.
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(v, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn text(v: &Value, path: &str) -> Option<String> {
    at(v, path).and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An integer, written as a number or a decimal string (ECS and OCSF ids).
fn int(v: &Value, path: &str) -> Result<Option<i64>, String> {
    match at(v, path) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("`{path}` is not an integer")),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| format!("`{path}` is not an integer")),
        Some(_) => Err(format!("`{path}` is not an integer")),
    }
}

fn narrow<T: TryFrom<i64>>(value: Option<i64>, path: &str) -> Result<Option<T>, String> {
    value
        .map(|x| T::try_from(x).map_err(|_| format!("`{path}` is out of range")))
        .transpose()
}

fn float(v: &Value, path: &str) -> Option<f64> {
    at(v, path).and_then(Value::as_f64)
}

fn required<T>(value: Option<T>, path: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("no `{path}`"))
}

fn timestamp(v: &Value, path: &str) -> Result<i64, String> {
    let t = required(text(v, path), path)?;
    rfc3339_us(&t).ok_or_else(|| format!("`{path}` `{t}` is not an RFC 3339 time"))
}

fn jsonl(v: &Value) -> Result<Record, String> {
    Ok(Record {
        ts_us: timestamp(v, "ts")?,
        event_id: int(v, "event_id")?,
        client_ip: required(text(v, "client_ip"), "client_ip")?,
        ip_asn: narrow(int(v, "ip_asn")?, "ip_asn")?,
        ip_kind: text(v, "ip_kind"),
        country: text(v, "country"),
        user_agent: text(v, "user_agent"),
        client_kind: text(v, "client_kind"),
        api_key_id: text(v, "api_key_id"),
        principal: text(v, "principal_id"),
        session_id: int(v, "session_id")?,
        method: required(text(v, "method"), "method")?,
        path: required(text(v, "path"), "path")?,
        status: required(narrow(int(v, "status")?, "status")?, "status")?,
        latency_ms: float(v, "latency_ms").map(|x| x as f32),
        response_bytes: narrow(int(v, "response_bytes")?, "response_bytes")?,
        records_returned: narrow(int(v, "records_returned")?, "records_returned")?,
    })
}

/// `path` and `query` joined back into a request target.
fn target(path: Option<String>, query: Option<String>) -> Option<String> {
    path.map(|p| match query {
        Some(q) => format!("{p}?{q}"),
        None => p,
    })
}

fn ecs(v: &Value) -> Result<Record, String> {
    let path =
        text(v, "url.original").or_else(|| target(text(v, "url.path"), text(v, "url.query")));
    let latency =
        float(v, "breachlab.latency_ms").or_else(|| float(v, "event.duration").map(|ns| ns / 1e6));
    Ok(Record {
        ts_us: timestamp(v, "@timestamp")?,
        event_id: match int(v, "breachlab.event_id")? {
            Some(id) => Some(id),
            None => int(v, "event.id").ok().flatten(),
        },
        client_ip: required(
            text(v, "source.ip").or_else(|| text(v, "source.address")),
            "source.ip",
        )?,
        ip_asn: narrow(int(v, "source.as.number")?, "source.as.number")?,
        ip_kind: text(v, "breachlab.ip_kind"),
        country: text(v, "source.geo.country_iso_code"),
        user_agent: text(v, "user_agent.original"),
        client_kind: text(v, "breachlab.client_kind"),
        api_key_id: text(v, "breachlab.api_key_id"),
        principal: text(v, "user.id").or_else(|| text(v, "user.name")),
        session_id: int(v, "breachlab.session_id")?,
        method: required(text(v, "http.request.method"), "http.request.method")?,
        path: required(path, "url.original")?,
        status: required(
            narrow(
                int(v, "http.response.status_code")?,
                "http.response.status_code",
            )?,
            "http.response.status_code",
        )?,
        latency_ms: latency.map(|x| x as f32),
        response_bytes: narrow(
            int(v, "http.response.body.bytes")?,
            "http.response.body.bytes",
        )?,
        records_returned: narrow(
            int(v, "breachlab.records_returned")?,
            "breachlab.records_returned",
        )?,
    })
}

fn ocsf(v: &Value) -> Result<Record, String> {
    let ms = required(int(v, "time")?, "time")?;
    let extra = "unmapped.breachlab";
    let field = |name: &str| format!("{extra}.{name}");
    let latency = float(v, &field("latency_ms"))
        .or_else(|| float(v, "http_response.latency"))
        .or_else(|| float(v, "duration"));
    let status = match int(v, "http_response.code")? {
        Some(code) => Some(code),
        None => int(v, "status_code")?,
    };
    Ok(Record {
        ts_us: ms
            .checked_mul(1000)
            .ok_or_else(|| "`time` is out of range".to_string())?,
        event_id: match int(v, &field("event_id"))? {
            Some(id) => Some(id),
            None => int(v, "metadata.uid").ok().flatten(),
        },
        client_ip: required(text(v, "src_endpoint.ip"), "src_endpoint.ip")?,
        ip_asn: narrow(
            int(v, "src_endpoint.autonomous_system.number")?,
            "src_endpoint.autonomous_system.number",
        )?,
        ip_kind: text(v, &field("ip_kind")),
        country: text(v, "src_endpoint.location.country"),
        user_agent: text(v, "http_request.user_agent"),
        client_kind: text(v, &field("client_kind")),
        api_key_id: text(v, "actor.user.credential_uid"),
        principal: text(v, "actor.user.uid"),
        session_id: int(v, "actor.session.uid")?,
        method: required(
            text(v, "http_request.http_method"),
            "http_request.http_method",
        )?,
        path: required(
            target(
                text(v, "http_request.url.path"),
                text(v, "http_request.url.query_string"),
            ),
            "http_request.url.path",
        )?,
        status: required(narrow(status, "http_response.code")?, "http_response.code")?,
        latency_ms: latency.map(|x| x as f32),
        response_bytes: narrow(int(v, "http_response.length")?, "http_response.length")?,
        records_returned: narrow(int(v, &field("records_returned"))?, "records_returned")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-03-01T12:34:56Z: 20513 days after the epoch.
    const T: i64 = (20_513 * 86_400 + 12 * 3600 + 34 * 60 + 56) * 1_000_000;

    #[test]
    fn times() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 3, 1), 20_513);
        assert_eq!(clf_time("01/Mar/2026:12:34:56 +0000"), Ok(T));
        assert_eq!(clf_time("01/Mar/2026:13:34:56 +0100"), Ok(T));
        assert!(clf_time("01/Mxr/2026:12:34:56 +0000").is_err());
        assert_eq!(rfc3339_us("2026-03-01T12:34:56.000789Z"), Some(T + 789));
        assert_eq!(rfc3339_us("2026-03-01T07:34:56.5-05:00"), Some(T + 500_000));
        assert_eq!(rfc3339_us("2026-03-01"), None);
    }

    #[test]
    fn nginx_default_combined() {
        let r = LogFormat::Combined
            .parse_line(r#"203.0.113.7 - - [01/Mar/2026:12:34:56 +0000] "GET /v1/accounts/1001?x=1 HTTP/1.1" 200 512 "-" "curl/8.5 \x22q\x22""#)
            .unwrap();
        assert_eq!(r.ts_us, T);
        assert_eq!(r.client_ip, "203.0.113.7");
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("GET", "/v1/accounts/1001?x=1")
        );
        assert_eq!((r.status, r.response_bytes), (200, Some(512)));
        assert_eq!(r.user_agent.as_deref(), Some("curl/8.5 \"q\""));
        assert_eq!((r.principal, r.event_id, r.latency_ms), (None, None, None));
    }

    #[test]
    fn combined_ext_and_apache_escapes() {
        let r = LogFormat::Combined
            .parse_line(r#"10.1.2.3 - bob [01/Mar/2026:12:34:56 +0000] "POST /a HTTP/1.1" 404 - "-" "say \"hi\"" principal="-" api_key="key-17" event_id=99"#)
            .unwrap();
        assert_eq!(r.user_agent.as_deref(), Some("say \"hi\""));
        assert_eq!(
            r.principal, None,
            "principal=\"-\" overrides nothing with nothing"
        );
        assert_eq!(r.api_key_id.as_deref(), Some("key-17"));
        assert_eq!((r.event_id, r.response_bytes), (Some(99), Some(0)));
    }

    #[test]
    fn bad_lines_say_why() {
        let f = LogFormat::Combined;
        assert!(f.parse_line("").unwrap_err().contains("client address"));
        assert!(
            f.parse_line("1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"")
                .unwrap_err()
                .contains("time")
        );
        assert!(
            f.parse_line(
                r#"1.2.3.4 - - [01/Mar/2026:12:34:56 +0000] "GET / HTTP/1.1" OK 1 "-" "-""#
            )
            .unwrap_err()
            .contains("status")
        );
        assert!(
            LogFormat::Jsonl
                .parse_line("{")
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(
            LogFormat::Jsonl
                .parse_line(r#"{"ts":"2026-03-01T00:00:00Z"}"#)
                .unwrap_err()
                .contains("client_ip")
        );
    }

    #[test]
    fn ocsf_minimal() {
        let r = LogFormat::Ocsf
            .parse_line(r#"{"time":1772368496000,"src_endpoint":{"ip":"1.2.3.4"},"http_request":{"http_method":"GET","url":{"path":"/a","query_string":"b=1"}},"http_response":{"code":403,"length":7}}"#)
            .unwrap();
        assert_eq!(r.ts_us, T);
        assert_eq!(r.path, "/a?b=1");
        assert_eq!(
            (r.status, r.response_bytes, r.user_agent),
            (403, Some(7), None)
        );
    }
}
