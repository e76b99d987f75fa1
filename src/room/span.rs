//! A room's bytes streamed to a download: [`SpanReader`].
//!
//! Every FTPChat poll that finds new lines downloads them, a session each, every few
//! seconds per person. Those lines were just written, so the kernel has them in its page
//! cache; reading them through tokio's file type would hand each read to the blocking pool
//! and back (two thread switches, a large share of a small session's CPU on a one-core
//! router). So each part is read on the session's own thread when the page cache holds it
//! ([`files::read_cached`]), and only a part that would wait for the disk (an old archive
//! read for scroll-back) goes through the pool, as every read did before.

use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf, Take};

use crate::base::files;

/// The bytes of a [`super::Span`], in order: each part (file, offset, length) read from the
/// page cache where it can be, else through tokio's blocking pool.
pub(crate) struct SpanReader {
    /// The parts not started yet.
    rest: std::vec::IntoIter<(File, u64, u64)>,
    part: Option<Part>,
    /// [`files::read_cached`]; a test gives one that finds nothing cached.
    cached: fn(&File, &mut [u8], u64) -> Option<usize>,
}

enum Part {
    /// Read on the caller's thread: the file, where the next byte is, what is left.
    Cached(File, u64, u64),
    /// The rest of a part that was not in the page cache.
    Pool(Take<tokio::fs::File>),
}

impl SpanReader {
    pub(crate) fn new(parts: Vec<(File, u64, u64)>) -> SpanReader {
        SpanReader { rest: parts.into_iter(), part: None, cached: files::read_cached }
    }
}

impl AsyncRead for SpanReader {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let part = match &mut this.part {
                Some(p) => p,
                None => match this.rest.next() {
                    Some((file, off, len)) => this.part.insert(Part::Cached(file, off, len)),
                    None => return Poll::Ready(Ok(())),
                },
            };
            match part {
                Part::Cached(_, _, 0) => this.part = None,
                Part::Cached(file, off, left) => {
                    let want = (*left).min(buf.remaining() as u64) as usize;
                    match (this.cached)(file, buf.initialize_unfilled_to(want), *off) {
                        // The file ends before the part does (cut by hand): the part ends
                        // there, as a read to its end would.
                        Some(0) => this.part = None,
                        Some(n) => {
                            buf.advance(n);
                            *off += n as u64;
                            *left -= n as u64;
                            return Poll::Ready(Ok(()));
                        }
                        None => {
                            let Some(Part::Cached(mut file, off, left)) = this.part.take() else {
                                unreachable!("matched as cached just above")
                            };
                            // Positioned before tokio takes the file: a seek through tokio's
                            // `File` is applied at its first read.
                            file.seek(SeekFrom::Start(off))?;
                            this.part = Some(Part::Pool(tokio::fs::File::from_std(file).take(left)));
                        }
                    }
                }
                Part::Pool(reader) => {
                    let before = buf.filled().len();
                    ready!(Pin::new(reader).poll_read(cx, buf))?;
                    if buf.filled().len() > before {
                        return Poll::Ready(Ok(()));
                    }
                    this.part = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(dir: &std::path::Path, name: &str, data: &[u8]) -> File {
        let p = dir.join(name);
        std::fs::File::create(&p).unwrap().write_all(data).unwrap();
        File::open(p).unwrap()
    }

    async fn read_all(r: SpanReader, chunk: usize) -> Vec<u8> {
        let mut r = r;
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = r.read(&mut buf).await.unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[tokio::test]
    async fn parts_are_read_in_order_whatever_the_reads_size() {
        let dir = tempfile::tempdir().unwrap();
        for chunk in [1, 3, 7, 4096] {
            let parts = vec![
                (file_with(dir.path(), "a", b"0123456789"), 2, 5),
                (file_with(dir.path(), "b", b""), 0, 0),
                (file_with(dir.path(), "c", b"abcdef"), 0, 6),
            ];
            assert_eq!(read_all(SpanReader::new(parts), chunk).await, b"23456abcdef", "chunks of {chunk}");
        }
    }

    #[tokio::test]
    async fn a_file_shorter_than_its_part_ends_the_part_there() {
        let dir = tempfile::tempdir().unwrap();
        let parts = vec![(file_with(dir.path(), "a", b"0123"), 1, 10), (file_with(dir.path(), "b", b"xy"), 0, 2)];
        assert_eq!(read_all(SpanReader::new(parts), 64).await, b"123xy");
    }

    #[test]
    fn what_was_just_written_is_read_from_the_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let f = file_with(dir.path(), "a", b"hello world");
        let mut buf = [0u8; 8];
        assert_eq!(files::read_cached(&f, &mut buf, 6), Some(5));
        assert_eq!(&buf[..5], b"world");
        assert_eq!(files::read_cached(&f, &mut buf, 11), Some(0), "at the end");
        let (r, _w) = std::io::pipe().unwrap();
        let pipe = File::from(std::os::fd::OwnedFd::from(r));
        assert_eq!(files::read_cached(&pipe, &mut buf, 0), None, "no positioned read: the ordinary way");
    }

    #[tokio::test]
    async fn parts_the_page_cache_cannot_serve_are_read_through_the_pool_from_their_offset() {
        let dir = tempfile::tempdir().unwrap();
        let parts =
            || vec![(file_with(dir.path(), "a", b"0123456789"), 2, 5), (file_with(dir.path(), "c", b"abcdef"), 1, 9)];
        for chunk in [1, 4, 4096] {
            let mut r = SpanReader::new(parts());
            r.cached = |_, _, _| None;
            assert_eq!(read_all(r, chunk).await, b"23456bcdef", "chunks of {chunk}");
        }
        // Served from the cache for a while, then not: the pool goes on where it stopped.
        let mut r = SpanReader::new(parts());
        r.cached = |f, buf, off| if off < 4 { files::read_cached(f, &mut buf[..1], off) } else { None };
        assert_eq!(read_all(r, 64).await, b"23456bcdef");
    }
}
