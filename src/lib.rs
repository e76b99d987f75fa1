//! Loft: a private FTP/FTPS relay for encrypted chat, and the chat client, in one binary.
//!
//! People already chat through plain FTP servers with the FTPChat client: each message is
//! one Fernet token appended to `<room>.txt`, and readers follow the file by byte offset.
//! Router FTP servers were not built for that; Loft is. The layout follows the concepts:
//!
//! - [`config`]: the TOML file (`loft.toml`), its validation with line and column, and the
//!   commands that write it: `loft init`, `loft user …`, `loft check`.
//! - [`server`]: `loft serve`, built on libunftp. The accept loop with its connection caps
//!   ([`server::limits`]), password checks with a login cache and the failed-login policy
//!   ([`server::auth`]), TLS and the self-signed certificate ([`server::tls`]), logging
//!   ([`server::logging`]), and the per-user view of the files ([`server::user`]).
//! - [`chat`]: what makes the relay chat-aware. [`chat::backend`] is the libunftp storage
//!   backend that routes rooms to [`chat::room`], the serialized, validated room log;
//!   [`chat::token`] knows what a Fernet token line looks like.
//! - [`client`]: `loft send | read | chat | rooms`, the FTPChat v1.7 wire format
//!   ([`client::codec`]) over an FTP session.
//!
//! `src/main.rs` is only the command-line front: every command is a function here.

pub mod chat;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod server;
