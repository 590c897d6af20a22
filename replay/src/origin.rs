//! `breachlab origin`: answers each replayed request with the response the dataset
//! recorded for it (status, body size, latency), looked up by its `X-Breachlab-Event`.

use crate::events::{self, RESPONSE_COLUMNS, Recorded};
use crate::{EVENT_HEADER, ReplayError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use breachlab_dataset::Dataset;
use breachlab_schema::Table;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
pub use tokio::sync::Notify;

/// The path of the origin's own counters (JSON); every other path is a replayed request.
pub const STATS_PATH: &str = "/__breachlab/stats";

/// Every event's recorded response, by event id (sorted, for binary search): 18 bytes an
/// event, so 10M events take 180 MB.
#[derive(Debug, Default)]
pub struct OriginIndex {
    ids: Vec<i64>,
    recorded: Vec<Recorded>,
}

impl OriginIndex {
    /// Reads the `event_id`, `status`, `response_bytes` and `latency_ms` columns of every
    /// event, batch by batch.
    pub fn load(dataset: &Dataset) -> Result<OriginIndex, ReplayError> {
        let mut ids = Vec::new();
        let mut recorded = Vec::new();
        for batch in dataset.batches(Table::Events, RESPONSE_COLUMNS, 1 << 16) {
            events::responses(&batch?, &dataset.root, &mut ids, &mut recorded)?;
        }
        OriginIndex::from_parts(ids, recorded).map_err(|message| ReplayError::Data {
            path: dataset.root.join(Table::Events.name()),
            message,
        })
    }

    /// An index of these events (sorted here when they are not already).
    pub fn from_parts(ids: Vec<i64>, recorded: Vec<Recorded>) -> Result<OriginIndex, String> {
        let (ids, recorded) = if ids.windows(2).all(|w| w[0] < w[1]) {
            (ids, recorded)
        } else {
            let mut pairs: Vec<(i64, Recorded)> = ids.into_iter().zip(recorded).collect();
            pairs.sort_unstable_by_key(|p| p.0);
            if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(format!(
                    "event_id {} appears twice: the dataset is damaged (check it with `breachlab verify`)",
                    w[0].0
                ));
            }
            pairs.into_iter().unzip()
        };
        Ok(OriginIndex { ids, recorded })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The position and recorded response of `event_id`.
    pub fn get(&self, event_id: i64) -> Option<(usize, Recorded)> {
        let at = self.ids.binary_search(&event_id).ok()?;
        Some((at, self.recorded[at]))
    }
}

/// How the origin answers.
#[derive(Debug, Clone)]
pub struct OriginOptions {
    /// Recorded latency is multiplied by this before the origin sleeps it (0: answer at once).
    pub latency_scale: f64,
}

/// The longest the origin waits before one answer, whatever the scale: an hour. A
/// latency scaled past it (or past what a `Duration` holds) waits this long instead.
pub const MAX_ANSWER_DELAY: Duration = Duration::from_secs(3600);

impl OriginOptions {
    /// How long to wait before answering a request recorded with `latency_ms`: the scaled
    /// latency, at most [`MAX_ANSWER_DELAY`]; zero for a zero, negative or NaN scale.
    pub fn answer_delay(&self, latency_ms: f32) -> Duration {
        let seconds = f64::from(latency_ms) * self.latency_scale / 1000.0;
        if seconds.is_nan() || seconds <= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(seconds)
            .unwrap_or(MAX_ANSWER_DELAY)
            .min(MAX_ANSWER_DELAY)
    }
}

/// Counters of a running origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginStats {
    /// Requests answered, known or not.
    pub requests: u64,
    /// Distinct event ids seen.
    pub distinct: u64,
    /// Requests for an event id seen before.
    pub repeated: u64,
    /// Requests without the event header, or with an id not in the dataset (answered 404).
    pub unknown: u64,
}

/// The server's state: the index, which events were seen, the counters.
pub struct Origin {
    index: OriginIndex,
    seen: Vec<AtomicU64>,
    requests: AtomicU64,
    distinct: AtomicU64,
    repeated: AtomicU64,
    unknown: AtomicU64,
    body: Bytes,
    options: OriginOptions,
    source: PathBuf,
}

