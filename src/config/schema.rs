//! The sections and keys of `loft.toml`, and their defaults.
//!
//! A section that may be left out has `#[serde(default)]` on the container: a missing key
//! takes its value from the section's `impl Default`, the one place each default is
//! written. `loft init`'s template shows them commented out, and a test uncomments each to
//! check it is the default indeed; docs/config.md describes every key.

use super::duration::deserialize as duration;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
    /// Cluster mode: rooms replicated through NATS JetStream (docs/cluster.md). Absent:
    /// a relay on its own, as always.
    #[serde(default)]
    #[cfg(feature = "cluster")]
    pub(crate) cluster: Option<ClusterConfig>,
    /// Without the `cluster` feature the section is only noticed, and refused by name
    /// (its keys are not read: the router builds carry no code for them).
    #[serde(default)]
    #[cfg(not(feature = "cluster"))]
    pub(crate) cluster: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub(crate) users: Vec<UserEntry>,
    /// A second file of `[[users]]`, read with this one, where accounts made by invites
    /// go (with the invites themselves beside it): a place the relay may write when the
    /// config is not (a systemd unit's /etc, OpenWrt's config made from UCI at each start).
    /// Unset: invites add their users to this file. Missing: no users yet.
    #[serde(default)]
    pub(crate) users_file: Option<PathBuf>,
    /// The file this config was read from (not a key): invites write their users there.
    #[serde(skip)]
    pub(crate) source: Option<PathBuf>,
}

#[cfg(feature = "cluster")]
/// `[cluster]`: the NATS servers that hold the rooms' log, and how to reach them. The
/// section is read by every build, so that a build without the `cluster` feature refuses
/// it by name instead of serving the rooms alone.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterConfig {
    /// `nats://HOST:PORT` or `tls://HOST:PORT`, one or more nodes of one NATS cluster.
    pub(crate) servers: Vec<String>,
    /// Prefix of the stream and subjects: Loft groups sharing one NATS differ by it.
    #[serde(default = "default_cluster_name")]
    pub(crate) name: String,
    /// How many NATS nodes hold each message (1, 3 or 5; an odd number for a quorum).
    #[serde(default = "default_replicas")]
    pub(crate) replicas: usize,
    /// User and password, if the NATS servers ask for them.
    #[serde(default)]
    pub(crate) user: Option<String>,
    #[serde(default)]
    pub(crate) password: Option<String>,
    /// A token, if the NATS servers ask for one.
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// A file holding an nkey seed (`SU…`), if the NATS servers authenticate by nkey.
    #[serde(default)]
    pub(crate) nkey_seed_file: Option<PathBuf>,
    /// The CA that signs the NATS servers' certificates (`tls://` servers).
    #[serde(default)]
    pub(crate) tls_ca: Option<PathBuf>,
    /// A client certificate and its key, if the NATS servers ask for one.
    #[serde(default)]
    pub(crate) tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub(crate) tls_key: Option<PathBuf>,
    /// How long an append waits for the cluster to confirm it, and for this relay to have
    /// it, before the client is told to retry.
    #[serde(default = "default_cluster_timeout", deserialize_with = "duration")]
    pub(crate) timeout: Duration,
    /// The most bytes the rooms' stream keeps (0: no bound but its age, `[chat]
    /// keep_days`); the oldest messages go first. Rebuilds start from the rooms'
    /// checkpoints, so the stream needs only the messages since the last one.
    #[serde(default)]
    pub(crate) max_bytes: u64,
    /// How often each room's checkpoint is stored in the cluster (when it changed).
    #[serde(default = "default_checkpoint_every", deserialize_with = "duration")]
    pub(crate) checkpoint_every: Duration,
    /// At start, how long a relay with a replica waits to catch up with the stream when
    /// NATS does not answer, before it serves its replica (appends refused until NATS is
    /// back). A relay that has applied nothing of the stream waits for NATS however long.
    #[serde(default = "default_catch_up", deserialize_with = "duration")]
    pub(crate) catch_up: Duration,
}

