//! Layers: the list with feature counts, versions and sha256; features in a lon/lat box as
//! GeoJSON; a new version of a layer (admin), put in force by swapping the whole catalogue.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Catalogue, LayerState, VersionInfo};
use crate::upload::{self, Purpose, Uploads};
use redline_core::config::Role;
use redline_core::layer::LonLatBox;
use redline_core::storage::{now_utc, LayerFiles, LayerVersionRow};

/// The configured layers and the versions in force.
#[utoipa::path(get, path = "/api/layers", operation_id = "list_layers", tag = "layers",
    responses((status = 200, description = "{layers: [...]}", body = [LayerState]),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, _caller: Caller) -> Json<Value> {
    let cat = s.catalogue.load();
    Json(json!({"working_crs": cat.config.working_crs, "layers": cat.layers}))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeaturesQuery {
    /// min_lon,min_lat,max_lon,max_lat (CGCS2000 degrees).
    pub bbox: String,
    /// Most features to answer (default and maximum: the service limit).
    pub limit: Option<usize>,
}

fn parse_bbox(s: &str) -> ApiResult<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            ApiError::bad_request(format!(
                "bbox: 应为四个数 min_lon,min_lat,max_lon,max_lat (got {s:?})"
            ))
        })?;
    let [a, b, c, d] = v[..] else {
        return Err(ApiError::bad_request(format!(
            "bbox: 应为四个数 min_lon,min_lat,max_lon,max_lat (got {s:?})"
        )));
    };
    let ok = a < c
        && b < d
        && (-180.0..=180.0).contains(&a)
        && (-180.0..=180.0).contains(&c)
        && (-90.0..=90.0).contains(&b)
        && (-90.0..=90.0).contains(&d);
    if !ok {
        return Err(ApiError::bad_request(format!(
            "bbox: 范围无效 (min must be below max, degrees in range): {s:?}"
        )));
    }
    Ok([a, b, c, d])
}

/// Features of a layer that meet a lon/lat box, as GeoJSON in lon/lat.
#[utoipa::path(get, path = "/api/layers/{name}/features", operation_id = "list_layer_features", tag = "layers",
    params(("name" = String, Path, description = "Layer name"), FeaturesQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection (lon/lat) with layer, version, sha256, truncated"),
        (status = 400, description = "Bad bbox", body = crate::error::ErrorBody),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 404, description = "No such layer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn features(
    State(s): State<AppState>,
    _caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<FeaturesQuery>,
) -> ApiResult<Json<Value>> {
    let bbox = parse_bbox(&q.bbox)?;
    let cat = s.catalogue.load_full();
    if cat.layer(&name).is_none() {
        return Err(ApiError::not_found(format!(
            "没有图层 {name:?} (no such layer)"
        )));
    }
    let max = q
        .limit
        .unwrap_or(s.limits.bbox_features)
        .min(s.limits.bbox_features);
    s.heavy(move |_| {
        let (Some(layer), Some(st)) = (cat.layer(&name), cat.layer_state(&name)) else {
            return Err(ApiError::not_found(format!(
                "没有图层 {name:?} (no such layer)"
            )));
        };
        let [min_lon, min_lat, max_lon, max_lat] = bbox;
        let found = layer
            .features_in_lonlat_box(
                &cat.config.working_crs,
                LonLatBox {
                    min_lon,
                    min_lat,
                    max_lon,
                    max_lat,
                },
                max,
            )
            .map_err(|e| match e {
                redline_core::layer::LayerError::Input(e) => ApiError::bad_request(e.to_string()),
                other => ApiError::internal(other),
            })?;
        let (features, truncated) = (found.features, found.truncated);
        Ok(Json(json!({
            "type": "FeatureCollection",
            "layer": st.name, "version": st.version, "sha256": st.sha256,
            "truncated": truncated,
            "features": features,
        })))
    })
    .await
}

