//! Column-major neutralizer/feature matrices: int8 features as stored, or f64 columns.

use crate::KernelError;

/// Column storage of a dense `rows x cols` matrix, column-major.
#[derive(Debug, Clone)]
pub enum ColumnData {
    /// Integer features exactly as Numerai ships them (0..4). Kept narrow on purpose.
    I8(Vec<i8>),
    /// Arbitrary real columns.
    F64(Vec<f64>),
}

/// A dense column-major matrix whose columns are features or other neutralizers.
#[derive(Debug, Clone)]
pub struct ColumnMatrix {
    rows: usize,
    cols: usize,
    data: ColumnData,
}

impl ColumnMatrix {
    /// Wraps column-major `data` of `rows * cols` values.
    pub fn new(rows: usize, cols: usize, data: ColumnData) -> Result<Self, KernelError> {
        let len = match &data {
            ColumnData::I8(v) => v.len(),
            ColumnData::F64(v) => v.len(),
        };
        if len != rows * cols {
            return Err(KernelError::LengthMismatch {
                left: len,
                right: rows * cols,
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The underlying storage.
    pub fn data(&self) -> &ColumnData {
        &self.data
    }

    /// `sum_i x_ij * v_i` for column `j`, each product rounded before it is added (feature
    /// exposure's numbers; the neutralizer's kernels below fuse them).
    #[inline]
    pub fn col_dot(&self, j: usize, v: &[f64]) -> f64 {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => dots::<_, 1, false>(&d[r], [v])[0],
            ColumnData::F64(d) => dots::<_, 1, false>(&d[r], [v])[0],
        }
    }

    /// `out[c] = sum_i x_ij * vs[c]_i` for every vector of `vs`, reading column `j` once
    /// per group of four vectors.
    #[inline(always)]
    pub fn col_dot_many(&self, j: usize, vs: &[&[f64]], out: &mut [f64]) {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => dot_many(&d[r], vs, out),
            ColumnData::F64(d) => dot_many(&d[r], vs, out),
        }
    }

    /// `outs[c] += coefs[c] * x_j` over the rows `rows` of column `j` for every output (each
    /// `rows.len()` long), reading and widening that part of the column once.
    #[inline(always)]
    pub fn col_axpy_many(
        &self,
        j: usize,
        rows: std::ops::Range<usize>,
        coefs: &[f64],
        outs: &mut [&mut [f64]],
    ) {
        let r = j * self.rows + rows.start..j * self.rows + rows.end;
        match &self.data {
            ColumnData::I8(d) => axpy_many(&d[r], coefs, outs),
            ColumnData::F64(d) => axpy_many(&d[r], coefs, outs),
        }
    }

    /// Column `j` widened into `out` (of [`ColumnMatrix::rows`] values).
    #[inline(always)]
    pub fn col_widen_into(&self, j: usize, out: &mut [f64]) {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => {
                for (o, &x) in out.iter_mut().zip(&d[r]) {
                    *o = x as f64;
                }
            }
            ColumnData::F64(d) => out.copy_from_slice(&d[r]),
        }
    }

    /// Column `j` widened to f64.
    pub fn col_f64(&self, j: usize) -> Vec<f64> {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => d[r].iter().map(|&x| x as f64).collect(),
            ColumnData::F64(d) => d[r].to_vec(),
        }
    }
}

/// A matrix element as f64 (int8 features are widened on the fly, never stored wide).
trait Widen: Copy {
    fn widen(self) -> f64;
}

impl Widen for i8 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self as f64
    }
}

impl Widen for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
}

/// Dot products of one column with each of `vs`, in groups of four vectors.
#[inline(always)]
fn dot_many<T: Widen>(x: &[T], vs: &[&[f64]], out: &mut [f64]) {
    let mut c = 0;
    while c < vs.len() {
        match vs.len() - c {
            1 => out[c] = dots::<T, 1, true>(x, [vs[c]])[0],
            2 => out[c..c + 2].copy_from_slice(&dots::<T, 2, true>(x, [vs[c], vs[c + 1]])),
            3 => {
                out[c..c + 3].copy_from_slice(&dots::<T, 3, true>(x, [vs[c], vs[c + 1], vs[c + 2]]))
            }
            _ => out[c..c + 4].copy_from_slice(&dots::<T, 4, true>(
                x,
                [vs[c], vs[c + 1], vs[c + 2], vs[c + 3]],
            )),
        }
        c += 4;
    }
}

