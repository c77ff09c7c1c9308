//! The auth matrix: every route × (no token, a bad token, each role, a token of the wrong
//! county) → the status code. The wrong-county token is an admin scoped to 乐平市, so its 403s
//! come from the scope alone; the review and the ledger issue used belong to 浮梁县 (360222).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod http_common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use http_common::*;
use redline_core::config::Role;
use serde_json::json;

/// Who calls: a token (or none) and, for a valid token, its role and whether it is the
/// wrong-county one.
#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    BadToken,
    Role(Role, &'static str),
    WrongCounty,
}

const WHO: [Who; 7] = [
    Who::Nobody,
    Who::BadToken,
    Who::Role(Role::Viewer, "tok-viewer"),
    Who::Role(Role::Reviewer, "tok-reviewer"),
    Who::Role(Role::Inspector, "tok-inspector"),
    Who::Role(Role::Admin, "tok-admin"),
    Who::WrongCounty,
];

impl Who {
    fn token(self) -> Option<&'static str> {
        match self {
            Who::Nobody => None,
            Who::BadToken => Some("not-a-token"),
            Who::Role(_, t) => Some(t),
            Who::WrongCounty => Some("tok-lp-admin"),
        }
    }
}

/// One route of the matrix.
struct Row {
    method: Method,
    /// The route template (must match the route table).
    template: &'static str,
    uri: &'static str,
    /// No token needed.
    public: bool,
    /// Roles that may call it (admin always may); empty = any valid token.
    roles: &'static [Role],
    /// The record or filter belongs to 浮梁县: the wrong-county token gets 403.
    scoped: bool,
    ok: u16,
}

const fn row(
    method: Method,
    template: &'static str,
    uri: &'static str,
    public: bool,
    roles: &'static [Role],
    scoped: bool,
    ok: u16,
) -> Row {
    Row {
        method,
        template,
        uri,
        public,
        roles,
        scoped,
        ok,
    }
}

fn rows() -> Vec<Row> {
    use Role::*;
    vec![
        row(Method::GET, "/health", "/health", true, &[], false, 200),
        row(
            Method::GET,
            "/api/config/web",
            "/api/config/web",
            false,
            &[],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/users",
            "/api/users",
            false,
            &[Admin],
            true,
            200,
        ),
        row(
            Method::POST,
            "/api/users",
            "/api/users",
            false,
            &[Admin],
            true,
            201,
        ),
        row(
            Method::POST,
            "/api/users/{username}/password",
            "/api/users/matrix/password",
            false,
            &[Admin],
            true,
            204,
        ),
        row(
            Method::POST,
            "/api/users/{username}/disabled",
            "/api/users/matrix/disabled",
            false,
            &[Admin],
            true,
            204,
        ),
        row(Method::GET, "/version", "/version", true, &[], false, 200),
        row(Method::GET, "/metrics", "/metrics", true, &[], false, 200),
        row(
            Method::GET,
            "/openapi.json",
            "/openapi.json",
            true,
            &[],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/audit",
            "/api/audit",
            false,
            &[Admin],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/layers",
            "/api/layers",
            false,
            &[],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/layers/{name}/features",
            "/api/layers/geohazard/features?bbox=116,28,119,31",
            false,
            &[],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/layers/{name}/versions",
            "/api/layers/geohazard/versions",
            false,
            &[],
            false,
            200,
        ),
        row(
            Method::PUT,
            "/api/layers/{name}",
            "/api/layers/geohazard",
            false,
            &[Admin],
            false,
            201,
        ),
        row(
            Method::POST,
            "/api/reviews",
            "/api/reviews?filename=ka01.txt&county=360222",
            false,
            &[Reviewer],
            true,
            201,
        ),
        row(
            Method::GET,
            "/api/reviews",
            "/api/reviews?county=360222",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::GET,
            "/api/reviews/{id}",
            "/api/reviews/1",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::POST,
            "/api/reviews/{id}/decisions",
            "/api/reviews/1/decisions",
            false,
            &[Reviewer],
            true,
            201,
        ),
        row(
            Method::POST,
            "/api/inspections",
            "/api/inspections?filename=clues.csv",
            false,
            &[Inspector],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/ledger",
            "/api/ledger?county=360222",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::GET,
            "/api/ledger/summary",
            "/api/ledger/summary?county=360222",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::GET,
            "/api/ledger/export",
            "/api/ledger/export?county=360222",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::GET,
            "/tiles/{layer}",
            "/tiles/geohazard",
            false,
            &[],
            false,
            200,
        ),
        row(
            Method::GET,
            "/tiles/{layer}/{z}/{x}/{y}",
            "/tiles/geohazard/10/848/422",
            false,
            &[],
            false,
            200,
        ),
        row(
            Method::GET,
            "/api/ledger/tiles/{z}/{x}/{y}",
            "/api/ledger/tiles/8/212/105?county=360222",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::GET,
            "/api/ledger/{id}",
            "/api/ledger/1",
            false,
            &[],
            true,
            200,
        ),
        row(
            Method::POST,
            "/api/ledger/{id}/transition",
            "/api/ledger/1/transition",
            false,
            &[Inspector],
            true,
            200,
        ),
    ]
}

