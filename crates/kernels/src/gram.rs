//! Exact Gram matrices `X'X` of int8 feature columns, the dominant cost of factorizing an
//! era's neutralizers (6,200 rows x 2,750 features is 23 billion multiply-adds).
//!
//! Products of int8 values are small integers, so the Gram matrix is exact in integer
//! arithmetic, and integer units do it fastest. Four kernels, best available first
//! ([`GramKernel`]): Intel AMX tiles (`tdpbuud`, 16,384 multiply-adds per instruction);
//! AVX-512 VNNI (`vpdpbusd`, 64 byte products into 16 i32 lanes, four times an f32 FMA of
//! the same width); AVX2 (`vpmaddubsw`, 32 byte products into 16 i16 lanes, summed in i16
//! for as many rows as the values allow, four times an f32 FMA of the same width); and an
//! f32 GEMM, exact while every partial sum stays below 2^24, for other CPUs and for negative
//! values, which the unsigned byte operands cannot hold.

use faer::linalg::matmul::triangular::{matmul as tri_matmul, BlockStructure};
use faer::{Accum, Mat, MatMut, MatRef};

pub use crate::gram_kernel::GramKernel;
use crate::Parallelism;

/// The lower triangle (`i >= j`) of `X'X` for column-major int8 `data` of `n` rows and `k`
/// columns, as a column-major `k x k` i32 matrix (entries above the diagonal are
/// unspecified), with the fastest kernel that handles the values, or `None` when an entry
/// could exceed what the exact kernels can hold (more than ~2^24 / max|x|^2 rows, i.e.
/// millions of rows for 0..4 features); the caller then works in f64.
///
/// A kernel pinned by [`crate::cpu`] (`ERASCORE_KERNEL`, `cpu::with_paths`) is the only one
/// tried. What ran is recorded for [`crate::cpu::usage`].
pub fn lower_gram_i8(data: &[i8], n: usize, k: usize) -> Option<Vec<i32>> {
    lower_gram_i8_par(data, n, k, Parallelism::Sequential)
}

/// [`lower_gram_i8`] on the threads `par` allows (the VNNI, AVX2 and f32 kernels split the output
/// into panels of rows; each entry is still one exact integer sum, so the matrix is the same).
pub fn lower_gram_i8_par(data: &[i8], n: usize, k: usize, par: Parallelism) -> Option<Vec<i32>> {
    let range = ValueRange::of(data, n, k);
    let found = match crate::cpu::active().gram {
        Some(kernel) => gram_with(kernel, data, n, k, range, par).map(|g| (kernel, g)),
        None => GramKernel::ALL
            .into_iter()
            .filter(|kernel| kernel.available())
            .find_map(|kernel| gram_with(kernel, data, n, k, range, par).map(|g| (kernel, g))),
    };
    found.map(|(kernel, g)| {
        crate::cpu::record_gram(crate::cpu::GramPath::Kernel(kernel));
        g
    })
}

/// [`lower_gram_i8`] with one kernel: `None` when it is not available or cannot hold the
/// values (AMX, VNNI and AVX2: negative values or sums beyond i32; f32: sums beyond 2^24).
pub fn lower_gram_i8_with(kernel: GramKernel, data: &[i8], n: usize, k: usize) -> Option<Vec<i32>> {
    lower_gram_i8_with_par(kernel, data, n, k, Parallelism::Sequential)
}

/// [`lower_gram_i8_with`] on the threads `par` allows.
pub fn lower_gram_i8_with_par(
    kernel: GramKernel,
    data: &[i8],
    n: usize,
    k: usize,
    par: Parallelism,
) -> Option<Vec<i32>> {
    if !kernel.available() {
        return None;
    }
    gram_with(kernel, data, n, k, ValueRange::of(data, n, k), par)
}

/// Hands a Gram matrix's buffer back to this thread's pool, as a dropped neutralizer does, so
/// the next Gram matrix computed on this thread reuses its (already faulted-in) pages. A
/// caller that computes Gram matrices in a loop, a benchmark above all, measures what the
/// engine pays only if it does this.
pub fn recycle(gram: Vec<i32>) {
    crate::scratch::give_i32(gram);
}

/// What decides which kernels can hold a matrix: its sign and the largest possible entry.
#[derive(Clone, Copy)]
struct ValueRange {
    non_negative: bool,
    /// `max|x|`.
    max_abs: u32,
    /// `n * max|x|^2`, a bound on every entry of `X'X`.
    bound: u64,
}