/// `acc + x * y`: with `FUSED`, one rounding (a fused multiply-add, one instruction in the
/// AVX2 / AVX-512 code [`crate::simd::dispatch`] runs, the correctly rounded libm `fma` on
/// the baseline build, so every vector width gives the same numbers); without, the
/// product is rounded first.
#[inline(always)]
fn madd<const FUSED: bool>(acc: f64, x: f64, y: f64) -> f64 {
    if FUSED {
        x.mul_add(y, acc)
    } else {
        acc + x * y
    }
}

/// Eight rows of a column widened to f64.
#[inline(always)]
fn widen8<T: Widen>(x: &[T; 8]) -> [f64; 8] {
    std::array::from_fn(|l| x[l].widen())
}

/// The eight lane sums of a dot product added as every kernel here adds them, then the rows
/// past the last group of eight one by one: the numbers do not depend on which kernel ran.
/// Never inlined: seeing this pairwise sum, LLVM vectorizes the loops that fill the lanes
/// two lanes at a time, across columns, instead of eight rows to a register (4x slower).
#[inline(never)]
fn finish<T: Widen, const FUSED: bool>(a: &[f64; 8], x_tail: &[T], v_tail: &[f64]) -> f64 {
    let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (x, &v) in x_tail.iter().zip(v_tail) {
        s = madd::<FUSED>(s, x.widen(), v);
    }
    s
}

/// Eight lanes per vector (one AVX-512 register, two AVX2 ones): each group of eight rows is
/// widened once and serves all `M` vectors.
#[inline(always)]
fn dots<T: Widen, const M: usize, const FUSED: bool>(x: &[T], vs: [&[f64]; M]) -> [f64; M] {
    let (xg, xt) = x.as_chunks::<8>();
    let full = xg.len();
    let vg: [&[[f64; 8]]; M] = std::array::from_fn(|c| &vs[c].as_chunks::<8>().0[..full]);
    let mut acc = [[0.0f64; 8]; M];
    for (i, xs) in xg.iter().enumerate() {
        let xf = widen8(xs);
        for c in 0..M {
            let v = &vg[c][i];
            for l in 0..8 {
                acc[c][l] = madd::<FUSED>(acc[c][l], xf[l], v[l]);
            }
        }
    }
    std::array::from_fn(|c| finish::<T, FUSED>(&acc[c], xt, &vs[c][full * 8..]))
}

/// Memory a caller reads right after a column kernel, given as the lower triangles of
/// column-major square matrices: the kernel requests its cache lines among the columns'
/// own, so that later reads (a triangular solve, a Gram product) find them in cache
/// instead of waiting on memory while the kernel's arithmetic leaves bandwidth unused.
#[derive(Debug)]
pub struct Ahead<'a> {
    /// Element bytes, order `r` and start of each column-major `r x r` matrix.
    triangles: Vec<(usize, usize, *const u8)>,
    /// The triangle and column walked, and the rest of that column's lower part.
    at: (usize, usize),
    next: *const u8,
    end: *const u8,
    _borrow: std::marker::PhantomData<&'a [u8]>,
}

/// Bytes of a cache line.
const LINE: usize = 64;

impl<'a> Ahead<'a> {
    /// Nothing to request.
    pub fn none() -> Self {
        Self {
            triangles: Vec::new(),
            at: (0, 0),
            next: std::ptr::null(),
            end: std::ptr::null(),
            _borrow: std::marker::PhantomData,
        }
    }

    /// Adds the lower triangle of the column-major `r x r` matrix `m`.
    pub fn lower<T>(mut self, m: &'a [T], r: usize) -> Self {
        if r > 0 && m.len() >= r * r {
            self.triangles
                .push((std::mem::size_of::<T>(), r, m.as_ptr().cast::<u8>()));
            if self.triangles.len() == 1 {
                self.column(0, 0);
            }
        }
        self
    }

