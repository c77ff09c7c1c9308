//! Prometheus text metrics: requests by route and status, a latency histogram per route, and
//! counts of reviewed parcels and placed clues.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Parcels reviewed, by verdict.
    parcels: Mutex<BTreeMap<String, u64>>,
    reviews: AtomicU64,
    inspections: AtomicU64,
    /// Clues placed, by status (in_reserve, near_boundary, outside).
    clues: Mutex<BTreeMap<String, u64>>,
    layer_uploads: AtomicU64,
    tiles_cached: AtomicU64,
    tiles_cut: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Count one request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((method.to_string(), route.to_string(), status))
            .or_insert(0) += 1;
        let mut lat = lock(&self.latency);
        let h = lat.entry(route.to_string()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// Count a stored review and its parcels by verdict.
    pub fn review(&self, verdicts: &[(&str, usize)]) {
        self.reviews.fetch_add(1, Ordering::Relaxed);
        let mut p = lock(&self.parcels);
        for (v, n) in verdicts {
            *p.entry(v.to_string()).or_insert(0) += *n as u64;
        }
    }

    /// Count a placed clue list by status.
    pub fn inspection(&self, statuses: &[(&str, usize)]) {
        self.inspections.fetch_add(1, Ordering::Relaxed);
        let mut c = lock(&self.clues);
        for (s, n) in statuses {
            *c.entry(s.to_string()).or_insert(0) += *n as u64;
        }
    }

    pub fn layer_upload(&self) {
        self.layer_uploads.fetch_add(1, Ordering::Relaxed);
    }

    /// One vector tile answered, from the cache or cut now.
    pub fn tile(&self, cached: bool) {
        let c = if cached {
            &self.tiles_cached
        } else {
            &self.tiles_cut
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP redline_http_requests_total HTTP requests by method, route and status.\n# TYPE redline_http_requests_total counter"
        );
        for ((m, r, st), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                s,
                "redline_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{st}\"}} {n}",
                esc(m),
                esc(r)
            );
        }
        let _ = writeln!(
            s,
            "# HELP redline_http_request_duration_seconds Request latency by route.\n# TYPE redline_http_request_duration_seconds histogram"
        );
        for (r, h) in lock(&self.latency).iter() {
            let r = esc(r);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "redline_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                s,
                "redline_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                s,
                "redline_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                s,
                "redline_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            s,
            "# HELP redline_reviews_total Review batches stored.\n# TYPE redline_reviews_total counter\nredline_reviews_total {}",
            self.reviews.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP redline_parcels_reviewed_total Parcels reviewed by verdict.\n# TYPE redline_parcels_reviewed_total counter"
        );
        for (v, n) in lock(&self.parcels).iter() {
            let _ = writeln!(
                s,
                "redline_parcels_reviewed_total{{verdict=\"{}\"}} {n}",
                esc(v)
            );
        }
        let _ = writeln!(
            s,
            "# HELP redline_inspections_total Clue lists placed.\n# TYPE redline_inspections_total counter\nredline_inspections_total {}",
            self.inspections.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP redline_clues_matched_total Clues placed by status.\n# TYPE redline_clues_matched_total counter"
        );
        for (v, n) in lock(&self.clues).iter() {
            let _ = writeln!(
                s,
                "redline_clues_matched_total{{status=\"{}\"}} {n}",
                esc(v)
            );
        }
        let _ = writeln!(
            s,
            "# HELP redline_layer_uploads_total New layer versions put in force.\n# TYPE redline_layer_uploads_total counter\nredline_layer_uploads_total {}",
            self.layer_uploads.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP redline_tiles_total Vector tiles answered, from the cache or cut for the request.\n# TYPE redline_tiles_total counter\nredline_tiles_total{{source=\"cache\"}} {}\nredline_tiles_total{{source=\"cut\"}} {}",
            self.tiles_cached.load(Ordering::Relaxed),
            self.tiles_cut.load(Ordering::Relaxed)
        );
        s
    }
}

/// Middleware: count the request under its route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().to_string();
    let t = Instant::now();
    let resp = next.run(req).await;
    state.metrics.request(
        &method,
        &route,
        resp.status().as_u16(),
        t.elapsed().as_secs_f64(),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.request("GET", "/health", 200, 0.003);
        m.request("GET", "/health", 200, 0.2);
        m.request("GET", "/health", 404, 40.0);
        let text = m.render();
        assert!(text.contains(
            "redline_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "redline_http_request_duration_seconds_bucket{route=\"/health\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "redline_http_request_duration_seconds_bucket{route=\"/health\",le=\"0.25\"} 2"
        ));
        assert!(text.contains(
            "redline_http_request_duration_seconds_bucket{route=\"/health\",le=\"30\"} 2"
        ));
        assert!(text.contains(
            "redline_http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"} 3"
        ));
    }
}
