use super::log::{cut_tail, scan_lines};
use super::*;
use crate::ftpchat::token::check_line;
use std::fs::OpenOptions;
use std::io::Write;

/// What a crash-recovering open does to a room's tail, on its own.
fn repair(path: &Path) -> io::Result<u64> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "a room must be a regular file"));
    }
    cut_tail(&file, meta.len())
}
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use rand::Rng;
use std::time::{Duration, Instant};

/// A fresh, random, well-formed token (shape only).
fn token() -> String {
    let mut rng = rand::thread_rng();
    let k = rng.gen_range(1..4);
    let mut raw = vec![0u8; 57 + 16 * k];
    rng.fill(&mut raw[..]);
    raw[0] = 0x80;
    URL_SAFE.encode(raw)
}

fn tokens(n: usize) -> Vec<String> {
    (0..n).map(|_| token()).collect()
}

fn settings(sync: SyncPolicy) -> RoomSettings {
    RoomSettings {
        validate: true,
        sync,
        max_append_bytes: 64 * 1024,
        rotate: RoomSettings::default().rotate,
        max_room_bytes: 0,
        files: files::FileLimits { max_file_bytes: 1 << 20, quota_bytes: 0 },
    }
}

fn lines_of(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "room ends in a partial line: {text:?}");
    text.lines().map(str::to_string).collect()
}

fn room_file(dir: &tempfile::TempDir, content: &str) -> PathBuf {
    let p = dir.path().join("room.txt");
    std::fs::write(&p, content).unwrap();
    p
}

/// Waits for `cond`; a writer may still be rotating (fsyncs that take seconds on a disk
/// busy with a build), so the limit only catches a hang.
async fn wait_for(mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(30), "timed out");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn appends_lines_and_creates_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.txt");
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let t = tokens(2);
    let out = rooms.append(&path, format!("{}\n{}\n", t[0], t[1]).as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 2);
    assert_eq!(out.duplicate_lines, 0);
    assert_eq!(out.bytes_written, (t[0].len() + t[1].len() + 2) as u64);
    assert_eq!(lines_of(&path), t);
}

#[tokio::test]
async fn crlf_empty_lines_and_missing_final_newline_are_normalized() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let t = tokens(3);
    let data = format!("\r\n{}\r\n\n\n{}\r\n\r\n{}", t[0], t[1], t[2]);
    let out = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 3);
    let expected = format!("{}\n{}\n{}\n", t[0], t[1], t[2]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    assert_eq!(out.bytes_written, expected.len() as u64);
}

#[tokio::test]
async fn an_upload_without_lines_writes_nothing_but_creates_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let rooms = Rooms::new(settings(SyncPolicy::Always));
    for (name, data) in [("a.txt", ""), ("b.txt", "\n\r\n\n")] {
        let path = dir.path().join(name);
        let out = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap();
        assert_eq!(out, AppendOutcome::default());
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }
    // Merge (STOR) of nothing onto a room with lines does not truncate it.
    let t = token();
    let path = room_file(&dir, &format!("{t}\n"));
    let out = rooms.append(&path, b"", WriteMode::Merge, None).await.unwrap();
    assert_eq!(out, AppendOutcome::default());
    assert_eq!(lines_of(&path), vec![t]);
}

