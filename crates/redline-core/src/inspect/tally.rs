//! Counting clues without keeping them: the summary of a very large clue list.
//!
//! The lists are read in chunks of [`CHUNK_ROWS`] clues (CSV streamed, see
//! [`crate::formats::clues::read_chunked`]); each chunk is placed in parallel and folded into a
//! [`Tally`]: counts by status, by reserve zone and by county, and the focus issues. Nothing of
//! a clue outlives its chunk, so memory is the layers plus a few chunks, however long the list.
//! With more than one thread, reading the next chunk overlaps placing this one; with one thread
//! (`RAYON_NUM_THREADS=1`) everything runs on the calling thread.
//!
//! A clue is placed exactly as [`Inspector::place`] places it (the same [`Inspector::locate`]
//! and focus rules), so the counts equal those of the full report; a test checks this.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc;

use rayon::prelude::*;
use serde::Serialize;

use super::{InspectError, InspectResult};
use super::{Inspector, LayerVersion, Summary, Zone};
use crate::crs::{Reprojector, CGCS2000};
use crate::formats::clues::{read_chunked, Clue, ClueList};

/// Clues per chunk: large enough that a chunk's parallel split costs little, small enough that
/// the chunks in flight (three at most) stay a few MB.
pub const CHUNK_ROWS: usize = 8192;

/// Clues per piece of a chunk that one worker places (with one converter and one focus cache).
const PIECE_ROWS: usize = 1024;

/// Counts of placed clues; chunks' tallies add up with [`Tally::merge`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Clues placed.
    pub clues: usize,
    /// Clues inside a reserve's zone (保护区内).
    pub in_reserve: usize,
    /// Clues outside every reserve, within `near_boundary_m` of one (保护区边界附近).
    pub near_boundary: usize,
    /// Clues farther from every reserve (保护区外).
    pub outside: usize,
    /// Focus issues (重点问题) among the clues in a reserve.
    pub focus: usize,
    /// Per zone (index into [`Inspector::zones`]): clues inside, focus issues, clues near.
    in_zone: Vec<usize>,
    focus_in_zone: Vec<usize>,
    near_zone: Vec<usize>,
    /// Per county (index into [`Inspector::counties`]), then one for "in no county".
    in_county: Vec<usize>,
    /// Wall time spent placing (reprojecting, locating, counting), not reading, nor building
    /// the quick grid.
    pub placing: std::time::Duration,
    /// Wall time spent building the [quick grid](super::quick).
    pub grid: std::time::Duration,
}

impl Tally {
    fn new(zones: usize, counties: usize) -> Tally {
        Tally {
            in_zone: vec![0; zones],
            focus_in_zone: vec![0; zones],
            near_zone: vec![0; zones],
            in_county: vec![0; counties + 1],
            ..Tally::default()
        }
    }

    /// Add `other`'s counts to these.
    pub fn merge(&mut self, other: &Tally) {
        self.clues += other.clues;
        self.in_reserve += other.in_reserve;
        self.near_boundary += other.near_boundary;
        self.outside += other.outside;
        self.focus += other.focus;
        self.placing += other.placing;
        self.grid += other.grid;
        let add = |a: &mut Vec<usize>, b: &Vec<usize>| {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        };
        add(&mut self.in_zone, &other.in_zone);
        add(&mut self.focus_in_zone, &other.focus_in_zone);
        add(&mut self.near_zone, &other.near_zone);
        add(&mut self.in_county, &other.in_county);
    }
}

/// Clues of one reserve zone (all polygons of the same reserve and zone together).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ZoneCount {
    /// The reserve's name (保护区名称).
    pub reserve: String,
    /// Its level (保护区级别: 国家级, 省级 …) as its first polygon of this zone gives it; empty
    /// when the layer gives none.
    pub reserve_level: String,
    /// The functional zone (功能分区).
    pub zone: Zone,
    /// The zone's Chinese name (核心区 …).
    pub zone_cn: &'static str,
    /// Clues inside the zone.
    pub in_reserve: usize,
    /// Of those, focus issues.
    pub focus: usize,
    /// Clues outside every zone whose nearest zone (within `near_boundary_m`) is this one.
    pub near_boundary: usize,
}

