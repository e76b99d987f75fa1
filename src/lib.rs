//! Loft: a private FTP/FTPS relay for encrypted chat, and the chat client, in one binary.
//!
//! People already chat through plain FTP servers with the FTPChat client: each message is
//! one Fernet token appended to `<room>.txt`, and readers follow the file by byte offset.
//! Router FTP servers were not built for that; Loft is.
//!
//! The layers, each using only those listed before it:
//!
//! - [`base`]: the leaves, used by several layers: password hashes, the TLS certificate,
//!   the log filter, atomic file replacement, poison-tolerant locks, room-name globs.
//! - [`config`]: `loft.toml`, checked with the key and line of every mistake, and the
//!   commands that write it (`loft init`, `loft user …`, `loft check`).
//! - [`room`]: the room store, what makes Loft chat-aware. One writer per room, validated
//!   whole-line appends with group commit, de-duplicated retries, recovery after a crash,
//!   rotation behind logical offsets that never move, read receipts. It knows files and
//!   offsets, not FTP.
//! - [`relay`]: `loft serve`, the FTP/FTPS server on libunftp, and beside it the chat page
//!   and its HTTP API (`relay::web`, the `web` feature). The accept loops and their caps,
//!   logins, per-user homes and rate limits, the storage backend that routes rooms to the
//!   room store, and the `SITE` commands.
//! - [`client`]: `loft send | read | chat | rooms`, the FTPChat v1.7 wire format over an
//!   FTP session.
//!
//! `src/main.rs` is only the command-line front: every command is a function here.

pub mod base;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod ftpchat;
pub mod relay;
pub mod room;
