//! The relay's configuration: one TOML file, `loft.toml`.
//!
//! A router owner edits this file by hand over ssh, so a mistake must be reported before
//! anything starts, as `file:line:column: key: what is expected`, and unknown keys are
//! refused (a typo silently ignored is a setting that silently does not apply). Relative
//! paths are relative to the file's own folder, so a config and its certificate can be
//! moved together. Passwords are stored only as PHC strings (`$pbkdf2-sha256$…`).
//!
//! The file is written by `loft init` ([`init`]) and edited by `loft user …` ([`users`]),
//! which keep the comments a person added.

pub mod init;
pub mod users;

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the config is when neither `-c` nor `$LOFT_CONFIG` says.
pub(crate) const DEFAULT_PATH: &str = "/etc/loft/loft.toml";

/// The config file to use: `-c`, else `$LOFT_CONFIG`, else [`DEFAULT_PATH`].
pub(crate) fn resolve_path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    match std::env::var_os("LOFT_CONFIG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_PATH),
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Addresses to listen on; IPv4 and IPv6 together are fine.
    #[serde(default = "default_listen")]
    pub listen: Vec<String>,
    /// The folder that holds every user's home.
    pub(crate) root: PathBuf,
    /// The first line a client sees.
    #[serde(default = "default_greeting")]
    pub(crate) greeting: String,
    /// Allow `anonymous` logins (read-only, home = root).
    #[serde(default)]
    pub(crate) anonymous: bool,
    #[serde(default)]
    pub(crate) log: LogConfig,
    #[serde(default)]
    pub(crate) tls: TlsConfig,
    #[serde(default)]
    pub(crate) passive: PassiveConfig,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub(crate) chat: ChatConfig,
    #[serde(default)]
    pub(crate) web: WebConfig,
    #[serde(default)]
    pub(crate) users: Vec<UserEntry>,
}

/// A time in the config: whole seconds (`600`), or a number with a unit (`"500ms"`, `"2s"`,
/// `"1.5s"`, `"10m"`, `"1h"`), so that tests of timeouts need not wait whole seconds.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    let bad = |s: &str| {
        serde::de::Error::custom(format!(
            "{s:?}: expected seconds (a whole number) or a time with its unit, like \"500ms\", \"2s\", \"10m\""
        ))
    };
    match Raw::deserialize(d)? {
        Raw::Secs(n) => Ok(Duration::from_secs(n)),
        Raw::Text(t) => {
            let s = t.trim();
            let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
            let (num, unit) = s.split_at(split);
            let n: f64 = num.parse().map_err(|_| bad(&t))?;
            let secs = match unit.trim() {
                "ms" => n / 1000.0,
                "s" | "" => n,
                "m" | "min" => n * 60.0,
                "h" => n * 3600.0,
                _ => return Err(bad(&t)),
            };
            Duration::try_from_secs_f64(secs).map_err(|_| bad(&t))
        }
    }
}

