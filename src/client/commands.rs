//! `loft send`, `loft read` and `loft rooms`: the script-friendly commands.

use super::codec::RoomKey;
use super::outbox::{Flushed, Outbox};
use super::output::Style;
use super::reader::{Batch, RoomReader, Seen};
use super::session::{stderr_notifier, Backoff, Notifier, Session, Waited};
use super::target::{self, is_fatal, RoomChoice, Target};
use super::{Error, Exit, ReadArgs, Result, RoomsArgs, SendArgs};
use std::io::{IsTerminal, Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// How long one `SITE WAIT` lasts before it is renewed.
pub const WAIT_SECS: u64 = 30;

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::new(Exit::Failure, format!("cannot start the async runtime: {e}")))
}

pub fn send(args: SendArgs) -> Result<Exit> {
    let text = message_text(&args.text)?;
    let t = Arc::new(target::resolve(&args.connect)?);
    let room = target::resolve_room(&args.room, &t)?;
    let key = RoomKey::derive(&room.password);
    let token = key.seal_message(&room.sender, &text);
    let outbox = Outbox::for_target(&t);
    runtime()?.block_on(async {
        let mut s = Session::new(t.clone(), stderr_notifier());
        if let Err(e) = s.connect().await {
            if e.exit != Exit::Network || args.no_queue {
                return Err(e);
            }
            outbox.add(&room.file, &token).map_err(|io| outbox_error(&outbox, io))?;
            eprintln!(
                "loft send: {e}\nloft send: the message is kept in the outbox ({} waiting) and will be sent by the next `loft send`, `read` or `chat` that reaches the relay",
                outbox.len()
            );
            return Ok(Exit::Queued);
        }
        if args.no_queue {
            // At most once, for scripts that retry themselves: older queued messages first,
            // then this one straight to the relay, never into the outbox.
            let (done, err) = outbox.flush(&mut s).await;
            report_flush(&done, None, None);
            if let Some(e) = err {
                return Err(e);
            }
            s.append(&room.file, format!("{token}\n").as_bytes()).await?;
            s.quit().await;
            return Ok(Exit::Ok);
        }
        outbox.add(&room.file, &token).map_err(|io| outbox_error(&outbox, io))?;
        let (done, err) = outbox.flush(&mut s).await;
        s.quit().await;
        report_flush(&done, Some(&token), None);
        let mine = |e: &super::outbox::Entry| e.token == token;
        if done.delivered.iter().any(mine) {
            return Ok(Exit::Ok);
        }
        if let Some((_, why)) = done.rejected.iter().find(|(e, _)| mine(e)) {
            return Err(Error::new(Exit::Refused, format!("the relay refused the message: {why}")));
        }
        if done.busy {
            eprintln!("loft send: another loft process is sending this outbox; the message is queued behind it");
            return Ok(Exit::Queued);
        }
        if let Some(e) = err.as_ref().filter(|e| is_fatal(e)) {
            return Err(e.clone());
        }
        let why = err.map(|e| e.to_string()).unwrap_or_else(|| "not delivered".into());
        eprintln!("loft send: {why}\nloft send: the message is kept in the outbox and will be sent by the next `loft send`, `read` or `chat` that reaches the relay");
        Ok(Exit::Queued)
    })
}

fn outbox_error(o: &Outbox, io: std::io::Error) -> Error {
    Error::new(Exit::Failure, format!("cannot write to the outbox {}: {io}", o.dir().display()))
}

/// Says what a flush of the outbox did (on stderr, or through `notify`); `own` is the
/// token of the message just sent, which needs no mention.
pub fn report_flush(f: &Flushed, own: Option<&str>, notify: Option<&Notifier>) {
    let say = |m: String| match notify {
        Some(n) => n(&m),
        None => eprintln!("loft: {m}"),
    };
    let older = f.delivered.iter().filter(|e| Some(e.token.as_str()) != own).count();
    if older > 0 {
        say(format!("sent {older} message{} kept in the outbox", if older == 1 { "" } else { "s" }));
    }
    report_problems(f, &say);
}

/// The part of [`report_flush`] that is news even when deliveries are shown otherwise.
pub fn report_problems(f: &Flushed, say: &dyn Fn(String)) {
    for (e, why) in &f.rejected {
        say(format!(
            "the relay refused a queued message for {} (set aside in the outbox's rejected/ folder): {why}",
            e.room
        ));
    }
    if f.busy {
        say("another loft process is delivering the outbox".into());
    }
}

/// The message: the arguments joined, or standard input for `-` (or no argument with
/// input piped in).
fn message_text(args: &[String]) -> Result<String> {
    let from_stdin = (args.len() == 1 && args[0] == "-") || (args.is_empty() && !std::io::stdin().is_terminal());
    let text = if from_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::usage(format!("cannot read the message from standard input: {e}")))?;
        s
    } else if args.is_empty() {
        return Err(Error::usage("nothing to send: give the TEXT, or `-` to read it from standard input"));
    } else {
        args.join(" ")
    };
    let text = text.trim_end().to_string();
    if text.is_empty() {
        return Err(Error::usage("the message is empty"));
    }
    Ok(text)
}

