//! `loft chat`: the interactive screen.
//!
//! It must work over ssh on a Pi, so it is a line editor, not a full-screen UI: rustyline
//! reads the input line on the main thread, and everything else is printed *above* it
//! through rustyline's external printer, so a message arriving while someone types never
//! breaks their line.
//!
//! Two control connections, on purpose: a watcher that sits in `SITE WAIT` (or polls) and
//! a sender. A long wait on the only connection would otherwise delay every message typed
//! during it. Every message goes through the outbox, so a relay that disappears costs
//! nothing typed; the sender retries with backoff and keeps the connection alive with NOOP.
//!
//! Without a terminal (a pipe, a test) the same loop reads lines from stdin and prints
//! plainly, which keeps the logic testable and scriptable.

use super::follow::{follow_loop, Follow};
use super::outbox::Outbox;
use super::output::Style;
use super::read::{interval, notices};
use super::reader::{token_id, Batch, RoomReader, Shown};
use super::runtime;
use super::send::report_problems;
use super::session::{Backoff, Notifier, Session};
use super::target::{self, is_fatal, RoomChoice, Target};
use super::{ChatArgs, Error, Exit, Result};
use crate::ftpchat::key::RoomKey;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What the input line asks for.
enum Input {
    Say(String),
    Room(Box<RoomChoice>, RoomKey),
    Who,
    Rooms,
    /// `/file PATH`: share a file, then announce it.
    File(std::path::PathBuf),
    /// `/get FILE`: fetch a shared file into the current folder.
    Get(String),
    /// The watcher reached the relay again: retry the outbox now, not at the next backoff.
    Nudge,
    Quit(oneshot::Sender<()>),
}

/// Prints above the line being typed (rustyline's external printer), or plainly.
trait Print: Send {
    fn print(&mut self, msg: String);
}

#[cfg(feature = "line-editor")]
impl<P: rustyline::ExternalPrinter + Send> Print for P {
    fn print(&mut self, msg: String) {
        let _ = rustyline::ExternalPrinter::print(self, msg);
    }
}

type Printer = Box<dyn Print>;

/// Where output goes: above the input line, formatted with the shared style.
#[derive(Clone)]
struct Screen {
    printer: Arc<Mutex<Printer>>,
    style: Arc<Mutex<Style>>,
    /// The terminal settings before rustyline, to restore on a fatal error.
    saved_tty: Option<libc::termios>,
}

impl Screen {
    fn print(&self, s: String) {
        let mut s = s;
        if !s.ends_with('\n') {
            s.push('\n');
        }
        self.printer.lock().unwrap().print(s);
    }

    fn message(&self, m: &crate::ftpchat::message::Message) {
        let line = self.style.lock().unwrap().message(m);
        self.print(line);
    }

    fn notice(&self, text: &str) {
        let line = self.style.lock().unwrap().notice(text);
        self.print(line);
    }

    fn notifier(&self) -> Notifier {
        let me = self.clone();
        Arc::new(move |m: &str| me.notice(m))
    }

    /// Ends the program on an error the user must fix (a changed certificate, a revoked
    /// password): the input thread is blocked in readline, so restore the terminal here.
    fn fatal(&self, e: &Error) -> ! {
        if let Some(t) = self.saved_tty {
            // SAFETY: restores settings read from the same descriptor at start.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t);
            }
        }
        eprintln!("\nloft chat: {e}");
        std::process::exit(e.exit as i32);
    }
}

/// The printer used without a terminal (or without the line editor).
struct PlainPrinter;

#[cfg(not(feature = "line-editor"))]
impl Print for PlainPrinter {
    fn print(&mut self, msg: String) {
        plain_print(msg);
    }
}

#[cfg(feature = "line-editor")]
impl rustyline::ExternalPrinter for PlainPrinter {
    fn print(&mut self, msg: String) -> rustyline::Result<()> {
        plain_print(msg);
        Ok(())
    }
}

fn plain_print(msg: String) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(msg.as_bytes());
    let _ = o.flush();
}

/// Who sent in this room lately (for `/who` on relays without `SITE SEEN`).
type Recent = Arc<Mutex<BTreeMap<String, u64>>>;

