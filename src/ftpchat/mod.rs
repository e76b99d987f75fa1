//! The FTPChat v1.7 wire format, byte for byte, in one place: what a room line is, how a
//! room key is made and opens it, what a message says inside, and Loft's shared files on
//! top. It depends on nothing else in Loft (only [`crate::base`]'s text helpers), so the
//! room store checks lines with it, the client and the page's API use it, and nothing
//! else defines the format a second time.
//!
//! Loft shares rooms with people who run the original FTPChat client, so nothing here is a
//! design choice:
//!
//! - [`token`]: a room line is one Fernet token, URL-safe base64 with padding, + `\n`.
//!   The relay, which has no key, checks this shape on every upload.
//! - [`key`] (the `client` feature): the key is URL-safe base64 of
//!   PBKDF2-HMAC-SHA256(password, FTPChat's fixed salt, 100 000 rounds, 32 bytes), used as
//!   a Fernet key; a line is a message's plaintext, zlib-compressed, then encrypted.
//! - [`message`]: the plaintext is `YYYY-MM-DD HH:MM:<user>: <text>`, the sender's local
//!   time, trailing whitespace stripped.
//! - [`file`]: Loft's shared files (docs/files.md): chunks of a file, one token each, in
//!   `.ROOM.txt.files/ID.lff`, announced by an ordinary message with a `loft-file:`
//!   reference.
//!
//! `tests/fixtures/ftpchat-v1.7.json` (vectors made with Python's `cryptography`) pins
//! all of it; the page's `codec.js` and `files.js` are its mirror in JavaScript, checked
//! against the same vectors.

pub mod file;
#[cfg(feature = "client")]
pub mod key;
pub mod message;
pub mod token;
