//! The project file (TOML): working CRS, layers and their rules, local limits.
//!
//! ```toml
//! working_crs = "EPSG:4527"
//! [homestead]
//! max_area_m2 = 180.0        # example limit, see DOMAIN §1.6
//! [[layer]]
//! name = "basic_farmland"
//! path = "layers/basic_farmland.shp"
//! rule = "forbid"
//! id_field = "BSM"
//! ```
//! Every error names the file, the line and the key: `project.toml:7: layer.rule: …`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::{Error, Result};

/// What a layer is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Any overlap above the tolerance fails the parcel (永久基本农田, 生态保护红线).
    Forbid,
    /// Overlap warns (地质灾害易发区).
    Avoid,
    /// The parcel must lie inside; the outside part fails (村庄规划建设用地).
    Within,
    /// Area of the parcel per class code (三调地类).
    Classify,
    /// Overlap with a registered homestead fails (一户一宅).
    ExistingHomestead,
    /// Nature-reserve functional zones (Green Shield).
    ReserveZones,
    /// County outlines (Green Shield).
    County,
}

impl Rule {
    /// The rule's name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Forbid => "forbid",
            Rule::Avoid => "avoid",
            Rule::Within => "within",
            Rule::Classify => "classify",
            Rule::ExistingHomestead => "existing_homestead",
            Rule::ReserveZones => "reserve_zones",
            Rule::County => "county",
        }
    }

    /// Rules that take part in the parcel review.
    pub fn is_review_rule(self) -> bool {
        !matches!(self, Rule::ReserveZones | Rule::County)
    }
}

/// One `[[layer]]` entry.
#[derive(Clone, Debug)]
pub struct LayerConfig {
    /// Unique name used in reports.
    pub name: String,
    /// Absolute path (the config's `path` resolved against the config file's folder).
    pub path: PathBuf,
    pub rule: Rule,
    /// Field holding the feature id; the position is used when absent.
    pub id_field: Option<String>,
    /// CRS when the file does not say (no `.prj`).
    pub crs: Option<String>,
    /// For `classify`: the class code field (DLBM).
    pub class_field: Option<String>,
    /// For `reserve_zones`: reserve name, zone, level and type fields.
    pub reserve_field: Option<String>,
    pub zone_field: Option<String>,
    pub level_field: Option<String>,
    pub type_field: Option<String>,
    /// For a layer that holds one zone only: that zone (e.g. `核心区`), with `reserve`/`level`
    /// constants when the file has no such fields.
    pub zone: Option<String>,
    pub reserve: Option<String>,
    pub level: Option<String>,
    /// For `county`: code and name fields.
    pub code_field: Option<String>,
    pub name_field: Option<String>,
    /// 1-based line of the entry in the config file.
    pub line: usize,
}

/// Homestead rules (DOMAIN §1.6): configuration, never code.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Homestead {
    /// Area limit per household in m². The Jiangxi figures (120/180/240) are unverified examples.
    pub max_area_m2: Option<f64>,
}

/// Tolerances of the review.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tolerances {
    /// Overlaps at or below this area (m²) are not findings.
    pub overlap_m2: f64,
    /// Declared vs computed area: allowed relative difference …
    pub declared_area_relative: f64,
    /// … or absolute difference in m², whichever is larger.
    pub declared_area_m2: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            overlap_m2: 0.01,
            declared_area_relative: 0.005,
            declared_area_m2: 1.0,
        }
    }
}

/// The area of work: a lon/lat box (CGCS2000) outside which coordinates are reported.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AreaOfWork {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

/// Green Shield settings (`[inspection]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inspection {
    /// Clues this close outside a reserve are reported with their distance.
    pub near_boundary_m: f64,
    /// The ledger database, relative to the config file.
    pub ledger: PathBuf,
    /// A new clue within this distance of an earlier year's issue is linked to it (回头看).
    pub lookback_m: f64,
    /// Default rectification deadline in days (an example; the notice leaves it to each plan).
    pub deadline_days: u32,
    /// Default deadline for focus issues, in days (an example).
    pub focus_deadline_days: u32,
    /// Reserve names in the Yangtze River belt (长江经济带), for the eight-type focus rule.
    pub yangtze_reserves: Vec<String>,
    /// Treat every reserve as in the Yangtze belt (Jingdezhen lies in the Yangtze basin).
    pub all_reserves_yangtze: bool,
    /// Overrides of the departments by activity type: type → list of departments.
    pub departments: BTreeMap<String, Vec<String>>,
}