#[cfg(feature = "cluster")]
fn default_cluster_name() -> String {
    "loft".into()
}
#[cfg(feature = "cluster")]
fn default_replicas() -> usize {
    3
}
#[cfg(feature = "cluster")]
fn default_cluster_timeout() -> Duration {
    Duration::from_secs(10)
}
#[cfg(feature = "cluster")]
fn default_checkpoint_every() -> Duration {
    Duration::from_secs(60)
}
#[cfg(feature = "cluster")]
fn default_catch_up() -> Duration {
    Duration::from_secs(30)
}

/// The chat page and its HTTP API, served by the relay (`[web]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct WebConfig {
    /// Serve the web client at all.
    pub(crate) enabled: bool,
    /// Addresses for HTTPS; IPv4 and IPv6 together are fine.
    pub(crate) listen: Vec<String>,
    /// HTTPS with the relay's certificate (`[tls] cert`/`key`). `false` serves plain HTTP,
    /// where browsers give the page no WebCrypto except on localhost: only for a proxy
    /// that does TLS in front.
    pub(crate) https: bool,
    /// Reverse proxies in front of the page, by address: a request from one of them is
    /// taken to come from the address its `X-Forwarded-For` names (for failed logins,
    /// sessions and rate limits), and its connections count for `max_connections` only.
    /// Empty unless set: a header from anyone else is ignored.
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,
    /// A request body may pause this long at most (then `408`, and the connection ends).
    #[serde(deserialize_with = "duration")]
    pub(crate) body_timeout: Duration,
    /// A response the client does not read for this long ends the connection.
    #[serde(deserialize_with = "duration")]
    pub(crate) write_timeout: Duration,
    /// A request may take this long in all, from its headers to its answer's start
    /// (then `503`); a long poll waits 60 s at most, an upload streams within it.
    #[serde(deserialize_with = "duration")]
    pub(crate) request_timeout: Duration,
    /// `HOST` or `HOST:PORT` that invite links name (the router's name or address as
    /// phones reach it). Unset: the relay's first LAN address and its web port.
    pub(crate) public_host: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            enabled: true,
            listen: default_web_listen(),
            https: true,
            trusted_proxies: Vec::new(),
            body_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
            public_host: None,
        }
    }
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

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogConfig {
    /// `error`, `warn`, `info`, `debug`, `trace`, or a tracing filter; `RUST_LOG` wins.
    pub(crate) level: Option<String>,
    #[serde(default)]
    pub(crate) format: LogFormat,
}

pub(crate) use crate::base::logging::LogFormat;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TlsConfig {
    pub(crate) mode: TlsMode,
    /// PEM certificate chain; default `loft.crt` beside the config.
    pub(crate) cert: PathBuf,
    /// PEM private key; default `loft.key` beside the config.
    pub(crate) key: PathBuf,
    /// A TLS data connection must resume its control connection's TLS session (as
    /// vsftpd's `require_ssl_reuse`): ties it to its session behind one NAT. FTPChat
    /// (Python's ftplib) never resumes, so this refuses its TLS transfers: opt-in.
    pub(crate) require_session_reuse: bool,
    /// The local certificate authority that signs `cert` (`loft init`, `loft cert renew
    /// --ca`): phones and browsers trust it once, then every renewal of `cert`. Missing:
    /// `cert` is a lone self-signed certificate, as installs before the CA had.
    pub(crate) ca_cert: PathBuf,
    /// The CA's private key (0600); it never leaves the relay.
    pub(crate) ca_key: PathBuf,
    /// Names the certificate carries besides the host name, `localhost` and the
    /// addresses of the relay's interfaces (a DNS name the router is reached by).
    pub(crate) names: Vec<String>,
    /// Clients that accept Ed25519 get a twin of `cert` with an Ed25519 key, made from the
    /// CA at start (see `base::cert::ca::ed25519_twin`): a cheaper handshake on a 32-bit
    /// router. Default: [`crate::base::cert::ED25519_BY_DEFAULT`].
    pub(crate) ed25519: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            mode: TlsMode::default(),
            cert: "loft.crt".into(),
            key: "loft.key".into(),
            require_session_reuse: false,
            ca_cert: "loft-ca.crt".into(),
            ca_key: "loft-ca.key".into(),
            names: Vec::new(),
            ed25519: crate::base::cert::ED25519_BY_DEFAULT,
        }
    }
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

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct PassiveConfig {
    /// Port range for passive data connections, `"FIRST-LAST"`.
    pub(crate) ports: String,
    /// Address or host name to announce in PASV replies (the router's public side behind NAT).
    /// Default: the address the client connected to.
    pub(crate) public_host: Option<String>,
}

