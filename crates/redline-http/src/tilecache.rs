//! The vector tiles of one catalogue: a [`TileSource`] per layer, built on the first tile
//! asked of it, and the encoded tiles, kept up to a byte budget (oldest out first).
//!
//! The cache lives inside the [`Catalogue`](crate::state::Catalogue), which a layer upload
//! replaces whole: a new layer version starts with an empty cache, and a request still running
//! on the old catalogue finishes with the old tiles. The ETag of a tile names the layer's
//! sha256 and version, so a browser's copy of a tile of an older version never matches.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use redline_core::layer::Layer;
use redline_core::tiles::{TileError, TileId, TileSource};

/// The key of one encoded tile.
type Key = (String, TileId);

/// A layer's tile source, built at most once (or the reason it could not be).
type SourceCell = Arc<OnceLock<Result<Arc<TileSource>, String>>>;

/// Encoded tiles, oldest first out once `budget` bytes are held.
#[derive(Default)]
struct Bytes {
    map: HashMap<Key, Arc<Vec<u8>>>,
    order: VecDeque<Key>,
    held: usize,
}

/// The tile sources and encoded tiles of one catalogue.
pub struct TileCache {
    sources: Mutex<HashMap<String, SourceCell>>,
    bytes: Mutex<Bytes>,
    budget: usize,
}

impl TileCache {
    /// An empty cache that keeps up to `budget` bytes of encoded tiles.
    pub fn new(budget: usize) -> TileCache {
        TileCache {
            sources: Mutex::new(HashMap::new()),
            bytes: Mutex::new(Bytes::default()),
            budget,
        }
    }

    /// The tile source of `layer`, built once (concurrent callers wait for the first). A
    /// layer that cannot be converted gives the same error to every caller.
    pub fn source(&self, layer: &Layer, working_crs: &str) -> Result<Arc<TileSource>, String> {
        let cell = self
            .sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(layer.config.name.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| {
            let started = std::time::Instant::now();
            let built = TileSource::build(layer, working_crs)
                .map(Arc::new)
                .map_err(|e: TileError| e.to_string());
            tracing::info!(layer = %layer.config.name, ms = started.elapsed().as_millis() as u64,
                ok = built.is_ok(), "tile source built");
            built
        })
        .clone()
    }

    /// The encoded tile of `layer` at `id`, if it is held.
    pub fn get(&self, layer: &str, id: TileId) -> Option<Arc<Vec<u8>>> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .get(&(layer.to_string(), id))
            .cloned()
    }

    /// Keep an encoded tile, dropping the oldest while more than the budget is held. A tile
    /// larger than the whole budget is not kept.
    pub fn put(&self, layer: &str, id: TileId, tile: Arc<Vec<u8>>) {
        if tile.len() > self.budget {
            return;
        }
        let mut b = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (layer.to_string(), id);
        if b.map.contains_key(&key) {
            return;
        }
        b.held += tile.len();
        b.map.insert(key.clone(), tile);
        b.order.push_back(key);
        while b.held > self.budget {
            let Some(old) = b.order.pop_front() else {
                break;
            };
            if let Some(t) = b.map.remove(&old) {
                b.held -= t.len();
            }
        }
    }

    /// Tiles and bytes held.
    pub fn held(&self) -> (usize, usize) {
        let b = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        (b.map.len(), b.held)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oldest_tiles_leave_first_once_the_budget_is_full() {
        let c = TileCache::new(10);
        let t = |z: u8| TileId::new(z, 0, 0).unwrap();
        c.put("a", t(1), Arc::new(vec![0; 4]));
        c.put("a", t(2), Arc::new(vec![0; 4]));
        assert_eq!(c.held(), (2, 8));
        c.put("b", t(1), Arc::new(vec![0; 4]));
        assert_eq!(c.held(), (2, 8));
        assert!(c.get("a", t(1)).is_none());
        assert!(c.get("a", t(2)).is_some() && c.get("b", t(1)).is_some());
        // Larger than the whole budget: not kept, nothing evicted.
        c.put("c", t(3), Arc::new(vec![0; 11]));
        assert_eq!(c.held(), (2, 8));
        // The same key twice is held once.
        c.put("a", t(2), Arc::new(vec![0; 4]));
        assert_eq!(c.held(), (2, 8));
    }
}
