//! The client against vsftpd, an FTP server that knows nothing of chat: plain FTP with the
//! visible fallback, rooms in a subfolder, polling (vsftpd answers `SITE WAIT` with 550),
//! and FTPChat (Python) interoperability. Skipped where vsftpd is not installed; set
//! $VSFTPD to a binary (e.g. from `apt-get download vsftpd && dpkg -x`) to run it.

#![cfg(feature = "client")]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LOFT: &str = env!("CARGO_BIN_EXE_loft");
const KEY: &str = "vsftpd room key";

fn find_vsftpd() -> Option<PathBuf> {
    let candidates = [std::env::var_os("VSFTPD").map(PathBuf::from), Some("/usr/sbin/vsftpd".into())];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

struct Vsftpd {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Vsftpd {
    fn start() -> Option<Vsftpd> {
        let found = find_vsftpd();
        if !crate::common::require("vsftpd", found.is_some(), "apt-get install vsftpd, or set $VSFTPD to its binary") {
            return None;
        }
        let bin = found.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let anon = dir.path().join("anon");
        std::fs::create_dir_all(anon.join("chat")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&anon, std::fs::Permissions::from_mode(0o555)).unwrap();
        std::fs::set_permissions(anon.join("chat"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pasv = 30000 + (std::process::id() % 500) as u16 * 40;
        let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        let conf = dir.path().join("vsftpd.conf");
        std::fs::write(
            &conf,
            format!(
                "listen=YES\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
                 anonymous_enable=YES\nno_anon_password=YES\nlocal_enable=NO\nwrite_enable=YES\n\
                 anon_upload_enable=YES\nanon_other_write_enable=YES\nanon_mkdir_write_enable=YES\n\
                 anon_root={}\nanon_umask=022\npasv_enable=YES\npasv_min_port={pasv}\npasv_max_port={}\n\
                 seccomp_sandbox=NO\nrun_as_launching_user=YES\nftp_username={me}\nnopriv_user={me}\n",
                anon.display(),
                pasv + 39,
                me = me.trim()
            ),
        )
        .unwrap();
        // A binary unpacked with `dpkg -x` finds libwrap beside it.
        let mut libs = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
        if let Some(root) = bin.parent().and_then(Path::parent) {
            for l in ["lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu", "lib"] {
                libs = format!("{}:{libs}", root.join(l).display());
            }
        }
        let child = Command::new(&bin)
            .arg(&conf)
            .env("LD_LIBRARY_PATH", libs)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t.elapsed() < Duration::from_secs(10), "vsftpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Vsftpd { child, dir, port })
    }

    fn url(&self) -> String {
        format!("ftp://anonymous@127.0.0.1:{}/chat/", self.port)
    }

    fn loft(&self, args: &[&str]) -> Command {
        let mut c = Command::new(LOFT);
        c.args(args)
            .env("HOME", self.dir.path().join("home"))
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("LOFT_SERVER")
            .env_remove("LOFT_FTP_PASSWORD")
            .env_remove("LOFT_NAME")
            .env("LOFT_ROOM_KEY", KEY)
            .stdin(Stdio::null());
        c
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn round_trip_polling_and_python_interop_on_vsftpd() {
    let Some(v) = Vsftpd::start() else { return };
    let url = v.url();
    let o = v.loft(&["send", "-s", &url, "--room", "vs", "--name", "alice", "hello vsftpd"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("PLAIN FTP"));
    let e = v.loft(&["send", "-s", &url, "--tls", "require", "--room", "vs", "x"]).output().unwrap();
    assert_eq!(e.status.code(), Some(5));

    if !crate::common::skip_without_cryptography() {
        let helper = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/client_ftpchat.py");
        let o = Command::new("python3")
            .args([helper, "send", "--port", &v.port.to_string(), "--user", "anonymous", "--room", "chat/vs"])
            .args(["--name", "py", "from python"])
            .env("ROOM_KEY", KEY)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    let mut f = v
        .loft(&["read", "-s", &url, "--room", "vs", "--tls", "off", "-f", "--interval", "0.3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(f.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.ends_with("alice: hello vsftpd"), "{first}");
    let o = v.loft(&["send", "-s", &url, "--tls", "off", "--room", "vs", "--name", "bob", "polled"]).output().unwrap();
    assert!(o.status.success());
    let mut seen = Vec::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        seen.push(l.clone());
        if l.ends_with("bob: polled") {
            break;
        }
    }
    let _ = f.kill();
    let _ = f.wait();
    assert!(seen.last().unwrap().ends_with("bob: polled"), "{seen:?}");
    let rooms = v.loft(&["rooms", "-s", &url, "--tls", "off"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&rooms.stdout), "vs\n");
}
