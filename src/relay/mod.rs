//! `loft serve`: the relay.
//!
//! libunftp does the FTP protocol; Loft owns the accept loop. That is what makes these
//! possible, none of which libunftp offers: several listen addresses at once (IPv4 and
//! IPv6 side by side), connection caps answered with `421` before any session state
//! exists ([`limits`]), a graceful stop that waits for running transfers, and a reload
//! (SIGHUP) that applies to the next session without dropping the current ones.
//!
//! Each accepted connection gets its own libunftp `Server`, built from the live config
//! and served with `Server::service`. Building one is cheap (everything in it is an
//! `Arc`: the TLS config, the authenticator, the room registry), and it gives each
//! session its own storage backend instance, where per-session state can live.

pub mod auth;
pub mod limits;
pub(crate) mod rates;
pub mod site;
pub mod storage;
pub mod user;
#[cfg(feature = "web")]
mod web;

use crate::base::sync::Unpoison;
use crate::base::{cert, logging};
use crate::config::{self, Config, LogFormat, TlsMode};
use crate::room::{RoomSettings, Rooms};
use anyhow::{anyhow, Context as _, Result};
use auth::{LoftAuthenticator, Logins, UserTable};
use libunftp::options::{FtpsRequired, PassiveHost};
use libunftp::ServerBuilder;
use limits::Limiter;
use rates::{RateLimits, Rates};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use storage::{LoftStorage, StorageConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use user::{LoftUser, Provider};

/// Run the relay: FTP and explicit FTPS (AUTH TLS) for chat rooms and files.
///
/// Reads the config (-c PATH, else $LOFT_CONFIG, else /etc/loft/loft.toml), listens on
/// every address in `listen`, and serves until SIGTERM or SIGINT, when it stops accepting,
/// gives running transfers `limits.shutdown_grace` seconds, and exits 0. SIGHUP re-reads
/// the users, limits and chat settings without dropping sessions.
///
/// Logs go to stderr (text, or --log-format json), one line per login, transfer and
/// refused connection; the level is `log.level` in the config, or RUST_LOG.
///
/// Exit status: 0 after a clean stop, 1 if the relay cannot start (address in use,
/// unreadable certificate), 2 for a bad config.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Listen on ADDR:PORT instead of the config's `listen` (repeat for several).
    #[arg(long = "listen", value_name = "ADDR")]
    pub(crate) listen: Vec<String>,
    /// Serve the web client on ADDR:PORT instead of `[web] listen` (repeat for several).
    #[arg(long = "web-listen", value_name = "ADDR")]
    pub web_listen: Vec<String>,
    /// Serve this folder instead of the config's `root`.
    #[arg(long = "root", value_name = "DIR")]
    pub(crate) root: Option<PathBuf>,
    /// Log format (overrides `log.format`).
    #[arg(long = "log-format", value_enum, value_name = "FORMAT")]
    pub(crate) log_format: Option<LogFormat>,
}

/// What the config decides for the sessions that start now, built once per (re)load and
/// swapped whole on SIGHUP: a session keeps the snapshot it started with.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) config: Arc<Config>,
    pub users: Arc<UserTable>,
    pub(crate) storage: Arc<StorageConfig>,
    /// libunftp wants a `&'static str`; see [`Greetings`].
    pub(crate) greeting: &'static str,
}

/// The snapshot in force.
#[derive(Debug)]
pub(crate) struct Live {
    current: RwLock<Arc<Snapshot>>,
}

impl Live {
    pub(crate) fn get(&self) -> Arc<Snapshot> {
        self.current.read().unpoisoned().clone()
    }
}

/// Greetings made `'static` once per distinct text, so reloads do not leak one each.
#[derive(Debug, Default)]
struct Greetings(Mutex<HashMap<String, &'static str>>);

impl Greetings {
    fn get(&self, text: &str) -> &'static str {
        let mut known = self.0.lock().unpoisoned();
        if let Some(g) = known.get(text) {
            return g;
        }
        let g: &'static str = Box::leak(text.to_owned().into_boxed_str());
        known.insert(text.to_owned(), g);
        g
    }
}

/// Everything a connection needs to get its libunftp server. Only `live` changes on a
/// reload (and the room store's settings, which it keeps itself).
struct Relay {
    live: Live,
    logins: Arc<Logins>,
    limiter: Arc<Limiter>,
    rooms: Arc<Rooms>,
    rates: Arc<Rates>,
    /// Open data connections of every session, for the graceful stop.
    data_connections: libunftp::DataConnections,
    tls: Option<Arc<rustls::ServerConfig>>,
    greetings: Greetings,
    overrides: Overrides,
}

