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

mod help;
mod seen;
mod wait;

pub(crate) use help::HelpCommand;
pub(crate) use seen::SeenCommand;
pub(crate) use wait::WaitCommand;

use crate::relay::storage::LoftStorage;
use crate::relay::user::LoftUser;
use libunftp::options::{Reply, ReplyCode, SiteCommandContext};

/// The longest `SITE WAIT`, in seconds.
pub(crate) const MAX_WAIT_SECS: u64 = 60;
/// `SITE WAIT` without a timeout waits this long.
pub(crate) const DEFAULT_WAIT_SECS: u64 = 30;

pub(super) fn reply(code: ReplyCode, text: &str) -> Reply {
    Reply::new(code, text)
}

pub(super) fn user_of(ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Option<&LoftUser> {
    ctx.user.as_ref().as_ref()
}
