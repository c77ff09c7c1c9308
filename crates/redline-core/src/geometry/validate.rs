//! Validation of a parcel's rings as surveyed, with findings that name the points (J7–J8).
//!
//! [`validate`] looks at the rings exactly as the survey file wrote them (point names, ring
//! numbers, roles) and reports what a reviewer must fix before the geometry can be trusted:
//!
//! | code | severity | invalidating | what |
//! |---|---|---|---|
//! | `invalid_coordinate` | Fail | yes | a coordinate is NaN or infinite |
//! | `ring_not_closed` | Warn | no | the last point does not repeat the first (closed implicitly) |
//! | `repeated_point` | Warn | no | consecutive points at the same place (the repeats are ignored) |
//! | `too_few_points` | Fail | yes | fewer than 3 distinct points |
//! | `ring_self_touch` | Fail | yes | the ring comes back to one of its points, or a point lies on another boundary line |
//! | `spike` | Fail | yes | the boundary turns back on itself at a point (zero-width part) |
//! | `self_intersection` | Fail | yes | two boundary lines of one ring cross or overlap |
//! | `rings_cross` | Fail | yes | boundary lines of two rings cross |
//! | `hole_outside_shell` | Fail | yes | a deducted ring (扣除) is not inside its outer boundary |
//! | `holes_overlap` | Fail | yes | two deducted rings of one polygon overlap (deducted twice) |
//! | `parts_overlap` | Fail | yes | two parts of a multipart parcel overlap (counted twice) |
//!
//! [`check_zone`] adds `outside_zone` for points that do not belong to the declared 3° zone.
//!
//! All computations run in coordinates shifted to a local origin (the first point of the parcel),
//! so 39-million eastings keep their millimetres. Two points closer than [`SAME_POINT_TOL`] are
//! "at the same place". Segment pairs are found with an R-tree over segment envelopes, so a
//! 50,000-point ring is checked in O(n log n) for ordinary shapes.

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::coordinate_position::CoordPos;
use geo::kernels::{Kernel, RobustKernel};
use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Coord, CoordinatePosition, Line, LineString, Orientation, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::finding::FindingCode;
use crate::parcel::{Parcel, RingRole};
use crate::{Finding, Severity};

/// Two points closer than this (metres) are at the same place: half the usual 1 mm survey step.
pub const SAME_POINT_TOL: f64 = 0.0005;

/// A turn-back whose two arms are closer than this (metres) is a zero-width spike. Rounding
/// three collinear points to 1 mm moves the middle one off the line by at most ~0.7 mm.
pub const SPIKE_TOL: f64 = 0.001;

/// At most this many findings of one code are listed per ring; the rest are counted in one more.
const MAX_LISTED: usize = 20;

/// Above this many point-in-polygon edge visits, containment tests stop at the first point
/// that is not on the other boundary instead of testing every point.
const EXHAUSTIVE_BUDGET: usize = 20_000_000;

/// Validate the rings of a parcel as surveyed. Returns an empty list for a valid parcel.
///
/// ```
/// use redline_core::parcel::{BoundaryPoint, Parcel, Ring, RingRole};
/// let pt = |n: &str, x: f64, y: f64| BoundaryPoint { name: n.into(), x, y, line: 0 };
/// let mut p = Parcel::new("1", "bowtie", "t.txt#1");
/// p.rings.push(Ring { number: 1, points: vec![
///     pt("J1", 0.0, 0.0), pt("J2", 10.0, 10.0), pt("J3", 10.0, 0.0), pt("J4", 0.0, 10.0), pt("J1", 0.0, 0.0),
/// ]});
/// p.roles.push(RingRole::Outer);
/// let f = redline_core::geometry::validate::validate(&p);
/// assert_eq!(f[0].code, redline_core::FindingCode::SelfIntersection);
/// assert_eq!(f[0].message, "界址线 J1–J2 与 J3–J4 相交于 (5.000, 5.000)");
/// ```
pub fn validate(parcel: &Parcel) -> Vec<Finding> {
    let mut sink = Sink::default();
    let origin = parcel
        .rings
        .iter()
        .flat_map(|r| r.points.iter())
        .find(|p| p.x.is_finite() && p.y.is_finite())
        .map_or(Coord { x: 0.0, y: 0.0 }, |p| Coord { x: p.x, y: p.y });
    let multi = parcel.rings.len() > 1;
    let rings: Vec<Option<CleanRing>> = parcel
        .rings
        .iter()
        .enumerate()
        .map(|(i, ring)| {
            let label = if multi {
                format!("第{}圈", ring.number)
            } else {
                String::new()
            };
            prepare_ring(i, &ring.points, origin, label, &mut sink)
        })
        .collect();
    let crossings = check_segments(&rings, origin, &mut sink);
    check_containment(parcel, &rings, &crossings, &mut sink);
    sink.finish()
}

/// Points whose easting does not belong to 3° zone `zone`: with `prefixed` eastings the zone
/// prefix (floor(E / 10^6)) must equal `zone`; after removing the prefix (or without one) the
/// easting must be within 250 km of the false easting 500,000 m (a 3° zone is at most ~170 km
/// wide on each side at the equator). One `outside_zone` finding (Fail, invalidating) names the
/// points; an empty list when every point fits.
pub fn check_zone(parcel: &Parcel, zone: u32, prefixed: bool) -> Vec<Finding> {
    let mut bad: Vec<(String, f64)> = Vec::new();
    for p in parcel.rings.iter().flat_map(|r| r.points.iter()) {
        let e = p.x;
        let ok = if !e.is_finite() {
            false
        } else if prefixed {
            let prefix = (e / 1e6).floor();
            prefix == f64::from(zone) && (e - prefix * 1e6 - 500_000.0).abs() <= 250_000.0
        } else {
            (e - 500_000.0).abs() <= 250_000.0
        };
        if !ok {
            bad.push((p.name.clone(), e));
        }
    }
    if bad.is_empty() {
        return Vec::new();
    }
    let listed: Vec<String> = bad
        .iter()
        .take(MAX_LISTED)
        .map(|(n, e)| format!("{n} (Y={e:.3})"))
        .collect();
    let more = if bad.len() > MAX_LISTED {
        format!(" 等 {} 个", bad.len())
    } else {
        String::new()
    };
    let how = if prefixed {
        format!("带号前缀应为 {zone}，去掉前缀后的横坐标应在 250000–750000 米之间")
    } else {
        "横坐标应在 250000–750000 米之间".to_string()
    };
    vec![Finding::new(
        FindingCode::OutsideZone,
        Severity::Fail,
        format!(
            "界址点 {}{more} 不在第 {zone} 带（3度带）范围内：{how}",
            listed.join("、")
        ),
    )
    .with_points(bad.into_iter().map(|(n, _)| n))
    .invalidating()]
}

