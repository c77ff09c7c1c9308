//! Shared set-up of the HTTP tests: the demo project (both fixture projects in one file) in a
//! temporary folder, with one token per role and two county-scoped tokens.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use redline_core::config::{Config, Role, TokenConfig};
use redline_http::{auth::token_hash, demo, AppState, Limits};
use tower::ServiceExt;

/// (token name, token, role, county scope)
pub const TOKENS: &[(&str, &str, Role, Option<&str>)] = &[
    ("查看员", "tok-viewer", Role::Viewer, None),
    ("审查员", "tok-reviewer", Role::Reviewer, None),
    ("核查员", "tok-inspector", Role::Inspector, None),
    ("管理员", "tok-admin", Role::Admin, None),
    (
        "浮梁审查员",
        "tok-fl-reviewer",
        Role::Reviewer,
        Some("360222"),
    ),
    ("乐平管理员", "tok-lp-admin", Role::Admin, Some("乐平市")),
];

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub state: AppState,
}

pub fn config_in(dir: &Path) -> Config {
    let tokens: Vec<TokenConfig> = TOKENS
        .iter()
        .map(|(name, tok, role, county)| TokenConfig {
            name: name.to_string(),
            sha256: token_hash(tok),
            role: *role,
            county: county.map(str::to_string),
        })
        .collect();
    let text = demo::combined_config(&fixtures(), &tokens).expect("config text");
    let path = dir.join("project.toml");
    std::fs::write(&path, text).expect("write config");
    Config::load(&path).expect("load config")
}

pub fn env_with(limits: Limits) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_in(dir.path());
    let state = AppState::build(config, &dir.path().join("data"), limits).expect("state");
    Env { dir, state }
}

pub fn env() -> Env {
    env_with(Limits::default())
}

impl Env {
    pub fn app(&self) -> Router {
        redline_http::app(self.state.clone())
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of an error answer (asserting the error shape).
    pub fn code(&self) -> String {
        let v = self.json();
        let e = &v["error"];
        assert!(e["message"].is_string(), "error shape: {v}");
        e["code"].as_str().expect("error.code").to_string()
    }
}

pub async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Resp {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(c) = content_type {
        req = req.header("content-type", c);
    }
    let resp = app
        .clone()
        .oneshot(req.body(body.into()).expect("request"))
        .await
        .expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    Resp {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str, token: Option<&str>) -> Resp {
    call(app, Method::GET, uri, token, None, Body::empty()).await
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).expect("fixture")
}

/// A multipart body with one file part; returns (content type, body).
pub fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----redline-test-boundary-7f3a";
    let mut b = Vec::new();
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

/// A zip of fixture files (flattened names).
pub fn zip_files(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// The parcels shapefile of the review fixtures as a zip.
pub fn q_parcels_zip() -> Vec<u8> {
    let parts: Vec<(String, Vec<u8>)> = ["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|e| {
            (
                format!("q_parcels/q_parcels.{e}"),
                read(&format!("review/parcels/q_parcels.{e}")),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_files(&refs)
}
