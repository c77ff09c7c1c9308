//! The files of uploaded layer versions, kept in the data folder beside the databases.

use super::{StorageError, StorageResult};

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
