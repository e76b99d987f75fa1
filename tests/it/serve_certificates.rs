//! The relay's certificate and its local CA, checked with tools that owe Loft nothing:
//! curl trusts the relay with only the CA (`--cacert`, never `-k`), openssl verifies the
//! chain, a renewal keeps the CA (and the `loft` clients that recorded it), the relay
//! re-issues a certificate that no longer names it, an install with a lone self-signed
//! certificate keeps working until `loft cert renew --ca`, and the web side serves the
//! CA and the page that says how to trust it.

use crate::common;
use common::{run_loft, set_key, Relay, Setup};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn tools() -> bool {
    common::require_tool("curl") && common::require_tool("openssl")
}

fn ca_file(r: &Relay) -> PathBuf {
    r.dir.path().join("loft-ca.crt")
}

/// `curl -sS ARGS https://127.0.0.1:WEB_PORT/PATH`: (status line code, body, output).
fn curl(r: &Relay, args: &[&str], path: &str) -> (String, String, Output) {
    let url = format!("https://127.0.0.1:{}{path}", r.web_port);
    let o = Command::new("curl")
        .args(["-sS", "--max-time", "20", "--compressed", "-D", "-"])
        .args(args)
        .arg(&url)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("").to_string();
    (status, body.to_string(), o)
}

/// The page over HTTPS, trusting only `ca` (no `-k`): must succeed.
#[track_caller]
fn get_trusting(r: &Relay, ca: &Path, path: &str) -> (String, String) {
    let (status, body, o) = curl(r, &["--cacert", ca.to_str().unwrap()], path);
    assert!(o.status.success(), "curl --cacert {}: {}\n{}", ca.display(), text(&o), r.log());
    (status, body)
}

/// The PEM blocks of a file, each with its BEGIN and END lines.
fn pem_blocks(path: &Path) -> Vec<String> {
    let t = std::fs::read_to_string(path).unwrap();
    t.split_inclusive("-----END CERTIFICATE-----\n").filter(|b| b.contains("BEGIN")).map(str::to_string).collect()
}

