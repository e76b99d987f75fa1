//! `loft check`: validates the config and says what the relay would run with.

use super::{resolve_path, show_duration, Config, Error, TlsMode};
use std::path::PathBuf;

/// `loft check`: validates the config and says what the relay would run with.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
}

/// `loft check`.
pub fn check(args: CheckArgs) -> Result<u8, Error> {
    let path = resolve_path(args.config.as_deref());
    let cfg = Config::load(&path)?;
    println!("{}: OK", path.display());
    println!("  listen:        {}", cfg.listen.join(", "));
    println!(
        "  root:          {}{}",
        cfg.root.display(),
        if cfg.root.is_dir() { "" } else { "  (missing: it will be created)" }
    );
    let tls = match cfg.tls.mode {
        TlsMode::Off => "off".to_string(),
        m => format!(
            "{} (cert {}, key {})",
            if m == TlsMode::Required { "required" } else { "optional" },
            cfg.tls.cert.display(),
            cfg.tls.key.display()
        ),
    };
    println!("  tls:           {tls}");
    if cfg.tls.mode != TlsMode::Off {
        match super::cert::server_tls(&cfg.tls) {
            Ok(loaded) => {
                println!("  certificate:   SHA-256 {}", loaded.fingerprint);
                let twin = match (&loaded.twin, cfg.tls.ed25519) {
                    (Some(fp), _) => &format!("SHA-256 {fp} (from the authority, for clients that accept Ed25519)"),
                    (None, false) => "none ([tls] ed25519 = false)",
                    (None, true) if !cfg.tls.ca_cert.exists() => "none (no local authority)",
                    (None, true) => "none (the certificate is not the local authority's, or see the warning)",
                };
                println!("  ed25519 twin:  {twin}");
            }
            Err(e) => return Err(Error::Usage(format!("{e:#}"))),
        }
        match crate::base::cert::ca_fingerprint(&cfg.tls.ca_cert) {
            Some(fp) => println!("  authority:     SHA-256 {fp} ({})", cfg.tls.ca_cert.display()),
            None => {
                println!("  authority:     none (a lone self-signed certificate; `loft cert renew --ca` makes one)")
            }
        }
    }
    println!(
        "  passive:       ports {}{}",
        cfg.passive.ports,
        cfg.passive.public_host.as_deref().map(|h| format!(", announced as {h}")).unwrap_or_default()
    );
    let l = &cfg.limits;
    println!(
        "  limits:        {} sessions, {} per address, idle {} s, data {} s, uploads up to {} bytes",
        l.max_connections,
        l.max_per_ip,
        show_duration(l.idle_timeout),
        show_duration(l.data_timeout),
        l.max_upload_bytes
    );
    println!(
        "  failed logins: {} within {} s block by {:?}",
        l.failed_logins.attempts, l.failed_logins.window, l.failed_logins.block
    );
    println!(
        "  rooms:         {} (validate {}, sync {:?}, appends up to {} bytes, rotate at {} keeping {})",
        cfg.chat.rooms.join(", "),
        cfg.chat.validate,
        cfg.chat.sync,
        cfg.chat.max_append_bytes,
        cfg.chat.rotate_bytes,
        cfg.chat.keep_bytes
    );
    let web = &cfg.web;
    println!(
        "  web:           {}",
        match (web.enabled, web.https) {
            (false, _) => "off".to_string(),
            (true, true) => format!("https on {}", web.listen.join(", ")),
            (true, false) =>
                format!("plain HTTP on {} (no WebCrypto in browsers off localhost)", web.listen.join(", ")),
        }
    );
    println!("  anonymous:     {}", if cfg.anonymous { "allowed, read-only" } else { "no" });
    println!("  users:         {}", cfg.users.len());
    for u in &cfg.users {
        println!(
            "    {:<16} home {}{}",
            u.name,
            cfg.home_of(u).display(),
            if u.read_only { ", read-only" } else { "" }
        );
    }
    if cfg.users.is_empty() && !cfg.anonymous {
        println!("  note: no users and no anonymous access: nobody can log in. Add one with `loft user add NAME`.");
    }
    Ok(0)
}
