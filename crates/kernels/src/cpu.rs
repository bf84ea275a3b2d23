//! Which CPU paths the kernels take, overrides that pin one, and a record of what ran.
//!
//! Two choices are made at run time from what the CPU reports: the integer Gram kernel of a
//! neutralizer factorization ([`GramKernel`]: AMX, AVX-512 VNNI, AVX2 or an f32 GEMM, with an exact
//! f64 path when none can hold the values) and the vector width the kernels' own loops are
//! compiled for ([`SimdLevel`]). Left alone, the best available wins, so on any one machine
//! the other paths would never run. To test them (and to compare them), a path can be pinned:
//!
//! - for the process, by the environment: `ERASCORE_KERNEL=amx|vnni|avx2|f32` and
//!   `ERASCORE_SIMD=avx512|avx2|scalar` ([`paths_from_env`] checks them and says what this CPU
//!   has; front ends call it first and refuse a bad value);
//! - for the calling thread, by [`with_paths`] (the kernels run sequentially on their caller's
//!   thread, so a test can loop over every available path in one process).
//!
//! With a Gram kernel pinned, a matrix it cannot hold (negative values, sums beyond its
//! integer range) takes the exact f64 path rather than another kernel. [`usage`] counts what
//! ran, for `--timings`.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::gram_kernel::GramKernel;
use crate::KernelError;

/// The environment variable that pins the Gram kernel.
pub const KERNEL_ENV: &str = "ERASCORE_KERNEL";
/// The environment variable that pins the vector width.
pub const SIMD_ENV: &str = "ERASCORE_SIMD";

/// The vector units the kernels' loops are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdLevel {
    /// AVX-512 F/BW/VL/DQ (x86-64-v4).
    Avx512,
    /// AVX2 and FMA (x86-64-v3).
    Avx2,
    /// What the build targets (SSE2 on a default x86-64 build); any CPU.
    Scalar,
}

impl SimdLevel {
    /// Every level, widest first.
    pub const ALL: [SimdLevel; 3] = [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Scalar];

    /// Whether this CPU runs the level.
    pub fn available(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => {
                use std::arch::is_x86_feature_detected as has;
                has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq")
            }
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            SimdLevel::Scalar => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The widest level this CPU runs.
    pub fn best() -> Self {
        static BEST: OnceLock<SimdLevel> = OnceLock::new();
        *BEST.get_or_init(|| {
            Self::ALL
                .into_iter()
                .find(|l| l.available())
                .unwrap_or(SimdLevel::Scalar)
        })
    }

    /// The name `ERASCORE_SIMD` takes and `--timings` shows.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Avx512 => "avx512",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Scalar => "scalar",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl GramKernel {
    /// The name `ERASCORE_KERNEL` takes.
    pub fn env_name(self) -> &'static str {
        match self {
            GramKernel::Amx => "amx",
            GramKernel::Vnni => "vnni",
            GramKernel::Avx2 => "avx2",
            GramKernel::F32 => "f32",
        }
    }
}

/// The paths the kernels take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuPaths {
    /// `Some(k)`: every int8 Gram matrix uses `k` (or the f64 path when `k` cannot hold it);
    /// `None`: the fastest available kernel that can hold it.
    pub gram: Option<GramKernel>,
    /// The vector width of the kernels' loops.
    pub simd: SimdLevel,
}

impl Default for CpuPaths {
    /// The best of everything this CPU has.
    fn default() -> Self {
        Self {
            gram: None,
            simd: SimdLevel::best(),
        }
    }
}

impl CpuPaths {
    /// An error naming what this CPU lacks, if it lacks a pinned path.
    pub fn check(self) -> Result<Self, KernelError> {
        if let Some(k) = self.gram {
            if !k.available() {
                return Err(unavailable(
                    KERNEL_ENV,
                    k.env_name(),
                    &available_gram_names(),
                ));
            }
        }
        if !self.simd.available() {
            return Err(unavailable(
                SIMD_ENV,
                self.simd.name(),
                &available_simd_names(),
            ));
        }
        Ok(self)
    }
}

/// Every combination of Gram kernel and vector width this CPU runs (the Gram kernels pinned
/// one by one), for tests that cover every path.
pub fn supported() -> Vec<CpuPaths> {
    let grams: Vec<GramKernel> = GramKernel::ALL
        .into_iter()
        .filter(|k| k.available())
        .collect();
    SimdLevel::ALL
        .into_iter()
        .filter(|l| l.available())
        .flat_map(|simd| {
            grams.iter().map(move |&g| CpuPaths {
                gram: Some(g),
                simd,
            })
        })
        .collect()
}

fn available_gram_names() -> Vec<&'static str> {
    GramKernel::ALL
        .into_iter()
        .filter(|k| k.available())
        .map(GramKernel::env_name)
        .collect()
}

