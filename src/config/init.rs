//! `loft init`: from nothing to a working relay in one command.
//!
//! A router owner should not have to learn TOML, TLS or password hashing to get a
//! relay: this writes a config whose every setting is shown with its default and a
//! comment, a local certificate authority and the relay's certificate signed by it (the
//! CA's fingerprint is printed, for clients and phones to compare on first use), and the
//! first user.

use super::users::read_password;
use super::{resolve_path, Config, Error};
use crate::base::cert::{self, ca};
use crate::base::files::write_atomic;
use std::path::{Path, PathBuf};

/// Create a config, a certificate authority, a certificate and the first user.
///
/// `loft init --root /mnt/usb/loft`, then `loft serve`.
///
/// Writes the config (-c PATH, else $LOFT_CONFIG, else /etc/loft/loft.toml), with
/// every setting commented; beside it, unless they exist, a local certificate authority
/// (`loft-ca.crt`, and its key `loft-ca.key`, which never leaves the relay) and the
/// relay's certificate signed by it (`loft.crt`, `loft.key`) for the host name,
/// `localhost`, every address of the relay's interfaces and each --name; and the first
/// user (--user, default `chat`), whose password comes from standard input with
/// --password-stdin, or is made up and printed once.
///
/// Prints the CA's SHA-256 fingerprint: `loft` clients show the same on first
/// connection, and phones on https://HOST:8443/trust, where they trust the relay once.
///
/// An existing config is kept unless --force; an existing certificate and CA always.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct InitArgs {
    /// The folder that will hold the rooms and users' homes (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) root: PathBuf,
    /// Where to write the config [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// The first user's name.
    #[arg(long, default_value = "chat", value_name = "NAME")]
    pub user: String,
    /// Read the first user's password from standard input.
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// Addresses to listen on [default: 0.0.0.0:21 and [::]:21].
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Vec<String>,
    /// Addresses for the web client [default: 0.0.0.0:8443 and [::]:8443].
    #[arg(long = "web-listen", value_name = "ADDR")]
    pub(crate) web_listen: Vec<String>,
    /// More names (host names or IP addresses) for the certificate, kept in [tls] names
    /// (the host name, localhost and the interfaces' addresses are always in).
    #[arg(long = "name", visible_alias = "tls-name", value_name = "NAME")]
    pub(crate) tls_names: Vec<String>,
    /// Overwrite an existing config (an existing certificate is kept).
    #[arg(long)]
    pub(crate) force: bool,
}

