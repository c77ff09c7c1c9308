//! The random part of the data set: villages with a land-use tessellation, basic farmland,
//! planned construction areas, registered homesteads and applications; red lines and hazard
//! areas with wiggly outlines. Everything is drawn from [`Rng`] streams, in EPSG:4527.

use geo::{Coord, LineString, Polygon};

use super::frame::County;
use super::rng::{dm, mm, sin_cos, Rng, PI};

/// Land-use classes inside a village's planned construction area, with weights.
const CORE_CLASSES: &[(&str, u32)] = &[
    ("0702", 60),
    ("1201", 8),
    ("1004", 7),
    ("1006", 3),
    ("08H2", 3),
    ("0809", 2),
    ("05H1", 3),
    ("0601", 1),
    ("0810", 1),
    ("0103", 5),
    ("0201K", 3),
    ("1104A", 2),
    ("1202", 2),
];

/// Land-use classes around the planned area, with weights (耕地 about half).
const OUTER_CLASSES: &[(&str, u32)] = &[
    ("0101", 32),
    ("0103", 14),
    ("0103K", 3),
    ("0102", 3),
    ("0201", 4),
    ("0201K", 3),
    ("0202", 3),
    ("0301", 10),
    ("0301K", 2),
    ("0302", 6),
    ("0305", 2),
    ("0307", 2),
    ("0404", 3),
    ("1006", 4),
    ("1104", 2),
    ("1104A", 3),
    ("1104K", 1),
    ("1107", 2),
    ("1107A", 1),
    ("1101", 1),
    ("1203", 3),
    ("1202", 1),
    ("1206", 1),
    ("0702", 2),
];

/// The 三调 name (DLMC) of a class code, suffixes included (DOMAIN §1.5).
pub fn class_name(code: &str) -> &'static str {
    match code {
        "0101" => "水田",
        "0102" => "水浇地",
        "0103" => "旱地",
        "0103K" => "可调整旱地",
        "0201" => "果园",
        "0201K" => "可调整果园",
        "0202" => "茶园",
        "0301" => "乔木林地",
        "0301K" => "可调整乔木林地",
        "0302" => "竹林地",
        "0305" => "灌木林地",
        "0307" => "其他林地",
        "0404" => "其他草地",
        "05H1" => "商业服务业设施用地",
        "0601" => "工业用地",
        "0702" => "农村宅基地",
        "08H2" => "科教文卫用地",
        "0809" => "公用设施用地",
        "0810" => "公园与绿地",
        "1004" => "城镇村道路用地",
        "1006" => "农村道路",
        "1101" => "河流水面",
        "1104" => "坑塘水面",
        "1104A" => "养殖坑塘",
        "1104K" => "可调整养殖坑塘",
        "1107" => "沟渠",
        "1107A" => "干渠",
        "1201" => "空闲地",
        "1202" => "设施农用地",
        "1203" => "田坎",
        "1206" => "裸土地",
        _ => "其他",
    }
}

/// True for 耕地 codes (01xx, suffix allowed).
pub fn is_cultivated(code: &str) -> bool {
    code.starts_with("01")
}

const NAME_HEAD: &[&str] = &[
    "瑶", "湘", "鹅", "经", "寿", "勒", "兴", "蛟", "峙", "庄", "洪", "严", "沧", "磻", "江", "黄",
    "西", "东", "南", "北", "新", "桃", "梅", "竹", "柳", "石", "金", "银", "凤", "龙", "鹤", "云",
    "清", "溪", "长", "上", "下", "中", "大", "小",
];
const NAME_TAIL: &[&str] = &[
    "里", "湖", "源", "坑", "坞", "岭", "田", "塘", "潭", "港", "溪", "桥", "山", "岗", "口", "湾",
    "洲", "滩", "坪", "垄", "墩", "畈", "家", "园", "林", "冲", "埠", "陂", "岭下", "山头",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "程", "汪", "余", "叶", "方", "詹", "江", "洪", "操", "舒", "饶",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "国华", "春生", "桂兰", "水根", "冬梅", "金水", "福生", "小平", "建华", "玉珍",
    "志强", "红梅", "有福", "秋菊", "德明", "海燕", "明亮", "丽华", "长根", "来娣", "火生", "银花",
    "国平", "文斌", "世荣", "美玲", "永安", "正华", "宏伟", "淑芬", "连生", "招娣", "家旺", "伟",
    "强", "敏", "静", "军",
];

/// A Chinese personal name.
pub fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// A village name not yet in `taken`.
pub fn village_name(rng: &mut Rng, taken: &mut std::collections::BTreeSet<String>) -> String {
    loop {
        let name = if rng.chance(0.8) {
            format!("{}{}村", rng.pick(NAME_HEAD), rng.pick(NAME_TAIL))
        } else {
            format!(
                "{}{}{}村",
                rng.pick(NAME_HEAD),
                rng.pick(NAME_HEAD),
                rng.pick(NAME_TAIL)
            )
        };
        if taken.insert(name.clone()) {
            return name;
        }
    }
}