fn available_simd_names() -> Vec<&'static str> {
    SimdLevel::ALL
        .into_iter()
        .filter(|l| l.available())
        .map(SimdLevel::name)
        .collect()
}

fn unavailable(variable: &str, value: &str, here: &[&str]) -> KernelError {
    KernelError::CpuPath(format!(
        "{variable}={value}: this CPU does not support it (available here: {})",
        here.join(", ")
    ))
}

/// Parses a value of `ERASCORE_KERNEL` (`None` for empty or "auto").
pub fn parse_gram(value: &str) -> Result<Option<GramKernel>, KernelError> {
    let v = value.trim().to_ascii_lowercase();
    let k = GramKernel::ALL.into_iter().find(|k| k.env_name() == v);
    match k {
        Some(k) => Ok(Some(k)),
        None if v.is_empty() || v == "auto" => Ok(None),
        None => Err(KernelError::CpuPath(format!(
            "{KERNEL_ENV}={value}: unknown kernel (expected amx, vnni, avx2, f32 or auto; available here: {})",
            available_gram_names().join(", ")
        ))),
    }
}

/// Parses a value of `ERASCORE_SIMD` (`None` for empty or "auto").
pub fn parse_simd(value: &str) -> Result<Option<SimdLevel>, KernelError> {
    let v = value.trim().to_ascii_lowercase();
    let l = SimdLevel::ALL.into_iter().find(|l| l.name() == v);
    match l {
        Some(l) => Ok(Some(l)),
        None if v.is_empty() || v == "auto" => Ok(None),
        None => Err(KernelError::CpuPath(format!(
            "{SIMD_ENV}={value}: unknown level (expected avx512, avx2, scalar or auto; available here: {})",
            available_simd_names().join(", ")
        ))),
    }
}

/// The paths `ERASCORE_KERNEL` and `ERASCORE_SIMD` ask for, checked against this CPU.
pub fn paths_from_env() -> Result<CpuPaths, KernelError> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let gram = parse_gram(&var(KERNEL_ENV))?;
    let simd = parse_simd(&var(SIMD_ENV))?.unwrap_or_else(SimdLevel::best);
    CpuPaths { gram, simd }.check()
}

/// The process-wide paths: the environment's when valid, else the best available (a front
/// end that wants a bad value refused calls [`paths_from_env`] first).
fn process_paths() -> CpuPaths {
    static PATHS: OnceLock<CpuPaths> = OnceLock::new();
    *PATHS.get_or_init(|| paths_from_env().unwrap_or_default())
}

thread_local! {
    static PINNED: Cell<Option<CpuPaths>> = const { Cell::new(None) };
}

/// The paths kernels called from this thread take now.
pub fn active() -> CpuPaths {
    PINNED.with(Cell::get).unwrap_or_else(process_paths)
}

/// Whether kernels called from this thread take their AVX-512 intrinsics: the active level
/// is AVX-512 (`active` returns only levels this CPU has; [`SimdLevel::Avx512`] includes F,
/// BW, VL and DQ).
#[inline(always)]
pub(crate) fn avx512_active() -> bool {
    active().simd == SimdLevel::Avx512
}

/// Runs `f` with `paths` pinned for kernels called on this thread (not on threads `f`
/// starts). An error when this CPU lacks a pinned path.
pub fn with_paths<R>(paths: CpuPaths, f: impl FnOnce() -> R) -> Result<R, KernelError> {
    let paths = paths.check()?;
    struct Restore(Option<CpuPaths>);
    impl Drop for Restore {
        fn drop(&mut self) {
            PINNED.with(|p| p.set(self.0));
        }
    }
    let _restore = Restore(PINNED.with(|p| p.replace(Some(paths))));
    Ok(f())
}

/// What produced an int8 Gram matrix (or its f64 replacement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GramPath {
    /// One of the integer/f32 kernels.
    Kernel(GramKernel),
    /// The exact f64 GEMM, for values no (pinned) kernel holds, and float neutralizers the
    /// mixed-precision path declined.
    F64,
    /// Real-valued neutralizers: an f32 Gram matrix of the centred columns whose Cholesky
    /// factor preconditions refinement against the f64 columns (`Neutralizer` falls back to
    /// [`GramPath::F64`] when a pivot or the refinement's convergence leaves doubt).
    F32Refined,
}

static GRAM_RUNS: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];
static SIMD_RUNS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

fn gram_slot(p: GramPath) -> usize {
    match p {
        GramPath::Kernel(GramKernel::Amx) => 0,
        GramPath::Kernel(GramKernel::Vnni) => 1,
        GramPath::Kernel(GramKernel::Avx2) => 2,
        GramPath::Kernel(GramKernel::F32) => 3,
        GramPath::F64 => 4,
        GramPath::F32Refined => 5,
    }
}

