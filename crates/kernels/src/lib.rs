//! erascore-kernels: the numerical core of erascore, with no I/O and no threads.
//!
//! Every function here works on one era's worth of data held in slices, and reproduces the
//! semantics and numbers of numerai-tools 0.7.2: percentile ranks ([`rank`]), the inverse
//! normal CDF ([`gaussian`]), target centring and powering in the target's own precision
//! ([`target`]), CORR ([`corr`]), MMC/BMC ([`contribution`]), neutralization with a
//! factorization reused across columns ([`neutralize`]) and the scores built on it (FNC,
//! neutral correlation and contribution: [`neutral_scores`]), feature exposure ([`exposure`]), the
//! stake-weighted meta model ([`meta_model`]); for Signals,
//! neutralized portfolio weights ([`neutralized_weights`]), alpha ([`alpha`]), MPC
//! ([`meta_portfolio`]), churn ([`churn`], [`neutral_churn`]) and turnover ([`turnover`]).
//! [`narrow`] finds features held in a wider type whose values are int8 values, so they take
//! the exact int8 path. [`cpu`] says which CPU-specific paths run and pins one for tests. Parallelism is
//! the caller's choice: the engine spreads eras over threads and runs the kernels
//! sequentially; a caller with one large problem (the Python drop-in's single call) passes
//! [`Parallelism::Pool`] to the kernels that take it, which split only independent outputs
//! between threads, so the numbers are the same either way.
//!
//! ```
//! use erascore_kernels::corr::{numerai_corr, CorrTarget};
//! use erascore_kernels::target::Precision;
//!
//! let target = CorrTarget::new(&[0.0, 0.25, 0.5, 0.75, 1.0], Precision::F64, true).unwrap();
//! let corr = numerai_corr(&[0.1, 0.3, 0.2, 0.5, 0.4], &target, None).unwrap();
//! assert!(corr > 0.5);
//! ```
#![deny(missing_docs)]

pub mod alpha;
pub mod churn;
pub mod clean;
pub mod contribution;
pub mod corr;
pub mod cpu;
pub mod exposure;
pub mod gaussian;
pub mod gram;
mod gram_kernel;
pub mod matrix;
pub mod meta_model;
pub mod meta_portfolio;
mod nan;
pub mod narrow;
pub mod neutral_churn;
pub mod neutral_scores;
pub mod neutralize;
pub mod neutralized;
pub mod neutralized_weights;
pub mod pearson;
pub mod rank;
mod scratch;
mod simd;
pub mod target;
#[cfg(test)]
mod test_rng;
pub mod turnover;

/// Threads a kernel may use. Results do not depend on it: work is split only where outputs
/// are independent (columns of a product, panels of a Gram matrix, models of an era), never
/// inside a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// The calling thread only (the engine: eras already run in parallel).
    #[default]
    Sequential,
    /// The current rayon pool.
    Pool,
}

impl Parallelism {
    pub(crate) fn faer(self) -> faer::Par {
        match self {
            Parallelism::Sequential => faer::Par::Seq,
            Parallelism::Pool => faer::Par::rayon(0),
        }
    }

    /// [`Parallelism::faer`] for a product or triangular solve whose right-hand side has
    /// `vectors` columns: sequential for one. faer forms a product with one column as
    /// matrix-vector products, which on the pool split each sum into one part per thread
    /// (the bits would depend on the thread count); with more columns it splits the output.
    pub(crate) fn faer_for(self, vectors: usize) -> faer::Par {
        if vectors == 1 {
            faer::Par::Seq
        } else {
            self.faer()
        }
    }

    /// Whether more than one thread may run.
    pub(crate) fn is_parallel(self) -> bool {
        self == Parallelism::Pool && rayon::current_num_threads() > 1
    }

    /// `f(item)` for each item, in order; on the pool one contiguous share of the items per
    /// thread, each with its own `init()` state (a cache that only saves work).
    pub(crate) fn map_init<T: Sync, S, R: Send>(
        self,
        items: &[T],
        init: impl Fn() -> S + Sync + Send,
        f: impl Fn(&mut S, &T) -> R + Sync + Send,
    ) -> Vec<R> {
        use rayon::prelude::*;
        if self.is_parallel() && items.len() > 1 {
            let share = items.len().div_ceil(rayon::current_num_threads());
            items
                .par_iter()
                .with_min_len(share)
                .map_init(init, |s, t| f(s, t))
                .collect()
        } else {
            let mut state = init();
            items.iter().map(|t| f(&mut state, t)).collect()
        }
    }

