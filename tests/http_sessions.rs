//! Log-in sessions of the web application: passwords (argon2id), the session cookie
//! (HttpOnly, SameSite=Strict), CSRF on every write, lock-out after failed logins, audit rows,
//! disabled users, county scope, and the embedded pages' headers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod http_common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_common::{env, get, Resp};
use serde_json::{json, Value};
use tower::ServiceExt;

/// A request with optional bearer token, session cookie, CSRF header and JSON body.
async fn send(
    app: &axum::Router,
    method: Method,
    uri: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("theme=dark; redline_session={c}"));
    }
    if let Some(c) = csrf {
        req = req.header("x-csrf-token", c);
    }
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
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

/// A JSON POST with the admin's bearer token.
async fn admin_post(app: &axum::Router, uri: &str, body: Value) -> Resp {
    http_common::call(
        app,
        Method::POST,
        uri,
        Some("tok-admin"),
        Some("application/json"),
        body.to_string(),
    )
    .await
}

/// A login attempt, whatever its outcome.
async fn attempt(app: &axum::Router, user: &str, password: &str) -> Resp {
    send(
        app,
        Method::POST,
        "/api/session",
        None,
        None,
        Some(json!({"username": user, "password": password})),
    )
    .await
}

async fn admin_creates(app: &axum::Router, user: Value) {
    let r = admin_post(app, "/api/users", user).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// Log in; returns (cookie token, csrf).
async fn login(app: &axum::Router, user: &str, password: &str) -> (String, String) {
    let r = send(
        app,
        Method::POST,
        "/api/session",
        None,
        None,
        Some(json!({"username": user, "password": password})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let set = r.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    let token = set
        .strip_prefix("redline_session=")
        .and_then(|s| s.split(';').next())
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 64);
    let v = r.json();
    assert_eq!(v["user"]["username"], user);
    (token, v["csrf"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn password_login_cookie_csrf_and_logout() {
    let e = env();
    let app = e.app();
    admin_creates(
        &app,
        json!({"username": "zhang", "password": "审查员密码123", "role": "reviewer", "display_name": "张三"}),
    )
    .await;

    // A wrong password: 401 in words, no cookie.
    let bad = attempt(&app, "zhang", "wrong-password").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.code(), "bad_login");
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("用户名或密码错误"));
    assert!(bad.headers.get("set-cookie").is_none());

    let (cookie, csrf) = login(&app, "zhang", "审查员密码123").await;
    let me = send(&app, Method::GET, "/api/session", Some(&cookie), None, None).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["user"]["display_name"], "张三");
    assert_eq!(me["user"]["role"], "reviewer");
    assert_eq!(me["csrf"], csrf.as_str());
    assert_eq!(me["via"], "session");

    // Reads work with the cookie alone.
    let list = send(&app, Method::GET, "/api/reviews", Some(&cookie), None, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());

    // A write without the CSRF token, or with a wrong one, is refused before the handler.
    let body = http_common::read("review/parcels/ka01_gbk_crlf.txt");
    for token in [None, Some("0".repeat(64))] {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/api/reviews?filename=ka01.txt")
            .header("cookie", format!("redline_session={cookie}"));
        if let Some(t) = &token {
            req = req.header("x-csrf-token", t);
        }
        let r = app
            .clone()
            .oneshot(req.body(Body::from(body.clone())).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "csrf {token:?}");
    }
    // With it, the review is stored under the user's name.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/reviews?filename=ka01.txt")
        .header("cookie", format!("redline_session={cookie}"))
        .header("x-csrf-token", &csrf)
        .body(Body::from(body))
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let stored = get(&app, "/api/reviews", Some("tok-admin")).await.json();
    assert_eq!(stored["reviews"][0]["who"], "zhang", "{stored}");

    // A reviewer's session may not manage users.
    let r = send(
        &app,
        Method::POST,
        "/api/users",
        Some(&cookie),
        Some(&csrf),
        Some(json!({"username": "x", "password": "long enough", "role": "admin"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "forbidden");

    // Logging out ends the session; the cookie no longer works.
    let out = send(
        &app,
        Method::DELETE,
        "/api/session",
        Some(&cookie),
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let me = send(&app, Method::GET, "/api/session", Some(&cookie), None, None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let list = send(&app, Method::GET, "/api/reviews", Some(&cookie), None, None).await;
    assert_eq!(list.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failed_logins_are_limited_and_audited() {
    let e = env();
    let app = e.app();
    admin_creates(
        &app,
        json!({"username": "li", "password": "inspector-pass", "role": "inspector"}),
    )
    .await;
    for _ in 0..5 {
        let r = attempt(&app, "li", "guess-guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, with Retry-After.
    let r = attempt(&app, "li", "inspector-pass").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "login_locked");
    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Every attempt is in the audit log, by the name typed.
    let audit = get(&app, "/api/audit?limit=100", Some("tok-admin"))
        .await
        .json();
    let rows: Vec<&Value> = audit["entries"]
        .as_array()
        .or_else(|| audit["rows"].as_array())
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|r| r["token_name"] == "li")
        .collect();
    let statuses: Vec<i64> = rows.iter().map(|r| r["status"].as_i64().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{rows:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{rows:?}"
    );
}

#[tokio::test]
async fn disabled_users_and_reset_passwords() {
    let e = env();
    let app = e.app();
    admin_creates(
        &app,
        json!({"username": "wang", "password": "viewer-pass", "role": "viewer"}),
    )
    .await;
    let (cookie, _) = login(&app, "wang", "viewer-pass").await;
    let dis = admin_post(&app, "/api/users/wang/disabled", json!({"disabled": true})).await;
    assert_eq!(dis.status, StatusCode::NO_CONTENT, "{}", dis.text());
    let me = send(&app, Method::GET, "/api/session", Some(&cookie), None, None).await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "disabling ends sessions"
    );
    let r = attempt(&app, "wang", "viewer-pass").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "account_disabled");

    let users = get(&app, "/api/users", Some("tok-admin")).await.json();
    let wang = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "wang")
        .unwrap();
    assert_eq!(wang["disabled"], true);
    assert!(wang.get("password_hash").is_none(), "{wang}");

    let en = admin_post(&app, "/api/users/wang/disabled", json!({"disabled": false})).await;
    assert_eq!(en.status, StatusCode::NO_CONTENT);
    let reset = admin_post(
        &app,
        "/api/users/wang/password",
        json!({"password": "new-viewer-pass"}),
    )
    .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    let old = attempt(&app, "wang", "viewer-pass").await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    login(&app, "wang", "new-viewer-pass").await;

    // Bad requests say what is wrong.
    for (body, code) in [
        (
            json!({"username": "a b", "password": "long enough", "role": "viewer"}),
            400,
        ),
        (
            json!({"username": "ab", "password": "short", "role": "viewer"}),
            400,
        ),
        (
            json!({"username": "ab", "password": "long enough", "role": "boss"}),
            400,
        ),
        (
            json!({"username": "ab", "password": "long enough", "role": "viewer", "county": "北京市"}),
            400,
        ),
        (
            json!({"username": "wang", "password": "long enough", "role": "viewer"}),
            409,
        ),
    ] {
        let r = admin_post(&app, "/api/users", body.clone()).await;
        assert_eq!(r.status.as_u16(), code, "{body}: {}", r.text());
    }
}

#[tokio::test]
async fn a_county_scoped_user_sees_only_its_county() {
    let e = env();
    let app = e.app();
    admin_creates(
        &app,
        json!({"username": "lp", "password": "leping-pass", "role": "inspector", "county": "乐平市"}),
    )
    .await;
    let (cookie, _) = login(&app, "lp", "leping-pass").await;
    let own = send(&app, Method::GET, "/api/ledger", Some(&cookie), None, None).await;
    assert_eq!(own.status, StatusCode::OK);
    let other = send(
        &app,
        Method::GET,
        "/api/ledger?county=360222",
        Some(&cookie),
        None,
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pages_are_embedded_with_a_same_origin_policy() {
    let e = env();
    let app = e.app();
    let index = get(&app, "/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.headers["content-type"], "text/html; charset=utf-8");
    let csp = index.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(index.text().contains("lang=\"zh"), "a Chinese page");
    let etag = index.headers["etag"].to_str().unwrap().to_string();
    let again = send(&app, Method::GET, "/", None, None, None).await;
    assert_eq!(again.headers["etag"].to_str().unwrap(), etag);
    let req = Request::builder()
        .uri("/")
        .header("if-none-match", &etag)
        .body(Body::empty())
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let missing = get(&app, "/static/nope.js", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_found");
}