/// `600 s`, or `500 ms` for a time under a second or not whole.
pub(crate) fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The chat page and its HTTP API, served by the relay (`[web]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebConfig {
    /// Serve the web client at all.
    #[serde(default = "yes")]
    pub(crate) enabled: bool,
    /// Addresses for HTTPS; IPv4 and IPv6 together are fine.
    #[serde(default = "default_web_listen")]
    pub(crate) listen: Vec<String>,
    /// HTTPS with the relay's certificate (`[tls] cert`/`key`). `false` serves plain HTTP,
    /// where browsers give the page no WebCrypto except on localhost: only for a proxy
    /// that does TLS in front.
    #[serde(default = "yes")]
    pub(crate) https: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { enabled: true, listen: default_web_listen(), https: true }
    }
}

fn yes() -> bool {
    true
}

pub(crate) fn default_web_listen() -> Vec<String> {
    vec!["0.0.0.0:8443".into(), "[::]:8443".into()]
}

pub(crate) fn default_listen() -> Vec<String> {
    vec!["0.0.0.0:21".into(), "[::]:21".into()]
}
fn default_greeting() -> String {
    "Loft chat relay ready".into()
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogConfig {
    /// `error`, `warn`, `info`, `debug`, `trace`, or a tracing filter; `RUST_LOG` wins.
    pub(crate) level: Option<String>,
    #[serde(default)]
    pub(crate) format: LogFormat,
}

pub(crate) use crate::base::logging::LogFormat;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TlsConfig {
    #[serde(default)]
    pub(crate) mode: TlsMode,
    /// PEM certificate chain; default `loft.crt` beside the config.
    #[serde(default = "default_cert")]
    pub(crate) cert: PathBuf,
    /// PEM private key; default `loft.key` beside the config.
    #[serde(default = "default_key")]
    pub(crate) key: PathBuf,
    /// A TLS data connection must resume its control connection's TLS session (as
    /// vsftpd's `require_ssl_reuse`): ties it to its session behind one NAT. FTPChat
    /// (Python's ftplib) never resumes, so this refuses its TLS transfers: opt-in.
    #[serde(default)]
    pub(crate) require_session_reuse: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig { mode: TlsMode::default(), cert: default_cert(), key: default_key(), require_session_reuse: false }
    }
}
fn default_cert() -> PathBuf {
    "loft.crt".into()
}
fn default_key() -> PathBuf {
    "loft.key".into()
}

/// Whether clients may, must, or cannot use TLS.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TlsMode {
    /// AUTH TLS offered; plain FTP allowed (what FTPChat clients expect: they try TLS and fall back).
    #[default]
    Optional,
    /// Logins and data transfers without TLS are refused.
    Required,
    /// No TLS at all.
    Off,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PassiveConfig {
    /// Port range for passive data connections, `"FIRST-LAST"`.
    #[serde(default = "default_ports")]
    pub(crate) ports: String,
    /// Address or host name to announce in PASV replies (the router's public side behind NAT).
    /// Default: the address the client connected to.
    pub(crate) public_host: Option<String>,
}

impl Default for PassiveConfig {
    fn default() -> Self {
        PassiveConfig { ports: default_ports(), public_host: None }
    }
}
fn default_ports() -> String {
    "50000-50100".into()
}

impl PassiveConfig {
    /// The parsed port range (validated at load).
    pub(crate) fn port_range(&self) -> std::ops::RangeInclusive<u16> {
        parse_port_range(&self.ports).unwrap_or(50000..=50100)
    }
}

fn parse_port_range(s: &str) -> Result<std::ops::RangeInclusive<u16>, String> {
    let (a, b) =
        s.split_once('-').ok_or_else(|| format!("expected \"FIRST-LAST\", like \"50000-50100\", got {s:?}"))?;
    let a: u16 = a.trim().parse().map_err(|_| format!("{a:?} is not a port number (1-65535)"))?;
    let b: u16 = b.trim().parse().map_err(|_| format!("{b:?} is not a port number (1-65535)"))?;
    if a == 0 || a > b {
        return Err(format!("expected 1 <= FIRST <= LAST, got {a}-{b}"));
    }
    Ok(a..=b)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Sessions at once, all addresses together; more get `421`.
    #[serde(default = "d_max_connections")]
    pub max_connections: usize,
    /// Sessions at once from one address; more get `421`.
    #[serde(default = "d_max_per_ip")]
    pub(crate) max_per_ip: usize,
    /// Seconds a session may stay silent before it is closed.
    #[serde(default = "d_idle_timeout", deserialize_with = "duration")]
    pub(crate) idle_timeout: Duration,
    /// Seconds a data connection may move less than 1 KiB (a client that opens one and
    /// sends nothing, or trickles) before its transfer is aborted with `426`.
    #[serde(default = "d_data_timeout", deserialize_with = "duration")]
    pub data_timeout: Duration,
    /// Largest file a client may upload, in bytes (0: no limit).
    #[serde(default = "d_max_upload")]
    pub(crate) max_upload_bytes: u64,
    /// What a user's home may hold in all, in bytes, for uploads of files (0: no limit;
    /// each user can override it with `quota_bytes`). Rooms grow by appends, which
    /// `[chat]` limits.
    #[serde(default)]
    pub(crate) quota_bytes: u64,
    /// Seconds that running transfers get to finish on SIGTERM.
    #[serde(default = "d_grace")]
    #[serde(deserialize_with = "duration")]
    pub(crate) shutdown_grace: Duration,
    #[serde(default)]
    pub(crate) failed_logins: FailedLogins,
}

fn d_max_connections() -> usize {
    64
}
fn d_max_per_ip() -> usize {
    16
}
fn d_idle_timeout() -> Duration {
    Duration::from_secs(600)
}
fn d_data_timeout() -> Duration {
    Duration::from_secs(60)
}
fn d_max_upload() -> u64 {
    64 * 1024 * 1024
}
fn d_grace() -> Duration {
    Duration::from_secs(10)
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: d_max_connections(),
            max_per_ip: d_max_per_ip(),
            idle_timeout: d_idle_timeout(),
            data_timeout: d_data_timeout(),
            max_upload_bytes: d_max_upload(),
            quota_bytes: 0,
            shutdown_grace: d_grace(),
            failed_logins: FailedLogins::default(),
        }
    }
}

/// After `attempts` failed logins within `window` seconds, logins are refused for `window`
/// seconds, for the address, the user name, or the pair, as `block` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FailedLogins {
    #[serde(default = "d_attempts")]
    pub(crate) attempts: u32,
    #[serde(default = "d_window")]
    pub(crate) window: u64,
    #[serde(default)]
    pub(crate) block: BlockBy,
}
fn d_attempts() -> u32 {
    5
}
fn d_window() -> u64 {
    300
}
impl Default for FailedLogins {
    fn default() -> Self {
        FailedLogins { attempts: d_attempts(), window: d_window(), block: BlockBy::default() }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BlockBy {
    #[default]
    Ip,
    User,
    Both,
}

/// How rooms behave (the `room` layer reads it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChatConfig {
    /// Glob patterns, relative to a user's home, of the files that are rooms.
    #[serde(default = "d_rooms")]
    pub(crate) rooms: Vec<String>,
    /// Refuse room lines that are not well-formed Fernet tokens.
    #[serde(default = "d_true")]
    pub(crate) validate: bool,
    /// When an append is durable before `226`: `always`, `batch` (group commit), `never`.
    #[serde(default)]
    pub(crate) sync: SyncPolicy,
    /// Largest single append to a room, in bytes (larger: `552`).
    #[serde(default = "d_max_append")]
    pub(crate) max_append_bytes: usize,
    /// Let users delete, rename or overwrite rooms (each user can override this).
    #[serde(default)]
    pub(crate) allow_delete: bool,
    /// Rotate a room once its live file is longer than this (bytes; 0 = never).
    #[serde(default = "d_rotate")]
    pub(crate) rotate_bytes: u64,
    /// What a rotated room's live file keeps (bytes, cut at a line boundary).
    #[serde(default = "d_keep")]
    pub(crate) keep_bytes: u64,
    /// Archives kept per room beyond `keep_days` (0 = no limit): older ones are pruned,
    /// oldest first.
    #[serde(default = "d_keep_archives")]
    pub(crate) keep_archives: usize,
    /// No archive younger than this many days is pruned, whatever `keep_archives` says,
    /// so nobody can push a room's recent history out by posting a lot; 0 lets the count
    /// alone decide.
    #[serde(default = "d_keep_days")]
    pub(crate) keep_days: u64,
    /// What one room may hold, archives and live part together (bytes; 0 = no limit).
    /// An append past it is refused (`452`) and logged, rather than deleting history.
    #[serde(default = "d_max_room")]
    pub(crate) max_room_bytes: u64,
    /// Messages (lines) one user may append per minute, to all rooms (0 = no limit).
    #[serde(default = "d_max_messages")]
    pub(crate) max_messages_per_minute: u32,
    /// Bytes one user may append per minute, to all rooms (0 = no limit).
    #[serde(default = "d_max_bytes_minute")]
    pub(crate) max_bytes_per_minute: u64,
    /// Largest shared file, original size in bytes (0: file sharing off).
    #[serde(default = "d_max_file")]
    pub(crate) max_file_bytes: u64,
    /// What one room's shared files may take on disk, in bytes (0: no limit).
    #[serde(default = "d_files_quota")]
    pub(crate) files_quota_bytes: u64,
}
fn d_max_file() -> u64 {
    16 * 1024 * 1024
}
fn d_files_quota() -> u64 {
    256 * 1024 * 1024
}
fn d_keep_days() -> u64 {
    7
}
fn d_max_room() -> u64 {
    64 * 1024 * 1024
}
fn d_max_messages() -> u32 {
    120
}
fn d_max_bytes_minute() -> u64 {
    512 * 1024
}
fn d_rotate() -> u64 {
    256 * 1024
}
fn d_keep() -> u64 {
    64 * 1024
}
fn d_keep_archives() -> usize {
    16
}
fn d_rooms() -> Vec<String> {
    vec!["*.txt".into()]
}
fn d_true() -> bool {
    true
}
fn d_max_append() -> usize {
    64 * 1024
}
impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            rooms: d_rooms(),
            validate: true,
            sync: SyncPolicy::default(),
            max_append_bytes: d_max_append(),
            allow_delete: false,
            rotate_bytes: d_rotate(),
            keep_bytes: d_keep(),
            keep_archives: d_keep_archives(),
            keep_days: d_keep_days(),
            max_room_bytes: d_max_room(),
            max_messages_per_minute: d_max_messages(),
            max_bytes_per_minute: d_max_bytes_minute(),
            max_file_bytes: d_max_file(),
            files_quota_bytes: d_files_quota(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SyncPolicy {
    /// fsync every append before `226`.
    Always,
    /// Appends waiting behind the room lock share one write and one fsync.
    #[default]
    Batch,
    /// Leave it to the OS.
    Never,
}

/// One `[[users]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserEntry {
    pub(crate) name: String,
    /// A PHC string (`$pbkdf2-sha256$i=…`), never the password itself.
    pub(crate) password: String,
    /// Subfolder of `root` this user sees as `/`; default: the root itself.
    #[serde(default)]
    pub(crate) home: Option<String>,
    #[serde(default)]
    pub(crate) read_only: bool,
    /// Overrides `chat.allow_delete` for this user.
    #[serde(default)]
    pub(crate) allow_delete: Option<bool>,
    /// Overrides `limits.quota_bytes` for this user (0: no limit).
    #[serde(default)]
    pub(crate) quota_bytes: Option<u64>,
}

/// A config that could not be used: where, which key, and what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when the problem is at a place in the file.
    pub position: Option<(usize, usize)>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((l, c)) = self.position {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads, parses and validates the file; relative paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            position: None,
            key: None,
            message: match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "no such file; create one with `loft init --root DIR`, or name another with -c PATH or $LOFT_CONFIG"
                        .into()
                }
                _ => format!("cannot read it: {e}"),
            },
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates `text`, which came from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|s| line_col(text, s.start));
            let key = e.span().and_then(|s| key_at(text, s.start));
            ConfigError { file: path.to_path_buf(), position, key, message: e.message().trim().to_string() }
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        // Absolute, so the relay means the same folders whatever its working directory.
        let base = std::path::absolute(&base).unwrap_or(base);
        cfg.root = base.join(&cfg.root);
        cfg.tls.cert = base.join(&cfg.tls.cert);
        cfg.tls.key = base.join(&cfg.tls.key);
        cfg.validate(text, path)?;
        Ok(cfg)
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let err = |keypath: &[Seg], message: String| {
            let key = keypath.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(".").replace(".[", "[");
            ConfigError { file: path.to_path_buf(), position: locate(text, keypath), key: Some(key), message }
        };
        if self.listen.is_empty() {
            return Err(err(
                &[Seg::K("listen")],
                "expected at least one address, like [\"0.0.0.0:21\", \"[::]:21\"]".into(),
            ));
        }
        for (i, a) in self.listen.iter().enumerate() {
            if a.parse::<SocketAddr>().is_err() {
                return Err(err(
                    &[Seg::K("listen"), Seg::I(i)],
                    format!("{a:?} is not an address with a port; expected \"0.0.0.0:21\" or \"[::]:21\""),
                ));
            }
        }
        for (i, a) in self.web.listen.iter().enumerate() {
            if a.parse::<SocketAddr>().is_err() {
                return Err(err(
                    &[Seg::K("web"), Seg::K("listen"), Seg::I(i)],
                    format!("{a:?} is not an address with a port; expected \"0.0.0.0:8443\" or \"[::]:8443\""),
                ));
            }
        }
        if self.web.enabled && self.web.listen.is_empty() {
            return Err(err(
                &[Seg::K("web"), Seg::K("listen")],
                "expected at least one address, like [\"0.0.0.0:8443\"], or set enabled = false".into(),
            ));
        }
        if self.tls.require_session_reuse && self.tls.mode == TlsMode::Off {
            return Err(err(
                &[Seg::K("tls"), Seg::K("require_session_reuse")],
                "there is no TLS session to reuse with mode = \"off\": remove it, or set mode = \"optional\" or \"required\"".into(),
            ));
        }
        if let Err(m) = parse_port_range(&self.passive.ports) {
            return Err(err(&[Seg::K("passive"), Seg::K("ports")], m));
        }
        if let Some(h) = &self.passive.public_host {
            if h.trim().is_empty() || h.contains(char::is_whitespace) {
                return Err(err(
                    &[Seg::K("passive"), Seg::K("public_host")],
                    "expected an IPv4 address or a host name".into(),
                ));
            }
        }
        let l = &self.limits;
        if l.max_connections == 0 {
            return Err(err(&[Seg::K("limits"), Seg::K("max_connections")], "expected a number of at least 1".into()));
        }
        if l.max_per_ip == 0 {
            return Err(err(&[Seg::K("limits"), Seg::K("max_per_ip")], "expected a number of at least 1".into()));
        }
        if l.idle_timeout.is_zero() {
            return Err(err(
                &[Seg::K("limits"), Seg::K("idle_timeout")],
                "expected a time above 0, like 600 or \"500ms\"".into(),
            ));
        }
        if l.data_timeout.is_zero() {
            return Err(err(
                &[Seg::K("limits"), Seg::K("data_timeout")],
                "expected a time above 0, like 60 or \"500ms\"".into(),
            ));
        }
        if l.failed_logins.attempts == 0 {
            return Err(err(
                &[Seg::K("limits"), Seg::K("failed_logins"), Seg::K("attempts")],
                "expected at least 1".into(),
            ));
        }
        if self.chat.max_append_bytes < 128 {
            return Err(err(
                &[Seg::K("chat"), Seg::K("max_append_bytes")],
                "expected at least 128 (one token line)".into(),
            ));
        }
        let c = &self.chat;
        if c.rotate_bytes != 0 && c.rotate_bytes < 1024 {
            return Err(err(
                &[Seg::K("chat"), Seg::K("rotate_bytes")],
                "expected 0 (never rotate) or at least 1024".into(),
            ));
        }
        if c.rotate_bytes != 0 && (c.keep_bytes == 0 || c.keep_bytes >= c.rotate_bytes) {
            return Err(err(
                &[Seg::K("chat"), Seg::K("keep_bytes")],
                format!("expected at least 1 and less than chat.rotate_bytes ({})", c.rotate_bytes),
            ));
        }
        for (i, p) in self.chat.rooms.iter().enumerate() {
            if let Err(e) = crate::base::glob::Glob::new(p) {
                return Err(err(
                    &[Seg::K("chat"), Seg::K("rooms"), Seg::I(i)],
                    format!("{p:?} is not a glob pattern: {e}"),
                ));
            }
        }
        if let Some(level) = &self.log.level {
            if let Err(e) = crate::base::logging::parse_filter(level) {
                return Err(err(
                    &[Seg::K("log"), Seg::K("level")],
                    format!("expected error, warn, info, debug or trace, or a filter like info,libunftp=debug: {e}"),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, u) in self.users.iter().enumerate() {
            let at = |k: &'static str| [Seg::K("users"), Seg::I(i), Seg::K(k)];
            if let Err(m) = users::check_name(&u.name) {
                return Err(err(&at("name"), m));
            }
            if u.name == "anonymous" || u.name == "ftp" {
                return Err(err(
                    &at("name"),
                    "`anonymous` and `ftp` are reserved: use `anonymous = true` at the top level".into(),
                ));
            }
            if !seen.insert(u.name.as_str()) {
                return Err(err(&at("name"), format!("user {:?} is defined twice", u.name)));
            }
            if let Err(m) = crate::base::password::check_phc(&u.password) {
                return Err(err(&at("password"), m));
            }
            if let Some(h) = &u.home {
                if let Err(m) = check_home(h) {
                    return Err(err(&at("home"), m));
                }
            }
        }
        Ok(())
    }

    /// The absolute home folder of a user (root joined with their `home`).
    pub(crate) fn home_of(&self, user: &UserEntry) -> PathBuf {
        match &user.home {
            Some(h) if !h.is_empty() => self.root.join(h.trim_start_matches('/')),
            _ => self.root.clone(),
        }
    }
}

/// A home is a relative path below root, without `..`.
pub(crate) fn check_home(h: &str) -> Result<(), String> {
    let p = Path::new(h.trim_start_matches('/'));
    if p.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
        return Err(format!("{h:?}: expected a folder below root, without `..`"));
    }
    Ok(())
}

