//! The rooms' log across relays: faults while applying it (a message no relay can apply,
//! a relay that cannot write), the `[chat]` rotation keys checked across relays, a real
//! SIGKILL of a relay process mid-append, SIGHUP with a changed `[cluster]`.

use super::*;
use std::net::TcpStream;

/// Publishes `payload` on `subject` through NATS's plain protocol (the stream stores
/// what is published on its subjects, whoever sends it): what a buggy or foreign
/// publisher could put in the stream.
fn nats_publish(nats: &Nats, subject: &str, payload: &[u8]) {
    let s = TcpStream::connect(("127.0.0.1", nats.nodes[0].port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut info = String::new();
    r.read_line(&mut info).unwrap();
    assert!(info.starts_with("INFO"), "{info}");
    let mut w = s;
    w.write_all(nats.connect_line().as_bytes()).unwrap();
    w.write_all(format!("PUB {subject} {}\r\n", payload.len()).as_bytes()).unwrap();
    w.write_all(payload).unwrap();
    w.write_all(b"\r\nPING\r\n").unwrap();
    let mut line = String::new();
    while !line.starts_with("PONG") {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "NATS closed the connection");
        assert!(!line.starts_with("-ERR"), "{line}");
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn skipped(root: &Path) -> String {
    std::fs::read_to_string(root.join(".cluster.loft/skipped")).unwrap_or_default()
}

#[test]
fn a_message_no_relay_can_apply_is_skipped_and_recorded_alike_on_every_relay() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let a = relay(&nats, 3);
    let b = relay(&nats, 3);
    let first = format!("{}\n", line("w", 0));
    assert!(Ftp::login(a.port).appe("lobby.txt", first.as_bytes()).starts_with("226"));
    // Bytes that are not whole lines, for a real room; a subject that names no room.
    nats_publish(&nats, &format!("loft.rooms.{}", hex("lobby.txt")), b"half a line");
    nats_publish(&nats, "loft.rooms.zz", b"a line\n");
    let next = format!("{}\n", line("w", 1));
    assert!(Ftp::login(b.port).appe("lobby.txt", next.as_bytes()).starts_with("226"));
    wait_until("A has the line after the bad ones", Duration::from_secs(10), || {
        all_lines(&a.root, "lobby.txt").len() == 2
    });
    for r in [&a, &b] {
        assert_eq!(all_lines(&r.root, "lobby.txt"), vec![line("w", 0), line("w", 1)]);
        let s = skipped(&r.root);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 2, "{s}");
        assert!(lines[0].contains(&hex("lobby.txt")) && lines[0].contains("newline"), "{s}");
        assert!(lines[1].contains("loft.rooms.zz") && lines[1].contains("no room"), "{s}");
        assert!(r.log().contains("skipped"), "no log line on a relay");
    }
    assert_eq!(skipped(&a.root), skipped(&b.root));
    assert_eq!(room_files(&a.root, "lobby.txt"), room_files(&b.root, "lobby.txt"));
    // A restart does not record them again.
    let mut b = b;
    b.restart();
    assert_eq!(Ftp::login(b.port).size("lobby.txt"), Some((first.len() + next.len()) as u64));
    assert_eq!(skipped(&b.root), skipped(&a.root));
}

#[test]
fn a_relay_that_cannot_write_retries_skips_nothing_and_refuses_appends_at_once() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let a = relay(&nats, 3);
    let b = relay(&nats, 3);
    // On B, `sub` is a file: the room `sub/lobby.txt` cannot be made there (a local
    // fault, as a full disk or a broken folder is), while A writes it.
    std::fs::write(b.root.join("sub"), b"in the way").unwrap();
    std::fs::create_dir(a.root.join("sub")).unwrap();
    let lines: Vec<String> = (0..5).map(|i| line("f", i)).collect();
    for l in &lines[..3] {
        let r = Ftp::login(a.port).appe("sub/lobby.txt", format!("{l}\n").as_bytes());
        assert!(r.starts_with("226"), "{r}");
    }
    assert!(b.wait_log("retrying (never skipped)"), "{}", b.log());
    // An append through B is refused at once, with a temporary error, not at the timeout.
    let mut f = Ftp::login(b.port);
    let t = Instant::now();
    let r = f.appe("other.txt", format!("{}\n", line("o", 0)).as_bytes());
    assert!(r.starts_with("451") && r.contains("cannot write its replica"), "{r}");
    assert!(t.elapsed() < Duration::from_secs(3), "refused only after {:?}", t.elapsed());
    // A goes on meanwhile.
    for l in &lines[3..] {
        assert!(Ftp::login(a.port).appe("sub/lobby.txt", format!("{l}\n").as_bytes()).starts_with("226"));
    }
    // The fault cleared: B applies everything, skipping nothing.
    std::fs::remove_file(b.root.join("sub")).unwrap();
    wait_until("B catches up", Duration::from_secs(30), || all_lines(&b.root, "sub/lobby.txt") == lines);
    assert_eq!(room_files(&a.root, "sub/lobby.txt"), room_files(&b.root, "sub/lobby.txt"));
    assert_eq!(skipped(&b.root), "");
    assert!(b.wait_log("writes its replica again"));
    let r = Ftp::login(b.port).appe("other.txt", format!("{}\n", line("o", 1)).as_bytes());
    assert!(r.starts_with("226"), "{r}");
}

