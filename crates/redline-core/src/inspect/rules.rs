//! The notice's rules (景环生态监测字〔2020〕158号): focus issues and responsible departments.
//!
//! Focus issues, from the notice's own words:
//! * **Four types (四类焦点问题)**, in national and provincial reserves: quarrying and sand mining
//!   (采石采砂) and industrial and mining land (工矿用地) anywhere in the reserve; tourism facilities
//!   and hydropower facilities in the core or buffer zone (核心区缓冲区旅游设施和水电设施).
//! * **Eight types (八类焦点问题)**, in Yangtze-belt reserves of provincial level or above, arising
//!   after the reserve was set up: mining (采矿/采石), sand mining (采砂), docks (码头), industrial
//!   and mining enterprises (工矿企业), occupation of river or lake shoreline (挤占河湖岸线),
//!   occupation of wetland (侵占湿地), and tourism and hydropower development in the core or buffer
//!   zone. Whether the activity arose after the reserve was set up is not in the clue lists: the
//!   reason says it must be verified.
//!
//! Activity types are matched by keywords in the clue's 活动类型 text. `能源开发` is treated as
//! hydropower, because the ministry's lists file hydropower under it; it is flagged for
//! verification, never dropped.

use crate::inspect::zone::Zone;

/// What an activity text is about (a clue may be several).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Mining and quarrying (采矿, 采石): the text names 矿产, 采矿, 采石, 矿山 or 开矿.
    Mining,
    /// Sand mining (采砂): 采砂, 挖砂 or 河砂.
    SandMining,
    /// Industry and mining enterprises (工矿企业): 工业, 工矿, 企业 or 厂.
    Industrial,
    /// Docks and ports (码头): 码头 or 港口.
    Dock,
    /// Occupation of river or lake shoreline (挤占河湖岸线): 岸线.
    Shoreline,
    /// Occupation of wetland (侵占湿地): 湿地.
    Wetland,
    /// Tourism facilities (旅游设施): 旅游, 景区 or 度假.
    Tourism,
    /// Hydropower facilities (水电设施; also 能源开发): 水电, 电站, 能源 or 水力.
    Hydropower,
    /// Transport (交通): 交通, 道路, 公路 or 铁路.
    Transport,
    /// Farming, aquaculture and villages (农业, 养殖, 居民): 养殖, 农业, 居民, 村 or 种植.
    Rural,
    /// None of the keywords above.
    Other,
}

/// The activities an activity text names.
pub fn activities(text: &str) -> Vec<Activity> {
    let t = text.trim();
    let mut v = Vec::new();
    let has = |k: &[&str]| k.iter().any(|k| t.contains(k));
    if has(&["矿产", "采矿", "采石", "矿山", "开矿"]) {
        v.push(Activity::Mining);
    }
    if has(&["采砂", "挖砂", "河砂"]) {
        v.push(Activity::SandMining);
    }
    if has(&["工业", "工矿", "企业", "厂"]) {
        v.push(Activity::Industrial);
    }
    if has(&["码头", "港口"]) {
        v.push(Activity::Dock);
    }
    if has(&["岸线"]) {
        v.push(Activity::Shoreline);
    }
    if has(&["湿地"]) {
        v.push(Activity::Wetland);
    }
    if has(&["旅游", "景区", "度假"]) {
        v.push(Activity::Tourism);
    }
    if has(&["水电", "电站", "能源", "水力"]) {
        v.push(Activity::Hydropower);
    }
    if has(&["交通", "道路", "公路", "铁路"]) {
        v.push(Activity::Transport);
    }
    if has(&["养殖", "农业", "居民", "村", "种植"]) {
        v.push(Activity::Rural);
    }
    if v.is_empty() {
        v.push(Activity::Other);
    }
    v
}

/// Is the reserve level national or provincial (省级及以上)?
pub fn is_provincial_or_above(level: &str) -> bool {
    let l = level.trim();
    l.contains("国家") || l.contains("省")
}

