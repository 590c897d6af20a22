//! `breachlab replay`: sends a dataset's events as HTTP requests, in time order, paced by
//! their timestamps (`speed`) and/or a request rate (`max_rate`).

use crate::events::{self, EventRequest, REQUEST_COLUMNS};
use crate::{EVENT_HEADER, PRINCIPAL_HEADER, ReplayError};
use breachlab_dataset::Dataset;
use breachlab_schema::Table;
use reqwest::header::{AUTHORIZATION, HOST, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Client, Method, Url};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How to replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// `http://HOST:PORT`.
    pub target: String,
    /// Dataset seconds per wall-clock second (3600: an hour a second); `None`: not paced
    /// by the timestamps.
    pub speed: Option<f64>,
    /// At most this many requests started per second.
    pub max_rate: Option<f64>,
    /// Only the first N events.
    pub limit: Option<u64>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The `Host` header sent (default: the target's host and port).
    pub host_header: Option<String>,
    /// Rows per batch read from the dataset.
    pub batch_rows: usize,
}

/// Lateness of requests against their schedule, in a log2 histogram of microseconds.
#[derive(Debug, Clone)]
pub struct Lag {
    buckets: [u64; 64],
    max_us: u64,
}

impl Default for Lag {
    fn default() -> Self {
        Lag {
            buckets: [0; 64],
            max_us: 0,
        }
    }
}

impl Lag {
    fn add(&mut self, us: u64) {
        self.buckets[(64 - us.leading_zeros()) as usize % 64] += 1;
        self.max_us = self.max_us.max(us);
    }

    /// An upper bound of the `q` quantile (within a factor of 2), in seconds.
    pub fn quantile_s(&self, q: f64) -> f64 {
        let total: u64 = self.buckets.iter().sum();
        if total == 0 {
            return 0.0;
        }
        let want = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= want {
                let upper = if bucket == 0 { 0 } else { (1u64 << bucket) - 1 };
                return upper.min(self.max_us) as f64 / 1e6;
            }
        }
        self.max_us as f64 / 1e6
    }

    pub fn max_s(&self) -> f64 {
        self.max_us as f64 / 1e6
    }
}

/// What a replay did.
#[derive(Debug, Clone, Default)]
pub struct ReplaySummary {
    /// Requests started.
    pub sent: u64,
    /// Requests that got an HTTP response (any status).
    pub answered: u64,
    /// Requests that got none (connection error, timeout).
    pub failed: u64,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Response body bytes received, all responses together.
    pub bytes_received: u64,
    /// The first transport error, if any.
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// How late requests started against their schedule (wall clock).
    pub lag: Lag,
    /// Dataset time covered: last sent event's `ts` minus the first's, in seconds.
    pub dataset_span_s: f64,
    /// Stopped early by the stop flag.
    pub interrupted: bool,
}

impl ReplaySummary {
    pub fn requests_per_s(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.sent as f64 / s } else { 0.0 }
    }
}

#[derive(Default)]
struct Tally {
    answered: u64,
    failed: u64,
    statuses: BTreeMap<u16, u64>,
    bytes: u64,
    first_error: Option<String>,
}

