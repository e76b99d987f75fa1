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
        #[cfg(feature = "cluster")]
        if let Some(c) = &self.cluster {
            if let Some((mut key, m)) = check_cluster(c) {
                key.insert(0, Seg::K("cluster"));
                return Err(err(&key, m));
            }
        }
        #[cfg(not(feature = "cluster"))]
        if self.cluster.is_some() {
            return Err(err(
                &[Seg::K("cluster")],
                "this build of Loft has no cluster mode (the `cluster` feature, in the x86_64 and aarch64 builds): remove [cluster], or run a build that has it".into(),
            ));
        }
        check_users(&self.users, text, path, &mut std::collections::HashSet::new())
    }
}

/// The `[cluster]` section: the key at fault and why.
#[cfg(feature = "cluster")]
fn check_cluster(c: &super::ClusterConfig) -> Option<(Vec<Seg>, String)> {
    if c.servers.is_empty() {
        return Some((vec![Seg::K("servers")], "expected at least one server, like [\"nats://10.0.0.2:4222\"]".into()));
    }
    for (i, s) in c.servers.iter().enumerate() {
        let ok = ["nats://", "tls://"].iter().any(|p| {
            s.strip_prefix(p).is_some_and(|rest| {
                let host_port = rest.rsplit('@').next().unwrap_or(rest);
                host_port.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0))
            })
        });
        if !ok {
            return Some((
                vec![Seg::K("servers"), Seg::I(i)],
                format!("{s:?} is not a NATS server address; expected \"nats://HOST:PORT\" or \"tls://HOST:PORT\""),
            ));
        }
    }
    let name_ok = !c.name.is_empty()
        && c.name.len() <= 32
        && c.name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !name_ok {
        return Some((
            vec![Seg::K("name")],
            format!(
                "{:?}: expected 1 to 32 letters, digits, `-` or `_` (it names the stream and its subjects)",
                c.name
            ),
        ));
    }
    if !matches!(c.replicas, 1 | 3 | 5) {
        return Some((
            vec![Seg::K("replicas")],
            format!(
                "{}: expected 1, 3 or 5 (an odd number of NATS nodes, for a quorum; JetStream allows at most 5)",
                c.replicas
            ),
        ));
    }
    if c.user.is_some() != c.password.is_some() {
        // The key that is there, so the message has a line.
        let (key, m) = if c.user.is_some() {
            ("user", "a user needs its password: set cluster.password too, or neither")
        } else {
            ("password", "a password needs its user: set cluster.user too, or neither")
        };
        return Some((vec![Seg::K(key)], m.into()));
    }
    let ways = [c.user.is_some(), c.token.is_some(), c.nkey_seed_file.is_some()].iter().filter(|b| **b).count();
    if ways > 1 {
        let key = if c.token.is_some() { "token" } else { "nkey_seed_file" };
        return Some((
            vec![Seg::K(key)],
            "one way to log in to NATS: user and password, a token, or an nkey seed".into(),
        ));
    }
    if c.tls_cert.is_some() != c.tls_key.is_some() {
        let key = if c.tls_cert.is_some() { "tls_cert" } else { "tls_key" };
        return Some((
            vec![Seg::K(key)],
            "a client certificate and its key go together: set tls_cert and tls_key both, or neither".into(),
        ));
    }
    for (key, f) in [
        ("nkey_seed_file", &c.nkey_seed_file),
        ("tls_ca", &c.tls_ca),
        ("tls_cert", &c.tls_cert),
        ("tls_key", &c.tls_key),
    ] {
        if let Some(f) = f {
            if let Err(e) = std::fs::metadata(f) {
                return Some((vec![Seg::K(key)], format!("{}: {e}", f.display())));
            }
        }
    }
    if c.timeout.is_zero() {
        return Some((vec![Seg::K("timeout")], "expected a time above 0, like 10 or \"500ms\"".into()));
    }
    if c.max_bytes != 0 && c.max_bytes < MIN_STREAM_BYTES {
        return Some((
            vec![Seg::K("max_bytes")],
            format!(
                "expected 0 (the stream bounded by its age only) or at least {MIN_STREAM_BYTES} (64 MiB): a smaller stream could drop messages newer than a room's last checkpoint"
            ),
        ));
    }
    if c.checkpoint_every.is_zero() || c.checkpoint_every > std::time::Duration::from_secs(3600) {
        return Some((
            vec![Seg::K("checkpoint_every")],
            "expected a time above 0 and at most an hour, like 60 or \"5m\": the stream must still hold every message since a room's last checkpoint".into(),
        ));
    }
    if c.catch_up > std::time::Duration::from_secs(3600) {
        return Some((
            vec![Seg::K("catch_up")],
            "expected at most an hour, like 30 or \"2m\" (0: serve the replica at once while NATS does not answer)"
                .into(),
        ));
    }
    None
}

/// The smallest `[cluster] max_bytes` (other than 0): the stream must hold every message
/// since the rooms' last checkpoints, taken every minute or so.
#[cfg(feature = "cluster")]
const MIN_STREAM_BYTES: u64 = 64 << 20;

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
