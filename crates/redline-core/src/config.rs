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

use crate::error::ErrorKind;

/// The kind of check a layer takes part in, as written in `rule = "…"`.
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

/// An attribute read from a field of the layer, or a constant for a layer that holds one
/// reserve or one zone only; with both, the field's value wins where it is not empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The field that holds the value.
    pub field: Option<String>,
    /// The value for every feature whose field is missing or empty.
    pub constant: Option<String>,
}

impl Attribute {
    /// An attribute read from `field` only.
    pub fn field(field: &str) -> Self {
        Attribute {
            field: Some(field.to_string()),
            constant: None,
        }
    }
}

/// Where a reserve layer keeps the reserve name, the zone, the level and the type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReserveFields {
    /// The reserve's name (BHQMC), or one name for the whole layer.
    pub reserve: Attribute,
    /// The functional zone (GNFQ: 核心区 …), or one zone for the whole layer.
    pub zone: Attribute,
    /// The level (国家级, 省级 …).
    pub level: Attribute,
    /// The type of protected area (自然保护区, 森林公园 …).
    pub kind_field: Option<String>,
}

/// What a layer is checked for, with the settings that this rule needs and no others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerRule {
    /// 永久基本农田, 生态保护红线: any overlap above the tolerance fails the parcel.
    Forbid,
    /// 地质灾害易发区: overlap warns.
    Avoid,
    /// 村庄规划建设用地: the parcel must lie inside; the part outside fails.
    Within,
    /// 三调地类: the parcel's area per land class, read from `class_field` (DLBM).
    Classify {
        /// The field holding the land-class code.
        class_field: String,
    },
    /// 已登记宅基地: overlap with a registered homestead fails (一户一宅).
    ExistingHomestead,
    /// 自然保护区功能分区 (Green Shield): reserves and their zones.
    ReserveZones(ReserveFields),
    /// 县级行政区 (Green Shield): county outlines with their code and name.
    County {
        /// The field holding the county code (XZQDM).
        code_field: String,
        /// The field holding the county name (XZQMC).
        name_field: String,
    },
}

impl LayerRule {
    /// The kind of the rule.
    pub fn kind(&self) -> Rule {
        match self {
            LayerRule::Forbid => Rule::Forbid,
            LayerRule::Avoid => Rule::Avoid,
            LayerRule::Within => Rule::Within,
            LayerRule::Classify { .. } => Rule::Classify,
            LayerRule::ExistingHomestead => Rule::ExistingHomestead,
            LayerRule::ReserveZones(_) => Rule::ReserveZones,
            LayerRule::County { .. } => Rule::County,
        }
    }

    /// The rule's name as written in the config.
    pub fn as_str(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Whether the layer takes part in the parcel review.
    pub fn is_review_rule(&self) -> bool {
        self.kind().is_review_rule()
    }

    /// The attribute fields the rule reads, with their config keys (checked against the file
    /// when the layer loads).
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        match self {
            LayerRule::Classify { class_field } => out.push(("class_field", class_field.as_str())),
            LayerRule::ReserveZones(r) => {
                for (key, f) in [
                    ("reserve_field", &r.reserve.field),
                    ("zone_field", &r.zone.field),
                    ("level_field", &r.level.field),
                    ("type_field", &r.kind_field),
                ] {
                    if let Some(f) = f {
                        out.push((key, f.as_str()));
                    }
                }
            }
            LayerRule::County {
                code_field,
                name_field,
            } => {
                out.push(("code_field", code_field.as_str()));
                out.push(("name_field", name_field.as_str()));
            }
            _ => {}
        }
        out
    }
}

/// One `[[layer]]` entry.
#[derive(Clone, Debug)]
pub struct LayerConfig {
    /// Unique name used in reports.
    pub name: String,
    /// Absolute path (the config's `path` resolved against the config file's folder).
    pub path: PathBuf,
    /// What the layer is checked for, with the rule's settings.
    pub rule: LayerRule,
    /// Field holding the feature id; the position is used when absent.
    pub id_field: Option<String>,
    /// CRS when the file does not say (no `.prj`).
    pub crs: Option<String>,
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
    /// West edge, degrees of longitude (CGCS2000).
    pub min_lon: f64,
    /// South edge, degrees of latitude (CGCS2000).
    pub min_lat: f64,
    /// East edge, degrees of longitude (CGCS2000).
    pub max_lon: f64,
    /// North edge, degrees of latitude (CGCS2000).
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

