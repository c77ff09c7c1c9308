//! Area units as Chinese land files write them: 平方米, 亩, 公顷, 平方公里 — one table for the
//! survey files and the clue lists.

/// 1 亩 in m² (10 000 / 15).
pub const MU_M2: f64 = 10_000.0 / 15.0;
/// 1 公顷 in m².
pub const HECTARE_M2: f64 = 10_000.0;

/// A unit of area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaUnit {
    /// 平方米 (m²).
    M2,
    /// 亩 (10 000 / 15 m²).
    Mu,
    /// 公顷 (ha, 10 000 m²).
    Ha,
    /// 平方公里 (km²).
    Km2,
}

impl AreaUnit {
    /// m² per unit. 1 亩 = 10 000 / 15 m²; 1 公顷 = 10 000 m².
    pub fn factor(self) -> f64 {
        match self {
            AreaUnit::M2 => 1.0,
            AreaUnit::Mu => MU_M2,
            AreaUnit::Ha => HECTARE_M2,
            AreaUnit::Km2 => 1_000_000.0,
        }
    }

    /// A unit named in `text` (a normalised header or the tail of a cell).
    pub fn find(text: &str) -> Option<AreaUnit> {
        if text.contains("平方公里") || text.contains("平方千米") || text.contains("km") {
            return Some(AreaUnit::Km2);
        }
        if text.contains('亩') {
            return Some(AreaUnit::Mu);
        }
        if text.contains("公顷") {
            return Some(AreaUnit::Ha);
        }
        if text.contains("平方米")
            || text.contains('㎡')
            || text.contains("m2")
            || text.contains("m²")
        {
            // `hm2` / `hm²` are hectares.
            if text.contains("hm2") || text.contains("hm²") {
                return Some(AreaUnit::Ha);
            }
            return Some(AreaUnit::M2);
        }
        let tokens = text.split(|c: char| !c.is_ascii_alphanumeric());
        for tok in tokens {
            match tok {
                "ha" | "hm" => return Some(AreaUnit::Ha),
                "mu" => return Some(AreaUnit::Mu),
                "m" | "sqm" => return Some(AreaUnit::M2),
                _ => {}
            }
        }
        None
    }
}

impl AreaUnit {
    /// The unit an area text of a survey file ends with, written exactly (`公顷`, `ha`, `平方米`,
    /// `m²`, `亩` …, any case); `None` for anything else.
    pub fn named(unit: &str) -> Option<AreaUnit> {
        match unit.trim().to_lowercase().as_str() {
            "公顷" | "ha" | "hm2" | "hm²" | "顷" => Some(AreaUnit::Ha),
            "平方米" | "m2" | "m²" | "㎡" | "平米" | "米2" => Some(AreaUnit::M2),
            "亩" | "mu" => Some(AreaUnit::Mu),
            "平方公里" | "km2" | "km²" => Some(AreaUnit::Km2),
            _ => None,
        }
    }
}
