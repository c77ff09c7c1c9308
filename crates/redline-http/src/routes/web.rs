//! The web application: `index.html` at `/`, its scripts, styles and the vendored MapLibre GL JS
//! under `/static/`, all embedded in the binary from `crates/redline-http/web/` (rust-embed,
//! also in debug builds), and the settings the page needs (`/api/config/web`).
//!
//! Nothing is fetched from another host: the pages carry a Content-Security-Policy that allows
//! only this origin (plus the basemap's host when the config names one), so a stray URL fails
//! in the browser instead of leaking a request off the intranet.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
#[exclude = "*.md"]
struct Assets;

/// The Content-Type of an asset, by its extension. ES modules (MapLibre's main file and its
/// worker) must be `text/javascript`, or the browser refuses them and the map stays blank.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// The origin (`scheme://host[:port]`) of a URL template.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// The page's Content-Security-Policy: this origin only, and the basemap's host if configured.
pub fn content_security_policy(basemap: Option<&str>) -> String {
    let extra = basemap
        .and_then(origin_of)
        .map(|o| format!(" {}", o.replace("{s}", "*")))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{extra}; \
         connect-src 'self'{extra}; font-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

fn serve(path: &str, headers: &HeaderMap, csp: Option<&str>) -> Response {
    let Some(file) = Assets::get(path) else {
        return ApiError::not_found(format!("没有这个文件 (no such file) /static/{path}"))
            .into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, file.data.into_owned()).into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(csp) = csp.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    resp
}

/// `/`: the application's page.
pub async fn index(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let cat = s.catalogue.load();
    let csp = content_security_policy(cat.config.web.basemap.as_deref());
    serve("index.html", &headers, Some(&csp))
}

/// `/static/{path}`: a script, style, image or the vendored map library.
pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let csp = path
        .ends_with(".html")
        .then(|| content_security_policy(None));
    serve(&path, &headers, csp.as_deref())
}

/// What the page needs to know: the basemap (if any), the working CRS, the layers with their
/// rules and versions, and the counties of the county layer.
#[utoipa::path(get, path = "/api/config/web", operation_id = "get_web_config", tag = "ops",
    responses(
        (status = 200, description = "{basemap, basemap_attribution, working_crs, layers, counties}"),
        (status = 401, description = "No or bad token", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn config(State(s): State<AppState>, _caller: Caller) -> ApiResult<Json<Value>> {
    let cat = s.catalogue.load();
    let counties: Vec<Value> = cat
        .inspector
        .as_ref()
        .map(|i| {
            i.counties
                .iter()
                .map(|c| json!({"code": c.code, "name": c.name}))
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({
        "basemap": cat.config.web.basemap,
        "basemap_attribution": cat.config.web.basemap_attribution,
        "working_crs": cat.config.working_crs,
        "layers": cat.layers,
        "counties": counties,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_javascript() {
        assert_eq!(
            content_type("vendor/maplibre-gl/maplibre-gl.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("x.MJS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn csp_allows_only_self_and_the_basemap() {
        let none = content_security_policy(None);
        assert!(none.contains("connect-src 'self';"), "{none}");
        assert!(!none.contains("http"), "{none}");
        let t = content_security_policy(Some(
            "https://t0.tianditu.gov.cn/img_w/wmts?x={x}&y={y}&l={z}&tk=KEY",
        ));
        assert!(
            t.contains("connect-src 'self' https://t0.tianditu.gov.cn;"),
            "{t}"
        );
        assert!(!t.contains("KEY"), "{t}");
    }
}
