//! People's accounts: logging in and out (`/api/session`), and the admin's user management
//! (`/api/users`). The rules (argon2id, expiry, lock-out) are in [`redline_core::accounts`];
//! here they meet cookies and status codes.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{write_audit, Auth, Caller, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use redline_core::accounts::{self, LoginOutcome, NewUser, User};
use redline_core::config::Role;
use redline_core::storage::NewAudit;

/// The peer address of the connection ("unknown" when the service runs without one, as in
/// tests that call the router directly).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<ClientAddr> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string()),
        ))
    }
}

/// A login.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// 用户名
    pub username: String,
    /// 密码
    pub password: String,
}

fn session_body(user: &User, csrf: Option<&str>, expires_at: Option<&str>, via: &str) -> Value {
    json!({
        "user": user_json(user),
        "csrf": csrf,
        "expires_at": expires_at,
        "via": via,
    })
}

fn user_json(u: &User) -> Value {
    json!({
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "role_cn": u.role.label_cn(),
        "county": u.county,
        "disabled": u.disabled,
        "created_at": u.created_at,
        "last_login_at": u.last_login_at,
    })
}

fn cookie(value: &str, max_age_s: i64) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}"
    ))
    .map_err(ApiError::internal)
}

/// The name recorded for a login attempt: what was typed, cut to 64 characters.
fn attempted(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// Log in with a user name and password: sets the session cookie and answers the CSRF token.
#[utoipa::path(post, path = "/api/session", operation_id = "log_in", tag = "accounts",
    request_body = LoginBody,
    responses(
        (status = 200, description = "{user, csrf, expires_at}; the session cookie is set (HttpOnly, SameSite=Strict)"),
        (status = 401, description = "Wrong user name or password", body = crate::error::ErrorBody),
        (status = 403, description = "The account is disabled", body = crate::error::ErrorBody),
        (status = 429, description = "Too many failed logins; Retry-After says when to try again", body = crate::error::ErrorBody),
    ))]
pub async fn log_in(
    State(s): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<LoginBody>,
) -> ApiResult<Response> {
    let username = body.username.trim().to_string();
    let policy = s.login.clone();
    let outcome = s
        .blocking({
            let username = username.clone();
            let client = client.clone();
            let policy = policy.clone();
            move |s| {
                Ok(accounts::login(
                    s.store.as_ref(),
                    &username,
                    &body.password,
                    &client,
                    chrono::Utc::now(),
                    &policy,
                )?)
            }
        })
        .await?;
    let (status, role, answer) = match outcome {
        LoginOutcome::LoggedIn(ns) => {
            let mut resp = Json(session_body(
                &ns.user,
                Some(&ns.csrf),
                Some(&ns.expires_at),
                "session",
            ))
            .into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                cookie(&ns.token, policy.session_hours * 3600)?,
            );
            (StatusCode::OK, ns.user.role.as_str(), Ok(resp))
        }
        LoginOutcome::BadLogin => (
            StatusCode::UNAUTHORIZED,
            "",
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_login",
                "用户名或密码错误 (wrong user name or password)",
            )),
        ),
        LoginOutcome::Disabled => (
            StatusCode::FORBIDDEN,
            "",
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "account_disabled",
                "账号已停用，请联系管理员 (the account is disabled)",
            )),
        ),
        LoginOutcome::Locked { retry_after_s } => {
            let minutes = (retry_after_s + 59) / 60;
            let mut resp = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "login_locked",
                format!(
                    "登录失败次数过多，请 {minutes} 分钟后再试 (too many failed logins; try again in {minutes} min)"
                ),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            (StatusCode::TOO_MANY_REQUESTS, "", Ok(resp))
        }
    };
    write_audit(
        &s,
        NewAudit {
            request_id: String::new(),
            token_name: attempted(&username),
            role: role.to_string(),
            method: "POST".into(),
            path: format!("/api/session ({client})"),
            status: status.as_u16(),
        },
    )
    .await;
    answer
}

/// Who is logged in: the user and the session's CSRF token (a bearer token answers its name
/// and role, with no CSRF token).
#[utoipa::path(get, path = "/api/session", operation_id = "get_session", tag = "accounts",
    responses(
        (status = 200, description = "{user, csrf, expires_at, via: session|token}"),
        (status = 401, description = "Not logged in", body = crate::error::ErrorBody),
    ))]
pub async fn current(Extension(auth): Extension<Auth>) -> ApiResult<Json<Value>> {
    match auth {
        Auth::Session(s) => Ok(Json(session_body(
            &s.user,
            Some(&s.csrf),
            Some(&s.expires_at),
            "session",
        ))),
        Auth::Token(p) => Ok(Json(json!({
            "user": {"username": p.name, "display_name": p.name, "role": p.role.as_str(),
                     "role_cn": p.role.label_cn(), "county": p.county},
            "csrf": null,
            "expires_at": null,
            "via": "token",
        }))),
        Auth::Anonymous | Auth::Invalid => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录 (please log in)",
        )),
    }
}

