//! The leaves: small pieces that depend on nothing else in Loft.
//!
//! Each is used by more than one layer (the config checks what the relay will later use),
//! so living here is what keeps the layers above from importing one another sideways.

pub mod cert;
pub mod exit;
pub mod files;
pub mod glob;
pub mod logging;
pub mod password;
pub mod prompt;
pub(crate) mod qr;
pub mod space;
pub mod sync;
pub mod text;
