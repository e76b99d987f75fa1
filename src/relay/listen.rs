//! Listening sockets and the one accept loop that FTP and the web share.
//!
//! Loft binds its own sockets (rather than letting libunftp or hyper do it) so that
//! [`super::Server::bind`] can report every address before anything is served, IPv4 and
//! IPv6 can be listened on side by side on one port, and both front doors stop accepting
//! at the same moment on shutdown.

use anyhow::{anyhow, Result};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Binds one address; IPv6 sockets are IPv6-only so `0.0.0.0:21` and `[::]:21` can be
/// listened on together. Port 0 takes a free port (read it back with `local_addr`).
pub(super) fn bind(addr: SocketAddr) -> Result<std::net::TcpListener> {
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
    Ok(s.into())
}

/// Which front door a listener is, for its log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Door {
    Ftp,
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    Web,
}

/// Accepts connections on `listener` until `stop` turns true, handing each to `handle`
/// on a task of its own. An accept that fails (out of file descriptors, most likely)
/// backs off for 100 ms instead of spinning.
pub(super) async fn accept_loop<F, Fut>(listener: TcpListener, door: Door, mut stop: watch::Receiver<bool>, handle: F)
where
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        tokio::select! {
            // (`map` drops the watch's read guard here: it must not live across an await.)
            _ = async { stop.wait_for(|stopped| *stopped).await.map(|_| ()) } => break,
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    // Boxed, like libunftp's tasks (its patch 30): tokio rewrites a task's
                    // whole stage, as large as its future, at each change of stage.
                    tokio::spawn(Box::pin(handle(stream, peer)));
                }
                Err(e) => {
                    match door {
                        Door::Ftp => tracing::warn!(target: "loft::conn", "accept failed: {e}"),
                        Door::Web => tracing::warn!(target: "loft::web", "accept failed: {e}"),
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