#[tokio::test]
async fn an_invalid_line_refuses_the_whole_upload_and_leaves_the_room_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(3);
    // Starts with an unterminated line: a refused upload must not even repair it.
    let before = format!("{}\n{}", t[0], &t[1][..20]);
    let path = room_file(&dir, &before);
    let rooms = Rooms::new(settings(SyncPolicy::Always));
    let data = format!("{}\n\nnot a token\n{}\n", t[1], t[2]);
    let err = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap_err();
    match &err {
        RoomError::Invalid { line, reason } => {
            assert_eq!(*line, 3, "empty lines count in the numbering");
            assert!(reason.contains("not URL-safe base64"), "{reason}");
        }
        e => panic!("expected Invalid, got {e:?}"),
    }
    assert!(matches!(err, RoomError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().starts_with("line 3: not a Fernet token: not URL-safe base64"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert_eq!(rooms.fsyncs(), 0);

    // Wrong version byte: the reason says so.
    let mut raw = URL_SAFE.decode(&t[2]).unwrap();
    raw[0] = 0x12;
    let bad = URL_SAFE.encode(raw);
    let err = rooms.append(&path, format!("{}\r\n{bad}", t[1]).as_bytes(), WriteMode::Merge, None).await.unwrap_err();
    assert_eq!(err.to_string(), "line 2: not a Fernet token: version byte is 0x12, expected 0x80");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[tokio::test]
async fn validation_can_be_turned_off_and_on_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(RoomSettings { validate: false, ..settings(SyncPolicy::Never) });
    let out = rooms.append(&path, b"hello\r\nworld", WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 2);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\nworld\n");
    rooms.set_settings(settings(SyncPolicy::Never));
    assert!(matches!(
        rooms.append(&path, b"again", WriteMode::Append, None).await,
        Err(RoomError::Invalid { line: 1, .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\nworld\n");
}

#[tokio::test]
async fn too_large_is_refused_before_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("room.txt");
    let rooms = Rooms::new(RoomSettings { max_append_bytes: 200, ..settings(SyncPolicy::Always) });
    let t = tokens(2);
    let data = format!("{}\n{}\n", t[0], t[1]);
    assert!(data.len() > 200);
    let err = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap_err();
    assert!(matches!(err, RoomError::TooLarge { limit: 200 }), "{err:?}");
    assert!(matches!(err, RoomError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("200 bytes"), "{err}");
    assert!(!path.exists(), "a refused upload creates nothing");
    // Exactly at the limit is fine.
    let one = format!("{}\n", t[0]);
    rooms.set_settings(RoomSettings { max_append_bytes: one.len(), ..settings(SyncPolicy::Never) });
    rooms.append(&path, one.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(lines_of(&path), vec![t[0].clone()]);
}

#[tokio::test]
async fn retried_and_repeated_lines_are_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let t = tokens(3);
    let first = rooms.append(&path, format!("{}\n", t[0]).as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!((first.written_lines, first.duplicate_lines), (1, 0));
    // The client timed out and sends it again.
    let retry = rooms.append(&path, format!("{}\n", t[0]).as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(
        retry,
        AppendOutcome { written_lines: 0, duplicate_lines: 1, bytes_written: 0, ..AppendOutcome::default() }
    );
    // Repeated within one upload (CRLF or not), and mixed with a retried one.
    let data = format!("{a}\n{b}\r\n{a}\n{b}\n{c}\n", a = t[1], b = t[0], c = t[2]);
    let out = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!((out.written_lines, out.duplicate_lines), (2, 3));
    assert_eq!(lines_of(&path), vec![t[0].clone(), t[1].clone(), t[2].clone()]);
}

#[tokio::test]
async fn duplicates_are_found_in_the_tail_of_an_existing_room() {
    let dir = tempfile::tempdir().unwrap();
    // Older than the seed window: more than SEED_BYTES of other lines follow it.
    let ancient = token();
    let mut content = format!("{ancient}\r\n");
    let mut recent = Vec::new();
    while content.len() < SEED_BYTES as usize + 10_000 {
        let t = token();
        content.push_str(&t);
        content.push('\n');
        recent.push(t);
    }
    assert!(recent.len() < RECENT_LINES, "the window, not the line count, limits this test");
    let path = room_file(&dir, &content);
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let last = recent.last().unwrap().clone();
    let out = rooms.append(&path, format!("{last}\n").as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.duplicate_lines, 1, "the last line of the file is known");
    // A line a bit before the window edge is known too; the line cut by the window and
    // older ones are not (Append only looks at recent lines).
    let inside = &recent[recent.len() - 300];
    let out = rooms.append(&path, format!("{inside}\n").as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.duplicate_lines, 1);
    let out = rooms.append(&path, format!("{ancient}\n").as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 1, "beyond the window, an old line is new again");
}

#[tokio::test]
async fn the_recent_set_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(RoomSettings { max_append_bytes: 1 << 20, ..settings(SyncPolicy::Never) });
    // Keeps the room (and its recent lines) open, to look inside at the end.
    let _watch = rooms.subscribe(&path).await.unwrap();
    let first = token();
    rooms.append(&path, format!("{first}\n").as_bytes(), WriteMode::Append, None).await.unwrap();
    let others = tokens(RECENT_LINES - 1).join("\n");
    rooms.append(&path, others.as_bytes(), WriteMode::Append, None).await.unwrap();
    let out = rooms.append(&path, first.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.duplicate_lines, 1, "{RECENT_LINES} lines back is still recent");
    rooms.append(&path, token().as_bytes(), WriteMode::Append, None).await.unwrap();
    let out = rooms.append(&path, first.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 1, "{} lines back is forgotten", RECENT_LINES + 1);
    let room = rooms.room(&path).await.unwrap();
    let log = lock(&room.log);
    let recent = &log.as_ref().unwrap().recent;
    assert_eq!(recent.order.len(), RECENT_LINES);
    assert!(recent.counts.len() <= RECENT_LINES);
}

#[tokio::test]
async fn merge_appends_only_what_the_whole_room_lacks_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let old = token();
    let filler = tokens(RECENT_LINES + 50);
    let mut content = format!("{old}\n");
    for t in &filler {
        content.push_str(t);
        content.push('\n');
    }
    let path = room_file(&dir, &content);
    let rooms = Rooms::new(RoomSettings { max_append_bytes: 1 << 20, ..settings(SyncPolicy::Batch) });
    // The FTPChat fallback: the whole room as the client saw it, plus two new lines
    // at different places, with CRLF.
    let new = tokens(2);
    let mut upload = format!("{old}\r\n{}\r\n", new[0]);
    for t in &filler[..10] {
        upload.push_str(t);
        upload.push_str("\r\n");
    }
    upload.push_str(&format!("{}\r\n{}\r\n{old}", new[1], new[0]));
    let out = rooms.append(&path, upload.as_bytes(), WriteMode::Merge, None).await.unwrap();
    assert_eq!(out.written_lines, 2);
    assert_eq!(out.duplicate_lines, 13);
    let expected = format!("{content}{}\n{}\n", new[0], new[1]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    // Merging a subset changes nothing; the file is never truncated.
    let out = rooms.append(&path, format!("{}\n{old}\n", new[1]).as_bytes(), WriteMode::Merge, None).await.unwrap();
    assert_eq!((out.written_lines, out.duplicate_lines), (0, 2));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    // Append only looks at recent lines: the very first line is beyond them.
    let out = rooms.append(&path, format!("{old}\n").as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 1);
}

#[tokio::test]
async fn an_unterminated_tail_is_cut_when_the_room_opens() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(3);
    let path = room_file(&dir, &format!("{}\n{}\n{}", t[0], t[1], &t[2][..30]));
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    rooms.append(&path, t[2].as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(lines_of(&path), t);
}

#[test]
fn repair_cuts_to_the_last_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.txt");
    let cases: &[(&str, u64, &str)] = &[
        ("", 0, ""),
        ("a\nb\n", 0, "a\nb\n"),
        ("a\nb\npart", 4, "a\nb\n"),
        ("no newline at all", 17, ""),
        ("a\r\nb\r", 2, "a\r\n"),
    ];
    for (before, cut, after) in cases {
        std::fs::write(&p, before).unwrap();
        assert_eq!(repair(&p).unwrap(), *cut, "{before:?}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), *after, "{before:?}");
    }
    // A tail longer than one read chunk, and a file with no newline at all.
    let long = format!("x\n{}", "y".repeat(20_000));
    std::fs::write(&p, &long).unwrap();
    assert_eq!(repair(&p).unwrap(), 20_000);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "x\n");
    std::fs::write(&p, "z".repeat(20_000)).unwrap();
    assert_eq!(repair(&p).unwrap(), 20_000);
    assert_eq!(std::fs::read(&p).unwrap(), b"");
    assert_eq!(repair(&dir.path().join("missing.txt")).unwrap_err().kind(), io::ErrorKind::NotFound);
    assert!(repair(dir.path()).is_err());
}

#[tokio::test]
async fn a_full_disk_leaves_no_partial_line_and_the_retry_is_not_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(3);
    let before = format!("{}\n", t[0]);
    let path = room_file(&dir, &before);
    let rooms = Rooms::new(settings(SyncPolicy::Batch));
    let data = format!("{}\n{}\n", t[1], t[2]);
    // The next write stops in the middle of the second line, as a full disk does.
    *lock(&rooms.shared.short_write) = Some(t[1].len() + 10);
    let err = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap_err();
    assert!(matches!(&err, RoomError::DiskFull(e) if e.raw_os_error() == Some(libc::ENOSPC)), "{err:?}");
    assert_eq!(err.to_string(), "room not written: the relay's disk is full; the room is unchanged");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "cut back to the length before");
    let out = rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!((out.written_lines, out.duplicate_lines), (2, 0));
    assert_eq!(lines_of(&path), t);
}

#[tokio::test]
async fn sync_always_fsyncs_every_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Always));
    for t in tokens(4) {
        rooms.append(&path, t.as_bytes(), WriteMode::Append, None).await.unwrap();
    }
    assert_eq!(rooms.fsyncs(), 4);
    // A duplicate writes nothing, so it needs no fsync.
    let t = lines_of(&path).remove(0);
    rooms.append(&path, t.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(rooms.fsyncs(), 4);
    // Creating a room also syncs its folder.
    rooms.append(&dir.path().join("new.txt"), token().as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(rooms.fsyncs(), 6);
}

#[tokio::test]
async fn sync_never_does_not_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    for t in tokens(4) {
        rooms.append(&dir.path().join("room.txt"), t.as_bytes(), WriteMode::Append, None).await.unwrap();
    }
    assert_eq!(lines_of(&dir.path().join("room.txt")).len(), 4);
    assert_eq!(rooms.fsyncs(), 0);
}

/// Holds the room's writer, queues `n` appends behind it, then lets go: what the
/// leader does with a full queue is then deterministic.
#[allow(clippy::await_holding_lock)] // on purpose: the leader must wait for it
async fn queue_behind_a_held_writer(rooms: &Arc<Rooms>, path: &Path, n: usize) -> Vec<AppendOutcome> {
    let room = rooms.room(path).await.unwrap();
    let held = lock(&room.log);
    let t = tokens(n);
    let mut tasks = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        let (rooms, path) = (rooms.clone(), path.to_path_buf());
        // Every third upload also repeats the previous upload's token.
        let data = if i % 3 == 2 { format!("{}\n{tok}\n", t[i - 1]) } else { format!("{tok}\n") };
        tasks.push(tokio::spawn(async move { rooms.append(&path, data.as_bytes(), WriteMode::Append, None).await }));
        // Keep the order of the queue the order of the tokens.
        wait_for(|| lock(&room.queue).jobs.len() == i + 1).await;
    }
    drop(held);
    let mut outs = Vec::new();
    for task in tasks {
        outs.push(task.await.unwrap().unwrap());
    }
    assert_eq!(lines_of(path), t, "every line once, in queue order");
    outs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_batch_commits_a_queue_with_one_write_and_one_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Batch));
    let outs = queue_behind_a_held_writer(&rooms, &path, 10).await;
    assert_eq!(rooms.fsyncs(), 1, "ten appends, one group commit");
    for (i, out) in outs.iter().enumerate() {
        let dup = usize::from(i % 3 == 2);
        assert_eq!((out.written_lines, out.duplicate_lines), (1, dup), "upload {i}");
        assert!(out.bytes_written > 73);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_always_does_not_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Always));
    queue_behind_a_held_writer(&rooms, &path, 6).await;
    assert_eq!(rooms.fsyncs(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::await_holding_lock)] // on purpose: the queued append must wait for it
