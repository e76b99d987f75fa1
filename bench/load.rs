//! Loft against vsftpd, side by side: `cargo bench --bench load`.
//!
//! Plays FTPChat against a real `loft serve` (release build) and a real vsftpd on loopback,
//! alternating between them in one run, with the same client code, the same room path
//! (`chat/room.txt`), the same certificate and the same pre-sealed FTPChat tokens:
//!
//! - **Load**: N senders, each message a full FTPChat session (connect, AUTH TLS in the FTPS
//!   mode, USER/PASS, PBSZ/PROT P, TYPE I, PASV, APPE one token line, QUIT), and M
//!   followers that poll the FTPChat way (one session per poll: SIZE, and when the room
//!   grew REST + RETR, then QUIT; the offset becomes what SIZE said), until every follower
//!   has every message. Prints messages/s, p50/p99 session latency, the server's CPU time
//!   per message and per session (user + sys of its whole process tree, from /proc), and
//!   the peak RSS and PSS of the tree (summed over its processes, sampled every 20 ms).
//! - **Idle**: RSS and PSS of the tree with no session, and with 50 logged-in idle sessions.
//! - **Delivery**: one sender appends single messages at random times (0.3–2.7 s apart);
//!   followers measure send → receive (from the start of the sender's session to the end
//!   of the follower's RETR): on Loft one `SITE WAIT` follower, on both servers FTPChat
//!   pollers every 1 s and every 5 s (FTPChat's own interval).
//! - **Web** (mode `web`, Loft only; vsftpd has none: n/a): N senders POST /api/append, one
//!   kept-alive HTTPS connection each (like a browser), and `web_followers` followers
//!   long-poll `GET /api/log?wait=5` on one connection each. Prints messages/s, append
//!   p50/p99, send → receive p50/p99 over all followers, CPU per message and per request.
//! - Binary sizes and start-up time (spawn until the greeting arrives, median of 5).
//!
//! Then the ratios Loft/vsftpd. Plain FTP and FTPS (explicit, AUTH TLS; TLS is optional on
//! both servers, the client chooses). A command that prints figures, not a test.
//!
//! Settings (`--name value` after `cargo bench --bench load --`, or `LOAD_NAME=value`):
//!
//! | name | default | |
//! |---|---|---|
//! | `senders` | 8 | concurrent senders (N) |
//! | `followers` | 4 | concurrent FTPChat followers during the load (M) |
//! | `messages` | 1000 | messages per load run |
//! | `interval` | 1 | seconds between a load follower's polls (FTPChat: 5) |
//! | `rounds` | 3 | load runs per server and mode, alternating; figures are medians |
//! | `idle` | 50 | idle sessions for the idle RSS |
//! | `delivery` | 20 | messages of the delivery run (0: skip it; it takes ~1.5 s each) |
//! | `modes` | `plain,ftps,web` | `ftp` = `ftps` |
//! | `web_followers` | 4 | long-poll followers of the web run |
//! | `servers` | `loft,vsftpd` | |
//! | `sync` | `batch` | Loft's `chat.sync` (vsftpd never fsyncs) |
//! | `threads` | 0 | Loft's `limits.threads` (0: its default, 1) |
//!
//! vsftpd is `$VSFTPD`, else `/usr/sbin/vsftpd`, else `/opt/vsftpd/x/usr/sbin/vsftpd` (a
//! `dpkg -x` of the Debian package; libraries beside it are found); without one it is
//! skipped with a message. It runs with anonymous uploads into `chat/` (the setup of
//! `tests/client_vsftpd.rs`): as root with its usual privilege separation (a process pair
//! per session, chroot), otherwise with `run_as_launching_user=YES`.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::DigitallySignedStruct;
use suppaftp::tokio_rustls::TlsConnector;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const LOFT: &str = env!("CARGO_BIN_EXE_loft");

/// The Loft binary measured: `$LOFT_BIN` (say, the static release build that ships,
/// `cross/build.sh x86_64-unknown-linux-musl`), else the bench's own release build.
fn loft_bin() -> PathBuf {
    std::env::var_os("LOFT_BIN").map(PathBuf::from).unwrap_or_else(|| LOFT.into())
}
const PASSWORD: &str = "bench-password";
const ROOM: &str = "chat/room.txt";

// ---------------------------------------------------------------------------------------
// Settings

#[derive(Clone)]
struct Settings {
    senders: usize,
    followers: usize,
    messages: usize,
    interval: f64,
    rounds: usize,
    idle: usize,
    delivery: usize,
    modes: Vec<bool>,
    /// The web mode (Loft's HTTPS JSON API; vsftpd has none).
    web: bool,
    /// Web followers (long-poll `GET /api/log?wait=`) during the web load run.
    web_followers: usize,
    servers: Vec<Kind>,
    sync: String,
    /// Loft's `limits.threads` (0: Loft's default).
    threads: usize,
}

fn setting(args: &[String], name: &str, default: &str) -> String {
    for (i, a) in args.iter().enumerate() {
        if let Some(v) = a.strip_prefix(&format!("--{name}=")) {
            return v.to_string();
        }
        if a == &format!("--{name}") {
            if let Some(v) = args.get(i + 1) {
                return v.clone();
            }
        }
    }
    std::env::var(format!("LOAD_{}", name.to_uppercase())).unwrap_or_else(|_| default.to_string())
}

