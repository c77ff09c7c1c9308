//! A markdown table writer shared by the `EXPECTED.md` files of both data sets.

/// A table being appended to a string: created with its header (and the `|---|` rule), then
/// one [`MdTable::row`] per line.
#[derive(Debug)]
pub struct MdTable<'a> {
    out: &'a mut String,
    columns: usize,
}

impl<'a> MdTable<'a> {
    /// Append the header line `| a | b |` and the rule `|---|---|` to `out`.
    pub fn new(out: &'a mut String, headers: &[&str]) -> Self {
        push_row(out, headers);
        out.push('|');
        for _ in headers {
            out.push_str("---|");
        }
        out.push('\n');
        MdTable {
            out,
            columns: headers.len(),
        }
    }

    /// Append one row `| a | b |` (as many cells as the header has columns).
    pub fn row(&mut self, cells: &[&str]) {
        debug_assert_eq!(cells.len(), self.columns, "cells of a markdown row");
        push_row(self.out, cells);
    }
}

fn push_row(out: &mut String, cells: &[&str]) {
    out.push_str("| ");
    out.push_str(&cells.join(" | "));
    out.push_str(" |\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rule_and_rows() {
        let mut s = String::from("## T\n\n");
        let mut t = MdTable::new(&mut s, &["a", "b c"]);
        t.row(&["1", "x y"]);
        t.row(&["", "**2**"]);
        assert_eq!(
            s,
            "## T\n\n| a | b c |\n|---|---|\n| 1 | x y |\n|  | **2** |\n"
        );
    }
}
