//! Builds the plugin cdylibs (microprice, momentum, faulty) for the tests and benches that load
//! them: once per test binary, with the cargo that runs the tests, into a target dir of their own
//! beside the running binary's (`<target>/plugin-build`; cargo's own lock on it serialises
//! concurrent builds), so a fresh clone's `cargo test --workspace` needs nothing built before.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The folder holding `libap_<name>.so` (built in `release` or dev profile), building it once.
pub fn plugin_dir(workspace: &Path, release: bool) -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build(workspace, release).unwrap_or_else(|e| panic!("building the test plugins: {e}")))
}

/// `lib<crate>.so` (platform naming) in `dir`.
pub fn plugin_file(dir: &Path, krate: &str) -> PathBuf {
    dir.join(format!("{}{krate}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX))
}

fn build(workspace: &Path, release: bool) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // <target>/<profile>/deps/<binary>
    let target = exe.ancestors().nth(3).ok_or_else(|| format!("no target dir above {}", exe.display()))?;
    let out = target.join("plugin-build");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args(["-p", "ap-microprice", "-p", "ap-momentum", "-p", "ap-faulty", "--target-dir"])
        .arg(&out)
        .env_remove("CARGO_TARGET_DIR");
    if release {
        cmd.arg("--release");
    }
    let st = cmd.status().map_err(|e| format!("running {}: {e}", env!("CARGO")))?;
    if !st.success() {
        return Err(format!("cargo build of the plugins failed: {st}"));
    }
    Ok(out.join(if release { "release" } else { "debug" }))
}
