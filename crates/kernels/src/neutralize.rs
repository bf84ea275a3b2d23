//! Neutralization: numerai-tools `neutralize` (least squares with an intercept column,
//! `np.linalg.lstsq(..., rcond=1e-6)`), factorized once and reused for every column.
//!
//! The projection onto `[X 1]` is the column mean plus the projection of the centred column
//! onto the centred features `Xc`. We form the centred Gram matrix `Xc'Xc` (exactly, for int8
//! features: [`crate::gram`] computes `X'X` in integers and the centring `(nX'X - ss')/n` is
//! done in i64), factor it with a blocked Cholesky that drops any column whose remaining pivot
//! is below `rcond^2 * trace` (duplicate and constant features, which lstsq's SVD treats as
//! zero singular values), and solve the normal equations with one step of iterative
//! refinement per column. For rank-deficient neutralizers the projection onto the column
//! space is unique, so it agrees with lstsq's minimum-norm solution.

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{matmul as tri_matmul, BlockStructure};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Accum, Mat, MatMut, MatRef};
use std::sync::OnceLock;

use crate::gram::{faer_lower_gram, lower_gram_i8_par};
use crate::scratch::Scratch;
use crate::simd::{dispatch, Op};
use crate::Parallelism;

use crate::matrix::{Ahead, ColumnData, ColumnMatrix};
use crate::pearson::std_dev;

/// The `rcond` numerai-tools passes to `np.linalg.lstsq`.
pub const LSTSQ_RCOND: f64 = 1e-6;

/// Columns per block of the Cholesky factorization: the rank of each trailing update.
const BLOCK: usize = 128;

/// Neutralizer columns per task when the products with a single vector run on the pool.
const PAR_COLUMNS: usize = 128;

/// Rows per task (a multiple of the 8-row groups the column loops work in) when a single
/// vector's fitted values are formed on the pool.
const PAR_ROWS: usize = 1024;

/// [`Neutralizer::centred_dots`] of a share of the kept columns, run by [`dispatch`] on a
/// pool thread. A struct, not a closure: a closure is a function of its own, compiled for
/// the baseline CPU (SSE2) even when [`dispatch`] calls it, while this `run` and the method
/// are inlined into the dispatched function, compiled for AVX-512 or AVX2.
struct CentredDots<'a> {
    neutralizer: &'a Neutralizer,
    cols: &'a [usize],
    vs: &'a [&'a [f64]],
    sums: &'a [f64],
}

impl Op for CentredDots<'_> {
    type Output = Vec<f64>;
    #[inline(always)]
    fn run(self) -> Vec<f64> {
        self.neutralizer.centred_dots(self.cols, self.vs, self.sums)
    }
}

/// [`Neutralizer::fitted_rows`] of one vector over a share of the rows, on a pool thread
/// (a struct for the reason given at [`CentredDots`]).
struct FittedRows<'a> {
    neutralizer: &'a Neutralizer,
    b: MatRef<'a, f64>,
    shift: &'a [f64],
    start: usize,
    out: &'a mut [f64],
}

impl Op for FittedRows<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let FittedRows {
            neutralizer,
            b,
            shift,
            start,
            out,
        } = self;
        neutralizer.fitted_rows(b, shift, start, &mut [out]);
    }
}

/// Neutralizer columns widened to f64 at a time for the products with model columns:
/// 32 x 6,200 rows is 1.6 MB, inside L2.
const WIDEN_BLOCK: usize = 32;

/// From this many columns on, products with the neutralizers widen blocks once and use
/// GEMMs (measured crossover at 6,200 x 2,750: between 2 and 3 columns).
const GEMM_FROM: usize = 3;

/// A factorized neutralizer set for one era: build once, neutralize many columns.
#[derive(Debug, Clone)]
pub struct Neutralizer {
    x: ColumnMatrix,
    means: Vec<f64>,
    /// Columns that span the column space, in order; the others are dropped.
    kept: Vec<usize>,
    /// Lower Cholesky factor of the centred Gram matrix over the kept columns, column-major
    /// `rank x rank` (the upper triangle is never read); this thread's reused scratch.
    chol: Scratch<f64>,
    /// The Gram matrix over the kept columns when it is exact (integer features).
    /// Refining against it costs O(k^2) per column instead of two more passes over X.
    exact_gram: Option<ExactGram>,
    /// Whether `chol` factors an f32 Gram matrix ([`GramPath::F32Refined`]): solves are then
    /// refined against the f64 columns until the corrections vanish.
    ///
    /// [`GramPath::F32Refined`]: crate::cpu::GramPath::F32Refined
    refined: bool,
    /// The exact f64 factorization of the same columns, built when refinement from the f32
    /// factor does not converge (never, for the matrices that pass its pivot checks so far).
    fallback: OnceLock<Box<Neutralizer>>,
    rcond: f64,
    par: Parallelism,
    rank_is_clear: bool,
}

/// `X'X` of integer neutralizers over the kept columns, lower triangle, and their sums: the
/// centred Gram matrix is `G - s m'` with `m = s / n`.
#[derive(Debug, Clone)]
struct ExactGram {
    lower: Scratch<i32>,
    sums: Vec<f64>,
    means: Vec<f64>,
}

impl Neutralizer {
    /// Factorizes `x` (rows are observations, columns neutralizers; an intercept is implied).
    pub fn new(x: ColumnMatrix) -> Self {
        Self::with_options(x, LSTSQ_RCOND, Parallelism::Sequential)
    }

    /// As [`Neutralizer::new`] with a custom rank threshold.
    pub fn with_rcond(x: ColumnMatrix, rcond: f64) -> Self {
        Self::with_options(x, rcond, Parallelism::Sequential)
    }

    /// As [`Neutralizer::new`], the Gram matrix, the factorization and later products on
    /// the threads `par` allows (the same numbers: see [`Parallelism`]).
    pub fn with_parallelism(x: ColumnMatrix, par: Parallelism) -> Self {
        Self::with_options(x, LSTSQ_RCOND, par)
    }

    fn with_options(x: ColumnMatrix, rcond: f64, par: Parallelism) -> Self {
        struct Factorize(ColumnMatrix, f64, Parallelism);
        impl Op for Factorize {
            type Output = Neutralizer;
            #[inline(always)]
            fn run(self) -> Neutralizer {
                Neutralizer::factorize(self.0, self.1, self.2)
            }
        }
        dispatch(Factorize(x, rcond, par))
    }

    #[inline(always)]
    fn factorize(x: ColumnMatrix, rcond: f64, par: Parallelism) -> Self {
        match Self::factorize_refined(x, rcond, par) {
            Ok(nz) => nz,
            Err(x) => Self::factorize_exact(x, rcond, par),
        }
    }

    /// Real-valued neutralizers factorized at f32 speed, or `x` back when the result could
    /// differ from [`Neutralizer::factorize_exact`]'s beyond rounding.
    ///
    /// The f64 Gram matrix is most of a factorization (at 5,000 x 2,750, 19 billion
    /// multiply-adds), and an f32 GEMM runs at twice the f64 rate. So the columns, centred in
    /// f64, are narrowed to f32, their Gram matrix formed in f32 and factored in f64. That
    /// factor is only a preconditioner: its matrix differs from the exact one by about
    /// `sqrt(n) * 2^-24` relative, and [`Neutralizer::refine_preconditioned`] iterates
    /// against the f64 columns until the corrections vanish, to the accuracy of the exact
    /// path.
    ///
    /// The rank decision cannot rest on a Gram matrix that coarse, so this path only takes
    /// matrices whose rank is beyond doubt: every column kept, every pivot at least
    /// [`REFINED_PIVOT`] of its column's centred sum of squares (so f32 rounding moves no
    /// pivot by more than a small part of itself) and [`REFINED_MARGIN`] times above what
    /// [`Neutralizer::rank_is_clear`] asks. The exact path's pivots are then at least
    /// `(1 - q)` times these, `q` the refinement's contraction, so it too keeps every column
    /// with the rank clear. Near-dependent, duplicate and constant columns and columns on
    /// scales far apart go to the exact path.
    #[inline(always)]
    fn factorize_refined(
        x: ColumnMatrix,
        rcond: f64,
        par: Parallelism,
    ) -> Result<Self, ColumnMatrix> {
        let (n, k) = (x.rows(), x.cols());
        let ColumnData::F64(d) = x.data() else {
            return Err(x);
        };
        if n < 2 || k < REFINED_FROM {
            return Err(x);
        }
        let nf = n as f64;
        let means: Vec<f64> = real_column_sums(d, n, par).iter().map(|s| s / nf).collect();
        let mut narrow = Scratch::<f32>::take(n * k);
        let squares = narrow_centred(d, n, &means, &mut narrow, par);
        let trace = nf + squares.iter().sum::<f64>();
        if !trace.is_finite() {
            return Err(x);
        }
        let mut gram = Scratch::<f32>::take(k * k);
        faer_lower_gram(
            MatMut::from_column_major_slice_mut(&mut gram, k, k),
            MatRef::from_column_major_slice(&narrow, n, k),
            par,
        );
        drop(narrow);
        let mut a = Scratch::<f64>::take(k * k);
        widen_lower(&gram, &mut a, k, par);
        drop(gram);
        let diagonal: Vec<f64> = (0..k).map(|j| a[j * k + j]).collect();
        let tol = rcond * rcond * trace;
        let (kept, pivots) = cholesky_dropping(&mut a, k, tol, par);
        let floor = tol * CLEAR_MARGIN * REFINED_MARGIN;
        let beyond_doubt = nf >= floor
            && kept.iter().all(|&kept| kept)
            && pivots
                .iter()
                .zip(&diagonal)
                .all(|(&p, &d)| p >= floor && p >= REFINED_PIVOT * d);
        if !beyond_doubt {
            return Err(x);
        }
        crate::cpu::record_gram(crate::cpu::GramPath::F32Refined);
        Ok(Self {
            x,
            means,
            kept: (0..k).collect(),
            chol: a,
            exact_gram: None,
            refined: true,
            fallback: OnceLock::new(),
            rcond,
            par,
            rank_is_clear: true,
        })
    }