pub(crate) fn run(args: ChatArgs) -> Result<Exit> {
    let t = Arc::new(target::resolve(&args.connect)?);
    let room = target::resolve_room(&args.room, &t)?;
    let interval = interval(args.interval, &t)?;
    let key = RoomKey::derive(&room.password);
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let rt = runtime()?;

    // Settings and secrets are wrong before anything is drawn, or not at all.
    let mut watch_session = Session::new(t.clone(), super::session::stderr_notifier());
    let first = rt.block_on(watch_session.connect());
    match &first {
        Err(e) if is_fatal(e) || e.exit == Exit::Refused => return Err(e.clone()),
        _ => {}
    }

    // The line editor (history, editing, messages printed above the line being typed);
    // router builds leave it out (the `line-editor` feature) and read plain lines.
    #[cfg(feature = "line-editor")]
    let mut editor = if interactive {
        let config = rustyline::Config::builder().auto_add_history(true).max_history_size(1000).ok().map(|b| b.build());
        let ed = match config {
            Some(c) => rustyline::DefaultEditor::with_config(c),
            None => rustyline::DefaultEditor::new(),
        };
        Some(ed.map_err(|e| Error::new(Exit::Failure, format!("cannot set up the terminal: {e}")))?)
    } else {
        None
    };
    #[cfg(feature = "line-editor")]
    let printer: Printer = match editor.as_mut().map(|e| e.create_external_printer()) {
        Some(Ok(p)) => Box::new(p),
        _ => Box::new(PlainPrinter),
    };
    #[cfg(not(feature = "line-editor"))]
    let printer: Printer = Box::new(PlainPrinter);
    let saved_tty = interactive.then(|| {
        // SAFETY: reads the settings of stdin, a terminal.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            libc::tcgetattr(libc::STDIN_FILENO, &mut t);
            t
        }
    });
    let style = Style::new(interactive && super::output::color_allowed(), false, interactive, &room.sender, &room.name);
    let screen = Screen { printer: Arc::new(Mutex::new(printer)), style: Arc::new(Mutex::new(style)), saved_tty };
    let seen = Shown::default();
    let recent = Recent::default();

    if let Err(e) = first {
        screen.notice(&format!("{e}; will keep trying. What you type is kept and sent when the relay is back."));
    } else {
        screen.notice(&format!(
            "room {} on {}{} — /help for commands, /quit to leave",
            room.name,
            t.display(),
            if watch_session.tls { " (TLS)" } else { " (plain FTP)" }
        ));
    }

    let (tx, rx) = mpsc::unbounded_channel::<Input>();
    let ctl = Controller {
        t: t.clone(),
        outbox: Outbox::for_target(&t),
        screen: screen.clone(),
        seen: seen.clone(),
        recent: recent.clone(),
        interval,
        last: args.last,
        room: room.clone(),
        key: key.clone(),
    };
    watch_session.set_notifier(screen.notifier());
    let task = rt.spawn(ctl.run(rx, tx.clone(), watch_session));

    let mut current = room;
    #[cfg(feature = "line-editor")]
    if let Some(ed) = editor.as_mut() {
        let mut errors = 0;
        loop {
            let prompt = format!("[{}] {}> ", current.name, current.sender);
            match ed.readline(&prompt) {
                Ok(line) => {
                    errors = 0;
                    if !handle_line(&line, &mut current, &tx, &screen) {
                        break;
                    }
                }
                Err(rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof) => break,
                // A window resize or a signal: read on (a broken terminal gives up).
                Err(_) if errors < 20 => errors += 1,
                Err(_) => break,
            }
        }
    }
    #[cfg(feature = "line-editor")]
    let plain = editor.is_none();
    #[cfg(not(feature = "line-editor"))]
    let plain = true;
    if plain {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if !handle_line(&line, &mut current, &tx, &screen) {
                break;
            }
        }
    }
    #[cfg(feature = "line-editor")]
    drop(editor);
    let (done_tx, done_rx) = oneshot::channel();
    let _ = tx.send(Input::Quit(done_tx));
    rt.block_on(async {
        let _ = tokio::time::timeout(Duration::from_secs(15), done_rx).await;
    });
    task.abort();
    rt.shutdown_timeout(Duration::from_millis(200));
    Ok(Exit::Ok)
}

