//! The invite calls of the API: make a link from the page, look one up, redeem it.
//!
//! The store and its rules are [`crate::relay::invites`]; here are the HTTP answers. A
//! token that does not work gets one answer, `410`, whether it never existed, was used
//! up, expired or was withdrawn, and counts as a failed login for its address
//! (`limits.failed_logins`), so tokens cannot be guessed faster than passwords.

use super::api::{body, fail, json_response, Fail, Resp, MAX_SMALL_BODY};
use super::sessions::Session;
use super::Web;
use crate::relay::invites::cli::{check_room, link, MAX_LIFETIME_DAYS};
use crate::relay::invites::{check_new_user, Grant, Invite, InviteError, Invites};
use crate::relay::user;
use hyper::body::Incoming;
use hyper::header;
use hyper::{Request, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;

/// The most uses an invite made in the page may have (`loft invite` allows more).
const PAGE_MAX_USES: u32 = 20;

fn store(web: &Web) -> Result<Invites, Fail> {
    let snap = web.relay.live.get();
    match &snap.config.source {
        Some(path) => Ok(Invites::of(&snap.config, path)),
        None => Err(fail(StatusCode::SERVICE_UNAVAILABLE, "this relay was started without a config file: no invites")),
    }
}

fn invite_fail(e: InviteError) -> Fail {
    if let InviteError::Store(why) = &e {
        // Paths and config lines are for the admin's log, not for whoever holds a link.
        tracing::error!(target: "loft::web", "invites: {why}");
        return fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the relay cannot keep invites or accounts right now; nothing was changed (its log says why)",
        );
    }
    let status = match &e {
        InviteError::Gone => StatusCode::GONE,
        InviteError::Taken(_) => StatusCode::CONFLICT,
        InviteError::Unacceptable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        InviteError::NoSuchId(_) => StatusCode::NOT_FOUND,
        InviteError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    fail(status, &e.to_string())
}

/// Runs blocking store work (a `flock`, file writes, a password hash) off the runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, InviteError> + Send + 'static) -> Result<T, Fail> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(invite_fail),
        Err(e) => Err(fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct MakeBody {
    room: Option<String>,
    uses: Option<u32>,
    /// `7d`, `12h`, or seconds.
    expires: Option<String>,
    read_only: bool,
}

/// `POST /api/invites` `{"room"?, "uses"?, "expires"?, "read_only"?}`: a link for the page's
/// "Invite someone". The new accounts get the inviter's home, and no more rights than the
/// inviter has.
pub(super) async fn make(web: &Web, s: &Session, req: Request<Incoming>) -> Result<Resp, Fail> {
    if !s.user.may_invite {
        return Err(fail(StatusCode::FORBIDDEN, "this account may not invite people (may_invite in the config)"));
    }
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
    let b = body(web, req, MAX_SMALL_BODY).await?;
    let m: MakeBody = if b.is_empty() {
        MakeBody::default()
    } else {
        serde_json::from_slice(&b).map_err(|e| {
            fail(StatusCode::BAD_REQUEST, &format!("expected {{\"room\", \"uses\", \"expires\", \"read_only\"}}: {e}"))
        })?
    };
    let unprocessable = |m: String| fail(StatusCode::UNPROCESSABLE_ENTITY, &m);
    let uses = m.uses.unwrap_or(1);
    if !(1..=PAGE_MAX_USES).contains(&uses) {
        return Err(unprocessable(format!("uses: 1 to {PAGE_MAX_USES}")));
    }
    let lifetime = match m.expires.as_deref() {
        None | Some("") => Duration::from_secs(7 * 86400),
        Some(t) => crate::config::parse_duration(t).map_err(|e| unprocessable(format!("expires: {e}")))?,
    };
    if lifetime < Duration::from_secs(60) || lifetime.as_secs() > MAX_LIFETIME_DAYS * 86400 {
        return Err(unprocessable(format!("expires: from a minute to {MAX_LIFETIME_DAYS} days")));
    }
    let room = m.room.map(|r| r.trim().trim_end_matches(".txt").to_string()).filter(|r| !r.is_empty());
    if let Some(r) = &room {
        check_room(r).map_err(unprocessable)?;
    }
    let snap = web.relay.live.get();
    let home = s
        .user
        .home
        .strip_prefix(&snap.config.root)
        .ok()
        .map(|h| h.to_string_lossy().into_owned())
        .filter(|h| !h.is_empty());
    let fp = crate::base::cert::ca_fingerprint(&snap.config.tls.ca_cert);
    // The link names the relay as the inviter reached it, unless the admin said otherwise.
    let host = match (&snap.config.web.public_host, host) {
        (Some(_), _) | (None, None) => crate::relay::invites::cli::host(&snap.config),
        (None, Some(h)) => h,
    };
    drop(snap);
    let grant =
        Grant { by: s.user.name.clone(), home, room, read_only: m.read_only || s.user.read_only, uses, lifetime };
    let store = store(web)?;
    let (invite, token) = blocking(move || store.create(grant)).await?;
    let link = link(&host, &token, invite.room.as_deref(), fp.as_deref());
    let qr = crate::base::qr::encode(&link).map(|q| crate::base::qr::svg(&q));
    tracing::info!(target: "loft::web", user = %s.user.name, invite = %invite.id, uses = invite.uses, "invite made");
    Ok(json_response(
        StatusCode::CREATED,
        json!({
            "id": invite.id, "link": link, "qr_svg": qr, "uses": invite.uses, "expires": invite.expires,
            "read_only": invite.read_only, "room": invite.room, "fingerprint": fp,
        }),
    ))
}

#[derive(Deserialize)]
struct Token {
    invite: String,
}

/// Checks the failed-login policy for an invite call, and finds the invite; a token that
/// does not work is counted against the address.
async fn open_invite(web: &Web, peer: SocketAddr, token: &str) -> Result<Invite, Fail> {
    let auth = web.relay.authenticator(&web.relay.live.get());
    if auth.invite_blocked(peer.ip()) {
        return Err(fail(
            StatusCode::TOO_MANY_REQUESTS,
            "too many unusable invites from this address; try again later",
        ));
    }
    let store = store(web)?;
    let token = token.to_string();
    let found = blocking(move || store.find(&token)).await;
    if found.as_ref().is_err_and(|f| f.0 == StatusCode::GONE) {
        auth.invite_failed(peer.ip());
    }
    found
}

/// `POST /api/invites/info` `{"invite": TOKEN}`: who invited, to what; for the page to
/// show before asking for a name.
pub(super) async fn info(web: &Web, peer: SocketAddr, req: Request<Incoming>) -> Result<Resp, Fail> {
    let b = body(web, req, MAX_SMALL_BODY).await?;
    let Token { invite } = serde_json::from_slice(&b)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("expected {{\"invite\": TOKEN}}: {e}")))?;
    let i = open_invite(web, peer, &invite).await?;
    let fp = crate::base::cert::ca_fingerprint(&web.relay.live.get().config.tls.ca_cert);
    Ok(json_response(
        StatusCode::OK,
        json!({
            "by": i.by, "room": i.room, "read_only": i.read_only, "expires": i.expires,
            "uses_left": i.uses.saturating_sub(i.used_by.len() as u32), "fingerprint": fp,
        }),
    ))
}

