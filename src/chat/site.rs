//! `SITE WAIT`, `SITE SEEN` and `SITE HELP`: what a chat needs beyond plain FTP.
//!
//! - **`SITE WAIT <room> <offset> [seconds]`** answers `213 <size>` as soon as the room's
//!   logical size passes `<offset>`, or when `seconds` (default 30, at most 60) run out.
//!   Polling every few seconds makes a message wait half the interval on average, and
//!   costs a login per poll on the FTPChat client; a waiting session learns of an append
//!   the moment it is written (the room log publishes every new length on a watch
//!   channel). libunftp runs SITE handlers inside the session's control loop, so the wait
//!   is bounded (60 s) and holds only a watch receiver: it is not a transfer, so a
//!   shutdown does not wait for it. The control loop keeps reading the connection while a
//!   SITE handler runs (a Loft patch to libunftp), so a client that hangs up while waiting
//!   ends its session, and the wait, at once.
//! - **`SITE SEEN <room>`** lists, one line per user, the highest logical offset that user
//!   has read (the end of a `RETR` of the room) and when. The server cannot read messages,
//!   but it knows this, and it gives the chat "seen" receipts without touching the
//!   end-to-end encryption. Kept in the room's state folder (`.ROOM.loft/seen`), written
//!   (tmp + rename) only when an offset grows, so at most once per message read, not once
//!   per poll; it survives restarts.
//!
//! A room is named as its file (`lobby.txt`), relative to the user's home, or by its name
//! alone (`lobby`, then `lobby.txt` is tried).

use crate::chat::backend::LoftStorage;
use crate::chat::rotate;
use crate::server::user::LoftUser;
use async_trait::async_trait;
use libunftp::options::{Reply, ReplyCode, SiteCommandContext, SiteCommandHandler};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest `SITE WAIT`, in seconds.
pub const MAX_WAIT_SECS: u64 = 60;
/// `SITE WAIT` without a timeout waits this long.
pub const DEFAULT_WAIT_SECS: u64 = 30;

/// Per room, per user: (highest offset read, unix seconds when).
type SeenRoom = BTreeMap<String, (u64, u64)>;

/// Read receipts of every room, loaded lazily from each room's state folder.
#[derive(Debug, Default)]
pub struct SeenBook {
    rooms: Mutex<HashMap<PathBuf, SeenRoom>>,
}

impl SeenBook {
    fn load(room: &Path) -> SeenRoom {
        let mut out = SeenRoom::new();
        let Ok(text) = std::fs::read_to_string(rotate::state_dir(room).join("seen")) else { return out };
        for line in text.lines() {
            let mut it = line.rsplitn(3, ' ');
            let (Some(t), Some(o), Some(name)) = (it.next(), it.next(), it.next()) else { continue };
            if let (Ok(o), Ok(t)) = (o.parse(), t.parse()) {
                out.insert(name.to_string(), (o, t));
            }
        }
        out
    }

