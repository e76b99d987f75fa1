//! `loft chat` against a real `loft serve`: piped (the same loop without a terminal) and
//! interactive in a real terminal through tmux (send-keys, capture-pane).

#![cfg(feature = "client")]

use crate::common;
use common::{Relay, LOFT, PASSWORD};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROOM_KEY: &str = "chat room key";

fn send_as(r: &Relay, home: &std::path::Path, name: &str, room: &str, text: &str) {
    let mut c = common::loft_client(
        home,
        ROOM_KEY,
        &["send", "-s", &format!("ftp://chat@127.0.0.1:{}/", r.port), "--room", room, "--name", name, text],
    );
    let o = c.output().unwrap();
    assert!(o.status.success(), "send: {}", String::from_utf8_lossy(&o.stderr));
}

/// How many messages with exactly `text` the room file holds.
fn count_on_relay(r: &Relay, room: &str, text: &str) -> usize {
    let key = loft::ftpchat::key::RoomKey::derive(ROOM_KEY);
    let disk = std::fs::read_to_string(r.root.join(format!("{room}.txt"))).unwrap_or_default();
    disk.lines().filter_map(|l| key.open_line(l).ok()).filter(|m| m.text == text).count()
}

struct Piped {
    child: Child,
    stdin: ChildStdin,
    out: Arc<Mutex<String>>,
}