    /// The factorization from the Gram matrix in exact arithmetic (int8 features) or f64.
    #[inline(always)]
    fn factorize_exact(x: ColumnMatrix, rcond: f64, par: Parallelism) -> Self {
        let n = x.rows();
        let k = x.cols();
        let nf = n as f64;
        let integral = match x.data() {
            ColumnData::I8(d) => lower_gram_i8_par(d, n, k, par)
                .map(|g| (Scratch::adopt(g), column_sums_i8(d, n, k))),
            ColumnData::F64(_) => None,
        };
        // The centred Gram matrix, lower triangle, column-major k x k; factored in place.
        let mut a = Scratch::<f64>::take(k * k);
        let mut trace = nf; // the intercept column contributes n
        let means: Vec<f64>;
        let centred_sums: Vec<f64>;
        match &integral {
            Some((gram, sums)) => {
                means = sums.iter().map(|&s| s as f64 / nf).collect();
                for j in 0..k {
                    trace += gram[j * k + j] as f64;
                }
                let centring = Centring::Exact { gram, sums, n };
                centred_sums = centre(&mut a, k, centring, par);
            }
            None => {
                crate::cpu::record_gram(crate::cpu::GramPath::F64);
                // X'X straight into the factor's buffer and centred in place: no second
                // k x k matrix (60 MB at 2,750 features) to fault in and read back.
                let sums = real_gram_and_sums(&x, &mut a, par);
                for j in 0..k {
                    trace += a[j * k + j];
                }
                centred_sums = centre(&mut a, k, Centring::Real { sums: &sums, n }, par);
                means = sums.iter().map(|s| s / nf).collect();
            }
        }
        let tol = rcond * rcond * trace;
        let squares: Vec<f64> = (0..k)
            .map(|j| a[j * k + j] + means[j] * means[j] * nf)
            .collect();
        let largest_squared_singular_floor =
            squared_singular_floor(&a, k, &centred_sums, &means, &squares, nf);
        let (kept_flags, pivots) = cholesky_dropping(&mut a, k, tol, par);
        let rank_is_clear = rank_is_clear(
            nf,
            &pivots,
            &squares,
            tol,
            trace,
            largest_squared_singular_floor,
            rcond,
        );
        let kept: Vec<usize> = (0..k).filter(|&j| kept_flags[j]).collect();
        let chol = if kept.len() == k {
            a
        } else {
            Scratch::adopt(compact(&a, k, &kept))
        };
        let exact_gram = integral.map(|(gram, sums)| ExactGram {
            lower: if kept.len() == k {
                gram
            } else {
                Scratch::adopt(compact(&gram, k, &kept))
            },
            sums: kept.iter().map(|&j| sums[j] as f64).collect(),
            means: kept.iter().map(|&j| means[j]).collect(),
        });
        Self {
            x,
            means,
            kept,
            chol,
            exact_gram,
            refined: false,
            fallback: OnceLock::new(),
            rcond,
            par,
            rank_is_clear,
        }
    }

    /// Whether solves use the f32 factor with refinement ([`GramPath::F32Refined`]): false
    /// for the exact paths, and once a solve has fallen back to the exact factorization.
    ///
    /// [`GramPath::F32Refined`]: crate::cpu::GramPath::F32Refined
    pub fn is_refined(&self) -> bool {
        self.refined && self.fallback.get().is_none()
    }

    /// Whether lstsq's SVD truncation at `rcond` keeps the directions this factorization
    /// keeps, by wide margins: every kept pivot far above the cutoff, every dropped column
    /// spanned by the others up to rounding, the dropped pivots far below the cutoff. When
    /// not (a neutralizer on a scale 1e6 times the others, a column dropped for being small),
    /// the projection may differ from numerai-tools' by more than rounding; the drop-in then
    /// asks numpy's lstsq.
    pub fn rank_is_clear(&self) -> bool {
        self.rank_is_clear
    }

    /// Number of rows the neutralizer was built for.
    pub fn rows(&self) -> usize {
        self.x.rows()
    }

    /// Number of neutralizer columns that span the column space (rank, excluding intercept).
    pub fn rank(&self) -> usize {
        self.kept.len()
    }

    /// The neutralizer columns.
    pub fn matrix(&self) -> &ColumnMatrix {
        &self.x
    }

    /// `y - proportion * projection(y)`. A column with zero variance becomes all NaN, as in
    /// numerai-tools. `y` must have [`Neutralizer::rows`] values and no NaN.
    pub fn neutralize(&self, y: &[f64], proportion: f64) -> Vec<f64> {
        self.neutralize_many(&[y], proportion)
            .pop()
            .unwrap_or_default()
    }

