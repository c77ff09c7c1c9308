//! What redline keeps: the service database (stored reviews, decisions, layer versions, the
//! audit log). The ledger of the Green Shield team is [`crate::ledger`].

pub mod service;

pub use service::{
    now_utc, AuditRow, Decision, DecisionRow, LayerVersionRow, NewReview, ReviewFilter,
    ReviewSummary, Store, UsedLayer,
};

/// A failure of the store. It is never the caller's fault: the HTTP service answers it as an
/// internal error and logs the detail.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed an operation.
    #[error("服务数据库错误 (service database): {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Files of the store (uploaded layer versions) could not be written.
    #[error("数据文件无法写入 (cannot write the data folder) {path}: {source}")]
    Files {
        /// The folder or file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error("服务数据库无法打开 (cannot open the service database) {path}: {source}")]
    Open {
        /// The database file.
        path: std::path::PathBuf,
        /// What the backend said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Result with [`StorageError`].
pub type StorageResult<T> = std::result::Result<T, StorageError>;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database(Box::new(e))
    }
}

/// The files of uploaded layer versions: `layers/<NN>/v<version>/layer.{shp,dbf,prj,cpg}` or
/// `layer.geojson` under the data folder (`NN` is the layer's position in the config, so no
/// name a user chose becomes a path).
#[derive(Clone, Debug)]
pub struct LayerFiles {
    root: std::path::PathBuf,
}

impl LayerFiles {
    /// The layer files under `data_dir/layers`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        LayerFiles {
            root: data_dir.join("layers"),
        }
    }

    /// The folder of one version.
    pub fn dir(&self, layer_index: usize, version: i64) -> std::path::PathBuf {
        self.root
            .join(format!("{layer_index:02}"))
            .join(format!("v{version}"))
    }

    /// Write `file` as version `version` of layer number `layer_index`, replacing a leftover of
    /// an earlier failed attempt; returns the path of the main file.
    pub fn save(
        &self,
        layer_index: usize,
        version: i64,
        file: &crate::formats::InputFile,
    ) -> StorageResult<std::path::PathBuf> {
        use crate::formats::Kind;
        let dir = self.dir(layer_index, version);
        let io = |e: std::io::Error| StorageError::Files {
            path: dir.clone(),
            source: e,
        };
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io)?;
        }
        std::fs::create_dir_all(&dir).map_err(io)?;
        let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).map_err(io);
        let main = match file.kind {
            Kind::Shapefile => {
                write("layer.shp", &file.bytes)?;
                for (ext, bytes) in [
                    ("shx", &file.sidecars.shx),
                    ("dbf", &file.sidecars.dbf),
                    ("prj", &file.sidecars.prj),
                    ("cpg", &file.sidecars.cpg),
                ] {
                    if let Some(b) = bytes {
                        write(&format!("layer.{ext}"), b)?;
                    }
                }
                "layer.shp"
            }
            _ => {
                write("layer.geojson", &file.bytes)?;
                "layer.geojson"
            }
        };
        Ok(dir.join(main))
    }

    /// Remove the files of a version that did not go into force.
    pub fn discard(&self, layer_index: usize, version: i64) {
        let _ = std::fs::remove_dir_all(self.dir(layer_index, version));
    }
}
