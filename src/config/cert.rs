//! `loft cert renew`: the relay's certificate, re-issued from its local CA on demand.
//!
//! The relay re-issues its certificate by itself at start when its addresses changed or
//! its end nears (see `base::cert::ca`); this is the same by hand, for a new `[tls]
//! names` entry without a restart's wait, and the upgrade path of an install made
//! before the CA, whose lone self-signed certificate phones cannot trust once for all.

use super::{resolve_path, Config, Error};
use crate::base::cert::{self, ca};
use std::path::PathBuf;

/// Manage the relay's TLS certificate and its local certificate authority.
#[derive(clap::Args, Debug)]
pub struct CertArgs {
    #[command(subcommand)]
    pub(crate) action: CertAction,
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum CertAction {
    Renew(RenewArgs),
}

/// Re-issue the relay's certificate from its local certificate authority.
///
/// `loft cert renew`, then restart the relay.
///
/// Writes a new certificate ([tls] cert, with the CA's certificate after it) and key
/// ([tls] key) signed by the CA ([tls] ca_cert and ca_key), naming the host name,
/// `localhost`, [tls] names and every address of the relay's interfaces. Phones and
/// browsers that trust the CA, and `loft` clients that recorded it, accept the new
/// certificate without a question. The relay does the same by itself at start when its
/// addresses changed or the certificate has less than 30 days left.
///
/// An install made before the CA has a lone self-signed certificate: --ca makes a CA
/// first, then the certificate. Every device must then trust the CA once (from
/// https://RELAY:8443/trust), and `loft` clients that recorded the old certificate
/// refuse the new one until its line is removed from their known_hosts.
///
/// An existing CA is kept by --ca; --ca --force replaces it (when its key may have
/// leaked): every device must then trust the new one, and remove the old one.
///
/// A running relay serves the new certificate after its next restart.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub(crate) struct RenewArgs {
    /// The config file [default: $LOFT_CONFIG, else /etc/loft/loft.toml].
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Make a certificate authority first, unless there is one.
    #[arg(long)]
    pub(crate) ca: bool,
    /// With --ca: replace an existing certificate authority.
    #[arg(long, requires = "ca")]
    pub(crate) force: bool,
}

/// `loft cert …`.
pub fn run(args: CertArgs) -> Result<u8, Error> {
    match args.action {
        CertAction::Renew(a) => renew(a).map(|()| 0),
    }
}

fn renew(args: RenewArgs) -> Result<(), Error> {
    let path = resolve_path(args.config.as_deref());
    let cfg = Config::load(&path)?;
    let t = &cfg.tls;
    let failed = |e: cert::CertError| Error::Failed(e.to_string());
    let have_ca = t.ca_cert.exists() || t.ca_key.exists();
    let authority = if args.ca && (!have_ca || args.force) {
        let made = ca::make_ca(&t.ca_cert, &t.ca_key).map_err(failed)?;
        println!("wrote a certificate authority {} (its key {}, 0600)", t.ca_cert.display(), t.ca_key.display());
        made
    } else if !have_ca {
        return Err(Error::Failed(format!(
            "no certificate authority at {}: this relay has a lone self-signed certificate. `loft cert renew --ca` makes a CA and a certificate signed by it; devices then trust the CA once",
            t.ca_cert.display()
        )));
    } else {
        if args.ca {
            println!("kept the existing certificate authority {} (--force replaces it)", t.ca_cert.display());
        }
        ca::load_ca(&t.ca_cert, &t.ca_key).map_err(failed)?
    };
    let names = ca::wanted_names(&t.names);
    let fp = ca::issue(&authority, &t.cert, &t.key, &names).map_err(failed)?;
    println!("wrote the certificate {} for {}", t.cert.display(), names.join(", "));
    println!("certificate SHA-256 fingerprint: {fp}");
    print_authority(&authority.fingerprint(), &trust_url(&cfg.tls.names, cfg.web.listen.first().map(String::as_str)));
    println!("restart the relay to serve the new certificate");
    Ok(())
}

/// The server's TLS: the certificate of `[tls]`, and its Ed25519 twin when `[tls] ed25519`
/// is on and the local CA issued it. A CA that cannot be read costs the twin only: the
/// relay serves the certificate alone and says why.
pub(crate) fn server_tls(t: &super::TlsConfig) -> Result<cert::Loaded, cert::CertError> {
    let ca = if t.ed25519 && t.ca_cert.exists() && t.ca_key.exists() {
        match ca::load_ca(&t.ca_cert, &t.ca_key) {
            Ok(ca) => Some(ca),
            Err(e) => {
                cert::warn_no_twin(&e);
                None
            }
        }
    } else {
        None
    };
    cert::load(&t.cert, &t.key, ca.as_ref())
}

/// Where phones trust the relay: `https://HOST:PORT/trust`, HOST the first configured
/// name, else the host name, else the first address of an interface.
pub(crate) fn trust_url(names: &[String], web_listen: Option<&str>) -> String {
    let port = web_listen.and_then(|a| a.parse::<std::net::SocketAddr>().ok()).map_or(8443, |a| a.port());
    let host = names
        .first()
        .cloned()
        .or_else(ca::host_name)
        .or_else(|| cert::lan_addresses().first().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into());
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
    format!("https://{host}:{port}/trust")
}

/// The CA's fingerprint, as `loft init` and `loft cert renew` print it.
pub(crate) fn print_authority(fingerprint: &str, trust_url: &str) {
    println!("certificate authority SHA-256 fingerprint: {fingerprint}");
    println!("  (`loft` clients show it on first connection; phones and browsers trust the relay at");
    println!("  {trust_url}, which shows it too: compare them)");
}
