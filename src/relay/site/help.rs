//! `SITE HELP`.

use crate::relay::storage::LoftStorage;
use crate::relay::user::LoftUser;
use async_trait::async_trait;
use libunftp::options::{Reply, ReplyCode, SiteCommandContext, SiteCommandHandler};

/// `SITE HELP`.
#[derive(Debug)]
pub(crate) struct HelpCommand;

#[async_trait]
impl SiteCommandHandler<LoftStorage, LoftUser> for HelpCommand {
    async fn handle(&self, _ctx: &SiteCommandContext<LoftStorage, LoftUser>) -> Reply {
        Reply::MultiLine {
            code: ReplyCode::HelpMessage,
            lines: vec![
                "SITE commands:".to_string(),
                " WAIT <room> <offset> [seconds]   answer 213 <size> once the room passes offset (at most 60 s)"
                    .to_string(),
                " SEEN <room>                      who has read the room how far: user offset time".to_string(),
                " MD5 <file>                       the file's MD5".to_string(),
                "end".to_string(),
            ],
        }
    }
}
