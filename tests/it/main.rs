//! The integration tests, in one binary (one link of loft instead of one per file).
//!
//! Each module drives one surface of a real `loft serve` (or of the `loft` client, or of
//! the shipped files) with real clients: `serve_*` the relay over FTP and FTPS, `rooms_*`
//! the chat rooms, `client_*` the bundled client, `web_client` the browser page and its
//! API, `ship_*` the packaging, `cli_config` the config commands. The harness is
//! `tests/common`; the Python clients are in `tests/support`.
//!
//! Run one surface with `cargo test --test it serve_hardening::`; the slow hardening tests
//! are `#[ignore]`d and run by `.ci/run` with `cargo test --test it -- --ignored`.

#[path = "../common/mod.rs"]
mod common;

mod cli_config;
mod client_chat;
mod client_codec;
mod client_files;
mod client_hostile;
mod client_relay;
mod client_send;
mod client_vsftpd;
mod client_wait;
#[cfg(feature = "cluster")]
mod cluster;
mod fuzz_regressions;
mod rooms_append;
mod rooms_rotation;
mod rooms_site;
mod serve_certificates;
mod serve_curl_lftp;
mod serve_disk_full;
mod serve_files;
mod serve_flood;
mod serve_ftplib;
mod serve_hardening;
mod serve_limits;
mod serve_signals;
mod serve_slow_clients;
mod ship_openwrt;
mod ship_smoke;
mod ship_systemd;
mod suppaftp_patterns;
mod vendored_patches;
mod web_app;
mod web_client;
mod web_invites;
