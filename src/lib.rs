//! Loft: a private FTP/FTPS relay for encrypted chat, and the chat client, in one binary.
//!
//! People already chat through plain FTP servers with the FTPChat client: each message is
//! one Fernet token appended to `<room>.txt`, and readers follow the file by byte offset.
//! Router FTP servers were not built for that; Loft is.
//!
//! The layers, each using only those listed before it:
//!
//! - [`base`]: the leaves, used by several layers: password hashes, the TLS certificate
//!   and its local CA, the log filter, files (atomic replacement, folder usage),
//!   poison-tolerant locks, room-name globs, text for people and URLs (sizes,
//!   percent-encoding, cleaning), the secret prompt.
//! - [`config`]: `loft.toml`, checked with the key and line of every mistake, and the
//!   commands that write it (`loft init`, `loft user …`, `loft check`).
//! - [`ftpchat`]: the FTPChat v1.7 wire format in one place: the token shape, the room
//!   key, the message plaintext, and Loft's shared files. It depends only on `base`.
//! - [`room`]: the room store, what makes Loft chat-aware. One writer per room, validated
//!   whole-line appends with group commit, de-duplicated retries, recovery after a crash,
//!   rotation behind logical offsets that never move, read receipts. It knows files and
//!   offsets, not FTP or HTTP: its errors say what happened (disk full, no such room),
//!   and the relay turns them into replies.
//! - `cluster` (the `cluster` feature): cluster mode, the rooms' log in NATS JetStream;
//!   it hands the room store a replicator and applies the stream through it
//!   ([`room::replica`]).
//! - [`relay`]: `loft serve`, the FTP/FTPS server on libunftp, and beside it the chat page
//!   and its HTTP API (`relay::web`, the `web` feature). [`relay::Server`] is the relay as
//!   a value (bind, run until a shutdown future, reload through a handle), so tests hold
//!   one in-process; `loft serve` adds the process around it. The accept loops and caps,
//!   logins, per-user homes and rate limits, the storage backend that routes rooms to the
//!   room store, and the `SITE` commands.
//! - [`client`]: `loft send | read | chat | get | rooms`, FTPChat rooms and shared files
//!   over an FTP session.
//!
//! `src/main.rs` is only the command-line front: every command is a function here.

pub mod base;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "cluster")]
pub(crate) mod cluster;
pub mod config;
pub mod ftpchat;
pub mod relay;
pub mod room;
