//! A room's checkpoint: the room as it stands after one message of the cluster's stream,
//! so that a replica can be rebuilt without the messages before it (cluster mode,
//! docs/cluster.md "Retention and checkpoints").
//!
//! The rooms' stream is trimmed (its `max_age`, its `max_bytes`), so a replica rebuilt
//! from it (a wiped root, a relay down longer than the stream keeps messages) cannot
//! replay a room from its first message. It starts each room from its checkpoint
//! instead, and applies the stream's messages after it: the same live bytes, base,
//! archives (names, bytes, and their stream times, which pruning reads) and record as
//! the replicas that never stopped, so the same `SIZE` and the same `REST` offsets.
//!
//! A checkpoint is taken from the files, without stopping the room's writer: the room's
//! record (`applied`: sequence, logical end) is read before and after the state, the
//! archives' list and the live bytes up to the recorded end, and the checkpoint is kept
//! only when nothing moved in between (bytes before the recorded end never change but
//! by a rotation, which moves the base). A room in the middle of a rotation, or written
//! to all along, is taken at the next try.
//!
//! The members' shares (`shares`) travel as they are: they are per relay (members are a
//! user at an address) and saved at most once a minute, an approximation on every relay.
//!
//! Restoring writes the archives, the live file, the state, the shares, and the record
//! last: a relay stopped in the middle finds its record older than the checkpoint and
//! restores the room again at its next start.

use super::replica::{load_applied, load_applied_time, save_applied};
use super::rotate::{self, State};
use crate::base::files::{commit, stage, sync_dir};
use crate::config::SyncPolicy;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The format's first line.
const MAGIC: &str = "loft-checkpoint 1";
/// Attempts at a still picture of a room being written to.
const TRIES: usize = 5;

/// A room after stream message `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// The stream sequence of the last message it holds.
    pub(crate) seq: u64,
    /// The stream time of that message, when the record has it.
    pub(crate) time: Option<SystemTime>,
    /// The logical offset of the live file's first byte.
    pub(crate) base: u64,
    /// The live file's bytes (`base` to the logical end after `seq`).
    pub(crate) live: Vec<u8>,
    /// The archives, oldest first: file name (`START-END.txt`) and stream time.
    pub(crate) archives: Vec<(String, SystemTime)>,
    /// The members' shares file, as it is.
    pub(crate) shares: Vec<u8>,
}

impl Checkpoint {
    /// The logical end after `seq`: what `SIZE` answers.
    pub(crate) fn end(&self) -> u64 {
        self.base + self.live.len() as u64
    }

    /// The room at `room` after its last recorded message; `Ok(None)` when it has no
    /// record (never applied from the stream) or kept moving through every try.
    pub(crate) fn take(room: &Path) -> io::Result<Option<Checkpoint>> {
        for _ in 0..TRIES {
            let Some(before) = load_applied(room) else { return Ok(None) };
            let state = rotate::read_state(room)?;
            let archives = archive_list(room)?;
            let (seq, end) = before;
            // A rotation under way: its archive is named before the cut (an archive past
            // the base), or its state says where the base moves.
            let newest_end = archives.last().and_then(|(n, _)| rotate::archive_range(n)).map_or(0, |r| r.1);
            if state.next.is_some() || end < state.base || newest_end > state.base {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            let shares = match fs::read(rotate::state_dir(room).join("shares")) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            };
            let time = load_applied_time(room);
            let mut live = vec![0u8; (end - state.base) as usize];
            let read = match fs::File::open(room) {
                Ok(f) => f.read_exact_at(&mut live, 0),
                Err(e) => Err(e),
            };
            let still = load_applied(room) == Some(before)
                && rotate::read_state(room)? == state
                && archive_list(room)? == archives;
            match read {
                Ok(()) if still => {
                    return Ok(Some(Checkpoint { seq, time, base: state.base, live, archives, shares }));
                }
                Err(e) if still && e.kind() != io::ErrorKind::UnexpectedEof && e.kind() != io::ErrorKind::NotFound => {
                    return Err(e)
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        Ok(None)
    }

    /// The bytes stored in the cluster.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut head = format!(
            "{MAGIC}\nseq {}\nbase {}\nlive {}\nshares {}\n",
            self.seq,
            self.base,
            self.live.len(),
            self.shares.len()
        );
        if let Some(t) = self.time {
            head.push_str(&format!("time {}\n", stamp(t)));
        }
        for (name, t) in &self.archives {
            head.push_str(&format!("archive {name} {}\n", stamp(*t)));
        }
        head.push('\n');
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.live);
        out.extend_from_slice(&self.shares);
        out
    }

