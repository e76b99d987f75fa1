//! `loft serve` driven by curl and lftp over FTPS, with the certificate `loft init` made
//! (`--cacert`) and without checking it (`--insecure`).

use crate::common;
use common::{set_key, Relay, Setup};
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

/// Issue 19.17: generic clients on a rotated room. The room file stays what FTPChat needs
/// (`SIZE` logical, a whole-file `RETR` the live part), which curl, lftp and busybox
/// `ftpget` cannot reconcile: the test pins what each does (docs/rooms.md, "Generic
/// clients"). The room's whole kept history, `.lobby.txt.loft/history.txt`, is the file
/// they can download: its `SIZE` is what `RETR` sends, each of the three saves it whole,
/// and a resumed download (`curl -C -`, `ftpget -c`) adds exactly what came since.
#[test]
fn generic_clients_download_a_rotated_room_through_its_history_file() {
    if !common::require_tool("curl") || !common::require_tool("lftp") || !common::require_tool("busybox") {
        return;
    }
    let r = Relay::with(Setup::default().edit(|t| {
        let t = set_key(&t, "chat", "rotate_bytes", "2048");
        let t = set_key(&t, "chat", "keep_bytes", "1024");
        set_key(&t, "chat", "keep_archives", "0")
    }));
    let key = loft::ftpchat::key::RoomKey::derive("secret");
    let base = format!("ftp://127.0.0.1:{}/", r.port);
    // In APPEs of 10 lines: the room rotates after a write that takes it past 2 KB.
    let append = |from: usize, n: usize| {
        for batch in (from..from + n).step_by(10) {
            let lines: String =
                (batch..batch + 10).map(|i| format!("{}\n", key.seal_message("al", &format!("line {i}")))).collect();
            let f = r.dir.path().join("append.txt");
            std::fs::write(&f, lines).unwrap();
            let o = curl(&r, &["--append", "-T", f.to_str().unwrap(), &format!("{base}lobby.txt")]);
            assert!(o.status.success());
        }
        // The room's writer rotates after it has answered: wait for the last rotation.
        let t = std::time::Instant::now();
        while std::fs::metadata(r.root.join("lobby.txt")).unwrap().len() > 2048 {
            assert!(t.elapsed().as_secs() < 10, "the room did not rotate");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    append(0, 60);
    let state = r.root.join(".lobby.txt.loft");
    let history = || {
        let mut all = Vec::new();
        let mut names: Vec<_> = std::fs::read_dir(&state)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt") && n.contains('-'))
            .collect();
        names.sort();
        assert!(names.len() >= 2, "the room rotated: {names:?}");
        for n in names {
            all.extend(std::fs::read(state.join(n)).unwrap());
        }
        all.extend(std::fs::read(r.root.join("lobby.txt")).unwrap());
        all
    };
    let live = std::fs::read(r.root.join("lobby.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // (Lengths and line counts in the message: the bytes are too many to print.)
    let same = |file: &std::path::Path, want: &[u8], what: &str| {
        let got = std::fs::read(file).unwrap_or_default();
        let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
        assert!(
            got == want,
            "{what}: {} bytes, {} lines; expected {} bytes, {} lines",
            got.len(),
            lines(&got),
            want.len(),
            lines(want)
        );
    };
    let at = |name: &str| dir.path().join(name);
    let ftpget = |args: &[&str]| {
        Command::new("busybox")
            .arg("ftpget")
            .args(["-u", "chat", "-p", common::PASSWORD, "-P", &r.port.to_string()])
            .args(args)
            .output()
            .unwrap()
    };

    // The room file, as the docs say: consistent for FTPChat, not for these three.
    let o = curl(&r, &["-o", at("curl-room.txt").to_str().unwrap(), &format!("{base}lobby.txt")]);
    assert_eq!(o.status.code(), Some(18), "curl: the live part, shorter than SIZE");
    same(&at("curl-room.txt"), &live, "curl, room file");
    let script = format!(
        "set cmd:fail-exit yes; set net:max-retries 1; set ftp:ssl-allow no; open -u chat,{} -p {} 127.0.0.1; get lobby.txt -o {}",
        common::PASSWORD,
        r.port,
        at("lftp-room.txt").display()
    );
    let o = Command::new("lftp").args(["-c", &script]).output().unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && said.contains("size decreased"), "lftp: {said}");
    let o = ftpget(&["127.0.0.1", at("bb-room.txt").to_str().unwrap(), "lobby.txt"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same(&at("bb-room.txt"), &live, "ftpget, room file");

    // The archive folder lists the archives and the history, and serves nothing else: its
    // other files are the relay's own (the members' shares hold their addresses).
    let o = curl(&r, &["--list-only", &format!("{base}.lobby.txt.loft/")]);
    let names = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(names.lines().all(|n| n == "history.txt" || n.ends_with(".txt") && n.contains('-')), "{names}");
    assert!(names.lines().any(|n| n == "history.txt") && names.lines().count() >= 3, "{names}");
    assert!(state.join("state").exists() && state.join("shares").exists());
    for private in ["state", "shares"] {
        let o = curl(&r, &[&format!("{base}.lobby.txt.loft/{private}")]);
        assert!(!o.status.success() && o.stdout.is_empty(), "{private} was served");
    }

    // The history file: whole, and its SIZE.
    let whole = history();
    let url = format!("{base}.lobby.txt.loft/history.txt");
    let o = curl(&r, &["-I", &url]);
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("Content-Length: {}", whole.len())), "{o:?}");
    let o = curl(&r, &["-o", at("curl.txt").to_str().unwrap(), &url]);
    assert!(o.status.success());
    same(&at("curl.txt"), &whole, "curl, history");
    let script = format!(
        "set cmd:fail-exit yes; set net:max-retries 1; set ftp:ssl-allow no; open -u chat,{} -p {} 127.0.0.1; cls -l .lobby.txt.loft/; get .lobby.txt.loft/history.txt -o {}",
        common::PASSWORD,
        r.port,
        at("lftp.txt").display()
    );
    let o = Command::new("lftp").args(["-c", &script]).output().unwrap();
    assert!(o.status.success(), "lftp: {}\n{}", String::from_utf8_lossy(&o.stderr), r.log());
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("{} ", whole.len())), "listed with its size");
    same(&at("lftp.txt"), &whole, "lftp, history");
    let o = ftpget(&["127.0.0.1", at("bb.txt").to_str().unwrap(), ".lobby.txt.loft/history.txt"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same(&at("bb.txt"), &whole, "ftpget, history");

    // More lines, more rotations: a resumed download adds exactly those.
    append(60, 40);
    let whole = history();
    let o = curl(&r, &["-C", "-", "-o", at("curl.txt").to_str().unwrap(), &url]);
    assert!(o.status.success());
    same(&at("curl.txt"), &whole, "curl -C -");
    let o = ftpget(&["-c", "127.0.0.1", at("bb.txt").to_str().unwrap(), ".lobby.txt.loft/history.txt"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same(&at("bb.txt"), &whole, "ftpget -c");
    // While `ftpget -c` of the room file resumes at a logical offset inside the archives
    // (its local length is the live part's): lines twice, as the docs warn.
    let o = ftpget(&["-c", "127.0.0.1", at("bb-room.txt").to_str().unwrap(), "lobby.txt"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let resumed = std::fs::read_to_string(at("bb-room.txt")).unwrap();
    let unique: std::collections::HashSet<&str> = resumed.lines().collect();
    assert!(unique.len() < resumed.lines().count(), "ftpget -c of the room file doubled no line");
    // Every line opens, in order.
    let text = String::from_utf8(whole).unwrap();
    let opened: Vec<String> = text.lines().map(|l| key.open_line(l).unwrap().text).collect();
    assert_eq!(opened, (0..100).map(|i| format!("line {i}")).collect::<Vec<_>>());
}
