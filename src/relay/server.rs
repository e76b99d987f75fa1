//! [`Server`]: the relay as a value a program (or a test) holds.
//!
//! `loft serve` is config + logging + signals + [`Server::bind`] + [`Server::run`]; a test
//! does the same without the process around it: bind on `127.0.0.1:0`, read the
//! addresses back, run until a future of its own completes, and reload through a
//! [`Handle`] instead of SIGHUP. Nothing here touches process-wide state (no global
//! logger, no signal handler, no runtime of its own), so several relays can live in one
//! process, as in the integration tests. This is tokio's mini-redis `server::run(listener,
//! shutdown)`, with the binding split out so the ports are known before serving.

use super::listen::{self, accept_loop, Door};
use super::Relay;
use crate::config::{Config, TlsMode};
use anyhow::{anyhow, Context as _, Result};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// A relay with its listeners bound and nothing served yet.
pub struct Server {
    relay: Arc<Relay>,
    ftp: Vec<std::net::TcpListener>,
    web: Vec<std::net::TcpListener>,
    #[cfg(feature = "web")]
    page: Option<Arc<super::web::Web>>,
}

/// Reaches a running [`Server`] from outside it: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct Handle {
    relay: Arc<Relay>,
}

impl Handle {
    /// Applies `cfg` as a SIGHUP does: users, limits and chat settings take effect for
    /// the sessions that start from now on (running ones keep theirs); a change of listen
    /// addresses, root, TLS or web waits for a restart, and says so in the log.
    pub fn reload(&self, cfg: Config) {
        self.relay.reload(cfg);
    }

    /// Sessions (FTP and web connections) holding a slot right now.
    pub fn sessions(&self) -> usize {
        self.relay.limiter.active()
    }
}

impl Server {
    /// Creates the root folder, loads the certificate and binds every FTP and web
    /// address of `cfg` (port 0 takes a free port). Must be called inside a tokio
    /// runtime only if the caller wants to [`run`](Server::run) it there.
    pub fn bind(cfg: &Config) -> Result<Server> {
        std::fs::create_dir_all(&cfg.root)
            .with_context(|| format!("cannot create the root folder {}", cfg.root.display()))?;
        let mut ftp = Vec::new();
        for a in &cfg.listen {
            let addr: SocketAddr =
                a.parse().map_err(|_| anyhow!("bad listen address {a:?}: expected ADDRESS:PORT, like 0.0.0.0:2121"))?;
            ftp.push(listen::bind(addr)?);
        }
        let mut web = Vec::new();
        if cfg.web.enabled && cfg!(feature = "web") {
            for a in &cfg.web.listen {
                let addr: SocketAddr = a.parse().map_err(|_| anyhow!("bad [web] listen address {a:?}"))?;
                web.push(listen::bind(addr).map_err(|e| anyhow!("[web] {e:#} (or set [web] enabled = false)"))?);
            }
        }
        if cfg.web.enabled && !cfg!(feature = "web") {
            tracing::info!("this build has no web client (cargo feature `web`); [web] is ignored");
        }
        refresh_certificate(cfg);
        let relay = Arc::new(Relay::new(cfg.clone())?);
        relay.limiter.fit_to_open_files(super::limits::open_files(), &cfg.limits);
        #[cfg(feature = "web")]
        let page = if web.is_empty() { None } else { Some(super::web::Web::new(relay.clone())?) };
        Ok(Server {
            relay,
            ftp,
            web,
            #[cfg(feature = "web")]
            page,
        })
    }

