//! Cluster mode (`[cluster]`, the `cluster` feature): one room on several relays through
//! a real NATS JetStream cluster (`nats-server`, three nodes with routes on 127.0.0.1).
//! Writers on every relay, FTPChat-style followers (`SIZE`, `REST`+`RETR`, `SITE WAIT`)
//! on every relay, a NATS node killed with SIGKILL, NATS gone altogether, a relay whose
//! root was wiped: every relay's room byte-identical, nothing acknowledged lost or
//! doubled. Run with `cargo test --features cluster --test it cluster::`.
//!
//! The base cases are here; receipts and shared files across relays are in `shared`,
//! the log's retention, checkpoints and faults of apply in `log`.

mod log;
mod shared;

use crate::common;
use common::nats::{require_nats, Nats};
use common::{set_key, Relay, Setup, PASSWORD};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A relay of the cluster: `[cluster]` naming every node, rooms rotating early (so
/// rotation is replicated too), token checks off (the lines are plain text, unique).
fn relay(nats: &Nats, replicas: usize) -> Relay {
    relay_edited(nats, replicas, |t| t)
}

/// [`relay`], with `more` edits of its config after the usual ones.
fn relay_edited(nats: &Nats, replicas: usize, more: impl FnOnce(String) -> String + 'static) -> Relay {
    let join = nats.join();
    Relay::with(Setup::default().edit(move |t| {
        let t = set_key(&t, "chat", "validate", "false");
        let t = set_key(&t, "chat", "rotate_bytes", "4096");
        let t = set_key(&t, "chat", "keep_bytes", "1024");
        let t = set_key(&t, "chat", "keep_archives", "0");
        let t = set_key(&t, "limits", "max_per_ip", "100");
        let t = join(&t);
        let t = set_key(&t, "cluster", "replicas", &replicas.to_string());
        more(set_key(&t, "cluster", "timeout", "\"5s\""))
    }))
}

/// A plain-FTP session, just what these tests need.
struct Ftp {
    ctrl: BufReader<TcpStream>,
}

impl Ftp {
    fn login(port: u16) -> Ftp {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut f = Ftp { ctrl: BufReader::new(s) };
        f.reply();
        f.cmd("USER chat");
        let r = f.cmd(&format!("PASS {PASSWORD}"));
        assert!(r.starts_with("230"), "login: {r}");
        f.cmd("TYPE I");
        f
    }

    fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            match self.ctrl.read_line(&mut line) {
                Ok(0) => return if all.is_empty() { "EOF".into() } else { all },
                Ok(_) => {}
                Err(e) => return format!("{all}(no reply: {e})"),
            }
            all.push_str(&line);
            if line.len() >= 4 && line.as_bytes()[3] == b' ' && line[..3].bytes().all(|b| b.is_ascii_digit()) {
                return all;
            }
        }
    }

    fn cmd(&mut self, c: &str) -> String {
        self.ctrl.get_mut().write_all(format!("{c}\r\n").as_bytes()).unwrap();
        self.reply()
    }

    fn pasv(&mut self) -> TcpStream {
        let r = self.cmd("PASV");
        assert!(r.starts_with("227"), "PASV: {r}");
        let inner = &r[r.find('(').unwrap() + 1..r.find(')').unwrap()];
        let n: Vec<u16> = inner.split(',').map(|x| x.trim().parse().unwrap()).collect();
        TcpStream::connect(("127.0.0.1", n[4] * 256 + n[5])).unwrap()
    }

    /// `APPE`: the final reply (`226 …` or the refusal).
    fn appe(&mut self, room: &str, data: &[u8]) -> String {
        self.upload("APPE", room, data)
    }

    /// `CMD path` (`APPE`, `STOR`) sending `data`: the final reply.
    fn upload(&mut self, cmd: &str, path: &str, data: &[u8]) -> String {
        let mut d = self.pasv();
        let r = self.cmd(&format!("{cmd} {path}"));
        if !r.starts_with("150") && !r.starts_with("125") {
            return r;
        }
        d.write_all(data).unwrap();
        drop(d);
        self.reply()
    }

    fn size(&mut self, room: &str) -> Option<u64> {
        let r = self.cmd(&format!("SIZE {room}"));
        r.strip_prefix("213 ").map(|s| s.trim().parse().unwrap())
    }

    /// `REST from` + `RETR`: the bytes from logical offset `from`.
    fn retr_from(&mut self, room: &str, from: u64) -> Vec<u8> {
        let mut d = self.pasv();
        if from > 0 {
            let r = self.cmd(&format!("REST {from}"));
            assert!(r.starts_with("350"), "REST: {r}");
        }
        let r = self.cmd(&format!("RETR {room}"));
        assert!(r.starts_with("150") || r.starts_with("125"), "RETR: {r}");
        let mut buf = Vec::new();
        d.read_to_end(&mut buf).unwrap();
        let r = self.reply();
        assert!(r.starts_with("226"), "RETR end: {r}");
        buf
    }

    /// `SITE WAIT room offset secs`: the room's size once past `offset`, or at the end.
    fn wait(&mut self, room: &str, offset: u64, secs: u64) -> u64 {
        let r = self.cmd(&format!("SITE WAIT {room} {offset} {secs}"));
        assert!(r.starts_with("213"), "SITE WAIT: {r}");
        r[4..].trim().parse().unwrap()
    }
}

