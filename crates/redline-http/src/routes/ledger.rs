//! The rectification ledger (问题台账): list with filters and pagination, one issue with its
//! history, transitions (409 on a stale version), summary forms and exports.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use redline_core::ledger::TransitionRequest;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use redline_core::config::Role;
use redline_core::ledger::{CsvEncoding, ExportGeometry, Filter, Sheet, Status};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// pending, confirmed, not_an_issue, rectifying, rectified, closed (or 待核查 …).
    pub status: Option<String>,
    /// County code or name.
    pub county: Option<String>,
    pub reserve: Option<String>,
    /// Zone code (core) or name (核心区).
    pub zone: Option<String>,
    pub focus: Option<bool>,
    pub overdue: Option<bool>,
    pub year: Option<i32>,
    pub batch: Option<String>,
    /// The activity type (活动类型), as the clue list names it.
    pub activity: Option<String>,
    pub offset: Option<usize>,
    /// At most 1000 (default 100).
    pub limit: Option<usize>,
}

/// The [`LedgerQuery`] filter fields of a summary or export query (which add their own fields,
/// so they cannot share one flattened struct: `serde_urlencoded` reads flattened booleans and
/// numbers as strings).
macro_rules! filter_of {
    ($q:expr) => {
        LedgerQuery {
            status: $q.status.clone(),
            county: $q.county.clone(),
            reserve: $q.reserve.clone(),
            zone: $q.zone.clone(),
            focus: $q.focus,
            overdue: $q.overdue,
            year: $q.year,
            batch: $q.batch.clone(),
            activity: $q.activity.clone(),
            offset: None,
            limit: None,
        }
    };
}

impl LedgerQuery {
    pub(crate) fn filter(&self, caller: &Caller) -> ApiResult<Filter> {
        let status = match &self.status {
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!("status: 未知状态 {s:?} (unknown status)"))
            })?),
            None => None,
        };
        Ok(Filter {
            status,
            county: caller.county_filter(self.county.clone())?,
            reserve: self.reserve.clone(),
            zone: self.zone.clone(),
            focus: self.focus,
            overdue: self.overdue,
            year: self.year,
            batch: self.batch.clone(),
            activity: self.activity.clone(),
            bbox: None,
        })
    }
}

/// List ledger issues.
#[utoipa::path(get, path = "/api/ledger", operation_id = "list_ledger_issues", tag = "ledger", params(LedgerQuery),
    responses((status = 200, description = "{total, offset, limit, entries}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<LedgerQuery>,
) -> ApiResult<Json<Value>> {
    let f = q.filter(&caller)?;
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).min(1000);
    s.blocking(move |s| {
        let l = s.ledger();
        let total = l.count(&f)?;
        let entries = l.list(&f, offset, limit)?;
        Ok(Json(
            json!({"total": total, "offset": offset, "limit": limit, "entries": entries}),
        ))
    })
    .await
}

/// One issue with its history and look-back links.
#[utoipa::path(get, path = "/api/ledger/{id}", operation_id = "get_ledger_issue", tag = "ledger",
    params(("id" = i64, Path, description = "Issue id")),
    responses((status = 200, description = "{entry, history, links}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such issue", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (entry, history, links) = s.blocking(move |s| Ok(s.ledger().show(id)?)).await?;
    caller.check_county(entry.county_code.as_deref(), entry.county.as_deref())?;
    Ok(Json(
        json!({"entry": entry, "history": history, "links": links}),
    ))
}

/// A move in the life cycle.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransitionBody {
    /// The version you saw (a stale version is refused with 409).
    pub version: i64,
    /// The new status (code or Chinese label).
    pub to: String,
    #[serde(default)]
    pub reason: String,
    /// Rectification deadline, YYYY-MM-DD.
    pub deadline: Option<String>,
    /// Responsible unit.
    pub unit: Option<String>,
    pub measures: Option<String>,
}

/// Move an issue to a new status.
#[utoipa::path(post, path = "/api/ledger/{id}/transition", operation_id = "transition_ledger_issue", tag = "ledger",
    params(("id" = i64, Path, description = "Issue id")),
    request_body = TransitionBody,
    responses((status = 200, description = "The updated entry"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "Role or county not allowed", body = crate::error::ErrorBody),
        (status = 404, description = "No such issue", body = crate::error::ErrorBody),
        (status = 409, description = "Stale version or illegal move", body = crate::error::ErrorBody),
        (status = 422, description = "Bad body, reason or unit missing", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn transition(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    caller.need(&[Role::Inspector])?;
    let b: TransitionBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(format!(
            "请求体应为 JSON {{\"version\": 1, \"to\": \"属实\", \"reason\": \"…\"}} (bad body): {e}"
        ))
    })?;
    let to = Status::parse(&b.to)
        .ok_or_else(|| ApiError::invalid(format!("to: 未知状态 {:?} (unknown status)", b.to)))?;
    let deadline = match &b.deadline {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ApiError::invalid(format!("deadline: 日期格式应为 YYYY-MM-DD (got {d:?})"))
            })?,
        ),
        None => None,
    };
    s.blocking(move |s| {
        let mut l = s.ledger();
        let e = l.get(id)?;
        caller.check_county(e.county_code.as_deref(), e.county.as_deref())?;
        let e = l.transition(&TransitionRequest {
            id,
            expected_version: b.version,
            to,
            who: caller.name().to_string(),
            reason: b.reason,
            deadline,
            unit: b.unit,
            measures: b.measures,
        })?;
        Ok(Json(serde_json::to_value(e)?))
    })
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    /// For csv: summary (汇总, default), overdue (逾期) or focus (重点问题).
    pub sheet: Option<String>,
    /// For csv: GBK instead of UTF-8 with BOM.
    #[serde(default)]
    pub gbk: bool,
    pub status: Option<String>,
    pub county: Option<String>,
    pub reserve: Option<String>,
    pub zone: Option<String>,
    pub focus: Option<bool>,
    pub overdue: Option<bool>,
    pub year: Option<i32>,
    pub batch: Option<String>,
    /// The activity type (活动类型).
    pub activity: Option<String>,
}

