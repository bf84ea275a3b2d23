//! Runtime choice of vector width for the kernels' own loops.
//!
//! A default x86-64 build may only assume SSE2 (two f64 lanes). The hot loops here (int8
//! column dot products and updates, Cholesky panels, centring) are plain Rust that LLVM
//! vectorizes well when it may use AVX-512 or AVX2, so [`dispatch`] runs an [`Op`] inside a
//! function compiled for those features when the CPU has them (or the level [`crate::cpu`]
//! pins): everything `Op::run` inlines
//! (the kernels mark their loops `#[inline(always)]` for that reason) is compiled for the
//! wider units. It is a trait rather than a closure because a closure is only inlined at
//! LLVM's discretion, and a large one is not. faer dispatches its own GEMMs the same way.
#![allow(unsafe_code)]

/// A computation to compile for the widest vector unit available. `run` must be
/// `#[inline(always)]`.
pub(crate) trait Op {
    type Output;
    fn run(self) -> Self::Output;
}

/// Runs `op`, compiled for AVX-512 (x86-64-v4) or AVX2 + FMA (v3): the widest level the CPU
/// has, or the one pinned by [`crate::cpu`] (`ERASCORE_SIMD`, `cpu::with_paths`).
#[inline(always)]
pub(crate) fn dispatch<O: Op>(op: O) -> O::Output {
    use crate::cpu::SimdLevel;
    let level = crate::cpu::active().simd;
    crate::cpu::record_simd(level);
    // SAFETY: `cpu::active` only returns levels checked with `SimdLevel::available`, i.e. the
    // CPU reports the features each function is compiled for.
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => unsafe { run_v4(op) },
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => unsafe { run_v3(op) },
        _ => op.run(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
unsafe fn run_v4<O: Op>(op: O) -> O::Output {
    op.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_v3<O: Op>(op: O) -> O::Output {
    op.run()
}
