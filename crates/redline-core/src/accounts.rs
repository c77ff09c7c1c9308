//! Accounts of the people who use the web application: user names and passwords, sessions, and
//! the limit on failed logins.
//!
//! * Passwords are hashed with argon2id (the `argon2` crate's defaults: 19 MiB, two passes, one
//!   lane, a random 16-byte salt) and kept only as the PHC string.
//! * A session is a random 32-byte token handed to the browser in an `HttpOnly` cookie; the store
//!   keeps only its sha256, with a CSRF token that every write of the session must echo, and an
//!   absolute expiry ([`LoginPolicy::session_hours`]).
//! * Failed logins are recorded; after [`LoginPolicy::max_failures_per_user`] failures for one user
//!   name (or [`LoginPolicy::max_failures_per_client`] from one address) within
//!   [`LoginPolicy::window_minutes`], further attempts are refused without checking the password
//!   until the window has passed. A disabled user cannot log in, and disabling a user or resetting
//!   a password ends the user's sessions.
//!
//! Time is always passed in, so that expiry and lock-out are tested without a clock.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use crate::config::Role;
use crate::storage::{ServiceStore, StorageError};

/// A person's account as the admin page shows it (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The login name.
    pub username: String,
    /// The name shown on pages and recorded as `who` (the login name when empty).
    pub display_name: String,
    /// What the user may do.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "reviewer"))]
    pub role: Role,
    /// The county scope (a code or a name of the county layer), if any.
    pub county: Option<String>,
    /// A disabled user cannot log in.
    pub disabled: bool,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// UTC, RFC 3339; none before the first login.
    pub last_login_at: Option<String>,
}

/// A user as stored: the account and its password hash (PHC string).
#[derive(Clone, Debug)]
pub struct UserRow {
    /// The account.
    pub user: User,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// A session as stored: the sha256 of its token, never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// sha256 of the session token, hex.
    pub token_hash: String,
    /// Whose session.
    pub username: String,
    /// The CSRF token every write must carry.
    pub csrf: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// UTC, RFC 3339; the session is over from then on.
    pub expires_at: String,
}

/// What an admin asks for when creating a user.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// The login name.
    pub username: &'a str,
    /// The name shown (empty: the login name).
    pub display_name: &'a str,
    /// The password in clear (hashed here, never stored).
    pub password: &'a str,
    /// What the user may do.
    pub role: Role,
    /// The county scope, if any.
    pub county: Option<&'a str>,
}

/// The limits on sessions and failed logins.
#[derive(Clone, Debug)]
pub struct LoginPolicy {
    /// A session ends this many hours after login.
    pub session_hours: i64,
    /// Failures of one user name within the window before it is locked.
    pub max_failures_per_user: u32,
    /// Failures from one client address within the window before it is locked.
    pub max_failures_per_client: u32,
    /// The window, in minutes.
    pub window_minutes: i64,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            session_hours: 8,
            max_failures_per_user: 5,
            max_failures_per_client: 20,
            window_minutes: 15,
        }
    }
}

/// A new session: the token for the cookie (shown once, never stored) and the CSRF token.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// The session token (64 hex), for the cookie.
    pub token: String,
    /// The CSRF token (64 hex).
    pub csrf: String,
    /// When it ends, UTC RFC 3339.
    pub expires_at: String,
    /// Whose session.
    pub user: User,
}

/// The outcome of a login attempt.
#[derive(Clone, Debug)]
pub enum LoginOutcome {
    /// Logged in.
    LoggedIn(NewSession),
    /// Unknown user or wrong password (the two are not told apart).
    BadLogin,
    /// Right password, but the account is disabled.
    Disabled,
    /// Too many failures: try again after this many seconds.
    Locked {
        /// Seconds until the window has passed.
        retry_after_s: i64,
    },
}

