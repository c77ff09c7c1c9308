//! Remote-sensing clue lists (遥感线索): CSV, XLSX, or points/patches from shapefile/GeoJSON.
//!
//! The ministry's lists come as spreadsheets (CSV in UTF-8 or GBK, XLSX) with a row per clue,
//! or as point / patch layers. [`read`] turns any of them into [`Clue`]s in CGCS2000 lon/lat
//! (EPSG:4490). A bad row does not stop the load: it becomes a located error in
//! [`ClueList::problems`] (file, line, 1-based column) and the good rows go on.
//!
//! Columns are recognised by their header, Chinese or English, ignoring case, spaces
//! (full-width too) and full-width brackets: `编号`/`问题编号`/`线索编号`/`id`, `经度`/`lon`,
//! `纬度`/`lat`, `活动类型`/`问题类型`/`type`, `面积`/`面积（平方米）`/`面积(亩)`/`area_m2`,
//! `年份`/`year`, `批次`/`batch`, `县区`/`所在县`/`county`, `保护区名称`/`reserve`. Everything else
//! is kept in [`Clue::extra`].
//!
//! Coordinates may be decimal degrees or 度分秒 text (see [`parse_angle`]). Checks per row:
//! missing or unparsable coordinate, out of range (±180 / ±90), outside China's box
//! (73–136°E, 3–54°N), duplicate id (the second one is the problem). A row whose longitude looks
//! like a latitude and whose latitude looks like a longitude is swapped, with a warning.

mod angle;
mod csv_file;
mod features;
mod sheet;

#[cfg(test)]
mod read_tests;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

pub use angle::parse_angle;
use angle::{parse_angle_axis, Axis};

use crate::error::InputError;
use crate::formats::units::AreaUnit;
use crate::formats::{display_name, FormatError, FormatResult, InputFile, Kind};

/// One remote-sensing clue.
#[derive(Clone, Debug, PartialEq)]
pub struct Clue {
    /// Clue number (编号 / 问题编号 / 线索编号 / id), or `{file_name}#{line}` when the row has none.
    pub id: String,
    /// CGCS2000 longitude in degrees; for a patch, a point inside the patch.
    pub lon: f64,
    /// CGCS2000 latitude in degrees; for a patch, a point inside the patch.
    pub lat: f64,
    /// The patch outline in lon/lat, for patch clues.
    pub patch: Option<geo::MultiPolygon<f64>>,
    /// Human-activity type as written (活动类型 / 问题类型), trimmed.
    pub activity: String,
    /// Patch area in m² (converted from 亩 / 公顷 / km² headers or cell units). For patches
    /// without an area attribute, the geodesic area of the outline.
    pub area_m2: Option<f64>,
    /// Year: the 年份 column, else the 4-digit year of the batch (`2020年第二批` → 2020).
    pub year: Option<i32>,
    /// Batch (批次) as written.
    pub batch: Option<String>,
    /// County (县区 / 所在县) as written.
    pub county: Option<String>,
    /// Reserve name (保护区名称) when the list carries it.
    pub reserve: Option<String>,
    /// Where it came from: `clues.csv:14` (CSV line or sheet row) or `clues.shp#3` (feature).
    pub source: String,
    /// Unrecognised columns, in file order: (header, value).
    pub extra: Vec<(String, String)>,
    /// For a clue layer in a projected CRS: its position as the file gave it, so that it is
    /// projected once, straight into the working CRS, when placed (`lon`/`lat` are for the
    /// report and the ledger).
    pub native: Option<Box<NativePosition>>,
}

/// A clue's position in the CRS of the file it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct NativePosition {
    /// The file's CRS (as its `.prj` or `crs` member says).
    pub crs: String,
    /// The clue's point (for a patch, a point inside it).
    pub point: geo::Coord<f64>,
    /// The patch.
    pub patch: Option<geo::MultiPolygon<f64>>,
}

/// The result of reading a clue list.
#[derive(Debug, Default)]
pub struct ClueList {
    /// The clues read, in file order (empty from [`read_chunked`], which hands them to its sink).
    pub clues: Vec<Clue>,
    /// Rows that could not be used, each located (file, line, 1-based column).
    pub problems: Vec<InputError>,
    /// Things the reader changed or doubted (swapped coordinates, unreadable area …), located
    /// as `file:line: message`.
    pub warnings: Vec<String>,
    /// The text encoding used (`UTF-8`, `UTF-8 (BOM)`, `GBK`, `UTF-16LE`, `XLSX`, or the
    /// layer's encoding).
    pub encoding: String,
}