impl Settings {
    fn read() -> Settings {
        // `cargo bench` passes `--bench`; anything unknown is ignored.
        let args: Vec<String> = std::env::args().skip(1).collect();
        let num = |n: &str, d: &str| -> usize {
            setting(&args, n, d).parse().unwrap_or_else(|_| panic!("--{n} wants a whole number"))
        };
        let list = |n: &str, d: &str| -> Vec<String> {
            setting(&args, n, d).split(',').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect()
        };
        Settings {
            senders: num("senders", "8").max(1),
            followers: num("followers", "4"),
            messages: num("messages", "1000").max(1),
            interval: setting(&args, "interval", "1").parse().expect("--interval wants seconds"),
            rounds: num("rounds", "3").max(1),
            idle: num("idle", "50"),
            delivery: num("delivery", "20"),
            modes: list("modes", "plain,ftps,web")
                .iter()
                .filter(|m| m.as_str() != "web")
                .map(|m| match m.as_str() {
                    "plain" => false,
                    "ftps" | "ftp" => true,
                    other => panic!("unknown mode {other:?} (plain, ftps, web)"),
                })
                .collect(),
            web: list("modes", "plain,ftps,web").iter().any(|m| m == "web"),
            web_followers: num("web_followers", "4"),
            servers: list("servers", "loft,vsftpd")
                .iter()
                .map(|m| match m.as_str() {
                    "loft" => Kind::Loft,
                    "vsftpd" => Kind::Vsftpd,
                    other => panic!("unknown server {other:?} (loft, vsftpd)"),
                })
                .collect(),
            sync: setting(&args, "sync", "batch"),
            threads: setting(&args, "threads", "0").parse().expect("threads: a number"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Servers

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Loft,
    Vsftpd,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Loft => "loft",
            Kind::Vsftpd => "vsftpd",
        }
    }
}

fn find_vsftpd() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("VSFTPD").map(PathBuf::from),
        Some("/usr/sbin/vsftpd".into()),
        Some("/opt/vsftpd/x/usr/sbin/vsftpd".into()),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// `LD_LIBRARY_PATH` for a vsftpd unpacked with `dpkg -x` (libwrap beside it).
fn vsftpd_libs(bin: &Path) -> String {
    let mut libs = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
    if let Some(root) = bin.parent().and_then(Path::parent) {
        for l in ["lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu", "lib"] {
            libs = format!("{}:{libs}", root.join(l).display());
        }
    }
    libs
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// A server set up in its own folder, ready to be started (several times, for start-up).
struct Prepared {
    kind: Kind,
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// vsftpd: the config, with `{PORT}` for the listening port.
    template: String,
    user: String,
    note: String,
}

impl Prepared {
    fn loft(s: &Settings, certs: &Path, pasv: (u16, u16)) -> Prepared {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("loft.toml");
        let root = dir.path().join("root");
        let mut init = Command::new(LOFT)
            .args(["init", "--root", root.to_str().unwrap(), "-c", cfg.to_str().unwrap()])
            .args(["--listen", "127.0.0.1:0", "--password-stdin", "--tls-name", "127.0.0.1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        init.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        assert!(init.wait().unwrap().success(), "loft init failed");
        let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&cfg).unwrap().parse().unwrap();
        doc["tls"]["cert"] = toml_edit::value(certs.join("loft.crt").to_str().unwrap());
        doc["tls"]["key"] = toml_edit::value(certs.join("loft.key").to_str().unwrap());
        // The same certificate as vsftpd, for every client: no Ed25519 twin (its own CA
        // did not issue that certificate anyway, so it would make none).
        doc["tls"]["ed25519"] = toml_edit::value(false);
        doc["passive"]["ports"] = toml_edit::value(format!("{}-{}", pasv.0, pasv.1));
        // The defaults (64 sessions, 16 per address) would refuse 50 idle sessions plus load.
        doc["limits"]["max_connections"] = toml_edit::value(1024);
        doc["limits"]["max_per_ip"] = toml_edit::value(1024);
        if s.threads > 0 {
            doc["limits"]["threads"] = toml_edit::value(s.threads as i64);
        }
        doc["chat"]["sync"] = toml_edit::value(s.sync.as_str());
        // Rotation off, like vsftpd, which keeps the whole file: a round appends over
        // 100 KiB a second while followers poll once a second, so with the default rotation
        // (256 KiB, keeping 64 KiB) more than the live part would arrive between two polls,
        // and a follower whose offset was archived gets the live part only (as designed).
        doc["chat"]["rotate_bytes"] = toml_edit::value(0);
        // One FTP user plays every sender: the per-user rate limits would measure themselves.
        doc["chat"]["max_messages_per_minute"] = toml_edit::value(0);
        doc["chat"]["max_bytes_per_minute"] = toml_edit::value(0);
        std::fs::write(&cfg, doc.to_string()).unwrap();
        doc["tls"]["mode"] = toml_edit::value("off");
        std::fs::write(dir.path().join("loft-plain.toml"), doc.to_string()).unwrap();
        std::fs::create_dir_all(root.join("chat")).unwrap();
        Prepared {
            kind: Kind::Loft,
            dir,
            bin: loft_bin(),
            template: String::new(),
            user: "chat".into(),
            note: format!(
                "loft: {}, chat.sync = {}, chat.rotate_bytes = 0, tls.mode optional (FTPS runs) or off \
                 (plain runs), log level info (stderr, drained), limits raised to 1024 sessions",
                match std::env::var_os("LOFT_BIN") {
                    Some(b) => format!("{} ($LOFT_BIN)", b.to_string_lossy()),
                    None => "the bench's release build".into(),
                },
                s.sync
            ),
        }
    }

    fn vsftpd(bin: &Path, certs: &Path, pasv: (u16, u16)) -> Prepared {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let anon = d.join("anon");
        std::fs::create_dir_all(anon.join("chat")).unwrap();
        std::fs::create_dir_all(d.join("empty")).unwrap();
        std::fs::set_permissions(&anon, std::fs::Permissions::from_mode(0o555)).unwrap();
        std::fs::set_permissions(d.join("empty"), std::fs::Permissions::from_mode(0o555)).unwrap();
        std::fs::set_permissions(anon.join("chat"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let (users, mode) = if is_root() {
            // vsftpd changes into the anonymous user's home before its anon_root: pick a
            // system user whose home exists (Debian's `ftp` user is usually missing).
            let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
            let home_of =
                |u: &str| passwd.lines().find(|l| l.starts_with(&format!("{u}:"))).and_then(|l| l.split(':').nth(5));
            let ftp = ["ftp", "daemon", "bin", "nobody"]
                .into_iter()
                .find(|u| home_of(u).is_some_and(|h| Path::new(h).is_dir()))
                .unwrap_or("daemon");
            (
                format!("ftp_username={ftp}\nnopriv_user=nobody\nsecure_chroot_dir={}\n", d.join("empty").display()),
                "vsftpd: started as root, privilege separation (2 processes per session), chroot",
            )
        } else {
            let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
            (
                format!("run_as_launching_user=YES\nftp_username={me}\nnopriv_user={me}\n", me = me.trim()),
                "vsftpd: not root, so run_as_launching_user=YES (1 process per session, no chroot)",
            )
        };
        let template = format!(
            "listen=YES\nlisten_address=127.0.0.1\nlisten_port={{PORT}}\nbackground=NO\n\
             anonymous_enable=YES\nno_anon_password=NO\nlocal_enable=NO\nwrite_enable=YES\n\
             anon_upload_enable=YES\nanon_other_write_enable=YES\nanon_root={anon}\nanon_umask=022\n\
             pasv_enable=YES\npasv_min_port={}\npasv_max_port={}\nseccomp_sandbox=NO\n\
             xferlog_enable=YES\nvsftpd_log_file={log}\n\
             ssl_enable={{SSL}}\nallow_anon_ssl=YES\nforce_anon_logins_ssl=NO\nforce_anon_data_ssl=NO\n\
             require_ssl_reuse=NO\nssl_request_cert=NO\nssl_ciphers=HIGH\n\
             rsa_cert_file={crt}\nrsa_private_key_file={key}\n{users}",
            pasv.0,
            pasv.1,
            anon = anon.display(),
            log = d.join("vsftpd.log").display(),
            crt = certs.join("loft.crt").display(),
            key = certs.join("loft.key").display(),
        );
        Prepared {
            kind: Kind::Vsftpd,
            dir,
            bin: bin.into(),
            template,
            user: "anonymous".into(),
            note: format!(
                "{mode}; anonymous uploads, ssl_enable=YES with TLS optional and require_ssl_reuse=NO \
                 (FTPS runs) or ssl_enable=NO (plain runs), xferlog on, seccomp_sandbox=NO, same \
                 certificate as loft"
            ),
        }
    }

    /// Starts the server on a free port, configured for FTPS (TLS optional) or for plain
    /// FTP only (TLS off), and waits for its greeting.
    fn start(&self, tls: bool) -> (Server, Duration) {
        let port = free_port();
        let web_port = free_port();
        let mut cmd = match self.kind {
            Kind::Loft => {
                let mut c = Command::new(&self.bin);
                let cfg = if tls { "loft.toml" } else { "loft-plain.toml" };
                c.args(["serve", "-c", self.dir.path().join(cfg).to_str().unwrap()])
                    .args(["--listen", &format!("127.0.0.1:{port}"), "--web-listen", &format!("127.0.0.1:{web_port}")])
                    .env_remove("RUST_LOG");
                c
            }
            Kind::Vsftpd => {
                let conf = self.dir.path().join("vsftpd.conf");
                let ssl = if tls { "YES" } else { "NO" };
                let text = self.template.replace("{PORT}", &port.to_string()).replace("{SSL}", ssl);
                std::fs::write(&conf, text).unwrap();
                let mut c = Command::new(&self.bin);
                c.arg(&conf).env("LD_LIBRARY_PATH", vsftpd_libs(&self.bin));
                c
            }
        };
        let t = Instant::now();
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let problems = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let p = problems.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("WARN") || line.contains("ERROR") || line.contains("OOPS") {
                    p.lock().unwrap().push(line);
                }
            }
        });
        let took = loop {
            if let Ok(Some(st)) = child.try_wait() {
                panic!("{} exited at start ({st}): {:?}", self.kind.name(), problems.lock().unwrap());
            }
            if t.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("{} did not greet within 20 s", self.kind.name());
            }
            if let Some(c) = greeting(port) {
                let took = t.elapsed();
                quit(c);
                break took;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        (Server { kind: self.kind, child, port, web_port, user: self.user.clone(), problems }, took)
    }
}

/// Connects and reads the greeting line; the connection is returned to be closed politely.
fn greeting(port: u16) -> Option<std::io::BufReader<std::net::TcpStream>> {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut r = std::io::BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    line.starts_with("220").then_some(r)
}

fn quit(mut r: std::io::BufReader<std::net::TcpStream>) {
    let _ = r.get_mut().write_all(b"QUIT\r\n");
    let mut line = String::new();
    let _ = r.read_line(&mut line);
}

struct Server {
    kind: Kind,
    child: Child,
    port: u16,
    /// Loft's HTTPS port (`--web-listen`); unused for vsftpd.
    web_port: u16,
    user: String,
    problems: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn target(&self, tls: Option<&TlsConnector>) -> Target {
        Target { port: self.port, tls: tls.cloned(), user: self.user.clone() }
    }

    /// Waits (at most `secs`) until the tree is only the main process: vsftpd's session
    /// processes take a moment to exit after QUIT.
    fn settle(&self, secs: u64) {
        let t = Instant::now();
        while tree(self.pid()).len() > 1 && t.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) -> Vec<String> {
        let pids = tree(self.pid());
        unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for p in pids {
            unsafe { libc::kill(p, libc::SIGKILL) };
        }
        let _ = self.child.wait();
        let p = self.problems.lock().unwrap().clone();
        p
    }
}

// ---------------------------------------------------------------------------------------
// The server's process tree, from /proc

fn children(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for t in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(t.path().join("children")) {
            out.extend(text.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
        }
    }
    out
}

/// The process and its live descendants.
fn tree(root: i32) -> Vec<i32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let c = children(out[i]);
        out.extend(c);
        i += 1;
    }
    out
}

/// utime + stime + cutime + cstime, in clock ticks.
fn cpu_ticks(pid: i32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    let Some(rest) = text.rsplit_once(')').map(|(_, r)| r) else { return 0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    f.get(11..15).map(|v| v.iter().filter_map(|x| x.parse::<u64>().ok()).sum()).unwrap_or(0)
}

/// CPU seconds of the tree: live processes, and (through cutime/cstime) reaped ones.
fn tree_cpu(root: i32) -> f64 {
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    tree(root).into_iter().map(cpu_ticks).sum::<u64>() as f64 / hz
}

fn kb_field(path: &str, field: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string(path) else { return 0 };
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// (RSS, PSS) of the tree in KiB, summed over its processes.
/// The tree's own memory, KiB: anonymous pages (heap, stacks, written data), summed; what
/// RSS counts beside them is code and data mapped from files (the binary, shared
/// libraries), clean, which the kernel can drop and read again.
fn tree_anon(root: i32) -> u64 {
    tree(root).into_iter().map(|pid| kb_field(&format!("/proc/{pid}/smaps_rollup"), "Anonymous:")).sum()
}

fn tree_mem(root: i32) -> (u64, u64) {
    tree(root).into_iter().fold((0, 0), |(r, p), pid| {
        (
            r + kb_field(&format!("/proc/{pid}/status"), "VmRSS:"),
            p + kb_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:"),
        )
    })
}

/// Samples the tree's memory every 20 ms until dropped; keeps the peaks.
struct Sampler {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<(u64, u64)>>,
}

impl Sampler {
    fn start(root: i32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let handle = std::thread::spawn(move || {
            let (mut rss, mut pss) = (0, 0);
            while !s.load(Ordering::Relaxed) {
                let (r, p) = tree_mem(root);
                rss = rss.max(r);
                pss = pss.max(p);
                std::thread::sleep(Duration::from_millis(20));
            }
            (rss, pss)
        });
        Sampler { stop, handle: Some(handle) }
    }

    fn finish(mut self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().unwrap().join().unwrap()
    }
}

// ---------------------------------------------------------------------------------------
// A minimal FTP client (what Python's ftplib does for FTPChat)

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type Stream = Box<dyn Io>;
type Res<T> = Result<T, String>;

#[derive(Clone)]
struct Target {
    port: u16,
    tls: Option<TlsConnector>,
    user: String,
}

/// Accepts any certificate (both servers use the same self-signed one) but checks the
/// handshake signatures, so the client does the work a verifying client does.
#[derive(Debug)]
struct AnyCert(rustls::crypto::CryptoProvider);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_connector() -> TlsConnector {
    let provider = rustls::crypto::ring::default_provider();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider.clone()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    // ftplib makes every connection with a full handshake: no session resumption.
    config.resumption = rustls::client::Resumption::disabled();
    TlsConnector::from(Arc::new(config))
}

fn e(x: impl std::fmt::Display) -> String {
    x.to_string()
}

async fn read_reply(r: &mut BufReader<Stream>) -> Res<String> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.map_err(e)? == 0 {
            return Err("control connection closed".into());
        }
        let b = line.as_bytes();
        if b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ' {
            return Ok(line.trim_end().to_string());
        }
    }
}

