//! The service state: the layer catalogue behind an [`ArcSwap`] (swapped whole on upload, so a
//! request finishes on the catalogue it started with), the service database, the ledger, the
//! tokens, the limits and the metrics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;

use super::error::{ApiError, ApiResult};
use super::metrics::Metrics;
use redline_core::config::{Config, Rule};
use redline_core::inspect::Inspector;
use redline_core::layer::Layer;
use redline_core::ledger::{Ledger, LedgerSettings};
use redline_core::review::Reviewer;
use redline_core::storage::sqlite::SqliteService;
use redline_core::storage::tokens::Tokens;
use redline_core::storage::{ServiceStore, StorageError, UsedLayer};
use redline_core::Result;

/// Limits on requests.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body in bytes.
    pub body_bytes: usize,
    /// Largest total uncompressed size of a zip upload.
    pub zip_uncompressed: u64,
    /// Most entries in a zip upload.
    pub zip_entries: usize,
    /// Time allowed for one request.
    pub timeout: Duration,
    /// Requests in flight at once (more wait).
    pub concurrency: usize,
    /// CPU-heavy jobs (reviews, placements, layer loads) at once.
    pub heavy_jobs: usize,
    /// Most features answered by one bbox query.
    pub bbox_features: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 64 << 20,
            zip_uncompressed: 512 << 20,
            zip_entries: 64,
            timeout: Duration::from_secs(120),
            concurrency: 256,
            heavy_jobs: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            bbox_features: 5000,
        }
    }
}

/// The state of one configured layer.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LayerState {
    pub name: String,
    pub rule: String,
    /// 1 = the file named in the config; each upload adds one.
    pub version: i64,
    pub sha256: String,
    pub features: usize,
    pub source_crs: String,
    /// When and by whom this version was uploaded (none for the config's file).
    pub uploaded_at: Option<String>,
    pub uploaded_by: Option<String>,
}

/// Where a layer version came from (for the catalogue load).
#[derive(Clone, Debug, Default)]
pub struct VersionInfo {
    pub version: i64,
    pub uploaded_at: Option<String>,
    pub uploaded_by: Option<String>,
}

/// Everything the checks need, built once and swapped whole.
pub struct Catalogue {
    /// The config with the paths of the layer versions in force.
    pub config: Config,
    pub reviewer: Reviewer,
    /// None when the config has no `reserve_zones` layer.
    pub inspector: Option<Inspector>,
    /// The reserve and county layers as features (for bbox queries; the inspector keeps its
    /// own prepared copy).
    pub other_layers: Vec<Layer>,
    /// One entry per configured layer, in config order.
    pub layers: Vec<LayerState>,
    /// The vector tiles of these layer versions (built on demand, dropped with the catalogue).
    pub tiles: crate::tilecache::TileCache,
}

/// Bytes of encoded vector tiles one catalogue keeps.
pub const TILE_CACHE_BYTES: usize = 256 << 20;

/// A light copy of a layer's features and index (without prepared edge indices).
fn feature_copy(l: &Layer) -> Layer {
    Layer {
        config: l.config.clone(),
        fields: l.fields.clone(),
        features: l.features.clone(),
        index: l.index.clone(),
        prepared: (0..l.features.len()).map(|_| None).collect(),
        sha256: l.sha256.clone(),
        source_crs: l.source_crs.clone(),
        encoding: l.encoding.clone(),
    }
}

impl Catalogue {
    /// Load every layer of `config` (in parallel), build the reviewer and the inspector.
    pub fn load(config: Config, versions: &BTreeMap<String, VersionInfo>) -> Result<Catalogue> {
        let all: Vec<_> = config.layers.iter().collect();
        let loaded = redline_core::layer::load_all(&all, &config.working_crs)?;
        let mut layers = Vec::new();
        let mut review = Vec::new();
        let mut other = Vec::new();
        for l in loaded {
            let v = versions
                .get(&l.config.name)
                .cloned()
                .unwrap_or(VersionInfo {
                    version: 1,
                    ..VersionInfo::default()
                });
            layers.push(LayerState {
                name: l.config.name.clone(),
                rule: l.config.rule.as_str().to_string(),
                version: v.version.max(1),
                sha256: l.sha256.clone(),
                features: l.len(),
                source_crs: l.source_crs.clone(),
                uploaded_at: v.uploaded_at,
                uploaded_by: v.uploaded_by,
            });
            if l.config.rule.is_review_rule() {
                review.push(l);
            } else {
                other.push(l);
            }
        }
        let inspector = if other
            .iter()
            .any(|l| l.config.rule.kind() == Rule::ReserveZones)
        {
            let copies = other.iter().map(feature_copy).collect();
            let inspector = Inspector::with_layers(config.clone(), other)?;
            other = copies;
            Some(inspector)
        } else {
            None
        };
        let reviewer = Reviewer::with_layers(config.clone(), review)?;
        Ok(Catalogue {
            config,
            reviewer,
            inspector,
            other_layers: other,
            layers,
            tiles: crate::tilecache::TileCache::new(TILE_CACHE_BYTES),
        })
    }

