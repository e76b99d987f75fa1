//! `loft invite`: make, list and withdraw invite links on the relay.

use super::{now, Grant, Invite, Invites};
use crate::config::{self, Config, Error};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Invite someone: a link (and QR code) that makes them an account of their own.
///
///   loft invite --room lobby              one person, within 7 days
///   loft invite --uses 5 --expires 2d     five people, within two days
///   loft invite list                      the invites and who used them
///   loft invite revoke 3f2a9c1b           withdraw one (accounts it made stay)
///
/// Prints a link https://HOST:PORT/#invite=TOKEN… and, on a terminal (or with --qr), a
/// QR code of it for a phone's camera. Opening it shows the chat page, where the new
/// person picks a name and a password; the account then works from FTPChat and `loft`
/// too. HOST is `[web] public_host`, else the relay's first LAN address.
///
/// Anyone holding the link can make an account until it is used up or expires, so send
/// it to one person, over a channel you trust. The relay stores only a hash of the
/// token, in loft-invites.json beside the config. The link also carries the fingerprint
/// of the relay's certificate authority, printed here too: the page compares them.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment, args_conflicts_with_subcommands = true)]
pub struct InviteArgs {
    #[command(subcommand)]
    action: Option<InviteAction>,
    #[command(flatten)]
    make: MakeArgs,
}

#[derive(clap::Subcommand, Debug)]
enum InviteAction {
    /// List the invites: open ones, and those that ended in the last 30 days.
    List(ConfigOnly),
    /// Withdraw an invite (the accounts it made stay; remove them with `loft user del`).
    Revoke(RevokeArgs),
}

