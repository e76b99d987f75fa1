//! Where to connect, as whom, and with which secrets.
//!
//! Router scripts run from cron with no terminal, people run the client by hand, and `ps`
//! shows every argument to every user of the machine. So a setting comes from the command
//! line, the environment or a profile file, but a secret never has to be on the command
//! line: it comes from a file, an environment variable, or a prompt on the terminal.
//!
//! Precedence, first wins: flag, environment, profile, built-in default. The relay itself
//! is `-s`, else the `--profile` named explicitly, else `$LOFT_SERVER`, else the default
//! profile: naming a profile on the command line is more specific than the environment.

use super::trust::Fingerprint;
use super::{ConnectArgs, Error, Exit, Result, RoomArgs, TlsChoice};
use crate::base::text::{self, Decode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `$XDG_CONFIG_HOME/loft`, else `~/.config/loft`: `client.toml` and `known_hosts`.
pub(crate) fn config_dir() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config")
}

/// `$XDG_STATE_HOME/loft`, else `~/.local/state/loft`: the outbox.
pub(crate) fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state")
}

fn xdg_dir(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(d) if !d.is_empty() && Path::new(&d).is_absolute() => PathBuf::from(d).join("loft"),
        _ => home().join(fallback).join("loft"),
    }
}

fn home() -> PathBuf {
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => PathBuf::from("/"),
    }
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// A parsed `ftp://` or `ftps://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerUrl {
    /// `ftps://` asks for TLS to be required.
    pub(crate) ftps: bool,
    pub user: String,
    /// A password inside the URL (allowed for `$LOFT_SERVER` and profiles; discouraged).
    pub(crate) password: Option<String>,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The folder that holds the rooms; empty for the login folder.
    pub(crate) folder: String,
}

impl ServerUrl {
    /// `host:port`, with brackets around an IPv6 address: the `known_hosts` key.
    pub(crate) fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Parses `ftp://[USER[:PASSWORD]@]HOST[:PORT][/FOLDER/]` (or `ftps://`, or no scheme).
pub(crate) fn parse_url(s: &str) -> Result<ServerUrl, String> {
    let s = s.trim();
    let (ftps, rest) = if let Some(r) = strip_prefix_ci(s, "ftps://") {
        (true, r)
    } else if let Some(r) = strip_prefix_ci(s, "ftp://") {
        (false, r)
    } else if s.contains("://") {
        return Err(format!("{s:?}: only ftp:// and ftps:// URLs are understood"));
    } else {
        (false, s)
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => ("anonymous".to_string(), None),
        Some(ui) => match ui.split_once(':') {
            Some((u, p)) => (percent_decode(u)?, Some(percent_decode(p)?)),
            None => (percent_decode(ui)?, None),
        },
    };
    if user.is_empty() {
        return Err(format!("{s:?}: the user name is empty; expected ftp://USER@HOST/"));
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| format!("{s:?}: unclosed '[' in the host"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(format!("{s:?}: unexpected {after:?} after the host")),
        };
        (h.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(format!("{s:?}: no host; expected ftp://USER@HOST[:PORT]/"));
    }
    let port = match port {
        None | Some("") => 21,
        Some(p) => {
            p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("{s:?}: {p:?} is not a port number"))?
        }
    };
    let folder = percent_decode(path.trim_matches('/'))?;
    Ok(ServerUrl { ftps, user, password, host, port, folder })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

fn percent_decode(s: &str) -> Result<String, String> {
    text::percent_decode(s, Decode::Strict).map_err(|e| e.to_string())
}

/// A room name as the user gives it, checked: `lobby` or `lobby.txt` both mean `lobby.txt`.
pub(crate) fn room_file(name: &str) -> Result<(String, String), String> {
    let base = name.strip_suffix(".txt").unwrap_or(name);
    if base.is_empty() {
        return Err("the room name is empty".into());
    }
    if base.contains(['/', '\\']) || base.starts_with('.') || base.chars().any(char::is_control) {
        return Err(format!(
            "{name:?} is not a room name: no '/', no control characters, and no leading '.' (a room is a file NAME.txt in the relay's folder)"
        ));
    }
    Ok((base.to_string(), format!("{base}.txt")))
}

/// `client.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClientFile {
    /// The profile used when nothing else names the relay.
    pub(crate) default: Option<String>,
    #[serde(default)]
    pub(crate) profile: BTreeMap<String, Profile>,
}

/// One `[profile.NAME]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub(crate) server: Option<String>,
    pub(crate) room: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) password_file: Option<PathBuf>,
    pub(crate) key_file: Option<PathBuf>,
    pub(crate) tls: Option<TlsChoice>,
    pub(crate) tls_fingerprint: Option<String>,
    pub(crate) interval: Option<f64>,
}

