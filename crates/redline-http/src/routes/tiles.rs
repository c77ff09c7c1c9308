//! Vector tiles (Mapbox Vector Tile 2.1) of the in-memory layers, with a TileJSON document per
//! layer, and of the ledger's issues within the caller's county scope.
//!
//! A layer's tiles are cut by `redline_core::tiles` (its module doc says what is dropped at
//! which zoom) and kept in the catalogue's [`TileCache`](crate::tilecache::TileCache); a layer
//! upload swaps the catalogue and so starts a new cache. Every tile carries an ETag naming the
//! layer's sha256 and version and answers `If-None-Match` with 304 without cutting anything.
//! The `X-Tile` header says how many features were drawn and dropped.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::routes::ledger::LedgerQuery;
use crate::state::AppState;
use redline_core::tiles::{points_tile, Tile, TileId, TileOptions, TilePoint, TileValue};

/// The media type of a Mapbox Vector Tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
/// Zooms a layer's TileJSON offers.
const MIN_ZOOM: u8 = 0;
const MAX_ZOOM: u8 = 20;

/// The tile options of a zoom level. Below z11 a dense land-use layer has hundreds of thousands
/// of parcels in a tile that are one or two pixels wide; features under two pixels are left
/// out there (the module doc of `redline_core::tiles`, step 2), one pixel from z11 on.
pub fn options(z: u8) -> TileOptions {
    TileOptions {
        min_feature_px: if z <= 10 { 2.0 } else { 1.0 },
        ..TileOptions::default()
    }
}

/// `y`, optionally with `.mvt` or `.pbf` after it.
fn tile_id(z: u8, x: u32, y: &str) -> ApiResult<TileId> {
    let y = y
        .strip_suffix(".mvt")
        .or_else(|| y.strip_suffix(".pbf"))
        .unwrap_or(y);
    let y: u32 = y.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "瓦片行号应为整数 (tile row must be an integer): {y:?}"
        ))
    })?;
    TileId::new(z, x, y).map_err(|e| ApiError::not_found(e.to_string()))
}

/// True when `If-None-Match` names `etag` (or `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

fn tile_response(etag: &str, bytes: Vec<u8>, tile: Option<&Tile>) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    // Always revalidate: the ETag changes with the layer version (or the ledger).
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(t) = tile {
        let info = format!(
            "features={}; vertices={}; dropped_small={}; dropped_over_cap={}",
            t.features, t.vertices, t.dropped_small, t.dropped_over_cap
        );
        if let Ok(v) = HeaderValue::from_str(&info) {
            h.insert("x-tile", v);
        }
    }
    resp
}

fn not_modified_response(etag: &str) -> Response {
    let mut resp = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

fn no_layer(name: &str) -> ApiError {
    ApiError::not_found(format!("没有图层 {name:?} (no such layer)"))
}

/// The path part of a URL, with every byte outside the unreserved set percent-encoded.
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The TileJSON 3.0.0 document of a layer: its fields, bounds and tile URL.
#[utoipa::path(get, path = "/tiles/{layer}", operation_id = "get_layer_tilejson", tag = "layers",
    params(("layer" = String, Path, description = "Layer name")),
    responses((status = 200, description = "TileJSON 3.0.0 (tiles, bounds, vector_layers with fields)"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 404, description = "No such layer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn tilejson(
    State(s): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let cat = s.catalogue.load_full();
    let Some(st) = cat.layer_state(&name).cloned() else {
        return Err(no_layer(&name));
    };
    // An absolute URL when the request names its host (QGIS and other clients need one); the
    // path alone otherwise, which a browser resolves against this origin.
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| matches!(*p, "http" | "https"))
        .unwrap_or("http");
    let base = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .map(|h| format!("{proto}://{h}"))
        .unwrap_or_default();
    let url = format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}", encode_segment(&name));
    s.heavy(move |_| {
        let layer = cat.layer(&name).ok_or_else(|| no_layer(&name))?;
        let source = cat
            .tiles
            .source(layer, &cat.config.working_crs)
            .map_err(ApiError::internal)?;
        let mut doc = source.tilejson(&url, MIN_ZOOM, MAX_ZOOM);
        if let Some(o) = doc.as_object_mut() {
            o.insert("version".into(), Value::from(st.version.to_string()));
            o.insert("sha256".into(), Value::from(st.sha256.clone()));
            o.insert("features".into(), Value::from(st.features));
        }
        Ok(Json(doc))
    })
    .await
}

