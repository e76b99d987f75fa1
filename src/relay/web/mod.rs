//! The chat page and its HTTP API, served by `loft serve` next to FTP.
//!
//! Everyone on the LAN has a phone, and no phone runs the FTPChat client or `loft`. So
//! the relay serves a page (`https://router.lan:8443/`) that logs in with an FTP user
//! and chats in the same rooms. Two rules make that safe and keep it one chat:
//!
//! - **The room key never reaches the relay.** The page derives the FTPChat v1.7 key and
//!   seals and opens tokens itself (WebCrypto), exactly as FTPChat and `loft` do; the
//!   relay sees the same opaque lines as over FTP.
//! - **One room store, two front doors.** The API appends through the same
//!   [`crate::room::Rooms`] as the FTP storage backend (same lock, validation,
//!   de-duplication, durability, size limit and error texts), reads by the same logical
//!   offsets, and follows a room on the same watch as `SITE WAIT`. Logins go through the
//!   same authenticator (login cache, failed-login policy), rooms resolve through the
//!   same per-user home and room patterns, read-only users stay read-only, and every
//!   connection takes a slot from the same caps as an FTP session.
//!
//! HTTP/1.1 on hyper without a framework, HTTPS with the relay's own certificate, signed
//! by its local CA, which devices trust once from `/trust` (`trust`). The page's files
//! are compiled into the binary.

mod api;
mod assets;
mod deadline;
mod invites;
mod sessions;
mod trust;

use super::Relay;
use anyhow::{anyhow, Result};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use sessions::Sessions;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections over the caps answered with a `503` at once; more are closed unanswered.
const COURTESY: usize = 4;
/// The whole time a connection over the caps gets: handshake, request and the `503`.
const COURTESY_TIME: Duration = Duration::from_secs(3);
/// How long a connection may take to send a request's headers, or stay idle between
/// requests on a kept-alive connection.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// What every web connection shares.
pub(super) struct Web {
    relay: Arc<Relay>,
    sessions: Sessions,
    /// `None`: plain HTTP (`[web] https = false`).
    tls: Option<TlsAcceptor>,
    /// Connections over the caps being answered now ([`COURTESY`]).
    courtesy: Arc<AtomicUsize>,
}

/// One of the [`COURTESY`] places; given back when dropped.
struct Courtesy(Arc<AtomicUsize>);

impl Courtesy {
    fn take(places: &Arc<AtomicUsize>) -> Option<Courtesy> {
        places.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < COURTESY).then_some(n + 1)).ok()?;
        Some(Courtesy(places.clone()))
    }
}

impl Drop for Courtesy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Web {
    /// Sets up the web side from the config the relay starts with: the certificate of
    /// `[tls]` unless `[web] https = false`.
    pub(super) fn new(relay: Arc<Relay>) -> Result<Arc<Web>> {
        let snap = relay.live.get();
        let cfg = &snap.config;
        let tls = if cfg.web.https {
            // The FTP side's certificates, and its Ed25519 twin, made once at start (on a
            // router, each load is a CA signature and more); loaded here when FTP runs
            // without TLS. A session cache of its own, as when each side loaded its own.
            let needs =
                |e| anyhow!("[web] needs the certificate of [tls] for HTTPS: {e:#} (or set [web] enabled = false)");
            let base = match &relay.tls {
                Some(ftp) => ftp.clone(),
                None => crate::config::cert::server_tls(&cfg.tls).map_err(needs)?.config,
            };
            let mut config = (*base).clone();
            config.session_storage = rustls::server::ServerSessionMemoryCache::new(256);
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(TlsAcceptor::from(Arc::new(config)))
        } else {
            tracing::warn!(
                target: "loft::web",
                "[web] https = false: the page is served over plain HTTP; browsers refuse it WebCrypto except on localhost, and passwords cross the network in clear"
            );
            None
        };
        Ok(Arc::new(Web { relay, sessions: Sessions::default(), tls, courtesy: Arc::default() }))
    }

    /// "https" or "http", for log lines and addresses.
    pub(super) fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serves one connection: TLS (unless `[web] https = false`), then HTTP/1.1.
    ///
    /// A connection over the caps gets no slot. It is closed at once, before any TLS
    /// (as FTP answers `421` and closes), unless one of [`COURTESY`] places is free:
    /// then it gets its handshake and a `503` saying why, within [`COURTESY_TIME`], so
    /// the page can tell its user the relay is busy. Either way an excess connection
    /// costs a bounded amount of memory and descriptors, however many arrive (issue 19.2).
    pub(super) async fn handle(self: Arc<Self>, stream: TcpStream, peer: SocketAddr) {
        let snap = self.relay.live.get();
        let limits = &snap.config.limits;
        // A trusted reverse proxy carries many clients: its connections count for the
        // total only (the clients it names are told apart per request, by address).
        let proxied;
        let limits = if snap.config.web.trusted_proxies.contains(&peer.ip()) {
            proxied = crate::config::Limits { max_per_ip: limits.max_connections, ..limits.clone() };
            &proxied
        } else {
            limits
        };
        let slot = self.relay.limiter.acquire(peer.ip(), limits);
        drop(snap);
        let _ = stream.set_nodelay(true);
        match slot {
            Ok(slot) => {
                self.clone().connect(stream, peer, None, HANDSHAKE_TIMEOUT).await;
                drop(slot);
            }
            Err(refusal) => match Courtesy::take(&self.courtesy) {
                Some(place) => {
                    tracing::warn!(target: "loft::web", peer = %peer, "connection refused (answered 503): {refusal}");
                    let answer = self.clone().connect(stream, peer, Some(refusal.to_string()), COURTESY_TIME);
                    let _ = tokio::time::timeout(COURTESY_TIME, answer).await;
                    drop(place);
                }
                None => {
                    tracing::warn!(target: "loft::web", peer = %peer, "connection refused (closed): {refusal}");
                    drop(stream);
                }
            },
        }
    }

    /// TLS (within `handshake`), then HTTP.
    ///
    /// TLS handshakes in flight are capped by the slots (each holds one, so at most
    /// `limits.max_connections`, `max_per_ip` from one address) plus the [`COURTESY`]
    /// places. There is no separate queue for handshakes: a few clients that connect and
    /// stall would hold its turns and stop everyone else's handshake.
    async fn connect(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        refused: Option<String>,
        handshake: Duration,
    ) {
        let Some(acceptor) = &self.tls else {
            return self.clone().serve(Box::new(stream), peer, refused).await;
        };
        match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => self.clone().serve(Box::new(tls), peer, refused).await,
            Ok(Err(e)) => tracing::debug!(target: "loft::web", peer = %peer, "TLS handshake failed: {e}"),
            Err(_) => tracing::debug!(target: "loft::web", peer = %peer, "TLS handshake timed out"),
        }
    }

    /// HTTP/1.1 on one connection, TLS or not: one `dyn` stream type, so that hyper's
    /// connection code is compiled once rather than once for each (22 KB less on mipsel).
    async fn serve(self: Arc<Self>, io: Box<dyn Stream>, peer: SocketAddr, refused: Option<String>) {
        let web = self.clone();
        let write_timeout = self.relay.live.get().config.web.write_timeout;
        let service = service_fn(move |req| api::route(web.clone(), peer, refused.clone(), req));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .keep_alive(true)
            .serve_connection(TokioIo::new(deadline::WriteDeadline::new(io, write_timeout)), service);
        if let Err(e) = conn.await {
            tracing::debug!(target: "loft::web", peer = %peer, "connection ended: {e}");
        }
    }
}

/// A web connection's byte stream: a TCP stream, or TLS over one.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}
