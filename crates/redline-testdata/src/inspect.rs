//! The Green Shield (绿盾) data set: nature-reserve functional zones, county outlines, a project
//! file and remote-sensing clue lists whose answers are known by construction.
//!
//! * [`Scale::Demo`] writes the small committed fixtures in `fixtures/inspect/` (with
//!   `EXPECTED.md`, the table of [`inspect_known_answers`]).
//! * [`Scale::County`] writes the benchmark set: the same reserves with 2k–50k vertices per
//!   boundary plus more generated reserves, and 1,000,000 clue points in a UTF-8 CSV.
//!
//! Everything is deterministic: the crate's SplitMix64 generator ([`Rng`], integers by
//! [`Rng::below_multiply_shift`]) seeded by the caller, fixed iteration order, no clock. Two
//! runs with the same seed give byte-identical files.
//!
//! ## How the answers are known
//! All geometry is designed in the working CRS EPSG:4527 (metres) and converted to CGCS2000
//! lon/lat (EPSG:4490) for the files. A reserve zone is a star-shaped outline around the
//! reserve centre: radius `f·R·(1 + n(θ))` where the noise `n` is a sum of harmonics whose
//! amplitudes add up to [`NOISE`] = 0.15, so every outline lies between the circles of radius
//! `0.85·f·R` and `1.15·f·R`. The zone factors `f` are core 0.3, buffer 0.6, experimental 1.0
//! (two-zone scheme: core protection 0.45, general control 1.0), so the rings never cross and
//! a clue placed at a chosen distance `ρ` from the centre lies in a known zone with a known
//! minimum distance to every zone boundary, whatever the noise. Two boundaries of 瑶里(示例)
//! have a straight stretch (a chord replaces the noisy arc): the core/buffer chord carries a
//! clue exactly on a vertex of the core boundary and a patch straddling it (split 100 m × 40 m
//! core / 100 m × 20 m buffer); the outer chord carries a clue exactly 50 m outside and a patch
//! 80 m × 30 m inside / 80 m × 20 m outside.
//!
//! Clue coordinates are rounded to 0.001″ so that the 度分秒 text of the GBK CSV and the
//! decimal degrees of the XLSX are the same numbers; the designs are made from the rounded
//! positions (the chords pass through them), so rounding changes no answer.
//!
//! Files are in EPSG:4490 (lon/lat): the shapefiles carry the CGCS2000 `.prj` of the frame data.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use geo::{Coord, LineString, Polygon};

use crate::error::{Error, Result};
use redline_core::crs::Reprojector;
use redline_core::formats::shapefile::DbfEncoding;
use redline_core::formats::{FeatureTable, RawFeature};

use crate::files::{list_files, write_file};
use crate::frame::{County, CountyFrame};
use crate::markdown::MdTable;
use crate::project::ProjectToml;
use crate::rng::Rng;
use crate::{Scale, GENERATOR};

/// The seed of the committed demo fixtures.
pub const DEMO_SEED: u64 = 2020;

/// Total amplitude of the radial boundary noise (fraction of the radius).
pub const NOISE: f64 = 0.15;

/// The CGCS2000 geographic `.prj` written beside the shapefiles.
const PRJ_CGCS2000: &str = redline_core::formats::shapefile::PRJ_4490_ESRI;

const WORKING_CRS: &str = "EPSG:4527";

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct InspectSummary {
    /// Files written, relative to the output folder, with their sizes in bytes.
    pub files: Vec<(PathBuf, u64)>,
    /// Reserves and zone polygons in `layers/reserve_zones.shp`.
    pub reserves: usize,
    pub zone_polygons: usize,
    /// Vertices of all zone polygons.
    pub vertices: usize,
    /// Clue rows in the CSV (including the deliberately bad rows at demo scale).
    pub clues: usize,
    /// Patches in `clues/patches.shp` (demo only).
    pub patches: usize,
}

/// Where a known-answer clue is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClueSource {
    /// A point in `clues/clues_gbk.csv` and `clues/clues.xlsx`.
    Point,
    /// A polygon in `clues/patches.shp`.
    Patch,
}

/// Area of a patch in one zone (zones exclusive: the most restrictive zone wins).
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneArea {
    pub reserve: &'static str,
    /// Contract code: `core`, `buffer`, `experimental`, `core_protection`, `general_control`.
    pub zone: &'static str,
    pub area_m2: f64,
}

/// The expected placement of one demo clue (see `fixtures/inspect/EXPECTED.md`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClueAnswer {
    pub id: &'static str,
    pub source: ClueSource,
    pub activity: &'static str,
    pub year: u32,
    pub county_code: Option<&'static str>,
    pub county: Option<&'static str>,
    pub reserve: Option<&'static str>,
    pub reserve_level: Option<&'static str>,
    /// Contract code of the zone (null outside every reserve).
    pub zone: Option<&'static str>,
    pub zone_cn: Option<&'static str>,
    /// 0 inside a reserve; the distance to the nearest reserve when near it; `None` beyond.
    pub distance_m: Option<f64>,
    pub focus: bool,
    /// Why (in Chinese, for the table).
    pub why: &'static str,
    /// For patches: area per zone (and `outside` for the part outside every reserve).
    pub zones: Vec<ZoneArea>,
}

/// A row of `clues/clues_gbk.csv` that must be rejected with a located error.
#[derive(Clone, Debug, PartialEq)]
pub struct BadRow {
    pub id: &'static str,
    /// 1-based line in the CSV (the header is line 1).
    pub line: usize,
    /// 1-based column and its header.
    pub column: usize,
    pub header: &'static str,
    pub text: &'static str,
    pub why: &'static str,
}

// ---------------------------------------------------------------------------------------------
// The design: reserves, zones and known clues.

const R1: &str = "瑶里(示例)自然保护区";
const R2: &str = "洪岩(示例)自然保护区";
const R3: &str = "昌江源(示例)森林公园";
const FULIANG: (&str, &str) = ("360222", "浮梁县");
const LEPING: (&str, &str) = ("360281", "乐平市");
const ZHUSHAN: (&str, &str) = ("360203", "珠山区");
const CHANGJIANG: (&str, &str) = ("360202", "昌江区");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Classic,
    TwoZone,
}

/// Zone: GNFQ text, contract code, radius factor.
const CLASSIC: [(&str, &str, f64); 3] = [
    ("实验区", "experimental", 1.0),
    ("缓冲区", "buffer", 0.6),
    ("核心区", "core", 0.3),
];
const TWO_ZONE: [(&str, &str, f64); 2] = [
    ("一般控制区", "general_control", 1.0),
    ("核心保护区", "core_protection", 0.45),
];

struct ReserveSpec {
    name: String,
    level: &'static str,
    kind: &'static str,
    scheme: Scheme,
    lon: f64,
    lat: f64,
    radius_m: f64,
    /// Vertices of the outer boundary; inner zones get 2/3 and 2/5 of it.
    vertices: usize,
}

/// The three designed reserves, with their outer vertex count at each scale.
fn designed_reserves(scale: Scale) -> Vec<ReserveSpec> {
    let v = |demo: usize, county: usize| if scale == Scale::Demo { demo } else { county };
    vec![
        ReserveSpec {
            name: R1.into(),
            level: "国家级",
            kind: "自然保护区",
            scheme: Scheme::Classic,
            lon: 117.42,
            lat: 29.56,
            radius_m: 5000.0,
            vertices: v(3000, 50_000),
        },
        ReserveSpec {
            name: R2.into(),
            level: "县级",
            kind: "自然保护区",
            scheme: Scheme::Classic,
            lon: 117.33,
            lat: 28.955,
            radius_m: 3000.0,
            vertices: v(2000, 30_000),
        },
        ReserveSpec {
            // Centred on a vertex of the 昌江区/浮梁县 border: it straddles the two counties.
            name: R3.into(),
            level: "省级",
            kind: "森林公园",
            scheme: Scheme::TwoZone,
            lon: 117.140213,
            lat: 29.299334,
            radius_m: 2500.0,
            vertices: v(2400, 36_000),
        },
    ]
}

