//! The chat client: `loft send | read | chat | get | rooms`.
//!
//! The same binary that serves on a router is the client on a laptop, a Pi, or the router
//! itself (alerts from cron scripts), so the client is built for both people and scripts:
//! output is coloured only on a terminal, `--json` gives one object per message, and every
//! failure maps to a documented exit code ([`Exit`]) a script can branch on.
//!
//! The pieces, in the order a message travels:
//! - [`target`]: where to connect and with which secrets (URL, `$LOFT_SERVER`, profiles in
//!   `client.toml`; passwords from files, the environment or a prompt, never from argv).
//! - [`codec`]: the FTPChat v1.7 wire format, which must stay byte-compatible.
//! - [`trust`]: why a TLS certificate is believed (system roots, a pin, or trust on first
//!   use recorded in `known_hosts`, like ssh).
//! - [`session`]: one long-lived FTP control connection with reconnects.
//! - [`outbox`]: messages are written to disk before they are sent, so that nothing typed
//!   is lost and nothing is delivered twice.
//! - [`room`]: following a room file by byte offset, robust to rewrites and foreign lines.
//! - [`output`]: how a message is shown.
//! - [`chat`]: the interactive screen.

pub mod chat;
pub mod outbox;
pub mod output;
pub mod reader;
pub mod session;
pub mod target;
pub mod trust;

mod follow;
mod get;
mod read;
mod rooms;
mod send;

use std::fmt;
use std::path::PathBuf;

/// The exit codes, for scripts (also in every command's `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// Anything not listed below.
    Failure = 1,
    /// Bad command line, or a setting or secret that is missing or invalid.
    Usage = 2,
    /// The relay refused the user name or password.
    Auth = 3,
    /// The relay could not be reached, or the connection was lost.
    Network = 4,
    /// TLS could not be trusted: certificate changed or not the pinned one, TLS required but
    /// not offered, or a relay that used TLS before now refuses it.
    TlsTrust = 5,
    /// The relay refused the operation: no such room, permission denied, too large.
    Refused = 6,
    /// `loft send`: the relay is unreachable now; the message is kept in the outbox and will
    /// be delivered, once, by the next `loft send`, `read` or `chat` that reaches it.
    Queued = 7,
}

/// The exit code table shown by `--help`.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  unexpected error
  2  usage: bad option, missing or invalid setting or secret
  3  authentication: the relay refused the user name or password
  4  network: the relay could not be reached, or the connection was lost
  5  TLS trust: the certificate changed or is not the pinned one, TLS was required
     but not offered, or a relay that used TLS before now refuses it
  6  refused by the relay: no such room, permission denied, too large
  7  (send) relay unreachable: the message is kept in the outbox and will be sent,
     once, by the next `loft send`, `read` or `chat` that reaches the relay";

/// A failure, with the exit code it maps to and a message that says what to do.
#[derive(Debug, Clone)]
pub struct Error {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

impl Error {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Error {
        Error { exit, message: message.into() }
    }
    pub(crate) fn usage(message: impl Into<String>) -> Error {
        Error::new(Exit::Usage, message)
    }
    pub(crate) fn network(message: impl Into<String>) -> Error {
        Error::new(Exit::Network, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// `--tls`: how much the client insists on TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TlsChoice {
    /// Try AUTH TLS; if the relay does not offer it, continue in plain FTP and say so.
    Prefer,
    /// TLS or nothing.
    Require,
    /// Plain FTP (everything but the messages themselves is readable on the network).
    Off,
}

/// Where to connect and as whom; shared by every client command.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct ConnectArgs {
    /// The relay: ftp://USER@HOST[:PORT]/[FOLDER/] or ftps://… (TLS required).
    /// Default: $LOFT_SERVER, else the profile.
    #[arg(short = 's', long, value_name = "URL")]
    pub(crate) server: Option<String>,
    /// A profile of ~/.config/loft/client.toml (default: its `default`, or $LOFT_PROFILE).
    #[arg(short = 'p', long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// prefer: try TLS, fall back to plain FTP visibly; require: TLS or fail; off: plain FTP.
    /// Default: prefer (require for ftps://).
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) tls: Option<TlsChoice>,
    /// Accept only the certificate, or the CA, with this SHA-256 fingerprint (as `loft init`
    /// prints it, AB:CD:… or plain hex) instead of trust on first use. Pin a relay's CA.
    #[arg(long, value_name = "SHA256")]
    pub(crate) tls_fingerprint: Option<String>,
    /// Read the FTP password from this file (first line). Else $LOFT_FTP_PASSWORD, else the
    /// profile's password_file, else a prompt.
    #[arg(long, value_name = "PATH")]
    pub(crate) password_file: Option<PathBuf>,
    /// Seconds to wait for the relay before giving up on a connection or command.
    #[arg(long, value_name = "SECS", default_value_t = 20)]
    pub(crate) timeout: u64,
}

/// Which room, with which key, under which name.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct RoomArgs {
    /// The room: NAME means the file NAME.txt (NAME.txt works too). Default: $LOFT_ROOM,
    /// else the profile's room.
    #[arg(short = 'r', long, value_name = "NAME")]
    pub(crate) room: Option<String>,
    /// Read the room key (the room password) from this file (first line). Else
    /// $LOFT_ROOM_KEY, else the profile's key_file, else a prompt.
    #[arg(short = 'k', long, value_name = "PATH")]
    pub(crate) key_file: Option<PathBuf>,
    /// The name shown with your messages. Default: $LOFT_NAME, the profile's name, else the
    /// FTP user name.
    #[arg(short = 'n', long, value_name = "NAME")]
    pub(crate) name: Option<String>,
}

