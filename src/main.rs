//! `loft`: the command-line front. Every command is a function of the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Loft: a private FTP/FTPS relay for encrypted chat, and its client.
///
/// On the relay (a router with a USB disk, a Raspberry Pi):
///
///     loft init --root /mnt/usb/loft     config, certificate, first user
///     loft serve                         FTP and FTPS (AUTH TLS)
///
/// On a laptop, or in a script:
///
///     loft send -s ftp://chat@relay/ --room lobby "hello"
///     loft read -s ftp://chat@relay/ --room lobby --follow
///
/// The config file is -c PATH, else $LOFT_CONFIG, else /etc/loft/loft.toml.
/// Run `loft help <command>` for the manual of one command.
#[derive(Parser, Debug)]
#[command(name = "loft", version, verbatim_doc_comment, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Serve(loft::server::ServeArgs),
    Init(loft::config::init::InitArgs),
    User(loft::config::users::UserArgs),
    Check(loft::config::CheckArgs),
    /// Send one message to a room (TEXT, or standard input with `-`).
    Send(loft::client::SendArgs),
    /// Print the messages of a room; --follow keeps printing new ones.
    Read(loft::client::ReadArgs),
    /// Interactive chat in a room.
    Chat(loft::client::ChatArgs),
    /// List the rooms this user can see.
    Rooms(loft::client::RoomsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(a) => loft::server::run(a),
        Command::Init(a) => loft::config::init::run(a),
        Command::User(a) => loft::config::users::run(a),
        Command::Check(a) => loft::config::check(a),
        Command::Send(a) => loft::client::send(a),
        Command::Read(a) => loft::client::read(a),
        Command::Chat(a) => loft::client::chat(a),
        Command::Rooms(a) => loft::client::rooms(a),
    }
}
