//! One FTP control connection to the relay, kept for the whole session.
//!
//! FTPChat logs in for every message; on a router that is a TLS handshake and a password
//! hash per line. Loft keeps one control connection, checks it with NOOP while idle, and
//! when the relay goes away reconnects on the next operation (callers pace retries with
//! [`Backoff`]). Every operation has a deadline, so a relay that vanishes without closing
//! the socket (a router losing power) is noticed instead of hanging forever.
//!
//! Errors are classified into the client's exit codes here, in one place: "the relay said
//! no" ([`Exit::Refused`], [`Exit::Auth`]) must not be retried, "the network failed"
//! ([`Exit::Network`]) must, and "the certificate is not the one we know"
//! ([`Exit::TlsTrust`]) must stop everything.
//!
//! TLS is explicit FTPS (AUTH TLS). With `--tls prefer` a relay without TLS is used in
//! plain FTP, said loudly once, except when `known_hosts` shows the relay did TLS before:
//! a relay that suddenly cannot do TLS is what a downgrade attack looks like.

use super::target::Target;
use super::trust::{self, Verdict, Verifier};
use super::{Error, Exit, Result, TlsChoice};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use suppaftp::tokio::{AsyncRustlsConnector, AsyncRustlsFtpStream as Ftp};
use suppaftp::types::{FileType, Response};
use suppaftp::{FtpError, Mode, Status};
use tokio::io::AsyncReadExt;
use tokio::time::timeout;

/// Where [`Session::get_file`] hands each downloaded piece; its error ends the download.
pub(crate) type Sink<'a> =
    dyn FnMut(&[u8]) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> + Send + 'a;

/// Where the session reports what a person should know (plain-FTP fallback, a first-use
/// certificate, reconnects): stderr for `send`/`read`, above the input line for `chat`.
pub(crate) type Notifier = Arc<dyn Fn(&str) + Send + Sync>;

/// The notifier that prints `loft: …` on stderr.
pub(crate) fn stderr_notifier() -> Notifier {
    Arc::new(|m: &str| eprintln!("loft: {m}"))
}

/// How a `SITE` command of a Loft relay names a room, as learnt from its answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SiteForm {
    Unknown,
    /// `lobby.txt`
    File,
    /// `lobby`
    Bare,
    /// Not a Loft relay (or not this command).
    Missing,
}

/// What `SITE WAIT` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The relay answered: the room grew past the offset, or the wait ran out.
    Changed,
    /// Not a Loft relay (or an old one): poll instead.
    Unsupported,
}

/// The control connection and what was learnt about the relay.
pub(crate) struct Session {
    target: Arc<Target>,
    ftp: Option<Ftp>,
    notify: Notifier,
    /// Whether the current connection is TLS.
    pub(crate) tls: bool,
    mode: Mode,
    /// How `SITE WAIT` / `SITE SEEN` want the room named, once known.
    wait_form: SiteForm,
    seen_form: SiteForm,
    warned_plain: bool,
    /// The last attempt failed in the TLS handshake itself (retried once at once).
    handshake_failed: bool,
    /// When a command last went through, for keep-alive decisions.
    last_used: std::time::Instant,
}

/// How long to wait between reconnect attempts: 1 s doubling to 30 s, with jitter so a
/// room full of clients does not hammer a rebooting router in step.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: Duration::from_secs(1) }
    }
}

impl Backoff {
    pub(crate) const MAX: Duration = Duration::from_secs(30);

    pub(crate) fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        let jitter = rand::random::<f64>() * 0.25 + 0.875;
        d.mul_f64(jitter)
    }

    pub(crate) fn reset(&mut self) {
        *self = Backoff::default();
    }
}

