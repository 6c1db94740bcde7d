//! `faulty`: a test-only plugin for engine/plugin's tests. On every quote it counts the call,
//! panics at call `panic_at` (0: never), spins `spin_ns` nanoseconds (past a time budget) and
//! answers a +1000 bps signal. `fail_create = "1"` makes `new` fail. Besides its proper entry it
//! exports three broken manifests: `alphapulse_bad_abi` (another ABI version),
//! `alphapulse_bad_layout` (another layout fingerprint) and `alphapulse_abort_built` (says it was
//! built with `panic = "abort"`).
// No unsafe code; `#[no_mangle]` counts as unsafe for the lint (two symbols could clash), so
// the three extra entries below allow it by name.
#![deny(unsafe_code)]

use alphapulse_sdk::{export_strategy, glue, signal, Manifest, MarketView, Quote, Setup, Signal, Strategy};
use std::time::{Duration, Instant};

/// The strategy; see the crate docs.
pub struct Faulty {
    calls: u64,
    panic_at: u64,
    spin: Duration,
}

impl Strategy for Faulty {
    const NAME: &'static str = "faulty";

    fn new(setup: &Setup<'_>) -> Result<Self, String> {
        setup.only(&["panic_at", "spin_ns", "fail_create"])?;
        if setup.param("fail_create") == Some("1") {
            return Err("faulty: told to fail (fail_create = 1)".into());
        }
        Ok(Faulty {
            calls: 0,
            panic_at: setup.parse("panic_at", 0u64)?,
            spin: Duration::from_nanos(setup.parse("spin_ns", 0u64)?),
        })
    }

    fn on_quote(&mut self, q: &Quote, _view: &dyn MarketView) -> Option<Signal> {
        self.calls += 1;
        if self.calls == self.panic_at {
            panic!("faulty: panic at call {}", self.calls);
        }
        if !self.spin.is_zero() {
            let t = Instant::now();
            while t.elapsed() < self.spin {
                std::hint::spin_loop();
            }
        }
        Some(signal(q.inst, 1_000, q.local_ts))
    }
}

export_strategy!(Faulty);

/// A manifest of another ABI version.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn alphapulse_bad_abi() -> *const Manifest {
    static M: Manifest = {
        let mut m = glue::manifest::<Faulty>(true);
        m.abi_version = alphapulse_sdk::ABI_VERSION + 1;
        m
    };
    &M
}

/// A manifest with another layout fingerprint.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn alphapulse_bad_layout() -> *const Manifest {
    static M: Manifest = {
        let mut m = glue::manifest::<Faulty>(true);
        m.fingerprint ^= 0x5a5a;
        m
    };
    &M
}

/// A manifest that says the plugin was built with `panic = "abort"`.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn alphapulse_abort_built() -> *const Manifest {
    static M: Manifest = glue::manifest::<Faulty>(false);
    &M
}