pub(crate) fn record_gram(p: GramPath) {
    GRAM_RUNS[gram_slot(p)].fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn record_simd(l: SimdLevel) {
    SIMD_RUNS[l.index()].fetch_add(1, Ordering::Relaxed);
}

/// How many times each path ran in this process so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    /// Gram matrices per path (neutralizer factorizations).
    pub gram: Vec<(GramPath, u64)>,
    /// Vectorized kernel calls (factorizations, neutralizations) per level.
    pub simd: Vec<(SimdLevel, u64)>,
}

impl Usage {
    /// One line for humans, e.g. "gram avx512-vnni x40; simd avx512 x80"; the paths that
    /// did not run are left out.
    pub fn describe(&self) -> String {
        let gram: Vec<String> = self
            .gram
            .iter()
            .map(|(p, n)| {
                let name = match p {
                    GramPath::Kernel(k) => k.name(),
                    GramPath::F64 => "f64-gemm",
                    GramPath::F32Refined => "f32-refined",
                };
                format!("{name} x{n}")
            })
            .collect();
        let simd: Vec<String> = self
            .simd
            .iter()
            .map(|(l, n)| format!("{} x{n}", l.name()))
            .collect();
        let or_none = |v: Vec<String>| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        format!("gram {}; simd {}", or_none(gram), or_none(simd))
    }
}

/// What ran so far (counts since the process started).
pub fn usage() -> Usage {
    let gram = [
        GramPath::Kernel(GramKernel::Amx),
        GramPath::Kernel(GramKernel::Vnni),
        GramPath::Kernel(GramKernel::Avx2),
        GramPath::Kernel(GramKernel::F32),
        GramPath::F64,
        GramPath::F32Refined,
    ]
    .into_iter()
    .map(|p| (p, GRAM_RUNS[gram_slot(p)].load(Ordering::Relaxed)))
    .filter(|(_, n)| *n > 0)
    .collect();
    let simd = SimdLevel::ALL
        .into_iter()
        .map(|l| (l, SIMD_RUNS[l.index()].load(Ordering::Relaxed)))
        .filter(|(_, n)| *n > 0)
        .collect();
    Usage { gram, simd }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for k in GramKernel::ALL {
            assert_eq!(parse_gram(k.env_name()).unwrap(), Some(k));
        }
        for l in SimdLevel::ALL {
            assert_eq!(parse_simd(&l.name().to_uppercase()).unwrap(), Some(l));
        }
        assert_eq!(parse_gram("auto").unwrap(), None);
        assert_eq!(parse_simd("").unwrap(), None);
        let e = parse_gram("avx").unwrap_err().to_string();
        assert!(
            e.contains("ERASCORE_KERNEL=avx") && e.contains("amx, vnni, avx2, f32"),
            "{e}"
        );
        let e = parse_simd("sse9").unwrap_err().to_string();
        assert!(e.contains("ERASCORE_SIMD=sse9"), "{e}");
    }

    #[test]
    fn pinning_an_unavailable_path_is_an_error_and_available_ones_pin() {
        for k in GramKernel::ALL {
            let paths = CpuPaths {
                gram: Some(k),
                simd: SimdLevel::Scalar,
            };
            match with_paths(paths, active) {
                Ok(active) => {
                    assert!(k.available());
                    assert_eq!(active, paths);
                }
                Err(e) => {
                    assert!(!k.available());
                    let e = e.to_string();
                    assert!(e.contains(k.env_name()) && e.contains("f32"), "{e}");
                }
            }
        }
        // Scalar and f32 run everywhere, so every CPU has at least one combination.
        assert!(supported().contains(&CpuPaths {
            gram: Some(GramKernel::F32),
            simd: SimdLevel::Scalar
        }));
        // The pin ends with the closure.
        assert_eq!(PINNED.with(Cell::get), None);
    }

    /// `available()` must agree with what the OS says the CPU has, or a kernel could be
    /// skipped (or run) wrongly and every "tested on each path" claim would be hollow.
    #[test]
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    fn detection_agrees_with_proc_cpuinfo() {
        let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
            return;
        };
        let flags: std::collections::HashSet<&str> = info
            .lines()
            .find(|l| l.starts_with("flags"))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        let all = |names: &[&str]| names.iter().all(|n| flags.contains(n));
        assert_eq!(
            SimdLevel::Avx512.available(),
            all(&["avx512f", "avx512bw", "avx512vl", "avx512dq"])
        );
        assert_eq!(SimdLevel::Avx2.available(), all(&["avx2", "fma"]));
        assert_eq!(
            GramKernel::Vnni.available(),
            all(&["avx512f", "avx512bw", "avx512_vnni"])
        );
        assert_eq!(GramKernel::Avx2.available(), all(&["avx2"]));
        // AMX also needs the OS to grant the tile state, so only one direction is certain.
        if GramKernel::Amx.available() {
            assert!(all(&["amx_tile", "amx_int8"]));
        }
    }
}