/// An axis-aligned rectangle in world coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WRect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl WRect {
    /// The polygon, counter-clockwise from the south-west corner.
    pub fn polygon(&self) -> Polygon<f64> {
        ring_polygon(&[
            (self.x0, self.y0),
            (self.x1, self.y0),
            (self.x1, self.y1),
            (self.x0, self.y1),
        ])
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// A polygon from its corners (closed here).
pub fn ring_polygon(corners: &[(f64, f64)]) -> Polygon<f64> {
    let mut pts: Vec<Coord<f64>> = corners.iter().map(|&(x, y)| Coord { x, y }).collect();
    if let Some(&first) = pts.first() {
        pts.push(first);
    }
    Polygon::new(LineString::from(pts), vec![])
}

/// A star-shaped outline with `n` vertices around (cx, cy): r(θ) = R (1 + Σ a_k sin(kθ + φ_k))
/// with Σ a_k = 0.45 plus fine jitter. θ increases strictly and r stays > 0.5 R, so the ring is
/// simple and counter-clockwise. Coordinates are rounded to millimetres.
pub fn wiggly(rng: &mut Rng, cx: f64, cy: f64, radius: f64, n: usize) -> Polygon<f64> {
    let n = n.max(8);
    let harmonics = (n / 8).clamp(3, 64);
    let mut amp = Vec::with_capacity(harmonics);
    for k in 2..=harmonics + 1 {
        let k = k as f64;
        amp.push(rng.range(0.3, 1.0) / (k * k.sqrt()));
    }
    let total: f64 = amp.iter().sum();
    let phases: Vec<(f64, f64, f64)> = amp
        .iter()
        .map(|a| {
            let (s, c) = sin_cos(rng.range(0.0, 2.0 * PI));
            (a * 0.45 / total, c, s)
        })
        .collect();
    let jitter = 0.3 * 2.0 * PI / n as f64;
    let mut pts = Vec::with_capacity(n);
    for i in 0..n {
        let theta = 2.0 * PI * i as f64 / n as f64;
        let (s1, c1) = sin_cos(theta);
        // sin(kθ), cos(kθ) by angle addition, starting at k = 2.
        let (mut sk, mut ck) = (2.0 * s1 * c1, c1 * c1 - s1 * s1);
        let mut f = 1.0 + rng.range(-jitter, jitter);
        for (a, cphi, sphi) in &phases {
            f += a * (sk * cphi + ck * sphi);
            let (ns, nc) = (sk * c1 + ck * s1, ck * c1 - sk * s1);
            sk = ns;
            ck = nc;
        }
        let r = radius * f;
        pts.push((mm(cx + r * c1), mm(cy + r * s1)));
    }
    ring_polygon(&pts)
}

/// One generated village.
#[derive(Clone, Debug)]
pub struct Village {
    pub name: String,
    pub county: usize,
    /// The square the village's land-use cells cover.
    pub extent: WRect,
    /// The planned construction area (rectilinear, 4 or 6 corners).
    pub plan: Polygon<f64>,
    /// Land-use cells: rectangle, class code, inside the plan.
    pub cells: Vec<(WRect, &'static str, bool)>,
}

/// Sizes of the synthetic part.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub villages: usize,
    /// Cells per side of a village.
    pub grid: usize,
    pub cell_m: f64,
    /// Vertex counts of the red-line polygons.
    pub redline_vertices: &'static [usize],
    pub redline_radius: (f64, f64),
    pub hazards: usize,
    pub homestead_p: f64,
    pub parcels_per_village: usize,
}

/// A random point inside one of the counties: (x, y, county index).
pub fn point_in_counties(rng: &mut Rng, counties: &[County]) -> (f64, f64, usize) {
    let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in counties {
        let cb = c.bbox();
        b = (b.0.min(cb.0), b.1.min(cb.1), b.2.max(cb.2), b.3.max(cb.3));
    }
    loop {
        let x = dm(rng.range(b.0, b.2));
        let y = dm(rng.range(b.1, b.3));
        if let Some(i) = counties.iter().position(|c| c.contains(x, y)) {
            return (x, y, i);
        }
    }
}

/// Lay out one village whose south-west corner is (x0, y0).
pub fn village(
    rng: &mut Rng,
    p: &Params,
    name: String,
    county: usize,
    x0: f64,
    y0: f64,
) -> Village {
    let g = p.grid;
    let c = p.cell_m;
    let margin = (g / 5).max(1);
    let i0 = margin + rng.below_rejection(2) as usize;
    let j0 = margin + rng.below_rejection(2) as usize;
    let i1 = g - margin - rng.below_rejection(2) as usize;
    let j1 = g - margin - rng.below_rejection(2) as usize;
    // An L-shape: cut the north-east corner block of the plan.
    let notch = if rng.chance(0.5) && i1 - i0 >= 3 && j1 - j0 >= 3 {
        Some((i1 - (i1 - i0) / 3, j1 - (j1 - j0) / 3))
    } else {
        None
    };
    let in_plan = |i: usize, j: usize| {
        let inside = (i0..i1).contains(&i) && (j0..j1).contains(&j);
        match notch {
            Some((ni, nj)) => inside && !(i >= ni && j >= nj),
            None => inside,
        }
    };
    let gx = |i: usize| x0 + i as f64 * c;
    let gy = |j: usize| y0 + j as f64 * c;
    let plan = match notch {
        None => ring_polygon(&[
            (gx(i0), gy(j0)),
            (gx(i1), gy(j0)),
            (gx(i1), gy(j1)),
            (gx(i0), gy(j1)),
        ]),
        Some((ni, nj)) => ring_polygon(&[
            (gx(i0), gy(j0)),
            (gx(i1), gy(j0)),
            (gx(i1), gy(nj)),
            (gx(ni), gy(nj)),
            (gx(ni), gy(j1)),
            (gx(i0), gy(j1)),
        ]),
    };
    let mut cells = Vec::new();
    for j in 0..g {
        for i in 0..g {
            let core = in_plan(i, j);
            let base = WRect {
                x0: gx(i),
                y0: gy(j),
                x1: gx(i + 1),
                y1: gy(j + 1),
            };
            let parts = if rng.chance(0.5) {
                let t = dm(c * rng.range(0.3, 0.7));
                if rng.chance(0.5) {
                    vec![
                        WRect {
                            x1: base.x0 + t,
                            ..base
                        },
                        WRect {
                            x0: base.x0 + t,
                            ..base
                        },
                    ]
                } else {
                    vec![
                        WRect {
                            y1: base.y0 + t,
                            ..base
                        },
                        WRect {
                            y0: base.y0 + t,
                            ..base
                        },
                    ]
                }
            } else {
                vec![base]
            };
            for part in parts {
                let code = *rng.weighted(if core { CORE_CLASSES } else { OUTER_CLASSES });
                cells.push((part, code, core));
            }
        }
    }
    Village {
        name,
        county,
        extent: WRect {
            x0,
            y0,
            x1: gx(g),
            y1: gy(g),
        },
        plan,
        cells,
    }
}

/// A building-sized rectangle placed inside `cell` with 1 m clearance, or `None` if it does not fit.
pub fn plot_in(rng: &mut Rng, cell: &WRect, w: f64, h: f64) -> Option<WRect> {
    let room_x = cell.width() - w - 2.0;
    let room_y = cell.height() - h - 2.0;
    if room_x < 0.0 || room_y < 0.0 {
        return None;
    }
    let x0 = dm(cell.x0 + 1.0 + rng.range(0.0, room_x));
    let y0 = dm(cell.y0 + 1.0 + rng.range(0.0, room_y));
    Some(WRect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Validation};

    #[test]
    fn wiggly_outlines_are_valid_and_sized() {
        let mut rng = Rng::new(3);
        for n in [8usize, 64, 600] {
            let p = wiggly(&mut rng, 39_520_000.0, 3_260_000.0, 3000.0, n);
            assert_eq!(p.exterior().0.len(), n + 1);
            assert!(p.is_valid(), "n = {n}");
            let a = p.signed_area();
            assert!(a > 0.0, "counter-clockwise");
            // Area between π(0.55R)² and π(1.45R)².
            assert!(
                a > PI * 1650.0f64.powi(2) && a < PI * 4350.0f64.powi(2),
                "{a}"
            );
        }
    }

    /// The cells of a village tile its square exactly and carry known codes.
    #[test]
    fn village_cells_tile_the_extent() {
        let mut rng = Rng::new(11);
        let p = Params {
            villages: 1,
            grid: 8,
            cell_m: 40.0,
            redline_vertices: &[],
            redline_radius: (1.0, 2.0),
            hazards: 0,
            homestead_p: 0.2,
            parcels_per_village: 0,
        };
        let v = village(&mut rng, &p, "试村".into(), 0, 39_520_000.0, 3_260_000.0);
        let total: f64 = v.cells.iter().map(|c| c.0.width() * c.0.height()).sum();
        assert!((total - 320.0 * 320.0).abs() < 1e-6, "{total}");
        assert!(v.cells.len() >= 64 && v.cells.len() <= 128);
        assert!(v.cells.iter().all(|c| class_name(c.1) != "其他"));
        assert!(v.plan.is_valid());
        let core: f64 = v
            .cells
            .iter()
            .filter(|c| c.2)
            .map(|c| c.0.width() * c.0.height())
            .sum();
        assert!((core - v.plan.unsigned_area()).abs() < 1e-6);
    }

    #[test]
    fn names() {
        let mut rng = Rng::new(5);
        let mut taken = std::collections::BTreeSet::new();
        for _ in 0..600 {
            let n = village_name(&mut rng, &mut taken);
            assert!(n.ends_with('村'));
        }
        assert_eq!(taken.len(), 600);
        assert!(person(&mut rng).chars().count() >= 2);
        assert!(is_cultivated("0103K") && !is_cultivated("0201K"));
    }
}
