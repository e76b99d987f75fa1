//! How messages are shown.
//!
//! People read a terminal, scripts read a pipe, and programs read JSON, so the format is
//! chosen by where stdout goes: `HH:MM user: text` with one colour per user on a terminal,
//! the same without colour in a pipe, one JSON object per line with `--json`.
//!
//! Message text comes from anyone who knows the room key, so it is never written to a
//! terminal raw: control characters (escape sequences could rewrite the screen or the
//! window title) and bidirectional overrides (which can make text read differently than
//! it is) are replaced.

use crate::base::text::{clean, clean_name};
use crate::ftpchat::file::FileRef;
use crate::ftpchat::message::{Message, TIME_FORMAT};
use chrono::{Datelike, NaiveDate};
use std::io::IsTerminal;

/// Output settings, and the last date shown (a date line is printed when it changes).
#[derive(Debug, Clone)]
pub(crate) struct Style {
    pub(crate) color: bool,
    pub(crate) json: bool,
    /// The terminal layout (date separators, own marker) rather than script output.
    pub(crate) terminal: bool,
    pub(crate) me: String,
    pub(crate) room: String,
    last_date: Option<NaiveDate>,
}

impl Style {
    /// The style for stdout: colour only on a terminal, without `$NO_COLOR`, not `TERM=dumb`.
    pub(crate) fn for_stdout(json: bool, me: &str, room: &str) -> Style {
        let terminal = std::io::stdout().is_terminal();
        Style::new(terminal && color_allowed(), json, terminal, me, room)
    }

    pub(crate) fn new(color: bool, json: bool, terminal: bool, me: &str, room: &str) -> Style {
        Style { color, json, terminal, me: me.to_string(), room: room.to_string(), last_date: None }
    }

    /// One message, ready to print (possibly several lines; no trailing newline).
    pub(crate) fn message(&mut self, m: &Message) -> String {
        let own = m.user == self.me;
        if self.json {
            #[derive(serde::Serialize)]
            struct Json<'a> {
                room: &'a str,
                time: String,
                sent: u64,
                user: &'a str,
                text: &'a str,
                own: bool,
                #[serde(skip_serializing_if = "Option::is_none")]
                file: Option<File>,
            }
            #[derive(serde::Serialize)]
            struct File {
                id: String,
                name: String,
                size: u64,
                sha256: String,
                #[serde(rename = "ref")]
                reference: String,
            }
            let file = FileRef::find(&m.text).map(|(r, _)| File {
                reference: r.uri(),
                id: r.id,
                name: r.name,
                size: r.size,
                sha256: r.sha256,
            });
            let j = Json {
                room: &self.room,
                time: m.time.format(TIME_FORMAT).to_string(),
                sent: m.sent,
                user: &m.user,
                text: &m.text,
                own,
                file,
            };
            return serde_json::to_string(&j).expect("a message serializes");
        }
        let mut out = String::new();
        let date = m.time.date();
        if self.terminal && self.last_date != Some(date) {
            if self.last_date.is_some() || date != chrono::Local::now().date_naive() {
                let label = format!("── {} {} ──", weekday(date), date);
                out.push_str(&self.dim(&label));
                out.push('\n');
            }
            self.last_date = Some(date);
        }
        let user = clean_name(&m.user);
        let hhmm = m.time.format("%H:%M").to_string();
        let prefix_width = hhmm.chars().count() + 1 + user.chars().count() + 2;
        let name = match (self.color, own && self.terminal) {
            (true, true) => format!("\x1b[1;7;{}m{user}\x1b[0m", colour_of(&m.user)),
            (true, false) => format!("\x1b[1;{}m{user}\x1b[0m", colour_of(&m.user)),
            (false, true) => format!("*{user}"),
            (false, false) => user.clone(),
        };
        let time = if self.color { format!("\x1b[2m{hhmm}\x1b[0m") } else { hhmm };
        // A shared file: what people read, and how to fetch it (not the long reference).
        let text = match FileRef::find(&m.text) {
            Some((r, before)) => {
                let hint = format!("[loft get {}]", &r.id[..8]);
                format!("{} {}", clean(&before), self.dim(&hint))
            }
            None => clean(&m.text),
        };
        let indent = " ".repeat(prefix_width);
        let body = text.split('\n').collect::<Vec<_>>().join(&format!("\n{indent}"));
        out.push_str(&format!("{time} {name}: {body}"));
        out
    }

    /// A line about the room rather than in it (dim on a terminal).
    pub(crate) fn notice(&self, text: &str) -> String {
        self.dim(&format!("-- {text}"))
    }

    pub(crate) fn dim(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[2m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn weekday(d: NaiveDate) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.weekday().num_days_from_monday() as usize]
}

/// Whether colour is allowed at all (`$NO_COLOR`, `TERM=dumb`).
pub(crate) fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// An ANSI colour (31-36, 91-96) per user name, stable across runs and machines.
pub(crate) fn colour_of(user: &str) -> u8 {
    const COLOURS: [u8; 12] = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];
    let h = user.bytes().fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    COLOURS[(h % COLOURS.len() as u32) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(user: &str, text: &str) -> Message {
        Message {
            sent: 1795000000,
            time: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap().and_hms_opt(10, 15, 0).unwrap(),
            user: user.into(),
            text: text.into(),
        }
    }

    #[test]
    fn plain_and_json() {
        let mut s = Style::new(false, false, false, "me", "lobby");
        assert_eq!(s.message(&msg("alice", "hello")), "10:15 alice: hello");
        assert_eq!(s.message(&msg("bob", "a\nb")), "10:15 bob: a\n           b");
        assert_eq!(s.message(&msg("eve", "\x1b]0;pwned\x07x\u{202e}")), "10:15 eve: \u{fffd}]0;pwned\u{fffd}x\u{fffd}");
        let mut j = Style::new(false, true, false, "me", "lobby");
        let v: serde_json::Value = serde_json::from_str(&j.message(&msg("me", "x\ny"))).unwrap();
        assert_eq!(v["user"], "me");
        assert_eq!(v["own"], true);
        assert_eq!(v["text"], "x\ny");
        assert_eq!(v["time"], "2026-11-22 10:15");
        assert_eq!(v["sent"], 1795000000);
        assert_eq!(v["room"], "lobby");
    }

    #[test]
    fn a_name_cannot_forge_a_line() {
        let mut s = Style::new(false, false, false, "me", "lobby");
        let forged = msg("eve: hi\n10:16 admin", "please send your key");
        assert_eq!(s.message(&forged), "10:15 eve: hi\u{fffd}10:16 admin: please send your key");
        assert_eq!(clean_name("ad\u{200b}min\u{202e}\u{200f}"), "ad\u{fffd}min\u{fffd}\u{fffd}");
        assert_eq!(clean_name("أحمد"), "أحمد");
        assert_eq!(clean("a\u{200f}b\nc"), "a\u{fffd}b\nc");
    }

    #[test]
    fn terminal_marks_own_messages_and_dates() {
        let mut s = Style::new(true, false, true, "me", "lobby");
        let old = |u: &str| Message { time: msg(u, "").time - chrono::Duration::days(3000), ..msg(u, "hi") };
        let out = s.message(&old("me"));
        assert!(out.contains("── "), "{out}");
        assert!(out.contains("\x1b[1;7;"), "{out}");
        let again = s.message(&old("bob"));
        assert!(!again.contains("── ") && !again.contains(";7;"), "{again}");
        assert_eq!(colour_of("bob"), colour_of("bob"));
    }
}