    /// [`Neutralizer::neutralize`] of several columns at once: one pass over the
    /// neutralizers and matrix-shaped solves serve them all, so each extra column is cheap.
    pub fn neutralize_many(&self, ys: &[&[f64]], proportion: f64) -> Vec<Vec<f64>> {
        struct NeutralizeMany<'a>(&'a Neutralizer, &'a [&'a [f64]], f64);
        impl Op for NeutralizeMany<'_> {
            type Output = Vec<Vec<f64>>;
            #[inline(always)]
            fn run(self) -> Vec<Vec<f64>> {
                self.0.neutralize_many_impl(self.1, self.2)
            }
        }
        dispatch(NeutralizeMany(self, ys, proportion))
    }

    #[inline(always)]
    fn neutralize_many_impl(&self, ys: &[&[f64]], proportion: f64) -> Vec<Vec<f64>> {
        let n = self.rows();
        for y in ys {
            assert_eq!(
                y.len(),
                n,
                "neutralize: column length differs from neutralizer rows"
            );
        }
        let out: Vec<Vec<f64>> = vec![vec![f64::NAN; n]; ys.len()];
        let live: Vec<usize> = (0..ys.len())
            .filter(|&c| n >= 2 && std_dev(ys[c], 1) != 0.0)
            .collect();
        if live.is_empty() {
            return out;
        }
        let means: Vec<f64> = live
            .iter()
            .map(|&c| ys[c].iter().sum::<f64>() / n as f64)
            .collect();
        let centred: Vec<Vec<f64>> = live
            .iter()
            .zip(&means)
            .map(|(&c, m)| ys[c].iter().map(|v| v - m).collect())
            .collect();
        let rhs = self.centred_xt(&centred);
        if self.refined {
            let Some(beta) = self.refine_preconditioned(&centred, rhs) else {
                let exact = self.fallback.get_or_init(|| {
                    Box::new(Self::factorize_exact(self.x.clone(), self.rcond, self.par))
                });
                // Through the dispatching entry, not the `_impl` itself: a call of an
                // `#[inline(always)]` function from its own body cannot be inlined, so the
                // function would be compiled once on its own, without the CPU's FMA, and
                // every `mul_add` in it would become a libm call (10x slower cached FNC).
                return exact.neutralize_many(ys, proportion);
            };
            return self.finish(ys, &live, &means, beta.as_ref(), proportion, out);
        }
        let mut beta = rhs.clone();
        self.solve_in_place(beta.as_mut());
        // One refinement step recovers the accuracy the normal equations give away. The
        // gradient Xc'(yc - Xc beta) equals rhs - Gc beta; with an exact Gram matrix that
        // identity is free of cancellation, otherwise we go back to the columns.
        let mut gradient = match &self.exact_gram {
            Some(gram) => {
                let mut g = rhs;
                gram.sub_centred_product(g.as_mut(), beta.as_ref());
                g
            }
            None => self.column_gradient(&centred, beta.as_ref()),
        };
        self.solve_in_place(gradient.as_mut());
        beta += &gradient;
        self.finish(ys, &live, &means, beta.as_ref(), proportion, out)
    }

    /// The gradient `Xc'(yc - Xc beta)` from the columns themselves (`centred` the `yc`):
    /// what refinement solves with when the Gram matrix is not exact.
    #[inline(always)]
    fn column_gradient(&self, centred: &[Vec<f64>], beta: MatRef<'_, f64>) -> Mat<f64> {
        let fitted = self.centred_x(beta);
        let resid: Vec<Vec<f64>> = centred
            .iter()
            .zip(&fitted)
            .map(|(y, f)| y.iter().zip(f).map(|(a, b)| a - b).collect())
            .collect();
        self.centred_xt(&resid)
    }

    /// `out` with the `live` columns `y - proportion * (mean + Xc beta)`.
    #[inline(always)]
    fn finish(
        &self,
        ys: &[&[f64]],
        live: &[usize],
        means: &[f64],
        beta: MatRef<'_, f64>,
        proportion: f64,
        mut out: Vec<Vec<f64>>,
    ) -> Vec<Vec<f64>> {
        let fitted = self.centred_x(beta);
        for ((&c, m), f) in live.iter().zip(means).zip(&fitted) {
            out[c] = ys[c]
                .iter()
                .zip(f)
                .map(|(v, fi)| v - proportion * (m + fi))
                .collect();
        }
        out
    }

    /// The coefficients solving `Xc'Xc beta = rhs` (`rhs = Xc' yc`, `centred` the `yc`) to
    /// f64 accuracy with the f32 Gram matrix's factor as preconditioner, or `None` when the
    /// corrections do not shrink fast enough.
    ///
    /// Each step solves for the correction from the gradient `Xc'(yc - Xc beta)` taken on
    /// the f64 columns, as the exact path's one step does. The error shrinks by the factor
    /// `q`, the preconditioned operator's distance from the identity (about 1e-6 for
    /// well-conditioned features), which the ratio of successive corrections measures
    /// (the first against `beta` itself). A column is done when its correction, or the
    /// corrections still to come at that ratio (`step * q / (1 - q)`), are below
    /// [`REFINED_TOL`] of its coefficients: two or three steps. A ratio above
    /// [`REFINED_CONTRACTION`] means the f32 matrix is too far from the exact one to trust,
    /// as does a column not done after [`REFINED_STEPS`].
    #[inline(always)]
    fn refine_preconditioned(&self, centred: &[Vec<f64>], rhs: Mat<f64>) -> Option<Mat<f64>> {
        let mut beta = rhs;
        self.solve_in_place(beta.as_mut());
        let m = beta.ncols();
        let mut last: Vec<f64> = (0..m).map(|c| beta.col(c).norm_l2()).collect();
        let mut done = vec![false; m];
        for _ in 0..REFINED_STEPS {
            let mut step = self.column_gradient(centred, beta.as_ref());
            self.solve_in_place(step.as_mut());
            beta += &step;
            for c in 0..m {
                if done[c] {
                    continue;
                }
                let size = step.col(c).norm_l2();
                let whole = beta.col(c).norm_l2();
                let q = size / last[c];
                last[c] = size;
                if size <= REFINED_TOL * whole {
                    done[c] = true;
                    continue;
                }
                // NaN (infinities in the data) fails too.
                if q.is_nan() || q > REFINED_CONTRACTION {
                    return None;
                }
                done[c] = size * q / (1.0 - q) <= REFINED_TOL * whole;
            }
            if done.iter().all(|&d| d) {
                return Some(beta);
            }
        }
        None
    }

    /// `Xc' V` over the kept columns (rows: kept columns, columns: the vectors of `v`).
    /// For a few vectors each int8 column is widened on the fly once for all of them; from
    /// [`GEMM_FROM`] vectors on, widening blocks of columns once and multiplying with GEMMs
    /// is cheaper.
    #[inline(always)]
    fn centred_xt(&self, v: &[Vec<f64>]) -> Mat<f64> {
        let n = self.rows();
        let m = v.len();
        let sums: Vec<f64> = v.iter().map(|c| c.iter().sum()).collect();
        if m < GEMM_FROM {
            let vs: Vec<&[f64]> = v.iter().map(Vec::as_slice).collect();
            let parts: Vec<Vec<f64>> = if self.par.is_parallel() {
                use rayon::prelude::*;
                self.kept
                    .par_chunks(PAR_COLUMNS)
                    .map(|cols| {
                        dispatch(CentredDots {
                            neutralizer: self,
                            cols,
                            vs: &vs,
                            sums: &sums,
                        })
                    })
                    .collect()
            } else {
                // Called directly, not through a closure: a closure is a function of its
                // own, compiled for the baseline CPU, while this method is inlined into the
                // caller's dispatched (AVX-512 / AVX2) code.
                vec![self.centred_dots(&self.kept, &vs, &sums)]
            };
            let mut out = Mat::<f64>::zeros(self.kept.len(), m);
            for (r, d) in parts.iter().flat_map(|p| p.chunks_exact(m)).enumerate() {
                for (c, &d) in d.iter().enumerate() {
                    out[(r, c)] = d;
                }
            }
            return out;
        }
        let ys = Mat::<f64>::from_fn(n, m, |i, c| v[c][i]);
        let mut out = Mat::<f64>::zeros(self.kept.len(), m);
        let mut block = vec![0.0; n * WIDEN_BLOCK];
        for (b, cols) in self.kept.chunks(WIDEN_BLOCK).enumerate() {
            let xb = self.widen_block(cols, &mut block);
            matmul(
                out.as_mut().subrows_mut(b * WIDEN_BLOCK, cols.len()),
                Accum::Replace,
                xb.transpose(),
                ys.as_ref(),
                1.0,
                self.par.faer(),
            );
        }
        for (r, &j) in self.kept.iter().enumerate() {
            for (c, s) in sums.iter().enumerate() {
                out[(r, c)] -= self.means[j] * s;
            }
        }
        out
    }

    /// `Xc B` for coefficients over the kept columns, one vector per column of `b` (as
    /// [`Neutralizer::centred_xt`], on the fly or by GEMMs).
    #[inline(always)]
    fn centred_x(&self, b: MatRef<'_, f64>) -> Vec<Vec<f64>> {
        let n = self.rows();
        let m = b.ncols();
        if m < GEMM_FROM {
            let mut out = vec![vec![0.0; n]; m];
            let mut shift = vec![0.0; m];
            for (r, &j) in self.kept.iter().enumerate() {
                for c in 0..m {
                    shift[c] += self.means[j] * b[(r, c)];
                }
            }
            if self.par.is_parallel() && m == 1 {
                use rayon::prelude::*;
                out[0]
                    .par_chunks_mut(PAR_ROWS)
                    .enumerate()
                    .for_each(|(i, chunk)| {
                        dispatch(FittedRows {
                            neutralizer: self,
                            b,
                            shift: &shift,
                            start: i * PAR_ROWS,
                            out: chunk,
                        });
                    });
            } else if n > 0 {
                // Directly, not through a closure (see `centred_xt`): inlined into the
                // caller's dispatched code.
                let mut outs: Vec<&mut [f64]> = out.iter_mut().map(Vec::as_mut_slice).collect();
                self.fitted_rows(b, &shift, 0, &mut outs);
            }
            return out;
        }
        let mut fitted = Mat::<f64>::zeros(n, m);
        let mut block = vec![0.0; n * WIDEN_BLOCK];
        for (k, cols) in self.kept.chunks(WIDEN_BLOCK).enumerate() {
            let xb = self.widen_block(cols, &mut block);
            matmul(
                fitted.as_mut(),
                Accum::Add,
                xb,
                b.subrows(k * WIDEN_BLOCK, cols.len()),
                1.0,
                self.par.faer(),
            );
        }
        (0..m)
            .map(|c| {
                let shift: f64 = self
                    .kept
                    .iter()
                    .enumerate()
                    .map(|(r, &j)| self.means[j] * b[(r, c)])
                    .sum();
                (0..n).map(|i| fitted[(i, c)] - shift).collect()
            })
            .collect()
    }

    /// Rows `start..start + outs[0].len()` of `Xc B` into `outs` (zeroed), one output per
    /// column of `b`; `shift[c]` is `means' b[.., c]`. Each row sums over the kept columns in
    /// order whatever the split of the rows.
    #[inline(always)]
    fn fitted_rows(
        &self,
        b: MatRef<'_, f64>,
        shift: &[f64],
        start: usize,
        outs: &mut [&mut [f64]],
    ) {
        let rows = start..start + outs[0].len();
        if let [out] = outs {
            let coefs: Vec<f64> = (0..self.kept.len()).map(|r| b[(r, 0)]).collect();
            self.x.cols_axpy(&self.kept, rows, &coefs, out);
            for v in out.iter_mut() {
                *v -= shift[0];
            }
            return;
        }
        let mut coefs = vec![0.0; b.ncols()];
        for (r, &j) in self.kept.iter().enumerate() {
            for (c, coef) in coefs.iter_mut().enumerate() {
                *coef = b[(r, c)];
            }
            self.x.col_axpy_many(j, rows.clone(), &coefs, outs);
        }
        for (o, s) in outs.iter_mut().zip(shift) {
            for v in o.iter_mut() {
                *v -= s;
            }
        }
    }

    /// `x_j' v - mean_j * sum(v)` for each `j` of `cols` and each vector, `j`-major.
    #[inline(always)]
    fn centred_dots(&self, cols: &[usize], vs: &[&[f64]], sums: &[f64]) -> Vec<f64> {
        let m = vs.len();
        if let ([v], [sum]) = (vs, sums) {
            let mut out = vec![0.0; cols.len()];
            // The solves read the factor next, and refinement the Gram matrix: their lines
            // are requested while the columns stream in (one pass over all of them, so
            // not when the columns are split between tasks).
            let mut ahead = Ahead::none();
            if cols.len() == self.kept.len() {
                let r = self.kept.len();
                ahead = ahead.lower(&self.chol[..], r);
                if let Some(g) = &self.exact_gram {
                    ahead = ahead.lower(&g.lower[..], r);
                }
            }
            self.x.cols_dot_ahead(cols, v, &mut out, &mut ahead);
            for (o, &j) in out.iter_mut().zip(cols) {
                *o -= self.means[j] * sum;
            }
            return out;
        }
        let mut out = Vec::with_capacity(cols.len() * m);
        let mut dots = vec![0.0; m];
        for &j in cols {
            self.x.col_dot_many(j, vs, &mut dots);
            out.extend(dots.iter().zip(sums).map(|(d, s)| d - self.means[j] * s));
        }
        out
    }

    /// The columns `cols` widened to f64 in `buf`: a block small enough to stay in cache,
    /// so the products with the model columns can run as GEMMs.
    #[inline(always)]
    fn widen_block<'b>(&self, cols: &[usize], buf: &'b mut [f64]) -> MatRef<'b, f64> {
        let n = self.rows();
        for (c, &j) in cols.iter().enumerate() {
            self.x.col_widen_into(j, &mut buf[c * n..(c + 1) * n]);
        }
        MatRef::from_column_major_slice(&buf[..cols.len() * n], n, cols.len())
    }

    /// Solves `L L' B = rhs` in place.
    fn solve_in_place(&self, rhs: MatMut<'_, f64>) {
        if self.kept.is_empty() {
            return;
        }
        let r = self.kept.len();
        let chol = MatRef::from_column_major_slice(&self.chol, r, r);
        let mut rhs = rhs;
        let par = self.par.faer_for(rhs.ncols());
        solve_lower_triangular_in_place(chol, rhs.as_mut(), par);
        solve_upper_triangular_in_place(chol.transpose(), rhs, par);
    }
}

