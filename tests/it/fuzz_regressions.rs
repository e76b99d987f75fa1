//! The fuzz targets' properties (fuzz/fuzz_targets/), replayed on fixed inputs: the shared
//! vectors, the config template, and the edge cases worth keeping. Inputs a fuzz run finds
//! (fuzz/run.sh) are added here with their fix.

// The codec's properties need the client, and the file is one suite.
#![cfg(feature = "client")]

use crate::common;

use loft::config::Config;
use loft::ftpchat::key::{LineError, RoomKey};
use loft::ftpchat::token::check_line;
use loft::ftpchat::{message, token};
use std::io::Write as _;
use std::path::Path;

/// The vectors' key (password "secret"), as in fuzz_targets/codec.rs.
const KEY: &str = "_-KHXV01HcmIAuGaAyQo2D7l0x1LejXqIJxQuBbplwE=";

fn vector_tokens() -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(common::vectors_path()).unwrap()).unwrap();
    v["tokens"].as_array().unwrap().iter().map(|t| t["token"].as_str().unwrap().to_string()).collect()
}

/// room_line: what the relay accepts, the client reads as a token.
fn room_line(data: &[u8]) {
    if check_line(data).is_ok() {
        let s = std::str::from_utf8(data).expect("an accepted line is ASCII");
        assert!(token::is_token(s), "the relay accepts {s:?}, the client would not");
    }
}

/// config: a config or an error with a sane place, never a panic.
fn config(text: &str) {
    match Config::parse(text, Path::new("/etc/loft/loft.toml")) {
        Ok(cfg) => assert!(!cfg.listen.is_empty()),
        Err(e) => {
            if let Some((line, col)) = e.position {
                assert!(line >= 1 && col >= 1, "{e}");
                assert!(line <= text.lines().count().max(1) + 1, "{e}");
            }
            let _ = e.to_string();
        }
    }
}

#[test]
fn room_line_accepts_the_vectors_and_agrees_with_the_client() {
    for t in vector_tokens() {
        assert_eq!(check_line(t.as_bytes()), Ok(()), "{t}");
        room_line(t.as_bytes());
        // Variants the relay must refuse (or the client must read): never a panic.
        let std = t.replace('-', "+").replace('_', "/");
        for v in [
            std.as_str(),
            t.trim_end_matches('='),
            &t[..t.len() / 2],
            &format!("{t}="),
            &format!(" {t}"),
            &format!("{t}\r"),
        ] {
            room_line(v.as_bytes());
        }
    }
    for junk in [&b""[..], b"=", b"====", b"gA==", &[0xff, 0xfe], b"\x80\x80", &[b'g'; 4096]] {
        room_line(junk);
        assert!(check_line(junk).is_err());
    }
}

#[test]
fn the_config_parser_never_panics_on_odd_text() {
    let template = {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("loft.toml");
        let out = common::run_loft(
            &[
                "init",
                "--root",
                dir.path().join("root").to_str().unwrap(),
                "-c",
                cfg.to_str().unwrap(),
                "--password-stdin",
            ],
            Some("pw-for-the-template\n"),
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(cfg).unwrap()
    };
    config(&template);
    // Cut the template at every line end, and at every char boundary of its first 2 KiB.
    for (i, _) in template.match_indices('\n') {
        config(&template[..i]);
    }
    for i in (0..template.len().min(2048)).filter(|&i| template.is_char_boundary(i)) {
        config(&template[..i]);
    }
    for text in [
        "",
        "\u{feff}root = \"/srv\"",
        "root = \"/srv\"\n[limits]\nmax_per_ip = \"é\"\n",
        "root = \"/srv\"\n[ü]\nä = 1\n",
        "root = \"/srv\"\nlisten = [\"é:21\", \"[::]:x\"]\n",
        "root = \"/srv\"\n[[users]]\nname = \"ü\"\npassword = \"$pbkdf2-sha256$\"\n",
        "root = \"/srv\"\n[chat]\nrooms = [\"[\"]\n",
        "root = \"é\nlisten = 1",
        "[limits\nroot = 1",
        "root = \"/srv\"\n[passive]\nports = \"65535-65535\"\n",
        "root = \"/srv\"\n[passive]\nports = \"0-\u{663}\"\n",
        "root = \"/srv\"\n[limits]\ndata_timeout = 0\n",
        "root = \"/srv\"\n[limits]\nidle_timeout = -1\n",
        "root = \"/srv\"\n[limits]\nmax_upload_bytes = 18446744073709551615\n",
        "root = \"/srv\"\n[chat]\nrotate_bytes = 18446744073709551615\nkeep_bytes = 1\n",
    ] {
        config(text);
    }
    let e = Config::parse("root = \"/srv\"\n[limits]\ndata_timeout = 0\n", Path::new("/x/loft.toml")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("limits.data_timeout"));
    assert_eq!(e.position.map(|p| p.0), Some(3));
}

#[test]
fn the_codec_opens_anything_without_panicking() {
    let k = RoomKey::from_fernet_key(KEY).unwrap();
    let f = fernet::Fernet::new(KEY).unwrap();
    for t in vector_tokens() {
        // Tokens of other passwords are "another key"; those of "secret" open.
        match k.open_line(&t) {
            Ok(m) => assert!(!m.user.is_empty() || m.text.is_empty()),
            Err(e) => assert_eq!(e, LineError::OtherKey, "{t}"),
        }
        // Truncated, re-encoded, and flipped: never a panic, never "our key" for a forgery.
        for cut in [1, 10, 57, 72, 73, t.len() - 1] {
            let _ = k.open_line(&t[..cut.min(t.len())]);
        }
        let mut raw = t.clone().into_bytes();
        let mid = raw.len() / 2;
        raw[mid] = if raw[mid] == b'A' { b'B' } else { b'A' };
        assert!(k.open_line(std::str::from_utf8(&raw).unwrap()).is_err());
    }
    // Payloads sealed with the room key: arbitrary bytes behind a valid signature.
    let bomb = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; 40 << 20]).unwrap();
        z.finish().unwrap()
    };
    let not_utf8 = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&[0xff, 0xfe, 0xfd]).unwrap();
        z.finish().unwrap()
    };
    for payload in [
        &b""[..],
        b"x",
        b"\x78\x9c",
        b"2026-11-22 10:00:bob: plain, before zlib",
        b"2026-11-22 10:00",
        b"2026-13-45 99:99:x: y",
        "2026-11-22 10:0é:x: y".as_bytes(),
        &bomb,
        &not_utf8,
    ] {
        let token = f.encrypt(payload);
        assert!(token::is_token(&token));
        assert_ne!(k.open_line(&token).err(), Some(LineError::OtherKey));
    }
    // Round trips, odd text included.
    for text in ["", "a", "2026-11-22 10:00:x: y", "é\u{0}\n\r\t", &"x".repeat(100_000)] {
        let token = k.seal(text);
        assert_eq!(check_line(token.as_bytes()), Ok(()));
        assert_eq!(k.open(&token).as_deref(), Ok(text));
    }
    for text in ["", "2026-11-22 10:00", "2026-11-22 10:00:", "2026-11-22 10:00:a", "2026-11-22 10:0é", "é"] {
        let _ = message::parse(text);
    }
}