/// A vertex in local coordinates.
#[derive(Clone, Debug)]
struct Vertex {
    name: String,
    c: Coord<f64>,
}

/// A ring after removing the closing point and consecutive repeats; usable for topology.
struct CleanRing {
    label: String,
    v: Vec<Vertex>,
    /// Vertices where a spike was reported (segments touching them are not checked again).
    spike: Vec<bool>,
}

impl CleanRing {
    fn len(&self) -> usize {
        self.v.len()
    }
    fn seg(&self, s: usize) -> Line<f64> {
        Line::new(self.v[s].c, self.v[(s + 1) % self.len()].c)
    }
    fn seg_names(&self, s: usize) -> (&str, &str) {
        (&self.v[s].name, &self.v[(s + 1) % self.len()].name)
    }
    fn prev(&self, k: usize) -> usize {
        (k + self.len() - 1) % self.len()
    }
    fn next(&self, k: usize) -> usize {
        (k + 1) % self.len()
    }
    fn polygon(&self) -> Polygon<f64> {
        Polygon::new(
            LineString::from(self.v.iter().map(|v| v.c).collect::<Vec<_>>()),
            vec![],
        )
    }
}

/// Collects findings, listing at most [`MAX_LISTED`] of one code per ring.
#[derive(Default)]
struct Sink {
    out: Vec<Finding>,
    counts: BTreeMap<(usize, FindingCode), (usize, Severity, bool, String)>,
}

impl Sink {
    fn push(&mut self, ring: usize, label: &str, f: Finding) {
        let e = self.counts.entry((ring, f.code)).or_insert((
            0,
            f.severity,
            f.makes_invalid,
            label.to_string(),
        ));
        e.0 += 1;
        if e.0 <= MAX_LISTED {
            self.out.push(f);
        }
    }

    fn finish(mut self) -> Vec<Finding> {
        for ((_, code), (n, sev, inv, label)) in self.counts {
            if n > MAX_LISTED {
                let mut f = Finding::new(
                    code,
                    sev,
                    format!(
                        "{label}另有 {} 处同类问题（{code}）未逐一列出",
                        n - MAX_LISTED
                    ),
                );
                f.makes_invalid = inv;
                self.out.push(f);
            }
        }
        self.out
    }
}

fn same(a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.x - b.x).hypot(a.y - b.y) <= SAME_POINT_TOL
}

