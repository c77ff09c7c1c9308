//! Vector tiles over HTTP: TileJSON per layer, MVT tiles with ETags and 304, a layer upload
//! changing the tiles, and the ledger's issue tiles within the caller's county scope.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod http_common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_common::{call, env, get, read, Resp};
use redline_core::tiles::TileId;
use tower::ServiceExt;

/// A GET with a bearer token and extra headers.
async fn get_with(app: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("authorization", "Bearer tok-admin");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body,
    }
}

/// A protobuf varint at `*i`.
fn varint(b: &[u8], i: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*i];
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

/// The fields of one protobuf message: (field number, varint value or bytes).
fn fields(b: &[u8]) -> Vec<(u64, Result<u64, &[u8]>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let key = varint(b, &mut i);
        match key & 7 {
            0 => out.push((key >> 3, Ok(varint(b, &mut i)))),
            2 => {
                let n = usize::try_from(varint(b, &mut i)).unwrap();
                out.push((key >> 3, Err(&b[i..i + n])));
                i += n;
            }
            w => panic!("wire type {w} not used by MVT"),
        }
    }
    out
}

/// The layers of an MVT tile: (name, feature ids).
fn layers(tile: &[u8]) -> Vec<(String, Vec<u64>)> {
    fields(tile)
        .into_iter()
        .filter(|(f, _)| *f == 3)
        .map(|(_, v)| {
            let layer = v.unwrap_err();
            let mut name = String::new();
            let mut ids = Vec::new();
            for (f, v) in fields(layer) {
                match (f, v) {
                    (1, Err(s)) => name = String::from_utf8(s.to_vec()).unwrap(),
                    (2, Err(feature)) => {
                        for (g, w) in fields(feature) {
                            if let (1, Ok(id)) = (g, w) {
                                ids.push(id);
                            }
                        }
                    }
                    _ => {}
                }
            }
            (name, ids)
        })
        .collect()
}

/// The tile at zoom `z` holding the first vertex of the layer's first feature.
async fn first_vertex_tile(app: &axum::Router, layer: &str, z: u8) -> TileId {
    let fc = get(
        app,
        &format!("/api/layers/{layer}/features?bbox=116,28,119,31"),
        Some("tok-admin"),
    )
    .await
    .json();
    let mut c = &fc["features"][0]["geometry"]["coordinates"];
    while c[0].is_array() {
        c = &c[0];
    }
    TileId::from_lonlat(c[0].as_f64().unwrap(), c[1].as_f64().unwrap(), z).unwrap()
}

