//! Test harness: a real Loft relay on loopback, driven by real FTP clients.
//!
//! Each relay gets its own temporary folder, a config made by `loft init`, ports the
//! kernel picks (127.0.0.1:0) and its own passive port range, so tests run in parallel on
//! a shared machine without fixed ports.
//!
//! A relay runs in this process ([`Relay::with`]): `loft::relay::Server::bind` on the
//! config, `run` on a runtime of its own in a thread of its own, its log collected by a
//! subscriber of its own, a reload through its handle. Only what is about the process —
//! signals, exit statuses, a SIGKILL in the middle of a write, the RSS of the process —
//! starts `loft serve` as a child ([`Relay::process`]).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[cfg(feature = "cluster")]
pub mod nats;

pub const PASSWORD: &str = "correct-horse";
pub const LOFT: &str = env!("CARGO_BIN_EXE_loft");

/// The vectors file shared with the FTPChat project.
pub fn vectors_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ftpchat-v1.7.json")
}

/// The one policy for something a test needs from the machine (a tool, a Python
/// module, a mount): present, the test runs (`true`); missing on a developer's machine,
/// the test says so on a visible `SKIP:` line and returns (`false`); missing under CI (`CI`
/// set), the test fails, since .ci/run installs everything a test needs and a broken
/// install step must not pass as skipped tests. `install` says how to get it.
pub fn require(what: &str, present: bool, install: &str) -> bool {
    if present {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "{what} is missing, and CI must have it ({install})");
    eprintln!("SKIP: {what} is missing ({install}; .ci/run installs it)");
    false
}

/// Whether `tool` is on the PATH (or is a path to an executable file).
pub fn have_tool(tool: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if tool.contains('/') {
        return runnable(Path::new(tool));
    }
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|d| runnable(&d.join(tool))))
}

/// [`require`] for a command on the PATH: `if !require_tool("lftp") { return; }`.
pub fn require_tool(tool: &str) -> bool {
    require(tool, have_tool(tool), &format!("apt-get install {}", debian_package(tool)))
}

/// The Debian package that brings `tool`.
fn debian_package(tool: &str) -> &str {
    match tool {
        "python3" => "python3",
        "systemd-analyze" => "systemd",
        "node" => "nodejs",
        other => other,
    }
}

/// Whether python3 with `cryptography` is here.
pub fn python_has_cryptography() -> bool {
    Command::new("python3").args(["-c", "import cryptography"]).status().map(|s| s.success()).unwrap_or(false)
}

/// [`require`] for python3 with `cryptography`, inverted for the tests' `if … { return }`.
pub fn skip_without_cryptography() -> bool {
    !require("python3 with cryptography", python_has_cryptography(), "pip install cryptography")
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
    running: Running,
    log: Arc<Mutex<String>>,
    /// `Setup::open_files`, for a child process.
    open_files: Option<u64>,
}

/// How a relay of a test runs.
enum Running {
    /// `Server::run` on a runtime in a thread of this process.
    InProcess(InProcess),
    /// `loft serve` as a child process.
    Process(Child),
    Stopped,
}

