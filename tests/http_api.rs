//! The HTTP service through `app(state).oneshot(...)`: every route, the error shape, limits,
//! the ledger life cycle, layer versions, county scopes and the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod http_common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use http_common::*;
use redline_http::Limits;
use serde_json::{json, Value};

const ADMIN: Option<&str> = Some("tok-admin");

#[tokio::test]
async fn operations_routes_answer_without_a_token() {
    let e = env();
    let app = e.app();
    let h = get(&app, "/health", None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status_cn"], "正常");
    assert_eq!(h.json()["layers"], 8);
    let v = get(&app, "/version", None).await.json();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["layers"].as_array().map(std::vec::Vec::len), Some(8));
    assert!(h.headers.contains_key("x-request-id"));
    let o = get(&app, "/openapi.json", None).await.json();
    assert!(o["openapi"].as_str().is_some_and(|s| s.starts_with("3.")));
    // A review, then the metrics count it.
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=ka01_gbk_crlf.txt",
        Some("tok-reviewer"),
        None,
        read("review/parcels/ka01_gbk_crlf.txt"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let m = get(&app, "/metrics", None).await;
    assert_eq!(m.status, StatusCode::OK);
    let text = m.text();
    assert!(text.contains("redline_reviews_total 1"), "{text}");
    assert!(
        text.contains(
            "redline_http_requests_total{method=\"POST\",route=\"/api/reviews\",status=\"201\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains(
        "redline_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"
    ));
    assert!(text.contains(
        "redline_http_request_duration_seconds_bucket{route=\"/api/reviews\",le=\"+Inf\"} 1"
    ));
}

#[tokio::test]
async fn review_is_stored_with_versions_and_decisions_supersede() {
    let e = env();
    let app = e.app();
    let body = read("review/parcels/ka01_gbk_crlf.txt");
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=ka01_gbk_crlf.txt&county=浮梁县",
        Some("tok-reviewer"),
        Some("text/plain"),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let id = v["review_id"].as_i64().expect("review_id");
    assert_eq!(
        r.headers.get("location").and_then(|l| l.to_str().ok()),
        Some(format!("/api/reviews/{id}").as_str())
    );
    assert_eq!(
        v["parcels"][0]["source"]
            .as_str()
            .map(|s| s.starts_with("ka01_gbk_crlf.txt")),
        Some(true)
    );
    // Six review layers, each named with version 1 and the sha256 of the report's layers.
    let used = v["layer_versions"].as_array().expect("layer_versions");
    assert_eq!(used.len(), 6);
    for (u, l) in used.iter().zip(v["layers"].as_array().expect("layers")) {
        assert_eq!(u["name"], l["name"]);
        assert_eq!(u["sha256"], l["sha256"]);
        assert_eq!(u["version"], 1);
    }
    // Fetch it back.
    let g = get(&app, &format!("/api/reviews/{id}"), Some("tok-viewer")).await;
    assert_eq!(g.status, StatusCode::OK);
    let g = g.json();
    assert_eq!(g["review"]["county_code"], "360222");
    assert_eq!(g["review"]["county"], "浮梁县");
    assert_eq!(g["review"]["who"], "审查员");
    assert_eq!(g["report"]["parcels"], v["parcels"]);
    assert_eq!(g["decisions"], json!([]));
    // GeoJSON of the stored review.
    let gj = get(
        &app,
        &format!("/api/reviews/{id}?format=geojson"),
        Some("tok-viewer"),
    )
    .await
    .json();
    assert_eq!(gj["type"], "FeatureCollection");
    assert_eq!(gj["review_id"], id);
    // Decisions: 补正 then 通过; the second supersedes the first.
    let d1 = call(
        &app,
        Method::POST,
        &format!("/api/reviews/{id}/decisions"),
        Some("tok-reviewer"),
        Some("application/json"),
        json!({"decision": "补正", "note": "J3 坐标需复核"}).to_string(),
    )
    .await;
    assert_eq!(d1.status, StatusCode::CREATED, "{}", d1.text());
    let d2 = call(
        &app,
        Method::POST,
        &format!("/api/reviews/{id}/decisions"),
        Some("tok-admin"),
        Some("application/json"),
        json!({"decision": "approve"}).to_string(),
    )
    .await;
    assert_eq!(d2.status, StatusCode::CREATED);
    assert_eq!(d2.json()["supersedes"], d1.json()["id"]);
    assert_eq!(d2.json()["decision_cn"], "通过");
    let g = get(&app, &format!("/api/reviews/{id}"), Some("tok-viewer"))
        .await
        .json();
    assert_eq!(g["decisions"].as_array().map(std::vec::Vec::len), Some(2));
    assert_eq!(g["decisions"][0]["who"], "审查员");
    assert_eq!(g["decisions"][0]["note"], "J3 坐标需复核");
    assert_eq!(g["review"]["decision"]["decision"], "approve");
    assert_eq!(g["review"]["decision"]["who"], "管理员");
    // An unknown decision is 422.
    let bad = call(
        &app,
        Method::POST,
        &format!("/api/reviews/{id}/decisions"),
        Some("tok-reviewer"),
        Some("application/json"),
        json!({"decision": "maybe"}).to_string(),
    )
    .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
    // List filters.
    let l = get(
        &app,
        "/api/reviews?decision=approve&county=360222",
        Some("tok-viewer"),
    )
    .await
    .json();
    assert_eq!(l["total"], 1);
    let l = get(&app, "/api/reviews?decision=none", Some("tok-viewer"))
        .await
        .json();
    assert_eq!(l["total"], 0);
    let l = get(
        &app,
        "/api/reviews?from=2000-01-01&to=2000-12-31",
        Some("tok-viewer"),
    )
    .await
    .json();
    assert_eq!(l["total"], 0);
    let l = get(&app, "/api/reviews?from=20000101", Some("tok-viewer")).await;
    assert_eq!(l.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn review_inputs_geojson_multipart_and_zipped_shapefile() {
    let e = env();
    let app = e.app();
    // GeoJSON as a raw body without a name: detected by its first byte.
    let r = call(
        &app,
        Method::POST,
        "/api/reviews",
        ADMIN,
        None,
        read("review/parcels/q01_lonlat.geojson"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.json()["parcels"][0]["source"]
        .as_str()
        .is_some_and(|s| s.starts_with("upload.geojson#")));
    // GeoJSON answer.
    let (ct, body) = multipart(
        "q01_lonlat.geojson",
        &read("review/parcels/q01_lonlat.geojson"),
    );
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?format=geojson",
        ADMIN,
        Some(&ct),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["type"], "FeatureCollection");
    assert!(v["features"][0]["properties"]["source"]
        .as_str()
        .is_some_and(|s| s.starts_with("q01_lonlat.geojson#")));
    // A zipped shapefile (entries in a folder), by magic bytes.
    let r = call(
        &app,
        Method::POST,
        "/api/reviews",
        ADMIN,
        Some("application/zip"),
        q_parcels_zip(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert!(v["parcels"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(v["parcels"][0]["source"]
        .as_str()
        .is_some_and(|s| s.starts_with("q_parcels.shp#")));
}

/// (what, method, uri, token, content type, body, status, error code)
type Case<'a> = (
    &'a str,
    Method,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Vec<u8>,
    u16,
    &'a str,
);

/// Table test of bad input: status and error code, always in the error shape.
#[tokio::test]
async fn bad_input_answers_in_the_error_shape() {
    let e = env_with(Limits {
        body_bytes: 64 * 1024,
        zip_entries: 8,
        ..Limits::default()
    });
    let app = e.app();
    let big = vec![b'x'; 65 * 1024];
    let evil = zip_files(&[("../../etc/a.shp", b"x")]);
    let no_shp = zip_files(&[("a.dbf", b"x")]);
    let many: Vec<(String, Vec<u8>)> = (0..9).map(|i| (format!("f{i}.txt"), vec![b'1'])).collect();
    let many = zip_files(
        &many
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect::<Vec<_>>(),
    );
    let cases: Vec<Case> = vec![
        (
            "no token",
            Method::POST,
            "/api/reviews",
            None,
            None,
            b"x".to_vec(),
            401,
            "unauthorized",
        ),
        (
            "bad token",
            Method::POST,
            "/api/reviews",
            Some("nope"),
            None,
            b"x".to_vec(),
            401,
            "unauthorized",
        ),
        (
            "viewer writes",
            Method::POST,
            "/api/reviews",
            Some("tok-viewer"),
            None,
            b"x".to_vec(),
            403,
            "forbidden",
        ),
        (
            "png",
            Method::POST,
            "/api/reviews",
            ADMIN,
            Some("image/png"),
            b"\x89PNG".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "csv as parcels",
            Method::POST,
            "/api/reviews?filename=a.csv",
            ADMIN,
            None,
            b"id,lon".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "empty",
            Method::POST,
            "/api/reviews",
            ADMIN,
            Some("text/plain"),
            Vec::new(),
            400,
            "bad_request",
        ),
        (
            "too big",
            Method::POST,
            "/api/reviews",
            ADMIN,
            Some("text/plain"),
            big,
            413,
            "payload_too_large",
        ),
        (
            "zip slip",
            Method::POST,
            "/api/reviews",
            ADMIN,
            None,
            evil,
            400,
            "bad_request",
        ),
        (
            "zip without shp",
            Method::POST,
            "/api/reviews",
            ADMIN,
            None,
            no_shp,
            422,
            "invalid_input",
        ),
        (
            "zip entries",
            Method::POST,
            "/api/reviews",
            ADMIN,
            None,
            many,
            413,
            "payload_too_large",
        ),
        (
            "bad format",
            Method::POST,
            "/api/reviews?format=pdf",
            ADMIN,
            None,
            b"x".to_vec(),
            400,
            "bad_request",
        ),
        (
            "no review",
            Method::GET,
            "/api/reviews/999",
            ADMIN,
            None,
            Vec::new(),
            404,
            "not_found",
        ),
        (
            "id not a number",
            Method::GET,
            "/api/reviews/abc",
            ADMIN,
            None,
            Vec::new(),
            400,
            "bad_request",
        ),
        (
            "no route",
            Method::GET,
            "/api/nothing",
            ADMIN,
            None,
            Vec::new(),
            404,
            "no_route",
        ),
        (
            "wrong method",
            Method::DELETE,
            "/api/reviews",
            ADMIN,
            None,
            Vec::new(),
            405,
            "method_not_allowed",
        ),
        (
            "bad bbox",
            Method::GET,
            "/api/layers/landuse/features?bbox=1,2,3",
            ADMIN,
            None,
            Vec::new(),
            400,
            "bad_request",
        ),
        (
            "no layer",
            Method::GET,
            "/api/layers/nope/features?bbox=117,29,118,30",
            ADMIN,
            None,
            Vec::new(),
            404,
            "not_found",
        ),
        (
            "no issue",
            Method::GET,
            "/api/ledger/42",
            ADMIN,
            None,
            Vec::new(),
            404,
            "not_found",
        ),
        (
            "bad status",
            Method::GET,
            "/api/ledger?status=done",
            ADMIN,
            None,
            Vec::new(),
            400,
            "bad_request",
        ),
        (
            "bad sheet",
            Method::GET,
            "/api/ledger/summary?format=csv&sheet=x",
            ADMIN,
            None,
            Vec::new(),
            400,
            "bad_request",
        ),
        (
            "bad transition body",
            Method::POST,
            "/api/ledger/1/transition",
            ADMIN,
            Some("application/json"),
            b"{".to_vec(),
            422,
            "invalid_input",
        ),
        (
            "audit for viewer",
            Method::GET,
            "/api/audit",
            Some("tok-viewer"),
            None,
            Vec::new(),
            403,
            "forbidden",
        ),
    ];
    for (what, method, uri, token, ct, body, status, code) in cases {
        let r = call(&app, method, uri, token, ct, body).await;
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.text());
        assert_eq!(r.code(), code, "{what}");
    }
    // A file that cannot be read is 422 and names the file (never the server's folders).
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=%E5%9D%8F.geojson",
        ADMIN,
        None,
        "{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let msg = r.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(msg.starts_with("坏.geojson"), "{msg}");
    assert!(!msg.contains("/tmp") && !msg.contains("data/"), "{msg}");
    // A bad point line in a TXT does not abort the batch: that parcel is invalid, the finding
    // names the file and the line.
    let txt = String::from_utf8(read("review/parcels/ka02_utf8_bom.txt"))
        .expect("utf8")
        .replace("J2,1,3270085.620,", "J2,1,32700x5.620,");
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=%E5%9D%8F.txt",
        ADMIN,
        Some("text/plain"),
        txt,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let p = &r.json()["parcels"][0];
    assert_eq!(p["verdict"], "invalid");
    assert!(
        p["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("坏.txt:15:")),
        "{p}"
    );
    // 401 answers say how to authenticate.
    let r = get(&app, "/api/layers", None).await;
    assert_eq!(
        r.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_408() {
    let e = env_with(Limits {
        timeout: std::time::Duration::from_millis(1),
        ..Limits::default()
    });
    let app = e.app();
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=b.txt",
        ADMIN,
        None,
        read("review/parcels/batch_ka10_ka12.txt"),
    )
    .await;
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT, "{}", r.text());
    assert_eq!(r.code(), "timeout");
}

#[tokio::test]
async fn inspection_ledger_life_cycle_summaries_and_exports() {
    let e = env();
    let app = e.app();
    // Placement only.
    let r = call(
        &app,
        Method::POST,
        "/api/inspections?filename=clues_gbk.csv",
        Some("tok-inspector"),
        None,
        read("inspect/clues/clues_gbk.csv"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let first = &v["clues"][0];
    assert_eq!(first["id"], "LS2020-001");
    assert_eq!(first["county_code"], "360222");
    assert_eq!(first["zone"], "core");
    assert_eq!(first["focus"], true);
    assert_eq!(v["problems"].as_array().map(std::vec::Vec::len), Some(2));
    assert!(
        v["problems"][0]
            .as_str()
            .is_some_and(|p| p.starts_with("clues_gbk.csv:7:3:")),
        "{}",
        v["problems"][0]
    );
    assert_eq!(
        v["layer_versions"].as_array().map(std::vec::Vec::len),
        Some(2)
    );
    assert_eq!(get(&app, "/api/ledger", ADMIN).await.json()["total"], 0);
    // XLSX, multipart, with import.
    let (ct, body) = multipart("clues.xlsx", &read("inspect/clues/clues.xlsx"));
    let r = call(
        &app,
        Method::POST,
        "/api/inspections?import=true",
        Some("tok-inspector"),
        Some(&ct),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let added = v["import"]["added"].as_u64().expect("added");
    assert_eq!(
        added as usize,
        v["clues"].as_array().map_or(0, std::vec::Vec::len)
    );
    // List with filters and pagination.
    let l = get(&app, "/api/ledger?county=浮梁县&limit=2&offset=1", ADMIN)
        .await
        .json();
    let fl = l["total"].as_u64().expect("total");
    assert!(fl >= 3);
    assert_eq!(l["entries"].as_array().map(std::vec::Vec::len), Some(2));
    let focus = get(&app, "/api/ledger?focus=true", ADMIN).await.json();
    assert!(focus["entries"]
        .as_array()
        .is_some_and(|a| a.iter().all(|e| e["focus"] == true)));
    // Show with history, transition, stale version → 409, illegal move → 409.
    let one = get(&app, "/api/ledger/1", Some("tok-viewer")).await.json();
    let version = one["entry"]["version"].as_i64().expect("version");
    assert_eq!(one["history"][0]["action"], "import");
    assert!(one["entry"]["layer_versions"]
        .as_str()
        .is_some_and(|s| s.contains("reserves=")));
    let t = |version: i64, to: &str| {
        json!({"version": version, "to": to, "reason": "现场核查"}).to_string()
    };
    let r = call(
        &app,
        Method::POST,
        "/api/ledger/1/transition",
        Some("tok-inspector"),
        Some("application/json"),
        t(version, "属实"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status_cn"], "属实");
    let r = call(
        &app,
        Method::POST,
        "/api/ledger/1/transition",
        Some("tok-inspector"),
        Some("application/json"),
        t(version, "整改中"),
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "conflict")
    );
    let r = call(
        &app,
        Method::POST,
        "/api/ledger/1/transition",
        Some("tok-inspector"),
        Some("application/json"),
        t(version + 1, "已销号"),
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "illegal_transition")
    );
    let r = call(
        &app,
        Method::POST,
        "/api/ledger/1/transition",
        Some("tok-reviewer"),
        Some("application/json"),
        t(version + 1, "整改中"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let h = get(&app, "/api/ledger/1", ADMIN).await.json();
    assert_eq!(h["history"].as_array().map(std::vec::Vec::len), Some(2));
    assert_eq!(h["history"][1]["who"], "核查员");
    // Summaries.
    let s = get(&app, "/api/ledger/summary", ADMIN).await;
    assert_eq!(s.status, StatusCode::OK);
    assert_eq!(s.json()["total_count"].as_u64(), Some(added));
    let csv = get(&app, "/api/ledger/summary?format=csv", ADMIN).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"));
    assert!(csv.text().contains("合计"));
    let csv = get(
        &app,
        "/api/ledger/summary?format=csv&sheet=focus&gbk=true",
        ADMIN,
    )
    .await;
    assert_eq!(
        csv.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=gbk")
    );
    let x = get(&app, "/api/ledger/summary?format=xlsx", ADMIN).await;
    assert!(x.body.starts_with(b"PK\x03\x04"));
    // Exports.
    let g = get(&app, "/api/ledger/export?format=geojson", ADMIN).await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(
        g.json()["features"].as_array().map(|a| a.len() as u64),
        Some(added)
    );
    let z = get(&app, "/api/ledger/export?format=shapefile", ADMIN).await;
    assert_eq!(z.status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(z.body.to_vec())).expect("zip");
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    for ext in ["shp", "shx", "dbf", "prj"] {
        assert!(names.contains(&format!("ledger.{ext}")), "{names:?}");
    }
    assert!(zip.by_name("ledger.shp").expect("shp").size() > 100);
}

#[tokio::test]
async fn layers_bbox_and_a_new_version() {
    let e = env();
    let app = e.app();
    let l = get(&app, "/api/layers", Some("tok-viewer")).await.json();
    let layers = l["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 8);
    let hazard = layers
        .iter()
        .find(|l| l["name"] == "geohazard")
        .expect("geohazard");
    assert_eq!(hazard["version"], 1);
    assert_eq!(hazard["sha256"].as_str().map(str::len), Some(64));
    let n = hazard["features"].as_u64().expect("features");
    // The whole city box holds every feature; a box in the sea none.
    let all = get(
        &app,
        "/api/layers/geohazard/features?bbox=116,28,119,31",
        Some("tok-viewer"),
    )
    .await
    .json();
    assert_eq!(all["features"].as_array().map(|a| a.len() as u64), Some(n));
    let c = &all["features"][0]["geometry"]["coordinates"][0][0][0];
    let lon = c[0].as_f64().expect("lon");
    assert!((116.0..119.0).contains(&lon), "lon/lat expected, got {c}");
    let none = get(
        &app,
        "/api/layers/geohazard/features?bbox=120,20,121,21",
        Some("tok-viewer"),
    )
    .await
    .json();
    assert_eq!(none["features"], json!([]));
    let one = get(
        &app,
        "/api/layers/reserves/features?bbox=116,28,119,31&limit=1",
        Some("tok-viewer"),
    )
    .await
    .json();
    assert_eq!(
        (
            one["features"].as_array().map(std::vec::Vec::len),
            &one["truncated"]
        ),
        (Some(1), &json!(true))
    );
    // A new version: the first feature only.
    let src: Value =
        serde_json::from_slice(&read("review/layers/geohazard.geojson")).expect("json");
    let mut one_feature = src.clone();
    one_feature["features"] = json!([src["features"][0].clone()]);
    let body = one_feature.to_string();
    let r = call(
        &app,
        Method::PUT,
        "/api/layers/geohazard",
        Some("tok-reviewer"),
        None,
        body.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &app,
        Method::PUT,
        "/api/layers/geohazard",
        ADMIN,
        Some("application/geo+json"),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let st = r.json();
    assert_eq!(
        (st["version"].as_i64(), st["features"].as_u64()),
        (Some(2), Some(1))
    );
    assert_ne!(st["sha256"], hazard["sha256"]);
    assert_eq!(st["uploaded_by"], "管理员");
    let v = get(&app, "/api/layers/geohazard/versions", ADMIN)
        .await
        .json();
    assert_eq!(v["uploads"][0]["version"], 2);
    // Reviews now name version 2.
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=ka01.txt",
        ADMIN,
        None,
        read("review/parcels/ka01_gbk_crlf.txt"),
    )
    .await;
    let used = r.json()["layer_versions"].clone();
    let g = used
        .as_array()
        .and_then(|a| a.iter().find(|u| u["name"] == "geohazard"))
        .cloned()
        .expect("geohazard used");
    assert_eq!(
        (g["version"].as_i64(), &g["sha256"]),
        (Some(2), &st["sha256"])
    );
    // A broken upload is refused and changes nothing.
    let r = call(&app, Method::PUT, "/api/layers/geohazard", ADMIN, None, "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [117, 29]}, \"properties\": {}}]}").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let l = get(&app, "/api/layers", ADMIN).await.json();
    let h = l["layers"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["name"] == "geohazard"))
        .cloned()
        .expect("h");
    assert_eq!(h["version"], 2);
    // A restart keeps the uploaded version in force.
    let again = redline_http::AppState::build(
        config_in(e.dir.path()),
        &e.dir.path().join("data"),
        Limits::default(),
    )
    .expect("rebuild");
    let cat = again.catalogue.load();
    let st2 = cat.layer_state("geohazard").expect("state");
    assert_eq!(
        (st2.version, st2.sha256.as_str()),
        (2, st["sha256"].as_str().unwrap_or(""))
    );
    // A zipped shapefile upload.
    let parts: Vec<(String, Vec<u8>)> = ["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|x| {
            (
                format!("landuse.{x}"),
                read(&format!("review/layers/landuse.{x}")),
            )
        })
        .collect();
    let zip = zip_files(
        &parts
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect::<Vec<_>>(),
    );
    let r = call(
        &app,
        Method::PUT,
        "/api/layers/landuse",
        ADMIN,
        Some("application/zip"),
        zip,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    let orig = layers
        .iter()
        .find(|l| l["name"] == "landuse")
        .expect("landuse");
    assert_eq!(
        r.json()["sha256"],
        orig["sha256"],
        "same files, same sha256"
    );
}

#[tokio::test]
async fn county_scope_limits_reviews_and_ledger() {
    let e = env();
    let app = e.app();
    let body = read("review/parcels/ka01_gbk_crlf.txt");
    // The 浮梁县 reviewer's review is stamped with its county; asking for another county is 403.
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=a.txt",
        Some("tok-fl-reviewer"),
        None,
        body.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let fl = r.json()["review_id"].as_i64().expect("id");
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=a.txt&county=360281",
        Some("tok-fl-reviewer"),
        None,
        body.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=a.txt&county=360281",
        ADMIN,
        None,
        body,
    )
    .await;
    let lp = r.json()["review_id"].as_i64().expect("id");
    let g = get(&app, &format!("/api/reviews/{fl}"), Some("tok-fl-reviewer")).await;
    assert_eq!(g.json()["review"]["county"], "浮梁县");
    assert_eq!(
        get(&app, &format!("/api/reviews/{lp}"), Some("tok-fl-reviewer"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, &format!("/api/reviews/{fl}"), Some("tok-lp-admin"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let list = get(&app, "/api/reviews", Some("tok-fl-reviewer"))
        .await
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["reviews"][0]["id"], fl);
    assert_eq!(get(&app, "/api/reviews", ADMIN).await.json()["total"], 2);
    let d = call(
        &app,
        Method::POST,
        &format!("/api/reviews/{lp}/decisions"),
        Some("tok-fl-reviewer"),
        Some("application/json"),
        json!({"decision": "通过"}).to_string(),
    )
    .await;
    assert_eq!(d.status, StatusCode::FORBIDDEN);
    // Ledger: the 乐平市 admin imports the whole list but only its county's clues go in.
    let r = call(
        &app,
        Method::POST,
        "/api/inspections?import=true&filename=c.csv",
        Some("tok-lp-admin"),
        None,
        read("inspect/clues/clues_gbk.csv"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert!(v["clues"]
        .as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(|c| c["county"] == "乐平市")));
    assert!(v["out_of_scope"].as_u64().is_some_and(|n| n > 0));
    let l = get(&app, "/api/ledger", Some("tok-lp-admin")).await.json();
    assert_eq!(l["total"], v["import"]["added"]);
    assert_eq!(
        get(&app, "/api/ledger?county=浮梁县", Some("tok-lp-admin"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, "/api/ledger?county=360281", Some("tok-lp-admin"))
            .await
            .status,
        StatusCode::OK
    );
    // The admin imports the rest; the 乐平市 token cannot see or move a 浮梁县 issue.
    let r = call(
        &app,
        Method::POST,
        "/api/inspections?import=true&filename=c.csv",
        ADMIN,
        None,
        read("inspect/clues/clues_gbk.csv"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let all = get(&app, "/api/ledger?county=360222&limit=1", ADMIN)
        .await
        .json();
    let id = all["entries"][0]["id"].as_i64().expect("id");
    assert_eq!(
        get(&app, &format!("/api/ledger/{id}"), Some("tok-lp-admin"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let t = call(
        &app,
        Method::POST,
        &format!("/api/ledger/{id}/transition"),
        Some("tok-lp-admin"),
        Some("application/json"),
        json!({"version": 1, "to": "属实"}).to_string(),
    )
    .await;
    assert_eq!(t.status, StatusCode::FORBIDDEN);
    let s = get(&app, "/api/ledger/summary", Some("tok-lp-admin"))
        .await
        .json();
    assert!(s["rows"]
        .as_array()
        .is_some_and(|r| r.iter().all(|r| r["county"] == "乐平市")));
}

#[tokio::test]
async fn writes_are_audited_under_the_token_name() {
    let e = env();
    let app = e.app();
    call(
        &app,
        Method::POST,
        "/api/reviews?filename=a.txt",
        Some("tok-reviewer"),
        None,
        read("review/parcels/ka01_gbk_crlf.txt"),
    )
    .await;
    call(
        &app,
        Method::POST,
        "/api/reviews",
        Some("tok-viewer"),
        None,
        Body::from("x"),
    )
    .await;
    get(&app, "/api/reviews", Some("tok-viewer")).await;
    call(
        &app,
        Method::POST,
        "/api/reviews",
        None,
        None,
        Body::from("x"),
    )
    .await;
    let a = get(&app, "/api/audit", ADMIN).await.json();
    let entries = a["entries"].as_array().expect("entries");
    let rows: Vec<(String, String, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["token_name"].as_str().unwrap_or("").to_string(),
                e["path"].as_str().unwrap_or("").to_string(),
                e["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // Newest first; reads and anonymous attempts are not writes of a token.
    assert_eq!(
        rows,
        vec![
            ("查看员".to_string(), "/api/reviews".to_string(), 403),
            ("审查员".to_string(), "/api/reviews".to_string(), 201),
        ]
    );
    assert!(
        entries.iter().all(|e| !e.to_string().contains("tok-")),
        "tokens never stored"
    );
}

#[tokio::test]
async fn openapi_document_matches_the_route_table() {
    use std::collections::BTreeSet;
    use utoipa::OpenApi;
    let doc = redline_http::openapi::ApiDoc::openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        for (m, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ] {
            if op.is_some() {
                documented.insert((m.to_string(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = redline_http::route_table()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routed);
    // Every route in the table is live in the router (not the fallback, not 405).
    let e = env();
    let app = e.app();
    for (m, p) in &routed {
        let uri = p.replace("{id}", "1").replace("{name}", "geohazard");
        let method: Method = m.parse().expect("method");
        let r = call(&app, method, &uri, None, None, Body::empty()).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m} {p}");
        if r.status == StatusCode::NOT_FOUND {
            assert_ne!(r.code(), "no_route", "{m} {p}");
        }
    }
    // The served document is the same.
    let served = get(&app, "/openapi.json", None).await.json();
    assert_eq!(served, serde_json::to_value(&doc).expect("doc"));
}