async fn command(r: &mut BufReader<Stream>, c: &str, want: &str) -> Res<String> {
    let w = r.get_mut();
    w.write_all(format!("{c}\r\n").as_bytes()).await.map_err(e)?;
    w.flush().await.map_err(e)?;
    let rep = read_reply(r).await?;
    if !rep.starts_with(want) {
        let shown = if c.starts_with("PASS") { "PASS" } else { c };
        return Err(format!("{shown}: {rep}"));
    }
    Ok(rep)
}

struct Ftp {
    ctl: BufReader<Stream>,
    tls: Option<TlsConnector>,
    /// The negotiated TLS parameters of the control connection.
    tls_info: String,
}

fn server_name() -> ServerName<'static> {
    ServerName::try_from("127.0.0.1").unwrap()
}

impl Ftp {
    /// Connects and logs in, as `ftplib.FTP_TLS().login()` + `prot_p()` (or `FTP().login()`).
    async fn connect(t: &Target) -> Res<Ftp> {
        let s = TcpStream::connect(("127.0.0.1", t.port)).await.map_err(e)?;
        s.set_nodelay(true).map_err(e)?;
        let mut ctl = BufReader::new(Box::new(s) as Stream);
        let hello = read_reply(&mut ctl).await?;
        if !hello.starts_with("220") {
            return Err(format!("greeting: {hello}"));
        }
        let mut tls_info = String::new();
        if let Some(c) = &t.tls {
            command(&mut ctl, "AUTH TLS", "234").await?;
            assert!(ctl.buffer().is_empty());
            let tls = c.connect(server_name(), ctl.into_inner()).await.map_err(|x| format!("TLS: {x}"))?;
            let conn = tls.get_ref().1;
            tls_info = format!(
                "{:?}, {:?}, {:?}",
                conn.protocol_version().unwrap(),
                conn.negotiated_cipher_suite().unwrap().suite(),
                conn.negotiated_key_exchange_group().map(|g| g.name())
            );
            ctl = BufReader::new(Box::new(tls) as Stream);
        }
        command(&mut ctl, &format!("USER {}", t.user), "331").await?;
        command(&mut ctl, &format!("PASS {PASSWORD}"), "230").await?;
        if t.tls.is_some() {
            command(&mut ctl, "PBSZ 0", "200").await?;
            command(&mut ctl, "PROT P", "200").await?;
        }
        Ok(Ftp { ctl, tls: t.tls.clone(), tls_info })
    }

