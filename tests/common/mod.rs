//! Test harness: a real `loft serve` on loopback, driven by real FTP clients.
//!
//! Each relay gets its own temporary folder, a config made by `loft init`, a port the
//! kernel picks (`--listen 127.0.0.1:0`, read back from the log) and its own passive port
//! range, so tests run in parallel on a shared machine without fixed ports.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "correct-horse";
pub const LOFT: &str = env!("CARGO_BIN_EXE_loft");

/// The vectors file shared with the FTPChat project.
pub fn vectors_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ftpchat-v1.7.json")
}

/// Whether python3 with `cryptography` is here.
pub fn python_has_cryptography() -> bool {
    Command::new("python3").args(["-c", "import cryptography"]).status().map(|s| s.success()).unwrap_or(false)
}

/// The one policy for a missing Python `cryptography`: a test that needs it skips, and
/// says why, on a machine without it; under CI (`CI` set), which installs it, that is a
/// failure instead, so a broken install cannot pass as skipped tests.
pub fn skip_without_cryptography() -> bool {
    if python_has_cryptography() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Python's cryptography is missing, and CI must have it (.ci/run: pip install cryptography)"
    );
    eprintln!("SKIP: Python's cryptography is missing (pip install cryptography; .ci/run does)");
    true
}

/// Collects a child's output, line by line, in the background.
pub fn capture_lines(r: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            let mut b = b.lock().unwrap();
            b.push_str(&line);
            b.push('\n');
        }
    });
    buf
}

/// `loft ARGS` as a client on a machine of its own: its own `HOME` (trust store, outbox),
/// none of the caller's `LOFT_*` settings, and the FTP password and `room_key` in the
/// environment, as a script would run it.
pub fn loft_client(home: &Path, room_key: &str, args: &[&str]) -> Command {
    let mut c = Command::new(LOFT);
    c.args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_STATE_HOME")
        .env_remove("LOFT_SERVER")
        .env_remove("LOFT_ROOM")
        .env_remove("LOFT_NAME")
        .env_remove("LOFT_PROFILE")
        .env_remove("NO_COLOR")
        .env("LOFT_FTP_PASSWORD", PASSWORD)
        .env("LOFT_ROOM_KEY", room_key)
        .stdin(Stdio::null());
    c
}

/// A running `loft read --follow` (or any client process) whose output is collected.
pub struct Follower {
    pub child: Child,
    pub out: Arc<Mutex<String>>,
    pub err: Arc<Mutex<String>>,
}

impl Follower {
    /// Starts `cmd` with its stdout and stderr collected.
    pub fn spawn(mut cmd: Command) -> Follower {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let out = capture_lines(child.stdout.take().unwrap());
        let err = capture_lines(child.stderr.take().unwrap());
        Follower { child, out, err }
    }

