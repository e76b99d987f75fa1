//! `loft`: the command-line front. Every command is a function of the library.

use clap::{Parser, Subcommand};
use loft::base::exit::finish;
use std::process::ExitCode;

/// Loft: a private FTP/FTPS relay for encrypted chat, and its client.
///
/// On the relay (a router with a USB disk, a Raspberry Pi):
///
///     loft init --root /mnt/usb/loft     config, certificate, first user
///     loft serve                         FTP and FTPS (AUTH TLS)
///     loft invite --room lobby           a link and QR code to join
///
/// On a laptop, or in a script:
///
///     loft send -s ftp://chat@relay/ --room lobby "hello"
///     loft read -s ftp://chat@relay/ --room lobby --follow
///     loft send --room lobby --file photo.jpg; loft get --room lobby 3f2a9c1b
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
    Serve(loft::relay::ServeArgs),
    Init(loft::config::init::InitArgs),
    User(loft::config::users::UserArgs),
    Check(loft::config::CheckArgs),
    Cert(loft::config::cert::CertArgs),
    Invite(loft::relay::invites::cli::InviteArgs),
    /// Send one message to a room (TEXT, or standard input with `-`).
    #[cfg(feature = "client")]
    Send(loft::client::SendArgs),
    /// Print the messages of a room; --follow keeps printing new ones.
    #[cfg(feature = "client")]
    Read(loft::client::ReadArgs),
    /// Interactive chat in a room.
    #[cfg(feature = "client")]
    Chat(loft::client::ChatArgs),
    /// Fetch, check and decrypt a file shared in a room.
    #[cfg(feature = "client")]
    Get(loft::client::GetArgs),
    /// List the rooms this user can see.
    #[cfg(feature = "client")]
    Rooms(loft::client::RoomsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(a) => finish("serve", loft::relay::run(a)),
        Command::Init(a) => finish("init", loft::config::init::run(a)),
        Command::User(a) => finish("user", loft::config::users::run(a)),
        Command::Check(a) => finish("check", loft::config::check(a)),
        Command::Cert(a) => finish("cert", loft::config::cert::run(a)),
        Command::Invite(a) => finish("invite", loft::relay::invites::cli::run(a)),
        #[cfg(feature = "client")]
        Command::Send(a) => finish("send", loft::client::send(a)),
        #[cfg(feature = "client")]
        Command::Read(a) => finish("read", loft::client::read(a)),
        #[cfg(feature = "client")]
        Command::Chat(a) => finish("chat", loft::client::chat(a)),
        #[cfg(feature = "client")]
        Command::Get(a) => finish("get", loft::client::get(a)),
        #[cfg(feature = "client")]
        Command::Rooms(a) => finish("rooms", loft::client::rooms(a)),
    }
}

/// musl's `dlsym` for a static binary, for MIPS builds with `-C relocation-model=static`
/// (what cross/build.sh makes: about 15% smaller code than position-independent code).
///
/// On MIPS, position-independent functions expect their own address in `$t9` when called,
/// and the linker adds a stub that sets it when non-PIC code calls them, but only for
/// objects marked PIC. musl's `dlsym` is hand-written assembly with the PIC prologue and no
/// such mark, so a direct call from non-PIC Rust code (rustix asks it for `statx`) jumps in
/// with a stale `$t9` and crashes. In a static binary musl's `dlsym` finds nothing anyway
/// (there is no dynamic symbol table); this definition, which the linker takes instead of
/// musl's, does the same without the PIC prologue. Callers then use the system call
/// directly, as they did. cross/build.sh checks after each MIPS build that no direct call
/// into a `$t9`-dependent function is left.
#[cfg(all(target_arch = "mips", target_env = "musl", target_feature = "crt-static"))]
#[no_mangle]
pub extern "C" fn dlsym(_handle: *mut libc::c_void, _symbol: *const libc::c_char) -> *mut libc::c_void {
    std::ptr::null_mut()
}
