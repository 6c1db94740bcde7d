//! Loading: both examples load and make instances; ABI version and layout mismatches, a plugin
//! built with panic = "abort", a missing file and a file that is not a plugin are refused with
//! errors that say so and name both sides and the file.

mod common;

use alphapulse_plugin::{load, load_entry, PluginError, PluginStrategy};
use alphapulse_sdk::{ABI_VERSION, LAYOUT_FINGERPRINT};
use alphapulse_strategy::Strategy;
use common::plugin;

#[test]
fn both_examples_load_and_make_instances() {
    for (krate, name, params) in [
        ("ap_microprice", "microprice", &[("skew_bps", "2")][..]),
        ("ap_momentum", "momentum", &[("lookback", "5")][..]),
    ] {
        let p = load(plugin(krate)).unwrap_or_else(|e| panic!("{krate}: {e}"));
        let m = p.manifest();
        assert_eq!(
            (p.name(), m.abi_version, m.fingerprint, m.unwind),
            (name, ABI_VERSION, LAYOUT_FINGERPRINT, 1)
        );
        let s = PluginStrategy::new(&p, "mine", params, &["BTCUSDT", "ETHUSDT"], 0).expect("instance");
        assert_eq!(s.name(), "mine", "the engine's name, not the plugin's");
        let h = s.health().expect("health");
        assert!(h.enabled && !h.panicked && h.calls == 0);
        // Loading again is the same library (never unloaded, never loaded twice).
        assert!(std::ptr::eq(load(plugin(krate)).unwrap().manifest(), m));
    }
}

#[test]
fn bad_parameters_are_refused_by_name() {
    let p = load(plugin("ap_momentum")).unwrap();
    let e = PluginStrategy::new(&p, "m", &[("lookback", "0")], &["BTCUSDT"], 0).expect_err("refused");
    assert!(matches!(e, PluginError::Create { .. }), "{e:?}");
    let e = e.to_string();
    assert!(e.contains("strategy `m`") && e.contains("`lookback`: 0"), "{e}");
    let f = load(plugin("ap_faulty")).unwrap();
    let e = PluginStrategy::new(&f, "f", &[("fail_create", "1")], &[], 0).err().unwrap().to_string();
    assert!(e.contains("told to fail"), "{e}");
}

#[test]
fn abi_version_mismatch_names_both_versions_and_the_file() {
    let path = plugin("ap_faulty");
    let e = load_entry(&path, "alphapulse_bad_abi").expect_err("refused");
    assert!(
        matches!(e, PluginError::AbiVersion { found, expected, .. } if found == ABI_VERSION + 1 && expected == ABI_VERSION)
    );
    let e = e.to_string();
    assert!(e.contains(&format!("version {}", ABI_VERSION + 1)), "{e}");
    assert!(e.contains(&format!("version {ABI_VERSION}")), "{e}");
    assert!(e.contains(&path.display().to_string()), "{e}");
}

#[test]
fn layout_mismatch_names_both_fingerprints() {
    let e = load_entry(plugin("ap_faulty"), "alphapulse_bad_layout").expect_err("refused").to_string();
    assert!(e.contains(&format!("{:#018x}", LAYOUT_FINGERPRINT ^ 0x5a5a)), "{e}");
    assert!(e.contains(&format!("{LAYOUT_FINGERPRINT:#018x}")), "{e}");
}

#[test]
fn a_plugin_built_with_panic_abort_is_refused() {
    let e = load_entry(plugin("ap_faulty"), "alphapulse_abort_built").expect_err("refused");
    assert!(matches!(e, PluginError::NotUnwind { .. }), "{e:?}");
    assert!(e.to_string().contains("panic = \"abort\""));
    // Its proper entry, from the file name, is fine.
    assert_eq!(load(plugin("ap_faulty")).unwrap().name(), "faulty");
}

#[test]
fn missing_files_and_non_plugins_give_clear_errors() {
    let dir = alphapulse_shm::test_scratch::root().join(format!("ap-plugin-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("libnothing.so");
    let e = load(&missing).expect_err("refused");
    assert!(matches!(e, PluginError::Open { .. }), "{e:?}");
    assert!(e.to_string().contains(&missing.display().to_string()));
    let text = dir.join("libtext.so");
    std::fs::write(&text, "not a library\n").unwrap();
    assert!(matches!(load(&text), Err(PluginError::Open { .. })));
    // A real library without our entry: a plugin copied under another name.
    let renamed = dir.join("libother.so");
    std::fs::copy(plugin("ap_momentum"), &renamed).unwrap();
    let e = load(&renamed).expect_err("refused");
    assert!(matches!(e, PluginError::NoEntry { .. }), "{e:?}");
    let e = e.to_string();
    assert!(
        e.contains("alphapulse_plugin_entry_other") && e.contains("not an AlphaPulse strategy plugin"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn parameters_are_set_through_the_abi() {
    let p = load(plugin("ap_microprice")).unwrap();
    let mut s = PluginStrategy::new(&p, "mp", &[], &["BTCUSDT"], 0).unwrap();
    assert_eq!(s.set_param("min_change_bps", "0"), Ok(()));
    let e = s.set_param("min_change_bps", "many").unwrap_err();
    assert!(e.contains("`min_change_bps`") && e.contains("`many`"), "{e}");
    let e = s.set_param("colour", "red").unwrap_err();
    assert!(e.contains("no settable parameter `colour`"), "{e}");
    assert!(s.health().unwrap().enabled, "an error is not a fault");
}