/// One input line: a command or a message. Returns false to quit.
fn handle_line(line: &str, current: &mut RoomChoice, tx: &mpsc::UnboundedSender<Input>, screen: &Screen) -> bool {
    let text = line.trim_end();
    if text.is_empty() {
        return true;
    }
    let (cmd, rest) = match text.strip_prefix('/') {
        // `//text` sends "/text".
        Some(c) if !c.starts_with('/') => c.split_once(' ').map_or((c, ""), |(a, b)| (a, b.trim())),
        _ => {
            let msg = text.strip_prefix('/').filter(|s| s.starts_with('/')).unwrap_or(text);
            return tx.send(Input::Say(msg.to_string())).is_ok();
        }
    };
    match cmd {
        "quit" | "exit" | "q" => return false,
        "help" | "?" => screen.notice(
            "/room NAME: switch room · /file PATH: share a file · /get FILE: fetch one · /who: who is around · /rooms: list rooms · /quit: leave · //text sends \"/text\"",
        ),
        "file" => {
            if rest.is_empty() {
                screen.notice("/file PATH shares a file in this room");
                return true;
            }
            let path = match (rest.strip_prefix("~/"), std::env::var_os("HOME")) {
                (Some(r), Some(home)) => std::path::Path::new(&home).join(r),
                _ => std::path::PathBuf::from(rest),
            };
            match super::get::readable_file(&path) {
                Ok(p) => {
                    screen.notice(&format!("sharing {}…", p.display()));
                    let _ = tx.send(Input::File(p));
                }
                Err(e) => screen.notice(&e.message),
            }
        }
        "get" => {
            if rest.is_empty() {
                screen.notice("/get FILE fetches a shared file (FILE: the id shown as [loft get …], or its name)");
                return true;
            }
            let _ = tx.send(Input::Get(rest.to_string()));
        }
        "who" => {
            let _ = tx.send(Input::Who);
        }
        "rooms" => {
            let _ = tx.send(Input::Rooms);
        }
        "room" | "join" => {
            if rest.is_empty() {
                screen.notice(&format!("you are in {}; /room NAME switches", current.name));
                return true;
            }
            let (name, file) = match target::room_file(rest) {
                Ok(x) => x,
                Err(e) => {
                    screen.notice(&e);
                    return true;
                }
            };
            let password = match std::env::var("LOFT_ROOM_KEY").ok().filter(|_| !std::io::stdin().is_terminal()) {
                Some(k) => k,
                None => match target::prompt_secret(&format!("key for room {name} (Enter: same key as {}): ", current.name)) {
                    Some(k) if !k.is_empty() => k,
                    _ => current.password.clone(),
                },
            };
            let key = RoomKey::derive(&password);
            *current = RoomChoice { name, file, password, sender: current.sender.clone() };
            let _ = tx.send(Input::Room(Box::new(current.clone()), key));
        }
        other => screen.notice(&format!("no command /{other}; /help lists them (//text sends \"/text\")")),
    }
    true
}

/// The async side: sends, keeps the outbox moving, runs the watcher.
struct Controller {
    t: Arc<Target>,
    outbox: Outbox,
    screen: Screen,
    /// The messages on the screen (their token ids). The watcher and the outbox both show
    /// messages, and each claims one and prints it under this lock: held across the print,
    /// so that two of yours delivered in order are never shown the other way round (the
    /// watcher claiming the first while the outbox printed the second).
    seen: Shown,
    recent: Recent,
    interval: Duration,
    last: usize,
    room: RoomChoice,
    key: RoomKey,
}