async fn a_queued_append_whose_session_went_away_is_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Batch));
    let room = rooms.room(&path).await.unwrap();
    let held = lock(&room.log);
    let t = tokens(2);
    let (r, p, data) = (rooms.clone(), path.clone(), t[0].clone());
    let task = tokio::spawn(async move { r.append(&p, data.as_bytes(), WriteMode::Append, None).await });
    wait_for(|| lock(&room.queue).jobs.len() == 1).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    drop(held);
    let out = rooms.append(&path, t[1].as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 1);
    assert_eq!(lines_of(&path), t, "queued means written, even if nobody waits");
}

/// `tasks` sessions each append `per_task` messages at once; every line must be in
/// the room exactly once, whole.
async fn hammer(rooms: &Arc<Rooms>, paths: &[PathBuf], tasks: usize, per_task: usize) -> Vec<String> {
    let mut handles = Vec::new();
    let mut all = Vec::new();
    for i in 0..tasks {
        let mine = tokens(per_task);
        all.extend(mine.iter().cloned());
        let rooms = rooms.clone();
        let path = paths[i % paths.len()].clone();
        handles.push(tokio::spawn(async move {
            for t in mine {
                let out = rooms.append(&path, format!("{t}\n").as_bytes(), WriteMode::Append, None).await.unwrap();
                assert_eq!(out.written_lines, 1);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let mut stored = lines_of(&paths[0]);
    for l in &stored {
        assert_eq!(check_line(l.as_bytes()), Ok(()), "torn line {l:?}");
    }
    assert_eq!(stored.len(), tasks * per_task);
    stored.sort();
    all.sort();
    assert_eq!(stored, all, "every message exactly once");
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_to_one_room_are_all_kept_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    hammer(&rooms, &[path], 32, 50).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_batches_under_contention() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Batch));
    hammer(&rooms, &[path], 16, 8).await;
    let fsyncs = rooms.fsyncs();
    assert!((1..128).contains(&fsyncs), "{fsyncs} fsyncs for 128 appends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_spellings_of_a_path_are_one_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(&path, dir.path().join("link.txt")).unwrap();
    let spellings = vec![
        path.clone(),
        dir.path().join(".").join("room.txt"),
        dir.path().join("sub").join("..").join("room.txt"),
        dir.path().join("link.txt"),
    ];
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let a = rooms.subscribe(&spellings[1]).await.unwrap();
    let b = rooms.subscribe(&spellings[3]).await.unwrap();
    assert_eq!(a.room.path, b.room.path);
    assert_eq!(rooms.rooms_open(), 1);
    hammer(&rooms, &spellings, 8, 20).await;
    // A room not created yet: its folder is canonicalized.
    let new_a = dir.path().join("sub").join("..").join("fresh.txt");
    let new_b = dir.path().join("fresh.txt");
    let t = token();
    rooms.append(&new_a, t.as_bytes(), WriteMode::Append, None).await.unwrap();
    let out = rooms.append(&new_b, t.as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.duplicate_lines, 1);
}

#[tokio::test]
async fn idle_rooms_are_released() {
    let dir = tempfile::tempdir().unwrap();
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    for i in 0..300 {
        let p = dir.path().join(format!("room{i}.txt"));
        rooms.append(&p, token().as_bytes(), WriteMode::Append, None).await.unwrap();
    }
    // The most recently used stay open, the others are released.
    wait_for(|| rooms.rooms_open() == KEEP_OPEN).await;
    let newest = dir.path().join("room299.txt").canonicalize().unwrap();
    assert!(lock(&rooms.registry).hot.front().is_some_and(|r| r.path == newest));
    rooms.set_keep_open(0);
    wait_for(|| rooms.rooms_open() == 0).await;
    let reg = lock(&rooms.registry);
    assert!(reg.rooms.len() < 300, "dead entries are swept: {}", reg.rooms.len());
    assert!(reg.rooms.len() <= reg.sweep_at);
}

#[tokio::test]
async fn a_watch_sees_every_append_and_keeps_the_room_open() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(2);
    let path = room_file(&dir, &format!("{}\npartial", t[0]));
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    rooms.set_keep_open(0);
    assert!(matches!(rooms.subscribe(&dir.path().join("missing.txt")).await, Err(RoomError::NoRoom)));
    assert!(!dir.path().join("missing.txt").exists(), "subscribing creates nothing");
    let mut w = rooms.subscribe(&path).await.unwrap();
    assert_eq!(w.end(), t[0].len() as u64 + 1, "opened and repaired");
    let waiter = tokio::spawn(async move {
        let n = w.changed().await;
        (n, w)
    });
    rooms.append(&path, t[1].as_bytes(), WriteMode::Append, None).await.unwrap();
    let (n, w) = waiter.await.unwrap();
    assert_eq!(n, std::fs::metadata(&path).unwrap().len());
    // (The writer of the refused subscription to missing.txt may still be finishing.)
    wait_for(|| rooms.rooms_open() == 1).await;
    drop(w);
    wait_for(|| rooms.rooms_open() == 0).await;
}

#[tokio::test]
async fn a_room_deleted_while_open_is_recreated_by_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(2);
    let path = room_file(&dir, &format!("{}\n", t[0]));
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let w = rooms.subscribe(&path).await.unwrap();
    std::fs::remove_file(&path).unwrap();
    rooms.append(&path, t[1].as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(lines_of(&path), vec![t[1].clone()]);
    // And one replaced by another file (rename over it) is followed too.
    let other = dir.path().join("other.txt");
    std::fs::write(&other, format!("{}\n", t[0])).unwrap();
    std::fs::rename(&other, &path).unwrap();
    let out = rooms.append(&path, t[1].as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.written_lines, 1, "the new file's lines are what counts");
    assert_eq!(lines_of(&path), t);
    assert_eq!(w.end(), std::fs::metadata(&path).unwrap().len());
}

#[tokio::test]
async fn an_outside_append_is_respected_and_its_partial_line_cut() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(4);
    let path = room_file(&dir, "");
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let _w = rooms.subscribe(&path).await.unwrap();
    rooms.append(&path, t[0].as_bytes(), WriteMode::Append, None).await.unwrap();
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    write!(f, "{}\n{}", t[1], &t[2][..10]).unwrap();
    rooms.append(&path, t[3].as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(lines_of(&path), vec![t[0].clone(), t[1].clone(), t[3].clone()]);
}

#[tokio::test]
async fn a_folder_is_not_a_room() {
    let dir = tempfile::tempdir().unwrap();
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let err = rooms.append(dir.path(), token().as_bytes(), WriteMode::Append, None).await.unwrap_err();
    assert!(matches!(err, RoomError::Io(_)), "{err}");
    let err = rooms.append(&dir.path().join("nope/room.txt"), token().as_bytes(), WriteMode::Append, None).await;
    assert!(matches!(err, Err(RoomError::NoRoom)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_logical_offsets_and_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let mut s = settings(SyncPolicy::Batch);
    s.rotate = RotateSettings { rotate_bytes: 2048, keep_bytes: 512, keep_archives: 0, keep_days: 0 };
    let rooms = Rooms::new(s);
    let t = tokens(200);
    let mut w = rooms.subscribe(&path).await.unwrap();
    let mut total = 0u64;
    let mut last_end = 0;
    for tok in &t {
        rooms.append(&path, tok.as_bytes(), WriteMode::Append, None).await.unwrap();
        total += tok.len() as u64 + 1;
        let v = w.view();
        assert!(v.end >= last_end, "the logical size never goes down");
        last_end = v.end;
    }
    let v = w.view();
    assert_eq!(v.end, total);
    assert!(v.base > 0, "rotated");
    let live = std::fs::metadata(&path).unwrap().len();
    assert_eq!(v.base + live, total);
    assert!(live <= 2048 + 200);
    // Archives then the live file hold every line once, in order.
    let mut all = String::new();
    for (_, _, p) in rotate::archives(&path) {
        all.push_str(&std::fs::read_to_string(p).unwrap());
    }
    all.push_str(&std::fs::read_to_string(&path).unwrap());
    let lines: Vec<String> = all.lines().map(str::to_string).collect();
    assert_eq!(lines, t);
    // A read maps onto the live file the view describes.
    let (f, view) = rooms.open_read(&path).await.unwrap();
    assert_eq!(view, w.view());
    assert_eq!(f.metadata().unwrap().len(), view.end - view.base);
    // A restart (a new registry) keeps the logical size, and duplicates still count.
    drop(w);
    drop(rooms);
    let rooms = Rooms::new(settings(SyncPolicy::Batch));
    w = rooms.subscribe(&path).await.unwrap();
    assert_eq!(w.end(), total);
    let out = rooms.append(&path, t[199].as_bytes(), WriteMode::Append, None).await.unwrap();
    assert_eq!(out.duplicate_lines, 1);
}

#[test]
fn settings_come_from_the_config() {
    let c = ChatConfig { validate: false, sync: SyncPolicy::Always, max_append_bytes: 999, ..ChatConfig::default() };
    assert_eq!(
        RoomSettings::from(&c),
        RoomSettings {
            validate: false,
            sync: SyncPolicy::Always,
            max_append_bytes: 999,
            rotate: RotateSettings { rotate_bytes: 256 * 1024, keep_bytes: 64 * 1024, keep_archives: 16, keep_days: 7 },
            max_room_bytes: 64 * 1024 * 1024,
            files: files::FileLimits { max_file_bytes: 16 << 20, quota_bytes: 256 << 20 },
        }
    );
    assert_eq!(RoomSettings::default().sync, SyncPolicy::Batch);
}

#[test]
fn scan_lines_handles_chunk_edges_and_overlong_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.txt");
    let a = "a".repeat(64 * 1024 - 1);
    let huge = "h".repeat(MAX_SCAN_LINE + 10);
    let content = format!("{a}\nb\n{huge}\nc\r\n\nd");
    std::fs::write(&p, &content).unwrap();
    let f = File::open(&p).unwrap();
    let mut seen = Vec::new();
    scan_lines(&f, 0, content.len() as u64, |l| seen.push(String::from_utf8_lossy(l).into_owned())).unwrap();
    let lens: Vec<usize> = seen.iter().map(String::len).collect();
    assert_eq!(lens, vec![a.len(), 1, 2, 0, 1]);
    assert_eq!(seen[1..], ["b", "c\r", "", "d"]);
    assert!(seen[0] == a);
}

/// Issue 19.15: a `from` in the middle of a line (a client's bug, or someone probing)
/// gets the next whole line and says where it starts, never the torn end of a line.
#[tokio::test]
async fn read_lines_from_inside_a_line_starts_at_the_next_whole_line() {
    let dir = tempfile::tempdir().unwrap();
    let t = tokens(3);
    let text = format!("{}\n{}\n{}\n", t[0], t[1], t[2]);
    let path = room_file(&dir, &text);
    let rooms = Rooms::new(settings(SyncPolicy::Never));
    let second = t[0].len() as u64 + 1;
    let end = text.len() as u64;
    let read = |from: u64| {
        let (rooms, path) = (&rooms, &path);
        async move {
            let (start, bytes) = rooms.read_lines(path, from, 1 << 20).await.unwrap();
            (start, String::from_utf8(bytes).unwrap())
        }
    };
    assert_eq!(read(0).await, (0, text.clone()));
    for from in [1, 2, 5, second - 1] {
        assert_eq!(read(from).await, (second, text[second as usize..].to_string()), "from {from}");
    }
    assert_eq!(read(second).await, (second, text[second as usize..].to_string()));
    assert_eq!(read(second + 1).await.0, second + t[1].len() as u64 + 1);
    assert_eq!(read(end - 3).await, (end, String::new()), "inside the last line: nothing yet");
    assert_eq!(read(end).await, (end, String::new()));
}

/// Issue 19.5: parallel appends were each checked against the room's size before any of
/// them was written, and together passed `max_room_bytes` (a 3 MiB room reached 4.3 MB).
/// Counted in the room's writer, they cannot.
#[tokio::test]
async fn parallel_appends_cannot_pass_the_room_budget_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let max = 2000;
    let rooms = Rooms::new(RoomSettings { max_room_bytes: max, ..settings(SyncPolicy::Batch) });
    let mut tasks = Vec::new();
    for tok in tokens(64) {
        let (rooms, path) = (rooms.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            rooms.append(&path, format!("{tok}\n").as_bytes(), WriteMode::Append, None).await
        }));
    }
    let (mut ok, mut full) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(out) => {
                assert_eq!(out.written_lines, 1);
                ok += 1;
            }
            Err(RoomError::Full { limit }) => {
                assert_eq!(limit, max);
                full += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len <= max, "the room holds {len} bytes, its budget is {max}");
    assert_eq!(lines_of(&path).len(), ok, "every line written was acknowledged, and only those");
    assert!(ok > 5 && full > 20, "{ok} written, {full} refused");
}

/// Issue 19.5: the admission check (the relay's rate limit) is asked in the room's
/// writer with what each upload adds: 32 parallel whole-room merges, each the room's 10
/// lines plus 5 new ones, against a budget of 20 lines: exactly 4 pass, the lines they
/// already held cost nothing, and no more than the budget is ever written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_merges_are_admitted_by_what_they_add() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let old = tokens(10);
    let path = room_file(&dir, &(old.join("\n") + "\n"));
    let rooms = Rooms::new(settings(SyncPolicy::Batch));
    let budget = Arc::new(AtomicU64::new(20));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let upload = old.iter().chain(&tokens(5)).map(|t| format!("{t}\n")).collect::<String>();
        let (rooms, path, budget) = (rooms.clone(), path.clone(), budget.clone());
        let admit: Admit = Box::new(move |lines, bytes| {
            assert!(bytes > 0);
            budget
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(lines))
                .map(|_| ())
                .map_err(|_| NotAdmitted { why: "over the budget".into(), retry: 7 })
        });
        tasks.push(tokio::spawn(async move {
            rooms
                .append(
                    &path,
                    upload.as_bytes(),
                    WriteMode::Merge,
                    Some(Author { member: "m".into(), admit: Some(admit) }),
                )
                .await
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(out) => {
                assert_eq!((out.written_lines, out.duplicate_lines), (5, 10));
                ok += 1;
            }
            Err(RoomError::NotAdmitted(n)) => {
                assert_eq!(n, NotAdmitted { why: "over the budget".into(), retry: 7 });
                refused += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ok, refused), (4, 28));
    assert_eq!(lines_of(&path).len(), 10 + 20, "the room holds its 10 lines and 4 × 5 new ones");
    // A merge that adds nothing is not asked at all.
    let never: Admit = Box::new(|_, _| panic!("asked for an upload that adds nothing"));
    let same = old.iter().map(|t| format!("{t}\n")).collect::<String>();
    let by = Author { member: "m".into(), admit: Some(never) };
    let out = rooms.append(&path, same.as_bytes(), WriteMode::Merge, Some(by)).await.unwrap();
    assert_eq!(out.written_lines, 0);
}

/// Issue 19.6: a member who floods a room stops at half of its budget, the others keep
/// writing, a second flooder gets half of what is left, and the shares survive a restart
/// of the relay (a new registry reading the same room).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooder_cannot_freeze_a_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = room_file(&dir, "");
    let max = 40_000;
    let settings = RoomSettings { max_room_bytes: max, ..settings(SyncPolicy::Batch) };
    let rooms = Rooms::new(settings.clone());
    let by = |m: &str| Some(Author { member: m.into(), admit: None });
    let flood = |rooms: Arc<Rooms>, who: &'static str| {
        let path = path.clone();
        async move {
            let mut held = 0;
            loop {
                match rooms.append(&path, format!("{}\n", token()).as_bytes(), WriteMode::Append, by(who)).await {
                    Ok(out) => held += out.bytes_written,
                    Err(RoomError::OverShare { held: h, limit }) => {
                        assert_eq!((h, limit), (held, max));
                        return held;
                    }
                    Err(e) => panic!("{who}: {e}"),
                }
            }
        }
    };
    let first = flood(rooms.clone(), "flood 10.0.0.66").await;
    assert!(first <= max / 2 && first > max / 2 - 500, "the flooder holds {first} of {max}");
    for _ in 0..10 {
        rooms.append(&path, format!("{}\n", token()).as_bytes(), WriteMode::Append, by("al 10.0.0.1")).await.unwrap();
    }
    // After a restart the counts are still there (saved when the room closes, which its
    // writer may still be finishing).
    drop(rooms);
    wait_for(|| shares::Shares::read(&path).held("flood 10.0.0.66", 0) == first).await;
    let rooms = Rooms::new(settings);
    let again =
        rooms.append(&path, format!("{}\n", token()).as_bytes(), WriteMode::Append, by("flood 10.0.0.66")).await;
    assert!(matches!(again, Err(RoomError::OverShare { .. })), "{again:?}");
    let second = flood(rooms.clone(), "flood 10.0.0.67").await;
    assert!(second < first * 3 / 4, "the second flooder got {second} after {first}");
    for _ in 0..10 {
        rooms.append(&path, format!("{}\n", token()).as_bytes(), WriteMode::Append, by("bo 10.0.0.2")).await.unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() <= max);
}