/// Read a clue list from disk: `.csv`/`.tsv`, `.xlsx`, `.shp` or `.geojson`/`.json`. A CSV is
/// streamed from the file; the other kinds are read whole (see [`parse`]).
pub fn read(path: &Path) -> FormatResult<ClueList> {
    if Kind::of(path) == Some(Kind::Csv) {
        let (file, len) = open_csv(path)?;
        return csv_file::read(file, len, path, None);
    }
    parse(&InputFile::read_clues(path)?)
}

/// Read a clue list in memory.
///
/// Errors of the whole file (unreadable, no coordinate header) are returned as `Err`; errors
/// of single rows go to [`ClueList::problems`].
pub fn parse(file: &InputFile) -> FormatResult<ClueList> {
    match file.kind {
        Kind::Csv => {
            let bytes = std::io::Cursor::new(file.bytes.as_slice());
            csv_file::read(bytes, file.bytes.len() as u64, &file.name, None)
        }
        Kind::Xlsx => sheet::parse(&file.bytes, &file.name),
        Kind::Shapefile | Kind::GeoJson => {
            let table = crate::formats::parse_features(file)?;
            features::from_table(&file.name, &table)
        }
        Kind::Txt => Err(FormatError::Unsupported {
            file: file.name.clone(),
            what: "线索清单",
            what_en: "clue list",
            supported: ".csv, .xlsx, .shp or .geojson",
        }),
    }
}

