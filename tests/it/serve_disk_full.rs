//! A full disk: a room on a small tmpfs (needs root, for `mount`; skipped with the reason
//! otherwise). Filled up, an append gets `452`, the room keeps no partial line (it is byte
//! for byte what it was), the relay keeps serving, and once space is freed appends work.

use crate::common;
use common::Relay;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the test, unmounted however the test ends.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Result<Tmpfs, String> {
        if unsafe { libc::geteuid() } != 0 {
            return Err("not running as root (mount needs it)".into());
        }
        std::fs::create_dir_all(at).map_err(|e| format!("mkdir {}: {e}", at.display()))?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!("mount -t tmpfs failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: the relay may still hold files there while the test unwinds.
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_refuses_appends_with_452_and_leaves_the_room_whole() {
    let r = Relay::start();
    let full = r.root.join("full");
    let _mount = match Tmpfs::mount(&full, "256k") {
        Ok(m) => m,
        Err(why) => {
            // Mounting a tmpfs needs root (CI runs as root).
            common::require(&format!("a small tmpfs ({why})"), false, "run the test as root");
            return;
        }
    };
    r.script_ok("serve_disk_full/a_full_disk_refuses_appends_with_452_and_leaves_the_room_whole.py");
}

/// Issue 19.7: uploads of files stop at `limits.disk_reserve` (a home on a 4 MiB tmpfs, a
/// 2 MiB reserve), room appends go on, and freed space lets files in again.
#[test]
fn file_uploads_stop_at_the_disk_reserve_and_rooms_go_on() {
    if common::skip_without_cryptography() {
        return;
    }
    let r =
        Relay::with(common::Setup::default().edit(|t| common::set_key(&t, "limits", "disk_reserve", "2097152")).user(
            "files",
            "files-pw",
            &["--home", "filesdisk"],
        ));
    let _mount = match Tmpfs::mount(&r.root.join("filesdisk"), "4m") {
        Ok(m) => m,
        Err(why) => {
            common::require(&format!("a small tmpfs ({why})"), false, "run the test as root");
            return;
        }
    };
    r.script_ok("serve_disk_full/file_uploads_stop_at_the_reserve_and_rooms_go_on.py");
    assert!(r.log().contains("kept for chat"), "{}", r.log());
}