fn expected(r: &Row, who: Who) -> u16 {
    if r.public {
        return r.ok;
    }
    match who {
        Who::Nobody | Who::BadToken => 401,
        Who::WrongCounty => {
            if r.scoped {
                403
            } else {
                r.ok
            }
        }
        Who::Role(role, _) => {
            if role == Role::Admin || r.roles.is_empty() || r.roles.contains(&role) {
                r.ok
            } else {
                403
            }
        }
    }
}

#[tokio::test]
async fn every_route_by_every_caller() {
    let e = env();
    let app = e.app();
    // A 浮梁县 review (id 1) and the ledger with issue 1 (LS2020-001, 浮梁县).
    let r = call(
        &app,
        Method::POST,
        "/api/reviews?filename=ka01.txt&county=浮梁县",
        Some("tok-admin"),
        None,
        read("review/parcels/ka01_gbk_crlf.txt"),
    )
    .await;
    assert_eq!(r.json()["review_id"], 1);
    let r = call(
        &app,
        Method::POST,
        "/api/inspections?import=true&filename=clues.csv",
        Some("tok-admin"),
        None,
        read("inspect/clues/clues_gbk.csv"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let one = get(&app, "/api/ledger/1", Some("tok-admin")).await.json();
    assert_eq!(one["entry"]["county"], "浮梁县");

    // The matrix covers the whole route table but the log-in session, which answers anyone by
    // what it is given (tests/http_sessions.rs).
    let rows = rows();
    let mut covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.template.to_string()))
        .collect();
    for m in ["GET", "POST", "DELETE"] {
        covered.insert((m.to_string(), "/api/session".to_string()));
    }
    // The user the password and disabled rows act on.
    let r = call(
        &app,
        Method::POST,
        "/api/users",
        Some("tok-admin"),
        Some("application/json"),
        json!({"username": "matrix", "password": "matrix-pass", "role": "viewer"})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let mut new_users = 0;
    let table: BTreeSet<(String, String)> = redline_http::route_table()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(covered, table);

    let mut failures = Vec::new();
    let mut checked = 0;
    for r in &rows {
        for who in WHO {
            let (ct, body): (Option<&str>, Vec<u8>) = match r.template {
                "/api/layers/{name}" => (None, read("review/layers/geohazard.geojson")),
                "/api/reviews" => (None, read("review/parcels/ka01_gbk_crlf.txt")),
                "/api/inspections" => (None, read("inspect/clues/clues_gbk.csv")),
                "/api/users" => {
                    new_users += 1;
                    (
                        Some("application/json"),
                        json!({"username": format!("m{new_users}"), "password": "matrix-pass", "role": "reviewer", "county": "360222"})
                            .to_string()
                            .into_bytes(),
                    )
                }
                "/api/users/{username}/password" => (
                    Some("application/json"),
                    json!({"password": "another-pass"}).to_string().into_bytes(),
                ),
                "/api/users/{username}/disabled" => (
                    Some("application/json"),
                    json!({"disabled": false}).to_string().into_bytes(),
                ),
                "/api/reviews/{id}/decisions" => (
                    Some("application/json"),
                    json!({"decision": "补正", "note": "matrix"})
                        .to_string()
                        .into_bytes(),
                ),
                "/api/ledger/{id}/transition" => {
                    // A legal move from wherever issue 1 is now: pending ⇄ not_an_issue.
                    let cur = get(&app, "/api/ledger/1", Some("tok-admin")).await.json();
                    let version = cur["entry"]["version"].as_i64().unwrap_or(0);
                    let to = if cur["entry"]["status"] == "pending" {
                        "not_an_issue"
                    } else {
                        "pending"
                    };
                    (
                        Some("application/json"),
                        json!({"version": version, "to": to, "reason": "matrix"})
                            .to_string()
                            .into_bytes(),
                    )
                }
                _ => (None, Vec::new()),
            };
            let resp = call(&app, r.method.clone(), r.uri, who.token(), ct, body).await;
            let want = expected(r, who);
            checked += 1;
            if resp.status.as_u16() != want {
                failures.push(format!(
                    "{} {} as {who:?}: got {} want {want}: {}",
                    r.method,
                    r.uri,
                    resp.status,
                    resp.text()
                ));
            } else if want >= 400 {
                let code = resp.code();
                let want_code = if want == 401 {
                    "unauthorized"
                } else {
                    "forbidden"
                };
                if code != want_code {
                    failures.push(format!("{} {} as {who:?}: code {code}", r.method, r.uri));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 27 * 7);
}
