//! The one error type of the service. Every error answers
//! `{"error": {"code": "...", "message": "..."}}`; client errors say what is wrong (in Chinese,
//! English in parentheses), internal errors say only "internal error" and the detail goes to the
//! log inside the request's span (which carries the request id).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use redline_core::error::ErrorKind;

/// An error answer: status, a stable machine code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// Result of handlers.
pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `unauthorized`, `conflict`, `invalid_input`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "需要有效的令牌 (a valid bearer token is required)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
    }

    /// An internal error: the detail is logged (in the request's span), never answered.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(detail = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// The error code used for a bare status (from a layer or the router).
    pub fn code_of(status: StatusCode) -> &'static str {
        match status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "timeout",
            409 => "conflict",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "invalid_input",
            429 => "too_many_requests",
            503 => "unavailable",
            s if s >= 500 => "internal",
            _ => "error",
        }
    }

    /// The message used for a bare status when the body says nothing useful.
    pub fn message_of(status: StatusCode) -> &'static str {
        match status.as_u16() {
            404 => "没有这个地址 (no such route)",
            405 => "不支持此方法 (method not allowed)",
            408 => "请求超时 (request timed out)",
            413 => "请求体过大 (request body too large)",
            s if s >= 500 => "internal error",
            _ => "请求有误 (bad request)",
        }
    }
}

/// The one place where the core's errors become answers: by [`ErrorKind`], input problems are
/// 422 (400 for an unsafe request, 413 for too large) with the core's message, which names the
/// file, the line and the field; a missing thing is 404; a stale version or a move the life
/// cycle refuses is 409; everything internal is 500 with the detail only in the log.
impl From<redline_core::Error> for ApiError {
    fn from(e: redline_core::Error) -> Self {
        use redline_core::ledger::LedgerError;
        match e.kind() {
            ErrorKind::BadRequest => Self::bad_request(e.to_string()),
            ErrorKind::Input => Self::invalid(e.to_string()),
            ErrorKind::TooLarge => Self::too_large(e.to_string()),
            ErrorKind::NotFound => Self::not_found(e.to_string()),
            ErrorKind::Conflict => match e {
                redline_core::Error::Ledger(LedgerError::IllegalTransition { .. }) => {
                    Self::new(StatusCode::CONFLICT, "illegal_transition", e.to_string())
                }
                _ => Self::conflict(e.to_string()),
            },
            ErrorKind::Internal => Self::internal(e),
        }
    }
}

/// The core's module errors answer through [`redline_core::Error`].
macro_rules! through_core {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> Self {
                ApiError::from(redline_core::Error::from(e))
            }
        }
    )*};
}

through_core!(
    redline_core::ledger::LedgerError,
    redline_core::storage::StorageError,
    redline_core::formats::FormatError,
    redline_core::layer::LayerError,
    redline_core::review::ReviewError,
    redline_core::inspect::InspectError,
    redline_core::config::ConfigError,
    redline_core::accounts::AccountError,
);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal(format!("json: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(format!("io: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redline_core::crs::CrsError;
    use redline_core::formats::FormatError;
    use redline_core::inspect::InspectError;
    use redline_core::ledger::{LedgerError, Status};

    /// Table test of the one mapping: each kind of core error answers its status and code.
    #[test]
    fn core_errors_map_to_statuses() {
        let crs = || CrsError::Definition {
            from: "EPSG:4490".into(),
            to: "EPSG:4527".into(),
            detail: "proj context".into(),
        };
        let cases: Vec<(redline_core::Error, u16, &str)> = vec![
            (
                LedgerError::Conflict {
                    id: 1,
                    expected_version: 1,
                    current_version: 2,
                }
                .into(),
                409,
                "conflict",
            ),
            (
                LedgerError::IllegalTransition {
                    from: Status::Closed,
                    to: Status::Pending,
                }
                .into(),
                409,
                "illegal_transition",
            ),
            (LedgerError::NotFound(3).into(), 404, "not_found"),
            (
                LedgerError::ReasonRequired("x".into()).into(),
                422,
                "invalid_input",
            ),
            (LedgerError::Report("disk".into()).into(), 500, "internal"),
            (
                FormatError::input("a.txt", 3, "坏").into(),
                422,
                "invalid_input",
            ),
            (
                FormatError::UnsafeZipPath {
                    file: "a.zip".into(),
                    entry: "../x".into(),
                }
                .into(),
                400,
                "bad_request",
            ),
            (
                FormatError::TooLarge {
                    file: "a.zip".into(),
                    message: "big".into(),
                }
                .into(),
                413,
                "payload_too_large",
            ),
            // A PROJ handle that fails inside placement is ours, never the caller's.
            (
                InspectError::Projection(Box::new(crs())).into(),
                500,
                "internal",
            ),
            (
                InspectError::Worker("clue reader thread panicked").into(),
                500,
                "internal",
            ),
        ];
        for (e, status, code) in cases {
            let text = e.to_string();
            let a = ApiError::from(e);
            assert_eq!((a.status.as_u16(), a.code), (status, code), "{text}");
            if status == 500 {
                assert_eq!(a.message, "internal error", "{text}");
            } else {
                assert_eq!(a.message, text);
            }
        }
    }

    #[test]
    fn input_errors_name_the_file_and_line() {
        let e = ApiError::from(FormatError::input("a.txt", 3, "坏"));
        assert_eq!(e.status.as_u16(), 422);
        assert_eq!(e.message, "a.txt:3: 坏");
        let e = ApiError::internal("secret path /x/y");
        assert_eq!(e.message, "internal error");
    }
}