    /// Waits until stdout shows `needle`; returns how long that took.
    pub fn wait_for(&self, needle: &str, within: Duration) -> Duration {
        let t = Instant::now();
        while t.elapsed() < within {
            if self.out.lock().unwrap().contains(needle) {
                return t.elapsed();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("never saw {needle:?}\n--- out\n{}\n--- err\n{}", self.out.lock().unwrap(), self.err.lock().unwrap());
    }

    /// Waits (at most 30 s) until stdout shows `needle` `count` times; returns stdout.
    pub fn wait_for_count(&self, needle: &str, count: usize) -> String {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            let o = self.out.lock().unwrap().clone();
            if o.matches(needle).count() >= count {
                return o;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "follower never showed {needle:?} x{count}\n--- stdout\n{}\n--- stderr\n{}",
            self.out.lock().unwrap(),
            self.err.lock().unwrap()
        );
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static NEXT_RANGE: AtomicU16 = AtomicU16::new(0);

/// A passive range of 50 ports for this relay: relays of one test process never share
/// one (a client would reach another relay's data port), and processes are spread by pid.
fn passive_range() -> (u16, u16) {
    let block = (std::process::id() as usize * 37 + NEXT_RANGE.fetch_add(1, Ordering::SeqCst) as usize) % 800;
    let start = 20000 + block as u16 * 50;
    (start, start + 49)
}

pub struct Relay {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub root: PathBuf,
    pub port: u16,
    /// The web client's HTTPS port.
    pub web_port: u16,
    pub passive: (u16, u16),
    child: Option<Child>,
    log: Arc<Mutex<String>>,
}

/// How to set a relay up before it starts.
#[derive(Default)]
pub struct Setup {
    /// Edits to the config text after `loft init` (e.g. add a `[chat]` key).
    pub edit: Option<Box<dyn FnOnce(String) -> String>>,
    /// Extra users: (name, password, extra `loft user add` flags).
    pub users: Vec<(String, String, Vec<String>)>,
}

impl Setup {
    pub fn edit(mut self, f: impl FnOnce(String) -> String + 'static) -> Self {
        self.edit = Some(Box::new(f));
        self
    }
    pub fn user(mut self, name: &str, password: &str, flags: &[&str]) -> Self {
        self.users.push((name.into(), password.into(), flags.iter().map(|s| s.to_string()).collect()));
        self
    }
}

/// Replaces `key = ...` inside `[table]` (or adds it there).
pub fn set_key(text: &str, table: &str, key: &str, value: &str) -> String {
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let v: toml_edit::Value = value.parse().unwrap();
    if table.is_empty() {
        doc[key] = toml_edit::Item::Value(v);
    } else {
        let t = table.split('.').fold(doc.as_item_mut(), |item, k| {
            if item.get(k).is_none() {
                item[k] = toml_edit::table();
            }
            &mut item[k]
        });
        t[key] = toml_edit::Item::Value(v);
    }
    doc.to_string()
}

pub fn run_loft(args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(LOFT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run loft");
    if let Some(s) = stdin {
        // A command that refuses its arguments exits before reading stdin: EPIPE is fine.
        let _ = c.stdin.take().unwrap().write_all(s.as_bytes());
    } else {
        drop(c.stdin.take());
    }
    c.wait_with_output().unwrap()
}

impl Relay {
    pub fn start() -> Relay {
        Self::with(Setup::default())
    }

    pub fn with(setup: Setup) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("loft.toml");
        let root = dir.path().join("root");
        let out = run_loft(
            &[
                "init",
                "--root",
                root.to_str().unwrap(),
                "-c",
                config.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
                "--password-stdin",
                "--tls-name",
                "127.0.0.1",
                "--tls-name",
                "localhost",
            ],
            Some(&format!("{PASSWORD}\n")),
        );
        assert!(out.status.success(), "loft init failed: {}", String::from_utf8_lossy(&out.stderr));
        for (name, pw, flags) in &setup.users {
            let mut args = vec!["user", "add", name.as_str(), "-c", config.to_str().unwrap(), "--password-stdin"];
            args.extend(flags.iter().map(|s| s.as_str()));
            let out = run_loft(&args, Some(&format!("{pw}\n")));
            assert!(out.status.success(), "user add: {}", String::from_utf8_lossy(&out.stderr));
        }
        let passive = passive_range();
        let mut text = std::fs::read_to_string(&config).unwrap();
        text = set_key(&text, "passive", "ports", &format!("\"{}-{}\"", passive.0, passive.1));
        // Tests send far faster than people chat, and count on archives being pruned by
        // number: the limits that protect a real relay from a member are off unless a
        // test turns them on.
        text = set_key(&text, "chat", "max_messages_per_minute", "0");
        text = set_key(&text, "chat", "max_bytes_per_minute", "0");
        text = set_key(&text, "chat", "keep_days", "0");
        if let Some(edit) = setup.edit {
            text = edit(text);
        }
        std::fs::write(&config, text).unwrap();
        let mut relay = Relay {
            dir,
            config,
            root,
            port: 0,
            web_port: 0,
            passive,
            child: None,
            log: Arc::new(Mutex::new(String::new())),
        };
        relay.spawn(&["--listen", "127.0.0.1:0", "--web-listen", "127.0.0.1:0"]);
        relay
    }

    /// Starts `loft serve` and waits for "listening on".
    fn spawn(&mut self, extra: &[&str]) {
        let mut args = vec!["serve", "-c", self.config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let mut child = Command::new(LOFT)
            .args(&args)
            .env("RUST_LOG", "info,libunftp=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start loft serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = self.log.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            let mut ftp = None;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    if rest.contains("(FTP") {
                        ftp = Some(addr);
                    } else if let (Some(f), Some(t)) = (ftp.take(), tx.take()) {
                        // The web listener is logged after the FTP one.
                        let _ = t.send((f, addr));
                    }
                }
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok((ftp, web)) => {
                self.port = ftp.rsplit(':').next().unwrap().parse().unwrap();
                self.web_port = web.rsplit(':').next().unwrap().parse().unwrap();
            }
            Err(_) => {
                let _ = child.kill();
                panic!("loft serve did not start: {}", self.log());
            }
        }
        self.child = Some(child);
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle` (logs are written asynchronously).
    pub fn wait_log(&self, needle: &str) -> bool {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn signal(&self, sig: i32) {
        unsafe { libc::kill(self.pid() as i32, sig) };
    }

    /// Waits for the server to exit (after a signal), at most `secs`.
    pub fn wait_exit(&mut self, secs: u64) -> Option<ExitStatus> {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(secs) {
            if let Some(s) = self.child.as_mut().unwrap().try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL, as a power cut would.
    pub fn kill(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        let addr = format!("127.0.0.1:{}", self.port);
        let web = format!("127.0.0.1:{}", self.web_port);
        self.spawn(&["--listen", &addr, "--web-listen", &web]);
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("loft.crt")
    }

    /// Runs `tests/support/scripts/NAME`, a Python client that imports the prelude
    /// (`connect()`, `HOST`, `PORT`, …), against this relay, by path (so a traceback
    /// points at its own lines).
    pub fn script(&self, name: &str) -> Output {
        self.script_args(name, &[])
    }

    pub fn script_args(&self, name: &str, args: &[&str]) -> Output {
        self.script_command(name, args).output().unwrap()
    }

    /// Starts a script in the background (stdout and stderr piped).
    pub fn spawn_script(&self, name: &str) -> Child {
        self.spawn_script_args(name, &[])
    }

    pub fn spawn_script_args(&self, name: &str, args: &[&str]) -> Child {
        self.script_command(name, args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
    }

    /// Like [`Relay::script`], but fails the test with both outputs unless it exits 0.
    pub fn script_ok(&self, name: &str) -> String {
        let out = self.script(name);
        assert!(
            out.status.success(),
            "{name} failed\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn script_command(&self, name: &str, args: &[&str]) -> Command {
        let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support");
        let mut c = Command::new("python3");
        c.arg(support.join("scripts").join(name))
            .args(args)
            .env("PYTHONPATH", &support)
            .env("FTP_PORT", self.port.to_string())
            .env("WEB_PORT", self.web_port.to_string())
            .env("FTP_PASSWORD", PASSWORD)
            .env("FTP_ROOT", &self.root)
            .env("FTP_CERT", self.cert())
            .env("VECTORS", vectors_path());
        c
    }

    /// Waits for a file the Python side creates to say where it is.
    pub fn wait_file(&self, name: &str) -> bool {
        let p = self.dir.path().join(name);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(15) {
            if p.exists() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.kill();
    }
}