/// Checks the target: an `http://HOST:PORT` URL with no path, query or credentials.
pub fn parse_target(target: &str) -> Result<Url, ReplayError> {
    let bad = |message: &str| ReplayError::setting("target", target, message.to_string());
    let url = Url::parse(target).map_err(|e| {
        ReplayError::setting(
            "target",
            target,
            format!("not a URL ({e}): give http://HOST:PORT, e.g. http://127.0.0.1:8080"),
        )
    })?;
    if url.scheme() != "http" {
        return Err(bad(
            "only http:// is supported (replay speaks plain HTTP/1.1; put TLS in the gateway under test, not between replay and it)",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host: give http://HOST:PORT"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "must have no path or query: each event's own path is appended (give http://HOST:PORT)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials: give http://HOST:PORT"));
    }
    Ok(url)
}

/// Checks the pacing settings.
pub fn check_options(options: &ReplayOptions) -> Result<(), ReplayError> {
    if let Some(speed) = options.speed
        && !(speed.is_finite() && speed > 0.0)
    {
        return Err(ReplayError::setting(
            "speed",
            speed.to_string(),
            "must be a positive number of dataset seconds per second (3600: an hour a second)",
        ));
    }
    if let Some(rate) = options.max_rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(ReplayError::setting(
            "max_rate",
            rate.to_string(),
            "must be a positive number of requests per second",
        ));
    }
    if options.concurrency == 0 || options.concurrency > 65_536 {
        return Err(ReplayError::setting(
            "concurrency",
            options.concurrency.to_string(),
            "must be between 1 and 65536",
        ));
    }
    if options.timeout.is_zero() {
        return Err(ReplayError::setting("timeout", "0", "must be positive"));
    }
    if let Some(host) = &options.host_header
        && HeaderValue::from_str(host).is_err()
    {
        return Err(ReplayError::setting(
            "host_header",
            host.clone(),
            "is not a valid header value",
        ));
    }
    Ok(())
}

/// The request headers of one event.
pub fn request_headers(
    event: &EventRequest,
    host: Option<&HeaderValue>,
) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::with_capacity(6);
    let value = |name: &str, text: &str| {
        HeaderValue::from_str(text).map_err(|_| {
            format!(
                "event {}: its {name} `{text}` is not a valid header value",
                event.event_id
            )
        })
    };
    headers.insert(USER_AGENT, value("user_agent", &event.user_agent)?);
    headers.insert(
        HeaderName::from_static("x-forwarded-for"),
        value("client_ip", &event.client_ip)?,
    );
    headers.insert(
        HeaderName::from_static(EVENT_HEADER),
        HeaderValue::from(event.event_id),
    );
    if let Some(auth) = event.authorization() {
        headers.insert(AUTHORIZATION, value("api_key_id", &auth)?);
    }
    if let Some(principal) = event.principal_id {
        headers.insert(
            HeaderName::from_static(PRINCIPAL_HEADER),
            HeaderValue::from(principal),
        );
    }
    if let Some(host) = host {
        headers.insert(HOST, host.clone());
    }
    Ok(headers)
}

/// Replays `dataset` to `options.target`. Reads the events batch by batch on a thread of
/// its own (a few batches ahead at most), so memory stays bounded at any dataset size.
/// `stop` set: no new requests; in-flight ones finish and the summary says interrupted.
pub fn replay(
    dataset: &Dataset,
    options: &ReplayOptions,
    stop: Arc<AtomicBool>,
) -> Result<ReplaySummary, ReplayError> {
    let base = parse_target(&options.target)?;
    check_options(options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ReplayError::Io(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run(dataset, options, base, stop))
}

async fn probe(base: &Url, target: &str) -> Result<(), ReplayError> {
    let host = base
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let port = base.port_or_known_default().unwrap_or(80);
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(ReplayError::setting(
            "target",
            target,
            format!(
                "cannot connect: {e}: start the server first (the origin, `breachlab origin`, or the gateway in front of it)"
            ),
        )),
        Err(_) => Err(ReplayError::setting(
            "target",
            target,
            "no answer to a connection within 5 s: check the host and port, and that the server is up",
        )),
    }
}

