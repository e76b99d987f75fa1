//! "Trust this relay": the local CA's certificate, for phones and browsers, and the page
//! that says how to install it.
//!
//! A browser warns about the relay's certificate until its device trusts the relay's CA
//! (see `base::cert::ca`), and each platform hides that switch somewhere else. So the
//! relay serves the CA as `/ca.crt` (PEM, which Android, Windows, macOS and Firefox
//! import) and `/ca.mobileconfig` (an Apple configuration profile, the only way iOS
//! installs one from Safari), and `/trust`, a page with the steps for each platform and
//! the CA's fingerprint to compare with what `loft init` printed. Nothing is secret here:
//! the CA's key never leaves the relay. The files are read at each request, so a CA made
//! by `loft cert renew --ca` is served at once.

use super::api::{error, full, Resp};
use super::Web;
use crate::base::cert::{ca, fingerprint};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};
use sha2::{Digest, Sha256};

const NO_CA: &str = "This relay has no certificate authority yet, only a self-signed certificate. \
Its admin can make one with `loft cert renew --ca` (then restart the relay).\n";

/// Answers `/ca.crt`, `/ca.mobileconfig` and `/trust`; `None` for any other path.
pub(super) fn get(web: &Web, method: &Method, path: &str) -> Option<Resp> {
    if !matches!(path, "/ca.crt" | "/ca.mobileconfig" | "/trust") {
        return None;
    }
    if method != Method::GET && method != Method::HEAD {
        return Some(error(StatusCode::METHOD_NOT_ALLOWED, "only GET here"));
    }
    let der = ca::first_cert(&web.relay.live.get().config.tls.ca_cert).ok();
    Some(match (path, der) {
        ("/trust", der) => answer(StatusCode::OK, "text/html; charset=utf-8", page(der.as_deref()), None),
        (_, None) => answer(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", NO_CA.into(), None),
        ("/ca.crt", Some(der)) => {
            answer(StatusCode::OK, "application/x-x509-ca-cert", ca::pem(&der), Some("loft-ca.crt"))
        }
        (_, Some(der)) => {
            answer(StatusCode::OK, "application/x-apple-aspen-config", profile(&der), Some("loft-ca.mobileconfig"))
        }
    })
}

fn answer(status: StatusCode, kind: &'static str, body: String, file: Option<&str>) -> Resp {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(name) = file.and_then(|f| HeaderValue::from_str(&format!("attachment; filename=\"{f}\"")).ok()) {
        h.insert(header::CONTENT_DISPOSITION, name);
    }
    r
}

/// `&`, `<`, `>` and `"` as entities.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn ca_name(der: &[u8]) -> String {
    crate::base::cert::der::certificate(der)
        .and_then(|i| crate::base::cert::der::common_name(i.subject))
        .unwrap_or_else(|| "Loft relay CA".into())
}

/// A UUID made from the CA (and `salt`): the same profile each time, so installing it
/// again replaces it instead of adding a second one.
fn uuid(der: &[u8], salt: &str) -> String {
    let mut b: [u8; 16] =
        Sha256::new().chain_update(salt).chain_update(der).finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// An Apple configuration profile with one `com.apple.security.root` payload: the CA.
fn profile(der: &[u8]) -> String {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(der);
    let name = escape(&ca_name(der));
    let id: String = fingerprint(der).replace(':', "")[..16].to_ascii_lowercase();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>PayloadContent</key>
<array>
<dict>
<key>PayloadCertificateFileName</key><string>loft-ca.crt</string>
<key>PayloadContent</key><data>{data}</data>
<key>PayloadDescription</key><string>The certificate authority of a Loft chat relay</string>
<key>PayloadDisplayName</key><string>{name}</string>
<key>PayloadIdentifier</key><string>relay.loft.ca.{id}.root</string>
<key>PayloadType</key><string>com.apple.security.root</string>
<key>PayloadUUID</key><string>{root}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict>
</array>
<key>PayloadDescription</key><string>Lets this device trust the Loft relay's certificate. The authority's key never leaves the relay.</string>
<key>PayloadDisplayName</key><string>{name}</string>
<key>PayloadIdentifier</key><string>relay.loft.ca.{id}</string>
<key>PayloadRemovalDisallowed</key><false/>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadUUID</key><string>{whole}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict>
</plist>
"#,
        root = uuid(der, "root"),
        whole = uuid(der, "profile"),
    )
}