#[derive(Debug, Clone, Default)]
struct Overrides {
    listen: Vec<String>,
    web_listen: Vec<String>,
    root: Option<PathBuf>,
}

impl Overrides {
    fn apply(&self, cfg: &mut Config) {
        if !self.listen.is_empty() {
            cfg.listen = self.listen.clone();
        }
        if !self.web_listen.is_empty() {
            cfg.web.listen = self.web_listen.clone();
        }
        if let Some(r) = &self.root {
            cfg.root = r.clone();
        }
    }
}

impl Relay {
    fn new(cfg: Config, overrides: Overrides) -> Result<Relay> {
        let tls = match cfg.tls.mode {
            TlsMode::Off => None,
            _ => Some(cert::load(&cfg.tls.cert, &cfg.tls.key)?.config),
        };
        let rooms = Rooms::new(RoomSettings::from(&cfg.chat));
        let greetings = Greetings::default();
        let rates = Arc::new(Rates::default());
        let first = Relay::snapshot(cfg, &rooms, &rates, &greetings);
        Ok(Relay {
            live: Live { current: RwLock::new(Arc::new(first)) },
            logins: Arc::new(Logins::default()),
            limiter: Arc::new(Limiter::default()),
            rooms,
            rates,
            data_connections: libunftp::DataConnections::default(),
            tls,
            greetings,
            overrides,
        })
    }

    fn snapshot(cfg: Config, rooms: &Arc<Rooms>, rates: &Arc<Rates>, greetings: &Greetings) -> Snapshot {
        let storage = Arc::new(StorageConfig {
            rooms: rooms.clone(),
            rates: rates.clone(),
            rate_limits: RateLimits {
                messages: cfg.chat.max_messages_per_minute as u64,
                bytes: cfg.chat.max_bytes_per_minute,
            },
            patterns: StorageConfig::patterns(&cfg.chat.rooms),
            root: cfg.root.clone(),
            max_upload_bytes: cfg.limits.max_upload_bytes,
            max_append_bytes: cfg.chat.max_append_bytes,
        });
        Snapshot {
            users: Arc::new(UserTable::from_config(&cfg)),
            greeting: greetings.get(&cfg.greeting),
            storage,
            config: Arc::new(cfg),
        }
    }

    /// The authenticator for a session of `snap`, over the relay's shared login state.
    fn authenticator(&self, snap: &Snapshot) -> LoftAuthenticator {
        LoftAuthenticator { table: snap.users.clone(), logins: self.logins.clone() }
    }

    /// A libunftp server for one connection, from the snapshot in force now.
    fn server(&self, snap: &Snapshot) -> Result<libunftp::Server<LoftStorage, LoftUser>> {
        let cfg = &snap.config;
        let storage = snap.storage.clone();
        let provider = Arc::new(Provider { config: cfg.clone() });
        let generator = Box::new(move || LoftStorage::new(storage.clone()));
        let passive_host = match &cfg.passive.public_host {
            None => PassiveHost::FromConnection,
            Some(h) => match h.parse::<Ipv4Addr>() {
                Ok(ip) => PassiveHost::Ip(ip),
                Err(_) => PassiveHost::Dns(h.clone()),
            },
        };
        let mut b = ServerBuilder::<LoftStorage, LoftUser>::with_user_detail_provider(generator, provider)
            .authenticator(Arc::new(self.authenticator(snap)))
            .greeting(snap.greeting)
            .passive_ports(cfg.passive.port_range())
            .passive_host(passive_host)
            .idle_session_timeout_exact(cfg.limits.idle_timeout)
            .data_idle_timeout_exact(cfg.limits.data_timeout)
            .data_connections(self.data_connections.clone())
            .logger(logging::slog_bridge())
            .site_command("WAIT", site::WaitCommand)
            .site_command("SEEN", site::SeenCommand)
            .site_command("HELP", site::HelpCommand);
        if let Some(tls) = &self.tls {
            b = b.ftps_manual::<PathBuf>(tls.clone()).ftps_require_session_reuse(cfg.tls.require_session_reuse);
            if cfg.tls.mode == TlsMode::Required {
                b = b.ftps_required(FtpsRequired::All, FtpsRequired::All);
            }
        }
        b.build().map_err(|e| anyhow!("{e}"))
    }

