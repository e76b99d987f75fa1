//! The HTTP API: routes, and what each one does with the room store.
//!
//! JSON in and out; every error is `{"error": "…"}` with a status that says what kind
//! (401 log in, 403 not allowed, 413 too large, 422 a bad line, 429/503 too many, 507
//! disk full). The reference is docs/web.md.

use super::deadline;
use super::{assets, invites, sessions::Session, trust, Web};
use crate::base::text::{percent_decode, Decode};
use crate::ftpchat;
use crate::relay::auth::Refused;
use crate::relay::storage::NotARoom;
use crate::relay::user;
use crate::room::files::FileError;
use crate::room::{RoomError, WriteMode};
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// An answer's body: small ones whole, shared files streamed from the disk.
pub(super) type Body = Either<Full<Bytes>, FileBody>;
pub(super) type Resp = Response<Body>;

/// A whole body.
pub(super) fn full(b: impl Into<Bytes>) -> Body {
    Either::Left(Full::new(b.into()))
}

/// The longest long-poll a client may ask for, in seconds (as `SITE WAIT`).
const MAX_WAIT_SECS: u64 = 60;
/// The most bytes of lines one read returns; the page asks again from `next`.
const MAX_READ_BYTES: usize = 256 * 1024;
/// Read receipts one member may mark a minute through the API (a page marks one per
/// message it shows, and a busy room sends a few a minute).
const RECEIPTS_PER_MINUTE: u64 = 120;
/// The largest login body.
pub(super) const MAX_SMALL_BODY: usize = 4096;

/// Every request starts here.
pub(super) async fn route(
    web: Arc<Web>,
    peer: SocketAddr,
    refused: Option<String>,
    req: Request<Incoming>,
) -> Result<Resp, Infallible> {
    let path = req.uri().path().to_string();
    let mut resp = if let Some(why) = refused {
        let mut r = error(StatusCode::SERVICE_UNAVAILABLE, &format!("the relay is busy ({why}); try again shortly"));
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    } else if path.starts_with("/api/") {
        let client = client_of(&web.relay.live.get().config.web.trusted_proxies, peer, &req);
        let within = web.relay.live.get().config.web.request_timeout;
        match same_origin(&req, web.scheme()) {
            Ok(()) => match tokio::time::timeout(within, api(&web, client, req)).await {
                Ok(r) => r.unwrap_or_else(Fail::into_response),
                Err(_) => {
                    let why =
                        format!("no answer within {} ([web] request_timeout)", crate::config::show_duration(within));
                    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, &why);
                    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                    r
                }
            },
            Err(f) => f.into_response(),
        }
    } else {
        let accept = req.headers().get(header::ACCEPT_ENCODING).map(|v| v.to_str().unwrap_or(""));
        let tags = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
        trust::get(&web, req.method(), &path).unwrap_or_else(|| assets::get(req.method(), &path, accept, tags))
    };
    secure(&mut resp, path.starts_with("/api/"));
    Ok(resp)
}

/// Who sent a request: the connection's address, or, from a trusted reverse proxy, the
/// last address of `X-Forwarded-For` that is not itself a trusted proxy (the one the
/// proxies saw; what a client writes there itself comes before it and is not believed).
fn client_of(trusted: &[std::net::IpAddr], peer: SocketAddr, req: &Request<Incoming>) -> SocketAddr {
    forwarded_client(trusted, peer, req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()))
}

fn forwarded_client<'a>(
    trusted: &[std::net::IpAddr],
    peer: SocketAddr,
    headers: impl Iterator<Item = &'a str>,
) -> SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> =
        headers.flat_map(|h| h.split(',')).filter_map(|a| a.trim().parse().ok()).collect();
    match hops.into_iter().rev().find(|ip| !trusted.contains(ip)) {
        Some(ip) => SocketAddr::new(ip, 0),
        None => peer,
    }
}