#[test]
fn relays_with_different_rotation_keys_are_refused_at_start() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(1);
    let a = relay(&nats, 1);
    assert!(Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("k", 0)).as_bytes()).starts_with("226"));
    let join = nats.join();
    let started = std::panic::catch_unwind(|| {
        Relay::process(Setup::default().edit(move |t| {
            let t = set_key(&t, "chat", "validate", "false");
            let t = set_key(&t, "chat", "rotate_bytes", "8192");
            let t = set_key(&t, "chat", "keep_bytes", "1024");
            let t = set_key(&t, "chat", "keep_archives", "0");
            let t = join(&t);
            set_key(&t, "cluster", "replicas", "1")
        }))
    });
    let Err(e) = started else { panic!("a relay rotating differently started") };
    let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("[chat] rotate_bytes is 8192 here but 4096"), "{msg}");
    assert!(!msg.contains("keep_bytes is"), "{msg}");
    // The first relay is untouched and goes on.
    assert!(Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("k", 1)).as_bytes()).starts_with("226"));
}

/// A relay of the cluster as a `loft serve` process.
fn relay_process(nats: &Nats) -> Relay {
    let join = nats.join();
    Relay::process(Setup::default().edit(move |t| {
        let t = set_key(&t, "chat", "validate", "false");
        let t = set_key(&t, "chat", "rotate_bytes", "4096");
        let t = set_key(&t, "chat", "keep_bytes", "1024");
        let t = set_key(&t, "chat", "keep_archives", "0");
        let t = set_key(&t, "limits", "max_per_ip", "100");
        let t = join(&t);
        let t = set_key(&t, "cluster", "replicas", "3");
        set_key(&t, "cluster", "timeout", "\"5s\"")
    }))
}

#[test]
fn a_relay_process_killed_with_sigkill_mid_append_leaves_each_message_once_or_not_at_all() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let mut a = relay_process(&nats);
    let b = relay(&nats, 3);
    let port = a.port;
    let writers = Writers::start(port, "s", 4, 40);
    a.signal(libc::SIGKILL);
    let _ = a.wait_exit(10).expect("the relay died");
    let (acked, unknown) = writers.join();
    assert!(acked.len() >= 40, "too few appends before the kill: {}", acked.len());
    // B holds every acknowledged message once, each unacknowledged one once or not.
    let mut held = Vec::new();
    wait_until("B holds every acknowledged message", Duration::from_secs(20), || {
        held = all_lines(&b.root, "lobby.txt");
        acked.iter().all(|l| held.contains(l))
    });
    for l in acked.iter().chain(&unknown) {
        assert!(held.iter().filter(|h| *h == l).count() <= 1, "{l} doubled");
    }
    assert_eq!(held.len(), acked.len() + unknown.iter().filter(|l| held.contains(l)).count());
    // A comes back (a new process) and holds the same bytes: the messages it had written
    // but not recorded when it died are not written again.
    a.restart();
    assert_eq!(Ftp::login(a.port).size("lobby.txt"), Ftp::login(b.port).size("lobby.txt"));
    assert_eq!(room_files(&a.root, "lobby.txt"), room_files(&b.root, "lobby.txt"));
}