impl Default for Inspection {
    fn default() -> Self {
        Inspection {
            near_boundary_m: 100.0,
            ledger: PathBuf::from("ledger.sqlite"),
            lookback_m: 200.0,
            deadline_days: 180,
            focus_deadline_days: 90,
            yangtze_reserves: Vec::new(),
            all_reserves_yangtze: true,
            departments: BTreeMap::new(),
        }
    }
}

/// The role of a service token (`[[token]]`): what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads reviews, the ledger and layers.
    Viewer,
    /// Also submits reviews and records decisions on them.
    Reviewer,
    /// Also places clue lists, imports them into the ledger and moves issues.
    Inspector,
    /// Everything, including new layer versions and the audit log.
    Admin,
}

impl Role {
    /// The role's name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reviewer => "reviewer",
            Role::Inspector => "inspector",
            Role::Admin => "admin",
        }
    }
}

/// One `[[token]]` of the HTTP service: a bearer token stored as its sha256 hash, never in clear.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds the token (recorded in the audit log).
    pub name: String,
    /// sha256 of the token, 64 hex digits.
    pub sha256: String,
    pub role: Role,
    /// County code or name that limits what the token sees and changes; none = all counties.
    #[serde(default)]
    pub county: Option<String>,
}

/// The whole project configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The config file.
    pub file: PathBuf,
    /// Planar CRS in which all areas are computed.
    pub working_crs: String,
    pub homestead: Homestead,
    pub tolerances: Tolerances,
    pub area_of_work: Option<AreaOfWork>,
    /// Overrides of the land-class category table: class code (e.g. `1104`) → 农用地/建设用地/未利用地.
    pub land_class_categories: BTreeMap<String, String>,
    pub layers: Vec<LayerConfig>,
    pub inspection: Inspection,
    /// Bearer tokens of the HTTP service (`[[token]]`).
    pub tokens: Vec<TokenConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    working_crs: Spanned<String>,
    #[serde(default)]
    homestead: Homestead,
    #[serde(default)]
    tolerances: Tolerances,
    #[serde(default)]
    area_of_work: Option<AreaOfWork>,
    #[serde(default)]
    land_class_categories: BTreeMap<String, Spanned<String>>,
    #[serde(default, rename = "layer")]
    layers: Vec<Spanned<RawLayer>>,
    #[serde(default)]
    inspection: Inspection,
    #[serde(default, rename = "token")]
    tokens: Vec<Spanned<TokenConfig>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    name: Spanned<String>,
    path: Spanned<String>,
    rule: Spanned<Rule>,
    id_field: Option<String>,
    crs: Option<Spanned<String>>,
    class_field: Option<String>,
    reserve_field: Option<String>,
    zone_field: Option<String>,
    level_field: Option<String>,
    type_field: Option<String>,
    zone: Option<String>,
    reserve: Option<String>,
    level: Option<String>,
    code_field: Option<String>,
    name_field: Option<String>,
}

