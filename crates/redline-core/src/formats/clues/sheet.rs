//! Spreadsheet clue lists (XLSX, also XLS/ODS through calamine): the first worksheet; the
//! header is the first row naming a coordinate column.

use std::borrow::Cow;
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::{is_coordinate_header, Builder, ClueList, Columns, Field, Row};
use crate::formats::{FormatError, FormatResult};

/// Read the first worksheet of a spreadsheet in memory; `path` names it in messages.
pub(super) fn parse(bytes: &[u8], path: &Path) -> FormatResult<ClueList> {
    let mut workbook = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| {
        FormatError::input(
            path,
            0,
            format!("无法打开电子表格 (cannot open spreadsheet): {e}"),
        )
    })?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            return Err(FormatError::input(
                path,
                0,
                format!("无法读取第一个工作表 (cannot read the first worksheet): {e}"),
            ))
        }
        None => {
            return Err(FormatError::input(
                path,
                0,
                "工作簿没有工作表 (no worksheet)",
            ))
        }
    };
    // Absolute position of the range's first cell (0-based).
    let (row0, col0) = range
        .start()
        .map_or((0, 0), |(r, c)| (r as usize, c as usize));

    let mut builder: Option<Builder<'_>> = None;
    for (i, cells) in range.rows().enumerate() {
        let line = row0 + i + 1;
        let row = SheetRow(cells);
        match builder.as_mut() {
            Some(b) => b.push(&row, line, None),
            None => {
                let headers: Vec<String> = (0..cells.len())
                    .map(|c| row.field(c).text().into_owned())
                    .collect();
                if headers.iter().any(|h| is_coordinate_header(h)) {
                    let cols = Columns::from_headers(&headers);
                    cols.require_coordinates(path, line)?;
                    builder = Some(Builder::new(path, ':', col0 + 1, cols, "XLSX".to_string()));
                }
            }
        }
    }
    builder.map(Builder::finish).ok_or_else(|| {
        FormatError::input(
            path,
            0,
            "第一个工作表中未找到含经度/纬度的表头行 (no header row with longitude/latitude columns in the first worksheet)",
        )
    })
}

/// A worksheet row seen as a [`Row`].
struct SheetRow<'a>(&'a [Data]);

impl Row for SheetRow<'_> {
    fn field(&self, col: usize) -> Field<'_> {
        match self.0.get(col) {
            None | Some(Data::Empty) => Field::Empty,
            Some(Data::Int(i)) => Field::Number(*i as f64),
            Some(Data::Float(f)) => Field::Number(*f),
            Some(Data::String(s)) if s.trim().is_empty() => Field::Empty,
            Some(Data::String(s)) => Field::Text(Cow::Borrowed(s.as_str())),
            Some(other) => Field::Text(Cow::Owned(other.to_string())),
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}
