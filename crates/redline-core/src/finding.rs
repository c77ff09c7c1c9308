//! A finding is one thing a reviewer should know about a parcel: a rule that fired, an overlap,
//! a defect of the geometry. Findings name the layer, the area and the point names involved.

use serde::Serialize;

/// The findings' codes and their Chinese labels, in one table: `Variant = "code", "标签";`.
macro_rules! finding_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $label:literal;)*) => {
        /// What a finding is about. It serialises to its stable code (`overlap_forbidden`), the
        /// string the `review` contract carries.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FindingCode {
            $($(#[$doc])* $variant,)*
        }

        impl FindingCode {
            /// Every code, in table order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            /// The stable machine code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $code,)*
                }
            }

            /// The Chinese label a reviewer reads.
            pub fn label_cn(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $label,)*
                }
            }
        }
    };
}

finding_codes! {
    // The survey file (界址点坐标交换格式) and its header.
    /// A header line that cannot be read.
    HeaderUnreadable = "header_unreadable", "地块头行无法读取";
    /// A point line that cannot be read.
    UnreadablePoint = "unreadable_point", "界址点无法读取";
    /// A parcel without points.
    NoPoints = "no_points", "没有界址点";
    /// The header's point count differs from the points given.
    PointCountMismatch = "point_count_mismatch", "界址点数与头行不符";
    /// X and Y were written the wrong way round (and were swapped back).
    SwappedXy = "swapped_xy", "X/Y 坐标颠倒";
    /// The declared area has no unit; one was assumed.
    AreaUnitAssumed = "area_unit_assumed", "面积单位按推定";
    /// The file's unit is not the metre.
    UnitNotMetre = "unit_not_metre", "计量单位不是米";
    /// The file's CRS is unknown or not CGCS2000.
    CrsUnknown = "crs_unknown", "坐标系未知";
    /// WGS 84 coordinates, read as CGCS2000 (they differ by centimetres).
    DatumWgs84AsCgcs2000 = "datum_wgs84_as_cgcs2000", "WGS84 坐标按 CGCS2000 处理";
    /// Xi'an 1980 coordinates, converted with the file's seven parameters.
    DatumXian80Converted = "datum_xian80_converted", "1980西安坐标已按七参数转换";
    /// A datum other than CGCS2000 that cannot be converted.
    DatumNotCgcs2000 = "datum_not_cgcs2000", "不是 2000国家大地坐标系";
    /// The declared 3° zone is not one redline knows.
    ZoneUnknown = "zone_unknown", "带号无法识别";
    /// The eastings' zone prefix differs from the declared zone.
    ZoneMismatch = "zone_mismatch", "带号与坐标不符";
    /// A coordinate that is not a finite number.
    InvalidCoordinate = "invalid_coordinate", "坐标无效";
    /// The geometry is not a polygon.
    NotPolygon = "not_polygon", "不是面";
    /// The coordinates could not be converted into the working CRS.
    ReprojectionFailed = "reprojection_failed", "坐标转换失败";
    /// A point outside the configured area of work.
    OutsideAreaOfWork = "outside_area_of_work", "超出工作区范围";
    /// A point outside its Gauss-Krüger zone.
    OutsideZone = "outside_zone", "超出投影带范围";
    // The geometry of the rings (拓扑检查).
    /// A ring that does not end on its first point.
    RingNotClosed = "ring_not_closed", "界址线未闭合";
    /// A ring with fewer than three distinct points.
    TooFewPoints = "too_few_points", "界址点过少";
    /// The same point twice in a row.
    RepeatedPoint = "repeated_point", "界址点重复";
    /// A needle-thin spike of the boundary.
    Spike = "spike", "界址线尖刺";
    /// Two boundary lines of one ring cross.
    SelfIntersection = "self_intersection", "界址线自相交";
    /// A ring touches itself at a point.
    RingSelfTouch = "ring_self_touch", "界址线自相接";
    /// Two rings cross.
    RingsCross = "rings_cross", "圈与圈相交";
    /// A hole (扣除) outside its outer ring.
    HoleOutsideShell = "hole_outside_shell", "扣除区域在外圈之外";
    /// Two holes overlap.
    HolesOverlap = "holes_overlap", "扣除区域重叠";
    /// Two parts of a multipart parcel overlap.
    PartsOverlap = "parts_overlap", "多部件地块各部分重叠";
    // The review's rules (联审规则).
    /// The computed area differs from the declared area beyond the tolerance.
    DeclaredAreaMismatch = "declared_area_mismatch", "申报面积与计算面积不符";
    /// The homestead exceeds the area limit (宅基地面积标准).
    AreaOverLimit = "area_over_limit", "超过宅基地面积标准";
    /// Occupies a layer that must never be occupied (永久基本农田, 生态保护红线).
    OverlapForbidden = "overlap_forbidden", "占用禁止占用区域";
    /// Lies in an area to avoid (地质灾害易发区).
    OverlapAvoid = "overlap_avoid", "位于应避让区域";
    /// Overlaps a registered homestead (一户一宅).
    OverlapExistingHomestead = "overlap_existing_homestead", "与已登记宅基地重叠";
    /// Lies partly outside the layer it must lie in (村庄规划建设用地).
    OutsideWithin = "outside_within", "超出规划范围";
    /// A land-class code that is not in the table.
    UnknownLandClass = "unknown_land_class", "地类编码未知";
    /// Part of the parcel lies on no land-use patch.
    LandClassGap = "land_class_gap", "未被地类图斑覆盖";
    /// Overlaps another parcel of the same batch.
    BatchOverlap = "batch_overlap", "与同批次地块重叠";
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How serious a finding is. `Fail` on any finding fails the parcel; `Warn` makes it `warn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// 提示: for the record (an area unit assumed, a datum converted); no effect on the verdict.
    Info,
    /// 警告: the parcel passes with warnings (`warn`).
    Warn,
    /// 不通过: the parcel fails (`fail`).
    Fail,
}

impl Severity {
    /// The Chinese label used in reports.
    pub fn label_cn(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warn => "警告",
            Severity::Fail => "不通过",
        }
    }
}

/// One finding on a parcel, as printed in the review JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// What the finding is about (`overlap_forbidden`, `self_intersection`, `swapped_xy` …).
    pub code: FindingCode,
    /// How serious it is; with `makes_invalid`, the parcel is `invalid` whatever this says.
    pub severity: Severity,
    /// The layer involved; set on every overlap finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Area in m² (2 decimals); set on every overlap finding (for `within`: the area outside).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    /// Ids of the layer features touched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feature_ids: Vec<String>,
    /// Point names involved, e.g. `J7`, `J8`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<String>,
    /// A sentence in Chinese the reviewer can act on.
    pub message: String,
    /// True when the geometry cannot be used for area checks (the parcel is `invalid`).
    #[serde(skip)]
    pub makes_invalid: bool,
}

impl Finding {
    /// A finding with a code, severity and message and nothing else.
    pub fn new(code: FindingCode, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity,
            layer: None,
            area_m2: None,
            feature_ids: Vec::new(),
            points: Vec::new(),
            message: message.into(),
            makes_invalid: false,
        }
    }

    /// Mark the finding as one that makes the geometry unusable.
    pub fn invalidating(mut self) -> Self {
        self.makes_invalid = true;
        self
    }

    /// Attach point names.
    pub fn with_points<I, S>(mut self, points: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.points = points.into_iter().map(Into::into).collect();
        self
    }
}