fn open_csv(path: &Path) -> FormatResult<(std::fs::File, u64)> {
    let io = |e| FormatError::io(path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    Ok((file, len))
}

/// Receives clues in chunks, as they are read (see [`read_chunked`]); its error type `E` is the
/// caller's (the error of whatever it does with the clues).
pub type ClueSink<'a, E = FormatError> = dyn FnMut(Vec<Clue>) -> Result<(), E> + 'a;

/// Read a clue list from disk and hand its clues to `sink` in chunks of at most `rows`, in file
/// order. CSV lists are streamed, so only one chunk is in memory at a time; spreadsheets and
/// feature files are read whole first. The returned list carries the problems, warnings and
/// encoding, and no clues. An error from `sink` stops the reading and is returned.
pub fn read_chunked<E: From<FormatError>>(
    path: &Path,
    rows: usize,
    sink: &mut ClueSink<'_, E>,
) -> Result<ClueList, E> {
    let rows = rows.max(1);
    if Kind::of(path) == Some(Kind::Csv) {
        let (file, len) = open_csv(path)?;
        return csv_file::read(file, len, path, Some((rows, sink)));
    }
    let mut list = read(path)?;
    let mut clues = std::mem::take(&mut list.clues).into_iter();
    loop {
        let chunk: Vec<Clue> = clues.by_ref().take(rows).collect();
        if chunk.is_empty() {
            break;
        }
        sink(chunk)?;
    }
    Ok(list)
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Id,
    Lon,
    Lat,
    Activity,
    Area(AreaUnit),
    Year,
    Batch,
    County,
    Reserve,
}

/// Normalise a header: full-width forms to ASCII, no whitespace, lower case, `*` marks removed.
fn normalize_header(h: &str) -> String {
    h.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' => '(',
            '】' | '〕' => ')',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{FEFF}')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The role of a header, if recognised.
fn classify(header: &str) -> Option<Role> {
    let n = normalize_header(header);
    // The name without a bracketed or separated unit: `面积(平方米)` → `面积`.
    let base = n
        .split(['(', '[', '/', '（'])
        .next()
        .unwrap_or("")
        .trim_end_matches(['_', '-']);
    const IDS: &[&str] = &[
        "编号",
        "问题编号",
        "线索编号",
        "图斑编号",
        "线索id",
        "问题id",
        "id",
        "clue_id",
        "clueid",
        "clue_no",
        "bsm",
        "tbbh",
        "bh",
    ];
    const LONS: &[&str] = &["lon", "lng", "long", "longitude", "x_lon", "东经"];
    const LATS: &[&str] = &["lat", "latitude", "y_lat", "北纬"];
    const ACTIVITIES: &[&str] = &[
        "活动类型",
        "问题类型",
        "人类活动类型",
        "类型",
        "线索类型",
        "变化类型",
        "type",
        "activity",
        "activity_type",
        "hdlx",
    ];
    const AREAS: &[&str] = &["area", "area_m2", "area_mu", "area_ha", "mj", "tbmj"];
    const COUNTIES: &[&str] = &[
        "县区",
        "所在县",
        "县",
        "区县",
        "县市区",
        "所在县区",
        "所在区县",
        "行政区",
        "county",
        "xzqmc",
    ];
    const RESERVES: &[&str] = &["reserve", "reserve_name", "bhqmc", "保护地", "保护区"];

    if n.contains("经度") || LONS.contains(&base) {
        return Some(Role::Lon);
    }
    if n.contains("纬度") || LATS.contains(&base) {
        return Some(Role::Lat);
    }
    if IDS.contains(&base) {
        return Some(Role::Id);
    }
    if ACTIVITIES.contains(&base) {
        return Some(Role::Activity);
    }
    if n.contains("面积") || AREAS.contains(&base) {
        return Some(Role::Area(AreaUnit::find(&n).unwrap_or(AreaUnit::M2)));
    }
    if n.contains("批次") || base == "batch" {
        return Some(Role::Batch);
    }
    if n.contains("年份") || n.contains("年度") || base == "year" || base == "nd" {
        return Some(Role::Year);
    }
    if RESERVES.contains(&base) || base.contains("保护区名称") || base.contains("保护地名称")
    {
        return Some(Role::Reserve);
    }
    if COUNTIES.contains(&base) || base.ends_with("县区") || base.ends_with("区县") {
        return Some(Role::County);
    }
    None
}

/// Whether a header names a coordinate column.
fn is_coordinate_header(h: &str) -> bool {
    matches!(classify(h), Some(Role::Lon | Role::Lat))
}

/// Which column holds what (0-based indices into the row).
#[derive(Clone, Debug, Default)]
struct Columns {
    names: Vec<String>,
    id: Option<usize>,
    lon: Option<usize>,
    lat: Option<usize>,
    activity: Option<usize>,
    area: Option<(usize, AreaUnit)>,
    year: Option<usize>,
    batch: Option<usize>,
    county: Option<usize>,
    reserve: Option<usize>,
    extra: Vec<usize>,
}

impl Columns {
    /// The first column of each role wins; the rest are extra.
    fn from_headers(headers: &[String]) -> Columns {
        let mut c = Columns {
            names: headers.iter().map(|h| h.trim().to_string()).collect(),
            ..Columns::default()
        };
        for (i, h) in headers.iter().enumerate() {
            let slot = match classify(h) {
                Some(Role::Id) => &mut c.id,
                Some(Role::Lon) => &mut c.lon,
                Some(Role::Lat) => &mut c.lat,
                Some(Role::Activity) => &mut c.activity,
                Some(Role::Year) => &mut c.year,
                Some(Role::Batch) => &mut c.batch,
                Some(Role::County) => &mut c.county,
                Some(Role::Reserve) => &mut c.reserve,
                Some(Role::Area(unit)) => {
                    if c.area.is_none() {
                        c.area = Some((i, unit));
                    } else {
                        c.extra.push(i);
                    }
                    continue;
                }
                None => {
                    c.extra.push(i);
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(i);
            } else {
                c.extra.push(i);
            }
        }
        c
    }

    /// For tables (CSV, XLSX): both coordinate columns must be there.
    fn require_coordinates(&self, path: &Path, line: usize) -> FormatResult<()> {
        let missing = match (self.lon, self.lat) {
            (Some(_), Some(_)) => return Ok(()),
            (None, Some(_)) => "经度 (longitude)",
            (Some(_), None) => "纬度 (latitude)",
            (None, None) => "经度和纬度 (longitude and latitude)",
        };
        Err(FormatError::input(
            path,
            line,
            format!("表头缺少{missing}列 (header lacks a coordinate column)"),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// One cell value.
enum Field<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
}

impl Field<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Field::Empty => true,
            Field::Text(t) => t.trim().is_empty(),
            Field::Number(_) => false,
        }
    }

    /// The value as trimmed text; whole numbers without `.0`.
    fn text(&self) -> Cow<'_, str> {
        match self {
            Field::Empty => Cow::Borrowed(""),
            Field::Text(t) => Cow::Borrowed(t.trim()),
            Field::Number(v) => Cow::Owned(number_text(*v)),
        }
    }

    fn text_opt(&self) -> Option<String> {
        let t = self.text();
        (!t.is_empty()).then(|| t.into_owned())
    }
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A row of cells, whatever the file.
trait Row {
    /// The cell at 0-based `col`; [`Field::Empty`] beyond the end.
    fn field(&self, col: usize) -> Field<'_>;
    fn len(&self) -> usize;
    /// True when every cell is empty (the row is skipped).
    fn all_empty(&self) -> bool {
        (0..self.len()).all(|c| self.field(c).is_empty())
    }
}

impl Row for [String] {
    fn field(&self, col: usize) -> Field<'_> {
        match self.get(col) {
            Some(s) if !s.trim().is_empty() => Field::Text(Cow::Borrowed(s.as_str())),
            _ => Field::Empty,
        }
    }
    fn len(&self) -> usize {
        <[String]>::len(self)
    }
}

/// A position taken from a geometry (features), already in lon/lat, with the file's own when
/// the file is not in lon/lat.
struct Position {
    lon: f64,
    lat: f64,
    patch: Option<geo::MultiPolygon<f64>>,
    native: Option<Box<NativePosition>>,
}

/// A problem or warning of a row, before it is located in the file.
struct Note {
    problem: bool,
    line: usize,
    col: Option<usize>,
    message: String,
}

impl Note {
    fn new(problem: bool, line: usize, col: Option<usize>, message: String) -> Note {
        Note {
            problem,
            line,
            col,
            message,
        }
    }
}

/// One row, parsed ([`Builder::parse`]) but not yet checked for a duplicate id.
struct ParsedRow {
    line: usize,
    /// Notes before the id check; a problem among them rejects the row.
    early: Vec<Note>,
    clue: Option<Clue>,
    /// The id column, when the row gave an id (a generated `file#line` id is never a duplicate).
    id_col: Option<usize>,
    /// [`hash_id`] of the given id (worked out with the parsing, in parallel).
    id_hash: u64,
    /// Warnings after the id check: dropped with a duplicate row.
    late: Vec<Note>,
}

/// Turns rows into clues, problems and warnings.
struct Builder<'p> {
    path: &'p Path,
    file_name: String,
    /// `:` for line-based sources (`clues.csv:14`), `#` for features (`clues.shp#3`).
    sep: char,
    /// Added to 0-based column indices to make 1-based file columns (1 for CSV; the sheet's
    /// first column + 1 for XLSX).
    col_base: usize,
    cols: Columns,
    seen: SeenIds,
    list: ClueList,
}

impl<'p> Builder<'p> {
    fn new(path: &'p Path, sep: char, col_base: usize, cols: Columns, encoding: String) -> Self {
        Builder {
            path,
            file_name: display_name(path),
            sep,
            col_base,
            cols,
            seen: SeenIds::default(),
            list: ClueList {
                encoding,
                ..ClueList::default()
            },
        }
    }

    fn problem(&mut self, line: usize, col: Option<usize>, message: String) {
        self.list.problems.push(InputError::at(
            self.path,
            line,
            col.map_or(0, |c| c + self.col_base),
            message,
        ));
    }

    fn warn(&mut self, line: usize, col: Option<usize>, message: String) {
        let loc = match col {
            Some(c) => format!("{}{}{line}:{}", self.file_name, self.sep, c + self.col_base),
            None => format!("{}{}{line}", self.file_name, self.sep),
        };
        self.list.warnings.push(format!("{loc}: {message}"));
    }

    /// Read one coordinate cell; a problem is noted in `notes`.
    fn coordinate<R: Row + ?Sized>(
        row: &R,
        line: usize,
        col: usize,
        name: &str,
        notes: &mut Vec<Note>,
    ) -> std::result::Result<(f64, Option<Axis>), ()> {
        let mut problem = |message: String| notes.push(Note::new(true, line, Some(col), message));
        match row.field(col) {
            Field::Empty => {
                problem(format!("缺少{name} (missing {})", english(name)));
                Err(())
            }
            Field::Number(v) if v.is_finite() => Ok((v, None)),
            Field::Number(v) => {
                problem(format!("{name}无效 (invalid): {v}"));
                Err(())
            }
            Field::Text(t) => parse_angle_axis(&t).map_err(|m| {
                problem(format!(
                    "{name}无法解析 (cannot parse {}) '{}': {m}",
                    english(name),
                    t.trim()
                ));
            }),
        }
    }

    /// Process one data row. `line` is the CSV line, sheet row or feature number; `position`
    /// comes from the feature geometry when there is one.
    fn push<R: Row + ?Sized>(&mut self, row: &R, line: usize, position: Option<Position>) {
        if let Some(parsed) = self.parse(row, line, position) {
            self.accept(parsed);
        }
    }

    /// Everything of one row except the duplicate-id check, which needs the rows before it:
    /// this takes `&self` only, so the rows of a batch can be parsed in parallel and then
    /// [accepted](Builder::accept) in file order. `None` for an empty row.
    fn parse<R: Row + ?Sized>(
        &self,
        row: &R,
        line: usize,
        position: Option<Position>,
    ) -> Option<ParsedRow> {
        if position.is_none() && row.all_empty() {
            return None;
        }
        let mut early = Vec::new();
        let rejected = |early| {
            Some(ParsedRow {
                line,
                early,
                clue: None,
                id_col: None,
                id_hash: 0,
                late: Vec::new(),
            })
        };
        let cols = &self.cols;
        let (id_col, lon_col, lat_col) = (cols.id, cols.lon, cols.lat);

        // Position.
        let mut native = None;
        let (mut lon, mut lat, mut patch, lon_axis, lat_axis) = match position {
            Some(p) => {
                native = p.native;
                (p.lon, p.lat, p.patch, None, None)
            }
            None => {
                let (Some(lc), Some(ac)) = (lon_col, lat_col) else {
                    early.push(Note::new(
                        true,
                        line,
                        None,
                        "缺少坐标 (no coordinates)".into(),
                    ));
                    return rejected(early);
                };
                let mut notes = Vec::new();
                let lon = Self::coordinate(row, line, lc, "经度", &mut notes);
                let lat = Self::coordinate(row, line, ac, "纬度", &mut notes);
                early.extend(notes);
                let (Ok((lon, lon_axis)), Ok((lat, lat_axis))) = (lon, lat) else {
                    return rejected(early);
                };
                (lon, lat, None, lon_axis, lat_axis)
            }
        };
        let looks_swapped = (3.0..=54.0).contains(&lon) && (73.0..=136.0).contains(&lat);
        let marked_swapped = lon_axis == Some(Axis::Lat) || lat_axis == Some(Axis::Lon);
        if looks_swapped || marked_swapped {
            early.push(Note::new(
                false,
                line,
                lon_col,
                format!(
                    "坐标疑似经纬度颠倒，已交换 (longitude/latitude look swapped): 经度 {lon}, 纬度 {lat} → 经度 {lat}, 纬度 {lon}"
                ),
            ));
            std::mem::swap(&mut lon, &mut lat);
            // The file's own coordinates no longer describe the swapped point.
            native = None;
            if let Some(mp) = patch.as_mut() {
                use geo::MapCoordsInPlace;
                mp.map_coords_in_place(|c| geo::Coord { x: c.y, y: c.x });
            }
        }
        let out_of_range = if !(-180.0..=180.0).contains(&lon) {
            Some((
                lon_col,
                format!("经度 {lon} 超出范围 (longitude out of range −180…180)"),
            ))
        } else if !(-90.0..=90.0).contains(&lat) {
            Some((
                lat_col,
                format!("纬度 {lat} 超出范围 (latitude out of range −90…90)"),
            ))
        } else if !(73.0..=136.0).contains(&lon) {
            Some((
                lon_col,
                format!("经度 {lon} 不在中国范围内 (longitude outside China, 73–136°E)"),
            ))
        } else if !(3.0..=54.0).contains(&lat) {
            Some((
                lat_col,
                format!("纬度 {lat} 不在中国范围内 (latitude outside China, 3–54°N)"),
            ))
        } else {
            None
        };
        if let Some((col, message)) = out_of_range {
            early.push(Note::new(true, line, col, message));
            return rejected(early);
        }

        // Identity (checked for duplicates in `accept`).
        let given_id = id_col.and_then(|c| row.field(c).text_opt());
        let has_id = given_id.is_some();
        let id = given_id.unwrap_or_else(|| format!("{}#{line}", self.file_name));
        let id_hash = if has_id { hash_id(&id) } else { 0 };

        let mut late = Vec::new();
        let get = |c: Option<usize>| c.and_then(|c| row.field(c).text_opt());
        let activity = get(cols.activity).unwrap_or_default();
        let batch = get(cols.batch);
        let county = get(cols.county);
        let reserve = get(cols.reserve);
        let extra: Vec<(String, String)> = cols
            .extra
            .iter()
            .map(|&c| {
                (
                    cols.names.get(c).cloned().unwrap_or_default(),
                    row.field(c).text().into_owned(),
                )
            })
            .collect();

        let mut area_m2 = None;
        if let Some((c, unit)) = cols.area {
            match area_value(&row.field(c), unit) {
                Ok(v) => area_m2 = v,
                Err(m) => late.push(Note::new(false, line, Some(c), m)),
            }
        }
        let mut year = None;
        if let Some(c) = cols.year {
            let f = row.field(c);
            if !f.is_empty() {
                year = year_of(&f.text());
                if year.is_none() {
                    let t = f.text().into_owned();
                    late.push(Note::new(
                        false,
                        line,
                        Some(c),
                        format!("年份无法识别 (year not recognised): '{t}'"),
                    ));
                }
            }
        }
        if year.is_none() {
            year = batch.as_deref().and_then(year_of);
        }
        if area_m2.is_none() {
            if let Some(mp) = &patch {
                use geo::GeodesicArea;
                area_m2 = Some(mp.geodesic_area_unsigned());
            }
        }

        let mut source = String::with_capacity(self.file_name.len() + 8);
        source.push_str(&self.file_name);
        source.push(self.sep);
        source.push_str(itoa(line, &mut [0u8; 20]));
        Some(ParsedRow {
            line,
            early,
            clue: Some(Clue {
                id,
                lon,
                lat,
                patch,
                activity,
                area_m2,
                year,
                batch,
                county,
                reserve,
                source,
                extra,
                native,
            }),
            id_col: if has_id { id_col } else { None },
            id_hash,
            late,
        })
    }

    /// Take a parsed row, in file order: its notes, then (unless its id was met before) its
    /// clue and its later warnings.
    fn accept(&mut self, parsed: ParsedRow) {
        for n in parsed.early {
            self.note(n);
        }
        let Some(clue) = parsed.clue else {
            return;
        };
        let line = parsed.line;
        if let Some(id_col) = parsed.id_col {
            if let Some(first) = self
                .seen
                .check_insert_hashed(&clue.id, parsed.id_hash, line)
            {
                let message = format!(
                    "编号 {} 重复 (duplicate id; first at {}{}{first})",
                    clue.id, self.file_name, self.sep
                );
                self.problem(line, Some(id_col), message);
                return;
            }
        }
        for n in parsed.late {
            self.note(n);
        }
        self.list.clues.push(clue);
    }

    /// Bring the id table's slot for the id hash of a row that will be accepted soon into the
    /// cache.
    fn prefetch_hash(&self, hash: u64) {
        self.seen.touch(hash);
    }

    fn note(&mut self, n: Note) {
        if n.problem {
            self.problem(n.line, n.col, n.message);
        } else {
            self.warn(n.line, n.col, n.message);
        }
    }

    /// Make room for `clues` more clues kept at once, and `ids` more ids seen.
    fn reserve(&mut self, clues: usize, ids: usize) {
        self.list.clues.reserve(clues);
        self.seen.reserve(ids);
    }

    fn finish(self) -> ClueList {
        self.list
    }
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// The ids met so far, for finding duplicates while the clues themselves stream past (they
/// may already have been placed and dropped): every id is kept once, length-prefixed and
/// followed by its line, in one byte arena; an open-addressing table (linear probing, at most
/// half full) maps the id's 64-bit hash to its arena offset. A slot is 8 bytes: 32 bits of the
/// hash as a fingerprint and the offset. The comparison is exact: a matching fingerprint is
/// confirmed by comparing the bytes, and probing goes on past ids that only share it.
#[derive(Default)]
struct SeenIds {
    /// 0 = empty; else `fingerprint << 32 | (offset + 1)`.
    slots: Vec<u64>,
    len: usize,
    /// Every first-seen id: LEB128 length, the bytes, then its line as 4 bytes (lines beyond
    /// 4 × 10⁹ are clamped, which only blurs the "first at" note of a duplicate).
    arena: Vec<u8>,
    /// Ids met once the arena has passed 4 GiB: id → line.
    overflow: HashMap<String, usize>,
}

impl SeenIds {
    fn reserve(&mut self, n: usize) {
        let want = (self.len + n)
            .saturating_mul(2)
            .next_power_of_two()
            .max(1024);
        if want > self.slots.len() {
            self.rehash(want);
        }
        self.arena.reserve(n.saturating_mul(14));
    }

    fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        let mask = size - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let offset = (s as u32).wrapping_sub(1);
            let (id, _) = self.id_at(offset);
            let mut i = (hash_bytes(id) as usize) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Touch the slot where `hash` starts probing, so that it is in the cache when its row is
    /// checked a few rows later (a plain load: the table is far larger than the cache).
    fn touch(&self, hash: u64) {
        if !self.slots.is_empty() {
            let i = (hash as usize) & (self.slots.len() - 1);
            std::hint::black_box(self.slots[i]);
        }
    }

    /// The id stored at `offset` in the arena, and its line.
    fn id_at(&self, offset: u32) -> (&[u8], usize) {
        let mut i = offset as usize;
        let mut len = 0usize;
        let mut shift = 0;
        while let Some(&b) = self.arena.get(i) {
            len |= usize::from(b & 0x7f) << shift;
            i += 1;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        let id = self.arena.get(i..i + len).unwrap_or(&[]);
        let line = self
            .arena
            .get(i + len..i + len + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u32::from_le_bytes(b) as usize);
        (id, line)
    }

    /// The line of an earlier clue with the same `id`; otherwise records `id` (first seen on
    /// `line`) and returns `None`.
    #[cfg(test)]
    fn check_insert(&mut self, id: &str, line: usize) -> Option<usize> {
        self.check_insert_hashed(id, hash_id(id), line)
    }

    /// [`SeenIds::check_insert`] with `hash = hash_id(id)` worked out before.
    fn check_insert_hashed(&mut self, id: &str, hash: u64, line: usize) -> Option<usize> {
        if let Some(&first) = self.overflow.get(id) {
            return Some(first);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.rehash((self.slots.len() * 2).max(1024));
        }
        let mask = self.slots.len() - 1;
        let fingerprint = hash >> 32;
        let mut i = (hash as usize) & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                break;
            }
            if s >> 32 == fingerprint {
                let (first, first_line) = self.id_at((s as u32).wrapping_sub(1));
                if first == id.as_bytes() {
                    return Some(first_line);
                }
            }
            i = (i + 1) & mask;
        }
        // New: into the arena (or, past 4 GiB, the overflow map).
        let offset = match u32::try_from(self.arena.len()) {
            Ok(o) if o < u32::MAX => o,
            _ => {
                self.overflow.insert(id.to_string(), line);
                return None;
            }
        };
        self.slots[i] = fingerprint << 32 | u64::from(offset + 1);
        self.len += 1;
        let mut n = id.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.arena.push(b);
                break;
            }
            self.arena.push(b | 0x80);
        }
        self.arena.extend_from_slice(id.as_bytes());
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        self.arena.extend_from_slice(&line.to_le_bytes());
        None
    }
}

