//! Green Shield clue lists: POST a CSV, XLSX, GeoJSON or zipped shapefile → the placements
//! (the `inspect` contract); with `?import=true` the placed clues go into the ledger.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::upload::{self, Purpose, Uploads};
use redline_core::config::Role;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectQuery {
    /// Also import the placed clues into the ledger (导入台账).
    #[serde(default)]
    pub import: bool,
    /// Answer only the summary and problems, not every clue.
    #[serde(default)]
    pub summary_only: bool,
    /// File name of a raw body.
    pub filename: Option<String>,
}

/// Place a clue list (and optionally import it into the ledger).
#[utoipa::path(post, path = "/api/inspections", operation_id = "inspect_clues", tag = "inspection", params(InspectQuery),
    request_body(content = String, description = "CSV, XLSX, GeoJSON or zipped shapefile; raw body or multipart files", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Placements (the `inspect` contract) with `layer_versions`"),
        (status = 201, description = "Placements and the ledger import report (`import`)"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "Role not allowed", body = crate::error::ErrorBody),
        (status = 413, description = "Too large", body = crate::error::ErrorBody),
        (status = 415, description = "Unsupported file kind", body = crate::error::ErrorBody),
        (status = 422, description = "Unreadable file", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn inspect(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<InspectQuery>,
    Uploads(uploads): Uploads,
) -> ApiResult<Response> {
    caller.need(&[Role::Inspector])?;
    let kinds = uploads
        .iter()
        .map(|u| upload::detect(u, Purpose::Clues))
        .collect::<ApiResult<Vec<_>>>()?;
    let cat = s.catalogue.load_full();
    let do_import = q.import;
    let summary_only = q.summary_only;
    let out = s
        .heavy(move |s| {
            let inspector = cat.inspector.as_ref().ok_or_else(|| {
                ApiError::not_found("未配置保护区图层 (no reserve_zones layer is configured)")
            })?;
            let mut batch = redline_core::inspect::ClueBatch::default();
            for (i, (u, kind)) in uploads.iter().zip(&kinds).enumerate() {
                for file in upload::input_files(u, *kind, i, &s.limits)? {
                    batch.add(redline_core::formats::clues::parse(&file)?);
                }
            }
            // A scoped token sees and imports only its county's clues.
            let keep = |p: &redline_core::inspect::Placement| {
                caller.sees(p.county_code.as_deref(), p.county.as_deref())
            };
            let inspection = if do_import {
                let mut ledger = s.ledger();
                inspector.inspect(&batch, &keep, Some((&mut ledger, caller.name())))?
            } else {
                inspector.inspect(&batch, &keep, None)?
            };
            let (report, out_of_scope, imported) = (
                inspection.report,
                inspection.out_of_scope,
                inspection.import,
            );
            if let Some(r) = &imported {
                tracing::info!(added = r.added, "clues imported into the ledger");
            }
            let m = &report.summary;
            s.metrics.inspection(&[
                ("in_reserve", m.in_reserve),
                ("near_boundary", m.near_boundary),
                ("outside", m.outside),
            ]);
            let mut body = if summary_only {
                json!({"summary": report.summary, "problems": report.problems,
                    "warnings": report.warnings, "layers": report.layers})
            } else {
                serde_json::to_value(&report)?
            };
            if let Value::Object(o) = &mut body {
                o.insert(
                    "layer_versions".into(),
                    serde_json::to_value(cat.used(false))?,
                );
                if caller.scope().is_some() {
                    o.insert("out_of_scope".into(), json!(out_of_scope));
                }
                if let Some(r) = imported {
                    o.insert("import".into(), serde_json::to_value(r)?);
                }
            }
            Ok(body)
        })
        .await?;
    let status = if do_import {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)).into_response())
}