/// Clues whose point lies in one county (`county_code` null: in none of the county outlines).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CountyCount {
    /// The county's code (行政区划代码); `None` for the clues in no county outline.
    pub county_code: Option<String>,
    /// The county's name (县区); `None` for the clues in no county outline.
    pub county: Option<String>,
    /// Clues whose point lies in the county.
    pub clues: usize,
}

/// The summary of an inspection (`redline inspect --summary-only`).
#[derive(Debug, Serialize)]
pub struct InspectSummary {
    /// The counts by status, focus issues and problems.
    pub summary: Summary,
    /// By reserve and zone, sorted by reserve name, then zone.
    pub by_zone: Vec<ZoneCount>,
    /// By county code; the clues in no county last.
    pub by_county: Vec<CountyCount>,
    /// Located problems of single rows (`file:line:column: message`).
    pub problems: Vec<String>,
    /// What the readers changed or doubted (swapped coordinates …), located.
    pub warnings: Vec<String>,
    /// The reserve and county layers used, with their sha256.
    pub layers: Vec<LayerVersion>,
}

thread_local! {
    /// PROJ handles are not `Send`: each thread keeps its own, built once per working CRS.
    static REPROJECTORS: RefCell<Vec<(String, Rc<Reprojector>)>> = const { RefCell::new(Vec::new()) };
}

/// This thread's CGCS2000 → `working` converter.
fn reprojector(working: &str) -> InspectResult<Rc<Reprojector>> {
    REPROJECTORS.with(|cell| {
        let mut cache = cell.borrow_mut();
        if let Some((_, r)) = cache.iter().find(|(w, _)| w == working) {
            return Ok(Rc::clone(r));
        }
        let r = Rc::new(
            Reprojector::new(CGCS2000, working)
                .map_err(|e| InspectError::Projection(Box::new(e)))?,
        );
        cache.push((working.to_string(), Rc::clone(&r)));
        Ok(r)
    })
}

/// What one worker keeps while it folds clues: its counts, its converter and the focus
/// verdicts it has worked out, per (activity text, zone).
struct Worker<'a> {
    tally: Tally,
    proj: Rc<Reprojector>,
    focus: HashMap<(&'a str, usize), bool>,
}

impl Inspector {
    fn empty_tally(&self) -> Tally {
        Tally::new(self.zones.len(), self.counties.len())
    }

    /// Place the clues of one chunk (lon/lat) and count them, in parallel over pieces of
    /// `PIECE_ROWS` (1024) clues. A long chunk builds the [quick grid](super::quick) first; the
    /// tally records the time of each apart.
    pub fn tally_chunk(&self, clues: &[Clue]) -> InspectResult<Tally> {
        let t = std::time::Instant::now();
        if clues.len() >= super::QUICK_GRID_FROM {
            self.prepare_quick_grid();
        }
        let grid = t.elapsed();
        let working = self.config.working_crs.as_str();
        let mut tally: Tally = clues
            .par_chunks(PIECE_ROWS)
            .map(|piece| {
                let mut w = Worker {
                    tally: self.empty_tally(),
                    proj: reprojector(working)?,
                    focus: HashMap::new(),
                };
                for clue in piece {
                    self.count(&mut w, clue)?;
                }
                Ok::<_, InspectError>(w.tally)
            })
            .try_reduce(
                || self.empty_tally(),
                |mut a, b| {
                    a.merge(&b);
                    Ok(a)
                },
            )?;
        tally.placing = t.elapsed() - grid;
        tally.grid = grid;
        Ok(tally)
    }

