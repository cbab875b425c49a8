//! `stacknet_force_tier` (its own test binary: forcing a tier is process-wide).

use stacknet::kernels::{Tier, active, best_available};
use stacknet_capi::stacknet_status_t::*;
use stacknet_capi::*;

#[test]
fn force_tier_takes_available_tiers_and_refuses_the_rest() {
    assert_eq!(stacknet_force_tier(STACKNET_TIER_SCALAR), STACKNET_OK);
    let mut t = 0u32;
    assert_eq!(unsafe { stacknet_simd_tier(&mut t) }, STACKNET_OK);
    assert_eq!(t, STACKNET_TIER_SCALAR);
    // No CPU has both NEON and the x86 tiers (nor simd128, a wasm32 tier): at least one is
    // refused, and a refusal leaves the forced tier as it was.
    let mut refused = 0;
    for code in
        [STACKNET_TIER_SSE2, STACKNET_TIER_AVX2FMA, STACKNET_TIER_AVX512, STACKNET_TIER_NEON, STACKNET_TIER_SIMD128]
    {
        let tier = Tier::ALL.into_iter().find(|t| *t as u32 == code).unwrap();
        if tier.is_available() {
            assert_eq!(stacknet_force_tier(code), STACKNET_OK);
            assert_eq!(active(), tier);
            assert_eq!(stacknet_force_tier(STACKNET_TIER_SCALAR), STACKNET_OK);
        } else {
            assert_eq!(stacknet_force_tier(code), STACKNET_ERR_UNAVAILABLE);
            assert_eq!(active(), Tier::Scalar);
            refused += 1;
        }
    }
    assert!(refused >= 1);
    for bad in [7, 99, u32::MAX] {
        assert_eq!(stacknet_force_tier(bad), STACKNET_ERR_BAD_ARGUMENT);
        assert_eq!(active(), Tier::Scalar);
    }
    assert_eq!(stacknet_force_tier(0), STACKNET_OK);
    assert_eq!(active(), best_available());
}