#[test]
fn sighup_with_a_changed_cluster_section_keeps_the_link_and_says_a_restart_is_needed() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(1);
    let join = nats.join();
    let a = Relay::process(Setup::default().edit(move |t| {
        let t = set_key(&t, "chat", "validate", "false");
        let t = set_key(&t, "chat", "rotate_bytes", "4096");
        let t = set_key(&t, "chat", "keep_bytes", "1024");
        let t = join(&t);
        set_key(&t, "cluster", "replicas", "1")
    }));
    assert!(Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("h", 0)).as_bytes()).starts_with("226"));
    // Another group name and other rotation keys: neither may take effect on SIGHUP.
    let text = std::fs::read_to_string(&a.config).unwrap();
    let text = set_key(&text, "cluster", "name", "\"other\"");
    let text = set_key(&text, "chat", "rotate_bytes", "8192");
    std::fs::write(&a.config, text).unwrap();
    a.reload();
    assert!(a.wait_log("[cluster] changed: it takes effect at the next restart"), "{}", a.log());
    assert!(a.wait_log("the running values are kept"), "{}", a.log());
    // The running link is the one it had: appends go on, into the same stream.
    assert!(Ftp::login(a.port).appe("lobby.txt", format!("{}\n", line("h", 1)).as_bytes()).starts_with("226"));
    assert_eq!(all_lines(&a.root, "lobby.txt"), vec![line("h", 0), line("h", 1)]);
    assert!(!a.log().contains("disconnected from NATS"), "{}", a.log());
    let names = nats_request(&nats, "$JS.API.STREAM.NAMES", b"");
    assert!(names.contains("\"loft-rooms\"") && !names.contains("other-rooms"), "{names}");
}

/// A relay whose rooms prune (3 archives, no days floor) and are checkpointed every second.
fn pruning_relay(nats: &Nats) -> Relay {
    relay_edited(nats, 3, |t| {
        let t = set_key(&t, "chat", "keep_archives", "3");
        let t = set_key(&t, "chat", "keep_days", "0");
        set_key(&t, "cluster", "checkpoint_every", "\"1s\"")
    })
}

