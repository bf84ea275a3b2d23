//! Reuse of the largest per-era buffers (the k x k Gram and Cholesky matrices: 90 MB at
//! 2,750 features) across the eras a thread factorizes.
//!
//! A fresh allocation of that size comes from the kernel as untouched pages, and the first
//! write to each page is a fault: ~20k faults, tens of milliseconds per era, as much as the
//! arithmetic of centring the Gram matrix. Each thread keeps the buffers of the neutralizer
//! it dropped last and hands them to the next one. Contents of a reused buffer are stale:
//! callers write every element they later read.

use std::cell::RefCell;

/// Spare buffers per thread and element type; two cover a neutralizer being built while
/// the previous one is still alive, three the Signals weights' n × models buffers (ranks,
/// weighted ranks, fitted values).
const KEEP: usize = 3;

thread_local! {
    static F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
    static I32: RefCell<Vec<Vec<i32>>> = const { RefCell::new(Vec::new()) };
}

macro_rules! pool {
    ($take:ident, $give:ident, $pool:ident, $t:ty) => {
        /// A buffer of `len` elements, reused when this thread has one (stale contents).
        pub(crate) fn $take(len: usize) -> Vec<$t> {
            let spare = $pool.with_borrow_mut(|p| {
                // The smallest that fits: a small request must not take the buffer a
                // large one (a Gram matrix) would reuse.
                p.iter()
                    .enumerate()
                    .filter(|(_, v)| v.capacity() >= len)
                    .min_by_key(|(_, v)| v.capacity())
                    .map(|(i, _)| i)
                    .map(|i| p.swap_remove(i))
            });
            match spare {
                Some(mut v) => {
                    if v.len() >= len {
                        v.truncate(len);
                    } else {
                        v.resize(len, Default::default());
                    }
                    v
                }
                None => vec![Default::default(); len],
            }
        }

        /// Keeps `v` for this thread's next request of its type if it is large enough to matter.
        pub(crate) fn $give(v: Vec<$t>) {
            if v.capacity() < 1 << 18 {
                return;
            }
            $pool.with_borrow_mut(|p| {
                if p.len() < KEEP {
                    p.push(v);
                }
            });
        }
    };
}

pool!(take_f64, give_f64, F64, f64);
pool!(take_i32, give_i32, I32, i32);