    async fn cmd(&mut self, c: &str, want: &str) -> Res<String> {
        command(&mut self.ctl, c, want).await
    }

    /// PASV and the data connection (TLS comes after the 1xx reply, as in ftplib).
    async fn pasv(&mut self) -> Res<TcpStream> {
        let rep = self.cmd("PASV", "227").await?;
        let inner = rep.split('(').nth(1).and_then(|x| x.split(')').next()).ok_or(format!("PASV: {rep}"))?;
        let n: Vec<u16> = inner.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        if n.len() != 6 {
            return Err(format!("PASV: {rep}"));
        }
        let s = TcpStream::connect(("127.0.0.1", n[4] * 256 + n[5])).await.map_err(e)?;
        s.set_nodelay(true).map_err(e)?;
        Ok(s)
    }

    async fn secure(&mut self, s: TcpStream) -> Res<Stream> {
        match &self.tls {
            Some(c) => Ok(Box::new(c.connect(server_name(), s).await.map_err(|x| format!("data TLS: {x}"))?)),
            None => Ok(Box::new(s)),
        }
    }

    /// `storbinary("APPE …")`.
    async fn appe(&mut self, path: &str, data: &[u8]) -> Res<()> {
        self.cmd("TYPE I", "200").await?;
        let s = self.pasv().await?;
        self.cmd(&format!("APPE {path}"), "1").await?;
        let mut d = self.secure(s).await?;
        d.write_all(data).await.map_err(e)?;
        d.shutdown().await.map_err(e)?;
        drop(d);
        let done = read_reply(&mut self.ctl).await?;
        if !done.starts_with("226") {
            return Err(format!("APPE: {done}"));
        }
        Ok(())
    }

    async fn size(&mut self, path: &str) -> Res<u64> {
        let rep = self.cmd(&format!("SIZE {path}"), "213").await?;
        rep[4..].trim().parse().map_err(|_| format!("SIZE: {rep}"))
    }

    /// `REST offset` + `retrbinary("RETR …")`.
    async fn retr_from(&mut self, path: &str, offset: u64) -> Res<Vec<u8>> {
        self.cmd("TYPE I", "200").await?;
        let s = self.pasv().await?;
        if offset > 0 {
            self.cmd(&format!("REST {offset}"), "350").await?;
        }
        self.cmd(&format!("RETR {path}"), "1").await?;
        let mut d = self.secure(s).await?;
        let mut out = Vec::new();
        match d.read_to_end(&mut out).await {
            Ok(_) => {}
            // A TLS peer that closes without close_notify: the bytes are all there.
            Err(x) if x.kind() == std::io::ErrorKind::UnexpectedEof => {}
            Err(x) => return Err(format!("RETR data: {x}")),
        }
        drop(d);
        let done = read_reply(&mut self.ctl).await?;
        if !done.starts_with("226") {
            return Err(format!("RETR: {done}"));
        }
        Ok(out)
    }

    async fn quit(mut self) {
        let _ = self.cmd("QUIT", "221").await;
    }
}

/// One FTPChat message: a whole session. Returns its duration.
async fn send_message(t: &Target, line: &[u8]) -> Res<Duration> {
    let start = Instant::now();
    let mut ftp = Ftp::connect(t).await?;
    ftp.appe(ROOM, line).await?;
    ftp.quit().await;
    Ok(start.elapsed())
}

async fn room_size(t: &Target) -> Res<u64> {
    let mut ftp = Ftp::connect(t).await?;
    let n = ftp.size(ROOM).await;
    ftp.quit().await;
    n
}

/// What a follower has read: every complete line with when it first arrived.
#[derive(Default)]
struct Inbox {
    first: HashMap<String, Instant>,
    doubled: u64,
    torn: u64,
    polls: u64,
    errors: Vec<String>,
}

impl Inbox {
    fn take(&mut self, data: &[u8]) -> u64 {
        let now = Instant::now();
        let text = String::from_utf8_lossy(data);
        let mut whole = 0;
        let mut rest = text.as_ref();
        while let Some(i) = rest.find('\n') {
            let line = &rest[..i];
            whole += i as u64 + 1;
            if !line.is_empty() {
                if self.first.contains_key(line) {
                    self.doubled += 1;
                } else {
                    self.first.insert(line.to_string(), now);
                }
            }
            rest = &rest[i + 1..];
        }
        if !rest.is_empty() {
            self.torn += 1;
        }
        whole
    }
}

/// One FTPChat poll, a session of its own: SIZE, and if the room grew REST + RETR. The
/// offset becomes what SIZE said (FTPChat v1.7 does that).
async fn poll_once(t: &Target, offset: &mut u64, inbox: &mut Inbox) -> Res<()> {
    let mut ftp = Ftp::connect(t).await?;
    let size = ftp.size(ROOM).await?;
    if size > *offset {
        let data = ftp.retr_from(ROOM, *offset).await?;
        inbox.take(&data);
        *offset = size;
    }
    ftp.quit().await;
    Ok(())
}

fn wanted_all(inbox: &Inbox, want: &[String]) -> bool {
    want.iter().all(|w| inbox.first.contains_key(w))
}