    /// Starts column `j` of triangle `t`.
    fn column(&mut self, t: usize, j: usize) {
        let (size, r, base) = self.triangles[t];
        self.at = (t, j);
        // Column j's rows j..r, from the start of the line holding row j.
        let start = base.wrapping_add((j * r + j) * size);
        self.next = start.wrapping_sub(start as usize % LINE);
        self.end = base.wrapping_add((j + 1) * r * size);
    }

    /// Cache lines to request (about: each column's lower part counted in lines).
    fn lines(&self) -> usize {
        self.triangles
            .iter()
            .map(|&(size, r, _)| (r * (r + 1) / 2 * size).div_ceil(LINE))
            .sum()
    }

    /// The next line to request, walking each triangle column by column.
    #[inline(always)]
    fn next_line(&mut self) -> Option<*const u8> {
        if self.next >= self.end {
            self.advance()?;
        }
        let p = self.next;
        self.next = self.next.wrapping_add(LINE);
        Some(p)
    }

    /// Moves to the next column with rows, `None` past the last triangle.
    #[cold]
    fn advance(&mut self) -> Option<()> {
        let (t, j) = self.at;
        let &(_, r, _) = self.triangles.get(t)?;
        if j + 1 < r {
            self.column(t, j + 1);
        } else if t + 1 < self.triangles.len() {
            self.column(t + 1, 0);
        } else {
            self.at = (t + 1, 0);
            return None;
        }
        Some(())
    }
}

/// Columns a kernel below reads together: each group of eight rows of the one vector (or
/// output) is loaded once for all of them.
const GROUP: usize = 4;

impl ColumnMatrix {
    /// `out[r] = x_j' v` for each column `j = cols[r]`: [`ColumnMatrix::col_dot_many`] with
    /// one vector, the same numbers, reading `v` once per group of columns.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn cols_dot(&self, cols: &[usize], v: &[f64], out: &mut [f64]) {
        match &self.data {
            ColumnData::I8(d) => {
                #[cfg(target_arch = "x86_64")]
                if avx512::runs() {
                    // SAFETY: `runs` checked that this CPU has AVX-512 F and DQ.
                    return unsafe {
                        avx512::cols_dot(d, self.rows, cols, v, out, &mut Ahead::none())
                    };
                }
                cols_dot(d, self.rows, cols, v, out)
            }
            ColumnData::F64(d) => cols_dot(d, self.rows, cols, v, out),
        }
    }

    /// [`ColumnMatrix::cols_dot`], requesting the cache lines of `ahead` while the columns
    /// stream in (the same numbers: a prefetch changes no arithmetic).
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn cols_dot_ahead(
        &self,
        cols: &[usize],
        v: &[f64],
        out: &mut [f64],
        ahead: &mut Ahead<'_>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if let ColumnData::I8(d) = &self.data {
            if avx512::runs() {
                // SAFETY: `runs` checked that this CPU has AVX-512 F and DQ.
                return unsafe { avx512::cols_dot(d, self.rows, cols, v, out, ahead) };
            }
        }
        // Elsewhere the columns stream without requests.
        let _ = ahead;
        self.cols_dot(cols, v, out)
    }

    /// `out += sum_r coefs[r] * x_j` over the rows `rows`, `j = cols[r]`, adding the columns
    /// in order to each row (as [`ColumnMatrix::col_axpy_many`] column by column, the same
    /// numbers), loading and storing `out` once per group of columns.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn cols_axpy(
        &self,
        cols: &[usize],
        rows: std::ops::Range<usize>,
        coefs: &[f64],
        out: &mut [f64],
    ) {
        match &self.data {
            ColumnData::I8(d) => {
                #[cfg(target_arch = "x86_64")]
                if avx512::runs() {
                    // SAFETY: `runs` checked that this CPU has AVX-512 F and DQ.
                    return unsafe { avx512::cols_axpy(d, self.rows, cols, rows, coefs, out) };
                }
                cols_axpy(d, self.rows, cols, rows, coefs, out)
            }
            ColumnData::F64(d) => cols_axpy(d, self.rows, cols, rows, coefs, out),
        }
    }
}

