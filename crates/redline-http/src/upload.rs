//! Uploaded files: a raw body or the file parts of a multipart form; the kind is found from the
//! content type, the file name and the first bytes (zip magic, `{`). An upload becomes the
//! core's [`InputFile`]s in memory (a zipped shapefile through `redline_core::formats::zip`,
//! which checks entry count, uncompressed size and entry names): nothing is written to disk.

use redline_core::formats::zip::{self, ZipLimits};
use redline_core::formats::{InputFile, Kind};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};

use super::error::{ApiError, ApiResult};
use super::state::Limits;

/// One uploaded file.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The client's file name (base name only), if it gave one.
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// The uploaded files of a request (at least one, none empty).
#[derive(Clone, Debug)]
pub struct Uploads(pub Vec<Upload>);

/// The base name of a client-given path, if it is a usable file name.
fn base_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next()?.trim();
    (!base.is_empty() && base != "." && base != "..").then(|| base.to_string())
}

fn body_error(status: StatusCode, detail: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!("请求体过大 (request body too large): {detail}"))
    } else {
        ApiError::bad_request(format!("无法读取请求体 (cannot read the body): {detail}"))
    }
}

impl<S: Send + Sync> FromRequest<S> for Uploads {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Uploads> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let query_name = req.uri().query().and_then(|q| {
            q.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k == "filename").then(|| percent_decode(v))
            })
        });
        let mut out = Vec::new();
        if ct
            .as_deref()
            .is_some_and(|c| c.starts_with("multipart/form-data"))
        {
            let mut mp = Multipart::from_request(req, state)
                .await
                .map_err(|e| body_error(e.status(), e.body_text()))?;
            while let Some(field) = mp
                .next_field()
                .await
                .map_err(|e| body_error(e.status(), e.body_text()))?
            {
                let name = field.file_name().and_then(base_name);
                if name.is_none() && field.name() != Some("file") {
                    continue; // a plain form value
                }
                let content_type = field.content_type().map(str::to_ascii_lowercase);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| body_error(e.status(), e.body_text()))?;
                out.push(Upload {
                    name,
                    content_type,
                    bytes,
                });
            }
        } else {
            let bytes = Bytes::from_request(req, state)
                .await
                .map_err(|e| body_error(e.status(), e.body_text()))?;
            out.push(Upload {
                name: query_name.as_deref().and_then(base_name),
                content_type: ct,
                bytes,
            });
        }
        if out.is_empty() || out.iter().any(|u| u.bytes.is_empty()) {
            return Err(ApiError::bad_request(
                "请求中没有文件或文件为空 (no file, or an empty file, in the request)",
            ));
        }
        Ok(Uploads(out))
    }
}

/// `%XX` and `+` decoding of a query value (file names may be Chinese).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What an upload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// The ministry's parcel coordinate TXT.
    Txt,
    GeoJson,
    /// A zipped shapefile.
    ZipShapefile,
    Csv,
    Xlsx,
}

impl FileKind {
    fn ext(self) -> &'static str {
        match self {
            FileKind::Txt => "txt",
            FileKind::GeoJson => "geojson",
            FileKind::ZipShapefile => "zip",
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
        }
    }
}

/// What the upload is for; decides the kinds accepted and the default for plain text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Parcels,
    Clues,
    Layer,
}

impl Purpose {
    fn accepts(self, k: FileKind) -> bool {
        match self {
            Purpose::Parcels => matches!(
                k,
                FileKind::Txt | FileKind::GeoJson | FileKind::ZipShapefile
            ),
            Purpose::Clues => matches!(
                k,
                FileKind::Csv | FileKind::Xlsx | FileKind::GeoJson | FileKind::ZipShapefile
            ),
            Purpose::Layer => matches!(k, FileKind::GeoJson | FileKind::ZipShapefile),
        }
    }

    fn plain_text(self) -> FileKind {
        match self {
            Purpose::Parcels => FileKind::Txt,
            Purpose::Clues => FileKind::Csv,
            Purpose::Layer => FileKind::GeoJson,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Purpose::Parcels => "TXT, GeoJSON or zipped shapefile",
            Purpose::Clues => "CSV, XLSX, GeoJSON or zipped shapefile",
            Purpose::Layer => "GeoJSON or zipped shapefile",
        }
    }
}

fn looks_like_json(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    b.iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|&c| c == b'{')
}

