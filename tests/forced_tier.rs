//! A forced tier must really run: this fails if dispatch silently falls back to another
//! tier. One test function in its own binary, because it reads the process-wide record
//! of the last tier used (`kernels::last_tier_used`, kept in debug builds).
//!
//! `STACKNET_ENSURE_TIER=sse2,avx2fma,avx512` (names as `Tier::name`) additionally makes
//! the test fail when a listed tier is not detected at all: CI sets it from the CPU flags
//! (`.ci/steps/20-tiers.sh`), so a broken detection cannot turn the tier tests into no-ops;
//! `STACKNET_ENSURE_NO_TIER=avx2fma,avx512` makes it fail when a listed tier *is* detected.

use stacknet::kernels::{self, force, last_tier_used, reset, Kernels, Mode, Tier, TierUnavailableError};

#[test]
fn forced_tiers_are_taken_and_unavailable_ones_refused() {
    // Release builds keep no record: there the tier checks below are skipped and only the
    // refusals are tested (CI runs this in the default debug profile).
    let recorded = || if cfg!(debug_assertions) { last_tier_used() } else { None };
    if let Ok(list) = std::env::var("STACKNET_ENSURE_TIER") {
        for name in list.split(',').filter(|s| !s.is_empty()) {
            let t = Tier::from_name(name.trim()).unwrap_or_else(|| panic!("unknown tier {name:?}"));
            assert!(t.is_available(), "STACKNET_ENSURE_TIER lists {name}, but it was not detected");
        }
    }
    // The converse, for runs on a CPU known to lack some tiers (CI runs this binary under
    // `qemu-x86_64 -cpu Nehalem`, which has SSE2 but no AVX).
    if let Ok(list) = std::env::var("STACKNET_ENSURE_NO_TIER") {
        for name in list.split(',').filter(|s| !s.is_empty()) {
            let t = Tier::from_name(name.trim()).unwrap_or_else(|| panic!("unknown tier {name:?}"));
            assert!(!t.is_available(), "STACKNET_ENSURE_NO_TIER lists {name}, but it was detected");
        }
    }
    let a = [1.0f32; 12];
    let mut c = [0.0f32; 9];
    let mut tested = 0;
    for t in Tier::ALL {
        match Kernels::new(t) {
            Ok(k) => {
                // Through a handle…
                k.matmul(3, 4, 3, &a, &a, &mut c, Mode::Overwrite).unwrap();
                if cfg!(debug_assertions) {
                    assert_eq!(recorded(), Some(t), "Kernels::new({t:?}) ran another tier");
                }
                assert_eq!(c, [4.0; 9]);
                let mut s = [0.0f32; 5];
                k.sigmoid(&mut s);
                if cfg!(debug_assertions) {
                    assert_eq!(recorded(), Some(t));
                }
                // …and through the process-wide choice.
                force(t).unwrap();
                assert_eq!(kernels::active(), t);
                kernels::Kernels::active().matmul_nt(3, 4, 3, &a, &a, &mut c, Mode::Overwrite).unwrap();
                if cfg!(debug_assertions) {
                    assert_eq!(recorded(), Some(t), "force({t:?}) ran another tier");
                }
                tested += 1;
            }
            Err(e) => {
                assert_eq!(e, TierUnavailableError(t));
                assert!(!t.is_available());
                let before = kernels::active();
                assert_eq!(force(t), Err(TierUnavailableError(t)), "force must refuse {t:?}");
                assert_eq!(kernels::active(), before, "a refused force changed the tier");
            }
        }
    }
    reset();
    assert_eq!(kernels::active(), kernels::best_available());
    assert!(tested >= 1);
    if cfg!(target_arch = "x86_64") {
        assert!(Tier::Sse2.is_available() || cfg!(target_os = "none"));
    }
}
