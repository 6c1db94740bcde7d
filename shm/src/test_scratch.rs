//! One scratch folder per test process, so that the test suite's files never pile up on disk.
//!
//! Tests (and the binaries they start) write journals, captures and databases. A test that panics,
//! or that hands a path to a child process, cannot always clean up after itself, and a whole run
//! once filled a CI machine's disk. So every test folder lives under [`root`]:
//! `$TMPDIR/alphapulse-test-<pid>/`. The first call in a process removes the roots of processes
//! that have ended (their pid has no `/proc` entry), so at most the folders of the running test
//! binaries and of the last one to end are ever on disk, whatever happened to them.
//!
//! ```no_run
//! let dir = alphapulse_shm::test_scratch::root().join("my-test");
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PREFIX: &str = "alphapulse-test-";

/// This process's scratch folder (created on first use, after removing ended processes' ones).
///
/// # Panics
/// When the folder cannot be created: this is for tests, which should stop there.
pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = std::env::temp_dir();
        sweep(&base);
        let p = base.join(format!("{PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("test scratch folder {}: {e}", p.display()));
        p
    })
}

/// A fresh, empty folder `name` under [`root`].
pub fn fresh(name: &str) -> PathBuf {
    let p = root().join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("test folder {}: {e}", p.display()));
    p
}

/// Removes `<base>/alphapulse-test-<pid>` folders whose process has ended. Returns how many.
pub fn sweep(base: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(base) else { return 0 };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) =
            name.to_str().and_then(|n| n.strip_prefix(PREFIX)).and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if !alive && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_processes_folders_go_and_live_ones_stay() {
        let base = root().join("sweep-base");
        std::fs::create_dir_all(&base).unwrap();
        // pid 0 never names a process in /proc; our own pid does.
        let dead = base.join(format!("{PREFIX}0"));
        let live = base.join(format!("{PREFIX}{}", std::process::id()));
        let other = base.join("alphapulse-test-notapid");
        for d in [&dead, &live, &other] {
            std::fs::create_dir_all(d.join("inner")).unwrap();
        }
        assert_eq!(sweep(&base), 1);
        assert!(!dead.exists());
        assert!(live.exists() && other.exists());
        let f = fresh("fresh-one");
        assert!(f.starts_with(root()) && f.is_dir());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