/// A room's archives on one relay: name and time (pruning and file pruning read them).
fn archive_times(root: &Path, room: &str) -> Vec<(String, std::time::SystemTime)> {
    let mut out: Vec<_> = std::fs::read_dir(root.join(format!(".{room}.loft")))
        .map(|rd| rd.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect())
        .unwrap_or_else(|_| Vec::new())
        .into_iter()
        .map(|p: std::path::PathBuf| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::metadata(&p).unwrap().modified().unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The stream sequence a room's record on one relay holds.
fn recorded_seq(root: &Path, room: &str) -> u64 {
    let text = std::fs::read_to_string(root.join(format!(".{room}.loft/applied"))).unwrap_or_default();
    text.split_whitespace().next().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The checkpoint sequence a relay knows stored for a room (its `checkpoints` record).
fn checkpointed(root: &Path, room: &str) -> u64 {
    let text = std::fs::read_to_string(root.join(".cluster.loft/checkpoints")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, h)| *h == hex(room))
        .filter_map(|(s, _)| s.parse().ok())
        .max()
        .unwrap_or(0)
}

/// The objects the history bucket holds (not deleted), by name, sorted, each with its
/// `seq` metadata: read from the object store's own stream (each object's last metadata
/// message).
fn history_objects(nats: &Nats) -> Vec<(String, Option<u64>)> {
    use base64::Engine as _;
    let filter = b"{\"subjects_filter\":\"$O.loft-history.M.>\"}";
    let info = nats_request(nats, "$JS.API.STREAM.INFO.OBJ_loft-history", filter);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap_or_else(|e| panic!("{e}: {info}"));
    let subjects: Vec<String> =
        info["state"]["subjects"].as_object().map_or(Vec::new(), |m| m.keys().cloned().collect());
    let mut names = Vec::new();
    for subject in subjects {
        let get = format!("{{\"last_by_subj\":\"{subject}\"}}");
        let reply = nats_request(nats, "$JS.API.STREAM.MSG.GET.OBJ_loft-history", get.as_bytes());
        let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
        let data =
            base64::engine::general_purpose::STANDARD.decode(reply["message"]["data"].as_str().unwrap()).unwrap();
        let meta: serde_json::Value = serde_json::from_slice(&data).unwrap();
        if meta["deleted"].as_bool() != Some(true) {
            let seq = meta["metadata"]["seq"].as_str().and_then(|s| s.parse().ok());
            names.push((meta["name"].as_str().unwrap().to_string(), seq));
        }
    }
    names.sort();
    names
}

/// A JSON number field of a NATS API reply.
fn json_u64(reply: &str, path: &[&str]) -> u64 {
    let v: serde_json::Value = serde_json::from_str(reply).unwrap_or_else(|e| panic!("{e}: {reply}"));
    path.iter().fold(&v, |v, k| &v[*k]).as_u64().unwrap_or_else(|| panic!("no {path:?} in {reply}"))
}

fn same_everywhere(relays: &[&Relay], rooms: &[&str]) {
    for room in rooms {
        let size = Ftp::login(relays[0].port).size(room);
        for r in &relays[1..] {
            assert_eq!(Ftp::login(r.port).size(room), size, "SIZE of {room}");
            assert_eq!(room_files(&relays[0].root, room), room_files(&r.root, room), "{room}");
            assert_eq!(archive_times(&relays[0].root, room), archive_times(&r.root, room), "archive times of {room}");
        }
    }
}

#[test]
fn a_relay_rebuilt_from_a_trimmed_stream_starts_from_the_checkpoints_and_holds_the_same_rooms() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(3);
    let a = pruning_relay(&nats);
    let mut b = pruning_relay(&nats);
    // A busy room that rotates and prunes, a quiet one that never rotates.
    for i in 0..150 {
        let port = if i % 2 == 0 { a.port } else { b.port };
        assert!(Ftp::login(port).appe("busy.txt", format!("{}\n", line("w", i)).as_bytes()).starts_with("226"));
        if i % 50 == 0 {
            assert!(Ftp::login(a.port).appe("quiet.txt", format!("{}\n", line("q", i)).as_bytes()).starts_with("226"));
        }
    }
    // The stream's limits: its age from keep_days (0 here: a day), no size bound.
    let info = nats_request(&nats, "$JS.API.STREAM.INFO.loft-rooms", b"");
    assert_eq!(json_u64(&info, &["config", "max_age"]), 86_400 * 1_000_000_000, "{info}");
    assert!(info.contains("\"loft.cluster.max_bytes\":\"0\""), "{info}");
    assert!(archive_times(&a.root, "quiet.txt").is_empty());
    assert_eq!(archive_times(&a.root, "busy.txt").len(), 3, "the busy room should have pruned");
    let rooms = ["busy.txt", "quiet.txt"];
    wait_until("both rooms checkpointed", Duration::from_secs(30), || {
        rooms.iter().all(|r| recorded_seq(&b.root, r) == recorded_seq(&a.root, r))
            && rooms.iter().all(|r| checkpointed(&a.root, r) >= recorded_seq(&a.root, r))
    });
    // The history bucket holds each room's checkpoint and the busy room's 3 archives, no
    // more (the archives pruned went from it), and the mark that every message up to the
    // last is in a checkpoint.
    let mut want: Vec<String> = ["busy.txt", "quiet.txt"]
        .iter()
        .map(|r| format!("{}/checkpoint", hex(r)))
        .chain(archive_times(&a.root, "busy.txt").into_iter().map(|(n, _)| format!("{}/{n}", hex("busy.txt"))))
        .chain(["checkpointed".to_string()])
        .collect();
    let last = json_u64(&nats_request(&nats, "$JS.API.STREAM.INFO.loft-rooms", b""), &["state", "last_seq"]);
    want.sort();
    let mut held = Vec::new();
    let t = Instant::now();
    let mut mark = None;
    while held != want || mark < Some(last) {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the history bucket holds {held:?} (mark {mark:?}), not {want:?} (mark {last})"
        );
        std::thread::sleep(Duration::from_millis(200));
        let objects = history_objects(&nats);
        mark = objects.iter().find(|(n, _)| n == "checkpointed").and_then(|(_, s)| *s);
        held = objects.into_iter().map(|(n, _)| n).collect();
    }
    // Every message the stream holds is removed (as its max_age would, in a day).
    let purged = nats_request(&nats, "$JS.API.STREAM.PURGE.loft-rooms", format!("{{\"seq\":{}}}", last + 1).as_bytes());
    assert!(purged.contains("\"success\":true"), "{purged}");
    // A new relay: every room from its checkpoint, the same bytes, archives and SIZE.
    let c = pruning_relay(&nats);
    assert!(c.wait_log("room restored from its checkpoint"), "{}", c.log());
    assert!(!c.log().contains("may miss messages"), "{}", c.log());
    same_everywhere(&[&a, &b, &c], &rooms);
    // The group goes on alike: more rotations and prunings, on every relay.
    for i in 150..230 {
        let port = [a.port, b.port, c.port][i % 3];
        assert!(Ftp::login(port).appe("busy.txt", format!("{}\n", line("w", i)).as_bytes()).starts_with("226"));
    }
    assert!(Ftp::login(c.port).appe("quiet.txt", format!("{}\n", line("q", 999)).as_bytes()).starts_with("226"));
    // B's root wiped: its rooms come from the checkpoints and the messages after them.
    b.kill();
    std::fs::remove_dir_all(&b.root).unwrap();
    std::fs::create_dir_all(&b.root).unwrap();
    b.restart();
    assert!(b.wait_log("room restored from its checkpoint"), "{}", b.log());
    for r in [&a, &b, &c] {
        wait_until("every relay applied the last message", Duration::from_secs(20), || {
            rooms.iter().all(|room| recorded_seq(&r.root, room) == recorded_seq(&a.root, room))
        });
    }
    same_everywhere(&[&a, &b, &c], &rooms);
    let lines = all_lines(&c.root, "quiet.txt");
    assert_eq!(lines, vec![line("q", 0), line("q", 50), line("q", 100), line("q", 999)]);
}

