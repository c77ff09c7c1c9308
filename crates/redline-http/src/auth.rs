//! Who is calling: a bearer token (scripts) or a login session (people in the browser), and
//! what they may do.
//!
//! Sessions come from `POST /api/session` ([`redline_core::accounts`]): the browser holds the
//! session token in an `HttpOnly; SameSite=Strict` cookie, and every write it makes with that
//! cookie must carry the session's CSRF token in `X-CSRF-Token`, or it is refused with 403
//! before any handler runs. Bearer tokens need no CSRF token (a browser never sends them on its
//! own).
//!
//! Tokens come from the config's `[[token]]` section as sha256 hashes; a presented token is
//! hashed and compared with every stored hash in constant time (`subtle`), and is never logged.
//! A middleware resolves the caller once per request and records every write (any method but
//! GET/HEAD/OPTIONS) of an authenticated caller in the audit log under the token's name.
//!
//! Roles: `viewer` reads; `reviewer` also submits reviews and decides on them; `inspector` also
//! places clue lists, imports them and moves ledger issues; `admin` does everything (layer
//! uploads, audit log). A token with a county scope sees and changes only that county's reviews
//! and ledger entries.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use redline_core::config::Role;
pub use redline_core::storage::tokens::{token_hash, Principal, Tokens};
use redline_core::storage::NewAudit;

/// The operating system gave no random bytes.
#[derive(Debug, thiserror::Error)]
#[error("随机数不可用 (getrandom): {0}")]
pub struct RandomError(pub getrandom::Error);

/// A new random token: 32 bytes from the operating system, hex.
pub fn generate_token() -> Result<String, RandomError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(RandomError)?;
    Ok(b.iter().map(|b| format!("{b:02x}")).collect())
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "redline_session";
/// The header that carries the CSRF token of a session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What the middleware found: a token in the `Authorization` header or a session cookie.
#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    Invalid,
    Token(Principal),
    Session(SessionCaller),
}

/// A caller logged in through a session.
#[derive(Clone, Debug)]
pub struct SessionCaller {
    pub principal: Principal,
    pub user: redline_core::accounts::User,
    pub csrf: String,
    pub expires_at: String,
    /// The cookie's token (to log out).
    pub token: String,
}

/// The caller of a route that needs a token: extracting it answers 401 without a valid one.
#[derive(Clone, Debug)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<Caller> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Token(p)) => Ok(Caller(p.clone())),
            Some(Auth::Session(s)) => Ok(Caller(s.principal.clone())),
            _ => Err(ApiError::unauthorized()),
        }
    }
}

impl Caller {
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// 403 unless the caller has one of `roles` (admin always may).
    pub fn need(&self, roles: &[Role]) -> ApiResult<()> {
        if self.0.role == Role::Admin || roles.contains(&self.0.role) {
            Ok(())
        } else {
            let want: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "令牌角色 {} 无权执行此操作 (role {} may not do this; needs {} or admin)",
                self.0.role.as_str(),
                self.0.role.as_str(),
                want.join("/")
            )))
        }
    }

    /// The county scope, if any.
    pub fn scope(&self) -> Option<&str> {
        self.0.county.as_deref()
    }

    /// Whether a record of county `code`/`name` is in the caller's scope.
    pub fn sees(&self, code: Option<&str>, name: Option<&str>) -> bool {
        if self.0.county.is_none() {
            return true;
        }
        self.0
            .county_keys
            .iter()
            .any(|k| Some(k.as_str()) == code || Some(k.as_str()) == name)
    }

    /// 403 unless the record is in scope.
    pub fn check_county(&self, code: Option<&str>, name: Option<&str>) -> ApiResult<()> {
        if self.sees(code, name) {
            Ok(())
        } else {
            Err(self.out_of_scope())
        }
    }

    fn out_of_scope(&self) -> ApiError {
        ApiError::forbidden(format!(
            "令牌仅限 {} 的数据 (this token is limited to county {})",
            self.scope().unwrap_or(""),
            self.scope().unwrap_or("")
        ))
    }

    /// The county filter of a list: a scoped caller gets its county; asking for another is 403.
    pub fn county_filter(&self, requested: Option<String>) -> ApiResult<Option<String>> {
        match (self.scope(), requested) {
            (None, r) => Ok(r),
            (Some(s), None) => Ok(Some(s.to_string())),
            (Some(_), Some(r)) => {
                if self.0.county_keys.contains(&r) {
                    Ok(Some(r))
                } else {
                    Err(self.out_of_scope())
                }
            }
        }
    }
}

/// Bearer token of a request, if any.
fn bearer(req: &Request) -> Option<Result<&str, ()>> {
    let v = req.headers().get(header::AUTHORIZATION)?;
    let s = v.to_str().map_err(|_| ()).ok();
    Some(
        match s.and_then(|s| {
            s.strip_prefix("Bearer ")
                .or_else(|| s.strip_prefix("bearer "))
        }) {
            Some(t) if !t.trim().is_empty() => Ok(t.trim()),
            _ => Err(()),
        },
    )
}

/// The session token of the request's `Cookie` header, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Add the county layer's code and name to a principal's scope keys.
fn with_county_keys(state: &AppState, mut p: Principal) -> Principal {
    if let Some(c) = &p.county {
        p.county_keys.push(c.clone());
        if let Some((code, name)) = state.catalogue.load().county(c) {
            p.county_keys.push(code);
            p.county_keys.push(name);
        }
    }
    p
}

