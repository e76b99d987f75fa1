//! The page as a phone app (issue 21), in headless Chromium with the relay's CA trusted:
//! a busy room opens at once (the time is printed as a figure), scrolling back reaches the
//! oldest kept message through the archives, the service worker registers, the manifest
//! and its icons are valid, a hidden page notifies through the service worker, an offline
//! reload shows the app, every control is at least 44 px, and a file can start a room.

#![cfg(all(feature = "web", feature = "client"))]

use crate::common::{self, Relay};
use std::path::Path;

/// Messages in the busy room, as the issue measured it (about 500 in the live part).
const TOTAL: usize = 2400;

#[test]
fn a_busy_room_opens_at_once_scrolls_back_to_its_start_and_the_page_is_an_app() {
    if !crate::web_client::browser_available() || common::skip_without_cryptography() {
        return;
    }
    let mut r = Relay::start();
    let Some(home) = crate::web_invites::nss_home_trusting(&r.dir.path().join("loft-ca.crt")) else { return };
    r.expect_ok("fill.py", r.script_args("web_app/fill.py", &["busy", &TOTAL.to_string()]));
    let archives = std::fs::read_dir(r.root.join(".busy.txt.loft")).map(|d| d.count()).unwrap_or(0);
    assert!(archives >= 2, "the busy room did not rotate into archives ({archives} entries)");
    let file = r.dir.path().join("notes.txt");
    std::fs::write(&file, "the first thing in this room\n").unwrap();
    let shot = std::env::var("LOFT_KEEP_SHOTS").ok().map(|d| Path::new(&d).join("app.png"));
    let mut env = vec![
        ("LOFT_ROOM", "busy".to_string()),
        ("LOFT_ROOM_KEY", "secret".to_string()),
        ("LOFT_TRUST_HOME", home.path().display().to_string()),
        ("LOFT_NEWEST", format!("message #{TOTAL:04} from ana{}", " la".repeat(TOTAL % 9))),
        ("LOFT_OLDEST", "message #0001 from bo la".to_string()),
        ("LOFT_TOTAL", TOTAL.to_string()),
        ("LOFT_NOTIFY_TEXT", "are you there?".to_string()),
        ("LOFT_FILE", file.display().to_string()),
    ];
    env.extend(shot.iter().map(|s| ("LOFT_SHOT", s.display().to_string())));
    let transcript = r.drive("app.mjs", &env, |r, step| {
        assert_eq!(step, "notify");
        r.expect_ok("say.py", r.script_args("web_app/say.py", &["busy", "are you there?"]));
    });
    // The figure the issue asks for (a goal of 0.5 s on a 2-core machine; printed, not asserted).
    let ms = transcript.lines().find_map(|l| l.strip_prefix("OPEN_MS ")).unwrap();
    eprintln!("figure: a room of {TOTAL} messages ({archives} state entries) opened in {ms} ms to its newest message on screen");
    assert!(transcript.contains(&format!("SCROLLED {TOTAL}")), "{transcript}");
    assert!(transcript.contains("NOTIFIED busy|al: are you there?|busy"), "{transcript}");
}