/// Headers every answer carries: no inline script or framing, no referrer, no sniffing.
fn secure(resp: &mut Resp, api: bool) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Refuses a request that a page of another origin sent (browsers send `Origin` with
/// every cross-origin request, and with same-origin ones other than GET). No CORS
/// header is ever sent, so another site cannot read answers either.
fn same_origin(req: &Request<Incoming>, scheme: &str) -> Result<(), Fail> {
    let Some(origin) = req.headers().get(header::ORIGIN) else { return Ok(()) };
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if origin.to_str().ok() == Some(&format!("{scheme}://{host}")) {
        Ok(())
    } else {
        Err(fail(StatusCode::FORBIDDEN, "cross-origin requests are refused: use the page the relay serves"))
    }
}

pub(super) fn json_response(status: StatusCode, body: serde_json::Value) -> Resp {
    let mut r = Response::new(full(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub(super) fn error(status: StatusCode, message: &str) -> Resp {
    json_response(status, json!({ "error": message }))
}

/// An error answer on its way out: the status and the JSON body.
pub(super) struct Fail(pub(super) StatusCode, pub(super) serde_json::Value);

impl Fail {
    fn into_response(self) -> Resp {
        json_response(self.0, self.1)
    }
}

pub(super) fn fail(status: StatusCode, message: &str) -> Fail {
    Fail(status, json!({ "error": message }))
}

fn no_content() -> Resp {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// The API proper; `Err` is an error answer.
async fn api(web: &Web, peer: SocketAddr, req: Request<Incoming>) -> Result<Resp, Fail> {
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query().unwrap_or(""));
    match (req.method().clone(), path.as_str()) {
        (Method::POST, "/api/login") => login(web, peer, req).await,
        (Method::POST, "/api/logout") => {
            if let Some(t) = bearer(&req) {
                web.sessions.remove(t);
            }
            Ok(no_content())
        }
        (Method::GET, "/api/rooms") => rooms(web, &session(web, &req)?).await,
        (Method::GET, "/api/log") => read_log(web, &session(web, &req)?, &query).await,
        (Method::POST, "/api/append") => {
            let s = session(web, &req)?;
            append(web, &s, peer, &query, req).await
        }
        (Method::GET, "/api/seen") => seen(web, &session(web, &req)?, &query).await,
        (Method::POST, "/api/seen") => {
            let s = session(web, &req)?;
            mark_seen(web, &s, peer, &query, req).await
        }
        (Method::PUT, "/api/files") => put_file(web, &query, req).await,
        (Method::GET, "/api/files") => get_file(web, &session(web, &req)?, &query).await,
        (Method::POST, "/api/invites") => {
            let s = session(web, &req)?;
            invites::make(web, &s, req).await
        }
        (Method::POST, "/api/invites/info") => invites::info(web, peer, req).await,
        (Method::POST, "/api/invites/redeem") => invites::redeem(web, peer, req).await,
        (
            _,
            "/api/login"
            | "/api/logout"
            | "/api/rooms"
            | "/api/log"
            | "/api/append"
            | "/api/seen"
            | "/api/files"
            | "/api/invites"
            | "/api/invites/info"
            | "/api/invites/redeem",
        ) => Err(fail(StatusCode::METHOD_NOT_ALLOWED, &format!("{} is not allowed on {path}", req.method()))),
        _ => Err(fail(StatusCode::NOT_FOUND, &format!("{path}: no such API call"))),
    }
}

#[derive(Deserialize)]
struct Login {
    user: String,
    password: String,
}

async fn login(web: &Web, peer: SocketAddr, req: Request<Incoming>) -> Result<Resp, Fail> {
    let body = body(web, req, MAX_SMALL_BODY).await?;
    let Login { user: name, password } = serde_json::from_slice(&body)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("expected {{\"user\": …, \"password\": …}}: {e}")))?;
    let snap = web.relay.live.get();
    let auth = web.relay.authenticator(&snap);
    let name = match auth.login(&name, &password, peer.ip()).await {
        Ok(n) => n,
        Err(Refused::Blocked) => {
            return Err(fail(
                StatusCode::TOO_MANY_REQUESTS,
                "too many failed logins from this address or for this user; try again later",
            ))
        }
        Err(Refused::BadPassword) => return Err(fail(StatusCode::UNAUTHORIZED, "wrong user or password")),
    };
    let user = user::lookup(&snap.config, &snap.homes, &name)
        .map_err(|e| fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    let phc = snap.users.users.get(&name).map(|u| u.password.clone()).unwrap_or_default();
    let read_only = user.read_only;
    let session = web.sessions.create(user, phc, peer.ip());
    tracing::info!(target: "loft::web", user = %name, peer = %peer, "web session started");
    Ok(json_response(StatusCode::OK, json!({ "session": session, "user": name, "read_only": read_only })))
}

fn bearer(req: &Request<Incoming>) -> Option<&str> {
    req.headers().get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The session a request carries, still valid under the config in force.
pub(super) fn session(web: &Web, req: &Request<Incoming>) -> Result<Session, Fail> {
    let expired = || fail(StatusCode::UNAUTHORIZED, "log in first (no session, or it expired)");
    let token = bearer(req).ok_or_else(expired)?;
    let s = web.sessions.get(token).ok_or_else(expired)?;
    let snap = web.relay.live.get();
    let still = match snap.users.users.get(&s.user.name) {
        Some(entry) => entry.password == s.phc,
        None => s.user.name == "anonymous" && snap.users.anonymous,
    };
    if !still {
        web.sessions.remove(token);
        return Err(fail(StatusCode::UNAUTHORIZED, "your account changed on the relay: log in again"));
    }
    // The rights of the config in force, not those of the login: a reload that makes the
    // user read-only (or moves their home) applies to this page at once (issue 19.11).
    let mut s = s;
    s.user = user::rights(&snap.config, &s.user.name).map_err(|e| {
        web.sessions.remove(token);
        fail(StatusCode::UNAUTHORIZED, &format!("{e}: log in again"))
    })?;
    Ok(s)
}

/// Reads a body of at most `max` bytes.
/// Reads a body of at most `max` bytes, within `[web] body_timeout`: a client that
/// announces a body and then sends nothing gets `408` and loses the connection.
pub(super) async fn body(web: &Web, req: Request<Incoming>, max: usize) -> Result<Bytes, Fail> {
    let within = web.relay.live.get().config.web.body_timeout;
    let Ok(read) = tokio::time::timeout(within, Limited::new(req.into_body(), max).collect()).await else {
        return Err(fail(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive within {} ([web] body_timeout)",
                crate::config::show_duration(within)
            ),
        ));
    };
    match read {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body may be at most {max} bytes; nothing was written"),
        )),
        Err(e) => Err(fail(StatusCode::BAD_REQUEST, &format!("cannot read the request body: {e}"))),
    }
}

/// `a=b&c=d`, percent-decoded (`+` is a space).
fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode(s, Decode::Form).unwrap_or_default()
}

