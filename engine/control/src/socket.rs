//! Creating the socket file safely: its directory checked (ours, not writable by anyone else, not a
//! symbolic link) or created 0700 (0710 with a group), a stale socket replaced and a live one
//! refused, bound under umask 077 and then set to 0600 (0660 with a group); removed again on drop
//! if it is still the file we bound.

use crate::error::ControlError;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static UMASK_TURN: Mutex<()> = Mutex::new(());

/// The bound socket file; removing it is this value's drop.
#[derive(Debug)]
pub(crate) struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        // Only the file we bound: another engine may have replaced a socket it found stale.
        if let Ok(m) = fs::symlink_metadata(&self.path) {
            if m.dev() == self.dev && m.ino() == self.ino {
                let _ = fs::remove_file(&self.path);
            }
        }
    }
}

fn io_err<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(io::Error) -> ControlError + 'a {
    move |error| ControlError::Io { path: path.to_path_buf(), op, error }
}

/// Bind `path` as described in the module docs.
pub(crate) fn bind(
    path: &Path,
    group: Option<u32>,
) -> Result<(mio::net::UnixListener, SocketFile), ControlError> {
    let dir = path.parent().ok_or_else(|| ControlError::Dir {
        path: path.to_path_buf(),
        message: "no parent directory".into(),
    })?;
    prepare_dir(dir, group)?;
    remove_stale(path)?;
    // The umask is the process's: binds in this process take turns, so two of them cannot leave
    // 077 behind; other threads creating files in these microseconds get 077 too.
    let bound = {
        let _turn = UMASK_TURN.lock().unwrap_or_else(|p| p.into_inner());
        let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
        let bound = mio::net::UnixListener::bind(path);
        rustix::process::umask(old);
        bound
    };
    let listener = bound.map_err(io_err(path, "bind"))?;
    if let Some(gid) = group {
        std::os::unix::fs::chown(path, None, Some(gid)).map_err(io_err(path, "chown"))?;
    }
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err(path, "chmod"))?;
    let m = fs::symlink_metadata(path).map_err(io_err(path, "stat"))?;
    Ok((listener, SocketFile { path: path.to_path_buf(), dev: m.dev(), ino: m.ino() }))
}

/// Create the directory if missing; refuse one that is not ours, is writable by group or others,
/// is a symbolic link, or (with a group) does not let the group reach the socket.
fn prepare_dir(dir: &Path, group: Option<u32>) -> Result<(), ControlError> {
    let refuse = |message: String| ControlError::Dir { path: dir.to_path_buf(), message };
    let mode = if group.is_some() { 0o710 } else { 0o700 };
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(dir)
                .map_err(io_err(dir, "create directory"))?;
            if let Some(gid) = group {
                std::os::unix::fs::chown(dir, None, Some(gid)).map_err(io_err(dir, "chown"))?;
            }
            // The builder's mode went through the umask; set it exactly.
            fs::set_permissions(dir, fs::Permissions::from_mode(mode)).map_err(io_err(dir, "chmod"))?;
        }
        Err(e) => return Err(io_err(dir, "stat")(e)),
        Ok(_) => {}
    }
    let m = fs::symlink_metadata(dir).map_err(io_err(dir, "stat"))?;
    let perm = m.mode() & 0o7777;
    if m.file_type().is_symlink() {
        return Err(refuse("is a symbolic link; give the real directory".into()));
    }
    if !m.is_dir() {
        return Err(refuse("is not a directory".into()));
    }
    let me = rustix::process::geteuid().as_raw();
    if m.uid() != me {
        return Err(refuse(format!("is owned by uid {}, not by us (uid {me}); mode {perm:04o}", m.uid())));
    }
    if perm & 0o022 != 0 {
        return Err(refuse(format!(
            "has mode {perm:04o}: writable by group or others (want 0700, or 0710 with a group)"
        )));
    }
    if let Some(gid) = group {
        if m.gid() != gid || perm & 0o010 == 0 {
            return Err(refuse(format!(
                "has group {} and mode {perm:04o}: group {gid} cannot reach the socket (want group {gid}, mode 0710)",
                m.gid()
            )));
        }
    }
    Ok(())
}

/// A socket file nobody listens on is removed; a live one, or a file that is not a socket, is an
/// error.
fn remove_stale(path: &Path) -> Result<(), ControlError> {
    let m = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(path, "stat")(e)),
        Ok(m) => m,
    };
    if !m.file_type().is_socket() {
        return Err(ControlError::NotSocket { path: path.to_path_buf() });
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ControlError::Live { path: path.to_path_buf() }),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            fs::remove_file(path).map_err(io_err(path, "remove stale socket"))
        }
        Err(e) => Err(io_err(path, "probe existing socket")(e)),
    }
}
