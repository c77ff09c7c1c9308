//! CSV clue lists, streamed: the file is parsed as bytes and each field is decoded on its own,
//! so a large list is never held in memory as text.
//!
//! GBK can be parsed as bytes safely: its trail bytes (0x40–0xFE) and GB18030's four-byte
//! digits (0x30–0x39) never collide with `,` `;` `\t` `"` `\r` `\n`. UTF-16 (with BOM) is
//! transcoded to UTF-8 on the fly.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use encoding_rs::{CoderResult, Decoder, Encoding, GB18030, UTF_16BE, UTF_16LE};

use rayon::prelude::*;

use super::{is_coordinate_header, Builder, ClueList, ClueSink, Columns, Field, ParsedRow, Row};
use crate::formats::FormatError;

/// How many bytes are looked at to choose the encoding and the delimiter.
const SAMPLE: usize = 1 << 20;
/// Rows split, then parsed together (in parallel when there are threads).
const BATCH_ROWS: usize = 4096;
/// How far ahead the id table's slots are fetched.
const PREFETCH_ROWS: usize = 8;
/// How many leading rows may come before the header (titles, notes).
const MAX_HEADER_ROW: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Enc {
    Utf8 { bom: bool },
    Gbk,
    Utf16(&'static Encoding),
}

impl Enc {
    fn name(self) -> String {
        match self {
            Enc::Utf8 { bom: false } => "UTF-8".into(),
            Enc::Utf8 { bom: true } => "UTF-8 (BOM)".into(),
            Enc::Gbk => "GBK".into(),
            Enc::Utf16(e) => e.name().into(),
        }
    }
}

/// Choose the encoding from the first bytes: BOM, else valid UTF-8, else GBK (GB18030).
fn detect(sample: &[u8], complete: bool) -> Enc {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Enc::Utf8 { bom: true };
    }
    if sample.starts_with(&[0xFF, 0xFE]) {
        return Enc::Utf16(UTF_16LE);
    }
    if sample.starts_with(&[0xFE, 0xFF]) {
        return Enc::Utf16(UTF_16BE);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => Enc::Utf8 { bom: false },
        // A character cut by the end of the sample is not an error.
        Err(e) if e.error_len().is_none() && !complete => Enc::Utf8 { bom: false },
        Err(_) => Enc::Gbk,
    }
}

/// Choose the delimiter from the header line of the (decoded) sample: the first line naming a
/// coordinate column; the most frequent of `,` `\t` `;` in it wins (comma on a tie).
fn detect_delimiter(text: &str) -> u8 {
    for line in text.lines().take(MAX_HEADER_ROW) {
        let names_coordinate = line
            .split([',', '\t', ';'])
            .any(|f| is_coordinate_header(f.trim().trim_matches('"')));
        if !names_coordinate {
            continue;
        }
        let count = |d: char| line.matches(d).count();
        let (comma, tab, semi) = (count(','), count('\t'), count(';'));
        return if tab > comma && tab >= semi {
            b'\t'
        } else if semi > comma && semi > tab {
            b';'
        } else {
            b','
        };
    }
    b','
}