/// Parses `--since`: `YYYY-MM-DD HH:MM`, `YYYY-MM-DD`, `HH:MM` (today), a duration back
/// from now (`90s`, `30m`, `2h`, `7d`), or `@UNIX`. Returns Unix seconds.
pub fn parse_since(s: &str, now: chrono::DateTime<chrono::Local>) -> Result<u64, String> {
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
pub struct Out {
    pub style: Style,
    pub since: Option<u64>,
    pub closed: bool,
}

impl Out {
    pub fn print(&mut self, b: &Batch) {
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
pub fn notices(b: &Batch, say: &dyn Fn(&str)) {
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

pub fn read(args: ReadArgs) -> Result<Exit> {
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

pub fn interval(flag: Option<f64>, t: &Target) -> Result<Duration> {
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
    let mut reader = RoomReader::new(&room.file, Seen::default());
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

/// What a follow loop needs besides the session and the reader.
pub struct Follow<'a> {
    pub key: &'a RoomKey,
    /// Between polls when the relay has no `SITE WAIT`.
    pub interval: Duration,
    /// Delivered after every reconnect (the chat's sender does its own).
    pub outbox: Option<&'a Outbox>,
    pub notify: &'a Notifier,
    /// Called when the relay is reachable again.
    pub reconnected: &'a (dyn Fn() + Send + Sync),
}

/// Follows a room until `show` returns false or a fatal error: waits (SITE WAIT or the
/// poll interval), reads, reconnects with backoff, delivers the outbox after reconnects.
pub async fn follow_loop(
    s: &mut Session,
    reader: &mut RoomReader,
    f: &Follow<'_>,
    show: &mut (dyn FnMut(&Batch) -> bool + Send),
) -> Result<Exit> {
    let (key, interval, outbox, notify, reconnected) = (f.key, f.interval, f.outbox, f.notify, f.reconnected);
    let mut backoff = Backoff::default();
    let mut down: Option<Error> = None;
    let mut quick_empty = 0u32;
    loop {
        if down.is_none() {
            let asked = std::time::Instant::now();
            match s.wait_for_change(&reader.file, reader.offset(), WAIT_SECS).await {
                Ok(Waited::Unsupported) => tokio::time::sleep(interval).await,
                Ok(Waited::Changed) => {
                    // A wait that keeps answering at once with nothing new must not spin.
                    if asked.elapsed() < Duration::from_millis(100) && quick_empty > 2 {
                        tokio::time::sleep(interval.min(Duration::from_secs(1))).await;
                    }
                }
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    lost(&mut down, e, notify);
                    continue;
                }
            }
        } else {
            tokio::time::sleep(backoff.next_delay()).await;
        }
        match reader.poll(s, key, false).await {
            Ok(b) => {
                if down.take().is_some() {
                    backoff.reset();
                    notify(&format!("connected to {} again", s.target().display()));
                    reconnected();
                    if let Some(outbox) = outbox {
                        let (f, _) = outbox.flush(s).await;
                        report_flush(&f, None, Some(notify));
                    }
                }
                quick_empty = if b.messages.is_empty() && b.other_key == 0 { quick_empty + 1 } else { 0 };
                if !show(&b) {
                    return Ok(Exit::Ok);
                }
            }
            Err(e) if is_fatal(&e) || e.exit == Exit::Refused => return Err(e),
            Err(e) => lost(&mut down, e, notify),
        }
    }
}

fn lost(down: &mut Option<Error>, e: Error, notify: &Notifier) {
    if down.is_none() {
        notify(&format!("{e}; reconnecting (with backoff, up to every {}s)", Backoff::MAX.as_secs()));
    }
    *down = Some(e);
}

pub fn rooms(args: RoomsArgs) -> Result<Exit> {
    let t = Arc::new(target::resolve(&args.connect)?);
    runtime()?.block_on(async {
        let mut s = Session::new(t.clone(), stderr_notifier());
        s.connect().await?;
        let mut names: Vec<String> = s
            .list()
            .await?
            .into_iter()
            .map(|n| n.rsplit('/').next().unwrap_or(&n).to_string())
            .filter(|n| n.ends_with(".txt") && target::room_file(n).is_ok())
            .collect();
        names.sort();
        names.dedup();
        let mut out = std::io::stdout().lock();
        for file in names {
            let name = file.strip_suffix(".txt").unwrap_or(&file).to_string();
            let line = if args.long || args.json {
                let size = s.size(&file).await?;
                let changed = s.mdtm(&file).await?;
                if args.json {
                    serde_json::json!({
                        "room": name,
                        "size": size,
                        "changed": changed.map(|c| c.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    })
                    .to_string()
                } else {
                    let changed = changed.map(|c| c.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
                    format!("{name:<24} {:>10} {changed}", size.map(human_size).unwrap_or_default())
                }
            } else {
                name
            };
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        s.quit().await;
        Ok(Exit::Ok)
    })
}

fn human_size(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
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

    #[test]
    fn sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(2048), "2.0 KiB");
    }
}