impl ExactGram {
    /// `out -= (G - s m') b`, reading only the stored lower triangle of `G`.
    #[inline(always)]
    fn sub_centred_product(&self, mut out: MatMut<'_, f64>, b: MatRef<'_, f64>) {
        let r = self.sums.len();
        let m = b.ncols();
        let betas: Vec<Vec<f64>> = (0..m)
            .map(|c| (0..r).map(|i| b[(i, c)]).collect())
            .collect();
        let mut prods = vec![vec![0.0; r]; m];
        // Symmetric product from one triangle: column j adds G[j.., j] * beta[j] to
        // prod[j..] and contributes G[j+1.., j] . beta[j+1..] to prod[j]. The column is read
        // from memory once and serves every vector from cache.
        for j in 0..r {
            let col = &self.lower[j * r + j..(j + 1) * r];
            for (beta, prod) in betas.iter().zip(prods.iter_mut()) {
                let bj = beta[j];
                let (head, tail) = prod.split_at_mut(j + 1);
                let (g, bi) = (&col[1..], &beta[j + 1..]);
                // Eight partial sums, so the dot product vectorizes. Whole groups of eight
                // as arrays, each step element-wise: over plain slices LLVM built the vectors
                // lane by lane from scalar products.
                let (gg, _) = g.as_chunks::<8>();
                let full = gg.len() * 8;
                let (ps, _) = tail[..full].as_chunks_mut::<8>();
                let (bs, _) = bi[..full].as_chunks::<8>();
                let dot = symmetric_step(gg, bj, ps, bs);
                let mut d = lane_sum(&dot);
                for i in full..g.len() {
                    let gl = g[i] as f64;
                    tail[i] += gl * bj;
                    d += gl * bi[i];
                }
                head[j] += col[0] as f64 * bj + d;
            }
        }
        for (c, (beta, prod)) in betas.iter().zip(&prods).enumerate() {
            let m_beta: f64 = self.means.iter().zip(beta).map(|(m, b)| m * b).sum();
            for (i, p) in prod.iter().enumerate() {
                out[(i, c)] -= p - self.sums[i] * m_beta;
            }
        }
    }
}

/// One column's step of [`ExactGram::sub_centred_product`] over whole groups of eight:
/// `ps += g * bj` and the lanes of `g . bs`, each product rounded before its sum (no fused
/// multiply-add, the same bits on every CPU).
#[inline(always)]
#[allow(unsafe_code)]
fn symmetric_step(gg: &[[i32; 8]], bj: f64, ps: &mut [[f64; 8]], bs: &[[f64; 8]]) -> [f64; 8] {
    #[cfg(target_arch = "x86_64")]
    if avx512::runs() {
        // SAFETY: `runs` checked that this CPU has AVX-512 F.
        return unsafe { avx512::symmetric_step(gg, bj, ps, bs) };
    }
    let mut dot = [0.0f64; 8];
    for ((ps, gs), bs) in ps.iter_mut().zip(gg).zip(bs) {
        let gl: [f64; 8] = std::array::from_fn(|l| gs[l] as f64);
        for l in 0..8 {
            ps[l] += gl[l] * bj;
        }
        for l in 0..8 {
            dot[l] += gl[l] * bs[l];
        }
    }
    dot
}

/// [`symmetric_step`] with AVX-512 intrinsics: the portable loop compiles, on AVX-512, to
/// scalar partial sums kept in memory (a store-to-load chain per group of eight), which
/// made the Gram product as slow as a pass over the features.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use std::arch::x86_64::{
        __m256i, _mm256_loadu_si256, _mm512_add_pd, _mm512_cvtepi32_pd, _mm512_loadu_pd,
        _mm512_mul_pd, _mm512_set1_pd, _mm512_setzero_pd, _mm512_storeu_pd,
    };

    pub(super) use crate::cpu::avx512_active as runs;

    #[target_feature(enable = "avx512f")]
    pub(super) fn symmetric_step(
        gg: &[[i32; 8]],
        bj: f64,
        ps: &mut [[f64; 8]],
        bs: &[[f64; 8]],
    ) -> [f64; 8] {
        let b = _mm512_set1_pd(bj);
        let mut dot = _mm512_setzero_pd();
        for ((p, g), v) in ps.iter_mut().zip(gg).zip(bs) {
            // SAFETY: each pointer is to eight elements of its type (unaligned loads/stores).
            unsafe {
                let gl = _mm512_cvtepi32_pd(_mm256_loadu_si256(g.as_ptr().cast::<__m256i>()));
                let sum = _mm512_add_pd(_mm512_loadu_pd(p.as_ptr()), _mm512_mul_pd(gl, b));
                _mm512_storeu_pd(p.as_mut_ptr(), sum);
                dot = _mm512_add_pd(dot, _mm512_mul_pd(gl, _mm512_loadu_pd(v.as_ptr())));
            }
        }
        let mut lanes = [0.0; 8];
        // SAFETY: `lanes` holds eight f64.
        unsafe { _mm512_storeu_pd(lanes.as_mut_ptr(), dot) };
        lanes
    }
}

/// The eight partial sums of a dot product, added pairwise. Never inlined: seeing this sum,
/// LLVM vectorizes the loop that fills the lanes two lanes at a time instead of eight.
#[inline(never)]
fn lane_sum(d: &[f64; 8]) -> f64 {
    ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]))
}