/// The kind of an upload: 415 when it is not one the purpose accepts.
pub fn detect(u: &Upload, purpose: Purpose) -> ApiResult<FileKind> {
    let ext = u
        .name
        .as_deref()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    let ct = u
        .content_type
        .as_deref()
        .map(|c| c.split(';').next().unwrap_or("").trim().to_string())
        // curl's --data-binary sends application/x-www-form-urlencoded unless told otherwise.
        .filter(|c| {
            !c.is_empty()
                && c != "application/octet-stream"
                && c != "application/x-www-form-urlencoded"
        });
    // The client's file name, by the core's one table of extensions (a bare `.shp` cannot
    // come alone: it must be zipped with its side-cars).
    let by_name = u
        .name
        .as_deref()
        .and_then(|n| Kind::of(std::path::Path::new(n)))
        .and_then(|k| match k {
            Kind::Txt => Some(FileKind::Txt),
            Kind::GeoJson => Some(FileKind::GeoJson),
            Kind::Csv => Some(FileKind::Csv),
            Kind::Xlsx => Some(FileKind::Xlsx),
            Kind::Shapefile => None,
        });
    let kind = if zip::is_zip(&u.bytes) {
        if zip::is_xlsx(&u.bytes) {
            FileKind::Xlsx
        } else {
            FileKind::ZipShapefile
        }
    } else if ext.as_deref() == Some("zip") {
        FileKind::ZipShapefile
    } else if let Some(k) = by_name {
        k
    } else {
        match ct.as_deref() {
            Some("application/geo+json" | "application/json") => FileKind::GeoJson,
            Some("text/csv") => FileKind::Csv,
            Some("application/zip" | "application/x-zip-compressed") => FileKind::ZipShapefile,
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") => {
                FileKind::Xlsx
            }
            Some(c) if c.starts_with("text/") => {
                if looks_like_json(&u.bytes) {
                    FileKind::GeoJson
                } else {
                    purpose.plain_text()
                }
            }
            Some(c) => {
                return Err(ApiError::unsupported(format!(
                    "不支持的内容类型 {c} (unsupported content type; send {})",
                    purpose.expected()
                )))
            }
            None => {
                if looks_like_json(&u.bytes) {
                    FileKind::GeoJson
                } else {
                    purpose.plain_text()
                }
            }
        }
    };
    if purpose.accepts(kind) {
        Ok(kind)
    } else {
        Err(ApiError::unsupported(format!(
            "不支持的文件类型 {} (unsupported file kind; send {})",
            kind.ext(),
            purpose.expected()
        )))
    }
}

/// The file name to use for an upload of `kind`: the client's, with the right extension.
pub fn file_name(u: &Upload, kind: FileKind, index: usize) -> String {
    let base = u.name.clone().unwrap_or_else(|| {
        format!(
            "upload{}",
            if index == 0 {
                String::new()
            } else {
                format!("_{index}")
            }
        )
    });
    let has_ext = base.rsplit_once('.').is_some_and(|(_, e)| match kind {
        FileKind::GeoJson => matches!(e.to_ascii_lowercase().as_str(), "geojson" | "json"),
        FileKind::Csv => matches!(e.to_ascii_lowercase().as_str(), "csv" | "tsv"),
        k => e.eq_ignore_ascii_case(k.ext()),
    });
    if has_ext {
        base
    } else {
        format!("{base}.{}", kind.ext())
    }
}

/// Check a zip and extract its files (flattened to their base names) into `dir`. Returns the
/// written paths.
impl Limits {
    /// What a zipped upload may hold.
    pub fn zip(&self) -> ZipLimits {
        ZipLimits {
            entries: self.zip_entries,
            uncompressed: self.zip_uncompressed,
        }
    }
}