#[tokio::test]
async fn layer_tiles_carry_etags_answer_304_and_change_with_the_layer() {
    let e = env();
    let app = e.app();
    let tj = get_with(
        &app,
        "/tiles/geohazard",
        &[("host", "intranet.example:8080")],
    )
    .await;
    assert_eq!(tj.status, StatusCode::OK, "{}", tj.text());
    let tj = tj.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://intranet.example:8080/tiles/geohazard/{z}/{x}/{y}"
    );
    assert_eq!(tj["vector_layers"][0]["id"], "geohazard");
    assert_eq!(tj["version"], "1");
    let b = tj["bounds"].as_array().unwrap();
    let (w, s) = (b[0].as_f64().unwrap(), b[1].as_f64().unwrap());
    assert!(
        (116.0..118.5).contains(&w) && (28.0..30.5).contains(&s),
        "bounds in Jingdezhen: {b:?}"
    );

    let id = first_vertex_tile(&app, "geohazard", 14).await;
    let uri = format!("/tiles/geohazard/{id}");
    let first = get_with(&app, &uri, &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(
        first.headers["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert!(etag.contains("-v1-14-"), "{etag}");
    let info = first.headers["x-tile"].to_str().unwrap().to_string();
    let ls = layers(&first.body);
    assert_eq!(ls.len(), 1);
    assert_eq!(ls[0].0, "geohazard");
    assert!(!ls[0].1.is_empty(), "features in the centre tile: {info}");
    assert!(
        info.starts_with(&format!("features={}", ls[0].1.len())),
        "{info}"
    );

    // Again: the same bytes from the cache; with the ETag: 304 and no body.
    let again = get_with(&app, &uri, &[]).await;
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["etag"], etag.as_str());
    let nm = get_with(&app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(nm.status, StatusCode::NOT_MODIFIED);
    assert!(nm.body.is_empty());
    // `.mvt` after the row is the same tile.
    let mvt = get_with(&app, &format!("{uri}.mvt"), &[]).await;
    assert_eq!(mvt.body, first.body);

    // Outside the grid and unknown layers: 404; a row that is not a number: 400.
    assert_eq!(
        get_with(&app, "/tiles/geohazard/3/8/0", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_with(&app, "/tiles/no-such-layer/3/0/0", &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_with(&app, "/tiles/geohazard/3/0/x", &[]).await.status,
        StatusCode::BAD_REQUEST
    );

    // A new version of the layer without its first feature: the old ETag no longer matches
    // and the tile is cut again from the new features.
    let mut gj: serde_json::Value =
        serde_json::from_slice(&read("review/layers/geohazard.geojson")).unwrap();
    gj["features"].as_array_mut().unwrap().remove(0);
    let up = call(
        &app,
        Method::PUT,
        "/api/layers/geohazard",
        Some("tok-admin"),
        None,
        gj.to_string().into_bytes(),
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    let after = get_with(&app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text());
    let new_etag = after.headers["etag"].to_str().unwrap();
    assert!(new_etag.contains("-v2-14-"), "{new_etag}");
    assert_ne!(after.body, first.body);
    let tj2 = get_with(&app, "/tiles/geohazard", &[]).await.json();
    assert_eq!(tj2["version"], "2");
    assert_ne!(tj2["sha256"], tj["sha256"]);

    let metrics = get(&app, "/metrics", None).await.text();
    assert!(
        metrics.contains("redline_tiles_total{source=\"cache\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn ledger_tiles_show_only_the_callers_county() {
    let e = env();
    let app = e.app();
    let r = call(
        &app,
        Method::POST,
        "/api/inspections?import=true&filename=clues.csv",
        Some("tok-admin"),
        None,
        read("inspect/clues/clues_gbk.csv"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let all = get(&app, "/api/ledger?limit=1000", Some("tok-admin"))
        .await
        .json();
    let entries = all["entries"].as_array().unwrap();
    // One z6 tile holds all of Jingdezhen.
    let id = TileId::from_lonlat(117.3, 29.3, 6).unwrap();
    let uri = format!("/api/ledger/tiles/{id}");
    let ids_as = |token: &'static str| {
        let app = app.clone();
        let uri = uri.clone();
        async move {
            let r = get(&app, &uri, Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert_eq!(
                r.headers["content-type"],
                "application/vnd.mapbox-vector-tile"
            );
            let ls = layers(&r.body);
            assert_eq!(ls[0].0, "issues");
            let mut ids = ls[0].1.clone();
            ids.sort_unstable();
            ids
        }
    };
    let want = |county: Option<&str>| {
        let mut v: Vec<u64> = entries
            .iter()
            .filter(|e| county.is_none_or(|c| e["county"] == c))
            .map(|e| e["id"].as_u64().unwrap())
            .collect();
        v.sort_unstable();
        v
    };
    let everyone = ids_as("tok-admin").await;
    assert_eq!(everyone, want(None));
    assert!(everyone.len() >= 10, "{everyone:?}");
    let fuliang = ids_as("tok-fl-reviewer").await;
    assert_eq!(fuliang, want(Some("浮梁县")));
    assert!(!fuliang.is_empty() && fuliang.len() < everyone.len());
    let leping = ids_as("tok-lp-admin").await;
    assert_eq!(leping, want(Some("乐平市")));
    assert!(leping.iter().all(|i| !fuliang.contains(i)));
    // Asking for another county is refused, as on the list.
    let r = get(&app, &format!("{uri}?county=360222"), Some("tok-lp-admin")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Filters apply: only 矿产资源开发.
    let r = get(
        &app,
        &format!("{uri}?activity=%E7%9F%BF%E4%BA%A7%E8%B5%84%E6%BA%90%E5%BC%80%E5%8F%91"),
        Some("tok-admin"),
    )
    .await;
    let mining: Vec<u64> = entries
        .iter()
        .filter(|e| e["activity"] == "矿产资源开发")
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    let mut got = layers(&r.body)[0].1.clone();
    got.sort_unstable();
    assert_eq!(got, mining);
    assert!(!mining.is_empty());
    // A tile far away is empty (its layer is there, with no feature).
    let far = TileId::from_lonlat(100.0, 40.0, 6).unwrap();
    let r = get(&app, &format!("/api/ledger/tiles/{far}"), Some("tok-admin")).await;
    assert!(layers(&r.body).iter().all(|(_, ids)| ids.is_empty()));
    // The ETag follows the content: the same tile again gives 304.
    let r = get(&app, &uri, Some("tok-admin")).await;
    let etag = r.headers["etag"].to_str().unwrap().to_string();
    let nm = get_with(&app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(nm.status, StatusCode::NOT_MODIFIED);
}