/// Appends `line` on the relay at `port`, retrying (on a new session) until it is
/// acknowledged, as `loft send` does: returns how many tries it took.
fn send_until_acknowledged(port: u16, room: &str, line: &str) -> usize {
    try_until_acknowledged(port, room, line).unwrap_or_else(|e| panic!("{e}"))
}

/// [`send_until_acknowledged`], with the replies in the error when it never was.
fn try_until_acknowledged(port: u16, room: &str, line: &str) -> Result<usize, String> {
    let mut replies = Vec::new();
    // A minute, as a user's retries would go on: on a slow machine a NATS leader's
    // election and the relay's new consumer take seconds, not a fixed number of tries.
    let t = Instant::now();
    let mut attempt = 0;
    while t.elapsed() < Duration::from_secs(60) {
        attempt += 1;
        let r = std::panic::catch_unwind(|| Ftp::login(port).appe(room, format!("{line}\n").as_bytes()));
        match r {
            Ok(r) if r.starts_with("226") => return Ok(attempt),
            Ok(r) => replies.push(r.trim().to_string()),
            Err(_) => replies.push("(the session failed)".into()),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    replies.dedup();
    Err(format!("{line} was never acknowledged; replies: {replies:?}"))
}

/// A follower, as FTPChat follows a room: waits for the size to pass what it has, then
/// reads from there. Stops after `until` lines, or 60 s. Checks the size never drops.
/// Returns once it has read the room's first lines (so that the writers cannot rotate
/// them into an archive before it reads them: a follower that starts later reads the live
/// part, as FTPChat does).
fn follow(port: u16, room: &'static str, until: usize) -> std::thread::JoinHandle<Vec<String>> {
    let (ready, first_read) = std::sync::mpsc::channel();
    let follower = std::thread::spawn(move || {
        let mut f = Ftp::login(port);
        let mut have = 0u64;
        let mut lines = Vec::new();
        let t = Instant::now();
        while lines.len() < until && t.elapsed() < Duration::from_secs(60) {
            let size = f.wait(room, have, 5);
            assert!(size >= have, "SIZE went down on a relay: {size} < {have}");
            if size > have {
                let got = f.retr_from(room, have);
                have += got.len() as u64;
                lines.extend(String::from_utf8(got).unwrap().lines().map(String::from));
                let _ = ready.send(());
            }
        }
        lines
    });
    let _ = first_read.recv_timeout(Duration::from_secs(60));
    follower
}

/// A NATS request through the plain protocol: the reply's payload.
fn nats_request(nats: &Nats, subject: &str, payload: &[u8]) -> String {
    let s = TcpStream::connect(("127.0.0.1", nats.nodes[0].port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let mut w = s;
    w.write_all(format!("{}SUB _INBOX.test 1\r\n", nats.connect_line()).as_bytes()).unwrap();
    w.write_all(format!("PUB {subject} _INBOX.test {}\r\n", payload.len()).as_bytes()).unwrap();
    w.write_all(payload).unwrap();
    w.write_all(b"\r\n").unwrap();
    loop {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "NATS closed the connection");
        if line.starts_with("PING") {
            w.write_all(b"PONG\r\n").unwrap();
        }
        if let Some(rest) = line.strip_prefix("MSG ") {
            let n: usize = rest.split_whitespace().last().unwrap().parse().unwrap();
            let mut body = vec![0u8; n + 2];
            r.read_exact(&mut body).unwrap();
            body.truncate(n);
            return String::from_utf8(body).unwrap();
        }
    }
}

/// Everything a room keeps on one relay: its live file and its archives, by name.
fn room_files(root: &Path, room: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(room.to_string(), std::fs::read(root.join(room)).unwrap_or_default())];
    let state = root.join(format!(".{room}.loft"));
    if let Ok(rd) = std::fs::read_dir(state) {
        let mut arcs: Vec<_> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        arcs.sort();
        out.extend(arcs);
    }
    out
}

/// Every line the room holds on one relay (archives, then the live file), in order.
fn all_lines(root: &Path, room: &str) -> Vec<String> {
    let files = room_files(root, room);
    let mut text = String::new();
    for (_, bytes) in files.iter().skip(1).chain(files.iter().take(1)) {
        text.push_str(&String::from_utf8_lossy(bytes));
    }
    text.lines().map(String::from).collect()
}

/// `POST /api/append` through the chat page's API with curl (a session from
/// `/api/login` first): the status and the body.
fn web_append(r: &Relay, room: &str, data: &str) -> (String, String) {
    let base = format!("https://127.0.0.1:{}", r.web_port);
    let login = std::process::Command::new("curl")
        .args(["-sk", "-X", "POST", "--data-binary"])
        .arg(format!("{{\"user\": \"chat\", \"password\": \"{PASSWORD}\"}}"))
        .arg(format!("{base}/api/login"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&login.stdout).expect("a login answer");
    let session = v["session"].as_str().expect("a session").to_string();
    let out = std::process::Command::new("curl")
        .args(["-sk", "-w", "\n%{http_code}", "-X", "POST", "--data-binary", data])
        .args(["-H", &format!("Authorization: Bearer {session}")])
        .arg(format!("{base}/api/append?room={room}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.to_string(), body.to_string())
}

fn wait_until(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    while !ok() {
        assert!(t.elapsed() < within, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writers appending to `lobby.txt` through one relay, each message its own session, until
/// the relay is gone (killed by the test). `join` gives the lines acknowledged with `226`
/// and the lines whose append ended otherwise (each writer's last: in or not, unknown).
struct Writers(Vec<std::thread::JoinHandle<(Vec<String>, Vec<String>)>>);

impl Writers {
    /// Starts `n` writers (lines `{prefix}{w}-…`) and returns once `before` appends are
    /// acknowledged in all.
    fn start(port: u16, prefix: &str, n: usize, before: usize) -> Writers {
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let writers = (0..n)
            .map(|w| {
                let count = count.clone();
                let who = format!("{prefix}{w}");
                std::thread::spawn(move || {
                    let (mut acked, mut unknown) = (Vec::new(), Vec::new());
                    for i in 0..2000 {
                        let l = line(&who, i);
                        let r = std::panic::catch_unwind(|| {
                            Ftp::login(port).appe("lobby.txt", format!("{l}\n").as_bytes())
                        });
                        match r {
                            Ok(r) if r.starts_with("226") => {
                                acked.push(l);
                                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            _ => {
                                unknown.push(l);
                                break;
                            }
                        }
                    }
                    (acked, unknown)
                })
            })
            .collect();
        wait_until("appends before the kill", Duration::from_secs(60), || {
            count.load(std::sync::atomic::Ordering::SeqCst) >= before
        });
        Writers(writers)
    }

    fn join(self) -> (Vec<String>, Vec<String>) {
        let (mut acked, mut unknown) = (Vec::new(), Vec::new());
        for w in self.0 {
            let (x, y) = w.join().unwrap();
            acked.extend(x);
            unknown.extend(y);
        }
        (acked, unknown)
    }
}

fn line(who: &str, i: usize) -> String {
    // Long enough that a few dozen lines rotate the room (rotate_bytes 4096).
    format!("{who}-{i:04}-{}", "x".repeat(90))
}

#[test]
fn two_relays_writers_on_both_followers_see_everything_and_the_rooms_are_byte_identical() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let a = relay(&nats, 3);
    let b = relay(&nats, 3);
    const EACH: usize = 30;
    // A first line, which each follower reads before the writers start.
    let start = format!("{}\n", line("s0", 0));
    assert!(Ftp::login(a.port).appe("lobby.txt", start.as_bytes()).starts_with("226"));
    let total = 4 * EACH + 1;
    let fa = follow(a.port, "lobby.txt", total);
    let fb = follow(b.port, "lobby.txt", total);
    let writers: Vec<_> = [("a1", a.port), ("a2", a.port), ("b1", b.port), ("b2", b.port)]
        .into_iter()
        .map(|(who, port)| {
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let r = Ftp::login(port).appe("lobby.txt", format!("{}\n", line(who, i)).as_bytes());
                    assert!(r.starts_with("226"), "{who} {i}: {r}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let (la, lb) = (fa.join().unwrap(), fb.join().unwrap());
    assert_eq!(la.len(), total, "the follower on A saw {} of {total}", la.len());
    assert_eq!(la, lb, "the followers on A and B saw different lines or orders");
    let mut sorted = la.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), total, "a message was doubled");
    // Identical replicas: the same live file, the same archives (it rotated), the same SIZE.
    let (ra, rb) = (room_files(&a.root, "lobby.txt"), room_files(&b.root, "lobby.txt"));
    assert!(ra.len() > 2, "the room should have rotated: {:?}", ra.iter().map(|f| &f.0).collect::<Vec<_>>());
    assert_eq!(ra, rb, "the replicas differ");
    let size = Ftp::login(a.port).size("lobby.txt").unwrap();
    assert_eq!(Ftp::login(b.port).size("lobby.txt"), Some(size));
    assert_eq!(size, (total * (line("a1", 0).len() + 1)) as u64);
    // A retry of a message already stored, through the other relay, is stored once.
    let again = format!("{}\n", line("a1", 3));
    assert!(Ftp::login(b.port).appe("lobby.txt", again.as_bytes()).starts_with("226"));
    assert_eq!(Ftp::login(b.port).size("lobby.txt"), Some(size));

    // Append on A, wake on B: the delay, measured.
    let mut lat = Vec::new();
    let mut fb = Ftp::login(b.port);
    let mut wa = Ftp::login(a.port);
    for i in 0..20 {
        let have = fb.size("lobby.txt").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let port = b.port;
        let waiter = std::thread::spawn(move || {
            let mut f = Ftp::login(port);
            tx.send(()).unwrap();
            let end = f.wait("lobby.txt", have, 10);
            (end, Instant::now())
        });
        rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        let r = wa.appe("lobby.txt", format!("{}\n", line("lat", i)).as_bytes());
        assert!(r.starts_with("226"), "{r}");
        let (end, woke) = waiter.join().unwrap();
        assert!(end > have);
        lat.push(woke.duration_since(t));
    }
    lat.sort();
    eprintln!("append on A -> SITE WAIT wakes on B: p50 {:?}, max {:?}", lat[lat.len() / 2], lat[lat.len() - 1]);
    drop(fb);
}

#[test]
fn with_nats_gone_appends_are_refused_reads_go_on_and_the_relay_reconnects() {
    if !require_nats() || !common::require_tool("curl") {
        return;
    }
    let mut nats = Nats::start(1);
    let a = relay(&nats, 1);
    let first = format!("{}\n", line("before", 0));
    assert!(Ftp::login(a.port).appe("lobby.txt", first.as_bytes()).starts_with("226"));
    nats.kill(0);
    wait_until("the relay notices", Duration::from_secs(20), || a.log().contains("disconnected from NATS"));
    let r = Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("during", 0)).as_bytes());
    assert!(r.starts_with("451") && r.contains("cluster unavailable, nothing written"), "{r}");
    // The chat page's API says 503.
    let (code, body) = web_append(&a, "lobby.txt", &format!("{}\n", line("web", 0)));
    assert_eq!(code, "503", "web append while NATS is gone: {body}");
    assert!(body.contains("cluster unavailable, nothing written"), "{body}");
    // Reads go on from the replica.
    let mut f = Ftp::login(a.port);
    assert_eq!(f.size("lobby.txt"), Some(first.len() as u64));
    assert_eq!(f.retr_from("lobby.txt", 0), first.as_bytes());
    // NATS back: the relay reconnects by itself, and appends work again.
    nats.restart(0);
    let tries = send_until_acknowledged(a.port, "lobby.txt", &line("after", 0));
    eprintln!("an append went through {tries} tries after NATS came back");
    assert!(a.log().contains("connected to NATS"));
    let (code, body) = web_append(&a, "lobby.txt", &format!("{}\n", line("web", 1)));
    assert_eq!(code, "200", "{body}");
    assert_eq!(all_lines(&a.root, "lobby.txt"), vec![line("before", 0), line("after", 0), line("web", 1)]);
}

/// At start with NATS gone, a relay with a replica serves it after `[cluster] catch_up`
/// (reads go on, appends are refused), and a relay that has applied nothing of the stream
/// (a new one, a wiped root) does not serve an empty root: it waits for NATS however
/// long, then serves every room as the others hold it.
#[test]
fn at_start_without_nats_a_replica_is_served_after_catch_up_and_an_empty_relay_waits_for_nats() {
    if !require_nats() {
        return;
    }
    let mut nats = Nats::start(1);
    let quick = |t: String| set_key(&t, "cluster", "catch_up", "1");
    let mut a = relay_edited(&nats, 1, quick);
    for i in 0..5 {
        let r = Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("a", i)).as_bytes());
        assert!(r.starts_with("226"), "{r}");
    }
    let size = Ftp::login(a.port).size("lobby.txt");
    nats.kill(0);
    // A restarted with NATS gone: its replica is served after catch_up (1 s), appends refused.
    a.restart();
    let mut f = Ftp::login(a.port);
    assert_eq!(f.size("lobby.txt"), size);
    let r = f.appe("lobby.txt", format!("{}\n", line("refused", 0)).as_bytes());
    assert!(r.starts_with("451") && r.contains("nothing written"), "{r}");
    // B, a new relay: it says why it waits, and a client that connects gets no greeting,
    // long after catch_up.
    let b = relay_edited(&nats, 1, quick);
    assert!(b.wait_log("waiting for NATS before serving"), "{}", b.log());
    let waiting = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
    waiting.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = BufReader::new(waiting);
    let mut first = String::new();
    let early = greeting.read_line(&mut first);
    assert!(early.is_err(), "a relay with nothing applied served before NATS was back: {early:?} {first:?}");
    // NATS back: B catches up, greets the client that waited, and holds A's room.
    nats.restart(0);
    greeting.get_ref().set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    greeting.read_line(&mut first).unwrap();
    assert!(first.starts_with("220"), "{first:?}\n{}", b.log());
    assert_eq!(Ftp::login(b.port).size("lobby.txt"), size);
    assert_eq!(room_files(&a.root, "lobby.txt"), room_files(&b.root, "lobby.txt"));
    // And appends through either relay work again.
    send_until_acknowledged(b.port, "lobby.txt", &line("b", 0));
    send_until_acknowledged(a.port, "lobby.txt", &line("a", 5));
    wait_until("the replicas agree", Duration::from_secs(20), || {
        room_files(&a.root, "lobby.txt") == room_files(&b.root, "lobby.txt")
    });
}

#[test]
fn a_relay_whose_root_was_wiped_rebuilds_every_room_from_the_stream() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let a = relay(&nats, 3);
    let mut b = relay(&nats, 3);
    for i in 0..60 {
        let (port, room) = if i % 2 == 0 { (a.port, "lobby.txt") } else { (b.port, "other.txt") };
        assert!(Ftp::login(port).appe(room, format!("{}\n", line("w", i)).as_bytes()).starts_with("226"));
    }
    b.kill();
    // While B is down, A goes on.
    for i in 60..70 {
        assert!(Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("w", i)).as_bytes()).starts_with("226"));
    }
    std::fs::remove_dir_all(&b.root).unwrap();
    std::fs::create_dir_all(&b.root).unwrap();
    b.restart();
    for room in ["lobby.txt", "other.txt"] {
        let size_a = Ftp::login(a.port).size(room);
        // The relay caught up before it served: the same SIZE at once.
        assert_eq!(Ftp::login(b.port).size(room), size_a, "{room}");
        assert_eq!(room_files(&a.root, room), room_files(&b.root, room), "{room}");
    }
    // And a restart without a wipe applies nothing twice.
    b.restart();
    let r = Ftp::login(b.port).appe("lobby.txt", format!("{}\n", line("w", 99)).as_bytes());
    assert!(r.starts_with("226"), "{r}");
    wait_until("A has it", Duration::from_secs(10), || {
        Ftp::login(a.port).size("lobby.txt") == Ftp::login(b.port).size("lobby.txt")
    });
    assert_eq!(room_files(&a.root, "lobby.txt"), room_files(&b.root, "lobby.txt"));
}

#[test]
fn a_nats_node_killed_mid_run_loses_nothing_acknowledged_and_doubles_nothing() {
    if !require_nats() {
        return;
    }
    let mut nats = Nats::start(3);
    let a = relay(&nats, 3);
    let b = relay(&nats, 3);
    const EACH: usize = 60;
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = [("a", a.port), ("b", b.port)]
        .into_iter()
        .map(|(who, port)| {
            let acked = acked.clone();
            std::thread::spawn(move || {
                (0..EACH)
                    .map(|i| {
                        let tries = try_until_acknowledged(port, "lobby.txt", &line(who, i))?;
                        acked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(tries)
                    })
                    .sum::<Result<usize, String>>()
            })
        })
        .collect();
    // Killed mid-run whatever the machine's speed: after a third of the messages.
    wait_until("a third of the messages", Duration::from_secs(60), || {
        acked.load(std::sync::atomic::Ordering::SeqCst) >= 2 * EACH / 3
    });
    // The stream's leader: the node whose loss matters (a new leader is elected).
    let info = nats_request(&nats, "$JS.API.STREAM.INFO.loft-rooms", b"");
    let leader: serde_json::Value = serde_json::from_str(&info).unwrap();
    let leader = leader["cluster"]["leader"].as_str().unwrap_or_else(|| panic!("no leader in {info}")).to_string();
    let node: usize = leader.trim_start_matches('n').parse().unwrap();
    nats.kill(node);
    assert!(acked.load(std::sync::atomic::Ordering::SeqCst) < 2 * EACH, "the writers were done before the kill");
    let tries: Result<usize, String> = writers.into_iter().map(|w| w.join().unwrap()).sum();
    // What the relays said, but for each session's login and append.
    let tail = |r: &Relay| {
        let log = r.log();
        let said: Vec<&str> = log.lines().filter(|l| !l.contains("login ok") && !l.contains("room append")).collect();
        said[said.len().saturating_sub(60)..].join("\n")
    };
    let tries = tries.unwrap_or_else(|e| panic!("{e}\n--- relay A\n{}\n--- relay B\n{}", tail(&a), tail(&b)));
    eprintln!("{} messages, {} tries with a NATS node killed", 2 * EACH, tries);
    wait_until("the replicas agree", Duration::from_secs(20), || {
        room_files(&a.root, "lobby.txt") == room_files(&b.root, "lobby.txt")
    });
    let lines = all_lines(&a.root, "lobby.txt");
    let mut want: Vec<String> = ["a", "b"].iter().flat_map(|w| (0..EACH).map(move |i| line(w, i))).collect();
    want.sort();
    let mut got = lines.clone();
    got.sort();
    assert_eq!(got, want, "every acknowledged message exactly once");
}

#[test]
fn a_relay_killed_mid_append_leaves_each_message_once_or_not_at_all() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let mut a = relay(&nats, 3);
    let b = relay(&nats, 3);
    let port = a.port;
    // Writers on A, each message its own session, until A is gone; killed while they run,
    // after some appends (a busy machine may be slow).
    let writers = Writers::start(port, "k", 3, 15);
    a.kill();
    let (acked, unknown) = writers.join();
    assert!(acked.len() > 10, "too few appends before the kill: {}", acked.len());
    // B holds every acknowledged message once, and each unacknowledged one once or not.
    std::thread::sleep(Duration::from_millis(500));
    let held = all_lines(&b.root, "lobby.txt");
    for l in &acked {
        assert_eq!(held.iter().filter(|h| *h == l).count(), 1, "acknowledged {l}");
    }
    for l in &unknown {
        assert!(held.iter().filter(|h| *h == l).count() <= 1, "unacknowledged {l}");
    }
    assert_eq!(held.len(), acked.len() + unknown.iter().filter(|l| held.contains(l)).count());
    // A comes back and holds the same bytes.
    a.restart();
    assert_eq!(Ftp::login(a.port).size("lobby.txt"), Ftp::login(b.port).size("lobby.txt"));
    assert_eq!(room_files(&a.root, "lobby.txt"), room_files(&b.root, "lobby.txt"));
}