/// Log out: the session ends and the cookie is cleared.
#[utoipa::path(delete, path = "/api/session", operation_id = "log_out", tag = "accounts",
    responses((status = 204, description = "Logged out (also when no session was open)")))]
pub async fn log_out(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> ApiResult<Response> {
    if let Auth::Session(sess) = auth {
        let token = sess.token;
        s.blocking(move |s| Ok(accounts::logout(s.store.as_ref(), &token)?))
            .await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0)?);
    Ok(resp)
}

/// Every user (admin).
#[utoipa::path(get, path = "/api/users", operation_id = "list_users", tag = "accounts",
    responses(
        (status = 200, description = "{users: [{username, display_name, role, county, disabled, created_at, last_login_at}]}"),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list_users(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    need_user_admin(&caller)?;
    let users = s.blocking(|s| Ok(s.store.users()?)).await?;
    Ok(Json(
        json!({"users": users.iter().map(user_json).collect::<Vec<_>>()}),
    ))
}

/// A new user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// 用户名 (1–64 characters, no spaces)
    pub username: String,
    /// 初始密码 (at least 8 characters)
    pub password: String,
    /// viewer, reviewer, inspector or admin
    pub role: String,
    /// County code or name of the county layer; none: every county
    pub county: Option<String>,
    /// 姓名 shown on pages
    pub display_name: Option<String>,
}

/// User management is for an admin without a county scope.
fn need_user_admin(caller: &Caller) -> ApiResult<()> {
    caller.need(&[])?;
    if caller.scope().is_some() {
        return Err(ApiError::forbidden(
            "用户管理需要不限县区的管理员 (managing users needs an admin without a county scope)",
        ));
    }
    Ok(())
}

fn parse_role(r: &str) -> ApiResult<Role> {
    Role::parse(r).ok_or_else(|| {
        ApiError::bad_request(format!(
            "未知角色 {r:?} (role must be viewer, reviewer, inspector or admin)"
        ))
    })
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/users", operation_id = "create_user", tag = "accounts",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "The user"),
        (status = 400, description = "Bad user name, short password, unknown role or county", body = crate::error::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::error::ErrorBody),
        (status = 409, description = "The user exists", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewUserBody>,
) -> ApiResult<Response> {
    need_user_admin(&caller)?;
    let role = parse_role(&body.role)?;
    let county = body
        .county
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            let cat = s.catalogue.load();
            if cat.inspector.is_some() && cat.county(c).is_none() {
                Err(ApiError::bad_request(format!(
                    "未知县区 {c:?} (no such county in the county layer)"
                )))
            } else {
                Ok(c.to_string())
            }
        })
        .transpose()?;
    let user = s
        .blocking(move |s| {
            Ok(accounts::create_user(
                s.store.as_ref(),
                &NewUser {
                    username: body.username.trim(),
                    display_name: body.display_name.as_deref().unwrap_or(""),
                    password: &body.password,
                    role,
                    county: county.as_deref(),
                },
                chrono::Utc::now(),
            )?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

/// A new password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// 新密码 (at least 8 characters)
    pub password: String,
}

/// Reset a user's password (admin); the user's sessions end.
#[utoipa::path(post, path = "/api/users/{username}/password", operation_id = "reset_user_password", tag = "accounts",
    params(("username" = String, Path, description = "用户名")),
    request_body = PasswordBody,
    responses(
        (status = 204, description = "Reset"),
        (status = 400, description = "Too short", body = crate::error::ErrorBody),
        (status = 404, description = "No such user", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn reset_password(
    State(s): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    Json(body): Json<PasswordBody>,
) -> ApiResult<StatusCode> {
    need_user_admin(&caller)?;
    s.blocking(move |s| {
        Ok(accounts::reset_password(
            s.store.as_ref(),
            &username,
            &body.password,
        )?)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disable or enable a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisabledBody {
    /// true: 停用 (the user's sessions end); false: 启用
    pub disabled: bool,
}

/// Disable or enable a user (admin). An admin cannot disable their own account.
#[utoipa::path(post, path = "/api/users/{username}/disabled", operation_id = "set_user_disabled", tag = "accounts",
    params(("username" = String, Path, description = "用户名")),
    request_body = DisabledBody,
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Disabling oneself", body = crate::error::ErrorBody),
        (status = 404, description = "No such user", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn set_disabled(
    State(s): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    Json(body): Json<DisabledBody>,
) -> ApiResult<StatusCode> {
    need_user_admin(&caller)?;
    if body.disabled && username == caller.name() {
        return Err(ApiError::bad_request(
            "不能停用自己的账号 (an admin cannot disable their own account)",
        ));
    }
    s.blocking(move |s| {
        Ok(accounts::set_disabled(
            s.store.as_ref(),
            &username,
            body.disabled,
        )?)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