/// Loads `client.toml` (a missing file is an empty one); relative paths in it become
/// relative to its folder.
pub(crate) fn load_client_file(path: &Path) -> Result<ClientFile> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ClientFile::default()),
        Err(e) => return Err(Error::usage(format!("cannot read {}: {e}", path.display()))),
    };
    let mut file: ClientFile = toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| {
            let before = &text[..s.start.min(text.len())];
            format!(
                ":{}:{}",
                before.matches('\n').count() + 1,
                before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1
            )
        });
        Error::usage(format!("{}{}: {}", path.display(), at.unwrap_or_default(), e.message().trim()))
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    for p in file.profile.values_mut() {
        for f in [&mut p.password_file, &mut p.key_file].into_iter().flatten() {
            *f = expand_path(f, base);
        }
    }
    Ok(file)
}

fn expand_path(p: &Path, base: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~") {
        return home().join(rest);
    }
    base.join(p)
}

/// Everything a connection needs, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: ServerUrl,
    pub(crate) password: String,
    pub(crate) tls: TlsChoice,
    pub(crate) pin: Option<Fingerprint>,
    pub(crate) timeout: std::time::Duration,
    /// `known_hosts`, where first-use certificates are recorded.
    pub(crate) known_hosts: PathBuf,
    /// The profile it came from, if any (for `interval`, `room`, `name`, `key_file`).
    pub(crate) profile: Profile,
}

impl Target {
    /// What to call the relay in messages: `user@host:port`.
    pub(crate) fn display(&self) -> String {
        format!("{}@{}", self.url.user, self.url.host_port())
    }
}

