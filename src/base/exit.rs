//! How every command ends: an exit status, and one line on stderr when it failed.
//!
//! Scripts on a router branch on exit statuses, so each layer's error type says which
//! status it means ([`Failure`]), and `main` reports all of them the same way.

use std::fmt;
use std::process::ExitCode;

/// An error that knows the exit status it stands for.
pub trait Failure: fmt::Display {
    fn exit_code(&self) -> u8;
}

/// Turns a command's outcome into its exit status, printing `loft CMD: <error>` on failure.
pub fn finish<E: Failure>(cmd: &str, outcome: Result<u8, E>) -> ExitCode {
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("loft {cmd}: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
