//! The chat client (placeholder: being written; see issue 4).
pub mod codec;

use std::process::ExitCode;

/// `loft send`
#[derive(clap::Args, Debug)]
pub struct SendArgs {}
/// `loft read`
#[derive(clap::Args, Debug)]
pub struct ReadArgs {}
/// `loft chat`
#[derive(clap::Args, Debug)]
pub struct ChatArgs {}
/// `loft rooms`
#[derive(clap::Args, Debug)]
pub struct RoomsArgs {}

pub fn send(_a: SendArgs) -> ExitCode {
    eprintln!("loft send: not available yet");
    ExitCode::from(1)
}
pub fn read(_a: ReadArgs) -> ExitCode {
    eprintln!("loft read: not available yet");
    ExitCode::from(1)
}
pub fn chat(_a: ChatArgs) -> ExitCode {
    eprintln!("loft chat: not available yet");
    ExitCode::from(1)
}
pub fn rooms(_a: RoomsArgs) -> ExitCode {
    eprintln!("loft rooms: not available yet");
    ExitCode::from(1)
}