/// The room a request names (`room=team/dev`), resolved as `SITE` commands resolve it:
/// in the user's home, matching `chat.rooms`, never a state folder or a symlink.
fn room(web: &Web, s: &Session, query: &HashMap<String, String>) -> Result<PathBuf, Fail> {
    let name = query.get("room").map(String::as_str).unwrap_or("").trim();
    if name.is_empty() {
        return Err(fail(StatusCode::BAD_REQUEST, "which room? add room=NAME"));
    }
    let snap = web.relay.live.get();
    snap.storage.room_named(&s.user, name).map_err(|e| match e {
        NotARoom::Missing(_) => fail(StatusCode::NOT_FOUND, &e.to_string()),
        NotARoom::BadName(_) => fail(StatusCode::BAD_REQUEST, &e.to_string()),
    })
}

fn number(query: &HashMap<String, String>, key: &str) -> Result<u64, Fail> {
    match query.get(key).map(|v| v.trim()) {
        None | Some("") => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| fail(StatusCode::BAD_REQUEST, &format!("{key}={v:?}: expected a whole number of bytes"))),
    }
}

/// `GET /api/log?room=R&from=N[&wait=S]`, or `GET /api/log?room=R&before=N` (back from N).
async fn read_log(web: &Web, s: &Session, query: &HashMap<String, String>) -> Result<Resp, Fail> {
    let real = room(web, s, query)?;
    if query.contains_key("before") {
        if query.contains_key("from") || query.contains_key("wait") {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "before=N reads back from N, from=N forward (with wait=S): give one of them",
            ));
        }
        let before = number(query, "before")?;
        let (start, bytes, first) = match web.relay.rooms.read_before(&real, before, MAX_READ_BYTES).await {
            Ok(r) => r,
            Err(RoomError::NoRoom) => (0, Vec::new(), 0),
            Err(e) => return Err(room_error(e)),
        };
        return Ok(log_answer(start, &bytes, first));
    }
    let from = number(query, "from")?;
    let wait = number(query, "wait")?.min(MAX_WAIT_SECS);
    let rooms = web.relay.rooms.clone();
    let mut read = rooms.read_lines(&real, from, MAX_READ_BYTES).await;
    let nothing = |r: &Result<(u64, Vec<u8>), RoomError>| match r {
        Ok((_, b)) => b.is_empty(),
        Err(RoomError::NoRoom) => true,
        Err(_) => false,
    };
    if wait > 0 && nothing(&read) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
        match rooms.wait_past(&real, from, deadline).await {
            Ok(end) if end > from => read = rooms.read_lines(&real, from, MAX_READ_BYTES).await,
            Ok(_) => {}
            Err(e) => return Err(room_error(e)),
        }
    }
    let (start, bytes) = match read {
        Ok(r) => r,
        // Not created yet: empty, and the page may be the first to write.
        Err(RoomError::NoRoom) => (0, Vec::new()),
        Err(e) => return Err(room_error(e)),
    };
    let first = match rooms.first_kept(&real).await {
        Ok(k) => k.min(start),
        Err(RoomError::NoRoom) => 0,
        Err(e) => return Err(room_error(e)),
    };
    Ok(log_answer(start, &bytes, first))
}