    /// The role named `s` (as [`Role::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Viewer, Role::Reviewer, Role::Inspector, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s.trim())
    }

    /// The role's name in Chinese, for pages.
    pub fn label_cn(self) -> &'static str {
        match self {
            Role::Viewer => "查看",
            Role::Reviewer => "审查员",
            Role::Inspector => "巡查员",
            Role::Admin => "管理员",
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
    /// What the holder may do.
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
    /// The homestead rules (`[homestead]`); no area limit when absent.
    pub homestead: Homestead,
    /// The review's tolerances (`[tolerances]`); the defaults when absent.
    pub tolerances: Tolerances,
    /// The area of work (`[area_of_work]`): a parcel with a point outside it is `invalid`;
    /// `None` = no such check.
    pub area_of_work: Option<AreaOfWork>,
    /// Overrides of the land-class category table: class code (e.g. `1104`) → 农用地/建设用地/未利用地.
    pub land_class_categories: BTreeMap<String, String>,
    /// Every `[[layer]]`, in file order.
    pub layers: Vec<LayerConfig>,
    /// The Green Shield settings (`[inspection]`), the ledger path resolved against the config
    /// file's folder; the defaults when absent.
    pub inspection: Inspection,
    /// Bearer tokens of the HTTP service (`[[token]]`).
    pub tokens: Vec<TokenConfig>,
    /// The web application's settings (`[web]`); no basemap when absent.
    pub web: WebSettings,
}

/// The web application's settings (`[web]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// A raster basemap as an XYZ URL template (`{z}`, `{x}`, `{y}`), e.g. 天地图 with its key.
    /// Off by default: the map is drawn from the counties, reserves and layers alone, and the
    /// page fetches nothing from another host unless this names one.
    pub basemap: Option<String>,
    /// The basemap's attribution (shown on the map).
    pub basemap_attribution: Option<String>,
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
    #[serde(default)]
    web: WebSettings,
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

