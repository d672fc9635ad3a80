//! How Fleetdesk puts files on disk: its own data (database, logs, playground state) private to
//! the user, and every file written atomically — into a temporary file in the same folder, then
//! renamed over the target — so a crash or a full disk never leaves half a file behind.

use std::io::{self, Write};
use std::path::Path;

/// Creates `dir` (and its parents) and makes it private to the user (0700 on Unix).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates an empty file only the user can read and write (0600 on Unix), if it does not exist.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(|_| ())
}

/// Writes `bytes` to `path` atomically. The temporary file is created private (0600), and the
/// result keeps that: what Fleetdesk writes is for the user who wrote it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(dir)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_whole_file_or_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("cards.pdf");
        std::fs::write(&path, b"old contents").unwrap_or_else(|e| panic!("{e}"));
        write_atomically(&path, b"new").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"new");
        // Nothing else is left in the folder.
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            1
        );
        // A folder that does not exist fails, and creates nothing.
        assert!(write_atomically(&dir.path().join("missing/x.csv"), b"x").is_err());
    }
}
