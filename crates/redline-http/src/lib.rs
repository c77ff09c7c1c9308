//! The HTTP service (`redline serve`): the same library behind JSON routes, for many officials
//! at once.
//!
//! * [`app`] builds the router from [`routes`] (one small module per feature) over an
//!   [`AppState`]; tests call `app(state).oneshot(request)` without a socket.
//! * [`auth`]: bearer tokens from the config's `[[token]]` section (sha256 hashes, constant-time
//!   comparison), roles viewer / reviewer / inspector / admin, county scopes, the audit log.
//! * [`error`]: one error shape everywhere, `{"error": {"code", "message"}}`.
//! * [`state`]: the layer catalogue behind an `ArcSwap`, swapped whole when an admin uploads a
//!   new layer version; a request finishes on the catalogue it started with, and every review
//!   and placement records the layer versions (sha256) it used.
//! * `redline_core::storage`: the service database (stored reviews, append-only decisions, layer versions,
//!   audit log); the ledger is [`redline_core::ledger`].
//! * [`upload`]: raw or multipart bodies, kind detection, zip checks.
//! * [`metrics`], [`openapi`]: Prometheus text and the OpenAPI document.
//!
//! CPU-heavy work (reviews, placements, layer loads) runs in `spawn_blocking`, at most
//! `heavy_jobs` at once; PROJ handles are built inside those tasks.
//!
//! ```text
//! GET  /health  /version  /metrics  /openapi.json           (no token)
//! GET  /api/layers  /api/layers/{name}/features?bbox=…  /api/layers/{name}/versions
//! PUT  /api/layers/{name}                                     (admin)
//! POST /api/reviews   GET /api/reviews  /api/reviews/{id}   POST /api/reviews/{id}/decisions
//! POST /api/inspections[?import=true]
//! GET  /api/ledger  /api/ledger/{id}  /api/ledger/summary  /api/ledger/export
//! POST /api/ledger/{id}/transition
//! GET  /tiles/{layer}  /tiles/{layer}/{z}/{x}/{y}  /api/ledger/tiles/{z}/{x}/{y}   (MVT)
//! GET  /api/audit                                             (admin)
//! ```

pub mod auth;
pub mod demo;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod tilecache;
pub mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ApiResult};
pub use state::{AppState, Catalogue, Limits};

use routes::{accounts, inspections, layers, ledger, ops, reviews, tiles, web};

/// The route table: (method, path, handler). The router is built from it, and a test checks
/// it against the OpenAPI document.
pub fn route_table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/health", get(ops::health)),
        (Method::GET, "/version", get(ops::version)),
        (Method::GET, "/metrics", get(ops::metrics)),
        (Method::GET, "/openapi.json", get(ops::openapi)),
        (Method::GET, "/api/audit", get(ops::audit)),
        (Method::POST, "/api/session", post(accounts::log_in)),
        (Method::GET, "/api/session", get(accounts::current)),
        (Method::DELETE, "/api/session", delete(accounts::log_out)),
        (Method::GET, "/api/users", get(accounts::list_users)),
        (Method::POST, "/api/users", post(accounts::create_user)),
        (
            Method::POST,
            "/api/users/{username}/password",
            post(accounts::reset_password),
        ),
        (
            Method::POST,
            "/api/users/{username}/disabled",
            post(accounts::set_disabled),
        ),
        (Method::GET, "/api/config/web", get(web::config)),
        (Method::GET, "/api/layers", get(layers::list)),
        (
            Method::GET,
            "/api/layers/{name}/features",
            get(layers::features),
        ),
        (
            Method::GET,
            "/api/layers/{name}/versions",
            get(layers::versions),
        ),
        (Method::PUT, "/api/layers/{name}", put(layers::upload)),
        (Method::POST, "/api/reviews", post(reviews::submit)),
        (Method::GET, "/api/reviews", get(reviews::list)),
        (Method::GET, "/api/reviews/{id}", get(reviews::get)),
        (
            Method::POST,
            "/api/reviews/{id}/decisions",
            post(reviews::decide),
        ),
        (Method::POST, "/api/inspections", post(inspections::inspect)),
        (Method::GET, "/api/ledger", get(ledger::list)),
        (Method::GET, "/api/ledger/summary", get(ledger::summary)),
        (Method::GET, "/api/ledger/export", get(ledger::export)),
        (Method::GET, "/api/ledger/{id}", get(ledger::show)),
        (
            Method::GET,
            "/api/ledger/tiles/{z}/{x}/{y}",
            get(tiles::ledger_tile),
        ),
        (Method::GET, "/tiles/{layer}", get(tiles::tilejson)),
        (Method::GET, "/tiles/{layer}/{z}/{x}/{y}", get(tiles::tile)),
        (
            Method::POST,
            "/api/ledger/{id}/transition",
            post(ledger::transition),
        ),
    ]
}

