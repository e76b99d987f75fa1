//! Structured logs on stderr, through tracing.
//!
//! Under procd (OpenWrt) and journald (systemd) stderr is the log, so there is no log
//! file to rotate on a small flash disk. libunftp logs through slog; its records are
//! bridged slog → log → tracing so everything comes out in one format (text or JSON).

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Filter used when neither `RUST_LOG` nor `log.level` says: Loft's own lines at info,
/// libunftp's chatter only when something is wrong.
const DEFAULT_FILTER: &str = "info,libunftp=warn,unftp_sbe_fs=warn,rustls=warn";

/// Installs the global subscriber. `RUST_LOG` wins over the config's level.
pub fn init(level: Option<&str>, format: LogFormat) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => EnvFilter::try_new(v).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER)),
        _ => match level {
            // A bare level applies to Loft; libunftp stays quiet unless asked by name.
            Some(l) if !l.contains('=') && !l.contains(',') => {
                EnvFilter::try_new(format!("{l},libunftp=warn,unftp_sbe_fs=warn,rustls=warn,loft={l}"))
                    .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
            }
            Some(l) => EnvFilter::try_new(l).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER)),
            None => EnvFilter::new(DEFAULT_FILTER),
        },
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // try_init also installs the log → tracing bridge (tracing-log).
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// The slog logger handed to libunftp: it forwards to `log`, which tracing picks up.
pub fn slog_bridge() -> slog::Logger {
    use slog::Drain;
    slog::Logger::root(slog_stdlog::StdLog.fuse(), slog::o!())
}
