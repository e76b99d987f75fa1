//! `loft send`: one message, through the outbox, so a relay that is down loses nothing.
//!
//! The message is sealed and written to the outbox before the relay is tried; it leaves
//! the outbox only once the relay holds it (or a later command finds it already there).

use super::outbox::{Flushed, Outbox};
use super::session::{stderr_notifier, Notifier, Session};
use super::target::{self, is_fatal};
use super::{runtime, Error, Exit, Result, SendArgs};
use crate::ftpchat::key::{LineError, RoomKey};
use std::io::{IsTerminal, Read};
use std::sync::Arc;

pub(crate) fn send(args: SendArgs) -> Result<Exit> {
    if args.file.is_none() && args.caption.is_some() {
        return Err(Error::usage("--caption goes with --file; a message is given as TEXT"));
    }
    if args.file.is_some() && !args.text.is_empty() {
        return Err(Error::usage("with --file, the text to go with the file is --caption TEXT"));
    }
    let local = args.file.as_deref().map(super::get::readable_file).transpose()?;
    let text = if local.is_some() { String::new() } else { message_text(&args.text)? };
    let t = Arc::new(target::resolve(&args.connect)?);
    let room = target::resolve_room(&args.room, &t)?;
    let key = RoomKey::derive(&room.password);
    let text = match local {
        // The file first: the announcement goes through the outbox like any message,
        // and it must never point at a file the relay does not have.
        Some(path) => {
            let shared = runtime()?.block_on(async {
                let mut s = Session::new(t.clone(), stderr_notifier());
                let r = super::get::share(&mut s, &room.file, &path).await;
                s.quit().await;
                r
            })?;
            eprintln!(
                "loft send: shared {} ({}); others fetch it with: loft get --room {} {}",
                shared.name,
                crate::base::text::human_size(shared.size),
                room.name,
                &shared.id[..8]
            );
            shared.announcement(args.caption.as_deref())
        }
        None => text,
    };
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
        warn_if_no_line_opens(&mut s, &room.file, &key).await;
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

/// How much of a room's end `loft send` looks at before sending.
const KEY_CHECK_BYTES: u64 = 16 * 1024;

/// FTPChat v1.7 readers stop for good at the first line they cannot decrypt (a known
/// behaviour of that client). A message under a key that none of the room's recent
/// messages use is most likely a mistyped key, and it would freeze every such reader at
/// that line: say so before sending (the message is still sent; the key may be right).
async fn warn_if_no_line_opens(s: &mut Session, file: &str, key: &RoomKey) {
    let Ok(Some(size)) = s.size(file).await else { return };
    let from = size.saturating_sub(KEY_CHECK_BYTES);
    let Ok(Some(got)) = s.read_from(file, from).await else { return };
    let tail = got.data;
    let text = String::from_utf8_lossy(&tail);
    // From the middle of the room the first line may be cut: skip it.
    let lines: Vec<&str> = text.lines().skip(usize::from(from > 0)).filter(|l| !l.trim().is_empty()).collect();
    let tokens = lines.iter().filter(|l| !matches!(key.open_line(l), Err(LineError::Malformed(_)))).count();
    if tokens > 0 && !lines.iter().any(|l| key.open_line(l).is_ok()) {
        eprintln!(
            "loft send: warning: none of the last {tokens} messages in {file} opens with this room key. If the key is mistyped, \
             FTPChat v1.7 readers of this room will stop at this message for good (they cannot skip a line they cannot \
             decrypt): check the key (LOFT_ROOM_KEY, the profile, or the prompt)."
        );
    }
}

fn outbox_error(o: &Outbox, io: std::io::Error) -> Error {
    Error::new(Exit::Failure, format!("cannot write to the outbox {}: {io}", o.dir().display()))
}

/// Says what a flush of the outbox did (on stderr, or through `notify`); `own` is the
/// token of the message just sent, which needs no mention.
pub(crate) fn report_flush(f: &Flushed, own: Option<&str>, notify: Option<&Notifier>) {
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
pub(crate) fn report_problems(f: &Flushed, say: &dyn Fn(String)) {
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