/// Request ids: a random prefix per process and a counter.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        let prefix = auth::generate_token().map_or_else(|_| "req".into(), |t| t[..8].to_string());
        RequestIds {
            prefix: prefix.into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _req: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Give every error answer the JSON shape: answers of layers and the router (404, 405, 408,
/// 413, extractor rejections) come as plain text.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() || status.is_server_error() {
        ApiError::message_of(status).to_string()
    } else {
        text
    };
    if status.is_server_error() {
        tracing::error!(%status, "internal error from a layer");
    }
    let mut out = ApiError::new(status, ApiError::code_of(status), message).into_response();
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

async fn no_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "没有这个地址 (no such route)",
    )
}

/// The router over `state`, with auth, metrics, limits, timeouts, request ids and logs.
pub fn app(state: AppState) -> Router {
    let limits = state.limits.clone();
    let mut router: Router<AppState> = Router::new();
    for (_, path, handler) in route_table() {
        router = router.route(path, handler);
    }
    // The web application's pages and assets (not part of the JSON API).
    router = router
        .route("/", get(web::index))
        .route("/static/{*path}", get(web::asset));
    router
        .fallback(no_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(GlobalConcurrencyLimitLayer::new(limits.concurrency))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .layer(axum::middleware::map_response(json_errors))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, RequestIds::new()))
        .with_state(state)
}

/// Options of `redline serve`.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub config: Option<PathBuf>,
    pub addr: String,
    pub demo: bool,
    /// The data folder (default `./data`).
    pub data: Option<PathBuf>,
}

/// Wait for ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "ctrl-c handler");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "SIGTERM handler");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The project file, the demo data, the data folder or the ledger could not be read.
    #[error(transparent)]
    Core(#[from] redline_core::Error),
    /// `--addr` is not an address.
    #[error("--addr {addr:?}: 地址无效 (bad address): {source}")]
    Address {
        addr: String,
        #[source]
        source: std::net::AddrParseError,
    },
    /// Neither `--config` nor `--demo`.
    #[error("需要 --config FILE 或 --demo (give --config FILE or --demo)")]
    NoConfig,
    /// The project file cannot be used.
    #[error(transparent)]
    Config(#[from] redline_core::config::ConfigError),
    /// The demo could not be prepared.
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    /// A start-up task could not finish.
    #[error("启动失败 (start-up task): {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Binding or serving failed.
    #[error("无法监听 (cannot listen on) {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// Run `redline serve` on the caller's tokio runtime: the address (and with `--demo` the admin
/// token) on stdout, until ctrl-c or SIGTERM. Logging is the caller's to set up.
pub async fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let data = opts.data.clone().unwrap_or_else(|| PathBuf::from("data"));
    let (config, token) = if opts.demo {
        let (c, t) = demo::prepare(&data)?;
        (c, Some(t))
    } else {
        let path = opts.config.as_ref().ok_or(ServeError::NoConfig)?;
        (redline_core::config::Config::load(path)?, None)
    };
    if config.tokens.is_empty() {
        tracing::warn!("no [[token]] in the config: every /api route answers 401");
    }
    let addr: SocketAddr = opts.addr.parse().map_err(|source| ServeError::Address {
        addr: opts.addr.clone(),
        source,
    })?;
    // Loading the layers is CPU work: off the runtime's threads.
    let demo = opts.demo;
    let (state, admin) = tokio::task::spawn_blocking(move || {
        let state = AppState::build(config, &data, Limits::default())?;
        let admin = if demo {
            Some(demo::admin_user(state.store.as_ref())?)
        } else {
            None
        };
        Ok::<_, ServeError>((state, admin))
    })
    .await??;
    let listen = |source| ServeError::Listen {
        addr: addr.to_string(),
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(listen)?;
    let local = listener.local_addr().map_err(listen)?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "redline 服务已启动 (listening on) http://{local}");
        if let Some(t) = &token {
            let _ = writeln!(out, "管理员令牌 (admin token): {t}");
        }
        if let Some((user, password)) = &admin {
            let _ = writeln!(out, "管理员账号 (admin login): {user} / {password}");
        }
        let _ = out.flush();
    }
    tracing::info!(%local, "listening");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(listen)
}