/// The kept rows and columns of a column-major `k x k` matrix, column-major.
#[inline(always)]
fn compact<T: Copy>(a: &[T], k: usize, kept: &[usize]) -> Vec<T> {
    let mut out = Vec::with_capacity(kept.len() * kept.len());
    for &j in kept {
        out.extend(kept.iter().map(|&i| a[j * k + i]));
    }
    out
}

#[inline(always)]
fn column_sums_i8(d: &[i8], n: usize, k: usize) -> Vec<i64> {
    (0..k)
        .map(|j| d[j * n..(j + 1) * n].iter().map(|&v| v as i64).sum())
        .collect()
}

/// `X'X` in f64 into `gram` (column-major `k x k`, lower triangle written) and the column
/// sums, for real columns and for integer ones too large for the exact kernels. faer's GEMM
/// runs it: cache-blocked AVX-512 / AVX2 FMA micro-kernels split over the pool by `par`
/// (each entry one sum, so the same numbers on any number of threads).
fn real_gram_and_sums(x: &ColumnMatrix, gram: &mut [f64], par: Parallelism) -> Vec<f64> {
    let (n, k) = (x.rows(), x.cols());
    let widened;
    let d: &[f64] = match x.data() {
        ColumnData::I8(d) => {
            widened = d.iter().map(|&v| v as f64).collect::<Vec<f64>>();
            &widened
        }
        ColumnData::F64(d) => d,
    };
    let sums: Vec<f64> = if n == 0 {
        vec![-0.0; k]
    } else {
        real_column_sums(d, n, par)
    };
    if n == 0 {
        // The buffer is reused scratch, and with no rows there is no product to overwrite it.
        gram.fill(0.0);
    }
    faer_lower_gram(
        MatMut::from_column_major_slice_mut(gram, k, k),
        MatRef::from_column_major_slice(d, n, k),
        par,
    );
    sums
}

/// [`column_sums`] of column-major `d` (`n > 0` rows), on the pool by groups of columns.
fn real_column_sums(d: &[f64], n: usize, par: Parallelism) -> Vec<f64> {
    if par.is_parallel() {
        use rayon::prelude::*;
        d.par_chunks(SUM_GROUP * n)
            .flat_map_iter(|group| column_sums(group, n))
            .collect()
    } else {
        column_sums(d, n)
    }
}

/// Column-major `d` (`n` rows) less each column's mean, narrowed to f32 into `out`, and
/// each column's sum of squares (in f64, by eight partial sums: only the rank threshold
/// reads it). One pass over the data for both; on the pool by columns.
fn narrow_centred(
    d: &[f64],
    n: usize,
    means: &[f64],
    out: &mut [f32],
    par: Parallelism,
) -> Vec<f64> {
    let column = |((col, out), &mean): ((&[f64], &mut [f32]), &f64)| -> f64 {
        let mut acc = [0.0f64; 8];
        let (groups, rest) = col.as_chunks::<8>();
        let (outs, out_rest) = out.as_chunks_mut::<8>();
        for (g, o) in groups.iter().zip(outs) {
            for l in 0..8 {
                acc[l] += g[l] * g[l];
                o[l] = (g[l] - mean) as f32;
            }
        }
        let mut sum = lane_sum(&acc);
        for (&v, o) in rest.iter().zip(out_rest) {
            sum += v * v;
            *o = (v - mean) as f32;
        }
        sum
    };
    if par.is_parallel() {
        use rayon::prelude::*;
        d.par_chunks(n)
            .zip(out.par_chunks_mut(n))
            .zip(means.par_iter())
            .map(column)
            .collect()
    } else {
        d.chunks(n)
            .zip(out.chunks_mut(n))
            .zip(means)
            .map(column)
            .collect()
    }
}

/// The lower triangle of the column-major `k x k` f32 matrix `g` widened into `a`.
fn widen_lower(g: &[f32], a: &mut [f64], k: usize, par: Parallelism) {
    let column = |(j, (a, g)): (usize, (&mut [f64], &[f32]))| {
        for (a, &g) in a[j..].iter_mut().zip(&g[j..]) {
            *a = g as f64;
        }
    };
    if par.is_parallel() {
        use rayon::prelude::*;
        a.par_chunks_mut(k)
            .zip(g.par_chunks(k))
            .enumerate()
            .for_each(column);
    } else {
        a.chunks_mut(k)
            .zip(g.chunks(k))
            .enumerate()
            .for_each(column);
    }
}

/// Fewest neutralizers for [`Neutralizer::factorize_refined`]: below this the Gram matrix
/// is cheap next to the extra passes over the columns that refinement takes.
const REFINED_FROM: usize = 32;

/// The smallest pivot of the f32 Gram matrix's factor, relative to its column's centred
/// sum of squares, for which that path is taken. Rounding the columns to f32 and summing
/// in f32 moves the Gram matrix's entries by about `sqrt(n) * 2^-24` of their scale
/// (`n * 2^-24`, 3e-4 at 5,000 rows, at worst), well inside this.
const REFINED_PIVOT: f64 = 1e-3;

/// How far above [`Neutralizer::rank_is_clear`]'s floor every pivot of the f32 factor must
/// be for that path: the exact pivots may be a little lower.
const REFINED_MARGIN: f64 = 10.0;

/// Refinement stops when the corrections left are below this fraction of the coefficients
/// (the exact path's single step leaves them at its rounding, about the same).
const REFINED_TOL: f64 = 1e-15;

/// The largest ratio of successive corrections refinement accepts: above it the f32 matrix
/// is too far from the exact one (and the exact pivots could be far below the f32 ones).
const REFINED_CONTRACTION: f64 = 1e-2;

/// The most refinement steps before falling back to the exact factorization.
const REFINED_STEPS: usize = 6;

/// Columns summed side by side by [`column_sums`].
const SUM_GROUP: usize = 8;

/// Each column's sum exactly as `iter().sum()` takes it (one strict left-to-right sum from
/// -0.0), [`SUM_GROUP`] columns side by side: each addition waits only for its own column's
/// previous one, where one column at a time waits for every one (~20 ms at 5,000 x 2,750).
/// `n > 0` rows per column.
fn column_sums(d: &[f64], n: usize) -> Vec<f64> {
    let mut sums = Vec::with_capacity(d.len() / n);
    let mut groups = d.chunks_exact(SUM_GROUP * n);
    for group in &mut groups {
        let cols: [&[f64]; SUM_GROUP] = std::array::from_fn(|c| &group[c * n..(c + 1) * n]);
        let mut acc = [-0.0f64; SUM_GROUP];
        for i in 0..n {
            for (a, col) in acc.iter_mut().zip(&cols) {
                *a += col[i];
            }
        }
        sums.extend(acc);
    }
    sums.extend(groups.remainder().chunks(n).map(|c| c.iter().sum::<f64>()));
    sums
}

/// How far (a factor) every kept pivot must be above the cutoff `rcond^2 * trace` for the
/// rank to count as clear. A kept pivot of an unpivoted Cholesky is only an upper bound on
/// the kept block's smallest eigenvalue, hence four orders of magnitude.
const CLEAR_MARGIN: f64 = 1e4;

/// How far the dropped pivots' sum (a bound on the eigenvalues lstsq should drop) must be
/// below lstsq's smallest possible cutoff `rcond^2 * s_max^2`. Rounding leaves duplicate
/// columns a pivot of about `k * eps` times their own sum of squares, far below this.
const DROPPED_MARGIN: f64 = 1e2;

/// The largest dropped pivot, relative to the column's own sum of squares, that counts as a
/// column the others span (a duplicate, a constant, up to rounding). A column dropped only
/// for being small next to the others (1e-4 among columns near 1e3) is a direction of its
/// own that lstsq drops too, but lstsq's kept singular vectors then lean towards it by its
/// relative size, which moves the projection by about as much (seen: 5e-8): not clear.
const DEPENDENT: f64 = 1e-10;

/// How the Gram matrix in the factor's buffer is centred: `(n G - s s') / n` from an exact
/// integer `G` (`gram`, lower triangle) and integer column sums, or `G - s s' / n` in place
/// for a Gram matrix computed in f64.
#[derive(Clone, Copy)]
enum Centring<'a> {
    Exact {
        gram: &'a [i32],
        sums: &'a [i64],
        n: usize,
    },
    Real {
        sums: &'a [f64],
        n: usize,
    },
}

/// Columns `j0..` of the centred Gram matrix (`cols`: whole columns of `k` rows, of which
/// rows `j..k` of column `j` are written) and each one's sum from the diagonal down. Run
/// inline by the sequential factorization (already compiled for the wide units) or by
/// [`dispatch`] on a pool thread (a struct for the reason given at [`CentredDots`]).
struct CentreColumns<'a> {
    centring: Centring<'a>,
    k: usize,
    j0: usize,
    cols: &'a mut [f64],
}

