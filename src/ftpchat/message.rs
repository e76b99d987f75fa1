//! The plaintext of an FTPChat v1.7 message: `YYYY-MM-DD HH:MM:<user>: <text>`.
//!
//! The time is the sender's local time, to the minute; trailing whitespace is stripped as
//! Python's `str.rstrip()` strips it. A user name cannot contain `": "`, which is how a
//! reader finds where the name ends. This part needs no key: the relay uses it for names,
//! the client and the page for every line they seal or open.

use chrono::NaiveDateTime;

/// The timestamp format at the start of every plaintext.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";
/// Length of a formatted [`TIME_FORMAT`] timestamp.
const TIME_LEN: usize = 16;

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// When the token was made (Unix seconds, from the Fernet header): comparable across
    /// time zones, unlike [`Message::time`].
    pub sent: u64,
    /// The time the sender wrote in the message, in the sender's local time.
    pub time: NaiveDateTime,
    pub user: String,
    pub text: String,
}

/// The plaintext of a message: `YYYY-MM-DD HH:MM:<user>: <text>`, trailing whitespace
/// stripped (so an empty text leaves `…:<user>:`).
pub fn compose(time: NaiveDateTime, user: &str, text: &str) -> String {
    let s = format!("{}:{}: {}", time.format(TIME_FORMAT), user, text);
    rstrip(&s).to_string()
}

/// Python's `str.rstrip()`: FTPChat strips with it, and it also strips U+001C..U+001F,
/// which Rust's `trim_end` keeps.
fn rstrip(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Splits a plaintext into time, user and text. A user name cannot contain `": "`, so the
/// first `": "` after the timestamp ends it; the text is everything after (colons and
/// newlines included). With no `": "` at all the message had an empty text and the
/// plaintext ends in `:`.
pub fn parse(plain: &str) -> Result<(NaiveDateTime, String, String), MessageError> {
    let ts = plain.get(..TIME_LEN).ok_or(MessageError::TooShort)?;
    let time = NaiveDateTime::parse_from_str(ts, TIME_FORMAT).map_err(|_| MessageError::NoTimestamp)?;
    let rest = plain[TIME_LEN..].strip_prefix(':').ok_or(MessageError::NoColon)?;
    if let Some((user, text)) = rest.split_once(": ") {
        return Ok((time, user.to_string(), text.to_string()));
    }
    match rest.strip_suffix(':') {
        Some(user) if !user.contains('\n') => Ok((time, user.to_string(), String::new())),
        _ => Err(MessageError::NoName),
    }
}

/// Why a plaintext is not an FTPChat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    TooShort,
    NoTimestamp,
    NoColon,
    NoName,
}

impl std::fmt::Display for MessageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MessageError::TooShort => "too short for a timestamp",
            MessageError::NoTimestamp => "no YYYY-MM-DD HH:MM timestamp",
            MessageError::NoColon => "no ':' after the timestamp",
            MessageError::NoName => "no ': ' after the user name",
        })
    }
}

impl std::error::Error for MessageError {}

/// Why a name cannot be the sender of messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    /// It contains `": "`, which ends a name.
    Separator(String),
    /// It contains a control character.
    Control(String),
    /// It starts or ends with a space, or ends with `:`.
    Edges(String),
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NameError::Empty => f.write_str("the name is empty"),
            NameError::Separator(n) => write!(f, "{n:?} contains \": \", which ends a name in the FTPChat format"),
            NameError::Control(n) => write!(f, "{n:?} contains a control character (a newline?)"),
            NameError::Edges(n) => {
                write!(f, "{n:?} starts or ends with a space or ends with ':', which other clients misread")
            }
        }
    }
}

impl std::error::Error for NameError {}

/// Checks a name for use as the sender of messages: it must survive [`parse`].
pub fn check_user_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.contains(": ") {
        return Err(NameError::Separator(name.into()));
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::Control(name.into()));
    }
    if name.ends_with(':') || name != rstrip(name) || name.starts_with(char::is_whitespace) {
        return Err(NameError::Edges(name.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap().and_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn compose_strips_trailing_whitespace_like_python() {
        assert_eq!(compose(t(10, 19), "dave", ""), "2026-11-22 10:19:dave:");
        assert_eq!(compose(t(10, 19), "dave", "hi \n\t\u{1f}"), "2026-11-22 10:19:dave: hi");
        assert_eq!(compose(t(9, 5), "a", " lead"), "2026-11-22 09:05:a:  lead");
    }

    #[test]
    fn parse_handles_colons_newlines_and_empty_text() {
        let p = |s: &str| parse(s).map(|(_, u, x)| (u, x));
        assert_eq!(
            p("2026-11-22 10:18:carol: colons: in: the: text"),
            Ok(("carol".into(), "colons: in: the: text".into()))
        );
        assert_eq!(p("2026-11-22 10:19:dave:"), Ok(("dave".into(), "".into())));
        assert_eq!(p("2026-11-22 10:19:a:b: x"), Ok(("a:b".into(), "x".into())));
        assert_eq!(p("2026-11-22 10:16:bob: 1\n2: 3\n"), Ok(("bob".into(), "1\n2: 3\n".into())));
        assert_eq!(p("2026-11-22 10:16:bob:x"), Err(MessageError::NoName));
        assert!(p("2026-11-22 10:16").is_err());
        assert!(p("hello world, this is not it").is_err());
        assert!(p("2026-13-22 10:16:bob: x").is_err());
        assert!(p("").is_err());
        // Multi-byte characters right where the timestamp would end must not panic.
        assert!(p("ééééééééé: x").is_err());
    }

    #[test]
    fn user_names() {
        assert!(check_user_name("alice").is_ok());
        assert!(check_user_name("a:b").is_ok());
        assert!(check_user_name("أحمد").is_ok());
        for bad in ["", "a: b", "a\nb", "bob:", " bob", "bob "] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }
}
