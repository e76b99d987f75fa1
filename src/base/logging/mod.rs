//! Structured logs on stderr, through tracing.
//!
//! Under procd (OpenWrt) and journald (systemd) stderr is the log, so there is no log
//! file to rotate on a small flash disk. libunftp logs through slog; its records are
//! bridged slog → log → tracing so everything comes out in one format (text or JSON).
//!
//! The filter (`RUST_LOG`, or `log.level` in the config) is a comma-separated list of
//! `level`, `target=level` and bare `target` (= every level of that target), as in
//! `RUST_LOG=info,libunftp=debug,loft::conn=trace`. The most specific matching target
//! wins; a bare level is the default for every other target. Levels: `off`, `error`,
//! `warn`, `info`, `debug`, `trace` (any case). This is `tracing_subscriber`'s
//! `Targets` filter: `EnvFilter`'s span and field filters (`target[span{field=…}]=level`)
//! and its regular expressions are not supported, which keeps the regex engine out of the
//! binary.

mod json;

use serde::Deserialize;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;

/// Text for people, JSON for log collectors (`log.format`, `--log-format`).
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Filter used when neither `RUST_LOG` nor `log.level` says: Loft's own lines at info,
/// libunftp's chatter only when something is wrong.
const DEFAULT_FILTER: &str = "info,libunftp=warn,unftp_sbe_fs=warn,rustls=warn";

/// A log filter directive that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FilterError {
    /// `target[span{field=…}]=level`: `EnvFilter`'s syntax, not supported.
    SpanFilter(String),
    /// Not `target=level`.
    NotTargetLevel(String),
    /// Not a level (nor a bare target).
    Level(String),
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilterError::SpanFilter(d) => {
                write!(f, "{d:?}: span and field filters are not supported (use target=level)")
            }
            FilterError::NotTargetLevel(d) => write!(f, "{d:?}: expected target=level"),
            FilterError::Level(d) => write!(f, "{d:?}: expected off, error, warn, info, debug or trace"),
        }
    }
}

impl std::error::Error for FilterError {}

/// Parses a filter (see the module documentation); the error says which directive is wrong.
pub(crate) fn parse_filter(spec: &str) -> Result<Targets, FilterError> {
    let mut targets = Targets::new();
    for directive in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if directive.contains(['[', ']', '{', '}']) {
            return Err(FilterError::SpanFilter(directive.into()));
        }
        targets = match directive.split_once('=') {
            Some((target, level)) => {
                let (target, level) = (target.trim(), level.trim());
                if target.is_empty() || level.contains('=') {
                    return Err(FilterError::NotTargetLevel(directive.into()));
                }
                targets.with_target(target, parse_level(level).ok_or_else(|| FilterError::Level(directive.into()))?)
            }
            None => match parse_level(directive) {
                Some(level) => targets.with_default(level),
                // A bare target: everything it logs.
                None if is_target(directive) => targets.with_target(directive, LevelFilter::TRACE),
                None => return Err(FilterError::Level(directive.into())),
            },
        };
    }
    Ok(targets)
}

fn parse_level(s: &str) -> Option<LevelFilter> {
    // Accepts names in any case and the numbers 0 (off) to 5 (trace), as EnvFilter did.
    s.parse().ok()
}

/// A module path or other tracing target: no spaces or punctuation beyond `:_-.`.
fn is_target(s: &str) -> bool {
    s.chars().all(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
}

/// The filter for `RUST_LOG` (if set and not empty) or else the config's `log.level`. A
/// bare level in the config applies to Loft; libunftp stays quiet unless asked by name.
/// A filter that does not parse falls back to the default (and says so).
fn filter(rust_log: Option<&str>, level: Option<&str>) -> (Targets, Option<FilterError>) {
    let spec = match (rust_log, level) {
        (Some(v), _) if !v.trim().is_empty() => v.to_string(),
        (_, Some(l)) if !l.contains('=') && !l.contains(',') => {
            format!("{l},libunftp=warn,unftp_sbe_fs=warn,rustls=warn,loft={l}")
        }
        (_, Some(l)) => l.to_string(),
        (_, None) => DEFAULT_FILTER.to_string(),
    };
    match parse_filter(&spec) {
        Ok(t) => (t, None),
        Err(e) => (parse_filter(DEFAULT_FILTER).expect("the default filter parses"), Some(e)),
    }
}

/// A subscriber with Loft's filter and format, writing to `writer`. [`init`] installs one
/// writing to stderr for the process; a program that holds relays in-process (the
/// integration tests) makes one per relay and sets it as the default of the relay's
/// threads, so each relay's log can be read on its own. `spec` is a filter as in
/// `RUST_LOG` (see the module documentation); `None` is the default.
pub fn dispatch<W>(spec: Option<&str>, format: LogFormat, writer: W) -> tracing::Dispatch
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let (targets, bad) = filter(spec, None);
    let d = build(targets, format, writer).0;
    if let Some(e) = bad {
        tracing::dispatcher::with_default(&d, || {
            tracing::warn!("log filter not understood, using {DEFAULT_FILTER:?}: {e}");
        });
    }
    d
}