impl Op for CentreColumns<'_> {
    type Output = Vec<f64>;
    #[inline(always)]
    fn run(self) -> Vec<f64> {
        let CentreColumns {
            centring,
            k,
            j0,
            cols,
        } = self;
        let mut col_sums = Vec::with_capacity(cols.len() / k);
        for (j, col) in (j0..).zip(cols.chunks_exact_mut(k)) {
            let col = &mut col[j..];
            match centring {
                Centring::Exact { gram, sums, n } => {
                    // Exactly in integers: n * G and s_i * s_j are at most n^2 * max|x|^2,
                    // far inside i64 for any era-sized n.
                    let (ni, nf, sj) = (n as i64, n as f64, sums[j]);
                    let g = &gram[j * k + j..(j + 1) * k];
                    for ((c, &g), &si) in col.iter_mut().zip(g).zip(&sums[j..]) {
                        *c = (ni * g as i64 - si * sj) as f64 / nf;
                    }
                }
                Centring::Real { sums, n } => {
                    let nf = n as f64;
                    for (c, &si) in col.iter_mut().zip(&sums[j..]) {
                        *c -= si * sums[j] / nf;
                    }
                }
            }
            col_sums.push(col.iter().sum());
        }
        col_sums
    }
}

/// Centres the lower triangle of the `k x k` Gram matrix in `a` (see [`Centring`]) and
/// returns each centred column's sum from the diagonal down. On the pool, one share of
/// columns per thread, of about equal parts of the triangle; each entry and each sum is
/// computed as on one thread.
#[inline(always)]
fn centre(a: &mut [f64], k: usize, centring: Centring<'_>, par: Parallelism) -> Vec<f64> {
    if k == 0 {
        return Vec::new();
    }
    if !par.is_parallel() {
        return CentreColumns {
            centring,
            k,
            j0: 0,
            cols: a,
        }
        .run();
    }
    use rayon::prelude::*;
    let threads = rayon::current_num_threads();
    // Share boundaries where the triangle's entries to their left pass s / threads of all.
    let total = k * (k + 1) / 2;
    let mut starts = vec![0];
    let mut seen = 0;
    for j in 0..k {
        if seen * threads >= starts.len() * total && starts.len() < threads {
            starts.push(j);
        }
        seen += k - j;
    }
    let mut shares = Vec::with_capacity(starts.len());
    let mut rest = a;
    for (s, &j0) in starts.iter().enumerate() {
        let j1 = starts.get(s + 1).copied().unwrap_or(k);
        let (cols, tail) = std::mem::take(&mut rest).split_at_mut((j1 - j0) * k);
        rest = tail;
        shares.push(CentreColumns {
            centring,
            k,
            j0,
            cols,
        });
    }
    shares
        .into_par_iter()
        .map(dispatch)
        .collect::<Vec<Vec<f64>>>()
        .concat()
}

/// A lower bound on the largest squared singular value of `[X 1]`: the larger of its
/// largest column's sum of squares and its Gram matrix's quadratic form at the unit vector
/// of equal weights (which, features all of one sign, is near the top), from the centred
/// Gram matrix `a` (lower triangle), its columns' sums from the diagonal down, the column
/// means and the columns' sums of squares.
fn squared_singular_floor(
    a: &[f64],
    k: usize,
    centred_sums: &[f64],
    means: &[f64],
    squares: &[f64],
    nf: f64,
) -> f64 {
    let largest = squares.iter().fold(nf, |m, &s| m.max(s));
    let mut total = nf; // the intercept's own entry
    for j in 0..k {
        total += 2.0 * centred_sums[j] - a[j * k + j];
        total += 2.0 * means[j] * nf; // the intercept's products with column j, both sides
    }
    let mean_sum: f64 = means.iter().sum();
    total += mean_sum * mean_sum * nf;
    largest.max(total / (k as f64 + 1.0))
}

/// Whether the rank decided by `tol` is the one lstsq's SVD at `rcond` would decide too
/// (`intercept` is the intercept column's pivot, its sum of squares `n`; `squares` each
/// column's sum of squares).
/// lstsq drops singular values below `rcond * s_max`, with `s_max^2` between the largest
/// diagonal of the Gram matrix of `[X 1]` and its trace; the trailing eigenvalues of that
/// matrix are at most the dropped pivots' sum (the Schur complement's trace), and the kept
/// block's smallest eigenvalue is near its smallest pivot. Numerai's int8 features keep
/// pivots many orders above `tol`, and their duplicate and constant columns drop pivots at
/// rounding level (zero for exact int8 Gram matrices).
fn rank_is_clear(
    intercept: f64,
    pivots: &[f64],
    squares: &[f64],
    tol: f64,
    trace: f64,
    s_max2_floor: f64,
    rcond: f64,
) -> bool {
    let kept_floor = tol * CLEAR_MARGIN;
    // The intercept is always kept (its pivot, n, comes first), where lstsq drops it too
    // when another column's scale dwarfs it.
    if intercept < kept_floor {
        return false;
    }
    let dropped_ceiling = rcond * rcond * s_max2_floor / DROPPED_MARGIN;
    let mut dropped = 0.0;
    for (&d, &square) in pivots.iter().zip(squares) {
        if d.is_nan() || d <= tol {
            if d > DEPENDENT * square {
                return false;
            }
            dropped += d.max(0.0);
        } else if d < kept_floor {
            return false;
        }
    }
    trace.is_finite() && dropped <= dropped_ceiling
}

