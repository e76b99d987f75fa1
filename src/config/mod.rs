//! The relay's configuration: one TOML file, `loft.toml`.
//!
//! A router owner edits this file by hand over ssh, so a mistake must be reported before
//! anything starts, as `file:line:column: key: what is expected`, and unknown keys are
//! refused (a typo silently ignored is a setting that silently does not apply). Relative
//! paths are relative to the file's own folder, so a config and its certificate can be
//! moved together. Passwords are stored only as PHC strings (`$pbkdf2-sha256$…`).
//!
//! The file is written by `loft init` ([`init`]) and edited by `loft user …` ([`users`]),
//! which keep the comments a person added.

//!
//! The files of this module, by concern:
//! - [`schema`]: the sections and keys, with their defaults (serde's defaults are the only
//!   ones: `impl Default` of each section is what a missing key takes);
//! - `duration`: times as `600`, `"500ms"` or `"10m"`;
//! - `load`: reading and parsing the file, relative paths; `validate`: the checks serde
//!   cannot make; `locate`: the line and column of a key, for the error;
//! - [`check`]: `loft check`; [`init`]: `loft init` and its template; [`users`]:
//!   `loft user …`.

pub mod cert;
mod check;
mod duration;
mod error;
pub mod init;
mod load;
mod locate;
mod schema;
pub mod users;
mod validate;

pub use check::{check, CheckArgs};
pub(crate) use duration::{parse as parse_duration, show_duration};
pub use error::{ConfigError, Error};
pub(crate) use schema::*;
pub use schema::{Config, Limits};
pub(crate) use validate::check_home;

use std::path::{Path, PathBuf};

/// Where the config is when neither `-c` nor `$LOFT_CONFIG` says.
pub(crate) const DEFAULT_PATH: &str = "/etc/loft/loft.toml";

/// The config file to use: `-c`, else `$LOFT_CONFIG`, else [`DEFAULT_PATH`].
pub(crate) fn resolve_path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    match std::env::var_os("LOFT_CONFIG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_PATH),
    }
}

#[cfg(test)]
mod tests;