/// The page: what trusting means, the fingerprint, and the steps per platform.
fn page(der: Option<&[u8]>) -> String {
    let body = match der {
        None => format!("<p class=\"error\">{}</p>", escape(NO_CA)),
        Some(der) => format!(
            r#"<p>Your browser warns about this relay until this device trusts its <strong>certificate
authority</strong> (CA), made on the relay when it was set up. Trust it once and every certificate the
relay makes later is accepted, without warnings.</p>
<p>Trusting a CA means: whatever it signs, for any site, this device believes. This CA is
<strong>{name}</strong>; its key never leaves the relay, so only the relay can sign with it.
Trust it only if its fingerprint below is the one the relay's admin sees (<code>loft init</code> and
<code>loft invite</code> print it):</p>
<p class="fp"><strong>SHA-256</strong><br><code>{fp}</code></p>
<p><a href="/ca.crt">Download the CA (loft-ca.crt)</a> · <a href="/ca.mobileconfig">iPhone and iPad profile</a></p>
<h2>Android</h2>
<ol><li>Download <a href="/ca.crt">loft-ca.crt</a>.</li>
<li>Settings › Security › Encryption &amp; credentials › Install a certificate › CA certificate (on some phones:
Settings › Security › More security settings › Install from storage).</li>
<li>Choose the downloaded file, confirm "Install anyway".</li></ol>
<h2>iPhone and iPad</h2>
<ol><li>In Safari, open <a href="/ca.mobileconfig">the profile</a> and allow the download.</li>
<li>Settings › General › VPN &amp; Device Management › the Loft profile › Install.</li>
<li>Settings › General › About › Certificate Trust Settings: switch on full trust for
<em>{name}</em>. Without this switch, Safari still warns.</li></ol>
<h2>Windows</h2>
<ol><li>Download <a href="/ca.crt">loft-ca.crt</a> and open it › Install Certificate.</li>
<li>Current User (or Local Machine for every user) › Place all certificates in the following store ›
Trusted Root Certification Authorities › Finish, and confirm.</li>
<li>Restart the browser. Firefox: see Linux.</li></ol>
<h2>macOS</h2>
<ol><li>Download <a href="/ca.crt">loft-ca.crt</a> and open it: Keychain Access adds it (choose the System keychain).</li>
<li>Double-click the certificate › Trust › When using this certificate: Always Trust. Close, enter your password.</li></ol>
<h2>Linux, and Firefox everywhere</h2>
<ol><li>Firefox: Settings › Privacy &amp; Security › Certificates › View Certificates › Authorities › Import ›
<a href="/ca.crt">loft-ca.crt</a> › tick "Trust this CA to identify websites".</li>
<li>Chromium and Chrome on Linux: <code>certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n loft-ca -i loft-ca.crt</code>
(package libnss3-tools), then restart the browser.</li>
<li>The whole system (curl, …): copy loft-ca.crt to <code>/usr/local/share/ca-certificates/loft-ca.crt</code> and run
<code>sudo update-ca-certificates</code>.</li></ol>
<h2>The loft command</h2>
<p>It needs nothing: on first connection it shows the same fingerprint and records it.</p>"#,
            name = escape(&ca_name(der)),
            fp = fingerprint(der),
        ),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust this Loft relay</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<main class="doc">
<h1>Trust this relay</h1>
{body}
<p><a href="/">Back to the chat</a></p>
</main>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_uuids_are_stable_and_distinct() {
        let a = uuid(b"ca", "root");
        assert_eq!(a, uuid(b"ca", "root"));
        assert_ne!(a, uuid(b"ca", "profile"));
        assert_ne!(a, uuid(b"other", "root"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
        let p = profile(b"not a real certificate");
        assert!(
            p.contains("<string>com.apple.security.root</string>")
                && p.contains(&uuid(b"not a real certificate", "root"))
        );
        assert!(page(None).contains("loft cert renew --ca"));
        assert!(!page(Some(b"x")).contains("<script") && !page(Some(b"x")).contains("style="));
    }
}
