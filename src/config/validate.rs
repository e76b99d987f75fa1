//! The checks serde cannot make: values that parse but cannot work (no listen address, a
//! port range backwards, a rotation that keeps more than it rotates, two users of one
//! name), each reported with its key and its line.

use super::locate::{locate, Seg};
use super::schema::parse_port_range;
use super::{users, Config, ConfigError, TlsMode};
use std::net::SocketAddr;
use std::path::Path;

impl Config {
    /// Checks what serde cannot: values that parse but cannot work, each reported with
    /// its key and its place in `text`.
    pub(super) fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
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
        if l.threads > 64 {
            return Err(err(
                &[Seg::K("limits"), Seg::K("threads")],
                "expected a number of threads from 1 to 64, or 0 (the default: one per core, at most two)".into(),
            ));
        }
        if !(16..=128).contains(&l.ipv6_prefix) {
            return Err(err(
                &[Seg::K("limits"), Seg::K("ipv6_prefix")],
                "expected a prefix length from 16 to 128, like 64 (a home network) or 128 (each address)".into(),
            ));
        }
        for (key, d) in [
            ("body_timeout", self.web.body_timeout),
            ("write_timeout", self.web.write_timeout),
            ("request_timeout", self.web.request_timeout),
        ] {
            if d.is_zero() {
                return Err(err(&[Seg::K("web"), Seg::K(key)], "expected a time above 0, like 30 or \"500ms\"".into()));
            }
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
        check_users(&self.users, text, path, &mut std::collections::HashSet::new())
    }
}

/// The `[[users]]` of one file (`text`, read from `path`), each reported with its key and
/// line; `seen` holds the names of the files checked before (the config, then its
/// `users_file`), so that a name is defined once in both.
pub(super) fn check_users<'a>(
    users: &'a [super::UserEntry],
    text: &str,
    path: &Path,
    seen: &mut std::collections::HashSet<&'a str>,
) -> Result<(), ConfigError> {
    let err = |keypath: &[Seg], message: String| {
        let key = keypath.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(".").replace(".[", "[");
        ConfigError { file: path.to_path_buf(), position: locate(text, keypath), key: Some(key), message }
    };
    for (i, u) in users.iter().enumerate() {
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
            return Err(err(
                &at("name"),
                format!("user {:?} is defined twice (the config and users_file count together)", u.name),
            ));
        }
        if let Err(m) = crate::base::password::check_phc(&u.password) {
            return Err(err(&at("password"), m.to_string()));
        }
        if let Some(h) = &u.home {
            if let Err(m) = check_home(h) {
                return Err(err(&at("home"), m));
            }
        }
    }
    Ok(())
}

/// A home is a relative path below root, without `..`.
pub(crate) fn check_home(h: &str) -> Result<(), String> {
    let p = Path::new(h.trim_start_matches('/'));
    if p.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
        return Err(format!("{h:?}: expected a folder below root, without `..`"));
    }
    Ok(())
}