/// A project file that cannot be used. The message names the file, the line and the key
/// path: `project.toml:20: layer[3].rule: …` (layers counted from 1).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value or a key is wrong.
    #[error("{}", crate::error::located(.file, *.line, 0, &format!("{}: {}", .key, .message)))]
    Invalid {
        /// The project file.
        file: PathBuf,
        /// 1-based line; 0 = unknown.
        line: usize,
        /// The key path (`working_crs`, `layer[3].rule`, `homestead.max_area_m2`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The project file cannot be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The project file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    /// A project file is the user's to fix; a read failure of it too (it names the file).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// Result with [`ConfigError`].
pub type ConfigResult<T> = std::result::Result<T, ConfigError>;

/// The 1-based line of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The key path of the 1-based `line` of a TOML text: the table it lies in (`layer[2]` for the
/// second `[[layer]]`, `homestead` for `[homestead]`) and the key written on that line.
fn key_path_at(text: &str, line: usize) -> String {
    let mut table = String::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut key = String::new();
    for (i, l) in text.lines().enumerate().take(line.max(1)) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_default();
            *n += 1;
            table = format!("{name}[{n}]");
            key.clear();
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_string();
            key.clear();
        } else if i + 1 == line {
            key = t
                .split_once('=')
                .map(|(k, _)| k.trim().trim_matches('"').to_string())
                .unwrap_or_default();
        }
    }
    match (table.is_empty(), key.is_empty()) {
        (true, true) => "(file)".to_string(),
        (true, false) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

impl Config {
    /// Read and check a config file.
    pub fn load(path: &Path) -> ConfigResult<Config> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::Invalid {
            file: path.to_path_buf(),
            line: 0,
            key: "(file)".into(),
            message: format!("配置文件不是 UTF-8 (not UTF-8): {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parse config text; `file` is the config's path (layer paths resolve against its folder).
    pub fn parse(text: &str, file: &Path) -> ConfigResult<Config> {
        let err = |line: usize, key: String, message: String| ConfigError::Invalid {
            file: file.to_path_buf(),
            line,
            key,
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            err(
                line,
                key_path_at(text, line),
                e.message().trim().to_string(),
            )
        })?;
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        let working_crs = crate::crs::normalize(raw.working_crs.get_ref());
        if working_crs.is_empty() {
            return Err(err(
                line_of(text, raw.working_crs.span().start),
                "working_crs".into(),
                "不能为空 (must name a planar CRS, e.g. EPSG:4527)".into(),
            ));
        }
        if let Some(max) = raw.homestead.max_area_m2 {
            if !(max.is_finite() && max > 0.0) {
                return Err(err(
                    find_key_line(text, "max_area_m2"),
                    "homestead.max_area_m2".into(),
                    format!("必须为正数 (must be positive), got {max}"),
                ));
            }
        }
        let mut categories = BTreeMap::new();
        for (code, cat) in &raw.land_class_categories {
            let c = cat.get_ref().as_str();
            if !matches!(c, "农用地" | "建设用地" | "未利用地") {
                return Err(err(
                    line_of(text, cat.span().start),
                    format!("land_class_categories.{code}"),
                    format!("必须是 农用地/建设用地/未利用地, got {c:?}"),
                ));
            }
            categories.insert(code.clone(), c.to_string());
        }
        let mut layers: Vec<LayerConfig> = Vec::new();
        for (index, spanned) in raw.layers.into_iter().enumerate() {
            let at = format!("layer[{}]", index + 1);
            let line = line_of(text, spanned.span().start);
            let l = spanned.into_inner();
            let name = l.name.get_ref().trim().to_string();
            let name_line = line_of(text, l.name.span().start);
            if name.is_empty() {
                return Err(err(
                    name_line,
                    format!("{at}.name"),
                    "不能为空 (must not be empty)".into(),
                ));
            }
            if layers.iter().any(|o| o.name == name) {
                return Err(err(
                    name_line,
                    format!("{at}.name"),
                    format!("图层名称重复 (duplicate layer name) {name:?}"),
                ));
            }
            let rule_line = line_of(text, l.rule.span().start);
            let rule = l
                .rule_settings(*l.rule.get_ref())
                .map_err(|(key, message)| err(rule_line, format!("{at}.{key}"), message))?;
            let rel = l.path.get_ref();
            if rel.trim().is_empty() {
                return Err(err(
                    line_of(text, l.path.span().start),
                    format!("{at}.path"),
                    "不能为空 (must not be empty)".into(),
                ));
            }
            let path = dir.join(rel);
            if !path.exists() {
                return Err(err(
                    line_of(text, l.path.span().start),
                    format!("{at}.path"),
                    format!("文件不存在 (file not found) {}", path.display()),
                ));
            }
            if let Some(c) = &l.crs {
                if c.get_ref().trim().is_empty() {
                    return Err(err(
                        line_of(text, c.span().start),
                        format!("{at}.crs"),
                        "不能为空 (must not be empty)".into(),
                    ));
                }
            }
            layers.push(LayerConfig {
                name,
                path,
                rule,
                id_field: l.id_field,
                crs: l.crs.map(|c| crate::crs::normalize(c.get_ref())),
                line,
            });
        }
        let mut tokens: Vec<TokenConfig> = Vec::new();
        for (index, spanned) in raw.tokens.into_iter().enumerate() {
            let at = format!("token[{}]", index + 1);
            let line = line_of(text, spanned.span().start);
            let mut t = spanned.into_inner();
            t.name = t.name.trim().to_string();
            t.sha256 = t.sha256.trim().to_ascii_lowercase();
            if t.name.is_empty() {
                return Err(err(
                    line,
                    format!("{at}.name"),
                    "不能为空 (must not be empty)".into(),
                ));
            }
            if tokens.iter().any(|o| o.name == t.name) {
                return Err(err(
                    line,
                    format!("{at}.name"),
                    format!("令牌名称重复 (duplicate token name) {:?}", t.name),
                ));
            }
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err(
                    line,
                    format!("{at}.sha256"),
                    format!(
                        "须为 64 位十六进制 (must be the sha256 of the token, 64 hex digits) for {:?}",
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
        let web = raw.web;
        if let Some(b) = &web.basemap {
            let ok = (b.starts_with("http://") || b.starts_with("https://"))
                && ["{z}", "{x}", "{y}"].iter().all(|p| b.contains(p));
            if !ok {
                return Err(err(
                    0,
                    "web.basemap".into(),
                    format!(
                        "应为含 {{z}} {{x}} {{y}} 的 http(s) 地址 (must be an http(s) URL template with {{z}}, {{x}} and {{y}}): {b:?}"
                    ),
                ));
            }
        }
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
            web,
        })
    }

    /// The layers that take part in the parcel review.
    pub fn review_layers(&self) -> impl Iterator<Item = &LayerConfig> {
        self.layers.iter().filter(|l| l.rule.is_review_rule())
    }
}

impl RawLayer {
    /// The rule with its settings; `Err((key, message))` when a setting the rule needs is
    /// missing or a setting of another rule is given.
    fn rule_settings(&self, rule: Rule) -> std::result::Result<LayerRule, (String, String)> {
        let name = self.name.get_ref().trim();
        let required = |key: &str| {
            (
                key.to_string(),
                format!(
                    "规则 {} 需要此项 (required for rule {:?} of layer {name:?})",
                    rule.as_str(),
                    rule.as_str()
                ),
            )
        };
        let given: [(&str, bool); 10] = [
            ("class_field", self.class_field.is_some()),
            ("reserve_field", self.reserve_field.is_some()),
            ("zone_field", self.zone_field.is_some()),
            ("level_field", self.level_field.is_some()),
            ("type_field", self.type_field.is_some()),
            ("zone", self.zone.is_some()),
            ("reserve", self.reserve.is_some()),
            ("level", self.level.is_some()),
            ("code_field", self.code_field.is_some()),
            ("name_field", self.name_field.is_some()),
        ];
        let allowed: &[&str] = match rule {
            Rule::Classify => &["class_field"],
            Rule::ReserveZones => &[
                "reserve_field",
                "zone_field",
                "level_field",
                "type_field",
                "zone",
                "reserve",
                "level",
            ],
            Rule::County => &["code_field", "name_field"],
            _ => &[],
        };
        if let Some((key, _)) = given.iter().find(|(k, set)| *set && !allowed.contains(k)) {
            return Err((
                (*key).to_string(),
                format!(
                    "规则 {} 不使用此项 (not a setting of rule {:?}; layer {name:?})",
                    rule.as_str(),
                    rule.as_str()
                ),
            ));
        }
        let attribute = |field: &Option<String>, constant: &Option<String>| Attribute {
            field: field.clone(),
            constant: constant.clone(),
        };
        Ok(match rule {
            Rule::Forbid => LayerRule::Forbid,
            Rule::Avoid => LayerRule::Avoid,
            Rule::Within => LayerRule::Within,
            Rule::ExistingHomestead => LayerRule::ExistingHomestead,
            Rule::Classify => LayerRule::Classify {
                class_field: self
                    .class_field
                    .clone()
                    .ok_or_else(|| required("class_field"))?,
            },
            Rule::ReserveZones => {
                if self.zone_field.is_none() && self.zone.is_none() {
                    return Err(required("zone_field"));
                }
                if self.reserve_field.is_none() && self.reserve.is_none() {
                    return Err(required("reserve_field"));
                }
                LayerRule::ReserveZones(ReserveFields {
                    reserve: attribute(&self.reserve_field, &self.reserve),
                    zone: attribute(&self.zone_field, &self.zone),
                    level: attribute(&self.level_field, &self.level),
                    kind_field: self.type_field.clone(),
                })
            }
            Rule::County => LayerRule::County {
                code_field: self
                    .code_field
                    .clone()
                    .ok_or_else(|| required("code_field"))?,
                name_field: self
                    .name_field
                    .clone()
                    .ok_or_else(|| required("name_field"))?,
            },
        })
    }
}

/// The line of the first `key =` in `text` (for errors found after parsing), 0 if absent.
fn find_key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(key) && t[key.len()..].trim_start().starts_with('=')
        })
        .map_or(0, |i| i + 1)
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
        assert_eq!(c.layers[0].rule, LayerRule::Forbid);
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
        // (body after the working_crs line, line, the key path and words the message names)
        let cases: &[(&str, usize, &str)] = &[
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"forbidd\"\n", 5, "layer[1].rule: unknown variant `forbidd`"),
            ("[[layer]]\nname = \"a\"\npath = \"missing.shp\"\nrule = \"forbid\"\n", 4, "layer[1].path: 文件不存在"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"classify\"\n", 5, "layer[1].class_field: 规则 classify 需要此项"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"forbid\"\nclass_field = \"DLBM\"\n", 5, "layer[1].class_field: 规则 forbid 不使用此项"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"county\"\ncode_field = \"XZQDM\"\n", 5, "layer[1].name_field: 规则 county 需要此项"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"reserve_zones\"\nzone = \"核心区\"\n", 5, "layer[1].reserve_field"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"forbid\"\n[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"avoid\"\n", 7, "layer[2].name: 图层名称重复 (duplicate"),
            ("[[layer]]\nname = \"a\"\npath = \"f.geojson\"\nrule = \"forbid\"\n[[layer]]\nname = \"b\"\npath = \"f.geojson\"\nrule = \"avoid\"\nclass = 1\n", 10, "layer[2].class: unknown field `class`"),
            ("[homestead]\nmax_area_m2 = -5.0\n", 3, "homestead.max_area_m2: 必须为正数"),
            ("[homestead]\nmax_area = 5.0\n", 3, "homestead.max_area: unknown field `max_area`"),
            ("[land_class_categories]\n\"1104\" = \"农地\"\n", 3, "land_class_categories.1104"),
            ("[[token]]\nname = \"a\"\nsha256 = \"abc\"\nrole = \"admin\"\n", 2, "token[1].sha256"),
            ("[[token]]\nname = \"a\"\nsha256 = \"abc\"\nrole = \"root\"\n", 5, "token[1].role: unknown variant `root`"),
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