/// The live session of a cookie token, as a caller.
async fn session_caller(state: &AppState, token: String) -> Auth {
    let found = state
        .blocking({
            let token = token.clone();
            move |s| {
                Ok(redline_core::accounts::session(
                    s.store.as_ref(),
                    &token,
                    chrono::Utc::now(),
                )?)
            }
        })
        .await;
    match found {
        Ok(Some(a)) => {
            let principal = with_county_keys(
                state,
                Principal {
                    name: a.user.username.clone(),
                    role: a.user.role,
                    county: a.user.county.clone(),
                    county_keys: Vec::new(),
                },
            );
            Auth::Session(SessionCaller {
                principal,
                user: a.user,
                csrf: a.csrf,
                expires_at: a.expires_at,
                token,
            })
        }
        Ok(None) => Auth::Anonymous,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            Auth::Anonymous
        }
    }
}

/// Whether the request carries the session's CSRF token (compared in constant time).
fn csrf_ok(req: &Request, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    req.headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|got| bool::from(got.as_bytes().ct_eq(expected.as_bytes())))
}

/// Middleware: resolve the caller, refuse a session's write without its CSRF token, run the
/// request, audit writes.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let auth = match bearer(&req) {
        Some(Err(())) => Auth::Invalid,
        Some(Ok(t)) => match state.tokens.verify(t) {
            Some(p) => Auth::Token(with_county_keys(&state, p)),
            None => Auth::Invalid,
        },
        None => match session_cookie(req.headers()) {
            Some(token) => session_caller(&state, token).await,
            None => Auth::Anonymous,
        },
    };
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Logging in is not a write on behalf of a session (a stale cookie must not stop it).
    let login = req.method() == Method::POST && req.uri().path() == "/api/session";
    if let Auth::Session(s) = &auth {
        if write && !login && !csrf_ok(&req, &s.csrf) {
            return ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf",
                "请求缺少有效的 CSRF 令牌，请刷新页面后重试 (missing or wrong X-CSRF-Token)",
            )
            .into_response();
        }
    }
    let who = match &auth {
        Auth::Token(p) => Some(p),
        Auth::Session(s) if !login => Some(&s.principal),
        _ => None,
    };
    let audit = match (who, write) {
        (Some(p), true) => Some((
            p.name.clone(),
            p.role.as_str(),
            req.method().to_string(),
            req.uri().path().to_string(),
            req.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string(),
        )),
        _ => None,
    };
    req.extensions_mut().insert(auth);
    let resp = next.run(req).await;
    if let Some((name, role, method, path, rid)) = audit {
        let status = resp.status().as_u16();
        write_audit(
            &state,
            NewAudit {
                request_id: rid,
                token_name: name,
                role: role.to_string(),
                method,
                path,
                status,
            },
        )
        .await;
    }
    resp
}

/// Append an audit row; a failure is logged, never answered.
pub async fn write_audit(state: &AppState, row: NewAudit) {
    let r = state
        .blocking(move |s| s.store.audit(&row).map_err(ApiError::from))
        .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "audit write failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redline_core::config::TokenConfig;

    #[test]
    fn tokens_verify_by_hash_only() {
        let cfg = vec![
            TokenConfig {
                name: "甲".into(),
                sha256: token_hash("secret-a"),
                role: Role::Viewer,
                county: None,
            },
            TokenConfig {
                name: "乙".into(),
                sha256: token_hash("secret-b"),
                role: Role::Admin,
                county: Some("360222".into()),
            },
        ];
        let t = Tokens::from_config(&cfg);
        assert_eq!(t.verify("secret-a").map(|p| p.name), Some("甲".into()));
        let b = t.verify("secret-b").expect("b");
        assert_eq!((b.role, b.county.as_deref()), (Role::Admin, Some("360222")));
        assert!(t.verify("secret-c").is_none());
        assert!(t.verify("").is_none());
        // sha256("abc"), a known answer.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn generated_tokens_differ() {
        let a = generate_token().expect("a");
        let b = generate_token().expect("b");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn roles_and_scopes() {
        let caller = |role, county: Option<&str>| {
            Caller(Principal {
                name: "x".into(),
                role,
                county: county.map(str::to_string),
                county_keys: county
                    .map(|c| vec![c.to_string(), "浮梁县".to_string()])
                    .unwrap_or_default(),
            })
        };
        assert!(caller(Role::Viewer, None).need(&[Role::Reviewer]).is_err());
        assert!(caller(Role::Reviewer, None).need(&[Role::Reviewer]).is_ok());
        assert!(caller(Role::Admin, None).need(&[Role::Inspector]).is_ok());
        let scoped = caller(Role::Inspector, Some("360222"));
        assert!(scoped.sees(Some("360222"), None));
        assert!(scoped.sees(None, Some("浮梁县")));
        assert!(!scoped.sees(Some("360281"), Some("乐平市")));
        assert!(!scoped.sees(None, None));
        assert_eq!(
            scoped.county_filter(None).expect("own"),
            Some("360222".into())
        );
        assert!(scoped.county_filter(Some("360281".into())).is_err());
        assert_eq!(
            caller(Role::Viewer, None)
                .county_filter(Some("360281".into()))
                .expect("any"),
            Some("360281".into())
        );
    }
}
