//! `SITE SEEN <room>`.

use super::{reply, user_of};
use crate::relay::storage::LoftStorage;
use crate::relay::user::LoftUser;
use async_trait::async_trait;
use libunftp::options::{Reply, ReplyCode, SiteCommandContext, SiteCommandHandler};

/// `SITE SEEN`.
#[derive(Debug)]
pub(crate) struct SeenCommand;

#[async_trait]
impl SiteCommandHandler<LoftStorage, LoftUser> for SeenCommand {
    async fn handle(&self, ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Reply {
        let Some(user) = user_of(ctx) else { return reply(ReplyCode::NotLoggedIn, "log in first") };
        let name = ctx.arguments.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return reply(ReplyCode::ParameterSyntaxError, "usage: SITE SEEN <room>");
        }
        let real = match ctx.storage.site_room(user, name) {
            Ok(r) => r,
            Err(e) => return reply(ReplyCode::FileError, &e.to_string()),
        };
        let rooms = ctx.storage.rooms();
        let rows = match tokio::task::spawn_blocking(move || rooms.seen.list(&real)).await {
            Ok(rows) => rows,
            Err(e) => return reply(ReplyCode::LocalError, &e.to_string()),
        };
        let mut lines = vec!["seen".to_string()];
        for (u, o, t) in rows {
            let when = chrono::DateTime::from_timestamp(t as i64, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| t.to_string());
            lines.push(format!(" {u} {o} {when}"));
        }
        lines.push("end".to_string());
        Reply::MultiLine { code: ReplyCode::SystemStatus, lines }
    }
}