    /// Reads [`Checkpoint::encode`]'s bytes; `None` for anything else (a checkpoint from
    /// a later Loft, a damaged object).
    pub(crate) fn decode(bytes: &[u8]) -> Option<Checkpoint> {
        let split = bytes.windows(2).position(|w| w == b"\n\n")?;
        let head = std::str::from_utf8(&bytes[..split]).ok()?;
        let body = &bytes[split + 2..];
        let mut lines = head.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let (mut seq, mut base, mut live, mut shares, mut time) = (None, None, None, None, None);
        let mut archives = Vec::new();
        for line in lines {
            let mut it = line.split(' ');
            match (it.next()?, it.next()?) {
                ("seq", v) => seq = v.parse::<u64>().ok(),
                ("base", v) => base = v.parse::<u64>().ok(),
                ("live", v) => live = v.parse::<usize>().ok(),
                ("shares", v) => shares = v.parse::<usize>().ok(),
                ("time", v) => time = Some(unstamp(v)?),
                ("archive", name) => {
                    let (start, end) = rotate::archive_range(name)?;
                    if end <= start || name.contains('/') {
                        return None;
                    }
                    archives.push((name.to_string(), unstamp(it.next()?)?));
                }
                _ => {}
            }
        }
        let (live, shares) = (live?, shares?);
        if body.len() != live.checked_add(shares)? {
            return None;
        }
        Some(Checkpoint {
            seq: seq?,
            time,
            base: base?,
            live: body[..live].to_vec(),
            archives,
            shares: body[live..].to_vec(),
        })
    }

    /// Makes the room at `room` this checkpoint: `archives` are the bytes of
    /// [`Checkpoint::archives`], in order. Archives the room has and the checkpoint does
    /// not are removed (pruned since, on the other replicas), and the last rotation's
    /// pruning is done again (a checkpoint taken between a rotation's cut and its pruning
    /// still lists what it pruned). Every file is written durably, the record last,
    /// whatever the sync policy: a restore is rare, and a record lost after it would
    /// apply messages twice. The room must not be open.
    pub(crate) fn restore(
        &self,
        room: &Path,
        archives: &[Vec<u8>],
        settings: &rotate::RotateSettings,
    ) -> io::Result<()> {
        if archives.len() != self.archives.len() {
            return Err(io::Error::other("the checkpoint's archives are not all there"));
        }
        let dir = rotate::state_dir(room);
        fs::create_dir_all(&dir)?;
        if let Some(parent) = room.parent() {
            fs::create_dir_all(parent)?;
        }
        for ((name, time), bytes) in self.archives.iter().zip(archives) {
            let path = dir.join(name);
            let tmp = stage(&path, bytes)?;
            let f = fs::File::options().write(true).open(&tmp)?;
            f.set_modified(*time)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)?;
        }
        let keep: Vec<&str> = self.archives.iter().map(|(n, _)| n.as_str()).collect();
        for (_, _, p) in rotate::archives(room) {
            if !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| keep.contains(&n)) {
                fs::remove_file(&p)?;
            }
        }
        for stale in ["live.new", "state.tmp"] {
            let _ = fs::remove_file(dir.join(stale));
        }
        sync_dir(&dir)?;
        let tmp = stage(room, &self.live)?;
        commit(&tmp, room)?;
        rotate::write_state(room, State { base: self.base, next: None })?;
        if self.shares.is_empty() {
            let _ = fs::remove_file(dir.join("shares"));
        } else {
            crate::base::files::write_atomic(&dir.join("shares"), &self.shares)?;
        }
        // Pruned as the last rotation pruned: at the time it dated its archive with.
        if let Some((_, time)) = self.archives.last() {
            rotate::prune_at(room, settings, *time);
        }
        save_applied(room, Some((self.seq, self.end())), self.time, SyncPolicy::Always);
        if load_applied(room) != Some((self.seq, self.end())) {
            return Err(io::Error::other("cannot record the checkpoint's stream sequence"));
        }
        Ok(())
    }
}

/// The room's archives, oldest first: name and time.
fn archive_list(room: &Path) -> io::Result<Vec<(String, SystemTime)>> {
    let mut out = Vec::new();
    for (_, _, p) in rotate::archives(room) {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        out.push((name, fs::metadata(&p)?.modified()?));
    }
    Ok(out)
}

/// A time as the checkpoint writes it: `SECONDS.NANOSECONDS` since the epoch.
pub(crate) fn stamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
}

/// [`stamp`]'s time back; `None` for anything else (nanoseconds past a second, a time
/// past what the system's clock holds).
pub(crate) fn unstamp(s: &str) -> Option<SystemTime> {
    let (secs, nanos) = s.split_once('.')?;
    let nanos: u32 = nanos.parse().ok().filter(|n| *n < 1_000_000_000)?;
    UNIX_EPOCH.checked_add(Duration::new(secs.parse().ok()?, nanos))
}

#[cfg(test)]
mod tests {
    use super::super::replica::StreamMessage;
    use super::super::{RoomSettings, Rooms};
    use super::*;

    fn settings() -> RoomSettings {
        let mut s = RoomSettings { validate: false, max_room_bytes: 0, ..RoomSettings::default() };
        s.rotate = rotate::RotateSettings { rotate_bytes: 2048, keep_bytes: 512, keep_archives: 3, keep_days: 0 };
        s
    }

