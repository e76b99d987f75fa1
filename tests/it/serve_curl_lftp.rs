//! `loft serve` driven by curl and lftp over FTPS, with the certificate `loft init` made
//! (`--cacert`) and without checking it (`--insecure`).

use crate::common;
use common::Relay;
use std::process::Command;

fn curl(r: &Relay, args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "30", "--user", &format!("chat:{}", common::PASSWORD)])
        .args(args)
        .output()
        .unwrap()
        .tap(|o| {
            if !o.status.success() {
                eprintln!("curl {args:?}: {}\n{}", String::from_utf8_lossy(&o.stderr), r.log());
            }
        })
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&Self)) -> Self {
        f(&self);
        self
    }
}
impl<T> Tap for T {}

#[test]
fn curl_ftps_with_the_generated_certificate_and_insecure() {
    if !common::require_tool("curl") {
        return;
    }
    let r = Relay::start();
    let base = format!("ftp://127.0.0.1:{}/", r.port);
    let cacert = r.cert();
    let up = r.dir.path().join("up.bin");
    std::fs::write(&up, b"uploaded by curl\n").unwrap();

    let o = curl(
        &r,
        &["--ssl-reqd", "--cacert", cacert.to_str().unwrap(), "-T", up.to_str().unwrap(), &format!("{base}up.bin")],
    );
    assert!(o.status.success());
    assert_eq!(std::fs::read(r.root.join("up.bin")).unwrap(), b"uploaded by curl\n");

    let o = curl(&r, &["--ssl-reqd", "--cacert", cacert.to_str().unwrap(), &base]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("up.bin"));

    let o = curl(&r, &["--ssl-reqd", "--insecure", &format!("{base}up.bin")]);
    assert!(o.status.success());
    assert_eq!(o.stdout, b"uploaded by curl\n");

    // Resume from an offset (REST + RETR).
    let o = curl(&r, &["--ssl-reqd", "--insecure", "-C", "12", &format!("{base}up.bin")]);
    assert!(o.status.success());
    assert_eq!(o.stdout, b"curl\n");

    // Without --cacert or --insecure, a self-signed certificate must not be trusted.
    let o = Command::new("curl")
        .args(["-sS", "--max-time", "20", "--ssl-reqd", "--user", &format!("chat:{}", common::PASSWORD), &base])
        .env("CURL_CA_BUNDLE", "/nonexistent")
        .output()
        .unwrap();
    assert!(!o.status.success(), "an unknown certificate was accepted");
}

#[test]
fn lftp_ftps_with_the_generated_certificate_and_insecure() {
    if !common::require_tool("lftp") {
        return;
    }
    let r = Relay::start();
    std::fs::write(r.root.join("hello.bin"), b"hello lftp\n").unwrap();
    let local = r.dir.path().join("local.bin");
    std::fs::write(&local, b"from lftp\n").unwrap();
    for verify in [
        format!("set ssl:ca-file {}; set ssl:verify-certificate yes", r.cert().display()),
        "set ssl:verify-certificate no".to_string(),
    ] {
        let script = format!(
            "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 20; set ftp:ssl-force yes; set ftp:ssl-protect-data yes; {verify}; \
             open -u chat,{pw} -p {port} 127.0.0.1; ls; cat hello.bin; put {local} -o put.bin; quit",
            pw = common::PASSWORD,
            port = r.port,
            local = local.display(),
        );
        let o = Command::new("lftp").args(["-c", &script]).output().unwrap();
        assert!(o.status.success(), "lftp: {}\n{}", String::from_utf8_lossy(&o.stderr), r.log());
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("hello.bin") && out.contains("hello lftp"), "{out}");
        assert_eq!(std::fs::read(r.root.join("put.bin")).unwrap(), b"from lftp\n");
        std::fs::remove_file(r.root.join("put.bin")).unwrap();
    }
}