/// The 1-based line of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Config {
    /// Read and check a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let bytes = crate::error::read_file(path)?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Config {
            file: path.to_path_buf(),
            line: 0,
            message: format!("配置文件不是 UTF-8 (not UTF-8): {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parse config text; `file` is the config's path (layer paths resolve against its folder).
    pub fn parse(text: &str, file: &Path) -> Result<Config> {
        let err = |line: usize, message: String| Error::Config {
            file: file.to_path_buf(),
            line,
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            err(line, e.message().trim().to_string())
        })?;
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        let working_crs = crate::crs::normalize(raw.working_crs.get_ref());
        if working_crs.is_empty() {
            return Err(err(
                line_of(text, raw.working_crs.span().start),
                "working_crs: 不能为空 (must name a planar CRS, e.g. EPSG:4527)".into(),
            ));
        }
        if let Some(max) = raw.homestead.max_area_m2 {
            if !(max.is_finite() && max > 0.0) {
                return Err(err(
                    find_key_line(text, "max_area_m2"),
                    format!("homestead.max_area_m2: 必须为正数 (must be positive), got {max}"),
                ));
            }
        }
        let mut categories = BTreeMap::new();
        for (code, cat) in &raw.land_class_categories {
            let c = cat.get_ref().as_str();
            if !matches!(c, "农用地" | "建设用地" | "未利用地") {
                return Err(err(
                    line_of(text, cat.span().start),
                    format!(
                        "land_class_categories.{code}: 必须是 农用地/建设用地/未利用地, got {c:?}"
                    ),
                ));
            }
            categories.insert(code.clone(), c.to_string());
        }
        let mut layers: Vec<LayerConfig> = Vec::new();
        for spanned in raw.layers {
            let line = line_of(text, spanned.span().start);
            let l = spanned.into_inner();
            let name = l.name.get_ref().trim().to_string();
            let name_line = line_of(text, l.name.span().start);
            if name.is_empty() {
                return Err(err(
                    name_line,
                    "layer.name: 不能为空 (must not be empty)".into(),
                ));
            }
            if layers.iter().any(|o| o.name == name) {
                return Err(err(
                    name_line,
                    format!("layer.name: 图层名称重复 (duplicate layer name) {name:?}"),
                ));
            }
            let rule = *l.rule.get_ref();
            let rule_line = line_of(text, l.rule.span().start);
            let need = |field: &Option<String>, key: &str| -> Result<()> {
                if field.is_none() {
                    Err(err(
                        rule_line,
                        format!("layer.{key}: 规则 {} 需要此项 (required for rule {:?} of layer {name:?})", rule.as_str(), rule.as_str()),
                    ))
                } else {
                    Ok(())
                }
            };
            match rule {
                Rule::Classify => need(&l.class_field, "class_field")?,
                Rule::ReserveZones => {
                    if l.zone_field.is_none() && l.zone.is_none() {
                        need(&l.zone_field, "zone_field")?;
                    }
                    if l.reserve_field.is_none() && l.reserve.is_none() {
                        need(&l.reserve_field, "reserve_field")?;
                    }
                }
                Rule::County => {
                    need(&l.code_field, "code_field")?;
                    need(&l.name_field, "name_field")?;
                }
                _ => {}
            }
            let rel = l.path.get_ref();
            if rel.trim().is_empty() {
                return Err(err(
                    line_of(text, l.path.span().start),
                    "layer.path: 不能为空 (must not be empty)".into(),
                ));
            }
            let path = dir.join(rel);
            if !path.exists() {
                return Err(err(
                    line_of(text, l.path.span().start),
                    format!("layer.path: 文件不存在 (file not found) {}", path.display()),
                ));
            }
            if let Some(c) = &l.crs {
                if c.get_ref().trim().is_empty() {
                    return Err(err(
                        line_of(text, c.span().start),
                        "layer.crs: 不能为空 (must not be empty)".into(),
                    ));
                }
            }
            layers.push(LayerConfig {
                name,
                path,
                rule,
                id_field: l.id_field,
                crs: l.crs.map(|c| crate::crs::normalize(c.get_ref())),
                class_field: l.class_field,
                reserve_field: l.reserve_field,
                zone_field: l.zone_field,
                level_field: l.level_field,
                type_field: l.type_field,
                zone: l.zone,
                reserve: l.reserve,
                level: l.level,
                code_field: l.code_field,
                name_field: l.name_field,
                line,
            });
        }
        let mut tokens: Vec<TokenConfig> = Vec::new();
        for spanned in raw.tokens {
            let line = line_of(text, spanned.span().start);
            let mut t = spanned.into_inner();
            t.name = t.name.trim().to_string();
            t.sha256 = t.sha256.trim().to_ascii_lowercase();
            if t.name.is_empty() {
                return Err(err(line, "token.name: 不能为空 (must not be empty)".into()));
            }
            if tokens.iter().any(|o| o.name == t.name) {
                return Err(err(
                    line,
                    format!(
                        "token.name: 令牌名称重复 (duplicate token name) {:?}",
                        t.name
                    ),
                ));
            }
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err(
                    line,
                    format!(
                        "token.sha256: 须为 64 位十六进制 (must be the sha256 of the token, 64 hex digits) for {:?}",
                        t.name
                    ),
                ));
            }
            t.county = t
                .county
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty());
            tokens.push(t);
        }
        let mut inspection = raw.inspection;
        inspection.ledger = dir.join(&inspection.ledger);
        Ok(Config {
            file: file.to_path_buf(),
            working_crs,
            homestead: raw.homestead,
            tolerances: raw.tolerances,
            area_of_work: raw.area_of_work,
            land_class_categories: categories,
            layers,
            inspection,
            tokens,
        })
    }

    /// The layers that take part in the parcel review.
    pub fn review_layers(&self) -> impl Iterator<Item = &LayerConfig> {
        self.layers.iter().filter(|l| l.rule.is_review_rule())
    }
}

