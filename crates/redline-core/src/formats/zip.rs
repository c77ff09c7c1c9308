//! Zipped shapefiles, read in memory. The zip is checked before anything is unpacked: the entry
//! count, the total uncompressed size (declared and actual), and the entry names (no absolute
//! paths, no `..`). macOS resource forks (`__MACOSX/`, `._*`) are skipped.

use std::io::Read;
use std::path::Path;

use super::{FormatError, FormatResult, InputFile, Kind, Sidecars};

/// How much a zip may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries.
    pub entries: usize,
    /// Largest total uncompressed size in bytes.
    pub uncompressed: u64,
}

/// True when `bytes` start like a zip.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// True when a zip holds an XLSX workbook rather than files.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|z| {
        z.file_names()
            .any(|n| n == "[Content_Types].xml" || n.starts_with("xl/"))
    })
}

/// The base name of an entry path, if it is a usable file name.
fn base_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next()?.trim();
    (!base.is_empty() && base != "." && base != "..").then(|| base.to_string())
}

/// Every file of a zip, by base name, after the checks of the module documentation.
pub fn entries(
    bytes: &[u8],
    zip_name: &Path,
    limits: ZipLimits,
) -> FormatResult<Vec<(String, Vec<u8>)>> {
    let invalid = |m: String| FormatError::input(zip_name, 0, m);
    let too_large = |message: String| FormatError::TooLarge {
        file: zip_name.to_path_buf(),
        message,
    };
    let mut z = ::zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| invalid(format!("不是有效的 zip 压缩包 (not a valid zip): {e}")))?;
    if z.len() > limits.entries {
        return Err(too_large(format!(
            "压缩包条目过多: {} (too many zip entries; at most {})",
            z.len(),
            limits.entries
        )));
    }
    let mut declared: u64 = 0;
    let mut plan: Vec<(usize, String)> = Vec::new();
    for i in 0..z.len() {
        let f = z
            .by_index_raw(i)
            .map_err(|e| invalid(format!("zip 条目 {i} 无法读取 (bad entry): {e}")))?;
        let name = f.name().to_string();
        let unsafe_path = name.starts_with('/')
            || name.starts_with('\\')
            || name.as_bytes().get(1) == Some(&b':')
            || name.split(['/', '\\']).any(|c| c == "..")
            || f.enclosed_name().is_none();
        if unsafe_path {
            return Err(FormatError::UnsafeZipPath {
                file: zip_name.to_path_buf(),
                entry: name,
            });
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
            return Err(invalid(format!(
                "zip 中有同名文件 {base} (two entries with the same file name)"
            )));
        }
        plan.push((i, base));
    }
    if declared > limits.uncompressed {
        return Err(too_large(format!(
            "压缩包解压后过大: {declared} 字节 (uncompressed size over {} bytes)",
            limits.uncompressed
        )));
    }
    let mut unpacked: u64 = 0;
    let mut out = Vec::new();
    for (i, base) in plan {
        let f = z
            .by_index(i)
            .map_err(|e| invalid(format!("zip 条目 {base} 无法解压 (bad entry): {e}")))?;
        // The declared sizes may lie: never read more than what is left of the budget.
        let budget = limits.uncompressed - unpacked;
        let mut buf = Vec::new();
        f.take(budget + 1)
            .read_to_end(&mut buf)
            .map_err(|e| invalid(format!("zip 条目 {base} 无法解压 (bad entry): {e}")))?;
        unpacked += buf.len() as u64;
        if unpacked > limits.uncompressed {
            return Err(too_large(format!(
                "压缩包解压后过大 (uncompressed size over {} bytes)",
                limits.uncompressed
            )));
        }
        out.push((base, buf));
    }
    Ok(out)
}

/// The shapefiles of a zip, each with its side-cars, named `<zip>/<entry>.shp` in messages,
/// in the zip's order. A `.SHP` (any case) counts; a zip without one is an input error.
pub fn shapefiles(
    bytes: &[u8],
    zip_name: &Path,
    limits: ZipLimits,
) -> FormatResult<Vec<InputFile>> {
    let split = |name: &str| {
        name.rsplit_once('.')
            .map(|(stem, ext)| (stem.to_string(), ext.to_ascii_lowercase()))
    };
    // (stem, lower-case extension) of each entry, and its bytes until taken.
    type Entry = (Option<(String, String)>, Option<Vec<u8>>);
    let mut files: Vec<Entry> = entries(bytes, zip_name, limits)?
        .into_iter()
        .map(|(n, b)| (split(&n), Some(b)))
        .collect();
    let stems: Vec<String> = files
        .iter()
        .filter_map(|(k, _)| k.as_ref())
        .filter(|(_, ext)| ext == "shp")
        .map(|(stem, _)| stem.clone())
        .collect();
    if stems.is_empty() {
        return Err(FormatError::input(
            zip_name,
            0,
            "zip 中没有 .shp 文件 (no shapefile in the zip)",
        ));
    }
    let mut take = |stem: &str, ext: &str| -> Option<Vec<u8>> {
        files
            .iter_mut()
            .find(|(k, _)| k.as_ref().is_some_and(|(s, e)| s == stem && e == ext))
            .and_then(|(_, b)| b.take())
    };
    let mut out = Vec::new();
    for stem in stems {
        let Some(shp) = take(&stem, "shp") else {
            continue;
        };
        let sidecars = Sidecars {
            shx: take(&stem, "shx"),
            dbf: take(&stem, "dbf"),
            prj: take(&stem, "prj"),
            cpg: take(&stem, "cpg"),
        };
        out.push(InputFile {
            name: zip_name.join(format!("{stem}.shp")),
            kind: Kind::Shapefile,
            bytes: shp,
            sidecars,
        });
    }
    Ok(out)
}

/// A zip (deflated) of `files`, in order; `zip_name` names it in errors.
pub fn write(zip_name: &Path, files: &[(String, &[u8])]) -> FormatResult<Vec<u8>> {
    use std::io::Write;
    let err = |e: ::zip::result::ZipError| FormatError::io(zip_name, std::io::Error::other(e));
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(err)?;
        w.write_all(bytes)
            .map_err(|e| FormatError::io(zip_name, e))?;
    }
    Ok(w.finish().map_err(err)?.into_inner())
}
