//! Land-use classes of the Third National Land Survey (三调) and their 农用地/建设用地/未利用地 category.
//!
//! The land-use layer's DLBM field carries codes such as `0103` (旱地), `05H1`, `0103K`
//! (旱地, 可调整) or `1104A` (养殖坑塘). Conversion files report three totals: 农用地
//! (agricultural, of which 耕地 = cultivated land, codes 01xx), 建设用地 (construction) and
//! 未利用地 (unused). [`LandClassTable`] holds the default mapping of DOMAIN §1.5 and the
//! county's overrides from configuration.
//!
//! **Unknown codes** (not in the 三调 working classification): [`LandClassTable::lookup`]
//! returns `known: false` so the caller can report the code, and counts the area as
//! 农用地 unless an override covers the code or its two-digit group. Counting unknown land as
//! agricultural is the conservative choice for this review: the conversion of agricultural land
//! is what must be approved, so an unidentified class is never silently treated as already built
//! or as unused land.

use std::collections::BTreeMap;

/// The three totals of a conversion file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// 农用地
    Agricultural,
    /// 建设用地
    Construction,
    /// 未利用地
    Unused,
}

impl Category {
    /// The Chinese label used in reports and configuration.
    pub fn label_cn(self) -> &'static str {
        match self {
            Category::Agricultural => "农用地",
            Category::Construction => "建设用地",
            Category::Unused => "未利用地",
        }
    }

    /// Parse a configuration label: `农用地`, `建设用地`, `未利用地` (surrounding spaces ignored).
    pub fn from_label(label: &str) -> Option<Category> {
        match label.trim() {
            "农用地" => Some(Category::Agricultural),
            "建设用地" => Some(Category::Construction),
            "未利用地" => Some(Category::Unused),
            _ => None,
        }
    }
}

use Category::{Agricultural as Ag, Construction as Co, Unused as Un};

/// The 三调 working classification (DOMAIN §1.5): code, name, default category.
/// Names of 05H1, 08H1 and 08H2 are those of the 三调 工作分类 (DOMAIN lists the codes only).
const CLASSES: &[(&str, &str, Category)] = &[
    // 00 湿地 (wetlands, spread over other groups' codes)
    ("0303", "红树林地", Ag),
    ("0304", "森林沼泽", Ag),
    ("0306", "灌丛沼泽", Ag),
    ("0402", "沼泽草地", Ag),
    ("0603", "盐田", Co),
    ("1105", "沿海滩涂", Un),
    ("1106", "内陆滩涂", Un),
    ("1108", "沼泽地", Un),
    // 01 耕地
    ("0101", "水田", Ag),
    ("0102", "水浇地", Ag),
    ("0103", "旱地", Ag),
    // 02 种植园用地
    ("0201", "果园", Ag),
    ("0202", "茶园", Ag),
    ("0203", "橡胶园", Ag),
    ("0204", "其他园地", Ag),
    // 03 林地
    ("0301", "乔木林地", Ag),
    ("0302", "竹林地", Ag),
    ("0305", "灌木林地", Ag),
    ("0307", "其他林地", Ag),
    // 04 草地
    ("0401", "天然牧草地", Ag),
    ("0403", "人工牧草地", Ag),
    ("0404", "其他草地", Un),
    // 05 商业服务业用地
    ("05H1", "商业服务业设施用地", Co),
    ("0508", "物流仓储用地", Co),
    // 06 工矿用地
    ("0601", "工业用地", Co),
    ("0602", "采矿用地", Co),
    // 07 住宅用地
    ("0701", "城镇住宅用地", Co),
    ("0702", "农村宅基地", Co),
    // 08 公共管理与公共服务用地
    ("08H1", "机关团体新闻出版用地", Co),
    ("08H2", "科教文卫用地", Co),
    ("0809", "公用设施用地", Co),
    ("0810", "公园与绿地", Co),
    // 09 特殊用地
    ("09", "特殊用地", Co),
    // 10 交通运输用地
    ("1001", "铁路用地", Co),
    ("1002", "轨道交通用地", Co),
    ("1003", "公路用地", Co),
    ("1004", "城镇村道路用地", Co),
    ("1005", "交通服务场站用地", Co),
    ("1006", "农村道路", Ag),
    ("1007", "机场用地", Co),
    ("1008", "港口码头用地", Co),
    ("1009", "管道运输用地", Co),
    // 11 水域及水利设施用地
    ("1101", "河流水面", Un),
    ("1102", "湖泊水面", Un),
    ("1103", "水库水面", Co),
    ("1104", "坑塘水面", Ag),
    ("1107", "沟渠", Ag),
    ("1109", "水工建筑用地", Co),
    ("1110", "冰川及永久积雪", Un),
    // 12 其他土地
    ("1201", "空闲地", Co),
    ("1202", "设施农用地", Ag),
    ("1203", "田坎", Ag),
    ("1204", "盐碱地", Un),
    ("1205", "沙地", Un),
    ("1206", "裸土地", Un),
    ("1207", "裸岩石砾地", Un),
];

