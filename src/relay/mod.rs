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
pub mod invites;
pub mod limits;
mod listen;
pub(crate) mod rates;
mod serve;
mod server;
pub mod site;
pub mod storage;
pub mod user;
#[cfg(feature = "web")]
mod web;

pub use serve::{run, runtime, Overrides, ServeArgs};
pub use server::{Handle, Server};

use crate::base::logging;
use crate::base::sync::Unpoison;
use crate::config::{self, Config, TlsMode};
use crate::room::{RoomSettings, Rooms};
use anyhow::{anyhow, Result};
use auth::{LoftAuthenticator, Logins, UserTable};
use libunftp::options::{FtpsRequired, PassiveHost};
use libunftp::ServerBuilder;
use limits::Limiter;
use rates::{RateLimits, Rates};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use storage::{LoftStorage, StorageConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use user::{LoftUser, Provider};

/// What the config decides for the sessions that start now, built once per (re)load and
/// swapped whole on SIGHUP: a session keeps the snapshot it started with.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) config: Arc<Config>,
    pub users: Arc<UserTable>,
    pub(crate) storage: Arc<StorageConfig>,
    /// The homes made and resolved at logins under this config.
    pub(crate) homes: Arc<user::Homes>,
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
    /// Uploads of files in progress, against quotas (see [`crate::base::space`]).
    space: Arc<crate::base::space::Ledger>,
    /// Read receipts marked through the web API, per member: each one that moves an
    /// offset rewrites the room's receipts file, so they are counted like appends.
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    receipts: Rates,
    /// Open data connections of every session, for the graceful stop.
    data_connections: libunftp::DataConnections,
    tls: Option<Arc<rustls::ServerConfig>>,
    greetings: Greetings,
    /// One reload at a time: a reload of the users after an invite (which reads the file
    /// and keeps the rest of the running config) must not interleave with another, or
    /// with a SIGHUP, and undo it.
    reloading: Mutex<()>,
}

impl Relay {
    fn new(mut cfg: Config) -> Result<Relay> {
        storage::size_from_disk(&mut cfg);
        let tls = match cfg.tls.mode {
            TlsMode::Off => None,
            _ => Some(crate::config::cert::server_tls(&cfg.tls)?.config),
        };
        let rooms = Rooms::new(RoomSettings::from(&cfg.chat));
        let greetings = Greetings::default();
        let rates = Arc::new(Rates::default());
        let space = Arc::default();
        let first = Relay::snapshot(cfg, &rooms, &rates, &space, &greetings);
        Ok(Relay {
            live: Live { current: RwLock::new(Arc::new(first)) },
            logins: Arc::new(Logins::default()),
            limiter: Arc::new(Limiter::default()),
            rooms,
            rates,
            space,
            receipts: Rates::default(),
            data_connections: libunftp::DataConnections::default(),
            tls,
            greetings,
            reloading: Mutex::new(()),
        })
    }

    fn snapshot(
        cfg: Config,
        rooms: &Arc<Rooms>,
        rates: &Arc<Rates>,
        space: &Arc<crate::base::space::Ledger>,
        greetings: &Greetings,
    ) -> Snapshot {
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
            space: space.clone(),
            reserve: cfg.limits.disk_reserve.unwrap_or(0),
        });
        Snapshot {
            users: Arc::new(UserTable::from_config(&cfg)),
            greeting: greetings.get(&cfg.greeting),
            storage,
            homes: Arc::default(),
            config: Arc::new(cfg),
        }
    }

    /// The authenticator for a session of `snap`, over the relay's shared login state.
    fn authenticator(&self, snap: &Snapshot) -> LoftAuthenticator {
        LoftAuthenticator { table: snap.users.clone(), logins: self.logins.clone() }
    }

    /// A libunftp server for one connection, from the snapshot in force now.
    fn server(&self, snap: &Snapshot, peer: SocketAddr) -> Result<libunftp::Server<LoftStorage, LoftUser>> {
        let cfg = &snap.config;
        let storage = snap.storage.clone();
        let peer = peer.ip();
        let provider = Arc::new(Provider { config: cfg.clone(), homes: snap.homes.clone() });
        let generator = Box::new(move || LoftStorage::new(storage.clone(), peer));
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

    /// Applies a new config: what can change without a restart takes effect for the
    /// sessions that start from now on; listen addresses, root, TLS and web wait for one.
    fn reload(&self, cfg: Config) {
        let _one = self.reloading.lock().unpoisoned();
        self.reload_locked(cfg);
    }

    fn reload_locked(&self, mut cfg: Config) {
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
        #[cfg(feature = "cluster")]
        keep_cluster_keys(&old, &mut cfg);
        storage::size_from_disk(&mut cfg);
        let users = cfg.users.len();
        if cfg.limits.max_connections != old.limits.max_connections {
            self.limiter.fit_to_open_files(limits::open_files(), &cfg.limits);
        }
        self.rooms.set_settings(RoomSettings::from(&cfg.chat));
        *self.live.current.write().unpoisoned() =
            Arc::new(Relay::snapshot(cfg, &self.rooms, &self.rates, &self.space, &self.greetings));
        tracing::info!(users, "config reloaded");
    }

    #[cfg(feature = "web")]
    /// Applies the users of the config file as it is now (after an invite added one),
    /// keeping everything else of the running config, command-line overrides included.
    pub(crate) fn reload_users(&self) -> Result<(), String> {
        let _one = self.reloading.lock().unpoisoned();
        let running = self.live.get().config.clone();
        let source = running.source.as_ref().ok_or("this relay was not started from a config file")?;
        let fresh = Config::load(source).map_err(|e| e.to_string())?;
        let mut cfg = (*running).clone();
        cfg.users = fresh.users;
        self.reload_locked(cfg);
        Ok(())
    }

    async fn handle(self: Arc<Self>, stream: TcpStream, peer: SocketAddr) {
        let snap = self.live.get();
        let limits = &snap.config.limits;
        let slot = match self.limiter.acquire(peer.ip(), limits) {
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
        match self.server(&snap, peer) {
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

/// Cluster mode on SIGHUP: the link to NATS is made at start and kept (`[cluster]`
/// changes wait for a restart), and the `[chat]` rotation keys stay as the cluster
/// checked them (a relay rotating differently from the others would diverge from them).
#[cfg(feature = "cluster")]
fn keep_cluster_keys(old: &Config, cfg: &mut Config) {
    if cfg.cluster != old.cluster {
        tracing::warn!(target: "loft::cluster", "[cluster] changed: it takes effect at the next restart; the running cluster link is kept");
        cfg.cluster = old.cluster.clone();
    }
    let keys = |c: &Config| (c.chat.rotate_bytes, c.chat.keep_bytes, c.chat.keep_archives, c.chat.keep_days);
    if old.cluster.is_some() && keys(cfg) != keys(old) {
        tracing::warn!(target: "loft::cluster", "[chat] rotate_bytes, keep_bytes, keep_archives and keep_days must be the same on every relay of a cluster and cannot change for a running group: the running values are kept");
        cfg.chat.rotate_bytes = old.chat.rotate_bytes;
        cfg.chat.keep_bytes = old.chat.keep_bytes;
        cfg.chat.keep_archives = old.chat.keep_archives;
        cfg.chat.keep_days = old.chat.keep_days;
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
