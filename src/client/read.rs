//! `loft read`: a room printed once, or followed (`--follow`), for people and for scripts.

use super::follow::{follow_loop, Follow};
use super::outbox::Outbox;
use super::output::Style;
use super::reader::{Batch, RoomReader, Shown};
use super::send::report_flush;
use super::session::{stderr_notifier, Session};
use super::target::{self, RoomChoice, Target};
use super::{runtime, Error, Exit, ReadArgs, Result};
use crate::ftpchat::key::RoomKey;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// Parses `--since`: `YYYY-MM-DD HH:MM`, `YYYY-MM-DD`, `HH:MM` (today), a duration back
/// from now (`90s`, `30m`, `2h`, `7d`), or `@UNIX`. Returns Unix seconds.
pub(crate) fn parse_since(s: &str, now: chrono::DateTime<chrono::Local>) -> Result<u64, String> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
    let s = s.trim();
    let bad = || {
        format!("--since {s:?}: expected `YYYY-MM-DD HH:MM`, `YYYY-MM-DD`, `HH:MM`, a duration like `30m`/`2h`/`7d`, or `@UNIXTIME`")
    };
    if let Some(u) = s.strip_prefix('@') {
        return u.parse().map_err(|_| bad());
    }
    if let Some(unit) = s.chars().last().filter(|c| "smhdw".contains(*c)) {
        if let Ok(n) = s[..s.len() - 1].trim().parse::<u64>() {
            let secs = n * match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => 7 * 86400,
            };
            return Ok((now.timestamp() as u64).saturating_sub(secs));
        }
    }
    let local = |dt: NaiveDateTime| {
        chrono::Local.from_local_datetime(&dt).earliest().map(|d| d.timestamp() as u64).ok_or_else(bad)
    };
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return local(dt);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local(d.and_hms_opt(0, 0, 0).expect("midnight"));
    }
    if let Ok(t) = NaiveTime::parse_from_str(s, "%H:%M") {
        return local(now.date_naive().and_time(t));
    }
    Err(bad())
}

/// Writes to stdout; a closed pipe (`| head`) ends the command quietly.
pub(crate) struct Out {
    pub(crate) style: Style,
    pub(crate) since: Option<u64>,
    pub(crate) closed: bool,
}

impl Out {
    pub(crate) fn print(&mut self, b: &Batch) {
        let mut out = std::io::stdout().lock();
        for (m, _) in &b.messages {
            if self.since.is_some_and(|s| m.sent < s) {
                continue;
            }
            let line = self.style.message(m);
            if writeln!(out, "{line}").is_err() {
                self.closed = true;
                return;
            }
        }
        if out.flush().is_err() {
            self.closed = true;
        }
        drop(out);
        notices(b, &|m: &str| eprintln!("{}", self.style.notice(m)));
    }
}

/// The notices of a batch: rewritten file, lines for another key, skipped lines.
pub(crate) fn notices(b: &Batch, say: &dyn Fn(&str)) {
    if b.rewritten {
        say(
            "the room file was rewritten or truncated on the relay; read again from the start (nothing is shown twice)",
        );
    }
    if b.other_key > 0 {
        let n = b.other_key;
        say(&format!(
            "{n} line{} encrypted with another key (a wrong room key, or other people sharing the file)",
            if n == 1 { "" } else { "s" }
        ));
    }
    for s in b.skipped.iter().take(3) {
        say(&format!("skipped {s}"));
    }
    if b.skipped.len() > 3 {
        say(&format!("skipped {} more lines", b.skipped.len() - 3));
    }
}

pub(crate) fn read(args: ReadArgs) -> Result<Exit> {
    let t = Arc::new(target::resolve(&args.connect)?);
    let room = target::resolve_room(&args.room, &t)?;
    let since =
        args.since.as_deref().map(|s| parse_since(s, chrono::Local::now())).transpose().map_err(Error::usage)?;
    let interval = interval(args.interval, &t)?;
    let key = RoomKey::derive(&room.password);
    let style = Style::for_stdout(args.json, &room.sender, &room.name);
    let mut out = Out { style, since, closed: false };
    runtime()?.block_on(async {
        let body = read_body(&t, &room, &key, &mut out, args.follow, args.last, interval);
        tokio::select! {
            r = body => r,
            _ = tokio::signal::ctrl_c() => Ok(Exit::Ok),
        }
    })
}

pub(crate) fn interval(flag: Option<f64>, t: &Target) -> Result<Duration> {
    let secs = flag.or(t.profile.interval).unwrap_or(5.0);
    if !(0.05..=86400.0).contains(&secs) {
        return Err(Error::usage(format!("--interval {secs}: expected seconds between 0.05 and 86400")));
    }
    Ok(Duration::from_secs_f64(secs))
}

async fn read_body(
    t: &Arc<Target>,
    room: &RoomChoice,
    key: &RoomKey,
    out: &mut Out,
    follow: bool,
    last: Option<usize>,
    interval: Duration,
) -> Result<Exit> {
    let notify = stderr_notifier();
    let mut s = Session::new(t.clone(), notify.clone());
    s.connect().await?;
    let outbox = Outbox::for_target(t);
    let (f, _) = outbox.flush(&mut s).await;
    report_flush(&f, None, None);
    let mut reader = RoomReader::new(&room.file, Shown::default());
    let mut b = reader.poll(&mut s, key, !follow).await?;
    if b.missing && !follow {
        return Err(Error::new(
            Exit::Refused,
            format!(
                "there is no room {:?} on {} (no file {}); `loft rooms` lists the rooms",
                room.name,
                t.display(),
                room.file
            ),
        ));
    }
    if b.missing {
        notify(&format!("room {} does not exist yet; waiting for its first message", room.name));
    }
    if let Some(since) = out.since {
        b.messages.retain(|(m, _)| m.sent >= since);
    }
    if let Some(n) = last {
        let skip = b.messages.len().saturating_sub(n);
        b.messages.drain(..skip);
    }
    out.print(&b);
    if !follow || out.closed {
        s.quit().await;
        return Ok(Exit::Ok);
    }
    let f = Follow { key, interval, outbox: Some(&outbox), notify: &notify, reconnected: &|| {} };
    follow_loop(&mut s, &mut reader, &f, &mut |b| {
        out.print(b);
        !out.closed
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_forms() {
        let now = chrono::Local.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let n = now.timestamp() as u64;
        assert_eq!(parse_since("30m", now), Ok(n - 1800));
        assert_eq!(parse_since("2h", now), Ok(n - 7200));
        assert_eq!(parse_since("7d", now), Ok(n - 7 * 86400));
        assert_eq!(parse_since("@1795000000", now), Ok(1795000000));
        assert_eq!(parse_since("11:30", now), Ok(n - 1800));
        assert_eq!(parse_since("2026-11-22 11:00", now), Ok(n - 3600));
        assert_eq!(parse_since("2026-11-22", now), Ok(n - 12 * 3600));
        assert!(parse_since("yesterday", now).is_err());
        assert!(parse_since("m", now).is_err());
    }
}