    fn message(i: usize) -> StreamMessage {
        let data =
            (0..1 + i % 3).map(|j| format!("m{i}-{j}-{}\n", "z".repeat(30 + (i * 11 + j) % 70))).collect::<String>();
        let time = UNIX_EPOCH + Duration::from_secs(2_000_000 + i as u64 * 60);
        StreamMessage { seq: i as u64 + 1, data: data.into_bytes(), member: Some("al 10.0.0.1".into()), time }
    }

    /// An archive as a replica keeps it: name, bytes, time.
    type Archive = (String, Vec<u8>, SystemTime);

    /// Everything the room keeps: archives, the live file, the record.
    fn everything(room: &Path) -> (Vec<Archive>, Vec<u8>, Option<(u64, u64)>) {
        let arcs = rotate::archives(room)
            .into_iter()
            .map(|(_, _, p)| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, fs::read(&p).unwrap(), fs::metadata(&p).unwrap().modified().unwrap())
            })
            .collect();
        (arcs, fs::read(room).unwrap(), load_applied(room))
    }

    #[tokio::test]
    async fn a_replica_restored_from_a_checkpoint_goes_on_as_the_others() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (p1, p2) = (d1.path().join("lobby.txt"), d2.path().join("lobby.txt"));
        let r1 = Rooms::new(settings());
        for i in 0..150 {
            r1.apply_batch(&p1, vec![message(i)]).await.unwrap();
        }
        let cp = Checkpoint::take(&p1).unwrap().unwrap();
        assert_eq!(cp.seq, 150);
        assert!(cp.base > 0 && cp.archives.len() == 3, "{:?}", cp.archives);
        let decoded = Checkpoint::decode(&cp.encode()).unwrap();
        assert_eq!(decoded, cp);
        // The second replica has an older copy of the room, with an archive pruned since.
        let r2 = Rooms::new(settings());
        for i in 0..40 {
            r2.apply_batch(&p2, vec![message(i)]).await.unwrap();
        }
        drop(r2);
        let bytes: Vec<Vec<u8>> =
            cp.archives.iter().map(|(n, _)| fs::read(rotate::state_dir(&p1).join(n)).unwrap()).collect();
        decoded.restore(&p2, &bytes, &settings().rotate).unwrap();
        assert_eq!(everything(&p1), everything(&p2));
        // And both apply the rest alike: the same rotations, prunings, records.
        let r2 = Rooms::new(settings());
        for i in 140..260 {
            r1.apply_batch(&p1, vec![message(i)]).await.unwrap();
            r2.apply_batch(&p2, vec![message(i)]).await.unwrap();
        }
        assert_eq!(everything(&p1), everything(&p2));
        assert_eq!(r2.subscribe(&p2).await.unwrap().end(), r1.subscribe(&p1).await.unwrap().end());
    }

    #[tokio::test]
    async fn a_room_in_the_middle_of_a_rotation_is_not_taken() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lobby.txt");
        let r = Rooms::new(settings());
        for i in 0..10 {
            r.apply_batch(&p, vec![message(i)]).await.unwrap();
        }
        let cp = Checkpoint::take(&p).unwrap().unwrap();
        // Steps 1 and 2 of a rotation: the archive named, the cut not made.
        let end = cp.base + 100;
        fs::write(rotate::state_dir(&p).join(format!("{:020}-{end:020}.txt", cp.base)), &cp.live[..100]).unwrap();
        assert_eq!(Checkpoint::take(&p).unwrap(), None);
    }

    #[test]
    fn what_is_not_a_checkpoint_is_refused() {
        let cp = Checkpoint {
            seq: 7,
            time: Some(UNIX_EPOCH + Duration::new(5, 6)),
            base: 100,
            live: b"a\nb\n".to_vec(),
            archives: vec![(format!("{:020}-{:020}.txt", 0, 100), UNIX_EPOCH + Duration::new(4, 0))],
            shares: b"al\t0\t4\n".to_vec(),
        };
        let good = cp.encode();
        assert_eq!(Checkpoint::decode(&good), Some(cp.clone()));
        assert_eq!(cp.end(), 104);
        assert!(Checkpoint::decode(&good[..good.len() - 1]).is_none(), "a short body");
        assert!(Checkpoint::decode(b"loft-checkpoint 2\nseq 1\n\n").is_none());
        let bad_name = String::from_utf8(good.clone()).unwrap().replace(".txt 4", "/x.txt 4");
        assert!(Checkpoint::decode(bad_name.as_bytes()).is_none());
        let room = tempfile::tempdir().unwrap();
        let e = cp.restore(&room.path().join("r.txt"), &[], &settings().rotate).unwrap_err();
        assert!(e.to_string().contains("archives"), "{e}");
        // Times from elsewhere: nothing that panics or wraps.
        assert_eq!(unstamp("18446744073709551615.4294967295"), None);
        assert_eq!(unstamp("1.1000000000"), None);
        assert_eq!(unstamp("5.000000006"), Some(UNIX_EPOCH + Duration::new(5, 6)));
    }
}