// The two kernels below are written so that LLVM vectorizes them along the rows, eight f64
// lanes to a register (one accumulator per column, named; element-wise updates): indexing a
// `[[f64; 8]; GROUP]` by column instead makes it vectorize across the columns, with gathers.

#[inline(always)]
fn cols_dot<T: Widen>(d: &[T], n: usize, cols: &[usize], v: &[f64], out: &mut [f64]) {
    let (vg, vt) = v[..n].as_chunks::<8>();
    let full = vg.len();
    let column = |j: usize| &d[j * n..(j + 1) * n];
    let mut js = cols.chunks_exact(GROUP);
    let mut outs = out.chunks_exact_mut(GROUP);
    for (js, o) in (&mut js).zip(&mut outs) {
        let xs: [&[T]; GROUP] = std::array::from_fn(|g| column(js[g]));
        let [x0, x1, x2, x3] = xs.map(|x| &x.as_chunks::<8>().0[..full]);
        let [mut a0, mut a1, mut a2, mut a3] = [[0.0f64; 8]; GROUP];
        for (i, v) in vg.iter().enumerate() {
            let (y0, y1, y2, y3) = (
                widen8(&x0[i]),
                widen8(&x1[i]),
                widen8(&x2[i]),
                widen8(&x3[i]),
            );
            for l in 0..8 {
                a0[l] = y0[l].mul_add(v[l], a0[l]);
                a1[l] = y1[l].mul_add(v[l], a1[l]);
                a2[l] = y2[l].mul_add(v[l], a2[l]);
                a3[l] = y3[l].mul_add(v[l], a3[l]);
            }
        }
        for (g, a) in [a0, a1, a2, a3].iter().enumerate() {
            o[g] = finish::<T, true>(a, &xs[g][full * 8..], vt);
        }
    }
    for (&j, o) in js.remainder().iter().zip(outs.into_remainder()) {
        *o = dots::<T, 1, true>(column(j), [v])[0];
    }
}

#[inline(always)]
fn cols_axpy<T: Widen>(
    d: &[T],
    n: usize,
    cols: &[usize],
    rows: std::ops::Range<usize>,
    coefs: &[f64],
    out: &mut [f64],
) {
    let len = rows.len();
    let out = &mut out[..len];
    let part = |j: usize| &d[j * n + rows.start..j * n + rows.end];
    let mut js = cols.chunks_exact(GROUP);
    let mut cs = coefs.chunks_exact(GROUP);
    for (js, a) in (&mut js).zip(&mut cs) {
        let (x0, x1, x2, x3) = (part(js[0]), part(js[1]), part(js[2]), part(js[3]));
        let (a0, a1, a2, a3) = (a[0], a[1], a[2], a[3]);
        for ((((o, y0), y1), y2), y3) in out.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
            let o1 = a0.mul_add(y0.widen(), *o);
            let o2 = a1.mul_add(y1.widen(), o1);
            let o3 = a2.mul_add(y2.widen(), o2);
            *o = a3.mul_add(y3.widen(), o3);
        }
    }
    for (&j, &a) in js.remainder().iter().zip(cs.remainder()) {
        axpy_many(part(j), &[a], &mut [&mut *out]);
    }
}