    /// Records that `user` has read `room` up to `offset` (kept if higher than before), in
    /// memory; returns whether it changed, then [`SeenBook::save`] writes it. Split so the
    /// receipt is visible to `SITE SEEN` at once, while the file is written off the async
    /// threads. The first use of a room reads its small receipts file.
    pub fn note(&self, room: &Path, user: &str, offset: u64) -> bool {
        let mut all = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all.entry(room.to_path_buf()).or_insert_with(|| Self::load(room));
        if entry.get(user).is_some_and(|(o, _)| *o >= offset) {
            return false;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        entry.insert(user.to_string(), (offset, now));
        true
    }

    /// Writes the receipts of `room` as they are now (tmp + rename). Blocking: call from
    /// the blocking pool. Each save writes the latest state, so saves may run in any order.
    pub fn save(&self, room: &Path) {
        let all = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = all.get(room) else { return };
        let text: String = entry.iter().map(|(u, (o, t))| format!("{u} {o} {t}\n")).collect();
        let dir = rotate::state_dir(room);
        let written =
            std::fs::create_dir_all(&dir).and_then(|_| rotate::write_atomic(&dir, "seen", text.as_bytes(), false));
        if let Err(e) = written {
            tracing::warn!(room = %room.display(), "cannot save read receipts: {e}");
        }
    }

    /// [`SeenBook::note`] then [`SeenBook::save`] (blocking).
    pub fn record(&self, room: &Path, user: &str, offset: u64) {
        if self.note(room, user, offset) {
            self.save(room);
        }
    }

    /// Who has read `room` how far: (user, offset, unix seconds), by user name.
    pub fn list(&self, room: &Path) -> Vec<(String, u64, u64)> {
        let mut all = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all.entry(room.to_path_buf()).or_insert_with(|| Self::load(room));
        entry.iter().map(|(u, (o, t))| (u.clone(), *o, *t)).collect()
    }
}

fn reply(code: ReplyCode, text: &str) -> Reply {
    Reply::new(code, text)
}

fn user_of(ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Option<&LoftUser> {
    ctx.user.as_ref().as_ref()
}

/// `SITE WAIT`.
#[derive(Debug)]
pub struct Wait;

#[async_trait]
impl SiteCommandHandler<LoftStorage, LoftUser> for Wait {
    async fn handle(&self, ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Reply {
        let Some(user) = user_of(ctx) else { return reply(ReplyCode::NotLoggedIn, "log in first") };
        let args: Vec<&str> = ctx.arguments.split_whitespace().collect();
        let parsed = match args.as_slice() {
            [room, off] => off.parse::<u64>().ok().map(|o| (*room, o, DEFAULT_WAIT_SECS)),
            [room, off, secs] => match (off.parse::<u64>(), secs.parse::<u64>()) {
                (Ok(o), Ok(s)) => Some((*room, o, s.min(MAX_WAIT_SECS))),
                _ => None,
            },
            _ => None,
        };
        let Some((name, offset, secs)) = parsed else {
            return reply(ReplyCode::ParameterSyntaxError, "usage: SITE WAIT <room> <offset> [seconds, at most 60]");
        };
        let real = match ctx.storage.site_room(user, name) {
            Ok(r) => r,
            Err(text) => return reply(ReplyCode::FileError, &text),
        };
        let rooms = ctx.storage.rooms();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match rooms.subscribe(&real).await {
                Ok(mut w) => loop {
                    let end = w.end();
                    if end > offset {
                        return reply(ReplyCode::FileStatus, &end.to_string());
                    }
                    tokio::select! {
                        _ = w.changed() => {}
                        _ = tokio::time::sleep_until(deadline) => return reply(ReplyCode::FileStatus, &w.end().to_string()),
                    }
                },
                // Not created yet: wait for its first message.
                Err(crate::chat::room::RoomError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    if tokio::time::Instant::now() >= deadline {
                        return reply(ReplyCode::FileStatus, "0");
                    }
                    let nap = tokio::time::Instant::now() + Duration::from_millis(200);
                    tokio::time::sleep_until(nap.min(deadline)).await;
                }
                Err(e) => return reply(ReplyCode::LocalError, &e.to_string()),
            }
        }
    }
}

/// `SITE SEEN`.
#[derive(Debug)]
pub struct Seen;

#[async_trait]
impl SiteCommandHandler<LoftStorage, LoftUser> for Seen {
    async fn handle(&self, ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Reply {
        let Some(user) = user_of(ctx) else { return reply(ReplyCode::NotLoggedIn, "log in first") };
        let name = ctx.arguments.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return reply(ReplyCode::ParameterSyntaxError, "usage: SITE SEEN <room>");
        }
        let real = match ctx.storage.site_room(user, name) {
            Ok(r) => r,
            Err(text) => return reply(ReplyCode::FileError, &text),
        };
        let rooms = ctx.storage.rooms();
        let rows = match tokio::task::spawn_blocking(move || rooms.seen.list(&real)).await {
            Ok(rows) => rows,
            Err(e) => return reply(ReplyCode::LocalError, &e.to_string()),
        };
        let mut lines = vec!["seen".to_string()];
        for (u, o, t) in rows {
            let when = chrono::DateTime::from_timestamp(t as i64, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| t.to_string());
            lines.push(format!(" {u} {o} {when}"));
        }
        lines.push("end".to_string());
        Reply::MultiLine { code: ReplyCode::SystemStatus, lines }
    }
}

/// `SITE HELP`.
#[derive(Debug)]
pub struct Help;

#[async_trait]
impl SiteCommandHandler<LoftStorage, LoftUser> for Help {
    async fn handle(&self, _ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Reply {
        Reply::MultiLine {
            code: ReplyCode::HelpMessage,
            lines: vec![
                "SITE commands:".to_string(),
                " WAIT <room> <offset> [seconds]   answer 213 <size> once the room passes offset (at most 60 s)"
                    .to_string(),
                " SEEN <room>                      who has read the room how far: user offset time".to_string(),
                " MD5 <file>                       the file's MD5".to_string(),
                "end".to_string(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_only_grow_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let room = dir.path().join("r.txt");
        let book = SeenBook::default();
        book.record(&room, "alice", 10);
        book.record(&room, "alice", 5);
        book.record(&room, "bob smith", 7);
        let fresh = SeenBook::default();
        let rows = fresh.list(&room);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].0.as_str(), rows[0].1), ("alice", 10));
        assert_eq!((rows[1].0.as_str(), rows[1].1), ("bob smith", 7));
    }
}