/// A fast 64-bit string hash (multiply–xorshift over 8-byte words, murmur3 finaliser).
fn hash_id(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

/// [`hash_id`] of the bytes.
fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64) ^ 0x243F_6A88_85A3_08D3;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or([0; 8]));
        h = (h ^ v).wrapping_mul(K);
        h ^= h >> 32;
    }
    let rest = words.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn english(name: &str) -> &'static str {
    match name {
        "经度" => "longitude",
        _ => "latitude",
    }
}

/// An area cell in m². The cell may carry its own unit (`12.5亩`), which wins over the header's.
/// Thousands separators are dropped. `Ok(None)` for an empty cell.
fn area_value(field: &Field<'_>, unit: AreaUnit) -> std::result::Result<Option<f64>, String> {
    let (value, unit) = match field {
        Field::Empty => return Ok(None),
        Field::Number(v) => (*v, unit),
        Field::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            let num_end = t
                .char_indices()
                .find(|&(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
                .map_or(t.len(), |(i, _)| i);
            let (num, tail) = t.split_at(num_end);
            let tail_norm = normalize_header(tail);
            let cell_unit = if tail_norm.is_empty() {
                Some(unit)
            } else {
                AreaUnit::find(&tail_norm)
            };
            let num = strip_thousands(num);
            match (num.and_then(|n| n.parse::<f64>().ok()), cell_unit) {
                (Some(v), Some(u)) => (v, u),
                _ => return Err(format!("面积无法识别 (area not recognised): '{t}'")),
            }
        }
    };
    if !value.is_finite() || value < 0.0 {
        return Err(format!("面积无效 (invalid area): {value}"));
    }
    Ok(Some(value * unit.factor()))
}

/// Drop thousands separators when they are well placed (`1,234,567.5`); `None` otherwise
/// (`0,5` is a decimal comma or a typo, not a number to guess at).
fn strip_thousands(num: &str) -> Option<String> {
    if !num.contains(',') {
        return Some(num.to_string());
    }
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let int = int.trim_start_matches(['-', '+']);
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let ok = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3) && !frac.contains(',');
    ok.then(|| num.chars().filter(|&c| c != ',').collect())
}

