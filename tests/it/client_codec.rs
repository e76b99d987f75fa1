//! The FTPChat v1.7 wire format against the shared vectors and against Python's
//! `cryptography`, in both directions.

#![cfg(feature = "client")]

use loft::ftpchat::key::{self, LineError, RoomKey};
use loft::ftpchat::message;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ftpchat-v1.7.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn helper() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/client_ftpchat.py").to_string()
}

fn python_ok() -> bool {
    !crate::common::skip_without_cryptography()
}

#[test]
fn salt_and_rounds_match_the_vectors() {
    let v = vectors();
    assert_eq!(v["salt"].as_str().unwrap().as_bytes(), key::SALT);
    assert_eq!(v["iterations"].as_u64().unwrap(), key::ITERATIONS as u64);
}

#[test]
fn every_vector_key_matches() {
    for k in vectors()["keys"].as_array().unwrap() {
        let password = k["password"].as_str().unwrap();
        assert_eq!(key::derive_fernet_key(password), k["fernet_key"].as_str().unwrap(), "password {password:?}");
    }
}

#[test]
fn every_vector_token_decrypts_to_its_plaintext() {
    for t in vectors()["tokens"].as_array().unwrap() {
        let key = RoomKey::derive(t["password"].as_str().unwrap());
        let token = t["token"].as_str().unwrap();
        let plaintext = t["plaintext"].as_str().unwrap();
        assert_eq!(key.open(token).unwrap(), plaintext);
        let m = key.open_line(token).unwrap();
        assert_eq!(m.sent, t["time"].as_u64().unwrap());
        let (time, user, text) = message::parse(plaintext).unwrap();
        assert_eq!((m.time, &m.user, &m.text), (time, &user, &text));
        assert_eq!(message::compose(m.time, &m.user, &m.text), plaintext, "compose(parse(p)) == p");
    }
}

#[test]
fn vector_messages_parse_as_expected() {
    let key = RoomKey::derive("correct horse battery staple");
    let toks = vectors()["tokens"].as_array().unwrap().clone();
    let bob = key.open_line(toks[1]["token"].as_str().unwrap()).unwrap();
    assert_eq!((bob.user.as_str(), bob.text.as_str()), ("bob", "hi alice, 3 lines\nsecond line\nthird line"));
    let dave = key.open_line(toks[4]["token"].as_str().unwrap()).unwrap();
    assert_eq!((dave.user.as_str(), dave.text.as_str()), ("dave", ""));
    let carol = RoomKey::derive("secret").open_line(toks[3]["token"].as_str().unwrap()).unwrap();
    assert_eq!(carol.text, "colons: in: the: text");
    // A token of another room is recognised as such, not as garbage.
    assert_eq!(key.open_line(toks[0]["token"].as_str().unwrap()), Err(LineError::OtherKey));
}

#[test]
fn loft_tokens_decrypt_in_python() {
    if !python_ok() {
        return;
    }
    let mut lines = Vec::new();
    let mut input = String::new();
    for t in vectors()["tokens"].as_array().unwrap() {
        if t["password"] != "كلمة السر" {
            continue;
        }
        let plain = t["plaintext"].as_str().unwrap().to_string();
        input.push_str(&RoomKey::derive("كلمة السر").seal(&plain));
        input.push('\n');
        lines.push(plain);
    }
    let key = RoomKey::derive("كلمة السر");
    let sent = key.seal_message("zoë", "line one\nline: two  ");
    input.push_str(&sent);
    input.push('\n');
    let mut child = Command::new("python3")
        .args([helper().as_str(), "open", "كلمة السر"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let got: Vec<Option<String>> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got.len(), lines.len() + 1);
    for (g, want) in got.iter().zip(&lines) {
        assert_eq!(g.as_deref(), Some(want.as_str()));
    }
    let last = got.last().unwrap().as_deref().expect("python decrypts what loft sealed");
    let (_, user, text) = message::parse(last).unwrap();
    assert_eq!((user.as_str(), text.as_str()), ("zoë", "line one\nline: two"));
}

#[test]
fn python_tokens_decrypt_in_loft() {
    if !python_ok() {
        return;
    }
    for (password, plain) in [
        ("secret", "2026-11-22 10:15:alice: hello"),
        ("", "2026-01-02 03:04:x:"),
        ("pässwörd", "2026-11-22 23:59:émile: ünïcode: 👋\nand more"),
    ] {
        let out = Command::new("python3").args([helper().as_str(), "seal", password, plain]).output().unwrap();
        assert!(out.status.success());
        let token = String::from_utf8(out.stdout).unwrap();
        let key = RoomKey::derive(password);
        assert_eq!(key.open(token.trim()).unwrap(), plain);
        assert!(key.open_line(&token).is_ok());
    }
}
