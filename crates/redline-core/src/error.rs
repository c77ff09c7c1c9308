//! The core's error: one `thiserror` enum per module ([`FormatError`](crate::formats::FormatError),
//! [`CrsError`](crate::crs::CrsError), [`ConfigError`](crate::config::ConfigError),
//! [`LayerError`](crate::layer::LayerError), [`ReviewError`](crate::review::ReviewError),
//! [`InspectError`](crate::inspect::InspectError), [`LedgerError`](crate::ledger::LedgerError),
//! [`StorageError`](crate::storage::StorageError)), folded into [`Error`] with `#[from]`.
//!
//! Every error that comes from input names the file and, where there is one, the line:
//! `parcels.txt:14: …` ([`InputError`]). [`Error::kind`] says whose problem it is, so that the
//! front doors can answer it in one place: the HTTP service maps [`ErrorKind::Input`] to 422 with
//! the message, [`ErrorKind::Internal`] to 500 with the detail only in its log.

use std::path::{Path, PathBuf};

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem in an input file at a known place, for the person who sent the file.
/// `line` and `column` are 1-based; 0 = unknown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", located(.file, *.line, *.column, .message))]
pub struct InputError {
    /// The file (as the user named it, or its display name for an upload).
    pub file: PathBuf,
    /// 1-based line; 0 when the format has no lines or the line is unknown.
    pub line: usize,
    /// 1-based column (a CSV column, a JSON character); 0 = unknown.
    pub column: usize,
    /// What is wrong, in Chinese with the English in parentheses.
    pub message: String,
}

impl InputError {
    /// A problem at `file:line`.
    pub fn new(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            line,
            column: 0,
            message: message.into(),
        }
    }

    /// A problem at `file:line:column`.
    pub fn at(
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// Whose problem an error is, and so how a front door answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is malformed or unsafe (a zip entry with `..`): HTTP 400.
    BadRequest,
    /// The input or the configuration is wrong: the message says where and what (HTTP 422).
    Input,
    /// The input is larger than the limits allow (HTTP 413).
    TooLarge,
    /// The thing asked for does not exist (HTTP 404).
    NotFound,
    /// Someone else changed it first, or the life cycle does not allow the move (HTTP 409).
    Conflict,
    /// A failure of the machine, the database or a library: not the caller's fault (HTTP 500).
    Internal,
}

/// The core's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file format.
    #[error(transparent)]
    Format(#[from] crate::formats::FormatError),
    /// The project file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A coordinate system or a conversion.
    #[error(transparent)]
    Crs(#[from] crate::crs::CrsError),
    /// Loading a layer.
    #[error(transparent)]
    Layer(#[from] crate::layer::LayerError),
    /// Reviewing parcels.
    #[error(transparent)]
    Review(#[from] crate::review::ReviewError),
    /// Placing clues.
    #[error(transparent)]
    Inspect(#[from] crate::inspect::InspectError),
    /// The ledger.
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    /// The service database.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// An account operation failed.
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountError),
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Format(e.into())
    }
}

impl Error {
    /// Whose problem this is (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Format(e) => e.kind(),
            Error::Config(e) => e.kind(),
            Error::Crs(e) => e.kind(),
            Error::Layer(e) => e.kind(),
            Error::Review(e) => e.kind(),
            Error::Inspect(e) => e.kind(),
            Error::Ledger(e) => e.kind(),
            Error::Storage(_) => ErrorKind::Internal,
            Error::Accounts(e) => e.kind(),
        }
    }

    /// The located input problem inside, if this is one (file, line, column, message).
    pub fn input(&self) -> Option<&InputError> {
        match self {
            Error::Format(crate::formats::FormatError::Input(e))
            | Error::Layer(
                crate::layer::LayerError::Format(crate::formats::FormatError::Input(e))
                | crate::layer::LayerError::Input(e),
            ) => Some(e),
            _ => None,
        }
    }
}

/// `file:line:column: message`, leaving out what is unknown.
pub(crate) fn located(file: &Path, line: usize, column: usize, message: &str) -> String {
    match (line, column) {
        (0, _) => format!("{}: {message}", file.display()),
        (l, 0) => format!("{}:{l}: {message}", file.display()),
        (l, c) => format!("{}:{l}:{c}: {message}", file.display()),
    }
}