/// A live session: its user and CSRF token.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    /// Whose session.
    pub user: User,
    /// The CSRF token every write must carry.
    pub csrf: String,
    /// When it ends, UTC RFC 3339.
    pub expires_at: String,
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The user name is empty, too long or has spaces or control characters.
    #[error("用户名无效 (user name must be 1–64 characters without spaces): {0:?}")]
    BadUsername(String),
    /// The password is too short.
    #[error("密码至少 8 个字符 (the password needs at least 8 characters)")]
    WeakPassword,
    /// A user of that name exists.
    #[error("用户 {0} 已存在 (user exists)")]
    Exists(String),
    /// No user of that name.
    #[error("没有用户 {0} (no such user)")]
    NoSuchUser(String),
    /// The password could not be hashed, or no random bytes were available.
    #[error("密码处理失败 (password hashing): {0}")]
    Crypto(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl AccountError {
    /// Whose problem it is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            AccountError::BadUsername(_) | AccountError::WeakPassword => ErrorKind::BadRequest,
            AccountError::Exists(_) => ErrorKind::Conflict,
            AccountError::NoSuchUser(_) => ErrorKind::NotFound,
            AccountError::Crypto(_) | AccountError::Storage(_) => ErrorKind::Internal,
        }
    }
}

type Result<T> = std::result::Result<T, AccountError>;

