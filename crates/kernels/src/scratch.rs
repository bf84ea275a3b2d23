//! Reuse of the largest per-era buffers (the k x k Gram and Cholesky matrices: 90 MB at
//! 2,750 features) across the eras a thread factorizes.
//!
//! A fresh allocation of that size comes from the kernel as untouched pages, and the first
//! write to each page is a fault: ~20k faults, tens of milliseconds per era, as much as the
//! arithmetic of centring the Gram matrix. Each thread keeps the buffers of the neutralizer
//! it dropped last and hands them to the next one. Contents of a reused buffer are stale:
//! callers write every element they later read.
//!
//! A kernel holds such a buffer as a [`Scratch`]: the type says the memory is this thread's
//! reused scratch, and dropping it hands it back (a neutralizer's factor, a Signals call's
//! n × models buffers). The pool is per thread rather than passed in, because rayon runs
//! an era's kernels on whichever worker steals the task: a thread-local pool is the one
//! that is always at hand, without a scratch argument on every public kernel.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// Spare buffers per thread and element type; two cover a neutralizer being built while
/// the previous one is still alive, three the Signals weights' n × models buffers (ranks,
/// weighted ranks, fitted values).
const KEEP: usize = 3;

thread_local! {
    static F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
    static I32: RefCell<Vec<Vec<i32>>> = const { RefCell::new(Vec::new()) };
    static F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
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
pool!(take_f32, give_f32, F32, f32);

/// An element type with a per-thread pool of buffers.
pub(crate) trait Pooled: Copy + Default + 'static {
    /// A buffer of `len` elements from this thread's pool (stale contents), or a new one.
    fn take(len: usize) -> Vec<Self>;
    /// Keeps `v` for this thread's next request.
    fn give(v: Vec<Self>);
}

impl Pooled for f64 {
    fn take(len: usize) -> Vec<Self> {
        take_f64(len)
    }
    fn give(v: Vec<Self>) {
        give_f64(v)
    }
}

impl Pooled for i32 {
    fn take(len: usize) -> Vec<Self> {
        take_i32(len)
    }
    fn give(v: Vec<Self>) {
        give_i32(v)
    }
}

impl Pooled for f32 {
    fn take(len: usize) -> Vec<Self> {
        take_f32(len)
    }
    fn give(v: Vec<Self>) {
        give_f32(v)
    }
}

/// A buffer of this thread's scratch pool, handed back to the pool of the thread that drops
/// it. Its contents start stale: write every element before reading it.
#[derive(Debug)]
pub(crate) struct Scratch<T: Pooled> {
    buf: Vec<T>,
}

impl<T: Pooled> Scratch<T> {
    /// `len` elements from this thread's pool.
    pub(crate) fn take(len: usize) -> Self {
        Self { buf: T::take(len) }
    }

    /// `v` (e.g. a Gram matrix a public kernel returned) to be handed back when dropped.
    pub(crate) fn adopt(v: Vec<T>) -> Self {
        Self { buf: v }
    }
}

impl<T: Pooled> Clone for Scratch<T> {
    fn clone(&self) -> Self {
        let mut copy = Self::take(self.buf.len());
        copy.copy_from_slice(&self.buf);
        copy
    }
}

impl<T: Pooled> Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf
    }
}

impl<T: Pooled> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf
    }
}

impl<T: Pooled> Drop for Scratch<T> {
    fn drop(&mut self) {
        T::give(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_scratch_is_the_next_one_taken_on_this_thread() {
        let len = 1 << 19;
        let first = Scratch::<f64>::take(len);
        let at = first.as_ptr();
        drop(first);
        let again = Scratch::<f64>::take(len - 5);
        assert_eq!(again.as_ptr(), at);
        assert_eq!(again.len(), len - 5);
        // Another thread has its own pool.
        let elsewhere = std::thread::spawn(move || Scratch::<f64>::take(len).as_ptr() as usize)
            .join()
            .unwrap();
        assert_ne!(elsewhere, at as usize);
        // A clone is a copy in a buffer of its own.
        let mut a = Scratch::<i32>::take(4);
        a.copy_from_slice(&[1, 2, 3, 4]);
        let b = a.clone();
        assert_eq!(&*b, &[1, 2, 3, 4]);
        assert_ne!(a.as_ptr(), b.as_ptr());
    }
}