/// The first 4-digit year (1900–2100) in `text`: `2020`, `2020年第二批`, `第二批(2020)`.
fn year_of(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4 {
                let y: i32 = text[start..i].parse().ok()?;
                if (1900..=2100).contains(&y) {
                    return Some(y);
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roles() {
        let cases: &[(&str, Option<Role>)] = &[
            ("编号", Some(Role::Id)),
            ("问题编号", Some(Role::Id)),
            (" 线索编号 ", Some(Role::Id)),
            ("ID", Some(Role::Id)),
            ("经度", Some(Role::Lon)),
            ("中心点经度", Some(Role::Lon)),
            ("Longitude", Some(Role::Lon)),
            ("LON", Some(Role::Lon)),
            ("纬度（度分秒）", Some(Role::Lat)),
            ("lat", Some(Role::Lat)),
            ("活动类型", Some(Role::Activity)),
            ("问题类型", Some(Role::Activity)),
            ("Type", Some(Role::Activity)),
            ("面积", Some(Role::Area(AreaUnit::M2))),
            ("面积（平方米）", Some(Role::Area(AreaUnit::M2))),
            ("面 积（亩）", Some(Role::Area(AreaUnit::Mu))),
            ("面积(公顷)", Some(Role::Area(AreaUnit::Ha))),
            ("面积/hm2", Some(Role::Area(AreaUnit::Ha))),
            ("area_m2", Some(Role::Area(AreaUnit::M2))),
            ("area_mu", Some(Role::Area(AreaUnit::Mu))),
            ("AREA_HA", Some(Role::Area(AreaUnit::Ha))),
            ("年份", Some(Role::Year)),
            ("year", Some(Role::Year)),
            ("批次", Some(Role::Batch)),
            ("Batch", Some(Role::Batch)),
            ("县区", Some(Role::County)),
            ("所在县", Some(Role::County)),
            ("县（市、区）", Some(Role::County)),
            ("county", Some(Role::County)),
            ("保护区名称", Some(Role::Reserve)),
            ("BHQMC", Some(Role::Reserve)),
            ("序号", None),
            ("备注", None),
        ];
        for (h, want) in cases {
            assert_eq!(classify(h), *want, "header {h:?}");
        }
    }

    #[test]
    fn areas_and_years() {
        let t = |s: &'static str| Field::Text(Cow::Borrowed(s));
        let mu = 10_000.0 / 15.0;
        let cases: &[(Field<'_>, AreaUnit, Option<f64>)] = &[
            (t("1200"), AreaUnit::M2, Some(1200.0)),
            (t("1,200.5"), AreaUnit::M2, Some(1200.5)),
            (t("1.5"), AreaUnit::Mu, Some(1.5 * mu)),
            (t("0.3"), AreaUnit::Ha, Some(3000.0)),
            (t("3亩"), AreaUnit::M2, Some(2000.0)),
            (t("0.12公顷"), AreaUnit::M2, Some(1200.0)),
            (t("250㎡"), AreaUnit::Ha, Some(250.0)),
            (Field::Number(2.0), AreaUnit::Ha, Some(20_000.0)),
            (Field::Empty, AreaUnit::M2, None),
        ];
        for (f, unit, want) in cases {
            let got = area_value(f, *unit).expect("area");
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{g} vs {w}"),
                (g, w) => assert_eq!(g, *w),
            }
        }
        assert!(area_value(&t("大约"), AreaUnit::M2).is_err());
        assert!(area_value(&t("-5"), AreaUnit::M2).is_err());
        assert!(area_value(&t("5 furlongs"), AreaUnit::M2).is_err());
        assert!(area_value(&t("0,5"), AreaUnit::M2).is_err());
        assert!(area_value(&t("12,34"), AreaUnit::M2).is_err());
        assert_eq!(
            area_value(&t("1,234,567"), AreaUnit::M2),
            Ok(Some(1_234_567.0))
        );

        assert_eq!(year_of("2020年第二批"), Some(2020));
        assert_eq!(year_of("第2批（2019）"), Some(2019));
        assert_eq!(year_of("2018"), Some(2018));
        assert_eq!(year_of("20201"), None);
        assert_eq!(year_of("第二批"), None);
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(itoa(0, &mut [0; 20]), "0");
        assert_eq!(itoa(1_000_001, &mut [0; 20]), "1000001");
        assert_eq!(itoa(usize::MAX, &mut [0; 20]), usize::MAX.to_string());
    }

    #[test]
    fn duplicate_ids_including_hash_collisions() {
        let mut seen = SeenIds::default();
        for (line, id) in [(2, "A"), (3, "B"), (4, "A-long-identifier-0001")] {
            assert_eq!(seen.check_insert(id, line), None);
        }
        assert_eq!(seen.check_insert("A", 5), Some(2));
        assert_eq!(seen.check_insert("A-long-identifier-0001", 6), Some(4));
        assert_eq!(seen.check_insert("A-long-identifier-0002", 7), None);
        assert_ne!(
            hash_id("A-long-identifier-0001"),
            hash_id("A-long-identifier-0002")
        );
        // A 200-byte id needs a two-byte length prefix.
        let long = "X".repeat(200);
        assert_eq!(seen.check_insert(&long, 8), None);
        assert_eq!(seen.check_insert(&long, 9), Some(8));
        assert_eq!(seen.check_insert(&long[..199], 10), None);
        // A fingerprint collision: a slot on "C"'s probe path carries "C"'s fingerprint but
        // points at "A" (arena offset 0, line 2); the bytes tell them apart.
        let h = hash_id("C");
        let mask = seen.slots.len() - 1;
        let mut i = (h as usize) & mask;
        while seen.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        seen.slots[i] = (h >> 32) << 32 | 1;
        seen.len += 1;
        assert_eq!(seen.check_insert("C", 11), None);
        assert_eq!(seen.check_insert("C", 12), Some(11));
        assert_eq!(seen.check_insert("A", 13), Some(2));
        // Growth: a thousand ids through several rehashes, each found again.
        for k in 0..1000 {
            assert_eq!(seen.check_insert(&format!("id-{k}"), 100 + k), None);
        }
        for k in 0..1000 {
            assert_eq!(seen.check_insert(&format!("id-{k}"), 5000), Some(100 + k));
        }
        assert!(seen.len * 2 <= seen.slots.len());
    }
}