/// [`cols_dot`] and [`cols_axpy`] of int8 columns written with AVX-512 intrinsics, for
/// their widening alone: LLVM widens `i8 as f64` through 32 bits (`vpmovsxbd`, then
/// `vcvtdq2pd`, two uops), so with the multiply-add four uops per eight rows of a column,
/// all on the two vector ports; through 64 bits (`vpmovsxbq`, `vcvtqq2pd`, one uop each)
/// it is three. Those loops are port-bound, so this is a quarter of their time. Every
/// lane does the operations of the generic kernels in the same order (the same bits;
/// tested), and the tails are theirs.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use std::arch::x86_64::{
        __m128i, __m512d, _mm512_cvtepi64_pd, _mm512_cvtepi8_epi64, _mm512_fmadd_pd,
        _mm512_loadu_pd, _mm512_set1_pd, _mm512_setzero_pd, _mm512_storeu_pd, _mm_loadl_epi64,
    };

    use super::{axpy_many, dots, finish, Ahead, Widen, GROUP};
    pub(super) use crate::cpu::avx512_active as runs;

    /// Eight int8 values sign-extended to 64 bits and converted.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq")]
    fn widen8(x: &[i8; 8]) -> __m512d {
        // SAFETY: `x` holds the eight bytes `_mm_loadl_epi64` reads (unaligned).
        let bytes = unsafe { _mm_loadl_epi64(x.as_ptr().cast::<__m128i>()) };
        _mm512_cvtepi64_pd(_mm512_cvtepi8_epi64(bytes))
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn load(v: &[f64; 8]) -> __m512d {
        // SAFETY: `v` holds eight f64; the load is unaligned.
        unsafe { _mm512_loadu_pd(v.as_ptr()) }
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn store(v: __m512d, out: &mut [f64; 8]) {
        // SAFETY: `out` holds eight f64; the store is unaligned.
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), v) }
    }

    /// Requests the line at `p` (a prefetch never faults). The kernels below request the
    /// next group of columns while they work on one: one core's hardware prefetchers,
    /// retrained at every jump to new columns, left a cached evaluator's first pass over
    /// each era's features waiting on memory (12 GB/s against 25 with the requests).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn prefetch(p: *const i8) {
        // SAFETY: a prefetch only hints the cache; it reads nothing and never faults, for
        // any address. (Unsafe to call on the minimum Rust version's compiler.)
        #[allow(unused_unsafe)]
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p)
        }
    }

    /// [`prefetch`] into L2 only: [`Ahead`]'s lines are read after the kernel, and in L1
    /// they would displace the vector it reads with every column.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn prefetch_l2(p: *const u8) {
        // SAFETY: as for `prefetch`.
        #[allow(unused_unsafe)]
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(p.cast())
        }
    }

    /// [`super::cols_dot`] of int8 columns.
    #[target_feature(enable = "avx512f,avx512dq")]
    pub(super) fn cols_dot(
        d: &[i8],
        n: usize,
        cols: &[usize],
        v: &[f64],
        out: &mut [f64],
        ahead: &mut Ahead<'_>,
    ) {
        let (vg, vt) = v[..n].as_chunks::<8>();
        let full = vg.len();
        let column = |j: usize| &d[j * n..(j + 1) * n];
        let mut js = cols.chunks_exact(GROUP);
        let mut outs = out.chunks_exact_mut(GROUP);
        // Spread `ahead` over the points where the next group is requested.
        let points = (cols.len() / GROUP) * full.div_ceil(8);
        let per_point = ahead.lines().div_ceil(points.max(1));
        let mut g_at = 0;
        for (js, o) in (&mut js).zip(&mut outs) {
            g_at += GROUP;
            // The last group requests its own lines again, already in cache.
            let nx = cols.get(g_at..g_at + GROUP).unwrap_or(js);
            let next: [*const i8; GROUP] = std::array::from_fn(|g| column(nx[g]).as_ptr());
            let xs: [&[i8]; GROUP] = std::array::from_fn(|g| column(js[g]));
            let [x0, x1, x2, x3] = xs.map(|x| &x.as_chunks::<8>().0[..full]);
            let (mut a0, mut a1, mut a2, mut a3) = (
                _mm512_setzero_pd(),
                _mm512_setzero_pd(),
                _mm512_setzero_pd(),
                _mm512_setzero_pd(),
            );
            for (i, v) in vg.iter().enumerate() {
                if i % 8 == 0 {
                    for p in next {
                        prefetch(p.wrapping_add(i * 8));
                    }
                    for _ in 0..per_point {
                        if let Some(p) = ahead.next_line() {
                            prefetch_l2(p);
                        }
                    }
                }
                let v = load(v);
                a0 = _mm512_fmadd_pd(widen8(&x0[i]), v, a0);
                a1 = _mm512_fmadd_pd(widen8(&x1[i]), v, a1);
                a2 = _mm512_fmadd_pd(widen8(&x2[i]), v, a2);
                a3 = _mm512_fmadd_pd(widen8(&x3[i]), v, a3);
            }
            for (g, a) in [a0, a1, a2, a3].into_iter().enumerate() {
                let mut lanes = [0.0; 8];
                store(a, &mut lanes);
                o[g] = finish::<i8, true>(&lanes, &xs[g][full * 8..], vt);
            }
        }
        for (&j, o) in js.remainder().iter().zip(outs.into_remainder()) {
            *o = dots::<i8, 1, true>(column(j), [v])[0];
        }
    }

    /// [`super::cols_axpy`] of int8 columns.
    #[target_feature(enable = "avx512f,avx512dq")]
    pub(super) fn cols_axpy(
        d: &[i8],
        n: usize,
        cols: &[usize],
        rows: std::ops::Range<usize>,
        coefs: &[f64],
        out: &mut [f64],
    ) {
        let len = rows.len();
        let out = &mut out[..len];
        let part = |j: usize| &d[j * n + rows.start..j * n + rows.end];
        let mut js = cols.chunks_exact(GROUP);
        let mut cs = coefs.chunks_exact(GROUP);
        let mut g_at = 0;
        for (js, a) in (&mut js).zip(&mut cs) {
            g_at += GROUP;
            let nx = cols.get(g_at..g_at + GROUP).unwrap_or(js);
            let next: [*const i8; GROUP] = std::array::from_fn(|g| part(nx[g]).as_ptr());
            let xs = [part(js[0]), part(js[1]), part(js[2]), part(js[3])];
            let [x0, x1, x2, x3] = xs.map(|x| x.as_chunks::<8>().0);
            let (b0, b1, b2, b3) = (
                _mm512_set1_pd(a[0]),
                _mm512_set1_pd(a[1]),
                _mm512_set1_pd(a[2]),
                _mm512_set1_pd(a[3]),
            );
            let (og, ot) = out.as_chunks_mut::<8>();
            let full = og.len() * 8;
            for (i, o) in og.iter_mut().enumerate() {
                if i % 8 == 0 {
                    for p in next {
                        prefetch(p.wrapping_add(i * 8));
                    }
                }
                let mut acc = load(o);
                acc = _mm512_fmadd_pd(b0, widen8(&x0[i]), acc);
                acc = _mm512_fmadd_pd(b1, widen8(&x1[i]), acc);
                acc = _mm512_fmadd_pd(b2, widen8(&x2[i]), acc);
                acc = _mm512_fmadd_pd(b3, widen8(&x3[i]), acc);
                store(acc, o);
            }
            for (r, o) in ot.iter_mut().enumerate() {
                let [y0, y1, y2, y3] = xs.map(|x| x[full + r].widen());
                let o1 = a[0].mul_add(y0, *o);
                let o2 = a[1].mul_add(y1, o1);
                let o3 = a[2].mul_add(y2, o2);
                *o = a[3].mul_add(y3, o3);
            }
        }
        for (&j, &a) in js.remainder().iter().zip(cs.remainder()) {
            axpy_many(part(j), &[a], &mut [&mut *out]);
        }
    }
}

