//! A parcel (地块) as read from a survey file, before and after reprojection.
//!
//! Coordinates in memory are always `x = easting`, `y = northing` (the TXT format writes them
//! the other way round: the readers swap them).

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// One surveyed boundary point (界址点).
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryPoint {
    /// The point name as written, e.g. `J1`.
    pub name: String,
    /// Easting (or longitude).
    pub x: f64,
    /// Northing (or latitude).
    pub y: f64,
    /// 1-based line in the source file, 0 when the format has no lines.
    pub line: usize,
}

/// One ring (圈) of a parcel as written, closing point included when the file repeats it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ring {
    /// The ring number from the file (1 = outer boundary).
    pub number: u32,
    /// The boundary points (界址点) in file order.
    pub points: Vec<BoundaryPoint>,
}

/// Whether a ring beyond the first is a hole or a separate part (decided by the reader).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingRole {
    /// The first ring: the outer boundary.
    Outer,
    /// A hole (扣除) of the polygon whose outer ring is `rings[outer]`.
    Hole {
        /// Index in [`Parcel::rings`] of the outer ring it is cut out of.
        outer: usize,
    },
    /// The outer boundary of a separate part of a multipart parcel.
    Part,
}

/// A parcel as read: rings with point names, the declared values, and what the reader noticed.
#[derive(Clone, Debug, PartialEq)]
pub struct Parcel {
    /// Parcel number (地块编号) or a stable generated id.
    pub id: String,
    /// Parcel name (地块名称).
    pub name: String,
    /// Where it came from: `batch.txt#2` (file name and 1-based position in the file).
    pub source: String,
    /// The CRS of the coordinates as read: `EPSG:4527`, or a WKT the reader found.
    pub crs: Option<String>,
    /// The rings as read, in file order.
    pub rings: Vec<Ring>,
    /// The role of each ring (same length as `rings`).
    pub roles: Vec<RingRole>,
    /// Area the file declares, converted to m².
    pub declared_area_m2: Option<f64>,
    /// Point count the header declares.
    pub declared_point_count: Option<usize>,
    /// Land-class code the file declares (e.g. `0702`).
    pub class_code: Option<String>,
    /// Use (用途) the file declares.
    pub land_use: Option<String>,
    /// Map sheet number the file declares.
    pub sheet: Option<String>,
    /// The 3° zone the file declares or implies (e.g. 39).
    pub zone: Option<u32>,
    /// What the reader noticed (swapped X/Y, header count mismatch, datum).
    pub notes: Vec<crate::Finding>,
}

impl Parcel {
    /// An empty parcel with the given identity.
    pub fn new(id: impl Into<String>, name: impl Into<String>, source: impl Into<String>) -> Self {
        Parcel {
            id: id.into(),
            name: name.into(),
            source: source.into(),
            crs: None,
            rings: Vec::new(),
            roles: Vec::new(),
            declared_area_m2: None,
            declared_point_count: None,
            class_code: None,
            land_use: None,
            sheet: None,
            zone: None,
            notes: Vec::new(),
        }
    }

    /// The geometry built from the rings and their roles: each `Outer`/`Part` ring starts a
    /// polygon; each `Hole` goes into the polygon whose outer ring contains it (the reader decided).
    /// Closing points are added where missing. No validation happens here.
    pub fn to_multipolygon(&self) -> MultiPolygon<f64> {
        let mut polys: Vec<(usize, LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
        let mut holes: Vec<(usize, LineString<f64>)> = Vec::new();
        for (i, (ring, role)) in self.rings.iter().zip(self.roles.iter()).enumerate() {
            let ls: LineString<f64> = ring
                .points
                .iter()
                .map(|p| Coord { x: p.x, y: p.y })
                .collect::<Vec<_>>()
                .into();
            match role {
                RingRole::Outer | RingRole::Part => polys.push((i, ls, Vec::new())),
                RingRole::Hole { outer } => holes.push((*outer, ls)),
            }
        }
        for (outer, ls) in holes {
            if let Some(p) = polys.iter_mut().find(|p| p.0 == outer) {
                p.2.push(ls);
            }
        }
        MultiPolygon(
            polys
                .into_iter()
                .map(|(_, ext, holes)| Polygon::new(ext, holes))
                .collect(),
        )
    }

    /// Total number of points over all rings.
    pub fn point_count(&self) -> usize {
        self.rings.iter().map(|r| r.points.len()).sum()
    }
}
