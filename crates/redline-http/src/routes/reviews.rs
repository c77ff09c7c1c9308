//! Parcel review: submit a batch (TXT, GeoJSON or zipped shapefile) → the report, stored with
//! the layer versions it used; list and fetch stored reviews; decisions (通过 / 不通过 / 补正).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::upload::{self, Purpose, Uploads};
use redline_core::config::Role;
use redline_core::review::Verdict;
use redline_core::storage::{Decision, NewReview, ReviewFilter};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmitQuery {
    /// `json` (default) or `geojson`.
    pub format: Option<String>,
    /// County code or name the batch belongs to (a scoped token uses its own county).
    pub county: Option<String>,
    /// File name of a raw body (names the parcels' `source`).
    pub filename: Option<String>,
}

fn want_geojson(format: Option<&str>) -> ApiResult<bool> {
    match format.unwrap_or("json") {
        "json" => Ok(false),
        "geojson" => Ok(true),
        f => Err(ApiError::bad_request(format!(
            "未知格式 {f:?} (format must be json or geojson)"
        ))),
    }
}

/// The county a new review belongs to: (code, name).
fn review_county(
    s: &AppState,
    caller: &Caller,
    requested: Option<&str>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let cat = s.catalogue.load();
    let want = match (caller.scope(), requested) {
        (Some(_), Some(r)) => {
            caller.check_county(Some(r), Some(r))?;
            Some(r.to_string())
        }
        (Some(scope), None) => Some(scope.to_string()),
        (None, r) => r.map(str::to_string),
    };
    Ok(match want {
        Some(w) => match cat.county(&w) {
            Some((code, name)) => (Some(code), Some(name)),
            None => (Some(w.clone()), None),
        },
        None => (None, None),
    })
}

/// Submit parcels for review.
#[utoipa::path(post, path = "/api/reviews", operation_id = "submit_review", tag = "review",
    params(SubmitQuery),
    request_body(content = String, description = "TXT (界址点坐标交换格式), GeoJSON or zipped shapefile; raw body or multipart files", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "The review report (the `review` contract) with `review_id` and `layer_versions`; GeoJSON with ?format=geojson"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "Role or county not allowed", body = crate::error::ErrorBody),
        (status = 413, description = "Too large", body = crate::error::ErrorBody),
        (status = 415, description = "Unsupported file kind", body = crate::error::ErrorBody),
        (status = 422, description = "Unreadable file (names file and line)", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<SubmitQuery>,
    Uploads(uploads): Uploads,
) -> ApiResult<Response> {
    caller.need(&[Role::Reviewer])?;
    let geojson = want_geojson(q.format.as_deref())?;
    let (county_code, county) = review_county(&s, &caller, q.county.as_deref())?;
    let kinds = uploads
        .iter()
        .map(|u| upload::detect(u, Purpose::Parcels))
        .collect::<ApiResult<Vec<_>>>()?;
    // The catalogue this request started with: a layer swap does not affect it.
    let cat = s.catalogue.load_full();
    let who = caller.name().to_string();
    let (id, created_at, used, report, gj) = s
        .heavy(move |s| {
            let mut parcels = Vec::new();
            let mut files = Vec::new();
            for (i, (u, kind)) in uploads.iter().zip(&kinds).enumerate() {
                for file in upload::input_files(u, *kind, i, &s.limits)? {
                    parcels.extend(redline_core::formats::parse_parcels(&file)?);
                }
                files.push(upload::file_name(u, *kind, i));
            }
            if parcels.is_empty() {
                return Err(ApiError::invalid(
                    "文件中没有地块 (no parcel in the upload)",
                ));
            }
            let report = cat.reviewer.review(parcels)?;
            let json = report.to_json();
            let gj = report.to_geojson()?;
            let m = &report.summary;
            let verdict = report.verdict();
            let used = cat.used(true);
            let (id, at) = s.store.insert_review(&NewReview {
                who,
                county_code,
                county,
                files,
                verdict,
                counts: [m.parcels, m.pass, m.warn, m.fail, m.invalid].map(|n| n as i64),
                layer_versions: used.clone(),
                report: serde_json::to_string(&json)?,
                geojson: serde_json::to_string(&gj)?,
            })?;
            s.metrics.review(&[
                ("pass", m.pass),
                ("warn", m.warn),
                ("fail", m.fail),
                ("invalid", m.invalid),
            ]);
            tracing::info!(review_id = id, parcels = m.parcels, "review stored");
            Ok((id, at, used, json, gj))
        })
        .await?;
    let mut body = if geojson { gj } else { report };
    if let Value::Object(o) = &mut body {
        o.insert("review_id".into(), json!(id));
        o.insert("created_at".into(), json!(created_at));
        o.insert("layer_versions".into(), serde_json::to_value(&used)?);
    }
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/reviews/{id}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Reviews with at least one parcel of this verdict: pass, warn, fail, invalid.
    pub verdict: Option<String>,
    /// County code or name.
    pub county: Option<String>,
    /// Created on or after (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// Created on or before (YYYY-MM-DD, UTC).
    pub to: Option<String>,
    /// Decision in force: approve, reject, amend (or 通过/不通过/补正), or `none`.
    pub decision: Option<String>,
    pub offset: Option<usize>,
    /// At most 1000 (default 100).
    pub limit: Option<usize>,
}