/// The line of the first `key =` in `text` (for errors found after parsing), 0 if absent.
fn find_key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(key) && t[key.len()..].trim_start().starts_with('=')
        })
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with_layer() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("f.geojson"), "{}").expect("write");
        d
    }

    #[test]
    fn the_issue_shape_parses() {
        let d = dir_with_layer();
        let text = "working_crs = \"EPSG:4527\"\n[homestead]\nmax_area_m2 = 180.0\n[[layer]]\nname = \"basic_farmland\"\npath = \"f.geojson\"\nrule = \"forbid\"\nid_field = \"BSM\"\n";
        let c = Config::parse(text, &d.path().join("p.toml")).expect("parse");
        assert_eq!(c.working_crs, "EPSG:4527");
        assert_eq!(c.homestead.max_area_m2, Some(180.0));
        assert_eq!(c.layers.len(), 1);
        assert_eq!(c.layers[0].rule, Rule::Forbid);
        assert_eq!(c.layers[0].line, 4);
        assert_eq!(c.tolerances.overlap_m2, 0.01);
    }

    #[test]
    fn tokens_parse() {
        let d = dir_with_layer();
        let h = "a".repeat(64);
        let text = format!("working_crs = \"EPSG:4527\"\n[[token]]\nname = \"张三\"\nsha256 = \"{}\"\nrole = \"reviewer\"\ncounty = \"360222\"\n", h.to_uppercase());
        let c = Config::parse(&text, &d.path().join("p.toml")).expect("parse");
        assert_eq!(c.tokens.len(), 1);
        assert_eq!(c.tokens[0].sha256, h);
        assert_eq!(c.tokens[0].role, Role::Reviewer);
        assert_eq!(c.tokens[0].county.as_deref(), Some("360222"));
    }

    /// Table test: each broken config names the right line and key.
    #[test]
    fn errors_name_line_and_key() {
        let d = dir_with_layer();
        let head = "working_crs = \"EPSG:4527\"\n";
        let cases: &[(&str, usize, &str)] = &[
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"forbidd\"\n", 5, "forbidd"),
            ("[[layer]]\nname = \"a\"\npath = \"missing.shp\"\nrule = \"forbid\"\n", 4, "layer.path"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"classify\"\n", 5, "class_field"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"forbid\"\n[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"avoid\"\n", 7, "duplicate"),
            ("[homestead]\nmax_area_m2 = -5.0\n", 3, "max_area_m2"),
            ("[homestead]\nmax_area = 5.0\n", 3, "max_area"),
            ("[land_class_categories]\n\"1104\" = \"农地\"\n", 3, "1104"),
            ("[[token]]\nname = \"a\"\nsha256 = \"abc\"\nrole = \"admin\"\n", 2, "token.sha256"),
            ("[[token]]\nname = \"a\"\nsha256 = \"abc\"\nrole = \"root\"\n", 5, "root"),
        ];
        for (body, line, key) in cases {
            let text = format!("{head}{body}");
            let e = Config::parse(&text, &d.path().join("p.toml")).expect_err(body);
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("p.toml:{line}:")),
                "{msg} (want line {line})"
            );
            assert!(msg.contains(key), "{msg} (want {key})");
        }
    }
}