/// The 瑶里(示例) core chord: window centre and half-width (radians).
const CORE_CHORD: (f64, f64) = (std::f64::consts::FRAC_PI_2, 0.16);
/// The 瑶里(示例) outer chord.
const OUTER_CHORD: (f64, f64) = (315.0 * std::f64::consts::PI / 180.0, 0.2);

/// How a known point clue is placed.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// `rho` metres from the centre of designed reserve `r`, at `deg` degrees (from grid east).
    Polar { r: usize, rho: f64, deg: f64 },
    /// On the 瑶里(示例) core chord at this fraction (a vertex of the core boundary).
    CoreChord(f64),
    /// 50 m outside the 瑶里(示例) outer chord, at this fraction.
    OuterChordOut(f64),
    /// Like `Polar`, then `dx` metres along the tangent (counter-clockwise).
    PolarShift {
        r: usize,
        rho: f64,
        deg: f64,
        dt: f64,
    },
    /// A fixed lon/lat.
    LonLat(f64, f64),
}

struct PointDesign {
    id: &'static str,
    place: Place,
    /// The county the ministry's list names (text of 县区).
    listed_county: &'static str,
    area_m2: f64,
    batch: &'static str,
}

const NEAR_M: f64 = 50.0;

#[allow(clippy::too_many_arguments)]
fn answer(
    id: &'static str,
    source: ClueSource,
    activity: &'static str,
    year: u32,
    county: Option<(&'static str, &'static str)>,
    reserve: Option<(&'static str, &'static str)>,
    zone: Option<(&'static str, &'static str)>,
    distance_m: Option<f64>,
    focus: bool,
    why: &'static str,
) -> ClueAnswer {
    ClueAnswer {
        id,
        source,
        activity,
        year,
        county_code: county.map(|c| c.0),
        county: county.map(|c| c.1),
        reserve: reserve.map(|r| r.0),
        reserve_level: reserve.map(|r| r.1),
        zone: zone.map(|z| z.0),
        zone_cn: zone.map(|z| z.1),
        distance_m,
        focus,
        why,
        zones: Vec::new(),
    }
}

/// The known answers of the demo fixtures (any seed: they hold by construction).
pub fn inspect_known_answers() -> Vec<ClueAnswer> {
    use ClueSource::{Patch, Point};
    let r1 = Some((R1, "国家级"));
    let r2 = Some((R2, "县级"));
    let r3 = Some((R3, "省级"));
    let core = Some(("core", "核心区"));
    let buffer = Some(("buffer", "缓冲区"));
    let exp = Some(("experimental", "实验区"));
    let cp = Some(("core_protection", "核心保护区"));
    let gc = Some(("general_control", "一般控制区"));
    let mut v = vec![
        answer("LS2020-001", Point, "矿产资源开发", 2020, Some(FULIANG), r1, core, Some(0.0), true,
            "国家级自然保护区内采石采砂（四类焦点问题；核心区）"),
        answer("LS2020-002", Point, "旅游开发", 2020, Some(FULIANG), r1, buffer, Some(0.0), true,
            "国家级自然保护区缓冲区内的旅游设施（四类焦点问题）"),
        answer("LS2020-003", Point, "旅游开发", 2020, Some(FULIANG), r1, exp, Some(0.0), false,
            "实验区：旅游设施只在核心区、缓冲区内才属焦点问题"),
        answer("LS2020-004", Point, "居民点", 2020, Some(FULIANG), r1, core, Some(0.0), false,
            "恰在核心区/缓冲区边界上（核心区边界的顶点）：功能区为闭集，取最严格者→核心区；居民点不属焦点问题类型"),
        answer("LS2020-005", Point, "农业开发", 2020, Some(FULIANG), r1, None, Some(NEAR_M), false,
            "保护区外 50 m（边界附近，≤ near_boundary_m），不在任何功能区内"),
        answer("LS2020-006", Point, "工业开发", 2020, Some(ZHUSHAN), None, None, None, false,
            "远离所有保护区（> 5 km）"),
        answer("LS2020-007", Point, "矿产资源开发", 2020, Some(LEPING), r2, core, Some(0.0), false,
            "县级保护区：焦点问题只限国家级、省级"),
        answer("LS2020-008", Point, "居民点", 2020, Some(FULIANG), r3, cp, Some(0.0), false,
            "跨县保护地的浮梁县一侧；居民点不属焦点问题类型"),
        answer("LS2020-009", Point, "农业开发", 2020, Some(CHANGJIANG), r3, gc, Some(0.0), false,
            "跨县保护地的昌江区一侧；一般控制区，农业开发不属焦点问题类型"),
        answer("LS2020-010", Point, "其他", 2020, None, None, None, None, false,
            "景德镇市界外（约 9.8 km，鄱阳县方向）：无县区、无保护区"),
        answer("LS2020-011", Point, "交通开发", 2020, Some(LEPING), r2, exp, Some(0.0), false,
            "县级保护区的实验区"),
        answer("LS2019-012", Point, "养殖", 2019, Some(FULIANG), r1, exp, Some(0.0), false,
            "实验区；2019 年线索，距 LS2020-003 约 80 m（回头看 lookback_m = 200 内）"),
        answer("LS2020-013", Point, "矿产资源开发", 2020, Some(FULIANG), r1, exp, Some(0.0), true,
            "国家级自然保护区内采石采砂、工矿用地不论功能区（四类焦点问题），实验区亦然"),
        answer("TB2020-001", Patch, "矿产资源开发", 2020, Some(FULIANG), r1, core, Some(0.0), true,
            "图斑跨核心区/缓冲区直线边界：核心区 100×40 = 4000 m²，缓冲区 100×20 = 2000 m²；国家级保护区内采矿"),
        answer("TB2020-002", Patch, "农业开发", 2020, Some(FULIANG), r1, exp, Some(0.0), false,
            "图斑跨保护区外边界直线段：实验区 80×30 = 2400 m²，区外 80×20 = 1600 m²"),
        answer("TB2020-003", Patch, "矿产资源开发", 2020, Some(LEPING), r2, core, Some(0.0), false,
            "县级保护区核心区内 50×50 = 2500 m²；县级不属焦点问题"),
    ];
    for a in &mut v {
        a.zones = match a.id {
            "TB2020-001" => vec![
                ZoneArea {
                    reserve: R1,
                    zone: "core",
                    area_m2: 4000.0,
                },
                ZoneArea {
                    reserve: R1,
                    zone: "buffer",
                    area_m2: 2000.0,
                },
            ],
            "TB2020-002" => vec![
                ZoneArea {
                    reserve: R1,
                    zone: "experimental",
                    area_m2: 2400.0,
                },
                ZoneArea {
                    reserve: "",
                    zone: "outside",
                    area_m2: 1600.0,
                },
            ],
            "TB2020-003" => vec![ZoneArea {
                reserve: R2,
                zone: "core",
                area_m2: 2500.0,
            }],
            _ => Vec::new(),
        };
    }
    v
}