    /// The loaded layer named `name`.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.reviewer
            .layers
            .iter()
            .chain(self.other_layers.iter())
            .find(|l| l.config.name == name)
    }

    /// The state of the layer named `name`.
    pub fn layer_state(&self, name: &str) -> Option<&LayerState> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The versions of the layers with these rules.
    pub fn used(&self, review: bool) -> Vec<UsedLayer> {
        self.layers
            .iter()
            .filter(|l| {
                let is_review = !matches!(l.rule.as_str(), "reserve_zones" | "county");
                is_review == review
            })
            .map(|l| UsedLayer {
                name: l.name.clone(),
                version: l.version,
                sha256: l.sha256.clone(),
            })
            .collect()
    }

    /// A county code or name resolved against the county layer: (code, name).
    pub fn county(&self, code_or_name: &str) -> Option<(String, String)> {
        let s = code_or_name.trim();
        self.inspector.as_ref().and_then(|i| {
            i.counties
                .iter()
                .find(|c| c.code == s || c.name == s)
                .map(|c| (c.code.clone(), c.name.clone()))
        })
    }
}

/// The shared state (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    pub catalogue: ArcSwap<Catalogue>,
    /// The service store (SQLite by default).
    pub store: Box<dyn ServiceStore>,
    pub ledger: Mutex<Ledger>,
    pub tokens: Tokens,
    pub limits: Limits,
    pub data_dir: PathBuf,
    pub heavy: tokio::sync::Semaphore,
    /// One layer upload at a time.
    pub upload_lock: tokio::sync::Mutex<()>,
    pub metrics: Metrics,
    /// Session length and the limits on failed logins.
    pub login: redline_core::accounts::LoginPolicy,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Build the state: open the service database in `data_dir`, put the latest uploaded layer
    /// versions in force, load the catalogue, open the ledger named in the config.
    pub fn build(mut config: Config, data_dir: &Path, limits: Limits) -> Result<AppState> {
        std::fs::create_dir_all(data_dir).map_err(|source| StorageError::Files {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let db = data_dir.join("service.sqlite");
        let store: Box<dyn ServiceStore> = Box::new(SqliteService::open(&db)?);
        let mut versions = BTreeMap::new();
        for l in &mut config.layers {
            let rows = store.layer_versions(&l.name)?;
            if let Some(last) = rows.last() {
                let path = PathBuf::from(&last.path);
                if path.exists() {
                    l.path = path;
                    versions.insert(
                        l.name.clone(),
                        VersionInfo {
                            version: last.version,
                            uploaded_at: Some(last.uploaded_at.clone()),
                            uploaded_by: Some(last.uploaded_by.clone()),
                        },
                    );
                } else {
                    tracing::warn!(layer = %l.name, path = %last.path, "uploaded layer version missing; using the config's file");
                }
            }
        }
        let tokens = Tokens::from_config(&config.tokens);
        let settings = LedgerSettings::of_project(&config);
        let ledger = Ledger::open_with(&config.inspection.ledger, settings)?;
        let catalogue = Catalogue::load(config, &versions)?;
        Ok(AppState(Arc::new(Inner {
            catalogue: ArcSwap::from_pointee(catalogue),
            store,
            ledger: Mutex::new(ledger),
            tokens,
            heavy: tokio::sync::Semaphore::new(limits.heavy_jobs.max(1)),
            limits,
            data_dir: data_dir.to_path_buf(),
            upload_lock: tokio::sync::Mutex::new(()),
            metrics: Metrics::default(),
            login: redline_core::accounts::LoginPolicy::default(),
        })))
    }

    /// Run `f` on a blocking thread, inside the current span (which carries the request id).
    pub async fn blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> ApiResult<T> + Send + 'static,
    {
        let span = tracing::Span::current();
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let _g = span.enter();
            f(&state)
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task: {e}")))?
    }

    /// Like [`blocking`](Self::blocking) for CPU-heavy work: at most `heavy_jobs` at once.
    pub async fn heavy<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> ApiResult<T> + Send + 'static,
    {
        let _permit = self
            .heavy
            .acquire()
            .await
            .map_err(|e| ApiError::internal(format!("semaphore: {e}")))?;
        self.blocking(f).await
    }

    /// The ledger, locked.
    pub fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // Each ledger change is one SQLite transaction: a poisoned lock leaves it consistent.
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
