//! The room-line validator (`loft::ftpchat::token::check_line`): the first code that sees
//! what a client uploads. It must never panic, and what it accepts, the chat client must
//! read as a token too (the client is the more lenient of the two).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let verdict = loft::ftpchat::token::check_line(data);
    if verdict.is_ok() {
        let s = std::str::from_utf8(data).expect("an accepted line is ASCII");
        assert!(loft::ftpchat::token::is_token(s), "the relay accepts {s:?}, the client would not");
    }
    if let Err(reason) = verdict {
        assert!(!reason.is_empty());
    }
});