/// Polls every `interval` (first poll at a random phase) until every wanted line arrived,
/// or `stop` is set and a last poll found nothing new.
async fn follow_polling(t: Target, start: u64, interval: f64, want: Arc<Vec<String>>, stop: Arc<AtomicBool>) -> Inbox {
    let mut inbox = Inbox::default();
    let mut offset = start;
    let phase = rand::thread_rng().gen_range(0.0..interval.max(0.001));
    tokio::time::sleep(Duration::from_secs_f64(phase)).await;
    loop {
        let t0 = Instant::now();
        let stopping = stop.load(Ordering::Relaxed);
        inbox.polls += 1;
        if let Err(x) = poll_once(&t, &mut offset, &mut inbox).await {
            inbox.errors.push(x);
        }
        if wanted_all(&inbox, &want) || stopping {
            return inbox;
        }
        let left = Duration::from_secs_f64(interval).saturating_sub(t0.elapsed());
        tokio::time::sleep(left).await;
    }
}

/// Loft's `SITE WAIT` follower: one session, waits for the room to pass its offset.
async fn follow_waiting(t: Target, start: u64, want: Arc<Vec<String>>, stop: Arc<AtomicBool>) -> Inbox {
    let mut inbox = Inbox::default();
    let mut ftp = match Ftp::connect(&t).await {
        Ok(f) => f,
        Err(x) => {
            inbox.errors.push(x);
            return inbox;
        }
    };
    let mut offset = start;
    while !wanted_all(&inbox, &want) && !stop.load(Ordering::Relaxed) {
        let rep = match ftp.cmd(&format!("SITE WAIT {ROOM} {offset} 2"), "213").await {
            Ok(r) => r,
            Err(x) => {
                inbox.errors.push(x);
                break;
            }
        };
        let size: u64 = rep[4..].trim().parse().unwrap_or(offset);
        if size > offset {
            match ftp.retr_from(ROOM, offset).await {
                Ok(data) => offset += inbox.take(&data),
                Err(x) => {
                    inbox.errors.push(x);
                    break;
                }
            }
        }
    }
    ftp.quit().await;
    inbox
}

// ---------------------------------------------------------------------------------------
// The runs

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

type Figures = Vec<(&'static str, f64)>;

/// Idle memory: with no session, then with `n` logged-in idle sessions.
async fn idle_run(server: &Server, t: &Target, n: usize, out: &mut Figures) {
    server.settle(3);
    let (rss0, pss0) = tree_mem(server.pid());
    out.push(("RSS MiB, no session", rss0 as f64 / 1024.0));
    out.push(("PSS MiB, no session", pss0 as f64 / 1024.0));
    out.push(("anonymous MiB, no session", tree_anon(server.pid()) as f64 / 1024.0));
    if n == 0 {
        return;
    }
    let mut open = Vec::new();
    for _ in 0..n {
        match Ftp::connect(t).await {
            Ok(f) => open.push(f),
            Err(x) => {
                eprintln!("{}: idle session refused: {x}", server.kind.name());
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss, pss) = tree_mem(server.pid());
    let k = open.len();
    out.push(("RSS MiB, idle sessions", rss as f64 / 1024.0));
    out.push(("PSS MiB, idle sessions", pss as f64 / 1024.0));
    out.push(("RSS MiB added by the idle sessions", rss.saturating_sub(rss0) as f64 / 1024.0));
    out.push(("idle sessions open", k as f64));
    futures::future::join_all(open.into_iter().map(|f| f.quit())).await;
    server.settle(5);
}

struct Check {
    lost: u64,
    doubled: u64,
    torn: u64,
    errors: Vec<String>,
}

async fn load_run(s: &Settings, server: &Server, t: &Target, tokens: Arc<Vec<String>>, out: &mut Figures) -> Check {
    let start_size = room_size(t).await.unwrap_or(0);
    server.settle(3);
    let cpu0 = tree_cpu(server.pid());
    let sampler = Sampler::start(server.pid());
    let stop = Arc::new(AtomicBool::new(false));
    let followers: Vec<_> = (0..s.followers)
        .map(|_| tokio::spawn(follow_polling(t.clone(), start_size, s.interval, tokens.clone(), stop.clone())))
        .collect();
    let t0 = Instant::now();
    let mut senders = Vec::new();
    for w in 0..s.senders {
        let (t, tokens, n) = (t.clone(), tokens.clone(), s.senders);
        senders.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = Vec::new();
            for i in (w..tokens.len()).step_by(n) {
                match send_message(&t, format!("{}\n", tokens[i]).as_bytes()).await {
                    Ok(d) => lat.push(d.as_secs_f64() * 1000.0),
                    Err(x) => errors.push(x),
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = Vec::new();
    for h in senders {
        let (l, e) = h.await.unwrap();
        lat.extend(l);
        errors.extend(e);
    }
    let secs = t0.elapsed().as_secs_f64();
    // Followers get every message, or a last chance 30 s after the last send.
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            stop.store(true, Ordering::Relaxed);
        })
    };
    let mut check = Check { lost: 0, doubled: 0, torn: 0, errors };
    let mut polls = 0;
    for f in followers {
        let inbox = f.await.unwrap();
        polls += inbox.polls;
        check.lost += tokens.iter().filter(|w| !inbox.first.contains_key(*w)).count() as u64;
        check.doubled += inbox.doubled;
        check.torn += inbox.torn;
        check.errors.extend(inbox.errors);
    }
    stopper.abort();
    server.settle(5);
    let cpu = tree_cpu(server.pid()) - cpu0;
    let (rss, pss) = sampler.finish();
    lat.sort_by(f64::total_cmp);
    let n = lat.len() as f64;
    out.push(("messages/s", n / secs));
    out.push(("session p50 ms", pct(&lat, 0.5)));
    out.push(("session p99 ms", pct(&lat, 0.99)));
    out.push(("CPU ms/message", cpu * 1000.0 / n));
    out.push(("CPU ms/session", cpu * 1000.0 / (n + polls as f64)));
    out.push(("follower polls", polls as f64));
    out.push(("peak RSS MiB", rss as f64 / 1024.0));
    out.push(("peak PSS MiB", pss as f64 / 1024.0));
    check
}

async fn delivery_run(count: usize, kind: Kind, t: &Target, tokens: Arc<Vec<String>>, out: &mut Figures) -> Check {
    let start = room_size(t).await.unwrap_or(0);
    let stop = Arc::new(AtomicBool::new(false));
    let mut followers = Vec::new();
    if kind == Kind::Loft {
        let f = tokio::spawn(follow_waiting(t.clone(), start, tokens.clone(), stop.clone()));
        followers.push(("delivery SITE WAIT p50 ms", "delivery SITE WAIT p99 ms", f));
    }
    for (p50, p99, every) in [
        ("delivery poll 1 s p50 ms", "delivery poll 1 s p99 ms", 1.0),
        ("delivery poll 5 s p50 ms", "delivery poll 5 s p99 ms", 5.0),
    ] {
        followers.push((p50, p99, tokio::spawn(follow_polling(t.clone(), start, every, tokens.clone(), stop.clone()))));
    }
    let mut sent = HashMap::new();
    let mut check = Check { lost: 0, doubled: 0, torn: 0, errors: Vec::new() };
    for tok in tokens.iter().take(count) {
        let gap = rand::thread_rng().gen_range(0.3..2.7);
        tokio::time::sleep(Duration::from_secs_f64(gap)).await;
        sent.insert(tok.clone(), Instant::now());
        if let Err(x) = send_message(t, format!("{tok}\n").as_bytes()).await {
            check.errors.push(x);
        }
    }
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(15)).await;
        stop.store(true, Ordering::Relaxed);
    });
    for (p50, p99, f) in followers {
        let inbox = f.await.unwrap();
        let mut lat: Vec<f64> = sent
            .iter()
            .filter_map(|(tok, t0)| inbox.first.get(tok).map(|t1| t1.duration_since(*t0).as_secs_f64() * 1000.0))
            .collect();
        check.lost += (sent.len() - lat.len()) as u64;
        check.doubled += inbox.doubled;
        check.torn += inbox.torn;
        check.errors.extend(inbox.errors);
        lat.sort_by(f64::total_cmp);
        out.push((p50, pct(&lat, 0.5)));
        out.push((p99, pct(&lat, 0.99)));
    }
    stopper.abort();
    check
}

