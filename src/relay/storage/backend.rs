//! The libunftp `StorageBackend` of a session: each FTP command's storage call, routed
//! through the path policy to the room store, the shared files or the file system.

use super::adapters::{CountingReader, Stat};
use super::errors::{file_error, reason, room_error};
use super::paths::FilesPath;
use super::{home_path, LoftMeta, LoftStorage};
use crate::base::sync::Unpoison;
use crate::ftpchat;
use crate::relay::user::LoftUser;
use crate::room::rotate;
use async_trait::async_trait;
use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::AsyncRead;
use unftp_core::storage::{Error, ErrorKind, Fileinfo, Metadata, Result, StorageBackend};

#[async_trait]
impl StorageBackend<LoftUser> for LoftStorage {
    type Metadata = LoftMeta;

    fn enter(&mut self, user: &LoftUser) -> io::Result<()> {
        // Home = root: the root handle is the home already (cap-std cannot open ""), and
        // is opened when first used.
        if user.home == self.shared.root {
            return Ok(());
        }
        match self.fs_mut() {
            Some(fs) => StorageBackend::<LoftUser>::enter(fs, user),
            None => Err(io::Error::other("the relay's storage is unavailable")),
        }
    }

    fn supported_features(&self) -> u32 {
        unftp_core::storage::FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<LoftMeta> {
        if let Some(real) = self.shared.history_of(user, path.as_ref())? {
            return self.history_meta(user, real).await;
        }
        let room = self.shared.room_stat(user, path.as_ref())?;
        if let Some((real, Some(m))) = room {
            // A room that is there (checked by `room_stat`: inside the home, a regular
            // file, its `lstat` taken there).
            let end = self.shared.rooms.subscribe(&real).await.map_err(room_error)?.end();
            self.sized.lock().unpoisoned().insert(real, end);
            return Ok(LoftMeta { inner: Stat::Room(m), len: Some(end) });
        }
        // A room asked for under another case is looked up under its own name.
        let own = room.as_ref().and_then(|(real, _)| home_path(user, real));
        let inner = match own {
            Some(p) => self.fs()?.metadata(user, p).await?,
            None => self.fs()?.metadata(user, path).await?,
        };
        Ok(LoftMeta { inner: Stat::Fs(inner), len: None })
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &LoftUser,
        path: P,
    ) -> Result<Vec<Fileinfo<PathBuf, LoftMeta>>> {
        let dir = path.as_ref().to_path_buf();
        // A room's files folder lists nothing: a file is fetched by the id its announcement
        // carries, and a listing would tell anyone who may log in how many files a room
        // has, how large and when (issue 19.16). The archive folder stays listable: its
        // names are offsets that `REST` readers use, and its lines are the room's own.
        if self.shared.in_files_dir(&dir) {
            return Ok(Vec::new());
        }
        let list = self.fs()?.list(user, path).await?;
        // In a room's state folder only the archives are listed (the rest is the relay's
        // own: offsets, receipts, members' shares with their addresses), and the whole
        // history as one more file.
        let state = LoftStorage::in_state_dir(&dir);
        let mut history = None;
        if let Some(real) = self.shared.history_of(user, &dir.join(super::HISTORY_NAME))? {
            let meta = self.history_meta(user, real).await?;
            history = Some(Fileinfo { path: PathBuf::from(super::HISTORY_NAME), metadata: meta });
        }
        Ok(list
            .into_iter()
            .filter(|f| {
                let name = f.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                !rotate::is_state_name(&name)
                    && !self.shared.in_files_dir(Path::new(&*name))
                    && (!state || rotate::archive_range(&name).is_some())
            })
            .map(|f| {
                let mut len = None;
                if f.metadata.is_file() {
                    if let Ok(Some(real)) = self.room(user, &dir.join(&f.path)) {
                        len = Some(rotate::logical_len(&real, f.metadata.len()));
                    }
                }
                Fileinfo { path: f.path, metadata: LoftMeta { inner: Stat::Fs(f.metadata), len } }
            })
            .chain(history)
            .collect())
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &LoftUser,
        path: P,
        start_pos: u64,
    ) -> Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        let shown = crate::base::text::logged(path.as_ref());
        if let Some(real) = self.shared.history_of(user, path.as_ref())? {
            let inner = self.read_history(real, start_pos).await?;
            return Ok(Box::new(CountingReader { inner, bytes: 0, user: user.name.clone(), path: shown }));
        }
        let room = self.room(user, path.as_ref())?;
        let inner: Box<dyn AsyncRead + Send + Sync + Unpin> = match room {
            Some(real) => self.read_room(user, real, start_pos).await?,
            None => {
                LoftStorage::deny_state_file(path.as_ref())?;
                // A FIFO or a device would block the transfer (and its slot) forever.
                let meta = self.fs()?.metadata(user, path.as_ref()).await?;
                if !meta.is_file() {
                    return Err(Error::new(ErrorKind::PermanentFileNotAvailable, reason("not a regular file")));
                }
                self.fs()?.get(user, path, start_pos).await?
            }
        };
        Ok(Box::new(CountingReader { inner, bytes: 0, user: user.name.clone(), path: shown }))
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &LoftUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> Result<u64> {
        self.upload(user, input, path.as_ref(), Some(start_pos)).await
    }

    async fn append<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &LoftUser,
        input: R,
        path: P,
    ) -> Result<u64> {
        self.upload(user, input, path.as_ref(), None).await
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(path.as_ref())?;
        self.deny_files_change(user, path.as_ref(), true)?;
        self.deny_room_change(user, path.as_ref(), "deleting")?;
        // Cluster mode: a shared file goes from the cluster first, then from every relay.
        if let Some(FilesPath::File { room, name }) = self.shared.shared_file(user, path.as_ref())? {
            if let Some(id) = ftpchat::file::id_of(&name) {
                if let Some(done) = self.shared.rooms.delete_file(&room, id).await {
                    if done.map_err(file_error)? {
                        tracing::info!(target: "loft::transfer", user = %user.name, cmd = "DELE", path = %crate::base::text::logged(path.as_ref()), "deleted from the cluster");
                        return Ok(());
                    }
                }
            }
        }
        self.fs()?.del(user, path.as_ref()).await?;
        tracing::info!(target: "loft::transfer", user = %user.name, cmd = "DELE", path = %crate::base::text::logged(path.as_ref()), "deleted");
        Ok(())
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(path.as_ref())?;
        self.deny_files_change(user, path.as_ref(), false)?;
        self.fs()?.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, from: P, to: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(from.as_ref())?;
        Self::deny_state(to.as_ref())?;
        self.deny_files_change(user, from.as_ref(), false)?;
        self.deny_files_change(user, to.as_ref(), false)?;
        self.deny_room_change(user, from.as_ref(), "renaming")?;
        self.deny_room_change(user, to.as_ref(), "replacing")?;
        // A room is made by appending to it, whose lines are checked; a rename would make
        // one of a file whose lines never were (issue 19.13).
        let from_is_dir = self.fs()?.metadata(user, from.as_ref()).await.map(|m| m.is_dir()).unwrap_or(false);
        let makes_room = if from_is_dir {
            self.shared.rename_makes_rooms(user, from.as_ref(), to.as_ref())
        } else {
            self.room(user, to.as_ref())?.is_some() && self.room(user, from.as_ref())?.is_none()
        };
        if makes_room {
            return Err(Error::new(
                ErrorKind::FileNameNotAllowedError,
                reason("a rename cannot make a chat room: a room is made by appending messages to it"),
            ));
        }
        if !user.allow_delete {
            for (p, what) in [(from.as_ref(), "renaming"), (to.as_ref(), "replacing")] {
                let is_dir = self.fs()?.metadata(user, p).await.map(|m| m.is_dir()).unwrap_or(false);
                if is_dir && self.shared.holds_rooms(user, p) {
                    return Err(Error::new(
                        ErrorKind::PermissionDenied,
                        reason(&format!(
                            "{what} a folder with chat rooms in it is not allowed: rooms only grow (chat.allow_delete is off for this user)"
                        )),
                    ));
                }
            }
        }
        self.fs()?.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        Self::deny_read_only(user)?;
        Self::deny_state(path.as_ref())?;
        self.deny_files_change(user, path.as_ref(), false)?;
        self.fs()?.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &LoftUser, path: P) -> Result<()> {
        self.fs()?.cwd(user, path).await
    }
}
