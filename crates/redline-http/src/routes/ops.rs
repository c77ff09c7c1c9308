//! Operations: health, version, Prometheus metrics, the OpenAPI document, the audit log.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;
use redline_core::config::Role;

/// Liveness and readiness: the catalogue is loaded and the databases answer.
#[utoipa::path(get, path = "/health", operation_id = "get_health", tag = "ops",
    responses((status = 200, description = "{status: ok, status_cn: 正常, layers}")))]
pub async fn health(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let layers = s.catalogue.load().layers.len();
    let schema = s.blocking(|s| Ok(s.ledger().schema_version()?)).await?;
    Ok(Json(
        json!({"status": "ok", "status_cn": "正常", "layers": layers, "ledger_schema": schema}),
    ))
}

/// The program version and the layer versions in force.
#[utoipa::path(get, path = "/version", operation_id = "get_version", tag = "ops",
    responses((status = 200, description = "{name, version, layers}")))]
pub async fn version(State(s): State<AppState>) -> Json<Value> {
    let cat = s.catalogue.load();
    let layers: Vec<Value> = cat
        .layers
        .iter()
        .map(|l| json!({"name": l.name, "version": l.version, "sha256": l.sha256}))
        .collect();
    Json(json!({
        "name": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "working_crs": cat.config.working_crs,
        "layers": layers,
    }))
}

/// Prometheus text metrics.
#[utoipa::path(get, path = "/metrics", operation_id = "get_metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(s): State<AppState>) -> Response {
    let mut resp = s.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

/// The OpenAPI document of this service.
#[utoipa::path(get, path = "/openapi.json", operation_id = "get_openapi_document", tag = "ops",
    responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::ApiDoc::openapi())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub offset: Option<usize>,
    /// At most 1000 (default 100).
    pub limit: Option<usize>,
}

/// The audit log of writes, newest first (admin).
#[utoipa::path(get, path = "/api/audit", operation_id = "list_audit_entries", tag = "ops", params(AuditQuery),
    responses((status = 200, description = "{total, offset, limit, entries}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "Not admin", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    caller.need(&[Role::Admin])?;
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).min(1000);
    let (total, entries) = s
        .blocking(move |s| Ok(s.store.audit_log(offset, limit)?))
        .await?;
    Ok(Json(
        json!({"total": total, "offset": offset, "limit": limit, "entries": entries}),
    ))
}