fn fmt_at(c: Coord<f64>, origin: Coord<f64>) -> String {
    format!("({:.3}, {:.3})", c.x + origin.x, c.y + origin.y)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Per-ring checks; returns the cleaned ring when it has at least 3 distinct points.
fn prepare_ring(
    index: usize,
    points: &[crate::parcel::BoundaryPoint],
    origin: Coord<f64>,
    label: String,
    sink: &mut Sink,
) -> Option<CleanRing> {
    let bad: Vec<&str> = points
        .iter()
        .filter(|p| !p.x.is_finite() || !p.y.is_finite())
        .map(|p| p.name.as_str())
        .collect();
    if !bad.is_empty() {
        let f = Finding::new(
            FindingCode::InvalidCoordinate,
            Severity::Fail,
            format!("{label}界址点 {} 的坐标不是有效数值", bad.join("、")),
        )
        .with_points(bad.iter().copied())
        .invalidating();
        sink.push(index, &label, f);
        return None;
    }
    let mut v: Vec<Vertex> = points
        .iter()
        .map(|p| Vertex {
            name: p.name.clone(),
            c: Coord {
                x: p.x - origin.x,
                y: p.y - origin.y,
            },
        })
        .collect();

    // Closing point.
    if v.len() >= 2 {
        let (first, last) = (&v[0], &v[v.len() - 1]);
        if same(first.c, last.c) {
            v.pop();
        } else {
            let f = Finding::new(
                FindingCode::RingNotClosed,
                Severity::Warn,
                format!(
                    "{label}界址线未闭合：首点 {} 与末点 {} 不重合，已按 {}–{} 闭合处理",
                    first.name, last.name, last.name, first.name
                ),
            )
            .with_points([first.name.clone(), last.name.clone()]);
            sink.push(index, &label, f);
        }
    }

    // Consecutive repeats (cyclic).
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for (k, vert) in v.iter().enumerate() {
        match runs.last_mut() {
            Some(r) if same(v[r[0]].c, vert.c) => r.push(k),
            _ => runs.push(vec![k]),
        }
    }
    if runs.len() > 1 {
        let last_first = runs[runs.len() - 1][0];
        if same(v[runs[0][0]].c, v[last_first].c) {
            if let Some(mut tail) = runs.pop() {
                tail.extend(runs[0].iter().copied());
                runs[0] = tail;
            }
        }
    }
    for r in runs.iter().filter(|r| r.len() > 1) {
        let names: Vec<&str> = r.iter().map(|&k| v[k].name.as_str()).collect();
        let f = Finding::new(
            FindingCode::RepeatedPoint,
            Severity::Warn,
            format!(
                "{label}界址点 {} 位于同一位置 {}，重复的点已忽略",
                names.join(" 与 "),
                fmt_at(v[r[0]].c, origin)
            ),
        )
        .with_points(names.iter().copied());
        sink.push(index, &label, f);
    }
    // Keep the first point of each run in ring order.
    let mut keep: Vec<usize> = runs
        .iter()
        .map(|r| *r.iter().min().unwrap_or(&r[0]))
        .collect();
    keep.sort_unstable();
    let mut cv: Vec<Vertex> = keep.iter().map(|&k| v[k].clone()).collect();

    // Non-consecutive repeats: group points at the same place (grid hash, 3×3 neighbourhood).
    let mut parent: Vec<usize> = (0..cv.len()).collect();
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let key = |c: Coord<f64>| {
        (
            (c.x / SAME_POINT_TOL).floor() as i64,
            (c.y / SAME_POINT_TOL).floor() as i64,
        )
    };
    for k in 0..cv.len() {
        let (kx, ky) = key(cv[k].c);
        for dx in -1..=1 {
            for dy in -1..=1 {
                if let Some(list) = grid.get(&(kx + dx, ky + dy)) {
                    for &j in list {
                        if same(cv[j].c, cv[k].c) {
                            let (a, b) = (find(&mut parent, j), find(&mut parent, k));
                            if a != b {
                                parent[b.max(a)] = a.min(b);
                            }
                        }
                    }
                }
            }
        }
        grid.entry((kx, ky)).or_default().push(k);
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for k in 0..cv.len() {
        let root = find(&mut parent, k);
        groups.entry(root).or_default().push(k);
    }
    if groups.len() < 3 {
        let names: Vec<&str> = groups.values().map(|g| cv[g[0]].name.as_str()).collect();
        let f = Finding::new(
            FindingCode::TooFewPoints,
            Severity::Fail,
            format!(
                "{label}只有 {} 个不同位置的界址点{}，不能构成面",
                groups.len(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", names.join("、"))
                }
            ),
        )
        .with_points(names.iter().copied())
        .invalidating();
        sink.push(index, &label, f);
        return None;
    }
    for g in groups.values().filter(|g| g.len() > 1) {
        let names: Vec<String> = g.iter().map(|&k| cv[k].name.clone()).collect();
        let f = Finding::new(
            FindingCode::RingSelfTouch,
            Severity::Fail,
            format!(
                "{label}界址点 {} 位于同一位置 {}，界址线在此自相接触",
                names.join(" 与 "),
                fmt_at(cv[g[0]].c, origin)
            ),
        )
        .with_points(names)
        .invalidating();
        sink.push(index, &label, f);
        // Snap the members onto one coordinate so that later tests see an exact shared vertex.
        let c = cv[g[0]].c;
        for &k in &g[1..] {
            cv[k].c = c;
        }
    }

    // Spikes: both arms leave the vertex in the same direction.
    let m = cv.len();
    let mut spike = vec![false; m];
    for k in 0..m {
        let (p, c, n) = (cv[(k + m - 1) % m].c, cv[k].c, cv[(k + 1) % m].c);
        let (u, w) = (p - c, n - c);
        let (lu, lw) = (u.x.hypot(u.y), w.x.hypot(w.y));
        let dot = u.x * w.x + u.y * w.y;
        let cross = u.x * w.y - u.y * w.x;
        if lu > 0.0 && lw > 0.0 && dot > 0.0 && cross.abs() / lu.max(lw) <= SPIKE_TOL {
            spike[k] = true;
            let (pn, cn, nn) = (
                &cv[(k + m - 1) % m].name,
                &cv[k].name,
                &cv[(k + 1) % m].name,
            );
            let f = Finding::new(
                FindingCode::Spike,
                Severity::Fail,
                format!(
                    "{label}界址线在界址点 {cn} {} 处折返：{pn}–{cn} 与 {cn}–{nn} 重叠（零宽度尖刺）",
                    fmt_at(c, origin)
                ),
            )
            .with_points([cn.clone()])
            .invalidating();
            sink.push(index, &label, f);
        }
    }
    Some(CleanRing {
        label,
        v: cv,
        spike,
    })
}

/// How two segments meet.
enum Meet {
    /// Crossing in the interior of both.
    Proper(Coord<f64>),
    /// Collinear overlap of positive length.
    Overlap(Coord<f64>, Coord<f64>),
    /// An endpoint (`first`: of the first segment, `end`: its end point) lies in the
    /// interior of the other segment.
    VertexOn { of_first: bool, at_end: bool },
    /// The segments only share an endpoint.
    SharedVertex,
}

fn on_segment(c: Coord<f64>, s: Line<f64>) -> bool {
    RobustKernel::orient2d(s.start, s.end, c) == Orientation::Collinear
        && c.x >= s.start.x.min(s.end.x)
        && c.x <= s.start.x.max(s.end.x)
        && c.y >= s.start.y.min(s.end.y)
        && c.y <= s.start.y.max(s.end.y)
}

fn meet(a: Line<f64>, b: Line<f64>) -> Option<Meet> {
    let li = line_intersection(a, b)?;
    let shares = a.start == b.start || a.start == b.end || a.end == b.start || a.end == b.end;
    Some(match li {
        LineIntersection::SinglePoint {
            intersection,
            is_proper: true,
        } => Meet::Proper(intersection),
        LineIntersection::SinglePoint {
            intersection,
            is_proper: false,
        } => {
            if shares {
                Meet::SharedVertex
            } else if on_segment(a.start, b) {
                Meet::VertexOn {
                    of_first: true,
                    at_end: false,
                }
            } else if on_segment(a.end, b) {
                Meet::VertexOn {
                    of_first: true,
                    at_end: true,
                }
            } else if on_segment(b.start, a) {
                Meet::VertexOn {
                    of_first: false,
                    at_end: false,
                }
            } else if on_segment(b.end, a) {
                Meet::VertexOn {
                    of_first: false,
                    at_end: true,
                }
            } else {
                Meet::Proper(intersection)
            }
        }
        LineIntersection::Collinear { intersection } => {
            if intersection.start == intersection.end {
                Meet::SharedVertex
            } else {
                Meet::Overlap(intersection.start, intersection.end)
            }
        }
    })
}

type SegEnv = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;

/// Segment-pair checks over all usable rings with one R-tree. Returns the ring pairs
/// `(i, j)`, `i < j`, whose boundaries cross.
fn check_segments(
    rings: &[Option<CleanRing>],
    origin: Coord<f64>,
    sink: &mut Sink,
) -> HashSet<(usize, usize)> {
    let mut envs: Vec<SegEnv> = Vec::new();
    for (i, r) in rings.iter().enumerate() {
        if let Some(r) = r {
            for s in 0..r.len() {
                let l = r.seg(s);
                envs.push(GeomWithData::new(
                    Rectangle::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]),
                    (i, s),
                ));
            }
        }
    }
    let tree = RTree::bulk_load(envs);
    let mut crossings = HashSet::new();
    let mut vertex_seen: HashSet<(usize, usize, usize, usize)> = HashSet::new();
    for (i, r) in rings.iter().enumerate() {
        let Some(r) = r else { continue };
        for s in 0..r.len() {
            let l = r.seg(s);
            let env = AABB::from_corners(
                [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
                [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
            );
            let mut cands: Vec<(usize, usize)> = tree
                .locate_in_envelope_intersecting(&env)
                .map(|g| g.data)
                .filter(|&(j, t)| (j, t) > (i, s))
                .collect();
            cands.sort_unstable();
            for (j, t) in cands {
                let Some(q) = rings[j].as_ref() else { continue };
                if i == j {
                    let m = r.len();
                    if t == s + 1 || (s == 0 && t == m - 1) {
                        continue;
                    }
                    let spiky = |k: usize| r.spike[k] || r.spike[(k + 1) % m];
                    if spiky(s) || spiky(t) {
                        continue;
                    }
                }
                let Some(hit) = meet(l, q.seg(t)) else {
                    continue;
                };
                report_meet(
                    (i, r, s),
                    (j, q, t),
                    hit,
                    origin,
                    sink,
                    &mut crossings,
                    &mut vertex_seen,
                );
            }
        }
    }
    crossings
}

/// Turn one segment meeting into a finding.
fn report_meet(
    (i, r, s): (usize, &CleanRing, usize),
    (j, q, t): (usize, &CleanRing, usize),
    hit: Meet,
    origin: Coord<f64>,
    sink: &mut Sink,
    crossings: &mut HashSet<(usize, usize)>,
    vertex_seen: &mut HashSet<(usize, usize, usize, usize)>,
) {
    let same_ring = i == j;
    let (a1, a2) = r.seg_names(s);
    let (b1, b2) = q.seg_names(t);
    let (la, lb) = (&r.label, &q.label);
    match hit {
        Meet::SharedVertex => {}
        Meet::Proper(c) => {
            let f = if same_ring {
                Finding::new(
                    FindingCode::SelfIntersection,
                    Severity::Fail,
                    format!(
                        "{la}界址线 {a1}–{a2} 与 {b1}–{b2} 相交于 {}",
                        fmt_at(c, origin)
                    ),
                )
            } else {
                crossings.insert((i, j));
                Finding::new(
                    FindingCode::RingsCross,
                    Severity::Fail,
                    format!(
                        "{la}界址线 {a1}–{a2} 与{lb}界址线 {b1}–{b2} 相交于 {}",
                        fmt_at(c, origin)
                    ),
                )
            };
            sink.push(i, la, f.with_points([a1, a2, b1, b2]).invalidating());
        }
        Meet::Overlap(c1, c2) => {
            // Two rings sharing a stretch of boundary (a hole on its shell, adjacent parts)
            // is allowed; within one ring it is a fold of the boundary.
            if same_ring {
                let f = Finding::new(
                    FindingCode::SelfIntersection,
                    Severity::Fail,
                    format!(
                        "{la}界址线 {a1}–{a2} 与 {b1}–{b2} 部分重合（{} 至 {}）",
                        fmt_at(c1, origin),
                        fmt_at(c2, origin)
                    ),
                )
                .with_points([a1, a2, b1, b2])
                .invalidating();
                sink.push(i, la, f);
            }
        }
        Meet::VertexOn { of_first, at_end } => {
            // (vertex ring, vertex index, segment ring, segment index)
            let (vr, vi, vring, sr, si, sring) = if of_first {
                let k = if at_end { r.next(s) } else { s };
                (i, k, r, j, t, q)
            } else {
                let k = if at_end { q.next(t) } else { t };
                (j, k, q, i, s, r)
            };
            if !vertex_seen.insert((vr, vi, sr, si)) {
                return;
            }
            let seg = sring.seg(si);
            let o1 = RobustKernel::orient2d(seg.start, seg.end, vring.v[vring.prev(vi)].c);
            let o2 = RobustKernel::orient2d(seg.start, seg.end, vring.v[vring.next(vi)].c);
            if o1 == Orientation::Collinear || o2 == Orientation::Collinear {
                // The boundary runs along the segment: reported as an overlap (same ring) or
                // allowed (shared boundary of two rings).
                return;
            }
            let crossing = o1 != o2;
            let (s1, s2) = sring.seg_names(si);
            let vn = &vring.v[vi].name;
            let pn = &vring.v[vring.prev(vi)].name;
            let nn = &vring.v[vring.next(vi)].name;
            let at = fmt_at(vring.v[vi].c, origin);
            let (lv, ls) = (&vring.label, &sring.label);
            let f = if same_ring && crossing {
                Finding::new(
                    FindingCode::SelfIntersection,
                    Severity::Fail,
                    format!("{lv}界址线 {pn}–{vn}–{nn} 在界址点 {vn} {at} 处穿过界址线 {s1}–{s2}"),
                )
            } else if same_ring {
                Finding::new(
                    FindingCode::RingSelfTouch,
                    Severity::Fail,
                    format!("{lv}界址点 {vn} {at} 落在界址线 {s1}–{s2} 上，界址线在此自相接触"),
                )
            } else if crossing {
                crossings.insert((i.min(j), i.max(j)));
                Finding::new(
                    FindingCode::RingsCross,
                    Severity::Fail,
                    format!(
                        "{lv}界址线 {pn}–{vn}–{nn} 在界址点 {vn} {at} 处穿过{ls}界址线 {s1}–{s2}"
                    ),
                )
            } else {
                // Two rings touching at a point is allowed.
                return;
            };
            sink.push(vr, lv, f.with_points([s1, s2, vn.as_str()]).invalidating());
        }
    }
}

/// Where a ring lies relative to a polygon whose boundary it does not cross.
enum Side<'a> {
    /// Some point (named, or a segment midpoint) is inside.
    Inside(Option<&'a str>),
    /// Some point is outside and none was found inside.
    Outside(Option<&'a str>),
    /// Every point and segment midpoint is on the polygon's boundary.
    Coincident,
}

/// Test the points of `ring` against `poly`. `want_inside`: stop at the first inside point
/// (parts, holes among themselves); otherwise stop at the first outside point (hole in shell).
fn side_of<'a>(poly: &Polygon<f64>, ring: &'a CleanRing, want_inside: bool) -> Side<'a> {
    let edges = poly.exterior().0.len() + poly.interiors().iter().map(|r| r.0.len()).sum::<usize>();
    let exhaustive = edges.saturating_mul(ring.len()) <= EXHAUSTIVE_BUDGET;
    let mut first: Option<Side<'a>> = None;
    for v in &ring.v {
        match poly.coordinate_position(&v.c) {
            CoordPos::OnBoundary => continue,
            CoordPos::Inside => {
                if want_inside {
                    return Side::Inside(Some(&v.name));
                }
                first.get_or_insert(Side::Inside(Some(&v.name)));
            }
            CoordPos::Outside => {
                if !want_inside {
                    return Side::Outside(Some(&v.name));
                }
                first.get_or_insert(Side::Outside(Some(&v.name)));
            }
        }
        if !exhaustive {
            break;
        }
    }
    if let Some(s) = first {
        return s;
    }
    for s in 0..ring.len() {
        let l = ring.seg(s);
        let mid = Coord {
            x: (l.start.x + l.end.x) / 2.0,
            y: (l.start.y + l.end.y) / 2.0,
        };
        match poly.coordinate_position(&mid) {
            CoordPos::OnBoundary => {}
            CoordPos::Inside => return Side::Inside(None),
            CoordPos::Outside => return Side::Outside(None),
        }
    }
    Side::Coincident
}

fn bbox_overlap(a: &CleanRing, b: &CleanRing) -> bool {
    let bb = |r: &CleanRing| {
        r.v.iter().fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |(x0, y0, x1, y1), v| (x0.min(v.c.x), y0.min(v.c.y), x1.max(v.c.x), y1.max(v.c.y)),
        )
    };
    let (a, b) = (bb(a), bb(b));
    a.0 <= b.2 && b.0 <= a.2 && a.1 <= b.3 && b.1 <= a.3
}