/// Suffixed codes with a name of their own (the category is the base code's).
const NAMED_SUFFIXED: &[(&str, &str)] = &[("1104A", "养殖坑塘"), ("1107A", "干渠")];

/// Every code of the default table, in table order.
pub fn known_codes() -> impl Iterator<Item = &'static str> {
    CLASSES.iter().map(|c| c.0)
}

/// One class code as looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LandClass {
    /// The code as given, trimmed.
    pub code: String,
    /// The base code without the `K`/`A` flag, upper case (`0103K` → `0103`).
    pub base: String,
    /// The flag: `K` (可调整) or `A`.
    pub flag: Option<char>,
    /// Chinese name, e.g. `旱地`, `旱地(可调整)`, `养殖坑塘`; `未知地类` for an unknown code.
    pub name: String,
    /// Its total (农用地, 建设用地, 未利用地): the county's override, else the default table, else
    /// 农用地 (an unknown code).
    pub category: Category,
    /// 耕地: the base code is in group 01.
    pub cultivated: bool,
    /// Whether the base code is in the 三调 working classification.
    pub known: bool,
}

/// The default class table with the county's category overrides.
#[derive(Clone, Debug, Default)]
pub struct LandClassTable {
    /// Override key (code or two-digit group, upper case) → category.
    overrides: BTreeMap<String, Category>,
}

impl LandClassTable {
    /// Build the table. `overrides` maps a code (`1104`, `1104A`) or a two-digit group (`11`)
    /// to `农用地`/`建设用地`/`未利用地` (the configuration loader has already checked the
    /// labels; an entry with any other label is ignored). Precedence: the full code as given,
    /// then the base code, then the group, then the default table.
    pub fn new(overrides: &BTreeMap<String, String>) -> Self {
        LandClassTable {
            overrides: overrides
                .iter()
                .filter_map(|(k, v)| Some((k.trim().to_uppercase(), Category::from_label(v)?)))
                .collect(),
        }
    }