// ---------------------------------------------------------------------------------------
// The web mode: Loft's HTTPS JSON API, with a small HTTP/1.1 client over tokio-rustls

/// The room as the web API names it: relative to the home, without `.txt`.
const WEB_ROOM: &str = "chat/room";

/// One kept-alive HTTPS connection, like a browser tab's.
struct Web {
    r: BufReader<suppaftp::tokio_rustls::client::TlsStream<TcpStream>>,
    session: String,
}

impl Web {
    async fn open(port: u16, tls: &TlsConnector) -> Res<Self> {
        let mut last = String::new();
        for _ in 0..100 {
            match TcpStream::connect(("127.0.0.1", port)).await {
                Ok(tcp) => {
                    tcp.set_nodelay(true).map_err(e)?;
                    let s = tls.connect(server_name(), tcp).await.map_err(e)?;
                    return Ok(Web { r: BufReader::new(s), session: String::new() });
                }
                Err(x) => last = e(x),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("web connect: {last}"))
    }

    /// Opens a connection and logs in on it.
    async fn login(port: u16, tls: &TlsConnector, user: &str) -> Res<Self> {
        let mut w = Web::open(port, tls).await?;
        let body = format!(r#"{{"user":"{user}","password":"{PASSWORD}"}}"#);
        let (st, resp) = w.request("POST", "/api/login", body.as_bytes()).await?;
        if st != 200 {
            return Err(format!("login: {st} {}", String::from_utf8_lossy(&resp)));
        }
        let v: serde_json::Value = serde_json::from_slice(&resp).map_err(e)?;
        w.session = v["session"].as_str().ok_or("login: no session")?.to_string();
        Ok(w)
    }

    /// One request, one response (Content-Length or chunked), the connection kept.
    async fn request(&mut self, method: &str, path: &str, body: &[u8]) -> Res<(u16, Vec<u8>)> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n", body.len());
        if !self.session.is_empty() {
            head.push_str(&format!("Authorization: Bearer {}\r\n", self.session));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        let w = self.r.get_mut();
        w.write_all(&out).await.map_err(e)?;
        w.flush().await.map_err(e)?;
        let mut line = String::new();
        if self.r.read_line(&mut line).await.map_err(e)? == 0 {
            return Err("web: connection closed".into());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("web: bad status line {line:?}"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            self.r.read_line(&mut line).await.map_err(e)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
        let mut resp = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.r.read_line(&mut line).await.map_err(e)?;
                let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16).map_err(e)?;
                let mut chunk = vec![0; n + 2];
                self.r.read_exact(&mut chunk).await.map_err(e)?;
                if n == 0 {
                    break;
                }
                resp.extend_from_slice(&chunk[..n]);
            }
        } else {
            resp.resize(length.unwrap_or(0), 0);
            self.r.read_exact(&mut resp).await.map_err(e)?;
        }
        Ok((status, resp))
    }

    async fn append(&mut self, data: &[u8]) -> Res<()> {
        let (st, resp) = self.request("POST", &format!("/api/append?room={WEB_ROOM}"), data).await?;
        if st != 200 {
            return Err(format!("append: {st} {}", String::from_utf8_lossy(&resp)));
        }
        Ok(())
    }

    /// `GET /api/log?from=N&wait=S`: the lines past N (or none when S ran out) and `next`.
    async fn log(&mut self, from: u64, wait: u64) -> Res<(Vec<String>, u64)> {
        let (st, resp) = self.request("GET", &format!("/api/log?room={WEB_ROOM}&from={from}&wait={wait}"), b"").await?;
        if st != 200 {
            return Err(format!("log: {st} {}", String::from_utf8_lossy(&resp)));
        }
        let v: serde_json::Value = serde_json::from_slice(&resp).map_err(e)?;
        let next = v["next"].as_u64().ok_or("log: no next")?;
        let lines = v["lines"]
            .as_array()
            .map(|a| a.iter().filter_map(|l| l.as_str().map(String::from)).collect())
            .unwrap_or_default();
        Ok((lines, next))
    }
}

/// A web follower: one connection, long-polls `GET /api/log` (wait 5 s) from `start`.
async fn follow_web(mut w: Web, start: u64, want: Arc<Vec<String>>, stop: Arc<AtomicBool>) -> Inbox {
    let mut inbox = Inbox::default();
    let mut offset = start;
    while !wanted_all(&inbox, &want) && !stop.load(Ordering::Relaxed) {
        inbox.polls += 1;
        match w.log(offset, 5).await {
            Ok((lines, next)) => {
                let now = Instant::now();
                for l in lines {
                    match inbox.first.entry(l) {
                        std::collections::hash_map::Entry::Occupied(_) => inbox.doubled += 1,
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(now);
                        }
                    }
                }
                offset = next;
            }
            Err(x) => {
                inbox.errors.push(x);
                break;
            }
        }
    }
    inbox
}

