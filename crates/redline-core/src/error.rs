//! The crate's error type. Every error that comes from input names the file and, where there
//! is one, the line: `parcels.txt:14: …`.

use std::path::PathBuf;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error with its location in an input file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem in an input file at a known place. `line` and `column` are 1-based; 0 = unknown.
    #[error("{}", located(.file, *.line, *.column, .message))]
    Input {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A problem in the project configuration.
    #[error("{}", located(.file, *.line, 0, .message))]
    Config {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// A coordinate system could not be built or a point could not be converted.
    #[error("坐标系统错误 (CRS): {0}")]
    Crs(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The ledger database.
    #[error("台账数据库 (ledger): {0}")]
    Ledger(String),
    /// The service database.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// Anything else, with a message for the user.
    #[error("{0}")]
    Other(String),
}

fn located(file: &std::path::Path, line: usize, column: usize, message: &str) -> String {
    match (line, column) {
        (0, _) => format!("{}: {message}", file.display()),
        (l, 0) => format!("{}:{l}: {message}", file.display()),
        (l, c) => format!("{}:{l}:{c}: {message}", file.display()),
    }
}

impl Error {
    /// An input error at `file:line`.
    pub fn input(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Input {
            file: file.into(),
            line,
            column: 0,
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Read a whole file, naming it in the error.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}