/// Resolves the relay, the TLS policy and the FTP password.
pub(crate) fn resolve(c: &ConnectArgs) -> Result<Target> {
    let cfg_path = config_dir().join("client.toml");
    let file = load_client_file(&cfg_path)?;
    let profile_name = c.profile.clone().or_else(|| env("LOFT_PROFILE"));
    let profile = match &profile_name {
        Some(n) => Some(file.profile.get(n).cloned().ok_or_else(|| {
            let known: Vec<&str> = file.profile.keys().map(String::as_str).collect();
            Error::usage(format!(
                "no profile {n:?} in {} (profiles there: {})",
                cfg_path.display(),
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })?),
        None => match &file.default {
            Some(d) => Some(file.profile.get(d).cloned().ok_or_else(|| {
                Error::usage(format!("{}: `default = {d:?}` names no [profile.{d}]", cfg_path.display()))
            })?),
            None => None,
        },
    };
    let explicit_profile = c.profile.is_some();
    let (server, from_argv) = if let Some(s) = &c.server {
        (s.clone(), true)
    } else if let (true, Some(s)) = (explicit_profile, profile.as_ref().and_then(|p| p.server.clone())) {
        (s, false)
    } else if let Some(s) = env("LOFT_SERVER") {
        (s, false)
    } else if let Some(s) = profile.as_ref().and_then(|p| p.server.clone()) {
        (s, false)
    } else {
        return Err(Error::usage(format!(
            "which relay? Give -s ftp://USER@HOST/, set $LOFT_SERVER, or add a profile to {}",
            cfg_path.display()
        )));
    };
    let url = parse_url(&server).map_err(Error::usage)?;
    let profile = profile.unwrap_or_default();
    if from_argv && url.password.is_some() {
        eprintln!("loft: warning: a password in -s is visible to every user of this machine (ps); prefer $LOFT_FTP_PASSWORD or --password-file");
    }
    let tls = c.tls.or(profile.tls).unwrap_or(if url.ftps { TlsChoice::Require } else { TlsChoice::Prefer });
    if url.ftps && tls != TlsChoice::Require {
        return Err(Error::usage("an ftps:// URL requires TLS; use ftp:// with --tls prefer or off"));
    }
    let pin = match c.tls_fingerprint.as_ref().or(profile.tls_fingerprint.as_ref()) {
        Some(f) => Some(Fingerprint::parse(f).map_err(Error::usage)?),
        None => None,
    };
    if pin.is_some() && tls == TlsChoice::Off {
        return Err(Error::usage("--tls-fingerprint pins a TLS certificate, but --tls is off"));
    }
    let password = if let Some(p) = &c.password_file {
        read_secret_file(p, "FTP password")?
    } else if let Ok(p) = std::env::var("LOFT_FTP_PASSWORD") {
        p
    } else if let Some(p) = &url.password {
        p.clone()
    } else if let Some(p) = &profile.password_file {
        read_secret_file(p, "FTP password")?
    } else if url.user == "anonymous" || url.user == "ftp" {
        "loft@".to_string()
    } else {
        prompt_secret(&format!("FTP password for {}@{}: ", url.user, url.host_port())).ok_or_else(|| {
            Error::usage(format!(
                "no FTP password for {}: set $LOFT_FTP_PASSWORD, give --password-file, or run on a terminal to be asked",
                url.user
            ))
        })?
    };
    Ok(Target {
        url,
        password,
        tls,
        pin,
        timeout: std::time::Duration::from_secs(c.timeout.max(1)),
        known_hosts: config_dir().join("known_hosts"),
        profile,
    })
}

/// The room, its key and the name to send as.
#[derive(Debug, Clone)]
pub(crate) struct RoomChoice {
    /// `lobby`
    pub(crate) name: String,
    /// `lobby.txt`
    pub(crate) file: String,
    /// The room password as given (kept to offer it again on `/room`).
    pub(crate) password: String,
    pub(crate) sender: String,
}

/// Resolves `--room`, the room key and `--name`.
pub(crate) fn resolve_room(r: &RoomArgs, t: &Target) -> Result<RoomChoice> {
    let room = r.room.clone().or_else(|| env("LOFT_ROOM")).or_else(|| t.profile.room.clone()).ok_or_else(|| {
        Error::usage("which room? Give --room NAME (NAME.txt on the relay), set $LOFT_ROOM, or set `room` in the profile; `loft rooms` lists them")
    })?;
    let (name, file) = room_file(&room).map_err(Error::usage)?;
    let password = room_key(r, t, &name)?;
    let sender = r
        .name
        .clone()
        .or_else(|| env("LOFT_NAME"))
        .or_else(|| t.profile.name.clone())
        .unwrap_or_else(|| t.url.user.clone());
    crate::ftpchat::message::check_user_name(&sender).map_err(|e| Error::usage(format!("--name: {e}")))?;
    Ok(RoomChoice { name, file, password, sender })
}

/// The room password, from `--key-file`, `$LOFT_ROOM_KEY`, the profile, or a prompt.
pub(crate) fn room_key(r: &RoomArgs, t: &Target, room: &str) -> Result<String> {
    if let Some(p) = &r.key_file {
        return read_secret_file(p, "room key");
    }
    if let Ok(k) = std::env::var("LOFT_ROOM_KEY") {
        return Ok(k);
    }
    if let Some(p) = &t.profile.key_file {
        return read_secret_file(p, "room key");
    }
    prompt_secret(&format!("key for room {room}: ")).ok_or_else(|| {
        Error::usage(format!(
            "no key for room {room}: set $LOFT_ROOM_KEY, give --key-file, or run on a terminal to be asked"
        ))
    })
}

/// The first line of a secret file (a trailing newline is not part of the secret).
pub(crate) fn read_secret_file(p: &Path, what: &str) -> Result<String> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| Error::usage(format!("cannot read the {what} from {}: {e}", p.display())))?;
    let line = text.split('\n').next().unwrap_or("");
    Ok(line.strip_suffix('\r').unwrap_or(line).to_string())
}