async fn run(
    dataset: &Dataset,
    options: &ReplayOptions,
    base: Url,
    stop: Arc<AtomicBool>,
) -> Result<ReplaySummary, ReplayError> {
    probe(&base, &options.target).await?;
    let client = Client::builder()
        .no_proxy()
        .timeout(options.timeout)
        .pool_max_idle_per_host(options.concurrency)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| ReplayError::Io(format!("cannot build the HTTP client: {e}")))?;
    let host = options
        .host_header
        .as_deref()
        .map(HeaderValue::from_str)
        .transpose()
        .map_err(|_| ReplayError::setting("host_header", "", "is not a valid header value"))?;

    // The reader thread: batches of requests, a few ahead.
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<Result<Vec<EventRequest>, ReplayError>>(4);
    let reader_dataset = dataset.clone();
    let limit = options.limit.unwrap_or(u64::MAX);
    let batch_rows = options.batch_rows.max(1);
    let reader = std::thread::spawn(move || {
        let mut left = limit;
        for batch in reader_dataset.batches(Table::Events, REQUEST_COLUMNS, batch_rows) {
            if left == 0 {
                break;
            }
            let requests = batch
                .map_err(ReplayError::from)
                .and_then(|b| events::requests(&b, &reader_dataset.root));
            let requests = requests.map(|mut r| {
                r.truncate(left.min(r.len() as u64) as usize);
                left -= r.len() as u64;
                r
            });
            let failed = requests.is_err();
            if sender.blocking_send(requests).is_err() || failed {
                break;
            }
        }
    });

    let tally = Arc::new(Mutex::new(Tally::default()));
    let permits = Arc::new(Semaphore::new(options.concurrency));
    let mut summary = ReplaySummary::default();
    let start = Instant::now();
    let mut first_ts: Option<i64> = None;
    let mut last_ts = 0i64;
    let mut previous_due = 0.0f64;
    let gap = options.max_rate.map(|r| 1.0 / r).unwrap_or(0.0);
    let mut failure = None;
    'batches: while let Some(batch) = receiver.recv().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        for event in batch {
            if stop.load(Ordering::Relaxed) {
                summary.interrupted = true;
                break 'batches;
            }
            let ts0 = *first_ts.get_or_insert(event.ts_us);
            last_ts = event.ts_us;
            let mut due = match options.speed {
                Some(speed) => (event.ts_us - ts0) as f64 / 1e6 / speed,
                None => 0.0,
            };
            if summary.sent > 0 {
                due = due.max(previous_due + gap);
            }
            previous_due = due;
            // Sleep to the schedule in steps, so a stop request is seen within 100 ms.
            loop {
                let now = start.elapsed().as_secs_f64();
                if now >= due {
                    break;
                }
                if stop.load(Ordering::Relaxed) {
                    summary.interrupted = true;
                    break 'batches;
                }
                tokio::time::sleep(Duration::from_secs_f64((due - now).min(0.1))).await;
            }
            let permit = Arc::clone(&permits)
                .acquire_owned()
                .await
                .map_err(|e| ReplayError::Io(format!("request slots closed: {e}")))?;
            let late = (start.elapsed().as_secs_f64() - due).max(0.0);
            summary.lag.add((late * 1e6) as u64);
            summary.sent += 1;
            let tally = Arc::clone(&tally);
            let prepared = prepare(&client, &base, &event, host.as_ref());
            tokio::spawn(async move {
                let outcome = match prepared {
                    Ok(request) => request.send().await.map_err(|e| describe(&e)),
                    Err(e) => Err(e),
                };
                // Read the whole body, as a client would, so the connection is reused.
                let outcome = match outcome {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        response
                            .bytes()
                            .await
                            .map(|body| (status, body.len() as u64))
                            .map_err(|e| describe(&e))
                    }
                    Err(e) => Err(e),
                };
                if let Ok(mut t) = tally.lock() {
                    match outcome {
                        Ok((status, bytes)) => {
                            t.answered += 1;
                            t.bytes += bytes;
                            *t.statuses.entry(status).or_default() += 1;
                        }
                        Err(e) => {
                            t.failed += 1;
                            t.first_error.get_or_insert(e);
                        }
                    }
                }
                drop(permit);
            });
        }
    }
    drop(receiver);
    // Wait for every request in flight.
    let _all = permits
        .acquire_many(options.concurrency as u32)
        .await
        .map_err(|e| ReplayError::Io(format!("request slots closed: {e}")))?;
    summary.elapsed = start.elapsed();
    let _ = reader.join();
    if let Some(e) = failure {
        return Err(e);
    }
    summary.dataset_span_s = first_ts.map(|t| (last_ts - t) as f64 / 1e6).unwrap_or(0.0);
    let tally = std::mem::take(
        &mut *tally
            .lock()
            .map_err(|_| ReplayError::Io("a request task panicked".into()))?,
    );
    summary.answered = tally.answered;
    summary.failed = tally.failed;
    summary.statuses = tally.statuses;
    summary.bytes_received = tally.bytes;
    summary.first_error = tally.first_error;
    Ok(summary)
}