impl Origin {
    pub fn new(index: OriginIndex, options: OriginOptions, source: PathBuf) -> Origin {
        let largest = index.recorded.iter().map(|r| r.bytes).max().unwrap_or(0);
        let seen = (0..index.len().div_ceil(64))
            .map(|_| AtomicU64::new(0))
            .collect();
        Origin {
            index,
            seen,
            requests: AtomicU64::new(0),
            distinct: AtomicU64::new(0),
            repeated: AtomicU64::new(0),
            unknown: AtomicU64::new(0),
            body: Bytes::from(vec![b'x'; largest as usize]),
            options,
            source,
        }
    }

    pub fn index(&self) -> &OriginIndex {
        &self.index
    }

    pub fn stats(&self) -> OriginStats {
        OriginStats {
            requests: self.requests.load(Ordering::Relaxed),
            distinct: self.distinct.load(Ordering::Relaxed),
            repeated: self.repeated.load(Ordering::Relaxed),
            unknown: self.unknown.load(Ordering::Relaxed),
        }
    }

    /// The event ids seen so far, ascending.
    pub fn seen_ids(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for (word_at, word) in self.seen.iter().enumerate() {
            let mut bits = word.load(Ordering::Relaxed);
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                out.push(self.index.ids[word_at * 64 + bit]);
                bits &= bits - 1;
            }
        }
        out
    }

    fn mark_seen(&self, at: usize) {
        let bit = 1u64 << (at % 64);
        let before = self.seen[at / 64].fetch_or(bit, Ordering::Relaxed);
        if before & bit == 0 {
            self.distinct.fetch_add(1, Ordering::Relaxed);
        } else {
            self.repeated.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn answer(&self, method: &Method, headers: &HeaderMap) -> Response {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let Some(value) = headers.get(EVENT_HEADER) else {
            return self.unknown(
                "no X-Breachlab-Event header: this origin answers requests sent by `breachlab replay` (directly or through a gateway that keeps the header)\n"
                    .to_string(),
            );
        };
        let text = value.to_str().unwrap_or("");
        let Ok(event_id) = text.trim().parse::<i64>() else {
            return self.unknown(format!(
                "X-Breachlab-Event `{}` is not an event id (an integer)\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        };
        let Some((at, recorded)) = self.index.get(event_id) else {
            return self.unknown(format!(
                "event id {event_id} is not in the dataset {}: replay the same dataset this origin serves\n",
                self.source.display()
            ));
        };
        self.mark_seen(at);
        let delay = self.options.answer_delay(recorded.latency_ms);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let status =
            StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // No body where HTTP forbids one (1xx, 204, 304) or for HEAD.
        let bodyless = status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
            || method == Method::HEAD;
        let body = if bodyless {
            Body::empty()
        } else {
            Body::from(self.body.slice(..recorded.bytes as usize))
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        response
    }

    fn unknown(&self, body: String) -> Response {
        self.unknown.fetch_add(1, Ordering::Relaxed);
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response.headers_mut().insert(
            "x-breachlab-origin",
            HeaderValue::from_static("unknown-event"),
        );
        response
    }

    fn stats_json(&self) -> String {
        let s = self.stats();
        format!(
            "{{\"events\":{},\"requests\":{},\"distinct\":{},\"repeated\":{},\"unknown\":{}}}\n",
            self.index.len(),
            s.requests,
            s.distinct,
            s.repeated,
            s.unknown
        )
    }
}

async fn handle(State(origin): State<Arc<Origin>>, method: Method, headers: HeaderMap) -> Response {
    origin.answer(&method, &headers).await
}

async fn stats(State(origin): State<Arc<Origin>>) -> Response {
    let mut response = Response::new(Body::from(origin.stats_json()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The origin's router: [`STATS_PATH`] for the counters, every other request answered
/// from the dataset.
pub fn router(origin: Arc<Origin>) -> Router {
    Router::new()
        .route(STATS_PATH, get(stats))
        .fallback(handle)
        .with_state(origin)
}

/// Binds `listen`, calls `ready` with the bound address, serves until `stop` is notified,
/// then lets in-flight requests finish. Runs its own tokio runtime.
pub fn run(
    origin: Arc<Origin>,
    listen: &str,
    stop: Arc<Notify>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ReplayError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ReplayError::Io(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            ReplayError::setting(
                "listen",
                listen,
                format!("cannot listen there: {e} (give a free HOST:PORT, e.g. 127.0.0.1:0 for any free port)"),
            )
        })?;
        let address = listener
            .local_addr()
            .map_err(|e| ReplayError::Io(format!("cannot read the bound address: {e}")))?;
        ready(address);
        axum::serve(listener, router(origin))
            .with_graceful_shutdown(async move { stop.notified().await })
            .await
            .map_err(|e| ReplayError::Io(format!("the origin server stopped: {e}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(status: u16, bytes: u32) -> Recorded {
        Recorded {
            status,
            bytes,
            latency_ms: 0.0,
        }
    }

    #[test]
    fn answer_delays_are_scaled_and_capped_never_a_panic() {
        let delay = |scale: f64, ms: f32| {
            OriginOptions {
                latency_scale: scale,
            }
            .answer_delay(ms)
        };
        assert_eq!(delay(1.0, 250.0), Duration::from_millis(250));
        assert_eq!(delay(2.0, 250.0), Duration::from_millis(500));
        assert_eq!(delay(0.0, 250.0), Duration::ZERO);
        assert_eq!(delay(f64::NAN, 250.0), Duration::ZERO);
        assert_eq!(delay(1e30, 250.0), MAX_ANSWER_DELAY);
        assert_eq!(delay(f64::INFINITY, 1.0), MAX_ANSWER_DELAY);
        assert_eq!(delay(1e6, f32::MAX), MAX_ANSWER_DELAY);
    }

    #[test]
    fn index_sorts_and_finds_and_refuses_duplicates() {
        let index = OriginIndex::from_parts(
            vec![30, 10, 20],
            vec![rec(404, 3), rec(200, 1), rec(500, 2)],
        )
        .unwrap();
        assert_eq!(index.get(10).unwrap().1, rec(200, 1));
        assert_eq!(index.get(30).unwrap(), (2, rec(404, 3)));
        assert!(index.get(15).is_none());
        let error = OriginIndex::from_parts(vec![2, 1, 2], vec![rec(200, 0); 3]).unwrap_err();
        assert!(error.contains("event_id 2 appears twice"), "{error}");
    }

    #[tokio::test]
    async fn answers_recorded_response_and_counts_seen() {
        let index = OriginIndex::from_parts(
            (0..100).collect(),
            (0..100)
                .map(|i| rec(if i % 2 == 0 { 200 } else { 404 }, i as u32 * 10))
                .collect(),
        )
        .unwrap();
        let origin = Origin::new(
            index,
            OriginOptions { latency_scale: 0.0 },
            PathBuf::from("d"),
        );
        let mut headers = HeaderMap::new();
        headers.insert(EVENT_HEADER, HeaderValue::from_static("7"));
        let response = origin.answer(&Method::GET, &headers).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(body.len(), 70);
        headers.insert(EVENT_HEADER, HeaderValue::from_static("70"));
        let response = origin.answer(&Method::GET, &headers).await;
        assert_eq!(response.status(), StatusCode::OK);
        origin.answer(&Method::GET, &headers).await;
        headers.insert(EVENT_HEADER, HeaderValue::from_static("100"));
        let response = origin.answer(&Method::GET, &headers).await;
        assert_eq!(response.headers()["x-breachlab-origin"], "unknown-event");
        let response = origin.answer(&Method::GET, &HeaderMap::new()).await;
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("no X-Breachlab-Event header"));
        assert_eq!(origin.seen_ids(), vec![7, 70]);
        assert_eq!(
            origin.stats(),
            OriginStats {
                requests: 5,
                distinct: 2,
                repeated: 1,
                unknown: 2
            }
        );
    }
}