/// The focus reasons that fire for a clue (empty when it is not a focus issue).
pub fn focus_reasons(
    activity: &str,
    level: Option<&str>,
    zone: Option<Zone>,
    yangtze: bool,
) -> Vec<String> {
    let (Some(level), Some(zone)) = (level, zone) else {
        return Vec::new();
    };
    if !is_provincial_or_above(level) {
        return Vec::new();
    }
    let acts = activities(activity);
    let has = |a: Activity| acts.contains(&a);
    let core_buffer = zone.is_core_or_buffer();
    let zone_cn = zone.label_cn();
    let mut r = Vec::new();
    // Four types.
    if has(Activity::Mining) || has(Activity::SandMining) {
        r.push(format!(
            "四类焦点问题: {level}自然保护区内采石采砂 ({activity})"
        ));
    }
    if has(Activity::Industrial) || has(Activity::Mining) {
        r.push(format!(
            "四类焦点问题: {level}自然保护区内工矿用地 ({activity})"
        ));
    }
    if core_buffer && has(Activity::Tourism) {
        r.push(format!("四类焦点问题: {zone_cn}内旅游设施 ({activity})"));
    }
    if core_buffer && has(Activity::Hydropower) {
        r.push(format!("四类焦点问题: {zone_cn}内水电设施 ({activity})"));
    }
    // Eight types (Yangtze belt).
    if yangtze {
        let mut eight = Vec::new();
        if has(Activity::Mining) {
            eight.push("采矿(石)");
        }
        if has(Activity::SandMining) {
            eight.push("采砂");
        }
        if has(Activity::Dock) {
            eight.push("设立码头");
        }
        if has(Activity::Industrial) {
            eight.push("开办工矿企业");
        }
        if has(Activity::Shoreline) {
            eight.push("挤占河(湖)岸线");
        }
        if has(Activity::Wetland) {
            eight.push("侵占湿地");
        }
        if core_buffer && has(Activity::Tourism) {
            eight.push("核心区缓冲区内旅游开发");
        }
        if core_buffer && has(Activity::Hydropower) {
            eight.push("核心区缓冲区内水电开发");
        }
        for e in eight {
            r.push(format!(
                "八类焦点问题(长江经济带{level}保护区): {e} ({activity}; 需核实是否发生在保护区设立后)"
            ));
        }
    }
    r
}

/// Default departments by activity (the notice's division of duties). The forestry bureau, which
/// runs every reserve's self-inspection, is always listed; the ecology and environment bureau
/// coordinates and enforces and is listed for mining, industry, tourism and other activities.
pub fn departments(activity: &str) -> Vec<String> {
    let acts = activities(activity);
    let mut d: Vec<&str> = Vec::new();
    for a in &acts {
        let add: &[&str] = match a {
            Activity::Dock | Activity::Transport => &["市交通运输局"],
            Activity::SandMining | Activity::Hydropower | Activity::Shoreline => &["市水利局"],
            Activity::Rural => &["市农业农村局"],
            Activity::Mining
            | Activity::Industrial
            | Activity::Tourism
            | Activity::Wetland
            | Activity::Other => &["市生态环境局"],
        };
        d.extend_from_slice(add);
    }
    d.push("市林业局");
    let mut out: Vec<String> = Vec::new();
    for x in d {
        if !out.iter().any(|o| o == x) {
            out.push(x.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table test of the focus rules.
    #[test]
    fn focus_rules_table() {
        // (activity, level, zone, yangtze, expected number of reasons > 0, must contain)
        let cases: &[(&str, &str, Zone, bool, bool, &str)] = &[
            (
                "矿产资源开发",
                "国家级",
                Zone::Experimental,
                false,
                true,
                "采石采砂",
            ),
            ("矿产资源开发", "县级", Zone::Core, true, false, ""),
            ("旅游开发", "省级", Zone::Core, false, true, "旅游设施"),
            ("旅游开发", "省级", Zone::Experimental, false, false, ""),
            ("能源开发", "国家级", Zone::Buffer, false, true, "水电设施"),
            ("能源开发", "国家级", Zone::GeneralControl, false, false, ""),
            (
                "工业开发",
                "省级",
                Zone::Experimental,
                false,
                true,
                "工矿用地",
            ),
            (
                "交通开发(码头)",
                "省级",
                Zone::Experimental,
                true,
                true,
                "设立码头",
            ),
            (
                "交通开发(码头)",
                "省级",
                Zone::Experimental,
                false,
                false,
                "",
            ),
            ("养殖", "国家级", Zone::Core, true, false, ""),
            (
                "侵占湿地",
                "省级",
                Zone::Experimental,
                true,
                true,
                "侵占湿地",
            ),
            (
                "旅游开发",
                "国家级",
                Zone::CoreProtection,
                false,
                true,
                "核心保护区",
            ),
        ];
        for (act, level, zone, yz, focus, must) in cases {
            let r = focus_reasons(act, Some(level), Some(*zone), *yz);
            assert_eq!(!r.is_empty(), *focus, "{act} {level} {zone:?} {yz}: {r:?}");
            if !must.is_empty() {
                assert!(
                    r.iter().any(|x| x.contains(must)),
                    "{act}: {r:?} lacks {must}"
                );
            }
        }
        assert!(focus_reasons("矿产资源开发", None, None, true).is_empty());
    }

    #[test]
    fn departments_table() {
        let cases: &[(&str, &[&str])] = &[
            ("交通开发", &["市交通运输局", "市林业局"]),
            ("采砂", &["市水利局", "市林业局"]),
            ("能源开发", &["市水利局", "市林业局"]),
            ("养殖", &["市农业农村局", "市林业局"]),
            ("矿产资源开发", &["市生态环境局", "市林业局"]),
            ("其他", &["市生态环境局", "市林业局"]),
        ];
        for (act, want) in cases {
            assert_eq!(departments(act), want.to_vec(), "{act}");
        }
    }
}