fn prepare(
    client: &Client,
    base: &Url,
    event: &EventRequest,
    host: Option<&HeaderValue>,
) -> Result<reqwest::RequestBuilder, String> {
    let method = Method::from_bytes(event.method.as_bytes()).map_err(|_| {
        format!(
            "event {}: method `{}` is not an HTTP method",
            event.event_id, event.method
        )
    })?;
    let url = base.join(&event.path).map_err(|e| {
        format!(
            "event {}: path `{}` does not make a URL: {e}",
            event.event_id, event.path
        )
    })?;
    let headers = request_headers(event, host)?;
    Ok(client.request(method, url).headers(headers))
}

/// A transport error with its causes, e.g. "error sending request: connection refused".
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ReplayOptions {
        ReplayOptions {
            target: "http://127.0.0.1:1".into(),
            speed: None,
            max_rate: None,
            limit: None,
            concurrency: 4,
            timeout: Duration::from_secs(1),
            host_header: None,
            batch_rows: 1000,
        }
    }

    #[test]
    fn targets_are_checked() {
        assert!(parse_target("http://127.0.0.1:8080").is_ok());
        assert!(parse_target("http://localhost:8080/").is_ok());
        for (bad, why) in [
            ("127.0.0.1:8080", "give http://HOST:PORT"),
            ("https://127.0.0.1:8443", "only http://"),
            ("http://127.0.0.1:8080/api", "no path"),
            ("http://u:p@127.0.0.1:8080", "credentials"),
            ("not a url", "not a URL"),
        ] {
            let error = parse_target(bad).unwrap_err().to_string();
            assert!(error.starts_with("target "), "{error}");
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn pacing_flags_are_checked() {
        assert!(check_options(&options()).is_ok());
        let error = check_options(&ReplayOptions {
            speed: Some(0.0),
            ..options()
        })
        .unwrap_err();
        assert!(error.to_string().starts_with("speed 0"), "{error}");
        let error = check_options(&ReplayOptions {
            max_rate: Some(-1.0),
            ..options()
        })
        .unwrap_err();
        assert!(error.to_string().starts_with("max_rate -1"), "{error}");
        let error = check_options(&ReplayOptions {
            concurrency: 0,
            ..options()
        })
        .unwrap_err();
        assert!(error.to_string().starts_with("concurrency 0"), "{error}");
    }

    #[test]
    fn headers_carry_the_event() {
        let mut event = EventRequest {
            event_id: 42,
            ts_us: 0,
            client_ip: "10.1.2.3".into(),
            user_agent: "okhttp/4.9".into(),
            api_key_id: Some("key-7".into()),
            principal_id: Some(99),
            method: "GET".into(),
            path: "/v1/accounts/5".into(),
        };
        let headers = request_headers(&event, None).unwrap();
        assert_eq!(headers["x-breachlab-event"], "42");
        assert_eq!(headers["x-forwarded-for"], "10.1.2.3");
        assert_eq!(headers["user-agent"], "okhttp/4.9");
        assert_eq!(headers["authorization"], "Bearer key-7");
        assert_eq!(headers["x-breachlab-principal"], "99");
        event.api_key_id = None;
        assert_eq!(
            request_headers(&event, None).unwrap()["authorization"],
            "Bearer principal-99"
        );
        event.principal_id = None;
        let headers =
            request_headers(&event, Some(&HeaderValue::from_static("api.example.com"))).unwrap();
        assert!(headers.get("authorization").is_none());
        assert_eq!(headers["host"], "api.example.com");
        event.user_agent = "bad\nagent".into();
        let error = request_headers(&event, None).unwrap_err();
        assert!(error.contains("event 42: its user_agent"), "{error}");
    }

    #[test]
    fn lag_quantiles_bound_the_values() {
        let mut lag = Lag::default();
        for us in [0, 10, 100, 1000, 100_000] {
            lag.add(us);
        }
        assert_eq!(lag.max_s(), 0.1);
        assert!(lag.quantile_s(0.5) >= 100e-6 && lag.quantile_s(0.5) < 200e-6);
        assert_eq!(lag.quantile_s(1.0), 0.1);
    }
}
