//! A small writer of the parcel coordinate TXT exchange format (DOMAIN §1.1) that can also forge
//! the faulty variants met in real files (swapped X/Y, wrong point counts, odd headers). The
//! crate's own writer ([`redline_core::formats::txt::write`]) must never produce these, so the generator
//! keeps its own.

use crate::error::{Error, Result};

/// Text encoding of a written file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxtEncoding {
    /// GBK, the usual encoding.
    Gbk,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark.
    Utf16LeBom,
}

/// How a file deviates from the standard layout.
#[derive(Clone, Debug)]
pub struct TxtStyle {
    pub encoding: TxtEncoding,
    /// CRLF line ends (standard) or LF.
    pub crlf: bool,
    /// A space after every comma.
    pub spaces: bool,
    /// The `带号` value; `""` writes an empty 带号.
    pub zone: String,
    /// `分带=3度带` instead of `几度分带=3`.
    pub fendai_text: bool,
    /// Extra `[项目信息]` / `[扩展信息]` sections.
    pub extra_sections: bool,
    /// Write easting before northing (a mistake readers must detect).
    pub swap_xy: bool,
    /// 数据产生日期.
    pub date: String,
    /// 数据产生单位.
    pub producer: String,
}

impl TxtStyle {
    /// The standard layout: GBK, CRLF, zone 39.
    pub fn standard() -> Self {
        TxtStyle {
            encoding: TxtEncoding::Gbk,
            crlf: true,
            spaces: false,
            zone: "39".into(),
            fendai_text: false,
            extra_sections: false,
            swap_xy: false,
            date: "2020-10-13".into(),
            producer: "浮梁县不动产测绘队".into(),
        }
    }
}

/// One parcel to write. Points are (name, ring, easting, northing); the file writes northing
/// first (X) unless the style swaps them.
#[derive(Clone, Debug)]
pub struct TxtParcel {
    /// The point count written in the header (the writer does not check it).
    pub count: usize,
    /// The area as written (e.g. `0.0148`, `0.0144公顷`, `120.00`).
    pub area: String,
    pub id: String,
    pub name: String,
    pub sheet: String,
    pub land_use: String,
    pub class_code: String,
    pub points: Vec<(String, u32, f64, f64)>,
}

/// The text of a TXT file (before encoding).
pub fn render(parcels: &[TxtParcel], style: &TxtStyle) -> String {
    let nl = if style.crlf { "\r\n" } else { "\n" };
    let sep = if style.spaces { ", " } else { "," };
    let mut s = String::new();
    let mut line = |l: &str| {
        s.push_str(l);
        s.push_str(nl);
    };
    if style.extra_sections {
        line("[项目信息]");
        line("项目名称=农村村民住宅用地农用地转用");
        line("用地批次=2020年度第3批次");
    }
    line("[属性描述]");
    line("格式版本号=1.01版本");
    line(&format!("数据产生单位={}", style.producer));
    line(&format!("数据产生日期={}", style.date));
    line("坐标系=2000国家大地坐标系");
    line(if style.fendai_text {
        "分带=3度带"
    } else {
        "几度分带=3"
    });
    line("投影类型=高斯克吕格");
    line("计量单位=米");
    line(&format!("带号={}", style.zone));
    line("精度=0.001");
    line("转换参数=,,,,,,");
    line("[地块坐标]");
    for p in parcels {
        let head = [
            p.count.to_string(),
            p.area.clone(),
            p.id.clone(),
            p.name.clone(),
            "面".to_string(),
            p.sheet.clone(),
            p.land_use.clone(),
            p.class_code.clone(),
            "@".to_string(),
        ];
        line(&head.join(sep));
        for (name, ring, e, n) in &p.points {
            let (a, b) = if style.swap_xy { (e, n) } else { (n, e) };
            line(
                &[
                    name.clone(),
                    ring.to_string(),
                    format!("{a:.3}"),
                    format!("{b:.3}"),
                ]
                .join(sep),
            );
        }
    }
    if style.extra_sections {
        line("[扩展信息]");
        line("备注=界址点由RTK实测");
    }
    s
}