/// `{"from", "next", "lines", "first"}`: lines read from logical offset `start`, and where
/// the room's kept history starts.
fn log_answer(start: u64, bytes: &[u8], first: u64) -> Resp {
    let next = start + bytes.len() as u64;
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    json_response(StatusCode::OK, json!({ "from": start, "next": next, "lines": lines, "first": first }))
}

/// `POST /api/append?room=R`, body = token lines: what an `APPE` does.
async fn append(
    web: &Web,
    s: &Session,
    peer: SocketAddr,
    query: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Result<Resp, Fail> {
    if s.user.read_only {
        return Err(fail(StatusCode::FORBIDDEN, "this account is read-only"));
    }
    let real = room(web, s, query)?;
    let snap = web.relay.live.get();
    let limit = snap.storage.max_append_bytes;
    let data = match body(web, req, limit).await {
        Ok(d) => d,
        Err(r) if r.0 == StatusCode::PAYLOAD_TOO_LARGE => {
            tracing::warn!(target: "loft::transfer", user = %s.user.name, cmd = "web append", path = %crate::base::text::logged(&real), "refused: upload over {limit} bytes");
            return Err(fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("a room append may be at most {limit} bytes (chat.max_append_bytes); nothing was written"),
            ));
        }
        Err(r) => return Err(r),
    };
    let member = crate::relay::rates::Member::of(&s.user, peer.ip());
    let by = snap.storage.rates.author(member, snap.storage.rate_limits);
    match web.relay.rooms.append(&real, &data, WriteMode::Append, Some(by)).await {
        Ok(out) => {
            tracing::info!(
                target: "loft::transfer",
                user = %s.user.name, cmd = "web append", path = %crate::base::text::logged(&real), bytes = out.bytes_written,
                lines = out.written_lines, duplicates = out.duplicate_lines, "room append"
            );
            let size = logical_size(&real);
            Ok(json_response(
                StatusCode::OK,
                json!({ "size": size, "written": out.written_lines, "duplicates": out.duplicate_lines }),
            ))
        }
        Err(e) => {
            tracing::warn!(target: "loft::transfer", user = %s.user.name, cmd = "web append", path = %crate::base::text::logged(&real), "refused: {e}");
            Err(room_error(e))
        }
    }
}