    /// [`Parallelism::map_init`] with each item paired with its column of `out`
    /// (column-major, `len` rows per item): `f(state, column, item)`.
    pub(crate) fn zip_columns_init<T: Sync, S, R: Send>(
        self,
        out: &mut [f64],
        len: usize,
        items: &[T],
        init: impl Fn() -> S + Sync + Send,
        f: impl Fn(&mut S, &mut [f64], &T) -> R + Sync + Send,
    ) -> Vec<R> {
        use rayon::prelude::*;
        debug_assert_eq!(out.len(), len * items.len());
        if len > 0 && self.is_parallel() && items.len() > 1 {
            let share = items.len().div_ceil(rayon::current_num_threads());
            out.par_chunks_mut(len)
                .zip(items.par_iter())
                .with_min_len(share)
                .map_init(init, |s, (column, t)| f(s, column, t))
                .collect()
        } else {
            let mut state = init();
            let mut rest = out;
            items
                .iter()
                .map(|t| {
                    let (column, tail) = std::mem::take(&mut rest).split_at_mut(len);
                    rest = tail;
                    f(&mut state, column, t)
                })
                .collect()
        }
    }
}

/// The `m` columns of a column-major buffer of `n` rows (`m` empty ones when `n` is 0).
pub(crate) fn columns(flat: &[f64], n: usize, m: usize) -> Vec<&[f64]> {
    debug_assert_eq!(flat.len(), n * m);
    (0..m).map(|c| &flat[c * n..(c + 1) * n]).collect()
}

/// Why a kernel refused its input. Each variant mirrors an assertion in numerai-tools.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KernelError {
    /// Two inputs that must line up have different lengths.
    #[error("length mismatch: {left} vs {right}")]
    LengthMismatch {
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// The signed 1.5 power decorrelated a column below 0.9 from its input.
    #[error("signed power 1.5 of the {what} correlates only {corr:.4} with its input (numerai-tools requires >= 0.9)")]
    PowerDistorts {
        /// Which column: "target" or "predictions".
        what: String,
        /// The correlation found.
        corr: f64,
    },
    /// Alignment would drop too many ids.
    #[error("only {overlapping} of {total} ids overlap; at least {:.0}% must", required * 100.0)]
    TooFewOverlapping {
        /// Ids present on both sides.
        overlapping: usize,
        /// Ids on the side that lost too many.
        total: usize,
        /// Required share.
        required: f64,
    },
    /// A stake that is negative or not finite.
    #[error("stake #{index} is {stake}; stakes must be finite and >= 0")]
    BadStake {
        /// Position of the stake.
        index: usize,
        /// Its value.
        stake: f64,
    },
    /// All stakes are zero.
    #[error("stakes sum to zero")]
    ZeroStakes,
    /// A CPU path asked for (`ERASCORE_KERNEL`, `ERASCORE_SIMD`) is unknown or not on this
    /// CPU: "VARIABLE=value: why".
    #[error("{0}")]
    CpuPath(String),
    /// An input that must be complete holds a NaN (numerai-tools: "... contain NaNs").
    #[error("{what} contain NaN (row {row})")]
    NanInput {
        /// Which input: "predictions", "neutralizers", "sample weights".
        what: String,
        /// First row holding a NaN.
        row: usize,
    },
    /// A series whose (pandas, ddof 1) standard deviation must be positive is constant.
    #[error("{what} has zero standard deviation")]
    ZeroVariance {
        /// Which series.
        what: String,
    },
    /// Stakes divided by the sum of their absolute values do not sum to 1 (numerai-tools
    /// `meta_portfolio_contribution`: "Stakes must sum to 1"): all zero, or some negative.
    #[error("stakes normalized by their absolute sum add up to {sum}, not 1 (all zero or some negative)")]
    StakesNotNormalizable {
        /// The sum found (NaN when every stake is zero).
        sum: f64,
    },
}