fn attachment(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// The summary forms (汇总, 逾期, 重点问题) as JSON, CSV or XLSX.
#[utoipa::path(get, path = "/api/ledger/summary", operation_id = "get_ledger_summary", tag = "ledger", params(SummaryQuery),
    responses((status = 200, description = "JSON, CSV (text/csv) or XLSX"),
        (status = 400, description = "Unknown format or sheet", body = crate::error::ErrorBody),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn summary(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<SummaryQuery>,
) -> ApiResult<Response> {
    let f = filter_of!(q).filter(&caller)?;
    let format = q.format.clone().unwrap_or_else(|| "json".into());
    let sheet = match q.sheet.as_deref().unwrap_or("summary") {
        "summary" | "汇总" => Sheet::Summary,
        "overdue" | "逾期" => Sheet::Overdue,
        "focus" | "重点问题" => Sheet::Focus,
        other => {
            return Err(ApiError::bad_request(format!(
                "sheet: 应为 summary/overdue/focus (got {other:?})"
            )))
        }
    };
    if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
        return Err(ApiError::bad_request(format!(
            "format: 应为 json/csv/xlsx (got {format:?})"
        )));
    }
    let gbk = q.gbk;
    s.blocking(move |s| {
        let summary = s.ledger().summary(&f)?;
        Ok(match format.as_str() {
            "csv" => {
                let enc = if gbk {
                    CsvEncoding::Gbk
                } else {
                    CsvEncoding::Utf8Bom
                };
                let ct = if gbk {
                    "text/csv; charset=gbk"
                } else {
                    "text/csv; charset=utf-8"
                };
                attachment(
                    &format!("ledger_{}.csv", q.sheet.as_deref().unwrap_or("summary")),
                    ct,
                    summary.csv(sheet, enc)?,
                )
            }
            "xlsx" => attachment(
                "ledger_summary.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                summary.xlsx()?,
            ),
            _ => Json(serde_json::to_value(&summary)?).into_response(),
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// geojson (default) or shapefile (a zip).
    pub format: Option<String>,
    /// Patches as polygons (else points).
    #[serde(default)]
    pub patches: bool,
    /// Shapefile attributes in UTF-8 instead of GBK.
    #[serde(default)]
    pub utf8: bool,
    pub status: Option<String>,
    pub county: Option<String>,
    pub reserve: Option<String>,
    pub zone: Option<String>,
    pub focus: Option<bool>,
    pub overdue: Option<bool>,
    pub year: Option<i32>,
    pub batch: Option<String>,
    /// The activity type (活动类型).
    pub activity: Option<String>,
}

/// Export issues with geometry: GeoJSON (lon/lat) or a zipped shapefile (CGCS2000).
#[utoipa::path(get, path = "/api/ledger/export", operation_id = "export_ledger_issues", tag = "ledger", params(ExportQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection or application/zip"),
        (status = 400, description = "Unknown format", body = crate::error::ErrorBody),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let f = filter_of!(q).filter(&caller)?;
    let format = q.format.clone().unwrap_or_else(|| "geojson".into());
    if !matches!(format.as_str(), "geojson" | "shapefile") {
        return Err(ApiError::bad_request(format!(
            "format: 应为 geojson/shapefile (got {format:?})"
        )));
    }
    let geometry = if q.patches {
        ExportGeometry::Patches
    } else {
        ExportGeometry::Points
    };
    let utf8 = q.utf8;
    s.heavy(move |s| {
        let l = s.ledger();
        if format == "geojson" {
            let (_, text) = l.geojson_export(&f, geometry)?;
            return Ok(attachment(
                "ledger.geojson",
                "application/geo+json",
                text.into_bytes(),
            ));
        }
        let enc = if utf8 {
            redline_core::formats::shapefile::DbfEncoding::Utf8
        } else {
            redline_core::formats::shapefile::DbfEncoding::Gbk
        };
        let (_, bytes) = l.shapefile_zip_export(&f, geometry, enc, "ledger")?;
        Ok(attachment("ledger.zip", "application/zip", bytes))
    })
    .await
}
