//! Times in the config: whole seconds (`600`), or a number with a unit (`"500ms"`, `"2s"`,
//! `"1.5s"`, `"10m"`, `"1h"`), so that tests of timeouts need not wait whole seconds.

use serde::Deserialize;
use std::time::Duration;

/// A time in the config: whole seconds (`600`), or a number with a unit (`"500ms"`, `"2s"`,
/// `"1.5s"`, `"10m"`, `"1h"`), so that tests of timeouts need not wait whole seconds.
pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(n) => Ok(Duration::from_secs(n)),
        Raw::Text(t) => parse(&t).map_err(serde::de::Error::custom),
    }
}

/// `"500ms"`, `"2s"`, `"1.5s"`, `"10m"`, `"1h"`, `"7d"`, or whole seconds (`"600"`).
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("{text:?}: expected seconds (a whole number) or a time with its unit, like \"500ms\", \"2s\", \"10m\", \"7d\"")
    };
    let s = text.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// `600 s`, or `500 ms` for a time under a second or not whole.
pub(crate) fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}
