//! The OpenAPI document is valid: every operation has its own operationId (checked here, fast,
//! naming the duplicate), and the served `/openapi.json` passes the real
//! `openapi-spec-validator`, which `scripts/setup` installs into `target/py-openapi`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod http_common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use axum::http::StatusCode;
use http_common::*;
use utoipa::OpenApi;

/// The pinned validator's command, in the venv made by `scripts/setup`.
fn validator() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/py-openapi/bin/openapi-spec-validator")
}

#[test]
fn every_operation_has_a_unique_operation_id() {
    let doc = redline_http::openapi::ApiDoc::openapi();
    let mut missing = Vec::new();
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("OPTIONS", &item.options),
            ("HEAD", &item.head),
            ("PATCH", &item.patch),
            ("TRACE", &item.trace),
        ] {
            let Some(op) = op else { continue };
            let route = format!("{method} {path}");
            match op.operation_id.as_deref() {
                Some(id) if !id.trim().is_empty() => {
                    ids.entry(id.to_string()).or_default().push(route);
                }
                _ => missing.push(route),
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without an operationId: {missing:?}"
    );
    let duplicates: Vec<String> = ids
        .iter()
        .filter(|(_, routes)| routes.len() > 1)
        .map(|(id, routes)| format!("{id:?} is used by {}", routes.join(", ")))
        .collect();
    assert!(
        duplicates.is_empty(),
        "duplicate operationIds: {}",
        duplicates.join("; ")
    );
    assert!(!ids.is_empty(), "the document has no operations");
}

#[tokio::test]
async fn served_document_passes_openapi_spec_validator() {
    let cmd = validator();
    assert!(
        cmd.is_file(),
        "{} is missing: run `bash scripts/setup` (it installs the pinned openapi-spec-validator)",
        cmd.display()
    );
    let e = env();
    let app = e.app();
    let r = get(&app, "/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let file = e.dir.path().join("openapi.json");
    std::fs::write(&file, &r.body).expect("write openapi.json");
    let out = Command::new(&cmd)
        .args(["--validation-errors", "all", "--subschema-errors", "all"])
        .arg(&file)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", cmd.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects /openapi.json ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("OK"),
        "unexpected validator output:\n{stdout}\n{stderr}"
    );
}
