//! The one place where the room store's errors become FTP replies (the web API has its
//! own, to HTTP statuses, in `relay::web::api`).

use crate::room::files::FileError;
use crate::room::RoomError;
use tokio::io::{AsyncRead, AsyncReadExt};
use unftp_core::storage::{Error, ErrorKind};

/// Reads what is left of a refused upload (bounded in size and time), so the client sees
/// the refusal as a reply, not as a connection reset in the middle of sending (over TLS,
/// Python's ftplib would report a broken pipe instead of the 55x). Returns `err`.
pub(super) async fn drain<R: AsyncRead + Unpin>(input: &mut R, err: Error) -> Error {
    const CAP: u64 = 4 * 1024 * 1024;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        tokio::io::copy(&mut input.take(CAP), &mut tokio::io::sink()).await
    })
    .await;
    err
}

/// A reason for the client, carried as the storage error's source.
pub(super) fn reason(s: &str) -> Box<dyn std::error::Error + Send + Sync> {
    s.to_string().into()
}

pub(super) fn file_error(e: FileError) -> Error {
    let kind = match &e {
        FileError::Off | FileError::Exists | FileError::NoRoom => ErrorKind::PermissionDenied,
        FileError::BadName | FileError::Invalid { .. } => ErrorKind::FileNameNotAllowedError,
        FileError::TooLarge { .. } | FileError::QuotaFull { .. } | FileError::UserQuota { .. } => {
            ErrorKind::ExceededStorageAllocationError
        }
        FileError::DiskFull(_) | FileError::Reserve { .. } => ErrorKind::InsufficientStorageSpaceError,
        // 451: a temporary failure; the reason says whether anything was written.
        FileError::Io(_) | FileError::Unavailable { .. } => ErrorKind::LocalError,
    };
    Error::new(kind, reason(&e.to_string()))
}

pub(super) fn room_error(e: RoomError) -> Error {
    match e {
        RoomError::TooLarge { .. } => Error::new(ErrorKind::ExceededStorageAllocationError, reason(&e.to_string())),
        RoomError::Invalid { .. } => Error::new(ErrorKind::FileNameNotAllowedError, reason(&e.to_string())),
        RoomError::Full { .. } | RoomError::OverShare { .. } => {
            Error::new(ErrorKind::InsufficientStorageSpaceError, reason(&e.to_string()))
        }
        RoomError::DiskFull(_) => Error::new(ErrorKind::InsufficientStorageSpaceError, reason(&e.to_string())),
        RoomError::NoRoom => Error::new(ErrorKind::PermanentFileNotAvailable, reason(&e.to_string())),
        RoomError::NotAdmitted(_) => Error::new(ErrorKind::TransientFileNotAvailable, reason(&e.to_string())),
        // 451: a temporary local failure; the reason says whether anything was written.
        RoomError::Unavailable { .. } => Error::new(ErrorKind::LocalError, reason(&e.to_string())),
        RoomError::Io(io) => Error::from(io),
    }
}
