//! The one error type of the service. Every error answers
//! `{"error": {"code": "...", "message": "..."}}`; client errors say what is wrong (in Chinese,
//! English in parentheses), internal errors say only "internal error" and the detail goes to the
//! log inside the request's span (which carries the request id).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use redline_core::ledger::LedgerError;

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

    /// Map a library error of an uploaded file: input problems are 422 with the message, with
    /// the temporary folder removed from file names; everything else is internal.
    pub fn from_input(e: redline_core::Error, tmp: Option<&std::path::Path>) -> Self {
        let strip = |m: String| match tmp {
            Some(t) => {
                let prefix = format!("{}{}", t.display(), std::path::MAIN_SEPARATOR);
                m.replace(&prefix, "")
            }
            None => m,
        };
        match e {
            redline_core::Error::Input { .. }
            | redline_core::Error::Config { .. }
            | redline_core::Error::Crs(_) => Self::invalid(strip(e.to_string())),
            redline_core::Error::Other(m) => Self::invalid(strip(m)),
            other => Self::internal(other),
        }
    }
}

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

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Conflict { .. } => Self::conflict(e.to_string()),
            LedgerError::IllegalTransition { .. } => {
                Self::new(StatusCode::CONFLICT, "illegal_transition", e.to_string())
            }
            LedgerError::NotFound(_) => Self::not_found(e.to_string()),
            LedgerError::ReasonRequired(_)
            | LedgerError::UnitRequired(_)
            | LedgerError::Invalid(_) => Self::invalid(e.to_string()),
            other => Self::internal(other),
        }
    }
}

impl From<redline_core::storage::StorageError> for ApiError {
    fn from(e: redline_core::storage::StorageError) -> Self {
        Self::internal(e)
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

    #[test]
    fn ledger_errors_map_to_statuses() {
        let cases: Vec<(LedgerError, u16)> = vec![
            (
                LedgerError::Conflict {
                    id: 1,
                    expected_version: 1,
                    current_version: 2,
                },
                409,
            ),
            (LedgerError::NotFound(3), 404),
            (LedgerError::ReasonRequired("x".into()), 422),
            (LedgerError::Report("disk".into()), 500),
        ];
        for (e, status) in cases {
            assert_eq!(ApiError::from(e).status.as_u16(), status);
        }
    }

    #[test]
    fn internal_errors_hide_the_detail_and_input_errors_hide_the_tmp_dir() {
        let e = ApiError::internal("secret path /x/y");
        assert_eq!(e.message, "internal error");
        let tmp = std::path::Path::new("/tmp/up123");
        let e = ApiError::from_input(
            redline_core::Error::input(tmp.join("a.txt"), 3, "坏"),
            Some(tmp),
        );
        assert_eq!(e.status.as_u16(), 422);
        assert_eq!(e.message, "a.txt:3: 坏");
    }
}