fn name_clause(name: Option<&str>, what: &str) -> String {
    match name {
        Some(n) => format!("（界址点 {n} {what}）"),
        None => String::new(),
    }
}

/// Holes inside their shell, holes apart from each other, parts apart from each other.
fn check_containment(
    parcel: &Parcel,
    rings: &[Option<CleanRing>],
    crossings: &HashSet<(usize, usize)>,
    sink: &mut Sink,
) {
    let role = |i: usize| {
        parcel.roles.get(i).copied().unwrap_or(if i == 0 {
            RingRole::Outer
        } else {
            RingRole::Part
        })
    };
    let crossed = |a: usize, b: usize| crossings.contains(&(a.min(b), a.max(b)));
    let n = parcel.rings.len();

    // Holes against their shell; collect the holes of each polygon.
    let mut holes_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for h in 0..n {
        let RingRole::Hole { outer } = role(h) else {
            continue;
        };
        let Some(hr) = rings[h].as_ref() else {
            continue;
        };
        let outer_ok =
            outer < n && outer != h && matches!(role(outer), RingRole::Outer | RingRole::Part);
        if !outer_ok {
            let f = Finding::new(
                FindingCode::HoleOutsideShell,
                Severity::Fail,
                format!("{}标为扣除部分，但找不到它所属的外边界", hr.label),
            )
            .with_points(hr.v.first().map(|v| v.name.clone()))
            .invalidating();
            sink.push(h, &hr.label, f);
            continue;
        }
        let Some(or) = rings[outer].as_ref() else {
            continue;
        };
        if crossed(h, outer) {
            continue;
        }
        match side_of(&or.polygon(), hr, false) {
            Side::Outside(name) => {
                let f = Finding::new(
                    FindingCode::HoleOutsideShell,
                    Severity::Fail,
                    format!(
                        "{}（扣除部分）不在{}外边界之内{}",
                        hr.label,
                        or.label,
                        name_clause(name, "在外边界之外")
                    ),
                )
                .with_points(name.map(str::to_string))
                .invalidating();
                sink.push(h, &hr.label, f);
            }
            Side::Inside(_) | Side::Coincident => holes_of.entry(outer).or_default().push(h),
        }
    }

    // Holes of one polygon against each other.
    for hs in holes_of.values() {
        for (x, &h1) in hs.iter().enumerate() {
            for &h2 in &hs[x + 1..] {
                let (Some(r1), Some(r2)) = (rings[h1].as_ref(), rings[h2].as_ref()) else {
                    continue;
                };
                if crossed(h1, h2) || !bbox_overlap(r1, r2) {
                    continue;
                }
                let hit = match side_of(&r1.polygon(), r2, true) {
                    Side::Inside(name) => Some(name),
                    Side::Coincident => Some(None),
                    Side::Outside(_) => match side_of(&r2.polygon(), r1, true) {
                        Side::Inside(name) => Some(name),
                        _ => None,
                    },
                };
                if let Some(name) = hit {
                    let f = Finding::new(
                        FindingCode::HolesOverlap,
                        Severity::Fail,
                        format!(
                            "{}与{}（扣除部分）相互重叠，重叠部分会被重复扣除{}",
                            r1.label,
                            r2.label,
                            name_clause(name, "位于另一扣除部分之内")
                        ),
                    )
                    .with_points(name.map(str::to_string))
                    .invalidating();
                    sink.push(h2, &r2.label, f);
                }
            }
        }
    }

    // Parts against each other (with their holes).
    let polys: Vec<usize> = (0..n)
        .filter(|&i| matches!(role(i), RingRole::Outer | RingRole::Part) && rings[i].is_some())
        .collect();
    let family = |p: usize| -> Vec<usize> {
        let mut v = vec![p];
        v.extend(holes_of.get(&p).into_iter().flatten().copied());
        v
    };
    let polygon_of = |p: usize| -> Option<Polygon<f64>> {
        let ext = rings[p].as_ref()?.polygon().into_inner().0;
        let holes = holes_of
            .get(&p)
            .into_iter()
            .flatten()
            .filter_map(|&h| rings[h].as_ref().map(|r| r.polygon().into_inner().0))
            .collect();
        Some(Polygon::new(ext, holes))
    };
    for (x, &p1) in polys.iter().enumerate() {
        for &p2 in &polys[x + 1..] {
            let (Some(r1), Some(r2)) = (rings[p1].as_ref(), rings[p2].as_ref()) else {
                continue;
            };
            if !bbox_overlap(r1, r2) {
                continue;
            }
            let (f1, f2) = (family(p1), family(p2));
            if f1.iter().any(|&a| f2.iter().any(|&b| crossed(a, b))) {
                continue;
            }
            let (Some(g1), Some(g2)) = (polygon_of(p1), polygon_of(p2)) else {
                continue;
            };
            let hit = match side_of(&g1, r2, true) {
                Side::Inside(name) => Some(name),
                Side::Coincident => Some(None),
                Side::Outside(_) => match side_of(&g2, r1, true) {
                    Side::Inside(name) => Some(name),
                    _ => None,
                },
            };
            if let Some(name) = hit {
                let f = Finding::new(
                    FindingCode::PartsOverlap,
                    Severity::Fail,
                    format!(
                        "{}与{}（多部件地块的两个部分）相互重叠，重叠部分会被重复计算{}",
                        r1.label,
                        r2.label,
                        name_clause(name, "位于另一部分之内")
                    ),
                )
                .with_points(name.map(str::to_string))
                .invalidating();
                sink.push(p2, &r2.label, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parcel::{BoundaryPoint, Ring};

    /// Origin of the test rings: the check value of DOMAIN §1.2 (zone-39 easting with prefix).
    const E0: f64 = 39_519_431.265;
    const N0: f64 = 3_242_537.394;

    type Pts<'a> = &'a [(&'a str, f64, f64)];

    /// A parcel from rings given in metres relative to (E0, N0).
    fn parcel(rings: &[(Pts, RingRole)]) -> Parcel {
        let mut p = Parcel::new("1", "测试地块", "t.txt#1");
        for (i, (pts, role)) in rings.iter().enumerate() {
            p.rings.push(Ring {
                number: i as u32 + 1,
                points: pts
                    .iter()
                    .map(|&(n, x, y)| BoundaryPoint {
                        name: n.to_string(),
                        x: E0 + x,
                        y: N0 + y,
                        line: 0,
                    })
                    .collect(),
            });
            p.roles.push(*role);
        }
        p
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    const RECT: Pts = &[
        ("J1", 0.0, 0.0),
        ("J2", 10.0, 0.0),
        ("J3", 10.0, 14.8),
        ("J4", 0.0, 14.8),
        ("J1", 0.0, 0.0),
    ];
    const SQ20: Pts = &[
        ("J1", 0.0, 0.0),
        ("J2", 20.0, 0.0),
        ("J3", 20.0, 20.0),
        ("J4", 0.0, 20.0),
        ("J1", 0.0, 0.0),
    ];
    const HOLE: Pts = &[
        ("K1", 5.0, 5.0),
        ("K2", 5.0, 10.0),
        ("K3", 10.0, 10.0),
        ("K4", 10.0, 5.0),
        ("K1", 5.0, 5.0),
    ];

    #[test]
    fn clean_cases_have_no_findings() {
        let far: Pts = &[
            ("J5", 30.0, 0.0),
            ("J6", 40.0, 0.0),
            ("J7", 40.0, 10.0),
            ("J8", 30.0, 10.0),
            ("J5", 30.0, 0.0),
        ];
        // A part sharing the edge J2–J3 with the rectangle, and one touching it at a corner.
        let adjacent: Pts = &[
            ("A1", 10.0, 0.0),
            ("A2", 15.0, 0.0),
            ("A3", 15.0, 14.8),
            ("A4", 10.0, 14.8),
            ("A1", 10.0, 0.0),
        ];
        let corner: Pts = &[
            ("B1", 0.0, 14.8),
            ("B2", -5.0, 14.8),
            ("B3", -5.0, 20.0),
            ("B1", 0.0, 14.8),
        ];
        // A hole touching its shell at one point.
        let touching_hole: Pts = &[
            ("K1", 0.0, 10.0),
            ("K2", 5.0, 12.0),
            ("K3", 5.0, 8.0),
            ("K1", 0.0, 10.0),
        ];
        // An island inside the hole of another part.
        let island: Pts = &[
            ("L1", 6.0, 6.0),
            ("L2", 9.0, 6.0),
            ("L3", 9.0, 9.0),
            ("L1", 6.0, 6.0),
        ];
        let cases: Vec<(&str, Parcel)> = vec![
            ("rectangle", parcel(&[(RECT, RingRole::Outer)])),
            (
                "clockwise rectangle",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 0.0, 14.8),
                        ("J3", 10.0, 14.8),
                        ("J4", 10.0, 0.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
            ),
            (
                "rectangle with hole",
                parcel(&[(SQ20, RingRole::Outer), (HOLE, RingRole::Hole { outer: 0 })]),
            ),
            (
                "two separate parts",
                parcel(&[(RECT, RingRole::Outer), (far, RingRole::Part)]),
            ),
            (
                "adjacent parts",
                parcel(&[(RECT, RingRole::Outer), (adjacent, RingRole::Part)]),
            ),
            (
                "parts touching at a corner",
                parcel(&[(RECT, RingRole::Outer), (corner, RingRole::Part)]),
            ),
            (
                "hole touching its shell",
                parcel(&[
                    (SQ20, RingRole::Outer),
                    (touching_hole, RingRole::Hole { outer: 0 }),
                ]),
            ),
            (
                "island in a hole",
                parcel(&[
                    (SQ20, RingRole::Outer),
                    (HOLE, RingRole::Hole { outer: 0 }),
                    (island, RingRole::Part),
                ]),
            ),
        ];
        for (name, p) in cases {
            assert_eq!(validate(&p), Vec::<Finding>::new(), "{name}");
        }
    }

    /// One case per finding: (name, parcel, expected codes in order, points of the first).
    #[test]
    fn one_case_per_finding() {
        let cases: Vec<(&str, Parcel, Vec<&str>, Vec<&str>)> = vec![
            (
                "not closed",
                parcel(&[(&RECT[..4], RingRole::Outer)]),
                vec!["ring_not_closed"],
                vec!["J1", "J4"],
            ),
            (
                "too few points",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 5.0, 0.0),
                        ("J3", 5.0, 0.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["repeated_point", "too_few_points"],
                vec!["J2", "J3"],
            ),
            (
                "consecutive repeat",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 10.0, 0.0),
                        ("J3", 10.0, 14.8),
                        ("J4", 0.0, 14.8),
                        ("J5", 0.0, 14.8),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["repeated_point"],
                vec!["J4", "J5"],
            ),
            (
                // Two triangles meeting at (5, 5): J3 and J6 are the same point.
                "figure eight through a repeated point",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 10.0, 0.0),
                        ("J3", 5.0, 5.0),
                        ("J4", 10.0, 10.0),
                        ("J5", 0.0, 10.0),
                        ("J6", 5.0, 5.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["ring_self_touch"],
                vec!["J3", "J6"],
            ),
            (
                // A notch whose tip J5 rests on the edge J1–J2.
                "point on an edge",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 10.0, 0.0),
                        ("J3", 10.0, 10.0),
                        ("J4", 6.0, 10.0),
                        ("J5", 5.0, 0.0),
                        ("J6", 4.0, 10.0),
                        ("J7", 0.0, 10.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["ring_self_touch"],
                vec!["J1", "J2", "J5"],
            ),
            (
                "bowtie",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 10.0, 10.0),
                        ("J3", 10.0, 0.0),
                        ("J4", 0.0, 10.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["self_intersection"],
                vec!["J1", "J2", "J3", "J4"],
            ),
            (
                // J5–J6 runs back along J1–J2 from x=6 to x=4.
                "folded edge",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 10.0, 0.0),
                        ("J3", 10.0, 10.0),
                        ("J4", 6.0, 10.0),
                        ("J5", 6.0, 0.0),
                        ("J6", 4.0, 0.0),
                        ("J7", 4.0, 10.0),
                        ("J8", 0.0, 10.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["self_intersection"],
                vec!["J1", "J2", "J5", "J6"],
            ),
            (
                // J3 → J4 goes 5 m north, J4 → J5 comes 3 m back.
                "spike",
                parcel(&[(
                    &[
                        ("J1", 0.0, 0.0),
                        ("J2", 10.0, 0.0),
                        ("J3", 10.0, 10.0),
                        ("J4", 10.0, 15.0),
                        ("J5", 10.0, 12.0),
                        ("J6", 0.0, 10.0),
                        ("J1", 0.0, 0.0),
                    ],
                    RingRole::Outer,
                )]),
                vec!["spike"],
                vec!["J4"],
            ),
            (
                "hole outside shell",
                parcel(&[
                    (RECT, RingRole::Outer),
                    (
                        &[
                            ("K1", 20.0, 0.0),
                            ("K2", 25.0, 0.0),
                            ("K3", 25.0, 5.0),
                            ("K1", 20.0, 0.0),
                        ],
                        RingRole::Hole { outer: 0 },
                    ),
                ]),
                vec!["hole_outside_shell"],
                vec!["K1"],
            ),
            (
                // The hole reaches x = 15, past the shell's edge J2–J3 at x = 10.
                "hole crossing shell",
                parcel(&[
                    (RECT, RingRole::Outer),
                    (
                        &[
                            ("K1", 5.0, 5.0),
                            ("K2", 15.0, 5.0),
                            ("K3", 15.0, 10.0),
                            ("K4", 5.0, 10.0),
                            ("K1", 5.0, 5.0),
                        ],
                        RingRole::Hole { outer: 0 },
                    ),
                ]),
                vec!["rings_cross", "rings_cross"],
                vec!["J2", "J3", "K1", "K2"],
            ),
            (
                "parts crossing",
                parcel(&[
                    (RECT, RingRole::Outer),
                    (
                        &[
                            ("K1", 5.0, -5.0),
                            ("K2", 8.0, -5.0),
                            ("K3", 8.0, 5.0),
                            ("K4", 5.0, 5.0),
                            ("K1", 5.0, -5.0),
                        ],
                        RingRole::Part,
                    ),
                ]),
                vec!["rings_cross", "rings_cross"],
                vec!["J1", "J2", "K2", "K3"],
            ),
            (
                "part inside another part",
                parcel(&[(SQ20, RingRole::Outer), (HOLE, RingRole::Part)]),
                vec!["parts_overlap"],
                vec!["K1"],
            ),
            (
                "the same part twice",
                parcel(&[(RECT, RingRole::Outer), (RECT, RingRole::Part)]),
                vec!["parts_overlap"],
                vec![],
            ),
            (
                "nested holes",
                parcel(&[
                    (SQ20, RingRole::Outer),
                    (HOLE, RingRole::Hole { outer: 0 }),
                    (
                        &[
                            ("L1", 6.0, 6.0),
                            ("L2", 9.0, 6.0),
                            ("L3", 9.0, 9.0),
                            ("L1", 6.0, 6.0),
                        ],
                        RingRole::Hole { outer: 0 },
                    ),
                ]),
                vec!["holes_overlap"],
                vec!["L1"],
            ),
            (
                "hole without a shell",
                parcel(&[(RECT, RingRole::Outer), (HOLE, RingRole::Hole { outer: 7 })]),
                vec!["hole_outside_shell"],
                vec!["K1"],
            ),
            (
                "not a number",
                parcel(&[(
                    &[("J1", 0.0, 0.0), ("J2", f64::NAN, 0.0), ("J3", 5.0, 5.0)],
                    RingRole::Outer,
                )]),
                vec!["invalid_coordinate"],
                vec!["J2"],
            ),
        ];
        for (name, p, want, points) in cases {
            let f = validate(&p);
            assert_eq!(codes(&f), want, "{name}: {f:#?}");
            assert_eq!(f[0].points, points, "{name}");
            for x in &f {
                let fails = x.severity == Severity::Fail;
                assert_eq!(x.makes_invalid, fails, "{name}: {}", x.code);
                assert!(!x.message.is_empty());
            }
        }
    }

    #[test]
    fn messages_name_points_and_places() {
        let bowtie = parcel(&[(
            &[
                ("J1", 0.0, 0.0),
                ("J2", 10.0, 10.0),
                ("J3", 10.0, 0.0),
                ("J4", 0.0, 10.0),
                ("J1", 0.0, 0.0),
            ],
            RingRole::Outer,
        )]);
        let f = validate(&bowtie);
        assert_eq!(
            f[0].message,
            "界址线 J1–J2 与 J3–J4 相交于 (39519436.265, 3242542.394)"
        );
        let open = validate(&parcel(&[(&RECT[..4], RingRole::Outer)]));
        assert_eq!(
            open[0].message,
            "界址线未闭合：首点 J1 与末点 J4 不重合，已按 J4–J1 闭合处理"
        );
        assert_eq!(open[0].severity, Severity::Warn);
        let rep = validate(&parcel(&[(
            &[
                ("J1", 0.0, 0.0),
                ("J2", 10.0, 0.0),
                ("J3", 10.0, 14.8),
                ("J4", 0.0, 14.8),
                ("J5", 0.0, 14.8),
                ("J1", 0.0, 0.0),
            ],
            RingRole::Outer,
        )]));
        assert_eq!(
            rep[0].message,
            "界址点 J4 与 J5 位于同一位置 (39519431.265, 3242552.194)，重复的点已忽略"
        );
        let cross = validate(&parcel(&[
            (RECT, RingRole::Outer),
            (
                &[
                    ("K1", 5.0, -5.0),
                    ("K2", 8.0, -5.0),
                    ("K3", 8.0, 5.0),
                    ("K4", 5.0, 5.0),
                    ("K1", 5.0, -5.0),
                ],
                RingRole::Part,
            ),
        ]));
        assert_eq!(
            cross[0].message,
            "第1圈界址线 J1–J2 与第2圈界址线 K2–K3 相交于 (39519439.265, 3242537.394)"
        );
    }

    #[test]
    fn a_crossing_through_a_vertex_of_another_ring() {
        // The part's vertex K2 sits on the edge J2–J3 (x = 10) and the part continues outside.
        let p = parcel(&[
            (RECT, RingRole::Outer),
            (
                &[
                    ("K1", 5.0, 2.0),
                    ("K2", 10.0, 4.0),
                    ("K3", 15.0, 6.0),
                    ("K4", 15.0, 2.0),
                    ("K1", 5.0, 2.0),
                ],
                RingRole::Part,
            ),
        ]);
        let f = validate(&p);
        assert_eq!(codes(&f), vec!["rings_cross", "rings_cross"], "{f:#?}");
        assert_eq!(
            f[0].message,
            "第2圈界址线 K1–K2–K3 在界址点 K2 (39519441.265, 3242541.394) 处穿过第1圈界址线 J2–J3"
        );
        assert_eq!(f[0].points, vec!["J2", "J3", "K2"]);
        // K4–K1 crosses J2–J3 properly at (10, 2).
        assert!(
            f[1].message.ends_with("相交于 (39519441.265, 3242539.394)"),
            "{}",
            f[1].message
        );
    }

    /// r(θ) = 100 + 20·sin(5θ) is star-shaped about its centre, smooth, and simple.
    fn star(n: usize) -> Vec<(String, f64, f64)> {
        (0..n)
            .map(|i| {
                let t = std::f64::consts::TAU * i as f64 / n as f64;
                let r = 100.0 + 20.0 * (5.0 * t).sin();
                (format!("J{}", i + 1), r * t.cos(), r * t.sin())
            })
            .collect()
    }

    fn star_parcel(pts: &[(String, f64, f64)]) -> Parcel {
        let mut p = Parcel::new("s", "star", "t.txt#1");
        let mut points: Vec<BoundaryPoint> = pts
            .iter()
            .map(|(n, x, y)| BoundaryPoint {
                name: n.clone(),
                x: E0 + x,
                y: N0 + y,
                line: 0,
            })
            .collect();
        points.push(points[0].clone());
        p.rings.push(Ring { number: 1, points });
        p.roles.push(RingRole::Outer);
        p
    }

    #[test]
    fn a_20k_vertex_star_is_valid() {
        assert_eq!(validate(&star_parcel(&star(20_000))), Vec::<Finding>::new());
    }

    #[test]
    fn a_20k_vertex_star_with_one_vertex_thrown_across_is_caught() {
        // Moving J5001 to the far side, 250 m from the centre (the far boundary is at most
        // 120 m out), makes J5000–J5001 and J5001–J5002 each cross the far boundary once.
        let mut pts = star(20_000);
        let (x, y) = (pts[5000].1, pts[5000].2);
        let r = x.hypot(y);
        pts[5000].1 = -250.0 * x / r;
        pts[5000].2 = -250.0 * y / r;
        let f = validate(&star_parcel(&pts));
        assert_eq!(
            codes(&f),
            vec!["self_intersection", "self_intersection"],
            "{f:#?}"
        );
        assert!(f.iter().all(|x| x.points.contains(&"J5001".to_string())));
    }

    #[test]
    fn many_crossings_are_capped_and_counted() {
        // A zigzag band: the ring goes out along y = 0..1 zigzags and returns across them.
        let mut pts: Vec<(String, f64, f64)> = Vec::new();
        for i in 0..=30 {
            pts.push((
                format!("A{i}"),
                i as f64,
                if i % 2 == 0 { 0.0 } else { 2.0 },
            ));
        }
        pts.push(("B1".into(), 30.0, 1.0));
        pts.push(("B2".into(), 0.0, 1.0));
        let f = validate(&star_parcel(&pts));
        let n = f
            .iter()
            .filter(|x| x.code == FindingCode::SelfIntersection)
            .count();
        assert_eq!(n, MAX_LISTED + 1, "{f:#?}");
        assert!(f[MAX_LISTED].message.contains("另有"));
        assert!(f[MAX_LISTED].makes_invalid);
    }

    #[test]
    fn zone_check() {
        let mut p = parcel(&[(RECT, RingRole::Outer)]);
        assert!(check_zone(&p, 39, true).is_empty());
        assert_eq!(codes(&check_zone(&p, 40, true)), vec!["outside_zone"]);
        // Without the prefix the same eastings are implausible.
        assert_eq!(check_zone(&p, 39, false)[0].points.len(), 5);
        p.rings[0].points[1].x = 40_519_441.265;
        p.rings[0].points[2].x = 39_919_441.265;
        let f = check_zone(&p, 39, true);
        assert_eq!(f[0].points, vec!["J2", "J3"]);
        assert!(f[0].makes_invalid && f[0].severity == Severity::Fail);
        assert!(
            f[0].message.starts_with("界址点 J2 (Y=40519441.265)、J3"),
            "{}",
            f[0].message
        );
        for pt in &mut p.rings[0].points {
            pt.x -= 39_000_000.0;
        }
        assert!(check_zone(&p, 39, false).len() == 1);
        p.rings[0].points[1].x = 519_441.265;
        p.rings[0].points[2].x = 519_441.265;
        assert!(check_zone(&p, 39, false).is_empty());
    }
}
