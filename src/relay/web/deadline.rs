//! Deadlines a web client must keep, so that nobody can hold a connection (and its slot,
//! shared with FTP) by going quiet: a request body that stops arriving, a response the
//! client stops reading. hyper's own timer bounds the headers; these bound the rest, as
//! `limits.data_timeout` does for FTP data connections. The limits are `[web]
//! body_timeout`, `write_timeout` and `request_timeout`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// How long an operation may make no progress.
pub(super) struct Stall {
    limit: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    what: &'static str,
}

impl Stall {
    pub(super) fn new(limit: Duration, what: &'static str) -> Stall {
        Stall { limit, timer: None, what }
    }

    /// The operation is pending: an error once it has been for longer than the limit.
    fn pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let limit = self.limit;
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.timer = None;
                Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, format!("{} stalled for {limit:?}", self.what)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// The operation moved: the clock starts again next time it waits.
    pub(super) fn progress(&mut self) {
        self.timer = None;
    }

    /// Applies the deadline to one poll of an operation.
    pub(super) fn guard<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Ready(r) => {
                self.progress();
                Poll::Ready(r)
            }
            Poll::Pending => match self.pending(cx) {
                Poll::Ready(e) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// A connection whose writes fail once one makes no progress for the limit: a client
/// that does not read its answers (pipelining thousands of requests, or a download it
/// never takes) is cut instead of holding its slot for ever.
pub(super) struct WriteDeadline<S> {
    inner: S,
    stall: Stall,
}

impl<S> WriteDeadline<S> {
    pub(super) fn new(inner: S, limit: Duration) -> Self {
        WriteDeadline { inner, stall: Stall::new(limit, "a response the client does not read") }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.stall.guard(cx, r)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        self.stall.guard(cx, r)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