#[derive(clap::Args, Debug)]
struct ConfigOnly {
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct RevokeArgs {
    /// The invite's id, as `loft invite` and `loft invite list` print it.
    id: String,
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct MakeArgs {
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    config: Option<PathBuf>,
    /// The room the link opens (without `.txt`).
    #[arg(long, value_name = "ROOM")]
    room: Option<String>,
    /// How many accounts the link may make.
    #[arg(long, default_value_t = 1, value_name = "N")]
    uses: u32,
    /// How long the link works: `7d`, `12h`, `30m`.
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    expires: String,
    /// The new accounts may read but not write.
    #[arg(long)]
    read_only: bool,
    /// The new accounts' home, a folder below the root [default: the first user's home].
    #[arg(long, value_name = "SUBDIR")]
    home: Option<String>,
    /// The name the page shows as the inviter.
    #[arg(long, default_value = "the relay's admin", value_name = "NAME")]
    by: String,
    /// Print the QR code even when standard output is not a terminal.
    #[arg(long)]
    qr: bool,
}

/// The longest an invite may live, and the most uses it may have.
pub(crate) const MAX_LIFETIME_DAYS: u64 = 365;
pub(crate) const MAX_USES: u32 = 1000;

/// `loft invite …`.
pub fn run(args: InviteArgs) -> Result<u8, Error> {
    match args.action {
        Some(InviteAction::List(o)) => list(&config::resolve_path(o.config.as_deref())),
        Some(InviteAction::Revoke(o)) => {
            let path = config::resolve_path(o.config.as_deref());
            let cfg = Config::load(&path)?;
            let i = Invites::of(&cfg, &path).revoke(&o.id).map_err(|e| Error::Failed(e.to_string()))?;
            println!("revoked invite {} by {} ({} of {} uses spent)", i.id, i.by, i.used_by.len(), i.uses);
            Ok(0)
        }
        None => make(args.make),
    }
}

fn make(a: MakeArgs) -> Result<u8, Error> {
    let path = config::resolve_path(a.config.as_deref());
    let cfg = Config::load(&path)?;
    let lifetime = config::parse_duration(&a.expires).map_err(|e| Error::Usage(format!("--expires {e}")))?;
    if lifetime.as_secs() < 60 || lifetime.as_secs() > MAX_LIFETIME_DAYS * 86400 {
        return Err(Error::Usage(format!("--expires: from a minute to {MAX_LIFETIME_DAYS} days")));
    }
    if a.uses == 0 || a.uses > MAX_USES {
        return Err(Error::Usage(format!("--uses: 1 to {MAX_USES}")));
    }
    let home = match a.home {
        Some(h) => {
            config::check_home(&h).map_err(|e| Error::Usage(format!("--home: {e}")))?;
            Some(h)
        }
        None => cfg.users.first().and_then(|u| u.home.clone()),
    };
    let room = a.room.map(|r| r.trim().trim_end_matches(".txt").to_string()).filter(|r| !r.is_empty());
    if let Some(r) = &room {
        check_room(r).map_err(Error::Usage)?;
    }
    let grant = Grant { by: a.by, home, room, read_only: a.read_only, uses: a.uses, lifetime };
    let (invite, token) = Invites::of(&cfg, &path).create(grant).map_err(|e| Error::Failed(e.to_string()))?;
    let fp = crate::base::cert::ca_fingerprint(&cfg.tls.ca_cert);
    let link = link(&host(&cfg), &token, invite.room.as_deref(), fp.as_deref());
    let terminal = std::io::stdout().is_terminal();
    println!("invite {}: {}", invite.id, describe(&invite));
    println!("{link}");
    if terminal || a.qr {
        match crate::base::qr::encode(&link) {
            Some(qr) => print!("{}", crate::base::qr::terminal(&qr, terminal)),
            None => println!("(the link is too long for a QR code)"),
        }
    }
    match &fp {
        Some(fp) => println!("certificate authority SHA-256 fingerprint: {fp}"),
        None => println!(
            "this relay has a lone self-signed certificate: phones will warn about it (`loft cert renew --ca` makes a certificate authority they can trust)"
        ),
    }
    println!(
        "anyone holding this link can make {} on this relay until it expires; withdraw it with `loft invite revoke {}`",
        if invite.uses == 1 { "one account".to_string() } else { format!("{} accounts", invite.uses) },
        invite.id
    );
    Ok(0)
}

/// A room name as an invite may carry it: a path below the home, no `..`, no dot files.
pub(crate) fn check_room(room: &str) -> Result<(), String> {
    let ok = room.len() <= 200
        && !room.starts_with('/')
        && room.split('/').all(|p| !p.is_empty() && !p.starts_with('.') && !p.contains(['\\', '\0']));
    if ok {
        Ok(())
    } else {
        Err(format!("{room:?} is not a room name (a name like lobby or team/dev)"))
    }
}

/// "1 use, until …, home …, room …, read-only".
pub(crate) fn describe(i: &Invite) -> String {
    let until = chrono::DateTime::from_timestamp(i.expires as i64, 0)
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let mut s = format!("{} of {} uses, until {until}", i.used_by.len(), i.uses);
    s.push_str(&format!(", home {}", i.home.as_deref().unwrap_or("/")));
    if let Some(r) = &i.room {
        s.push_str(&format!(", room {r}"));
    }
    if i.read_only {
        s.push_str(", read-only");
    }
    s
}

fn list(path: &std::path::Path) -> Result<u8, Error> {
    let cfg = Config::load(path)?;
    let invites = Invites::of(&cfg, path).list().map_err(|e| Error::Failed(e.to_string()))?;
    if invites.is_empty() {
        println!("no invites; make one with `loft invite`");
    }
    let now = now();
    for i in invites {
        let used = if i.used_by.is_empty() { String::new() } else { format!("; used by {}", i.used_by.join(", ")) };
        println!("{}\t{}\tby {}\t{}{used}", i.id, i.state(now), i.by, describe(&i));
    }
    Ok(0)
}

/// `HOST:PORT` for links: `[web] public_host` (with the web port unless it has one), else
/// the first LAN address, else the host name.
pub(crate) fn host(cfg: &Config) -> String {
    let port = cfg.web.listen.first().and_then(|a| a.parse::<std::net::SocketAddr>().ok()).map_or(8443, |a| a.port());
    let with_port =
        |h: &str| if h.parse::<std::net::Ipv6Addr>().is_ok() { format!("[{h}]:{port}") } else { format!("{h}:{port}") };
    if let Some(h) = cfg.web.public_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        let has_port = h.rsplit_once(':').is_some_and(|(a, p)| p.parse::<u16>().is_ok() && !a.ends_with(':'))
            && (h.starts_with('[') || h.matches(':').count() == 1);
        return if has_port { h.to_string() } else { with_port(h) };
    }
    match crate::base::cert::lan_addresses().into_iter().find(|a| !a.is_loopback()) {
        Some(a) => with_port(&a.to_string()),
        None => with_port(
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .as_deref()
                .unwrap_or("localhost"),
        ),
    }
}

/// `https://HOST/#invite=TOKEN[&room=ROOM][&fp=HEX]`: everything after `#` stays in the
/// browser.
pub(crate) fn link(host: &str, token: &str, room: Option<&str>, fp: Option<&str>) -> String {
    let mut s = format!("https://{host}/#invite={token}");
    if let Some(r) = room {
        s.push_str("&room=");
        s.push_str(&crate::base::text::percent_encode(r));
    }
    if let Some(fp) = fp {
        s.push_str("&fp=");
        s.extend(fp.chars().filter(|c| *c != ':').map(|c| c.to_ascii_lowercase()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_everything_in_the_fragment() {
        assert_eq!(
            link("10.0.0.1:8443", "tok", Some("team/dev ü"), Some("AB:CD")),
            "https://10.0.0.1:8443/#invite=tok&room=team%2Fdev%20%C3%BC&fp=abcd"
        );
        assert_eq!(link("h:1", "t", None, None), "https://h:1/#invite=t");
    }

    #[test]
    fn room_names() {
        assert!(check_room("lobby").is_ok() && check_room("team/dev").is_ok());
        for bad in ["../x", "/abs", ".hidden", "a//b", "a/../b"] {
            assert!(check_room(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_host_with_and_without_port() {
        let mut cfg = Config::parse("root = \"r\"\n", std::path::Path::new("/tmp/x.toml")).unwrap();
        cfg.web.public_host = Some("chat.example.org".into());
        assert_eq!(host(&cfg), "chat.example.org:8443");
        cfg.web.public_host = Some("chat.example.org:443".into());
        assert_eq!(host(&cfg), "chat.example.org:443");
        cfg.web.public_host = Some("fd00::1".into());
        assert_eq!(host(&cfg), "[fd00::1]:8443");
        cfg.web.public_host = Some("[fd00::1]:9".into());
        assert_eq!(host(&cfg), "[fd00::1]:9");
    }
}