    /// Look up a class code (surrounding spaces and letter case ignored).
    ///
    /// ```
    /// use redline_core::review::land_class::{Category, LandClassTable};
    /// let t = LandClassTable::default();
    /// let c = t.lookup(" 0103K");
    /// assert_eq!((c.base.as_str(), c.name.as_str()), ("0103", "旱地(可调整)"));
    /// assert!(c.cultivated && c.known && c.category == Category::Agricultural);
    /// ```
    pub fn lookup(&self, code: &str) -> LandClass {
        let code = code.trim();
        let upper = code.to_uppercase();
        let find = |c: &str| CLASSES.iter().find(|e| e.0 == c);
        let (base, flag) = match find(&upper) {
            Some(_) => (upper.clone(), None),
            None => match upper.strip_suffix(['K', 'A']) {
                Some(b) if b.len() >= 2 => (b.to_string(), upper.chars().last()),
                _ => (upper.clone(), None),
            },
        };
        let entry = find(&base);
        let name = match (entry, flag) {
            (None, _) => "未知地类".to_string(),
            (Some(e), Some('K')) => format!("{}(可调整)", e.1),
            (Some(e), _) => NAMED_SUFFIXED
                .iter()
                .find(|s| s.0 == upper)
                .map_or(e.1, |s| s.1)
                .to_string(),
        };
        let group = base.get(..2).unwrap_or(&base);
        let category = [upper.as_str(), base.as_str(), group]
            .iter()
            .find_map(|k| self.overrides.get(*k).copied())
            .or(entry.map(|e| e.2))
            .unwrap_or(Category::Agricultural);
        LandClass {
            code: code.to_string(),
            cultivated: base.starts_with("01"),
            known: entry.is_some(),
            base,
            flag,
            name,
            category,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of DOMAIN §1.5 with the category its default mapping gives, written out
    /// from the text independently of `CLASSES`:
    /// 农用地 = 01, 02, 03 (incl. 0303/0304/0306), 04 except 0404 (incl. 0402), 1006, 1104,
    /// 1107, 1202, 1203; 建设用地 = 05–10 except 1006 (incl. 0603), 1103, 1109, 1201;
    /// 未利用地 = 0404, 1101, 1102, 1105, 1106, 1108, 1110, 1204–1207.
    const DOMAIN_CODES: &[(&str, &str, &str)] = &[
        ("0303", "红树林地", "农用地"),
        ("0304", "森林沼泽", "农用地"),
        ("0306", "灌丛沼泽", "农用地"),
        ("0402", "沼泽草地", "农用地"),
        ("0603", "盐田", "建设用地"),
        ("1105", "沿海滩涂", "未利用地"),
        ("1106", "内陆滩涂", "未利用地"),
        ("1108", "沼泽地", "未利用地"),
        ("0101", "水田", "农用地"),
        ("0102", "水浇地", "农用地"),
        ("0103", "旱地", "农用地"),
        ("0201", "果园", "农用地"),
        ("0202", "茶园", "农用地"),
        ("0203", "橡胶园", "农用地"),
        ("0204", "其他园地", "农用地"),
        ("0301", "乔木林地", "农用地"),
        ("0302", "竹林地", "农用地"),
        ("0305", "灌木林地", "农用地"),
        ("0307", "其他林地", "农用地"),
        ("0401", "天然牧草地", "农用地"),
        ("0403", "人工牧草地", "农用地"),
        ("0404", "其他草地", "未利用地"),
        ("05H1", "", "建设用地"),
        ("0508", "物流仓储用地", "建设用地"),
        ("0601", "工业用地", "建设用地"),
        ("0602", "采矿用地", "建设用地"),
        ("0701", "城镇住宅用地", "建设用地"),
        ("0702", "农村宅基地", "建设用地"),
        ("08H1", "", "建设用地"),
        ("08H2", "", "建设用地"),
        ("0809", "公用设施用地", "建设用地"),
        ("0810", "公园与绿地", "建设用地"),
        ("09", "特殊用地", "建设用地"),
        ("1001", "铁路", "建设用地"),
        ("1002", "轨道交通", "建设用地"),
        ("1003", "公路", "建设用地"),
        ("1004", "城镇村道路", "建设用地"),
        ("1005", "交通服务场站", "建设用地"),
        ("1006", "农村道路", "农用地"),
        ("1007", "机场", "建设用地"),
        ("1008", "港口码头", "建设用地"),
        ("1009", "管道运输", "建设用地"),
        ("1101", "河流水面", "未利用地"),
        ("1102", "湖泊水面", "未利用地"),
        ("1103", "水库水面", "建设用地"),
        ("1104", "坑塘水面", "农用地"),
        ("1107", "沟渠", "农用地"),
        ("1109", "水工建筑用地", "建设用地"),
        ("1110", "冰川及永久积雪", "未利用地"),
        ("1201", "空闲地", "建设用地"),
        ("1202", "设施农用地", "农用地"),
        ("1203", "田坎", "农用地"),
        ("1204", "盐碱地", "未利用地"),
        ("1205", "沙地", "未利用地"),
        ("1206", "裸土地", "未利用地"),
        ("1207", "裸岩石砾地", "未利用地"),
    ];

    #[test]
    fn every_domain_code_has_its_default_category() {
        let t = LandClassTable::default();
        for &(code, name, cat) in DOMAIN_CODES {
            let c = t.lookup(code);
            assert!(c.known, "{code}");
            assert_eq!(c.category.label_cn(), cat, "{code}");
            // DOMAIN names 10xx without 用地 for a few; compare the stem.
            assert!(
                c.name.starts_with(name.trim_end_matches("用地")),
                "{code} {}",
                c.name
            );
            assert_eq!(c.cultivated, code.starts_with("01"), "{code}");
            assert_eq!((c.base.as_str(), c.flag), (code, None));
        }
        assert_eq!(known_codes().count(), DOMAIN_CODES.len());
        let cultivated: Vec<&str> = known_codes().filter(|c| t.lookup(c).cultivated).collect();
        assert_eq!(cultivated, vec!["0101", "0102", "0103"]);
    }

    #[test]
    fn suffixes() {
        let t = LandClassTable::default();
        let cases = [
            (
                "0103K",
                "0103",
                Some('K'),
                "旱地(可调整)",
                Category::Agricultural,
                true,
            ),
            (
                "0201K",
                "0201",
                Some('K'),
                "果园(可调整)",
                Category::Agricultural,
                false,
            ),
            (
                "0301K",
                "0301",
                Some('K'),
                "乔木林地(可调整)",
                Category::Agricultural,
                false,
            ),
            (
                "1104K",
                "1104",
                Some('K'),
                "坑塘水面(可调整)",
                Category::Agricultural,
                false,
            ),
            (
                "1104A",
                "1104",
                Some('A'),
                "养殖坑塘",
                Category::Agricultural,
                false,
            ),
            (
                "1107A",
                "1107",
                Some('A'),
                "干渠",
                Category::Agricultural,
                false,
            ),
            (
                "08H2A",
                "08H2",
                Some('A'),
                "科教文卫用地",
                Category::Construction,
                false,
            ),
            (
                " 0103k ",
                "0103",
                Some('K'),
                "旱地(可调整)",
                Category::Agricultural,
                true,
            ),
            (
                "05h1",
                "05H1",
                None,
                "商业服务业设施用地",
                Category::Construction,
                false,
            ),
        ];
        for (code, base, flag, name, cat, cult) in cases {
            let c = t.lookup(code);
            assert_eq!(c.code, code.trim());
            assert_eq!(
                (
                    c.base.as_str(),
                    c.flag,
                    c.name.as_str(),
                    c.category,
                    c.cultivated,
                    c.known
                ),
                (base, flag, name, cat, cult, true),
                "{code}"
            );
        }
    }

    #[test]
    fn unknown_codes_are_flagged_and_counted_as_agricultural() {
        let t = LandClassTable::default();
        for (code, cultivated) in [("0199", true), ("1301", false), ("", false), ("XYZ", false)] {
            let c = t.lookup(code);
            assert!(!c.known, "{code}");
            assert_eq!(c.name, "未知地类");
            assert_eq!(c.category, Category::Agricultural, "{code}");
            assert_eq!(c.cultivated, cultivated, "{code}");
        }
        let k = t.lookup("0199K");
        assert_eq!(
            (k.base.as_str(), k.flag, k.known),
            ("0199", Some('K'), false)
        );
    }

    #[test]
    fn overrides_by_code_group_and_precedence() {
        let map: BTreeMap<String, String> = [
            ("1104", "建设用地"),
            ("11", "未利用地"),
            ("1107a", " 建设用地 "),
            ("13", "建设用地"),
            ("0702", "not a label"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let t = LandClassTable::new(&map);
        let cat = |c: &str| t.lookup(c).category;
        assert_eq!(cat("1104"), Category::Construction); // code beats group
        assert_eq!(cat("1104K"), Category::Construction); // base code
        assert_eq!(cat("1107"), Category::Unused); // group beats default
        assert_eq!(cat("1107A"), Category::Construction); // full code beats group
        assert_eq!(cat("1103"), Category::Unused);
        assert_eq!(cat("1301"), Category::Construction); // unknown code, group override
        assert!(!t.lookup("1301").known);
        assert_eq!(cat("0702"), Category::Construction); // invalid label ignored
        assert_eq!(cat("0103"), Category::Agricultural); // untouched
    }

    #[test]
    fn labels_round_trip() {
        for c in [
            Category::Agricultural,
            Category::Construction,
            Category::Unused,
        ] {
            assert_eq!(Category::from_label(c.label_cn()), Some(c));
        }
        assert_eq!(Category::from_label("农地"), None);
    }
}