/// RFC 3339 with seconds, UTC: the form stored, which sorts as text.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// 32 random bytes from the operating system, hex.
pub fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| AccountError::Crypto(e.to_string()))?;
    Ok(hex(&b))
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// sha256 of a session token, hex: what the store keeps.
pub fn session_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Hash a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Crypto(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Crypto(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Crypto(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn check_username(u: &str) -> Result<()> {
    let n = u.chars().count();
    if n == 0 || n > 64 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AccountError::BadUsername(u.to_string()));
    }
    Ok(())
}

fn check_password(p: &str) -> Result<()> {
    if p.chars().count() < 8 {
        return Err(AccountError::WeakPassword);
    }
    Ok(())
}

/// Create a user (an admin's act, or the first admin from the CLI or the demo).
pub fn create_user(
    store: &dyn ServiceStore,
    new: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<User> {
    check_username(new.username)?;
    check_password(new.password)?;
    let user = User {
        username: new.username.to_string(),
        display_name: if new.display_name.trim().is_empty() {
            new.username.to_string()
        } else {
            new.display_name.trim().to_string()
        },
        role: new.role,
        county: new
            .county
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        disabled: false,
        created_at: timestamp(now),
        last_login_at: None,
    };
    let row = UserRow {
        user: user.clone(),
        password_hash: hash_password(new.password)?,
    };
    if store.insert_user(&row)? {
        Ok(user)
    } else {
        Err(AccountError::Exists(new.username.to_string()))
    }
}

/// Set a new password; the user's sessions end.
pub fn reset_password(store: &dyn ServiceStore, username: &str, password: &str) -> Result<()> {
    check_password(password)?;
    let hash = hash_password(password)?;
    if !store.update_password(username, &hash)? {
        return Err(AccountError::NoSuchUser(username.to_string()));
    }
    store.delete_sessions(username)?;
    Ok(())
}

/// Disable (or enable again) a user; disabling ends the user's sessions.
pub fn set_disabled(store: &dyn ServiceStore, username: &str, disabled: bool) -> Result<()> {
    if !store.update_disabled(username, disabled)? {
        return Err(AccountError::NoSuchUser(username.to_string()));
    }
    if disabled {
        store.delete_sessions(username)?;
    }
    Ok(())
}

/// A login attempt by `username` from `client` (the peer address) at `now`.
pub fn login(
    store: &dyn ServiceStore,
    username: &str,
    password: &str,
    client: &str,
    now: DateTime<Utc>,
    policy: &LoginPolicy,
) -> Result<LoginOutcome> {
    let window = Duration::minutes(policy.window_minutes);
    let since = timestamp(now - window);
    let (by_user, by_client, oldest) = store.failed_logins(username, client, &since)?;
    if by_user >= policy.max_failures_per_user || by_client >= policy.max_failures_per_client {
        let retry = oldest
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map_or(window.num_seconds(), |t| {
                (t.with_timezone(&Utc) + window - now).num_seconds().max(1)
            });
        return Ok(LoginOutcome::Locked {
            retry_after_s: retry,
        });
    }
    let at = timestamp(now);
    let found = store.user(username)?;
    let ok = found
        .as_ref()
        .is_some_and(|row| verify_password(&row.password_hash, password));
    store.add_login_attempt(username, client, ok, &at)?;
    let Some(row) = found.filter(|_| ok) else {
        return Ok(LoginOutcome::BadLogin);
    };
    if row.user.disabled {
        return Ok(LoginOutcome::Disabled);
    }
    let token = random_token()?;
    let csrf = random_token()?;
    let expires_at = timestamp(now + Duration::hours(policy.session_hours));
    store.insert_session(&SessionRow {
        token_hash: session_hash(&token),
        username: row.user.username.clone(),
        csrf: csrf.clone(),
        created_at: at.clone(),
        expires_at: expires_at.clone(),
    })?;
    store.touch_login(username, &at)?;
    let mut user = row.user;
    user.last_login_at = Some(at);
    Ok(LoginOutcome::LoggedIn(NewSession {
        token,
        csrf,
        expires_at,
        user,
    }))
}

/// The live session of a cookie's token at `now`: none when unknown, expired, or its user is
/// gone or disabled.
pub fn session(
    store: &dyn ServiceStore,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<ActiveSession>> {
    let Some(s) = store.session(&session_hash(token))? else {
        return Ok(None);
    };
    if s.expires_at <= timestamp(now) {
        store.delete_session(&s.token_hash)?;
        return Ok(None);
    }
    let Some(row) = store.user(&s.username)? else {
        return Ok(None);
    };
    if row.user.disabled {
        return Ok(None);
    }
    Ok(Some(ActiveSession {
        user: row.user,
        csrf: s.csrf,
        expires_at: s.expires_at,
    }))
}

/// End the session of a cookie's token.
pub fn logout(store: &dyn ServiceStore, token: &str) -> Result<()> {
    store.delete_session(&session_hash(token))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteService;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn store() -> (tempfile::TempDir, SqliteService) {
        let d = tempfile::tempdir().unwrap();
        let s = SqliteService::open(&d.path().join("s.sqlite")).unwrap();
        (d, s)
    }

    fn add(s: &SqliteService, name: &str, role: Role) -> User {
        create_user(
            s,
            &NewUser {
                username: name,
                display_name: "",
                password: "correct horse",
                role,
                county: None,
            },
            at("2026-03-01T08:00:00Z"),
        )
        .unwrap()
    }

    #[test]
    fn argon2id_hashes_verify_and_differ() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salts differ");
        assert!(verify_password(&a, "correct horse"));
        assert!(!verify_password(&a, "correct hors"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn users_are_checked_and_unique() {
        let (_d, s) = store();
        let u = add(&s, "zhang", Role::Reviewer);
        assert_eq!((u.display_name.as_str(), u.role), ("zhang", Role::Reviewer));
        let again = create_user(
            &s,
            &NewUser {
                username: "zhang",
                display_name: "",
                password: "another one",
                role: Role::Viewer,
                county: None,
            },
            at("2026-03-01T08:00:00Z"),
        );
        assert!(matches!(again, Err(AccountError::Exists(_))));
        for (name, pw) in [("", "long enough"), ("a b", "long enough"), ("ok", "short")] {
            let r = create_user(
                &s,
                &NewUser {
                    username: name,
                    display_name: "",
                    password: pw,
                    role: Role::Viewer,
                    county: None,
                },
                at("2026-03-01T08:00:00Z"),
            );
            assert!(r.is_err(), "{name:?} {pw:?}");
        }
        assert_eq!(s.users().unwrap().len(), 1);
    }

    #[test]
    fn login_session_expiry_and_logout() {
        let (_d, s) = store();
        add(&s, "li", Role::Inspector);
        let p = LoginPolicy::default();
        let t0 = at("2026-03-02T09:00:00Z");
        let LoginOutcome::LoggedIn(ns) =
            login(&s, "li", "correct horse", "10.0.0.1", t0, &p).unwrap()
        else {
            panic!("should log in");
        };
        assert_eq!(ns.expires_at, "2026-03-02T17:00:00Z");
        assert_eq!(
            ns.user.last_login_at.as_deref(),
            Some("2026-03-02T09:00:00Z")
        );
        let live = session(&s, &ns.token, at("2026-03-02T16:59:59Z"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (live.user.username.as_str(), live.csrf),
            ("li", ns.csrf.clone())
        );
        assert!(session(&s, "not-a-token", t0).unwrap().is_none());
        // Expired at 17:00.
        assert!(session(&s, &ns.token, at("2026-03-02T17:00:00Z"))
            .unwrap()
            .is_none());
        let LoginOutcome::LoggedIn(n2) =
            login(&s, "li", "correct horse", "10.0.0.1", t0, &p).unwrap()
        else {
            panic!("should log in");
        };
        logout(&s, &n2.token).unwrap();
        assert!(session(&s, &n2.token, t0).unwrap().is_none());
    }

    #[test]
    fn failures_lock_the_user_name_for_the_window() {
        let (_d, s) = store();
        add(&s, "wang", Role::Viewer);
        let p = LoginPolicy::default();
        for i in 0..5 {
            let t = at("2026-03-02T09:00:00Z") + Duration::seconds(i);
            assert!(matches!(
                login(&s, "wang", "wrong password", "10.0.0.2", t, &p).unwrap(),
                LoginOutcome::BadLogin
            ));
        }
        // The right password is refused while locked, without being checked.
        let locked = login(
            &s,
            "wang",
            "correct horse",
            "10.0.0.3",
            at("2026-03-02T09:05:00Z"),
            &p,
        );
        let Ok(LoginOutcome::Locked { retry_after_s }) = locked else {
            panic!("should be locked: {locked:?}");
        };
        assert_eq!(retry_after_s, 600);
        // Unknown users are counted too, and another user is not locked by them.
        assert!(matches!(
            login(
                &s,
                "nobody",
                "x",
                "10.0.0.9",
                at("2026-03-02T09:05:00Z"),
                &p
            )
            .unwrap(),
            LoginOutcome::BadLogin
        ));
        // After the window, the right password works again.
        assert!(matches!(
            login(
                &s,
                "wang",
                "correct horse",
                "10.0.0.3",
                at("2026-03-02T09:15:01Z"),
                &p
            )
            .unwrap(),
            LoginOutcome::LoggedIn(_)
        ));
    }

    #[test]
    fn failures_from_one_client_lock_it() {
        let (_d, s) = store();
        add(&s, "zhao", Role::Viewer);
        let p = LoginPolicy {
            max_failures_per_client: 3,
            ..LoginPolicy::default()
        };
        for name in ["a", "b", "c"] {
            login(
                &s,
                name,
                "guess guess",
                "10.9.9.9",
                at("2026-03-02T09:00:00Z"),
                &p,
            )
            .unwrap();
        }
        assert!(matches!(
            login(
                &s,
                "zhao",
                "correct horse",
                "10.9.9.9",
                at("2026-03-02T09:01:00Z"),
                &p
            )
            .unwrap(),
            LoginOutcome::Locked { .. }
        ));
        assert!(matches!(
            login(
                &s,
                "zhao",
                "correct horse",
                "10.1.1.1",
                at("2026-03-02T09:01:00Z"),
                &p
            )
            .unwrap(),
            LoginOutcome::LoggedIn(_)
        ));
    }

    #[test]
    fn disable_and_reset_end_sessions() {
        let (_d, s) = store();
        add(&s, "chen", Role::Reviewer);
        let p = LoginPolicy::default();
        let t0 = at("2026-03-02T09:00:00Z");
        let LoginOutcome::LoggedIn(a) = login(&s, "chen", "correct horse", "c", t0, &p).unwrap()
        else {
            panic!()
        };
        set_disabled(&s, "chen", true).unwrap();
        assert!(session(&s, &a.token, t0).unwrap().is_none());
        assert!(matches!(
            login(&s, "chen", "correct horse", "c", t0, &p).unwrap(),
            LoginOutcome::Disabled
        ));
        set_disabled(&s, "chen", false).unwrap();
        let LoginOutcome::LoggedIn(b) = login(&s, "chen", "correct horse", "c", t0, &p).unwrap()
        else {
            panic!()
        };
        reset_password(&s, "chen", "a new secret").unwrap();
        assert!(session(&s, &b.token, t0).unwrap().is_none());
        assert!(matches!(
            login(&s, "chen", "correct horse", "c", t0, &p).unwrap(),
            LoginOutcome::BadLogin
        ));
        assert!(matches!(
            login(&s, "chen", "a new secret", "c", t0, &p).unwrap(),
            LoginOutcome::LoggedIn(_)
        ));
        assert!(matches!(
            reset_password(&s, "ghost", "whatever123"),
            Err(AccountError::NoSuchUser(_))
        ));
    }
}
