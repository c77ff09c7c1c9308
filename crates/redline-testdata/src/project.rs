//! A small writer of redline project files (`project.toml`, the shape of
//! [`redline_core::config`]), shared by both data sets: comment lines, settings, tables and
//! `[[layer]]` entries. Every table header is preceded by a blank line; the file ends with the
//! last setting's newline.

use std::fmt::Write as _;

/// A `project.toml` under construction.
#[derive(Clone, Debug, Default)]
pub struct ProjectToml {
    text: String,
}

impl ProjectToml {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// `# line` for every line of `text`.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        for line in text.lines() {
            let _ = writeln!(self.text, "# {line}");
        }
        self
    }

    /// A string setting, `key = "value"` (TOML basic string).
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        let _ = writeln!(self.text, "{key} = {}", quoted(value));
        self
    }

    /// A float setting, `key = 180.0` (shortest round-trip form, always a TOML float).
    pub fn float(&mut self, key: &str, value: f64) -> &mut Self {
        let v = if value.is_nan() {
            "nan".to_string()
        } else if value.is_infinite() {
            if value > 0.0 { "inf" } else { "-inf" }.to_string()
        } else {
            format!("{value:?}")
        };
        let _ = writeln!(self.text, "{key} = {v}");
        self
    }

    /// A table header `[name]` (after a blank line); the settings that follow belong to it.
    pub fn table(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.text, "\n[{name}]\n");
        self
    }

    /// A `[[layer]]` entry (after a blank line) with string settings, in the given order.
    pub fn layer(&mut self, settings: &[(&str, &str)]) -> &mut Self {
        self.text.push_str("\n[[layer]]\n");
        for (key, value) in settings {
            self.string(key, value);
        }
        self
    }

    /// The text of the file.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

/// `value` as a TOML basic string.
fn quoted(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04X}", u32::from(c));
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_values() {
        let text = ProjectToml::new()
            .comment("a\nb")
            .string("working_crs", "EPSG:4527")
            .table("homestead")
            .float("max_area_m2", 180.0)
            .float("max_lat", 30.05)
            .layer(&[("name", "x"), ("path", "a\\b \"c\".shp")])
            .finish();
        assert_eq!(
            text,
            "# a\n# b\nworking_crs = \"EPSG:4527\"\n\n[homestead]\nmax_area_m2 = 180.0\n\
             max_lat = 30.05\n\n[[layer]]\nname = \"x\"\npath = \"a\\\\b \\\"c\\\".shp\"\n"
        );
    }
}