/// Lets libunftp's records (slog → `log`) reach tracing: `log`'s one global logger
/// forwards to whichever tracing subscriber is the default on the thread that logs.
/// [`init`] does this too; calling it again does nothing.
pub fn bridge_log() {
    let _ = tracing_log::LogTracer::init();
}

fn build<W>(targets: Targets, format: LogFormat, writer: W) -> (tracing::Dispatch, LevelFilter)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let max = tracing_subscriber::Layer::<tracing_subscriber::Registry>::max_level_hint(&targets)
        .unwrap_or(LevelFilter::TRACE);
    // The fmt builder has its own level filter (INFO unless told): open it to what the
    // targets allow, so that they alone decide.
    let builder = tracing_subscriber::fmt().with_max_level(max).with_writer(writer);
    let d = match format {
        LogFormat::Json => tracing::Dispatch::new(builder.event_format(json::JsonLines).finish().with(targets)),
        LogFormat::Text => tracing::Dispatch::new(builder.with_ansi(false).finish().with(targets)),
    };
    (d, max)
}

/// Installs the global subscriber. `RUST_LOG` wins over the config's level.
pub(crate) fn init(level: Option<&str>, format: LogFormat) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let (targets, bad) = filter(rust_log.as_deref(), level);
    let (d, max) = build(targets, format, std::io::stderr);
    if tracing::dispatcher::set_global_default(d).is_ok() {
        bridge_log();
        // The bridge lets every `log` record through to tracing's filter; stop the ones no
        // target wants at the source (libunftp's debug chatter costs formatting otherwise).
        log::set_max_level(match max {
            LevelFilter::OFF => log::LevelFilter::Off,
            LevelFilter::ERROR => log::LevelFilter::Error,
            LevelFilter::WARN => log::LevelFilter::Warn,
            LevelFilter::INFO => log::LevelFilter::Info,
            LevelFilter::DEBUG => log::LevelFilter::Debug,
            _ => log::LevelFilter::Trace,
        });
    }
    if let Some(e) = bad {
        tracing::warn!("log filter not understood, using {DEFAULT_FILTER:?}: {e}");
    }
}

/// The slog logger handed to libunftp: it forwards to `log`, which tracing picks up.
pub(crate) fn slog_bridge() -> slog::Logger {
    use slog::Drain;
    slog::Logger::root(slog_stdlog::StdLog.fuse(), slog::o!())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    fn on(t: &Targets, target: &str, level: Level) -> bool {
        t.would_enable(target, &level)
    }

    #[test]
    fn levels_and_targets() {
        let t = parse_filter("info,libunftp=warn, loft::conn=trace ,rustls").unwrap();
        assert!(on(&t, "loft::server", Level::INFO) && !on(&t, "loft::server", Level::DEBUG));
        assert!(on(&t, "loft::conn", Level::TRACE));
        assert!(on(&t, "libunftp::server", Level::WARN) && !on(&t, "libunftp::server", Level::INFO));
        assert!(on(&t, "rustls::conn", Level::TRACE));
        let t = parse_filter("libunftp=debug").unwrap();
        assert!(!on(&t, "loft", Level::ERROR), "no bare level: other targets are off");
        let t = parse_filter("DEBUG").unwrap();
        assert!(on(&t, "x", Level::DEBUG) && !on(&t, "x", Level::TRACE));
        assert!(!on(&parse_filter("off").unwrap(), "x", Level::ERROR));
        assert!(!on(&parse_filter("").unwrap(), "x", Level::ERROR));
    }

    #[test]
    fn errors_name_the_directive() {
        for bad in ["lo/ud", "x=loud", "=info", "a=b=c", "x[span]=info", "x[{f}]=debug", "two words"] {
            let e = parse_filter(bad).unwrap_err();
            assert!(e.to_string().contains(bad.split('=').next().unwrap().trim()), "{bad}: {e}");
        }
    }

    #[test]
    fn rust_log_wins_and_a_bare_config_level_spares_libunftp() {
        let (t, bad) = filter(Some("warn"), Some("debug"));
        assert!(bad.is_none() && !on(&t, "loft", Level::INFO));
        let (t, _) = filter(Some(" "), Some("debug"));
        assert!(on(&t, "loft::conn", Level::DEBUG) && !on(&t, "libunftp", Level::INFO));
        let (t, bad) = filter(Some("x=loud"), None);
        assert!(bad.is_some() && on(&t, "loft", Level::INFO) && !on(&t, "libunftp", Level::INFO));
        let (t, _) = filter(None, None);
        assert!(on(&t, "loft", Level::INFO) && !on(&t, "loft", Level::DEBUG));
    }
}