impl Default for PassiveConfig {
    fn default() -> Self {
        PassiveConfig { ports: "50000-50100".into(), public_host: None }
    }
}

impl PassiveConfig {
    /// The parsed port range (validated at load).
    pub(crate) fn port_range(&self) -> std::ops::RangeInclusive<u16> {
        parse_port_range(&self.ports).unwrap_or(50000..=50100)
    }
}

pub(super) fn parse_port_range(s: &str) -> Result<std::ops::RangeInclusive<u16>, String> {
    let (a, b) =
        s.split_once('-').ok_or_else(|| format!("expected \"FIRST-LAST\", like \"50000-50100\", got {s:?}"))?;
    let a: u16 = a.trim().parse().map_err(|_| format!("{a:?} is not a port number (1-65535)"))?;
    let b: u16 = b.trim().parse().map_err(|_| format!("{b:?} is not a port number (1-65535)"))?;
    if a == 0 || a > b {
        return Err(format!("expected 1 <= FIRST <= LAST, got {a}-{b}"));
    }
    Ok(a..=b)
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Sessions at once, all addresses together; more get `421`. Lowered to what the
    /// open-file limit carries ([`crate::relay::limits`]).
    pub max_connections: usize,
    /// Sessions at once from one address; more get `421`.
    pub(crate) max_per_ip: usize,
    /// An IPv6 client counts for `max_per_ip` by this many leading bits of its address:
    /// 64 (a home network) unless set; 128 counts each address.
    pub(crate) ipv6_prefix: u8,
    /// Seconds a session may stay silent before it is closed.
    #[serde(deserialize_with = "duration")]
    pub(crate) idle_timeout: Duration,
    /// Seconds a data connection may move less than 1 KiB (a client that opens one and
    /// sends nothing, or trickles) before its transfer is aborted with `426`.
    #[serde(deserialize_with = "duration")]
    pub data_timeout: Duration,
    /// Largest file a client may upload, in bytes (0: no limit).
    pub(crate) max_upload_bytes: u64,
    /// What a user's home may hold in all, in bytes, for uploads of files, shared files
    /// in its rooms included (0: no limit; each user can override it with `quota_bytes`).
    /// Unset: a quarter of the file system holding the root, measured at start and on
    /// reload. Rooms grow by appends, which `[chat]` limits.
    pub(crate) quota_bytes: Option<u64>,
    /// Free space kept for room appends: below it, uploads of files are refused (0: no
    /// reserve). Unset: 5% of the file system holding the root, at least 16 MiB and at
    /// most 1 GiB.
    pub(crate) disk_reserve: Option<u64>,
    /// Seconds that running transfers get to finish on SIGTERM.
    #[serde(deserialize_with = "duration")]
    pub(crate) shutdown_grace: Duration,
    pub(crate) failed_logins: FailedLogins,
    /// Threads that run the sessions, 1 to 64; 0 (the default): one per core, at most
    /// two. One thread (a one-core router) runs every session on it, with no hand-offs
    /// between threads; a second core's thread adds throughput under load. Writes and
    /// fsyncs run on threads of their own whatever this says. Read at start; a reload
    /// does not change it.
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 64,
            max_per_ip: 16,
            ipv6_prefix: 64,
            idle_timeout: Duration::from_secs(600),
            data_timeout: Duration::from_secs(60),
            max_upload_bytes: 64 * 1024 * 1024,
            quota_bytes: None,
            disk_reserve: None,
            shutdown_grace: Duration::from_secs(10),
            failed_logins: FailedLogins::default(),
            threads: 0,
        }
    }
}

