//! Text for people and for URLs, done one way everywhere: sizes, percent-encoding, and
//! cleaning what someone else wrote before it is shown.
//!
//! **Sizes** are decimal (1 KB = 1000 bytes, 1 MB = 1000 KB), as phones and file managers
//! show them, to at most one decimal: `12 B`, `340 KB`, `2.1 MB`. Every command, every
//! reply and the page (`files.js`' `humanSize`) use this one convention; a limit that is a
//! power of two (16 MiB) reads `17 MB`, and replies that state a limit give the exact byte
//! count beside it.

use std::fmt::Write as _;

/// `12 B`, `340 KB`, `2.1 MB`: a size for people (see the module documentation).
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 999.95 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if v < 9.95 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// Percent-encoding of UTF-8: every byte but `A-Z a-z 0-9 - . _ ~` (RFC 3986's
/// unreserved characters) becomes `%XX`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// How strict [`percent_decode`] is with what it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// A URL's parts and Loft's own references: a `%` not followed by two hex digits, or
    /// bytes that are not UTF-8, are errors; `+` is a `+`.
    Strict,
    /// An HTML form's query (`application/x-www-form-urlencoded`): `+` is a space, a stray
    /// `%` stays as it is, and bytes that are not UTF-8 become U+FFFD.
    Form,
}

/// Undoes [`percent_encode`] (and other encoders' `%XX`); `Err` says what is wrong.
pub fn percent_decode(s: &str, how: Decode) -> Result<String, PercentError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        match (b[i], hex) {
            (b'+', _) if how == Decode::Form => out.push(b' '),
            (b'%', Some(h)) => {
                out.push(h.iter().fold(0u8, |v, d| v * 16 + (*d as char).to_digit(16).unwrap_or(0) as u8));
                i += 2;
            }
            (b'%', None) if how == Decode::Strict => return Err(PercentError::Escape(s.to_string())),
            (c, _) => out.push(c),
        }
        i += 1;
    }
    match how {
        Decode::Strict => String::from_utf8(out).map_err(|_| PercentError::Utf8(s.to_string())),
        Decode::Form => Ok(String::from_utf8_lossy(&out).into_owned()),
    }
}

/// A path (or a name) a client chose, made safe for a log line: control characters
/// (`ESC`, `CR`, `NUL`, …) and bidirectional overrides are written escaped (`\u{1b}`), so
/// a room name cannot rewrite an admin's terminal or forge a log line.
pub fn logged(p: &std::path::Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || is_bidi(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Why [`percent_decode`] refused a text (in [`Decode::Strict`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PercentError {
    /// A `%` not followed by two hex digits.
    Escape(String),
    /// The escapes decode to bytes that are not UTF-8.
    Utf8(String),
}

impl std::fmt::Display for PercentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PercentError::Escape(s) => write!(f, "{s:?}: a '%' not followed by two hex digits"),
            PercentError::Utf8(s) => write!(f, "{s:?}: its %-escapes are not UTF-8"),
        }
    }
}

impl std::error::Error for PercentError {}

/// Text someone else wrote, made safe to show on a terminal or in a log: line ends become
/// `\n`, and control characters (escape sequences) and bidirectional overrides (which make
/// text read differently than it is) become U+FFFD. Newlines and tabs stay.
pub fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{fffd}',
            c if is_bidi(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Bidirectional overrides, embeddings, isolates and marks: they make text read
/// differently than it is.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// A name (a sender, a file) made safe to show: like [`clean`], and a newline (U+2028 and
/// U+2029 too), a tab or an invisible (zero-width) character becomes U+FFFD. A name is one
/// line chosen by whoever sent it; with a newline in it, the rest of the name would print
/// as a separate, clean-looking message from someone else.
pub fn clean_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            c if c.is_control() || is_bidi(c) => '\u{fffd}',
            '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{180e}' => '\u{fffd}',
            // Unicode's line and paragraph separators: a line end in many terminals and pages.
            '\u{2028}' | '\u{2029}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(2048), "2.0 KB");
        assert_eq!(human_size(340_000), "340 KB");
        assert_eq!(human_size(2_100_000), "2.1 MB");
        assert_eq!(human_size(999_999), "1.0 MB");
        assert_eq!(human_size(16 << 20), "17 MB");
        assert_eq!(human_size(3_500_000_000_000_000), "3500 TB");
    }

    #[test]
    fn percent_round_trip_and_modes() {
        let s = "café & co #1?.jpg";
        let e = percent_encode(s);
        assert_eq!(e, "caf%C3%A9%20%26%20co%20%231%3F.jpg");
        assert_eq!(percent_decode(&e, Decode::Strict).unwrap(), s);
        assert_eq!(percent_decode("a+b%2Bc", Decode::Form).unwrap(), "a b+c");
        assert_eq!(percent_decode("a+b", Decode::Strict).unwrap(), "a+b");
        assert_eq!(percent_decode("100%", Decode::Form).unwrap(), "100%");
        assert!(percent_decode("100%", Decode::Strict).unwrap_err().to_string().contains("two hex digits"));
        assert!(percent_decode("%zz", Decode::Strict).is_err());
        assert!(percent_decode("%ff", Decode::Strict).unwrap_err().to_string().contains("UTF-8"));
        assert_eq!(percent_decode("%ff", Decode::Form).unwrap(), "\u{fffd}");
        // Multi-byte text around a stray '%' never splits a character.
        assert_eq!(percent_decode("é%é", Decode::Form).unwrap(), "é%é");
    }

    #[test]
    fn logged_paths_are_escaped() {
        let p = std::path::Path::new("/r/lob\x1b]0;pwned\x07by\r\nINFO fake\u{202e}.txt");
        assert_eq!(logged(p), "/r/lob\\u{1b}]0;pwned\\u{7}by\\u{d}\\u{a}INFO fake\\u{202e}.txt");
        assert_eq!(logged(std::path::Path::new("/r/أحمد.txt")), "/r/أحمد.txt");
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("a\r\nb\x1b[2Jc\u{202e}d\te"), "a\nb\u{fffd}[2Jc\u{fffd}d\te");
        assert_eq!(clean_name("ad\u{200b}min\u{202e}\u{200f}"), "ad\u{fffd}min\u{fffd}\u{fffd}");
        assert_eq!(clean_name("a\nb"), "a\u{fffd}b");
        assert_eq!(clean_name("أحمد"), "أحمد");
        assert_eq!(clean_name("eve\u{2028}admin\u{2029}x"), "eve\u{fffd}admin\u{fffd}x");
    }
}
