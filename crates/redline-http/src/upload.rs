//! Uploaded files: a raw body or the file parts of a multipart form; the kind is found from the
//! content type, the file name and the first bytes (zip magic, `{`). Zips are checked before
//! anything is written: entry count, total uncompressed size (declared and actual), and path
//! names (no absolute paths, no `..`).

use std::io::Read;
use std::path::{Path, PathBuf};

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
            .map(|s| s.to_ascii_lowercase());
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
                let content_type = field.content_type().map(|s| s.to_ascii_lowercase());
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

fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06")
}

fn zip_is_xlsx(b: &[u8]) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(b)).is_ok_and(|z| {
        z.file_names()
            .any(|n| n == "[Content_Types].xml" || n.starts_with("xl/"))
    })
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
    let kind = if is_zip(&u.bytes) {
        if zip_is_xlsx(&u.bytes) {
            FileKind::Xlsx
        } else {
            FileKind::ZipShapefile
        }
    } else if let Some(e) = ext.as_deref().filter(|e| {
        matches!(
            *e,
            "zip" | "geojson" | "json" | "txt" | "csv" | "tsv" | "xlsx"
        )
    }) {
        match e {
            "zip" => FileKind::ZipShapefile,
            "geojson" | "json" => FileKind::GeoJson,
            "txt" => FileKind::Txt,
            "xlsx" => FileKind::Xlsx,
            _ => FileKind::Csv,
        }
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
pub fn extract_zip(bytes: &[u8], dir: &Path, limits: &Limits) -> ApiResult<Vec<PathBuf>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ApiError::invalid(format!("不是有效的 zip 压缩包 (not a valid zip): {e}")))?;
    if z.len() > limits.zip_entries {
        return Err(ApiError::too_large(format!(
            "压缩包条目过多: {} (too many zip entries; at most {})",
            z.len(),
            limits.zip_entries
        )));
    }
    let mut declared: u64 = 0;
    let mut plan: Vec<(usize, String)> = Vec::new();
    for i in 0..z.len() {
        let f = z
            .by_index_raw(i)
            .map_err(|e| ApiError::invalid(format!("zip 条目 {i} 无法读取 (bad entry): {e}")))?;
        let name = f.name().to_string();
        let unsafe_path = name.starts_with('/')
            || name.starts_with('\\')
            || name.as_bytes().get(1) == Some(&b':')
            || name.split(['/', '\\']).any(|c| c == "..")
            || f.enclosed_name().is_none();
        if unsafe_path {
            return Err(ApiError::bad_request(format!(
                "zip 中有不安全的路径 {name:?} (absolute path or `..` in the zip)"
            )));
        }
        declared = declared.saturating_add(f.size());
        if f.is_dir() || name.starts_with("__MACOSX/") {
            continue;
        }
        let Some(base) = base_name(&name) else {
            continue;
        };
        if base.starts_with("._") {
            continue;
        }
        if plan.iter().any(|(_, b)| b.eq_ignore_ascii_case(&base)) {
            return Err(ApiError::invalid(format!(
                "zip 中有同名文件 {base} (two entries with the same file name)"
            )));
        }
        plan.push((i, base));
    }
    if declared > limits.zip_uncompressed {
        return Err(ApiError::too_large(format!(
            "压缩包解压后过大: {declared} 字节 (uncompressed size over {} bytes)",
            limits.zip_uncompressed
        )));
    }
    let mut written: u64 = 0;
    let mut out = Vec::new();
    for (i, base) in plan {
        let f = z
            .by_index(i)
            .map_err(|e| ApiError::invalid(format!("zip 条目 {base} 无法解压 (bad entry): {e}")))?;
        let budget = limits.zip_uncompressed - written;
        let mut buf = Vec::new();
        f.take(budget + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ApiError::invalid(format!("zip 条目 {base} 无法解压 (bad entry): {e}")))?;
        written += buf.len() as u64;
        if written > limits.zip_uncompressed {
            return Err(ApiError::too_large(format!(
                "压缩包解压后过大 (uncompressed size over {} bytes)",
                limits.zip_uncompressed
            )));
        }
        let path = dir.join(&base);
        std::fs::write(&path, &buf)?;
        out.push(path);
    }
    Ok(out)
}

/// The `.shp` files among extracted paths; 422 when there is none.
pub fn shapefiles(paths: &[PathBuf]) -> ApiResult<Vec<PathBuf>> {
    let shps: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
        })
        .cloned()
        .collect();
    if shps.is_empty() {
        return Err(ApiError::invalid(
            "zip 中没有 .shp 文件 (no shapefile in the zip)",
        ));
    }
    // The readers find side-cars by the lower-case extension.
    let mut out = Vec::new();
    for p in shps {
        if p.extension().and_then(|e| e.to_str()) != Some("shp") {
            let q = p.with_extension("shp");
            std::fs::rename(&p, &q)?;
            out.push(q);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}

/// Write an upload into `dir` as files the readers take: the file itself, or a zip's
/// shapefiles. Returns the paths to read.
pub fn materialize(
    u: &Upload,
    kind: FileKind,
    index: usize,
    dir: &Path,
    limits: &Limits,
) -> ApiResult<Vec<PathBuf>> {
    match kind {
        FileKind::ZipShapefile => {
            let sub = dir.join(format!("zip{index}"));
            std::fs::create_dir_all(&sub)?;
            let files = extract_zip(&u.bytes, &sub, limits)?;
            shapefiles(&files)
        }
        _ => {
            let path = dir.join(file_name(u, kind, index));
            std::fs::write(&path, &u.bytes)?;
            Ok(vec![path])
        }
    }
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
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, b) in entries {
            w.start_file(*n, zip::write::SimpleFileOptions::default())
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
            let d = tempfile::tempdir().expect("tempdir");
            let got = extract_zip(&bytes, d.path(), &limits)
                .map(|v| v.len())
                .map_err(|e| e.status.as_u16());
            assert_eq!(got, want);
        }
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