impl ValueRange {
    fn of(data: &[i8], n: usize, k: usize) -> Self {
        assert_eq!(data.len(), n * k, "lower_gram_i8: data is not n x k");
        let (min, max) = data
            .iter()
            .fold((0i8, 0i8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let max_abs = (min as i32).unsigned_abs().max(max as u32);
        Self {
            non_negative: min >= 0,
            max_abs,
            bound: n as u64 * max_abs as u64 * max_abs as u64,
        }
    }
}

impl GramKernel {
    /// Whether the kernel's arithmetic holds every entry of `X'X` exactly (whatever the CPU):
    /// the integer kernels take unsigned bytes and sum in i32 (AVX2's i16 pair sums of bytes
    /// 0..=127 cannot saturate, and it widens to i32 before its i16 sums could), the f32 GEMM
    /// is exact below 2^24.
    fn holds(self, range: ValueRange) -> bool {
        match self {
            GramKernel::Amx | GramKernel::Vnni | GramKernel::Avx2 => {
                range.non_negative && range.bound < i32::MAX as u64
            }
            GramKernel::F32 => range.bound < 1 << 24,
        }
    }
}

/// Runs an available `kernel` if it can hold values in `range`.
fn gram_with(
    kernel: GramKernel,
    data: &[i8],
    n: usize,
    k: usize,
    range: ValueRange,
    par: Parallelism,
) -> Option<Vec<i32>> {
    if !kernel.holds(range) {
        return None;
    }
    match kernel {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        GramKernel::Amx => {
            let mut out = crate::scratch::take_i32(k * k);
            amx::lower_gram(data, n, k, &mut out, par.is_parallel());
            Some(out)
        }
        #[cfg(target_arch = "x86_64")]
        GramKernel::Vnni => {
            let mut out = crate::scratch::take_i32(k * k);
            vnni::lower_gram(data, n, k, &mut out, par.is_parallel());
            Some(out)
        }
        #[cfg(target_arch = "x86_64")]
        GramKernel::Avx2 => {
            let mut out = crate::scratch::take_i32(k * k);
            avx2::lower_gram(data, n, k, range.max_abs, &mut out, par.is_parallel());
            Some(out)
        }
        GramKernel::F32 => Some(f32_lower_gram(data, n, k, par)),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The lower triangle of `X'X` into `g` with faer's GEMM (the upper half is never computed).
pub(crate) fn faer_lower_gram<T: faer::traits::ComplexField>(
    g: MatMut<'_, T>,
    x: MatRef<'_, T>,
    par: Parallelism,
) {
    tri_matmul(
        g,
        BlockStructure::TriangularLower,
        Accum::Replace,
        x.transpose(),
        BlockStructure::Rectangular,
        x,
        BlockStructure::Rectangular,
        T::one_impl(),
        par.faer(),
    );
}

fn f32_lower_gram(data: &[i8], n: usize, k: usize, par: Parallelism) -> Vec<i32> {
    let xf: Vec<f32> = data.iter().map(|&v| v as f32).collect();
    let mut g = Mat::<f32>::zeros(k, k);
    faer_lower_gram(g.as_mut(), MatRef::from_column_major_slice(&xf, n, k), par);
    let mut out = crate::scratch::take_i32(k * k);
    for j in 0..k {
        let col = g.col(j);
        for i in j..k {
            out[j * k + i] = col[i] as i32;
        }
    }
    out
}

/// Intel AMX: 8 tile registers of 16 rows x 64 bytes, and `tdpbuud`, which multiplies a
/// 16 x 64 u8 tile by a 64 x 16 u8 tile into 16 x 16 i32 (16,384 multiply-adds) per
/// instruction, ~16x the VNNI rate. Rust has no stable AMX intrinsics, so the few
/// instructions are inline assembly; Linux hands out the tile state only on request
/// (`arch_prctl(ARCH_REQ_XCOMP_PERM)`), which [`available`] makes once per process.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[allow(unsafe_code)]
mod amx {
    use std::arch::asm;

    /// Rows of data per tile step (a tile row holds 64 bytes).
    const KB: usize = 64;
    /// Features per tile side.
    const T: usize = 16;

    /// The 64-byte operand of `ldtilecfg`: palette 1, then bytes per row and rows per tile.
    #[repr(C, align(64))]
    struct TileConfig {
        palette: u8,
        start_row: u8,
        reserved: [u8; 14],
        colsb: [u16; 16],
        rows: [u8; 16],
        reserved2: [u8; 16],
    }

    use crate::gram_kernel::amx_available as available;

    /// As [`super::vnni::lower_gram`], with tiles. Requires [`available`], values >= 0 and
    /// no i32 overflow. With `parallel`, the packing and the bands of 32 output columns run
    /// on the rayon pool; each entry is the same integer sum either way.
    pub(super) fn lower_gram(data: &[i8], n: usize, k: usize, out: &mut [i32], parallel: bool) {
        assert!(available(), "AMX kernel called without AMX");
        assert_eq!(data.len(), n * k);
        assert_eq!(out.len(), k * k);
        // Both operands are re-blocked into whole 1 KB tiles, one per (16 features, 64 rows),
        // so every tile load reads 1 KB of consecutive memory (loading straight from the
        // columns would touch 16 pages per tile). Rows past n and features past k are zero
        // padding, which adds nothing to the sums.
        let steps = n.div_ceil(KB);
        let tiles = k.div_ceil(2 * T) * 2;
        // a: row m of tile (I, s) = rows 64s.. of feature 16I + m.
        // b: row q of tile (J, s) = rows 64s + 4q..+4 of features 16J..16J+16, side by side,
        //    the layout `tdpbuud` wants for its right-hand operand.
        // The packed copies are per-thread scratch kept between calls: at 2,750 features they
        // are 2 x 17 MB, and fresh pages for them each era cost more than the packing. The
        // packing writes every byte (padding included), so stale contents never count.
        thread_local! {
            static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<u8>)> =
                const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
        }
        SCRATCH.with_borrow_mut(|(a_pack, b_pack)| {
            for p in [&mut *a_pack, &mut *b_pack] {
                p.resize(tiles * steps * 1024, 0);
            }
            let (a_pack, b_pack) = (&mut a_pack[..], &mut b_pack[..]);
            // A tile column's blocks (one per step) are consecutive: one share per column.
            let column = steps * 1024;
            let pack = |(t, (a, b)): (usize, (&mut [u8], &mut [u8]))| {
                pack_tile_column(data, n, k, t, a, b)
            };
            if parallel {
                use rayon::prelude::*;
                a_pack
                    .par_chunks_mut(column)
                    .zip(b_pack.par_chunks_mut(column))
                    .enumerate()
                    .for_each(pack);
            } else {
                a_pack
                    .chunks_mut(column)
                    .zip(b_pack.chunks_mut(column))
                    .enumerate()
                    .for_each(pack);
            }
            let (a_pack, b_pack) = (&*a_pack, &*b_pack);
            // One share per band of 2T output columns, whose entries are a consecutive range
            // of the column-major output. Bands shrink along the triangle; one band per task
            // lets the threads even out.
            let band = |(b, cols): (usize, &mut [i32])| {
                tile_band(k, steps, tiles, 2 * T * b, a_pack, b_pack, cols)
            };
            if parallel {
                use rayon::prelude::*;
                out.par_chunks_mut(2 * T * k)
                    .enumerate()
                    .with_max_len(1)
                    .for_each(band);
            } else {
                out.chunks_mut(2 * T * k).enumerate().for_each(band);
            }
        });
    }

    /// Packs tile column `t` (features `16t..16t + 16`, every step) into `a` and `b`, writing
    /// every byte: rows past `n` and features past `k` as zeros.
    fn pack_tile_column(data: &[i8], n: usize, k: usize, t: usize, a: &mut [u8], b: &mut [u8]) {
        for (s, (ab, bb)) in a
            .chunks_exact_mut(1024)
            .zip(b.chunks_exact_mut(1024))
            .enumerate()
        {
            for f in 0..T {
                let mut row = [0u8; KB];
                if t * T + f < k {
                    let col = &data[(t * T + f) * n..(t * T + f + 1) * n];
                    let chunk = &col[(s * KB).min(n)..((s + 1) * KB).min(n)];
                    for (d, &v) in row.iter_mut().zip(chunk) {
                        *d = v as u8;
                    }
                }
                ab[f * 64..f * 64 + 64].copy_from_slice(&row);
                for (q, quad) in row.chunks_exact(4).enumerate() {
                    bb[q * 64 + f * 4..q * 64 + f * 4 + 4].copy_from_slice(quad);
                }
            }
        }
    }

    /// The tile loops over the band of output columns `i0..i0 + 2T` (`out` holds those
    /// columns of the column-major lower triangle, `k` rows each; fewer in the last band).
    fn tile_band(
        k: usize,
        steps: usize,
        tiles: usize,
        i0: usize,
        a_pack: &[u8],
        b_pack: &[u8],
        out: &mut [i32],
    ) {
        let kp = tiles * T;
        // The bounds the tile loads below rely on.
        assert!(kp >= k && tiles.is_multiple_of(2) && i0.is_multiple_of(2 * T) && i0 < kp);
        assert!(a_pack.len() == tiles * steps * 1024 && b_pack.len() == a_pack.len());
        let mut cfg = TileConfig {
            palette: 1,
            start_row: 0,
            reserved: [0; 14],
            colsb: [0; 16],
            rows: [0; 16],
            reserved2: [0; 16],
        };
        for t in 0..8 {
            cfg.colsb[t] = 64;
            cfg.rows[t] = 16;
        }
        let mut tile = [[0i32; T]; T];
        // SAFETY: the CPU and OS support AMX (checked by the caller; Linux grants the tile
        // state to the whole process, so pool threads running a band hold it too); `cfg` is
        // the 64-byte aligned layout `ldtilecfg` reads, loaded on this thread. Every
        // `tileloadd` below reads one whole 1 KB tile (16 rows at stride 64) of `a_pack` or
        // `b_pack`, which hold `tiles * steps` of them, and feature and step indices stay
        // below `tiles * 16` (i0 + T < kp as asserted above) and `steps`; every `tilestored`
        // writes the 16 x 64 bytes of `tile`, and `tilerelease` ends the tile state before
        // we return. Tile registers are invisible to the compiler, which never uses them.
        unsafe {
            asm!("ldtilecfg [{}]", in(reg) &cfg, options(nostack, readonly));
            {
                // Lower triangle: the tile rows are features a in i0.., columns b >= a.
                let mut j0 = i0;
                while j0 < kp {
                    asm!(
                        "tilezero tmm0",
                        "tilezero tmm1",
                        "tilezero tmm2",
                        "tilezero tmm3",
                        options(nostack, nomem)
                    );
                    let tile_at =
                        |p: &[u8], feature: usize| p.as_ptr().add(feature / T * steps * 1024);
                    let a0 = tile_at(a_pack, i0);
                    let a1 = tile_at(a_pack, i0 + T);
                    let b0 = tile_at(b_pack, j0);
                    let b1 = tile_at(b_pack, j0 + T);
                    for step in 0..steps {
                        asm!(
                            "tileloadd tmm4, [{a0} + {sa}*1]",
                            "tileloadd tmm5, [{a1} + {sa}*1]",
                            "tileloadd tmm6, [{b0} + {sb}*1]",
                            "tileloadd tmm7, [{b1} + {sb}*1]",
                            "tdpbuud tmm0, tmm4, tmm6",
                            "tdpbuud tmm1, tmm4, tmm7",
                            "tdpbuud tmm2, tmm5, tmm6",
                            "tdpbuud tmm3, tmm5, tmm7",
                            a0 = in(reg) a0.add(step * 1024),
                            a1 = in(reg) a1.add(step * 1024),
                            b0 = in(reg) b0.add(step * 1024),
                            b1 = in(reg) b1.add(step * 1024),
                            sa = in(reg) 64usize,
                            sb = in(reg) 64usize,
                            options(nostack, readonly)
                        );
                    }
                    for (t, (di, dj)) in [(0, 0), (0, T), (T, 0), (T, T)].into_iter().enumerate() {
                        let p = tile.as_mut_ptr().cast::<u8>();
                        match t {
                            0 => {
                                asm!("tilestored [{p} + {s}*1], tmm0", p = in(reg) p, s = in(reg) 64usize, options(nostack))
                            }
                            1 => {
                                asm!("tilestored [{p} + {s}*1], tmm1", p = in(reg) p, s = in(reg) 64usize, options(nostack))
                            }
                            2 => {
                                asm!("tilestored [{p} + {s}*1], tmm2", p = in(reg) p, s = in(reg) 64usize, options(nostack))
                            }
                            _ => {
                                asm!("tilestored [{p} + {s}*1], tmm3", p = in(reg) p, s = in(reg) 64usize, options(nostack))
                            }
                        }
                        store_tile(&tile, i0, di, j0 + dj, k, out);
                    }
                    j0 += 2 * T;
                }
            }
            asm!("tilerelease", options(nostack, nomem));
        }
    }

    /// Writes `G[a][b] = tile[a - i0 - di][b - b0]` into column `a`, row `b` of the
    /// column-major lower triangle, for real features with `b >= a`; `out` holds the columns
    /// from `i0` on.
    fn store_tile(
        tile: &[[i32; T]; T],
        i0: usize,
        di: usize,
        b0: usize,
        k: usize,
        out: &mut [i32],
    ) {
        for (da, row) in tile.iter().enumerate() {
            let a = i0 + di + da;
            if a >= k {
                break;
            }
            for (db, &v) in row.iter().enumerate() {
                let b = b0 + db;
                if b >= k {
                    break;
                }
                if b >= a {
                    out[(a - i0) * k + b] = v;
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod vnni {
    use core::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_set1_epi32, _mm512_setzero_si512,
        _mm512_storeu_si512,
    };

    /// Features per micro-tile along the vector lanes (3 registers of 16 i32 lanes).
    const MR: usize = 48;
    /// Features per micro-tile along the broadcasts: 3 x 8 = 24 accumulators, which with the
    /// three panel registers and a broadcast fit the 32 zmm registers.
    const NR: usize = 8;

    use crate::gram_kernel::vnni_available as available;

    /// Fills `out[j * k + i]` for `i >= j` with `sum_r x[r, i] * x[r, j]`. Requires
    /// [`available`], values >= 0 and no i32 overflow. With `parallel`, panels of `MR` rows
    /// run on the rayon pool; each entry is the same integer sum either way.
    pub(super) fn lower_gram(data: &[i8], n: usize, k: usize, out: &mut [i32], parallel: bool) {
        use rayon::prelude::*;
        assert!(available(), "VNNI kernel called without AVX-512 VNNI");
        assert_eq!(data.len(), n * k);
        assert_eq!(out.len(), k * k);
        let pack_len = n.div_ceil(4) * MR * 4;
        let zero_col = vec![0i8; n];
        let panels = k.div_ceil(MR);
        let target = Target(out.as_mut_ptr(), out.len());
        // SAFETY (both branches): the CPU supports the enabled features (checked above);
        // every read is bounds-checked against the slices' lengths as documented in
        // `panel`, and panel `p` writes only rows `p * MR..(p + 1) * MR` of `out`, so
        // panels running at the same time never write the same entry.
        if parallel {
            // Largest panels (the last) first, so the threads finish together.
            (0..panels).into_par_iter().rev().for_each_init(
                || vec![0u8; pack_len],
                |pack, p| unsafe { panel(data, n, k, p * MR, pack, &zero_col, target) },
            );
        } else {
            let mut pack = vec![0u8; pack_len];
            for p in 0..panels {
                unsafe { panel(data, n, k, p * MR, &mut pack, &zero_col, target) };
            }
        }
    }

    /// `out` shared by the panels, which write disjoint rows of it.
    #[derive(Clone, Copy)]
    struct Target(*mut i32, usize);
    // SAFETY: the pointer is only written through by `panel`, at indices below the length
    // and in rows no other panel writes (see `lower_gram`).
    unsafe impl Send for Target {}
    // SAFETY: as above.
    unsafe impl Sync for Target {}

    /// The panel of features `i0..i0 + MR` packed so that one 64-byte load holds, for each of
    /// 16 features, 4 consecutive rows: `pack[(g * MR + l) * 4 + b] = x[4g + b, i0 + l]`.
    /// Rows past `n` and features past `k` are zero, so they add nothing.
    fn pack_panel(data: &[i8], n: usize, i0: usize, mr: usize, pack: &mut [u8]) {
        pack.fill(0);
        for l in 0..mr {
            let col = &data[(i0 + l) * n..(i0 + l + 1) * n];
            for (r, &v) in col.iter().enumerate() {
                pack[((r / 4) * MR + l) * 4 + r % 4] = v as u8;
            }
        }
    }

    /// Four rows `4g..4g+4` of a column as the i32 `vpdpbusd` broadcasts; rows past the end
    /// of the column read as zero.
    #[inline(always)]
    fn quad(col: &[i8], g: usize) -> i32 {
        match col.get(4 * g..4 * g + 4) {
            Some(q) => i32::from_le_bytes([q[0] as u8, q[1] as u8, q[2] as u8, q[3] as u8]),
            None => {
                let mut b = [0u8; 4];
                for (d, s) in b.iter_mut().zip(col.get(4 * g..).unwrap_or(&[])) {
                    *d = *s as u8;
                }
                i32::from_le_bytes(b)
            }
        }
    }

    /// The 48 x 8 tile over the first `groups` row quads: accumulator `3c + z` holds, in
    /// lane `l`, the dot product of panel feature `16z + l` with column `c`. The accumulators
    /// are named variables (not an array) so that they stay in registers across the loop.
    ///
    /// # Safety
    /// `pack` must be readable for `groups * 192` bytes and each `cols[c]` for `groups * 4`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile_kernel(
        pack: *const u8,
        cols: [*const i8; NR],
        groups: usize,
    ) -> [__m512i; 3 * NR] {
        macro_rules! tile {
            ($($c:literal => $a0:ident $a1:ident $a2:ident),*) => {{
                $(let mut $a0 = _mm512_setzero_si512();
                  let mut $a1 = _mm512_setzero_si512();
                  let mut $a2 = _mm512_setzero_si512();)*
                for g in 0..groups {
                    // SAFETY: g < groups, within the ranges the caller guarantees.
                    let (p, off) = unsafe { (pack.add(g * MR * 4), 4 * g) };
                    let (x0, x1, x2) = unsafe {
                        (
                            _mm512_loadu_si512(p.cast()),
                            _mm512_loadu_si512(p.add(64).cast()),
                            _mm512_loadu_si512(p.add(128).cast()),
                        )
                    };
                    $(
                        let b = _mm512_set1_epi32(unsafe { cols[$c].add(off).cast::<i32>().read_unaligned() });
                        $a0 = _mm512_dpbusd_epi32($a0, x0, b);
                        $a1 = _mm512_dpbusd_epi32($a1, x1, b);
                        $a2 = _mm512_dpbusd_epi32($a2, x2, b);
                    )*
                }
                [$($a0, $a1, $a2),*]
            }};
        }
        tile!(0 => a00 a01 a02, 1 => a10 a11 a12, 2 => a20 a21 a22, 3 => a30 a31 a32,
              4 => a40 a41 a42, 5 => a50 a51 a52, 6 => a60 a61 a62, 7 => a70 a71 a72)
    }

    /// Rows `i0..i0 + MR` of the lower triangle: `out[j * k + i]` for `i0 <= i < i0 + MR`,
    /// `j <= i`.
    ///
    /// # Safety
    /// The CPU must support the enabled features; `target` must point to `k * k` writable
    /// i32 that no one else writes in these rows meanwhile.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn panel(
        data: &[i8],
        n: usize,
        k: usize,
        i0: usize,
        pack: &mut [u8],
        zero_col: &[i8],
        target: Target,
    ) {
        let groups = n.div_ceil(4);
        let full = n / 4;
        let mr = MR.min(k - i0);
        pack_panel(data, n, i0, mr, pack);
        let mut j0 = 0;
        while j0 < i0 + mr {
            let nr = NR.min(i0 + mr - j0);
            let cols: [&[i8]; NR] = std::array::from_fn(|c| {
                if c < nr {
                    &data[(j0 + c) * n..(j0 + c + 1) * n]
                } else {
                    zero_col
                }
            });
            let ptrs: [*const i8; NR] = std::array::from_fn(|c| cols[c].as_ptr());
            // SAFETY: `pack` holds `groups` blocks of 192 bytes, and each column in
            // `ptrs` has n >= 4 * full bytes, so the kernel's reads are in bounds.
            let mut acc = unsafe { tile_kernel(pack.as_ptr(), ptrs, full) };
            for g in full..groups {
                let p = &pack[g * MR * 4..(g + 1) * MR * 4];
                // SAFETY: `p` is MR * 4 = 192 bytes, so the three 64-byte loads are in
                // bounds; loadu has no alignment requirement.
                let a: [__m512i; 3] = unsafe {
                    [
                        _mm512_loadu_si512(p.as_ptr().cast()),
                        _mm512_loadu_si512(p.as_ptr().add(64).cast()),
                        _mm512_loadu_si512(p.as_ptr().add(128).cast()),
                    ]
                };
                for c in 0..NR {
                    let b = _mm512_set1_epi32(quad(cols[c], g));
                    for z in 0..3 {
                        acc[3 * c + z] = _mm512_dpbusd_epi32(acc[3 * c + z], a[z], b);
                    }
                }
            }
            for c in 0..nr {
                let j = j0 + c;
                for z in 0..3 {
                    let mut lanes = [0i32; 16];
                    // SAFETY: `lanes` is 64 bytes, one full register.
                    unsafe { _mm512_storeu_si512(lanes.as_mut_ptr().cast(), acc[3 * c + z]) };
                    for (l, &v) in lanes.iter().enumerate() {
                        let i = i0 + 16 * z + l;
                        if i < i0 + mr && i >= j {
                            let at = j * k + i;
                            assert!(at < target.1);
                            // SAFETY: in bounds (checked), and row i is this panel's.
                            unsafe { target.0.add(at).write(v) };
                        }
                    }
                }
            }
            j0 += NR;
        }
    }
}

/// AVX2 without VNNI (Haswell to Zen 3): `vpmaddubsw` multiplies 32 unsigned by 32 signed
/// bytes and adds neighbouring products into 16 i16 lanes, four times the multiply-adds of an
/// f32 FMA of the same width. Bytes 0..=127 make a pair sum of at most 2 * 127^2 < 2^15, so
/// it never saturates; the i16 sums go on for as many 32-row steps as cannot overflow
/// (1,023 for 0..4 features, i.e. every row of an era) before `vpmaddwd` by ones widens them
/// into i32.
///
/// The product is dot products of whole columns, 32 rows per register, so the column-major
/// data needs no packing: a 3 x 3 tile of output entries keeps 9 i16 accumulators, 3 column
/// registers and one of the other 3 columns at a time (14 of the 16 ymm registers) and loads
/// 6 registers per 9 multiplies.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use core::arch::x86_64::{
        __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_castsi256_si128,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16,
        _mm256_set1_epi16, _mm256_setzero_si256, _mm_add_epi32, _mm_cvtsi128_si32,
        _mm_shuffle_epi32,
    };

    /// Rows per step (one register of bytes per column).
    const STEP: usize = 32;
    /// Features per tile side.
    const T: usize = 3;
    /// Output rows (features) per panel, a multiple of `T` so that the panels' tiles line up
    /// with the columns' tiles and a tile straddles the diagonal only on it.
    const MR: usize = 48;
    /// Steps per row block: the block's slice of a tile's 6 columns (24 KB) stays in L1 while
    /// the panel's 16 tiles pass, the panel's slice (192 KB) in L2.
    const BLOCK_STEPS: usize = 128;

    use crate::gram_kernel::avx2_available as available;

    /// Fills `out[j * k + i]` for `i >= j` with `sum_r x[r, i] * x[r, j]`. Requires
    /// [`available`], values in `0..=max` with `max <= 127`, and no i32 overflow. With
    /// `parallel`, panels of `MR` output rows run on the rayon pool; each entry is the same
    /// integer sum either way.
    pub(super) fn lower_gram(
        data: &[i8],
        n: usize,
        k: usize,
        max: u32,
        out: &mut [i32],
        parallel: bool,
    ) {
        use rayon::prelude::*;
        assert!(available(), "AVX2 kernel called without AVX2");
        assert!(max <= 127, "AVX2 kernel called with values beyond 0..=127");
        assert_eq!(data.len(), n * k);
        assert_eq!(out.len(), k * k);
        // Steps an i16 lane can take: each adds at most 2 * max^2.
        let flush = (i16::MAX as usize / (2 * (max * max).max(1) as usize)).max(1);
        let full = n / STEP;
        // The last `n % 32` rows of every column, zero-padded to one step, so that the tail
        // runs through the same kernel.
        let rest = n - full * STEP;
        let mut tail = vec![0u8; if rest > 0 { k * STEP } else { 0 }];
        for (c, t) in tail.chunks_exact_mut(STEP).enumerate() {
            for (d, &v) in t.iter_mut().zip(&data[c * n + full * STEP..(c + 1) * n]) {
                *d = v as u8;
            }
        }
        let blocks = blocks(full, rest > 0);
        let panels = k.div_ceil(MR);
        let target = Target(out.as_mut_ptr(), out.len());
        let run = |p: usize| {
            // SAFETY: the CPU has AVX2 (checked above); the reads stay inside `data` and
            // `tail` as documented in `panel`, and panel `p` writes only rows
            // `p * MR..(p + 1) * MR` of `out`, so panels running at once never write the
            // same entry.
            unsafe { panel(data, &tail, n, k, p * MR, &blocks, flush, target) }
        };
        if parallel {
            // Largest panels (the last) first, so the threads finish together.
            (0..panels).into_par_iter().rev().for_each(run);
        } else {
            (0..panels).for_each(run);
        }
    }

    /// Where a row block's columns start and how many steps it takes.
    #[derive(Clone, Copy)]
    enum Block {
        /// Steps `first..first + steps` of the columns in `data`.
        Rows { first: usize, steps: usize },
        /// The zero-padded last step, in the tail buffer.
        Tail,
    }

    /// The `full` whole steps in blocks of at most [`BLOCK_STEPS`], of even size (so that no
    /// block is a sliver), then the tail step if there is one.
    fn blocks(full: usize, tail: bool) -> Vec<Block> {
        let count = full.div_ceil(BLOCK_STEPS);
        let mut v: Vec<Block> = (0..count)
            .map(|b| {
                let (first, end) = (full * b / count, full * (b + 1) / count);
                Block::Rows {
                    first,
                    steps: end - first,
                }
            })
            .collect();
        if tail {
            v.push(Block::Tail);
        }
        v
    }

    /// `out` shared by the panels, which write disjoint rows of it.
    #[derive(Clone, Copy)]
    struct Target(*mut i32, usize);
    // SAFETY: the pointer is only written through by `panel`, at indices below the length
    // and in rows no other panel writes (see `lower_gram`).
    unsafe impl Send for Target {}
    // SAFETY: as above.
    unsafe impl Sync for Target {}

    /// Rows `i0..i0 + MR` of the lower triangle: `out[j * k + i]` for `i0 <= i < i0 + MR`,
    /// `j <= i`, summed block by block.
    ///
    /// # Safety
    /// The CPU must support AVX2; `data` must be `n x k`, `tail` `k` steps when the blocks
    /// include [`Block::Tail`], the blocks within `n`; `target` must point to `k * k`
    /// writable i32 that no one else writes in these rows meanwhile.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx2")]
    unsafe fn panel(
        data: &[i8],
        tail: &[u8],
        n: usize,
        k: usize,
        i0: usize,
        blocks: &[Block],
        flush: usize,
        target: Target,
    ) {
        let end = (i0 + MR).min(k);
        let put = |j: usize, i: usize, v: i32, add: bool| {
            let at = j * k + i;
            assert!(at < target.1);
            // SAFETY: in bounds (checked), and row i is this panel's.
            unsafe {
                let p = target.0.add(at);
                p.write(if add { p.read() + v } else { v });
            }
        };
        for (b, &block) in blocks.iter().enumerate() {
            // Columns past k (the last tile's padding) read column k - 1; their sums are
            // never written.
            let col = |c: usize| -> *const u8 {
                let c = c.min(k - 1);
                match block {
                    Block::Rows { first, .. } => data[c * n + first * STEP..].as_ptr().cast(),
                    Block::Tail => tail[c * STEP..].as_ptr(),
                }
            };
            let steps = match block {
                Block::Rows { steps, .. } => steps,
                Block::Tail => 1,
            };
            for j0 in (0..end).step_by(T) {
                let cj: [*const u8; T] = std::array::from_fn(|d| col(j0 + d));
                // Tiles line up with the diagonal: tile (i0', j0) holds some i >= j iff
                // i0' >= j0.
                for ia in (i0.max(j0)..end).step_by(T) {
                    let ci: [*const u8; T] = std::array::from_fn(|d| col(ia + d));
                    // SAFETY: every pointer starts a column slice with `steps * 32` bytes
                    // left: a block of whole steps lies within the column's n rows, and the
                    // tail buffer holds one step per column.
                    let sums = unsafe { tile_kernel(ci, cj, steps, flush) };
                    for (di, row) in sums.iter().enumerate() {
                        let i = ia + di;
                        for (dj, &v) in row.iter().enumerate() {
                            let j = j0 + dj;
                            if i < end && j <= i {
                                put(j, i, v, b > 0);
                            }
                        }
                    }
                }
            }
        }
        if blocks.is_empty() {
            // No rows: every entry is an empty sum.
            for i in i0..end {
                for j in 0..=i {
                    put(j, i, 0, false);
                }
            }
        }
    }

    /// The 3 x 3 dot products `sums[a][b]` of columns `ci[a]` and `cj[b]` over `steps` steps:
    /// i16 sums `flush` steps at a time, widened into i32. The accumulators are named
    /// variables (not an array) so that they stay in registers across the loop.
    ///
    /// # Safety
    /// The CPU must support AVX2; each pointer must be readable for `steps * 32` bytes.
    #[target_feature(enable = "avx2")]
    unsafe fn tile_kernel(
        ci: [*const u8; T],
        cj: [*const u8; T],
        steps: usize,
        flush: usize,
    ) -> [[i32; T]; T] {
        let ones = _mm256_set1_epi16(1);
        let mut wide = [_mm256_setzero_si256(); T * T];
        let mut s = 0;
        while s < steps {
            let stop = (s + flush).min(steps);
            macro_rules! tile {
                ($($b:literal => $c0:ident $c1:ident $c2:ident),*) => {{
                    $(let mut $c0 = _mm256_setzero_si256();
                      let mut $c1 = _mm256_setzero_si256();
                      let mut $c2 = _mm256_setzero_si256();)*
                    for t in s..stop {
                        let off = t * STEP;
                        // SAFETY: t < steps, within the bytes the caller guarantees.
                        let (a0, a1, a2) = unsafe {
                            (
                                _mm256_loadu_si256(ci[0].add(off).cast()),
                                _mm256_loadu_si256(ci[1].add(off).cast()),
                                _mm256_loadu_si256(ci[2].add(off).cast()),
                            )
                        };
                        $(
                            // SAFETY: as above.
                            let y = unsafe { _mm256_loadu_si256(cj[$b].add(off).cast()) };
                            $c0 = _mm256_add_epi16($c0, _mm256_maddubs_epi16(a0, y));
                            $c1 = _mm256_add_epi16($c1, _mm256_maddubs_epi16(a1, y));
                            $c2 = _mm256_add_epi16($c2, _mm256_maddubs_epi16(a2, y));
                        )*
                    }
                    [$($c0, $c1, $c2),*]
                }};
            }
            let narrow = tile!(0 => c00 c10 c20, 1 => c01 c11 c21, 2 => c02 c12 c22);
            for (w, c) in wide.iter_mut().zip(narrow) {
                *w = _mm256_add_epi32(*w, _mm256_madd_epi16(c, ones));
            }
            s = stop;
        }
        // `wide[T * b + a]` is column b of the tile, row a.
        std::array::from_fn(|a| std::array::from_fn(|b| hsum(wide[T * b + a])))
    }

    /// The sum of the 8 i32 lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn hsum(v: __m256i) -> i32 {
        let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        _mm_cvtsi128_si32(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Lcg;

    /// The kernels on unsigned bytes summed in integers: they refuse negative values and hold
    /// what an f32 GEMM cannot.
    const INTEGER_KERNELS: [GramKernel; 3] = [GramKernel::Amx, GramKernel::Vnni, GramKernel::Avx2];

    fn naive(data: &[i8], n: usize, k: usize) -> Vec<i64> {
        let mut g = vec![0i64; k * k];
        for j in 0..k {
            for i in j..k {
                g[j * k + i] = (0..n)
                    .map(|r| data[i * n + r] as i64 * data[j * n + r] as i64)
                    .sum();
            }
        }
        g
    }

    fn data(n: usize, k: usize, lo: i8, hi: i8, seed: u64) -> Vec<i8> {
        let mut rng = Lcg::new(seed);
        let span = (hi as i64 - lo as i64 + 1) as u64;
        (0..n * k)
            .map(|_| (lo as i64 + ((rng.next_u64() >> 33) % span) as i64) as i8)
            .collect()
    }

    fn check(d: &[i8], n: usize, k: usize, got: &[i32]) {
        let want = naive(d, n, k);
        for j in 0..k {
            for i in j..k {
                assert_eq!(
                    got[j * k + i] as i64,
                    want[j * k + i],
                    "n={n} k={k} ({i},{j})"
                );
            }
        }
    }

    /// Every kernel this CPU runs, pinned in turn, through both the explicit API and the
    /// default entry point (which must honour the pin), on one thread and on the pool. Which kernels this CPU runs is checked
    /// against /proc/cpuinfo in `cpu::tests::detection_agrees_with_proc_cpuinfo`.
    #[test]
    fn every_kernel_is_exact_on_ragged_shapes() {
        // Row counts off the 4- and 64-row steps, feature counts off the 16/32/48-wide tiles.
        let shapes = [
            (1, 1),
            (3, 2),
            (5, 7),
            (17, 49),
            (63, 17),
            (64, 32),
            (65, 33),
            (130, 97),
            (401, 57),
            (1_003, 131),
            // Past the AVX2 kernel's 4,096-row blocks: three blocks and a 13-row tail.
            (8_205, 50),
        ];
        for paths in crate::cpu::supported() {
            let kernel = paths.gram.expect("supported() pins a kernel");
            crate::cpu::with_paths(paths, || {
                for &(n, k) in &shapes {
                    let d = data(n, k, 0, 4, (n * 31 + k) as u64);
                    let got = lower_gram_i8_with(kernel, &d, n, k).expect("small values");
                    check(&d, n, k, &got);
                    let got = lower_gram_i8(&d, n, k).expect("small values");
                    check(&d, n, k, &got);
                    // On the pool: the packing and the output split between threads.
                    let got = lower_gram_i8_with_par(kernel, &d, n, k, Parallelism::Pool)
                        .expect("small values");
                    check(&d, n, k, &got);
                }
            })
            .expect("supported paths pin");
        }
        // Unpinned, the default picks the best kernel and agrees too.
        let d = data(77, 45, 0, 4, 9);
        check(
            &d,
            77,
            45,
            &lower_gram_i8(&d, 77, 45).expect("small values"),
        );
    }

    #[test]
    fn negative_values_take_the_f32_path() {
        let (n, k) = (37, 11);
        let d = data(n, k, -5, 5, 7);
        let range = ValueRange::of(&d, n, k);
        // The unsigned-byte kernels refuse negative values on any CPU...
        for kernel in INTEGER_KERNELS {
            assert!(!kernel.holds(range), "{kernel:?}");
        }
        assert!(GramKernel::F32.holds(range));
        for kernel in INTEGER_KERNELS {
            assert!(lower_gram_i8_with(kernel, &d, n, k).is_none());
        }
        // ... and the default falls through to the f32 GEMM, exactly.
        let got = lower_gram_i8(&d, n, k).expect("small values");
        check(&d, n, k, &got);
    }

    #[test]
    fn large_values_are_exact_or_refused() {
        // 0..127 over 2,000 rows: sums up to 3.2e7, within i32 but beyond f32's exact 2^24.
        let (n, k) = (2_000, 40);
        let d = data(n, k, 0, 127, 3);
        let range = ValueRange::of(&d, n, k);
        assert!(!GramKernel::F32.holds(range));
        assert!(INTEGER_KERNELS.iter().all(|k| k.holds(range)));
        assert!(lower_gram_i8_with(GramKernel::F32, &d, n, k).is_none());
        let integer_kernels: Vec<GramKernel> = INTEGER_KERNELS
            .into_iter()
            .filter(|k| k.available())
            .collect();
        for &kernel in &integer_kernels {
            let got = lower_gram_i8_with(kernel, &d, n, k).expect("an integer kernel holds it");
            check(&d, n, k, &got);
        }
        // The default uses an integer kernel when the CPU has one, else leaves the matrix to
        // the caller's f64 path.
        match lower_gram_i8(&d, n, k) {
            Some(got) => {
                assert!(!integer_kernels.is_empty());
                check(&d, n, k, &got);
            }
            None => assert!(integer_kernels.is_empty()),
        }
        // Pinned to f32, nothing else is tried: the caller's f64 path takes it.
        let f32_only = crate::cpu::CpuPaths {
            gram: Some(GramKernel::F32),
            simd: crate::cpu::SimdLevel::Scalar,
        };
        assert!(crate::cpu::with_paths(f32_only, || lower_gram_i8(&d, n, k))
            .unwrap()
            .is_none());
    }

    /// The AVX2 kernel sums byte pairs in i16 lanes and widens them to i32 before they could
    /// overflow: after 1,023 steps of 32 rows for 0..4, after one step for 0..127. Values
    /// between make it widen mid-block; the largest i16 sum each allows is hit exactly when
    /// every value is the maximum, so all-maximum columns are checked too. Any kernel that
    /// holds the values must agree.
    #[test]
    fn integer_kernels_are_exact_where_i16_sums_must_widen() {
        let cases = [
            // (rows, features, largest value): 2 * 40^2 = 3,200 a step, widened every
            // 10 steps; 2 * 12^2 = 288, every 113 steps, once inside a block of 120; 127:
            // every step.
            (1_003, 20, 40),
            (3_845, 7, 12),
            (700, 10, 127),
            // 0..4 past the 1,023 steps a block never reaches: blocks keep sums exact too.
            (33_000, 4, 4),
        ];
        let integer_kernels: Vec<GramKernel> = INTEGER_KERNELS
            .into_iter()
            .filter(|k| k.available())
            .collect();
        for &(n, k, hi) in &cases {
            let random = data(n, k, 0, hi, (n + k) as u64);
            let mut saturated = random.clone();
            saturated[..n * k.min(3)].fill(hi);
            for d in [random, saturated] {
                assert!(GramKernel::Avx2.holds(ValueRange::of(&d, n, k)));
                for &kernel in &integer_kernels {
                    for par in [Parallelism::Sequential, Parallelism::Pool] {
                        let got = lower_gram_i8_with_par(kernel, &d, n, k, par)
                            .expect("an integer kernel holds it");
                        check(&d, n, k, &got);
                    }
                }
            }
        }
        // No rows: every entry is zero.
        for &kernel in &integer_kernels {
            let got = lower_gram_i8_with(kernel, &[], 0, 5).expect("empty sums");
            check(&[], 0, 5, &got);
        }
    }
}