/// How each known point clue is placed (same order as the point rows of the answers).
fn point_designs() -> Vec<PointDesign> {
    let d = |id, place, listed_county, area_m2, batch| PointDesign {
        id,
        place,
        listed_county,
        area_m2,
        batch,
    };
    // Annuli (R1, R = 5000): core ⊂ [1275, 1725] m, buffer ⊂ [2550, 3450], outer ⊂ [4250, 5750]
    // (outer chord ≥ 4165). R2 (R = 3000): core ≥ 765, buffer ⊂ [1530, 2070], outer ≥ 2550.
    // R3 (R = 2500): core protection ⊂ [956, 1294], outer ≥ 2125.
    vec![
        d(
            "LS2020-001",
            Place::Polar {
                r: 0,
                rho: 300.0,
                deg: 30.0,
            },
            "浮梁县",
            3200.0,
            "2020-1",
        ),
        d(
            "LS2020-002",
            Place::Polar {
                r: 0,
                rho: 2137.5,
                deg: 150.0,
            },
            "浮梁县",
            860.0,
            "2020-1",
        ),
        d(
            "LS2020-003",
            Place::Polar {
                r: 0,
                rho: 3850.0,
                deg: 200.0,
            },
            "浮梁县",
            1500.0,
            "2020-1",
        ),
        d(
            "LS2020-004",
            Place::CoreChord(0.75),
            "浮梁县",
            420.0,
            "2020-1",
        ),
        d(
            "LS2020-005",
            Place::OuterChordOut(0.75),
            "浮梁县",
            2600.0,
            "2020-1",
        ),
        d(
            "LS2020-006",
            Place::LonLat(117.22, 29.30),
            "珠山区",
            5100.0,
            "2020-1",
        ),
        d(
            "LS2020-007",
            Place::Polar {
                r: 1,
                rho: 200.0,
                deg: 45.0,
            },
            "乐平市",
            7400.0,
            "2020-2",
        ),
        d(
            "LS2020-008",
            Place::Polar {
                r: 2,
                rho: 500.0,
                deg: 100.0,
            },
            "浮梁县",
            380.0,
            "2020-2",
        ),
        d(
            "LS2020-009",
            Place::Polar {
                r: 2,
                rho: 1710.0,
                deg: 280.0,
            },
            "昌江区",
            1250.0,
            "2020-2",
        ),
        d(
            "LS2020-010",
            Place::LonLat(116.90, 29.00),
            "鄱阳县",
            900.0,
            "2020-2",
        ),
        d(
            "LS2020-011",
            Place::Polar {
                r: 1,
                rho: 2310.0,
                deg: 250.0,
            },
            "乐平市",
            640.0,
            "2020-2",
        ),
        d(
            "LS2019-012",
            Place::PolarShift {
                r: 0,
                rho: 3850.0,
                deg: 200.0,
                dt: 80.0,
            },
            "浮梁县",
            1800.0,
            "2019-2",
        ),
        d(
            "LS2020-013",
            Place::Polar {
                r: 0,
                rho: 3850.0,
                deg: 60.0,
            },
            "浮梁县",
            2300.0,
            "2020-2",
        ),
    ]
}