/// `outs[c] += coefs[c] * x` for each output: each group of eight rows is widened once and
/// serves every output.
#[inline(always)]
fn axpy_many<T: Widen>(x: &[T], coefs: &[f64], outs: &mut [&mut [f64]]) {
    let n = x.len();
    let full = n - n % 8;
    let mut xf = [0.0f64; 8];
    for (i, xs) in x[..full].chunks_exact(8).enumerate() {
        for (f, &v) in xf.iter_mut().zip(xs) {
            *f = v.widen();
        }
        for (o, &a) in outs.iter_mut().zip(coefs) {
            let o = &mut o[i * 8..i * 8 + 8];
            for l in 0..8 {
                o[l] = a.mul_add(xf[l], o[l]);
            }
        }
    }
    for (o, &a) in outs.iter_mut().zip(coefs) {
        for r in full..n {
            o[r] = a.mul_add(x[r].widen(), o[r]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Lcg;

    fn matrices(n: usize, k: usize) -> [ColumnMatrix; 2] {
        let mut rng = Lcg::new(11);
        let mut next = move || (rng.next_u64() >> 33) as i64;
        let i8s: Vec<i8> = (0..n * k).map(|_| (next() % 9 - 4) as i8).collect();
        let f64s: Vec<f64> = (0..n * k)
            .map(|_| (next() % 2001 - 1000) as f64 / 7.0)
            .collect();
        [
            ColumnMatrix::new(n, k, ColumnData::I8(i8s)).unwrap(),
            ColumnMatrix::new(n, k, ColumnData::F64(f64s)).unwrap(),
        ]
    }

    /// `Ahead` walks every line of each lower triangle, and nothing above the diagonal but
    /// what shares a line with it; requesting them changes no bits of `cols_dot`.
    #[test]
    fn ahead_requests_the_lower_triangles() {
        let (r, s) = (37usize, 11usize);
        let f = vec![0.0f64; r * r];
        let g = vec![0i32; s * s];
        let mut ahead = Ahead::none().lower(&f, r).lower(&g, s);
        let expected = ahead.lines();
        let mut lines = Vec::new();
        while let Some(p) = ahead.next_line() {
            lines.push(p as usize);
        }
        assert!(lines.len() <= expected + r + s, "{} lines", lines.len());
        let line = |p: usize| p / LINE;
        for (base, size, n) in [(f.as_ptr() as usize, 8, r), (g.as_ptr() as usize, 4, s)] {
            for j in 0..n {
                for i in j..n {
                    let at = base + (j * n + i) * size;
                    assert!(lines.iter().any(|&p| line(p) == line(at)), "({i}, {j})");
                }
            }
        }
        let [x, _] = matrices(203, 11);
        let v: Vec<f64> = (0..203).map(|i| (i % 17) as f64 / 3.0 - 2.0).collect();
        let cols: Vec<usize> = (0..11).collect();
        let (mut got, mut want) = (vec![0.0; 11], vec![0.0; 11]);
        x.cols_dot_ahead(&cols, &v, &mut got, &mut Ahead::none().lower(&f, r));
        x.cols_dot(&cols, &v, &mut want);
        let bits = |w: &[f64]| w.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want));
    }

    /// The column-group kernels give the bits of the column-by-column ones: rows not a
    /// multiple of eight, columns not a multiple of the group, columns out of order.
    #[test]
    fn column_groups_are_the_bits_of_single_columns() {
        let (n, k) = (203, 11);
        let v: Vec<f64> = (0..n)
            .map(|i| ((i * 37) % 101) as f64 / 13.0 - 3.0)
            .collect();
        let cols = [0, 2, 3, 5, 6, 7, 9, 10, 1];
        let coefs: Vec<f64> = cols.iter().map(|&j| 0.3 - j as f64 / 7.0).collect();
        let levels = crate::cpu::SimdLevel::ALL
            .into_iter()
            .filter(|l| l.available());
        let xs = matrices(n, k);
        for (x, simd) in levels.flat_map(|l| xs.iter().map(move |x| (x, l))) {
            // Each level's kernels (AVX-512's int8 ones are intrinsics) against the
            // column-by-column ones, which are the same code on every level.
            let paths = crate::cpu::CpuPaths { gram: None, simd };
            let on_level = |f: &mut dyn FnMut()| crate::cpu::with_paths(paths, f).unwrap();
            let mut got = vec![0.0; cols.len()];
            on_level(&mut || x.cols_dot(&cols, &v, &mut got));
            for (&j, g) in cols.iter().zip(&got) {
                let mut want = [0.0];
                x.col_dot_many(j, &[&v], &mut want);
                assert_eq!(g.to_bits(), want[0].to_bits(), "column {j}, {simd:?}");
            }
            for rows in [0..n, 16..203, 5..100, 8..8] {
                let mut got = v[rows.clone()].to_vec();
                on_level(&mut || x.cols_axpy(&cols, rows.clone(), &coefs, &mut got));
                let mut want = v[rows.clone()].to_vec();
                for (&j, &a) in cols.iter().zip(&coefs) {
                    x.col_axpy_many(j, rows.clone(), &[a], &mut [&mut want]);
                }
                let bits = |w: &[f64]| w.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "rows {rows:?}, {simd:?}");
            }
        }
    }
}