/// The versions of a layer: 1 is the config's file, then every upload.
#[utoipa::path(get, path = "/api/layers/{name}/versions", operation_id = "list_layer_versions", tag = "layers",
    params(("name" = String, Path, description = "Layer name")),
    responses((status = 200, description = "{layer, current, uploads}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 404, description = "No such layer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn versions(
    State(s): State<AppState>,
    _caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let cat = s.catalogue.load_full();
    let Some(current) = cat.layer_state(&name).cloned() else {
        return Err(ApiError::not_found(format!(
            "没有图层 {name:?} (no such layer)"
        )));
    };
    let uploads = s
        .blocking(move |s| Ok(s.store.layer_versions(&name)?))
        .await?;
    Ok(Json(
        json!({"layer": current.name, "current": current, "uploads": uploads}),
    ))
}

/// Upload a new version of a layer (admin): a GeoJSON body or a zipped shapefile. The new
/// catalogue is built aside and swapped in whole; requests in flight finish on the old one.
#[utoipa::path(put, path = "/api/layers/{name}", operation_id = "upload_layer_version", tag = "layers",
    params(("name" = String, Path, description = "Layer name")),
    request_body(content = String, description = "GeoJSON (lon/lat) or zipped shapefile", content_type = "application/octet-stream"),
    responses((status = 201, description = "The layer's new state", body = LayerState),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "Not admin", body = crate::error::ErrorBody),
        (status = 404, description = "No such layer", body = crate::error::ErrorBody),
        (status = 413, description = "Too large", body = crate::error::ErrorBody),
        (status = 415, description = "Unsupported file kind", body = crate::error::ErrorBody),
        (status = 422, description = "The layer cannot be used (names the problem)", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Uploads(uploads): Uploads,
) -> ApiResult<Response> {
    caller.need(&[Role::Admin])?;
    if s.catalogue.load().layer_state(&name).is_none() {
        return Err(ApiError::not_found(format!(
            "没有图层 {name:?} (no such layer)"
        )));
    }
    let [u] = &uploads[..] else {
        return Err(ApiError::bad_request(
            "每次只上传一个图层文件 (send one file)",
        ));
    };
    let kind = upload::detect(u, Purpose::Layer)?;
    let u = u.clone();
    let _guard = s.upload_lock.lock().await;
    let who = caller.name().to_string();
    let state = s
        .heavy(move |s| {
            let cur = s.catalogue.load_full();
            let old = cur
                .layer_state(&name)
                .ok_or_else(|| ApiError::not_found(format!("没有图层 {name:?}")))?;
            let version = old.version + 1;
            // Folder names are the version number only (layer names come from the config).
            let idx = cur
                .config
                .layers
                .iter()
                .position(|l| l.name == name)
                .ok_or_else(|| ApiError::not_found(format!("没有图层 {name:?}")))?;
            let mut files = upload::input_files(&u, kind, 0, &s.limits)?;
            let file = match files.len() {
                1 => files.remove(0),
                _ => {
                    return Err(ApiError::invalid(
                        "zip 中应只有一个 .shp 文件 (exactly one shapefile expected)",
                    ))
                }
            };
            let store = LayerFiles::new(&s.data_dir);
            let path = store.save(idx, version, &file)?;
            let cleanup = |e: ApiError| {
                store.discard(idx, version);
                e
            };
            let mut config = cur.config.clone();
            config.layers[idx].path = path.clone();
            let mut versions: BTreeMap<String, VersionInfo> = cur
                .layers
                .iter()
                .map(|l| {
                    (
                        l.name.clone(),
                        VersionInfo {
                            version: l.version,
                            uploaded_at: l.uploaded_at.clone(),
                            uploaded_by: l.uploaded_by.clone(),
                        },
                    )
                })
                .collect();
            let at = now_utc();
            versions.insert(
                name.clone(),
                VersionInfo {
                    version,
                    uploaded_at: Some(at.clone()),
                    uploaded_by: Some(who.clone()),
                },
            );
            let next = Catalogue::load(config, &versions).map_err(|e| cleanup(e.into()))?;
            let st = next
                .layer_state(&name)
                .cloned()
                .ok_or_else(|| ApiError::internal("layer lost in reload"))?;
            s.store.add_layer_version(&LayerVersionRow {
                layer: name.clone(),
                version,
                sha256: st.sha256.clone(),
                features: st.features as i64,
                uploaded_at: at,
                uploaded_by: who,
                path: path.display().to_string(),
            })?;
            s.catalogue.store(Arc::new(next));
            s.metrics.layer_upload();
            tracing::info!(layer = %name, version, sha256 = %st.sha256, "layer version in force");
            Ok(st)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(state)).into_response())
}
