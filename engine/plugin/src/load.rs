//! Loading: open a plugin file, find its entry symbol, check its manifest. Libraries are never
//! unloaded: the `Library` is leaked, so the manifest and vtable stay valid for the process.

use crate::PluginError;
use alphapulse_sdk::{Manifest, Vtable, ABI_VERSION, ENTRY_PREFIX, LAYOUT_FINGERPRINT};
use std::path::{Path, PathBuf};

/// A loaded, checked plugin.
#[derive(Clone, Debug)]
pub struct Plugin {
    path: PathBuf,
    manifest: &'static Manifest,
}

impl Plugin {
    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Its manifest (checked).
    pub fn manifest(&self) -> &'static Manifest {
        self.manifest
    }
    /// The strategy's name as the plugin gives it.
    pub fn name(&self) -> &'static str {
        self.manifest.name()
    }
}

/// The entry symbol of a plugin file: [`ENTRY_PREFIX`] + the crate name, read from the file name
/// (`libap_momentum.so` → `alphapulse_plugin_entry_ap_momentum`).
pub fn entry_symbol(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let stem = stem.split('.').next().unwrap_or(stem);
    format!("{ENTRY_PREFIX}{}", stem.strip_prefix("lib").unwrap_or(stem))
}

/// Load the plugin at `path` and check its manifest (ABI version, layout fingerprint, built with
/// `panic = "unwind"`, vtable size); a mismatch is refused with an error naming both sides.
pub fn load(path: impl AsRef<Path>) -> Result<Plugin, PluginError> {
    let path = path.as_ref();
    load_entry(path, &entry_symbol(path))
}

/// [`load`] through the entry symbol `symbol` (tests, or a plugin renamed on purpose).
pub fn load_entry(path: impl AsRef<Path>, symbol: &str) -> Result<Plugin, PluginError> {
    let path = path.as_ref();
    let shown = path.display().to_string();
    // SAFETY: loading a library runs its initialisers: the operator named this file as a strategy
    // plugin in the config, which is the trust the plugin model rests on.
    let lib = unsafe { libloading::Library::new(path) }
        .map_err(|source| PluginError::Open { path: shown.clone(), source })?;
    // SAFETY: the symbol is read as the entry's type, `extern "C" fn() -> *const Manifest`, which is
    // what `export_strategy!` defines under this name.
    let manifest = unsafe {
        let entry = lib
            .get::<extern "C" fn() -> *const Manifest>(symbol.as_bytes())
            .map_err(|source| PluginError::NoEntry { path: shown.clone(), symbol: symbol.into(), source })?;
        entry()
    };
    // Never unloaded: the manifest, its vtable and every instance's code live as long as the process.
    std::mem::forget(lib);
    if manifest.is_null() {
        return Err(PluginError::NullManifest { path: shown, symbol: symbol.into() });
    }
    // SAFETY: a non-null manifest is a `'static` in the library we just leaked. Only the header
    // (abi_version, unwind, fingerprint: fixed offsets in every ABI version) is read before the
    // checks; the whole struct only after they passed.
    let (version, unwind, fingerprint) = unsafe {
        (
            std::ptr::addr_of!((*manifest).abi_version).read(),
            std::ptr::addr_of!((*manifest).unwind).read(),
            std::ptr::addr_of!((*manifest).fingerprint).read(),
        )
    };
    check(&shown, version, unwind, fingerprint)?;
    // SAFETY: same ABI version and layout as ours: the manifest is a valid `'static Manifest`.
    let manifest: &'static Manifest = unsafe { &*manifest };
    let expected = std::mem::size_of::<Vtable>() as u32;
    if manifest.vtable.size != expected {
        return Err(PluginError::Vtable { path: shown, found: manifest.vtable.size, expected });
    }
    Ok(Plugin { path: path.to_path_buf(), manifest })
}

/// The manifest checks, in order: ABI version, layout fingerprint, unwinding panics.
fn check(path: &str, version: u32, unwind: u32, fingerprint: u64) -> Result<(), PluginError> {
    if version != ABI_VERSION {
        return Err(PluginError::AbiVersion { path: path.into(), found: version, expected: ABI_VERSION });
    }
    if fingerprint != LAYOUT_FINGERPRINT {
        return Err(PluginError::Layout {
            path: path.into(),
            found: fingerprint,
            expected: LAYOUT_FINGERPRINT,
            version,
        });
    }
    if unwind != 1 {
        return Err(PluginError::NotUnwind { path: path.into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_follows_the_file_name() {
        assert_eq!(entry_symbol(Path::new("t/libap_momentum.so")), "alphapulse_plugin_entry_ap_momentum");
        assert_eq!(entry_symbol(Path::new("ap_x.dll")), "alphapulse_plugin_entry_ap_x");
    }

    #[test]
    fn checks_name_both_sides() {
        let e = check("p.so", ABI_VERSION + 3, 1, LAYOUT_FINGERPRINT).unwrap_err().to_string();
        assert!(
            e.contains(&format!("version {}", ABI_VERSION + 3))
                && e.contains(&format!("version {ABI_VERSION}")),
            "{e}"
        );
        let e = check("p.so", ABI_VERSION, 1, 7).unwrap_err().to_string();
        assert!(
            e.contains("0x0000000000000007") && e.contains(&format!("{LAYOUT_FINGERPRINT:#018x}")),
            "{e}"
        );
        assert!(matches!(
            check("p.so", ABI_VERSION, 0, LAYOUT_FINGERPRINT),
            Err(PluginError::NotUnwind { .. })
        ));
        assert!(check("p.so", ABI_VERSION, 1, LAYOUT_FINGERPRINT).is_ok());
    }
}
