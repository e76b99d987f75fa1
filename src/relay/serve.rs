//! `loft serve`: the process around a [`Server`]. The config file and the command line's
//! overrides, the global logger, the runtime, and the signals: SIGTERM and SIGINT stop
//! the relay, SIGHUP re-reads the config into [`Handle::reload`], and systemd hears of
//! readiness (`Type=notify`).

use super::{Error, Handle, Server};
use crate::base::logging;
use crate::config::{self, Config, LogFormat};
use anyhow::{anyhow, Result};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// What the command line says over the config file (`--listen`, `--web-listen`,
/// `--root`): applied to the config at the start and again at every reload.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// FTP addresses instead of `listen`.
    pub listen: Vec<String>,
    /// Web addresses instead of `[web] listen`.
    pub web_listen: Vec<String>,
    /// The root folder instead of `root`.
    pub root: Option<PathBuf>,
}

impl Overrides {
    /// Puts these over `cfg`.
    pub fn apply(&self, cfg: &mut Config) {
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
    let rt = runtime(cfg.limits.threads, |b| b).map_err(|e| Error::Start(anyhow!("cannot start the runtime: {e}")))?;
    let result = rt.block_on(serve(cfg, path, overrides));
    rt.shutdown_timeout(Duration::from_secs(1));
    result.map(|()| 0).map_err(|e| {
        tracing::error!("{e:#}");
        Error::Start(e)
    })
}

/// The runtime the relay runs on, with `threads` (`limits.threads`) threads for the
/// sessions; 0 is one per core, at most two. One is a current-thread runtime (every
/// session on the thread that calls `block_on`: no hand-offs, the least CPU per session
/// and memory, what a one-core router gets), more a multi-thread runtime. `tune` adds to
/// the builder (the tests' per-thread log subscriber).
pub fn runtime(
    threads: usize,
    tune: impl FnOnce(&mut tokio::runtime::Builder) -> &mut tokio::runtime::Builder,
) -> std::io::Result<tokio::runtime::Runtime> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(2)),
        n => n,
    };
    let mut b = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    tune(b.enable_all()).build()
}

/// Binds, then serves until SIGTERM or SIGINT, reloading on SIGHUP.
async fn serve(cfg: Config, path: PathBuf, overrides: Overrides) -> Result<()> {
    // Signals first: a SIGHUP that arrived before its handler (a reload right after the
    // start, as `systemctl reload` or a script may send) would end the process.
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    // The caps are fitted to the open-file limit (limits::Limiter::fit_to_open_files):
    // take all of it that this process may.
    super::limits::raise_open_files();
    let server = Server::bind(&cfg)?;
    let handle = server.handle();
    let reloads = tokio::spawn(async move {
        while hup.recv().await.is_some() {
            reload(&handle, &path, &overrides);
        }
    });
    sd_notify("READY=1");
    let shutdown = async {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        sd_notify("STOPPING=1");
    };
    let result = server.run(shutdown).await;
    reloads.abort();
    result
}

/// Re-reads the config file for SIGHUP; a config that does not load is refused and the
/// running one kept.
fn reload(handle: &Handle, path: &Path, overrides: &Overrides) {
    match Config::load(path) {
        Ok(mut cfg) => {
            overrides.apply(&mut cfg);
            handle.reload(cfg);
        }
        Err(e) => tracing::error!("reload refused, keeping the running config: {e}"),
    }
}