    fn count<'a>(&self, w: &mut Worker<'a>, clue: &'a Clue) -> InspectResult<()> {
        let (location, _) = self.locate_clue(clue, &w.proj)?;
        let t = &mut w.tally;
        t.clues += 1;
        match location.county {
            Some(i) => t.in_county[i] += 1,
            None => t.in_county[self.counties.len()] += 1,
        }
        match (location.zone, location.near) {
            (Some(i), _) => {
                t.in_reserve += 1;
                t.in_zone[i] += 1;
                let focus = *w
                    .focus
                    .entry((clue.activity.as_str(), i))
                    .or_insert_with(|| !self.focus_reasons_in(&clue.activity, i).is_empty());
                if focus {
                    t.focus += 1;
                    t.focus_in_zone[i] += 1;
                }
            }
            (None, Some((i, _))) => {
                t.near_boundary += 1;
                t.near_zone[i] += 1;
            }
            (None, None) => t.outside += 1,
        }
        Ok(())
    }

    /// Read clue files in chunks and count where their clues lie, without keeping them.
    /// `progress` is called after each chunk with the counts so far.
    pub fn tally_files(
        &self,
        files: &[PathBuf],
        progress: &mut dyn FnMut(&Tally),
    ) -> InspectResult<InspectSummary> {
        let mut tally = self.empty_tally();
        let lists: Vec<ClueList> = if rayon::current_num_threads() <= 1 {
            let mut lists = Vec::new();
            for f in files {
                lists.push(read_chunked::<InspectError>(f, CHUNK_ROWS, &mut |chunk| {
                    tally.merge(&self.tally_chunk(&chunk)?);
                    progress(&tally);
                    Ok(())
                })?);
            }
            lists
        } else {
            self.tally_pipelined(files, &mut tally, progress)?
        };
        Ok(self.summarize_tally(&tally, lists))
    }

    /// One thread reads and parses chunks while the rayon pool places the previous ones.
    fn tally_pipelined(
        &self,
        files: &[PathBuf],
        tally: &mut Tally,
        progress: &mut dyn FnMut(&Tally),
    ) -> InspectResult<Vec<ClueList>> {
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel::<Vec<Clue>>(1);
            let reader = scope.spawn(move || -> InspectResult<Vec<ClueList>> {
                let mut lists = Vec::new();
                for f in files {
                    lists.push(read_chunked::<InspectError>(f, CHUNK_ROWS, &mut |chunk| {
                        tx.send(chunk)
                            .map_err(|_| InspectError::Worker("placing stopped"))
                    })?);
                }
                Ok(lists)
            });
            let mut failure = None;
            for chunk in &rx {
                match self.tally_chunk(&chunk) {
                    Ok(t) => {
                        tally.merge(&t);
                        progress(tally);
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            // Unblocks a reader waiting to send, after a failure.
            drop(rx);
            let read = reader
                .join()
                .map_err(|_| InspectError::Worker("clue reader thread panicked"))?;
            match failure {
                Some(e) => Err(e),
                None => read,
            }
        })
    }

    /// The summary document of a tally and the lists' problems and warnings.
    pub fn summarize_tally(&self, tally: &Tally, lists: Vec<ClueList>) -> InspectSummary {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        for list in lists {
            problems.extend(list.problems.iter().map(std::string::ToString::to_string));
            warnings.extend(list.warnings);
        }
        let mut by_zone: BTreeMap<(&str, Zone), ZoneCount> = BTreeMap::new();
        for (i, z) in self.zones.iter().enumerate() {
            let c = by_zone
                .entry((z.reserve.as_str(), z.zone))
                .or_insert_with(|| ZoneCount {
                    reserve: z.reserve.clone(),
                    reserve_level: z.level.clone(),
                    zone: z.zone,
                    zone_cn: z.zone.label_cn(),
                    in_reserve: 0,
                    focus: 0,
                    near_boundary: 0,
                });
            c.in_reserve += tally.in_zone.get(i).copied().unwrap_or(0);
            c.focus += tally.focus_in_zone.get(i).copied().unwrap_or(0);
            c.near_boundary += tally.near_zone.get(i).copied().unwrap_or(0);
        }
        let mut by_county: BTreeMap<&str, CountyCount> = BTreeMap::new();
        for (i, c) in self.counties.iter().enumerate() {
            let e = by_county
                .entry(c.code.as_str())
                .or_insert_with(|| CountyCount {
                    county_code: Some(c.code.clone()),
                    county: Some(c.name.clone()),
                    clues: 0,
                });
            e.clues += tally.in_county.get(i).copied().unwrap_or(0);
        }
        let mut by_county: Vec<CountyCount> = by_county.into_values().collect();
        by_county.push(CountyCount {
            county_code: None,
            county: None,
            clues: tally
                .in_county
                .get(self.counties.len())
                .copied()
                .unwrap_or(0),
        });
        InspectSummary {
            summary: Summary {
                clues: tally.clues,
                in_reserve: tally.in_reserve,
                near_boundary: tally.near_boundary,
                outside: tally.outside,
                focus: tally.focus,
                problems: problems.len(),
            },
            by_zone: by_zone.into_values().collect(),
            by_county,
            problems,
            warnings,
            layers: self.layer_list(),
        }
    }
}