/// After `attempts` failed logins within `window` seconds, logins are refused for `window`
/// seconds, for the address, the user name, or the pair, as `block` says.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FailedLogins {
    pub(crate) attempts: u32,
    pub(crate) window: u64,
    pub(crate) block: BlockBy,
}
impl Default for FailedLogins {
    fn default() -> Self {
        FailedLogins { attempts: 5, window: 300, block: BlockBy::default() }
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
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ChatConfig {
    /// Glob patterns, relative to a user's home, of the files that are rooms.
    pub(crate) rooms: Vec<String>,
    /// Refuse room lines that are not well-formed Fernet tokens.
    pub(crate) validate: bool,
    /// When an append is durable before `226`: `always`, `batch` (group commit), `never`.
    pub(crate) sync: SyncPolicy,
    /// Largest single append to a room, in bytes (larger: `552`).
    pub(crate) max_append_bytes: usize,
    /// Let users delete, rename or overwrite rooms (each user can override this).
    pub(crate) allow_delete: bool,
    /// Rotate a room once its live file is longer than this (bytes; 0 = never).
    pub(crate) rotate_bytes: u64,
    /// What a rotated room's live file keeps (bytes, cut at a line boundary).
    pub(crate) keep_bytes: u64,
    /// Archives kept per room beyond `keep_days` (0 = no limit): older ones are pruned,
    /// oldest first.
    pub(crate) keep_archives: usize,
    /// No archive younger than this many days is pruned, whatever `keep_archives` says,
    /// so nobody can push a room's recent history out by posting a lot; 0 lets the count
    /// alone decide.
    pub(crate) keep_days: u64,
    /// What one room may hold, archives and live part together (bytes; 0 = no limit).
    /// An append past it is refused (`452`) and logged, rather than deleting history.
    pub(crate) max_room_bytes: u64,
    /// Messages (lines) one user may append per minute from one address, to all rooms (0 = no limit).
    pub(crate) max_messages_per_minute: u32,
    /// Bytes one user may append per minute from one address, to all rooms (0 = no limit).
    pub(crate) max_bytes_per_minute: u64,
    /// Largest shared file, original size in bytes (0: file sharing off).
    pub(crate) max_file_bytes: u64,
    /// What one room's shared files may take on disk, in bytes (0: no limit).
    pub(crate) files_quota_bytes: u64,
}
impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            rooms: vec!["*.txt".into()],
            validate: true,
            sync: SyncPolicy::default(),
            max_append_bytes: 64 * 1024,
            allow_delete: false,
            rotate_bytes: 256 * 1024,
            keep_bytes: 64 * 1024,
            keep_archives: 16,
            keep_days: 7,
            max_room_bytes: 64 * 1024 * 1024,
            max_messages_per_minute: 120,
            max_bytes_per_minute: 512 * 1024,
            max_file_bytes: 16 * 1024 * 1024,
            files_quota_bytes: 256 * 1024 * 1024,
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

/// One `[[users]]` entry. Its `Debug` leaves the password hash out: libunftp's debug
/// logs print whole sessions, and an offline guess needs only the hash.
#[derive(Clone, Deserialize, PartialEq, Eq)]
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
    /// May make invite links from the page; default: users that are not read-only.
    #[serde(default)]
    pub(crate) may_invite: Option<bool>,
    /// One person's own account (made by an invite): rate limits and the room budget
    /// count for the user wherever they connect from. Unset, an account may be shared
    /// by a group, as FTPChat's is, and counts per client address.
    #[serde(default)]
    pub(crate) personal: bool,
    /// Who invited this user (set when an invite is redeemed; shown in `loft user list`).
    #[serde(default)]
    pub(crate) invited_by: Option<String>,
}

impl std::fmt::Debug for UserEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserEntry")
            .field("name", &self.name)
            .field("password", &"(hash not shown)")
            .field("home", &self.home)
            .field("read_only", &self.read_only)
            .field("allow_delete", &self.allow_delete)
            .field("quota_bytes", &self.quota_bytes)
            .field("may_invite", &self.may_invite)
            .field("personal", &self.personal)
            .field("invited_by", &self.invited_by)
            .finish()
    }
}

impl Config {
    /// The absolute home folder of a user (root joined with their `home`).
    pub(crate) fn home_of(&self, user: &UserEntry) -> PathBuf {
        match &user.home {
            Some(h) if !h.is_empty() => self.root.join(h.trim_start_matches('/')),
            _ => self.root.clone(),
        }
    }
}