/// The reply code of a response (suppaftp maps codes it does not know to 0).
fn code(r: &Response) -> u32 {
    let c = r.status.code();
    if c != 0 {
        return c;
    }
    std::str::from_utf8(r.body.get(..3).unwrap_or_default()).ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn reply_text(r: &Response) -> String {
    String::from_utf8_lossy(&r.body).trim().to_string()
}

impl Session {
    pub(crate) fn new(target: Arc<Target>, notify: Notifier) -> Session {
        Session {
            target,
            ftp: None,
            notify,
            tls: false,
            mode: Mode::Passive,
            wait_form: SiteForm::Unknown,
            seen_form: SiteForm::Unknown,
            warned_plain: false,
            handshake_failed: false,
            last_used: std::time::Instant::now(),
        }
    }

    /// Sends later notices elsewhere (the chat screen, once it is up).
    pub(crate) fn set_notifier(&mut self, notify: Notifier) {
        self.notify = notify;
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.ftp.is_some()
    }

    /// Forgets the connection (after an error that leaves it unusable).
    pub(crate) fn disconnect(&mut self) {
        self.ftp = None;
    }

    /// Time since the last successful command.
    pub(crate) fn idle(&self) -> Duration {
        self.last_used.elapsed()
    }

    /// Connects and logs in, unless already connected.
    pub(crate) async fn connect(&mut self) -> Result<()> {
        if self.ftp.is_none() {
            self.handshake_failed = false;
            let ftp = match self.open().await {
                Err(_) if self.handshake_failed => self.open().await?,
                r => r?,
            };
            self.ftp = Some(ftp);
            self.last_used = std::time::Instant::now();
        }
        Ok(())
    }

    async fn open(&mut self) -> Result<Ftp> {
        let t = self.target.clone();
        let hp = t.url.host_port();
        let mut ftp = self.greet().await?;
        let mut tls = false;
        if t.tls != TlsChoice::Off {
            let verifier = Arc::new(Verifier::new(&t.known_hosts, &hp, t.pin));
            let verdict = verifier.verdict();
            let config = Arc::new(trust::client_config(verifier));
            let connector = AsyncRustlsConnector::from(suppaftp::tokio_rustls::TlsConnector::from(config));
            match timeout(t.timeout, ftp.into_secure(connector, &t.url.host)).await {
                Ok(Ok(secured)) => {
                    ftp = secured;
                    tls = true;
                    self.note_first_use(&verdict);
                }
                Ok(Err(FtpError::UnexpectedResponse(r))) => {
                    let why = reply_text(&r);
                    if t.tls == TlsChoice::Require {
                        return Err(Error::new(
                            Exit::TlsTrust,
                            format!(
                                "{hp} does not offer TLS (AUTH TLS: {why:?}); `--tls prefer` would continue without it"
                            ),
                        ));
                    }
                    if t.pin.is_some() {
                        return Err(Error::new(
                            Exit::TlsTrust,
                            format!(
                                "{hp} does not offer TLS (AUTH TLS: {why:?}), but --tls-fingerprint pins a certificate"
                            ),
                        ));
                    }
                    if let Some(k) = trust::lookup(&t.known_hosts, &hp) {
                        return Err(Error::new(
                            Exit::TlsTrust,
                            format!(
                                "{hp} used TLS before (line {} of {}) but now refuses it (AUTH TLS: {why:?}).\n\
                                 Someone could be downgrading the connection. If TLS was turned off on the relay on purpose,\n\
                                 remove that line, or use --tls off.",
                                k.line,
                                t.known_hosts.display()
                            ),
                        ));
                    }
                    if !self.warned_plain {
                        self.warned_plain = true;
                        (self.notify)(&format!(
                            "WARNING: {hp} does not offer TLS; continuing in PLAIN FTP. The FTP password and room names \
                             can be read on the network (messages stay encrypted). --tls require refuses this."
                        ));
                    }
                    // AUTH consumed the connection; start over without it.
                    ftp = self.greet().await?;
                }
                Ok(Err(e)) => {
                    if let Some(msg) = self.refusal(&verdict) {
                        return Err(Error::new(Exit::TlsTrust, msg));
                    }
                    // Not a trust problem: a transport failure, worth another try (libunftp 0.24
                    // can lose the race between its `234` reply and the switch to TLS).
                    self.handshake_failed = true;
                    return Err(Error::network(match e {
                        FtpError::SecureError(s) => format!("the TLS handshake with {hp} failed: {s}"),
                        e => format!("connection to {hp} failed during AUTH TLS: {e}"),
                    }));
                }
                Err(_) => {
                    return Err(Error::network(format!(
                        "{hp} did not complete the TLS handshake within {:?}",
                        t.timeout
                    )))
                }
            }
        }
        self.tls = tls;
        match timeout(t.timeout, ftp.login(t.url.user.as_str(), t.password.as_str())).await {
            Ok(Ok(())) => {}
            Ok(Err(FtpError::UnexpectedResponse(r))) if code(&r) == 534 => {
                return Err(Error::new(
                    Exit::TlsTrust,
                    format!(
                        "{hp} accepts logins over TLS only ({}). Use --tls on (or prefer), not --tls off.",
                        reply_text(&r)
                    ),
                ));
            }
            Ok(Err(FtpError::UnexpectedResponse(r))) if matches!(code(&r), 530 | 331 | 332 | 500..=599) => {
                return Err(Error::new(
                    Exit::Auth,
                    format!(
                        "{hp} refused the login of {:?}: {}. Check the user and the FTP password ($LOFT_FTP_PASSWORD, --password-file).",
                        t.url.user,
                        reply_text(&r)
                    ),
                ));
            }
            Ok(Err(e)) => return Err(self.classify(e).0),
            Err(_) => return Err(Error::network(format!("{hp} did not answer the login within {:?}", t.timeout))),
        }
        let _ = timeout(t.timeout, ftp.transfer_type(FileType::Binary)).await;
        let v6 = ftp.get_ref().await.peer_addr().map(|a| a.is_ipv6()).unwrap_or(false);
        self.mode = if v6 { Mode::ExtendedPassive } else { Mode::Passive };
        ftp.set_mode(self.mode);
        // Routers announce their LAN address in PASV; the address we reached is the right one.
        ftp.set_passive_nat_workaround(true);
        if !t.url.folder.is_empty() {
            match timeout(t.timeout, ftp.cwd(&t.url.folder)).await {
                Ok(Ok(())) => {}
                Ok(Err(FtpError::UnexpectedResponse(r))) => {
                    return Err(Error::new(
                        Exit::Refused,
                        format!("{hp} has no folder {:?} for this user: {}", t.url.folder, reply_text(&r)),
                    ))
                }
                Ok(Err(e)) => return Err(self.classify(e).0),
                Err(_) => return Err(Error::network(format!("{hp} did not answer CWD within {:?}", t.timeout))),
            }
        }
        Ok(ftp)
    }

    /// TCP connect and the greeting.
    async fn greet(&self) -> Result<Ftp> {
        let t = &self.target;
        let hp = t.url.host_port();
        let tcp = match timeout(t.timeout, tokio::net::TcpStream::connect((t.url.host.as_str(), t.url.port))).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(Error::network(format!(
                    "cannot reach {hp}: {e} (is the relay running, and is the port right?)"
                )))
            }
            Err(_) => return Err(Error::network(format!("no answer from {hp} within {:?}", t.timeout))),
        };
        let _ = tcp.set_nodelay(true);
        match timeout(t.timeout, Ftp::connect_with_stream(tcp)).await {
            Ok(Ok(f)) => Ok(f),
            Ok(Err(FtpError::UnexpectedResponse(r))) => {
                Err(Error::network(format!("{hp} is not accepting connections now: {}", reply_text(&r))))
            }
            Ok(Err(e)) => Err(Error::network(format!("{hp} did not greet like an FTP server: {e}"))),
            Err(_) => Err(Error::network(format!(
                "{hp} accepted the connection but sent no FTP greeting within {:?}",
                t.timeout
            ))),
        }
    }

    fn refusal(&self, verdict: &Mutex<Option<Verdict>>) -> Option<String> {
        let v = verdict.lock().unwrap().clone()?;
        trust::refusal(&v, &self.target.url.host_port(), &self.target.known_hosts)
    }

    fn note_first_use(&self, verdict: &Mutex<Option<Verdict>>) {
        let v = verdict.lock().unwrap().clone();
        if let Some(Verdict::FirstUse { fingerprint: fp, ca }) = v {
            let t = &self.target;
            let hp = t.url.host_port();
            let saved = match trust::record(&t.known_hosts, &hp, &fp, ca) {
                Ok(()) => format!("recorded in {}", t.known_hosts.display()),
                Err(e) => format!("could NOT be recorded in {}: {e}", t.known_hosts.display()),
            };
            (self.notify)(&if ca {
                format!(
                    "first connection to {hp}; its certificate authority SHA-256 fingerprint: {fp}\n\
                     Compare it with what `loft init` printed on the relay. It is {saved}; a certificate it did not sign will be refused."
                )
            } else {
                format!(
                    "first connection to {hp}; its certificate's SHA-256 fingerprint is\n  {fp}\n\
                     Compare it with what `loft init` printed on the relay. It is {saved}; a different certificate will be refused."
                )
            });
            *verdict.lock().unwrap() = Some(Verdict::Known);
        }
    }

    /// Maps an FTP error to the client's error, and says whether the connection is lost.
    fn classify(&self, e: FtpError) -> (Error, bool) {
        let hp = self.target.url.host_port();
        match e {
            FtpError::ConnectionError(io) => (Error::network(format!("connection to {hp} lost: {io}")), true),
            FtpError::SecureError(s) => (Error::network(format!("TLS on a data connection to {hp} failed: {s}")), true),
            FtpError::UnexpectedResponse(r) => {
                let text = reply_text(&r);
                match code(&r) {
                    421 => (Error::network(format!("{hp} closed the session: {text}")), true),
                    530 => (Error::new(Exit::Auth, format!("{hp}: not logged in: {text}")), false),
                    400..=499 => (Error::network(format!("{hp} could not do it now: {text}")), false),
                    _ => (Error::new(Exit::Refused, format!("{hp} refused: {text}")), false),
                }
            }
            FtpError::BadResponse => (Error::network(format!("{hp} sent a reply that is not FTP")), true),
            FtpError::InvalidAddress(a) => (Error::network(format!("{hp} announced a bad data address: {a}")), false),
            FtpError::DataConnectionAlreadyOpen => (Error::network("internal: a data connection was still open"), true),
        }
    }

    /// Settles the outcome of one command: deadlines and lost connections drop the
    /// connection so that the next operation reconnects.
    fn settle<T>(
        &mut self,
        r: std::result::Result<std::result::Result<T, FtpError>, tokio::time::error::Elapsed>,
    ) -> Result<T> {
        match r {
            Ok(Ok(v)) => {
                self.last_used = std::time::Instant::now();
                Ok(v)
            }
            Ok(Err(e)) => {
                let (err, lost) = self.classify(e);
                if lost {
                    self.ftp = None;
                }
                Err(err)
            }
            Err(_) => {
                self.ftp = None;
                Err(Error::network(format!(
                    "{} stopped answering (no reply within {:?})",
                    self.target.url.host_port(),
                    self.target.timeout
                )))
            }
        }
    }
}