    /// Re-reads the config file and applies what can change without a restart.
    fn reload(&self, path: &Path) {
        let mut cfg = match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("reload refused, keeping the running config: {e}");
                return;
            }
        };
        self.overrides.apply(&mut cfg);
        let old = self.live.get().config.clone();
        if cfg.listen != old.listen
            || cfg.web.listen != old.web.listen
            || cfg.web.enabled != old.web.enabled
            || cfg.web.https != old.web.https
            || cfg.tls.mode != old.tls.mode
            || cfg.tls.cert != old.tls.cert
            || cfg.root != old.root
        {
            tracing::warn!("listen, root, tls and web changes apply at the next restart");
            cfg.listen = old.listen.clone();
            cfg.web = old.web.clone();
            cfg.tls = old.tls.clone();
            cfg.root = old.root.clone();
        }
        let users = cfg.users.len();
        self.rooms.set_settings(RoomSettings::from(&cfg.chat));
        *self.live.current.write().unpoisoned() =
            Arc::new(Relay::snapshot(cfg, &self.rooms, &self.rates, &self.greetings));
        tracing::info!(users, "config reloaded");
    }

    async fn handle(self: Arc<Self>, stream: TcpStream, peer: SocketAddr) {
        let snap = self.live.get();
        let limits = &snap.config.limits;
        let slot = match self.limiter.acquire(peer.ip(), limits.max_connections, limits.max_per_ip) {
            Ok(s) => s,
            Err(refusal) => {
                tracing::warn!(target: "loft::conn", peer = %peer, "connection refused: {refusal}");
                let mut stream = stream;
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    let _ = stream.write_all(refusal.reply().as_bytes()).await;
                    let _ = stream.shutdown().await;
                })
                .await;
                return;
            }
        };
        tracing::debug!(target: "loft::conn", peer = %peer, "connection");
        // FTP is small request/reply lines: without NODELAY, Nagle and delayed ACKs add
        // ~40 ms to every exchange, which an FTPChat session (a login per message) pays often.
        let _ = stream.set_nodelay(true);
        match self.server(&snap) {
            Ok(server) => {
                if let Err(e) = server.service(stream).await {
                    tracing::debug!(target: "loft::conn", peer = %peer, "session ended: {e}");
                }
            }
            Err(e) => tracing::error!(target: "loft::conn", peer = %peer, "cannot serve: {e}"),
        }
        drop(slot);
    }
}

/// Binds one address; IPv6 sockets are IPv6-only so `0.0.0.0:21` and `[::]:21` can be
/// listened on together.
fn bind(addr: SocketAddr) -> Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let domain = if addr.is_ipv6() { Domain::IPV6 } else { Domain::IPV4 };
    let s = Socket::new(domain, Type::STREAM, None)?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    s.set_reuse_address(true)?;
    s.set_nonblocking(true)?;
    s.bind(&addr.into()).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                ": the address is in use (another FTP server?); choose another with --listen or `listen`"
            }
            std::io::ErrorKind::PermissionDenied => {
                ": ports below 1024 need root or CAP_NET_BIND_SERVICE; or listen on 2121"
            }
            std::io::ErrorKind::AddrNotAvailable => ": this machine has no such address",
            _ => "",
        };
        anyhow!("cannot listen on {addr}: {e}{hint}")
    })?;
    s.listen(1024)?;
    Ok(TcpListener::from_std(s.into())?)
}

/// Tells systemd (Type=notify) that the relay is ready, when run under it.
fn sd_notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
    let sock = match std::os::unix::net::UnixDatagram::unbound() {
        Ok(s) => s,
        Err(_) => return,
    };
    let bytes = path.as_encoded_bytes();
    let r = if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name).and_then(|a| sock.send_to_addr(state.as_bytes(), &a))
    } else {
        sock.send_to(state.as_bytes(), Path::new(&path))
    };
    if let Err(e) = r {
        tracing::debug!("sd_notify: {e}");
    }
}

/// What can stop the relay from starting or running.
#[derive(Debug)]
pub enum Error {
    /// The config is wrong (exit status 2).
    Config(config::Error),
    /// The relay could not start or went wrong: address in use, unreadable certificate (1).
    Start(anyhow::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Start(e) => write!(f, "{e:#}"),
        }
    }
}

impl crate::base::exit::Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Config(e) => e.exit_code(),
            Error::Start(_) => 1,
        }
    }
}