#[derive(Deserialize)]
struct Redeem {
    invite: String,
    user: String,
    password: String,
}

/// `POST /api/invites/redeem` `{"invite", "user", "password"}`: makes the account, applies
/// it at once, and answers as `/api/login` does.
pub(super) async fn redeem(web: &Web, peer: SocketAddr, req: Request<Incoming>) -> Result<Resp, Fail> {
    let b = body(web, req, MAX_SMALL_BODY).await?;
    let Redeem { invite, user: name, password } = serde_json::from_slice(&b).map_err(|e| {
        fail(StatusCode::BAD_REQUEST, &format!("expected {{\"invite\": …, \"user\": …, \"password\": …}}: {e}"))
    })?;
    let name = name.trim().to_string();
    let i = open_invite(web, peer, &invite).await?;
    check_new_user(&name, &password).map_err(invite_fail)?;
    if web.relay.live.get().users.users.contains_key(&name) {
        return Err(invite_fail(InviteError::Taken(name)));
    }
    let store = store(web)?;
    let config = web.relay.live.get().config.source.clone().expect("store() checked the source");
    let made = name.clone();
    let redeemed = blocking(move || {
        let phc = crate::base::password::hash_password(&password);
        store.redeem(&invite, &made, &phc, &config)
    })
    .await;
    if redeemed.as_ref().is_err_and(|f| f.0 == StatusCode::GONE) {
        // Used up by another redeem meanwhile: counted like any token that does not work.
        web.relay.authenticator(&web.relay.live.get()).invite_failed(peer.ip());
    }
    redeemed?;
    web.relay.reload_users().map_err(|e| {
        fail(StatusCode::INTERNAL_SERVER_ERROR, &format!("the account was made but the relay could not load it: {e}"))
    })?;
    let snap = web.relay.live.get();
    let u = user::lookup(&snap.config, &snap.homes, &name)
        .map_err(|e| fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    let phc = snap.users.users.get(&name).map(|u| u.password.clone()).unwrap_or_default();
    let read_only = u.read_only;
    let session = web.sessions.create(u, phc, peer.ip());
    tracing::info!(target: "loft::web", user = %name, by = %i.by, invite = %i.id, peer = %peer, "account made from an invite");
    Ok(json_response(
        StatusCode::OK,
        json!({ "session": session, "user": name, "read_only": read_only, "room": i.room, "by": i.by }),
    ))
}
