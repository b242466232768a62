//! Exclusive lock files between processes (the operating system's advisory file locks, through
//! std): processes that need the same resource at start-up take turns instead of racing.

use std::path::Path;

use anyhow::Context;

/// An exclusive lock, held until dropped.
pub struct LockFile(#[allow(dead_code)] std::fs::File);

/// Waits for the exclusive lock on `path` (created if missing, with its folder). Errors say the
/// data directory may be read-only, the usual cause.
pub fn acquire(path: &Path) -> anyhow::Result<LockFile> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create the data directory {}", parent.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot write {} in the data directory: is it read-only?", path.display()))?;
    file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(LockFile(file))
}