/// The web load run: `senders` connections POST one message each request, `web_followers`
/// connections long-poll; latency is send (before the POST) → the follower's response.
async fn web_run(
    s: &Settings,
    server: &Server,
    tls: &TlsConnector,
    tokens: Arc<Vec<String>>,
    out: &mut Figures,
) -> Check {
    let mut check = Check { lost: 0, doubled: 0, torn: 0, errors: Vec::new() };
    // Log everyone in first (one PBKDF2 each), outside the timed part.
    let mut conns = Vec::new();
    for _ in 0..s.senders + s.web_followers {
        match Web::login(server.web_port, tls, &server.user).await {
            Ok(w) => conns.push(w),
            Err(x) => {
                check.errors.push(x);
                return check;
            }
        }
    }
    let start = match conns[0].log(0, 0).await {
        Ok((_, next)) => next,
        Err(x) => {
            check.errors.push(x);
            return check;
        }
    };
    server.settle(3);
    let cpu0 = tree_cpu(server.pid());
    let sampler = Sampler::start(server.pid());
    let stop = Arc::new(AtomicBool::new(false));
    let followers: Vec<_> =
        conns.drain(s.senders..).map(|w| tokio::spawn(follow_web(w, start, tokens.clone(), stop.clone()))).collect();
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let t0 = Instant::now();
    let mut senders = Vec::new();
    for (k, mut w) in conns.into_iter().enumerate() {
        let (tokens, n, sent) = (tokens.clone(), s.senders, sent.clone());
        senders.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = Vec::new();
            for i in (k..tokens.len()).step_by(n) {
                let t = Instant::now();
                sent.lock().unwrap().insert(tokens[i].clone(), t);
                match w.append(format!("{}\n", tokens[i]).as_bytes()).await {
                    Ok(()) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(x) => errors.push(x),
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    for h in senders {
        let (l, x) = h.await.unwrap();
        lat.extend(l);
        check.errors.extend(x);
    }
    let secs = t0.elapsed().as_secs_f64();
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            stop.store(true, Ordering::Relaxed);
        })
    };
    let mut polls = 0;
    let mut delivery = Vec::new();
    for f in followers {
        let inbox = f.await.unwrap();
        polls += inbox.polls;
        let sent = sent.lock().unwrap();
        for (tok, t1) in &inbox.first {
            if let Some(t) = sent.get(tok) {
                delivery.push(t1.duration_since(*t).as_secs_f64() * 1000.0);
            }
        }
        check.lost += tokens.iter().filter(|w| !inbox.first.contains_key(*w)).count() as u64;
        check.doubled += inbox.doubled;
        check.errors.extend(inbox.errors);
    }
    stopper.abort();
    server.settle(5);
    let cpu = tree_cpu(server.pid()) - cpu0;
    let (rss, pss) = sampler.finish();
    lat.sort_by(f64::total_cmp);
    delivery.sort_by(f64::total_cmp);
    let n = lat.len() as f64;
    out.push(("messages/s", n / secs));
    out.push(("append p50 ms", pct(&lat, 0.5)));
    out.push(("append p99 ms", pct(&lat, 0.99)));
    out.push(("send→receive p50 ms", pct(&delivery, 0.5)));
    out.push(("send→receive p99 ms", pct(&delivery, 0.99)));
    out.push(("CPU ms/message", cpu * 1000.0 / n));
    out.push(("CPU ms/request", cpu * 1000.0 / (n + polls as f64)));
    out.push(("follower requests", polls as f64));
    out.push(("peak RSS MiB", rss as f64 / 1024.0));
    out.push(("peak PSS MiB", pss as f64 / 1024.0));
    check
}

// ---------------------------------------------------------------------------------------
// Output

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

