//! Functional zones of protected areas, in both schemes, with the Chinese values normalised.

use serde::Serialize;

/// A functional zone (功能分区).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// 核心区
    Core,
    /// 缓冲区
    Buffer,
    /// 实验区
    Experimental,
    /// 核心保护区 (2026 scheme)
    CoreProtection,
    /// 一般控制区 (2026 scheme)
    GeneralControl,
}

impl Zone {
    /// Parse a zone value as written in layers: Chinese names with or without 区, English names,
    /// surrounding spaces and full-width brackets ignored.
    pub fn parse(text: &str) -> Option<Zone> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '（' | '）' | '(' | ')'))
            .collect::<String>()
            .to_lowercase();
        let z = match t.as_str() {
            "核心区" | "核心" | "core" => Zone::Core,
            "缓冲区" | "缓冲" | "buffer" => Zone::Buffer,
            "实验区" | "实验" | "试验区" | "experimental" => Zone::Experimental,
            "核心保护区" | "核心保护" | "core_protection" => Zone::CoreProtection,
            "一般控制区" | "一般控制" | "general_control" => Zone::GeneralControl,
            _ => return None,
        };
        Some(z)
    }

    /// The API name (`core`, `buffer`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Core => "core",
            Zone::Buffer => "buffer",
            Zone::Experimental => "experimental",
            Zone::CoreProtection => "core_protection",
            Zone::GeneralControl => "general_control",
        }
    }

    /// The Chinese label.
    pub fn label_cn(self) -> &'static str {
        match self {
            Zone::Core => "核心区",
            Zone::Buffer => "缓冲区",
            Zone::Experimental => "实验区",
            Zone::CoreProtection => "核心保护区",
            Zone::GeneralControl => "一般控制区",
        }
    }

    /// How restrictive the zone is: where zones overlap the highest rank wins.
    /// core = core protection (3) > buffer (2) > general control = experimental (1).
    pub fn rank(self) -> u8 {
        match self {
            Zone::Core | Zone::CoreProtection => 3,
            Zone::Buffer => 2,
            Zone::Experimental | Zone::GeneralControl => 1,
        }
    }

    /// Core or buffer for the focus rules (核心区缓冲区); core protection counts as core.
    pub fn is_core_or_buffer(self) -> bool {
        matches!(self, Zone::Core | Zone::Buffer | Zone::CoreProtection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_values_normalise() {
        let table = [
            ("核心区", Some(Zone::Core)),
            (" 核心 ", Some(Zone::Core)),
            ("缓冲区", Some(Zone::Buffer)),
            ("实验区", Some(Zone::Experimental)),
            ("试验区", Some(Zone::Experimental)),
            ("核心保护区", Some(Zone::CoreProtection)),
            ("一般控制区", Some(Zone::GeneralControl)),
            ("Buffer", Some(Zone::Buffer)),
            ("外围", None),
        ];
        for (t, want) in table {
            assert_eq!(Zone::parse(t), want, "{t}");
        }
        assert!(Zone::Core.rank() > Zone::Buffer.rank());
        assert!(Zone::Buffer.rank() > Zone::Experimental.rank());
        assert!(Zone::CoreProtection.rank() > Zone::GeneralControl.rank());
    }
}
