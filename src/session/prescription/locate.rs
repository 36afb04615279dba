//! Where a prescription is wrong: the error with its line, column and key path, and the index of
//! every key's span in the document that finds them.

use std::fmt;
use std::ops::Range;

/// Where and what is wrong in a prescription file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriptionError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The key path of the field in question, e.g. `exercise[1].reps` (empty when the error is
    /// about the whole file).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The file, when parsed from one.
    pub file: Option<String>,
}

impl fmt::Display for PrescriptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        write!(f, "{}:{}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "`{}`: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PrescriptionError {}

/// 1-based (line, column) of a byte offset; the column counts characters.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

pub(super) fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Every key and value of the document with its span, for mapping spans to key paths and back.
pub(super) struct SpanIndex {
    /// (path, span of the key, span of the value).
    entries: Vec<(Vec<Seg>, Range<usize>, Range<usize>)>,
}

impl SpanIndex {
    pub(super) fn new(text: &str) -> Self {
        let (doc, _errors) = toml::de::DeTable::parse_recoverable(text);
        let mut entries = Vec::new();
        fn walk_value(v: &toml::Spanned<toml::de::DeValue<'_>>, path: &mut Vec<Seg>, out: &mut SpanIndexEntries) {
            match v.get_ref() {
                toml::de::DeValue::Table(t) => walk_table(t, path, out),
                toml::de::DeValue::Array(a) => {
                    for (i, item) in a.iter().enumerate() {
                        path.push(Seg::Index(i));
                        out.push((path.clone(), item.span(), item.span()));
                        walk_value(item, path, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        fn walk_table(t: &toml::de::DeTable<'_>, path: &mut Vec<Seg>, out: &mut SpanIndexEntries) {
            for (k, v) in t {
                path.push(Seg::Key(k.get_ref().to_string()));
                out.push((path.clone(), k.span(), v.span()));
                walk_value(v, path, out);
                path.pop();
            }
        }
        walk_table(doc.get_ref(), &mut Vec::new(), &mut entries);
        Self { entries }
    }

    /// The most specific key path whose key or value covers `offset`; failing that (a syntax
    /// error after the key, e.g. a missing value or an unclosed string), the last key that starts
    /// on the same line before `offset`.
    pub(super) fn path_at(&self, text: &str, offset: usize) -> Vec<Seg> {
        let covering = self.covering(offset);
        if !covering.is_empty() {
            return covering;
        }
        let line_start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        self.entries
            .iter()
            .filter(|(_, k, _)| k.start >= line_start && k.start <= offset)
            .max_by_key(|(p, k, _)| (k.start, p.len()))
            .map(|(p, _, _)| p.clone())
            .unwrap_or_default()
    }

    pub(super) fn covering(&self, offset: usize) -> Vec<Seg> {
        let hit = |r: &Range<usize>| r.start <= offset && (offset < r.end || (r.is_empty() && offset == r.start));
        self.entries
            .iter()
            .filter_map(|(p, k, v)| {
                if hit(k) {
                    Some((p, k.len()))
                } else if hit(v) {
                    Some((p, v.len()))
                } else {
                    None
                }
            })
            // Smallest span first, then the deepest path.
            .min_by_key(|(p, len)| (*len, usize::MAX - p.len()))
            .map(|(p, _)| p.clone())
            .unwrap_or_default()
    }

    /// The span of a key path: its value for scalars, its key otherwise (tables and arrays of
    /// tables are spread over the file, the key is where they start).
    pub(super) fn span_of(&self, path: &[Seg]) -> Option<Range<usize>> {
        self.entries
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, k, v)| if v.len() < 200 { v.clone() } else { k.clone() })
    }
}

type SpanIndexEntries = Vec<(Vec<Seg>, Range<usize>, Range<usize>)>;
