//! `loft rooms`: the rooms this user can see, with their sizes.

use super::session::{stderr_notifier, Session};
use super::target::{self};
use super::{runtime, Exit, Result, RoomsArgs};
use crate::base::text::human_size;
use std::io::Write;
use std::sync::Arc;

pub(crate) fn rooms(args: RoomsArgs) -> Result<Exit> {
    let t = Arc::new(target::resolve(&args.connect)?);
    runtime()?.block_on(async {
        let mut s = Session::new(t.clone(), stderr_notifier());
        s.connect().await?;
        let mut names: Vec<String> = s
            .list()
            .await?
            .into_iter()
            .map(|n| n.rsplit('/').next().unwrap_or(&n).to_string())
            .filter(|n| n.ends_with(".txt") && target::room_file(n).is_ok())
            .collect();
        names.sort();
        names.dedup();
        let mut out = std::io::stdout().lock();
        for file in names {
            let name = file.strip_suffix(".txt").unwrap_or(&file).to_string();
            let line = if args.long || args.json {
                let size = s.size(&file).await?;
                let changed = s.mdtm(&file).await?;
                if args.json {
                    serde_json::json!({
                        "room": name,
                        "size": size,
                        "changed": changed.map(|c| c.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    })
                    .to_string()
                } else {
                    let changed = changed.map(|c| c.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
                    format!("{name:<24} {:>10} {changed}", size.map(human_size).unwrap_or_default())
                }
            } else {
                name
            };
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        s.quit().await;
        Ok(Exit::Ok)
    })
}
