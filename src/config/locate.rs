//! Where a key is in the file, for errors that say `file:line:column: key: …`.

use std::fmt;

/// A step in a key path: a table key or an array index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg {
    K(&'static str),
    I(usize),
}

impl fmt::Display for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::K(k) => write!(f, "{k}"),
            Seg::I(i) => write!(f, "[{i}]"),
        }
    }
}

/// The line and column of a key path's value in the source.
pub(super) fn locate(text: &str, keypath: &[Seg]) -> Option<(usize, usize)> {
    let doc = toml_edit::ImDocument::parse(text.to_string()).ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    let mut last_span = None;
    for seg in keypath {
        item = match (seg, item) {
            (Seg::K(k), _) => item.get(k)?,
            (Seg::I(i), toml_edit::Item::ArrayOfTables(a)) => {
                let t = a.get(*i)?;
                if let Some(s) = t.span() {
                    last_span = Some(s);
                }
                // Re-enter as an item by looking the next key up in this table.
                let rest = &keypath[keypath.iter().position(|s| matches!(s, Seg::I(j) if j == i))? + 1..];
                let mut it: Option<&toml_edit::Item> = None;
                for r in rest {
                    if let Seg::K(k) = r {
                        it = match it {
                            None => t.get(k),
                            Some(x) => x.get(k),
                        };
                    }
                }
                return it.and_then(|x| x.span()).or(last_span).map(|s| line_col(text, s.start));
            }
            (Seg::I(i), toml_edit::Item::Value(toml_edit::Value::Array(a))) => {
                let v = a.get(*i)?;
                return v.span().map(|s| line_col(text, s.start));
            }
            _ => return last_span.map(|s| line_col(text, s.start)),
        };
        if let Some(s) = item.span() {
            last_span = Some(s);
        }
    }
    item.span().or(last_span).map(|s| line_col(text, s.start))
}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// The dotted key whose value (or name) is at `offset`: the key on that line, inside the
/// last `[table]` header above it.
pub(super) fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..].find('\n').map(|i| offset + i).unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let mut table = None;
    for l in text[..line_start].lines() {
        let l = l.trim();
        if l.starts_with('[') {
            table = Some(l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
        }
    }
    if line.starts_with('[') {
        return Some(line.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    }
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string())?;
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key,
    })
}