/// Asks on the terminal without echo; `None` when there is no terminal.
pub(crate) fn prompt_secret(prompt: &str) -> Option<String> {
    crate::base::prompt::secret(prompt)
}

/// Whether an exit code means the settings are wrong (not worth retrying).
pub(crate) fn is_fatal(e: &Error) -> bool {
    matches!(e.exit, Exit::Auth | Exit::TlsTrust | Exit::Usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("ftp://alice@relay.lan:2121/").unwrap();
        assert_eq!(
            (u.ftps, u.user.as_str(), u.host.as_str(), u.port, u.folder.as_str()),
            (false, "alice", "relay.lan", 2121, "")
        );
        assert_eq!(u.host_port(), "relay.lan:2121");
        let u = parse_url("FTPS://bob%40home:s%3Acret@[::1]/chat/rooms/").unwrap();
        assert_eq!(
            (u.ftps, u.user.as_str(), u.password.as_deref(), u.host.as_str(), u.port),
            (true, "bob@home", Some("s:cret"), "::1", 21)
        );
        assert_eq!((u.folder.as_str(), u.host_port()), ("chat/rooms", "[::1]:21".to_string()));
        let u = parse_url("relay").unwrap();
        assert_eq!((u.user.as_str(), u.host.as_str(), u.port), ("anonymous", "relay", 21));
        assert!(parse_url("http://x/").is_err());
        assert!(parse_url("ftp://a@:21/").is_err());
        assert!(parse_url("ftp://a@h:99999/").is_err());
        assert!(parse_url("ftp://a@h:0/").is_err());
        assert!(parse_url("ftp://@h/").is_err());
        assert!(parse_url("ftp://a@[::1/").is_err());
    }

    #[test]
    fn room_names() {
        assert_eq!(room_file("lobby").unwrap(), ("lobby".into(), "lobby.txt".into()));
        assert_eq!(room_file("lobby.txt").unwrap(), ("lobby".into(), "lobby.txt".into()));
        assert_eq!(room_file("café au lait").unwrap().1, "café au lait.txt");
        for bad in ["", ".txt", "../etc", "a/b", ".hidden", "a\nb"] {
            assert!(room_file(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn client_file_paths_are_relative_to_it() {
        let d = std::env::temp_dir().join(format!("loft-client-file-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("client.toml");
        std::fs::write(&p, "default = \"h\"\n[profile.h]\nserver = \"ftp://a@b/\"\nkey_file = \"k\"\ntls = \"off\"\n")
            .unwrap();
        let f = load_client_file(&p).unwrap();
        let h = &f.profile["h"];
        assert_eq!(h.key_file.as_deref(), Some(d.join("k").as_path()));
        assert_eq!(h.tls, Some(TlsChoice::Off));
        std::fs::write(&p, "[profile.h]\nsrever = \"x\"\n").unwrap();
        let e = load_client_file(&p).unwrap_err();
        assert!(e.message.contains(":2:1"), "{}", e.message);
        assert!(load_client_file(&d.join("missing.toml")).unwrap().profile.is_empty());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn secret_files_drop_the_newline_only() {
        let p = std::env::temp_dir().join(format!("loft-secret-{}", std::process::id()));
        std::fs::write(&p, " two words \r\nignored\n").unwrap();
        assert_eq!(read_secret_file(&p, "x").unwrap(), " two words ");
        std::fs::write(&p, "").unwrap();
        assert_eq!(read_secret_file(&p, "x").unwrap(), "");
        std::fs::remove_file(&p).unwrap();
    }
}