fn logical_size(real: &Path) -> u64 {
    crate::room::rotate::logical_len(real, std::fs::metadata(real).map(|m| m.len()).unwrap_or(0))
}

fn room_error(e: RoomError) -> Fail {
    match &e {
        RoomError::TooLarge { .. } => fail(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string()),
        RoomError::Invalid { line, .. } => {
            Fail(StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": e.to_string(), "line": line }))
        }
        RoomError::Full { .. } | RoomError::OverShare { .. } => fail(StatusCode::INSUFFICIENT_STORAGE, &e.to_string()),
        RoomError::DiskFull(_) => fail(StatusCode::INSUFFICIENT_STORAGE, &e.to_string()),
        RoomError::NoRoom => fail(StatusCode::NOT_FOUND, &e.to_string()),
        RoomError::NotAdmitted(n) => Fail(StatusCode::TOO_MANY_REQUESTS, json!({ "error": n.why, "retry": n.retry })),
        RoomError::Unavailable { .. } => fail(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        RoomError::Io(_) => fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `GET /api/rooms`: the rooms in the user's home (any depth), with logical sizes.
async fn rooms(web: &Web, s: &Session) -> Result<Resp, Fail> {
    let snap = web.relay.live.get();
    let user = s.user.clone();
    let storage = snap.storage.clone();
    let found = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let mut dirs = vec![(user.home.clone(), 0usize)];
        while let Some((dir, depth)) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let Ok(ft) = e.file_type() else { continue };
                let path = e.path();
                if ft.is_dir() && depth < 8 {
                    dirs.push((path, depth + 1));
                } else if ft.is_file() {
                    let Ok(rel) = path.strip_prefix(&user.home) else { continue };
                    if matches!(storage.room(&user, rel), Ok(Some(_))) {
                        let shown = rel.to_string_lossy();
                        let shown = shown.strip_suffix(".txt").unwrap_or(&shown).to_string();
                        out.push(json!({ "room": shown, "size": logical_size(&path) }));
                    }
                }
                if out.len() >= 1000 {
                    return out;
                }
            }
        }
        out
    })
    .await
    .map_err(|e| fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    let mut found = found;
    found.sort_by(|a, b| a["room"].as_str().cmp(&b["room"].as_str()));
    let max_file_bytes = web.relay.rooms.settings().files.max_file_bytes;
    Ok(json_response(
        StatusCode::OK,
        json!({
            "rooms": found, "user": s.user.name, "read_only": s.user.read_only, "may_invite": s.user.may_invite,
            "max_file_bytes": max_file_bytes
        }),
    ))
}

/// `GET /api/seen?room=R`: read receipts, as `SITE SEEN` lists them.
async fn seen(web: &Web, s: &Session, query: &HashMap<String, String>) -> Result<Resp, Fail> {
    let real = room(web, s, query)?;
    let rooms = web.relay.rooms.clone();
    let rows = tokio::task::spawn_blocking(move || rooms.seen.list(&real))
        .await
        .map_err(|e| fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    let seen: Vec<_> = rows.into_iter().map(|(u, o, t)| json!({ "user": u, "offset": o, "at": t })).collect();
    Ok(json_response(StatusCode::OK, json!({ "seen": seen })))
}

#[derive(Deserialize)]
struct SeenBody {
    offset: u64,
}

/// `POST /api/seen?room=R` `{"offset": N}`: this user has read up to N.
async fn mark_seen(
    web: &Web,
    s: &Session,
    peer: SocketAddr,
    query: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Result<Resp, Fail> {
    let real = room(web, s, query)?;
    let b = body(web, req, MAX_SMALL_BODY).await?;
    let SeenBody { offset } = serde_json::from_slice(&b)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("expected {{\"offset\": N}}: {e}")))?;
    // Nobody can have read past the end.
    let offset = offset.min(logical_size(&real));
    // Receipts that move are written (within 2 s, together): at most RECEIPTS_PER_MINUTE per member.
    let member = crate::relay::rates::Member::of(&s.user, peer.ip());
    let limit = crate::relay::rates::RateLimits { messages: RECEIPTS_PER_MINUTE, bytes: 0 };
    if let Err(e) = web.relay.receipts.admit(&member, 1, 0, limit) {
        let why = format!(
            "too many read receipts: at most {RECEIPTS_PER_MINUTE} a minute from each user; try again in {} s",
            e.retry()
        );
        return Err(fail(StatusCode::TOO_MANY_REQUESTS, &why));
    }
    web.relay.rooms.note_seen(&real, &s.user.name, offset);
    Ok(no_content())
}

/// The file id a request names (`id=…`: 32 lowercase hex digits).
fn file_id(query: &HashMap<String, String>) -> Result<String, Fail> {
    let id = query.get("id").map(String::as_str).unwrap_or("");
    if ftpchat::file::is_file_id(id) {
        Ok(id.to_string())
    } else {
        Err(fail(StatusCode::BAD_REQUEST, &format!("id={id:?}: a file id is 32 lowercase hex digits")))
    }
}

/// `PUT /api/files?room=R&id=ID`, body = the encrypted file: what a `STOR` of
/// `.R.files/ID.lff` does, streamed through the same checks. However it is refused, the
/// body is read first (bounded), so that the browser gets the answer rather than a
/// connection reset in the middle of its upload.
async fn put_file(web: &Web, query: &HashMap<String, String>, req: Request<Incoming>) -> Result<Resp, Fail> {
    let checked = session(web, &req).and_then(|s| {
        if s.user.read_only {
            return Err(fail(StatusCode::FORBIDDEN, "this account is read-only: it can fetch files, not share them"));
        }
        Ok((room(web, &s, query)?, file_id(query)?, s))
    });
    let stall = deadline::Stall::new(web.relay.live.get().config.web.body_timeout, "a request body");
    let mut input = BodyReader { body: req.into_body(), chunk: Bytes::new(), stall };
    let stored = match checked {
        Ok((real, id, s)) => {
            let limits = web.relay.rooms.settings().files;
            let storage = web.relay.live.get().storage.clone();
            let hold =
                crate::relay::storage::file_hold(&storage.space, storage.reserve, &s.user, &real, limits.quota_bytes)
                    .await;
            match web.relay.rooms.store_file(&real, &id, &mut input, limits, hold).await {
                Ok(n) => {
                    crate::relay::storage::note_sharer(&s.user, &real, &id);
                    tracing::info!(target: "loft::transfer", user = %s.user.name, cmd = "web file", room = %crate::base::text::logged(&real), file = %id, bytes = n, "shared file stored");
                    return Ok(json_response(StatusCode::CREATED, json!({ "id": id, "bytes": n })));
                }
                Err(e) => {
                    tracing::warn!(target: "loft::transfer", user = %s.user.name, cmd = "web file", room = %crate::base::text::logged(&real), file = %id, "shared file refused: {e}");
                    file_fail(e)
                }
            }
        }
        Err(f) => f,
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        tokio::io::copy(&mut tokio::io::AsyncReadExt::take(&mut input, 32 << 20), &mut tokio::io::sink()).await
    })
    .await;
    Err(stored)
}