fn check_date(d: &Option<String>, key: &str) -> ApiResult<()> {
    match d {
        Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() => Err(
            ApiError::bad_request(format!("{key}: 日期格式应为 YYYY-MM-DD (got {d:?})")),
        ),
        _ => Ok(()),
    }
}

/// List stored reviews, newest first.
#[utoipa::path(get, path = "/api/reviews", operation_id = "list_reviews", tag = "review", params(ListQuery),
    responses((status = 200, description = "{total, offset, limit, reviews}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let verdict = match q.verdict.as_deref() {
        None => None,
        Some(v) => Some(Verdict::parse(v).ok_or_else(|| {
            ApiError::bad_request(format!("verdict: 应为 pass/warn/fail/invalid (got {v:?})"))
        })?),
    };
    check_date(&q.from, "from")?;
    check_date(&q.to, "to")?;
    let decision = match q.decision.as_deref() {
        None => None,
        Some("none") => Some("none".to_string()),
        Some(d) => Some(
            Decision::parse(d)
                .ok_or_else(|| {
                    ApiError::bad_request(format!("decision: 未知决定 {d:?} (unknown decision)"))
                })?
                .as_str()
                .to_string(),
        ),
    };
    let county = caller.county_filter(q.county.clone())?;
    let filter = ReviewFilter {
        verdict,
        county,
        from: q.from.clone(),
        to: q.to.clone(),
        decision,
    };
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).min(1000);
    let (total, reviews) = s
        .blocking(move |s| Ok(s.store.list_reviews(&filter, offset, limit)?))
        .await?;
    Ok(Json(
        json!({"total": total, "offset": offset, "limit": limit, "reviews": reviews}),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    /// `json` (default): the record with its report and decisions; `geojson`: the parcels.
    pub format: Option<String>,
}

/// A stored review: report, layer versions and decisions (the last is in force).
#[utoipa::path(get, path = "/api/reviews/{id}", operation_id = "get_review", tag = "review",
    params(("id" = i64, Path, description = "Review id"), GetQuery),
    responses((status = 200, description = "{review, report, decisions}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such review", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<GetQuery>,
) -> ApiResult<Json<Value>> {
    let geojson = want_geojson(q.format.as_deref())?;
    let (summary, report, gj, decisions) = s
        .blocking(move |s| {
            let (summary, report, gj) = s.store.review(id)?.ok_or_else(|| {
                ApiError::not_found(format!("没有编号为 {id} 的审查 (no review {id})"))
            })?;
            let decisions = s.store.decisions(id)?;
            Ok((summary, report, gj, decisions))
        })
        .await?;
    caller.check_county(summary.county_code.as_deref(), summary.county.as_deref())?;
    if geojson {
        let mut v: Value = serde_json::from_str(&gj)?;
        if let Value::Object(o) = &mut v {
            o.insert("review_id".into(), json!(id));
            o.insert(
                "layer_versions".into(),
                serde_json::to_value(&summary.layer_versions)?,
            );
        }
        return Ok(Json(v));
    }
    let report: Value = serde_json::from_str(&report)?;
    Ok(Json(
        json!({"review": summary, "report": report, "decisions": decisions}),
    ))
}

/// A decision on a review.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    /// 通过 / 不通过 / 补正 (or approve / reject / amend).
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// Record a decision; it supersedes the one in force (nothing is overwritten).
#[utoipa::path(post, path = "/api/reviews/{id}/decisions", operation_id = "record_review_decision", tag = "review",
    params(("id" = i64, Path, description = "Review id")),
    request_body = DecisionBody,
    responses((status = 201, description = "The decision row", body = redline_core::storage::DecisionRow),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "Role or county not allowed", body = crate::error::ErrorBody),
        (status = 404, description = "No such review", body = crate::error::ErrorBody),
        (status = 422, description = "Unknown decision", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    caller.need(&[Role::Reviewer])?;
    let body: DecisionBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(format!(
            "请求体应为 JSON {{\"decision\": \"通过\", \"note\": \"…\"}} (bad body): {e}"
        ))
    })?;
    let decision = Decision::parse(&body.decision).ok_or_else(|| {
        ApiError::invalid(format!(
            "未知决定 {:?}: 应为 通过/不通过/补正 (approve/reject/amend)",
            body.decision
        ))
    })?;
    let who = caller.name().to_string();
    let row = s
        .blocking(move |s| {
            let (summary, _, _) = s.store.review(id)?.ok_or_else(|| {
                ApiError::not_found(format!("没有编号为 {id} 的审查 (no review {id})"))
            })?;
            caller.check_county(summary.county_code.as_deref(), summary.county.as_deref())?;
            Ok(s.store.add_decision(id, decision, &who, body.note.trim())?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}