    /// The FTP addresses, as bound (a port 0 of the config is the real port here).
    pub fn ftp_addrs(&self) -> Vec<SocketAddr> {
        self.ftp.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// The web page's addresses, as bound; none when `[web]` is off or not built in.
    pub fn web_addrs(&self) -> Vec<SocketAddr> {
        self.web.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// A handle to reload the running server or look at it.
    pub fn handle(&self) -> Handle {
        Handle { relay: self.relay.clone() }
    }

    /// Serves until `shutdown` completes; then stops accepting on every listener, gives
    /// running transfers `limits.shutdown_grace` to finish, and returns. Sessions still
    /// open after that end with the runtime.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let relay = self.relay;
        let snap = relay.live.get();
        let tls = match snap.config.tls.mode {
            TlsMode::Off => "off",
            TlsMode::Optional => "optional",
            TlsMode::Required => "required",
        };
        let grace = snap.config.limits.shutdown_grace;
        // Cluster mode: catch up with the rooms' stream before serving (at most `[cluster]
        // catch_up` when NATS cannot be reached: the replica is served, appends refused
        // until it can; a relay with no replica yet waits for NATS however long).
        #[cfg(feature = "cluster")]
        let cluster = match &snap.config.cluster {
            Some(c) => {
                let cluster = crate::cluster::Cluster::start(
                    c,
                    &snap.config.root,
                    &snap.config.chat.rooms,
                    relay.rooms.clone(),
                    c.catch_up,
                )
                .await
                .context("[cluster]")?;
                tracing::info!(target: "loft::cluster", applied = cluster.applied(), "cluster mode: rooms replicated through NATS JetStream");
                relay.rooms.set_replicator(cluster.clone());
                Some(cluster)
            }
            None => None,
        };
        drop(snap);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        for l in self.ftp {
            let l = TcpListener::from_std(l)?;
            tracing::info!(target: "loft::conn", "listening on {} (FTP, TLS {tls})", l.local_addr()?);
            let relay = relay.clone();
            tokio::spawn(accept_loop(l, Door::Ftp, stop_rx.clone(), move |stream, peer| {
                relay.clone().handle(stream, peer)
            }));
        }
        #[cfg(feature = "web")]
        if let Some(page) = self.page {
            for l in self.web {
                let l = TcpListener::from_std(l)?;
                tracing::info!(target: "loft::conn", "listening on {} (web, {})", l.local_addr()?, page.scheme());
                let page = page.clone();
                tokio::spawn(accept_loop(l, Door::Web, stop_rx.clone(), move |stream, peer| {
                    page.clone().handle(stream, peer)
                }));
            }
        }
        #[cfg(not(feature = "web"))]
        drop(self.web);

        shutdown.await;
        let _ = stop_tx.send(true);
        #[cfg(feature = "cluster")]
        if let Some(c) = &cluster {
            c.stop();
        }
        // A transfer is running from its data connection's accept (the client may already
        // have its 150 before the storage backend is called) until the backend is done.
        let busy = || relay.data_connections.open();
        tracing::info!(
            transfers = busy(),
            sessions = relay.limiter.active(),
            "stopping: no new connections; waiting up to {} s for transfers",
            grace.as_secs()
        );
        let deadline = Instant::now() + grace;
        while busy() > 0 && Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        #[cfg(feature = "cluster")]
        if let Some(c) = &cluster {
            c.flush_receipts(std::time::Duration::from_secs(3)).await;
        }
        let rooms = relay.rooms.clone();
        let _ = tokio::task::spawn_blocking(move || rooms.save_receipts()).await;
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
}

/// Re-issues the certificate from the local CA before it is loaded, when it no longer
/// names every address of the relay or nears its end (see [`crate::base::cert::ca`]). A
/// lone self-signed certificate, or one the CA did not issue, is never touched; a
/// failure is logged and the old certificate served.
fn refresh_certificate(cfg: &Config) {
    let t = &cfg.tls;
    if t.mode == TlsMode::Off && !(cfg.web.enabled && cfg.web.https && cfg!(feature = "web")) {
        return;
    }
    match crate::base::cert::ca::refresh(&t.cert, &t.key, &t.ca_cert, &t.ca_key, &t.names) {
        Ok(Some(why)) => {
            tracing::info!("re-issued the certificate {} from the local CA, as {why}", t.cert.display())
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(
            "could not re-issue the certificate {} from the local CA: {e:#}; serving it as it is \
             (`loft cert renew` as root, then a restart, re-issues it)",
            t.cert.display()
        ),
    }
}