/// One vector tile of a layer (MVT, one layer named after it, features with every field).
#[utoipa::path(get, path = "/tiles/{layer}/{z}/{x}/{y}", operation_id = "get_layer_tile", tag = "layers",
    params(("layer" = String, Path, description = "Layer name"),
        ("z" = u8, Path, description = "Zoom 0–22"), ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, optionally with .mvt or .pbf")),
    responses((status = 200, description = "application/vnd.mapbox-vector-tile, with an ETag", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 404, description = "No such layer or tile", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn tile(
    State(s): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
    Path((name, z, x, y)): Path<(String, u8, u32, String)>,
) -> ApiResult<Response> {
    let id = tile_id(z, x, &y)?;
    let cat = s.catalogue.load_full();
    let Some(st) = cat.layer_state(&name) else {
        return Err(no_layer(&name));
    };
    let sha = st.sha256.get(..16).unwrap_or(&st.sha256);
    let etag = format!("\"{sha}-v{}-{id}\"", st.version).replace('/', "-");
    if not_modified(&headers, &etag) {
        return Ok(not_modified_response(&etag));
    }
    if let Some(bytes) = cat.tiles.get(&name, id) {
        s.metrics.tile(true);
        return Ok(tile_response(&etag, bytes.as_ref().clone(), None));
    }
    s.heavy(move |s| {
        let layer = cat.layer(&name).ok_or_else(|| no_layer(&name))?;
        let source = cat
            .tiles
            .source(layer, &cat.config.working_crs)
            .map_err(ApiError::internal)?;
        let t = source.tile(id, &options(id.z));
        let bytes = std::sync::Arc::new(t.bytes.clone());
        cat.tiles.put(&name, id, bytes);
        s.metrics.tile(false);
        Ok(tile_response(&etag, t.bytes.clone(), Some(&t)))
    })
    .await
}

/// The lon/lat box of a tile grown by the buffer of `opts` on every side.
fn buffered_box(id: TileId, opts: &TileOptions) -> [f64; 4] {
    let [w, s, e, n] = id.lonlat_bounds();
    let f = f64::from(opts.buffer) / f64::from(opts.extent.max(1));
    let (dx, dy) = ((e - w) * f, (n - s) * f);
    [w - dx, s - dy, e + dx, n + dy]
}

/// The ledger's issues as points in one tile (layer `issues`), within the caller's county scope
/// and the same filters as `GET /api/ledger`. Each point has the issue id as its feature id and
/// `id`, `clue_id`, `status`, `status_cn`, `focus`, `overdue`, `activity`, `county`, `reserve`,
/// `zone` as properties.
#[utoipa::path(get, path = "/api/ledger/tiles/{z}/{x}/{y}", operation_id = "get_ledger_tile", tag = "ledger",
    params(("z" = u8, Path, description = "Zoom 0–22"), ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, optionally with .mvt or .pbf"), LedgerQuery),
    responses((status = 200, description = "application/vnd.mapbox-vector-tile, with an ETag", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
        (status = 403, description = "County out of scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such tile", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn ledger_tile(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((z, x, y)): Path<(u8, u32, String)>,
    Query(q): Query<LedgerQuery>,
) -> ApiResult<Response> {
    let id = tile_id(z, x, &y)?;
    let opts = options(id.z);
    let mut filter = q.filter(&caller)?;
    filter.bbox = Some(buffered_box(id, &opts));
    let t = s
        .blocking(move |s| {
            let entries = s.ledger().list_all(&filter)?;
            let points: Vec<TilePoint> = entries
                .iter()
                .map(|e| {
                    let text = |k: &str, v: &Option<String>| {
                        v.as_ref()
                            .map(|v| (k.to_string(), TileValue::Str(v.clone())))
                    };
                    let mut props = vec![
                        ("id".to_string(), TileValue::Int(e.id)),
                        ("clue_id".to_string(), TileValue::Str(e.clue_id.clone())),
                        (
                            "status".to_string(),
                            TileValue::Str(e.status.as_str().to_string()),
                        ),
                        ("status_cn".to_string(), TileValue::Str(e.status_cn.clone())),
                        ("focus".to_string(), TileValue::Bool(e.focus)),
                        ("overdue".to_string(), TileValue::Bool(e.overdue)),
                        ("activity".to_string(), TileValue::Str(e.activity.clone())),
                    ];
                    props.extend(text("county", &e.county));
                    props.extend(text("reserve", &e.reserve));
                    props.extend(text("zone", &e.zone));
                    TilePoint {
                        id: u64::try_from(e.id).ok(),
                        lon: e.lon,
                        lat: e.lat,
                        props,
                    }
                })
                .collect();
            Ok(points_tile("issues", &points, id, &opts))
        })
        .await?;
    // The tile's own hash: the same issues in the same state give the same ETag.
    let etag = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(&t.bytes);
        let hex: String = d.iter().take(12).map(|b| format!("{b:02x}")).collect();
        format!("\"l-{hex}\"")
    };
    if not_modified(&headers, &etag) {
        return Ok(not_modified_response(&etag));
    }
    s.metrics.tile(false);
    Ok(tile_response(&etag, t.bytes.clone(), Some(&t)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tile_rows_with_and_without_a_suffix() {
        assert_eq!(tile_id(10, 1, "2").unwrap(), TileId::new(10, 1, 2).unwrap());
        assert_eq!(
            tile_id(10, 1, "2.mvt").unwrap(),
            TileId::new(10, 1, 2).unwrap()
        );
        assert_eq!(
            tile_id(10, 1, "2.pbf").unwrap(),
            TileId::new(10, 1, 2).unwrap()
        );
        assert_eq!(
            tile_id(10, 1, "x").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            tile_id(1, 2, "0").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(not_modified(&h, "\"b\""));
        assert!(not_modified(&h, "\"a\""));
        assert!(!not_modified(&h, "\"c\""));
    }

    #[test]
    fn layer_names_are_percent_encoded_in_the_tile_url() {
        assert_eq!(
            encode_segment("永久基本农田"),
            "%E6%B0%B8%E4%B9%85%E5%9F%BA%E6%9C%AC%E5%86%9C%E7%94%B0"
        );
        assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
    }
}