fn file_fail(e: FileError) -> Fail {
    let status = match &e {
        FileError::Off => StatusCode::FORBIDDEN,
        FileError::BadName => StatusCode::BAD_REQUEST,
        FileError::NoRoom => StatusCode::NOT_FOUND,
        FileError::Exists => StatusCode::CONFLICT,
        FileError::Invalid { line, .. } => {
            return Fail(StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": e.to_string(), "line": line }))
        }
        FileError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        FileError::QuotaFull { .. } | FileError::UserQuota { .. } => StatusCode::INSUFFICIENT_STORAGE,
        FileError::DiskFull(_) | FileError::Reserve { .. } => StatusCode::INSUFFICIENT_STORAGE,
        FileError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        FileError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    fail(status, &e.to_string())
}

/// `GET /api/files?room=R&id=ID`: the encrypted file, streamed.
async fn get_file(web: &Web, s: &Session, query: &HashMap<String, String>) -> Result<Resp, Fail> {
    let real = room(web, s, query)?;
    let id = file_id(query)?;
    let path = ftpchat::file::files_dir(&real).join(format!("{id}{}", ftpchat::file::EXTENSION));
    let missing =
        || fail(StatusCode::NOT_FOUND, &format!("no shared file {id} in this room (pruned with old history?)"));
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {}
        _ => return Err(missing()),
    }
    let file = tokio::fs::File::open(&path).await.map_err(|_| missing())?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    tracing::info!(target: "loft::transfer", user = %s.user.name, cmd = "web file", room = %crate::base::text::logged(&real), file = %id, bytes = len, "download");
    let mut r = Response::new(Either::Right(FileBody { file, buf: vec![0; 64 * 1024] }));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(r)
}

/// A request body read as a stream of bytes.
struct BodyReader {
    body: Incoming,
    chunk: Bytes,
    /// A body that pauses longer than `[web] body_timeout` fails the upload.
    stall: deadline::Stall,
}

impl tokio::io::AsyncRead for BodyReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use hyper::body::Body as _;
        use std::task::Poll;
        loop {
            if !self.chunk.is_empty() {
                let n = buf.remaining().min(self.chunk.len());
                let part = self.chunk.split_to(n);
                buf.put_slice(&part);
                return Poll::Ready(Ok(()));
            }
            match std::pin::Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Pending => {
                    return match self.stall.guard::<()>(cx, Poll::Pending) {
                        Poll::Ready(r) => Poll::Ready(r),
                        Poll::Pending => Poll::Pending,
                    }
                }
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(std::io::Error::other(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    self.stall.progress();
                    if let Ok(data) = frame.into_data() {
                        self.chunk = data;
                    }
                }
            }
        }
    }
}