fn toml_str(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

/// The commented config `loft init` writes.
pub(crate) fn template(root: &Path, listen: &[String], web_listen: &[String], names: &[String]) -> String {
    let listen = listen.iter().map(|a| toml_str(a)).collect::<Vec<_>>().join(", ");
    let web_listen = if web_listen.is_empty() {
        "# listen = [\"0.0.0.0:8443\", \"[::]:8443\"]".to_string()
    } else {
        format!("listen = [{}]", web_listen.iter().map(|a| toml_str(a)).collect::<Vec<_>>().join(", "))
    };
    let names = if names.is_empty() {
        "# names = []".to_string()
    } else {
        format!("names = [{}]", names.iter().map(|n| toml_str(n)).collect::<Vec<_>>().join(", "))
    };
    format!(
        r#"# Loft relay configuration. Check it with `loft check`; a running relay re-reads
# users, limits and chat settings on SIGHUP. Relative paths are relative to this file.

# Addresses to listen on. IPv4 and IPv6 can be listed together.
listen = [{listen}]
# The folder with the rooms and the users' homes (a USB disk on a router).
root = {root}
# greeting = "Loft chat relay ready"
# anonymous = false          # true: `anonymous` may log in, read-only

[log]
# level = "info"             # error, warn, info, debug, trace (RUST_LOG wins)
# format = "text"            # or "json"

[tls]
# "optional": AUTH TLS offered, plain FTP allowed (FTPChat clients try TLS and fall back)
# "required": logins and transfers without TLS are refused;  "off": no TLS
mode = "optional"
cert = "loft.crt"
key = "loft.key"
# TLS data connections must resume the control connection's TLS session (vsftpd's
# require_ssl_reuse): curl, lftp and FileZilla do; FTPChat (Python's ftplib) does not.
# require_session_reuse = false
# The local certificate authority that signs cert (made by `loft init`; phones trust it
# once from https://THIS-HOST:8443/trust). Without these files, cert is self-signed.
# ca_cert = "loft-ca.crt"
# ca_key = "loft-ca.key"
# More names for cert, like ["chat.example.org"]; the host name, localhost and the
# interfaces' addresses are always in.
{names}
# An Ed25519 twin of cert, from the CA, for clients that accept it (FTPChat, not browsers):
# ed25519 = {ed25519}

[passive]
# Ports for data connections; open them in the firewall with the control port.
ports = "50000-50100"
# Address or host name to announce for data connections (the public side behind NAT).
# public_host = "203.0.113.7"

[limits]
# max_connections = 64       # sessions at once (FTP and web); more get 421
# max_per_ip = 16            # sessions at once from one address
# ipv6_prefix = 64           # an IPv6 client counts by this many bits of its address
# idle_timeout = 600         # seconds of silence before a session is closed
# data_timeout = 60          # seconds a data connection may move under 1 KiB (426)
# max_upload_bytes = 67108864
# quota_bytes = 1000000000  # what each home may hold for uploaded files (0 = no limit;
                             # unset: a quarter of the disk)
# disk_reserve = 100000000   # free space kept for chat: below it, file uploads are refused
                             # (0 = none; unset: 5% of the disk, 16 MiB to 1 GiB)
# shutdown_grace = 10        # seconds running transfers get on SIGTERM
# threads = 0                # threads running the sessions (0: one per core, at most 2)

[limits.failed_logins]
# attempts = 5               # failed logins within `window` seconds ...
# window = 300               # ... block logins for `window` seconds,
# block = "ip"               # by "ip", "user" or "both"

[chat]
# rooms = ["*.txt"]          # files (relative to a home, any depth) that are chat rooms
# validate = true            # room lines must be Fernet tokens
# sync = "batch"             # "always", "batch" (group commit) or "never"
# max_append_bytes = 65536   # largest single append to a room
# allow_delete = false       # may users delete, rename or overwrite rooms
# rotate_bytes = 262144      # rotate a room past this size (0 = never)
# keep_bytes = 65536         # what the live room keeps after a rotation
# keep_archives = 16         # archives kept per room, in .ROOM.loft/ (0 = all)
# keep_days = 7              # no archive younger than this is pruned (0 = the count decides)
# max_room_bytes = 67108864  # what a room may hold in all; near it a member may hold
                             # half of what the others leave, past it appends get 452
# max_messages_per_minute = 120  # per user at an address, all rooms (0 = no limit)
# max_bytes_per_minute = 524288  # per user at an address, all rooms (0 = no limit)
# max_file_bytes = 16777216  # largest shared file (original size; 0 = file sharing off)
# files_quota_bytes = 268435456  # what one room's shared files may take on disk (0 = no limit)

[web]
# The chat page for phones and laptops, over HTTPS with the certificate above:
# https://THIS-HOST:8443/ (log in with a user below, then the room key).
# enabled = true
{web_listen}
# https = true               # false: plain HTTP, only behind a proxy that does TLS
# trusted_proxies = []       # proxies whose X-Forwarded-For names the client, like ["127.0.0.1"]
# body_timeout = 10          # seconds a request body may pause (then 408)
# write_timeout = 30         # seconds an answer the client does not read may wait (then cut)
# request_timeout = 300      # seconds a request may take to be answered (then 503)
# public_host = "router.lan" # HOST or HOST:PORT in invite links (unset: the first LAN
                             # address and the web port)

# Users: add with `loft user add NAME`, change with `loft user passwd NAME`.
# Each [[users]] has name, password (a PBKDF2 hash, never the password itself),
# and optionally home = "subfolder of root", read_only = true, allow_delete = true,
# a quota_bytes of their own (what their home may hold for uploaded files), and
# `may_invite = false` (unset: users that are not read-only may make invite links).
# Invited users have `personal = true`: their limits count per person, not per address.
"#,
        root = toml_str(&root.to_string_lossy()),
        ed25519 = crate::base::cert::ED25519_BY_DEFAULT,
    )
}

/// `loft init`.
pub fn run(args: InitArgs) -> Result<u8, Error> {
    init(args).map(|()| 0)
}

fn init(args: InitArgs) -> Result<(), Error> {
    let path = resolve_path(args.config.as_deref());
    if path.exists() && !args.force {
        return Err(Error::Failed(format!("{} exists already; keep it, or overwrite it with --force", path.display())));
    }
    super::users::check_name(&args.user).map_err(Error::Usage)?;
    let listen = if args.listen.is_empty() { super::default_listen() } else { args.listen.clone() };
    for a in &listen {
        if a.parse::<std::net::SocketAddr>().is_err() {
            return Err(Error::Usage(format!("--listen {a:?}: expected ADDRESS:PORT, like 0.0.0.0:21 or [::]:2121")));
        }
    }
    for a in &args.web_listen {
        if a.parse::<std::net::SocketAddr>().is_err() {
            return Err(Error::Usage(format!("--web-listen {a:?}: expected ADDRESS:PORT, like 0.0.0.0:8443")));
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Failed(format!("cannot create {}: {e}", dir.display())))?;
    // Store root as given if absolute, else relative to the config's folder when it is
    // below it, else absolute: the config must mean the same folder from anywhere.
    let root_abs =
        std::path::absolute(&args.root).map_err(|e| Error::Failed(format!("{}: {e}", args.root.display())))?;
    std::fs::create_dir_all(&root_abs)
        .map_err(|e| Error::Failed(format!("cannot create the root {}: {e}", root_abs.display())))?;
    let dir_abs = std::path::absolute(&dir).unwrap_or(dir.clone());
    let root_in_file = root_abs.strip_prefix(&dir_abs).map(Path::to_path_buf).unwrap_or(root_abs.clone());
    let root_in_file = if root_in_file.as_os_str().is_empty() { PathBuf::from(".") } else { root_in_file };

    // Without --password-stdin the first password is made up and printed once, even on a
    // terminal: `loft init` must work unattended (first boot, a demo), and prompts would not.
    let (pw, generated) = if args.password_stdin {
        read_password(true, &args.user).map_err(Error::Usage)?
    } else {
        (super::users::random_password(), true)
    };
    let phc = crate::base::password::hash_password(&pw);
    // The first user is written as text after the template, not added with toml_edit:
    // toml_edit would put the template's trailing comments (the commented `[chat]` keys)
    // after the new table, where uncommenting one would make it a user key.
    let text = format!(
        "{}\n[[users]]\nname = {}\npassword = {}\n",
        template(&root_in_file, &listen, &args.web_listen, &args.tls_names),
        toml_str(&args.user),
        toml_str(&phc)
    );
    Config::parse(&text, &path)
        .map_err(|e| Error::Failed(format!("internal error, the generated config is invalid: {e}")))?;

    let (cert, key) = (dir.join("loft.crt"), dir.join("loft.key"));
    let (ca_cert, ca_key) = (dir.join("loft-ca.crt"), dir.join("loft-ca.key"));
    let names = ca::wanted_names(&args.tls_names);
    let failed = |e: cert::CertError| Error::Failed(e.to_string());
    let have_ca = ca_cert.exists() || ca_key.exists();
    let (fingerprint, authority) = if cert.exists() && key.exists() {
        let loaded = cert::load(&cert, &key, None).map_err(failed)?;
        println!("kept the existing certificate {}", cert.display());
        let authority =
            if have_ca { Some(ca::load_ca(&ca_cert, &ca_key).map_err(failed)?.fingerprint()) } else { None };
        (loaded.fingerprint, authority)
    } else {
        let authority = if have_ca {
            println!("kept the existing certificate authority {}", ca_cert.display());
            ca::load_ca(&ca_cert, &ca_key).map_err(failed)?
        } else {
            let made = ca::make_ca(&ca_cert, &ca_key).map_err(failed)?;
            println!("wrote a certificate authority {} (its key {} stays here)", ca_cert.display(), ca_key.display());
            made
        };
        let fp = ca::issue(&authority, &cert, &key, &names).map_err(failed)?;
        println!("wrote the certificate {} for {}", cert.display(), names.join(", "));
        (fp, Some(authority.fingerprint()))
    };
    if path.exists() {
        write_atomic(&path, text.as_bytes())
    } else {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    }
    .map_err(|e| Error::Failed(format!("writing {}: {e}", path.display())))?;

    println!("wrote {}", path.display());
    println!("root: {}", root_abs.display());
    println!("listen: {}", listen.join(", "));
    let trust = super::cert::trust_url(&names, args.web_listen.first().map(String::as_str));
    let web = match args.web_listen.first() {
        Some(a) => format!("https://{a}/"),
        None => trust.trim_end_matches("trust").to_string(),
    };
    println!("web: {web}   (the chat page for phones and laptops; [web] in the config)");
    println!("user: {}", args.user);
    if generated {
        println!("password: {pw}   (shown once; change it with `loft user passwd {}`)", args.user);
    }
    match authority {
        Some(fp) => super::cert::print_authority(&fp, &trust),
        None => {
            println!("certificate SHA-256 fingerprint: {fingerprint}");
            println!("  (clients and browsers show this on first connection: compare them; `loft cert renew --ca`");
            println!("  makes a certificate authority, which phones can trust once for all)");
        }
    }
    println!("start the relay with: loft serve -c {}", path.display());
    Ok(())
}