/// Read a CSV clue list. With `chunks = Some((rows, sink))` the clues are handed to `sink`
/// every `rows` clues as they are read (the returned list then holds none of them), so a large
/// list is never in memory at once.
///
/// `file` is the list's bytes (a file on disk or a buffer), `file_len` its length (for the row
/// estimate only) and `path` its name in messages.
pub(super) fn read<'r, R, E>(
    mut file: R,
    file_len: u64,
    path: &Path,
    mut chunks: Option<(usize, &mut ClueSink<'_, E>)>,
) -> Result<ClueList, E>
where
    R: Read + Seek + 'r,
    E: From<FormatError>,
{
    let io = |e| FormatError::io(path, e);
    let mut sample = Vec::new();
    (&mut file)
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(io)?;
    let enc = detect(&sample, sample.len() < SAMPLE);
    let sample_text: Cow<'_, str> = match enc {
        Enc::Utf8 { bom } => String::from_utf8_lossy(&sample[if bom { 3 } else { 0 }..]),
        Enc::Gbk => GB18030.decode_without_bom_handling(&sample).0,
        Enc::Utf16(e) => e.decode_with_bom_removal(&sample).0,
    };
    let delimiter = detect_delimiter(&sample_text);
    // Rows to expect, from the sample's line length, so the clue list is allocated once.
    let sample_lines = sample.iter().filter(|&&b| b == b'\n').count().max(1) as u64;
    let expected_rows = (file_len / (sample.len() as u64 / sample_lines).max(1)).min(20_000_000);
    drop(sample_text);
    drop(sample);

    let skip = if enc == (Enc::Utf8 { bom: true }) {
        3
    } else {
        0
    };
    file.seek(SeekFrom::Start(skip)).map_err(io)?;
    let utf16_errors = Rc::new(Cell::new(false));
    let source: Box<dyn Read + 'r> = match enc {
        Enc::Utf16(e) => Box::new(Transcoder::new(
            BufReader::new(file),
            e,
            Rc::clone(&utf16_errors),
        )),
        _ => Box::new(file),
    };
    let tail = Rc::new(Cell::new(Tail::default()));
    let source = TailReader {
        inner: source,
        tail: Rc::clone(&tail),
    };
    // Records end at `\n` only (a `\r` before it is trimmed with the last field), so that each
    // record's first line can be worked out from where it ends (see `record_line`).
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 16)
        .from_reader(source);

    let gbk = enc == Enc::Gbk;
    let odd_line = Cell::new(0usize);
    let mut builder: Option<Builder<'_>> = None;
    let mut record = csv::ByteRecord::new();
    let mut rows_before_header = 0usize;
    let read_error = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line() as usize);
        FormatError::input(path, line, format!("CSV 读取失败 (cannot read CSV): {e}"))
    };
    // The header: the first row naming a coordinate column.
    while builder.is_none() {
        if !reader.read_byte_record(&mut record).map_err(read_error)? {
            break;
        }
        let line = record_line(&record, reader.position(), tail.get());
        let row = CsvRow {
            record: &record,
            gbk,
            odd_line: &odd_line,
            line,
        };
        let headers: Vec<String> = (0..record.len())
            .map(|c| row.field(c).text().into_owned())
            .collect();
        if headers.iter().any(|h| is_coordinate_header(h)) {
            let cols = Columns::from_headers(&headers);
            cols.require_coordinates(path, line)?;
            let mut b = Builder::new(path, ':', 1, cols, enc.name());
            if line > 1 {
                b.warn(
                    line,
                    None,
                    format!(
                        "表头前的 {} 行已跳过 (lines before the header skipped)",
                        line - 1
                    ),
                );
            }
            let rows = chunks.as_ref().map_or(usize::MAX, |c| c.0);
            b.reserve((expected_rows as usize).min(rows), expected_rows as usize);
            builder = Some(b);
        } else {
            rows_before_header += 1;
            if rows_before_header >= MAX_HEADER_ROW {
                break;
            }
        }
    }
    let Some(mut builder) = builder else {
        return Err(FormatError::input(
            path,
            0,
            "未找到含经度/纬度的表头行 (no header row with longitude/latitude columns)",
        )
        .into());
    };
    // The data, in batches: records are split here, in order; their fields are parsed in
    // parallel (when there are threads to spare); the rows are accepted in file order, which
    // is where duplicate ids are found. The batch's records are reused.
    let parallel = rayon::current_num_threads() > 1;
    let mut batch: Vec<(csv::ByteRecord, usize)> = Vec::new();
    loop {
        let mut n = 0;
        while n < BATCH_ROWS {
            if n == batch.len() {
                batch.push((csv::ByteRecord::new(), 0));
            }
            let (rec, line) = &mut batch[n];
            if !reader.read_byte_record(rec).map_err(read_error)? {
                break;
            }
            *line = record_line(rec, reader.position(), tail.get());
            n += 1;
        }
        let parsed: Vec<(Option<ParsedRow>, usize)> = {
            let b = &builder;
            let parse = |(record, line): &(csv::ByteRecord, usize)| {
                let odd = Cell::new(0usize);
                let row = CsvRow {
                    record,
                    gbk,
                    odd_line: &odd,
                    line: *line,
                };
                (b.parse(&row, *line, None), odd.get())
            };
            if parallel && n >= 512 {
                batch[..n].par_iter().map(parse).collect()
            } else {
                batch[..n].iter().map(parse).collect()
            }
        };
        // The id table is far larger than the cache: ask for the slot of the row a few
        // places ahead while this one is checked.
        let ahead: Vec<u64> = parsed
            .iter()
            .map(|(r, _)| r.as_ref().map_or(0, |r| r.id_hash))
            .collect();
        for (k, (row, odd)) in parsed.into_iter().enumerate() {
            if let Some(&h) = ahead.get(k + PREFETCH_ROWS) {
                if h != 0 {
                    builder.prefetch_hash(h);
                }
            }
            if odd > 0 && odd_line.get() == 0 {
                odd_line.set(odd);
            }
            if let Some(row) = row {
                builder.accept(row);
            }
            if let Some((rows, sink)) = chunks.as_mut() {
                if builder.list.clues.len() >= *rows {
                    let full =
                        std::mem::replace(&mut builder.list.clues, Vec::with_capacity(*rows));
                    sink(full)?;
                }
            }
        }
        if n < BATCH_ROWS {
            break;
        }
    }
    let first_odd = odd_line.get();
    if first_odd > 0 {
        let message = if gbk {
            "含 GBK 无法解码的字节，已用替换字符 (bytes that are not GBK were replaced)"
        } else {
            "含非 UTF-8 字节的字段已按 GBK 解码 (fields that are not UTF-8 were decoded as GBK)"
        };
        builder.warn(first_odd, None, message.to_string());
    }
    let mut list = builder.finish();
    if let Some((_, sink)) = chunks.as_mut() {
        let rest = std::mem::take(&mut list.clues);
        if !rest.is_empty() {
            sink(rest)?;
        }
    }
    if utf16_errors.get() {
        list.warnings.push(format!(
            "{}: 含无法解码的 UTF-16 字节，已用替换字符 (undecodable UTF-16 replaced)",
            crate::formats::display_name(path)
        ));
    }
    Ok(list)
}