struct InProcess {
    handle: loft::relay::Handle,
    /// The FTP and web addresses it was bound with (a reload keeps them).
    listen: (String, String),
    /// Its log subscriber, for what the test thread does in its name (a reload).
    log: tracing::Dispatch,
    /// Sent: the relay stops as on SIGTERM (no new connections, transfers finish).
    graceful: tokio::sync::oneshot::Sender<()>,
    /// Sent: the relay is dropped where it stands, every session with it.
    kill: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// How to set a relay up before it starts.
#[derive(Default)]
pub struct Setup {
    /// Edits to the config text after `loft init` (e.g. add a `[chat]` key).
    pub edit: Option<Box<dyn FnOnce(String) -> String>>,
    /// Extra users: (name, password, extra `loft user add` flags).
    pub users: Vec<(String, String, Vec<String>)>,
    /// The open-file limit (soft and hard) of a `Relay::process`, as `ulimit -n` sets it.
    pub open_files: Option<u64>,
}

impl Setup {
    pub fn edit(mut self, f: impl FnOnce(String) -> String + 'static) -> Self {
        self.edit = Some(Box::new(f));
        self
    }
    pub fn open_files(mut self, n: u64) -> Self {
        self.open_files = Some(n);
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

/// The log filter of the relays of tests (the relay's default filter shows the same).
const TEST_LOG: &str = "info,libunftp=warn";

/// Appends what a relay logs to its test's buffer, one whole event per write.
struct LogSink(Arc<Mutex<String>>);

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Relay {
    /// A relay in this process with the config `loft init` writes.
    pub fn start() -> Relay {
        Self::with(Setup::default())
    }

    /// A relay in this process, set up as `setup` says.
    pub fn with(setup: Setup) -> Relay {
        let mut relay = Self::prepare(setup);
        relay.run_in_process("127.0.0.1:0", "127.0.0.1:0");
        relay
    }

    /// `loft serve` as a child process, for what is about the process: signals, exit
    /// statuses, SIGKILL, its memory.
    pub fn process(setup: Setup) -> Relay {
        let mut relay = Self::prepare(setup);
        relay.spawn(&["--listen", "127.0.0.1:0", "--web-listen", "127.0.0.1:0"]);
        relay
    }

    /// `loft init`, the extra users and the test settings; nothing started.
    fn prepare(setup: Setup) -> Relay {
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
        Relay {
            dir,
            config,
            root,
            port: 0,
            web_port: 0,
            passive,
            running: Running::Stopped,
            log: Arc::new(Mutex::new(String::new())),
            open_files: setup.open_files,
        }
    }

    /// The config file with the test's listen addresses over it, as `--listen` would.
    fn load_config(&self, listen: &str, web: &str) -> loft::config::Config {
        let mut cfg =
            loft::config::Config::load(&self.config).unwrap_or_else(|e| panic!("the test's config does not load: {e}"));
        loft::relay::Overrides { listen: vec![listen.into()], web_listen: vec![web.into()], root: None }
            .apply(&mut cfg);
        cfg
    }

    /// Binds and runs the relay on a runtime in a thread of its own (two workers, as
    /// `loft serve` has), with a log subscriber of its own on every thread of it.
    fn run_in_process(&mut self, listen: &str, web: &str) {
        use loft::base::logging;
        let cfg = self.load_config(listen, web);
        let sink = self.log.clone();
        let dispatch = logging::dispatch(Some(TEST_LOG), logging::LogFormat::Text, move || LogSink(sink.clone()));
        logging::bridge_log();
        // A restart binds the ports it had: give the old listeners a moment to be gone.
        let fixed = !listen.ends_with(":0");
        let t = Instant::now();
        let server = loop {
            match tracing::dispatcher::with_default(&dispatch, || loft::relay::Server::bind(&cfg)) {
                Ok(s) => break s,
                Err(e) if fixed && t.elapsed() < Duration::from_secs(5) && format!("{e:#}").contains("in use") => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(e) => panic!("the relay did not start: {e:#}\n{}", self.log()),
            }
        };
        self.port = server.ftp_addrs()[0].port();
        self.web_port = server.web_addrs().first().map_or(0, |a| a.port());
        let handle = server.handle();
        // Unset (one per core), a relay in a test runs as on a one-core router, on one
        // thread; the relays of `Relay::process` run `loft serve` itself (two on 2 cores).
        let threads = if cfg.limits.threads == 0 { 1 } else { cfg.limits.threads };
        let log = dispatch.clone();
        let (graceful, graceful_rx) = tokio::sync::oneshot::channel::<()>();
        let (kill, kill_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let _log = tracing::dispatcher::set_default(&dispatch);
            let each = dispatch.clone();
            // The runtime `loft serve` makes (`limits.threads`); the guard lives as long
            // as the thread: the default stays set on every thread it starts.
            let rt = loft::relay::runtime(threads, |b| {
                b.on_thread_start(move || std::mem::forget(tracing::dispatcher::set_default(&each)))
            })
            .unwrap();
            rt.block_on(async move {
                let shutdown = async {
                    let _ = graceful_rx.await;
                };
                tokio::select! {
                    r = server.run(shutdown) => r.expect("the relay stopped with an error"),
                    Ok(()) = kill_rx => {}
                }
            });
            rt.shutdown_timeout(Duration::from_secs(10));
        });
        self.running =
            Running::InProcess(InProcess { handle, listen: (listen.into(), web.into()), log, graceful, kill, thread });
    }

    /// Starts `loft serve` and waits for "listening on".
    fn spawn(&mut self, extra: &[&str]) {
        let mut args = vec!["serve", "-c", self.config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let mut cmd = Command::new(LOFT);
        if let Some(n) = self.open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: only setrlimit, which is async-signal-safe, between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit { rlim_cur: n as libc::rlim_t, rlim_max: n as libc::rlim_t };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        let mut child = cmd
            .args(&args)
            .env("RUST_LOG", TEST_LOG)
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
        self.running = Running::Process(child);
    }

    /// Re-reads the config file, as SIGHUP does (through the handle in this process, a
    /// real SIGHUP to a child), and waits for the relay to say so.
    pub fn reload(&self) {
        let before = self.log().matches("config reloaded").count();
        match &self.running {
            Running::InProcess(p) => {
                let cfg = self.load_config(&p.listen.0, &p.listen.1);
                tracing::dispatcher::with_default(&p.log, || p.handle.reload(cfg));
            }
            Running::Process(_) => self.signal(libc::SIGHUP),
            Running::Stopped => panic!("reload: the relay is not running"),
        }
        let t = Instant::now();
        while self.log().matches("config reloaded").count() == before {
            assert!(t.elapsed() < Duration::from_secs(10), "the relay did not reload: {}", self.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the relay as SIGTERM does and waits for it (in this process, or a child).
    pub fn stop(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::InProcess(p) => {
                let _ = p.graceful.send(());
                let _ = p.thread.join();
            }
            Running::Process(mut c) => {
                unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
                let _ = c.wait();
            }
            Running::Stopped => {}
        }
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

    /// The child's pid ([`Relay::process`] only).
    pub fn pid(&self) -> u32 {
        match &self.running {
            Running::Process(c) => c.id(),
            _ => panic!("pid: only a relay started with Relay::process has one of its own"),
        }
    }

    /// Sends a signal to the child ([`Relay::process`] only).
    pub fn signal(&self, sig: i32) {
        unsafe { libc::kill(self.pid() as i32, sig) };
    }

    /// Waits for the child to exit (after a signal), at most `secs`.
    pub fn wait_exit(&mut self, secs: u64) -> Option<ExitStatus> {
        let Running::Process(child) = &mut self.running else {
            panic!("wait_exit: only a relay started with Relay::process exits")
        };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(secs) {
            if let Some(s) = child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Stops the relay where it stands: SIGKILL to a child, as a power cut would; in this
    /// process, the server and every session are dropped without a goodbye.
    pub fn kill(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::InProcess(p) => {
                let _ = p.kill.send(());
                let _ = p.thread.join();
            }
            Running::Process(mut c) => {
                let _ = c.kill();
                let _ = c.wait();
            }
            Running::Stopped => {}
        }
    }

    /// Kills the relay and starts it again on the same ports, the same way it ran.
    pub fn restart(&mut self) {
        self.start_again(false);
    }

    /// Stops the relay cleanly (SIGTERM, or its shutdown future) and starts it again on
    /// the same ports, the same way it ran.
    pub fn restart_cleanly(&mut self) {
        self.start_again(true);
    }

    fn start_again(&mut self, cleanly: bool) {
        let in_process = !matches!(self.running, Running::Process(_));
        if cleanly {
            self.stop();
        } else {
            self.kill();
        }
        let addr = format!("127.0.0.1:{}", self.port);
        let web = format!("127.0.0.1:{}", self.web_port);
        if in_process {
            self.run_in_process(&addr, &web);
        } else {
            self.spawn(&["--listen", &addr, "--web-listen", &web]);
        }
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

    /// A script's output, which must be a success that printed `ok`; returns its stdout.
    /// Fails the test with both outputs and the relay's log otherwise.
    pub fn expect_ok(&self, what: &str, out: Output) -> String {
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success() && stdout.contains("ok"),
            "{what}\n--- stdout\n{stdout}\n--- stderr\n{}\n--- server log\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        stdout
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

    /// Runs a browser driver of tests/web (`e2e.mjs`, `app.mjs`) against this relay as user
    /// `chat`, with `env` over that: the driver prints `STEP NAME` when the harness must act,
    /// `step` does it, and the harness then writes NAME into `LOFT_STEP_FILE`. Fails the
    /// test, with the driver's transcript and the relay's log, unless the driver says DONE.
    pub fn drive(&mut self, script: &str, env: &[(&str, String)], mut step: impl FnMut(&mut Relay, &str)) -> String {
        let step_file = self.dir.path().join("step");
        let mut child = Command::new("node")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web").join(script))
            .env("LOFT_WEB_URL", format!("https://127.0.0.1:{}/", self.web_port))
            .env("LOFT_USER", "chat")
            .env("LOFT_PASSWORD", PASSWORD)
            .env("LOFT_STEP_FILE", &step_file)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node");
        let stderr = capture_lines(child.stderr.take().unwrap());
        let mut transcript = String::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok) {
            transcript.push_str(&line);
            transcript.push('\n');
            if line.starts_with("FAIL") {
                break;
            }
            if let Some(name) = line.strip_prefix("STEP ") {
                step(self, name);
                std::fs::write(&step_file, format!("{name}\n")).unwrap();
            }
        }
        let status = child.wait().unwrap();
        assert!(
            status.success() && transcript.contains("DONE"),
            "{script} failed ({status})\n--- driver\n{transcript}\n--- stderr\n{}\n--- relay log\n{}",
            stderr.lock().unwrap(),
            self.log()
        );
        transcript
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
        // A failed test shows what its relays logged (its output is shown only then).
        if std::thread::panicking() {
            eprintln!("--- the log of the relay on port {} ---\n{}", self.port, self.log());
        }
    }
}