const SEND_MANUAL: &str = "\
Appends one encrypted message (FTPChat v1.7 format) to the room file with APPE.

    loft send -s ftp://alice@relay/ --room lobby \"dinner at 8\"
    df -h | loft send --room alerts -          (the whole input is one message)

The message is first written to the outbox (~/.local/state/loft/outbox, or
$XDG_STATE_HOME/loft/outbox), then sent. If the relay cannot be reached, it stays
there and is sent, in order and exactly once, by the next `loft send`, `read` or
`chat` that reaches the relay (exit code 7), unless --no-queue is given (exit code 4).

Secrets never need to be on the command line, where `ps` shows them:
  FTP password: --password-file, $LOFT_FTP_PASSWORD, the profile, or a prompt
  room key:     --key-file, $LOFT_ROOM_KEY, the profile, or a prompt

Profiles (~/.config/loft/client.toml, or $XDG_CONFIG_HOME/loft/client.toml):

    default = \"home\"
    [profile.home]
    server = \"ftp://alice@192.168.1.1/\"
    room = \"lobby\"
    name = \"alice\"
    password_file = \"home.password\"      # relative to the file's folder
    key_file = \"lobby.key\"
    tls = \"prefer\"                        # prefer | require | off
    tls_fingerprint = \"AB:CD:…\"           # optional pin
    interval = 5                          # seconds between polls (read --follow, chat)

TLS: a certificate signed by a public CA is accepted; otherwise the first
connection records its SHA-256 fingerprint in ~/.config/loft/known_hosts and prints
it (compare it with what `loft init` printed on the relay); a later, different
certificate is refused (exit code 5) until that line is removed.";

const READ_MANUAL: &str = "\
Prints the messages of a room: `HH:MM user: text`, coloured by user on a terminal,
plain when piped, one JSON object per line with --json:

    {\"room\":\"lobby\",\"time\":\"2026-11-22 10:15\",\"sent\":1795000000,
     \"user\":\"alice\",\"text\":\"hello\",\"own\":false}

`time` is what the sender's clock said (their local time); `sent` is the Unix time
in the token, comparable across time zones, and is what --since compares.

--follow keeps printing new messages: instantly on a Loft relay (SITE WAIT), else
by polling the file size every --interval seconds. If the file gets shorter
(rotated or truncated by someone else) it is read again from the start; messages
already shown are not shown again. Lines encrypted with another key are counted
and reported once; malformed lines are skipped with a warning. If the relay goes
away, --follow reconnects with backoff and sends what is in the outbox.

--since accepts `YYYY-MM-DD HH:MM`, `YYYY-MM-DD`, `HH:MM` (today), a duration
back from now (`90s`, `30m`, `2h`, `7d`) or `@UNIXTIME`.

Connection, secrets and profiles: see `loft send --help`.";

const CHAT_MANUAL: &str = "\
An interactive chat: new messages appear above the line you are typing.

  /quit           leave (Ctrl-D and Ctrl-C too)
  /room NAME      switch to another room (asks for its key; Enter keeps the current one)
  /who            who is around (SITE SEEN on a Loft relay, else recent senders)
  /rooms          the rooms you can see
  /file PATH      share a file (encrypted, announced in the room; see `loft get`)
  /get FILE       fetch a shared file into the current folder (FILE: the id shown
                  as [loft get …], or the file's name)
  /help           this list

Up and Down recall what you typed. A message that cannot be sent now is kept in
the outbox and sent when the relay is back. Works over ssh on any terminal.

Connection, secrets and profiles: see `loft send --help`.";

const ROOMS_MANUAL: &str = "\
Lists the rooms (the *.txt files) in the folder of the relay this user sees, one
name per line; --long adds the size and the last change. Use a name with --room.

Connection, secrets and profiles: see `loft send --help`.";

/// `loft send`
#[derive(clap::Args, Debug)]
#[command(after_help = EXIT_CODES, after_long_help = format!("{SEND_MANUAL}\n\n{EXIT_CODES}"))]
pub struct SendArgs {
    #[command(flatten)]
    pub(crate) connect: ConnectArgs,
    #[command(flatten)]
    pub(crate) room: RoomArgs,
    /// Send now or fail (exit code 4), without the outbox: for scripts that retry on their
    /// own. (Without it, a message the relay cannot take now is kept: exit code 7.)
    #[arg(long)]
    pub(crate) no_queue: bool,
    /// Share this file: it is encrypted with a key of its own, stored beside the room,
    /// and announced by a message that carries the key (see `loft get`).
    #[arg(long, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,
    /// With --file: text sent along with the file.
    #[arg(long, value_name = "TEXT")]
    pub(crate) caption: Option<String>,
    /// The message; `-` or nothing (with input piped) reads it from standard input.
    #[arg(value_name = "TEXT")]
    pub(crate) text: Vec<String>,
}

/// `loft get`
#[derive(clap::Args, Debug)]
#[command(after_help = EXIT_CODES, after_long_help = format!("{GET_MANUAL}\n\n{EXIT_CODES}"))]
pub struct GetArgs {
    #[command(flatten)]
    pub(crate) connect: ConnectArgs,
    #[command(flatten)]
    pub(crate) room: RoomArgs,
    /// Where to write the file (default: its name, in the current folder; `-`: standard
    /// output, once it has been checked).
    #[arg(short = 'o', long, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub(crate) force: bool,
    /// The file: the start of its id as `loft read` shows it (`3f2a9c1b`), its name (the
    /// latest file of that name), or a whole `loft-file:…` reference.
    #[arg(value_name = "FILE")]
    pub(crate) file: String,
}

const GET_MANUAL: &str = "\
Fetches a file shared in a room (`loft send --file`, `/file` in `loft chat`, or the
paperclip on the web page), checks it and decrypts it:

    $ loft read --room lobby
    20:14 alice: 📎 photo.jpg (2.1 MB) — the view [loft get 3f2a9c1b]
    $ loft get --room lobby 3f2a9c1b
    loft get: photo.jpg (2.1 MB, SHA-256 checked) saved as ./photo.jpg

FILE is looked for among the room's messages that `loft read` shows (the room key
opens them); a whole `loft-file:` reference (in `loft read --json`, field `file.ref`)
needs no room key. The file is written under a temporary name and renamed only once
every chunk has decrypted and the size and SHA-256 match the announcement: a
truncated, changed or replaced file is an error, and leaves no output file.

