//! `loft serve` driven by Python's ftplib, over plain FTP and FTPS (PROT P).

use crate::common;
use common::{Relay, Setup};

const BASIC: &str = r#"
TLS = sys.argv[1] == "tls"
f = connect(tls=TLS)
put(f, "notes.bin", b"0123456789")
assert "notes.bin" in f.nlst(), f.nlst()
lines = []
f.retrlines("LIST", lines.append)
assert any("notes.bin" in l and " 10 " in l for l in lines), lines
put(f, "notes.bin", b"abc", cmd="APPE")
assert f.size("notes.bin") == 13
assert get(f, "notes.bin") == b"0123456789abc"
assert get(f, "notes.bin", rest=10) == b"abc"
f.mkd("sub")
f.cwd("sub")
put(f, "deep.bin", b"x")
f.cwd("/")
assert get(f, "sub/deep.bin") == b"x"
f.delete("notes.bin")
assert "notes.bin" not in f.nlst()
expect_error("550", f.size, "notes.bin")
f.quit()
print("ok")
"#;

#[test]
fn plain_ftp_list_stor_appe_size_rest_retr_dele() {
    let r = Relay::start();
    let out = r.python_args(BASIC, &["plain"]);
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
    assert!(r.wait_log("login ok user=\"chat\" peer=127.0.0.1"), "{}", r.log());
    assert!(r.wait_log("cmd=\"STOR\" path=/notes.bin bytes=10"), "{}", r.log());
}

#[test]
fn ftps_prot_p_list_stor_appe_size_rest_retr_dele() {
    let r = Relay::start();
    let out = r.python_args(BASIC, &["tls"]);
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
    r.python_ok(
        r#"
f = connect(user="alice", password="alice-pw")
assert f.pwd() == "/"
for p in ["../secret.bin", "/../secret.bin", "../../../../etc/passwd", "/etc/passwd", "link.bin", "etc/passwd", "sub/../../secret.bin"]:
    try:
        data = get(f, p)
    except ftplib.all_errors as e:
        assert str(e)[:1] in "45", e
    else:
        raise AssertionError(f"{p} gave {data[:40]!r}")
for d in ["..", "../..", "/..", "etc"]:
    try:
        f.cwd(d)
    except ftplib.all_errors:
        pass
    assert f.pwd() in ("/", "/etc") and "secret.bin" not in f.nlst(), (d, f.pwd(), f.nlst())
    f.cwd("/")
try:
    put(f, "../escaped.bin", b"x")
except ftplib.all_errors:
    pass
assert not os.path.exists(os.path.join(ROOT, "escaped.bin"))
f.quit()
"#,
    );
    assert_eq!(std::fs::read(r.root.join("secret.bin")).unwrap(), b"top secret");
}

#[test]
fn read_only_user_gets_550_on_every_write() {
    let r = Relay::with(Setup::default().user("viewer", "viewer-pw", &["--read-only"]));
    std::fs::create_dir_all(r.root.join("dir")).unwrap();
    std::fs::write(r.root.join("file.bin"), b"keep").unwrap();
    for tls in ["plain", "tls"] {
        let out = r.python_args(
            r#"
f = connect(user="viewer", password="viewer-pw", tls=sys.argv[1] == "tls")
assert get(f, "file.bin") == b"keep"
expect_error("550", put, f, "new.bin", b"x")
expect_error("550", put, f, "file.bin", b"x", cmd="APPE")
expect_error("550", put, f, "room.txt", b"x", cmd="APPE")
expect_error("550", f.delete, "file.bin")
expect_error("550", f.mkd, "newdir")
expect_error("550", f.rmd, "dir")
try:
    f.rename("file.bin", "moved.bin")
except ftplib.all_errors as e:
    assert str(e).startswith("550"), e
else:
    raise AssertionError("rename allowed")
f.quit()
"#,
            &[tls],
        );
        assert!(out.status.success(), "{tls}: {}\n{}", String::from_utf8_lossy(&out.stderr), r.log());
    }
    assert_eq!(std::fs::read(r.root.join("file.bin")).unwrap(), b"keep");
    assert!(!r.root.join("new.bin").exists() && !r.root.join("newdir").exists() && r.root.join("dir").exists());
}

#[test]
fn unknown_user_and_wrong_password_get_the_same_reply() {
    let r = Relay::start();
    r.python_ok(
        r#"
a = expect_error("530", connect, user="chat", password="wrong")
b = expect_error("530", connect, user="nobody", password="wrong")
assert a == b, (a, b)
"#,
    );
    assert!(r.wait_log("login refused"), "{}", r.log());
}