/// `loft serve`.
pub fn run(args: ServeArgs) -> Result<u8, Error> {
    let path = config::resolve_path(args.config.as_deref());
    let mut cfg = Config::load(&path).map_err(|e| Error::Config(e.into()))?;
    let overrides =
        Overrides { listen: args.listen.clone(), web_listen: args.web_listen.clone(), root: args.root.clone() };
    overrides.apply(&mut cfg);
    for a in cfg.listen.iter().chain(&args.web_listen) {
        if a.parse::<SocketAddr>().is_err() {
            return Err(Error::Config(config::Error::Usage(format!(
                "--listen {a:?}: expected ADDRESS:PORT, like 0.0.0.0:2121 or [::]:2121"
            ))));
        }
    }
    logging::init(cfg.log.level.as_deref(), args.log_format.unwrap_or(cfg.log.format));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Start(anyhow!("cannot start the runtime: {e}")))?;
    let result = rt.block_on(serve(cfg, path, overrides));
    rt.shutdown_timeout(Duration::from_secs(1));
    result.map(|()| 0).map_err(|e| {
        tracing::error!("{e:#}");
        Error::Start(e)
    })
}

/// Serves until SIGTERM/SIGINT.
async fn serve(cfg: Config, path: PathBuf, overrides: Overrides) -> Result<()> {
    // Signals first: a SIGHUP that arrived before its handler (a reload right after the
    // start, as `systemctl reload` or a script may send) would end the process.
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    std::fs::create_dir_all(&cfg.root)
        .with_context(|| format!("cannot create the root folder {}", cfg.root.display()))?;
    let mut listeners = Vec::new();
    for a in &cfg.listen {
        let addr: SocketAddr = a.parse().map_err(|_| anyhow!("bad listen address {a:?}"))?;
        listeners.push(bind(addr)?);
    }
    let web_addrs: Vec<SocketAddr> = if cfg.web.enabled && cfg!(feature = "web") {
        cfg.web
            .listen
            .iter()
            .map(|a| a.parse().map_err(|_| anyhow!("bad [web] listen address {a:?}")))
            .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let mut web_listeners = Vec::new();
    for addr in web_addrs {
        web_listeners.push(bind(addr).map_err(|e| anyhow!("[web] {e:#} (or set [web] enabled = false)"))?);
    }
    if cfg.web.enabled && !cfg!(feature = "web") {
        tracing::info!("this build has no web client (cargo feature `web`); [web] is ignored");
    }
    let tls_mode = cfg.tls.mode;
    let grace = cfg.limits.shutdown_grace;
    let relay = Arc::new(Relay::new(cfg, overrides)?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    for l in listeners {
        let addr = l.local_addr()?;
        tracing::info!(target: "loft::conn", "listening on {addr} (FTP, TLS {})", match tls_mode {
            TlsMode::Off => "off",
            TlsMode::Optional => "optional",
            TlsMode::Required => "required",
        });
        let relay = relay.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    r = l.accept() => match r {
                        Ok((stream, peer)) => {
                            tokio::spawn(relay.clone().handle(stream, peer));
                        }
                        Err(e) => {
                            // Out of file descriptors, most likely: back off, do not spin.
                            tracing::warn!(target: "loft::conn", "accept failed: {e}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        });
    }
    #[cfg(feature = "web")]
    if !web_listeners.is_empty() {
        let web = web::Web::new(relay.clone())?;
        for l in web_listeners {
            tracing::info!(target: "loft::conn", "listening on {} (web, {})", l.local_addr()?, web.scheme());
            tokio::spawn(web.clone().accept_loop(l, stop_rx.clone()));
        }
    }
    #[cfg(not(feature = "web"))]
    drop(web_listeners);
    sd_notify("READY=1");

    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => relay.reload(&path),
        }
    }
    sd_notify("STOPPING=1");
    let _ = stop_tx.send(true);
    // A transfer is running from its data connection's accept (the client may already have
    // its 150 before the storage backend is called) until the backend is done with it.
    let busy = || relay.data_connections.open();
    let running = busy();
    tracing::info!(
        transfers = running,
        sessions = relay.limiter.active(),
        "stopping: no new connections; waiting up to {} s for transfers",
        grace.as_secs()
    );
    let deadline = Instant::now() + grace;
    while busy() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left = busy();
    if left > 0 {
        tracing::warn!(
            transfers = left,
            fsyncs = relay.rooms.fsyncs(),
            "grace period over: stopping with transfers still running"
        );
    } else {
        tracing::info!(fsyncs = relay.rooms.fsyncs(), "stopped cleanly");
    }
    Ok(())
}
