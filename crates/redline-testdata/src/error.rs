//! The generator's error. Generating reads only embedded data and the core's writers, so an
//! error means a broken design, a broken embedded file or a disk that refuses to be written.

use std::path::PathBuf;

/// Why data could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A core writer or reader refused (it names the file).
    #[error(transparent)]
    Core(#[from] redline_core::Error),
    /// A file cannot be written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The built-in design or an embedded file is inconsistent (a bug of the generator).
    #[error("{0}")]
    Design(String),
}

impl Error {
    /// A problem of an input at `file:line` (an embedded file).
    pub fn input(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Core(redline_core::formats::FormatError::input(file, line, message).into())
    }

    /// A failed write of `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

macro_rules! through_core {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Core(e.into())
            }
        }
    )*};
}

through_core!(
    redline_core::formats::FormatError,
    redline_core::crs::CrsError
);

/// Result with the generator's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
