//! `loft get`, and the sending half of file sharing that `loft send --file` and `/file`
//! in `loft chat` share.
//!
//! Both ends go through a file of their own before anything is final: the sender
//! encrypts into a private temporary file (a large file is never in memory, and a
//! retried upload is a new file, not a half-written one), and the receiver decrypts into
//! a hidden part file beside the output, renamed only once the whole file has checked
//! out. A person who finds `photo.jpg` in their folder can trust it is the file announced.

use super::session::{stderr_notifier, Session};
use super::target;
use super::{runtime, Error, Exit, GetArgs, Result};
use crate::base::text::{clean_name, human_size};
use crate::ftpchat::file::{self as files, Decryptor, FileRef};
use crate::ftpchat::key::RoomKey;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `path`, if it is a regular file that can be read; the error says what is wrong.
pub(crate) fn readable_file(path: &Path) -> Result<PathBuf> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => File::open(path)
            .map(|_| path.to_path_buf())
            .map_err(|e| Error::usage(format!("{}: cannot read it: {e}", path.display()))),
        Ok(_) => Err(Error::usage(format!("{}: not a regular file; only files can be shared", path.display()))),
        Err(e) => Err(Error::usage(format!("{}: {e}", path.display()))),
    }
}

/// A temporary file that is removed when dropped.
struct Temp(PathBuf);

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Creates `path` for writing, readable by its owner only; never an existing file.
fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

/// Encrypts `local`, uploads it next to the room file `room_file`, and returns its
/// reference (to be announced).
pub(crate) async fn share(s: &mut Session, room_file: &str, local: &Path) -> Result<FileRef> {
    let name = local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let mut r = FileRef::fresh(&name);
    let temp = Temp(std::env::temp_dir().join(format!("loft-{}.lff", r.id)));
    {
        let fail = |e: std::io::Error| Error::new(Exit::Failure, format!("cannot encrypt {}: {e}", local.display()));
        let mut input = File::open(local).map_err(fail)?;
        let mut out = BufWriter::new(create_private(&temp.0).map_err(fail)?);
        files::encrypt(&mut r, &mut input, &mut out).map_err(fail)?;
        out.flush().map_err(fail)?;
    }
    let remote = r.remote_path(room_file);
    s.put_file(&remote, &temp.0).await.map_err(|e| match e.exit {
        Exit::Refused => Error::new(Exit::Refused, format!("the relay refused the file: {}", e.message)),
        _ => Error::new(e.exit, format!("{}; the file was not shared", e.message)),
    })?;
    Ok(r)
}

pub(crate) fn get(args: GetArgs) -> Result<Exit> {
    let t = Arc::new(target::resolve(&args.connect)?);
    // A whole reference needs no room key; anything else is looked up in the room.
    let (room_file, room) = if args.file.trim().starts_with(files::SCHEME) {
        let name =
            args.room.room.clone().or_else(|| std::env::var("LOFT_ROOM").ok()).or_else(|| t.profile.room.clone());
        let name = name.ok_or_else(|| Error::usage("which room is the file in? Give --room NAME"))?;
        (target::room_file(&name).map_err(Error::usage)?.1, None)
    } else {
        let room = target::resolve_room(&args.room, &t)?;
        (room.file.clone(), Some(room))
    };
    runtime()?.block_on(async {
        let mut s = Session::new(t.clone(), stderr_notifier());
        let r = match &room {
            None => FileRef::parse(&args.file).map_err(|e| Error::usage(format!("{}: {e}", args.file)))?,
            Some(room) => find(&mut s, &room.file, &RoomKey::derive(&room.password), &args.file).await?,
        };
        let done = fetch(&mut s, &room_file, &r, args.output.as_deref(), args.force).await;
        s.quit().await;
        eprintln!("loft get: {}", done?);
        Ok(Exit::Ok)
    })
}

