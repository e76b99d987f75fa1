//! `SITE WAIT <room> <offset> [seconds]`.

use super::{reply, user_of, DEFAULT_WAIT_SECS, MAX_WAIT_SECS};
use crate::relay::storage::LoftStorage;
use crate::relay::user::LoftUser;
use async_trait::async_trait;
use libunftp::options::{Reply, ReplyCode, SiteCommandContext, SiteCommandHandler};
use std::time::Duration;

/// `SITE WAIT`.
#[derive(Debug)]
pub(crate) struct WaitCommand;

#[async_trait]
impl SiteCommandHandler<LoftStorage, LoftUser> for WaitCommand {
    async fn handle(&self, ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Reply {
        let Some(user) = user_of(ctx) else { return reply(ReplyCode::NotLoggedIn, "log in first") };
        let args: Vec<&str> = ctx.arguments.split_whitespace().collect();
        let parsed = match args.as_slice() {
            [room, off] => off.parse::<u64>().ok().map(|o| (*room, o, DEFAULT_WAIT_SECS)),
            [room, off, secs] => match (off.parse::<u64>(), secs.parse::<u64>()) {
                (Ok(o), Ok(s)) => Some((*room, o, s.min(MAX_WAIT_SECS))),
                _ => None,
            },
            _ => None,
        };
        let Some((name, offset, secs)) = parsed else {
            return reply(ReplyCode::ParameterSyntaxError, "usage: SITE WAIT <room> <offset> [seconds, at most 60]");
        };
        let real = match ctx.storage.site_room(user, name) {
            Ok(r) => r,
            Err(e) => return reply(ReplyCode::FileError, &e.to_string()),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        match ctx.storage.rooms().wait_past(&real, offset, deadline).await {
            Ok(end) => reply(ReplyCode::FileStatus, &end.to_string()),
            Err(e) => reply(ReplyCode::LocalError, &e.to_string()),
        }
    }
}