impl Controller {
    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Input>,
        tx: mpsc::UnboundedSender<Input>,
        watch_session: Session,
    ) {
        let mut watcher = tokio::spawn(self.watch(watch_session, tx.clone()));
        let mut s = Session::new(self.t.clone(), self.screen.notifier());
        let mut backoff = Backoff::default();
        let mut retry_at: Option<Instant> = (!self.outbox.is_empty()).then(Instant::now);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut down = false;
        loop {
            tokio::select! {
                input = rx.recv() => match input {
                    None => break,
                    Some(Input::Say(text)) => {
                        let token = self.key.seal_message(&self.room.sender, &text);
                        if let Err(e) = self.outbox.add(&self.room.file, &token) {
                            self.screen.notice(&format!("cannot write to the outbox {}: {e}; the message was NOT sent", self.outbox.dir().display()));
                            continue;
                        }
                        if down && retry_at.is_some() {
                            self.screen.notice("queued: the relay is unreachable; it will be sent when the relay is back");
                            continue;
                        }
                        if !self.flush(&mut s, &mut down).await {
                            retry_at = Some(Instant::now() + backoff.next_delay());
                        } else {
                            backoff.reset();
                            retry_at = None;
                        }
                    }
                    Some(Input::Room(room, key)) => {
                        watcher.abort();
                        self.room = *room;
                        self.key = key;
                        self.style_room();
                        self.screen.notice(&format!("now in room {}", self.room.name));
                        self.recent.lock().unwrap().clear();
                        let ws = Session::new(self.t.clone(), self.screen.notifier());
                        watcher = tokio::spawn(self.watch(ws, tx.clone()));
                    }
                    Some(Input::Nudge) => {
                        if retry_at.is_some() {
                            retry_at = Some(Instant::now());
                            backoff.reset();
                        }
                    }
                    Some(Input::File(path)) => match super::get::share(&mut s, &self.room.file, &path).await {
                        Ok(r) => {
                            let _ = tx.send(Input::Say(r.announcement(None)));
                        }
                        Err(e) => self.screen.notice(&format!("/file: {e}")),
                    },
                    Some(Input::Get(wanted)) => {
                        let done = super::get::find_and_fetch(&mut s, &self.room.file, &self.key, &wanted).await;
                        match done {
                            Ok(said) => self.screen.notice(&said),
                            Err(e) => self.screen.notice(&format!("/get: {e}")),
                        }
                    }
                    Some(Input::Who) => self.who(&mut s).await,
                    Some(Input::Rooms) => self.rooms(&mut s).await,
                    Some(Input::Quit(done)) => {
                        watcher.abort();
                        // One last, short try, unless the relay is known to be away.
                        if !self.outbox.is_empty() && !down {
                            let _ = tokio::time::timeout(Duration::from_secs(5), self.flush(&mut s, &mut down)).await;
                        }
                        let n = self.outbox.len();
                        if n > 0 {
                            eprintln!("loft chat: {n} message{} still in the outbox; the next `loft send`, `read` or `chat` that reaches the relay sends {}",
                                if n == 1 { " is" } else { "s are" }, if n == 1 { "it" } else { "them" });
                        }
                        s.quit().await;
                        let _ = done.send(());
                        return;
                    }
                },
                _ = tick.tick() => {
                    if retry_at.is_some_and(|at| Instant::now() >= at) {
                        if self.flush(&mut s, &mut down).await {
                            backoff.reset();
                            retry_at = None;
                        } else {
                            retry_at = Some(Instant::now() + backoff.next_delay());
                        }
                    } else if s.is_connected() && s.idle() > Duration::from_secs(60) && s.noop().await.is_err() {
                        s.disconnect();
                    }
                }
            }
        }
    }

    fn style_room(&self) {
        let mut st = self.screen.style.lock().unwrap();
        st.room = self.room.name.clone();
    }

    /// Sends what is in the outbox; shows delivered messages of this room (once). True when
    /// the outbox is empty afterwards.
    async fn flush(&self, s: &mut Session, down: &mut bool) -> bool {
        let (done, err) = self.outbox.flush(s).await;
        let mut other_rooms = 0;
        let mut seen = self.seen.lock().unwrap();
        for e in &done.delivered {
            if e.room == self.room.file {
                if let Ok(m) = self.key.open_line(&e.token) {
                    if seen.insert(token_id(&e.token)) {
                        self.screen.message(&m);
                    }
                    continue;
                }
            }
            other_rooms += 1;
        }
        drop(seen);
        if other_rooms > 0 {
            self.screen.notice(&format!("delivered {other_rooms} queued message(s) to other rooms"));
        }
        report_problems(&done, &|m| self.screen.notice(&m));
        match err {
            None => {
                if *down {
                    *down = false;
                }
                done.remaining == 0 && !done.busy
            }
            Some(e) if is_fatal(&e) => self.screen.fatal(&e),
            Some(e) => {
                if !*down {
                    *down = true;
                    self.screen.notice(&format!(
                        "{e}\n   not sent yet: kept in the outbox ({} waiting), sent when the relay is back",
                        self.outbox.len()
                    ));
                }
                false
            }
        }
    }

    async fn who(&self, s: &mut Session) {
        match s.seen(&self.room.file).await {
            Ok(Some(text)) => {
                // `211-…` / `211 …` frame a multi-line reply; the lines between are the answer.
                let all: Vec<&str> = text.lines().collect();
                let body = if all.len() > 2 { &all[1..all.len() - 1] } else { &all[..] };
                let strip_code = |l: &&str| -> String {
                    let coded = l.len() > 4 && l.as_bytes()[..3].iter().all(u8::is_ascii_digit);
                    if coded {
                        l[4..].trim().to_string()
                    } else {
                        l.trim().to_string()
                    }
                };
                let lines: Vec<String> = body.iter().map(strip_code).filter(|l| !l.is_empty()).collect();
                self.screen.notice(&format!("seen in {}:\n   {}", self.room.name, lines.join("\n   ")));
                return;
            }
            Ok(None) => {}
            Err(e) => {
                self.screen.notice(&format!("/who: {e}"));
                return;
            }
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut recent: Vec<(String, u64)> = self.recent.lock().unwrap().iter().map(|(u, t)| (u.clone(), *t)).collect();
        recent.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
        if recent.is_empty() {
            self.screen.notice("nobody has written here yet (this relay has no SITE SEEN, so only senders are known)");
            return;
        }
        let list: Vec<String> =
            recent.iter().take(20).map(|(u, t)| format!("{u} ({})", ago(now.saturating_sub(*t)))).collect();
        self.screen.notice(&format!("last messages from: {}", list.join(", ")));
    }

    async fn rooms(&self, s: &mut Session) {
        match s.list().await {
            Ok(names) => {
                let mut rooms: Vec<String> = names
                    .iter()
                    .map(|n| n.rsplit('/').next().unwrap_or(n))
                    .filter_map(|n| n.strip_suffix(".txt"))
                    .map(str::to_string)
                    .collect();
                rooms.sort();
                self.screen.notice(&format!("rooms: {}", rooms.join(", ")));
            }
            Err(e) => self.screen.notice(&format!("/rooms: {e}")),
        }
    }

    /// The watcher task for the current room.
    fn watch(
        &self,
        mut s: Session,
        nudge: mpsc::UnboundedSender<Input>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let screen = self.screen.clone();
        let key = self.key.clone();
        let recent = self.recent.clone();
        let last = self.last;
        let interval = self.interval;
        // The reader's own set skips lines it read before; what is on the screen is `seen`.
        let mut reader = RoomReader::new(&self.room.file, Shown::default());
        let seen = self.seen.clone();
        let room_name = self.room.name.clone();
        async move {
            let notify = screen.notifier();
            let reconnected = move || {
                let _ = nudge.send(Input::Nudge);
            };
            let mut first = true;
            let mut missing_said = false;
            let mut show = |b: &Batch| {
                // The first read shows only the last few (the reader will not give the
                // others again, and the outbox never has them).
                let skip = if first { b.messages.len().saturating_sub(last) } else { 0 };
                first = false;
                let mut on_screen = seen.lock().unwrap();
                for (m, token) in &b.messages[skip..] {
                    if on_screen.insert(token_id(token)) {
                        screen.message(m);
                    }
                }
                drop(on_screen);
                {
                    let mut r = recent.lock().unwrap();
                    for (m, _) in &b.messages {
                        let e = r.entry(m.user.clone()).or_insert(0);
                        *e = (*e).max(m.sent);
                    }
                }
                if b.missing && !missing_said {
                    missing_said = true;
                    screen.notice(&format!("room {room_name} has no messages yet"));
                }
                notices(b, &|m| screen.notice(m));
                true
            };
            let follow = Follow { key: &key, interval, outbox: None, notify: &notify, reconnected: &reconnected };
            // The first read happens at once, then follow_loop waits for changes.
            let first_batch = reader.poll(&mut s, &key, false).await;
            let r = match first_batch {
                Ok(b) => {
                    show(&b);
                    follow_loop(&mut s, &mut reader, &follow, &mut show).await
                }
                Err(e) if is_fatal(&e) => Err(e),
                Err(_) => {
                    s.disconnect();
                    follow_loop(&mut s, &mut reader, &follow, &mut show).await
                }
            };
            match r {
                Err(e) if is_fatal(&e) => screen.fatal(&e),
                Err(e) => screen.notice(&format!("stopped following {room_name}: {e}; /room NAME to switch")),
                Ok(_) => {}
            }
        }
    }
}

fn ago(secs: u64) -> String {
    match secs {
        s if s < 90 => "just now".into(),
        s if s < 90 * 60 => format!("{} min ago", s / 60),
        s if s < 36 * 3600 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86400),
    }
}