impl Piped {
    fn start(r: &Relay, home: &std::path::Path) -> Piped {
        let url = format!("ftp://chat@127.0.0.1:{}/", r.port);
        let args = ["chat", "-s", &url, "--room", "lobby", "--name", "alice", "--interval", "0.2", "--timeout", "3"];
        let mut c = common::loft_client(home, ROOM_KEY, &args);
        let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let o = out.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut o = o.lock().unwrap();
                    o.push_str(&line);
                    o.push('\n');
                }
            });
        }
        let stdin = child.stdin.take().unwrap();
        Piped { child, stdin, out }
    }

    fn say(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn wait_for(&self, needle: &str) -> String {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            let o = self.out.lock().unwrap().clone();
            if o.contains(needle) {
                return o;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("chat never showed {needle:?}:\n{}", self.out.lock().unwrap());
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn piped_chat_sends_receives_and_delivers_the_outbox_once_after_a_relay_restart() {
    let mut r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    send_as(&r, other.path(), "bob", "lobby", "earlier");
    let mut chat = Piped::start(&r, home.path());
    chat.wait_for("bob: earlier");
    chat.say("hello from chat");
    chat.wait_for("alice: hello from chat");
    send_as(&r, other.path(), "bob", "lobby", "hi alice");
    chat.wait_for("bob: hi alice");
    chat.say("//not a command");
    chat.wait_for("alice: /not a command");
    chat.say("/nonsense");
    chat.wait_for("no command /nonsense");

    r.kill();
    chat.say("typed while the relay is down");
    chat.wait_for("kept in the outbox");
    chat.say("and another one");
    std::thread::sleep(Duration::from_millis(500));
    r.restart();
    chat.wait_for("alice: typed while the relay is down");
    let out = chat.wait_for("alice: and another one");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(count_on_relay(&r, "lobby", "typed while the relay is down"), 1, "{out}");
    assert_eq!(count_on_relay(&r, "lobby", "and another one"), 1, "{out}");
    // In order, and shown once.
    let out = chat.out.lock().unwrap().clone();
    let a = out.find("alice: typed while").unwrap();
    let b = out.find("alice: and another one").unwrap();
    assert!(a < b, "{out}");
    assert_eq!(out.matches("alice: and another one").count(), 1, "{out}");

    chat.say("/quit");
    let t = Instant::now();
    let status = loop {
        if let Some(s) = chat.child.try_wait().unwrap() {
            break s;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "chat did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
}

static SOCKET: AtomicU32 = AtomicU32::new(0);

/// A `loft chat` in a real terminal: a private tmux server.
struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn start(r: &Relay, home: &std::path::Path, name: &str) -> Option<Tmux> {
        if !common::require_tool("tmux") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        std::fs::write(
            &script,
            format!(
                "export HOME='{}' LOFT_FTP_PASSWORD='{PASSWORD}' LOFT_ROOM_KEY='{ROOM_KEY}' TERM=xterm-256color\n\
                 unset XDG_CONFIG_HOME XDG_STATE_HOME LOFT_SERVER LOFT_ROOM LOFT_NAME LOFT_PROFILE NO_COLOR\n\
                 '{LOFT}' chat -s ftp://chat@127.0.0.1:{}/ --room lobby --name {name} --interval 0.2 --timeout 3\n\
                 echo \"EXIT=$?\"\nsleep 60\n",
                home.display(),
                r.port
            ),
        )
        .unwrap();
        let socket = format!("loft-test-{}-{}", std::process::id(), SOCKET.fetch_add(1, Ordering::SeqCst));
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "110",
                "-y",
                "30",
                "sh",
                script.to_str().unwrap(),
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        Some(Tmux { socket, _dir: dir })
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-L", self.socket.as_str(), "send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    /// Types like a person: one key at a time.
    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.keys(&["-l", &c.to_string()]);
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    }

    fn wait_for(&self, needle: &str) -> String {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the terminal never showed {needle:?}:\n{}", self.screen());
    }

    /// The line the cursor is on (the input line).
    fn input_line(&self) -> String {
        self.screen().lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

#[test]
fn chat_in_a_terminal_keeps_the_input_line_while_messages_arrive() {
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    send_as(&r, other.path(), "bob", "lobby", "welcome");
    let Some(t) = Tmux::start(&r, home.path(), "alice") else { return };
    t.wait_for("bob: welcome");
    t.wait_for("[lobby] alice>");
    t.type_text("half a sen");
    t.wait_for("alice> half a sen");
    send_as(&r, other.path(), "bob", "lobby", "incoming while you type");
    t.wait_for("bob: incoming while you type");
    // The message went above; what was typed is intact on the input line.
    assert_eq!(t.input_line().trim_end(), "[lobby] alice> half a sen", "{}", t.screen());
    t.type_text("tence");
    t.keys(&["Enter"]);
    t.wait_for("alice: half a sentence");
    assert_eq!(count_on_relay(&r, "lobby", "half a sentence"), 1);

    t.type_text("/who");
    t.keys(&["Enter"]);
    // A Loft relay answers SITE SEEN: who has read the room up to where.
    let s = t.wait_for("seen in lobby:");
    assert!(s.lines().any(|l| l.trim_start().starts_with("chat ")), "{s}");
    // History: Up recalls the last line.
    t.keys(&["Up"]);
    t.wait_for("alice> /who");
    t.keys(&["C-u"]);

    t.type_text("/room kitchen");
    t.keys(&["Enter"]);
    t.wait_for("key for room kitchen");
    t.keys(&["Enter"]);
    t.wait_for("now in room kitchen");
    t.wait_for("[kitchen] alice>");
    t.type_text("in the kitchen");
    t.keys(&["Enter"]);
    t.wait_for("alice: in the kitchen");
    assert_eq!(count_on_relay(&r, "kitchen", "in the kitchen"), 1);

    t.type_text("/quit");
    t.keys(&["Enter"]);
    t.wait_for("EXIT=0");
}

/// A paste (or keys arriving in one burst over ssh) must not get stuck in the editor.
/// rustyline before 19 left buffered keys unread while an external printer was in use.
#[test]
fn chat_in_a_terminal_takes_pasted_input() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let major = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"rustyline\""))
        .and_then(|p| p.split("version = \"").nth(1))
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if major < 19 {
        eprintln!("skipping: rustyline {major} loses pasted keys with an external printer (fixed in 19)");
        return;
    }
    let r = Relay::start();
    let home = tempfile::tempdir().unwrap();
    let Some(t) = Tmux::start(&r, home.path(), "alice") else { return };
    t.wait_for("[lobby] alice>");
    t.keys(&["-l", "pasted in one go"]);
    t.keys(&["Enter"]);
    t.wait_for("alice: pasted in one go");
    t.keys(&["-l", "/quit"]);
    t.keys(&["Enter"]);
    t.wait_for("EXIT=0");
}
