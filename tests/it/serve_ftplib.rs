//! `loft serve` driven by Python's ftplib, over plain FTP and FTPS (PROT P).

use crate::common;
use common::{Relay, Setup};

#[test]
fn plain_ftp_list_stor_appe_size_rest_retr_dele() {
    let r = Relay::start();
    let out = r.script_args("serve_ftplib/basic.py", &["plain"]);
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
    assert!(r.wait_log("login ok user=\"chat\" peer=127.0.0.1"), "{}", r.log());
    assert!(r.wait_log("cmd=\"STOR\" path=/notes.bin bytes=10"), "{}", r.log());
}

#[test]
fn ftps_prot_p_list_stor_appe_size_rest_retr_dele() {
    let r = Relay::start();
    let out = r.script_args("serve_ftplib/basic.py", &["tls"]);
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
}

#[test]
fn paths_cannot_escape_the_home() {
    let r = Relay::with(Setup::default().user("alice", "alice-pw", &["--home", "alice"]));
    // A secret next to alice's home, and a symlink inside it pointing out.
    std::fs::create_dir_all(r.root.join("alice")).unwrap();
    std::fs::write(r.root.join("secret.bin"), b"top secret").unwrap();
    std::os::unix::fs::symlink(r.root.join("secret.bin"), r.root.join("alice/link.bin")).unwrap();
    std::os::unix::fs::symlink("/etc", r.root.join("alice/etc")).unwrap();
    r.script_ok("serve_ftplib/paths_cannot_escape_the_home.py");
    assert_eq!(std::fs::read(r.root.join("secret.bin")).unwrap(), b"top secret");
}

#[test]
fn read_only_user_gets_550_on_every_write() {
    let r = Relay::with(Setup::default().user("viewer", "viewer-pw", &["--read-only"]));
    std::fs::create_dir_all(r.root.join("dir")).unwrap();
    std::fs::write(r.root.join("file.bin"), b"keep").unwrap();
    for tls in ["plain", "tls"] {
        let out = r.script_args("serve_ftplib/read_only_user_gets_550_on_every_write.py", &[tls]);
        assert!(out.status.success(), "{tls}: {}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
    }
    assert_eq!(std::fs::read(r.root.join("file.bin")).unwrap(), b"keep");
    assert!(!r.root.join("new.bin").exists() && !r.root.join("newdir").exists() && r.root.join("dir").exists());
}

#[test]
fn unknown_user_and_wrong_password_get_the_same_reply() {
    let r = Relay::start();
    r.script_ok("serve_ftplib/unknown_user_and_wrong_password_get_the_same_reply.py");
    assert!(r.wait_log("login refused"), "{}", r.log());
}
