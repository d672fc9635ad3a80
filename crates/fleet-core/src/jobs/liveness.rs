//! Who runs a job, and whether they are still alive.
//!
//! The window and the command line share one database, so a job's runner holds a lease on it.
//! A lease alone would make a job wait out its term after a crash (`kill -9`, a power cut): the
//! next start could not tell a dead runner from a busy one. So each runner also holds an OS lock
//! on a file named after it; the OS drops that lock when the process ends, however it ends, and a
//! runner whose file can be locked by someone else is dead: its jobs are taken over at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::AppError;
use crate::storage::storage;

/// This process as a runner of jobs: its name, and the lock that says it lives.
#[derive(Debug)]
pub struct Runner {
    id: String,
    dir: PathBuf,
    /// Held (locked) for as long as the process runs.
    _alive: File,
}

fn lock_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.lock"))
}

/// A runner id names a file: only these characters are ever accepted from the database.
fn is_runner_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Runner {
    /// Becomes a runner under `dir` (created if missing), locking its own file.
    pub fn start(dir: &Path) -> Result<Self, AppError> {
        crate::storage::private_files::create_private_dir(dir)
            .map_err(|err| storage("prepare the jobs folder", err))?;
        let id = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(dir, &id))
            .map_err(|err| storage("prepare the jobs folder", err))?;
        file.try_lock()
            .map_err(|err| storage("lock this runner's file", err))?;
        Ok(Self {
            id,
            dir: dir.to_path_buf(),
            _alive: file,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the runner `other` is certainly gone: its file is missing or nobody holds its lock.
    /// Anything in doubt (an unreadable folder, a strange name) counts as alive: the lease then
    /// runs out in its own time instead.
    pub fn is_dead(&self, other: &str) -> bool {
        if other == self.id || !is_runner_id(other) {
            return false;
        }
        let path = lock_path(&self.dir, other);
        let file = match OpenOptions::new().write(true).open(&path) {
            Ok(file) => file,
            Err(err) => return err.kind() == std::io::ErrorKind::NotFound,
        };
        match file.try_lock() {
            Ok(()) => {
                // Dead: its file is of no more use (a runner that starts again has a new name).
                drop(file);
                let _ = std::fs::remove_file(&path);
                true
            }
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(_)) => false,
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        // A clean stop leaves nothing behind (a crash leaves a file the next runner removes).
        let _ = std::fs::remove_file(lock_path(&self.dir, &self.id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runner_is_alive_while_it_holds_its_lock_and_dead_once_it_drops_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let watcher = Runner::start(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let other = Runner::start(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let other_id = other.id().to_owned();
        assert!(!watcher.is_dead(&other_id), "its lock is held");
        assert!(!watcher.is_dead(watcher.id()), "never itself");
        assert!(!watcher.is_dead("../../etc/passwd"), "not a runner's name");
        drop(other);
        assert!(watcher.is_dead(&other_id), "file gone with a clean stop");

        // A crash leaves the file but not the lock.
        let crashed = format!("{}-deadbeef", std::process::id());
        std::fs::write(lock_path(dir.path(), &crashed), b"").unwrap_or_else(|e| panic!("{e}"));
        assert!(watcher.is_dead(&crashed));
        assert!(!lock_path(dir.path(), &crashed).exists(), "cleaned up");
    }
}