/// A restore whose checkpoints do not hold every message the stream dropped (no relay
/// checkpointed them: here they were published while every relay was down, then purged)
/// names the gap in an error and restores what there is: each room as its checkpoint
/// holds it. The relay serves (the gap is only what no checkpoint held).
#[test]
fn a_restore_past_the_checkpoints_names_the_gap_and_restores_what_there_is() {
    if !require_nats() {
        return;
    }
    let nats = Nats::start(1);
    let every_second = |t: String| set_key(&t, "cluster", "checkpoint_every", "\"1s\"");
    let mut a = relay_edited(&nats, 1, every_second);
    let kept: Vec<String> = (0..3).map(|i| line("kept", i)).collect();
    for l in &kept {
        let r = Ftp::login(a.port).appe("lobby.txt", format!("{l}\n").as_bytes());
        assert!(r.starts_with("226"), "{r}");
    }
    let size = Ftp::login(a.port).size("lobby.txt");
    let stream = |nats: &Nats| nats_request(nats, "$JS.API.STREAM.INFO.loft-rooms", b"");
    let checkpointed_upto = json_u64(&stream(&nats), &["state", "last_seq"]);
    wait_until("every message in a checkpoint", Duration::from_secs(20), || {
        history_objects(&nats).iter().any(|(n, s)| n == "checkpointed" && *s >= Some(checkpointed_upto))
    });
    // Every relay down; a message reaches the stream that no checkpoint will hold, and the
    // stream drops everything (as max_bytes or max_age would).
    a.kill();
    nats_publish(&nats, &format!("loft.rooms.{}", hex("lobby.txt")), format!("{}\n", line("lost", 0)).as_bytes());
    let last = json_u64(&stream(&nats), &["state", "last_seq"]);
    assert_eq!(last, checkpointed_upto + 1);
    let purged = nats_request(&nats, "$JS.API.STREAM.PURGE.loft-rooms", format!("{{\"seq\":{}}}", last + 1).as_bytes());
    assert!(purged.contains("\"success\":true"), "{purged}");
    // A new relay: the error names what may be missing, and the room is its checkpoint.
    let c = relay_edited(&nats, 1, every_second);
    assert!(c.wait_log("may miss messages on this relay"), "{}", c.log());
    let log = c.log();
    assert!(
        log.contains(&format!("dropped_upto={last}"))
            && log.contains(&format!("checkpointed_upto={checkpointed_upto}")),
        "{log}"
    );
    assert!(c.wait_log("room restored from its checkpoint"), "{log}");
    assert_eq!(Ftp::login(c.port).size("lobby.txt"), size);
    assert_eq!(all_lines(&c.root, "lobby.txt"), kept);
    // And it goes on from there.
    let r = Ftp::login(c.port).appe("lobby.txt", format!("{}\n", line("after", 0)).as_bytes());
    assert!(r.starts_with("226"), "{r}");
}