/// Runs `$body` with `$ftp` bound to the connection (connecting first if needed), under the
/// session's deadline (`$secs` extra seconds allowed).
macro_rules! op {
    ($self:ident, $extra:expr, |$ftp:ident| $body:expr) => {{
        $self.connect().await?;
        let deadline = $self.target.timeout + $extra;
        let $ftp = $self.ftp.as_mut().expect("connected above");
        let r = timeout(deadline, async { $body }).await;
        $self.settle(r)
    }};
}

/// Like `op!`, but for commands that are safe to repeat: a stale connection (the relay
/// restarted while we were idle) is replaced once, transparently.
macro_rules! idempotent {
    ($self:ident, |$ftp:ident| $body:expr) => {{
        let reused = $self.is_connected();
        match op!($self, Duration::ZERO, |$ftp| $body) {
            Err(e) if reused && e.exit == Exit::Network && !$self.is_connected() => {
                op!($self, Duration::ZERO, |$ftp| $body)
            }
            r => r,
        }
    }};
}

impl Session {
    /// The size of a file, or `None` if there is no such file.
    pub(crate) async fn size(&mut self, file: &str) -> Result<Option<u64>> {
        idempotent!(self, |ftp| match ftp.size(file).await {
            Ok(n) => Ok(Some(n as u64)),
            Err(FtpError::UnexpectedResponse(r)) if code(&r) == 550 => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// The bytes of `file` from `offset` on, at most [`MAX_RETR_BYTES`] of them (`None` if
    /// there is no such file).
    pub(crate) async fn read_from(&mut self, file: &str, offset: u64) -> Result<Option<Got>> {
        let mut switched = false;
        loop {
            let r = idempotent!(self, |ftp| retr(ftp, file, offset).await);
            match r {
                Err(e) if self.other_mode(&mut switched, &e) => {}
                Ok(Some(got)) if got.cut => {
                    // The rest of the transfer was not read: this connection is done.
                    self.disconnect();
                    return Ok(Some(got));
                }
                r => return r,
            }
        }
    }

    /// Appends `data` to `file` (APPE). Not retried here: the outbox decides.
    pub(crate) async fn append(&mut self, file: &str, data: &[u8]) -> Result<()> {
        let mut switched = false;
        loop {
            let r = op!(self, Duration::ZERO, |ftp| {
                use tokio::io::AsyncWriteExt;
                let mut up = ftp.append_with_stream(file).await?;
                up.write_all(data).await.map_err(FtpError::ConnectionError)?;
                up.finish().await
            });
            match r {
                Err(e) if self.other_mode(&mut switched, &e) => {}
                r => return r,
            }
        }
    }

    /// Uploads the local file `local` as `file` (STOR), streamed. Not retried after the
    /// data started: a shared file is write-once, so a retry takes a new id.
    pub(crate) async fn put_file(&mut self, file: &str, local: &std::path::Path) -> Result<()> {
        let len = std::fs::metadata(local).map(|m| m.len()).unwrap_or(0);
        // Slow links: allow 16 KiB/s on top of the usual deadline.
        let extra = Duration::from_secs(len / (16 * 1024));
        let mut switched = false;
        loop {
            let mut src = tokio::fs::File::open(local)
                .await
                .map_err(|e| Error::new(Exit::Failure, format!("cannot read {}: {e}", local.display())))?;
            let r = op!(self, extra, |ftp| {
                let mut up = ftp.put_with_stream(file).await?;
                tokio::io::copy(&mut src, &mut up).await.map_err(FtpError::ConnectionError)?;
                up.finish().await
            });
            match r {
                Err(e) if self.other_mode(&mut switched, &e) => {}
                r => return r,
            }
        }
    }

    /// Downloads `file` (RETR), handing each piece to `sink`, at most `max` bytes; `None`
    /// if there is no such file. `sink`'s error ends the download.
    pub(crate) async fn get_file(&mut self, file: &str, max: u64, sink: &mut Sink<'_>) -> Result<Option<u64>> {
        let extra = Duration::from_secs(max / (16 * 1024));
        let mut refused: Option<String> = None;
        let mut switched = false;
        let r = loop {
            let r = op!(self, extra, |ftp| {
                let mut s = match ftp.retr_as_stream(file).await {
                    Ok(s) => s,
                    Err(FtpError::UnexpectedResponse(r)) if code(&r) == 550 => return Ok(None),
                    Err(e) => return Err(e),
                };
                let mut buf = vec![0u8; 64 * 1024];
                let mut total = 0u64;
                loop {
                    let n = s.read(&mut buf).await.map_err(FtpError::ConnectionError)?;
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                    if total > max {
                        refused = Some(format!("{file} is larger than it can be for the size announced"));
                        break;
                    }
                    if let Err(why) = sink(&buf[..n]) {
                        refused = Some(why.to_string());
                        break;
                    }
                }
                if refused.is_some() {
                    drop(s);
                    return Ok(None);
                }
                match s.finish().await {
                    // Refused once the data connection was open (the relay answers 150 first).
                    Err(FtpError::UnexpectedResponse(r)) if code(&r) == 550 && total == 0 => Ok(None),
                    Err(e) => Err(e),
                    Ok(()) => Ok(Some(total)),
                }
            });
            match r {
                Err(e) if self.other_mode(&mut switched, &e) => {}
                r => break r,
            }
        };
        if let Some(why) = refused {
            // The rest of the transfer was not read: this connection is done.
            self.disconnect();
            return Err(Error::new(Exit::Refused, why));
        }
        r
    }

    /// Whether to try again with the other data connection setup, after `e`: the first
    /// time PASV (or EPSV) is not understood, it switches to the other one.
    fn other_mode(&mut self, switched: &mut bool, e: &Error) -> bool {
        if e.exit != Exit::Refused || *switched || !mode_refused(e) {
            return false;
        }
        *switched = true;
        self.switch_mode();
        true
    }

    fn switch_mode(&mut self) {
        self.mode = if self.mode == Mode::Passive { Mode::ExtendedPassive } else { Mode::Passive };
        if let Some(f) = self.ftp.as_mut() {
            f.set_mode(self.mode);
        }
    }

    /// NOOP: checks the connection is alive (and keeps idle timers on the relay at bay).
    pub(crate) async fn noop(&mut self) -> Result<()> {
        op!(self, Duration::ZERO, |ftp| ftp.noop().await)
    }

    /// The names in the current folder (NLST).
    pub(crate) async fn list(&mut self) -> Result<Vec<String>> {
        idempotent!(self, |ftp| match ftp.nlst(None).await {
            Ok(v) => Ok(v),
            // An empty folder is a 550 on some servers.
            Err(FtpError::UnexpectedResponse(r)) if code(&r) == 550 => Ok(Vec::new()),
            Err(e) => Err(e),
        })
    }

    /// The last change of a file (MDTM), if the server says.
    pub(crate) async fn mdtm(&mut self, file: &str) -> Result<Option<chrono::NaiveDateTime>> {
        idempotent!(self, |ftp| match ftp.mdtm(file).await {
            Ok(t) => Ok(Some(t)),
            Err(FtpError::UnexpectedResponse(_)) | Err(FtpError::BadResponse) => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// Waits (up to `secs`) for `file` to grow past `offset`, with a Loft relay's
    /// `SITE WAIT`; other servers say they do not know it, and the caller polls.
    ///
    /// Any answer is only a wake-up call: the caller reads `SIZE` again rather than trusting
    /// a number parsed from free text.
    pub(crate) async fn wait_for_change(&mut self, file: &str, offset: u64, secs: u64) -> Result<Waited> {
        let answer = self.site_arg(file, "WAIT", Some(format!("{offset} {secs}")), Duration::from_secs(secs)).await?;
        Ok(if answer.is_some() { Waited::Changed } else { Waited::Unsupported })
    }

    /// `SITE SEEN ROOM` on a Loft relay: who has read the room how far. `None` elsewhere.
    pub(crate) async fn seen(&mut self, file: &str) -> Result<Option<String>> {
        self.site_arg(file, "SEEN", None, Duration::ZERO).await
    }

    /// Sends `SITE CMD ROOM [REST]`, naming the room by its file (`lobby.txt`), or if the
    /// relay refuses that, by its name (`lobby`); remembers what worked, and when neither
    /// does, that the command is not there (`None` from then on).
    async fn site_arg(
        &mut self,
        file: &str,
        cmd: &str,
        rest: Option<String>,
        extra: Duration,
    ) -> Result<Option<String>> {
        let bare = file.strip_suffix(".txt").unwrap_or(file).to_string();
        let state = if cmd == "WAIT" { self.wait_form } else { self.seen_form };
        let forms: Vec<(SiteForm, &str)> = match state {
            SiteForm::Unknown => vec![(SiteForm::File, file), (SiteForm::Bare, &bare)],
            SiteForm::File => vec![(SiteForm::File, file)],
            SiteForm::Bare => vec![(SiteForm::Bare, &bare)],
            SiteForm::Missing => return Ok(None),
        };
        for (form, name) in forms {
            let line = match &rest {
                Some(r) => format!("SITE {cmd} {name} {r}"),
                None => format!("SITE {cmd} {name}"),
            };
            // Any 2xx is an answer. Only 200 is "expected": suppaftp takes a `211-` line as the
            // whole reply when 211 is expected (for FEAT), which would leave the rest unread.
            let r = op!(self, extra, |ftp| match ftp.custom_command(line.clone(), &[Status::CommandOk]).await {
                Ok(resp) => Ok(Ok(reply_text(&resp))),
                Err(FtpError::UnexpectedResponse(r)) if (200..300).contains(&code(&r)) => Ok(Ok(reply_text(&r))),
                Err(FtpError::UnexpectedResponse(r)) if code(&r) != 421 && code(&r) != 530 => Ok(Err(code(&r))),
                Err(e) => Err(e),
            })?;
            match r {
                Ok(text) => {
                    self.set_site_form(cmd, form);
                    return Ok(Some(text));
                }
                // "unknown command" ends the search; another refusal may be the argument form.
                Err(202 | 500 | 502) => break,
                Err(_) => continue,
            }
        }
        self.set_site_form(cmd, SiteForm::Missing);
        Ok(None)
    }

    fn set_site_form(&mut self, cmd: &str, form: SiteForm) {
        if cmd == "WAIT" {
            self.wait_form = form;
        } else {
            self.seen_form = form;
        }
    }

    /// Says goodbye (best effort).
    pub(crate) async fn quit(&mut self) {
        if let Some(mut f) = self.ftp.take() {
            let _ = timeout(Duration::from_secs(2), f.quit()).await;
        }
    }
}

fn mode_refused(e: &Error) -> bool {
    let m = e.message.to_ascii_uppercase();
    m.contains("PASV")
        || m.contains("EPSV")
        || m.contains(" 500 ")
        || m.contains(" 502 ")
        || m.contains("REFUSED: 500")
        || m.contains("REFUSED: 502")
}

/// RETR from an offset; a server that refuses REST gets a whole RETR, cut locally.
/// The most one download of a room brings (a room's live part is a few hundred KiB; a
/// reader that fell far behind gets the rest on its next read). A hostile or broken
/// server cannot make the client hold more than this.
pub(crate) const MAX_RETR_BYTES: u64 = 16 * 1024 * 1024;

/// What a download brought; `cut` when it stopped at [`MAX_RETR_BYTES`] (the last line
/// may then be incomplete, and the connection is dropped rather than drained).
#[derive(Debug, Default)]
pub(crate) struct Got {
    pub(crate) data: Vec<u8>,
    pub(crate) cut: bool,
}

async fn retr(ftp: &mut Ftp, file: &str, offset: u64) -> std::result::Result<Option<Got>, FtpError> {
    async fn fetch(ftp: &mut Ftp, file: &str, offset: u64) -> std::result::Result<Got, FtpError> {
        ftp.resume_transfer(offset as usize).await?;
        let s = ftp.retr_as_stream(file).await?;
        let mut buf = Vec::new();
        let mut limited = s.take(MAX_RETR_BYTES + 1);
        let read = limited.read_to_end(&mut buf).await;
        let s = limited.into_inner();
        match read {
            Ok(_) if buf.len() as u64 > MAX_RETR_BYTES => {
                buf.truncate(MAX_RETR_BYTES as usize);
                drop(s);
                Ok(Got { data: buf, cut: true })
            }
            Ok(_) => {
                s.finish().await?;
                Ok(Got { data: buf, cut: false })
            }
            Err(e) => {
                drop(s);
                Err(FtpError::ConnectionError(e))
            }
        }
    }
    match fetch(ftp, file, offset).await {
        Ok(b) => Ok(Some(b)),
        Err(FtpError::UnexpectedResponse(r)) if code(&r) == 550 => Ok(None),
        Err(FtpError::UnexpectedResponse(r)) if offset > 0 && matches!(code(&r), 500 | 501 | 502 | 504) => {
            let all = fetch(ftp, file, 0).await?;
            let data = all.data.get(offset as usize..).map(<[u8]>::to_vec).unwrap_or_default();
            Ok(Some(Got { data, cut: all.cut }))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap() {
        let mut b = Backoff::default();
        let d: Vec<f64> = (0..8).map(|_| b.next_delay().as_secs_f64()).collect();
        assert!(d[0] >= 0.8 && d[0] <= 1.2, "{d:?}");
        assert!(d[1] >= 1.7 && d[1] <= 2.3, "{d:?}");
        assert!(d[7] <= 30.0 * 1.13 && d[7] >= 30.0 * 0.87, "{d:?}");
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(1200));
    }
}