/// The data sets of one upload, in memory, named by the client's file name (`upload.txt` when
/// it gave none): one file, or each shapefile of a zip (`a.zip/parcels.shp`).
pub fn input_files(
    u: &Upload,
    kind: FileKind,
    index: usize,
    limits: &Limits,
) -> ApiResult<Vec<InputFile>> {
    let name = file_name(u, kind, index);
    let core_kind = match kind {
        FileKind::ZipShapefile => {
            return Ok(zip::shapefiles(
                &u.bytes,
                std::path::Path::new(&name),
                limits.zip(),
            )?)
        }
        FileKind::Txt => Kind::Txt,
        FileKind::GeoJson => Kind::GeoJson,
        FileKind::Csv => Kind::Csv,
        FileKind::Xlsx => Kind::Xlsx,
    };
    Ok(vec![InputFile::new(name, core_kind, u.bytes.to_vec())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn up(name: Option<&str>, ct: Option<&str>, bytes: &[u8]) -> Upload {
        Upload {
            name: name.map(str::to_string),
            content_type: ct.map(str::to_string),
            bytes: Bytes::copy_from_slice(bytes),
        }
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, b) in entries {
            w.start_file(*n, ::zip::write::SimpleFileOptions::default())
                .expect("start");
            w.write_all(b).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    /// Table test of the kind detection.
    #[test]
    fn kinds() {
        let z = zip_of(&[("a.shp", b"x")]);
        let xl = zip_of(&[
            ("[Content_Types].xml", b"<x/>"),
            ("xl/workbook.xml", b"<x/>"),
        ]);
        let cases: Vec<(Upload, Purpose, Result<FileKind, u16>)> = vec![
            (
                up(Some("a.txt"), None, b"[x]"),
                Purpose::Parcels,
                Ok(FileKind::Txt),
            ),
            (
                up(None, None, b"  {\"type\":1}"),
                Purpose::Parcels,
                Ok(FileKind::GeoJson),
            ),
            (
                up(None, Some("text/plain"), b"J1,1,2"),
                Purpose::Parcels,
                Ok(FileKind::Txt),
            ),
            (
                up(None, Some("text/plain"), b"id,lon"),
                Purpose::Clues,
                Ok(FileKind::Csv),
            ),
            (
                up(None, Some("application/geo+json"), b"{}"),
                Purpose::Layer,
                Ok(FileKind::GeoJson),
            ),
            (
                up(None, Some("application/octet-stream"), &z),
                Purpose::Parcels,
                Ok(FileKind::ZipShapefile),
            ),
            (
                up(None, Some("application/x-www-form-urlencoded"), b"{}"),
                Purpose::Parcels,
                Ok(FileKind::GeoJson),
            ),
            (
                up(Some("c.xlsx"), None, &xl),
                Purpose::Clues,
                Ok(FileKind::Xlsx),
            ),
            (up(None, None, &xl), Purpose::Parcels, Err(415)),
            (
                up(None, Some("image/png"), b"\x89PNG"),
                Purpose::Parcels,
                Err(415),
            ),
            (up(Some("a.csv"), None, b"id"), Purpose::Layer, Err(415)),
        ];
        for (u, p, want) in cases {
            let got = detect(&u, p).map_err(|e| e.status.as_u16());
            assert_eq!(got, want, "{:?} {:?}", u.name, u.content_type);
        }
    }

    /// Table test of the zip checks.
    #[test]
    fn zip_checks() {
        let limits = Limits {
            zip_entries: 3,
            zip_uncompressed: 100,
            ..Limits::default()
        };
        let ok = zip_of(&[("dir/a.shp", b"12345"), ("dir/a.dbf", b"678")]);
        let cases: Vec<(Vec<u8>, Result<usize, u16>)> = vec![
            (ok, Ok(2)),
            (zip_of(&[("../evil.shp", b"x")]), Err(400)),
            (zip_of(&[("/etc/evil.shp", b"x")]), Err(400)),
            (zip_of(&[("a/../../b.shp", b"x")]), Err(400)),
            (
                zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3"), ("d", b"4")]),
                Err(413),
            ),
            (zip_of(&[("big.shp", &[0u8; 101])]), Err(413)),
            (zip_of(&[("x/a.shp", b"1"), ("y/A.SHP", b"2")]), Err(422)),
            (b"PK\x03\x04garbage".to_vec(), Err(422)),
        ];
        for (bytes, want) in cases {
            let u = up(Some("a.zip"), None, &bytes);
            let got = input_files(&u, FileKind::ZipShapefile, 0, &limits)
                .map(|v| {
                    v.iter()
                        .map(|f| usize::from(f.sidecars.dbf.is_some()) + 1)
                        .sum::<usize>()
                })
                .map_err(|e| e.status.as_u16());
            assert_eq!(got, want);
        }
        // Names come from the zip and its entries; the side-cars go with their `.shp`.
        let u = up(
            Some("批次.zip"),
            None,
            &zip_of(&[("d/a.shp", b"1"), ("d/a.prj", b"2"), ("b.SHP", b"3")]),
        );
        let files = input_files(&u, FileKind::ZipShapefile, 0, &limits).expect("zip");
        let names: Vec<String> = files.iter().map(|f| f.name.display().to_string()).collect();
        assert_eq!(names, ["批次.zip/a.shp", "批次.zip/b.shp"]);
        assert_eq!(files[0].sidecars.prj.as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn names() {
        assert_eq!(
            base_name("C:\\x\\宅基地.txt").as_deref(),
            Some("宅基地.txt")
        );
        assert_eq!(base_name("../"), None);
        assert_eq!(percent_decode("a%E5%9C%B0+b.txt"), "a地 b.txt");
        let u = up(Some("parcels"), None, b"{}");
        assert_eq!(file_name(&u, FileKind::GeoJson, 0), "parcels.geojson");
        let u = up(None, None, b"x");
        assert_eq!(file_name(&u, FileKind::Csv, 2), "upload_2.csv");
    }
}