/// A step in a key path: a table key or an array index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg {
    K(&'static str),
    I(usize),
}

impl fmt::Display for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::K(k) => write!(f, "{k}"),
            Seg::I(i) => write!(f, "[{i}]"),
        }
    }
}

/// The line and column of a key path's value in the source.
fn locate(text: &str, keypath: &[Seg]) -> Option<(usize, usize)> {
    let doc = toml_edit::ImDocument::parse(text.to_string()).ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    let mut last_span = None;
    for seg in keypath {
        item = match (seg, item) {
            (Seg::K(k), _) => item.get(k)?,
            (Seg::I(i), toml_edit::Item::ArrayOfTables(a)) => {
                let t = a.get(*i)?;
                if let Some(s) = t.span() {
                    last_span = Some(s);
                }
                // Re-enter as an item by looking the next key up in this table.
                let rest = &keypath[keypath.iter().position(|s| matches!(s, Seg::I(j) if j == i))? + 1..];
                let mut it: Option<&toml_edit::Item> = None;
                for r in rest {
                    if let Seg::K(k) = r {
                        it = match it {
                            None => t.get(k),
                            Some(x) => x.get(k),
                        };
                    }
                }
                return it.and_then(|x| x.span()).or(last_span).map(|s| line_col(text, s.start));
            }
            (Seg::I(i), toml_edit::Item::Value(toml_edit::Value::Array(a))) => {
                let v = a.get(*i)?;
                return v.span().map(|s| line_col(text, s.start));
            }
            _ => return last_span.map(|s| line_col(text, s.start)),
        };
        if let Some(s) = item.span() {
            last_span = Some(s);
        }
    }
    item.span().or(last_span).map(|s| line_col(text, s.start))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// The dotted key whose value (or name) is at `offset`: the key on that line, inside the
/// last `[table]` header above it.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..].find('\n').map(|i| offset + i).unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let mut table = None;
    for l in text[..line_start].lines() {
        let l = l.trim();
        if l.starts_with('[') {
            table = Some(l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
        }
    }
    if line.starts_with('[') {
        return Some(line.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    }
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string())?;
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key,
    })
}