/// The rows of the demo CSV that must be rejected (they are not in the XLSX).
pub fn inspect_bad_rows() -> Vec<BadRow> {
    vec![
        BadRow {
            id: "LS2020-901",
            line: 7,
            column: 3,
            header: "经度",
            text: "117°75′10.0″",
            why: "分 ≥ 60 (minutes ≥ 60)",
        },
        BadRow {
            id: "LS2020-902",
            line: 15,
            column: 4,
            header: "纬度",
            text: "29°18′75.2″",
            why: "秒 ≥ 60 (seconds ≥ 60)",
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Random numbers and boundaries.

/// A radial noise function: a sum of harmonics whose amplitudes add up to `total`, so its
/// value always lies in [−total, total].
#[derive(Clone, Debug)]
struct RadialNoise {
    terms: Vec<(f64, f64, f64)>,
}

impl RadialNoise {
    fn new(rng: &mut Rng, total: f64) -> Self {
        let mut terms: Vec<(f64, f64, f64)> = (2..=90)
            .map(|k| {
                let kf = k as f64;
                let w = kf.powf(-1.3) * rng.range(0.3, 1.0);
                (kf, w, rng.range(0.0, std::f64::consts::TAU))
            })
            .collect();
        let sum: f64 = terms.iter().map(|t| t.1).sum();
        for t in &mut terms {
            t.1 *= total / sum;
        }
        RadialNoise { terms }
    }

    fn at(&self, theta: f64) -> f64 {
        self.terms
            .iter()
            .map(|&(k, a, p)| a * (k * theta + p).sin())
            .sum()
    }
}

/// A straight stretch of an outline: the vertices `points` (first and last on the window's
/// edges) replace the noisy arc between angles `lo` and `hi`.
struct Chord {
    lo: f64,
    hi: f64,
    points: Vec<Coord>,
}

/// A star-shaped closed ring, counter-clockwise from angle 0.
fn star_ring(
    center: Coord,
    radius: f64,
    noise: &RadialNoise,
    n: usize,
    chords: &[Chord],
) -> Vec<Coord> {
    let mut ring = Vec::with_capacity(n + 8);
    let mut done = vec![false; chords.len()];
    for i in 0..n {
        let t = std::f64::consts::TAU * i as f64 / n as f64;
        if let Some(k) = chords.iter().position(|c| t >= c.lo && t <= c.hi) {
            if !done[k] {
                ring.extend_from_slice(&chords[k].points);
                done[k] = true;
            }
            continue;
        }
        for (k, c) in chords.iter().enumerate() {
            if !done[k] && t > c.hi {
                ring.extend_from_slice(&c.points);
                done[k] = true;
            }
        }
        ring.push(polar(center, radius * (1.0 + noise.at(t)), t));
    }
    for (k, c) in chords.iter().enumerate() {
        if !done[k] {
            ring.extend_from_slice(&c.points);
        }
    }
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}

fn polar(center: Coord, r: f64, t: f64) -> Coord {
    Coord {
        x: center.x + r * t.cos(),
        y: center.y + r * t.sin(),
    }
}

fn sub(a: Coord, b: Coord) -> Coord {
    Coord {
        x: a.x - b.x,
        y: a.y - b.y,
    }
}
fn add(a: Coord, b: Coord) -> Coord {
    Coord {
        x: a.x + b.x,
        y: a.y + b.y,
    }
}
fn mul(a: Coord, s: f64) -> Coord {
    Coord {
        x: a.x * s,
        y: a.y * s,
    }
}
fn norm(a: Coord) -> f64 {
    a.x.hypot(a.y)
}
fn dot(a: Coord, b: Coord) -> f64 {
    a.x * b.x + a.y * b.y
}

// ---------------------------------------------------------------------------------------------
// Building the data set in the working CRS.

/// One zone polygon in EPSG:4527.
struct ZonePolygon {
    gnfq: &'static str,
    ring: Vec<Coord>,
}

struct Reserve {
    spec: ReserveSpec,
    center: Coord,
    /// Outer zone first; nested zones after it.
    zones: Vec<ZonePolygon>,
}

/// A clue position: 0.001″ lon/lat grid, and its exact image in EPSG:4527.
#[derive(Clone, Copy, Debug)]
struct Located {
    lon_mas: i64,
    lat_mas: i64,
    xy: Coord,
}

impl Located {
    fn lon(&self) -> f64 {
        self.lon_mas as f64 / 3_600_000.0
    }
    fn lat(&self) -> f64 {
        self.lat_mas as f64 / 3_600_000.0
    }
}

struct Projections {
    to_xy: Reprojector,
    to_ll: Reprojector,
}

impl Projections {
    fn new() -> Result<Self> {
        Ok(Projections {
            to_xy: Reprojector::new(redline_core::crs::CGCS2000, WORKING_CRS)?,
            to_ll: Reprojector::new(WORKING_CRS, redline_core::crs::CGCS2000)?,
        })
    }

    fn xy(&self, lon: f64, lat: f64) -> Result<Coord> {
        let (x, y) = self.to_xy.point(lon, lat)?;
        Ok(Coord { x, y })
    }

    /// Snap a working-CRS position to the 0.001″ grid.
    fn locate(&self, p: Coord) -> Result<Located> {
        let (lon, lat) = self.to_ll.point(p.x, p.y)?;
        self.locate_ll(lon, lat)
    }

    fn locate_ll(&self, lon: f64, lat: f64) -> Result<Located> {
        let lon_mas = (lon * 3_600_000.0).round() as i64;
        let lat_mas = (lat * 3_600_000.0).round() as i64;
        let xy = self.xy(lon_mas as f64 / 3_600_000.0, lat_mas as f64 / 3_600_000.0)?;
        Ok(Located {
            lon_mas,
            lat_mas,
            xy,
        })
    }
}

struct Dataset {
    reserves: Vec<Reserve>,
    /// Known point clues, in the order of [`point_designs`].
    points: Vec<(PointDesign, Located)>,
    /// Patches: id → ring (EPSG:4527).
    patches: Vec<(&'static str, Vec<Coord>)>,
    /// Vertices pinned to exact lon/lat (the on-boundary clue).
    pins: Vec<(Coord, (f64, f64))>,
}

fn zone_table(scheme: Scheme) -> &'static [(&'static str, &'static str, f64)] {
    match scheme {
        Scheme::Classic => &CLASSIC,
        Scheme::TwoZone => &TWO_ZONE,
    }
}

/// Build the designed reserves, the known clues and patches (plus, at county scale, the
/// generated reserves).
fn build(scale: Scale, seed: u64, prj: &Projections) -> Result<Dataset> {
    let mut rng = Rng::new(seed);
    let mut reserves = Vec::new();
    let designs = point_designs();
    let mut points: Vec<(PointDesign, Located)> = Vec::new();
    let mut patches = Vec::new();
    let mut pins = Vec::new();

    for (ri, spec) in designed_reserves(scale).into_iter().enumerate() {
        let center = prj.xy(spec.lon, spec.lat)?;
        let table = zone_table(spec.scheme);
        let noises: Vec<RadialNoise> = table
            .iter()
            .map(|_| RadialNoise::new(&mut rng, NOISE))
            .collect();
        let mut zones = Vec::new();
        for (zi, &(gnfq, _, f)) in table.iter().enumerate() {
            let n = zone_vertices(spec.vertices, zi);
            let radius = f * spec.radius_m;
            let mut chords = Vec::new();
            if ri == 0 && gnfq == "核心区" {
                // Straight core/buffer stretch through the on-boundary clue (a vertex).
                let (tc, h) = CORE_CHORD;
                let a = polar(center, radius * (1.0 + noises[zi].at(tc - h)), tc - h);
                let b0 = polar(center, radius * (1.0 + noises[zi].at(tc + h)), tc + h);
                let frac = designs
                    .iter()
                    .find_map(|d| match d.place {
                        Place::CoreChord(f) => Some(f),
                        _ => None,
                    })
                    .unwrap_or(0.75);
                let on = prj.locate(add(a, mul(sub(b0, a), frac)))?;
                let b = add(a, mul(sub(on.xy, a), 1.0 / frac));
                pins.push((on.xy, (on.lon(), on.lat())));
                let design = designs
                    .iter()
                    .position(|d| matches!(d.place, Place::CoreChord(_)));
                if let Some(k) = design {
                    points.push((clone_design(&designs[k]), on));
                }
                // Patch TB2020-001: 100 m along the chord, 40 m into the core, 20 m out.
                patches.push(("TB2020-001", chord_rectangle(a, b, 0.3, 100.0, 40.0, 20.0)));
                chords.push(Chord {
                    lo: tc - h,
                    hi: tc + h,
                    points: vec![a, on.xy, b],
                });
            }
            if ri == 0 && gnfq == "实验区" {
                let (tc, h) = OUTER_CHORD;
                let a0 = polar(center, radius * (1.0 + noises[zi].at(tc - h)), tc - h);
                let b0 = polar(center, radius * (1.0 + noises[zi].at(tc + h)), tc + h);
                let u = mul(sub(b0, a0), 1.0 / norm(sub(b0, a0)));
                let out = Coord { x: u.y, y: -u.x }; // right of a CCW edge = outside
                let frac = designs
                    .iter()
                    .find_map(|d| match d.place {
                        Place::OuterChordOut(f) => Some(f),
                        _ => None,
                    })
                    .unwrap_or(0.75);
                let q = prj.locate(add(add(a0, mul(sub(b0, a0), frac)), mul(out, NEAR_M)))?;
                // Move the chord parallel so that q lies exactly NEAR_M outside it.
                let shift = dot(sub(q.xy, a0), out) - NEAR_M;
                let a = add(a0, mul(out, shift));
                let b = add(b0, mul(out, shift));
                if let Some(k) = designs
                    .iter()
                    .position(|d| matches!(d.place, Place::OuterChordOut(_)))
                {
                    points.push((clone_design(&designs[k]), q));
                }
                patches.push(("TB2020-002", chord_rectangle(a, b, 0.25, 80.0, 30.0, 20.0)));
                chords.push(Chord {
                    lo: tc - h,
                    hi: tc + h,
                    points: vec![a, b],
                });
            }
            let ring = star_ring(center, radius, &noises[zi], n, &chords);
            zones.push(ZonePolygon { gnfq, ring });
        }
        if ri == 1 {
            // Patch TB2020-003: a 50 m square 400 m from the centre of 洪岩(示例), in its core.
            let c = polar(center, 400.0, 200f64.to_radians());
            let s = 25.0;
            patches.push((
                "TB2020-003",
                vec![
                    add(c, Coord { x: -s, y: -s }),
                    add(c, Coord { x: s, y: -s }),
                    add(c, Coord { x: s, y: s }),
                    add(c, Coord { x: -s, y: s }),
                    add(c, Coord { x: -s, y: -s }),
                ],
            ));
        }
        reserves.push(Reserve {
            spec,
            center,
            zones,
        });
    }

    for d in &designs {
        let loc = match d.place {
            Place::Polar { r, rho, deg } => {
                prj.locate(polar(reserves[r].center, rho, deg.to_radians()))?
            }
            Place::PolarShift { r, rho, deg, dt } => {
                let t = deg.to_radians();
                let p = polar(reserves[r].center, rho, t);
                prj.locate(add(
                    p,
                    Coord {
                        x: -t.sin() * dt,
                        y: t.cos() * dt,
                    },
                ))?
            }
            Place::LonLat(lon, lat) => prj.locate_ll(lon, lat)?,
            Place::CoreChord(_) | Place::OuterChordOut(_) => continue,
        };
        points.push((clone_design(d), loc));
    }
    let order: Vec<&str> = designs.iter().map(|d| d.id).collect();
    points.sort_by_key(|(d, _)| order.iter().position(|id| *id == d.id));
    patches.sort_by_key(|p| p.0);

    if scale == Scale::County {
        add_generated_reserves(&mut reserves, &mut rng, prj)?;
    }
    Ok(Dataset {
        reserves,
        points,
        patches,
        pins,
    })
}

fn clone_design(d: &PointDesign) -> PointDesign {
    PointDesign {
        id: d.id,
        place: d.place,
        listed_county: d.listed_county,
        area_m2: d.area_m2,
        batch: d.batch,
    }
}

/// Vertices of zone `zi` (0 = outer) given the outer count: 1, 2/3, 2/5.
fn zone_vertices(outer: usize, zi: usize) -> usize {
    match zi {
        0 => outer,
        1 => (outer * 2 / 3).max(2000),
        _ => (outer * 2 / 5).max(800),
    }
}

/// A rectangle on the chord a→b (a CCW boundary: inside is to the left), centred at `frac`,
/// `w` along the chord, `inside` metres in and `outside` metres out. Closed, CCW.
fn chord_rectangle(a: Coord, b: Coord, frac: f64, w: f64, inside: f64, outside: f64) -> Vec<Coord> {
    let d = sub(b, a);
    let u = mul(d, 1.0 / norm(d));
    let n = Coord { x: -u.y, y: u.x };
    let m = add(a, mul(d, frac));
    let p = |s: f64, t: f64| add(m, add(mul(u, s), mul(n, t)));
    vec![
        p(-w / 2.0, -outside),
        p(w / 2.0, -outside),
        p(w / 2.0, inside),
        p(-w / 2.0, inside),
        p(-w / 2.0, -outside),
    ]
}

const PLACE_NAMES: [&str; 16] = [
    "怀玉",
    "鹅湖",
    "磻溪",
    "英溪",
    "经公桥",
    "峙滩",
    "寿安",
    "蛟潭",
    "桃墅",
    "兴田",
    "江村",
    "勒功",
    "湘湖",
    "鲇鱼山",
    "王港",
    "丽阳",
];
const LEVELS: [&str; 4] = ["国家级", "省级", "市级", "县级"];
const KINDS: [&str; 5] = [
    "自然保护区",
    "森林公园",
    "湿地公园",
    "地质公园",
    "风景名胜区",
];

/// County scale: 13 more reserves inside the city, not overlapping each other.
fn add_generated_reserves(
    reserves: &mut Vec<Reserve>,
    rng: &mut Rng,
    prj: &Projections,
) -> Result<()> {
    let frame = CountyFrame::lonlat()?;
    let mut made = 0usize;
    let mut tries = 0usize;
    while made < 13 && tries < 10_000 {
        tries += 1;
        let lon = rng.range(frame.min().x, frame.max().x);
        let lat = rng.range(frame.min().y, frame.max().y);
        let radius = rng.range(1500.0, 6000.0);
        let outer = 20_000 + rng.below_multiply_shift(30_001);
        let level = LEVELS[rng.below_multiply_shift(LEVELS.len())];
        let kind = KINDS[rng.below_multiply_shift(KINDS.len())];
        let two_zone = rng.below_multiply_shift(4) == 0;
        if frame.county_of(lon, lat).is_none() {
            continue;
        }
        let center = prj.xy(lon, lat)?;
        let clear = reserves
            .iter()
            .all(|r| norm(sub(r.center, center)) > 1.15 * (r.spec.radius_m + radius) + 500.0);
        if !clear {
            continue;
        }
        let spec = ReserveSpec {
            name: format!("{}(示例){}", PLACE_NAMES[made % PLACE_NAMES.len()], kind),
            level,
            kind,
            scheme: if two_zone {
                Scheme::TwoZone
            } else {
                Scheme::Classic
            },
            lon,
            lat,
            radius_m: radius,
            vertices: outer,
        };
        let zones = zone_table(spec.scheme)
            .iter()
            .enumerate()
            .map(|(zi, &(gnfq, _, f))| {
                let noise = RadialNoise::new(rng, NOISE);
                ZonePolygon {
                    gnfq,
                    ring: star_ring(center, f * radius, &noise, zone_vertices(outer, zi), &[]),
                }
            })
            .collect();
        reserves.push(Reserve {
            spec,
            center,
            zones,
        });
        made += 1;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// Write the Green Shield data set into `out` (created if missing).
pub fn generate_inspect(out: &Path, scale: Scale, seed: u64) -> Result<InspectSummary> {
    let prj = Projections::new()?;
    let data = build(scale, seed, &prj)?;
    let frame = CountyFrame::lonlat()?;
    for sub in ["layers", "clues"] {
        let d = out.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    }
    let mut summary = InspectSummary::default();

    let reserves = reserve_table(&data, &prj)?;
    summary.reserves = data.reserves.len();
    summary.zone_polygons = reserves.features.len();
    summary.vertices = data
        .reserves
        .iter()
        .flat_map(|r| &r.zones)
        .map(|z| z.ring.len())
        .sum();
    redline_core::formats::shapefile::write(
        &out.join("layers/reserve_zones.shp"),
        &reserves,
        shp_options(),
    )?;
    redline_core::formats::geojson::write(
        &out.join("layers/counties.geojson"),
        &county_table(frame.counties()),
    )?;
    write_file(&out.join("project.toml"), project_toml().as_bytes())?;

    match scale {
        Scale::Demo => {
            let csv = demo_csv(&data);
            let gbk = encode_gbk(&csv, &out.join("clues/clues_gbk.csv"))?;
            write_file(&out.join("clues/clues_gbk.csv"), &gbk)?;
            summary.clues = data.points.len() + inspect_bad_rows().len();
            write_xlsx(&out.join("clues/clues.xlsx"), &data)?;
            let patches = patch_table(&data, &prj)?;
            summary.patches = patches.features.len();
            redline_core::formats::shapefile::write(
                &out.join("clues/patches.shp"),
                &patches,
                shp_options(),
            )?;
            write_file(
                &out.join("EXPECTED.md"),
                expected_markdown(&data).as_bytes(),
            )?;
        }
        Scale::County => {
            summary.clues = write_county_clues(
                &out.join("clues/clues.csv"),
                &data,
                &frame,
                &prj,
                seed,
                1_000_000,
            )?;
        }
    }
    summary.files = list_files(out)?;
    Ok(summary)
}

/// The county layer (`layers/counties.geojson`): code `XZQDM`, name `XZQMC`, lon/lat.
fn county_table(counties: &[County]) -> FeatureTable {
    let features = counties
        .iter()
        .map(|c| RawFeature {
            geometry: geo::Geometry::MultiPolygon(c.outline.clone()),
            values: vec![c.code.clone(), c.name.clone()],
        })
        .collect();
    FeatureTable {
        crs: Some(redline_core::crs::CGCS2000.to_string()),
        fields: vec!["XZQDM".into(), "XZQMC".into()],
        features,
        encoding: Some("UTF-8".into()),
    }
}

/// The inspection fixtures' shapefiles: GBK, the CGCS2000 `.prj`, and the plan's date
/// (2020-09-15, the day its clue lists are due) in the DBF header, never today's.
fn shp_options() -> redline_core::formats::shapefile::WriteOptions<'static> {
    redline_core::formats::shapefile::WriteOptions {
        encoding: DbfEncoding::Gbk,
        prj_wkt: Some(PRJ_CGCS2000),
        last_update: super::FIXTURE_DATE_INSPECT,
    }
}

/// Convert a working-CRS ring to lon/lat, honouring pinned vertices.
fn ring_ll(ring: &[Coord], pins: &[(Coord, (f64, f64))], prj: &Projections) -> Result<LineString> {
    let mut out = Vec::with_capacity(ring.len());
    for &c in ring {
        let (x, y) = match pins.iter().find(|(p, _)| *p == c) {
            Some((_, ll)) => *ll,
            None => prj.to_ll.point(c.x, c.y)?,
        };
        out.push(Coord { x, y });
    }
    Ok(LineString::new(out))
}

fn reserve_table(data: &Dataset, prj: &Projections) -> Result<FeatureTable> {
    let mut features = Vec::new();
    for (ri, r) in data.reserves.iter().enumerate() {
        for (zi, z) in r.zones.iter().enumerate() {
            let ring = ring_ll(&z.ring, &data.pins, prj)?;
            features.push(RawFeature {
                geometry: geo::Geometry::Polygon(Polygon::new(ring, Vec::new())),
                values: vec![
                    format!("BHQ{:02}{:02}", ri + 1, zi + 1),
                    r.spec.name.clone(),
                    r.spec.level.to_string(),
                    r.spec.kind.to_string(),
                    z.gnfq.to_string(),
                ],
            });
        }
    }
    Ok(FeatureTable {
        crs: Some(PRJ_CGCS2000.to_string()),
        fields: ["BSM", "BHQMC", "JB", "LX", "GNFQ"]
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        features,
        encoding: Some("GBK".into()),
    })
}

fn patch_table(data: &Dataset, prj: &Projections) -> Result<FeatureTable> {
    let answers = inspect_known_answers();
    let mut features = Vec::new();
    for (id, ring) in &data.patches {
        let a = answers
            .iter()
            .find(|a| a.id == *id)
            .ok_or_else(|| Error::Design(format!("图斑 {id} 没有已知答案 (no known answer)")))?;
        let total: f64 = a.zones.iter().map(|z| z.area_m2).sum();
        features.push(RawFeature {
            geometry: geo::Geometry::Polygon(Polygon::new(ring_ll(ring, &[], prj)?, Vec::new())),
            values: vec![
                id.to_string(),
                a.activity.to_string(),
                format!("{total:.2}"),
                a.year.to_string(),
            ],
        });
    }
    Ok(FeatureTable {
        crs: Some(PRJ_CGCS2000.to_string()),
        fields: ["BH", "HDLX", "MJ", "ND"]
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        features,
        encoding: Some("GBK".into()),
    })
}

/// `117°12′30.5″` from milli-arc-seconds (trailing zeros of the seconds dropped).
pub fn dms_text(mas: i64) -> String {
    let sign = if mas < 0 { "-" } else { "" };
    let m = mas.unsigned_abs();
    let deg = m / 3_600_000;
    let min = m % 3_600_000 / 60_000;
    let sec_ms = m % 60_000;
    let mut sec = format!("{}.{:03}", sec_ms / 1000, sec_ms % 1000);
    while sec.ends_with('0') {
        sec.pop();
    }
    if sec.ends_with('.') {
        sec.pop();
    }
    format!("{sign}{deg}°{min}′{sec}″")
}

const CSV_HEADER: [&str; 8] = [
    "编号",
    "县区",
    "经度",
    "纬度",
    "活动类型",
    "面积",
    "年份",
    "批次",
];

/// The demo CSV text (CRLF), with the bad rows at their documented lines.
fn demo_csv(data: &Dataset) -> String {
    let answers = inspect_known_answers();
    let mut rows: Vec<String> = Vec::new();
    for (d, loc) in &data.points {
        let (activity, year) = answers
            .iter()
            .find(|a| a.id == d.id)
            .map_or(("其他", 2020), |a| (a.activity, a.year));
        rows.push(format!(
            "{},{},{},{},{},{:.0},{},{}",
            d.id,
            d.listed_county,
            dms_text(loc.lon_mas),
            dms_text(loc.lat_mas),
            activity,
            d.area_m2,
            year,
            d.batch
        ));
    }
    for b in inspect_bad_rows() {
        let (lon, lat) = if b.column == 3 {
            (b.text, "29°31′12.4″")
        } else {
            ("117°24′6.8″", b.text)
        };
        let row = format!("{},浮梁县,{lon},{lat},其他,500,2020,2020-2", b.id);
        let at = (b.line - 2).min(rows.len());
        rows.insert(at, row);
    }
    let mut s = CSV_HEADER.join(",");
    s.push_str("\r\n");
    for r in rows {
        s.push_str(&r);
        s.push_str("\r\n");
    }
    s
}

fn encode_gbk(text: &str, path: &Path) -> Result<Vec<u8>> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
    if had_errors {
        return Err(Error::Design(format!(
            "{}: 文本无法用 GBK 编码 (not encodable in GBK)",
            path.display()
        )));
    }
    Ok(bytes.into_owned())
}

fn write_xlsx(path: &Path, data: &Dataset) -> Result<()> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| Error::Design(format!("{}: {e}", path.display()));
    let answers = inspect_known_answers();
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2020, 9, 15).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("绿盾2020遥感线索(示例)")
            .set_creation_datetime(&created),
    );
    let ws = wb.add_worksheet();
    ws.set_name("线索清单").map_err(xerr)?;
    for (c, h) in CSV_HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(xerr)?;
    }
    for (i, (d, loc)) in data.points.iter().enumerate() {
        let row = i as u32 + 1;
        let (activity, year) = answers
            .iter()
            .find(|a| a.id == d.id)
            .map_or(("其他", 2020), |a| (a.activity, a.year));
        ws.write_string(row, 0, d.id).map_err(xerr)?;
        ws.write_string(row, 1, d.listed_county).map_err(xerr)?;
        ws.write_number(row, 2, loc.lon()).map_err(xerr)?;
        ws.write_number(row, 3, loc.lat()).map_err(xerr)?;
        ws.write_string(row, 4, activity).map_err(xerr)?;
        ws.write_number(row, 5, d.area_m2).map_err(xerr)?;
        ws.write_number(row, 6, year as f64).map_err(xerr)?;
        ws.write_string(row, 7, d.batch).map_err(xerr)?;
    }
    wb.save(path).map_err(xerr)
}