The format is in docs/files.md (\"Shared files\"). Connection, secrets and profiles: see
`loft send --help`.";

/// `loft read`
#[derive(clap::Args, Debug)]
#[command(after_help = EXIT_CODES, after_long_help = format!("{READ_MANUAL}\n\n{EXIT_CODES}"))]
pub struct ReadArgs {
    #[command(flatten)]
    pub(crate) connect: ConnectArgs,
    #[command(flatten)]
    pub(crate) room: RoomArgs,
    /// Keep printing new messages until interrupted.
    #[arg(short = 'f', long)]
    pub(crate) follow: bool,
    /// Only messages sent at or after TIME: `YYYY-MM-DD HH:MM`, `HH:MM`, `30m`, `2h`, `7d`, `@UNIX`.
    #[arg(long, value_name = "TIME")]
    pub(crate) since: Option<String>,
    /// Only the last N messages (before following).
    #[arg(long, value_name = "N")]
    pub(crate) last: Option<usize>,
    /// One JSON object per message.
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds between checks when the relay has no SITE WAIT (default 5, or the profile's).
    #[arg(long, value_name = "SECS")]
    pub(crate) interval: Option<f64>,
}

/// `loft chat`
#[derive(clap::Args, Debug)]
#[command(after_help = EXIT_CODES, after_long_help = format!("{CHAT_MANUAL}\n\n{EXIT_CODES}"))]
pub struct ChatArgs {
    #[command(flatten)]
    pub(crate) connect: ConnectArgs,
    #[command(flatten)]
    pub(crate) room: RoomArgs,
    /// Messages of the room shown when joining.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub(crate) last: usize,
    /// Seconds between checks when the relay has no SITE WAIT (default 5, or the profile's).
    #[arg(long, value_name = "SECS")]
    pub(crate) interval: Option<f64>,
}

/// `loft rooms`
#[derive(clap::Args, Debug)]
#[command(after_help = EXIT_CODES, after_long_help = format!("{ROOMS_MANUAL}\n\n{EXIT_CODES}"))]
pub struct RoomsArgs {
    #[command(flatten)]
    pub(crate) connect: ConnectArgs,
    /// Also show each room's size and last change.
    #[arg(short = 'l', long)]
    pub(crate) long: bool,
    /// One JSON object per room.
    #[arg(long)]
    pub(crate) json: bool,
}

pub fn send(args: SendArgs) -> Result<u8> {
    send::send(args).map(|e| e as u8)
}

pub fn read(args: ReadArgs) -> Result<u8> {
    read::read(args).map(|e| e as u8)
}

pub fn chat(args: ChatArgs) -> Result<u8> {
    chat::run(args).map(|e| e as u8)
}

pub fn get(args: GetArgs) -> Result<u8> {
    get::get(args).map(|e| e as u8)
}

pub fn rooms(args: RoomsArgs) -> Result<u8> {
    rooms::rooms(args).map(|e| e as u8)
}

impl crate::base::exit::Failure for Error {
    fn exit_code(&self) -> u8 {
        self.exit as u8
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::new(Exit::Failure, format!("cannot start the async runtime: {e}")))
}