/// `loft check`: validates the config and says what the relay would run with.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
}

/// What can go wrong in the config layer, and in the commands that read or write it.
#[derive(Debug)]
pub enum Error {
    /// A mistake in the config file, with its place (exit status 2).
    Invalid(ConfigError),
    /// A bad argument, or a setting that cannot work (exit status 2).
    Usage(String),
    /// Something outside the config failed, such as a file that cannot be written (1).
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => write!(f, "bad config: {e}"),
            Error::Usage(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Invalid(e)
    }
}

impl crate::base::exit::Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::Usage(_) => 2,
            Error::Failed(_) => 1,
        }
    }
}

/// `loft check`.
pub fn check(args: CheckArgs) -> Result<u8, Error> {
    let path = resolve_path(args.config.as_deref());
    let cfg = Config::load(&path)?;
    println!("{}: OK", path.display());
    println!("  listen:        {}", cfg.listen.join(", "));
    println!(
        "  root:          {}{}",
        cfg.root.display(),
        if cfg.root.is_dir() { "" } else { "  (missing: it will be created)" }
    );
    let tls = match cfg.tls.mode {
        TlsMode::Off => "off".to_string(),
        m => format!(
            "{} (cert {}, key {})",
            if m == TlsMode::Required { "required" } else { "optional" },
            cfg.tls.cert.display(),
            cfg.tls.key.display()
        ),
    };
    println!("  tls:           {tls}");
    if cfg.tls.mode != TlsMode::Off {
        match crate::base::cert::load(&cfg.tls.cert, &cfg.tls.key) {
            Ok(loaded) => println!("  certificate:   SHA-256 {}", loaded.fingerprint),
            Err(e) => return Err(Error::Usage(format!("{e:#}"))),
        }
    }
    println!(
        "  passive:       ports {}{}",
        cfg.passive.ports,
        cfg.passive.public_host.as_deref().map(|h| format!(", announced as {h}")).unwrap_or_default()
    );
    let l = &cfg.limits;
    println!(
        "  limits:        {} sessions, {} per address, idle {} s, data {} s, uploads up to {} bytes",
        l.max_connections,
        l.max_per_ip,
        show_duration(l.idle_timeout),
        show_duration(l.data_timeout),
        l.max_upload_bytes
    );
    println!(
        "  failed logins: {} within {} s block by {:?}",
        l.failed_logins.attempts, l.failed_logins.window, l.failed_logins.block
    );
    println!(
        "  rooms:         {} (validate {}, sync {:?}, appends up to {} bytes, rotate at {} keeping {})",
        cfg.chat.rooms.join(", "),
        cfg.chat.validate,
        cfg.chat.sync,
        cfg.chat.max_append_bytes,
        cfg.chat.rotate_bytes,
        cfg.chat.keep_bytes
    );
    let web = &cfg.web;
    println!(
        "  web:           {}",
        match (web.enabled, web.https) {
            (false, _) => "off".to_string(),
            (true, true) => format!("https on {}", web.listen.join(", ")),
            (true, false) =>
                format!("plain HTTP on {} (no WebCrypto in browsers off localhost)", web.listen.join(", ")),
        }
    );
    println!("  anonymous:     {}", if cfg.anonymous { "allowed, read-only" } else { "no" });
    println!("  users:         {}", cfg.users.len());
    for u in &cfg.users {
        println!(
            "    {:<16} home {}{}",
            u.name,
            cfg.home_of(u).display(),
            if u.read_only { ", read-only" } else { "" }
        );
    }
    if cfg.users.is_empty() && !cfg.anonymous {
        println!("  note: no users and no anonymous access: nobody can log in. Add one with `loft user add NAME`.");
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Config, ConfigError> {
        Config::parse(t, Path::new("/etc/loft/loft.toml"))
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse("root = \"/srv\"\n").unwrap();
        assert_eq!(c.root, PathBuf::from("/srv"));
        assert_eq!(c.tls.mode, TlsMode::Optional);
        assert_eq!(c.tls.cert, PathBuf::from("/etc/loft/loft.crt"));
        assert_eq!(c.chat.rooms, vec!["*.txt".to_string()]);
        assert_eq!(c.passive.port_range(), 50000..=50100);
    }

    #[test]
    fn unknown_key_is_named_with_line_and_column() {
        let e = parse("root = \"/srv\"\n\n[limits]\nmax_conections = 3\n").unwrap_err();
        assert_eq!(e.position, Some((4, 1)));
        assert_eq!(e.key.as_deref(), Some("limits.max_conections"));
        assert!(e.message.contains("unknown field"), "{e}");
    }

    #[test]
    fn wrong_type_is_named() {
        let e = parse("root = \"/srv\"\n[limits]\nmax_per_ip = \"four\"\n").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(3));
        assert_eq!(e.key.as_deref(), Some("limits.max_per_ip"));
    }

    #[test]
    fn bad_listen_address_points_at_the_element() {
        let e = parse("root = \"/srv\"\nlisten = [\"0.0.0.0:21\",\n  \"nonsense\"]\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("listen[1]"));
        assert_eq!(e.position, Some((3, 3)));
    }

    #[test]
    fn session_reuse_without_tls_points_at_the_key() {
        let e = parse("root = \"/srv\"\n[tls]\nmode = \"off\"\nrequire_session_reuse = true\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("tls.require_session_reuse"));
        assert_eq!(e.position.map(|p| p.0), Some(4));
        assert!(parse("root = \"/srv\"\n[tls]\nrequire_session_reuse = true\n").is_ok());
    }

    #[test]
    fn bad_user_password_points_at_the_user() {
        let t = "root = \"/srv\"\n[[users]]\nname = \"a\"\npassword = \"$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHQ$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI\"\n[[users]]\nname = \"b\"\npassword = \"plain text\"\n";
        let e = parse(t).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("users[1].password"));
        assert_eq!(e.position.map(|p| p.0), Some(7));
    }

    #[test]
    fn home_cannot_climb() {
        assert!(check_home("../etc").is_err());
        assert!(check_home("alice/../../x").is_err());
        assert!(check_home("alice").is_ok());
        assert!(check_home("/alice").is_ok());
    }

    #[test]
    fn port_range_is_checked() {
        let e = parse("root = \"/srv\"\n[passive]\nports = \"60000-50000\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("passive.ports"));
        assert_eq!(e.position.map(|p| p.0), Some(3));
    }

    #[test]
    fn times_take_units() {
        let c =
            parse("root = \"/srv\"\n[limits]\nidle_timeout = \"500ms\"\ndata_timeout = \"1.5s\"\nshutdown_grace = 3\n")
                .unwrap();
        assert_eq!(c.limits.idle_timeout, Duration::from_millis(500));
        assert_eq!(c.limits.data_timeout, Duration::from_millis(1500));
        assert_eq!(c.limits.shutdown_grace, Duration::from_secs(3));
        let c = parse("root = \"/srv\"\n[limits]\nidle_timeout = \"10m\"\n").unwrap();
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(600));
        assert_eq!(show_duration(Duration::from_millis(500)), "500 ms");
        assert_eq!(show_duration(Duration::from_secs(60)), "60 s");
        let e = parse("root = \"/srv\"\n[limits]\nidle_timeout = \"5 parsecs\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("limits.idle_timeout"));
        assert_eq!(e.position.map(|p| p.0), Some(3));
        assert!(e.message.contains("\"500ms\""), "{}", e.message);
        let e = parse("root = \"/srv\"\n[limits]\ndata_timeout = \"0ms\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("limits.data_timeout"));
    }

    #[test]
    fn rotation_settings_are_checked() {
        let c = parse("root = \"/srv\"\n").unwrap();
        assert_eq!(
            (c.chat.rotate_bytes, c.chat.keep_bytes, c.chat.keep_archives, c.chat.keep_days),
            (262144, 65536, 16, 7)
        );
        let e = parse("root = \"/srv\"\n[chat]\nrotate_bytes = 500\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("chat.rotate_bytes"));
        let e = parse("root = \"/srv\"\n[chat]\nrotate_bytes = 4096\nkeep_bytes = 4096\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("chat.keep_bytes"));
        assert!(parse("root = \"/srv\"\n[chat]\nrotate_bytes = 0\nkeep_bytes = 999999\n").is_ok());
        assert!(parse("root = \"/srv\"\n[chat]\nrotate_bytes = 4096\nkeep_bytes = 1024\n").is_ok());
    }
}
