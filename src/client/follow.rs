//! Following a room: `SITE WAIT` where the relay has it, polling where it does not, and
//! reconnecting with backoff when the network goes away. Shared by `loft read --follow`
//! and `loft chat`.

use super::outbox::Outbox;
use super::reader::{Batch, RoomReader};
use super::send::report_flush;
use super::session::{Backoff, Notifier, Session, Waited};
use super::target::is_fatal;
use super::{Error, Exit, Result};
use crate::ftpchat::key::RoomKey;
use std::time::Duration;

/// How long one `SITE WAIT` lasts before it is renewed.
pub(crate) const WAIT_SECS: u64 = 30;

/// What a follow loop needs besides the session and the reader.
pub(crate) struct Follow<'a> {
    pub(crate) key: &'a RoomKey,
    /// Between polls when the relay has no `SITE WAIT`.
    pub(crate) interval: Duration,
    /// Delivered after every reconnect (the chat's sender does its own).
    pub(crate) outbox: Option<&'a Outbox>,
    pub(crate) notify: &'a Notifier,
    /// Called when the relay is reachable again.
    pub(crate) reconnected: &'a (dyn Fn() + Send + Sync),
}

/// Follows a room until `show` returns false or a fatal error: waits (SITE WAIT or the
/// poll interval), reads, reconnects with backoff, delivers the outbox after reconnects.
pub(crate) async fn follow_loop(
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