/// A shared file sent in pieces of 64 KiB: a router does not hold the whole file.
pub(super) struct FileBody {
    file: tokio::fs::File,
    buf: Vec<u8>,
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        use tokio::io::AsyncRead as _;
        let this = &mut *self;
        let mut rb = tokio::io::ReadBuf::new(&mut this.buf);
        match std::pin::Pin::new(&mut this.file).poll_read(cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) if rb.filled().is_empty() => Poll::Ready(None),
            Poll::Ready(Ok(())) => Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::copy_from_slice(rb.filled()))))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19.14: behind a reverse proxy, the client is the address the proxy saw.
    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let trusted = ["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
        let f = |peer, h: &[&str]| forwarded_client(&trusted, peer, h.iter().copied()).ip().to_string();
        assert_eq!(f(proxy, &["203.0.113.9"]), "203.0.113.9");
        assert_eq!(f(proxy, &["1.2.3.4, 203.0.113.9"]), "203.0.113.9", "what the client wrote is not believed");
        assert_eq!(f(proxy, &["1.2.3.4", "203.0.113.9, ::1"]), "203.0.113.9", "proxies in a chain");
        assert_eq!(f(proxy, &[]), "127.0.0.1");
        assert_eq!(f(proxy, &["garbage"]), "127.0.0.1");
        let stranger: SocketAddr = "198.51.100.1:5000".parse().unwrap();
        assert_eq!(f(stranger, &["203.0.113.9"]), "198.51.100.1", "a header from anyone else is ignored");
    }

    #[test]
    fn queries_decode() {
        let q = parse_query("room=team%2Fdev&from=12&x=a+b&bad=%zz&cut=%4");
        assert_eq!(q["room"], "team/dev");
        assert_eq!(q["from"], "12");
        assert_eq!(q["x"], "a b");
        assert_eq!(q["bad"], "%zz");
        assert_eq!(q["cut"], "%4");
        assert_eq!(decode("%C3%A9t%C3%A9"), "été");
    }
}
