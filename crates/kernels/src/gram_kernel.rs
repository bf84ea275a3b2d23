//! Which integer Gram kernels exist and whether this CPU runs each: the one thing both the
//! Gram kernels ([`crate::gram`]) and the choice of CPU paths ([`crate::cpu`]) need.

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
use std::arch::asm;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
use std::sync::OnceLock;

/// An implementation of [`crate::gram::lower_gram_i8`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GramKernel {
    /// Intel AMX-INT8 tiles (Sapphire Rapids and later, Linux).
    Amx,
    /// AVX-512 VNNI (Ice Lake / Zen 4 and later).
    Vnni,
    /// AVX2 `vpmaddubsw` byte pairs summed in i16 (Haswell / Zen and later).
    Avx2,
    /// f32 GEMM (faer); any CPU.
    F32,
}

impl GramKernel {
    /// Every kernel, fastest first.
    pub const ALL: [GramKernel; 4] = [
        GramKernel::Amx,
        GramKernel::Vnni,
        GramKernel::Avx2,
        GramKernel::F32,
    ];

    /// Whether this CPU and OS run the kernel.
    pub fn available(self) -> bool {
        match self {
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            GramKernel::Amx => amx_available(),
            #[cfg(target_arch = "x86_64")]
            GramKernel::Vnni => vnni_available(),
            #[cfg(target_arch = "x86_64")]
            GramKernel::Avx2 => avx2_available(),
            GramKernel::F32 => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// Short name for logs and benchmark tables.
    pub fn name(self) -> &'static str {
        match self {
            GramKernel::Amx => "amx-int8",
            GramKernel::Vnni => "avx512-vnni",
            GramKernel::Avx2 => "avx2-int8",
            GramKernel::F32 => "f32-gemm",
        }
    }
}

/// Whether this CPU has AMX-INT8 tiles and Linux lets this process use them (asked once).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[allow(unsafe_code)]
pub(crate) fn amx_available() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        // CPUID.(EAX=7,ECX=0):EDX bit 24 = AMX-TILE, bit 25 = AMX-INT8.
        // SAFETY: cpuid leaf 7 exists on every x86-64 CPU that could report AMX; on
        // older ones it returns zeros. (Safe to call on newer toolchains.)
        #[allow(unused_unsafe)]
        let edx = unsafe { core::arch::x86_64::__cpuid_count(7, 0) }.edx;
        if edx & (1 << 24) == 0 || edx & (1 << 25) == 0 {
            return false;
        }
        request_tile_permission()
    })
}

/// `arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`: 0 means this process may use
/// tile data; kernels without AMX support refuse and we fall back.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[allow(unsafe_code)]
fn request_tile_permission() -> bool {
    const SYS_ARCH_PRCTL: i64 = 158;
    const ARCH_REQ_XCOMP_PERM: i64 = 0x1023;
    const XFEATURE_XTILEDATA: i64 = 18;
    let ret: i64;
    // SAFETY: a plain Linux syscall that reads no user memory; `syscall` clobbers
    // rcx and r11, declared below.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") SYS_ARCH_PRCTL => ret,
            in("rdi") ARCH_REQ_XCOMP_PERM,
            in("rsi") XFEATURE_XTILEDATA,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack)
        );
    }
    ret == 0
}

/// Whether this CPU has AVX-512 VNNI (with the F and BW parts its kernel uses).
#[cfg(target_arch = "x86_64")]
pub(crate) fn vnni_available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vnni")
}

/// Whether this CPU has AVX2 (its integer byte multiply-adds are all the AVX2 kernel uses).
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx2_available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}