/// Encode the text of a file.
pub fn encode(text: &str, encoding: TxtEncoding) -> Result<Vec<u8>> {
    Ok(match encoding {
        TxtEncoding::Gbk => {
            let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
            if had_errors {
                return Err(Error::Design(format!(
                    "无法用 GBK 编码 (not encodable in GBK): {}",
                    text.chars().take(40).collect::<String>()
                )));
            }
            bytes.into_owned()
        }
        TxtEncoding::Utf8Bom => {
            let mut v = vec![0xEF, 0xBB, 0xBF];
            v.extend_from_slice(text.as_bytes());
            v
        }
        TxtEncoding::Utf16LeBom => {
            let mut v = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_le_bytes());
            }
            v
        }
    })
}

/// Rectangle corners (SW, SE, NE, NW, SW) as TXT points J1… of ring `ring`, numbering from `first`.
pub fn rect_points(
    ring: u32,
    first: usize,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> Vec<(String, u32, f64, f64)> {
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
    corners
        .iter()
        .enumerate()
        .map(|(i, (e, n))| {
            let k = if i == 4 { first } else { first + i };
            (format!("J{k}"), ring, *e, *n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain_example() -> TxtParcel {
        TxtParcel {
            count: 5,
            area: "0.0148".into(),
            id: "1".into(),
            name: "宅基地申请-张某".into(),
            sheet: "H50G065052".into(),
            land_use: "宅基地".into(),
            class_code: "0702".into(),
            points: rect_points(1, 1, 39519431.265, 3242537.394, 39519441.265, 3242552.194),
        }
    }

    /// The standard style reproduces the DOMAIN §1.1 example line by line.
    #[test]
    fn standard_matches_the_domain_example() {
        let mut style = TxtStyle::standard();
        style.producer = "...".into();
        let text = render(&[domain_example()], &style);
        let want = "[属性描述]\r\n格式版本号=1.01版本\r\n数据产生单位=...\r\n数据产生日期=2020-10-13\r\n坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=39\r\n精度=0.001\r\n转换参数=,,,,,,\r\n[地块坐标]\r\n5,0.0148,1,宅基地申请-张某,面,H50G065052,宅基地,0702,@\r\nJ1,1,3242537.394,39519431.265\r\nJ2,1,3242537.394,39519441.265\r\nJ3,1,3242552.194,39519441.265\r\nJ4,1,3242552.194,39519431.265\r\nJ1,1,3242537.394,39519431.265\r\n";
        assert_eq!(text, want);
    }

    #[test]
    fn variants_and_encodings() {
        let style = TxtStyle {
            spaces: true,
            swap_xy: true,
            zone: String::new(),
            fendai_text: true,
            extra_sections: true,
            crlf: false,
            ..TxtStyle::standard()
        };
        let text = render(&[domain_example()], &style);
        assert!(text.starts_with("[项目信息]\n"));
        assert!(text.contains("\n分带=3度带\n"));
        assert!(text.contains("\n带号=\n"));
        assert!(text.contains("\nJ2, 1, 39519441.265, 3242537.394\n"));
        assert!(text.ends_with("[扩展信息]\n备注=界址点由RTK实测\n"));
        let gbk = encode("面", TxtEncoding::Gbk).expect("gbk");
        assert_eq!(gbk, vec![0xC3, 0xE6]);
        assert_eq!(
            encode("J", TxtEncoding::Utf16LeBom).expect("u16"),
            vec![0xFF, 0xFE, b'J', 0]
        );
        assert_eq!(
            encode("J", TxtEncoding::Utf8Bom).expect("u8"),
            vec![0xEF, 0xBB, 0xBF, b'J']
        );
        assert!(encode("😀", TxtEncoding::Gbk).is_err());
    }
}