fn openssl(args: &[&str]) -> String {
    let o = Command::new("openssl").args(args).output().unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// The SHA-256 fingerprint openssl computes, `AB:CD:…`.
fn openssl_fingerprint(pem: &Path) -> String {
    let out = openssl(&["x509", "-noout", "-fingerprint", "-sha256", "-in", pem.to_str().unwrap()]);
    out.trim().rsplit('=').next().unwrap().to_string()
}

/// The leaf (first block of the chain file) in a file of its own; checks it with
/// `openssl verify` against `ca` alone.
#[track_caller]
fn verify_leaf(r: &Relay, ca: &Path) -> PathBuf {
    let blocks = pem_blocks(&r.cert());
    assert_eq!(blocks.len(), 2, "the certificate file is the chain: leaf, then CA");
    assert_eq!(blocks[1], std::fs::read_to_string(ca).unwrap(), "the chain ends with the CA file's certificate");
    let leaf = r.dir.path().join("leaf.pem");
    std::fs::write(&leaf, &blocks[0]).unwrap();
    let out = openssl(&["verify", "-CAfile", ca.to_str().unwrap(), leaf.to_str().unwrap()]);
    assert!(out.contains(": OK"), "{out}");
    leaf
}

fn extension(pem: &Path, ext: &str) -> String {
    openssl(&["x509", "-noout", "-ext", ext, "-in", pem.to_str().unwrap()])
}

#[test]
fn curl_and_openssl_trust_the_relay_through_its_ca_alone() {
    if !tools() {
        return;
    }
    let r = Relay::start();
    let ca = ca_file(&r);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(r.dir.path().join("loft-ca.key")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the CA key is the owner's only");
    // Trusting the CA alone, no -k: the page is served.
    let (status, body) = get_trusting(&r, &ca, "/");
    assert_eq!(status, "200");
    assert!(body.contains("<html") || body.contains("<!doctype"), "{body}");
    // Without the CA, curl refuses (60: the peer's certificate cannot be authenticated).
    let (_, _, o) = curl(&r, &[], "/");
    assert_eq!(o.status.code(), Some(60), "{}", text(&o));

    let leaf = verify_leaf(&r, &ca);
    let sans = extension(&leaf, "subjectAltName");
    assert!(sans.contains("IP Address:127.0.0.1") && sans.contains("DNS:localhost"), "{sans}");
    let ski = extension(&ca, "subjectKeyIdentifier");
    let aki = extension(&leaf, "authorityKeyIdentifier");
    let id = ski.lines().nth(1).unwrap().trim();
    assert!(aki.contains(id), "the leaf's authority key identifier is the CA's: {aki} / {ski}");
    let basic = extension(&ca, "basicConstraints");
    assert!(basic.contains("CA:TRUE") && basic.contains("pathlen:0"), "{basic}");
    let dates = openssl(&["x509", "-noout", "-startdate", "-enddate", "-in", leaf.to_str().unwrap()]);
    // `-checkend SECONDS` exits 1 when the certificate ends within them.
    let within = |days: u64| {
        let secs = (days * 86400).to_string();
        let o =
            Command::new("openssl").args(["x509", "-noout", "-checkend", &secs, "-in"]).arg(&leaf).output().unwrap();
        o.status.code() == Some(1)
    };
    assert!(within(825) && !within(800), "at most 825 days, as Apple requires: {dates}");

    // The CA, its iOS profile, and the page with its fingerprint.
    let fp = openssl_fingerprint(&ca);
    let (status, served) = get_trusting(&r, &ca, "/ca.crt");
    assert_eq!(status, "200");
    assert_eq!(served, std::fs::read_to_string(&ca).unwrap());
    let (_, _, o) = curl(&r, &["--cacert", ca.to_str().unwrap(), "-o", "/dev/null"], "/ca.crt");
    let headers = String::from_utf8_lossy(&o.stdout).to_lowercase();
    assert!(headers.contains("content-type: application/x-x509-ca-cert"), "{headers}");
    assert!(headers.contains("content-disposition: attachment; filename=\"loft-ca.crt\""), "{headers}");
    let (status, profile) = get_trusting(&r, &ca, "/ca.mobileconfig");
    assert_eq!(status, "200");
    let b64: String = pem_blocks(&ca)[0].lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(profile.contains("<plist") && profile.contains("com.apple.security.root"), "{profile}");
    assert!(profile.contains(&format!("<data>{b64}</data>")), "{profile}");
    let (status, page) = get_trusting(&r, &ca, "/trust");
    assert_eq!(status, "200");
    assert!(page.contains(&fp), "{page}");
    assert!(page.contains("Certificate Trust Settings") && !page.contains("<script"), "{page}");
    // `loft check` shows the same fingerprint.
    let c = run_loft(&["check", "-c", r.config.to_str().unwrap()], None);
    assert!(text(&c).contains(&fp), "{}", text(&c));
}

#[test]
fn a_renewal_keeps_the_ca_for_curl_and_for_loft_clients_that_recorded_it() {
    if !tools() {
        return;
    }
    let mut r = Relay::start();
    let ca = ca_file(&r);
    let ca_pem = std::fs::read_to_string(&ca).unwrap();
    let ca_fp = openssl_fingerprint(&ca);
    let home = tempfile::tempdir().unwrap();
    let url = format!("ftp://chat@127.0.0.1:{}/", r.port);
    let send = |msg: &str| {
        common::loft_client(home.path(), "key", &["send", "-s", &url, "--room", "r", "--timeout", "5", msg])
            .output()
            .unwrap()
    };
    let o = send("before");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(&format!("certificate authority SHA-256 fingerprint: {ca_fp}")), "{}", text(&o));
    let kh = std::fs::read_to_string(home.path().join(".config/loft/known_hosts")).unwrap();
    assert!(kh.contains(&format!("127.0.0.1:{} ca={ca_fp}", r.port)), "{kh}");

    let before = openssl_fingerprint(&verify_leaf(&r, &ca));
    let o = run_loft(&["cert", "renew", "-c", r.config.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(&ca_fp) && text(&o).contains("restart"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&ca).unwrap(), ca_pem, "the CA is kept");
    let after = openssl_fingerprint(&verify_leaf(&r, &ca));
    assert_ne!(before, after, "a new certificate");

    r.restart();
    let (status, _) = get_trusting(&r, &ca, "/");
    assert_eq!(status, "200");
    // The client that recorded the CA accepts the renewed certificate, silently.
    let o = send("after");
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("CHANGED") && !text(&o).contains("first connection"), "{}", text(&o));
    // A client that recorded the old certificate itself (before the CA) is told it changed.
    let old = tempfile::tempdir().unwrap();
    let kh = old.path().join(".config/loft/known_hosts");
    std::fs::create_dir_all(kh.parent().unwrap()).unwrap();
    std::fs::write(&kh, format!("127.0.0.1:{} {before}\n", r.port)).unwrap();
    let o = common::loft_client(old.path(), "key", &["send", "-s", &url, "--room", "r", "--timeout", "5", "x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(text(&o).contains("HAS CHANGED") && text(&o).contains(&ca_fp), "{}", text(&o));
}

#[test]
fn the_relay_re_issues_a_certificate_that_no_longer_names_it_at_start() {
    if !tools() {
        return;
    }
    let mut r = Relay::start();
    let ca = ca_file(&r);
    let ca_pem = std::fs::read_to_string(&ca).unwrap();
    assert!(!r.log().contains("re-issued"), "a fresh certificate is kept: {}", r.log());
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    std::fs::write(&r.config, set_key(&cfg, "tls", "names", "[\"chat.example.org\"]")).unwrap();
    r.restart();
    assert!(r.wait_log("re-issued the certificate"), "{}", r.log());
    assert!(r.log().contains("chat.example.org"), "{}", r.log());
    let leaf = verify_leaf(&r, &ca);
    assert!(extension(&leaf, "subjectAltName").contains("DNS:chat.example.org"));
    assert_eq!(std::fs::read_to_string(&ca).unwrap(), ca_pem);
    get_trusting(&r, &ca, "/");
    // Once it names everything, a restart keeps it.
    let fp = openssl_fingerprint(&leaf);
    r.restart();
    assert_eq!(r.log().matches("re-issued the certificate").count(), 1, "{}", r.log());
    assert_eq!(openssl_fingerprint(&verify_leaf(&r, &ca)), fp);
}

#[test]
fn a_lone_self_signed_install_keeps_working_until_renew_ca_upgrades_it() {
    if !tools() {
        return;
    }
    let mut r = Relay::start();
    let ca = ca_file(&r);
    // An install from before the CA: one self-signed certificate, made the old way.
    std::fs::remove_file(&ca).unwrap();
    std::fs::remove_file(r.dir.path().join("loft-ca.key")).unwrap();
    let (cert, key) = (r.cert(), r.dir.path().join("loft.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "3650",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    let lone = std::fs::read(&cert).unwrap();
    r.restart();
    let (status, _) = get_trusting(&r, &cert, "/");
    assert_eq!(status, "200");
    assert_eq!(std::fs::read(&cert).unwrap(), lone, "a lone certificate is never touched at start");
    assert!(!r.log().contains("re-issued"), "{}", r.log());
    for path in ["/ca.crt", "/ca.mobileconfig"] {
        let (status, body) = get_trusting(&r, &cert, path);
        assert_eq!(status, "404", "{path}");
        assert!(body.contains("loft cert renew --ca"), "{path}: {body}");
    }
    assert!(get_trusting(&r, &cert, "/trust").1.contains("loft cert renew --ca"));

    // Renewing needs a CA, and says how to make one.
    let o = run_loft(&["cert", "renew", "-c", r.config.to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("loft cert renew --ca"), "{}", text(&o));
    assert_eq!(std::fs::read(&cert).unwrap(), lone);
    // --ca upgrades it.
    let o = run_loft(&["cert", "renew", "--ca", "-c", r.config.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    let fp = openssl_fingerprint(&ca);
    assert!(text(&o).contains(&format!("certificate authority SHA-256 fingerprint: {fp}")), "{}", text(&o));
    verify_leaf(&r, &ca);
    r.restart();
    get_trusting(&r, &ca, "/");
    assert_eq!(get_trusting(&r, &ca, "/ca.crt").1, std::fs::read_to_string(&ca).unwrap());
    assert!(get_trusting(&r, &ca, "/trust").1.contains(&fp));
    // --ca again keeps the CA; --force replaces it.
    let o = run_loft(&["cert", "renew", "--ca", "-c", r.config.to_str().unwrap()], None);
    assert!(o.status.success() && text(&o).contains("kept the existing certificate authority"), "{}", text(&o));
    assert_eq!(openssl_fingerprint(&ca), fp);
    let o = run_loft(&["cert", "renew", "--ca", "--force", "-c", r.config.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(openssl_fingerprint(&ca), fp);
    verify_leaf(&r, &ca);
}

#[test]
fn cert_renew_help_is_a_manual() {
    let o = run_loft(&["cert", "renew", "--help"], None);
    assert!(o.status.success());
    for needle in ["--ca", "--force", "restart", "/trust", "known_hosts"] {
        assert!(text(&o).contains(needle), "{needle}: {}", text(&o));
    }
}

/// What `openssl s_client` gets over FTP's AUTH TLS, trusting the CA alone (the address
/// checked too), offering the signature algorithms `sigalgs` (or its own list): the kind
/// of the server's signature and the certificate it sent, PEM.
/// `openssl s_client` to the FTP port (`AUTH TLS`), or to the web port with `web`.
fn s_client(r: &Relay, ca: &Path, sigalgs: Option<&str>, web: bool) -> (String, String) {
    let mut c = Command::new("openssl");
    match web {
        true => c.args(["s_client", "-connect", &format!("127.0.0.1:{}", r.web_port)]),
        false => c.args(["s_client", "-starttls", "ftp", "-connect", &format!("127.0.0.1:{}", r.port)]),
    };
    c.args(["-CAfile", ca.to_str().unwrap(), "-verify_return_error", "-verify_ip", "127.0.0.1"])
        .stdin(std::process::Stdio::null());
    if let Some(s) = sigalgs {
        c.args(["-sigalgs", s]);
    }
    let o = c.output().unwrap();
    let out = text(&o);
    assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
    let kind = out.lines().find_map(|l| l.strip_prefix("Peer signature type: ")).unwrap_or("?").to_string();
    let begin = out.find("-----BEGIN CERTIFICATE-----").expect("a certificate");
    let end = out.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----\n".len();
    (kind, out[begin..end].to_string())
}

/// FTPChat's ftplib, curl's and lftp's TLS libraries accept Ed25519, browsers do not: a
/// client that offers it gets an Ed25519 twin of the relay's certificate, made from the
/// CA at start (a cheaper handshake on a 32-bit router) and the same at every start, and
/// one that offers only ECDSA gets the certificate from the file. `[tls] ed25519 = false` turns the twin off (the
/// default on x86_64, where this runs: on).
#[test]
fn clients_that_offer_ed25519_get_a_twin_from_the_ca_and_the_others_the_certificate_file() {
    if !tools() || common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::with(Setup::default().edit(|t| set_key(&t, "tls", "ed25519", "true")));
    let ca = ca_file(&r);
    let stored = pem_blocks(&r.cert()).remove(0);
    let ftpchat = |r: &Relay, room: &str| {
        r.expect_ok("key_type.py", r.script_args("serve_certificates/key_type.py", &[ca.to_str().unwrap(), room]))
    };
    // FTPChat's own client, on both of its connections, trusting the CA alone.
    let out = ftpchat(&r, "twin");
    assert!(out.contains("control Ed25519\n") && out.contains("data Ed25519\n"), "{out}");
    let (kind, twin) = s_client(&r, &ca, None, false);
    assert_eq!(kind, "ed25519");
    assert_ne!(twin, stored);
    let twin_file = r.dir.path().join("twin.pem");
    std::fs::write(&twin_file, &twin).unwrap();
    assert!(openssl(&["verify", "-CAfile", ca.to_str().unwrap(), twin_file.to_str().unwrap()]).contains(": OK"));
    let leaf = verify_leaf(&r, &ca);
    assert_eq!(extension(&twin_file, "subjectAltName"), extension(&leaf, "subjectAltName"));
    // A client that offers only ECDSA, as browsers: the certificate from the file.
    let (kind, got) = s_client(&r, &ca, Some("ECDSA+SHA256"), false);
    assert_eq!((kind.as_str(), got.as_str()), ("ECDSA", stored.as_str()));
    // The web port shows the same twin (and a browser's offer the file's certificate).
    assert_eq!(s_client(&r, &ca, None, true), ("ed25519".to_string(), twin.clone()));
    assert_eq!(s_client(&r, &ca, Some("ECDSA+SHA256"), true).1, stored);
    // A restart makes the same twin: FileZilla or WinSCP, which remember the certificate a
    // person accepted, do not ask again. `loft check` names it.
    r.restart();
    assert_eq!(s_client(&r, &ca, None, false).1, twin);
    let twin_fp = openssl_fingerprint(&twin_file);
    let c = run_loft(&["check", "-c", r.config.to_str().unwrap()], None);
    assert!(text(&c).contains(&format!("ed25519 twin:  SHA-256 {twin_fp} (from the authority")), "{}", text(&c));

    // Turned off (the default here, on x86_64): everyone gets the certificate from the file.
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    let default = cfg.lines().find(|l| l.starts_with("# ed25519 = ")).unwrap_or("").to_string();
    assert_eq!(default, format!("# ed25519 = {}", !cfg!(any(target_arch = "x86_64", target_arch = "aarch64"))));
    std::fs::write(&r.config, set_key(&cfg, "tls", "ed25519", "false")).unwrap();
    r.restart();
    let out = ftpchat(&r, "stored");
    assert!(out.contains("control EC\n") && out.contains("data EC\n"), "{out}");
    let (kind, got) = s_client(&r, &ca, None, false);
    assert_eq!((kind.as_str(), got.as_str()), ("ECDSA", stored.as_str()));
    let c = run_loft(&["check", "-c", r.config.to_str().unwrap()], None);
    assert!(text(&c).contains("ed25519 twin:  none ([tls] ed25519 = false)"), "{}", text(&c));

    // FTP without TLS: the web side loads the certificates itself, and has the same twin.
    let cfg = std::fs::read_to_string(&r.config).unwrap();
    let cfg = set_key(&set_key(&cfg, "tls", "ed25519", "true"), "tls", "mode", "\"off\"");
    assert!(cfg.contains("mode = \"off\"\n") && cfg.contains("ed25519 = true\n"), "{cfg}");
    std::fs::write(&r.config, cfg).unwrap();
    r.restart();
    assert_eq!(s_client(&r, &ca, None, true), ("ed25519".to_string(), twin));
    assert_eq!(s_client(&r, &ca, Some("ECDSA+SHA256"), true).1, stored);
}