/// The 1-based line on which `record` starts.
///
/// The csv crate stamps a record with the position where reading began, which lies before
/// any skipped blank lines; so the line is counted back from where the record ended instead:
/// the reader's line counter after the record, minus the newlines inside quoted fields, minus
/// the terminating newline (absent only for a last record at the end of the stream).
fn record_line(record: &csv::ByteRecord, end: &csv::Position, tail: Tail) -> usize {
    let inner = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    let terminated = end.byte() < tail.total || tail.last == b'\n';
    end.line()
        .saturating_sub(inner)
        .saturating_sub(u64::from(terminated))
        .max(1) as usize
}

/// How many bytes the CSV parser has been given, and the last of them.
#[derive(Clone, Copy, Debug, Default)]
struct Tail {
    total: u64,
    last: u8,
}

/// Passes bytes through, keeping count in a [`Tail`].
struct TailReader<R> {
    inner: R,
    tail: Rc<Cell<Tail>>,
}

impl<R: Read> Read for TailReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            let t = self.tail.get();
            self.tail.set(Tail {
                total: t.total + n as u64,
                last: buf[n - 1],
            });
        }
        Ok(n)
    }
}

/// A CSV record seen as a [`Row`]; fields are decoded as they are asked for.
struct CsvRow<'a> {
    record: &'a csv::ByteRecord,
    gbk: bool,
    /// The first line where a field needed a fallback (or had undecodable bytes).
    odd_line: &'a Cell<usize>,
    line: usize,
}

impl Row for CsvRow<'_> {
    fn field(&self, col: usize) -> Field<'_> {
        let Some(bytes) = self.record.get(col) else {
            return Field::Empty;
        };
        let bytes = bytes.trim_ascii();
        if bytes.is_empty() {
            return Field::Empty;
        }
        if !self.gbk {
            if let Ok(s) = std::str::from_utf8(bytes) {
                return Field::Text(Cow::Borrowed(s));
            }
        }
        let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
        if (!self.gbk || had_errors) && self.odd_line.get() == 0 {
            self.odd_line.set(self.line);
        }
        Field::Text(text)
    }

    fn len(&self) -> usize {
        self.record.len()
    }

    fn all_empty(&self) -> bool {
        self.record.iter().all(|f| f.trim_ascii().is_empty())
    }
}

/// Transcodes a UTF-16 stream into UTF-8 as it is read.
struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    done: bool,
    output: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    had_errors: Rc<Cell<bool>>,
}

impl<R: Read> Transcoder<R> {
    fn new(inner: R, encoding: &'static Encoding, had_errors: Rc<Cell<bool>>) -> Self {
        Transcoder {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 1 << 16],
            in_pos: 0,
            in_len: 0,
            eof: false,
            done: false,
            output: vec![0; 1 << 16],
            out_pos: 0,
            out_len: 0,
            had_errors,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_pos < self.out_len {
                let n = buf.len().min(self.out_len - self.out_pos);
                buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_pos == self.in_len && !self.eof {
                self.in_len = self.inner.read(&mut self.input)?;
                self.in_pos = 0;
                self.eof = self.in_len == 0;
            }
            let last = self.eof;
            let (result, read, written, had_errors) = self.decoder.decode_to_utf8(
                &self.input[self.in_pos..self.in_len],
                &mut self.output,
                last,
            );
            self.in_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            if had_errors {
                self.had_errors.set(true);
            }
            if last && result == CoderResult::InputEmpty {
                self.done = true;
            }
        }
    }
}