/// The latest file in the room that `wanted` names (the start of an id, a name, or
/// a whole reference).
async fn find(s: &mut Session, room_file: &str, key: &RoomKey, wanted: &str) -> Result<FileRef> {
    // A Loft relay ends a session's RETR of a room at the size its last SIZE answered
    // (for FTPChat): ask again, so that what this session sent since is included.
    s.size(room_file).await?;
    let got = s.read_from(room_file, 0).await?.ok_or_else(|| {
        Error::new(Exit::Refused, format!("{room_file}: no such room on the relay (`loft rooms` lists them)"))
    })?;
    let text = String::from_utf8_lossy(&got.data);
    let shared: Vec<FileRef> = text
        .lines()
        .filter_map(|l| key.open_line(l).ok())
        .filter_map(|m| FileRef::find(&m.text))
        .map(|f| f.0)
        .collect();
    let wanted = wanted.trim();
    let by_id: Vec<&FileRef> = if wanted.len() >= 4 && wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        let w = wanted.to_ascii_lowercase();
        shared.iter().filter(|r| r.id.starts_with(&w)).collect()
    } else {
        Vec::new()
    };
    let mut ids: Vec<&str> = by_id.iter().map(|r| r.id.as_str()).collect();
    ids.dedup();
    if ids.len() > 1 {
        return Err(Error::usage(format!(
            "{wanted} is the start of {} files' ids ({}): give more of it",
            ids.len(),
            ids.join(", ")
        )));
    }
    if let Some(r) = by_id.last() {
        return Ok((*r).clone());
    }
    if let Some(r) = shared.iter().rev().find(|r| r.name == wanted) {
        return Ok(r.clone());
    }
    Err(Error::new(
        Exit::Refused,
        format!(
            "no file {wanted:?} among the {} shared in {room_file} that `loft read` shows (give the id as `loft read` prints it, the file's name, or the whole loft-file: reference)",
            shared.len()
        ),
    ))
}

/// `/get` in `loft chat`: the file into the current folder; what was done.
pub(crate) async fn find_and_fetch(s: &mut Session, room_file: &str, key: &RoomKey, wanted: &str) -> Result<String> {
    let r = find(s, room_file, key, wanted).await?;
    fetch(s, room_file, &r, None, false).await
}

/// Downloads, checks and decrypts `r` to `output` (default: its name here); says what
/// it did.
async fn fetch(s: &mut Session, room_file: &str, r: &FileRef, output: Option<&Path>, force: bool) -> Result<String> {
    let to_stdout = output == Some(Path::new("-"));
    let out = match output {
        Some(p) if !to_stdout => p.to_path_buf(),
        _ => PathBuf::from(safe_file_name(r)),
    };
    if !to_stdout && !force && fs::symlink_metadata(&out).is_ok() {
        return Err(Error::usage(format!(
            "{} exists; choose another name with -o PATH, or replace it with --force",
            out.display()
        )));
    }
    let part = if to_stdout {
        std::env::temp_dir().join(format!("loft-{}.part", r.id))
    } else {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        out.with_file_name(format!(".{name}.loft-part"))
    };
    let _ = fs::remove_file(&part);
    let temp = Temp(part);
    let fail = |e: std::io::Error| Error::new(Exit::Failure, format!("cannot write {}: {e}", temp.0.display()));
    let mut w = BufWriter::new(create_private(&temp.0).map_err(fail)?);
    let mut dec = Decryptor::new(r).map_err(|e| Error::usage(e.to_string()))?;
    // However the chunks are cut, the encrypted file is well under twice the original.
    let max = r.size.saturating_mul(2).saturating_add(1 << 20);
    let remote = r.remote_path(room_file);
    let bad = |why: String| Error::new(Exit::Failure, format!("{}: {why}; nothing was saved", r.name));
    let got = s.get_file(&remote, max, &mut |data| Ok(dec.feed(data, &mut w)?)).await.map_err(|e| match e.exit {
        Exit::Refused => bad(e.message),
        _ => e,
    })?;
    if got.is_none() {
        return Err(Error::new(
            Exit::Refused,
            format!("{}: the relay no longer has this file (removed with the room's old history?)", r.name),
        ));
    }
    dec.finish().map_err(|e| bad(e.to_string()))?;
    let file = w.into_inner().map_err(|e| fail(e.into_error()))?;
    file.sync_all().map_err(fail)?;
    drop(file);
    let shown = format!("{} ({}, SHA-256 checked)", r.name, human_size(r.size));
    if to_stdout {
        let mut input = File::open(&temp.0).map_err(fail)?;
        std::io::copy(&mut input, &mut std::io::stdout().lock())
            .map_err(|e| Error::new(Exit::Failure, format!("cannot write to standard output: {e}")))?;
        return Ok(format!("{shown} written to standard output"));
    }
    fs::rename(&temp.0, &out).map_err(fail)?;
    Ok(format!("{shown} saved as {}", out.display()))
}

/// A name for `r` that is safe to create in the current folder: no path, no control
/// characters, not hidden.
fn safe_file_name(r: &FileRef) -> String {
    let base = r.name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = clean_name(base).chars().filter(|c| !c.is_control() && *c != '\u{fffd}').collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        format!("{}.bin", r.id)
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        let r = FileRef { name: "../../etc/passwd".into(), ..FileRef::fresh("a") };
        assert_eq!(safe_file_name(&r), "passwd");
        let r = FileRef { name: ".bashrc".into(), ..r };
        assert_eq!(safe_file_name(&r), "bashrc");
        let r = FileRef { name: "a\nb\u{202e}c.txt".into(), ..r };
        assert_eq!(safe_file_name(&r), "abc.txt");
    }
}