/// The project file of the data set (the shape of [`redline_core::config`]).
fn project_toml() -> String {
    ProjectToml::new()
        .comment(&format!(
            "Green Shield (绿盾) demo project, written by {GENERATOR} (inspect::generate_inspect)."
        ))
        .string("working_crs", WORKING_CRS)
        .layer(&[
            ("name", "reserves"),
            ("path", "layers/reserve_zones.shp"),
            ("rule", "reserve_zones"),
            ("id_field", "BSM"),
            ("reserve_field", "BHQMC"),
            ("zone_field", "GNFQ"),
            ("level_field", "JB"),
            ("type_field", "LX"),
        ])
        .layer(&[
            ("name", "counties"),
            ("path", "layers/counties.geojson"),
            ("rule", "county"),
            ("code_field", "XZQDM"),
            ("name_field", "XZQMC"),
        ])
        .table("inspection")
        .float("near_boundary_m", 100.0)
        .string("ledger", "ledger.sqlite")
        .float("lookback_m", 200.0)
        .finish()
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("—")
}

/// `fixtures/inspect/EXPECTED.md`: the known answers as a table.
fn expected_markdown(data: &Dataset) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Green Shield demo fixtures: known answers\n");
    let _ = writeln!(
        s,
        "Written by `{GENERATOR}` (`inspect::generate_inspect(out, Scale::Demo, {DEMO_SEED})`); the same table is \
         `inspect_known_answers()`. Do not edit by hand.\n"
    );
    let _ = writeln!(
        s,
        "Layers are CGCS2000 lon/lat (EPSG:4490); the design is in EPSG:4527. Reserves (names marked (示例) are \
         generated):\n"
    );
    let mut t = MdTable::new(
        &mut s,
        &[
            "reserve",
            "level",
            "type",
            "zones",
            "vertices (outer first)",
        ],
    );
    for r in &data.reserves {
        let zones: Vec<&str> = r.zones.iter().map(|z| z.gnfq).collect();
        let verts: Vec<String> = r.zones.iter().map(|z| z.ring.len().to_string()).collect();
        t.row(&[
            &r.spec.name,
            r.spec.level,
            r.spec.kind,
            &zones.join(" ⊃ "),
            &verts.join(" / "),
        ]);
    }
    let _ = writeln!(
        s,
        "\nZones overlap (experimental = whole outline, buffer and core inside it): the most restrictive zone wins. \
         {R3} straddles the 昌江区/浮梁县 border.\n"
    );
    let _ = writeln!(
        s,
        "## Clues (`clues/clues_gbk.csv`, `clues/clues.xlsx`, `clues/patches.shp`)\n"
    );
    let mut t = MdTable::new(
        &mut s,
        &[
            "id",
            "source",
            "lon",
            "lat",
            "activity",
            "county",
            "reserve",
            "level",
            "zone",
            "distance m",
            "focus",
            "why",
        ],
    );
    for a in inspect_known_answers() {
        let (lon, lat) = match data.points.iter().find(|(d, _)| d.id == a.id) {
            Some((_, loc)) => (dms_text(loc.lon_mas), dms_text(loc.lat_mas)),
            None => ("(patch)".into(), "(patch)".into()),
        };
        let zone = match (a.zone, a.zone_cn) {
            (Some(z), Some(cn)) => format!("{cn} ({z})"),
            _ => "—".into(),
        };
        let dist = a
            .distance_m
            .map_or_else(|| "—".into(), |d| format!("{d:.3}"));
        let mut why = a.why.to_string();
        if !a.zones.is_empty() {
            let parts: Vec<String> = a
                .zones
                .iter()
                .map(|z| format!("{} {:.0} m²", z.zone, z.area_m2))
                .collect();
            why = format!("{why} [{}]", parts.join(", "));
        }
        t.row(&[
            a.id,
            match a.source {
                ClueSource::Point => "point",
                ClueSource::Patch => "patch",
            },
            &lon,
            &lat,
            a.activity,
            &format!("{} {}", opt(a.county_code), opt(a.county)),
            opt(a.reserve),
            opt(a.reserve_level),
            &zone,
            &dist,
            if a.focus { "yes" } else { "no" },
            &why,
        ]);
    }
    let _ = writeln!(
        s,
        "\nDistances: LS2020-005 lies {NEAR_M:.0} m outside a straight stretch of the outer boundary (to < 1 µm). \
         LS2020-004 is a vertex of the core boundary, stored as the same decimal degrees as the clue; the 度分秒 text \
         parses to within a few ULP of it, so compare with a tolerance of about 1 mm. Every other point clue \
         inside a reserve is at least 200 m from every zone boundary, and every clue and patch is at least \
         200 m from every county border."
    );
    let _ = writeln!(
        s,
        "\n## Rows that must be rejected (`clues/clues_gbk.csv` only)\n"
    );
    let mut t = MdTable::new(&mut s, &["id", "line", "column", "header", "text", "why"]);
    for b in inspect_bad_rows() {
        t.row(&[
            b.id,
            &b.line.to_string(),
            &b.column.to_string(),
            b.header,
            b.text,
            b.why,
        ]);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// County scale: 1,000,000 clue points, streamed.

const ACTIVITIES: [&str; 9] = [
    "矿产资源开发",
    "工业开发",
    "能源开发",
    "旅游开发",
    "交通开发",
    "养殖",
    "农业开发",
    "居民点",
    "其他",
];

/// Write `n` clue points (UTF-8, decimal degrees): 10 % inside reserves (well inside their
/// outer outline), the rest uniform over the four counties away from every reserve.
fn write_county_clues(
    path: &Path,
    data: &Dataset,
    frame: &CountyFrame,
    prj: &Projections,
    seed: u64,
    n: usize,
) -> Result<usize> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let io = |e: std::io::Error| Error::io(path, e);
    w.write_all(b"id,lon,lat,type,area_m2,year\n").map_err(io)?;
    let mut rng = Rng::new(seed ^ 0x5EED_C1E5);
    let weights: Vec<f64> = data
        .reserves
        .iter()
        .map(|r| r.spec.radius_m * r.spec.radius_m)
        .collect();
    let total: f64 = weights.iter().sum();
    // Keep-out disks (lon/lat centre, metres) so that only the directed 10 % land in reserves;
    // 300 m more than the largest outline radius covers grid convergence and scale.
    let keep_out: Vec<(f64, f64, f64)> = data
        .reserves
        .iter()
        .map(|r| {
            (
                r.spec.lon,
                r.spec.lat,
                r.spec.radius_m * (1.0 + NOISE) + 300.0,
            )
        })
        .collect();
    let near_reserve = |lon: f64, lat: f64| {
        keep_out.iter().any(|&(lon0, lat0, r)| {
            let dx = (lon - lon0) * 111_320.0 * lat0.to_radians().cos();
            let dy = (lat - lat0) * 110_574.0;
            dx.hypot(dy) < r
        })
    };
    let mut line = String::with_capacity(96);
    for i in 0..n {
        let (lon, lat) = if rng.unit() < 0.1 && total > 0.0 {
            let mut pick = rng.range(0.0, total);
            let mut k = 0;
            while k + 1 < weights.len() && pick >= weights[k] {
                pick -= weights[k];
                k += 1;
            }
            let r = &data.reserves[k];
            let t = rng.range(0.0, std::f64::consts::TAU);
            let rho = r.spec.radius_m * (1.0 - NOISE) * 0.95 * rng.unit().sqrt();
            let p = polar(r.center, rho, t);
            prj.to_ll.point(p.x, p.y)?
        } else {
            loop {
                let lon = rng.range(frame.min().x, frame.max().x);
                let lat = rng.range(frame.min().y, frame.max().y);
                if frame.county_of(lon, lat).is_some() && !near_reserve(lon, lat) {
                    break (lon, lat);
                }
            }
        };
        let kind = ACTIVITIES[rng.below_multiply_shift(ACTIVITIES.len())];
        let area = (rng.range(5.0_f64.ln(), 11.0_f64.ln())).exp();
        let year = 2017 + rng.below_multiply_shift(4);
        line.clear();
        let _ = writeln!(
            line,
            "C{:07},{lon:.7},{lat:.7},{kind},{area:.1},{year}",
            i + 1
        );
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, Contains, Distance, Euclidean, Intersects, MultiPolygon, Point};

    fn poly(ring: &[Coord]) -> Polygon {
        Polygon::new(LineString::new(ring.to_vec()), Vec::new())
    }

    #[test]
    fn noise_is_bounded() {
        let mut rng = Rng::new(7);
        let n = RadialNoise::new(&mut rng, NOISE);
        let mut max = 0f64;
        for i in 0..10_000 {
            max = max.max(n.at(i as f64 * 0.000_628_3).abs());
        }
        assert!(max <= NOISE + 1e-12 && max > 0.03, "max {max}");
    }

    /// Table test of the 度分秒 text.
    #[test]
    fn dms_text_table() {
        let cases: &[(i64, &str)] = &[
            (((117 * 60 + 12) * 60) * 1000 + 30_500, "117°12′30.5″"),
            (((29 * 60 + 18) * 60) * 1000, "29°18′0″"),
            (((29 * 60 + 5) * 60 + 7) * 1000 + 1, "29°5′7.001″"),
            (((117 * 60 + 59) * 60 + 59) * 1000 + 999, "117°59′59.999″"),
        ];
        for (mas, want) in cases {
            assert_eq!(dms_text(*mas), *want);
        }
    }

    /// The designs hold geometrically: each known clue is in its zone (most restrictive of the
    /// zones containing it), ≥ 200 m from other boundaries, and the patches split as stated.
    /// Checked on the working-CRS design for two seeds.
    #[test]
    fn known_answers_hold_by_geometry() {
        let prj = Projections::new().expect("proj");
        for seed in [DEMO_SEED, 99] {
            let data = build(Scale::Demo, seed, &prj).expect("build");
            let answers = inspect_known_answers();
            let zone_code = |g: &str| {
                CLASSIC
                    .iter()
                    .chain(TWO_ZONE.iter())
                    .find(|z| z.0 == g)
                    .map(|z| z.1)
                    .expect("zone")
            };
            for (d, loc) in &data.points {
                let a = answers.iter().find(|a| a.id == d.id).expect("answer");
                let p = Point::from(loc.xy);
                let mut found: Option<(&str, &str, f64)> = None;
                let mut nearest = f64::MAX;
                for r in &data.reserves {
                    for z in &r.zones {
                        let pg = poly(&z.ring);
                        let dist = Euclidean.distance(&p, pg.exterior());
                        if pg.intersects(&p) || dist < 1e-3 {
                            found = Some((r.spec.name.as_str(), zone_code(z.gnfq), dist));
                            if d.id != "LS2020-004" {
                                assert!(
                                    dist >= 200.0,
                                    "{} is {dist} m from {} {}",
                                    d.id,
                                    r.spec.name,
                                    z.gnfq
                                );
                            }
                        } else {
                            nearest = nearest.min(dist);
                        }
                    }
                }
                match found {
                    Some((name, zone, _)) => {
                        if d.id != "LS2020-004" {
                            assert!(
                                nearest >= 200.0,
                                "{} is {nearest} m from a zone boundary",
                                d.id
                            );
                        }
                        assert_eq!(Some(name), a.reserve, "{}", d.id);
                        assert_eq!(Some(zone), a.zone, "{}", d.id);
                    }
                    None => {
                        assert_eq!(a.zone, None, "{}", d.id);
                        match a.distance_m {
                            Some(want) => {
                                assert!((nearest - want).abs() < 1e-6, "{}: {nearest}", d.id);
                            }
                            None => assert!(nearest > 1000.0, "{}: {nearest}", d.id),
                        }
                    }
                }
                if d.id == "LS2020-004" {
                    let core = &data.reserves[0].zones[2];
                    let dist = Euclidean.distance(&p, &LineString::new(core.ring.clone()));
                    assert!(dist < 1e-6, "on-boundary clue is {dist} m off");
                    assert!(core.ring.contains(&loc.xy), "vertex");
                }
            }
            // Patches: exclusive area per zone.
            for (id, ring) in &data.patches {
                let a = answers.iter().find(|a| a.id == *id).expect("answer");
                let patch = poly(ring);
                let r = if a.reserve == Some(R1) {
                    &data.reserves[0]
                } else {
                    &data.reserves[1]
                };
                let mut rest = MultiPolygon::new(vec![patch.clone()]);
                let mut got = Vec::new();
                for z in r.zones.iter().rev() {
                    let inside = rest.intersection(&poly(&z.ring));
                    got.push((zone_code(z.gnfq), inside.unsigned_area()));
                    rest = rest.difference(&poly(&z.ring));
                }
                got.push(("outside", rest.unsigned_area()));
                for want in &a.zones {
                    let area = got
                        .iter()
                        .find(|g| g.0 == want.zone)
                        .map(|g| g.1)
                        .expect("zone");
                    assert!(
                        (area - want.area_m2).abs() < 1e-3,
                        "{id} {}: {area}",
                        want.zone
                    );
                }
                let listed: f64 = a.zones.iter().map(|z| z.area_m2).sum();
                assert!((patch.unsigned_area() - listed).abs() < 1e-3);
            }
        }
    }

    /// County of each clue from the real outlines: ≥ 200 m inside (or outside) the border.
    #[test]
    fn known_answers_counties() {
        let prj = Projections::new().expect("proj");
        let frame = CountyFrame::lonlat().expect("frame");
        let data = build(Scale::Demo, DEMO_SEED, &prj).expect("build");
        let answers = inspect_known_answers();
        let polys: Vec<(&County, MultiPolygon)> = frame
            .counties()
            .iter()
            .map(|c| {
                let mut mp = Vec::new();
                for p in &c.outline.0 {
                    let mut shell = Vec::new();
                    for ll in p.exterior().coords() {
                        shell.push(prj.xy(ll.x, ll.y).expect("xy"));
                    }
                    mp.push(poly(&shell));
                }
                (c, MultiPolygon::new(mp))
            })
            .collect();
        let mut checks: Vec<(&str, Coord)> =
            data.points.iter().map(|(d, l)| (d.id, l.xy)).collect();
        for (id, ring) in &data.patches {
            checks.extend(ring.iter().map(|c| (*id, *c)));
        }
        for (id, xy) in checks {
            let a = answers.iter().find(|a| a.id == id).expect("answer");
            let p = Point::from(xy);
            let inside: Vec<&str> = polys
                .iter()
                .filter(|(_, mp)| mp.contains(&p))
                .map(|(c, _)| c.name.as_str())
                .collect();
            let want: Vec<&str> = a.county.into_iter().collect();
            assert_eq!(inside, want, "{id}");
            for (_, mp) in &polys {
                for pg in &mp.0 {
                    let d = Euclidean.distance(&p, pg.exterior());
                    assert!(d > 200.0, "{id} is {d} m from a county border");
                }
            }
        }
    }

    #[test]
    fn demo_csv_has_bad_rows_at_their_lines() {
        let prj = Projections::new().expect("proj");
        let data = build(Scale::Demo, DEMO_SEED, &prj).expect("build");
        let csv = demo_csv(&data);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        for b in inspect_bad_rows() {
            let cols: Vec<&str> = lines[b.line - 1].split(',').collect();
            assert_eq!(cols[0], b.id);
            assert_eq!(cols[b.column - 1], b.text);
            assert_eq!(CSV_HEADER[b.column - 1], b.header);
        }
        assert_eq!(lines.len(), 1 + data.points.len() + 2 + 1);
        assert!(encode_gbk(&csv, Path::new("x.csv")).is_ok());
    }

    /// The streamed county-scale CSV: header, row count, every point inside the city, and the
    /// share inside reserves close to 10 % (binomial, n = 4000: σ ≈ 0.5 %).
    #[test]
    fn county_clue_stream() {
        let prj = Projections::new().expect("proj");
        let frame = CountyFrame::lonlat().expect("frame");
        let data = build(Scale::Demo, DEMO_SEED, &prj).expect("build");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("clues.csv");
        let n = 4000;
        assert_eq!(
            write_county_clues(&path, &data, &frame, &prj, 1, n).expect("write"),
            n
        );
        let text = std::fs::read_to_string(&path).expect("read");
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("id,lon,lat,type,area_m2,year"));
        let outers: Vec<Polygon> = data
            .reserves
            .iter()
            .map(|r| poly(&r.zones[0].ring))
            .collect();
        let mut inside = 0;
        let mut rows = 0;
        for l in lines {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 6, "{l}");
            let (lon, lat): (f64, f64) = (c[1].parse().expect("lon"), c[2].parse().expect("lat"));
            assert!(ACTIVITIES.contains(&c[3]));
            let p = Point::from(prj.xy(lon, lat).expect("xy"));
            if outers.iter().any(|o| o.contains(&p)) {
                inside += 1;
            } else {
                assert!(frame.county_of(lon, lat).is_some(), "{l} outside the city");
            }
            rows += 1;
        }
        assert_eq!(rows, n);
        let share = inside as f64 / n as f64;
        assert!(
            (0.08..0.12).contains(&share),
            "share inside reserves {share}"
        );
        let again = dir.path().join("again.csv");
        write_county_clues(&again, &data, &frame, &prj, 1, n).expect("write");
        assert_eq!(std::fs::read(&again).expect("read"), text.as_bytes());
    }

    #[test]
    fn outlines_are_star_shaped_and_nested() {
        let prj = Projections::new().expect("proj");
        let data = build(Scale::Demo, DEMO_SEED, &prj).expect("build");
        for r in &data.reserves {
            for w in r.zones.windows(2) {
                let outer = poly(&w[0].ring);
                let inner = poly(&w[1].ring);
                assert!(
                    outer.contains(&inner),
                    "{} {} ⊄ {}",
                    r.spec.name,
                    w[1].gnfq,
                    w[0].gnfq
                );
            }
            let outer_n = r.zones[0].ring.len();
            assert!(
                (2000..=5000).contains(&outer_n),
                "{} has {outer_n}",
                r.spec.name
            );
            assert!(geo::Validation::is_valid(&poly(&r.zones[0].ring)));
        }
    }
}