/// A room rotated into archives, the oldest of them pruned: `(rooms, path, size)`.
async fn rotated_room(dir: &tempfile::TempDir) -> (Arc<Rooms>, PathBuf, u64) {
    let path = room_file(dir, "");
    let mut s = settings(SyncPolicy::Never);
    s.rotate = RotateSettings { rotate_bytes: 2048, keep_bytes: 512, keep_archives: 3, keep_days: 0 };
    let rooms = Rooms::new(s);
    let mut size = 0;
    for tok in tokens(300) {
        rooms.append(&path, tok.as_bytes(), WriteMode::Append, None).await.unwrap();
        size += tok.len() as u64 + 1;
    }
    // The writer rotates after answering: an empty upload queues behind that rotation.
    rooms.append(&path, b"", WriteMode::Append, None).await.unwrap();
    (rooms, path, size)
}

/// Issue 21: a page opens a room at its end and walks back, page by page, through the
/// archives: exactly the lines a forward read from the oldest kept one gives, each once,
/// in order, at the same offsets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_back_from_the_end_gives_the_whole_kept_history() {
    let dir = tempfile::tempdir().unwrap();
    let (rooms, path, size) = rotated_room(&dir).await;
    let arcs = rotate::archives(&path);
    assert_eq!(arcs.len(), 3, "rotated, and the oldest archives pruned");
    let first = rooms.first_kept(&path).await.unwrap();
    assert_eq!(first, arcs[0].0);
    assert!(first > 0);
    // Forward from the oldest kept line.
    let mut forward = Vec::new();
    let mut at = first;
    loop {
        let (start, bytes) = rooms.read_lines(&path, at, 1000).await.unwrap();
        if bytes.is_empty() {
            break;
        }
        assert_eq!(start, at);
        at += bytes.len() as u64;
        forward.extend_from_slice(&bytes);
    }
    assert_eq!(at, size);
    for max in [1, 100, 300, 1000, 1 << 20] {
        let mut back: Vec<u8> = Vec::new();
        let mut before = size;
        let mut pages = 0;
        loop {
            let (start, bytes, k) = rooms.read_before(&path, before, max).await.unwrap();
            assert_eq!(k, first, "max {max}");
            if bytes.is_empty() {
                assert_eq!((start, before), (first, first), "max {max}: only at the start");
                break;
            }
            assert_eq!(start + bytes.len() as u64, before, "max {max}: ends at the line end asked");
            assert!(bytes.ends_with(b"\n"));
            let one_line = bytes.iter().filter(|&&b| b == b'\n').count() == 1;
            assert!(bytes.len() <= max || one_line, "max {max}: {} bytes", bytes.len());
            // The offsets are those of the forward read.
            let i = (start - first) as usize;
            assert_eq!(&forward[i..i + bytes.len()], &bytes[..], "max {max} at {start}");
            back.splice(0..0, bytes);
            before = start;
            pages += 1;
            if start == first {
                break;
            }
        }
        assert_eq!(back, forward, "max {max}: every kept line once, in order");
        assert!(max < 1 << 20 || pages == 1, "max {max}: {pages} pages");
        assert!(max > 100 || pages > 30, "max {max}: {pages} pages");
        if max == 1 {
            assert_eq!(pages, forward.iter().filter(|&&b| b == b'\n').count(), "one line a page");
        }
    }
    // The live part alone, and past the end: as the end.
    let (start, bytes, _) = rooms.read_before(&path, size + 1000, 1 << 20).await.unwrap();
    assert_eq!(
        rooms.read_before(&path, size * 3, 100).await.unwrap(),
        rooms.read_before(&path, size, 100).await.unwrap()
    );
    assert_eq!(start + bytes.len() as u64, size);
    assert_eq!(start, first, "everything kept fits in one page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_back_from_inside_a_line_or_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (rooms, path, size) = rotated_room(&dir).await;
    let first = rooms.first_kept(&path).await.unwrap();
    let (last_start, last, _) = rooms.read_before(&path, size, 1).await.unwrap();
    assert_eq!(last_start + last.len() as u64, size);
    // Inside the last line: the lines before it.
    for before in [size - 1, size - 3, last_start + 1] {
        let (start, bytes, _) = rooms.read_before(&path, before, 1).await.unwrap();
        assert_eq!(start + bytes.len() as u64, last_start, "before {before}");
    }
    // At the start, before it, inside the first kept line: nothing before.
    let (_, mut first_line) = rooms.read_lines(&path, first, 1).await.unwrap();
    first_line.truncate(first_line.iter().position(|&b| b == b'\n').unwrap() + 1);
    for before in [first, first - 1, 0, first + 1, first + first_line.len() as u64 - 1] {
        assert_eq!(
            rooms.read_before(&path, before, 1000).await.unwrap(),
            (first, Vec::new(), first),
            "before {before}"
        );
    }
    let (start, bytes, _) = rooms.read_before(&path, first + first_line.len() as u64, 1000).await.unwrap();
    assert_eq!((start, bytes), (first, first_line));
    // A room that never rotated: its history starts at 0.
    let t = tokens(3);
    let text = format!("{}\n{}\n{}\n", t[0], t[1], t[2]);
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, &text).unwrap();
    assert_eq!(rooms.first_kept(&plain).await.unwrap(), 0);
    let end = text.len() as u64;
    assert_eq!(rooms.read_before(&plain, end, 1 << 20).await.unwrap(), (0, text.clone().into_bytes(), 0));
    assert_eq!(rooms.read_before(&plain, 5, 1 << 20).await.unwrap(), (0, Vec::new(), 0));
    let two = (t[0].len() + t[1].len() + 2) as u64;
    assert_eq!(
        rooms.read_before(&plain, end - 1, 1 << 20).await.unwrap(),
        (0, text.as_bytes()[..two as usize].to_vec(), 0)
    );
    assert!(matches!(rooms.read_before(&dir.path().join("none.txt"), 10, 100).await, Err(RoomError::NoRoom)));
}
