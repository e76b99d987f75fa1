//! The FTPChat message codec (`loft::ftpchat`): a reader opens every line of a room
//! shared with clients it does not control, so no line may make it panic. Three ways in:
//! the raw line; a payload sealed with the room's key (so decompression and the message
//! parser see arbitrary bytes behind a valid signature); and seal/open round trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loft::ftpchat::key::{self, RoomKey};
use loft::ftpchat::{message, token};
use std::sync::OnceLock;

/// A fixed key (deriving one from a password costs 100 000 rounds).
/// The key of the shared vectors (password "secret"), so their tokens, the seeds, open.
const KEY: &str = "_-KHXV01HcmIAuGaAyQo2D7l0x1LejXqIJxQuBbplwE=";

fn key() -> &'static RoomKey {
    static K: OnceLock<RoomKey> = OnceLock::new();
    K.get_or_init(|| RoomKey::from_fernet_key(KEY).expect("a valid key"))
}

fuzz_target!(|data: &[u8]| {
    let k = key();
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            let line = String::from_utf8_lossy(rest);
            let _ = token::is_token(&line);
            let _ = k.open_line(&line);
            let _ = message::parse(&line);
        }
        1 => {
            let f = fernet::Fernet::new(KEY).expect("a valid key");
            let token = f.encrypt(rest);
            match k.open_line(&token) {
                Ok(_) => {}
                Err(LineError::OtherKey) => panic!("our own key reported as another"),
                Err(_) => {}
            }
        }
        _ => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            let token = k.seal(text);
            assert!(token::is_token(&token));
            assert!(loft::ftpchat::token::check_line(token.as_bytes()).is_ok(), "the relay refuses our own token");
            assert_eq!(k.open(&token).as_deref(), Ok(text), "round trip");
        }
    }
});