fn fmt(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The median over the rounds of one figure of one server.
fn figure(figures: &HashMap<Kind, Vec<Figures>>, k: Kind, n: &str) -> f64 {
    let v: Vec<f64> = figures
        .get(&k)
        .into_iter()
        .flatten()
        .flat_map(|r| r.iter().filter(|(m, _)| *m == n).map(|(_, v)| *v))
        .collect();
    median(&v)
}

fn print_table(title: &str, kinds: &[Kind], figures: &HashMap<Kind, Vec<Figures>>) {
    println!("\n{title}");
    let mut names: Vec<&'static str> = Vec::new();
    for k in kinds {
        for round in figures.get(k).into_iter().flatten() {
            for (n, _) in round {
                if !names.contains(n) {
                    names.push(n);
                }
            }
        }
    }
    let value = |k: &Kind, n: &str| figure(figures, *k, n);
    print!("{:<32}", "metric");
    for k in kinds {
        print!(" {:>10}", k.name());
    }
    let both = kinds.contains(&Kind::Loft) && kinds.contains(&Kind::Vsftpd);
    if both {
        print!(" {:>12}", "loft/vsftpd");
    }
    println!();
    for n in names {
        print!("{n:<32}");
        for k in kinds {
            print!(" {:>10}", fmt(value(k, n)));
        }
        if both {
            let (l, v) = (value(&Kind::Loft, n), value(&Kind::Vsftpd, n));
            let r = if v > 0.0 && !l.is_nan() { fmt(l / v) } else { "—".into() };
            print!(" {r:>12}");
        }
        println!();
    }
}

fn report_check(kind: Kind, what: &str, c: &Check) {
    println!(
        "  {} {what}: lost {} doubled {} torn {} (over all followers); errors {}",
        kind.name(),
        c.lost,
        c.doubled,
        c.torn,
        c.errors.len()
    );
    for x in c.errors.iter().take(3) {
        println!("    error: {x}");
    }
}

fn file_mib(p: &Path) -> f64 {
    std::fs::metadata(p).map(|m| m.len() as f64 / 1_048_576.0).unwrap_or(f64::NAN)
}

/// The shared libraries `ldd` finds for a binary, other than the C library's own.
fn shared_libs(bin: &Path) -> Vec<PathBuf> {
    let Ok(out) = Command::new("ldd").arg(bin).env("LD_LIBRARY_PATH", vsftpd_libs(bin)).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split("=> ").nth(1).and_then(|r| r.split_whitespace().next()).map(PathBuf::from))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            !n.starts_with("libc.so") && p.is_file()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let s = Settings::read();
    let vsftpd = find_vsftpd();
    let mut kinds = s.servers.clone();
    if kinds.contains(&Kind::Vsftpd) && vsftpd.is_none() {
        println!("vsftpd: skipped, not found (set $VSFTPD, or install /usr/sbin/vsftpd)");
        kinds.retain(|k| *k != Kind::Vsftpd);
    }
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap().trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "Loft vs vsftpd, loopback, client and servers on the same {} cores ({machine})",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    println!(
        "load: {} senders, {} followers polling every {} s, {} messages per run, {} round(s) per server \
         and mode, alternating; figures are medians of the rounds",
        s.senders, s.followers, s.interval, s.messages, s.rounds
    );

    // One certificate for both servers (ECDSA P-256, as `loft init` makes it).
    let certs = tempfile::tempdir().unwrap();
    let st = Command::new(LOFT)
        .args(["init", "--root", certs.path().join("r").to_str().unwrap(), "-c"])
        .arg(certs.path().join("loft.toml"))
        .args(["--tls-name", "127.0.0.1", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"x\n")?;
            c.wait()
        })
        .unwrap();
    assert!(st.success());

    // Private passive ranges, below the usual ephemeral ports (32768–60999).
    let base = 10000 + (std::process::id() % 50) as u16 * 200;
    let prepared: Vec<Prepared> = kinds
        .iter()
        .map(|k| match k {
            Kind::Loft => Prepared::loft(&s, certs.path(), (base, base + 99)),
            Kind::Vsftpd => Prepared::vsftpd(vsftpd.as_deref().unwrap(), certs.path(), (base + 100, base + 199)),
        })
        .collect();
    for p in &prepared {
        println!("{}", p.note);
    }

    // Binary size and start-up time.
    let mut general: HashMap<Kind, Vec<Figures>> = HashMap::new();
    for p in &prepared {
        let mut f: Figures = vec![("binary MiB", file_mib(&p.bin))];
        if p.kind == Kind::Vsftpd {
            let libs: f64 = shared_libs(&p.bin).iter().map(|l| file_mib(l)).sum();
            f.push(("binary + shared libs MiB", file_mib(&p.bin) + libs));
        } else {
            f.push(("binary + shared libs MiB", file_mib(&p.bin)));
        }
        let mut times = Vec::new();
        for _ in 0..5 {
            let (server, took) = p.start(true);
            times.push(took.as_secs_f64() * 1000.0);
            server.stop();
        }
        f.push(("start-up ms (median of 5)", median(&times)));
        general.insert(p.kind, vec![f]);
    }
    print_table(
        "== binary and start-up (vsftpd links libssl, libcrypto, libpam, …; libc not counted)",
        &kinds,
        &general,
    );

    // Tokens: real FTPChat lines, sealed before anything is timed.
    let key = loft::ftpchat::key::RoomKey::from_fernet_key(&fernet::Fernet::generate_key()).unwrap();
    let connector = tls_connector();
    let mut goals: Vec<String> = Vec::new();
    for &tls in &s.modes {
        let mode = if tls { "FTPS (AUTH TLS, PROT P)" } else { "plain FTP" };
        let mut figures: HashMap<Kind, Vec<Figures>> = HashMap::new();
        let mut checks = Vec::new();
        for round in 0..s.rounds {
            for p in &prepared {
                let tag = format!("{}-{}-{round}", if tls { "ftps" } else { "plain" }, p.kind.name());
                let tokens: Arc<Vec<String>> = Arc::new(
                    (0..s.messages).map(|i| key.seal_message("bench", &format!("{tag} message {i}"))).collect(),
                );
                let (server, _) = p.start(tls);
                let t = server.target(tls.then_some(&connector));
                let mut f = Figures::new();
                if round == 0 && tls {
                    match Ftp::connect(&t).await {
                        Ok(ftp) => {
                            println!("{} TLS: {}", p.kind.name(), ftp.tls_info);
                            ftp.quit().await;
                        }
                        Err(x) => println!("{} TLS: {x}", p.kind.name()),
                    }
                }
                // Warm-up: makes the room, and Loft's first login runs the KDF (later
                // ones hit its login cache).
                let warm = format!("{}\n", key.seal_message("bench", &format!("{tag} warm-up")));
                if let Err(x) = send_message(&t, warm.as_bytes()).await {
                    println!("  {} warm-up failed: {x}", p.kind.name());
                }
                idle_run(&server, &t, s.idle, &mut f).await;
                let c = load_run(&s, &server, &t, tokens, &mut f).await;
                checks.push((p.kind, format!("load round {}", round + 1), c));
                if round == 0 && s.delivery > 0 {
                    let dtokens: Arc<Vec<String>> = Arc::new(
                        (0..s.delivery).map(|i| key.seal_message("bench", &format!("{tag} delivery {i}"))).collect(),
                    );
                    let c = delivery_run(s.delivery, p.kind, &t, dtokens, &mut f).await;
                    checks.push((p.kind, "delivery".to_string(), c));
                }
                let problems = server.stop();
                if !problems.is_empty() {
                    println!("  {} ({tag}): {} warning/error lines in its log, e.g.:", p.kind.name(), problems.len());
                    for line in problems.iter().take(2) {
                        println!("    {line}");
                    }
                }
                figures.entry(p.kind).or_default().push(f);
            }
        }
        print_table(
            &format!(
                "== {mode}: CPU = user+sys of the server's process tree; RSS/PSS = sum over the tree \
                 (peak: sampled every 20 ms during the load run); idle: {} logged-in sessions",
                s.idle
            ),
            &kinds,
            &figures,
        );
        println!("follower check (every follower must get every message exactly once, whole):");
        for (k, what, c) in &checks {
            report_check(*k, what, c);
        }
        // Issue 25's goals, for this mode.
        let cpu = |k| figure(&figures, k, "CPU ms/session");
        let (ratio, goal) = (cpu(Kind::Loft) / cpu(Kind::Vsftpd), if tls { 0.10 } else { 0.07 });
        goals.push(format!(
            "{} CPU/session {} of vsftpd's (goal <= {goal:.2})",
            if tls { "FTPS" } else { "plain" },
            if ratio.is_nan() { "n/a".to_string() } else { format!("{ratio:.3}") }
        ));
        let mode = if tls { "FTPS" } else { "plain" };
        let added = fmt(figure(&figures, Kind::Loft, "RSS MiB added by the idle sessions"));
        if !tls || !s.modes.contains(&false) {
            goals.push(format!(
                "RSS with no session {} MiB (goal <= 4.0), +{added} MiB for {} idle {mode} sessions (goal <= +1), anonymous {} MiB",
                fmt(figure(&figures, Kind::Loft, "RSS MiB, no session")),
                s.idle,
                fmt(figure(&figures, Kind::Loft, "anonymous MiB, no session")),
            ));
        } else {
            // The idle goal holds for FTPS sessions too (each holds its TLS state).
            goals.push(format!("+{added} MiB for {} idle {mode} sessions (goal <= +1)", s.idle));
        }
    }
    if !goals.is_empty() {
        println!("\nsummary (issue 25): {}", goals.join("; "));
    }

    if s.web && kinds.contains(&Kind::Loft) {
        let p = prepared.iter().find(|p| p.kind == Kind::Loft).unwrap();
        let mut figures: HashMap<Kind, Vec<Figures>> = HashMap::new();
        let mut checks = Vec::new();
        for round in 0..s.rounds {
            let tag = format!("web-{round}");
            let tokens: Arc<Vec<String>> =
                Arc::new((0..s.messages).map(|i| key.seal_message("bench", &format!("{tag} message {i}"))).collect());
            let (server, _) = p.start(true);
            let mut f = Figures::new();
            let c = web_run(&s, &server, &connector, tokens, &mut f).await;
            checks.push((Kind::Loft, format!("web round {}", round + 1), c));
            let problems = server.stop();
            if !problems.is_empty() {
                println!("  loft ({tag}): {} warning/error lines in its log, e.g.:", problems.len());
                for line in problems.iter().take(2) {
                    println!("    {line}");
                }
            }
            figures.entry(Kind::Loft).or_default().push(f);
        }
        print_table(
            &format!(
                "== web (HTTPS JSON API, Loft only; vsftpd: n/a): {} senders POST /api/append (one kept-alive \
                 connection each), {} followers long-poll GET /api/log?wait=5 (one connection each); \
                 send→receive = before the POST → the follower's response, over all followers",
                s.senders, s.web_followers
            ),
            &[Kind::Loft],
            &figures,
        );
        println!("web follower check (every follower must get every message exactly once):");
        for (k, what, c) in &checks {
            report_check(*k, what, c);
        }
    } else if s.web {
        println!("web: skipped, it needs servers=loft (vsftpd has no web side: n/a)");
    }
}