/// Blocked right-looking Cholesky of the lower triangle of `a` (k x k, column-major), in
/// place. A column whose pivot is `<= tol` lies in the span of the earlier kept columns: it is
/// zeroed and marked dropped, which leaves the span (and so the projection) unchanged.
///
/// Per block of [`BLOCK`] columns: the diagonal block column by column (where pivots are
/// tested), then the panel below it by one triangular solve `L21 = A21 L11⁻ᵀ` and the
/// trailing matrix by one rank-`BLOCK` update, both level-3 products that `par` may spread
/// over threads.
#[inline(always)]
fn cholesky_dropping(a: &mut [f64], k: usize, tol: f64, par: Parallelism) -> (Vec<bool>, Vec<f64>) {
    let mut kept = vec![true; k];
    let mut pivots = vec![0.0; k];
    let mut j0 = 0;
    while j0 < k {
        let j1 = (j0 + BLOCK).min(k);
        for j in j0..j1 {
            let (left, right) = a.split_at_mut((j + 1) * k);
            let colj = &mut left[j * k..];
            let d = colj[j];
            pivots[j] = d;
            if d.is_nan() || d <= tol {
                kept[j] = false;
                colj[j..].iter_mut().for_each(|v| *v = 0.0);
                continue;
            }
            let l = d.sqrt();
            colj[j] = l;
            for v in colj[j + 1..j1].iter_mut() {
                *v /= l;
            }
            let colj = &*colj;
            for c in j + 1..j1 {
                let f = colj[c];
                if f == 0.0 {
                    continue;
                }
                let colc = &mut right[(c - j - 1) * k..(c - j) * k];
                for i in c..j1 {
                    colc[i] -= colj[i] * f;
                }
            }
        }
        if j1 < k {
            // A dropped column j is zero below its diagonal (A21's column j too); for the
            // solve its row of L11 is made e_j, so its column of L21 stays zero. Row j of a
            // dropped column is never read again (the factor keeps kept rows only).
            let dropped: Vec<usize> = (j0..j1).filter(|&j| !kept[j]).collect();
            for &j in &dropped {
                for c in j0..j {
                    a[c * k + j] = 0.0;
                }
                a[j * k + j] = 1.0;
            }
            let m = MatMut::from_column_major_slice_mut(a, k, k);
            let (l11, _, l21, a22) = m.split_at_mut(j1, j1);
            let l11 = l11.as_ref().submatrix(j0, j0, j1 - j0, j1 - j0);
            let mut l21 = l21.subcols_mut(j0, j1 - j0);
            solve_lower_triangular_in_place(l11, l21.as_mut().transpose_mut(), par.faer());
            let l21 = l21.as_ref();
            tri_matmul(
                a22,
                BlockStructure::TriangularLower,
                Accum::Add,
                l21,
                BlockStructure::Rectangular,
                l21.transpose(),
                BlockStructure::Rectangular,
                -1.0f64,
                par.faer(),
            );
            for &j in &dropped {
                a[j * k + j] = 0.0;
            }
        }
        j0 = j1;
    }
    (kept, pivots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Lcg;

    /// The Gram product's column step gives the same bits on every level (AVX-512's is
    /// intrinsics, the others the portable loop).
    #[test]
    fn symmetric_step_is_the_same_on_every_level() {
        let mut rng = Lcg::new(5);
        let groups = 13;
        let gg: Vec<[i32; 8]> = (0..groups)
            .map(|_| std::array::from_fn(|_| (rng.next_u64() >> 40) as i32 - 5000))
            .collect();
        let bs: Vec<[f64; 8]> = (0..groups)
            .map(|_| std::array::from_fn(|_| (rng.next_u64() >> 11) as f64 / 3e15 - 1.0))
            .collect();
        let start: Vec<[f64; 8]> = (0..groups)
            .map(|_| std::array::from_fn(|_| (rng.next_u64() >> 11) as f64 / 7e14))
            .collect();
        let bits = |ps: &[[f64; 8]], dot: [f64; 8]| {
            let mut b: Vec<u64> = ps.iter().flatten().map(|v| v.to_bits()).collect();
            b.extend(dot.map(f64::to_bits));
            b
        };
        let run = |simd| {
            let paths = crate::cpu::CpuPaths { gram: None, simd };
            crate::cpu::with_paths(paths, || {
                let mut ps = start.clone();
                let dot = symmetric_step(&gg, 0.37, &mut ps, &bs);
                bits(&ps, dot)
            })
            .unwrap()
        };
        let levels: Vec<_> = crate::cpu::SimdLevel::ALL
            .into_iter()
            .filter(|l| l.available())
            .collect();
        let want = run(levels[0]);
        for &simd in &levels[1..] {
            assert_eq!(run(simd), want, "{simd:?}");
        }
    }

    fn mat_i8(rows: usize, cols: &[&[i8]]) -> ColumnMatrix {
        let data: Vec<i8> = cols.iter().flat_map(|c| c.iter().copied()).collect();
        ColumnMatrix::new(rows, cols.len(), ColumnData::I8(data)).unwrap()
    }

    #[test]
    fn single_feature_hand_checked() {
        // y = 2x + 1 exactly: residual is zero.
        let x = mat_i8(4, &[&[0, 1, 2, 3]]);
        let r = Neutralizer::new(x).neutralize(&[1.0, 3.0, 5.0, 7.0], 1.0);
        assert!(r.iter().all(|v| v.abs() < 1e-12), "{r:?}");
    }

    #[test]
    fn intercept_only_centres() {
        let x = mat_i8(3, &[&[2, 2, 2]]);
        let nz = Neutralizer::new(x);
        assert_eq!(nz.rank(), 0);
        let r = nz.neutralize(&[1.0, 2.0, 6.0], 1.0);
        assert_eq!(r, vec![-2.0, -1.0, 3.0]);
        let half = nz.neutralize(&[1.0, 2.0, 6.0], 0.5);
        assert_eq!(half, vec![-0.5, 0.5, 4.5]);
    }

    #[test]
    fn duplicate_columns_are_dropped() {
        let x = mat_i8(5, &[&[0, 1, 4, 2, 3], &[0, 1, 4, 2, 3], &[1, 1, 0, 4, 2]]);
        let nz = Neutralizer::new(x);
        assert_eq!(nz.rank(), 2);
        let y = [0.3, -1.2, 0.8, 2.0, -0.1];
        let r = nz.neutralize(&y, 1.0);
        for j in [0, 2] {
            let c = nz.matrix().col_f64(j);
            let dot: f64 = c.iter().zip(&r).map(|(a, b)| a * b).sum();
            assert!(dot.abs() < 1e-12, "{dot}");
        }
        assert!(r.iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn many_columns_match_one_at_a_time() {
        let x = mat_i8(
            6,
            &[
                &[0, 1, 4, 2, 3, 1],
                &[1, 1, 0, 4, 2, 2],
                &[0, 1, 4, 2, 3, 1],
            ],
        );
        let nz = Neutralizer::new(x);
        let a = [0.3, -1.2, 0.8, 2.0, -0.1, 0.4];
        let b = [1.0; 6];
        let c = [5.0, 1.0, 2.0, 2.5, 0.0, -3.0];
        let many = nz.neutralize_many(&[&a, &b, &c], 0.7);
        assert!(many[1].iter().all(|v| v.is_nan()));
        for (y, got) in [(&a, &many[0]), (&c, &many[2])] {
            let one = nz.neutralize(y, 0.7);
            for (p, q) in one.iter().zip(got) {
                assert!((p - q).abs() < 1e-14, "{p} vs {q}");
            }
        }
    }

    #[test]
    fn gemm_path_matches_one_at_a_time() {
        // Enough live columns to take the blocked-GEMM products, more neutralizers than one
        // widening block, a duplicate column, and rows not a multiple of 8.
        let (n, k) = (203, 40);
        let mut rng = Lcg::new(7);
        let mut next = move || rng.next_u64() >> 33;
        let mut data: Vec<i8> = (0..n * k).map(|_| (next() % 5) as i8).collect();
        data.copy_within(0..n, 5 * n);
        let x = ColumnMatrix::new(n, k, ColumnData::I8(data)).unwrap();
        let nz = Neutralizer::new(x);
        assert_eq!(nz.rank(), k - 1);
        let ys: Vec<Vec<f64>> = (0..5)
            .map(|_| (0..n).map(|_| (next() % 1000) as f64 / 997.0).collect())
            .collect();
        let refs: Vec<&[f64]> = ys.iter().map(Vec::as_slice).collect();
        assert!(refs.len() >= GEMM_FROM);
        let many = nz.neutralize_many(&refs, 1.0);
        for (y, got) in ys.iter().zip(&many) {
            let one = nz.neutralize(y, 1.0);
            for (p, q) in one.iter().zip(got) {
                assert!((p - q).abs() < 1e-12, "{p} vs {q}");
            }
            // The residual is orthogonal to every neutralizer.
            for j in 0..k {
                let dot: f64 = nz
                    .matrix()
                    .col_f64(j)
                    .iter()
                    .zip(got)
                    .map(|(a, b)| a * b)
                    .sum();
                assert!(dot.abs() < 1e-9, "column {j}: {dot}");
            }
        }
    }

    #[test]
    fn real_neutralizers_without_rows_neutralize_nothing() {
        // Regression: the column sums of an f64 matrix with no rows were indexed past their
        // end.
        let x = ColumnMatrix::new(0, 2, ColumnData::F64(vec![])).unwrap();
        let nz = Neutralizer::new(x);
        assert_eq!(nz.rank(), 0);
        assert_eq!(
            nz.neutralize_many(&[&[], &[]], 1.0),
            vec![Vec::<f64>::new(); 2]
        );
    }

    #[test]
    fn real_neutralizers_holding_integers_match_int8_ones() {
        // The f64 Gram path, written into the factor's buffer, against the exact one.
        let cols: [&[i8]; 3] = [
            &[0, 1, 4, 2, 3, 1, 0],
            &[1, 1, 0, 4, 2, 2, 3],
            &[2, 0, 1, 1, 4, 0, 2],
        ];
        let wide: Vec<f64> = cols
            .iter()
            .flat_map(|c| c.iter().map(|&v| v as f64))
            .collect();
        let real = Neutralizer::new(ColumnMatrix::new(7, 3, ColumnData::F64(wide)).unwrap());
        let exact = Neutralizer::new(mat_i8(7, &cols));
        let y = [0.3, -1.2, 0.8, 2.0, -0.1, 0.4, 1.5];
        for (p, q) in real
            .neutralize(&y, 1.0)
            .iter()
            .zip(exact.neutralize(&y, 1.0))
        {
            assert!((p - q).abs() < 1e-13, "{p} vs {q}");
        }
    }

    /// The side-by-side column sums are `iter().sum()` bit for bit: values whose sum depends
    /// on the order of the additions, ragged group counts, and -0.0 columns.
    #[test]
    fn column_sums_are_the_left_to_right_sums() {
        for (n, k) in [(1, 1), (3, 8), (5, 9), (17, 23)] {
            let d: Vec<f64> = (0..n * k)
                .map(|i| match i % 4 {
                    0 => 1e16,
                    1 => 1.0,
                    2 => -1e16,
                    _ => (i as f64).sqrt() * 0.1,
                })
                .collect();
            let want: Vec<u64> = d
                .chunks(n)
                .map(|c| c.iter().sum::<f64>().to_bits())
                .collect();
            let got: Vec<u64> = column_sums(&d, n).iter().map(|s| s.to_bits()).collect();
            assert_eq!(got, want, "n={n} k={k}");
        }
        let zeros = vec![-0.0f64; 4 * 9];
        assert!(column_sums(&zeros, 4)
            .iter()
            .all(|s| s.to_bits() == (-0.0f64).to_bits()));
    }

    /// `n x k` pseudo-random uniform values in [0, 1), column-major.
    fn uniform(n: usize, k: usize, seed: u64) -> Vec<f64> {
        let mut rng = Lcg::new(seed);
        (0..n * k)
            .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
            .collect()
    }

    fn real(n: usize, k: usize, data: Vec<f64>) -> ColumnMatrix {
        ColumnMatrix::new(n, k, ColumnData::F64(data)).unwrap()
    }

    fn exact(x: &ColumnMatrix) -> Neutralizer {
        Neutralizer::factorize_exact(x.clone(), LSTSQ_RCOND, Parallelism::Sequential)
    }

    /// The largest difference between two sets of columns, relative to the largest value of
    /// the columns they were computed from (what is left of a column mostly in the span
    /// carries the rounding of the whole).
    fn relative_gap(a: &[Vec<f64>], b: &[Vec<f64>], from: &[&[f64]]) -> f64 {
        let scale = from
            .iter()
            .copied()
            .flatten()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let gap = a
            .iter()
            .flatten()
            .zip(b.iter().flatten())
            .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
        gap / scale
    }

    #[test]
    fn refined_real_neutralizers_match_the_exact_path() {
        let (n, k) = (700, 90);
        let x = real(n, k, uniform(n, k, 3));
        let ys: Vec<Vec<f64>> = uniform(n, 5, 11).chunks(n).map(<[f64]>::to_vec).collect();
        // Also a column mostly in the neutralizers' span: little left after projection.
        let mut near: Vec<f64> = (0..n)
            .map(|i| 3.0 * x.col_f64(0)[i] - x.col_f64(7)[i])
            .collect();
        near.iter_mut()
            .zip(&ys[0])
            .for_each(|(v, e)| *v += 1e-3 * e);
        let exact = exact(&x);
        assert!(!exact.is_refined());
        for par in [Parallelism::Sequential, Parallelism::Pool] {
            let nz = Neutralizer::with_parallelism(x.clone(), par);
            assert!(nz.is_refined());
            assert_eq!(nz.rank(), k);
            assert!(nz.rank_is_clear() && exact.rank_is_clear());
            // One column (the matrix-vector products), then several (the GEMMs).
            for set in [
                vec![&ys[0][..]],
                vec![&near[..]],
                ys.iter().map(Vec::as_slice).collect(),
            ] {
                let got = nz.neutralize_many(&set, 1.0);
                let want = exact.neutralize_many(&set, 1.0);
                let gap = relative_gap(&got, &want, &set);
                assert!(gap < 1e-13, "{par:?}: {gap:e}");
                assert!(nz.is_refined(), "refinement fell back");
                for (r, y) in got.iter().zip(&set) {
                    let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
                    assert!(r.iter().sum::<f64>().abs() < 1e-10 * norm);
                    for j in 0..k {
                        let c = x.col_f64(j);
                        let cn = c.iter().map(|v| v * v).sum::<f64>().sqrt();
                        let dot: f64 = c.iter().zip(r).map(|(a, b)| a * b).sum();
                        assert!(dot.abs() < 1e-12 * cn * norm, "column {j}: {dot:e}");
                    }
                }
            }
        }
        // The same numbers whatever the thread count.
        let one = Neutralizer::new(x.clone()).neutralize(&ys[1], 0.5);
        let pool =
            Neutralizer::with_parallelism(x.clone(), Parallelism::Pool).neutralize(&ys[1], 0.5);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&pool));
        // And whatever the CPU path pinned (vector width, int8 Gram kernel).
        for paths in crate::cpu::supported() {
            let pinned = crate::cpu::with_paths(paths, || {
                let nz = Neutralizer::new(x.clone());
                assert!(nz.is_refined());
                nz.neutralize(&ys[1], 0.5)
            })
            .unwrap();
            assert_eq!(bits(&pinned), bits(&one), "{paths:?}");
        }
    }

    #[test]
    fn doubtful_real_neutralizers_take_the_exact_path() {
        let (n, k) = (400, 40);
        let base = uniform(n, k, 5);
        let noise = uniform(n, 1, 9);
        let col = |d: &[f64], j: usize| d[j * n..(j + 1) * n].to_vec();
        let mut cases: Vec<(&str, Vec<f64>, usize)> = Vec::new();
        // x3 = x1 + x2 + 1e-9 noise: spanned up to far less than f32 rounding.
        let mut d = base.clone();
        let sum: Vec<f64> = (0..n)
            .map(|i| base[n + i] + base[2 * n + i] + 1e-9 * noise[i])
            .collect();
        d[3 * n..4 * n].copy_from_slice(&sum);
        cases.push(("near-dependent", d, k));
        let mut d = base.clone();
        d[10 * n..11 * n].copy_from_slice(&col(&base, 4));
        cases.push(("duplicate", d, k - 1));
        let mut d = base.clone();
        d[6 * n..7 * n].iter_mut().for_each(|v| *v *= 1e6);
        cases.push(("scaled 1e6", d, 1));
        let y = uniform(n, 1, 13);
        for (name, d, rank) in cases {
            let x = real(n, k, d);
            let nz = Neutralizer::new(x.clone());
            let exact = exact(&x);
            assert!(!nz.is_refined(), "{name}");
            assert_eq!(nz.rank(), exact.rank(), "{name}");
            // Beside a column on a scale 1e6 the others fall below lstsq's cutoff.
            if name != "near-dependent" {
                assert_eq!(nz.rank(), rank, "{name}");
            }
            assert_eq!(nz.rank_is_clear(), exact.rank_is_clear(), "{name}");
            let bits = |v: Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(nz.neutralize(&y, 1.0)),
                bits(exact.neutralize(&y, 1.0)),
                "{name}"
            );
        }
    }

    #[test]
    fn refinement_that_does_not_converge_falls_back_to_the_exact_factor() {
        let (n, k) = (300, 40);
        let x = real(n, k, uniform(n, k, 17));
        let mut nz = Neutralizer::new(x.clone());
        assert!(nz.is_refined());
        // A preconditioner for 4 G: each step removes only 3/4 of the error.
        nz.chol.iter_mut().for_each(|v| *v *= 2.0);
        let y = uniform(n, 1, 19);
        let got = nz.neutralize(&y, 1.0);
        assert!(!nz.is_refined());
        let bits = |v: Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(got), bits(exact(&x).neutralize(&y, 1.0)));
    }

    #[test]
    fn constant_input_is_nan() {
        let x = mat_i8(3, &[&[0, 1, 2]]);
        assert!(Neutralizer::new(x)
            .neutralize(&[1.0; 3], 1.0)
            .iter()
            .all(|v| v.is_nan()));
    }

    /// Columns 0..4 with a little pseudo-random spread, column `j` times `scales[j]`.
    fn scaled(rows: usize, scales: &[f64]) -> ColumnMatrix {
        let mut data = Vec::new();
        for (j, s) in scales.iter().enumerate() {
            data.extend(
                (0..rows).map(|i| (((i * 7 + j * 13) % 5) as f64 + (i % 3) as f64 / 7.0) * s),
            );
        }
        ColumnMatrix::new(rows, scales.len(), ColumnData::F64(data)).unwrap()
    }

    #[test]
    fn rank_is_clear_for_features_on_one_scale_with_duplicates_and_constants() {
        let rows = 200;
        let cols: Vec<Vec<i8>> = (0..6)
            .map(|j| {
                (0..rows)
                    .map(|i| ((i * (j + 3) + i / 7) % 5) as i8)
                    .collect()
            })
            .collect();
        let mut refs: Vec<&[i8]> = cols.iter().map(Vec::as_slice).collect();
        let constant = vec![2i8; rows];
        refs.push(&cols[1]);
        refs.push(&constant);
        let nz = Neutralizer::new(mat_i8(rows, &refs));
        assert!(nz.rank() < refs.len());
        assert!(nz.rank_is_clear());
        assert!(Neutralizer::new(scaled(rows, &[1.0, 1.0, 1.0])).rank_is_clear());
    }

    #[test]
    fn rank_is_not_clear_for_a_column_on_a_scale_far_from_the_others() {
        // lstsq's SVD and the Cholesky keep different directions here (issue 23).
        for scale in [1e-6, 1e6, 1e8] {
            let nz = Neutralizer::new(scaled(200, &[scale, 1.0, 1.0]));
            assert!(!nz.rank_is_clear(), "scale {scale}");
        }
        // Dropped for being small, not for being spanned: lstsq's answer moves by 5e-8.
        let nz = Neutralizer::new(scaled(200, &[1e3, 1.0, 1e-4]));
        assert!(nz.rank() < 3 && !nz.rank_is_clear());
    }
}
