//! erascore-py: the `erascore._erascore` extension module, the Rust half of the Python
//! package in `python/erascore`.
//!
//! It is deliberately narrow: a few coarse functions that take numpy buffers or Arrow C
//! streams, release the GIL and call the kernels ([`dropin`]: one function per numerai-tools
//! computation, on arrays already aligned by the Python glue) or the scoring engine
//! ([`frames`]: the same `ScoreInputs`/`ScoreConfig` the CLI builds) or the payout rules
//! ([`payout`]). Index alignment,
//! argument defaults, docstrings and pandas shaping live in the Python package.
#![deny(missing_docs)]

use pyo3::exceptions::{PyAssertionError, PyValueError};
use pyo3::prelude::*;

use erascore_kernels::KernelError;

mod arrays;
pub mod compare;
pub mod dropin;
mod errors;
pub mod evaluator;
pub mod frames;
pub mod neutralize;
pub mod payout;
pub mod tables;

/// Kernel refusals that mirror an `assert` in numerai-tools raise `AssertionError`, as the
/// reference does; the rest are bad arguments.
pub(crate) fn kernel_err(e: KernelError) -> PyErr {
    match e {
        KernelError::PowerDistorts { .. } | KernelError::TooFewOverlapping { .. } => {
            PyAssertionError::new_err(e.to_string())
        }
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// The extension module.
#[pymodule]
fn _erascore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A CPU path pinned by ERASCORE_KERNEL / ERASCORE_SIMD that is unknown or missing on this
    // CPU is refused on import, as the CLI refuses it before any work: the kernels would
    // otherwise quietly take the best path and the pin would mean nothing.
    erascore_kernels::cpu::paths_from_env().map_err(|e| PyValueError::new_err(e.to_string()))?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    dropin::register(m)?;
    frames::register(m)?;
    compare::register(m)?;
    payout::register(m)?;
    neutralize::register(m)?;
    tables::register(m)?;
    evaluator::register(m)?;
    Ok(())
}
